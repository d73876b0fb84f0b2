package minimize_test

import (
	"testing"

	"github.com/kcmin/kcmin/minimize"
	"github.com/kcmin/kcmin/minimize/internal/synth"
)

// TestFlakyCostBudget holds the flaky search to what it costs now on a
// fixed set of problems (TestFlakyExact's, at a 10% flake rate): the
// retests of a pool that looks clean and the odds that decide them are
// heuristics, right answers either way, and only this total says they
// still pay. A change that makes the search cheaper lowers the budget.
func TestFlakyCostBudget(t *testing.T) {
	budget := map[minimize.Algorithm]int{
		// measured: 3826 and 4126 tests; 3% of slack
		minimize.Bisect: 3940,
		minimize.GBS:    4250,
	}
	for algo, max := range budget {
		total := 0
		for _, k := range []int{1, 3} {
			for seed := range 60 {
				c := synth.New(synth.Spec{N: 300, K: k, Layout: synth.Random, Flaky: 0.1, Unresolved: 0.05, Deps: seed%2 == 0, Seed: uint64(seed)})
				total += run(t, algo, c).Tests
			}
		}
		if total > max {
			t.Errorf("%s: %d tests over the problems, budget %d", algo, total, max)
		}
	}
}
