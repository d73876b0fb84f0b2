package minimize_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kcmin/kcmin/minimize"
	"github.com/kcmin/kcmin/minimize/internal/synth"
)

// step drives a scheduler as a pool of workers would: it fills the idle
// workers, then answers one test in flight, chosen by pick among them (the
// one that finishes first). It returns the questions started in order.
func step(t *testing.T, sc *minimize.Scheduler, test minimize.Test, pick func(n int) int, stopAfter int) (started []minimize.Question, res minimize.Result) {
	t.Helper()
	var flight []minimize.Question
	answered := 0
	for {
		r, over, err := sc.Done()
		if err != nil {
			t.Fatal(err)
		}
		if over {
			return started, r
		}
		if answered == stopAfter {
			return started, r
		}
		for {
			q, ok := sc.Next()
			if !ok {
				break
			}
			flight = append(flight, q)
			started = append(started, q)
		}
		if len(flight) == 0 {
			t.Fatal("nothing in flight and the search is not over")
		}
		i := pick(len(flight))
		q := flight[i]
		flight = slices.Delete(flight, i, i+1)
		o, err := test(context.Background(), q.Kept, q.Attempt)
		if err != nil {
			t.Fatal(err)
		}
		if err := sc.Answer(q, o); err != nil {
			t.Fatal(err)
		}
		answered++
	}
}

func parallelSpecs() []synth.Spec {
	return append(hardSpecs(),
		synth.Spec{N: 2000, K: 4, Layout: synth.Random, Seed: 1},
		synth.Spec{N: 500, K: 2, Layout: synth.Random, Flaky: 0.1, Seed: 2},
		synth.Spec{N: 500, K: 4, Layout: synth.Random, Unresolved: 0.1, Deps: true, Seed: 3},
	)
}

// TestOneWorkerIsSequential: with one worker the scheduler and
// MinimizeParallel ask exactly the questions of Minimize, in its order,
// and give its result.
func TestOneWorkerIsSequential(t *testing.T) {
	seeds := 12
	if testing.Short() {
		seeds = 3
	}
	for _, algo := range []minimize.Algorithm{minimize.GBS, minimize.Bisect, minimize.DDMin} {
		for seed := range seeds {
			for _, spec := range parallelSpecs() {
				spec.Seed += uint64(100 * seed)
				if algo == minimize.DDMin && spec.N > 500 {
					continue
				}
				c := synth.New(spec)
				var want []call
				wantRes, err := minimize.Minimize(context.Background(), algo, c.Problem, record(c.Test, &want), nil)
				if err != nil {
					t.Fatal(err)
				}
				sc, err := minimize.NewScheduler(algo, c.Problem, 1, nil)
				if err != nil {
					t.Fatal(err)
				}
				started, res := step(t, sc, c.Test, func(int) int { return 0 }, -1)
				if len(started) != len(want) {
					t.Fatalf("%s %s: %d questions, Minimize asked %d", algo, spec, len(started), len(want))
				}
				for i, q := range started {
					if fmt.Sprint(q.Kept) != want[i].kept || q.Attempt != want[i].attempt {
						t.Fatalf("%s %s: question %d is %v#%d, Minimize asked %s#%d", algo, spec, i, q.Kept, q.Attempt, want[i].kept, want[i].attempt)
					}
				}
				if fmt.Sprint(res) != fmt.Sprint(wantRes) {
					t.Fatalf("%s %s: %+v, Minimize gave %+v", algo, spec, res, wantRes)
				}
				var got []call
				pres, err := minimize.MinimizeParallel(context.Background(), algo, c.Problem, 1, record(c.Test, &got), nil)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, want) || fmt.Sprint(pres) != fmt.Sprint(wantRes) {
					t.Fatalf("%s %s: MinimizeParallel with one worker differs from Minimize", algo, spec)
				}
			}
		}
	}
}

// TestParallelExact: the exact culprits, verified, with 2 to 16 workers,
// flaky and unresolved answers and dependencies included.
func TestParallelExact(t *testing.T) {
	seeds := 12
	if testing.Short() {
		seeds = 2
	}
	specs := []synth.Spec{
		{N: 2000, K: 4, Layout: synth.Random},
		{N: 500, K: 3, Layout: synth.Pairs, Deps: true},
		{N: 2000, K: 4, Layout: synth.Random, Flaky: 0.1},
		{N: 2000, K: 4, Layout: synth.Random, Unresolved: 0.1},
		{N: 300, K: 3, Layout: synth.Clustered, Flaky: 0.1, Unresolved: 0.1, Deps: true},
		{N: 300, K: 6, Layout: synth.Random, Unresolved: 0.3, Deps: true},
		{N: 40, K: 1, Layout: synth.Random},
		{N: 3, K: 3, Layout: synth.Random},
	}
	for _, w := range []int{2, 4, 8, 16} {
		for _, algo := range []minimize.Algorithm{minimize.GBS, minimize.Bisect} {
			// Bisection gains from speculation alone: slower to replay,
			// it is checked on the small problems.
			if algo == minimize.Bisect && w > 4 {
				continue
			}
			t.Run(fmt.Sprintf("%s/workers=%d", algo, w), func(t *testing.T) {
				for seed := range seeds {
					for _, spec := range specs {
						if algo == minimize.Bisect && spec.N > 500 {
							continue
						}
						spec.Seed = uint64(seed)
						c := synth.New(spec)
						sc, err := minimize.NewScheduler(algo, c.Problem, w, nil)
						if err != nil {
							t.Fatal(err)
						}
						_, r := step(t, sc, c.Test, func(int) int { return 0 }, -1)
						if !slices.Equal(r.Culprits, c.Want) {
							t.Fatalf("%s: culprits %v, want %v", spec, r.Culprits, c.Want)
						}
						if spec.Unresolved == 0 && (!r.Verified || !r.OneMinimal) {
							t.Fatalf("%s: verified=%v one-minimal=%v", spec, r.Verified, r.OneMinimal)
						}
						if sc.Started() < r.Tests {
							t.Fatalf("%s: %d tests started, the search consumed %d", spec, sc.Started(), r.Tests)
						}
					}
				}
			})
		}
	}
}

// TestParallelFinishOrder: whatever order the tests finish in, the search
// consumes the same answers (its progress reports and result are the
// same), and MinimizeParallel, with tests that finish at random, agrees.
func TestParallelFinishOrder(t *testing.T) {
	for _, w := range []int{2, 5, 16} {
		for _, spec := range parallelSpecs() {
			t.Run(fmt.Sprintf("workers=%d/%s", w, spec), func(t *testing.T) {
				c := synth.New(spec)
				var want []minimize.Progress
				sc, err := minimize.NewScheduler(minimize.GBS, c.Problem, w, func(p minimize.Progress) { want = append(want, p) })
				if err != nil {
					t.Fatal(err)
				}
				_, wantRes := step(t, sc, c.Test, func(int) int { return 0 }, -1)
				orders := 3
				if testing.Short() {
					orders = 1
				}
				for order := range orders {
					r := rand.New(rand.NewPCG(uint64(order), 9))
					var got []minimize.Progress
					sc, err := minimize.NewScheduler(minimize.GBS, c.Problem, w, func(p minimize.Progress) { got = append(got, p) })
					if err != nil {
						t.Fatal(err)
					}
					_, res := step(t, sc, c.Test, func(n int) int { return r.IntN(n) }, -1)
					if fmt.Sprint(res) != fmt.Sprint(wantRes) || fmt.Sprint(got) != fmt.Sprint(want) {
						t.Fatalf("finish order %d: result %+v and %d reports, want %+v and %d", order, res, len(got), wantRes, len(want))
					}
				}
				// Real goroutines, each test sleeping at random.
				var got []minimize.Progress
				var mu sync.Mutex
				r := rand.New(rand.NewPCG(7, 7))
				res, err := minimize.MinimizeParallel(context.Background(), minimize.GBS, c.Problem, w, func(ctx context.Context, kept []int, attempt int) (minimize.Outcome, error) {
					mu.Lock()
					d := time.Duration(r.IntN(300)) * time.Microsecond
					mu.Unlock()
					time.Sleep(d)
					return c.Test(ctx, kept, attempt)
				}, func(p minimize.Progress) { got = append(got, p) })
				if err != nil {
					t.Fatal(err)
				}
				if fmt.Sprint(res) != fmt.Sprint(wantRes) || fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("MinimizeParallel: result %+v, want %+v", res, wantRes)
				}
			})
		}
	}
}

// TestParallelResume kills a parallel search after m answers, with tests
// in flight, and resumes it from the journal of every answer received
// (needed or not): the result is an uninterrupted run's, and no question
// in the journal is started again.
func TestParallelResume(t *testing.T) {
	for _, w := range []int{3, 8} {
		for _, spec := range parallelSpecs() {
			t.Run(fmt.Sprintf("workers=%d/%s", w, spec), func(t *testing.T) {
				c := synth.New(spec)
				sc, err := minimize.NewScheduler(minimize.GBS, c.Problem, w, nil)
				if err != nil {
					t.Fatal(err)
				}
				all, want := step(t, sc, c.Test, func(int) int { return 0 }, -1)
				kills := 7
				if testing.Short() {
					kills = 3
				}
				for m := 1; m < len(all); m += 1 + len(all)/kills {
					type entry struct {
						q minimize.Question
						o minimize.Outcome
					}
					var journal []entry
					inJournal := map[string]bool{}
					sc, err := minimize.NewScheduler(minimize.GBS, c.Problem, w, nil)
					if err != nil {
						t.Fatal(err)
					}
					step(t, sc, func(ctx context.Context, kept []int, attempt int) (minimize.Outcome, error) {
						o, err := c.Test(ctx, kept, attempt)
						journal = append(journal, entry{minimize.Question{Kept: kept, Attempt: attempt}, o})
						inJournal[fmt.Sprint(kept, attempt)] = true
						return o, err
					}, func(n int) int { return n - 1 }, m)
					// Resume: the journal first, then live tests.
					sc, err = minimize.NewScheduler(minimize.GBS, c.Problem, w, nil)
					if err != nil {
						t.Fatal(err)
					}
					for _, e := range journal {
						if err := sc.Answer(e.q, e.o); err != nil {
							t.Fatal(err)
						}
					}
					_, got := step(t, sc, func(ctx context.Context, kept []int, attempt int) (minimize.Outcome, error) {
						if inJournal[fmt.Sprint(kept, attempt)] {
							t.Fatalf("resumed after %d answers: a question of %d candidates (attempt %d) in the journal was started again", m, len(kept), attempt)
						}
						return c.Test(ctx, kept, attempt)
					}, func(int) int { return 0 }, -1)
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Fatalf("resumed after %d answers: %+v, want %+v", m, got, want)
					}
				}
			})
		}
	}
}

// TestParallelCancel: a cancelled context ends MinimizeParallel with the
// context's error, and no test is left running.
func TestParallelCancel(t *testing.T) {
	c := synth.New(synth.Spec{N: 2000, K: 4, Layout: synth.Random, Seed: 3})
	ctx, cancel := context.WithCancel(context.Background())
	var running, calls atomic.Int32
	_, err := minimize.MinimizeParallel(ctx, minimize.GBS, c.Problem, 4, func(ctx context.Context, kept []int, attempt int) (minimize.Outcome, error) {
		running.Add(1)
		defer running.Add(-1)
		if calls.Add(1) == 10 {
			cancel()
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(time.Millisecond):
		}
		return c.Test(ctx, kept, attempt)
	}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if n := running.Load(); n != 0 {
		t.Fatalf("%d tests still running after MinimizeParallel returned", n)
	}
}

func TestSchedulerBadInput(t *testing.T) {
	if _, err := minimize.NewScheduler(minimize.GBS, minimize.Problem{N: 3}, 0, nil); err == nil {
		t.Error("0 workers accepted")
	}
	if _, err := minimize.NewScheduler("magic", minimize.Problem{N: 3}, 2, nil); err == nil {
		t.Error("unknown algorithm accepted")
	}
	sc, err := minimize.NewScheduler(minimize.GBS, minimize.Problem{N: 3}, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.Answer(minimize.Question{Kept: []int{1}}, 9); err == nil {
		t.Error("outcome 9 accepted")
	}
}
