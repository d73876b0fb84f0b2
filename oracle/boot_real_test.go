package oracle

import (
	"bufio"
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kcmin/kcmin/build"
)

// realEnv finds the real components of the real-kernel tests; a missing
// one fails the test, since `make test` promises to run them.
func realEnv(t *testing.T) (linux, cache string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and boots a real kernel; skipped in -short")
	}
	linux = os.Getenv("KCMIN_LINUX")
	if linux == "" {
		linux, _ = filepath.Abs("../.cache/linux-source-6.12")
	}
	cache = os.Getenv("KCMIN_CACHE")
	if cache == "" {
		cache, _ = filepath.Abs("../.cache")
	}
	if _, err := os.Stat(filepath.Join(linux, "Makefile")); err != nil {
		t.Fatalf("no Linux tree (set KCMIN_LINUX, or run make linux): %v", err)
	}
	for _, tool := range []Tool{{"clang-19", "clang-19"}, {"ld.lld-19", "lld-19"}, {"llvm-nm-19", "llvm-19"}, toolFor(DefaultQEMU)} {
		if _, err := tool.Find(); err != nil {
			t.Fatal(err)
		}
	}
	return linux, cache
}

// runMake runs the kernel's make in its own process group, killed with
// its children when the test's deadline passes.
func runMake(t *testing.T, linux, dir, log string, targets ...string) time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	args := append([]string{"-C", linux, "O=" + dir, "LLVM=-19", fmt.Sprintf("-j%d", runtime.NumCPU())}, targets...)
	cmd := exec.CommandContext(ctx, "make", args...)
	out, err := os.Create(log)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	if err := cmd.Run(); err != nil {
		tail, _ := os.ReadFile(log)
		if len(tail) > 3000 {
			tail = tail[len(tail)-3000:]
		}
		t.Fatalf("make %v: %v\n%s", targets, err, tail)
	}
	return time.Since(start)
}

// configLines reads a .config or fragment as symbol → its line.
func configLines(t *testing.T, path string) (order []string, lines map[string]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines = map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		var sym string
		switch {
		case strings.HasPrefix(line, "CONFIG_"):
			sym, _, _ = strings.Cut(strings.TrimPrefix(line, "CONFIG_"), "=")
		case strings.HasPrefix(line, "# CONFIG_") && strings.HasSuffix(line, " is not set"):
			sym = strings.TrimSuffix(strings.TrimPrefix(line, "# CONFIG_"), " is not set")
		default:
			continue
		}
		if _, ok := lines[sym]; !ok {
			order = append(order, sym)
		}
		lines[sym] = line
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return order, lines
}

// TestBootRealKernel builds a tinyconfig-based kernel with the boot
// fragment and clang-19, boots it under QEMU, then changes real options in
// the same build dir so it hangs without a word, and so it panics, and
// checks each verdict. The build dir persists under KCMIN_CACHE, so a
// rerun rebuilds incrementally.
func TestBootRealKernel(t *testing.T) {
	linux, cache := realEnv(t)
	dir := filepath.Join(cache, "build", "boot-test")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(dir, "kcmin-tiny.config")
	if _, err := os.Stat(base); err != nil {
		d := runMake(t, linux, dir, filepath.Join(dir, "kcmin-tinyconfig.log"), "tinyconfig")
		t.Logf("make tinyconfig: %v", d.Round(time.Second))
		b, err := os.ReadFile(filepath.Join(dir, ".config"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(base, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, fragment := configLines(t, "../testdata/boot/boot.config")
	clean := false
	if _, err := os.Stat(filepath.Join(dir, "vmlinux")); err != nil {
		clean = true
	}

	cases := []struct {
		name    string
		change  []string // lines on top of tinyconfig and the fragment
		timeout time.Duration
		verdict string
		check   func(t *testing.T, f Finding, a *build.Artifact)
	}{
		{
			name: "booted", verdict: VerdictBooted, timeout: 60 * time.Second,
			check: func(t *testing.T, f Finding, a *build.Artifact) {
				wantFacts(t, f, []string{"booted"})
				checkRealELF(t, a)
			},
		},
		{
			// The built-in command line replaces the boot loader's: no
			// console=ttyS0, no earlycon. The kernel boots, /init prints
			// its marker to no console and powers off; without ACPI the
			// kernel halts. Not a word on the serial port.
			name:    "hang",
			change:  []string{"CONFIG_CMDLINE_BOOL=y", `CONFIG_CMDLINE="console=null"`, "CONFIG_CMDLINE_OVERRIDE=y"},
			timeout: 30 * time.Second, verdict: VerdictHang,
			check: func(t *testing.T, f Finding, a *build.Artifact) {
				if !contains(f.Facts, "hang: no output") {
					t.Errorf("facts %q lack %q", f.Facts, "hang: no output")
				}
				tab, err := ReadSymbolTable(a.Vmlinux)
				if err != nil {
					t.Fatal(err)
				}
				var locs []string
				for _, fact := range f.Facts {
					if sym, ok := strings.CutPrefix(fact, "hang at "); ok {
						locs = append(locs, sym)
						if !tab.has(sym) {
							t.Errorf("hang location %q is no function of vmlinux", sym)
						}
					}
				}
				if len(locs) == 0 {
					t.Errorf("facts %q name no hang location", f.Facts)
				}
				// Halted with interrupts off, the machine is dead: kcmin
				// says so without waiting for the timeout.
				if !containsPrefix(f.Notes, "the machine died after") {
					t.Errorf("notes %q do not say the machine died", f.Notes)
				}
			},
		},
		{
			// Without BINFMT_ELF the kernel cannot run /init, nor any
			// other init it tries.
			name:    "panic",
			change:  []string{"# CONFIG_BINFMT_ELF is not set"},
			timeout: 60 * time.Second, verdict: VerdictPanic,
			check: func(t *testing.T, f Finding, a *build.Artifact) {
				want := "panic: No working init found. Try passing init= option to kernel. See Linux Documentation/admin-guide/init.rst for guidance."
				wantFacts(t, f, []string{want})
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			order, lines := configLines(t, base)
			want := map[string]string{}
			for sym, line := range fragment {
				want[sym] = line
			}
			for _, line := range c.change {
				sym, l := parseTestLine(line)
				want[sym] = l
			}
			var cfg strings.Builder
			for _, sym := range order {
				if _, ok := want[sym]; !ok {
					fmt.Fprintln(&cfg, lines[sym])
				}
			}
			for _, sym := range sortedMapKeys(want) {
				fmt.Fprintln(&cfg, want[sym])
			}
			if err := os.WriteFile(filepath.Join(dir, ".config"), []byte(cfg.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			runMake(t, linux, dir, filepath.Join(dir, "kcmin-olddefconfig.log"), "olddefconfig")
			_, got := configLines(t, filepath.Join(dir, ".config"))
			for sym, line := range want {
				g, ok := got[sym]
				if g != line && !(strings.HasSuffix(line, " is not set") && !ok) {
					t.Fatalf("%s did not stick: want %q, resolved %q", sym, line, g)
				}
			}
			d := runMake(t, linux, dir, filepath.Join(dir, "kcmin-build.log"), "bzImage")
			kind := "incremental"
			if clean {
				kind, clean = "clean", false
			}
			t.Logf("build (%s): %v", kind, d.Round(time.Second))

			a := &build.Artifact{
				Source: linux, Dir: dir, Config: filepath.Join(dir, ".config"),
				Vmlinux: filepath.Join(dir, "vmlinux"), VmlinuxO: filepath.Join(dir, "vmlinux.o"),
				Image: filepath.Join(dir, "arch/x86/boot/bzImage"), Target: "bzImage",
			}
			b := &Boot{Timeout: c.timeout, Expect: c.verdict, CacheDir: filepath.Join(cache, "rootfs")}
			testDir := t.TempDir()
			start := time.Now()
			f, err := b.Check(context.Background(), a, testDir)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("boot: %v, facts %q\nnotes:\n%s", time.Since(start).Round(time.Millisecond), f.Facts, strings.Join(f.Notes, "\n"))
			if f.Unresolved != "" || !f.Present {
				log, _ := os.ReadFile(filepath.Join(testDir, "boot.log"))
				t.Fatalf("verdict is not %s: %+v\nconsole:\n%s", c.verdict, f, log)
			}
			c.check(t, f, a)
		})
	}
}

func parseTestLine(line string) (sym, l string) {
	if s, ok := strings.CutPrefix(line, "# CONFIG_"); ok {
		return strings.TrimSuffix(s, " is not set"), line
	}
	sym, _, _ = strings.Cut(strings.TrimPrefix(line, "CONFIG_"), "=")
	return sym, line
}

func sortedMapKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func wantFacts(t *testing.T, f Finding, want []string) {
	t.Helper()
	if strings.Join(f.Facts, "\n") != strings.Join(want, "\n") {
		t.Errorf("facts %q, want %q", f.Facts, want)
	}
}

// has reports whether name is a code symbol of the table.
func (t *SymbolTable) has(name string) bool {
	for _, s := range t.syms {
		if s.name == name {
			return true
		}
	}
	return false
}

// checkRealELF asks the ELF check questions with known answers about a
// real vmlinux.
func checkRealELF(t *testing.T, a *build.Artifact) {
	t.Helper()
	for _, c := range []struct {
		check   ELF
		present bool
		facts   []string
	}{
		{ELF{Defined: "^start_kernel$"}, true, []string{"defined: start_kernel"}},
		{ELF{Undefined: "^__profc_"}, false, nil},
		{ELF{Missing: []string{"start_kernel", "no_such_function_in_linux"}}, true, []string{"missing: no_such_function_in_linux"}},
		{ELF{Sections: `^\.init\.text$`, MissingSections: []string{"__llvm_prf_cnts"}}, true,
			[]string{"missing section: __llvm_prf_cnts", "section: .init.text"}},
	} {
		f, err := c.check.Check(context.Background(), a, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		if f.Present != c.present || strings.Join(f.Facts, "|") != strings.Join(c.facts, "|") {
			t.Errorf("%+v on vmlinux: present %v facts %q, want %v %q", c.check, f.Present, f.Facts, c.present, c.facts)
		}
	}
}
