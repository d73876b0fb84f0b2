package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// mailLocal is a campaign as a reporter runs it: the tree and the
// workdir in the home dir, the build dirs in the workdir, and workers on
// Slurm nodes.
var mailLocal = Local{
	Source:    []string{"/home/me/linux-source-6.12"},
	BuildDirs: []string{"/home/me/work/build/*", "/scratch/kcmin/kcmin-1a2b3c4d/*"},
	Work:      []string{"/home/me/work"},
	Home:      []string{"/home/me"},
}

// TestClean: each line a report quotes loses the reporter's paths, the
// way the kernel's own output and a list reader name files.
func TestClean(t *testing.T) {
	for _, tt := range []struct {
		name  string
		local Local
		line  string
		want  string // "" for a line dropped
	}{
		{"clang error in the tree", mailLocal,
			"/home/me/linux-source-6.12/init/main.c:1230:22: error: stack frame size (792) exceeds limit (512) in 'do_one_initcall'",
			"init/main.c:1230:22: error: stack frame size (792) exceeds limit (512) in 'do_one_initcall'"},
		{"included from, in the middle of a line", mailLocal,
			"In file included from /home/me/linux-source-6.12/include/linux/kernel.h:3:",
			"In file included from include/linux/kernel.h:3:"},
		{"objtool in a build dir", mailLocal,
			"/home/me/work/build/d0/vmlinux.o: warning: objtool: do_syscall_64+0x4c: call to lockdep_hardirqs_off() leaves .noinstr.text section",
			"vmlinux.o: warning: objtool: do_syscall_64+0x4c: call to lockdep_hardirqs_off() leaves .noinstr.text section"},
		{"the clean build dir", mailLocal,
			"ld.lld: error: undefined symbol: foo >>> referenced by /home/me/work/build/clean/init/main.o:(do_one_initcall)",
			"ld.lld: error: undefined symbol: foo >>> referenced by init/main.o:(do_one_initcall)"},
		{"a Slurm node's build dir", mailLocal,
			"/scratch/kcmin/kcmin-1a2b3c4d/w1/vmlinux.o: warning: objtool: x+0x1: call to y() leaves .noinstr.text section",
			"vmlinux.o: warning: objtool: x+0x1: call to y() leaves .noinstr.text section"},
		{"two dirs in a line", mailLocal,
			"make[2]: *** [/home/me/linux-source-6.12/scripts/Makefile.build:229: /home/me/work/build/d3/init/main.o] Error 1",
			"make[2]: *** [scripts/Makefile.build:229: init/main.o] Error 1"},
		{"a flag glued to its path", mailLocal,
			"clang -I/home/me/linux-source-6.12/include -c x.c",
			"clang -Iinclude -c x.c"},
		{"a name the tree's is a prefix of stays in the home dir", mailLocal,
			"/home/me/linux-source-6.12.1/init/main.c:1:1: error: x",
			"~/linux-source-6.12.1/init/main.c:1:1: error: x"},
		{"a dir that is only a string prefix stays", Local{Source: []string{"/src/linux"}},
			"/src/linux-next/init/main.c:1:1: error: x; /x/src/linux/a.c",
			"/src/linux-next/init/main.c:1:1: error: x; /x/src/linux/a.c"},
		{"a log of the workdir's tests is dropped", mailLocal,
			"build: log: /home/me/work/tests/0001/build.log",
			""},
		{"a log in parentheses goes with them", mailLocal,
			"boot: boot 1: panic in 3.2s (/home/me/work/tests/0001/boot-1.log)",
			"boot: boot 1: panic in 3.2s"},
		{"a log in a sentence leaves its name", mailLocal,
			"build: no line of /home/me/work/tests/0001/build.log matches",
			"build: no line of build.log matches"},
		{"the home dir elsewhere", mailLocal,
			"clang version 19.1.7 (/home/me/llvm-project 1234abc)",
			"clang version 19.1.7 (~/llvm-project 1234abc)"},
		{"nothing local", mailLocal,
			"vmlinux.o: warning: objtool: a: call to b() leaves .noinstr.text section",
			"vmlinux.o: warning: objtool: a: call to b() leaves .noinstr.text section"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.local.Clean(tt.line)
			if !ok {
				got = ""
			}
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("Clean(%q) = %q, %v, want %q", tt.line, got, ok, tt.want)
			}
		})
	}
}

// TestCleanLines: lines equal once cleaned are quoted once, in the order
// of their first.
func TestCleanLines(t *testing.T) {
	got := mailLocal.CleanLines([]string{
		"/home/me/work/build/d0/vmlinux.o: warning: objtool: a: call to x() leaves .noinstr.text section",
		"build: log: /home/me/work/tests/0001/build.log",
		"/home/me/work/build/d3/vmlinux.o: warning: objtool: a: call to x() leaves .noinstr.text section",
		"vmlinux.o: warning: objtool: b: call to y() leaves .noinstr.text section",
		"vmlinux.o: warning: objtool: a: call to x() leaves .noinstr.text section",
	})
	want := []string{
		"vmlinux.o: warning: objtool: a: call to x() leaves .noinstr.text section",
		"vmlinux.o: warning: objtool: b: call to y() leaves .noinstr.text section",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("CleanLines = %q, want %q", got, want)
	}
}

// TestMailReport: report.txt names no path of the reporter's machine and
// quotes each warning once; result.json keeps the paths as given.
func TestMailReport(t *testing.T) {
	in := cases()["seed"]
	in.MakeVars = []string{"LLVM=/home/me/llvm/bin/"}
	in.Local = mailLocal
	in.Failure = []string{
		"/home/me/linux-source-6.12/init/main.c:1230:22: error: stack frame size (792) exceeds limit (512) in 'do_one_initcall'",
		"/home/me/work/build/d0/vmlinux.o: warning: objtool: do_syscall_64+0x4c: call to lockdep_hardirqs_off() leaves .noinstr.text section",
		"/home/me/work/build/d2/vmlinux.o: warning: objtool: do_syscall_64+0x4c: call to lockdep_hardirqs_off() leaves .noinstr.text section",
	}
	in.Signature = []string{"log: /home/me/work/build/d0/vmlinux.o: warning: objtool: do_syscall_64: call to lockdep_hardirqs_off() leaves .noinstr.text section"}
	in.Details = []string{"build: log: /home/me/work/tests/0001/build.log", "command: exit status 0"}
	in.Notes = []string{"The bad config's log is /home/me/work/tests/0001/build.log."}
	in.Versions = []string{"Linux 6.12.57", "clang version 19.1.7 (/home/me/llvm-project 1234abc)"}
	dir := t.TempDir()
	r, err := Write(dir, in)
	if err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(filepath.Join(dir, "report.txt"))
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(strings.Fields(string(text)), " ")
	for _, local := range []string{"/home/me", "/home/me/work", "/home/me/linux-source-6.12"} {
		if strings.Contains(string(text), local) {
			t.Errorf("report.txt names %q:\n%s", local, text)
		}
	}
	for _, want := range []string{
		"init/main.c:1230:22: error: stack frame size (792) exceeds limit (512) in 'do_one_initcall'",
		"command: exit status 0",
		"The bad config's log is build.log.",
		"clang version 19.1.7 (~/llvm-project 1234abc)",
		"LLVM=~/llvm/bin/",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("report.txt lacks %q:\n%s", want, text)
		}
	}
	if n := strings.Count(string(text), "do_syscall_64+0x4c"); n != 1 {
		t.Errorf("report.txt quotes the warning %d times, want once:\n%s", n, text)
	}
	data, err := os.ReadFile(filepath.Join(dir, "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Signature, in.Signature) || !reflect.DeepEqual(r.Signature, in.Signature) {
		t.Errorf("result.json's signature %q, want it as given: %q", back.Signature, in.Signature)
	}
	if !strings.Contains(strings.Join(back.Reproducer, "\n"), "LLVM=/home/me/llvm/bin/") {
		t.Errorf("result.json's reproducer %q lost the make variable as given", back.Reproducer)
	}
}
