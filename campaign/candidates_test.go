package campaign

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kcmin/kcmin/kconfig"
)

// fakeKnowledge is a Kconfig tree described by maps.
type fakeKnowledge struct {
	order    []string            // menu order
	hidden   map[string]bool     // prompt not visible in the bad config
	deps     map[string][]string // depends on
	selected map[string][]string // selected by
	defaults map[string][]string // defaults name
	choices  [][]string          // members of each choice
	files    map[string]string
}

func (k *fakeKnowledge) Settable(in *kconfig.Config, name string) bool { return !k.hidden[name] }

// Needs takes a dependency that is on in the base as met, a selector
// above want in the base as holding the symbol up, and a hidden symbol
// that changed as given by one source; a choice's members that change
// need each other.
func (k *fakeKnowledge) Needs(base, bad *kconfig.Config, name, want string, set bool) []kconfig.Need {
	var out []kconfig.Need
	for _, s := range k.selected[name] {
		if triRank(literal(base, s)) > triRank(want) {
			out = append(out, kconfig.Need{Name: s, Want: literal(bad, s)})
		}
	}
	if k.hidden[name] && literal(base, name) != literal(bad, name) {
		// No fragment sets it: the first selector or default source, in
		// menu order, that is on in the bad config gives it its value.
		pick := ""
		for _, p := range append(slices.Clone(k.selected[name]), k.defaults[name]...) {
			if triRank(literal(bad, p)) > 0 && (pick == "" || k.MenuIndex(p) < k.MenuIndex(pick)) {
				pick = p
			}
		}
		if pick != "" {
			out = append(out, kconfig.Need{Name: pick, Want: literal(bad, pick)})
		}
	}
	for _, d := range k.deps[name] {
		if literal(base, d) == "n" {
			out = append(out, kconfig.Need{Name: d, Want: literal(bad, d)})
		}
	}
	for _, ch := range k.choices {
		if slices.Contains(ch, name) {
			for _, m := range ch {
				if m != name && literal(base, m) != literal(bad, m) {
					out = append(out, kconfig.Need{Name: m, Want: literal(bad, m)})
				}
			}
		}
	}
	return out
}
func (k *fakeKnowledge) DefinedIn(name string) string                        { return k.files[name] }
func (k *fakeKnowledge) Explain(*kconfig.Config, string, string) string      { return "" }
func (k *fakeKnowledge) CheckInput(*kconfig.Config) ([]kconfig.Entry, error) { return nil, nil }
func (k *fakeKnowledge) Resolve(c *kconfig.Config) (*kconfig.Config, error) {
	return c.Clone(), nil
}
func (k *fakeKnowledge) MenuPath(string) []string { return nil }
func (k *fakeKnowledge) About(string) About       { return About{} }

func (k *fakeKnowledge) MenuIndex(name string) int {
	for i, n := range k.order {
		if n == name {
			return i
		}
	}
	return -1
}

func config(t *testing.T, text string) *kconfig.Config {
	t.Helper()
	c, _, err := kconfig.ReadConfig(strings.NewReader(strings.ReplaceAll(text, ";", "\n")), "test")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFindCandidates(t *testing.T) {
	tests := []struct {
		name      string
		know      *fakeKnowledge
		base, bad string
		want      []string // candidate: NAME(deps by name)
		followers []string
	}{
		{
			name: "menu order, values of every type, absent is n",
			know: &fakeKnowledge{order: []string{"Z", "A", "S", "H", "N", "GONE"}},
			base: "CONFIG_A=y;CONFIG_N=10;CONFIG_S=\"x\";CONFIG_H=0x10;# CONFIG_Z is not set;CONFIG_GONE=m",
			bad:  "# CONFIG_A is not set;CONFIG_N=20;CONFIG_S=\"y\";CONFIG_H=0x20;CONFIG_Z=m",
			want: []string{"Z=m", "A=n", "S=\"y\"", "H=0x20", "N=20", "GONE=n"},
		},
		{
			name:      "a hidden prompt follows; an int the bad config drops follows",
			know:      &fakeKnowledge{order: []string{"A", "B", "N"}, hidden: map[string]bool{"B": true}},
			base:      "CONFIG_N=5",
			bad:       "CONFIG_A=y;CONFIG_B=y",
			want:      []string{"A=y"},
			followers: []string{"B", "N"},
		},
		{
			name: "dependencies through symbols that did not change, transitively",
			know: &fakeKnowledge{order: []string{"A", "B", "C"}, deps: map[string][]string{"C": {"X"}, "X": {"B"}, "B": {"A"}}},
			bad:  "CONFIG_A=y;CONFIG_B=y;CONFIG_C=y",
			want: []string{"A=y", "B=y(A)", "C=y(A,B)"},
		},
		{
			name: "a choice's members become one candidate",
			know: &fakeKnowledge{order: []string{"HZ_100", "HZ_250", "USER"},
				choices: [][]string{{"HZ_100", "HZ_250"}}, deps: map[string][]string{"USER": {"HZ_100"}}},
			base: "CONFIG_HZ_250=y;# CONFIG_HZ_100 is not set",
			bad:  "CONFIG_HZ_100=y;# CONFIG_HZ_250 is not set;CONFIG_USER=y",
			want: []string{"HZ_100=y+HZ_250=n", "USER=y(HZ_100+HZ_250)"},
		},
		{
			name: "a dependency the base meets calls for nothing",
			know: &fakeKnowledge{order: []string{"EXPERT", "CPU_SUP_INTEL", "RESCTRL"},
				deps: map[string][]string{"RESCTRL": {"CPU_SUP_INTEL"}, "CPU_SUP_INTEL": {"EXPERT"}}},
			base: "CONFIG_CPU_SUP_INTEL=y",
			bad:  "CONFIG_CPU_SUP_INTEL=y;CONFIG_EXPERT=y;CONFIG_RESCTRL=y",
			want: []string{"EXPERT=y", "RESCTRL=y"},
		},
		{
			name: "a selector that would hold the option above its bad value goes with it",
			know: &fakeKnowledge{order: []string{"LAPTOP", "KEYMAP", "OTHER"},
				selected: map[string][]string{"KEYMAP": {"LAPTOP", "OTHER"}}},
			base: "CONFIG_LAPTOP=y;CONFIG_KEYMAP=y",
			bad:  "CONFIG_LAPTOP=m;CONFIG_KEYMAP=m;CONFIG_OTHER=y",
			want: []string{"LAPTOP=m", "KEYMAP=m(LAPTOP)", "OTHER=y"},
		},
		{
			name: "a promptless symbol that changed brings one provider, the first that turns on",
			know: &fakeKnowledge{order: []string{"DRM_A", "DRM_B", "FB_CORE", "FBCON"},
				hidden:   map[string]bool{"FB_CORE": true},
				deps:     map[string][]string{"FBCON": {"FB_CORE"}},
				selected: map[string][]string{"FB_CORE": {"DRM_B", "DRM_A"}}},
			bad:       "CONFIG_DRM_A=y;CONFIG_DRM_B=y;CONFIG_FB_CORE=y;CONFIG_FBCON=y",
			want:      []string{"DRM_A=y", "DRM_B=y", "FBCON=y(DRM_A)"},
			followers: []string{"FB_CORE"},
		},
		{
			name: "a promptless symbol's default names the provider",
			know: &fakeKnowledge{order: []string{"C", "HIDDEN", "USER"},
				hidden:   map[string]bool{"HIDDEN": true},
				deps:     map[string][]string{"USER": {"HIDDEN"}},
				defaults: map[string][]string{"HIDDEN": {"C"}}},
			bad:       "CONFIG_C=y;CONFIG_HIDDEN=y;CONFIG_USER=y",
			want:      []string{"C=y", "USER=y(C)"},
			followers: []string{"HIDDEN"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := FindCandidates(tt.know, config(t, tt.base), config(t, tt.bad))
			var got []string
			for _, c := range cs.List {
				var parts []string
				for _, o := range c.Options {
					parts = append(parts, o.Name+"="+o.Bad)
				}
				s := strings.Join(parts, "+")
				if len(c.Deps) > 0 {
					s += "(" + strings.Join(cs.Names(c.Deps), ",") + ")"
				}
				got = append(got, s)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("candidates %q, want %q", got, tt.want)
			}
			if !reflect.DeepEqual(cs.Followers, tt.followers) {
				t.Errorf("followers %q, want %q", cs.Followers, tt.followers)
			}
			// The search's view: every Deps list sorted, acyclic by
			// construction (a cycle became one candidate).
			checkProblem(t, cs)
		})
	}
}

func TestHash(t *testing.T) {
	a := config(t, "CONFIG_A=y;# CONFIG_B is not set;CONFIG_S=\"5\"")
	b := config(t, "CONFIG_S=\"5\";CONFIG_A=y")
	c := config(t, "CONFIG_S=5;CONFIG_A=y")
	if Hash(a) != Hash(b) {
		t.Error("order and unset symbols change the hash")
	}
	if Hash(a) == Hash(c) {
		t.Error("a quoted and a bare value hash alike")
	}
}
