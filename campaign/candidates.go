package campaign

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/kcmin/kcmin/kconfig"
	"github.com/kcmin/kcmin/minimize"
)

// Option is one symbol whose value differs between the base and the bad
// config. Values are literals as in .config; "n" stands for an unset
// bool or tristate, whether written as "is not set" or absent.
type Option struct {
	Name      string `json:"name"`
	Base      string `json:"base"`
	Bad       string `json:"bad"`
	DefinedIn string `json:"defined_in,omitempty"`
	Menu      int    `json:"menu"`
}

// Line is the option as a fragment sets it to its bad value.
func (o Option) Line() string {
	e := entryOf(o.Name, o.Bad)
	return e.Line()
}

// Candidate is what the search includes or leaves out as one: a symbol,
// or symbols that cannot change apart (the members of a choice, symbols
// that depend on each other both ways).
type Candidate struct {
	Options []Option `json:"options"`
	// Deps are the candidates this one needs, directly or through
	// symbols that are not candidates, transitively: indices, sorted.
	Deps []int `json:"deps,omitempty"`
	// Prior is how likely the candidate is to matter, relative to the
	// others; 0 when the campaign uses no priors.
	Prior float64 `json:"prior,omitempty"`
}

// Name names a candidate in the journal: its symbols joined by "+".
func (c Candidate) Name() string {
	names := make([]string, len(c.Options))
	for i, o := range c.Options {
		names[i] = o.Name
	}
	return strings.Join(names, "+")
}

// Candidates are a campaign's candidates, in menu order, and what did not
// make the list.
type Candidates struct {
	List []Candidate `json:"candidates"`
	// Followers are differences no fragment can set (no prompt, or a
	// non-bool that the bad config drops): they follow from the others.
	Followers []string `json:"followers,omitempty"`
}

// FindCandidates lists the symbols whose values differ between the
// resolved base and the resolved bad config and that a fragment can set,
// in menu order; symbols that must change together become one candidate,
// and each candidate carries the candidates it depends on.
func FindCandidates(know Knowledge, base, bad *kconfig.Config) Candidates {
	var (
		out  Candidates
		opts []Option
	)
	for _, ch := range kconfig.Diff(base, bad) {
		old, nu := unsetAsN(ch.Old), unsetAsN(ch.New)
		if old == nu {
			// Absent and "is not set" are both n.
			continue
		}
		o := Option{Name: ch.Name, Base: old, Bad: nu}
		if (ch.New == "" && !isTri(old)) || !know.Settable(bad, ch.Name) {
			out.Followers = append(out.Followers, ch.Name)
			continue
		}
		o.DefinedIn, o.Menu = know.DefinedIn(ch.Name), know.MenuIndex(ch.Name)
		opts = append(opts, o)
	}
	sort.SliceStable(opts, func(i, j int) bool { return menuLess(opts[i], opts[j]) })
	index := make(map[string]int, len(opts))
	for i, o := range opts {
		index[o.Name] = i
	}
	needs := make([][]int, len(opts))
	for i, o := range opts {
		needs[i] = needed(know, base, bad, o, index)
	}
	stick(know, base, bad, opts, index, needs)
	comp := components(len(opts), needs)
	// One candidate per strongly connected component, in the menu order
	// of its first option.
	byComp := map[int]int{}
	for i, o := range opts {
		c, ok := byComp[comp[i]]
		if !ok {
			c = len(out.List)
			byComp[comp[i]] = c
			out.List = append(out.List, Candidate{})
		}
		out.List[c].Options = append(out.List[c].Options, o)
	}
	direct := make([]map[int]bool, len(out.List))
	for i := range opts {
		ci := byComp[comp[i]]
		for _, j := range needs[i] {
			if cj := byComp[comp[j]]; cj != ci {
				if direct[ci] == nil {
					direct[ci] = map[int]bool{}
				}
				direct[ci][cj] = true
			}
		}
	}
	for c := range out.List {
		seen := map[int]bool{}
		stack := sortedInts(direct[c])
		for len(stack) > 0 {
			d := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[d] {
				continue
			}
			seen[d] = true
			stack = append(stack, sortedInts(direct[d])...)
		}
		out.List[c].Deps = sortedInts(seen)
	}
	sort.Strings(out.Followers)
	return out
}

// needed lists the options that o needs to take its bad value on top of
// the base, as Knowledge.Needs tells, followed through the symbols that
// are not options: what its unmet dependencies need, what turns off the
// selects that would hold it above its bad value, and for a symbol no
// fragment sets, what gives it its value. A dependency the base already
// meets needs nothing: a candidate that carried it would pad every result
// it is in.
func needed(know Knowledge, base, bad *kconfig.Config, o Option, index map[string]int) []int {
	var out []int
	seen := map[string]bool{o.Name: true}
	queue := know.Needs(base, bad, o.Name, o.Bad, true)
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		if seen[d.Name] {
			continue
		}
		seen[d.Name] = true
		if j, ok := index[d.Name]; ok {
			out = append(out, j)
			continue
		}
		// No fragment sets what is not an option.
		queue = append(queue, know.Needs(base, bad, d.Name, d.Want, false)...)
	}
	sort.Ints(out)
	return slices.Compact(out)
}

// stickRounds bounds how often stick asks again about one option.
const stickRounds = 3

// stick checks that every option, with all it needs, sticks on top of
// the base, and where it does not, asks again on the config that came
// out. Evaluated on the base, a dependency can look met only because
// another need is still off there: VIDEO_DEV needs !MEDIA_SUPPORT_FILTER,
// n in the base, whose default turns y once MEDIA_SUPPORT, which VIDEO_DEV
// needs too, is on; what turns it off (EXPERT, in the bad config) shows
// only on that config. The resolutions run in parallel (milliseconds
// each, thousands of options on a distribution config); what each
// option gains depends on its own resolution alone, so the result does
// not depend on their order.
func stick(know Knowledge, base, bad *kconfig.Config, opts []Option, index map[string]int, needs [][]int) {
	type verdict struct {
		resolved *kconfig.Config
		failed   []string
	}
	pending := make([]int, len(opts))
	for i := range pending {
		pending[i] = i
	}
	initial := make([][]int, len(needs))
	copy(initial, needs)
	for round := 0; round < stickRounds && len(pending) > 0; round++ {
		verdicts := make([]verdict, len(pending))
		var wg sync.WaitGroup
		next := make(chan int)
		for range max(1, runtime.GOMAXPROCS(0)) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := range next {
					i := pending[k]
					var with []Option
					for _, j := range reach(initial, needs[i], i) {
						with = append(with, opts[j])
					}
					res, err := resolveSafely(know, apply(base, with))
					if err != nil {
						continue
					}
					if names, _ := notStuck(nil, res, with); len(names) > 0 {
						verdicts[k] = verdict{res, names}
					}
				}
			}()
		}
		for k := range pending {
			next <- k
		}
		close(next)
		wg.Wait()
		var again []int
		for k, v := range verdicts {
			i := pending[k]
			grew := false
			for _, name := range v.failed {
				for _, j := range needed(know, v.resolved, bad, opts[index[name]], index) {
					if j != i && !slices.Contains(needs[i], j) {
						needs[i] = append(needs[i], j)
						grew = true
					}
				}
			}
			if grew {
				sort.Ints(needs[i])
				again = append(again, i)
			}
		}
		pending = again
	}
}

// reach lists i and what it needs, transitively: its own edges are own,
// the others' are in needs.
func reach(needs [][]int, own []int, i int) []int {
	seen := map[int]bool{i: true}
	out := []int{i}
	stack := slices.Clone(own)
	for len(stack) > 0 {
		j := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[j] {
			continue
		}
		seen[j] = true
		out = append(out, j)
		stack = append(stack, needs[j]...)
	}
	sort.Ints(out)
	return out
}

// resolveSafely resolves in-process; a resolver that fails, even by
// panicking, only costs the check.
func resolveSafely(know Knowledge, c *kconfig.Config) (res *kconfig.Config, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("kconfig resolver: %v", p)
		}
	}()
	return know.Resolve(c)
}

// triRank orders n < m < y; other values rank -1.
func triRank(lit string) int {
	switch lit {
	case "n":
		return 0
	case "m":
		return 1
	case "y":
		return 2
	}
	return -1
}

func menuLess(a, b Option) bool {
	// Symbols the tree does not place go last, by name.
	ai, bi := a.Menu, b.Menu
	if ai < 0 {
		ai = int(^uint(0) >> 1)
	}
	if bi < 0 {
		bi = int(^uint(0) >> 1)
	}
	if ai != bi {
		return ai < bi
	}
	return a.Name < b.Name
}

func sortedInts(m map[int]bool) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

// components numbers the strongly connected components of a graph
// (Tarjan's algorithm); nodes on a cycle share a number.
func components(n int, edges [][]int) []int {
	index := make([]int, n)
	low := make([]int, n)
	onStack := make([]bool, n)
	comp := make([]int, n)
	for i := range index {
		index[i] = -1
	}
	var stack []int
	next, ncomp := 0, 0
	var visit func(v int)
	visit = func(v int) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, v)
		onStack[v] = true
		for _, w := range edges[v] {
			if index[w] < 0 {
				visit(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] == index[v] {
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				comp[w] = ncomp
				if w == v {
					break
				}
			}
			ncomp++
		}
	}
	for v := range n {
		if index[v] < 0 {
			visit(v)
		}
	}
	return comp
}

// Problem is the search's view of the candidates.
func (cs Candidates) Problem() minimize.Problem {
	p := minimize.Problem{N: len(cs.List), Deps: make([][]int, len(cs.List)), Neighbours: make([][]int, len(cs.List))}
	dependents := make([][]int, len(cs.List))
	for i, c := range cs.List {
		if c.Prior > 0 {
			if p.Weight == nil {
				p.Weight = make([]float64, len(cs.List))
				for j := range p.Weight {
					p.Weight[j] = 1
				}
			}
			p.Weight[i] = c.Prior
		}
		p.Deps[i] = slices.Clone(c.Deps)
		for _, d := range c.Deps {
			dependents[d] = append(dependents[d], i)
		}
	}
	// A culprit's neighbours: what depends on it, what it depends on, and
	// the candidates beside it in the menus.
	for i := range cs.List {
		set := map[int]bool{}
		for _, j := range dependents[i] {
			set[j] = true
		}
		for _, j := range cs.List[i].Deps {
			set[j] = true
		}
		for _, j := range []int{i - 1, i + 1} {
			if j >= 0 && j < len(cs.List) {
				set[j] = true
			}
		}
		delete(set, i)
		p.Neighbours[i] = sortedInts(set)
	}
	return p
}

// Names lists the candidates of kept by name, for the journal.
func (cs Candidates) Names(kept []int) []string {
	names := make([]string, len(kept))
	for i, k := range kept {
		names[i] = cs.List[k].Name()
	}
	return names
}

// Options lists the options of the candidates of kept, in candidate
// order.
func (cs Candidates) Options(kept []int) []Option {
	var out []Option
	for _, k := range kept {
		out = append(out, cs.List[k].Options...)
	}
	return out
}

// apply returns base with the options set to their bad values.
func apply(base *kconfig.Config, opts []Option) *kconfig.Config {
	c := base.Clone()
	for _, o := range opts {
		c.Set(entryOf(o.Name, o.Bad))
	}
	return c
}

// entryOf makes a config entry from a literal.
func entryOf(name, lit string) kconfig.Entry {
	if len(lit) >= 2 && lit[0] == '"' {
		e, ok, err := kconfig.ParseConfigLine(kconfig.ConfigPrefix + name + "=" + lit)
		if ok && err == nil {
			return e
		}
	}
	return kconfig.Entry{Name: name, Value: lit}
}

// unsetAsN reads a literal from a Change: absent is n.
func unsetAsN(lit string) string {
	if lit == "" {
		return "n"
	}
	return lit
}

func isTri(lit string) bool { return lit == "y" || lit == "m" || lit == "n" }

// literal is a symbol's value in a config, "n" when it has none.
func literal(c *kconfig.Config, name string) string {
	e, ok := c.Get(name)
	if !ok {
		return "n"
	}
	return e.Literal()
}

// Hash is the key of a resolved config: the digest of its assignments
// other than n, sorted. Comments, order and unset symbols do not count,
// so two configs that build the same kernel have the same hash.
func Hash(c *kconfig.Config) string {
	var lines []string
	for _, e := range c.Entries() {
		if !e.Quoted && e.Value == "n" {
			continue
		}
		lines = append(lines, e.Name+"="+e.Literal())
	}
	sort.Strings(lines)
	h := sha256.New()
	for _, l := range lines {
		fmt.Fprintln(h, l)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// notStuck lists the options whose requested value the resolved config
// does not have, and for each Knowledge's explanation.
func notStuck(know Knowledge, resolved *kconfig.Config, opts []Option) (names, why []string) {
	for _, o := range opts {
		got := literal(resolved, o.Name)
		if got == o.Bad {
			continue
		}
		msg := ""
		if know != nil {
			msg = know.Explain(resolved, o.Name, o.Bad)
		}
		if msg == "" {
			msg = fmt.Sprintf("%s=%s resolved to %s", o.Name, o.Bad, got)
		}
		names = append(names, o.Name)
		why = append(why, msg)
	}
	return names, why
}
