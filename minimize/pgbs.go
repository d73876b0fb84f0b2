package minimize

import (
	"math"
	"slices"
	"sort"
)

// dirtyPool is a pool believed to hold a culprit: undecided candidates in
// work order, closed under their undecided descendants.
type dirtyPool struct {
	p     []int
	tries int // rounds in which none of its splits could be judged
}

// probe is one revert of a round.
type probe struct {
	pool  []int // reverted, with its undecided descendants
	owner int   // the dirty pool it splits, or -1 for a fresh pool
	j     int   // the split point: pool is owner's p[j:]
	hint  float64
	o     Outcome
}

// splitOffsets move the split points of a pool whose splits could not be
// judged, one offset per try, so that the next round asks other subsets.
var splitOffsets = [maxSplitTries]float64{0, -0.5, 0.5}

// pgbs is generalized binary splitting for width tests at once. It asks in
// rounds of up to width reverts that do not depend on each other's
// answers, so a scheduler runs a round at once: a split of every pool known
// to hold a culprit, and fresh pools of the undecided, disjoint, each
// reverted alone. A fresh pool that reproduces is eliminated, one that does
// not becomes a pool known to hold a culprit. Such a pool is split by
// nested suffixes (in work order, so each is closed): the largest suffix
// that reproduces is eliminated, and the culprit is in the segment above
// it, from the smallest suffix that did not; the prefix before that goes
// back to the undecided. With few pools to split, a pool gets several
// splits (an (s+1)-ary search), so that no worker idles.
//
// As in gbs, only a Reproduces eliminates (a flaky test never fakes one),
// Unresolved is no evidence, and the verification confirms every culprit.
func (s *search) pgbs() error {
	m := newModel(s)
	s.estimate = m.testsLeft
	var dirty []*dirtyPool
	var pending [][]int
	lastAlive := -1
	for {
		if err := s.ctx.Err(); err != nil {
			return err
		}
		dirty = slices.DeleteFunc(dirty, func(d *dirtyPool) bool {
			d.p = slices.DeleteFunc(d.p, func(i int) bool { return s.state[i] != undecided })
			if len(d.p) == 1 {
				s.markCulprit(d.p[0])
			}
			return len(d.p) <= 1
		})
		m.boost()
		probes := s.planRound(m, dirty, &pending)
		if len(probes) == 0 {
			if s.retryDeferred(&lastAlive) {
				continue
			}
			return nil
		}
		sets := make([][]int, len(probes))
		for n, pr := range probes {
			sets[n] = s.without(s.closeDown(pr.pool))
		}
		s.announce(sets, 0)
		for n := range probes {
			s.hint = probes[n].hint
			o, err := s.ask(sets[n], false)
			if err != nil {
				return err
			}
			probes[n].o = o
		}
		s.announced = nil
		dirty = s.absorb(probes, dirty, &pending)
	}
}

// planRound chooses the reverts of a round: a split of each pool known to
// hold a culprit, fresh pools for the workers left, and more splits of the
// largest pools if workers are left still.
func (s *search) planRound(m *model, dirty []*dirtyPool, pending *[][]int) []probe {
	b := m.posterior()
	nd := min(len(dirty), s.width)
	owned := make([]bool, s.n)
	for _, d := range dirty {
		for _, i := range d.p {
			owned[i] = true
		}
	}
	fresh := s.freshPools(m, b, owned, s.width-nd, pending)
	extra := s.width - nd - len(fresh)
	splits := make([]int, nd)
	for i := range splits {
		splits[i] = 1
	}
	for ; extra > 0; extra-- {
		best := -1
		part := func(i int) float64 { return float64(len(dirty[i].p)) / float64(splits[i]+1) }
		for i := range nd {
			if splits[i] < len(dirty[i].p)-1 && (best < 0 || part(i) > part(best)) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		splits[best]++
	}
	var probes []probe
	for i := range nd {
		probes = append(probes, s.splitProbes(m, b, dirty[i], i, splits[i])...)
	}
	return append(probes, fresh...)
}

// splitProbes places k nested suffixes of d.p so that a culprit of d.p is
// in each part between them at even odds.
func (s *search) splitProbes(m *model, b belief, d *dirtyPool, owner, k int) []probe {
	p := d.p
	suffix := make([]tally, len(p)+1)
	for j := len(p) - 1; j >= 0; j-- {
		suffix[j] = suffix[j+1].add(m.tally(p[j]))
	}
	dirtyAll := max(1e-12, 1-b.cleanOf(suffix[0]))
	// inside(j) is the chance that a culprit of p is in p[j:]; it falls
	// as j grows.
	inside := func(j int) float64 { return (1 - b.cleanOf(suffix[j])) / dirtyAll }
	var out []probe
	last := len(p)
	for i := 1; i <= k; i++ {
		frac := (float64(i) + splitOffsets[d.tries%maxSplitTries]) / float64(k+1)
		frac = min(max(frac, 0.5/float64(k+1)), 1-0.5/float64(k+1))
		j := 1 + sort.Search(len(p)-1, func(j int) bool { return inside(j+1) <= frac })
		j = min(max(j, 1), len(p)-1)
		if j >= last {
			j = last - 1
		}
		if j < 1 {
			break
		}
		last = j
		out = append(out, probe{pool: p[j:], owner: owner, j: j, hint: 1 - inside(j)})
	}
	// Ascending split points: the largest suffix first.
	slices.Reverse(out)
	return out
}

// freshPools cuts up to r disjoint pools, each closed under undecided
// descendants, out of the undecided that no dirty pool holds: the halves
// of pools that could not be judged first, then pools cut from the least
// likely candidates. When the culprits expected there are more than one
// and the pools at even odds would leave workers idle, all of them are
// cut into r pools of equal odds.
func (s *search) freshPools(m *model, b belief, owned []bool, r int, pending *[][]int) []probe {
	if r <= 0 {
		return nil
	}
	free := func(i int) bool {
		if s.state[i] != undecided || s.deferred[i] || owned[i] {
			return false
		}
		for _, d := range s.desc[i] {
			if owned[d] && s.state[d] == undecided {
				return false
			}
		}
		return true
	}
	var out []probe
	used := make([]bool, s.n)
	var keep [][]int
	for _, pool := range *pending {
		pool = slices.DeleteFunc(slices.Clone(pool), func(i int) bool { return !free(i) })
		if len(pool) == 0 {
			continue
		}
		if len(out) == r {
			keep = append(keep, pool)
			continue
		}
		for _, i := range pool {
			used[i] = true
		}
		out = append(out, probe{pool: pool, owner: -1, hint: b.cleanOf(m.tallyOf(pool))})
	}
	*pending = keep
	if len(out) == r {
		return out
	}
	r -= len(out)
	// The order of choosePool: least likely first, boosted neighbours
	// last, descendants before their ancestors (so every prefix is
	// closed).
	placed := make([]bool, s.n)
	var list []int
	for _, boosted := range []bool{false, true} {
		for _, i := range m.pref {
			if placed[i] || used[i] || !free(i) || m.boosted[i] != boosted {
				continue
			}
			for j := len(s.desc[i]) - 1; j >= 0; j-- {
				d := s.desc[i][j]
				if !placed[d] && !used[d] && free(d) {
					placed[d] = true
					list = append(list, d)
				}
			}
			placed[i] = true
			list = append(list, i)
		}
	}
	if len(list) == 0 {
		return out
	}
	at := make([]int, s.n)
	for n, i := range list {
		at[i] = n
	}
	// A cut before position e is valid when nothing from e on has a
	// descendant before e: the pools on both sides are closed.
	low := make([]int, len(list)+1)
	low[len(list)] = len(list)
	for n := len(list) - 1; n >= 0; n-- {
		lo := n
		for _, d := range s.desc[list[n]] {
			if s.state[d] == undecided && placed[d] {
				lo = min(lo, at[d])
			}
		}
		low[n] = min(lo, low[n+1])
	}
	valid := func(e int) int {
		for e < len(list) && low[e] < e {
			e++
		}
		return e
	}
	// cleanBetween is the chance that list[a:e] holds no culprit.
	pre := make([]tally, len(list)+1)
	for n, i := range list {
		pre[n+1] = pre[n].add(m.tally(i))
	}
	cleanBetween := func(a, e int) float64 {
		return b.cleanOf(tally{pre[e].mass - pre[a].mass, pre[e].nb - pre[a].nb})
	}
	var cuts []int
	// Cut at even odds, as gbs does, while workers are left.
	for a := 0; a < len(list) && len(cuts) < r; {
		e := a + 1
		for e < len(list) && cleanBetween(a, e+1) > 0.5 {
			e++
		}
		if e < len(list) && math.Abs(cleanBetween(a, e+1)-0.5) < math.Abs(cleanBetween(a, e)-0.5) {
			e++
		}
		e = valid(e)
		cuts = append(cuts, e)
		a = e
	}
	// The culprits expected among the list: its share of the prior mass
	// of the undecided.
	mass := 0.0
	for _, i := range list {
		mass += m.w[i]
	}
	expect := b.expected() * mass / max(1e-300, b.mass)
	if cuts[len(cuts)-1] == len(list) && len(cuts) < r && expect > 1 {
		// Everything fits in fewer pools than workers: cut it into r
		// pools of equal prior mass instead, smaller pools to split.
		cuts = cuts[:0]
		a, acc := 0, 0.0
		for i := 1; i <= r && a < len(list); i++ {
			e := a
			for e < len(list) && (e == a || acc+m.w[list[e]] <= mass*float64(i)/float64(r)) {
				acc += m.w[list[e]]
				e++
			}
			if v := valid(e); v > e {
				for _, j := range list[e:v] {
					acc += m.w[j]
				}
				e = v
			}
			if i == r {
				e = len(list)
			}
			cuts = append(cuts, e)
			a = e
		}
	}
	a := 0
	for _, e := range cuts {
		if e > a {
			pool := slices.Clone(list[a:e])
			out = append(out, probe{pool: pool, owner: -1, hint: cleanBetween(a, e)})
		}
		a = e
	}
	return out
}

func (m *model) tallyOf(pool []int) tally {
	t := tally{}
	for _, i := range pool {
		t = t.add(m.tally(i))
	}
	return t
}

// absorb applies the answers of a round.
func (s *search) absorb(probes []probe, dirty []*dirtyPool, pending *[][]int) []*dirtyPool {
	var fresh []*dirtyPool
	for _, pr := range probes {
		if pr.owner >= 0 {
			continue
		}
		switch pr.o {
		case Reproduces:
			s.eliminate(pr.pool)
		case Gone:
			fresh = append(fresh, &dirtyPool{p: s.inWorkOrder(s.closeDown(pr.pool))})
		default:
			if len(pr.pool) == 1 {
				s.putAside(pr.pool)
			} else {
				// No evidence: judge the first half alone next; the rest
				// goes back to the undecided.
				*pending = append(*pending, pr.pool[:len(pr.pool)/2])
			}
		}
	}
	for owner, d := range dirty {
		var mine []probe
		for _, pr := range probes {
			if pr.owner == owner {
				mine = append(mine, pr)
			}
		}
		if len(mine) == 0 {
			continue
		}
		a := slices.IndexFunc(mine, func(pr probe) bool { return pr.o == Reproduces })
		upto := len(mine)
		if a >= 0 {
			upto = a
		}
		g := -1
		for n := upto - 1; n >= 0; n-- {
			if mine[n].o == Gone {
				g = n
				break
			}
		}
		p := d.p
		if a >= 0 {
			s.eliminate(mine[a].pool)
		}
		switch {
		case g >= 0:
			d.p = slices.DeleteFunc(s.inWorkOrder(s.closeDown(p[mine[g].j:])), func(i int) bool { return s.state[i] != undecided })
			d.tries = 0
		case a >= 0:
			d.tries = 0
		default:
			if d.tries++; d.tries >= maxSplitTries {
				s.putAside(d.p)
				d.p = nil
			}
		}
	}
	return append(dirty, fresh...)
}
