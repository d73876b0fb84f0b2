package build

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// realMake is a Make on the real Linux tree with clang-19. Under -short
// the test is skipped; otherwise a missing tree or tool fails it.
func realMake(t *testing.T, tools ...string) *Make {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the real kernel tree and toolchain")
	}
	src := os.Getenv("KCMIN_LINUX")
	if src == "" {
		src = filepath.Join("..", ".cache", "linux-source-6.12")
	}
	if _, err := os.Stat(filepath.Join(src, "Makefile")); err != nil {
		t.Fatalf("the Linux tree (KCMIN_LINUX) is missing; run make linux: %v", err)
	}
	for _, tool := range append([]string{"make", "clang-19", "ld.lld-19"}, tools...) {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing; run make deps: %v", tool, err)
		}
	}
	abs, err := filepath.Abs(src)
	if err != nil {
		t.Fatal(err)
	}
	return &Make{Source: abs, Arch: "x86_64", Vars: []string{"LLVM=-19"}}
}

func TestRealKconfigEnv(t *testing.T) {
	m := realMake(t)
	env, err := m.KconfigEnv(context.Background())
	if err != nil {
		t.Fatalf("KconfigEnv: %v", err)
	}
	for name, want := range map[string]string{
		"CC": "clang-19", "LD": "ld.lld-19", "HOSTCC": "clang-19",
		"ARCH": "x86_64", "SRCARCH": "x86", "srctree": m.Source,
	} {
		if got := env[name]; got != want {
			t.Errorf("%s=%q, want %q", name, got, want)
		}
	}
	for name, pattern := range map[string]string{
		"CC_VERSION_TEXT": `^[^#]*clang version 19\.`,
		"KERNELVERSION":   `^6\.12\.`,
		"CLANG_FLAGS":     `--target=x86_64-linux-gnu`,
	} {
		if got := env[name]; !regexp.MustCompile(pattern).MatchString(got) {
			t.Errorf("%s=%q does not match %s", name, got, pattern)
		}
	}

	v, err := Toolchain(context.Background(), env)
	if err != nil {
		t.Fatalf("Toolchain: %v", err)
	}
	if !regexp.MustCompile(`^clang version 19\.\d+\.\d+$`).MatchString(v.CC) ||
		!regexp.MustCompile(`^LLD 19\.\d+\.\d+$`).MatchString(v.LD) || v.Kernel != env["KERNELVERSION"] {
		t.Errorf("Toolchain = %+v", v)
	}
}

func TestRealQEMUVersion(t *testing.T) {
	realMake(t, "qemu-system-x86_64")
	v, err := QEMUVersion(context.Background(), "qemu-system-x86_64")
	if err != nil {
		t.Fatalf("QEMUVersion: %v", err)
	}
	if !regexp.MustCompile(`^QEMU \d+\.\d+\.\d+$`).MatchString(v) {
		t.Errorf("QEMUVersion = %q", v)
	}
}

// Resolve on the real tree, and what it costs the next build: nothing
// when the resolved config is the one already built, a syncconfig when it
// changed. `make scripts` is the quickest target that syncs the config.
func TestRealResolveAndBuild(t *testing.T) {
	m := realMake(t)
	ctx := context.Background()
	dir := t.TempDir()
	logs := t.TempDir()

	tiny, err := m.Configure(ctx, dir, nil, "tinyconfig")
	if err != nil {
		t.Fatalf("Configure tinyconfig: %v", err)
	}
	for _, line := range []string{"CONFIG_64BIT=y", "# CONFIG_PRINTK is not set"} {
		if !hasLine(tiny, line) {
			t.Fatalf("tinyconfig lacks %q", line)
		}
	}

	// A fragment on the base, as the campaign writes it: unresolved.
	input := append(append([]byte{}, tiny...), "CONFIG_PRINTK=y\n"...)
	var resolveLog bytes.Buffer
	resolved, err := m.Resolve(ctx, dir, input, &resolveLog)
	if err != nil {
		t.Fatalf("Resolve: %v\n%s", err, resolveLog.String())
	}
	if !hasLine(resolved, "CONFIG_PRINTK=y") || hasLine(resolved, "# CONFIG_PRINTK is not set") {
		t.Fatalf("PRINTK=y did not stick:\n%s", resolveLog.String())
	}

	build := func(name string) (*Artifact, string) {
		t.Helper()
		logPath := filepath.Join(logs, name+".log")
		a, err := m.Build(ctx, dir, "scripts", logPath)
		if err != nil {
			t.Fatalf("Build %s: %v", name, err)
		}
		log, _ := os.ReadFile(logPath)
		if !a.OK() {
			t.Fatalf("Build %s: exit %d, timed out %v:\n%s", name, a.ExitCode, a.TimedOut, log)
		}
		if a.PeakRSS <= 0 {
			t.Errorf("Build %s: PeakRSS %d, want the largest process of make's", name, a.PeakRSS)
		}
		t.Logf("build %s: %v, peak %d MiB", name, a.Duration.Round(time.Millisecond), a.PeakRSS>>20)
		return a, string(log)
	}
	synced := func(log string) bool { return strings.Contains(log, "SYNC    include/config/auto.conf") }

	a, log := build("first")
	if !synced(log) {
		t.Errorf("the first build did not sync the config:\n%s", log)
	}
	if a.Image != "" || a.Vmlinux != "" || a.Config != filepath.Join(dir, ".config") {
		t.Errorf("artifact of `make scripts`: %+v", a)
	}

	again, err := m.Resolve(ctx, dir, input, nil)
	if err != nil {
		t.Fatalf("Resolve again: %v", err)
	}
	if !bytes.Equal(again, resolved) {
		t.Errorf("the same input resolved differently")
	}
	if _, log := build("unchanged"); synced(log) {
		t.Errorf("resolving the same config again made the build sync:\n%s", log)
	}

	if _, err := m.Resolve(ctx, dir, tiny, nil); err != nil {
		t.Fatalf("Resolve tinyconfig: %v", err)
	}
	if _, log := build("changed"); !synced(log) {
		t.Errorf("a changed config did not sync:\n%s", log)
	}
}

func hasLine(config []byte, line string) bool {
	for _, l := range strings.Split(string(config), "\n") {
		if l == line {
			return true
		}
	}
	return false
}
