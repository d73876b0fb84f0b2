package kconfig

import (
	"strings"
)

// Op is the operator of an expression node.
type Op uint8

const (
	OpSymbol       Op = iota // Sym
	OpNot                    // !L
	OpAnd                    // L && R
	OpOr                     // L || R
	OpEqual                  // Sym = Sym2
	OpUnequal                // Sym != Sym2
	OpLess                   // Sym < Sym2
	OpLessEqual              // Sym <= Sym2
	OpGreater                // Sym > Sym2
	OpGreaterEqual           // Sym >= Sym2
)

var opText = [...]string{"", "!", "&&", "||", "=", "!=", "<", "<=", ">", ">="}

// Expr is a Kconfig expression. Leaves and comparisons name symbols;
// constants are symbols too (y, m, n and quoted strings).
type Expr struct {
	Op   Op
	L, R *Expr
	Sym  *Symbol // OpSymbol, and the left side of a comparison
	Sym2 *Symbol // the right side of a comparison
}

func symExpr(s *Symbol) *Expr { return &Expr{Op: OpSymbol, Sym: s} }

// and joins two conditions; a nil condition is "y".
func and(a, b *Expr) *Expr {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	return &Expr{Op: OpAnd, L: a, R: b}
}

func or(a, b *Expr) *Expr {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	return &Expr{Op: OpOr, L: a, R: b}
}

// Symbols appends the non-constant symbols that e mentions, in order,
// each once.
func (e *Expr) Symbols(dst []*Symbol) []*Symbol {
	if e == nil {
		return dst
	}
	add := func(s *Symbol) {
		if s == nil || s.Const {
			return
		}
		for _, d := range dst {
			if d == s {
				return
			}
		}
		dst = append(dst, s)
	}
	switch e.Op {
	case OpSymbol:
		add(e.Sym)
	case OpNot:
		dst = e.L.Symbols(dst)
	case OpAnd, OpOr:
		dst = e.L.Symbols(dst)
		dst = e.R.Symbols(dst)
	default:
		add(e.Sym)
		add(e.Sym2)
	}
	return dst
}

// String prints e in Kconfig syntax with the parentheses it needs.
func (e *Expr) String() string {
	var b strings.Builder
	e.print(&b, 0)
	return b.String()
}

func (e *Expr) prec() int {
	switch e.Op {
	case OpOr:
		return 1
	case OpAnd:
		return 2
	case OpNot:
		return 4
	case OpSymbol:
		return 5
	}
	return 3
}

func (e *Expr) print(b *strings.Builder, outer int) {
	if e == nil {
		b.WriteString("y")
		return
	}
	p := e.prec()
	if p < outer {
		b.WriteByte('(')
		defer b.WriteByte(')')
	}
	switch e.Op {
	case OpSymbol:
		b.WriteString(e.Sym.quotedName())
	case OpNot:
		b.WriteByte('!')
		e.L.print(b, p)
	case OpAnd, OpOr:
		e.L.print(b, p)
		b.WriteString(" " + opText[e.Op] + " ")
		e.R.print(b, p+1)
	default:
		b.WriteString(e.Sym.quotedName())
		b.WriteString(opText[e.Op])
		b.WriteString(e.Sym2.quotedName())
	}
}

// rewriteM turns the constant m into "m && MODULES", so that m counts as
// n when modules are off, as the kernel's Kconfig does for conditions.
func rewriteM(e *Expr, modules *Symbol) *Expr {
	if e == nil {
		return nil
	}
	switch e.Op {
	case OpNot:
		return &Expr{Op: OpNot, L: rewriteM(e.L, modules)}
	case OpAnd, OpOr:
		return &Expr{Op: e.Op, L: rewriteM(e.L, modules), R: rewriteM(e.R, modules)}
	case OpSymbol:
		if e.Sym.tri == Mod && e.Sym.Const && e.Sym.Name == "m" {
			return and(e, symExpr(modules))
		}
	}
	return e
}
