package campaign

import (
	"reflect"
	"slices"
	"testing"
)

// checkProblem checks the search's view of cs against what minimize
// relies on: one entry per candidate, each Deps list the candidate's own,
// sorted, without repeats or itself, closed (a dependency's dependencies
// are there too) and acyclic, since a cycle became one candidate.
func checkProblem(t *testing.T, cs Candidates) {
	t.Helper()
	p := cs.Problem()
	n := len(cs.List)
	if p.N != n || len(p.Deps) != n || len(p.Neighbours) != n {
		t.Fatalf("problem has N %d, %d Deps, %d Neighbours for %d candidates", p.N, len(p.Deps), len(p.Neighbours), n)
	}
	for i, deps := range p.Deps {
		if !slices.Equal(deps, cs.List[i].Deps) {
			t.Errorf("candidate %d: problem deps %v, candidate deps %v", i, deps, cs.List[i].Deps)
		}
		for k, d := range deps {
			if d < 0 || d >= n || d == i {
				t.Errorf("candidate %d depends on %d", i, d)
				continue
			}
			if k > 0 && deps[k-1] >= d {
				t.Errorf("candidate %d: deps %v not sorted without repeats", i, deps)
			}
			for _, dd := range p.Deps[d] {
				if !slices.Contains(deps, dd) {
					t.Errorf("candidate %d needs %d, which needs %d, missing from %v", i, d, dd, deps)
				}
			}
		}
	}
	// Closed and without self-loops means acyclic: a cycle through i
	// would put i in its own closure. Still, walk it, so a broken
	// closure check above cannot hide a cycle.
	state := make([]int, n) // 0 unseen, 1 on the path, 2 done
	var visit func(i int) bool
	visit = func(i int) bool {
		state[i] = 1
		for _, d := range p.Deps[i] {
			if d < 0 || d >= n {
				continue
			}
			if state[d] == 1 || (state[d] == 0 && !visit(d)) {
				return false
			}
		}
		state[i] = 2
		return true
	}
	for i := range n {
		if state[i] == 0 && !visit(i) {
			t.Errorf("the dependencies have a cycle through candidate %d: %v", i, p.Deps)
			break
		}
	}
}

// TestProblem checks what the search is told beyond the dependencies:
// a culprit's neighbours (what it needs, what needs it, the candidates
// beside it in menu order) and the priors as weights.
func TestProblem(t *testing.T) {
	cand := func(name string, prior float64, deps ...int) Candidate {
		return Candidate{Options: []Option{{Name: name, Base: "n", Bad: "y"}}, Deps: deps, Prior: prior}
	}
	cs := Candidates{List: []Candidate{
		cand("A", 0),
		cand("B", 0, 0),
		cand("C", 0),
		cand("D", 0, 0, 1),
		cand("E", 0),
		cand("F", 0),
	}}
	checkProblem(t, cs)
	p := cs.Problem()
	want := [][]int{
		{1, 3},       // A: B and D need it; B is beside it
		{0, 2, 3},    // B: needs A, D needs it, beside A and C
		{1, 3},       // C: beside B and D
		{0, 1, 2, 4}, // D: needs A and B, beside C and E
		{3, 5},       // E: beside D and F
		{4},          // F: the last
	}
	if !reflect.DeepEqual(p.Neighbours, want) {
		t.Errorf("neighbours %v, want %v", p.Neighbours, want)
	}
	if p.Weight != nil {
		t.Errorf("weights %v without priors, want nil (uniform)", p.Weight)
	}

	cs.List[2].Prior, cs.List[4].Prior = 8, 0.25
	p = cs.Problem()
	if w := []float64{1, 1, 8, 1, 0.25, 1}; !reflect.DeepEqual(p.Weight, w) {
		t.Errorf("weights %v, want %v", p.Weight, w)
	}
	// The problem is a copy: the search may not change the candidates.
	p.Deps[3][0] = 5
	if cs.List[3].Deps[0] != 0 {
		t.Error("the problem's Deps share memory with the candidates")
	}
}
