package minimize

import "slices"

// ddmin is Zeller and Hildebrandt's ddmin: split the current failing set
// into g parts, keep a part that fails alone, else a complement that fails,
// else split finer; stop when every single removal was tried. Subsets are
// closed over the dependencies (a part takes its ancestors, a complement
// loses the part's descendants). Unresolved counts as not failing, never as
// evidence of anything.
func (s *search) ddmin() error {
	c := slices.Clone(s.order)
	g := 2
	s.estimate = func() int { return 2 * len(c) }
	for len(c) >= 2 {
		parts := chunks(c, g)
		reduced := false
		for _, part := range parts {
			sub := s.closeUp(part, c)
			if len(sub) == len(c) {
				continue
			}
			o, err := s.ask(s.sorted(sub), false)
			if err != nil {
				return err
			}
			if o == Reproduces {
				c, g, reduced = sub, 2, true
				break
			}
		}
		if !reduced && g > 2 {
			for _, part := range parts {
				sub := s.minus(c, part)
				if len(sub) == 0 || len(sub) == len(c) {
					continue
				}
				o, err := s.ask(s.sorted(sub), false)
				if err != nil {
					return err
				}
				if o == Reproduces {
					c, g, reduced = sub, max(g-1, 2), true
					break
				}
			}
		}
		if !reduced {
			if g >= len(c) {
				break
			}
			g = min(2*g, len(c))
		}
	}
	keep := make([]bool, s.n)
	for _, i := range c {
		keep[i] = true
	}
	for i := range s.n {
		if !keep[i] {
			s.state[i] = eliminated
		}
	}
	return nil
}

// chunks splits c into g nearly equal consecutive parts.
func chunks(c []int, g int) [][]int {
	var out [][]int
	start := 0
	for i := range g {
		end := (i + 1) * len(c) / g
		if end > start {
			out = append(out, c[start:end])
		}
		start = end
	}
	return out
}

// closeUp is part plus its ancestors, in the work order of c.
func (s *search) closeUp(part, c []int) []int {
	if s.p.Deps == nil {
		return part
	}
	in := make([]bool, s.n)
	for _, i := range part {
		in[i] = true
		for _, a := range s.anc[i] {
			in[a] = true
		}
	}
	var out []int
	for _, i := range c {
		if in[i] {
			out = append(out, i)
		}
	}
	return out
}

// minus is c without part and without what needs part, in work order.
func (s *search) minus(c, part []int) []int {
	out := make([]bool, s.n)
	for _, i := range part {
		out[i] = true
		for _, d := range s.desc[i] {
			out[d] = true
		}
	}
	var r []int
	for _, i := range c {
		if !out[i] {
			r = append(r, i)
		}
	}
	return r
}

func (s *search) sorted(set []int) []int {
	out := slices.Clone(set)
	slices.Sort(out)
	return out
}
