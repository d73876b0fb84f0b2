package campaign

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kcmin/kcmin/build"
)

// demoRunner starts the demo campaign with one worker in a fresh
// workdir, its bad and base configs resolved.
func demoRunner(t *testing.T) *runner {
	t.Helper()
	s := demoSpec(t, "auto")
	s.SetWorkers(1)
	r, err := start(context.Background(), s, Options{Workdir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.close() })
	return r
}

// TestOOMKilledBuild runs the demo's builds in a memory cgroup too small
// for them: a build the OOM killer kills is built again alone, and
// when that is killed too, the test is unresolved with the reason, never
// "gone". A build killed the first time only is judged on its second
// build, with its peak memory in the journal.
func TestOOMKilledBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the fake tree in a memory cgroup")
	}
	cg, err := build.NewMemoryCgroup(64 << 20)
	if err != nil {
		t.Skipf("no memory cgroup to build in: %v", err)
	}
	t.Cleanup(func() { _ = cg.Remove() })
	t.Setenv("FAKE_BUILD_MEMORY", "300M")

	r := demoRunner(t)
	r.make.Wrap, r.make.Cgroup = cg.Wrap(), cg.Dir()
	rec, err := r.ask(context.Background(), question{names: []string{}, opts: nil})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Outcome != "unresolved" || !strings.Contains(rec.Reason, "killed for memory, also when it ran alone") {
		t.Errorf("outcome %s (%s), want unresolved for memory", rec.Outcome, rec.Reason)
	}
	tdir := r.wd.TestDir(rec.Test)
	if _, err := os.Stat(filepath.Join(tdir, "build-oom.log")); err != nil {
		t.Errorf("the first build's log is not kept: %v", err)
	}

	// Only the first build of a test goes into the cgroup: the retry,
	// alone, has the machine's memory.
	flag := filepath.Join(t.TempDir(), "first")
	r.make.Wrap = []string{"/bin/sh", "-c",
		`if [ ! -e "$0" ]; then : >"$0"; echo $$ >"$1"; fi; shift; exec "$@"`, flag, filepath.Join(cg.Dir(), "cgroup.procs")}
	all := make([]int, len(r.cands.List))
	for i := range all {
		all[i] = i
	}
	rec, err = r.ask(context.Background(), question{names: r.cands.Names(all), opts: r.cands.Options(all), role: roleBad})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Outcome != "reproduces" || rec.PeakRSS < 250<<20 {
		t.Errorf("bad config after one OOM kill: %s (%s), peak %d bytes; want reproduces, about 300 MB", rec.Outcome, rec.Reason, rec.PeakRSS)
	}
	if _, err := os.Stat(filepath.Join(r.wd.TestDir(rec.Test), "build-oom.log")); err != nil {
		t.Errorf("the killed build's log is not kept: %v", err)
	}
}

// TestMemoryHoldsBuildsBack: with three workers but memory for one build
// at a time, no two builds of the demo run at once, and the result is
// the same.
func TestMemoryHoldsBuildsBack(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo")
	}
	avail, err := availableMemory()
	if err != nil {
		t.Skip(err)
	}
	s := demoSpec(t, "auto")
	s.SetWorkers(3)
	// Two thirds of it: however the figure moves meanwhile, two builds
	// do not fit.
	s.Workers.MemoryPerBuild = strconv.FormatInt(avail/3*2, 10)
	work := t.TempDir()
	sum, err := Run(context.Background(), s, Options{Workdir: work})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(sum.Result.Minimal, demoMinimal) {
		t.Errorf("minimal %q, want %q", sum.Result.Minimal, demoMinimal)
	}
	var builds []span
	for _, rec := range journalOf(t, work) {
		if !rec.Hit && rec.Built {
			end, err := time.Parse(time.RFC3339Nano, rec.Time)
			if err != nil {
				t.Fatal(err)
			}
			// The build ends before the judging does.
			to := end.Add(-time.Duration(rec.JudgeMS) * time.Millisecond)
			builds = append(builds, span{to.Add(-time.Duration(rec.BuildMS) * time.Millisecond), to})
		}
	}
	slices.SortFunc(builds, func(a, b span) int { return a.from.Compare(b.from) })
	for i := 1; i < len(builds); i++ {
		// Clocks of one machine; some slack for the
		// gap between a build's end and the record of its time, which
		// comes after make olddefconfig has checked the prediction.
		if builds[i].from.Before(builds[i-1].to.Add(-200 * time.Millisecond)) {
			t.Errorf("builds overlap: %v-%v and %v-%v", builds[i-1].from, builds[i-1].to, builds[i].from, builds[i].to)
		}
	}
	if len(builds) < 10 {
		t.Errorf("%d builds", len(builds))
	}
}
