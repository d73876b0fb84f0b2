package campaign

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/kcmin/kcmin/minimize"
	"github.com/kcmin/kcmin/report"
)

// TestUnverifiedIsNoResult: a search whose result did not reproduce when
// tested again still gets its report, but the campaign has no verified
// result: exit status 1.
func TestUnverifiedIsNoResult(t *testing.T) {
	r, idx := miniRunner(t, nil, Options{})
	res := minimize.Result{Culprits: []int{idx["C"]}}
	sum, err := r.finish(finalOf(r.cands.Options(res.Culprits), res), res)
	if !errors.Is(err, ErrNoResult) || ExitCode(err) != 1 {
		t.Fatalf("error %v (exit %d), want no result", err, ExitCode(err))
	}
	if sum == nil || sum.Verified || sum.Result.Verified {
		t.Fatalf("summary %+v, want an unverified result", sum)
	}
	if _, err := os.Stat(filepath.Join(r.wd.Dir, "result", "report.txt")); err != nil {
		t.Errorf("no report: %v", err)
	}
}

// TestReportFailureLines: the report quotes each warning of the bad build
// once, as the log has it, followed by the facts of the other checks.
func TestReportFailureLines(t *testing.T) {
	tree := filepath.Join(t.TempDir(), "minitree")
	if err := os.CopyFS(tree, os.DirFS("testdata/minitree")); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(tree, "scripts", "build.sh")
	text, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	// The build prints its first warning twice, as a parallel build may.
	warning := `	echo "vmlinux.o: warning: objtool: do_syscall_64+0x4c: call to lockdep_hardirqs_off() leaves .noinstr.text section"`
	if !strings.Contains(string(text), warning+"\n") {
		t.Fatal("the mini tree's build no longer prints the warning")
	}
	if err := os.WriteFile(script, []byte(strings.Replace(string(text), warning+"\n", warning+"\n"+warning+"\n", 1)), 0o755); err != nil {
		t.Fatal(err)
	}
	check := filepath.Join(t.TempDir(), "check.sh")
	if err := os.WriteFile(check, []byte("#!/bin/sh\necho 'signature: the command saw it'\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	spec := miniSpec(t, func(s string) string {
		s = regexp.MustCompile(`source = "[^"]*"`).ReplaceAllString(s, `source = "`+tree+`"`)
		return strings.Replace(s, "[oracle]", "[oracle]\ncommand = [\""+check+"\"]", 1)
	})
	sum, err := Run(context.Background(), spec, Options{Workdir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(sum.Report, "do_syscall_64+0x4c"); n != 1 {
		t.Errorf("the report quotes the repeated warning %d times, want once:\n%s", n, sum.Report)
	}
	if strings.Contains(sum.Report, "log: do_syscall_64") {
		t.Errorf("the report quotes the log's facts beside its lines:\n%s", sum.Report)
	}
	if !strings.Contains(sum.Report, "command: the command saw it") {
		t.Errorf("the report lacks the command's fact:\n%s", sum.Report)
	}
}

// TestReportChoiceTogether: the symbols of one candidate (a choice's
// members) change together, so the report keeps them in one fragment.
func TestReportChoiceTogether(t *testing.T) {
	r, _ := miniRunner(t, nil, Options{})
	r.cands = Candidates{List: []Candidate{
		{Options: []Option{{Name: "HZ_100", Base: "n", Bad: "y", DefinedIn: "kernel/Kconfig.hz"}, {Name: "HZ_250", Base: "y", Bad: "n", DefinedIn: "kernel/Kconfig.hz"}}},
		{Options: []Option{{Name: "C", Base: "n", Bad: "y", DefinedIn: "Kconfig"}}},
	}}
	res := minimize.Result{Culprits: []int{0, 1}, Verified: true}
	l := report.Plan(r.reportInput(finalOf(r.cands.Options(res.Culprits), res), res))
	got := map[string][]string{}
	for _, f := range l.Fragments {
		got[f.Path] = f.Lines
	}
	want := map[string][]string{
		"kernel/configs/hz.config": {"CONFIG_HZ_100=y", "# CONFIG_HZ_250 is not set"},
		"kernel/configs/c.config":  {"CONFIG_C=y"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fragments %v, want %v", got, want)
	}
}
