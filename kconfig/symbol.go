package kconfig

import (
	"strconv"
	"strings"
)

// PropKind is the kind of a symbol or menu property.
type PropKind uint8

const (
	PropPrompt  PropKind = iota // a config's prompt
	PropMenu                    // the title of a menu (or menuconfig)
	PropComment                 // the text of a comment entry
	PropDefault
	PropSelect
	PropImply
	PropRange
)

var propNames = [...]string{"prompt", "menu", "comment", "default", "select", "imply", "range"}

func (k PropKind) String() string { return propNames[k] }

// Property is one attribute of a config entry: a prompt, a default, a
// select, an imply or a range, with its condition. After parsing, Cond
// holds the full condition: the attribute's own "if", the entry's
// "depends on" and those of every enclosing menu, if and choice.
type Property struct {
	Kind PropKind
	Text string // prompt text
	// Expr is the default's value, the selected or implied symbol
	// (OpSymbol), or the range's bounds (Sym..Sym2 in an OpLessEqual).
	Expr *Expr
	Cond *Expr
	// OwnCond is the condition as written after "if", nil when none.
	OwnCond *Expr
	Menu    *Menu // the entry that holds it
	Pos     Pos

	// visibility is what enclosing menus' "visible if" add to a prompt.
	visibility *Expr
}

// Symbol is a config symbol, or a constant (y, m, n, "a string", and
// undefined words such as numbers used in expressions).
type Symbol struct {
	Name  string // "" for a choice
	Type  Type
	Const bool

	// Menus are the entries that define the symbol, in file order.
	Menus []*Menu
	// Props are all its properties, in file order across definitions.
	Props []*Property

	// DirDep is the OR of the dependencies of each definition.
	DirDep *Expr
	// RevDep is the OR of "S && cond" over every S that selects it.
	RevDep *Expr
	// Implied is the same for imply.
	Implied *Expr

	// SelectedBy and ImpliedBy list the symbols whose select or imply
	// names this one, in file order.
	SelectedBy []*Symbol
	ImpliedBy  []*Symbol

	// Transitional marks a symbol kept only to read old configs.
	Transitional bool

	choice *Menu // for a choice member: its choice
	member bool  // listed as a member by a choice block
	id     int   // index into a resolver's arrays; -1 for constants
	tri    Tri   // the fixed value of y, m and n
}

// IsChoice reports whether s is the (nameless) symbol of a choice block.
func (s *Symbol) IsChoice() bool { return s.Name == "" && !s.Const }

// Choice returns the choice block that s is a member of, or nil.
func (s *Symbol) Choice() *Menu { return s.choice }

// Defined reports whether a config or menuconfig entry defines s.
func (s *Symbol) Defined() bool { return len(s.Menus) > 0 }

// HasPrompt reports whether any definition of s has a prompt, so that a
// fragment can set it.
func (s *Symbol) HasPrompt() bool {
	for _, p := range s.Props {
		if p.isPrompt() {
			return true
		}
	}
	return false
}

// isPrompt: a menuconfig's prompt is a menu title, and a prompt too.
func (p *Property) isPrompt() bool { return p.Kind == PropPrompt || p.Kind == PropMenu }

// Prompts returns the prompt properties of s.
func (s *Symbol) Prompts() []*Property {
	var out []*Property
	for _, p := range s.Props {
		if p.isPrompt() {
			out = append(out, p)
		}
	}
	return out
}

// Defaults returns the default properties of s, in priority order.
func (s *Symbol) Defaults() []*Property { return s.props(PropDefault) }

// Ranges returns the range properties of s, in priority order.
func (s *Symbol) Ranges() []*Property { return s.props(PropRange) }

// Selects returns the select properties of s.
func (s *Symbol) Selects() []*Property { return s.props(PropSelect) }

// Implies returns the imply properties of s.
func (s *Symbol) Implies() []*Property { return s.props(PropImply) }

func (s *Symbol) props(k PropKind) []*Property {
	var out []*Property
	for _, p := range s.Props {
		if p.Kind == k {
			out = append(out, p)
		}
	}
	return out
}

// Pos returns where s is first defined.
func (s *Symbol) Pos() Pos {
	if len(s.Menus) == 0 {
		return Pos{}
	}
	return s.Menus[0].Pos
}

func (s *Symbol) String() string {
	if s.IsChoice() {
		return "<choice>"
	}
	return s.Name
}

func (s *Symbol) quotedName() string {
	if s.Const && (len(s.Name) != 1 || !strings.ContainsAny(s.Name, "ymn")) {
		return strconv.Quote(s.Name)
	}
	if s.IsChoice() {
		return "<choice>"
	}
	return s.Name
}

// MenuKind says what statement made a menu entry.
type MenuKind uint8

const (
	MenuRoot MenuKind = iota
	MenuConfig
	MenuMenuconfig
	MenuChoice
	MenuMenu
	MenuComment
	MenuIf
)

// Menu is a node of the menu tree: a config entry, a choice, a menu, a
// comment or an if block. After parsing, if blocks and the children of
// promptless symbols are flattened into their parents, and entries that
// depend on the symbol before them sit below it, as the kernel's
// menuconfig shows them.
type Menu struct {
	Kind       MenuKind
	Sym        *Symbol
	Prompt     *Property
	Dep        *Expr // the full dependency, enclosing ones included
	OwnDep     *Expr // the "depends on" (or if condition) written here
	Visibility *Expr // "visible if"
	Pos        Pos
	helpRaw    string

	Parent *Menu
	List   *Menu // first child
	Next   *Menu // next sibling

	// Members of a choice, in priority order for a fresh config (file
	// order).
	Members []*Symbol
}

// Help returns the entry's help text.
func (m *Menu) Help() string { return helpText(m.helpRaw) }

// Title returns the menu's prompt text, or its symbol's name.
func (m *Menu) Title() string {
	if m.Prompt != nil {
		return m.Prompt.Text
	}
	if m.Sym != nil {
		return m.Sym.String()
	}
	return ""
}

// Walk calls fn for m's descendants in depth-first (menu) order.
func (m *Menu) Walk(fn func(*Menu)) {
	for c := m.List; c != nil; c = c.Next {
		fn(c)
		c.Walk(fn)
	}
}

// next returns the menu after m in depth-first order below root.
func (m *Menu) next(root *Menu) *Menu {
	if m.List != nil {
		return m.List
	}
	for m != root && m.Next == nil {
		m = m.Parent
	}
	if m == root {
		return nil
	}
	return m.Next
}
