package campaign

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// linuxTree is the real kernel tree the tests use: $KCMIN_LINUX, or the
// one make unpacks under .cache.
func linuxTree(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("KCMIN_LINUX")
	if dir == "" {
		dir = filepath.Join("..", ".cache", "linux-source-6.12")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "Kconfig")); err != nil {
		t.Fatalf("no Linux tree at %s (make linux unpacks it): %v", dir, err)
	}
	for _, tool := range []string{"make", "clang-19", "ld.lld-19", "ccache"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing (make deps installs it): %v", tool, err)
		}
	}
	return dir
}

// TestRealTree runs a campaign on the real kernel tree without building:
// tinyconfig plus the boot fragment as the base, thirty real options more
// as the bad config, and a command that judges the resolved config. Every
// test runs the kernel's own make olddefconfig, so this checks on the
// real Kconfig what the fake tree cannot: which differences are
// candidates, that subsets stick, and that kcmin's resolver predicts what
// make writes (no disagreement, so the cache can trust it). It compiles
// through ccache, as a user who wants fast builds does: Kconfig's compiler
// probes must then agree with make's, and the reproducer must not carry
// ccache into a mailing-list report.
func TestRealTree(t *testing.T) {
	if testing.Short() {
		t.Skip("runs make olddefconfig on the real kernel tree a few dozen times")
	}
	src := linuxTree(t)
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	here, err := filepath.Abs("testdata/real")
	if err != nil {
		t.Fatal(err)
	}
	text := `[kernel]
source = "` + src + `"
make_vars = ["LLVM=-19"]
target = ""
ccache = true
[config]
base = "tinyconfig"
base_fragments = ["` + filepath.Join(root, "testdata/boot/boot.config") + `"]
bad_fragments = ["` + filepath.Join(here, "bad.fragment") + `"]
[oracle]
command = ["` + filepath.Join(here, "judge.sh") + `"]
[search]
algorithm = "auto"
`
	p := filepath.Join(t.TempDir(), "real.toml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	spec, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Run(context.Background(), spec, Options{Workdir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	r := sum.Result
	want := []string{`CONFIG_CMDLINE_BOOL=y`, `CONFIG_CMDLINE="console=ttyS0"`, `CONFIG_DEBUG_ENTRY=y`, `CONFIG_KCOV=y`}
	if !reflect.DeepEqual(r.Minimal, want) || !r.Verified || !r.OneMinimal {
		t.Errorf("minimal %q verified %v 1-minimal %v, want %q", r.Minimal, r.Verified, r.OneMinimal, want)
	}
	if r.Disagreements != 0 {
		t.Errorf("kcmin's resolver disagreed with make olddefconfig %d times", r.Disagreements)
	}
	if r.Unresolved != 0 {
		t.Errorf("%d tests unresolved: subsets did not stick", r.Unresolved)
	}
	if cmds := strings.Join(r.Reproducer, "\n"); !strings.Contains(cmds, "LLVM=-19") || strings.Contains(cmds, "ccache") {
		t.Errorf("the reproducer should name LLVM=-19 and not ccache:\n%s", cmds)
	}
	if !slices.ContainsFunc(r.Versions, func(v string) bool { return strings.HasPrefix(v, "clang version 19") }) {
		t.Errorf("versions %q name no clang 19: CC through ccache was not asked", r.Versions)
	}
	t.Logf("%d candidates, %d tests, %d cache hits, %.0f s", r.Candidates, r.Tests, r.CacheHits, r.Seconds)
}
