package kconfig_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/kcmin/kcmin/kconfig"
)

// TestNeeds: what a symbol needs is read from the unmet part of its
// condition on the base, not from every symbol the condition names. The
// tree is the real shapes of two cases: an option whose dependency the
// base meets through symbols whose own prompts need EXPERT, and a driver
// under a menu whose symbol the base has at y and the bad config at m.
func TestNeeds(t *testing.T) {
	tree, err := parseText(t, map[string]string{"Kconfig": `
config MODULES
	bool "modules"
	modules
config EXPERT
	bool "expert"
config PROCESSOR_SELECT
	bool "select" if EXPERT
config CPU_SUP_INTEL
	bool "intel" if PROCESSOR_SELECT
	default y
config CPU_SUP_AMD
	bool "amd" if PROCESSOR_SELECT
	default y
config RESCTRL
	bool "resctrl"
	depends on CPU_SUP_INTEL || CPU_SUP_AMD
config PHYLIB
	tristate "phylib"
if PHYLIB
config PHY_DRIVER
	tristate "a phy"
endif
config NET
	bool "net"
config NETDEV
	tristate "a netdev"
	depends on NET && (PHYLIB || EXPERT)
config PCI
	bool "pci"
config DRV
	tristate "drv"
	depends on PCI || EXPERT
config KVM
	tristate "kvm"
config KVM_INTEL
	tristate "intel"
	depends on KVM
config KVM_AMD
	tristate "amd"
	depends on KVM
config KVM_X86
	def_tristate KVM if (KVM_INTEL != n || KVM_AMD != n)
config KVMGT
	tristate "kvmgt"
	depends on KVM_X86
config AC97_BUS
	tristate
config SND_AC97
	tristate "ac97 codec"
	select AC97_BUS
config TOUCH_AC97
	tristate "touch"
	depends on AC97_BUS
`})
	if err != nil {
		t.Fatal(err)
	}
	read := func(text string) *kconfig.Eval {
		c, _, err := kconfig.ReadConfig(strings.NewReader(strings.ReplaceAll(text, ";", "\n")), "c")
		if err != nil {
			t.Fatal(err)
		}
		return tree.Evaluate(c)
	}
	base := read("CONFIG_MODULES=y;CONFIG_PHYLIB=y")
	bad := read("CONFIG_MODULES=y;CONFIG_EXPERT=y;CONFIG_PHYLIB=m;CONFIG_PHY_DRIVER=m;CONFIG_RESCTRL=y;CONFIG_NET=y;CONFIG_NETDEV=y;CONFIG_DRV=m;" +
		"CONFIG_KVM=m;CONFIG_KVM_INTEL=m;CONFIG_KVMGT=m;CONFIG_SND_AC97=m;CONFIG_TOUCH_AC97=m")
	cases := []struct {
		name, want string
		needs      []kconfig.Need
	}{
		// CPU_SUP_INTEL is y in the base: EXPERT, which its prompt
		// needs, is nothing RESCTRL needs.
		{"RESCTRL", "y", nil},
		// PHYLIB=y in the base lets the driver be m already.
		{"PHY_DRIVER", "m", nil},
		// Only the unmet conjunct; of the "||", PHYLIB meets it.
		{"NETDEV", "y", []kconfig.Need{{Name: "NET", Want: "y"}}},
		// Neither branch is met in the base: the one the bad config meets.
		{"DRV", "m", []kconfig.Need{{Name: "EXPERT", Want: "m"}}},
		// Removing what the base has needs nothing.
		{"PHYLIB", "n", nil},
		// A promptless symbol on the way needs what gives it its value
		// in the bad config: its default's value and the branch of its
		// condition the bad config meets.
		{"KVM_X86", "m", []kconfig.Need{{Name: "KVM", Want: "m"}, {Name: "KVM_INTEL", Want: "m"}}},
		// ... or the select that gives it.
		{"AC97_BUS", "m", []kconfig.Need{{Name: "SND_AC97", Want: "m"}}},
	}
	for _, c := range cases {
		got := base.Needs(c.name, c.want, bad, true)
		if !reflect.DeepEqual(got, c.needs) {
			t.Errorf("Needs(%s=%s) = %v, want %v", c.name, c.want, got, c.needs)
		}
	}
	// A base that does not meet the dependency: the walk goes through
	// the prompts of the symbols it names.
	tiny := read("CONFIG_MODULES=y;CONFIG_EXPERT=y;CONFIG_PROCESSOR_SELECT=y;CONFIG_CPU_SUP_INTEL=n;CONFIG_CPU_SUP_AMD=n")
	if got := tiny.Needs("RESCTRL", "y", bad, true); len(got) != 1 || got[0].Name != "CPU_SUP_INTEL" {
		t.Errorf("Needs(RESCTRL=y) on a base that turned Intel and AMD off = %v, want CPU_SUP_INTEL", got)
	}
}
