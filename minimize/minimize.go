// Package minimize searches for the smallest subset of candidates 0..n-1
// that still makes a test fail. It knows nothing of kernels: a candidate is
// an index, a test is a function, and every algorithm is deterministic, so a
// campaign that replays recorded answers walks the same path again.
package minimize

import "context"

// Outcome is what one test says about a subset.
type Outcome uint8

const (
	// Unresolved means the test could not tell; it is never evidence.
	Unresolved Outcome = iota
	// Reproduces means the failure is there with this subset.
	Reproduces
	// Gone means the failure is not there with this subset.
	Gone
)

func (o Outcome) String() string {
	return [...]string{"unresolved", "reproduces", "gone"}[o]
}

// Test judges the base plus the candidates in kept (sorted ascending, closed
// over Problem.Deps). attempt is 0 for the first judgement of a subset and
// counts up when the search deliberately repeats one (a flaky failure):
// a caller may answer a repeated (kept, attempt) pair from a cache.
type Test func(ctx context.Context, kept []int, attempt int) (Outcome, error)
