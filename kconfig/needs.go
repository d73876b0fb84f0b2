package kconfig

// Need is a symbol that must change for another to take a value: it must
// reach Want (a .config literal: "y", "m", or the value it has in the
// target config for a comparison or a negation).
type Need struct {
	Name string
	Want string
}

// Needs lists what keeps the symbol name from taking want in this
// evaluation, as far as its dependencies, prompts and selects go: the symbols of
// the unmet part of its prompt's condition (or, without a prompt, of its
// dependencies), each with the value it must reach. A condition this
// evaluation already meets needs nothing, however many symbols it names.
// Where an unmet "||" has a branch that target meets, only that branch is
// followed: target is the config the value is taken from, so its choice
// of branch is known to work. Selects are not looked at: what holds a
// symbol up is a question of other symbols' values, not of its
// dependencies.
func (e *Eval) Needs(name, want string, target *Eval, set bool) []Need {
	s := e.t.syms[name]
	if s == nil || s.Const || !s.Defined() {
		return nil
	}
	e.calc(s)
	level := Mod
	isTri := s.Type == Bool || s.Type == Tristate
	if isTri && triOf(want) == Yes && s.Type == Tristate {
		// A tristate's value is capped by its prompt's visibility; a
		// bool's prompt at m already shows it at y.
		level = Yes
	}
	w := needWalk{e: e, target: target, seen: map[string]bool{}}
	if isTri && triOf(want) < e.st[s.id].revDep {
		// Selected above want: every select that holds it up must go.
		w.down(s.RevDep, triOf(want))
	}
	if !set || !s.HasPrompt() || target.Visible(name) == No {
		// No fragment sets it: its value comes from its selects and
		// defaults, capped by its dependencies.
		w.source(s, want)
		if !isTri || triOf(want) > No {
			w.walk(s.DirDep, level)
		}
		return w.out
	}
	if e.st[s.id].visible >= level {
		return w.out
	}
	// The prompt shows when any of its definitions' conditions holds:
	// follow the first that target meets, or all of them.
	var conds []*Expr
	for _, p := range s.Prompts() {
		conds = append(conds, p.Cond)
	}
	for _, c := range conds {
		if target.expr(c) >= level {
			conds = []*Expr{c}
			break
		}
	}
	for _, c := range conds {
		w.walk(c, level)
	}
	if ch := s.choice; ch != nil {
		w.walk(ch.Dep, level)
	}
	return w.out
}

type needWalk struct {
	e, target *Eval
	seen      map[string]bool
	out       []Need
}

func (w *needWalk) add(s *Symbol, want string) {
	if s == nil || s.Const || s.Name == "" || w.seen[s.Name] {
		return
	}
	w.seen[s.Name] = true
	w.out = append(w.out, Need{Name: s.Name, Want: want})
}

// walk adds the symbols of x that must change for x to reach level.
func (w *needWalk) walk(x *Expr, level Tri) {
	if x == nil || w.e.expr(x) >= level {
		return
	}
	switch x.Op {
	case OpSymbol:
		w.add(x.Sym, level.String())
	case OpAnd:
		w.walk(x.L, level)
		w.walk(x.R, level)
	case OpOr:
		for _, b := range branches(x, func(b *Expr) bool { return w.target.expr(b) >= level }) {
			w.walk(b, level)
		}
	case OpNot:
		w.down(x.L, 2-level)
	default:
		w.asTarget(x)
	}
}

// down adds the symbols of x that must change for x to fall to level or
// below.
func (w *needWalk) down(x *Expr, level Tri) {
	if x == nil || w.e.expr(x) <= level {
		return
	}
	switch x.Op {
	case OpSymbol:
		w.add(x.Sym, w.target.str(x.Sym))
	case OpOr:
		w.down(x.L, level)
		w.down(x.R, level)
	case OpAnd:
		for _, b := range branches(x, func(b *Expr) bool { return w.target.expr(b) <= level }) {
			w.down(b, level)
		}
	case OpNot:
		w.walk(x.L, 2-level)
	default:
		w.asTarget(x)
	}
}

// source adds what gives a symbol that no fragment sets the value want:
// to raise it, the select or the default that gives target its value; to
// lower it, what turns off each default above want.
func (w *needWalk) source(s *Symbol, want string) {
	e, t := w.e, w.target
	t.calc(s)
	if s.Type != Bool && s.Type != Tristate {
		if e.str(s) == want {
			return
		}
		for _, d := range s.Defaults() {
			if t.expr(d.Cond) > No {
				w.walk(d.Cond, Mod)
				if d.Expr != nil && d.Expr.Op == OpSymbol {
					w.add(d.Expr.Sym, t.str(d.Expr.Sym))
				}
				return
			}
		}
		return
	}
	v := triOf(want)
	switch cur := e.tri(s); {
	case cur < v:
		if t.st[s.id].revDep >= v {
			w.walk(s.RevDep, v)
			return
		}
		for _, d := range s.Defaults() {
			if t.expr(d.Cond) > No {
				w.walk(and(d.Expr, d.Cond), v)
				return
			}
		}
	case cur > v:
		for _, d := range s.Defaults() {
			w.down(and(d.Expr, d.Cond), v)
		}
	}
}

// branches is the side of x (an "||" to raise, an "&&" to lower) that
// target shows to work, or both when neither does.
func branches(x *Expr, works func(*Expr) bool) []*Expr {
	switch {
	case works(x.L):
		return []*Expr{x.L}
	case works(x.R):
		return []*Expr{x.R}
	}
	return []*Expr{x.L, x.R}
}

// asTarget adds the symbols of a comparison: it holds, or not, when they
// have the values they have in target.
func (w *needWalk) asTarget(x *Expr) {
	for _, s := range x.Symbols(nil) {
		w.add(s, w.target.str(s))
	}
}
