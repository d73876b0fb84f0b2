package kconfig

import (
	"fmt"
	"strings"
)

// symbol flags during an evaluation
const (
	fValid   uint8 = 1 << iota // value computed
	fWrite                     // belongs in the written config
	fWritten                   // already written
	fUser                      // the input config sets it
)

type symState struct {
	flags   uint8
	tri     Tri    // value of a bool or tristate
	val     string // value of a string, int or hex
	visible Tri
	dirDep  Tri
	revDep  Tri
	implied Tri
	userTri Tri
	userVal string
}

// Eval is a tree evaluated against one input config: every symbol's
// value, visibility and dependencies, computed the way the kernel's
// conf does for `make olddefconfig`.
type Eval struct {
	t       *Tree
	st      []symState
	order   map[*Menu][]*Symbol // choice members by priority
	modules Tri
	// Warnings are what conf would print while reading the input:
	// unknown values, invalid values, unmet dependencies.
	Warnings []Warning
	unknown  []string
}

// Resolve returns the config that `make olddefconfig` writes for c: every
// symbol conf writes, in menu order.
func (t *Tree) Resolve(c *Config) (*Config, error) {
	return t.Evaluate(c).Config(), nil
}

// Evaluate computes every symbol's value for the input config c, as conf
// does after reading a .config.
func (t *Tree) Evaluate(c *Config) *Eval {
	e := t.newEval()
	e.read(c)
	e.calcAll()
	return e
}

// AllNo returns the config `make allnoconfig` writes, with allconfig
// (KCONFIG_ALLCONFIG, may be nil) read first; tinyconfig is AllNo of
// kernel/configs/tiny-base.config followed by a merge of tiny.config.
func (t *Tree) AllNo(allconfig *Config) *Eval {
	e := t.newEval()
	if allconfig != nil {
		e.read(allconfig)
	}
	for m := t.Root.List; m != nil; m = m.next(t.Root) {
		s := m.Sym
		if s == nil || m.Prompt == nil || s.IsChoice() || s.member {
			continue
		}
		st := &e.st[s.id]
		if st.flags&fUser != 0 || (s.Type != Bool && s.Type != Tristate) {
			continue
		}
		st.userTri = No
		st.flags |= fUser
	}
	e.calcAll()
	return e
}

func (t *Tree) newEval() *Eval {
	e := &Eval{t: t, st: make([]symState, len(t.all)), order: map[*Menu][]*Symbol{}}
	for _, s := range t.all {
		if s.IsChoice() {
			m := s.Menus[0]
			e.order[m] = append([]*Symbol(nil), m.Members...)
		}
	}
	return e
}

func (e *Eval) warnf(pos Pos, format string, args ...any) {
	e.Warnings = append(e.Warnings, Warning{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// read takes the input config's values as user values, the way conf's
// reader checks them against each symbol's type.
func (e *Eval) read(c *Config) {
	for _, en := range c.Entries() {
		s := e.t.assigned(en.Name)
		if s == nil {
			e.unknown = append(e.unknown, en.Name)
			continue
		}
		st := &e.st[s.id]
		if st.flags&fUser != 0 {
			e.warnf(en.Pos, "override: reassigning to symbol %s", s.Name)
		}
		if !e.setUser(s, en) {
			continue
		}
		if ch := s.choice; ch != nil {
			// the last member read gets the highest priority
			o := e.order[ch]
			for i, m := range o {
				if m == s {
					copy(o[1:i+1], o[:i])
					o[0] = s
					break
				}
			}
		}
	}
}

func (e *Eval) setUser(s *Symbol, en Entry) bool {
	st := &e.st[s.id]
	tri, val, how, _ := userValue(s, en)
	switch how {
	case valueInvalid:
		e.warnf(en.Pos, "symbol value '%s' invalid for %s", en.Literal(), s.Name)
		return false
	case valueIgnored:
		return true
	}
	st.userTri, st.userVal = tri, val
	st.flags |= fUser
	return true
}

func (e *Eval) calcAll() {
	if m := e.t.Modules; m != e.t.no {
		e.calc(m)
	}
	for _, s := range e.t.all {
		e.calc(s)
	}
}

// typeOf is the symbol's type as conf uses it: a tristate is a bool when
// modules are off.
func (e *Eval) typeOf(s *Symbol) Type {
	if s.Type == Tristate && e.modules == No {
		return Bool
	}
	return s.Type
}

func (e *Eval) expr(x *Expr) Tri {
	if x == nil {
		return Yes
	}
	switch x.Op {
	case OpSymbol:
		return e.tri(x.Sym)
	case OpAnd:
		return minTri(e.expr(x.L), e.expr(x.R))
	case OpOr:
		return maxTri(e.expr(x.L), e.expr(x.R))
	case OpNot:
		return 2 - e.expr(x.L)
	}
	return e.compare(x)
}

func (e *Eval) tri(s *Symbol) Tri {
	if s.Const {
		return s.tri
	}
	e.calc(s)
	return e.st[s.id].tri
}

// str is a symbol's value as a string: n, m or y for bool and tristate,
// the name for constants and undefined symbols.
func (e *Eval) str(s *Symbol) string {
	if s.Const {
		return s.Name
	}
	e.calc(s)
	st := &e.st[s.id]
	switch s.Type {
	case Bool, Tristate:
		return st.tri.String()
	case Unknown:
		return s.Name
	}
	return st.val
}

type numKind uint8

const (
	kString numKind = iota
	kSigned
	kUnsigned
)

func parseNumber(str string, t Type) (numKind, int64, uint64) {
	switch t {
	case Bool, Tristate:
		switch str {
		case "n":
			return kSigned, 0, 0
		case "m":
			return kSigned, 1, 0
		case "y":
			return kSigned, 2, 0
		}
		return kSigned, -1, 0
	}
	var (
		n    int
		over bool
		s    int64
		u    uint64
		kind = kSigned
	)
	switch t {
	case Int:
		s, n, over = strtoll(str, 10)
	case Hex:
		u, n, over = strtoull(str, 16)
		kind = kUnsigned
	default:
		s, n, over = strtoll(str, 0)
	}
	if over || n == 0 || n != len(str) || !isHexDigit(str[n-1]) {
		return kString, 0, 0
	}
	return kind, s, u
}

func (e *Eval) compare(x *Expr) Tri {
	a, b := x.Sym, x.Sym2
	s1, s2 := e.str(a), e.str(b)
	k1, k2 := kString, kString
	var l1, l2 int64
	var u1, u2 uint64
	if a.Type != String || b.Type != String {
		k1, l1, u1 = parseNumber(s1, a.Type)
		k2, l2, u2 = parseNumber(s2, b.Type)
	}
	var res int
	switch {
	case k1 == kString || k2 == kString:
		res = strings.Compare(s1, s2)
	case k1 == kUnsigned || k2 == kUnsigned:
		if k1 == kSigned {
			u1 = uint64(l1)
		}
		if k2 == kSigned {
			u2 = uint64(l2)
		}
		res = cmp3(u1 > u2, u1 < u2)
	default:
		res = cmp3(l1 > l2, l1 < l2)
	}
	var ok bool
	switch x.Op {
	case OpEqual:
		ok = res == 0
	case OpUnequal:
		ok = res != 0
	case OpLess:
		ok = res < 0
	case OpLessEqual:
		ok = res <= 0
	case OpGreater:
		ok = res > 0
	case OpGreaterEqual:
		ok = res >= 0
	}
	if ok {
		return Yes
	}
	return No
}

func cmp3(gt, lt bool) int {
	switch {
	case gt:
		return 1
	case lt:
		return -1
	}
	return 0
}

// calcVisibility computes whether any prompt of s shows, and the values
// of its dependencies, selects and implies.
func (e *Eval) calcVisibility(s *Symbol) {
	st := &e.st[s.id]
	vis := No
	for _, p := range s.Props {
		if p.isPrompt() {
			vis = maxTri(vis, e.expr(p.Cond))
		}
	}
	if vis == Mod && (s.Type != Tristate || e.modules == No) {
		vis = Yes
	}
	st.visible = vis
	if s.member {
		return
	}
	boolish := func(v Tri) Tri {
		if v == Mod && e.typeOf(s) == Bool {
			return Yes
		}
		return v
	}
	st.dirDep = boolish(e.expr(s.DirDep))
	st.revDep = No
	if s.RevDep != nil {
		st.revDep = boolish(e.expr(s.RevDep))
	}
	st.implied = No
	if s.Implied != nil {
		st.implied = boolish(e.expr(s.Implied))
	}
}

// defaultProp returns the first default whose condition holds, with the
// condition's value.
func (e *Eval) defaultProp(s *Symbol) (*Property, Tri) {
	for _, p := range s.Props {
		if p.Kind != PropDefault {
			continue
		}
		if v := e.expr(p.Cond); v != No {
			return p, v
		}
	}
	return nil, No
}

func (e *Eval) calc(s *Symbol) {
	if s.Const {
		return
	}
	st := &e.st[s.id]
	if st.flags&fValid != 0 {
		return
	}
	st.flags |= fValid
	var newTri Tri
	var newVal string
	switch s.Type {
	case Int:
		newVal = "0"
	case Hex:
		newVal = "0x0"
	case String:
		newVal = ""
	case Bool, Tristate:
	default:
		st.val, st.tri = s.Name, No
		return
	}
	st.flags &^= fWrite
	e.calcVisibility(s)
	if st.visible != No {
		st.flags |= fWrite
	}
	// what a recursive reference sees
	st.tri, st.val = newTri, newVal

	switch e.typeOf(s) {
	case Bool, Tristate:
		if ch := s.choice; ch != nil {
			e.calcChoice(ch)
			newTri = st.tri
		} else {
			if st.visible != No && st.flags&fUser != 0 {
				newTri = minTri(st.userTri, st.visible)
			} else {
				if st.revDep != No {
					st.flags |= fWrite
				}
				if !s.IsChoice() {
					if p, cond := e.defaultProp(s); p != nil {
						newTri = minTri(e.expr(p.Expr), cond)
						if newTri != No {
							st.flags |= fWrite
						}
					}
					if st.implied != No {
						st.flags |= fWrite
						newTri = maxTri(newTri, st.implied)
						newTri = minTri(newTri, st.dirDep)
					}
				}
			}
			if st.dirDep < st.revDep {
				e.warnf(s.Pos(), "unmet direct dependencies detected for %s: depends on [%s] %s, selected by [%s]",
					s.Name, st.dirDep, s.DirDep, st.revDep)
			}
			newTri = maxTri(newTri, st.revDep)
		}
		if newTri == Mod && e.typeOf(s) == Bool {
			newTri = Yes
		}
	case String, Hex, Int:
		if st.visible != No && st.flags&fUser != 0 {
			newVal = st.userVal
			break
		}
		if p, _ := e.defaultProp(s); p != nil && p.Expr.Op == OpSymbol {
			st.flags |= fWrite
			newVal = e.str(p.Expr.Sym)
		}
	}
	st.tri, st.val = newTri, newVal
	e.validateRange(s)
	if s == e.t.Modules {
		e.modules = st.tri
	}
	if s.IsChoice() {
		st.flags &^= fWrite
	}
}

// rangeProp returns the first range whose condition holds.
func (e *Eval) rangeProp(s *Symbol) *Property {
	for _, p := range s.Props {
		if p.Kind == PropRange && e.expr(p.Cond) != No {
			return p
		}
	}
	return nil
}

func (e *Eval) rangeVal(s *Symbol, base int) int64 {
	switch s.Type {
	case Int:
		base = 10
	case Hex:
		base = 16
	}
	v, _, _ := strtoll(e.str(s), base)
	return v
}

func (e *Eval) validateRange(s *Symbol) {
	base := 10
	switch s.Type {
	case Int:
	case Hex:
		base = 16
	default:
		return
	}
	p := e.rangeProp(s)
	if p == nil {
		return
	}
	st := &e.st[s.id]
	v, _, _ := strtoll(st.val, base)
	bound := p.Expr.Sym
	if v >= e.rangeVal(bound, base) {
		bound = p.Expr.Sym2
		if v <= e.rangeVal(bound, base) {
			return
		}
	}
	st.val = e.str(bound)
}

// choiceDefault is the member a choice picks without user input: its
// first default that holds and names a visible member, else its first
// visible member.
func (e *Eval) choiceDefault(ch *Menu) *Symbol {
	for _, p := range ch.Sym.Props {
		if p.Kind != PropDefault || e.expr(p.Cond) == No {
			continue
		}
		if d := p.Expr.Sym; !d.Const && e.st[d.id].visible != No {
			return d
		}
	}
	for m := ch.List; m != nil; m = m.next(ch) {
		if m.Sym != nil && e.st[m.Sym.id].visible != No {
			return m.Sym
		}
	}
	return nil
}

func (e *Eval) calcChoice(ch *Menu) *Symbol {
	var res *Symbol
	for _, s := range e.order[ch] {
		e.calcVisibility(s)
		st := &e.st[s.id]
		if st.visible == No {
			continue
		}
		if st.flags&fUser != 0 && st.userTri == Yes {
			res = s
			break
		}
	}
	if res == nil {
		res = e.choiceDefault(ch)
		if res != nil && e.st[res.id].flags&fUser != 0 && e.st[res.id].userTri == No {
			res = nil
		}
	}
	if res == nil {
		for m := ch.List; m != nil; m = m.next(ch) {
			s := m.Sym
			if s == nil || e.st[s.id].visible == No || e.st[s.id].flags&fUser != 0 {
				continue
			}
			res = s
			break
		}
	}
	if res == nil {
		o := e.order[ch]
		for i := len(o) - 1; i >= 0; i-- {
			if e.st[o[i].id].visible != No {
				res = o[i]
				break
			}
		}
	}
	for m := ch.List; m != nil; m = m.next(ch) {
		s := m.Sym
		if s == nil || e.st[s.id].visible == No {
			continue
		}
		st := &e.st[s.id]
		st.tri = No
		if s == res {
			st.tri = Yes
		}
		st.flags |= fValid | fWrite
	}
	return res
}

// Tri returns a bool or tristate symbol's value (n for other symbols and
// names the tree does not define).
func (e *Eval) Tri(name string) Tri {
	s := e.t.syms[name]
	if s == nil {
		return No
	}
	return e.tri(s)
}

// Value returns a symbol's value as .config writes it, without quotes:
// "y", "m", "n", a number or a string.
func (e *Eval) Value(name string) string {
	s := e.t.syms[name]
	if s == nil {
		return ""
	}
	return e.str(s)
}

// Visible returns how far the symbol's prompt is visible.
func (e *Eval) Visible(name string) Tri {
	s := e.t.syms[name]
	if s == nil || s.Const {
		return No
	}
	e.calc(s)
	return e.st[s.id].visible
}

// Written reports whether conf writes the symbol to .config.
func (e *Eval) Written(name string) bool {
	s := e.t.syms[name]
	if s == nil || s.Const || s.Type == Unknown {
		return false
	}
	e.calc(s)
	return e.st[s.id].flags&fWrite != 0
}

// Unknown returns the names the input config set that the tree does not
// define.
func (e *Eval) Unknown() []string { return e.unknown }

// ExprValue evaluates an expression of the tree.
func (e *Eval) ExprValue(x *Expr) Tri { return e.expr(x) }

// Config returns the resolved config: every symbol conf writes, in the
// order it writes them.
func (e *Eval) Config() *Config {
	c := NewConfig()
	e.walkWritten(func(s *Symbol) {
		c.Set(e.entry(s))
	}, nil)
	return c
}

func (e *Eval) entry(s *Symbol) Entry {
	switch s.Type {
	case Bool, Tristate:
		return Entry{Name: s.Name, Value: e.tri(s).String()}
	case String:
		return Entry{Name: s.Name, Value: e.str(s), Quoted: true}
	}
	return Entry{Name: s.Name, Value: e.str(s)}
}

// walkWritten visits the menu tree as conf_write does: sym for each
// symbol written, menu for each visible menu or comment heading and
// end (end is true at the end of a menu).
func (e *Eval) walkWritten(sym func(*Symbol), menu func(m *Menu, end bool)) {
	written := make([]bool, len(e.t.all))
	root := e.t.Root
	m := root.List
	for m != nil {
		if s := m.Sym; s == nil {
			if e.menuVisible(m) && menu != nil {
				menu(m, false)
			}
		} else if !s.IsChoice() && !written[s.id] {
			e.calc(s)
			if e.st[s.id].flags&fWrite != 0 && s.Type != Unknown {
				written[s.id] = true
				sym(s)
			}
		}
		if m.List != nil {
			m = m.List
			continue
		}
		for {
			if m.Sym == nil && m != root && m.Prompt != nil && m.Prompt.Kind == PropMenu && e.menuVisible(m) && menu != nil {
				menu(m, true)
			}
			if m.Next != nil {
				m = m.Next
				break
			}
			m = m.Parent
			if m == nil {
				break
			}
		}
	}
}

// menuVisible is the kernel's menu_is_visible.
func (e *Eval) menuVisible(m *Menu) bool {
	if m.Prompt == nil {
		return false
	}
	if m.Visibility != nil && e.expr(m.Visibility) == No {
		return false
	}
	var vis Tri
	if s := m.Sym; s != nil {
		e.calc(s)
		vis = e.expr(m.Prompt.Cond)
	} else {
		vis = e.expr(m.Prompt.Cond)
	}
	if vis != No {
		return true
	}
	if m.Sym == nil || e.tri(m.Sym) == No {
		return false
	}
	for c := m.List; c != nil; c = c.Next {
		if e.menuVisible(c) {
			return true
		}
	}
	return false
}
