package build

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func fakeMake(t *testing.T) *Make {
	t.Helper()
	src, err := filepath.Abs("testdata/fakemake")
	if err != nil {
		t.Fatal(err)
	}
	return &Make{Source: src, Arch: "x86_64", Vars: []string{"LLVM=-19"}, Jobs: 3}
}

func TestMakeCommandLine(t *testing.T) {
	// A make running kcmin must not leak its variables into the kernel's.
	t.Setenv("MAKEFLAGS", "LLVM=leaked KCONFIG_CONFIG=leaked")
	t.Setenv("KCONFIG_CONFIG", "leaked")
	m := fakeMake(t)
	dir := t.TempDir()
	var log bytes.Buffer
	if err := m.Run(context.Background(), dir, &log, "vars"); err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := "O=" + dir + " ARCH=x86_64 LLVM=-19 KCONFIG_CONFIG=.config jobs=-j3"
	if !strings.Contains(log.String(), want) {
		t.Errorf("make saw:\n%s\nwant a line %q", log.String(), want)
	}
}

func TestMakeBadVariable(t *testing.T) {
	m := fakeMake(t)
	m.Vars = []string{"LLVM"}
	err := m.Run(context.Background(), t.TempDir(), nil, "vars")
	if err == nil || !strings.Contains(err.Error(), `"LLVM" is not NAME=value`) {
		t.Errorf("Run: %v, want an error naming the variable", err)
	}
}

func TestMakeRunFailureQuotesComplaint(t *testing.T) {
	err := fakeMake(t).Run(context.Background(), t.TempDir(), nil, "noisy")
	if err == nil {
		t.Fatal("Run of a failing target: no error")
	}
	if !strings.Contains(err.Error(), "exit status 2: Makefile:12: the real complaint") {
		t.Errorf("error %q does not quote the complaint", err)
	}
}

func TestMakeNotFound(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ".config"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := fakeMake(t).Build(context.Background(), dir, "bzImage", filepath.Join(dir, "log")); err == nil {
		t.Error("Build without make: no error")
	}
}

func TestResolveKeepsTimeWhenUnchanged(t *testing.T) {
	m := fakeMake(t)
	dir := t.TempDir()
	path := filepath.Join(dir, ".config")
	input := []byte("CONFIG_B=y\nCONFIG_A=y\nCONFIG_A=y\n")
	want := "CONFIG_A=y\nCONFIG_B=y\n"

	got, err := m.Resolve(context.Background(), dir, input, nil)
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	if string(got) != want {
		t.Fatalf("resolved %q, want %q", got, want)
	}
	past := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(path, past, past); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name  string
		input string
	}{
		{"same input", string(input)},
		{"already resolved", want},
		{"other input, same result", "CONFIG_A=y\nCONFIG_B=y\nCONFIG_B=y\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := m.Resolve(context.Background(), dir, []byte(tc.input), nil)
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if string(got) != want {
				t.Errorf("resolved %q, want %q", got, want)
			}
			if mt := modTime(path); !mt.Equal(past) {
				t.Errorf(".config time %v, want it kept at %v", mt, past)
			}
		})
	}

	t.Run("changed", func(t *testing.T) {
		got, err := m.Resolve(context.Background(), dir, []byte("CONFIG_C=y\n"), nil)
		if err != nil {
			t.Fatalf("Resolve: %v", err)
		}
		if string(got) != "CONFIG_C=y\n" {
			t.Errorf("resolved %q", got)
		}
		if mt := modTime(path); !mt.After(past) {
			t.Errorf(".config time %v not updated", mt)
		}
	})
}

func TestConfigure(t *testing.T) {
	m := fakeMake(t)
	dir := t.TempDir()
	got, err := m.Configure(context.Background(), dir, nil, "defconfig")
	if err != nil {
		t.Fatalf("Configure: %v", err)
	}
	if want := "CONFIG_B=y\nCONFIG_A=y\n"; string(got) != want {
		t.Errorf("config %q, want %q", got, want)
	}
	path := filepath.Join(dir, ".config")
	past := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(path, past, past); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Configure(context.Background(), dir, nil, "defconfig"); err != nil {
		t.Fatalf("Configure again: %v", err)
	}
	if mt := modTime(path); !mt.Equal(past) {
		t.Errorf(".config time %v, want it kept at %v", mt, past)
	}
	if _, err := m.Configure(context.Background(), dir, nil); err == nil {
		t.Error("Configure without a target: no error")
	}
}

func TestBuild(t *testing.T) {
	m := fakeMake(t)
	dir := t.TempDir()
	if _, err := m.Build(context.Background(), dir, "bzImage", filepath.Join(dir, "log")); err == nil {
		t.Error("Build without a .config: no error")
	}
	if _, err := m.Configure(context.Background(), dir, nil, "defconfig"); err != nil {
		t.Fatal(err)
	}

	logPath := filepath.Join(t.TempDir(), "tests", "0001", "build.log")
	a, err := m.Build(context.Background(), dir, "bzImage", logPath)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	want := Artifact{
		Source: m.Source, Dir: dir, Config: filepath.Join(dir, ".config"), Log: logPath,
		Vmlinux: filepath.Join(dir, "vmlinux"), VmlinuxO: filepath.Join(dir, "vmlinux.o"),
		Image: filepath.Join(dir, "arch/x86/boot/bzImage"), Target: "bzImage",
	}
	checkArtifact(t, a, want)
	if log, _ := os.ReadFile(logPath); !bytes.Contains(log, []byte("objtool: do_syscall_64+0x7a")) {
		t.Errorf("log lacks make's output:\n%s", log)
	}

	// A failing link: vmlinux.o is new, vmlinux and the image are the last
	// build's and must not be judged.
	if err := os.WriteFile(filepath.Join(dir, ".config"), []byte("CONFIG_FAIL=y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err = m.Build(context.Background(), dir, "bzImage", logPath)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	want.ExitCode, want.Vmlinux, want.Image = 2, "", ""
	checkArtifact(t, a, want)
	if log, _ := os.ReadFile(logPath); !bytes.Contains(log, []byte("ld.lld: error: undefined symbol: __profc_foo")) {
		t.Errorf("log lacks make's errors:\n%s", log)
	}
}

func checkArtifact(t *testing.T, a *Artifact, want Artifact) {
	t.Helper()
	if a.Duration <= 0 {
		t.Errorf("Duration %v", a.Duration)
	}
	if a.PeakRSS <= 0 {
		t.Errorf("PeakRSS %d, want make's", a.PeakRSS)
	}
	got := *a
	got.Duration, got.PeakRSS = 0, 0
	if got != want {
		t.Errorf("artifact\n%+v\nwant\n%+v", got, want)
	}
}

func TestBuildTimeoutKillsGroup(t *testing.T) {
	m := fakeMake(t)
	m.Timeout = 500 * time.Millisecond
	dir := t.TempDir()
	if _, err := m.Configure(context.Background(), dir, nil, "defconfig"); err != nil {
		t.Fatal(err)
	}
	a, err := m.Build(context.Background(), dir, "sleep", filepath.Join(dir, "log"))
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if !a.TimedOut || a.ExitCode != -1 || a.OK() {
		t.Errorf("TimedOut %v, ExitCode %d, want true, -1", a.TimedOut, a.ExitCode)
	}
	assertGone(t, readPid(t, filepath.Join(dir, "sleep.pid")))
}

func TestBuildCancelKillsGroup(t *testing.T) {
	m := fakeMake(t)
	dir := t.TempDir()
	if _, err := m.Configure(context.Background(), dir, nil, "defconfig"); err != nil {
		t.Fatal(err)
	}
	pidFile := filepath.Join(dir, "sleep.pid")
	for _, tc := range []struct {
		name string
		run  func(ctx context.Context) error
	}{
		{"Build", func(ctx context.Context) error {
			_, err := m.Build(ctx, dir, "sleep", filepath.Join(dir, "log"))
			return err
		}},
		{"Run", func(ctx context.Context) error { return m.Run(ctx, dir, nil, "sleep") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(pidFile)
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				waitForFile(pidFile)
				cancel()
			}()
			if err := tc.run(ctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("%s: %v, want context.Canceled", tc.name, err)
			}
			assertGone(t, readPid(t, pidFile))
		})
	}
}

func TestKconfigEnvFake(t *testing.T) {
	env, err := fakeMake(t).KconfigEnv(context.Background())
	if err != nil {
		t.Fatalf("KconfigEnv: %v", err)
	}
	for name, want := range map[string]string{
		"ARCH":               "x86_64",
		"LLVM":               "-19",
		"KERNELVERSION":      "6.12.0-fake",
		"CC_VERSION_TEXT":    "Debian clang version 19.1.7 (3~deb12u1) fake",
		"RUSTC_VERSION_TEXT": "rustc 1.95.0 (two lines)",
	} {
		if got := env[name]; got != want {
			t.Errorf("%s=%q, want %q", name, got, want)
		}
	}
	for _, name := range []string{"MAKEFLAGS", "MAKELEVEL", "O", "PWD"} {
		if v, ok := env[name]; ok {
			t.Errorf("%s=%q is the probe's, not a build's", name, v)
		}
	}

	v, err := Toolchain(context.Background(), env)
	if err != nil {
		t.Fatalf("Toolchain: %v", err)
	}
	if want := (Versions{Kernel: "6.12.0-fake", CC: "clang version 19.1.7", LD: "LLD 19.1.7"}); v != want {
		t.Errorf("Toolchain %+v, want %+v", v, want)
	}
}

func TestParseProbe(t *testing.T) {
	out := "make: Entering directory 'x'\n" + probeBegin + "\x00A=1\x00B=two\nlines\x00MAKEFLAGS=-s\x00" + probeEnd + "\x00make: Leaving directory"
	env, err := parseProbe([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(env) != 2 || env["A"] != "1" || env["B"] != "two\nlines" {
		t.Errorf("parsed %q", env)
	}
	if _, err := parseProbe([]byte("make: *** No rule to make target")); err == nil {
		t.Error("output without the probe: no error")
	}
}

func TestSrcArch(t *testing.T) {
	for arch, want := range map[string]string{
		"x86_64": "x86", "i386": "x86", "x86": "x86", "arm64": "arm64",
		"sparc64": "sparc", "riscv": "riscv", "um": "um",
		"sh64": "sh", "parisc64": "parisc",
		// The Makefile maps no machine names: make ARCH=aarch64 fails.
		"aarch64": "aarch64", "i686": "i686",
	} {
		if got := SrcArch(arch); got != want {
			t.Errorf("SrcArch(%q) = %q, want %q", arch, got, want)
		}
	}
}

// TestSubArch: a build without ARCH= is the host's, named as the
// kernel's scripts/subarch.include names uname -m.
func TestSubArch(t *testing.T) {
	for machine, want := range map[string]string{
		"x86_64": "x86", "i686": "x86", "i386": "x86", "aarch64": "arm64", "arm64": "arm64",
		"armv7l": "arm", "ppc64le": "powerpc", "s390x": "s390", "riscv64": "riscv",
		"mips64": "mips", "sun4u": "sparc64", "sparc64": "sparc64", "sh4": "sh",
		"loongarch64": "loongarch", "parisc64": "parisc64",
	} {
		if got := SubArch(machine); got != want {
			t.Errorf("SubArch(%q) = %q, want %q", machine, got, want)
		}
	}
}

func modTime(p string) time.Time {
	info, err := os.Stat(p)
	if err != nil {
		return time.Time{}
	}
	return info.ModTime()
}

// TestBuiltOutputs: after a successful build every output is the build's,
// even one make did not need to rewrite (the same config built again);
// after a failed build only what it wrote counts, never a stale kernel.
func TestBuiltOutputs(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "bzImage")
	if err := os.WriteFile(p, []byte("kernel"), 0o644); err != nil {
		t.Fatal(err)
	}
	before, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if !built(p, before, true) {
		t.Error("a successful build that left its image as it was does not list it")
	}
	if built(p, before, false) {
		t.Error("a failed build lists an image it did not write")
	}
	if built(filepath.Join(dir, "missing"), nil, true) {
		t.Error("a missing file is listed")
	}
	if err := os.WriteFile(p, []byte("new kernel"), 0o644); err != nil {
		t.Fatal(err)
	}
	later := before.ModTime().Add(time.Second)
	if err := os.Chtimes(p, later, later); err != nil {
		t.Fatal(err)
	}
	if !built(p, before, false) {
		t.Error("a failed build does not list what it wrote")
	}
}
