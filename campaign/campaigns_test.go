package campaign

import (
	"context"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
)

// TestCampaigns runs every campaign of testdata/campaigns on the fake
// tree, each with its own oracle (log patterns with all and any, a failed
// link, ELF facts, a boot under the fake QEMU, a user's command on the
// resolved config) and its own kind of culprit (bool, tristate =m, int,
// hex, string, removals, dependencies that must come along). Each must
// end verified and 1-minimal on the answer its file states.
func TestCampaigns(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a dozen campaigns of fake builds")
	}
	demo := []string{"CONFIG_AMD_MEM_ENCRYPT=y", "CONFIG_FORTIFY_SOURCE=y", "CONFIG_LLVM_COV_KERNEL=y", "CONFIG_LLVM_COV_PROFILE_ALL=y"}
	tests := []struct {
		file string
		want []string // sorted
	}{
		{"demo.toml", demo},
		{"demo-fragments.toml", demo},
		{"demo-elf.toml", demo},
		{"demo-boot.toml", demo},
		{"demo-any.toml", []string{"CONFIG_AMD_MEM_ENCRYPT=y", "CONFIG_LLVM_COV_KERNEL=y", "CONFIG_LLVM_COV_PROFILE_ALL=y"}},
		{"config-only.toml", []string{"CONFIG_AMD_MEM_ENCRYPT=y", "CONFIG_LLVM_COV_KERNEL=y", "CONFIG_LLVM_COV_PROFILE_ALL=y"}},
		{"tiny-demo.toml", []string{"CONFIG_ACPI=y", "CONFIG_AMD_MEM_ENCRYPT=y", "CONFIG_DEBUG_FS=y", "CONFIG_EFI=y", "CONFIG_EFI_STUB=y",
			"CONFIG_FORTIFY_SOURCE=y", "CONFIG_LLVM_COV_KERNEL=y", "CONFIG_LLVM_COV_PROFILE_ALL=y"}},
		{"framewarn.toml", []string{"CONFIG_FRAME_WARN=1024", "CONFIG_NR_CPUS=1024"}},
		{"linkfail.toml", []string{"CONFIG_BACKLIGHT_CLASS_DEVICE=m", "CONFIG_DRM_BOCHS=y", "CONFIG_DRM_I915=m"}},
		{"physstart.toml", []string{"# CONFIG_EFI_STUB is not set", "# CONFIG_RELOCATABLE is not set", "CONFIG_PHYSICAL_START=0x1100000"}},
		{"rdinit.toml", []string{`CONFIG_CMDLINE="rdinit=/sbin/nosuch"`, "CONFIG_CMDLINE_BOOL=y"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			spec, err := Load(filepath.Join("..", "testdata", "campaigns", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			work := t.TempDir()
			sum, err := Run(context.Background(), spec, Options{Workdir: work})
			if err != nil {
				t.Fatal(err)
			}
			r := sum.Result
			got := append([]string(nil), r.Minimal...)
			sort.Strings(got)
			if !reflect.DeepEqual(got, tt.want) || !r.Verified || !r.OneMinimal {
				t.Errorf("minimal %q verified %v 1-minimal %v, want %q", got, r.Verified, r.OneMinimal, tt.want)
			}
			checkJournal(t, journalOf(t, work))
			t.Logf("%d candidates, %d tests, %d builds, %d cache hits, %d unresolved", r.Candidates, r.Tests, r.Builds, r.CacheHits, r.Unresolved)
		})
	}
}

// TestRootCampaign keeps minimize.toml, the campaign make run runs, the
// same campaign as testdata/campaigns/demo.toml.
func TestRootCampaign(t *testing.T) {
	root, err := Load(filepath.Join("..", "minimize.toml"))
	if err != nil {
		t.Fatal(err)
	}
	demo, err := Load(filepath.Join("..", "testdata", "campaigns", "demo.toml"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := root.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	b, err := demo.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	if d := diffLines(string(a), string(b)); string(a) != string(b) {
		t.Errorf("minimize.toml and testdata/campaigns/demo.toml differ: %q", d)
	}
}
