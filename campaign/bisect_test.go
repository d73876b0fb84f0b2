package campaign

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// plantLine is the fake build's line that plants the demo's failure.
const plantLine = "((cov)) && on FORTIFY_SOURCE && on AMD_MEM_ENCRYPT && demo=1"

// bisectRepo makes a git repository of the fake tree with a history of
// 26 commits: the failure is absent from commit 1, planted by commit 13
// ("entry: instrument the noinstr paths") and fixed by commit 22; the
// commits 6 to 9 do not build. It returns the tree and the commits by
// number.
func bisectRepo(t *testing.T) (string, map[int]string) {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", "testdata", "fakelinux"))
	if err != nil {
		t.Fatal(err)
	}
	tree := filepath.Join(t.TempDir(), "linux")
	run := func(dir string, argv ...string) string {
		t.Helper()
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "LC_ALL=C", "GIT_AUTHOR_NAME=A U Thor", "GIT_AUTHOR_EMAIL=a@example.org",
			"GIT_COMMITTER_NAME=A U Thor", "GIT_COMMITTER_EMAIL=a@example.org", "GIT_AUTHOR_DATE=2026-01-02T03:04:05Z",
			"GIT_COMMITTER_DATE=2026-01-02T03:04:05Z")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	run(".", "cp", "-r", root, tree)
	build := filepath.Join(tree, "scripts", "fake-build")
	text, err := os.ReadFile(build)
	if err != nil {
		t.Fatal(err)
	}
	orig := string(text)
	if !strings.Contains(orig, plantLine) {
		t.Fatalf("fake-build lacks %q", plantLine)
	}
	write := func(s string) {
		if err := os.WriteFile(build, []byte(s), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	clean := strings.Replace(orig, plantLine, ": the noinstr paths are not instrumented", 1)
	broken := strings.Replace(clean, "set -euo pipefail\n", "set -euo pipefail\necho 'fake-build: error: this commit does not build' >&2; exit 1\n", 1)
	run(tree, "git", "init", "-q", "-b", "main")
	commits := map[int]string{}
	for n := 1; n <= 26; n++ {
		subject := "filler " + strconv.Itoa(n)
		switch {
		case n == 1:
			write(clean)
			subject = "the fake tree"
		case n == 6:
			write(broken)
			subject = "scripts: a build that stops"
		case n == 10:
			write(clean)
			subject = "scripts: build again"
		case n == 13:
			write(orig)
			subject = "entry: instrument the noinstr paths"
		case n == 22:
			write(clean)
			subject = "entry: keep coverage out of noinstr"
		default:
			if err := os.WriteFile(filepath.Join(tree, "init", "history.txt"), []byte(subject+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		run(tree, "git", "add", "-A")
		run(tree, "git", "commit", "-q", "-m", subject)
		commits[n] = run(tree, "git", "rev-parse", "HEAD")
	}
	return tree, commits
}

// bisectCampaign runs a small campaign on the tree at commit: defconfig
// and the demo's four culprits, which the search finds again; the
// bisection then starts from its result.
func bisectCampaign(t *testing.T, tree, commit, search string) string {
	t.Helper()
	if out, err := exec.Command("git", "-C", tree, "checkout", "-q", "--detach", commit).CombinedOutput(); err != nil {
		t.Fatalf("checkout: %v\n%s", err, out)
	}
	dir := t.TempDir()
	root, _ := filepath.Abs("..")
	frag := filepath.Join(dir, "bad.config")
	if err := os.WriteFile(frag, []byte(strings.Join(demoMinimal, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "campaign.toml")
	if err := os.WriteFile(file, []byte(`[kernel]
source = "`+tree+`"
make_vars = ["LLVM=1", "KCMIN_ROOT=`+root+`"]
target = "bzImage"
build_timeout = "2m"

[config]
base = "defconfig"
bad_fragments = ["bad.config"]

[oracle]
log_patterns = ['objtool: .* leaves \.noinstr\.text section']
`+search), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(file)
	if err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(dir, "work")
	sum, err := Run(context.Background(), s, Options{Workdir: work})
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Verified || len(sum.Result.Minimal) != len(demoMinimal) {
		t.Fatalf("the campaign found %q (verified %v)", sum.Result.Minimal, sum.Verified)
	}
	return work
}

// TestBisectFake bisects the fake tree's history with the campaign's
// result: the planting commit, with the commits that do not build
// skipped; stopped after two judged commits and run again, it judges no
// commit twice; with --fixed it finds the fixing commit; the user's
// checkout stays where it was.
func TestBisectFake(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a campaign and two dozen fake builds")
	}
	tree, c := bisectRepo(t)
	work := bisectCampaign(t, tree, c[18], "")

	// Stopped after two commits are judged.
	journal := filepath.Join(work, bisectDir, journalFile)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			if data, err := os.ReadFile(journal); err == nil && strings.Count(string(data), "\n") >= 2 {
				cancel()
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	_, _, err := Bisect(ctx, work, BisectOptions{Good: c[1], Bad: c[18]})
	cancel()
	<-done
	if err == nil {
		t.Fatal("the stopped bisection ended: it had too little to do for the test")
	}
	res, sum, err := Bisect(context.Background(), work, BisectOptions{Good: c[1], Bad: c[18]})
	if err != nil {
		t.Fatal(err)
	}
	if flat := strings.Join(strings.Fields(sum.Report), " "); !strings.Contains(flat, "first bad commit: "+c[13][:12]+` ("entry: instrument the noinstr paths")`) {
		t.Errorf("report.txt lacks the first bad commit:\n%s", sum.Report)
	}
	if sum.Result.Bisect == nil || sum.Result.Bisect.First != c[13] {
		t.Errorf("result.json's bisect is %+v", sum.Result.Bisect)
	}
	if res.First != c[13] || res.Subject != "entry: instrument the noinstr paths" {
		t.Errorf("first bad commit %s %q, want %s (13)", res.First, res.Subject, c[13])
	}
	t.Logf("%s in %d steps, %d skipped, %.1f s of builds", res.Line, res.Steps, res.Skips, res.BuildSeconds)
	if res.Skips == 0 {
		t.Errorf("no commit skipped, want those that do not build (6-9) among %d steps", res.Steps)
	}
	if want := "first bad commit: " + c[13][:12] + ` ("entry: instrument the noinstr paths")`; res.Line != want {
		t.Errorf("line %q, want %q", res.Line, want)
	}
	if len(res.Files) != 1 || res.Files[0] != "scripts/fake-build" || res.AuthorDate == "" {
		t.Errorf("files %q, date %q", res.Files, res.AuthorDate)
	}
	steps, err := readBisectJournal(journal)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(journal)
	if n := strings.Count(string(data), "\n"); n != len(steps) || n != res.Steps {
		t.Errorf("journal holds %d lines for %d commits, the result counts %d steps: a commit was judged twice", n, len(steps), res.Steps)
	}
	for _, st := range steps {
		t.Logf("%s: %s (%s), built %d times", st.Commit[:12], st.Verdict, st.Reason, st.Runs)
		if st.Verdict == "skip" && !strings.Contains(st.Reason, "build failed") {
			t.Errorf("commit %s skipped for %q, want a failed build", st.Commit[:12], st.Reason)
		}
	}
	if head, _ := exec.Command("git", "-C", tree, "rev-parse", "HEAD").Output(); strings.TrimSpace(string(head)) != c[18] {
		t.Errorf("the user's checkout moved to %s", head)
	}

	fixed, _, err := Bisect(context.Background(), work, BisectOptions{Good: c[26], Bad: c[13], Fixed: true})
	if err != nil {
		t.Fatal(err)
	}
	if fixed.First != c[22] || !strings.HasPrefix(fixed.Line, "first fixed commit: "+c[22][:12]) {
		t.Errorf("first fixed commit %s (%s), want %s (22)", fixed.First, fixed.Line, c[22])
	}
	// An option that no commit defines: every step is skipped, naming
	// it, unless the user drops it.
	cfg := filepath.Join(t.TempDir(), "extra.config")
	if err := os.WriteFile(cfg, []byte(strings.Join(append(slices.Clone(demoMinimal), "CONFIG_NO_SUCH_OPTION=y"), "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing, _, err := Bisect(context.Background(), work, BisectOptions{Good: c[1], Bad: c[18], Config: cfg})
	if !errors.Is(err, ErrNoResult) || missing.First != "" || missing.Skips != missing.Steps {
		t.Errorf("with an option no commit defines: %v, %+v; want every step skipped and no result", err, missing)
	}
	steps, _ = readBisectJournal(journal)
	for _, st := range steps {
		if st.Verdict == "skip" && strings.Contains(st.Reason, "does not define NO_SUCH_OPTION") {
			goto named
		}
	}
	t.Errorf("no step names the missing option")
named:
	dropped, _, err := Bisect(context.Background(), work, BisectOptions{Good: c[1], Bad: c[18], Config: cfg, DropMissing: true})
	if err != nil || dropped.First != c[13] {
		t.Errorf("with --drop-missing: %v, first %s, want %s", err, dropped.First, c[13])
	}
	if _, _, err := Bisect(context.Background(), work, BisectOptions{Good: c[18], Bad: c[1]}); !IsInputError(err) {
		t.Errorf("--good after --bad: %v, want an input error", err)
	}
}

// TestBisectFlaky: with a flaky campaign, a commit judged good is built
// and judged again before git hears it, as the search confirms a
// "gone". The fake build shows the failure in every second build of a
// bad commit here, starting with the second: one run would call the
// first bad commit good.
func TestBisectFlaky(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a campaign and two dozen fake builds")
	}
	tree, c := bisectRepo(t)
	work := bisectCampaign(t, tree, c[18], "\n[search]\nflaky = true\n")
	t.Setenv("FAKE_FLAKY_EVERY", "2")
	res, _, err := Bisect(context.Background(), work, BisectOptions{Good: c[1], Bad: c[18]})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s in %d steps, %d skipped, %d good verdicts confirmed; %s", res.Line, res.Steps, res.Skips, res.Confirmed, res.Sure)
	if res.First != c[13] {
		t.Errorf("first bad commit %s, want %s (13)", res.First, c[13])
	}
	if res.Confirmed == 0 || !strings.Contains(res.Sure, "flaky") {
		t.Errorf("%d good verdicts confirmed, sure %q", res.Confirmed, res.Sure)
	}
}

// TestBisectKill9 kills kcmin bisect with SIGKILL at random moments and
// runs it again each time until it ends: it must name the planted
// commit, and its journal must hold each judged commit once.
func TestBisectKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a campaign, then a bisection killed again and again")
	}
	tree, c := bisectRepo(t)
	work := bisectCampaign(t, tree, c[18], "")
	exe := filepath.Join(t.TempDir(), "kcmin")
	if out, err := exec.Command("go", "build", "-o", exe, "../cmd/kcmin").CombinedOutput(); err != nil {
		t.Fatalf("build kcmin: %v\n%s", err, out)
	}
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	kills := 0
	for round := 0; ; round++ {
		if round == 50 {
			t.Fatal("the bisection did not end in 50 rounds")
		}
		cmd := exec.Command(exe, "bisect", "-q", "-w", work, "--good", c[1], "--bad", c[18])
		cmd.Env = append(os.Environ(), "FAKE_BUILD_SECONDS=0.3")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("round %d: %v\n%s", round, err, out.String())
			}
		case <-time.After(time.Duration(50+rng.Intn(2500)) * time.Millisecond):
			_ = cmd.Process.Signal(syscall.SIGKILL)
			<-done
			kills++
			continue
		}
		break
	}
	if kills == 0 {
		t.Error("the bisection was never killed: the test proves nothing")
	}
	data, err := os.ReadFile(filepath.Join(work, bisectDir, "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res BisectResult
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	journal := filepath.Join(work, bisectDir, journalFile)
	steps, err := readBisectJournal(journal)
	if err != nil {
		t.Fatal(err)
	}
	lines, _ := os.ReadFile(journal)
	t.Logf("%d kills; %s in %d steps, %d journalled", kills, res.Line, res.Steps, len(steps))
	if res.First != c[13] {
		t.Errorf("first bad commit %s, want %s", res.First, c[13])
	}
	if n := strings.Count(string(lines), "\n"); n != len(steps) {
		t.Errorf("the journal holds %d lines for %d commits: a commit was judged twice", n, len(steps))
	}
}

// TestWarnedObjects: the objects of the C and assembly files that a
// signature's compiler warnings name, each once; objtool's and the
// linker's facts name none, nor a path that leaves the tree.
func TestWarnedObjects(t *testing.T) {
	got := warnedObjects([]string{
		"log: kernel/printk/printk_safe.c: warning: unused variable 'x' [-Wunused-variable]",
		"log: kernel/printk/printk_safe.c: warning: unused variable 'y' [-Wunused-variable]",
		"log: arch/x86/entry/entry_64.S: warning: objtool: missing int3 after ret",
		"log: do_syscall_64: call to lockdep_hardirqs_off() leaves .noinstr.text section",
		"log: ld.lld: error: undefined symbol: foo",
		"log: ../outside.c: warning: x",
		"boot: hang at stop_this_cpu",
	})
	want := []string{"kernel/printk/printk_safe.o", "arch/x86/entry/entry_64.o"}
	if !slices.Equal(got, want) {
		t.Errorf("warnedObjects = %q, want %q", got, want)
	}
}
