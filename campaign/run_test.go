package campaign

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kcmin/kcmin/kconfig"
	"github.com/kcmin/kcmin/minimize"
)

// The mini tree's planted failure: B (which needs A), C and D, in menu
// order (D is defined in arch/x86/Kconfig, sourced first).
var miniCulprits = []string{"CONFIG_D=y", "CONFIG_A=y", "CONFIG_B=y", "CONFIG_C=y"}

// miniSpec loads the mini campaign, changed by edit, from a copy of its
// folder so that tests can change its files.
func miniSpec(t *testing.T, edit func(text string) string) *Spec {
	t.Helper()
	dir := t.TempDir()
	src, err := filepath.Abs("testdata/minitree")
	if err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile("testdata/mini/minimize.toml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(text), `source = "../minitree"`, `source = "`+src+`"`, 1)
	if edit != nil {
		s = edit(s)
	}
	bad, err := os.ReadFile("testdata/mini/bad.config")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.config"), bad, 0o644); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "minimize.toml")
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	spec, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// syncBuffer collects a run's log lines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func journalOf(t *testing.T, dir string) []Record {
	t.Helper()
	recs, err := ReadJournal(filepath.Join(dir, journalFile))
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// checkJournal checks what every journal must hold: each question once,
// each test number once and in order.
func checkJournal(t *testing.T, recs []Record) {
	t.Helper()
	questions := map[string]bool{}
	next := 1
	for i, r := range recs {
		key := questionKey(r.Role, r.Subset, r.Attempt)
		if questions[key] {
			t.Errorf("record %d asks %q again", i, key)
		}
		questions[key] = true
		if r.Hit {
			continue
		}
		if r.Test != next {
			t.Errorf("record %d is test %d, want %d", i, r.Test, next)
		}
		next = r.Test + 1
	}
}

// checkJournalAtOnce checks the journal of a campaign that ran tests at
// once, which finish in any order: no question asked twice, no test
// number given twice.
func checkJournalAtOnce(t *testing.T, recs []Record) {
	t.Helper()
	questions, numbers := map[string]bool{}, map[int]bool{}
	for i, r := range recs {
		key := questionKey(r.Role, r.Subset, r.Attempt)
		if questions[key] {
			t.Errorf("record %d asks %q again", i, key)
		}
		questions[key] = true
		if !r.Hit && numbers[r.Test] {
			t.Errorf("record %d numbers test %d again", i, r.Test)
		}
		numbers[r.Test] = true
	}
}

func TestRunMini(t *testing.T) {
	for _, algo := range []string{"bisect", "ddmin", "auto"} {
		t.Run(algo, func(t *testing.T) {
			spec := miniSpec(t, func(s string) string {
				return strings.Replace(s, `algorithm = "bisect"`, `algorithm = "`+algo+`"`, 1)
			})
			work := t.TempDir()
			var log syncBuffer
			sum, err := Run(context.Background(), spec, Options{Workdir: work, Log: &log})
			if err != nil {
				t.Fatalf("%v\nlog:\n%s", err, log.String())
			}
			if !reflect.DeepEqual(sum.Result.Minimal, miniCulprits) {
				t.Errorf("minimal %q, want %q", sum.Result.Minimal, miniCulprits)
			}
			if !sum.Verified || !sum.OneMinimal {
				t.Errorf("verified %v, 1-minimal %v", sum.Verified, sum.OneMinimal)
			}
			paths := map[string][]string{}
			for _, f := range sum.Result.Fragments {
				paths[f.Path] = f.Lines
			}
			wantFrags := map[string][]string{
				"arch/x86/configs/d.config": {"CONFIG_D=y"},
				"kernel/configs/b.config":   {"CONFIG_A=y", "CONFIG_B=y"},
				"kernel/configs/c.config":   {"CONFIG_C=y"},
			}
			if !reflect.DeepEqual(paths, wantFrags) {
				t.Errorf("fragments %v, want %v", paths, wantFrags)
			}
			recs := journalOf(t, work)
			checkJournal(t, recs)
			tests := 0
			for _, r := range recs {
				if !r.Hit && r.Verdict != "" {
					tests++
				}
			}
			if sum.Result.Tests != tests || sum.Result.Builds != tests {
				t.Errorf("result says %d tests, %d builds; the journal has %d judged", sum.Result.Tests, sum.Result.Builds, tests)
			}
			for _, f := range []string{"result/report.txt", "result/result.json", "result/minimal.config", "result/kernel/configs/b.config", "tests/0001/build.log", "tests/0001/resolved.config", "tests/0001/fragment.config", "candidates.json", "campaign.toml"} {
				if _, err := os.Stat(filepath.Join(work, f)); err != nil {
					t.Errorf("workdir lacks %s", f)
				}
			}
			if repro := strings.Join(sum.Result.Reproducer, "\n"); !strings.HasSuffix(repro, `make -skj"$(nproc)" ARCH=x86_64 LLVM=1 mrproper {def,b.,c.,d.}config bzImage`) {
				t.Errorf("report lacks the reproducer:\n%s", sum.Report)
			}
			if !strings.Contains(sum.Report, "do_syscall_64+0x4c: call to") {
				t.Errorf("report does not quote the warnings:\n%s", sum.Report)
			}
			t.Logf("%s: %d tests, %d builds, %d cache hits, %d unresolved", algo, sum.Result.Tests, sum.Result.Builds, sum.Result.CacheHits, sum.Result.Unresolved)

			// Run again: everything comes from the journal.
			log = syncBuffer{}
			again, err := Run(context.Background(), spec, Options{Workdir: work, Log: &log})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(log.String(), "resuming: ") || !strings.Contains(log.String(), " tests done, 0 to repeat") {
				t.Errorf("second run does not say it resumes:\n%s", log.String())
			}
			if n := len(journalOf(t, work)); n != len(recs) {
				t.Errorf("second run added %d journal lines", n-len(recs))
			}
			if !reflect.DeepEqual(again.Result, sum.Result) {
				t.Errorf("second run's result %+v differs from %+v", again.Result, sum.Result)
			}
		})
	}
}

// TestCache asks questions whose configs are the same: S selects T, so
// {S} and {S, T} resolve alike; the second is a cache hit, no build.
func TestCache(t *testing.T) {
	spec := miniSpec(t, nil)
	work := t.TempDir()
	r, err := start(context.Background(), spec, Options{Workdir: work})
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	idx := map[string]int{}
	for i, c := range r.cands.List {
		idx[c.Name()] = i
	}
	if _, ok := idx["HIDDEN"]; ok {
		t.Error("HIDDEN has no prompt but is a candidate")
	}
	s, tt := idx["S"], idx["T"]
	ask := func(kept ...int) minimize.Outcome {
		t.Helper()
		out, err := r.test(context.Background(), kept, 0)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	ask(s)
	ask(s, tt)
	ask(s, tt) // asked again: answered, not recorded
	recs := journalOf(t, work)
	if len(recs) != 2 || recs[0].Hit || !recs[1].Hit || recs[1].Test != recs[0].Test || recs[1].Hash != recs[0].Hash {
		t.Fatalf("journal %+v, want a test and a hit on it", recs)
	}
	if recs[1].Predicted != recs[1].Hash {
		t.Errorf("the hit was not found by kconfig's prediction: predicted %s, hash %s", recs[1].Predicted, recs[1].Hash)
	}
	if _, err := os.Stat(r.wd.TestDir(2)); err == nil {
		t.Error("a cache hit got a test folder")
	}
	if r.hits != 2 {
		t.Errorf("%d hits counted, want 2", r.hits)
	}
}

// wrongDeps is the mini tree's knowledge with J's dependency on K
// forgotten, so a subset with J and without K does not stick.
type wrongDeps struct{ Knowledge }

func (w wrongDeps) Needs(base, bad *kconfig.Config, name, want string, set bool) []kconfig.Need {
	if name == "J" {
		return nil
	}
	return w.Knowledge.Needs(base, bad, name, want, set)
}

// lyingResolver predicts every config with H set: wrong whenever H is
// not in the subset.
type lyingResolver struct{ Knowledge }

func (l lyingResolver) Resolve(c *kconfig.Config) (*kconfig.Config, error) {
	out, err := l.Knowledge.Resolve(c)
	if err == nil {
		out.Set(kconfig.Entry{Name: "H", Value: "y"})
	}
	return out, err
}

func wrapKnowledge(wrap func(Knowledge) Knowledge) func(ctx context.Context, s *Spec, env map[string]string) (Knowledge, error) {
	return func(ctx context.Context, s *Spec, env map[string]string) (Knowledge, error) {
		k, err := parseTree(ctx, s, env)
		if err != nil {
			return nil, err
		}
		return wrap(k), nil
	}
}

func TestNotStuck(t *testing.T) {
	spec := miniSpec(t, nil)
	work := t.TempDir()
	r, err := start(context.Background(), spec, Options{Workdir: work,
		Knowledge: wrapKnowledge(func(k Knowledge) Knowledge { return wrongDeps{k} })})
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	j := -1
	for i, c := range r.cands.List {
		if c.Name() == "J" {
			j = i
		}
	}
	out, err := r.test(context.Background(), []int{j}, 0)
	if err != nil {
		t.Fatal(err)
	}
	recs := journalOf(t, work)
	if out != minimize.Unresolved || len(recs) != 1 || recs[0].Built || !strings.Contains(recs[0].Reason, "did not stick: J=y needs K [=n]") {
		t.Errorf("outcome %v, journal %+v", out, recs)
	}
}

func TestPredictionDisagrees(t *testing.T) {
	spec := miniSpec(t, nil)
	work := t.TempDir()
	sum, err := Run(context.Background(), spec, Options{Workdir: work,
		Knowledge: wrapKnowledge(func(k Knowledge) Knowledge { return lyingResolver{k} })})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(sum.Result.Minimal, miniCulprits) {
		t.Errorf("minimal %q, want %q", sum.Result.Minimal, miniCulprits)
	}
	if sum.Result.Disagreements == 0 {
		t.Error("no disagreement counted")
	}
	if !strings.Contains(strings.Join(strings.Fields(sum.Report), " "), "disagreed with make olddefconfig") {
		t.Errorf("report does not mention the disagreement:\n%s", sum.Report)
	}
}

func TestFirstTests(t *testing.T) {
	tests := []struct {
		name string
		bad  string // the bad config's content
		base string // a base config file's content; "" keeps defconfig
		want string
	}{
		{"bad does not reproduce", "CONFIG_A=y\nCONFIG_B=y\nCONFIG_C=y\n", "", "the bad config does not reproduce the failure: log: the failure is not there (test 1, "},
		{"base reproduces", "CONFIG_A=y\nCONFIG_B=y\nCONFIG_C=y\nCONFIG_D=y\nCONFIG_G=y\n", "CONFIG_A=y\nCONFIG_B=y\nCONFIG_C=y\nCONFIG_D=y\n", "the base reproduces the failure too, so there is nothing to minimize (test 2, "},
		{"base does not build", "CONFIG_A=y\nCONFIG_B=y\nCONFIG_C=y\nCONFIG_D=y\nCONFIG_N=20\n", "CONFIG_N=60\n", "the base config could not be judged: build: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := miniSpec(t, nil)
			dir := filepath.Dir(spec.File)
			if err := os.WriteFile(spec.Config.Bad, []byte(tt.bad), 0o644); err != nil {
				t.Fatal(err)
			}
			if tt.base != "" {
				spec.Config.BaseTargets = nil
				spec.Config.BaseFile = filepath.Join(dir, "base.config")
				if err := os.WriteFile(spec.Config.BaseFile, []byte(tt.base), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := Run(context.Background(), spec, Options{Workdir: t.TempDir()})
			if err == nil || !errors.Is(err, ErrNoResult) || ExitCode(err) != 1 {
				t.Fatalf("error %v (exit %d), want no result", err, ExitCode(err))
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
}

func TestNothingToMinimize(t *testing.T) {
	spec := miniSpec(t, nil)
	if err := os.WriteFile(spec.Config.Bad, []byte("CONFIG_F=y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Run(context.Background(), spec, Options{Workdir: t.TempDir()})
	if err == nil || ExitCode(err) != 2 || !strings.Contains(err.Error(), "nothing to minimize") {
		t.Errorf("error %v", err)
	}
}

// TestInterrupt cancels a campaign in the middle of a build: nothing is
// recorded for that test, and the next run finishes with the same result.
func TestInterrupt(t *testing.T) {
	spec := miniSpec(t, nil)
	work := t.TempDir()
	t.Setenv("FAKE_BUILD_SECONDS", "1")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	opts := Options{Workdir: work, Progress: func(s Status) {
		if slices.Contains(s.Now(), "building test 3") {
			once.Do(func() { time.AfterFunc(300*time.Millisecond, cancel) })
		}
	}}
	_, err := Run(ctx, spec, opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v", err)
	}
	recs := journalOf(t, work)
	if len(recs) != 2 {
		t.Fatalf("journal holds %d records after an interrupt in test 3, want 2", len(recs))
	}
	t.Setenv("FAKE_BUILD_SECONDS", "0")
	var log syncBuffer
	sum, err := Run(context.Background(), spec, Options{Workdir: work, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "resuming: 2 tests done, 1 to repeat") {
		t.Errorf("resume says:\n%s", log.String())
	}
	if !reflect.DeepEqual(sum.Result.Minimal, miniCulprits) {
		t.Errorf("minimal %q, want %q", sum.Result.Minimal, miniCulprits)
	}
	checkJournal(t, journalOf(t, work))
}

func TestReplayOnlyUnfinished(t *testing.T) {
	spec := miniSpec(t, nil)
	work := t.TempDir()
	r, err := start(context.Background(), spec, Options{Workdir: work})
	if err != nil {
		t.Fatal(err)
	}
	r.close()
	_, err = Run(context.Background(), spec, Options{Workdir: work, replayOnly: true})
	if err == nil || !strings.Contains(err.Error(), "has not finished") {
		t.Errorf("replay of an unfinished campaign: %v", err)
	}
}

// TestStatus stops a campaign midway and reads its status: stopped, the
// tests so far, and the smallest config that reproduced.
func TestStatus(t *testing.T) {
	spec := miniSpec(t, nil)
	work := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := Run(ctx, spec, Options{Workdir: work, Progress: func(s Status) {
		if slices.Contains(s.Now(), "resolving test 6") {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("run: %v", err)
	}
	var out bytes.Buffer
	if err := WriteStatus(&out, work); err != nil {
		t.Fatal(err)
	}
	recs := journalOf(t, work)
	for _, want := range []string{
		"state     stopped; kcmin run resumes it",
		"tests     5 judged, 5 builds, 0 unresolved, 0 answered from the cache",
		"search    11 candidates, ",
		"best      the smallest config that reproduced so far (test ",
		"CONFIG_D=y",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("status does not say %q:\n%s\njournal: %+v", want, out.String(), recs)
		}
	}
}
