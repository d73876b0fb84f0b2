package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/kcmin/kcmin/minimize"
	"github.com/kcmin/kcmin/minimize/internal/synth"
)

// The cost model (-cost): builds are not alike. A few candidates cost a
// full rebuild when they flip (coverage, DEBUG_ENTRY: every object
// recompiles), the rest a few seconds. A campaign keeps a few build dirs,
// each holding the state of the costly candidates it last built: a test
// whose state a dir holds rebuilds cheaply there; any other evicts the
// least recently used dir and rebuilds in full. The bad config's and the
// base's dirs exist before the search. The bench runs each case with the
// search told the costs (Problem.Cost) and without, and prints per cell
// the tests and the build seconds of both:
//
//	bench cost n=2000 k=4 costly=5 dirs=4 aware=true tests=47.1 build_seconds=1101 exact=1.00
const (
	costlyCount  = 5   // candidates that cost a full rebuild
	costDirs     = 4   // build dirs: one worker's default
	fullSeconds  = 120 // a full rebuild
	cheapSeconds = 10  // a few options flipped
)

// costOutcome is one search under the cost model.
type costOutcome struct {
	tests   int
	seconds int
	exact   bool
	err     error
}

// costCase runs case seed of spec with the costs known to the search or
// not, and prices its tests.
func costCase(spec synth.Spec, seed int, aware bool) costOutcome {
	spec.Seed = uint64(seed)
	c := synth.New(spec)
	r := rand.New(rand.NewPCG(uint64(seed), 0xc057))
	costly := r.Perm(spec.N)[:costlyCount]
	p := c.Problem
	if aware {
		p.Cost = make([]float64, spec.N)
		for _, i := range costly {
			p.Cost[i] = 1
		}
	}
	sim := newDirSim(costly, spec.N)
	test := func(ctx context.Context, kept []int, attempt int) (minimize.Outcome, error) {
		sim.build(kept)
		return c.Test(ctx, kept, attempt)
	}
	res, err := minimize.Minimize(context.Background(), minimize.GBS, p, test, nil)
	if err != nil {
		return costOutcome{err: err}
	}
	return costOutcome{tests: res.Tests, seconds: sim.seconds, exact: slices.Equal(res.Culprits, c.Want)}
}

// dirSim is the campaign's build dirs as the cost model sees them.
type dirSim struct {
	costly  []int
	states  []string // the costly candidates' state each dir holds
	used    []int
	clock   int
	seconds int
}

func newDirSim(costly []int, n int) *dirSim {
	d := &dirSim{costly: costly}
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	d.take(d.state(all)) // the bad config
	d.take(d.state(nil)) // the base
	d.seconds = 0
	return d
}

func (d *dirSim) state(kept []int) string {
	b := make([]byte, len(d.costly))
	for i, c := range d.costly {
		b[i] = '0'
		if _, ok := slices.BinarySearch(kept, c); ok {
			b[i] = '1'
		}
	}
	return string(b)
}

func (d *dirSim) build(kept []int) { d.take(d.state(kept)) }

// take builds state in the dir that holds it, else over the least
// recently used (an empty one first).
func (d *dirSim) take(state string) {
	d.clock++
	if i := slices.Index(d.states, state); i >= 0 {
		d.used[i] = d.clock
		d.seconds += cheapSeconds
		return
	}
	d.seconds += fullSeconds
	if len(d.states) < costDirs {
		d.states = append(d.states, state)
		d.used = append(d.used, d.clock)
		return
	}
	i := slices.Index(d.used, slices.Min(d.used))
	d.states[i], d.used[i] = state, d.clock
}

// costGrid is the cost model's cells: random culprits, uniform priors.
func costGrid(onlyN, onlyK []int) []synth.Spec {
	var specs []synth.Spec
	for _, n := range []int{500, 2000} {
		for _, k := range []int{2, 4} {
			if (len(onlyN) > 0 && !slices.Contains(onlyN, n)) || (len(onlyK) > 0 && !slices.Contains(onlyK, k)) {
				continue
			}
			specs = append(specs, synth.Spec{N: n, K: k, Layout: synth.Random, Prior: synth.NoPrior})
		}
	}
	return specs
}

// costTable measures every cell both ways and prints a Markdown table
// and the script lines.
func costTable(w io.Writer, specs []synth.Spec, seeds, jobs int) error {
	type key struct {
		cell  int
		aware bool
		seed  int
	}
	results := map[key]costOutcome{}
	var mu sync.Mutex
	keys := make(chan key)
	var wg sync.WaitGroup
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range keys {
				o := costCase(specs[k.cell], k.seed, k.aware)
				mu.Lock()
				results[k] = o
				mu.Unlock()
			}
		}()
	}
	for i := range specs {
		for _, aware := range []bool{false, true} {
			for seed := range seeds {
				keys <- key{i, aware, seed}
			}
		}
	}
	close(keys)
	wg.Wait()

	type sums struct{ tests, seconds, exact float64 }
	mean := func(i int, aware bool) (sums, error) {
		var s sums
		for seed := range seeds {
			o := results[key{i, aware, seed}]
			if o.err != nil {
				return s, fmt.Errorf("%s seed %d: %w", specs[i], seed, o.err)
			}
			s.tests += float64(o.tests)
			s.seconds += float64(o.seconds)
			if o.exact {
				s.exact++
			}
		}
		f := float64(seeds)
		return sums{s.tests / f, s.seconds / f, s.exact / f}, nil
	}
	fmt.Fprintf(w, "Cost model: %d candidates cost a full rebuild (%d s) when they flip, the others %d s; %d build dirs, the bad config's and the base's built before; gbs, %d seeds.\n\n",
		costlyCount, fullSeconds, cheapSeconds, costDirs, seeds)
	fmt.Fprintln(w, "| n | k | tests | build s | tests, costs known | build s, costs known | tests x | build s x |")
	fmt.Fprintln(w, "|--:|--:|------:|--------:|------------------:|--------------------:|--------:|----------:|")
	var lines []string
	for i, s := range specs {
		plain, err := mean(i, false)
		if err != nil {
			return err
		}
		aware, err := mean(i, true)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "| %d | %d | %.1f | %.0f | %.1f | %.0f | %.2f | %.2f |\n", s.N, s.K, plain.tests, plain.seconds, aware.tests, aware.seconds,
			aware.tests/plain.tests, aware.seconds/plain.seconds)
		for _, x := range []struct {
			aware bool
			s     sums
		}{{false, plain}, {true, aware}} {
			lines = append(lines, fmt.Sprintf("bench cost n=%d k=%d costly=%d dirs=%d aware=%v tests=%.1f build_seconds=%.0f exact=%.2f",
				s.N, s.K, costlyCount, costDirs, x.aware, x.s.tests, x.s.seconds, x.s.exact))
		}
	}
	fmt.Fprintln(w)
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	return nil
}
