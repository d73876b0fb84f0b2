package oracle

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/kcmin/kcmin/build"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

func TestNormalize(t *testing.T) {
	dirs := []string{"/work/kcmin-work/build/w0", "/work/linux"}
	for _, tc := range []struct{ in, want string }{
		{
			"vmlinux.o: warning: objtool: do_syscall_64+0x141: call to lockdep_hardirqs_off() leaves .noinstr.text section",
			"do_syscall_64: call to lockdep_hardirqs_off() leaves .noinstr.text section",
		},
		{
			"vmlinux.o: warning: objtool: __sev_es_nmi_complete+0x6e: call to kasan_check_write() leaves .noinstr.text section",
			"__sev_es_nmi_complete: call to kasan_check_write() leaves .noinstr.text section",
		},
		{
			"arch/x86/entry/entry_64.o: warning: objtool: .entry.text+0x1a2: unsupported instruction in callable function",
			".entry.text: unsupported instruction in callable function",
		},
		{
			"vmlinux.o: error: objtool: irqentry_nmi_enter+0x4: call to lockdep_off() leaves .noinstr.text section",
			"irqentry_nmi_enter: call to lockdep_off() leaves .noinstr.text section",
		},
		{"ld.lld: error: undefined symbol: __profc_foo", "ld.lld: error: undefined symbol: __profc_foo"},
		{
			"/work/linux/kernel/fork.c:1234:7: error: use of undeclared identifier 'x'",
			"kernel/fork.c: error: use of undeclared identifier 'x'",
		},
		{
			"/work/kcmin-work/build/w0/include/generated/autoconf.h:12:9: warning: 'CONFIG_X' macro redefined [-Wmacro-redefined]",
			"include/generated/autoconf.h: warning: 'CONFIG_X' macro redefined [-Wmacro-redefined]",
		},
		{
			"ld.lld: error: vmlinux.o:(.text+0x1a2b): relocation R_X86_64_32S out of range: 0xffffffff91000000 is not in [-2147483648, 2147483647]",
			"ld.lld: error: vmlinux.o:(.text): relocation R_X86_64_32S out of range: is not in [-2147483648, 2147483647]",
		},
		{
			"[    0.123456] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)",
			"Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)",
		},
		{"[    1.000001] RIP: 0010:early_fixup_exception+0x4c/0xa0", "RIP: 0010:early_fixup_exception"},
		{
			"WARNING: modpost: vmlinux: section mismatch in reference: foo+0x12 (section: .text) -> bar (section: .init.text)",
			"WARNING: modpost: vmlinux: section mismatch in reference: foo (section: .text) -> bar (section: .init.text)",
		},
		{"ffffffff89b58074:\t48 ff 05 85 7f 4a 76 \tincq 0x764a7f85(%rip)", ": 48 ff 05 85 7f 4a 76 incq (%rip)"},
		{"\x1b[1m\x1b[31merror:\x1b[0m  too   many\tspaces\r", "error: too many spaces"},
		{"Makefile:1234: recipe for target 'vmlinux' failed", "Makefile:1234: recipe for target 'vmlinux' failed"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			if got := Normalize(tc.in, dirs...); got != tc.want {
				t.Errorf("Normalize(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

// The build log of the report that started kcmin: its signature under
// the campaign's default pattern is golden.
func TestLogPatternsGolden(t *testing.T) {
	logPath, err := filepath.Abs("testdata/objtool-build.log")
	if err != nil {
		t.Fatal(err)
	}
	c := LogPatterns{Patterns: []*regexp.Regexp{regexp.MustCompile(`objtool: .* leaves \.noinstr\.text section`)}}
	f, err := c.Check(context.Background(), &build.Artifact{Log: logPath, Dir: "/work/kcmin-work/build/w0"}, t.TempDir())
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if !f.Present || f.Unresolved != "" {
		t.Fatalf("finding %+v, want present", f)
	}
	got := strings.Join(f.Facts, "\n") + "\n"
	golden := "testdata/objtool-build.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("facts differ from %s:\n%s", golden, got)
	}
	// do_syscall_64 appears twice with different offsets: one fact.
	if n := strings.Count(got, "do_syscall_64: call to lockdep_hardirqs_off()"); n != 1 {
		t.Errorf("do_syscall_64 fact appears %d times", n)
	}
}

func TestLogPatterns(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "build.log")
	long := strings.Repeat("x", 2*maxLine) + " leaves .noinstr.text section"
	content := "  CC      init/main.o\n" +
		"vmlinux.o: warning: objtool: b+0x1: call to c() leaves .noinstr.text section\r\n" +
		long + "\n" +
		"vmlinux.o: warning: objtool: a+0x2: call to c() leaves .noinstr.text section"
	if err := os.WriteFile(logPath, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	a := &build.Artifact{Log: logPath}
	noinstr := regexp.MustCompile(`^vmlinux\.o: .*noinstr`)
	for _, tc := range []struct {
		name     string
		patterns []string
		present  bool
		facts    []string
	}{
		{"match", []string{`^vmlinux\.o: .*noinstr`}, true, []string{
			"a: call to c() leaves .noinstr.text section",
			"b: call to c() leaves .noinstr.text section",
		}},
		{"any pattern", []string{`nothing`, `a\+0x2`}, true, []string{"a: call to c() leaves .noinstr.text section"}},
		{"no match", []string{`unreachable instruction`}, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var res []*regexp.Regexp
			for _, p := range tc.patterns {
				res = append(res, regexp.MustCompile(p))
			}
			f, err := LogPatterns{Patterns: res}.Check(context.Background(), a, dir)
			if err != nil {
				t.Fatal(err)
			}
			if f.Present != tc.present || !reflect.DeepEqual(f.Facts, tc.facts) {
				t.Errorf("present %v facts %q, want %v %q", f.Present, f.Facts, tc.present, tc.facts)
			}
		})
	}

	if _, err := (LogPatterns{}).Check(context.Background(), a, dir); err == nil {
		t.Error("no patterns: no error")
	}
	c := LogPatterns{Patterns: []*regexp.Regexp{noinstr}}
	if _, err := c.Check(context.Background(), &build.Artifact{}, dir); err == nil {
		t.Error("no log: no error")
	}
	if _, err := c.Check(context.Background(), &build.Artifact{Log: filepath.Join(dir, "missing")}, dir); err == nil {
		t.Error("missing log: no error")
	}
}
