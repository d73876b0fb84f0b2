package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/kcmin/kcmin/minimize"
	"github.com/kcmin/kcmin/minimize/internal/synth"
)

// workerGrid is the benchmark of several workers: the cell, n=2000
// and k=4 with culprits at random, on a clean, a flaky and an unresolving
// oracle, and the smaller sizes of the same kind.
func workerGrid(onlyN, onlyK []int, onlyAlgo []minimize.Algorithm) []cell {
	var cells []cell
	algos := []minimize.Algorithm{minimize.GBS}
	if len(onlyAlgo) > 0 {
		algos = onlyAlgo
	}
	for _, n := range []int{500, 2000} {
		for _, k := range []int{2, 4} {
			if (len(onlyN) > 0 && !slices.Contains(onlyN, n)) || (len(onlyK) > 0 && !slices.Contains(onlyK, k)) {
				continue
			}
			for _, fu := range [][2]float64{{0, 0}, {0.1, 0}, {0, 0.1}} {
				cells = append(cells, cell{spec: synth.Spec{N: n, K: k, Layout: synth.Random, Prior: synth.NoPrior, Flaky: fu[0], Unresolved: fu[1]}, algos: algos})
			}
		}
	}
	return cells
}

// wstats summarises one algorithm and worker count on one cell.
type wstats struct {
	rounds, tests []int
	exact         int
	err           error
}

func (st *wstats) mean(x []int) float64 {
	s := 0
	for _, v := range x {
		s += v
	}
	return float64(s) / float64(max(1, len(x)))
}

// simulate runs one search with w workers and tests of unit time: every
// round starts what the scheduler offers, all of it finishes together.
func simulate(spec synth.Spec, algo minimize.Algorithm, w, seed int) (rounds, tests int, exact bool, err error) {
	spec.Seed = uint64(seed)
	c := synth.New(spec)
	sc, err := minimize.NewScheduler(algo, c.Problem, w, nil)
	if err != nil {
		return 0, 0, false, err
	}
	for {
		res, over, err := sc.Done()
		if err != nil {
			return 0, 0, false, err
		}
		if over {
			return rounds, sc.Started(), slices.Equal(res.Culprits, c.Want) && res.Verified && res.OneMinimal || (spec.Unresolved > 0 && slices.Equal(res.Culprits, c.Want)), nil
		}
		var round []minimize.Question
		for q, ok := sc.Next(); ok; q, ok = sc.Next() {
			round = append(round, q)
		}
		if len(round) == 0 {
			return 0, 0, false, errors.New("the scheduler offers nothing and the search is not over")
		}
		rounds++
		for _, q := range round {
			o, err := c.Test(context.Background(), q.Kept, q.Attempt)
			if err != nil {
				return 0, 0, false, err
			}
			if err := sc.Answer(q, o); err != nil {
				return 0, 0, false, err
			}
		}
	}
}

func workerTable(out io.Writer, cells []cell, workers []int, seeds, jobs int) error {
	type job struct {
		cell, w, seed int
		algo          minimize.Algorithm
	}
	type key struct {
		cell, w int
		algo    minimize.Algorithm
	}
	res := map[key]*wstats{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	ch := make(chan job)
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range ch {
				r, t, ok, err := simulate(cells[j.cell].spec, j.algo, j.w, j.seed)
				mu.Lock()
				st := res[key{j.cell, j.w, j.algo}]
				if err != nil {
					st.err = err
				}
				st.rounds = append(st.rounds, r)
				st.tests = append(st.tests, t)
				if ok {
					st.exact++
				}
				mu.Unlock()
			}
		}()
	}
	for i, c := range cells {
		for _, a := range c.algos {
			for _, w := range workers {
				res[key{i, w, a}] = &wstats{}
			}
		}
	}
	for i, c := range cells {
		for _, a := range c.algos {
			for _, w := range workers {
				for seed := range seeds {
					ch <- job{i, w, seed, a}
				}
			}
		}
	}
	close(ch)
	wg.Wait()
	fmt.Fprintf(out, "Several workers, tests of unit time (mean over %d seeds, verification included): rounds is the makespan, max its worst seed, tests the tests started, needed or not; x1 is tests over one worker's.\n\n", seeds)
	fmt.Fprintln(out, "|    n |  k | flaky | unres | algo   | workers | rounds | max | tests |   x1 | exact |")
	fmt.Fprintln(out, "|-----:|---:|------:|------:|--------|--------:|-------:|----:|------:|-----:|------:|")
	var lines []string
	for i, c := range cells {
		for _, a := range c.algos {
			base := 0.0
			for _, w := range workers {
				st := res[key{i, w, a}]
				if st.err != nil {
					return fmt.Errorf("%s %s workers=%d: %w", c.spec, a, w, st.err)
				}
				mr, mt := st.mean(st.rounds), st.mean(st.tests)
				if base == 0 {
					base = mt
				}
				s := c.spec
				fmt.Fprintf(out, "| %4d | %2d | %5g | %5g | %-6s | %7d | %6.1f | %3d | %5.1f | %4.2f | %5.2f |\n",
					s.N, s.K, s.Flaky, s.Unresolved, a, w, mr, slices.Max(st.rounds), mt, mt/base, float64(st.exact)/float64(seeds))
				lines = append(lines, fmt.Sprintf("bench n=%d k=%d layout=%s flaky=%g unresolved=%g algo=%s workers=%d rounds=%.1f max=%d tests=%.1f exact=%.2f",
					s.N, s.K, s.Layout, s.Flaky, s.Unresolved, a, w, mr, slices.Max(st.rounds), mt, float64(st.exact)/float64(seeds)))
			}
		}
	}
	fmt.Fprintln(out)
	for _, l := range lines {
		fmt.Fprintln(out, l)
	}
	return nil
}
