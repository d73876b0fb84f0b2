package campaign

import (
	"path/filepath"
	"sort"

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
	return &treeKnowledge{tree: tree, root: root, menu: tree.MenuOrder()}
}

func (k *treeKnowledge) Settable(name string) bool { return k.tree.Settable(name) }

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
	out := make([]string, 0, len(set))
	for d := range set {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

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

func (k *treeKnowledge) Resolve(c *kconfig.Config) (*kconfig.Config, error) {
	return k.tree.Resolve(c)
}

// Explain takes want as a .config literal; kconfig takes the value.
func (k *treeKnowledge) Explain(resolved *kconfig.Config, name, want string) string {
	return k.tree.Evaluate(resolved).Explain(name, entryOf(name, want).Value)
}
