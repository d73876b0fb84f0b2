package campaign

import (
	"io"
	"maps"
	"path/filepath"
	"slices"
	"sync"

	"github.com/kcmin/kcmin/kconfig"
)

// treeKnowledge answers a campaign's questions from a parsed Kconfig tree.
type treeKnowledge struct {
	tree *kconfig.Tree
	root string         // the kernel tree, to make definition paths relative
	menu map[string]int // menu order

	mu      sync.Mutex
	evalFor *kconfig.Config // the config eval holds, for Settable
	eval    *kconfig.Eval
}

// NewTreeKnowledge wraps a parsed Kconfig tree of the kernel at root.
func NewTreeKnowledge(tree *kconfig.Tree, root string) Knowledge {
	return &treeKnowledge{tree: tree, root: root, menu: tree.MenuOrder()}
}

func (k *treeKnowledge) Settable(in *kconfig.Config, name string) bool {
	if !k.tree.Settable(name) {
		return false
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.evalFor != in {
		k.evalFor, k.eval = in, k.tree.Evaluate(in)
	}
	return k.eval.Visible(name) > kconfig.No
}

func (k *treeKnowledge) SelectedBy(name string) []string {
	s := k.tree.Lookup(name)
	if s == nil {
		return nil
	}
	set := map[string]bool{}
	for _, by := range s.SelectedBy {
		if by.Name != "" {
			set[by.Name] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

func (k *treeKnowledge) DefaultDeps(name string) []string {
	s := k.tree.Lookup(name)
	if s == nil {
		return nil
	}
	var syms []*kconfig.Symbol
	for _, p := range s.Defaults() {
		syms = p.Expr.Symbols(syms)
		syms = p.Cond.Symbols(syms)
	}
	set := map[string]bool{}
	for _, d := range syms {
		if d.Name != "" && d.Name != name {
			set[d.Name] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// Deps adds to the symbol's own dependencies the other members of its
// choice: switching a choice moves two symbols at once.
func (k *treeKnowledge) Deps(name string) []string {
	set := map[string]bool{}
	for _, d := range k.tree.DependsOn(name) {
		set[d] = true
	}
	if s := k.tree.Lookup(name); s != nil {
		if ch := s.Choice(); ch != nil {
			for _, m := range ch.Members {
				if m.Name != "" && m.Name != name {
					set[m.Name] = true
				}
			}
		}
	}
	return slices.Sorted(maps.Keys(set))
}

func (k *treeKnowledge) MenuPath(name string) []string { return k.tree.MenuPath(name) }

func (k *treeKnowledge) MenuIndex(name string) int {
	if i, ok := k.menu[name]; ok {
		return i
	}
	return -1
}

func (k *treeKnowledge) DefinedIn(name string) string {
	f := k.tree.DefinedIn(name)
	if filepath.IsAbs(f) && k.root != "" {
		if rel, err := filepath.Rel(k.root, f); err == nil {
			return rel
		}
	}
	return f
}

// WriteConfig writes a resolved config in the .config form conf writes.
func (k *treeKnowledge) WriteConfig(w io.Writer, resolved *kconfig.Config) error {
	return k.tree.WriteConfig(w, resolved)
}

func (k *treeKnowledge) Resolve(c *kconfig.Config) (*kconfig.Config, error) {
	return k.tree.Resolve(c)
}

// Explain takes want as a .config literal; kconfig takes the value.
func (k *treeKnowledge) Explain(resolved *kconfig.Config, name, want string) string {
	return k.tree.Evaluate(resolved).Explain(name, entryOf(name, want).Value)
}
