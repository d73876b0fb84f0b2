package campaign

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kcmin/kcmin/kconfig"
	"github.com/kcmin/kcmin/minimize"
)

// failingResolver cannot predict: every test goes to make olddefconfig.
type failingResolver struct{ Knowledge }

func (failingResolver) Resolve(*kconfig.Config) (*kconfig.Config, error) {
	return nil, errors.New("no prediction")
}

// droppingResolver predicts every config without S: a prediction that
// does not stick when S is kept, so make resolves, and disagrees.
type droppingResolver struct{ Knowledge }

func (d droppingResolver) Resolve(c *kconfig.Config) (*kconfig.Config, error) {
	out, err := d.Knowledge.Resolve(c)
	if err == nil {
		out.Delete("S")
	}
	return out, err
}

// miniRunner starts the mini campaign with its knowledge wrapped, and
// finds its candidates by name.
func miniRunner(t *testing.T, wrap func(Knowledge) Knowledge, opts Options) (*runner, map[string]int) {
	t.Helper()
	opts.Workdir = t.TempDir()
	if wrap != nil {
		opts.Knowledge = wrapKnowledge(wrap)
	}
	r, err := start(context.Background(), miniSpec(t, nil), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.close() })
	idx := map[string]int{}
	for i, c := range r.cands.List {
		idx[c.Name()] = i
	}
	return r, idx
}

func ask(t *testing.T, r *runner, kept ...int) minimize.Outcome {
	t.Helper()
	out, err := r.test(context.Background(), kept, 0)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCacheWithoutPrediction: with no prediction, make's resolved config
// is the cache key: {S} and {S, T} resolve alike (S selects T), so the
// second question is answered by the first test.
func TestCacheWithoutPrediction(t *testing.T) {
	r, idx := miniRunner(t, func(k Knowledge) Knowledge { return failingResolver{k} }, Options{})
	ask(t, r, idx["S"])
	ask(t, r, idx["S"], idx["T"])
	recs := journalOf(t, r.wd.Dir)
	if len(recs) != 2 || recs[0].Hit || !recs[1].Hit || recs[1].Test != recs[0].Test || recs[1].Predicted != "" {
		t.Fatalf("journal %+v, want a test and a hit on it found by make's config", recs)
	}
	// Progress counts the oracle's judgements: the hit is none.
	if n := r.judged(); n != 1 {
		t.Errorf("%d tests counted, want 1", n)
	}
	// So does the report, and its time is the test's: resolving,
	// building, judging.
	st := r.stats()
	want := time.Duration(recs[0].ResolveMS+recs[0].BuildMS+recs[0].JudgeMS) * time.Millisecond
	if st.Tests != 1 || st.Builds != 1 || st.CacheHits != 1 || st.Elapsed != want || recs[0].ResolveMS == 0 {
		t.Errorf("stats %+v, want 1 test, 1 build, 1 cache hit in %v (resolved in %d ms)", st, want, recs[0].ResolveMS)
	}
}

// TestUntrustedPredictionDisagrees: a prediction that did not stick is
// not used, but it is still compared with make's config, and a
// difference ends the trust in the resolver.
func TestUntrustedPredictionDisagrees(t *testing.T) {
	var log syncBuffer
	r, idx := miniRunner(t, func(k Knowledge) Knowledge { return droppingResolver{k} }, Options{Log: &log})
	ask(t, r, idx["S"])
	recs := journalOf(t, r.wd.Dir)
	if len(recs) != 1 || recs[0].Predicted == "" || recs[0].Predicted == recs[0].Hash {
		t.Fatalf("journal %+v, want one test whose prediction differs from make's config", recs)
	}
	if !strings.Contains(log.String(), "disagree on test 1") {
		t.Errorf("the log does not note the disagreement:\n%s", log.String())
	}
}
