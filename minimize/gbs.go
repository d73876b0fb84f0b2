package minimize

import (
	"cmp"
	"math"
	"slices"
	"sort"
)

// Tuning of generalized binary splitting; the benchmark (cmd/kcmin-bench)
// is where they were chosen.
const (
	// maxCulprits bounds the number of culprits the estimate considers.
	maxCulprits = 40
	// priorTrust is the share of the caller's weights in the prior; the
	// rest is uniform, so a wrong prior costs at most log2(1/(1-priorTrust))
	// tests per culprit.
	priorTrust = 0.5
	// The prior on the number k of culprits is proportional to 1/k up to
	// countPriorKnee and falls by countPriorTail per culprit beyond: a
	// failure usually needs few options. Against knowing k, it costs about
	// log2(1/P(k)) tests: 1.5 for one culprit, 3.5 for four, 4.5 for eight.
	countPriorKnee = 8
	countPriorTail = 0.5
	// Candidates whose Cost is costlyShare or more are reverted after the
	// cheap ones whose weights are within a factor of costBand.
	costlyShare = 0.5
	costBand    = 2.0
)

// model is the search's belief: a prior weight per candidate and a
// posterior on how many culprits remain among the undecided.
type model struct {
	s      *search
	w      []float64 // prior weight, sums to 1 over all candidates
	pref   []int     // candidates by prior weight, least likely first
	logPri []float64 // log prior of k culprits, k = 0..maxCulprits

	// Neighbours of found culprits are boosted: each is a culprit with a
	// probability learnt from the boosted ones decided so far, apart from
	// the count model, and pools take them last.
	boosted []bool
	probed  []bool // culprits whose neighbours were boosted
}

func newModel(s *search) *model {
	n := s.n
	m := &model{s: s, w: make([]float64, n), boosted: make([]bool, n), probed: make([]bool, n)}
	total := 0.0
	for _, x := range s.p.Weight {
		total += x
	}
	for i := range n {
		m.w[i] = 1 / float64(n)
		if total > 0 {
			m.w[i] = priorTrust*s.p.Weight[i]/total + (1-priorTrust)/float64(n)
		}
	}
	// Least likely first; among equals the latest in work order, so that
	// with a uniform prior a pool is a suffix and culprits that sit
	// together in the menus tend to share a pool. Costly candidates go
	// after the cheap ones of about the same weight (within a factor of
	// costBand): pools revert them last, so tests keep them as long as
	// they can.
	m.pref = slices.Clone(s.order)
	slices.Reverse(m.pref)
	costly := func(i int) bool { return s.p.Cost != nil && s.p.Cost[i] >= costlyShare }
	band := func(i int) float64 { return math.Floor(math.Log(m.w[i]) / math.Log(costBand)) }
	slices.SortStableFunc(m.pref, func(a, b int) int {
		if c := cmp.Compare(band(a), band(b)); c != 0 {
			return c
		}
		if ca, cb := costly(a), costly(b); ca != cb {
			if ca {
				return 1
			}
			return -1
		}
		return cmp.Compare(m.w[a], m.w[b])
	})
	m.logPri = make([]float64, maxCulprits+1)
	m.logPri[0] = math.Inf(-1)
	for k := 1; k <= maxCulprits; k++ {
		m.logPri[k] = -math.Log(float64(min(k, countPriorKnee))) + float64(max(0, k-countPriorKnee))*math.Log(countPriorTail)
	}
	return m
}

func lchoose(n, k int) float64 {
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return a - b - c
}

// belief is the posterior on the culprits left among the undecided u
// candidates of prior mass mass.
type belief struct {
	u    int
	mass float64
	p    []float64 // p[d]: probability that d culprits remain
	// nbMass is the mass of the undecided that are not boosted, q the
	// chance that a boosted one is a culprit.
	nbMass, q float64
}

// Beta prior on the chance that a neighbour of a culprit is one too.
// Its mean, 2.4%, costs about half a test when culprits sit apart and
// saves a quarter of the tests when they come in pairs (the benchmark).
const neighbourHit, neighbourMiss = 0.3, 12

// boost marks the undecided neighbours of culprits not yet probed.
func (m *model) boost() {
	s := m.s
	if s.p.Neighbours == nil {
		return
	}
	for c := range s.n {
		if s.state[c] != culprit || m.probed[c] {
			continue
		}
		m.probed[c] = true
		for _, j := range s.p.Neighbours[c] {
			if s.state[j] == undecided {
				m.boosted[j] = true
			}
		}
	}
}

// posterior: with f culprits found, e candidates eliminated and u left,
// k culprits in all explain the answers with likelihood
// C(u, k-f) / C(n, k) (a uniform placement), corrected by how much prior
// mass the undecided hold against their count.
func (m *model) posterior() belief {
	s := m.s
	b := belief{}
	hits, misses := 0, 0
	for i := range s.n {
		switch {
		case s.state[i] == undecided:
			b.u++
			b.mass += m.w[i]
			if !m.boosted[i] {
				b.nbMass += m.w[i]
			}
		case !m.boosted[i]:
		case s.state[i] == culprit:
			hits++
		default:
			misses++
		}
	}
	b.q = (float64(hits) + neighbourHit) / (float64(hits+misses) + neighbourHit + neighbourMiss)
	f := s.found
	dmax := min(maxCulprits-f, b.u)
	if dmax < 0 {
		dmax = 0
	}
	b.p = make([]float64, dmax+1)
	corr := 0.0
	if b.u > 0 {
		corr = math.Log(b.mass / (float64(b.u) / float64(s.n)))
	}
	logs := make([]float64, dmax+1)
	top := math.Inf(-1)
	for d := 0; d <= dmax; d++ {
		k := f + d
		logs[d] = m.logPri[min(k, maxCulprits)] + lchoose(b.u, d) - lchoose(s.n, k) + float64(d)*corr
		if k == 0 {
			logs[d] = math.Inf(-1)
		}
		top = max(top, logs[d])
	}
	sum := 0.0
	for d := range logs {
		b.p[d] = math.Exp(logs[d] - top)
		sum += b.p[d]
	}
	for d := range b.p {
		b.p[d] /= sum
	}
	return b
}

// clean is the probability that a pool holds no culprit when it holds
// mass of the prior mass of the undecided that are not boosted and nb
// boosted ones: uniform placement without replacement over the u
// undecided, the mass standing for the pool's share, and an independent
// chance for each boosted one.
func (b belief) clean(mass float64, nb int) float64 {
	boosted := math.Pow(1-b.q, float64(nb))
	if b.nbMass <= 0 {
		return boosted
	}
	x := mass / b.nbMass
	total := 0.0
	prod := 1.0
	u := float64(b.u)
	for d, pd := range b.p {
		if d > 0 {
			t := float64(d - 1)
			prod *= max(0, 1-x*u/(u-t))
		}
		total += pd * prod
	}
	return total * boosted
}

// expected is the mean number of culprits left.
func (b belief) expected() float64 {
	e := 0.0
	for d, pd := range b.p {
		e += float64(d) * pd
	}
	return e
}

// gbs is generalized binary splitting with the number of culprits unknown:
// revert a pool that is clean with probability about one half under the
// posterior; a clean pool is eliminated, a pool that holds a culprit is
// split (each half again about even odds) down to one culprit. The search
// ends only when everything undecided has been reverted and the failure
// stayed: the estimate never stops it.
func (s *search) gbs() error {
	m := newModel(s)
	s.estimate = m.testsLeft
	lastAlive := -1
	for {
		if err := s.ctx.Err(); err != nil {
			return err
		}
		pool := m.choosePool()
		if len(pool) == 0 {
			if s.retryDeferred(&lastAlive) {
				continue
			}
			return nil
		}
		if err := s.resolvePool(pool, m); err != nil {
			return err
		}
	}
}

// testsLeft estimates the tests the search proper still needs: the
// information left in the culprits among the undecided, a test per
// culprit and the last revert.
func (m *model) testsLeft() int {
	b := m.posterior()
	d := b.expected()
	if b.u == 0 {
		return 0
	}
	left := 1.0
	if d > 0 {
		left += lchoose(b.u, int(math.Ceil(d)))/math.Ln2 + d
	}
	return int(math.Ceil(left))
}

// tally is what a set of candidates weighs in belief.clean.
type tally struct {
	mass float64
	nb   int
}

func (t tally) add(u tally) tally { return tally{t.mass + u.mass, t.nb + u.nb} }

func (m *model) tally(i int) tally {
	if m.boosted[i] {
		return tally{nb: 1}
	}
	return tally{mass: m.w[i]}
}

func (b belief) cleanOf(t tally) float64 { return b.clean(t.mass, t.nb) }

// choosePool returns the pool to revert next: least likely candidates
// first and boosted neighbours last, each with its undecided descendants
// before it (so every prefix is closed), cut where the chance that it is
// clean is closest to one half.
func (m *model) choosePool() []int {
	s := m.s
	m.boost()
	placed := make([]bool, s.n)
	var list []int
	var sums []tally
	add := func(i int) {
		placed[i] = true
		list = append(list, i)
		prev := tally{}
		if len(sums) > 0 {
			prev = sums[len(sums)-1]
		}
		sums = append(sums, prev.add(m.tally(i)))
	}
	for _, boosted := range []bool{false, true} {
		for _, i := range m.pref {
			if placed[i] || s.state[i] != undecided || s.deferred[i] || m.boosted[i] != boosted {
				continue
			}
			for j := len(s.desc[i]) - 1; j >= 0; j-- {
				d := s.desc[i][j]
				if !placed[d] && s.state[d] == undecided && !s.deferred[d] {
					add(d)
				}
			}
			add(i)
		}
	}
	if len(list) == 0 {
		return nil
	}
	b := m.posterior()
	// clean falls as the pool grows: find the first prefix at or below
	// one half, then take it or the one before, whichever is nearer.
	at := sort.Search(len(sums), func(j int) bool { return b.cleanOf(sums[j]) <= 0.5 })
	cut := min(at+1, len(list))
	if at > 0 && at < len(list) && math.Abs(b.cleanOf(sums[at-1])-0.5) < math.Abs(b.cleanOf(sums[at])-0.5) {
		cut = at
	}
	return list[:cut]
}

// clean is the chance that pool holds no culprit.
func (m *model) clean(pool []int) float64 {
	t := tally{}
	for _, i := range pool {
		t = t.add(m.tally(i))
	}
	return m.posterior().cleanOf(t)
}

// splits orders the split points of p (a pool known to hold a culprit, in
// work order): the suffix whose chance to hold a culprit, given that p
// holds one, is nearest one half comes first.
func (m *model) splits(p []int) []int {
	b := m.posterior()
	suffix := make([]tally, len(p)+1)
	for j := len(p) - 1; j >= 0; j-- {
		suffix[j] = suffix[j+1].add(m.tally(p[j]))
	}
	// P(suffix holds one | p holds one) = (1-clean(suffix)) / (1-clean(p)),
	// so even odds need clean(suffix) = (1+clean(p))/2; clean(suffix[j])
	// rises with j.
	target := (1 + b.cleanOf(suffix[0])) / 2
	at := 1 + sort.Search(len(p)-1, func(j int) bool { return b.cleanOf(suffix[j+1]) >= target })
	best, bestDist := 1, math.Inf(1)
	for _, j := range []int{at - 1, at} {
		if j >= 1 && j < len(p) {
			if d := math.Abs(b.cleanOf(suffix[j]) - target); d < bestDist {
				best, bestDist = j, d
			}
		}
	}
	out := []int{best}
	for d := 1; len(out) < len(p)-1 && d < len(p); d++ {
		if best-d > 0 {
			out = append(out, best-d)
		}
		if best+d < len(p) {
			out = append(out, best+d)
		}
		if len(out) > maxSplitTries+2 {
			break
		}
	}
	return out
}
