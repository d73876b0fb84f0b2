package kconfig

import "fmt"

// finalize propagates every block's dependencies to the entries and
// properties inside it, collects selects and implies into the reverse
// dependencies of their targets, finds each choice member's choice, and
// flattens if blocks into their parents.
func (p *parser) finalize() {
	t := p.t
	p.finalizeMenu(t.Root, false)
	for _, s := range t.all {
		s.choice = choiceOf(s)
	}
	for _, s := range t.all {
		if !s.Defined() {
			continue
		}
		if s.Type == Unknown && !s.IsChoice() {
			p.warnAt(s.Pos(), "config symbol defined without type")
		}
		p.checkProps(s)
	}
}

func (p *parser) finalizeMenu(parent *Menu, insideChoice bool) {
	modules := p.t.Modules
	if parent.List != nil {
		for m := parent.List; m != nil; m = m.Next {
			m.Dep = and(parent.Dep, rewriteM(m.OwnDep, modules))
			for _, prop := range p.menuProps(m) {
				prop.Cond = and(m.Dep, rewriteM(and(prop.OwnCond, prop.visibility), modules))
				switch prop.Kind {
				case PropSelect:
					target := prop.Expr.Sym
					target.RevDep = or(target.RevDep, and(symExpr(m.Sym), prop.Cond))
					target.SelectedBy = append(target.SelectedBy, m.Sym)
				case PropImply:
					target := prop.Expr.Sym
					target.Implied = or(target.Implied, and(symExpr(m.Sym), prop.Cond))
					target.ImpliedBy = append(target.ImpliedBy, m.Sym)
				}
			}
		}
		isChoice := parent.Sym != nil && parent.Sym.IsChoice()
		for m := parent.List; m != nil; m = m.Next {
			p.finalizeMenu(m, isChoice)
		}
	} else if !insideChoice && parent.Sym != nil {
		parent.Sym.DirDep = or(parent.Sym.DirDep, parent.Dep)
	}
	// if blocks only add dependencies: their entries join the parent.
	for m := parent.List; m != nil; m = m.Next {
		if m.List == nil || (m.Prompt != nil && m.Prompt.Text != "") {
			continue
		}
		last := m.List
		for {
			last.Parent = parent
			if last.Next == nil {
				break
			}
			last = last.Next
		}
		last.Next = m.Next
		m.Next = m.List
		m.List = nil
	}
}

// menuProps returns the properties written at menu entry m.
func (p *parser) menuProps(m *Menu) []*Property {
	if m.Sym == nil {
		if m.Prompt != nil {
			return []*Property{m.Prompt}
		}
		return nil
	}
	var out []*Property
	for _, prop := range m.Sym.Props {
		if prop.Menu == m {
			out = append(out, prop)
		}
	}
	return out
}

// choiceOf finds the choice whose block holds s's prompt, as the
// kernel's sym_get_choice_menu does.
func choiceOf(s *Symbol) *Menu {
	var m *Menu
	for _, d := range s.Menus {
		if d.Prompt != nil {
			m = d
			break
		}
	}
	if m == nil {
		return nil
	}
	for m = m.Parent; m != nil && m.Sym == nil; m = m.Parent {
	}
	if m != nil && m.Sym.IsChoice() {
		return m
	}
	return nil
}

func (p *parser) checkProps(s *Symbol) {
	isNumber := func(v *Symbol) bool {
		return v.Type == Int || v.Type == Hex || (v.Type == Unknown && validValue(s.Type, v.Name))
	}
	for _, prop := range s.Props {
		switch prop.Kind {
		case PropDefault:
			if (s.Type == String || s.Type == Int || s.Type == Hex) && prop.Expr.Op != OpSymbol {
				p.warnAt(prop.Pos, fmt.Sprintf("default for config symbol '%s' must be a single symbol", s))
			}
			if prop.Expr.Op != OpSymbol {
				break
			}
			d := prop.Expr.Sym
			if (s.Type == Int || s.Type == Hex) && !isNumber(d) {
				p.warnAt(prop.Pos, fmt.Sprintf("'%s': number is invalid", s))
			}
			if s.IsChoice() && (d.choice == nil || d.choice.Sym != s) {
				p.warnAt(prop.Pos, fmt.Sprintf("choice default symbol '%s' is not contained in the choice", d))
			}
		case PropSelect, PropImply:
			d := prop.Expr.Sym
			if s.Type != Bool && s.Type != Tristate {
				p.warnAt(prop.Pos, fmt.Sprintf("config symbol '%s' uses %s, but is not bool or tristate", s, prop.Kind))
			} else if d.Type != Unknown && d.Type != Bool && d.Type != Tristate {
				p.warnAt(prop.Pos, fmt.Sprintf("'%s' has wrong type. '%s' only accept arguments of bool and tristate type", d, prop.Kind))
			}
		case PropRange:
			if s.Type != Int && s.Type != Hex {
				p.warnAt(prop.Pos, "range is only allowed for int or hex symbols")
			}
			if !isNumber(prop.Expr.Sym) || !isNumber(prop.Expr.Sym2) {
				p.warnAt(prop.Pos, "range is invalid")
			}
		}
	}
}
