package campaign

import (
	"github.com/kcmin/kcmin/kconfig"
	"reflect"
	"strings"
	"testing"
)

// candidateStrings renders candidates as TestFindCandidates wants them:
// NAME=bad, joined by "+", with the names of their deps in parentheses.
func candidateStrings(cs Candidates) []string {
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
	return got
}

// TestFindCandidatesEdges covers what the walk must not add: a symbol
// whose two spellings of n differ only in form, a selector that would
// not hold the option above its bad value; and what it must: the
// providers of a promptless non-bool that changed.
func TestFindCandidatesEdges(t *testing.T) {
	tests := []struct {
		name      string
		know      *fakeKnowledge
		base, bad string
		want      []string
		followers []string
	}{
		{
			name: "absent and is not set are the same n",
			know: &fakeKnowledge{order: []string{"A", "X"}},
			base: "# CONFIG_X is not set",
			bad:  "CONFIG_A=y",
			want: []string{"A=y"},
		},
		{
			name: "symbols the tree does not place go last, by name",
			know: &fakeKnowledge{order: []string{"Z", "A"}},
			bad:  "CONFIG_ZED=y;CONFIG_A=y;CONFIG_BEE=y;CONFIG_Z=y",
			want: []string{"Z=y", "A=y", "BEE=y", "ZED=y"},
		},
		{
			name: "a selector at the option's bad value does not hold it above",
			know: &fakeKnowledge{order: []string{"SEL", "OPT"},
				selected: map[string][]string{"OPT": {"SEL"}}},
			base: "CONFIG_SEL=m;CONFIG_OPT=y",
			bad:  "CONFIG_SEL=y;CONFIG_OPT=m",
			want: []string{"SEL=y", "OPT=m"},
		},
		{
			name: "a promptless int that changed brings the options its default names",
			know: &fakeKnowledge{order: []string{"C", "HN", "USER"},
				hidden:   map[string]bool{"HN": true},
				deps:     map[string][]string{"USER": {"HN"}},
				defaults: map[string][]string{"HN": {"C"}}},
			bad:       "CONFIG_C=y;CONFIG_HN=10;CONFIG_USER=y",
			want:      []string{"C=y", "USER=y(C)"},
			followers: []string{"HN"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := FindCandidates(tt.know, config(t, tt.base), config(t, tt.bad))
			if got := candidateStrings(cs); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("candidates %q, want %q", got, tt.want)
			}
			if !reflect.DeepEqual(cs.Followers, tt.followers) {
				t.Errorf("followers %q, want %q", cs.Followers, tt.followers)
			}
			checkProblem(t, cs)
		})
	}
}

// TestApplyValues: a test's config holds each kept candidate's bad value
// as the resolver reads it (a string unquoted, with its escapes undone),
// and the fragment is those lines alone, in candidate order.
func TestApplyValues(t *testing.T) {
	know := &fakeKnowledge{order: []string{"S", "N", "T"}}
	base := config(t, `CONFIG_S="old";CONFIG_N=1;CONFIG_KEEP=y`)
	cs := FindCandidates(know, base, config(t, `CONFIG_S="say \"hi\"";CONFIG_N=2;CONFIG_T=m;CONFIG_KEEP=y`))
	c := apply(base, cs.Options([]int{0, 2}))
	if e, _ := c.Get("S"); e.Value != `say "hi"` || !e.Quoted {
		t.Errorf("S is %+v, want the string say \"hi\"", e)
	}
	if got := c.Value("N"); got != "1" {
		t.Errorf("N is %q, want the base's 1 (not kept)", got)
	}
	if got := c.Value("T"); got != "m" {
		t.Errorf("T is %q, want m", got)
	}
	if got := c.Value("KEEP"); got != "y" {
		t.Errorf("KEEP is %q, want the base's y", got)
	}
	var lines []string
	for _, e := range apply(kconfig.NewConfig(), cs.Options([]int{0, 2})).Entries() {
		lines = append(lines, e.Line())
	}
	if want := []string{`CONFIG_S="say \"hi\""`, `CONFIG_T=m`}; !reflect.DeepEqual(lines, want) {
		t.Errorf("fragment %q, want %q", lines, want)
	}
}
