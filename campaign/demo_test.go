package campaign

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kcmin/kcmin/oracle"
)

// The demo's planted failure mirrors the report that started kcmin: two
// options that depend on each other, a hardening option and an arch
// option, among hundreds of differences from defconfig.
var (
	demoMinimal = []string{
		"CONFIG_AMD_MEM_ENCRYPT=y",
		"CONFIG_FORTIFY_SOURCE=y",
		"CONFIG_LLVM_COV_KERNEL=y",
		"CONFIG_LLVM_COV_PROFILE_ALL=y",
	}
	demoFragments = map[string][]string{
		"arch/x86/configs/amd_mem_encrypt.config": {"CONFIG_AMD_MEM_ENCRYPT=y"},
		"kernel/configs/fortify_source.config":    {"CONFIG_FORTIFY_SOURCE=y"},
		"kernel/configs/llvm_cov.config":          {"CONFIG_LLVM_COV_KERNEL=y", "CONFIG_LLVM_COV_PROFILE_ALL=y"},
	}
)

// demoSpec is the demo campaign, testdata/campaigns/demo.toml, searched
// with algo.
func demoSpec(t *testing.T, algo string) *Spec {
	t.Helper()
	s, err := Load(filepath.Join("..", "testdata", "campaigns", "demo.toml"))
	if err != nil {
		t.Fatal(err)
	}
	s.Search.Algorithm = algo
	return s
}

// TestDemo runs the demo campaign end to end with each algorithm: the
// fake tree's make resolves with kcmin's kconfig and its build plants
// the failure. Each must find exactly the planted options, verified and
// 1-minimal, within its bound on tests.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the fake tree's conf and runs dozens of fake builds")
	}
	for _, algo := range []string{"bisect", "ddmin", "auto"} {
		t.Run(algo, func(t *testing.T) {
			work := t.TempDir()
			sum, err := Run(context.Background(), demoSpec(t, algo), Options{Workdir: work})
			if err != nil {
				t.Fatal(err)
			}
			r := sum.Result
			if !reflect.DeepEqual(r.Minimal, demoMinimal) || !r.Verified || !r.OneMinimal {
				t.Fatalf("minimal %q verified %v 1-minimal %v, want %q", r.Minimal, r.Verified, r.OneMinimal, demoMinimal)
			}
			got := map[string][]string{}
			for _, f := range r.Fragments {
				got[f.Path] = f.Lines
			}
			if !reflect.DeepEqual(got, demoFragments) {
				t.Errorf("fragments %v, want %v", got, demoFragments)
			}
			if !strings.Contains(sum.Report, "{def,amd_mem_encrypt.,fortify_source.,llvm_cov.}config bzImage") {
				t.Errorf("report lacks the reproducer:\n%s", sum.Report)
			}
			// Where the functions objtool names are defined, from the
			// symbols of the clean build's objects: the fake tree's
			// arch/x86/entry/common.o defines do_syscall_64.
			defined := map[string][]string{}
			for _, f := range r.Functions {
				defined[f.Name] = f.Files
			}
			if files := defined["do_syscall_64"]; len(files) != 1 || !strings.HasSuffix(files[0], "/fakelinux/arch/x86/entry/common.c") {
				t.Errorf("do_syscall_64 defined in %q, want the fake tree's arch/x86/entry/common.c (all: %v)", files, r.Functions)
			}
			if len(defined) != 12 {
				t.Errorf("%d functions located, want the 12 of the signature: %v", len(defined), r.Functions)
			}
			if flat := strings.Join(strings.Fields(sum.Report), " "); !strings.Contains(flat, "arch/x86/entry/common.c (do_int80_emulation, do_syscall_64)") {
				t.Errorf("report.txt does not say where do_syscall_64 is:\n%s", sum.Report)
			}
			checkJournal(t, journalOf(t, work))
			// Sequential bisection finds each of k culprits in at most
			// ceil(log2 n)+1 tests; add the first two tests and the final
			// check of each culprit.
			if algo == "bisect" {
				k, n := 4.0, float64(r.Candidates)
				bound := int(k*(math.Ceil(math.Log2(n))+1)) + 2 + int(k) + 1
				if r.Tests > bound {
					t.Errorf("bisect ran %d tests, over its bound %d", r.Tests, bound)
				}
			}
			if algo == "bisect" {
				reproduce(t, sum.Result.Reproducer, r.Signature)
			}
			if r.Unresolved > r.Tests/10 {
				t.Errorf("%d of %d tests unresolved: candidates do not stick", r.Unresolved, r.Tests)
			}
			t.Logf("%s: %d candidates, %d tests, %d builds, %d cache hits, %d unresolved", algo, r.Candidates, r.Tests, r.Builds, r.CacheHits, r.Unresolved)
		})
	}
}

// TestDemoWorkers runs the demo with four workers: the same result as
// one worker, every build dir used, and the journal numbering each test
// once.
func TestDemoWorkers(t *testing.T) {
	if testing.Short() {
		t.Skip("runs dozens of fake builds")
	}
	work := t.TempDir()
	s := demoSpec(t, "auto")
	s.SetWorkers(4)
	var matrixBeside atomic.Bool
	progress := func(st Status) {
		onMatrix, onTest := false, false
		for _, w := range st.Workers {
			onMatrix = onMatrix || strings.HasPrefix(w.Phase, "matrix: ")
			onTest = onTest || w.Test > 0
		}
		if onMatrix && onTest {
			matrixBeside.Store(true)
		}
	}
	sum, err := Run(context.Background(), s, Options{Workdir: work, Progress: progress})
	if err != nil {
		t.Fatal(err)
	}
	r := sum.Result
	if !reflect.DeepEqual(r.Minimal, demoMinimal) || !r.Verified || !r.OneMinimal {
		t.Fatalf("minimal %q verified %v 1-minimal %v, want %q", r.Minimal, r.Verified, r.OneMinimal, demoMinimal)
	}
	if r.Workers != 4 || r.TestSeconds < r.Seconds {
		t.Errorf("workers %d, %v s of tests in %v s", r.Workers, r.TestSeconds, r.Seconds)
	}
	recs := journalOf(t, work)
	checkJournalAtOnce(t, recs)
	// Four at once need four build dirs; the campaign keeps a few more.
	used := map[string]bool{}
	for _, rec := range recs {
		if rec.Built && rec.Role != roleClean {
			used[rec.BuildDir] = true
			if _, err := os.Stat(filepath.Join(work, "build", rec.BuildDir, ".config")); err != nil {
				t.Errorf("test %d: %v", rec.Test, err)
			}
		}
	}
	if len(used) < 4 || len(used) > 4+dirsAuto {
		t.Errorf("builds in %d build dirs, want 4 to %d", len(used), 4+dirsAuto)
	}
	// The clean build of the result runs beside the search's final
	// verification, once every candidate is decided.
	var clean, lastSearch time.Time
	for _, rec := range recs {
		end, err := time.Parse(time.RFC3339Nano, rec.Time)
		if err != nil {
			continue
		}
		switch rec.Role {
		case roleClean:
			clean = end.Add(-time.Duration(rec.ResolveMS+rec.BuildMS+rec.JudgeMS) * time.Millisecond)
		case "":
			if end.After(lastSearch) {
				lastSearch = end
			}
		}
	}
	if clean.IsZero() || !clean.Before(lastSearch) {
		t.Errorf("the clean build started at %v, the search's last test ended at %v: want it beside the verification", clean, lastSearch)
	}
	// The demo's two toolchains build at once, each on a worker.
	var spans [][2]time.Time
	for _, row := range matrixJournal(t, work) {
		end, err := time.Parse(time.RFC3339Nano, row.Time)
		if err != nil {
			t.Fatal(err)
		}
		spans = append(spans, [2]time.Time{end.Add(-time.Duration(row.BuildSeconds * float64(time.Second))), end})
	}
	if len(spans) != 2 {
		t.Fatalf("%d rows in the matrix journal, want the demo's 2", len(spans))
	}
	if !spans[0][0].Before(spans[1][1]) || !spans[1][0].Before(spans[0][1]) {
		t.Errorf("the toolchains built at %v and %v: want them at once", spans[0], spans[1])
	}
	// They start beside the end of the campaign (the clean build, the
	// final check), not after it.
	if !matrixBeside.Load() {
		t.Errorf("no worker was on the matrix while another ran a test")
	}
	t.Logf("4 workers: %d tests, %d builds, %v s of wall time, %v s of tests", r.Tests, r.Builds, r.Seconds, r.TestSeconds)
}

// matrixJournal reads a workdir's matrix journal, in its order.
func matrixJournal(t *testing.T, work string) []matrixRecord {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(work, matrixDir, journalFile))
	if err != nil {
		t.Fatal(err)
	}
	var out []matrixRecord
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var rec matrixRecord
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		out = append(out, rec)
	}
	return out
}

// TestRepeatsWhereBuilt: the runs of the bad config of a flaky campaign
// with three workers all go to the worker that built it, where a repeat
// rebuilds nothing, while the base builds beside them; each run shows the
// failure that the build log holds.
func TestRepeatsWhereBuilt(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo")
	}
	s := demoSpec(t, "auto")
	s.Search.Flaky, s.Search.Repeats = true, 3
	s.SetWorkers(3)
	work := t.TempDir()
	if _, err := Run(context.Background(), s, Options{Workdir: work}); err != nil {
		t.Fatal(err)
	}
	dirs := map[string][]string{}
	for _, rec := range journalOf(t, work) {
		if rec.Role == roleBad || rec.Role == roleBase {
			dirs[rec.Role] = append(dirs[rec.Role], rec.BuildDir)
		}
		// The demo's failure is no flake: a repeat that compiles nothing
		// still links vmlinux.o again, and objtool warns again.
		if rec.Role == roleBad && rec.Outcome != "reproduces" {
			t.Errorf("run %d of the bad config (test %d): %s (%s), want it to reproduce", rec.Attempt+1, rec.Test, rec.Outcome, rec.Reason)
		}
	}
	bad := dirs[roleBad]
	if len(bad) != 3 || bad[1] != bad[0] || bad[2] != bad[0] || len(dirs[roleBase]) != 1 || dirs[roleBase][0] == bad[0] {
		t.Errorf("build dirs of the bad config's runs %q and of the base %q: want the runs in one, the base in another", bad, dirs[roleBase])
	}
}

// TestRepeatsCompilerWarning: a repeat of the bad config in its build dir
// compiles nothing, and a compiler warns only of what it compiles: the
// repeat compiles again the objects the last build there warned of, so
// that a failure made of compiler warnings shows in every run, as it is
// no flake.
func TestRepeatsCompilerWarning(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the framewarn campaign")
	}
	s, err := Load(filepath.Join("..", "testdata", "campaigns", "framewarn.toml"))
	if err != nil {
		t.Fatal(err)
	}
	s.Search.Flaky, s.Search.Repeats = true, 3
	work := t.TempDir()
	if _, err := Run(context.Background(), s, Options{Workdir: work}); err != nil {
		t.Fatal(err)
	}
	runs := 0
	for _, rec := range journalOf(t, work) {
		if rec.Role == roleBad {
			runs++
			if rec.Outcome != "reproduces" {
				t.Errorf("run %d of the bad config (test %d, %s): %s (%s), want it to reproduce", rec.Attempt+1, rec.Test, rec.BuildDir, rec.Outcome, rec.Reason)
			}
		}
	}
	if runs != 3 {
		t.Errorf("%d runs of the bad config, want 3", runs)
	}
}

// TestCheckTwice: kcmin check of the same config twice uses the build dir
// that built it, where nothing compiles again: the second check must see
// the warnings too, not "gone", both objtool's on vmlinux.o (the demo)
// and a compiler's (framewarn).
func TestCheckTwice(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo's bad config")
	}
	for _, file := range []string{"demo.toml", "framewarn.toml"} {
		s, err := Load(filepath.Join("..", "testdata", "campaigns", file))
		if err != nil {
			t.Fatal(err)
		}
		work := t.TempDir()
		for i := range 2 {
			res, err := Check(context.Background(), s, CheckOptions{Workdir: work})
			if err != nil {
				t.Fatal(err)
			}
			if res.Verdict != "reproduces" {
				t.Errorf("%s, check %d: %s (%s), want reproduces", file, i+1, res.Verdict, res.Reason)
			}
		}
	}
}

// reproduce runs a report's commands in a clean copy of the fake tree, as
// a reader of the report would, and checks that the build prints the bad
// config's warnings: the same signature, line for line.
func reproduce(t *testing.T, commands, signature []string) {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	tree := filepath.Join(t.TempDir(), "linux")
	if out, err := exec.Command("cp", "-r", filepath.Join(root, "testdata", "fakelinux"), tree).CombinedOutput(); err != nil {
		t.Fatalf("copy the tree: %v\n%s", err, out)
	}
	// The reproducer uses brace expansion, as kernel developers' shells do.
	cmd := exec.Command("bash", "-e", "-c", strings.Join(commands, "\n"))
	cmd.Dir = tree
	cmd.Env = append(os.Environ(), "KCMIN_ROOT="+root)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the reproducer fails: %v\n%s", err, out)
	}
	var got []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "objtool:") && strings.Contains(line, "leaves .noinstr.text section") {
			got = append(got, "log: "+oracle.Normalize(line))
		}
	}
	sort.Strings(got)
	if !reflect.DeepEqual(slices.Compact(got), signature) {
		t.Errorf("the reproducer prints %q, want the bad config's %q", got, signature)
	}
}

// TestDemoPriors: the demo's culprits are instrumentation, hardening and
// arch options among drivers and modules, so the kernel's priors must
// save tests over the same search without them, and find the same answer.
func TestDemoPriors(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo campaign twice")
	}
	tests := map[bool]int{}
	for _, priors := range []bool{false, true} {
		s := demoSpec(t, "auto")
		s.Search.Priors = priors
		sum, err := Run(context.Background(), s, Options{Workdir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(sum.Result.Minimal, demoMinimal) || !sum.Result.Verified {
			t.Fatalf("priors %v: minimal %q verified %v", priors, sum.Result.Minimal, sum.Result.Verified)
		}
		tests[priors] = sum.Result.Tests
	}
	t.Logf("tests without priors %d, with %d", tests[false], tests[true])
	if tests[true] >= tests[false] {
		t.Errorf("priors saved nothing: %d tests with, %d without", tests[true], tests[false])
	}
}

// TestRepeatDoesNotResync: a config built again (a flaky failure's repeat)
// must not make the build sync Kconfig again: kcmin writes its prediction
// exactly as conf would, so the .config is left as it is, and the build
// reuses the kernel it has.
func TestRepeatDoesNotResync(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the fake tree")
	}
	work := t.TempDir()
	r, err := start(context.Background(), demoSpec(t, "auto"), Options{Workdir: work})
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	all := make([]int, len(r.cands.List))
	for i := range all {
		all[i] = i
	}
	for attempt := range 2 {
		if _, err := r.test(context.Background(), all, attempt); err != nil {
			t.Fatal(err)
		}
	}
	recs := journalOf(t, work)
	if len(recs) != 2 || recs[1].Outcome != recs[0].Outcome || !recs[1].Built {
		t.Fatalf("journal %+v", recs)
	}
	log, err := os.ReadFile(filepath.Join(r.wd.TestDir(recs[1].Test), "build.log"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(log), "SYNC") {
		t.Errorf("the repeat synced the config again:\n%s", log)
	}
}

// TestCleanBuildVerifies: the result is built last from nothing, in a
// build dir of its own, whatever the incremental builds said of the same
// config; a clean build that does not reproduce unverifies the result.
func TestCleanBuildVerifies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo")
	}
	work := t.TempDir()
	sum, err := Run(context.Background(), demoSpec(t, "auto"), Options{Workdir: work})
	if err != nil {
		t.Fatal(err)
	}
	recs := journalOf(t, work)
	last := recs[len(recs)-1]
	if last.Role != roleClean || last.Hit || !last.Built || last.BuildDir != "clean" || last.Outcome != "reproduces" ||
		last.Rebuild == nil || !last.Rebuild.Clean || !sameNames(last.Subset, sum.Result.Minimal) {
		t.Errorf("last record %+v: want the result built clean in build/clean, reproducing", last)
	}
	if !sum.Result.VerifiedClean || sum.Result.CleanBuild != "reproduces" {
		t.Errorf("result: verified_clean %v, clean_build %q", sum.Result.VerifiedClean, sum.Result.CleanBuild)
	}
	if !strings.Contains(strings.Join(strings.Fields(sum.Report), " "), "was built from nothing in a build dir of its own") {
		t.Errorf("the report does not say how the result was verified:\n%s", sum.Report)
	}
	if _, err := os.Stat(filepath.Join(work, "build", "clean", ".config")); err != nil {
		t.Error(err)
	}

	// A check that finds the failure everywhere but in the clean build.
	s := demoSpec(t, "auto")
	s.Oracle.Command = []string{"sh", "-c", `case $KCMIN_BUILD_DIR in */clean) exit 1;; esac`}
	work = t.TempDir()
	sum, err = Run(context.Background(), s, Options{Workdir: work})
	if !errors.Is(err, ErrNoResult) || !strings.Contains(fmt.Sprint(err), "not in a clean build") {
		t.Fatalf("run: %v, want no result for want of a clean build", err)
	}
	if sum.Result.Verified || sum.Result.VerifiedClean || sum.Result.CleanBuild != "gone" {
		t.Errorf("result: verified %v, verified_clean %v, clean_build %q", sum.Result.Verified, sum.Result.VerifiedClean, sum.Result.CleanBuild)
	}
	if !strings.Contains(strings.Join(strings.Fields(sum.Report), " "), "NOT VERIFIED: the base with these options reproduced the failure in incremental builds, but not in a clean build") {
		t.Errorf("report:\n%s", sum.Report)
	}
}

// sameNames says whether names are the options of lines (CONFIG_X=y).
func sameNames(names, lines []string) bool {
	var of []string
	for _, l := range lines {
		name, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(l, "# "), "CONFIG_"), "=")
		of = append(of, strings.TrimSuffix(name, " is not set"))
	}
	return slices.Equal(slices.Sorted(slices.Values(names)), slices.Sorted(slices.Values(of)))
}

// TestDemoRebuilds: the fake tree's build writes kbuild's .cmd files and
// compiles only what changed, as kbuild does. Every test's journal line
// says what was predicted and compiled; coverage, which changes every
// command line, is learned; the search is told the costly candidates.
func TestDemoRebuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo")
	}
	work := t.TempDir()
	if _, err := Run(context.Background(), demoSpec(t, "auto"), Options{Workdir: work}); err != nil {
		t.Fatal(err)
	}
	small, full := 0, 0
	dirs := map[string]bool{}
	for _, rec := range journalOf(t, work) {
		if !rec.Built {
			continue
		}
		rb := rec.Rebuild
		if rb == nil || rb.Objects < 40 || rb.Compiled > rb.Objects {
			t.Errorf("test %d: rebuild %+v, want the objects predicted and compiled of some 50", rec.Test, rb)
			continue
		}
		dirs[rec.BuildDir] = true
		switch {
		case rb.Clean && rb.Compiled != rb.Objects:
			t.Errorf("test %d: a clean build compiled %d of %d objects", rec.Test, rb.Compiled, rb.Objects)
		case rb.Clean:
		case rb.Compiled*10 < rb.Objects:
			small++
		case rb.Compiled*10 >= rb.Objects*9:
			full++
		}
	}
	if small == 0 || full == 0 || len(dirs) < 3 {
		t.Errorf("%d small rebuilds, %d full ones, in %d build dirs: want both kinds, in several dirs", small, full, len(dirs))
	}
	costs := loadRebuildCosts(filepath.Join(work, rebuildFile))
	if n := max(costs.Extra["LLVM_COV_PROFILE_ALL=y"], costs.Extra["LLVM_COV_PROFILE_ALL=n"]); n < 40 {
		t.Errorf("coverage's flip learned to cost %d objects beyond the .cmd files, want nearly all", n)
	}
	var told []candidateCost
	data, err := os.ReadFile(filepath.Join(work, costsFile))
	if err != nil || json.Unmarshal(data, &told) != nil {
		t.Fatalf("costs.json: %v", err)
	}
	// FORTIFY_SOURCE is in every object's header, AMD_MEM_ENCRYPT adds
	// two objects, LOCALVERSION none.
	want := map[string][2]float64{"FORTIFY_SOURCE": {1, 1}, "AMD_MEM_ENCRYPT": {0.01, 0.1}, "LOCALVERSION": {0, 0}}
	for _, c := range told {
		if w, ok := want[c.Candidate]; ok {
			if c.Cost < w[0] || c.Cost > w[1] {
				t.Errorf("%s costs %v, want %v to %v", c.Candidate, c.Cost, w[0], w[1])
			}
			delete(want, c.Candidate)
		}
	}
	if len(want) > 0 {
		t.Errorf("costs.json lacks %v", want)
	}
}
