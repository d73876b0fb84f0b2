package campaign

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kcmin/kcmin/minimize"
)

// TestMailReportNoLocalPaths: the mini tree's build prints its warnings
// as clang and objtool do with O=, under the absolute paths of the tree
// (its real path, as the kernel's Makefile names it), the build dirs and
// the home dir, and a command's log is in the test's folder; report.txt
// quotes the warnings as the kernel names them, each once, and names no
// path of this machine.
func TestMailReportNoLocalPaths(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	realTree := filepath.Join(home, "src", "minitree")
	if err := os.CopyFS(realTree, os.DirFS("testdata/minitree")); err != nil {
		t.Fatal(err)
	}
	tree := filepath.Join(home, "linux")
	if err := os.Symlink(realTree, tree); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(realTree, "scripts", "build.sh")
	text, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	warning := `	echo "vmlinux.o: warning: objtool: do_syscall_64+0x4c: call to lockdep_hardirqs_off() leaves .noinstr.text section"`
	if !strings.Contains(string(text), warning+"\n") {
		t.Fatal("the mini tree's build no longer prints the warning")
	}
	// A warning of an object in more build dirs than the report quotes
	// lines, then a clang warning under the tree and one under the home
	// dir: the lines beyond the copies are quoted.
	planted := "\tfor i in $(seq 0 " + strconv.Itoa(maxFailureLines+5) + "); do\n" +
		strings.Replace(warning, `"vmlinux.o:`, `"$(dirname "$out")/d$i/arch/x86/entry/common.o:`, 1) + "\n\tdone\n" + warning + "\n" +
		"\techo \"$(cd \"$(dirname \"$0\")/..\" && pwd -P)/init/main.c:1230:22: warning: stack frame size (792) exceeds limit (512) in 'do_one_initcall'\"\n" +
		"\techo \"" + home + "/tools/wrapper.o: warning: objtool: helper+0x1: call to bar() leaves .noinstr.text section\"\n"
	if err := os.WriteFile(script, []byte(strings.Replace(string(text), warning+"\n", planted, 1)), 0o755); err != nil {
		t.Fatal(err)
	}
	// A command whose log is in the test's folder.
	check := filepath.Join(home, "check.sh")
	if err := os.WriteFile(check, []byte("#!/bin/sh\necho 'signature: the command saw it'\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	spec := miniSpec(t, func(s string) string {
		s = regexp.MustCompile(`source = "[^"]*"`).ReplaceAllString(s, `source = "`+tree+`"`)
		s = strings.Replace(s, "[oracle]", "[oracle]\ncommand = [\""+check+"\"]", 1)
		return strings.Replace(s, `log_patterns = [`, `log_patterns = ['warning: stack frame size', `, 1)
	})
	work := filepath.Join(home, "work")
	sum, err := Run(context.Background(), spec, Options{Workdir: work})
	if err != nil {
		t.Fatal(err)
	}
	report, err := os.ReadFile(filepath.Join(work, "result", "report.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if string(report) != sum.Report {
		t.Errorf("the summary's report is not report.txt")
	}
	for _, local := range []string{home, work, realTree, tree, ": log: "} {
		if strings.Contains(string(report), local) {
			t.Errorf("report.txt names %q:\n%s", local, report)
		}
	}
	// Each quoted line starts with two spaces.
	for _, want := range []string{
		"init/main.c:1230:22: warning: stack frame size (792) exceeds limit",
		"arch/x86/entry/common.o: warning: objtool: do_syscall_64+0x4c",
		"vmlinux.o: warning: objtool: do_syscall_64+0x4c",
		"~/tools/wrapper.o: warning: objtool: helper+0x1",
		"vmlinux.o: warning: objtool: handle_bug+0x5",
		"command: exit status 0",
	} {
		if n := strings.Count(string(report), "\n  "+want); n != 1 {
			t.Errorf("report.txt quotes %q %d times, want once:\n%s", want, n, report)
		}
	}
}

// TestReportLocalSlurm: with a [slurm] section, a path in a worker's
// build dir on its node (slurm.build_dir/ID/wN) becomes relative to it.
func TestReportLocalSlurm(t *testing.T) {
	r, idx := miniRunner(t, nil, Options{})
	r.spec.Slurm = &SlurmSpec{BuildDir: "/scratch/kcmin"}
	res := minimize.Result{Culprits: []int{idx["C"]}, Verified: true}
	in := r.reportInput(finalOf(r.cands.Options(res.Culprits), res), res)
	line := filepath.Join("/scratch/kcmin", strings.TrimSuffix(jobPrefix(r.wd.Dir), "-"), "w1", "vmlinux.o") + ": warning: objtool: x+0x1: call to y() leaves .noinstr.text section"
	want := "vmlinux.o: warning: objtool: x+0x1: call to y() leaves .noinstr.text section"
	if got, ok := in.Local.Clean(line); !ok || got != want {
		t.Errorf("Clean(%q) = %q, %v, want %q", line, got, ok, want)
	}
	for _, p := range []string{r.wd.Dir, r.wd.BuildDir(0) + "/vmlinux.o", r.wd.CleanDir() + "/vmlinux.o"} {
		if got, _ := in.Local.Clean(p); strings.Contains(got, "/") {
			t.Errorf("Clean(%q) = %q, want no path", p, got)
		}
	}
}
