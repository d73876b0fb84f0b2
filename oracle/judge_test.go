package oracle

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/kcmin/kcmin/build"
)

// fakeCheck answers with a fixed finding and counts its calls.
type fakeCheck struct {
	name  string
	f     Finding
	err   error
	calls int
}

func (c *fakeCheck) Name() string { return c.name }

func (c *fakeCheck) Check(ctx context.Context, a *build.Artifact, testDir string) (Finding, error) {
	c.calls++
	return c.f, c.err
}

func present(facts ...string) Finding { return Finding{Present: true, Facts: facts} }

func TestJudge(t *testing.T) {
	for _, tc := range []struct {
		name      string
		findings  []Finding
		verdict   Verdict
		signature []string
		reason    string
		calls     []int
	}{
		{
			name:      "all present",
			findings:  []Finding{present(), present("x: b", "x: a"), present("y", "x: a")},
			verdict:   Reproduces,
			signature: []string{"c1: x: a", "c1: x: b", "c2: x: a", "c2: y"},
			reason:    "the failure is there: c0, c1, c2",
			calls:     []int{1, 1, 1},
		},
		{
			name:     "unresolved first stops",
			findings: []Finding{{Unresolved: "the build failed"}, present("x")},
			verdict:  Unresolved,
			reason:   "c0: the build failed",
			calls:    []int{1, 0},
		},
		{
			name:      "gone stops",
			findings:  []Finding{present("x"), {Facts: []string{"y"}}, present("z")},
			verdict:   Gone,
			signature: []string{"c0: x", "c1: y"},
			reason:    "c1: the failure is not there",
			calls:     []int{1, 1, 0},
		},
		{
			name:     "unresolved after present",
			findings: []Finding{present("x"), {Unresolved: "qemu failed", Facts: []string{"ignored"}}},
			verdict:  Unresolved,
			reason:   "c1: qemu failed",
			calls:    []int{1, 1},
		},
		{
			name:     "gone before unresolved",
			findings: []Finding{{}, {Unresolved: "never asked"}},
			verdict:  Gone,
			reason:   "c0: the failure is not there",
			calls:    []int{1, 0},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var checks []Check
			var fakes []*fakeCheck
			for i, f := range tc.findings {
				c := &fakeCheck{name: "c" + string(rune('0'+i)), f: f}
				checks, fakes = append(checks, c), append(fakes, c)
			}
			j, err := Judge(context.Background(), checks, &build.Artifact{}, t.TempDir())
			if err != nil {
				t.Fatalf("Judge: %v", err)
			}
			if j.Verdict != tc.verdict || j.Reason != tc.reason {
				t.Errorf("verdict %v (%q), want %v (%q)", j.Verdict, j.Reason, tc.verdict, tc.reason)
			}
			if !reflect.DeepEqual(j.Signature, tc.signature) {
				t.Errorf("signature %q, want %q", j.Signature, tc.signature)
			}
			for i, c := range fakes {
				if c.calls != tc.calls[i] {
					t.Errorf("check %s ran %d times, want %d", c.name, c.calls, tc.calls[i])
				}
			}
		})
	}
}

func TestJudgeNotes(t *testing.T) {
	checks := []Check{
		&fakeCheck{name: "build", f: Finding{Present: true, Notes: []string{"log: /t/build.log"}}},
		&fakeCheck{name: "boot", f: Finding{Unresolved: "qemu died", Notes: []string{"exit status 1"}}},
	}
	j, err := Judge(context.Background(), checks, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"build: log: /t/build.log", "boot: exit status 1"}
	if !reflect.DeepEqual(j.Notes, want) {
		t.Errorf("notes %q, want %q", j.Notes, want)
	}
}

func TestJudgeErrors(t *testing.T) {
	if _, err := Judge(context.Background(), nil, nil, ""); err == nil {
		t.Error("no checks: no error")
	}
	boom := errors.New("boom")
	later := &fakeCheck{name: "later", f: present()}
	_, err := Judge(context.Background(), []Check{&fakeCheck{name: "first", err: boom}, later}, nil, "")
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "first") {
		t.Errorf("error %v, want boom naming the check", err)
	}
	if later.calls != 0 {
		t.Error("a check ran after an error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Judge(ctx, []Check{&fakeCheck{name: "c", f: present()}}, nil, ""); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestMatch(t *testing.T) {
	bad := []string{"log: a", "log: b"}
	for _, tc := range []struct {
		mode MatchMode
		bad  []string
		got  []string
		want bool
	}{
		{MatchAll, bad, []string{"log: a", "log: b", "log: c"}, true},
		{MatchAll, bad, []string{"log: a"}, false},
		{MatchAll, bad, nil, false},
		{MatchAny, bad, []string{"log: b"}, true},
		{MatchAny, bad, []string{"log: c"}, false},
		{MatchAny, bad, nil, false},
		{"", bad, []string{"log: b", "log: a"}, true},
		{MatchAll, nil, []string{"log: a"}, true},
		{MatchAny, nil, nil, true},
		{"some", bad, bad, false},
	} {
		if got := Match(tc.mode, tc.bad, tc.got); got != tc.want {
			t.Errorf("Match(%q, %q, %q) = %v, want %v", tc.mode, tc.bad, tc.got, got, tc.want)
		}
	}
}

func TestParseMatchMode(t *testing.T) {
	for in, want := range map[string]MatchMode{"": MatchAll, "all": MatchAll, "any": MatchAny} {
		if got, err := ParseMatchMode(in); err != nil || got != want {
			t.Errorf("ParseMatchMode(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseMatchMode("most"); err == nil {
		t.Error("ParseMatchMode(most): no error")
	}
}

func TestAgainst(t *testing.T) {
	bad := []string{"log: a", "log: b"}
	j := Judgement{Verdict: Reproduces, Signature: []string{"log: a"}}
	if got := j.Against(MatchAny, bad); got.Verdict != Reproduces {
		t.Errorf("any: %v", got.Verdict)
	}
	got := j.Against(MatchAll, bad)
	if got.Verdict != Gone || !strings.Contains(got.Reason, "log: b") {
		t.Errorf("all: %v (%q), want gone naming log: b", got.Verdict, got.Reason)
	}
	u := Judgement{Verdict: Unresolved, Reason: "x"}
	if got := u.Against(MatchAll, bad); got.Verdict != Unresolved || got.Reason != "x" {
		t.Errorf("unresolved changed: %+v", got)
	}
}

func TestVerdictText(t *testing.T) {
	for _, v := range []Verdict{Unresolved, Reproduces, Gone} {
		text, err := v.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Verdict
		if err := back.UnmarshalText(text); err != nil || back != v || string(text) != v.String() {
			t.Errorf("%v -> %q -> %v, %v", v, text, back, err)
		}
	}
	var v Verdict
	if err := v.UnmarshalText([]byte("maybe")); err == nil {
		t.Error("UnmarshalText(maybe): no error")
	}
	if _, err := Verdict(9).MarshalText(); err == nil {
		t.Error("MarshalText(9): no error")
	}
}

// The campaign's usual oracle on the build log of the report that started
// kcmin: build status first, then the objtool warnings, then a command.
func TestJudgeOracle(t *testing.T) {
	logPath, err := filepath.Abs("testdata/objtool-build.log")
	if err != nil {
		t.Fatal(err)
	}
	checks := []Check{
		BuildStatus{Want: WantSucceed},
		LogPatterns{Patterns: []*regexp.Regexp{regexp.MustCompile(`do_syscall_64.* leaves \.noinstr\.text section`)}},
		Command{Argv: []string{"sh", "-c", `grep -q noinstr "$KCMIN_BUILD_LOG" && echo "signature: noinstr"`}},
	}
	for _, tc := range []struct {
		name      string
		a         build.Artifact
		verdict   Verdict
		signature []string
	}{
		{"reproduces", build.Artifact{Log: logPath}, Reproduces, []string{
			"command: noinstr",
			"log: do_syscall_64: call to lockdep_hardirqs_off() leaves .noinstr.text section",
		}},
		{"failed build", build.Artifact{Log: logPath, ExitCode: 2}, Unresolved, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j, err := Judge(context.Background(), checks, &tc.a, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if j.Verdict != tc.verdict || !reflect.DeepEqual(j.Signature, tc.signature) {
				t.Errorf("%v %q (%s), want %v %q", j.Verdict, j.Signature, j.Reason, tc.verdict, tc.signature)
			}
		})
	}
}
