package campaign

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kcmin/kcmin/kconfig"
)

// extraDep is the mini tree's knowledge with C claiming to need G, as a
// candidate's dependency walk does when it goes through symbols whose
// dependency the base already meets: C's candidate carries G.
type extraDep struct{ Knowledge }

func (e extraDep) Needs(base, bad *kconfig.Config, name, want string, set bool) []kconfig.Need {
	n := e.Knowledge.Needs(base, bad, name, want, set)
	if name == "C" {
		n = append(n, kconfig.Need{Name: "G", Want: "y"})
	}
	return n
}

// TestLinesDropWhatNothingNeeds: the search removes a candidate with
// what needs it, so G, carried by C, looks needed to it (without G and C
// the failure goes). The final check removes each line alone: without G
// the failure stays, so G is dropped and the result is what the failure
// needs, 1-minimal as a reader takes it.
func TestLinesDropWhatNothingNeeds(t *testing.T) {
	spec := miniSpec(t, nil)
	log := &syncBuffer{}
	sum, err := Run(context.Background(), spec, Options{Workdir: t.TempDir(), Log: log,
		Knowledge: wrapKnowledge(func(k Knowledge) Knowledge { return extraDep{k} })})
	if err != nil {
		t.Fatal(err)
	}
	r := sum.Result
	if !reflect.DeepEqual(r.Minimal, miniCulprits) || !r.Verified || !r.OneMinimal {
		t.Errorf("minimal %q verified %v 1-minimal %v, want %q, verified and 1-minimal", r.Minimal, r.Verified, r.OneMinimal, miniCulprits)
	}
	if !strings.Contains(log.String(), "the result reproduces without CONFIG_G=y: dropped") {
		t.Errorf("the log does not say G was dropped:\n%s", log.String())
	}
}

// TestLinesNeededFor: A is in the result only because B does not stick
// without it; the final check says so, in result.json and report.txt,
// and it is no unresolved test.
func TestLinesNeededFor(t *testing.T) {
	spec := miniSpec(t, nil)
	work := t.TempDir()
	sum, err := Run(context.Background(), spec, Options{Workdir: work})
	if err != nil {
		t.Fatal(err)
	}
	r := sum.Result
	if want := map[string][]string{"CONFIG_A=y": {"CONFIG_B=y"}}; !reflect.DeepEqual(r.NeededFor, want) || !r.OneMinimal {
		t.Errorf("needed_for %q 1-minimal %v, want %q and 1-minimal", r.NeededFor, r.OneMinimal, want)
	}
	if text := strings.Join(strings.Fields(sum.Report), " "); !strings.Contains(text, "CONFIG_A=y is needed for CONFIG_B=y: without it, that does not take its value.") {
		t.Errorf("report.txt does not say what A is for:\n%s", sum.Report)
	}
	recs := journalOf(t, work)
	i := slices.IndexFunc(recs, func(rec Record) bool { return rec.Role == roleLine && !slices.Contains(rec.Subset, "A") })
	if i < 0 || recs[i].Outcome != "unresolved" || !reflect.DeepEqual(recs[i].NotStuck, []string{"B"}) || recs[i].Built {
		t.Errorf("no line test without A whose journal says B did not stick: %+v", recs)
	}
	if r.Unresolved != 0 {
		t.Errorf("%d unresolved: a line that another needs was counted as unresolved", r.Unresolved)
	}
}

// The clean build started for culprits that the verification then
// shrinks is cancelled when the next one is offered: nothing of it
// reaches the journal, and the build of the new culprits does.
func TestEarlyCleanCancels(t *testing.T) {
	spec := miniSpec(t, nil)
	spec.SetWorkers(2)
	work := t.TempDir()
	if _, err := Run(context.Background(), spec, Options{Workdir: work}); err != nil {
		t.Fatal(err)
	}
	r, err := start(context.Background(), spec, Options{Workdir: work})
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	t.Setenv("FAKE_BUILD_SECONDS", "2")
	e := r.newEarlyClean(context.Background())
	defer e.stop()
	first, second := []int{0}, []int{1}
	e.offer(first)
	time.Sleep(500 * time.Millisecond) // building: the fake build takes 2 s
	e.offer(second)
	if err := e.wait(second); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, rec := range journalOf(t, work) {
		if rec.Role == roleClean {
			got = append(got, strings.Join(rec.Subset, " "))
		}
	}
	want := []string{strings.Join(r.cands.Names(second), " ")}
	if !slices.Contains(got, want[0]) || slices.Contains(got, strings.Join(r.cands.Names(first), " ")) {
		t.Errorf("clean builds in the journal %q, want %q and not %q", got, want, r.cands.Names(first))
	}
}
