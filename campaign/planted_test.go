package campaign

import (
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// debianConfig decompresses Debian's amd64 config into dir.
func debianConfig(t *testing.T, dir string) string {
	t.Helper()
	const xz = "/usr/src/linux-config-6.12/config.amd64_none_amd64.xz"
	out, err := exec.Command("xz", "-dc", xz).Output()
	if err != nil {
		t.Fatalf("decompress %s (make deps installs linux-config-6.12): %v", xz, err)
	}
	p := filepath.Join(dir, "config.amd64_none_amd64")
	if err := os.WriteFile(p, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// plantedSpec is a config-only campaign on the real tree: base
// x86_64_defconfig, bad Debian's config, and a command that calls the
// failure there when the resolved config has every planted line.
func plantedSpec(t *testing.T, src, bad string, planted []string) *Spec {
	t.Helper()
	here, err := filepath.Abs("testdata/real")
	if err != nil {
		t.Fatal(err)
	}
	cmd := []string{strconv.Quote(filepath.Join(here, "planted.sh"))}
	for _, l := range planted {
		cmd = append(cmd, strconv.Quote(l))
	}
	text := `[kernel]
source = "` + src + `"
make_vars = ["LLVM=-19"]
target = ""
[config]
base = "x86_64_defconfig"
bad = "` + bad + `"
[oracle]
command = [` + strings.Join(cmd, ", ") + `]
`
	p := filepath.Join(t.TempDir(), "planted.toml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	spec, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// plantedCampaign runs the planted campaign to its end.
func plantedCampaign(t *testing.T, src, bad string, planted []string) *Summary {
	t.Helper()
	sum, err := Run(context.Background(), plantedSpec(t, src, bad, planted), Options{Workdir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// checkPlanted asserts that the result is the planted lines plus only
// lines needed for others to stick, each saying which, verified and
// 1-minimal; it returns the extras.
func checkPlanted(t *testing.T, sum *Summary, planted []string) []string {
	t.Helper()
	r := sum.Result
	if !r.Verified || !r.OneMinimal {
		t.Errorf("verified %v 1-minimal %v, want both", r.Verified, r.OneMinimal)
	}
	var extras []string
	for _, l := range r.Minimal {
		if slices.Contains(planted, l) {
			continue
		}
		extras = append(extras, l)
		if len(r.NeededFor[l]) == 0 {
			t.Errorf("%s is in the result, neither planted nor needed for another line", l)
		}
	}
	for _, p := range planted {
		if !slices.Contains(r.Minimal, p) {
			t.Errorf("planted %s is missing from the result %q", p, r.Minimal)
		}
	}
	return extras
}

// TestRealPlanted: the two cases on the real 6.12 Kconfig space in which
// results carried options that nothing needed. X86_CPU_RESCTRL depends on
// CPU_SUP_INTEL || CPU_SUP_AMD, both y in the base, whose prompts need
// EXPERT: EXPERT is no part of the answer. DP83TC811_PHY=m sits under
// PHYLIB, y in the base and m in the bad config: PHYLIB, and the drivers
// that select it, are none either.
func TestRealPlanted(t *testing.T) {
	if testing.Short() {
		t.Skip("runs make olddefconfig on the real kernel tree for each test")
	}
	src := linuxTree(t)
	bad := debianConfig(t, t.TempDir())
	for _, planted := range [][]string{
		{"CONFIG_CFS_BANDWIDTH=y", "CONFIG_X86_CPU_RESCTRL=y", "CONFIG_NOTIFIER_ERROR_INJECTION=m"},
		{"CONFIG_DP83TC811_PHY=m"},
	} {
		t.Run(planted[len(planted)-1], func(t *testing.T) {
			sum := plantedCampaign(t, src, bad, planted)
			r := sum.Result
			if extras := checkPlanted(t, sum, planted); len(extras) > 0 {
				t.Errorf("result %q carries %q, which the base plus the planted lines do not need", r.Minimal, extras)
			}
			t.Logf("%d candidates, %d tests (bound %d), %.0f s", r.Candidates, r.Tests, bound(r.Candidates, len(planted)), r.Seconds)
		})
	}
}

// bound is the information bound of a search for k culprits among n:
// ceil(log2 C(n, k)).
func bound(n, k int) int {
	l := 0.0
	for i := 0; i < k; i++ {
		l += math.Log2(float64(n-i)) - math.Log2(float64(i+1))
	}
	return int(math.Ceil(l))
}
