package campaign

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/kcmin/kcmin/minimize"
)

// Roles of the final check's tests: the result without one line, and
// the result built from nothing.
const (
	roleLine  = "line"
	roleClean = "clean"
)

// Line is one line of the result and why it is there.
type Line struct {
	Option
	// NeededFor names the lines that do not stick without this one: it is
	// needed for them. Empty for a line whose removal makes the failure go.
	NeededFor []string
	// Decided says that removing the line was seen to make the failure go
	// (confirmed when flaky) or another line not stick.
	Decided bool
}

// Final is the result as a reader of the fragments takes it.
type Final struct {
	Lines      []Line
	Verified   bool // the base plus the lines reproduces
	OneMinimal bool // every line decided: without any one of them, the failure goes or another line does not stick
	// Gone counts the check's "gone" answers; FalseGone those that a
	// later answer to the same question proved a flake.
	Gone, FalseGone int
	// Clean is what the clean build of the result found: "reproduces",
	// "gone", or why it could not be judged; "" when there was none.
	Clean string
}

// Options are the result's lines as options.
func (f Final) Options() []Option {
	opts := make([]Option, len(f.Lines))
	for i, l := range f.Lines {
		opts[i] = l.Option
	}
	return opts
}

// cleanQuestion is the clean build of the base with opts.
func cleanQuestion(opts []Option, attempt int) question {
	q := question{role: roleClean, opts: opts, attempt: attempt}
	for _, o := range opts {
		q.names = append(q.names, o.Name)
	}
	return q
}

// earlyClean runs the clean build of the search's result before the
// search ends, when workers are spare: once every candidate is decided,
// what is left is the final verification, which seldom changes the
// result, and the clean build runs beside its removals. A later result
// cancels the build of an earlier one (nothing of it is journalled);
// only the one of the search's final result is waited for.
type earlyClean struct {
	r   *runner
	ctx context.Context

	// matrix, when set, also builds the campaign's toolchains of the
	// culprits beside, each on a worker as one comes free.
	matrix bool

	mu      sync.Mutex
	key     string       // the culprits of the build running, by name
	run     *cleanRun    // nil when none runs
	toolsOf *earlyMatrix // the toolchains' builds; nil when none run
}

// cleanRun is one clean build of earlyClean's: done is closed when it has
// ended, with err.
type cleanRun struct {
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

func (r *runner) newEarlyClean(ctx context.Context) *earlyClean {
	return &earlyClean{r: r, ctx: ctx}
}

// offer starts the clean build of culprits unless it runs already,
// stopping the one of other culprits.
func (e *earlyClean) offer(culprits []int) *cleanRun {
	key := strings.Join(e.r.cands.Names(culprits), " ")
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.run != nil && key == e.key {
		return e.run
	}
	e.stopLocked()
	ctx, cancel := context.WithCancel(e.ctx)
	run := &cleanRun{cancel: cancel, done: make(chan struct{})}
	q := cleanQuestion(e.r.cands.Options(culprits), 0)
	go func() {
		defer close(run.done)
		_, run.err = e.r.ask(ctx, q)
	}()
	e.key, e.run = key, run
	if e.matrix {
		e.toolsOf = e.r.startMatrix(e.ctx, e.r.cands.Options(culprits))
	}
	return run
}

// settleMatrix waits for the toolchains' builds when they are of the
// result's lines opts, so that the matrix journal holds their rows, and
// stops them otherwise.
func (e *earlyClean) settleMatrix(opts []Option) error {
	e.mu.Lock()
	m := e.toolsOf
	e.mu.Unlock()
	return m.settle(e.r, opts)
}

// wait waits for the clean build of culprits, started now if another
// ran, and returns its error.
func (e *earlyClean) wait(culprits []int) error {
	run := e.offer(culprits)
	<-run.done
	return run.err
}

// stop cancels the build running, if any, and waits for it to end.
func (e *earlyClean) stop() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.stopLocked()
}

func (e *earlyClean) stopLocked() {
	e.toolsOf.stop()
	e.toolsOf = nil
	if e.run == nil {
		return
	}
	e.run.cancel()
	<-e.run.done
	e.key, e.run = "", nil
}

// checkClean builds the base with the result's lines in a build dir of
// its own, from nothing, as the report's reproducer does: incremental
// builds of different configs are not always what a clean build gives.
// It is judged like any test, and confirmed as a "gone" is when the
// failure is flaky. A clean build that does not reproduce unverifies the
// result.
func (r *runner) checkClean(ctx context.Context, f *Final, confirm int) error {
	if !f.Verified || len(f.Lines) == 0 || r.spec.Kernel.Target == "" {
		return nil
	}
	opts := f.Options()
	r.phase("building the result from nothing")
	for attempt := 0; attempt <= confirm; attempt++ {
		rec, err := r.ask(ctx, cleanQuestion(opts, attempt))
		if err != nil {
			return err
		}
		switch rec.Outcome {
		case "reproduces":
			f.Clean = "reproduces"
			return nil
		case "gone":
			f.Clean = "gone"
		default:
			f.Clean = rec.Reason
			if f.Clean == "" {
				f.Clean = "unresolved"
			}
			return nil
		}
	}
	f.Verified, f.OneMinimal = false, false
	r.logf("the result reproduced in incremental builds, not in a clean build (%s)", r.wd.CleanDir())
	return nil
}

// checkLines is the final check made as a reader of the fragments would:
// each line of the search's result is removed on its own, nothing with
// it. The search removed a candidate together with what needs it, so it
// cannot see a line that nothing needs any more, and it never splits a
// candidate's lines. A removal that reproduces drops the line and the
// check starts over on what is left; one that makes another line not
// stick keeps the line, as needed for that one.
func (r *runner) checkLines(ctx context.Context, res minimize.Result, confirm int) (Final, error) {
	opts := r.cands.Options(res.Culprits)
	if !res.Verified || len(opts) == 0 {
		return finalOf(opts, res), nil
	}
	var gone, falseGone int
	for {
		lines, dropped, err := r.checkRound(ctx, opts, confirm, &gone, &falseGone)
		if err != nil {
			return Final{}, err
		}
		if dropped < 0 {
			f := Final{Lines: lines, Verified: true, OneMinimal: true, Gone: gone, FalseGone: falseGone}
			for _, l := range lines {
				f.OneMinimal = f.OneMinimal && l.Decided
			}
			return f, nil
		}
		r.logf("the result reproduces without %s: dropped", opts[dropped].Line())
		opts = slices.Delete(slices.Clone(opts), dropped, dropped+1)
	}
}

// checkRound removes each line once; it returns the index of the first
// line whose removal reproduced, or -1 with every line's verdict.
func (r *runner) checkRound(ctx context.Context, opts []Option, confirm int, gone, falseGone *int) ([]Line, int, error) {
	lines := make([]Line, len(opts))
	without := make([]question, len(opts)) // the result without line i
	for i := range opts {
		rest := slices.Delete(slices.Clone(opts), i, i+1)
		names := make([]string, len(rest))
		for j, o := range rest {
			names[j] = o.Name
		}
		without[i] = question{names: names, opts: rest, role: roleLine}
	}
	// With workers to spare, every removal is asked at once, and then
	// the confirmations of those that made the failure go; the loop
	// below takes their answers in its own order.
	if err := r.prefetch(ctx, without); err != nil {
		return nil, 0, err
	}
	var confirming []question
	for _, q := range without {
		if rec, ok := r.answered(q.names, 0); ok && rec.Outcome == "gone" {
			for a := 1; a <= confirm; a++ {
				q.attempt = a
				confirming = append(confirming, q)
			}
		}
	}
	if err := r.prefetch(ctx, confirming); err != nil {
		return nil, 0, err
	}
	for i, o := range opts {
		lines[i].Option = o
		q := without[i]
		r.phase(fmt.Sprintf("checking line %d of %d", i+1, len(opts)))
	asking:
		for attempt := 0; attempt <= confirm; attempt++ {
			q.attempt = attempt
			rec, err := r.ask(ctx, q)
			if err != nil {
				return nil, 0, err
			}
			switch {
			case rec.Outcome == "reproduces":
				// Every "gone" before this answer was a flake.
				*falseGone += attempt
				return nil, i, nil
			case rec.Outcome == "gone":
				*gone++
				// Decided once every attempt said so.
				lines[i].Decided = attempt == confirm
			case len(rec.NotStuck) > 0:
				lines[i].NeededFor, lines[i].Decided = rec.NotStuck, true
				break asking
			default:
				// Unresolved for another reason: the line stays, undecided.
				break asking
			}
		}
	}
	return lines, -1, nil
}

// finalOf is the search's result taken as it is.
func finalOf(opts []Option, res minimize.Result) Final {
	f := Final{Verified: res.Verified, OneMinimal: res.OneMinimal}
	for _, o := range opts {
		f.Lines = append(f.Lines, Line{Option: o, Decided: res.OneMinimal})
	}
	return f
}
