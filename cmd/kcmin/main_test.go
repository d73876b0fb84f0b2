package main

import (
	"bytes"
	"debug/buildinfo"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kcmin/kcmin/campaign"
	"github.com/kcmin/kcmin/report"
)

// kcminBin is the command, built once for the tests that run it as a
// process of its own.
var kcminBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kcmin-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	kcminBin = filepath.Join(dir, "kcmin")
	out, err := exec.Command("go", "build", "-o", kcminBin, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build kcmin: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// miniCampaign copies the campaign package's mini campaign into a new
// folder, its tree named by absolute path, and returns the campaign file.
func miniCampaign(t *testing.T) string {
	t.Helper()
	src, err := filepath.Abs("../../campaign/testdata/minitree")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	text, err := os.ReadFile("../../campaign/testdata/mini/minimize.toml")
	if err != nil {
		t.Fatal(err)
	}
	spec := strings.Replace(string(text), `source = "../minitree"`, `source = "`+src+`"`, 1)
	bad, err := os.ReadFile("../../campaign/testdata/mini/bad.config")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"minimize.toml": []byte(spec), "bad.config": bad} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "minimize.toml")
}

type result struct {
	code           int
	stdout, stderr string
}

func kcmin(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(kcminBin, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	code := 0
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, stdout.String(), stderr.String()}
}

func readResult(t *testing.T, work string) report.Result {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(work, "result", "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r report.Result
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	// How long and how large are the machine's, not the campaign's.
	r.Seconds, r.TestSeconds, r.PeakRSS = 0, 0, 0
	r.BuildSeconds, r.BuildMedian, r.BuildLargest, r.BuildDirs, r.DiskUsed = 0, 0, 0, 0, 0
	// What a build compiled depends on where it ran and on what a killed
	// build had compiled before.
	r.Rebuilds, r.SmallRebuilds = 0, 0
	for i := range r.Matrix {
		r.Matrix[i].BuildSeconds = 0
	}
	return r
}

// questions lists a journal's questions in order: what the search asked.
func questions(t *testing.T, work string) []string {
	t.Helper()
	recs, err := campaign.ReadJournal(filepath.Join(work, "journal.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		out = append(out, fmt.Sprintf("%d %v %d %v", r.Test, r.Hit, r.Attempt, r.Subset))
	}
	return out
}

// demoCampaign is the repository's own demo campaign, minimize.toml.
func demoCampaign(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs("../../minimize.toml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestKill9Resume kills a running campaign with SIGKILL at random moments
// and runs it again each time, until it finishes. The journal must then
// hold the same questions, in the same order, as a run never killed:
// no finished test repeated, none lost; and the result must be the same.
func TestKill9Resume(t *testing.T) {
	tests := []struct {
		name     string
		campaign func(*testing.T) string
		build    string // FAKE_BUILD_SECONDS
		maxDelay int    // ms before the kill, at most
		workers  int
	}{
		{"mini", miniCampaign, "0.15", 500, 1},
		{"mini 3 workers", miniCampaign, "0.15", 500, 3},
		// A resumed demo replays its journal, reads the Kconfig tree for
		// the report and builds the result with its two toolchains when
		// their rows are not journalled yet: about 3 s on a loaded
		// machine before it can finish.
		{"demo", demoCampaign, "0.1", 6000, 1},
		// Three workers start three builds in each run: on a loaded
		// machine a run needs longer to finish one.
		{"demo 3 workers", demoCampaign, "0.1", 7000, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if strings.HasPrefix(tt.name, "demo") && testing.Short() {
				t.Skip("the demo takes a minute of fake builds and kills")
			}
			kill9(t, tt.campaign(t), tt.build, tt.maxDelay, tt.workers)
		})
	}
}

// kill9 kills a campaign of workers workers again and again. With one
// worker the journal must be the reference's, question for question.
// With several, which tests run beside the search's own depends on when
// each finishes, so the journal is checked for what resume promises: no
// question answered twice, no test number given twice, and the result of
// a run never killed.
func kill9(t *testing.T, file, buildSeconds string, maxDelay, workers int) {
	ref := t.TempDir()
	w := []string{"--workers", strconv.Itoa(workers)}
	if r := kcmin(t, nil, append([]string{"run", "-q", "-c", file, "-w", ref}, w...)...); r.code != 0 {
		t.Fatalf("reference run: exit %d\n%s", r.code, r.stderr)
	}
	want := questions(t, ref)
	wantResult := readResult(t, ref)

	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	work := t.TempDir()
	env := []string{"FAKE_BUILD_SECONDS=" + buildSeconds}
	kills := 0
	for round := 0; ; round++ {
		if round == 100 {
			t.Fatal("the campaign did not finish in 100 rounds")
		}
		cmd := exec.Command(kcminBin, append([]string{"run", "-q", "-c", file, "-w", work}, w...)...)
		cmd.Env = append(os.Environ(), env...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		delay := time.Duration(20+rng.Intn(maxDelay)) * time.Millisecond
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("round %d: %v\n%s", round, err, stderr.String())
			}
		case <-time.After(delay):
			_ = cmd.Process.Signal(syscall.SIGKILL)
			<-done
			kills++
			got := questions(t, work)
			if workers > 1 {
				answeredOnce(t, work)
			} else if len(got) > len(want) || !slices.Equal(got, want[:len(got)]) {
				t.Fatalf("after kill %d the journal strays from the reference:\n got %q\nwant %q", kills, got, want)
			}
			continue
		}
		break
	}
	t.Logf("finished after %d kills", kills)
	if kills == 0 {
		t.Error("the campaign was never killed: the test proves nothing")
	}
	got := readResult(t, work)
	if workers > 1 {
		answeredOnce(t, work)
		// What was found, not how many tests it took.
		for _, r := range []*report.Result{&got, &wantResult} {
			r.Tests, r.Builds, r.CacheHits, r.Unresolved, r.TestSeconds, r.Gone, r.FalseGone = 0, 0, 0, 0, 0, 0, 0
		}
	} else if got := questions(t, work); !reflect.DeepEqual(got, want) {
		t.Errorf("journal after kills:\n%q\nwant\n%q", got, want)
	}
	if !reflect.DeepEqual(got, wantResult) {
		t.Errorf("result after kills %+v, want %+v", got, wantResult)
	}
	// Every build dir and every worker's resolve dir.
	dirs, _ := filepath.Glob(filepath.Join(work, "build", "*"))
	if len(dirs) < workers+1 {
		t.Errorf("build dirs %q: want at least one a worker and their resolve dirs", dirs)
	}
	for _, dir := range dirs {
		if leftovers := makesIn(dir); leftovers != 0 {
			t.Errorf("%d make processes still run in %s", leftovers, dir)
		}
	}
}

// answeredOnce checks that a journal answers no question twice and
// gives no test number twice.
func answeredOnce(t *testing.T, work string) {
	t.Helper()
	recs, err := campaign.ReadJournal(filepath.Join(work, "journal.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	asked, numbered := map[string]bool{}, map[int]bool{}
	for _, r := range recs {
		q := fmt.Sprintf("%d %v", r.Attempt, r.Subset)
		if r.Role == "clean" {
			q = "clean " + q // the result built from nothing, asked again on purpose
		}
		if asked[q] {
			t.Errorf("question asked twice: %s", q)
		}
		asked[q] = true
		if !r.Hit {
			if numbered[r.Test] {
				t.Errorf("test %d numbered twice", r.Test)
			}
			numbered[r.Test] = true
		}
	}
}

// makesIn counts processes whose command line names dir as O=.
func makesIn(dir string) int {
	entries, _ := os.ReadDir("/proc")
	n := 0
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(cmdline, []byte("O="+dir+"\x00")) {
			n++
		}
	}
	return n
}

func TestExitStatus(t *testing.T) {
	file := miniCampaign(t)
	dir := filepath.Dir(file)
	broken := filepath.Join(dir, "broken.toml")
	text, _ := os.ReadFile(file)
	bad := strings.Replace(string(text), "jobs = 1", "jobs = \"one\"\ncolour = \"red\"", 1)
	if err := os.WriteFile(broken, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	noRepro := filepath.Join(dir, "norepro.toml")
	if err := os.WriteFile(filepath.Join(dir, "fine.config"), []byte("CONFIG_G=y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(noRepro, []byte(strings.Replace(string(text), `bad = "bad.config"`, `bad = "fine.config"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want []string // in stderr
	}{
		{"no command", nil, 2, []string{"Usage:"}},
		{"unknown command", []string{"frobnicate"}, 2, []string{`unknown command "frobnicate"`}},
		{"help", []string{"run", "-h"}, 0, []string{"Usage: kcmin run", "Example:"}},
		{"bad flag", []string{"run", "--frob"}, 2, []string{"flag provided but not defined"}},
		{"status needs a workdir", []string{"status"}, 2, []string{"wants 1 argument"}},
		{"broken campaign file", []string{"run", "-c", broken, "-w", t.TempDir()}, 2, []string{
			"broken.toml:6: kernel.jobs: wrong type: want an integer, got a string",
			"broken.toml:7: kernel.colour: unknown key"}},
		{"missing campaign file", []string{"run", "-c", filepath.Join(dir, "none.toml")}, 2, []string{"none.toml: no such file"}},
		{"bad config does not reproduce", []string{"run", "-q", "-c", noRepro, "-w", t.TempDir()}, 1, []string{"the bad config does not reproduce the failure"}},
		{"not a workdir", []string{"status", dir}, 2, []string{"is not a kcmin workdir"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := kcmin(t, nil, tt.args...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d\nstderr:\n%s", r.code, tt.code, r.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr does not say %q:\n%s", w, r.stderr)
				}
			}
		})
	}
}

func TestLockedWorkdir(t *testing.T) {
	file := miniCampaign(t)
	work := t.TempDir()
	cmd := exec.Command(kcminBin, "run", "-q", "-c", file, "-w", work)
	cmd.Env = append(os.Environ(), "FAKE_BUILD_SECONDS=5")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		_ = cmd.Wait()
	}()
	deadline := time.Now().Add(10 * time.Second)
	for campaign.LockedBy(work) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	r := kcmin(t, nil, "run", "-q", "-c", file, "-w", work)
	if want := fmt.Sprintf("in use by kcmin pid %d", cmd.Process.Pid); r.code != 2 || !strings.Contains(r.stderr, want) {
		t.Errorf("second run: exit %d, stderr %q; want 2 and %q", r.code, r.stderr, want)
	}
	st := kcmin(t, nil, "status", work)
	if st.code != 0 || !strings.Contains(st.stdout, fmt.Sprintf("running (pid %d)", cmd.Process.Pid)) {
		t.Errorf("status of a running campaign: exit %d\n%s%s", st.code, st.stdout, st.stderr)
	}
}

// TestInterruptExit stops a running campaign with SIGINT, SIGTERM and
// SIGHUP (a closed terminal): it stops, says so and why, exits 1, and the
// next run resumes.
func TestInterruptExit(t *testing.T) {
	for _, tc := range []struct {
		sig  syscall.Signal
		says string
	}{
		{syscall.SIGINT, "interrupted (interrupt signal received)"},
		{syscall.SIGTERM, "interrupted (terminated signal received)"},
		{syscall.SIGHUP, "interrupted (hangup signal received)"},
	} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			file := miniCampaign(t)
			work := t.TempDir()
			cmd := exec.Command(kcminBin, "run", "-q", "-c", file, "-w", work)
			cmd.Env = append(os.Environ(), "FAKE_BUILD_SECONDS=0.5")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(1500 * time.Millisecond)
			_ = cmd.Process.Signal(tc.sig)
			err := cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(stderr.String(), tc.says) {
				t.Fatalf("after %v: %v\n%s", tc.sig, err, stderr.String())
			}
			if makesIn(filepath.Join(work, "build", "d0")) != 0 {
				t.Error("make still runs after the interrupt")
			}
			r := kcmin(t, nil, "run", "-c", file, "-w", work)
			if r.code != 0 || !strings.Contains(r.stderr, "resuming: ") {
				t.Errorf("resume: exit %d\n%s", r.code, r.stderr)
			}
		})
	}
}

func TestStatusAndReport(t *testing.T) {
	file := miniCampaign(t)
	work := t.TempDir()
	first := kcmin(t, nil, "run", "-c", file, "-w", work)
	if first.code != 0 {
		t.Fatalf("run: exit %d\n%s", first.code, first.stderr)
	}
	st := kcmin(t, nil, "status", work)
	for _, w := range []string{"state     finished", "result    " + filepath.Join(work, "result") + ": 4 options, verified true, 1-minimal true", "CONFIG_D=y", "search    11 candidates"} {
		if !strings.Contains(st.stdout, w) {
			t.Errorf("status does not say %q:\n%s", w, st.stdout)
		}
	}
	old, err := os.ReadFile(filepath.Join(work, "result", "report.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(work, "result")); err != nil {
		t.Fatal(err)
	}
	rep := kcmin(t, nil, "report", work)
	if rep.code != 0 {
		t.Fatalf("report: exit %d\n%s", rep.code, rep.stderr)
	}
	again, err := os.ReadFile(filepath.Join(work, "result", "report.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(old, again) || rep.stdout != string(old) || first.stdout != string(old) {
		t.Errorf("report differs:\n%s\n---\n%s", old, again)
	}
	if len(questions(t, work)) == 0 {
		t.Fatal("empty journal")
	}
}

func TestCheck(t *testing.T) {
	file := miniCampaign(t)
	work := t.TempDir()
	good := filepath.Join(filepath.Dir(file), "good.config")
	if err := os.WriteFile(good, []byte("CONFIG_C=y\nCONFIG_D=y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		code int
		want []string
	}{
		{nil, 0, []string{"verdict:   reproduces", "signature: log: do_syscall_64: call to lockdep_hardirqs_off() leaves .noinstr.text section"}},
		{[]string{"--base"}, 1, []string{"verdict:   gone"}},
		{[]string{"--config", good}, 0, []string{"verdict:   reproduces", "handle_bug"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := kcmin(t, nil, append([]string{"check", "-q", "-c", file, "-w", work}, tt.args...)...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d\n%s%s", r.code, tt.code, r.stdout, r.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("check does not say %q:\n%s", w, r.stdout)
				}
			}
		})
	}
	if _, err := os.Stat(filepath.Join(work, "journal.jsonl")); err == nil {
		t.Error("check wrote a journal")
	}
}

func TestVersion(t *testing.T) {
	for _, tc := range []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"no build info", nil, "kcmin (unknown)"},
		{"a checkout without VCS", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "kcmin (devel)"},
		{"a checkout", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "1a2b3c4d5e6f77889900aabbccddeeff00112233"},
			{Key: "vcs.time", Value: "2026-12-01T23:30:00Z"},
			{Key: "vcs.modified", Value: "false"},
		}}, "kcmin (devel) 1a2b3c4 2026-12-01"},
		{"changed files", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "1a2b3c4d5e6f"},
			{Key: "vcs.modified", Value: "true"},
		}}, "kcmin (devel) 1a2b3c4+dirty"},
		{"a release", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}}, "kcmin v1.2.0"},
		{"a pseudo-version", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261201104601-d3c2290b96df"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "d3c2290b96df"},
			{Key: "vcs.time", Value: "2026-12-01T10:46:01Z"},
		}}, "kcmin (devel) d3c2290 2026-12-01"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := version(tc.info); got != tc.want {
				t.Errorf("version = %q, want %q", got, tc.want)
			}
		})
	}

	// The command prints what its own build recorded.
	info, err := buildinfo.ReadFile(kcminBin)
	if err != nil {
		t.Fatal(err)
	}
	r := kcmin(t, nil, "--version")
	if r.code != 0 || r.stdout != version(info)+"\n" {
		t.Errorf("kcmin --version: exit %d, %q; its build info says %q", r.code, r.stdout, version(info))
	}
}

// TestNewCampaign changes the kernel tree under a finished campaign:
// run refuses it with exit 2, naming the change and --new; run --new
// starts afresh and keeps the old journal in WORKDIR/old/.
func TestNewCampaign(t *testing.T) {
	file := miniCampaign(t)
	src, err := filepath.Abs("../../campaign/testdata/minitree")
	if err != nil {
		t.Fatal(err)
	}
	tree := filepath.Join(t.TempDir(), "linux")
	if out, err := exec.Command("cp", "-r", src, tree).CombinedOutput(); err != nil {
		t.Fatalf("copy the tree: %v\n%s", err, out)
	}
	text, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(strings.Replace(string(text), `source = "`+src+`"`, `source = "`+tree+`"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	if r := kcmin(t, nil, "run", "-q", "-c", file, "-w", work); r.code != 0 {
		t.Fatalf("first run: exit %d\n%s", r.code, r.stderr)
	}
	f, err := os.OpenFile(filepath.Join(tree, "Kconfig"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("# changed\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	r := kcmin(t, nil, "run", "-q", "-c", file, "-w", work)
	if r.code != 2 || !strings.Contains(r.stderr, "tree Kconfig files was sha256 ") || !strings.Contains(r.stderr, "--new") {
		t.Errorf("run on the changed tree: exit %d, want 2 naming the change and --new\n%s", r.code, r.stderr)
	}
	r = kcmin(t, nil, "run", "-c", file, "-w", work, "--new")
	if r.code != 0 || !strings.Contains(r.stderr, "the workdir held another campaign (tree Kconfig files was ") {
		t.Errorf("run --new: exit %d\n%s", r.code, r.stderr)
	}
	if olds, _ := filepath.Glob(filepath.Join(work, "old", "*", "journal.jsonl")); len(olds) != 1 {
		t.Errorf("old journals %q, want one", olds)
	}
}

// TestConfigErrors: the mistakes of a config file come out as kcmin
// prints every mistake of an input, one "file:line: message" a line, all
// of them, before any make; one alone has kcmin's prefix. kcmin check
// refuses them the same way.
func TestConfigErrors(t *testing.T) {
	file := miniCampaign(t)
	bad := filepath.Join(filepath.Dir(file), "bad.config")
	for _, tt := range []struct {
		name, text string
		want       []string
	}{
		{"several", "CONFIG_A=y\nCONFIG_N=abc\nCONFIG_B\n", []string{
			bad + ":2: N is an int: abc is not a decimal number; conf would ignore the line and keep the default",
			bad + `:3: missing "=" after CONFIG_B`}},
		{"one", "CONFIG_A=y\nCONFIG_B=y\nCONFIG_N=12abc\n", []string{
			"kcmin: " + bad + ":3: N is an int: 12abc is not a decimal number; conf would ignore the line and keep the default"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(bad, []byte(tt.text), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{
				{"run", "-q", "-c", file, "-w", t.TempDir()},
				{"check", "-q", "-c", file, "-w", t.TempDir()},
				{"check", "-q", "-c", file, "-w", t.TempDir(), "--config", bad},
			} {
				r := kcmin(t, nil, args...)
				if got := strings.TrimSuffix(r.stderr, "\n"); r.code != 2 || got != strings.Join(tt.want, "\n") {
					t.Errorf("kcmin %s: exit %d, stderr\n%s\nwant exit 2 and\n%s", args[0], r.code, r.stderr, strings.Join(tt.want, "\n"))
				}
			}
		})
	}
}
