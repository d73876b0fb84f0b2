package minimize

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
)

// Minimize runs the search algo on p, asking test about subsets, and ends
// with the verification: the result reproduces, and each single removal
// makes the failure go. progress, if not nil, is called after every test
// and once when the verification starts.
//
// The calls to test depend only on p and on the answers, so a campaign that
// replays recorded answers makes the same calls in the same order. An error
// from test (a cancelled context) ends the search; the Result then holds the
// counts so far.
func Minimize(ctx context.Context, algo Algorithm, p Problem, test Test, progress func(Progress)) (Result, error) {
	_, res, err := runSearch(ctx, algo, p, 1, test, progress, nil)
	return res, err
}

// runSearch is Minimize for a search planned for width tests in flight;
// hook, if not nil, sees the search before it starts (a replay reads its
// announced questions and hints through it).
func runSearch(ctx context.Context, algo Algorithm, p Problem, width int, test Test, progress func(Progress), hook func(*search)) (*search, Result, error) {
	if err := p.validate(); err != nil {
		return nil, Result{}, err
	}
	if algo == "" {
		algo = Auto
	}
	s := newSearch(ctx, p, test, progress)
	s.width = max(1, width)
	if hook != nil {
		hook(s)
	}
	var err error
	switch algo {
	case Auto, GBS:
		if s.width > 1 {
			err = s.pgbs()
		} else {
			err = s.gbs()
		}
	case Bisect:
		err = s.bisect()
	case DDMin:
		err = s.ddmin()
	default:
		return nil, Result{}, fmt.Errorf("minimize: unknown algorithm %q", algo)
	}
	if err == nil {
		err = s.verify()
	}
	s.res.Culprits = s.culprits()
	s.res.FalseGone = s.falseGone()
	if err != nil {
		return s, s.res, fmt.Errorf("minimize (%s, %d candidates) after %d tests: %w", algo, p.N, s.res.Tests, err)
	}
	return s, s.res, nil
}

func (p *Problem) validate() error {
	var errs []error
	if p.N <= 0 {
		return errors.New("minimize: no candidates")
	}
	inRange := func(what string, i int, l []int) {
		for _, j := range l {
			if j < 0 || j >= p.N || j == i {
				errs = append(errs, fmt.Errorf("minimize: %s[%d] holds %d, want an index in [0,%d) other than %d", what, i, j, p.N, i))
			}
		}
	}
	if p.Deps != nil && len(p.Deps) != p.N {
		errs = append(errs, fmt.Errorf("minimize: Deps has %d entries for %d candidates", len(p.Deps), p.N))
	} else {
		for i, d := range p.Deps {
			inRange("Deps", i, d)
		}
	}
	if p.Neighbours != nil && len(p.Neighbours) != p.N {
		errs = append(errs, fmt.Errorf("minimize: Neighbours has %d entries for %d candidates", len(p.Neighbours), p.N))
	} else {
		for i, d := range p.Neighbours {
			inRange("Neighbours", i, d)
		}
	}
	if p.Weight != nil {
		if len(p.Weight) != p.N {
			errs = append(errs, fmt.Errorf("minimize: Weight has %d entries for %d candidates", len(p.Weight), p.N))
		}
		for i, w := range p.Weight {
			if !(w >= 0) || math.IsInf(w, 0) {
				errs = append(errs, fmt.Errorf("minimize: Weight[%d] is %v, want a finite number >= 0", i, w))
			}
		}
	}
	if p.Cost != nil {
		if len(p.Cost) != p.N {
			errs = append(errs, fmt.Errorf("minimize: Cost has %d entries for %d candidates", len(p.Cost), p.N))
		}
		for i, c := range p.Cost {
			if !(c >= 0) || math.IsInf(c, 0) {
				errs = append(errs, fmt.Errorf("minimize: Cost[%d] is %v, want a finite number >= 0", i, c))
			}
		}
	}
	if !(p.FlakeRate >= 0 && p.FlakeRate < 1) {
		errs = append(errs, fmt.Errorf("minimize: FlakeRate is %v, want [0,1)", p.FlakeRate))
	}
	if p.Repeats < 0 {
		errs = append(errs, fmt.Errorf("minimize: Repeats is %d, want >= 0", p.Repeats))
	}
	if len(errs) == 0 && p.Deps != nil {
		if c := dependencyCycle(p.N, p.Deps); c != nil {
			errs = append(errs, fmt.Errorf("minimize: Deps has a cycle through %v", c))
		}
	}
	return errors.Join(errs...)
}

// dependencyCycle returns the candidates on a cycle of deps, or nil.
func dependencyCycle(n int, deps [][]int) []int {
	const (
		white = iota
		grey
		black
	)
	colour := make([]uint8, n)
	var stack []int
	var found []int
	var visit func(i int) bool
	visit = func(i int) bool {
		colour[i] = grey
		stack = append(stack, i)
		for _, j := range deps[i] {
			switch colour[j] {
			case grey:
				at := slices.Index(stack, j)
				found = slices.Clone(stack[at:])
				slices.Sort(found)
				return true
			case white:
				if visit(j) {
					return true
				}
			}
		}
		stack = stack[:len(stack)-1]
		colour[i] = black
		return false
	}
	for i := range n {
		if colour[i] == white && visit(i) {
			return found
		}
	}
	return nil
}

// state is what the search knows about one candidate.
type state uint8

const (
	undecided state = iota
	culprit
	eliminated
)

// record holds the answers to one subset, attempt by attempt.
type record struct {
	kept    []int
	answers []Outcome
	set     []uint64 // kept as bits, once needed
}

// search is the state shared by the algorithms: the candidates' order and
// dependencies, what is decided, and the memory of every answer.
type search struct {
	ctx      context.Context
	p        Problem
	test     Test
	progress func(Progress)
	n        int

	// order is the work order: ancestors before descendants, index order
	// otherwise (the caller orders candidates as in the Kconfig menus). Any
	// suffix of it is closed under descendants, so reverting a suffix never
	// drags anything along.
	order []int
	pos   []int
	anc   [][]int // transitive ancestors, sorted
	desc  [][]int // transitive descendants, in work order

	state    []state
	deferred []bool // undecided, but no pool holding it could be judged
	memo     map[string]*record
	log      []*record // records in the order they were first asked
	known    map[string]bool

	res       Result
	verifying bool
	found     int // culprits found by the search (not counting ancestors)
	estimate  func() int

	// width is the number of tests the caller can run at once; a search
	// planned for one is the sequential one.
	width int
	// hint is the chance that the next question reproduces, set by the
	// code that asks it; announced lists questions that will be asked
	// after the next one whatever it answers. Neither changes what is
	// asked: they tell a scheduler what to start early.
	hint      float64
	announced []Question
	// hints asks for hints that cost a computation of their own.
	hints bool
}

func newSearch(ctx context.Context, p Problem, test Test, progress func(Progress)) *search {
	n := p.N
	s := &search{
		ctx: ctx, p: p, test: test, progress: progress, n: n,
		state:    make([]state, n),
		deferred: make([]bool, n),
		memo:     make(map[string]*record),
		known:    make(map[string]bool),
		hint:     0.5,
	}
	s.order, s.pos, s.anc, s.desc = workOrder(n, p.Deps)
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	// The caller has judged both ends: they are known, not asked.
	s.remember(all, Reproduces)
	s.remember(nil, Gone)
	return s
}

// workOrder puts every candidate after its ancestors and otherwise keeps
// index order, and computes transitive ancestors and descendants.
func workOrder(n int, deps [][]int) (order, pos []int, anc, desc [][]int) {
	pos = make([]int, n)
	anc = make([][]int, n)
	desc = make([][]int, n)
	placed := make([]bool, n)
	var place func(i int)
	place = func(i int) {
		if placed[i] {
			return
		}
		placed[i] = true
		if deps != nil {
			for _, j := range deps[i] {
				place(j)
			}
		}
		pos[i] = len(order)
		order = append(order, i)
	}
	for i := range n {
		place(i)
	}
	if deps == nil {
		return order, pos, anc, desc
	}
	// Ancestors in work order: a candidate's deps are complete before it.
	for _, i := range order {
		var a []int
		for _, j := range deps[i] {
			a = append(a, j)
			a = append(a, anc[j]...)
		}
		slices.Sort(a)
		anc[i] = slices.Compact(a)
	}
	for _, i := range order {
		for _, j := range anc[i] {
			desc[j] = append(desc[j], i)
		}
	}
	return order, pos, anc, desc
}

func key(kept []int, n int) string {
	b := make([]byte, (n+7)/8)
	for _, i := range kept {
		b[i/8] |= 1 << (i % 8)
	}
	return string(b)
}

func (s *search) remember(kept []int, o Outcome) {
	k := key(kept, s.n)
	s.known[k] = true
	r := &record{kept: slices.Clone(kept), answers: []Outcome{o}}
	s.memo[k] = r
}

// settled returns what a subset is known to do: Reproduces if any attempt
// reproduced (a flaky test never reproduces falsely), else the first answer.
func (r *record) settled() Outcome {
	if slices.Contains(r.answers, Reproduces) {
		return Reproduces
	}
	return r.answers[0]
}

// ask returns the answer for kept, from memory when this subset was asked
// before; again asks once more (a confirmation of a flaky Gone).
func (s *search) ask(kept []int, again bool) (Outcome, error) {
	k := key(kept, s.n)
	r := s.memo[k]
	if r != nil && (!again || s.known[k]) {
		return r.settled(), nil
	}
	if err := s.ctx.Err(); err != nil {
		return Unresolved, err
	}
	attempt := 0
	if r != nil {
		attempt = len(r.answers)
	}
	o, err := s.test(s.ctx, kept, attempt)
	s.hint = 0.5
	if err != nil {
		return Unresolved, err
	}
	if o > Gone {
		return Unresolved, fmt.Errorf("test returned outcome %d", o)
	}
	s.res.Tests++
	if s.verifying {
		s.res.VerifyTests++
	}
	switch o {
	case Unresolved:
		s.res.Unresolved++
	case Gone:
		s.res.Gone++
	}
	if r == nil {
		r = &record{kept: slices.Clone(kept)}
		s.memo[k] = r
		s.log = append(s.log, r)
	}
	r.answers = append(r.answers, o)
	s.report()
	return r.settled(), nil
}

func (s *search) report() {
	if s.progress == nil {
		return
	}
	pr := Progress{Tests: s.res.Tests, Culprits: s.culprits(), Verifying: s.verifying}
	for i := range s.n {
		if s.state[i] == undecided {
			pr.Undecided++
		}
	}
	if s.estimate != nil && !s.verifying {
		pr.EstimatedLeft = s.estimate()
	}
	pr.EstimatedLeft += s.verifyEstimate()
	s.progress(pr)
}

// alive lists the candidates still kept: culprits and undecided.
func (s *search) alive() []int {
	var kept []int
	for i := range s.n {
		if s.state[i] != eliminated {
			kept = append(kept, i)
		}
	}
	return kept
}

// closeDown adds to pool (undecided candidates) every undecided descendant,
// so that reverting it leaves a kept set closed over the dependencies. A
// culprit's ancestors are culprits, so no culprit is ever dragged along.
func (s *search) closeDown(pool []int) []int {
	if s.p.Deps == nil {
		return pool
	}
	in := make(map[int]bool, len(pool))
	for _, i := range pool {
		in[i] = true
	}
	out := slices.Clone(pool)
	for _, i := range pool {
		for _, j := range s.desc[i] {
			if !in[j] && s.state[j] == undecided {
				in[j] = true
				out = append(out, j)
			}
		}
	}
	return out
}

// without returns the alive candidates minus pool, sorted by index.
func (s *search) without(pool []int) []int {
	drop := make([]bool, s.n)
	for _, i := range pool {
		drop[i] = true
	}
	kept := make([]int, 0, s.n-len(pool))
	for i := range s.n {
		if s.state[i] != eliminated && !drop[i] {
			kept = append(kept, i)
		}
	}
	return kept
}

// revert tests the alive candidates minus pool and the undecided
// candidates that need something in it.
func (s *search) revert(pool []int) (Outcome, error) {
	return s.ask(s.without(s.closeDown(pool)), false)
}

// revertKnown says what reverting pool is known to do, without a test.
func (s *search) revertKnown(pool []int) (Outcome, bool) {
	r := s.memo[key(s.without(s.closeDown(pool)), s.n)]
	if r == nil {
		return Unresolved, false
	}
	return r.settled(), true
}

// eliminate records pool (with what needs it) as clean.
func (s *search) eliminate(pool []int) {
	for _, i := range s.closeDown(pool) {
		s.state[i] = eliminated
		s.deferred[i] = false
	}
}

// markCulprit records c and its ancestors as culprits.
func (s *search) markCulprit(c int) {
	s.found++
	s.state[c] = culprit
	s.deferred[c] = false
	for _, a := range s.anc[c] {
		s.state[a] = culprit
		s.deferred[a] = false
	}
}

// culprits lists the culprits found so far, sorted.
func (s *search) culprits() []int {
	var out []int
	for i := range s.n {
		if s.state[i] == culprit {
			out = append(out, i)
		}
	}
	return out
}

// settle ends the search proper: whatever was not eliminated (culprits, and
// candidates whose pools never gave a usable answer) is the result to
// verify.
func (s *search) settle() {
	for i := range s.n {
		if s.state[i] != eliminated {
			s.state[i] = culprit
		}
		s.deferred[i] = false
	}
}

// undecidedInOrder lists the undecided, not deferred candidates in work
// order.
func (s *search) undecidedInOrder() []int {
	var u []int
	for _, i := range s.order {
		if s.state[i] == undecided && !s.deferred[i] {
			u = append(u, i)
		}
	}
	return u
}

// repeats is how many confirmations a deciding Gone needs.
func (s *search) repeats() int { return s.p.Confirmations() }

func (s *search) verifyEstimate() int {
	if s.verifying {
		return 0
	}
	k := 0
	for i := range s.n {
		if s.state[i] == culprit {
			k++
		}
	}
	return k * (1 + s.repeats())
}

// removal is the largest closed subset of kept without c: c and everything
// in kept that needs it go.
func (s *search) removal(kept []int, c int) []int {
	var out []int
	for _, i := range kept {
		if i == c || slices.Contains(s.anc[i], c) {
			continue
		}
		out = append(out, i)
	}
	return out
}

// verify checks the result: it reproduces, and each single removal makes
// the failure go, every Gone confirmed Repeats more times when Flaky. A
// removal that reproduces shrinks the result and verification starts over
// on it: the failure was not monotone there, or a flake made a false
// culprit. Each round asks every check once before any is confirmed, so a
// false culprit is usually dropped before confirmations are spent.
func (s *search) verify() error {
	s.settle()
	s.verifying = true
	defer func() { s.verifying = false }()
	s.report()
	r := s.repeats()
	for {
		kept := s.culprits()
		if len(kept) == 0 {
			s.res.Verified, s.res.OneMinimal = false, false
			return nil
		}
		shrunk, err := s.verifyRounds(kept, r)
		if err != nil || !shrunk {
			return err
		}
	}
}

func (s *search) verifyRounds(kept []int, r int) (bool, error) {
	removals := make([][]int, len(kept))
	for n, c := range kept {
		removals[n] = s.removal(kept, c)
	}
	shrink := func(rest []int) {
		in := make([]bool, s.n)
		for _, i := range rest {
			in[i] = true
		}
		for i := range s.n {
			if !in[i] {
				s.state[i] = eliminated
			}
		}
	}
	for round := 0; round <= r; round++ {
		// The checks of a round are asked whatever the others answer
		// (unless a removal reproduces, which is rare): a scheduler may
		// run them all at once.
		s.announce(append([][]int{kept}, removals...), round)
		s.hint = 0.95
		if _, err := s.askRound(kept, round); err != nil {
			return false, err
		}
		var unresolved []int
		for n, rest := range removals {
			s.hint = 0.1
			o, err := s.askRound(rest, round)
			if err != nil {
				return false, err
			}
			switch o {
			case Reproduces:
				shrink(rest)
				return true, nil
			case Unresolved:
				unresolved = append(unresolved, kept[n])
			}
		}
		if round == 0 && len(unresolved) > 1 {
			// Candidates whose single removal cannot be judged may still
			// go in pairs or together (a hidden dependency between them).
			// A flake may hide the group that reproduces, so with a flaky
			// test every group is asked again, round by round.
			groups := groupsOf(unresolved, maxGroupTries)
			for a := 0; a <= r; a++ {
				for _, g := range groups {
					rest := kept
					for _, c := range g {
						rest = s.removal(rest, c)
					}
					o, err := s.askRound(rest, a)
					if err != nil {
						return false, err
					}
					if o == Reproduces {
						shrink(rest)
						return true, nil
					}
				}
			}
		}
	}
	s.res.Verified = s.memo[key(kept, s.n)].settled() == Reproduces
	s.res.OneMinimal = s.res.Verified
	for _, rest := range removals {
		if s.memo[key(rest, s.n)].settled() != Gone {
			s.res.OneMinimal = false
		}
	}
	return false, nil
}

// maxGroupTries bounds the groups of unresolved removals verification
// tries together.
const maxGroupTries = 16

// groupsOf lists subsets of c with at least two members, at most max of
// them: the pairs, then all of c, then the sizes in between from the
// largest; within a size in lexicographic order. A candidate left in the
// result by unresolved answers usually has one partner, or many.
func groupsOf(c []int, max int) [][]int {
	var out [][]int
	sizes := []int{2}
	for size := len(c); size > 2; size-- {
		sizes = append(sizes, size)
	}
	for _, size := range sizes {
		if size > len(c) || len(out) >= max {
			break
		}
		idx := make([]int, size)
		for i := range idx {
			idx[i] = i
		}
		for len(out) < max {
			g := make([]int, size)
			for i, j := range idx {
				g[i] = c[j]
			}
			out = append(out, g)
			// Next combination of size indices out of len(c).
			i := size - 1
			for i >= 0 && idx[i] == len(c)-size+i {
				i--
			}
			if i < 0 {
				break
			}
			idx[i]++
			for j := i + 1; j < size; j++ {
				idx[j] = idx[j-1] + 1
			}
		}
	}
	return out
}

// askRound asks about kept for the round-th time, unless its answer is
// settled: a Reproduces (never faked), an Unresolved, a known end, or
// enough Gone answers already. Only answers to kept itself count: the Gone
// answers that made a candidate a culprit are the very ones a flake would
// have faked, so they cannot confirm it.
func (s *search) askRound(kept []int, round int) (Outcome, error) {
	if round == 0 {
		return s.ask(kept, false)
	}
	k := key(kept, s.n)
	rec := s.memo[k]
	if o := rec.settled(); o != Gone || s.known[k] || len(rec.answers) > round {
		return o, nil
	}
	return s.ask(kept, true)
}

// upcoming is the question askRound(kept, round) would ask, if any.
func (s *search) upcoming(kept []int, round int) (Question, bool) {
	k := key(kept, s.n)
	rec := s.memo[k]
	// kept is not copied: the callers hand over sets they never change.
	if round == 0 {
		return Question{Kept: kept}, rec == nil
	}
	if rec == nil || rec.settled() != Gone || s.known[k] || len(rec.answers) > round {
		return Question{}, false
	}
	return Question{Kept: kept, Attempt: len(rec.answers)}, true
}

// announce tells a scheduler which questions the coming asks of round
// will be; it replaces the previous announcement.
func (s *search) announce(sets [][]int, round int) {
	s.announced = s.announced[:0]
	for _, kept := range sets {
		if q, ok := s.upcoming(kept, round); ok {
			s.announced = append(s.announced, q)
		}
	}
}

func (s *search) bits(kept []int) []uint64 {
	b := make([]uint64, (s.n+63)/64)
	for _, i := range kept {
		b[i/64] |= 1 << (i % 64)
	}
	return b
}

// bitset caches the record's kept set as bits.
func (r *record) bitset(s *search) []uint64 {
	if r.set == nil {
		r.set = s.bits(r.kept)
	}
	return r.set
}

func subset(a, b []uint64) bool {
	for w, x := range a {
		if x&^b[w] != 0 {
			return false
		}
	}
	return true
}

// falseGone counts Gone answers contradicted by a Reproduces of the same
// or a smaller subset: under a monotone failure those were flakes.
func (s *search) falseGone() int {
	var repro [][]uint64
	for _, r := range s.log {
		if r.settled() == Reproduces {
			repro = append(repro, r.bitset(s))
		}
	}
	count := 0
	for _, r := range s.log {
		gones := 0
		for _, a := range r.answers {
			if a == Gone {
				gones++
			}
		}
		if gones == 0 {
			continue
		}
		if r.settled() == Reproduces {
			count += gones
			continue
		}
		for _, b := range repro {
			if subset(b, r.bitset(s)) {
				count += gones
				break
			}
		}
	}
	return count
}
