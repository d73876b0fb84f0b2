// Package synth builds synthetic search problems for the minimize tests and
// benchmark: culprits placed among n candidates in a chosen layout, with
// optional dependency forests, priors, flaky and unresolved answers. Every
// answer is a pure function of the spec, the subset and the attempt, so a
// replay gets the same answers.
package synth

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"

	"github.com/kcmin/kcmin/minimize"
)

// Layout says where the culprits sit among the candidates.
type Layout string

const (
	// Random places the culprits uniformly.
	Random Layout = "random"
	// Pairs places them as pairs of adjacent candidates.
	Pairs Layout = "pairs"
	// Clustered places them all within a window of 4k candidates.
	Clustered Layout = "clustered"
)

// Prior says what the weights know about the culprits.
type Prior string

const (
	// NoPrior gives no weights.
	NoPrior Prior = "none"
	// RightPrior draws the culprits from the likeliest tenth.
	RightPrior Prior = "right"
	// WrongPrior draws them from the least likely class: the adversary.
	WrongPrior Prior = "wrong"
)

// Spec describes one synthetic problem.
type Spec struct {
	N, K   int
	Layout Layout
	// Deps builds a dependency forest: a candidate needs an earlier,
	// nearby one with probability 0.3.
	Deps  bool
	Prior Prior
	// Flaky is the chance that a failing subset answers Gone.
	Flaky float64
	// Unresolved is the chance that a subset answers Unresolved (the same
	// for every attempt, as a config that does not stick). The answer
	// itself always resolves: were it unresolved, no search could prove it.
	Unresolved float64
	Seed       uint64
}

func (s Spec) String() string {
	return fmt.Sprintf("n=%d k=%d layout=%s deps=%v prior=%s flaky=%g unresolved=%g seed=%d",
		s.N, s.K, s.Layout, s.Deps, s.Prior, s.Flaky, s.Unresolved, s.Seed)
}

// Case is one problem with its hidden answer.
type Case struct {
	Spec    Spec
	Problem minimize.Problem
	// Culprits are the candidates the failure needs; Want adds their
	// ancestors: the result a search must return.
	Culprits, Want []int
	need           []bool
	anc            [][]int
}

// New builds the case for spec.
func New(spec Spec) *Case {
	r := rand.New(rand.NewPCG(spec.Seed, uint64(spec.N)<<32|uint64(spec.K)))
	n := spec.N
	c := &Case{Spec: spec}
	p := minimize.Problem{N: n, Neighbours: make([][]int, n)}
	for i := range n {
		for _, j := range []int{i - 2, i - 1, i + 1, i + 2} {
			if j >= 0 && j < n {
				p.Neighbours[i] = append(p.Neighbours[i], j)
			}
		}
	}
	if spec.Deps {
		p.Deps = make([][]int, n)
		for i := 1; i < n; i++ {
			if r.Float64() < 0.3 {
				p.Deps[i] = []int{max(0, i-10) + r.IntN(min(i, 10))}
			}
		}
	}
	var class []int // 0 likely, 1 ordinary, 2 unlikely
	if spec.Prior != NoPrior && spec.Prior != "" {
		class = make([]int, n)
		p.Weight = make([]float64, n)
		for i := range n {
			x := r.Float64()
			switch {
			case x < 0.1:
				class[i], p.Weight[i] = 0, 10
			case x < 0.7:
				class[i], p.Weight[i] = 1, 1
			default:
				class[i], p.Weight[i] = 2, 0.1
			}
		}
	}
	if spec.Flaky > 0 {
		p.Flaky, p.FlakeRate = true, spec.Flaky
	}
	c.Problem = p
	k := min(spec.K, n)
	chosen := map[int]bool{}
	pick := func(i int) {
		if len(chosen) < k {
			chosen[i] = true
		}
	}
	switch {
	case class != nil:
		want := map[Prior]int{RightPrior: 0, WrongPrior: 2}[spec.Prior]
		var pool []int
		for i, cl := range class {
			if cl == want {
				pool = append(pool, i)
			}
		}
		for len(chosen) < min(k, len(pool)) {
			pick(pool[r.IntN(len(pool))])
		}
	case spec.Layout == Pairs:
		for try := 0; len(chosen) < k && n > 1 && try < 100*k; try++ {
			i := r.IntN(n - 1)
			if !chosen[i] && !chosen[i+1] {
				pick(i)
				pick(i + 1)
			}
		}
		for len(chosen) < k { // no room left for pairs
			pick(r.IntN(n))
		}
	case spec.Layout == Clustered:
		w := min(n, 4*k)
		start := r.IntN(n - w + 1)
		for len(chosen) < k {
			pick(start + r.IntN(w))
		}
	default:
		for len(chosen) < k {
			pick(r.IntN(n))
		}
	}
	for i := range chosen {
		c.Culprits = append(c.Culprits, i)
	}
	slices.Sort(c.Culprits)
	c.anc = make([][]int, n)
	if p.Deps != nil {
		for i := range n { // deps point to earlier candidates
			for _, j := range p.Deps[i] {
				c.anc[i] = append(c.anc[i], j)
				c.anc[i] = append(c.anc[i], c.anc[j]...)
			}
		}
	}
	c.need = make([]bool, n)
	for _, i := range c.Culprits {
		c.need[i] = true
		for _, a := range c.anc[i] {
			c.need[a] = true
		}
	}
	for i, x := range c.need {
		if x {
			c.Want = append(c.Want, i)
		}
	}
	return c
}

// Fails says whether the failure is there with kept, flakes aside.
func (c *Case) Fails(kept []int) bool {
	have := 0
	for _, i := range kept {
		if c.need[i] {
			have++
		}
	}
	return have == len(c.Want)
}

// Test answers like a real oracle would: Unresolved for some subsets,
// sometimes Gone for a failing one when flaky. It rejects a kept set that
// is unsorted or not closed over the dependencies: a search bug.
func (c *Case) Test(ctx context.Context, kept []int, attempt int) (minimize.Outcome, error) {
	in := make([]bool, c.Spec.N)
	for n, i := range kept {
		if i < 0 || i >= c.Spec.N || (n > 0 && kept[n-1] >= i) {
			return 0, fmt.Errorf("synth: kept %v is not sorted indices", kept)
		}
		in[i] = true
	}
	for _, i := range kept {
		for _, a := range c.anc[i] {
			if !in[a] {
				return 0, fmt.Errorf("synth: kept holds %d but not its ancestor %d", i, a)
			}
		}
	}
	h := fnv.New64a()
	var b [8]byte
	put := func(x uint64) {
		for i := range b {
			b[i] = byte(x >> (8 * i))
		}
		h.Write(b[:])
	}
	put(c.Spec.Seed)
	for _, i := range kept {
		put(uint64(i))
	}
	ends := len(kept) == 0 || len(kept) == c.Spec.N
	if !ends && !slices.Equal(kept, c.Want) && c.Spec.Unresolved > 0 && unit(h.Sum64()) < c.Spec.Unresolved {
		return minimize.Unresolved, nil
	}
	if !c.Fails(kept) {
		return minimize.Gone, nil
	}
	put(uint64(attempt) + 1<<40)
	if !ends && c.Spec.Flaky > 0 && unit(h.Sum64()) < c.Spec.Flaky {
		return minimize.Gone, nil
	}
	return minimize.Reproduces, nil
}

func unit(x uint64) float64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	return float64(x>>11) / (1 << 53)
}
