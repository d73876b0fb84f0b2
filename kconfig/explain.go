package kconfig

import (
	"fmt"
	"sort"
	"strings"
)

// Settable reports whether a fragment can set the symbol: it is defined
// with a prompt. Promptless symbols follow from the others.
func (t *Tree) Settable(name string) bool {
	s := t.syms[name]
	return s != nil && s.Defined() && s.HasPrompt()
}

// DependsOn returns the symbols that name's own dependencies mention
// (its "depends on" and those of the menus, ifs and choice around it),
// in the order they appear.
func (t *Tree) DependsOn(name string) []string {
	s := t.syms[name]
	if s == nil {
		return nil
	}
	var deps []*Symbol
	deps = s.DirDep.Symbols(deps)
	if ch := s.choice; ch != nil {
		deps = ch.Dep.Symbols(deps)
	}
	for _, p := range s.Prompts() {
		deps = p.Cond.Symbols(deps)
	}
	var out []string
	for _, d := range deps {
		if d != s && d.Name != "" {
			out = append(out, d.Name)
		}
	}
	return out
}

// DefinedIn returns the file of the symbol's first definition, relative
// to the tree, or "".
func (t *Tree) DefinedIn(name string) string {
	if s := t.syms[name]; s != nil {
		return s.Pos().File
	}
	return ""
}

// MenuOrder returns every defined symbol's rank in menu order: the order
// of menuconfig and of .config files.
func (t *Tree) MenuOrder() map[string]int {
	order := map[string]int{}
	for m := t.Root.List; m != nil; m = m.next(t.Root) {
		if s := m.Sym; s != nil && s.Name != "" {
			if _, ok := order[s.Name]; !ok {
				order[s.Name] = len(order)
			}
		}
	}
	return order
}

// MenuPath returns the titles of the menus around the symbol's first
// definition, outermost first.
func (t *Tree) MenuPath(name string) []string {
	s := t.syms[name]
	if s == nil || len(s.Menus) == 0 {
		return nil
	}
	var path []string
	for m := s.Menus[0].Parent; m != nil && m != t.Root; m = m.Parent {
		if m.Prompt != nil && (m.Kind == MenuMenu || m.Kind == MenuMenuconfig || m.Kind == MenuChoice) {
			path = append(path, m.Prompt.Text)
		}
	}
	for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
		path[i], path[j] = path[j], path[i]
	}
	return path
}

// Explain says why a requested value did not stick in this evaluation,
// for example "KASAN_INLINE=y needs KASAN [=n]", or "" when the symbol
// has the value.
func (e *Eval) Explain(name, want string) string {
	s := e.t.syms[name]
	if s == nil || !s.Defined() {
		return fmt.Sprintf("%s is not defined by this kernel's Kconfig", name)
	}
	got := e.str(s)
	if got == want {
		return ""
	}
	req := name + "=" + want
	st := &e.st[s.id]
	switch s.Type {
	case Bool, Tristate:
		if !s.HasPrompt() {
			return fmt.Sprintf("%s has no prompt, a fragment cannot set it: it is %s%s", name, got, e.forcedBy(s))
		}
		if ch := s.choice; ch != nil {
			if st.visible == No {
				return fmt.Sprintf("%s needs %s", req, e.promptNeeds(s, Mod))
			}
			picked := ""
			for _, m := range ch.Members {
				if e.tri(m) == Yes {
					picked = m.Name
				}
			}
			if want == "n" && picked == name {
				return fmt.Sprintf("%s: the choice %q needs one member, and no other was picked", req, ch.Title())
			}
			return fmt.Sprintf("%s: the choice %q picked %s", req, ch.Title(), picked)
		}
		wantTri := triOf(want)
		if wantTri == Mod && s.Type == Bool {
			return fmt.Sprintf("%s: %s is a bool", req, name)
		}
		if wantTri == Mod && e.modules == No {
			return fmt.Sprintf("%s needs %s [=n]", req, e.t.Modules.Name)
		}
		if wantTri < st.revDep {
			return fmt.Sprintf("%s is overridden: it is %s%s", req, got, e.forcedBy(s))
		}
		if st.visible == No {
			return fmt.Sprintf("%s needs %s", req, e.promptNeeds(s, Mod))
		}
		if wantTri > st.visible {
			return fmt.Sprintf("%s needs %s (it can be at most %s)", req, e.promptNeeds(s, wantTri), st.visible)
		}
	default:
		if !s.HasPrompt() {
			return fmt.Sprintf("%s has no prompt, a fragment cannot set it: it is %s", name, got)
		}
		if st.visible == No {
			return fmt.Sprintf("%s needs %s", req, e.promptNeeds(s, Mod))
		}
		if !validValue(s.Type, want) {
			return fmt.Sprintf("%s: %q is not a valid %s", req, want, s.Type)
		}
		if p := e.rangeProp(s); p != nil {
			return fmt.Sprintf("%s is outside its range %s..%s: it became %s", req, e.str(p.Expr.Sym), e.str(p.Expr.Sym2), got)
		}
	}
	return fmt.Sprintf("%s did not stick: it is %s", req, got)
}

func triOf(v string) Tri {
	switch v {
	case "y":
		return Yes
	case "m":
		return Mod
	}
	return No
}

// promptNeeds names the unmet part of the condition of s's first prompt.
func (e *Eval) promptNeeds(s *Symbol, want Tri) string {
	var parts []string
	for _, p := range s.Prompts() {
		parts = append(parts, e.unmet(p.Cond, want))
	}
	return strings.Join(parts, " or ")
}

// unmet prints the conjuncts of x that are below want, each symbol with
// its value: "KASAN [=n]", "CC_IS_CLANG [=y] && KCOV [=n]".
func (e *Eval) unmet(x *Expr, want Tri) string {
	var conj []*Expr
	var split func(x *Expr)
	split = func(x *Expr) {
		if x != nil && x.Op == OpAnd {
			split(x.L)
			split(x.R)
			return
		}
		conj = append(conj, x)
	}
	split(x)
	var out []string
	seen := map[string]bool{}
	for _, c := range conj {
		if c == nil || e.expr(c) >= want {
			continue
		}
		s := e.annotate(c)
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return e.annotate(x)
	}
	return strings.Join(out, " && ")
}

// annotate prints an expression with each symbol's value.
func (e *Eval) annotate(x *Expr) string {
	if x == nil {
		return "y"
	}
	var b strings.Builder
	var walk func(x *Expr, outer int)
	walk = func(x *Expr, outer int) {
		p := x.prec()
		if p < outer {
			b.WriteByte('(')
			defer b.WriteByte(')')
		}
		sym := func(s *Symbol) {
			b.WriteString(s.quotedName())
			if !s.Const && s.Defined() {
				fmt.Fprintf(&b, " [=%s]", e.str(s))
			}
		}
		switch x.Op {
		case OpSymbol:
			sym(x.Sym)
		case OpNot:
			b.WriteByte('!')
			walk(x.L, p)
		case OpAnd, OpOr:
			walk(x.L, p)
			b.WriteString(" " + opText[x.Op] + " ")
			walk(x.R, p+1)
		default:
			sym(x.Sym)
			b.WriteString(opText[x.Op])
			sym(x.Sym2)
		}
	}
	walk(x, 0)
	return b.String()
}

// forcedBy lists the symbols whose select holds s up.
func (e *Eval) forcedBy(s *Symbol) string {
	var by []string
	for _, p := range e.selectsOf(s) {
		if v := e.expr(and(symExpr(p.Menu.Sym), p.Cond)); v != No {
			by = append(by, fmt.Sprintf("%s [=%s]", p.Menu.Sym.Name, e.str(p.Menu.Sym)))
		}
	}
	if len(by) == 0 {
		return ""
	}
	sort.Strings(by)
	return ", selected by " + strings.Join(by, ", ")
}

func (e *Eval) selectsOf(target *Symbol) []*Property {
	var out []*Property
	for _, s := range target.SelectedBy {
		for _, p := range s.Props {
			if p.Kind == PropSelect && p.Expr.Sym == target {
				out = append(out, p)
			}
		}
	}
	return out
}
