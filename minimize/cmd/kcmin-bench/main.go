// Command kcmin-bench measures kcmin's search algorithms on synthetic
// failures: no builds, only the number of tests each algorithm asks for,
// against the information bound ceil(log2 C(n,k)). It prints a Markdown
// table for docs/search.md and, for scripts, one line per cell and
// algorithm:
//
//	bench n=2000 k=4 layout=random flaky=0 unresolved=0 algo=gbs mean=43.2 p90=45 max=45 bound=40 exact=1.00 deps=none prior=none verify=3.7 total=46.9
//
// mean, p90 and max count the tests of the search proper, which ends with
// the test of the result itself; verify is the mean number of further
// single-removal tests of the final verification, total the mean of all.
//
// With several workers (-workers) it simulates W workers and tests that
// all take the same time, and prints, verification included, the mean
// makespan in tests' time (rounds) and the mean of the tests started,
// needed or not:
//
//	bench n=2000 k=4 layout=random flaky=0 unresolved=0 algo=gbs workers=4 rounds=13.2 max=14 tests=49.1 exact=1.00
//
//	go run ./minimize/cmd/kcmin-bench             # the whole grid, 50 seeds
//	go run ./minimize/cmd/kcmin-bench -n 2000 -k 4 -seeds 200
//	go run ./minimize/cmd/kcmin-bench -workers 1,4 -n 2000
//	go run ./minimize/cmd/kcmin-bench -cost          # costly candidates, build dirs
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/kcmin/kcmin/minimize"
	"github.com/kcmin/kcmin/minimize/internal/synth"
)

// cell is one row of the table: a kind of problem, many seeds.
type cell struct {
	spec  synth.Spec // Seed unset
	algos []minimize.Algorithm
}

// stats summarises one algorithm on one cell.
type stats struct {
	search          []int // tests before verification, sorted
	verify, total   float64
	exact, verified float64
	runs            int
	err             error
}

func main() {
	if err := run(os.Stdout, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "kcmin-bench:", err)
		os.Exit(2)
	}
}

func run(w io.Writer, args []string) error {
	fs := flag.NewFlagSet("kcmin-bench", flag.ContinueOnError)
	seeds := fs.Int("seeds", 50, "seeds per cell")
	ns := fs.String("n", "", "only these candidate counts (comma-separated)")
	ks := fs.String("k", "", "only these culprit counts (comma-separated)")
	algos := fs.String("algo", "", "only these algorithms (comma-separated)")
	jobs := fs.Int("j", runtime.GOMAXPROCS(0), "goroutines that run the benchmark")
	workers := fs.String("workers", "", "only the table of several workers, for these counts (comma-separated)")
	cost := fs.Bool("cost", false, "only the table of the cost model: costly candidates and build dirs")
	if err := fs.Parse(args); err != nil {
		return err
	}
	onlyW, err := ints(*workers)
	if err != nil {
		return fmt.Errorf("-workers: %w", err)
	}
	onlyN, err := ints(*ns)
	if err != nil {
		return fmt.Errorf("-n: %w", err)
	}
	onlyK, err := ints(*ks)
	if err != nil {
		return fmt.Errorf("-k: %w", err)
	}
	var onlyAlgo []minimize.Algorithm
	for _, a := range strings.Split(*algos, ",") {
		if a == "" {
			continue
		}
		x, err := minimize.ParseAlgorithm(a)
		if err != nil {
			return fmt.Errorf("-algo: %w", err)
		}
		onlyAlgo = append(onlyAlgo, x)
	}
	if *cost {
		return costTable(w, costGrid(onlyN, onlyK), *seeds, max(1, *jobs))
	}
	if len(onlyW) > 0 {
		return workerTable(w, workerGrid(onlyN, onlyK, onlyAlgo), onlyW, *seeds, max(1, *jobs))
	}
	cells := grid(onlyN, onlyK, onlyAlgo)
	results := measure(cells, *seeds, max(1, *jobs))
	for i, c := range cells {
		for _, a := range c.algos {
			if err := results[i][a].err; err != nil {
				return fmt.Errorf("%s %s: %w", c.spec, a, err)
			}
		}
	}
	table(w, cells, results, *seeds)
	fmt.Fprintln(w)
	for i, c := range cells {
		for _, a := range c.algos {
			fmt.Fprintln(w, line(c.spec, a, results[i][a]))
		}
	}
	return nil
}

func ints(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f == "" {
			continue
		}
		x, err := strconv.Atoi(f)
		if err != nil || x <= 0 {
			return nil, fmt.Errorf("%q is not a positive number", f)
		}
		out = append(out, x)
	}
	return out, nil
}

var allAlgos = []minimize.Algorithm{minimize.GBS, minimize.Bisect, minimize.DDMin}

// grid is the benchmark: every size and layout on a clean oracle; flaky,
// unresolved answers and dependency forests on the middle sizes; priors
// right and adversarial for the default algorithm.
func grid(onlyN, onlyK []int, onlyAlgo []minimize.Algorithm) []cell {
	var cells []cell
	add := func(s synth.Spec, algos ...minimize.Algorithm) {
		if (len(onlyN) > 0 && !slices.Contains(onlyN, s.N)) || (len(onlyK) > 0 && !slices.Contains(onlyK, s.K)) {
			return
		}
		if len(onlyAlgo) > 0 {
			algos = slices.DeleteFunc(slices.Clone(algos), func(a minimize.Algorithm) bool { return !slices.Contains(onlyAlgo, a) })
		}
		if len(algos) > 0 {
			cells = append(cells, cell{spec: s, algos: algos})
		}
	}
	for _, n := range []int{100, 500, 2000, 5000} {
		for _, k := range []int{1, 2, 3, 4, 6, 8} {
			for _, l := range []synth.Layout{synth.Random, synth.Pairs, synth.Clustered} {
				add(synth.Spec{N: n, K: k, Layout: l, Prior: synth.NoPrior}, allAlgos...)
			}
		}
	}
	for _, n := range []int{500, 2000} {
		for _, k := range []int{2, 4} {
			for _, deps := range []bool{false, true} {
				for _, f := range []float64{0, 0.05, 0.1} {
					for _, u := range []float64{0, 0.1} {
						if !deps && f == 0 && u == 0 {
							continue
						}
						add(synth.Spec{N: n, K: k, Layout: synth.Random, Prior: synth.NoPrior, Deps: deps, Flaky: f, Unresolved: u}, allAlgos...)
					}
				}
			}
		}
	}
	for _, n := range []int{500, 2000, 5000} {
		for _, k := range []int{1, 2, 4, 8} {
			for _, p := range []synth.Prior{synth.RightPrior, synth.WrongPrior} {
				add(synth.Spec{N: n, K: k, Layout: synth.Random, Prior: p}, minimize.GBS)
			}
		}
	}
	return cells
}

type job struct {
	cell int
	algo minimize.Algorithm
	seed int
}

type outcome struct {
	search, verify, total int
	exact, verified       bool
	err                   error
}

func measure(cells []cell, seeds, workers int) []map[minimize.Algorithm]*stats {
	jobs := make(chan job)
	type done struct {
		job
		outcome
	}
	dones := make(chan done)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				dones <- done{j, runOne(cells[j.cell].spec, j.algo, j.seed)}
			}
		}()
	}
	go func() {
		for i, c := range cells {
			for _, a := range c.algos {
				for seed := range seeds {
					jobs <- job{i, a, seed}
				}
			}
		}
		close(jobs)
		wg.Wait()
		close(dones)
	}()
	res := make([]map[minimize.Algorithm]*stats, len(cells))
	for i, c := range cells {
		res[i] = map[minimize.Algorithm]*stats{}
		for _, a := range c.algos {
			res[i][a] = &stats{}
		}
	}
	for d := range dones {
		st := res[d.cell][d.algo]
		if d.err != nil {
			st.err = d.err
			continue
		}
		st.runs++
		st.search = append(st.search, d.search)
		st.verify += float64(d.verify)
		st.total += float64(d.total)
		if d.exact {
			st.exact++
		}
		if d.verified {
			st.verified++
		}
	}
	for _, m := range res {
		for _, st := range m {
			slices.Sort(st.search)
			if st.runs > 0 {
				r := float64(st.runs)
				st.verify /= r
				st.total /= r
				st.exact /= r
				st.verified /= r
			}
		}
	}
	return res
}

func runOne(spec synth.Spec, algo minimize.Algorithm, seed int) outcome {
	spec.Seed = uint64(seed)
	c := synth.New(spec)
	r, err := minimize.Minimize(context.Background(), algo, c.Problem, c.Test, nil)
	if err != nil {
		return outcome{err: err}
	}
	return outcome{
		search:   r.Tests - r.VerifyTests,
		verify:   r.VerifyTests,
		total:    r.Tests,
		exact:    slices.Equal(r.Culprits, c.Want),
		verified: r.Verified && r.OneMinimal,
	}
}

// bound is ceil(log2 C(n,k)): no search does better on average for k
// culprits placed uniformly.
func bound(n, k int) int {
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return int(math.Ceil((a-b-c)/math.Ln2 - 1e-9))
}

func (st *stats) mean() float64 {
	s := 0
	for _, x := range st.search {
		s += x
	}
	return float64(s) / float64(max(1, len(st.search)))
}

// p90 is the 90th percentile (nearest rank).
func (st *stats) p90() int {
	if len(st.search) == 0 {
		return 0
	}
	return st.search[int(math.Ceil(0.9*float64(len(st.search))))-1]
}

func (st *stats) max() int {
	if len(st.search) == 0 {
		return 0
	}
	return st.search[len(st.search)-1]
}

func depsName(s synth.Spec) string {
	if s.Deps {
		return "forest"
	}
	return "none"
}

func line(s synth.Spec, a minimize.Algorithm, st *stats) string {
	return fmt.Sprintf("bench n=%d k=%d layout=%s flaky=%g unresolved=%g algo=%s mean=%.1f p90=%d max=%d bound=%d exact=%.2f deps=%s prior=%s verify=%.1f total=%.1f",
		s.N, s.K, s.Layout, s.Flaky, s.Unresolved, a, st.mean(), st.p90(), st.max(), bound(s.N, s.K), st.exact, depsName(s), s.Prior, st.verify, st.total)
}

func table(w io.Writer, cells []cell, res []map[minimize.Algorithm]*stats, seeds int) {
	fmt.Fprintf(w, "Tests of the search (mean / p90 / max over %d seeds), share of exact results, and the bound ceil(log2 C(n,k)).\n", seeds)
	fmt.Fprintf(w, "gbs +v: mean single-removal tests of the final verification on top.\n\n")
	fmt.Fprintln(w, "|    n |  k | layout    | deps   | prior | flaky | unres | bound | gbs            | exact | gbs +v | bisect         | exact | ddmin             | exact |")
	fmt.Fprintln(w, "|-----:|---:|-----------|--------|-------|------:|------:|------:|----------------|------:|-------:|----------------|------:|-------------------|------:|")
	for i, c := range cells {
		s := c.spec
		fmt.Fprintf(w, "| %4d | %2d | %-9s | %-6s | %-5s | %5g | %5g | %5d |", s.N, s.K, s.Layout, depsName(s), s.Prior, s.Flaky, s.Unresolved, bound(s.N, s.K))
		for _, a := range allAlgos {
			st, ok := res[i][a]
			width := 14
			if a == minimize.DDMin {
				width = 17
			}
			if !ok {
				fmt.Fprintf(w, " %-*s | %5s |", width, "", "")
				if a == minimize.GBS {
					fmt.Fprintf(w, " %6s |", "")
				}
				continue
			}
			fmt.Fprintf(w, " %-*s | %5.2f |", width, fmt.Sprintf("%.1f / %d / %d", st.mean(), st.p90(), st.max()), st.exact)
			if a == minimize.GBS {
				fmt.Fprintf(w, " %6.1f |", st.verify)
			}
		}
		fmt.Fprintln(w)
	}
}
