package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// seedFailure is what the report that started kcmin quoted.
var seedFailure = []string{
	"vmlinux.o: warning: objtool: __sev_es_nmi_complete+0x6e: call to kasan_check_write() leaves .noinstr.text section",
	"vmlinux.o: warning: objtool: do_syscall_64+0x141: call to lockdep_hardirqs_off() leaves .noinstr.text section",
}

// cases are reports of different shapes: the seed report's four options
// on defconfig; tinyconfig with a boot fragment and a long string; a
// .config file as base, unverified; names the tree already uses.
func cases() map[string]*Input {
	return map[string]*Input{
		"seed": {
			Arch: "x86_64", SrcArch: "x86", MakeVars: []string{"LLVM=1"}, Target: "bzImage",
			Base: Base{Targets: []string{"defconfig"}},
			Culprits: []Option{
				{Name: "AMD_MEM_ENCRYPT", Line: "CONFIG_AMD_MEM_ENCRYPT=y", DefinedIn: "arch/x86/Kconfig"},
				{Name: "FORTIFY_SOURCE", Line: "CONFIG_FORTIFY_SOURCE=y", DefinedIn: "security/Kconfig.hardening"},
				{Name: "LLVM_COV_KERNEL", Line: "CONFIG_LLVM_COV_KERNEL=y", DefinedIn: "kernel/llvm-cov/Kconfig", NeededFor: []string{"LLVM_COV_PROFILE_ALL"}},
				{Name: "LLVM_COV_PROFILE_ALL", Line: "CONFIG_LLVM_COV_PROFILE_ALL=y", DefinedIn: "kernel/llvm-cov/Kconfig", DependsOn: []string{"LLVM_COV_KERNEL"}},
			},
			Failure:    seedFailure,
			Signature:  []string{"__sev_es_nmi_complete: call to kasan_check_write() leaves .noinstr.text section", "do_syscall_64: call to lockdep_hardirqs_off() leaves .noinstr.text section"},
			Verified:   true,
			OneMinimal: true,
			CleanBuild: "reproduces",
			Stats: Stats{Candidates: 312, Algorithm: "bisect", Tests: 23, Builds: 21, CacheHits: 3, Unresolved: 1, Elapsed: 4*time.Minute + 12*time.Second, TestTime: 7 * time.Minute, Workers: 2, PeakRSS: 6800 << 20,
				BuildTime: 6*time.Minute + 30*time.Second, BuildMedian: 9 * time.Second, BuildLargest: 2*time.Minute + 20*time.Second, Rebuilds: 20, SmallRebuilds: 14, BuildDirs: 4, DiskUsed: 450 << 20,
				BadRuns: 3, BadGone: 1, Gone: 14, FalseGone: 2},
		},
		"tiny": {
			Arch: "x86_64", SrcArch: "x86", MakeVars: []string{"LLVM=-19", "KCFLAGS=-Wno-error -g"}, Target: "bzImage",
			Base: Base{Targets: []string{"tinyconfig"}, Fragments: []Named{{Name: "boot.config", Lines: []string{"CONFIG_64BIT=y", "CONFIG_PRINTK=y", "CONFIG_SERIAL_8250=y"}}}},
			Culprits: []Option{
				{Name: "CMDLINE_BOOL", Line: "CONFIG_CMDLINE_BOOL=y", DefinedIn: "arch/x86/Kconfig"},
				{Name: "CMDLINE", Line: `CONFIG_CMDLINE="console=ttyS1 loglevel=7 earlyprintk=serial,ttyS1,115200 ignore_loglevel it's"`, DefinedIn: "arch/x86/Kconfig", DependsOn: []string{"CMDLINE_BOOL"}},
				{Name: "CMDLINE_OVERRIDE", Line: "CONFIG_CMDLINE_OVERRIDE=y", DefinedIn: "arch/x86/Kconfig", DependsOn: []string{"CMDLINE_BOOL"}},
				{Name: "BLK_DEV_INITRD", Line: "# CONFIG_BLK_DEV_INITRD is not set", DefinedIn: "init/Kconfig"},
			},
			Failure:    []string{"boot: hang: output stopped after: Run /init as init process", "boot: hang at early_fixup_exception+0x4c"},
			Details:    []string{"boot: boot 1: hang in 1m0s (/work/kcmin-work/tests/0001/boot.log)", "boot: accel: tcg: /dev/kvm is not usable"},
			Versions:   []string{"Linux 6.12.57", "clang version 19.1.7", "LLD 19.1.7", "QEMU 7.2.22"},
			Verified:   true,
			OneMinimal: true,
			Stats:      Stats{Candidates: 41, Algorithm: "auto", Tests: 12, Builds: 11, Elapsed: 31 * time.Minute, Disagreements: 1},
		},
		"file-base": {
			Arch: "x86_64", SrcArch: "x86", Target: "",
			Base: Base{File: "/home/dev/configs/base.config"},
			Culprits: []Option{
				{Name: "KASAN", Line: "CONFIG_KASAN=y", DefinedIn: "lib/Kconfig.kasan"},
			},
			Failure: []string{"command: exit 0"},
			Stats:   Stats{Candidates: 7, Algorithm: "ddmin", Tests: 9, Builds: 0, Elapsed: 3 * time.Second},
		},
		"taken-names": {
			Arch: "x86_64", SrcArch: "x86", MakeVars: []string{"LLVM=1"}, Target: "vmlinux",
			Base:  Base{Targets: []string{"defconfig", "kvm_guest.config"}},
			Taken: func(name string) bool { return name == "debug.config" || name == "kvm_guest.config" },
			Culprits: []Option{
				{Name: "DEBUG_KERNEL", Line: "CONFIG_DEBUG_KERNEL=y", DefinedIn: "lib/Kconfig.debug"},
				{Name: "DEBUG_ENTRY", Line: "CONFIG_DEBUG_ENTRY=y", DefinedIn: "arch/x86/Kconfig.debug", DependsOn: []string{"DEBUG_KERNEL"}},
				{Name: "KVM_GUEST", Line: "CONFIG_KVM_GUEST=y", DefinedIn: "arch/x86/Kconfig"},
			},
			Verified: true,
			Stats:    Stats{Tests: 5, Builds: 5, Elapsed: time.Hour},
		},
	}
}

func TestGolden(t *testing.T) {
	for name, in := range cases() {
		t.Run(name, func(t *testing.T) {
			l, r := Make(in)
			js, err := JSON(r)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name+".txt", []byte(Text(in, l)))
			golden(t, name+".json", js)
		})
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; got:\n%s", path, got)
	}
}

func TestWidth(t *testing.T) {
	for name, in := range cases() {
		t.Run(name, func(t *testing.T) {
			text := Text(in, Plan(in))
			for i, line := range strings.Split(text, "\n") {
				if len(line) > Width {
					t.Errorf("line %d is %d columns: %q", i+1, len(line), line)
				}
			}
		})
	}
}

// TestCommandsInShell runs the wrapped echo commands of each report in a
// shell and checks they write exactly the fragments, and that the make
// command, unwrapped, is the one planned.
func TestCommandsInShell(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal("no sh:", err)
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal("no bash:", err)
	}
	for name, in := range cases() {
		t.Run(name, func(t *testing.T) {
			l := Plan(in)
			dir := t.TempDir()
			for _, f := range append(l.BaseFragments, l.Fragments...) {
				if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(f.Path)), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			var script strings.Builder
			var makeCmds []string
			for _, c := range l.Commands {
				wrapped := strings.Join(wrapCommand(c, Width), "\n")
				wrapped = strings.TrimPrefix(wrapped, "$ ")
				if strings.HasPrefix(wrapped, "echo ") {
					script.WriteString(wrapped + "\n")
					continue
				}
				// bash joins backslash-newline and expands the braces.
				out, err := exec.Command(bash, "-c", `printf '%s\n' `+strings.TrimPrefix(wrapped, "make ")).Output()
				if err != nil {
					t.Fatalf("%q: %v", wrapped, err)
				}
				makeCmds = append(makeCmds, strings.Join(strings.Fields(string(out)), " "))
			}
			cmd := exec.Command(sh, "-c", script.String())
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%v: %s\nscript:\n%s", err, out, script.String())
			}
			for _, f := range append(l.BaseFragments, l.Fragments...) {
				got, err := os.ReadFile(filepath.Join(dir, f.Path))
				if err != nil {
					t.Fatal(err)
				}
				if want := strings.Join(f.Lines, "\n") + "\n"; string(got) != want {
					t.Errorf("%s: got %q, want %q", f.Path, got, want)
				}
			}
			if len(makeCmds) == 0 {
				t.Fatal("no make command")
			}
			words := strings.Fields(makeCmds[len(makeCmds)-1])
			for _, f := range append(l.BaseFragments, l.Fragments...) {
				if !slices.Contains(words, filepath.Base(f.Path)) {
					t.Errorf("make line %q does not apply %s", words, filepath.Base(f.Path))
				}
			}
			for _, target := range in.Base.Targets {
				if !slices.Contains(words, target) {
					t.Errorf("make line %q does not make the base %s", words, target)
				}
			}
			if in.Target != "" && words[len(words)-1] != in.Target {
				t.Errorf("make line %q does not end with the target %s", words, in.Target)
			}
		})
	}
}

func TestPlan(t *testing.T) {
	opt := func(name, file string, deps ...string) Option {
		return Option{Name: name, Line: "CONFIG_" + name + "=y", DefinedIn: file, DependsOn: deps}
	}
	tests := []struct {
		name  string
		opts  []Option
		taken []string
		want  map[string][]string // path -> lines
	}{
		{
			name: "dependent pair shares a fragment named by common prefix",
			opts: []Option{opt("LLVM_COV_KERNEL", "kernel/Kconfig"), opt("LLVM_COV_PROFILE_ALL", "kernel/Kconfig", "LLVM_COV_KERNEL")},
			want: map[string][]string{"kernel/configs/llvm_cov.config": {"CONFIG_LLVM_COV_KERNEL=y", "CONFIG_LLVM_COV_PROFILE_ALL=y"}},
		},
		{
			name: "no shared prefix: named after the lead, what the others are needed for",
			opts: []Option{opt("NET", "net/Kconfig"), opt("INET", "net/Kconfig", "NET"), opt("IPV6", "net/ipv6/Kconfig", "INET", "NET")},
			want: map[string][]string{"kernel/configs/ipv6.config": {"CONFIG_NET=y", "CONFIG_INET=y", "CONFIG_IPV6=y"}},
		},
		{
			name: "several leads: the first in menu order names it",
			opts: []Option{opt("A_X", "a/Kconfig", "B_Y"), opt("B_Y", "a/Kconfig"), opt("C_Z", "a/Kconfig", "B_Y")},
			want: map[string][]string{"kernel/configs/a_x.config": {"CONFIG_A_X=y", "CONFIG_B_Y=y", "CONFIG_C_Z=y"}},
		},
		{
			name: "prerequisites elsewhere: placed and named by the lead",
			opts: []Option{opt("AMD_MEM_ENCRYPT", "arch/x86/Kconfig", "EFI", "EFI_STUB", "ACPI"), opt("EFI", "arch/x86/Kconfig", "ACPI"),
				opt("EFI_STUB", "arch/x86/Kconfig", "EFI", "ACPI"), opt("ACPI", "drivers/acpi/Kconfig"),
				opt("DEBUG_FS", "fs/debugfs/Kconfig"), opt("LLVM_COV_KERNEL", "kernel/llvm-cov/Kconfig", "DEBUG_FS"),
				opt("LLVM_COV_PROFILE_ALL", "kernel/llvm-cov/Kconfig", "LLVM_COV_KERNEL", "DEBUG_FS")},
			want: map[string][]string{
				"arch/x86/configs/amd_mem_encrypt.config": {"CONFIG_AMD_MEM_ENCRYPT=y", "CONFIG_EFI=y", "CONFIG_EFI_STUB=y", "CONFIG_ACPI=y"},
				"kernel/configs/llvm_cov.config":          {"CONFIG_DEBUG_FS=y", "CONFIG_LLVM_COV_KERNEL=y", "CONFIG_LLVM_COV_PROFILE_ALL=y"},
			},
		},
		{
			name: "two leads sharing words with the rest",
			opts: []Option{opt("CMDLINE_BOOL", "arch/x86/Kconfig"), opt("CMDLINE", "arch/x86/Kconfig", "CMDLINE_BOOL"), opt("CMDLINE_OVERRIDE", "arch/x86/Kconfig", "CMDLINE_BOOL")},
			want: map[string][]string{"arch/x86/configs/cmdline.config": {"CONFIG_CMDLINE_BOOL=y", "CONFIG_CMDLINE=y", "CONFIG_CMDLINE_OVERRIDE=y"}},
		},
		{
			name:  "taken prefix falls back to the lead, then a suffix",
			opts:  []Option{opt("DEBUG_KERNEL", "lib/Kconfig.debug"), opt("DEBUG_ENTRY", "arch/x86/Kconfig.debug", "DEBUG_KERNEL"), opt("KVM_GUEST", "arch/x86/Kconfig")},
			taken: []string{"debug.config", "kvm_guest.config"},
			want: map[string][]string{
				"arch/x86/configs/debug_entry.config":     {"CONFIG_DEBUG_KERNEL=y", "CONFIG_DEBUG_ENTRY=y"},
				"arch/x86/configs/kvm_guest_kcmin.config": {"CONFIG_KVM_GUEST=y"},
			},
		},
		{
			name: "independent options each get their own; arch ones go under arch",
			opts: []Option{opt("AMD_MEM_ENCRYPT", "arch/x86/Kconfig"), opt("FORTIFY_SOURCE", "security/Kconfig.hardening")},
			want: map[string][]string{
				"arch/x86/configs/amd_mem_encrypt.config": {"CONFIG_AMD_MEM_ENCRYPT=y"},
				"kernel/configs/fortify_source.config":    {"CONFIG_FORTIFY_SOURCE=y"},
			},
		},
		{
			name: "dependency through the other direction joins too",
			opts: []Option{opt("KASAN", "lib/Kconfig.kasan", "KASAN_INLINE"), opt("KASAN_INLINE", "lib/Kconfig.kasan")},
			want: map[string][]string{"kernel/configs/kasan.config": {"CONFIG_KASAN=y", "CONFIG_KASAN_INLINE=y"}},
		},
		{
			name: "same prefix in two groups: the second takes its root's name",
			opts: []Option{opt("USB", "drivers/usb/Kconfig"), opt("USB_SERIAL", "drivers/usb/serial/Kconfig")},
			want: map[string][]string{
				"kernel/configs/usb.config":        {"CONFIG_USB=y"},
				"kernel/configs/usb_serial.config": {"CONFIG_USB_SERIAL=y"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &Input{SrcArch: "x86", Culprits: tt.opts, Base: Base{Targets: []string{"defconfig"}},
				Taken: func(n string) bool {
					for _, x := range tt.taken {
						if x == n {
							return true
						}
					}
					return false
				}}
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

func TestWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "result")
	in := cases()["seed"]
	// A stale file of an earlier report must go.
	if err := os.MkdirAll(filepath.Join(dir, "kernel/configs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kernel/configs/old.config"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := Write(dir, in)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	err = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, rel)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"arch/x86/configs/amd_mem_encrypt.config",
		"kernel/configs/fortify_source.config",
		"kernel/configs/llvm_cov.config",
		"minimal.config",
		"report.txt",
		"result.json",
	}
	if !reflect.DeepEqual(files, want) {
		t.Errorf("files %v, want %v", files, want)
	}
	data, err := os.ReadFile(filepath.Join(dir, "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, r) {
		t.Errorf("result.json reads back as %+v, want %+v", back, r)
	}
	minimal, _ := os.ReadFile(filepath.Join(dir, "minimal.config"))
	if want := "CONFIG_AMD_MEM_ENCRYPT=y\nCONFIG_FORTIFY_SOURCE=y\nCONFIG_LLVM_COV_KERNEL=y\nCONFIG_LLVM_COV_PROFILE_ALL=y\n"; string(minimal) != want {
		t.Errorf("minimal.config = %q, want %q", minimal, want)
	}
}

func TestWrapHanging(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"short line", []string{"  short line"}},
		{"aaaa bbbb cccc dddd", []string{"  aaaa bbbb", "      cccc", "      dddd"}},
		{"abcdefghijklmnopqr", []string{"  abcdefghij", "      klmnop", "      qr"}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got := wrapHanging(tt.text, "  ", "      ", 12)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
