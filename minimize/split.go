package minimize

import (
	"math"
	"slices"
)

// maxSplitTries bounds the sub-pools tried when splits answer Unresolved
// before a pool is put aside.
const maxSplitTries = 3

// strategy is what an algorithm tells the shared splitting code.
type strategy interface {
	// splits orders the split points of a pool p (in work order) that
	// holds a culprit: j means "revert the suffix p[j:]", 0 < j < len(p).
	// The first is the preferred.
	splits(p []int) []int
	// clean is the prior chance that pool holds no culprit.
	clean(pool []int) float64
}

// resolvePool reverts pool, whose every prefix is closed under undecided
// descendants: a clean pool is eliminated, a pool that holds a culprit is
// searched for one, and a pool that cannot be judged is split.
func (s *search) resolvePool(pool []int, st strategy) error {
	for len(pool) > 0 {
		if s.hints {
			s.hint = st.clean(pool)
		}
		o, err := s.revert(pool)
		if err != nil {
			return err
		}
		switch o {
		case Reproduces:
			s.eliminate(pool)
			return nil
		case Gone:
			c := st.clean(pool)
			return s.findOne(s.inWorkOrder(s.closeDown(pool)), st, (1-c)/(c*s.flakeRate()))
		}
		if len(pool) == 1 {
			s.putAside(pool)
			return nil
		}
		// Unresolved is no evidence: judge the first half on its own;
		// the rest stays undecided and comes back in a later pool.
		pool = pool[:len(pool)/2]
	}
	return nil
}

func (s *search) inWorkOrder(pool []int) []int {
	p := slices.Clone(pool)
	slices.SortFunc(p, func(a, b int) int { return s.pos[a] - s.pos[b] })
	return p
}

// findOne narrows p (undecided, in work order, closed under undecided
// descendants), known to hold a culprit, down to one culprit. A clean part
// is eliminated; the other half of a part that holds a culprit goes back to
// the undecided candidates, knowing nothing about it.
//
// With a flaky test, "known" is a belief: odds is the odds that p holds a
// culprit rather than a flake having said so. Each clean half halves them;
// once a clean p has become likely enough to waste the bisection left, p
// is tested again as a whole, and eliminated if it reproduces.
func (s *search) findOne(p []int, st strategy, odds float64) error {
	f := s.flakeRate()
	for len(p) > 0 {
		if s.p.Flaky && retestWorth(odds, len(p)) {
			o, err := s.reask(p)
			if err != nil {
				return err
			}
			switch o {
			case Reproduces:
				s.eliminate(p)
				return nil
			case Gone:
				odds /= f
			}
		}
		if len(p) == 1 {
			break
		}
		narrowed := false
		tries := 0
		for _, sub := range s.subPools(p, st) {
			if o, ok := s.revertKnown(sub); ok && o == Unresolved {
				continue
			}
			if tries == maxSplitTries {
				break
			}
			tries++
			o, err := s.revert(sub)
			if err != nil {
				return err
			}
			if o == Unresolved {
				continue
			}
			// The split is chosen for even odds: half the time a culprit
			// in p is in sub.
			q := odds / (1 + odds)
			if o == Reproduces {
				s.eliminate(sub)
				p = slices.DeleteFunc(p, func(i int) bool { return s.state[i] == eliminated })
				odds /= 2
			} else {
				p = s.inWorkOrder(s.closeDown(sub))
				odds = q / 2 / ((1 - q/2) * f)
			}
			narrowed = true
			break
		}
		if !narrowed {
			// No split could be judged here; the pool is put aside and
			// tried again once other candidates are gone.
			s.putAside(p)
			return nil
		}
	}
	s.markCulprit(p[0])
	return nil
}

// retestWorth says whether testing a pool of size n again pays: it saves
// the rest of the bisection and a false culprit's verification when the
// pool is clean, which it is with probability 1/(1+odds). Half the break
// even odds did best in the benchmark: a retest also costs when it agrees.
func retestWorth(odds float64, n int) bool {
	return odds < (math.Log2(float64(n))+1)/2
}

// flakeRate is the chance of a false Gone the search plans for.
func (s *search) flakeRate() float64 {
	switch {
	case !s.p.Flaky:
		return 1e-9
	case s.p.FlakeRate > 0:
		return s.p.FlakeRate
	}
	return 0.1
}

// reask tests reverting pool, again if that very subset was asked before.
func (s *search) reask(pool []int) (Outcome, error) {
	kept := s.without(s.closeDown(pool))
	r := s.memo[key(kept, s.n)]
	return s.ask(kept, r != nil && r.settled() == Gone)
}

// subPools lists the parts of p to try reverting, best first: the suffix at
// each preferred split point, and after the first the prefix (with its
// descendants) at that point, which helps when the suffix is unresolved.
func (s *search) subPools(p []int, st strategy) [][]int {
	var out [][]int
	for n, j := range st.splits(p) {
		out = append(out, p[j:])
		if n == 0 {
			pre := s.closeDown(slices.Clone(p[:j]))
			if len(pre) < len(p) {
				out = append(out, pre)
			}
		}
		if len(out) > maxSplitTries+2 {
			break
		}
	}
	return out
}

// halving is the strategy of plain bisection: split by count, the middle
// first, then the points around it; no prior.
type halving struct{}

func (halving) clean([]int) float64 { return 0.5 }

func (halving) splits(p []int) []int {
	m := len(p)
	mid := (m + 1) / 2
	out := []int{mid}
	for d := 1; len(out) < m-1; d++ {
		if mid-d > 0 {
			out = append(out, mid-d)
		}
		if mid+d < m {
			out = append(out, mid+d)
		}
	}
	return out
}

// retryDeferred puts deferred candidates back when the kept set changed
// since they were put aside, and reports whether it did.
func (s *search) retryDeferred(lastAlive *int) bool {
	alive := 0
	any := false
	for i := range s.n {
		if s.state[i] != eliminated {
			alive++
		}
		if s.deferred[i] && s.state[i] == undecided {
			any = true
		}
	}
	if !any || alive == *lastAlive {
		return false
	}
	*lastAlive = alive
	for i := range s.n {
		s.deferred[i] = false
	}
	return true
}

// putAside defers candidates that no pool could judge, with their undecided
// ancestors: a pool never holds an ancestor of a deferred candidate, so
// reverting it never drags a deferred one along.
func (s *search) putAside(items []int) {
	for _, i := range items {
		s.deferred[i] = true
		for _, a := range s.anc[i] {
			if s.state[a] == undecided {
				s.deferred[a] = true
			}
		}
	}
}
