// Package minimize searches for the smallest subset of candidates 0..n-1
// that still makes a test fail. It knows nothing of kernels: a candidate is
// an index, a test is a function, and every algorithm is deterministic, so a
// campaign that replays recorded answers walks the same path again.
package minimize

import (
	"context"
	"fmt"
	"math"
)

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

// Algorithm names a search strategy.
type Algorithm string

const (
	// Auto is the default: generalized binary splitting.
	Auto Algorithm = "auto"
	// GBS is generalized binary splitting with an unknown number of
	// culprits: pools sized so that each test is close to a fair coin.
	GBS Algorithm = "gbs"
	// Bisect is sequential bisection: find one culprit by bisection, keep
	// it, repeat on the rest until the rest can be reverted.
	Bisect Algorithm = "bisect"
	// DDMin is Zeller's textbook delta debugging, kept as the reference.
	DDMin Algorithm = "ddmin"
)

// Algorithms lists the accepted names: the default first, then the
// others from the fewest tests to the most, as a campaign file's
// reference lists them.
func Algorithms() []Algorithm { return []Algorithm{Auto, GBS, Bisect, DDMin} }

// ParseAlgorithm accepts a name from a campaign file; "" means Auto.
func ParseAlgorithm(s string) (Algorithm, error) {
	if s == "" {
		return Auto, nil
	}
	for _, a := range Algorithms() {
		if string(a) == s {
			return a, nil
		}
	}
	return "", fmt.Errorf("unknown search algorithm %q (want auto, bisect, ddmin or gbs)", s)
}

// Problem describes one search. Candidates are the indices 0..N-1; a test
// of kept is the base plus those candidates. The caller guarantees that all
// candidates together reproduce and that none (the base) is gone: Minimize
// takes both as known and never asks for them.
type Problem struct {
	N int
	// Deps[i] lists the candidates i needs (its ancestors among the
	// candidates). Every tested kept set is closed over Deps. The ancestors
	// of a culprit are reported as culprits (without them the culprit does
	// not stick) but cost no tests.
	Deps [][]int
	// Weight is the prior: the relative likelihood that i is a culprit.
	// nil means uniform. A wrong prior costs a bounded number of tests.
	Weight []float64
	// Cost[i] is what a build pays when candidate i flips from one test
	// to the next, as a share of a full rebuild (1 for coverage or a
	// sanitizer, which change every command line); nil when all are
	// alike. Among candidates about as likely, the search reverts the
	// cheap ones first, so that its tests keep the costly ones as the
	// bad config has them for as long as they are undecided. It changes
	// which tests are asked, never what they decide.
	Cost []float64
	// Neighbours[i] are probed early once i is found to be a culprit.
	Neighbours [][]int
	// Flaky says the test may answer Gone for a subset that fails (a boot
	// hang that did not happen this time); never the reverse.
	Flaky bool
	// FlakeRate is the measured or declared chance that a failing subset
	// tests Gone; 0 means unknown (or none when not Flaky).
	FlakeRate float64
	// Repeats is the number of confirmations a deciding Gone needs when
	// Flaky; 0 chooses it from FlakeRate.
	Repeats int
}

// Confirmations is how many more times a deciding Gone is asked before
// it is believed: none when the test is not Flaky, Repeats when given,
// else the fewest that make a wrong culprit (every answer a flake) rarer
// than one in a thousand at FlakeRate (0.1 when unknown).
func (p Problem) Confirmations() int {
	if !p.Flaky {
		return 0
	}
	if p.Repeats > 0 {
		return p.Repeats
	}
	f := p.FlakeRate
	if f == 0 {
		f = 0.1
	}
	r := 1
	for math.Pow(f, float64(r+1)) > 1e-3*(1+1e-9) {
		r++
	}
	return r
}

// Result is what a search found and how sure it is.
type Result struct {
	// Culprits is the minimal set found, sorted, closed over Deps.
	Culprits []int
	// Verified says that kept=Culprits was seen to reproduce.
	Verified bool
	// OneMinimal says that for each culprit c, Culprits minus c (and the
	// culprits that need c) was seen to be gone, confirmed when Flaky.
	OneMinimal bool
	// Tests counts calls to the test function, verification included.
	Tests int
	// Unresolved counts the calls that answered Unresolved.
	Unresolved int
	// VerifyTests counts the calls made by the final verification, after
	// the search proper had decided every candidate.
	VerifyTests int
	// FalseGone counts Gone answers that a Reproduces of the same or a
	// smaller subset proved wrong: the flakes that were seen.
	FalseGone int
	// Gone counts calls that answered Gone, the denominator of FalseGone.
	Gone int
}

// Progress is reported after every call to the test function, and once
// when the final verification starts.
type Progress struct {
	Tests, Undecided int
	Culprits         []int
	// EstimatedLeft is the expected number of further calls.
	EstimatedLeft int
	// Verifying says that the search proper is over: what is left
	// verifies Culprits, which seldom changes them.
	Verifying bool
}
