package campaign

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kcmin/kcmin/kconfig"
)

// treeKnowledge answers a campaign's questions from a parsed Kconfig tree.
type treeKnowledge struct {
	tree *kconfig.Tree
	root string         // the kernel tree, to make definition paths relative
	menu map[string]int // menu order
}

// NewTreeKnowledge wraps a parsed Kconfig tree of the kernel at root.
func NewTreeKnowledge(tree *kconfig.Tree, root string) Knowledge {
	k := &treeKnowledge{tree: tree, root: root, menu: map[string]int{}}
	if tree.Root != nil {
		tree.Root.Walk(func(m *kconfig.Menu) {
			if m.Sym != nil && m.Sym.Name != "" {
				if _, ok := k.menu[m.Sym.Name]; !ok {
					k.menu[m.Sym.Name] = len(k.menu)
				}
			}
		})
	}
	return k
}

func (k *treeKnowledge) Settable(name string) bool {
	s := k.tree.Lookup(name)
	return s != nil && s.HasPrompt()
}

func (k *treeKnowledge) Deps(name string) []string {
	s := k.tree.Lookup(name)
	if s == nil {
		return nil
	}
	syms := s.DirDep.Symbols(nil)
	for _, p := range s.Prompts() {
		syms = p.Cond.Symbols(syms)
	}
	if ch := s.Choice(); ch != nil {
		syms = append(syms, ch.Members...)
	}
	set := map[string]bool{}
	for _, d := range syms {
		if d != nil && d.Name != "" && d.Name != name {
			set[d.Name] = true
		}
	}
	return sortedKeys(set)
}

func (k *treeKnowledge) MenuIndex(name string) int {
	if i, ok := k.menu[name]; ok {
		return i
	}
	return -1
}

func (k *treeKnowledge) DefinedIn(name string) string {
	s := k.tree.Lookup(name)
	if s == nil || len(s.Menus) == 0 {
		return ""
	}
	f := s.Menus[0].Pos.File
	if filepath.IsAbs(f) && k.root != "" {
		if rel, err := filepath.Rel(k.root, f); err == nil {
			return rel
		}
	}
	return f
}

func (k *treeKnowledge) Resolve(c *kconfig.Config) (*kconfig.Config, error) {
	return k.tree.Resolve(c)
}

// Explain evaluates the resolved config and names what stands in the way,
// with each symbol's value as menuconfig prints it: "KASAN [=n]".
func (k *treeKnowledge) Explain(resolved *kconfig.Config, name, want string) string {
	s := k.tree.Lookup(name)
	if s == nil {
		return fmt.Sprintf("%s=%s: the tree does not define %s", name, want, name)
	}
	e := k.tree.Evaluate(resolved)
	got := e.Value(name)
	if got == "" || !e.Written(name) {
		got = "n"
	}
	show := func(x *kconfig.Expr) string { return annotate(e, x, 0) }
	if s.Type == kconfig.Bool || s.Type == kconfig.Tristate {
		wantTri := map[string]kconfig.Tri{"n": kconfig.No, "m": kconfig.Mod, "y": kconfig.Yes}[want]
		switch {
		case wantTri > kconfig.No && e.Visible(name) < wantTri:
			if ch := s.Choice(); ch != nil && e.Visible(name) > kconfig.No {
				return fmt.Sprintf("%s=%s lost in its choice to %s", name, want, chosen(e, ch.Members, name))
			}
			if cond := promptCond(s); cond != nil {
				return fmt.Sprintf("%s=%s needs %s", name, want, show(cond))
			}
			return fmt.Sprintf("%s=%s: %s has no prompt that is visible", name, want, name)
		case wantTri < e.Tri(name):
			var by []string
			for _, sel := range s.SelectedBy {
				if e.Tri(sel.Name) > wantTri {
					by = append(by, fmt.Sprintf("%s [=%s]", sel.Name, e.Tri(sel.Name)))
				}
			}
			if len(by) > 0 {
				sort.Strings(by)
				return fmt.Sprintf("%s=%s but it is selected by %s", name, want, strings.Join(by, ", "))
			}
			if ch := s.Choice(); ch != nil {
				return fmt.Sprintf("%s=%s but its choice needs a member and took it", name, want)
			}
		}
	}
	if e.Visible(name) == kconfig.No {
		if cond := promptCond(s); cond != nil {
			return fmt.Sprintf("%s=%s needs %s", name, want, show(cond))
		}
	}
	return fmt.Sprintf("%s=%s resolved to %s", name, want, got)
}

// promptCond is the condition under which s can be set: its prompts'
// conditions (which hold its dependencies) or'ed together.
func promptCond(s *kconfig.Symbol) *kconfig.Expr {
	var cond *kconfig.Expr
	for _, p := range s.Prompts() {
		c := p.Cond
		if c == nil {
			return nil
		}
		if cond == nil {
			cond = c
		} else {
			cond = &kconfig.Expr{Op: kconfig.OpOr, L: cond, R: c}
		}
	}
	if cond == nil {
		cond = s.DirDep
	}
	return cond
}

func chosen(e *kconfig.Eval, members []*kconfig.Symbol, not string) string {
	for _, m := range members {
		if m.Name != not && e.Tri(m.Name) == kconfig.Yes {
			return m.Name + " [=y]"
		}
	}
	return "another member"
}

// annotate prints an expression with each symbol's value.
func annotate(e *kconfig.Eval, x *kconfig.Expr, parent kconfig.Op) string {
	if x == nil {
		return "y"
	}
	sym := func(s *kconfig.Symbol) string {
		if s == nil {
			return "?"
		}
		if s.Const {
			return s.String()
		}
		v := e.Value(s.Name)
		if v == "" {
			v = "n"
		}
		return fmt.Sprintf("%s [=%s]", s.Name, v)
	}
	var out string
	switch x.Op {
	case kconfig.OpSymbol:
		return sym(x.Sym)
	case kconfig.OpNot:
		return "!" + annotate(e, x.L, kconfig.OpNot)
	case kconfig.OpAnd:
		out = annotate(e, x.L, kconfig.OpAnd) + " && " + annotate(e, x.R, kconfig.OpAnd)
	case kconfig.OpOr:
		out = annotate(e, x.L, kconfig.OpOr) + " || " + annotate(e, x.R, kconfig.OpOr)
	default:
		op := map[kconfig.Op]string{kconfig.OpEqual: "=", kconfig.OpUnequal: "!=", kconfig.OpLess: "<",
			kconfig.OpLessEqual: "<=", kconfig.OpGreater: ">", kconfig.OpGreaterEqual: ">="}[x.Op]
		return sym(x.Sym) + " " + op + " " + sym(x.Sym2)
	}
	if parent != x.Op && parent != 0 {
		return "(" + out + ")"
	}
	return out
}
