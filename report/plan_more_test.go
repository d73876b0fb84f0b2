package report

import (
	"reflect"
	"slices"
	"testing"
)

// TestPlanEdges covers what TestPlan leaves out: an option of another
// arch, a name taken twice over, an option that names itself among its
// dependencies.
func TestPlanEdges(t *testing.T) {
	opt := func(name, file string, deps ...string) Option {
		return Option{Name: name, Line: "CONFIG_" + name + "=y", DefinedIn: file, DependsOn: deps}
	}
	tests := []struct {
		name  string
		opts  []Option
		taken []string
		want  map[string][]string
	}{
		{
			name: "defined under another arch: kernel/configs",
			opts: []Option{opt("ARM64_PTR_AUTH", "arch/arm64/Kconfig")},
			want: map[string][]string{"kernel/configs/arm64_ptr_auth.config": {"CONFIG_ARM64_PTR_AUTH=y"}},
		},
		{
			name:  "the suffixed name taken too: a number follows",
			opts:  []Option{opt("KVM_GUEST", "arch/x86/Kconfig")},
			taken: []string{"kvm_guest.config", "kvm_guest_kcmin.config"},
			want:  map[string][]string{"arch/x86/configs/kvm_guest_kcmin2.config": {"CONFIG_KVM_GUEST=y"}},
		},
		{
			name: "depending on itself does not make an option needed",
			opts: []Option{opt("QUIET", "lib/Kconfig"), opt("PANIC_ON_OOPS", "lib/Kconfig", "PANIC_ON_OOPS", "QUIET")},
			want: map[string][]string{"kernel/configs/panic_on_oops.config": {"CONFIG_QUIET=y", "CONFIG_PANIC_ON_OOPS=y"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &Input{SrcArch: "x86", Culprits: tt.opts, Base: Base{Targets: []string{"defconfig"}},
				Taken: func(n string) bool { return slices.Contains(tt.taken, n) }}
			got := map[string][]string{}
			for _, f := range Plan(in).Fragments {
				got[f.Path] = f.Lines
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestFragmentsSortedByName: the fragments come in name order, whatever
// the culprits' order, so the reproducer's braces read the same.
func TestFragmentsSortedByName(t *testing.T) {
	in := &Input{SrcArch: "x86", Base: Base{Targets: []string{"defconfig"}}, Culprits: []Option{
		{Name: "ZSWAP", Line: "CONFIG_ZSWAP=y", DefinedIn: "mm/Kconfig"},
		{Name: "KASAN", Line: "CONFIG_KASAN=y", DefinedIn: "lib/Kconfig.kasan"},
		{Name: "MODULES", Line: "CONFIG_MODULES=y", DefinedIn: "init/Kconfig"},
	}}
	var names []string
	for _, f := range Plan(in).Fragments {
		names = append(names, fragName(f))
	}
	if want := []string{"kasan", "modules", "zswap"}; !reflect.DeepEqual(names, want) {
		t.Errorf("fragments %q, want %q", names, want)
	}
}

// TestFlakeRateRuns: one run of the bad config measures nothing; the
// report gives a rate only from two runs on.
func TestFlakeRateRuns(t *testing.T) {
	for _, c := range []struct {
		runs, gone int
		want       float64
	}{{0, 0, -1}, {1, 0, -1}, {1, 1, -1}, {2, 1, 0.5}, {3, 0, 0}} {
		if got := (Stats{BadRuns: c.runs, BadGone: c.gone}).FlakeRate(); got != c.want {
			t.Errorf("%d runs, %d gone: flake rate %v, want %v", c.runs, c.gone, got, c.want)
		}
	}
	in := &Input{Base: Base{Targets: []string{"defconfig"}}, Stats: Stats{BadRuns: 1}}
	if _, r := Make(in); r.FlakeRate != nil {
		t.Errorf("result.json gives a flake rate %v from one run", *r.FlakeRate)
	}
}

// TestBraced: config targets share braces only when all end in config.
func TestBraced(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"defconfig"}, "defconfig"},
		{[]string{"defconfig", "kvm_guest.config", "a.config"}, "{def,kvm_guest.,a.}config"},
		{[]string{"defconfig", "modules_prepare"}, "defconfig modules_prepare"},
	} {
		if got := braced(c.in); got != c.want {
			t.Errorf("braced(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
