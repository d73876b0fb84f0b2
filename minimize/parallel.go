package minimize

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// Question is one test the search asks for: the base plus Kept (sorted,
// closed over Problem.Deps), judged for the Attempt-th time.
type Question struct {
	Kept    []int
	Attempt int
}

func (q Question) id(n int) string { return key(q.Kept, n) + "#" + strconv.Itoa(q.Attempt) }

// errStop ends a replay at the first question it holds no answer for.
var errStop = errors.New("minimize: no answer yet")

// Tuning of the speculation; the benchmark is where they were chosen.
const (
	// minNeed is the least chance of being needed for which a question
	// is started before it is asked: below it, a worker's test would
	// mostly be wasted.
	minNeed = 0.5
	// expansionsPerWorker bounds the replays under hypothetical answers
	// made to fill the idle workers.
	expansionsPerWorker = 3
)

// Scheduler runs a search with up to Workers tests in flight. The search
// itself is the sequential one (for the given number of workers): the
// scheduler replays it from the start with every answer received so far,
// so it consumes answers in the order of its own questions, whatever order
// they arrived in; where it stops, at the first question without an
// answer, that question is needed now. Replays under hypothetical answers
// to the questions not yet answered find the questions likely to be
// needed next, each with the chance that it will be; an idle worker takes
// the likeliest one not yet started. An answer to a question the search
// turns out not to need is kept and answers the same question if it is
// asked later.
//
// A Scheduler is a deterministic state machine and does no test itself:
// Next says what to start, Answer records what a test found, Done says
// whether the search is over. MinimizeParallel drives one with
// goroutines; a campaign that resumes feeds its journal to Answer first.
// It is not safe for concurrent use.
type Scheduler struct {
	algo     Algorithm
	p        Problem
	workers  int
	progress func(Progress)

	answers   map[string]Outcome
	inflight  map[string]bool
	started   int
	reported  int  // progress reports delivered, by their Tests
	verifying bool // the report of the verification's start delivered

	planned  bool // plan reflects every answer received
	plan     []Question
	finished bool
	res      Result
	err      error
}

// NewScheduler prepares the search algo on p for workers tests at once.
// progress, if not nil, is called once for each answer the search
// consumes, in its order, and once when its final verification starts.
func NewScheduler(algo Algorithm, p Problem, workers int, progress func(Progress)) (*Scheduler, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	if algo == "" {
		algo = Auto
	}
	if !slices.Contains(Algorithms(), algo) {
		return nil, fmt.Errorf("minimize: unknown algorithm %q", algo)
	}
	if workers < 1 {
		return nil, fmt.Errorf("minimize: %d workers, want at least 1", workers)
	}
	return &Scheduler{
		algo: algo, p: p, workers: workers, progress: progress,
		answers:  make(map[string]Outcome),
		inflight: make(map[string]bool),
	}, nil
}

// Next returns a question to start now, or false when every worker is
// busy, the search is over, or no question is likely enough to be needed
// (it then waits for an answer).
func (sc *Scheduler) Next() (Question, bool) {
	if len(sc.inflight) >= sc.workers {
		return Question{}, false
	}
	sc.refresh()
	for len(sc.plan) > 0 {
		q := sc.plan[0]
		sc.plan = sc.plan[1:]
		id := q.id(sc.p.N)
		if _, ok := sc.answers[id]; ok || sc.inflight[id] {
			continue
		}
		sc.inflight[id] = true
		sc.started++
		return Question{Kept: slices.Clone(q.Kept), Attempt: q.Attempt}, true
	}
	return Question{}, false
}

// Answer records what the test of q found. q need not have come from Next
// (a journal replayed on resume); the first answer to a question stands.
func (sc *Scheduler) Answer(q Question, o Outcome) error {
	if o > Gone {
		return fmt.Errorf("minimize: test returned outcome %d", o)
	}
	id := q.id(sc.p.N)
	delete(sc.inflight, id)
	if _, ok := sc.answers[id]; ok {
		return nil
	}
	sc.answers[id] = o
	sc.planned = false
	return nil
}

// Done says whether the search is over, and its result: when it is not
// over, the counts of the answers consumed so far.
func (sc *Scheduler) Done() (Result, bool, error) {
	sc.refresh()
	return sc.res, sc.finished, sc.err
}

// Started counts the questions Next handed out, needed or not.
func (sc *Scheduler) Started() int { return sc.started }

// replayed is where a replay of the search stopped.
type replayed struct {
	next  *Question  // the first question without an answer; nil at the end
	hint  float64    // the chance that next reproduces
	ahead []Question // questions to be asked after next whatever it answers
	res   Result
	err   error
}

// replay runs the search from the start on the answers received, then on
// hyp, until the first question neither holds.
func (sc *Scheduler) replay(hyp map[string]Outcome, progress func(Progress)) replayed {
	var out replayed
	var srch *search
	n := sc.p.N
	unknown := func(id string) bool {
		_, a := sc.answers[id]
		_, h := hyp[id]
		return !a && !h
	}
	test := func(_ context.Context, kept []int, attempt int) (Outcome, error) {
		id := Question{kept, attempt}.id(n)
		if o, ok := sc.answers[id]; ok {
			return o, nil
		}
		if o, ok := hyp[id]; ok {
			return o, nil
		}
		out.next = &Question{Kept: slices.Clone(kept), Attempt: attempt}
		out.hint = min(0.98, max(0.02, srch.hint))
		for _, q := range srch.announced {
			if qid := q.id(n); qid != id && unknown(qid) {
				out.ahead = append(out.ahead, q)
			}
		}
		return Unresolved, errStop
	}
	_, out.res, out.err = runSearch(context.Background(), sc.algo, sc.p, sc.workers, test, progress, func(s *search) {
		srch = s
		s.hints = true
	})
	if out.next != nil {
		out.err = nil
	}
	return out
}

// report passes on the progress of answers not reported before, and the
// start of the verification once: every replay consumes the answers from
// the first.
func (sc *Scheduler) report(p Progress) {
	if p.Tests < sc.reported || p.Tests == sc.reported && (!p.Verifying || sc.verifying) {
		return
	}
	sc.reported, sc.verifying = p.Tests, p.Verifying
	if sc.progress != nil {
		sc.progress(p)
	}
}

// node is a hypothesis: answers assumed for questions not yet answered,
// with the chance that they all come true.
type node struct {
	hyp  map[string]Outcome
	prob float64
	seen map[string]bool // questions counted at an ancestor
	seq  int
}

type nodeHeap []*node

func (h nodeHeap) Len() int { return len(h) }
func (h nodeHeap) Less(i, j int) bool {
	if h[i].prob != h[j].prob {
		return h[i].prob > h[j].prob
	}
	return h[i].seq < h[j].seq
}
func (h nodeHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *nodeHeap) Push(x any)   { *h = append(*h, x.(*node)) }
func (h *nodeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// refresh brings the plan up to date with the answers: where the search
// stands, and the questions to start next, likeliest to be needed first.
func (sc *Scheduler) refresh() {
	if sc.planned {
		return
	}
	sc.planned = true
	sc.plan = nil
	root := sc.replay(nil, sc.report)
	sc.res, sc.err = root.res, root.err
	if root.next == nil {
		sc.finished = true
		return
	}
	n := sc.p.N
	// need[id] sums the chances of the disjoint hypotheses under which a
	// question is asked: a node counts a question unless an ancestor did
	// (the ancestor's event holds the node's).
	need := map[string]float64{}
	var found []Question
	count := func(r replayed, nd *node) map[string]bool {
		seen := make(map[string]bool, len(nd.seen)+1+len(r.ahead))
		for k := range nd.seen {
			seen[k] = true
		}
		for _, q := range append([]Question{*r.next}, r.ahead...) {
			id := q.id(n)
			if seen[id] {
				continue
			}
			seen[id] = true
			if _, ok := need[id]; !ok {
				found = append(found, q)
			}
			need[id] += nd.prob
		}
		return seen
	}
	free := sc.workers - len(sc.inflight)
	rootNode := &node{prob: 1, seen: map[string]bool{}}
	h := &nodeHeap{}
	seq := 0
	children := func(r replayed, nd *node, seen map[string]bool) {
		id := r.next.id(n)
		for _, c := range []struct {
			o Outcome
			p float64
		}{{Reproduces, r.hint}, {Gone, 1 - r.hint}} {
			hyp := make(map[string]Outcome, len(nd.hyp)+1)
			for k, v := range nd.hyp {
				hyp[k] = v
			}
			hyp[id] = c.o
			seq++
			heap.Push(h, &node{hyp: hyp, prob: nd.prob * c.p, seen: seen, seq: seq})
		}
	}
	children(root, rootNode, count(root, rootNode))
	// One worker only ever runs the question the search asks now.
	for budget := expansionsPerWorker * sc.workers; sc.workers > 1 && budget > 0 && h.Len() > 0; budget-- {
		top := (*h)[0].prob
		if top < minNeed || sc.enough(need, found, top, free) {
			break
		}
		nd := heap.Pop(h).(*node)
		r := sc.replay(nd.hyp, nil)
		if r.next == nil {
			continue
		}
		children(r, nd, count(r, nd))
	}
	for _, q := range found {
		if need[q.id(n)] >= minNeed {
			sc.plan = append(sc.plan, q)
		}
	}
	slices.SortStableFunc(sc.plan, func(a, b Question) int {
		x, y := need[a.id(n)], need[b.id(n)]
		switch {
		case x > y:
			return -1
		case x < y:
			return 1
		}
		return 0
	})
}

// enough says whether free questions not yet started are already more
// likely to be needed than anything a further hypothesis could add.
func (sc *Scheduler) enough(need map[string]float64, found []Question, top float64, free int) bool {
	c := 0
	for _, q := range found {
		id := q.id(sc.p.N)
		if _, ok := sc.answers[id]; ok || sc.inflight[id] {
			continue
		}
		if need[id] >= top {
			c++
		}
	}
	return c >= free
}

// MinimizeParallel is Minimize with up to workers calls of test at once,
// from as many goroutines: test must be safe for concurrent use. The
// search consumes the answers in the order of its own questions, so its
// calls, result and progress depend only on the answers, never on the
// order in which tests finish; with one worker it makes exactly the calls
// of Minimize. Calls for questions the search turns out not to need still
// happen (a caller that journals in test keeps their answers); the
// Result counts the answers the search consumed, not these. On return,
// no call of test is running: the ones still running when the search ends
// or fails are cancelled through their context and waited for.
func MinimizeParallel(ctx context.Context, algo Algorithm, p Problem, workers int, test Test, progress func(Progress)) (Result, error) {
	sc, err := NewScheduler(algo, p, workers, progress)
	if err != nil {
		return Result{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	type done struct {
		q   Question
		o   Outcome
		err error
	}
	results := make(chan done)
	running := 0
	defer func() {
		cancel()
		for ; running > 0; running-- {
			<-results
		}
	}()
	fail := func(err error) (Result, error) {
		res := sc.res
		return res, fmt.Errorf("minimize (%s, %d candidates, %d workers) after %d tests: %w", sc.algo, p.N, workers, res.Tests, err)
	}
	for {
		res, over, err := sc.Done()
		if over {
			return res, err
		}
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		for {
			q, ok := sc.Next()
			if !ok {
				break
			}
			running++
			go func() {
				o, err := test(ctx, q.Kept, q.Attempt)
				results <- done{q, o, err}
			}()
		}
		if running == 0 {
			return fail(errors.New("the search asks nothing and is not over"))
		}
		d := <-results
		running--
		if d.err != nil {
			return fail(d.err)
		}
		if err := sc.Answer(d.q, d.o); err != nil {
			return fail(err)
		}
	}
}
