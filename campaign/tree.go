package campaign

import (
	"io"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/kcmin/kcmin/kconfig"
)

// treeKnowledge answers a campaign's questions from a parsed Kconfig tree.
type treeKnowledge struct {
	tree *kconfig.Tree
	root string         // the kernel tree, to make definition paths relative
	menu map[string]int // menu order

	mu    sync.Mutex
	evals map[*kconfig.Config]*kconfig.Eval // the base's and the bad config's
}

// NewTreeKnowledge wraps a parsed Kconfig tree of the kernel at root.
func NewTreeKnowledge(tree *kconfig.Tree, root string) Knowledge {
	return &treeKnowledge{tree: tree, root: root, menu: tree.MenuOrder()}
}

func (k *treeKnowledge) Settable(in *kconfig.Config, name string) bool {
	if !k.tree.Settable(name) {
		return false
	}
	return k.evalOf(in).Visible(name) > kconfig.No
}

// evalOf evaluates a config once: candidates are found by asking about
// two configs thousands of times.
func (k *treeKnowledge) evalOf(c *kconfig.Config) *kconfig.Eval {
	k.mu.Lock()
	defer k.mu.Unlock()
	if e, ok := k.evals[c]; ok {
		return e
	}
	if k.evals == nil || len(k.evals) >= 4 {
		k.evals = map[*kconfig.Config]*kconfig.Eval{}
	}
	e := k.tree.Evaluate(c)
	k.evals[c] = e
	return e
}

// Needs evaluates the dependencies on the base: what the base already
// meets needs nothing. A member of a choice also needs the members that
// change with it: switching a choice moves two symbols at once.
func (k *treeKnowledge) Needs(base, bad *kconfig.Config, name, want string, set bool) []kconfig.Need {
	needs := k.evalOf(base).Needs(name, entryOf(name, want).Value, k.evalOf(bad), set)
	if s := k.tree.Lookup(name); s != nil {
		if ch := s.Choice(); ch != nil {
			for _, m := range ch.Members {
				if m.Name != "" && m.Name != name && literal(base, m.Name) != literal(bad, m.Name) {
					needs = append(needs, kconfig.Need{Name: m.Name, Want: literal(bad, m.Name)})
				}
			}
		}
	}
	return needs
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

func (k *treeKnowledge) CheckInput(c *kconfig.Config) ([]kconfig.Entry, error) {
	return k.tree.CheckValues(c)
}

// Explain takes want as a .config literal; kconfig takes the value.
func (k *treeKnowledge) Explain(resolved *kconfig.Config, name, want string) string {
	return k.tree.Evaluate(resolved).Explain(name, entryOf(name, want).Value)
}

func (k *treeKnowledge) About(name string) About {
	s := k.tree.Lookup(name)
	if s == nil || !s.Defined() {
		return About{}
	}
	var a About
	if ps := s.Prompts(); len(ps) > 0 {
		a.Prompt = ps[0].Text
		// A choice's member says little alone: "Access normal".
		if ch := s.Choice(); ch != nil && ch.Prompt != nil && ch.Prompt.Text != "" {
			a.Prompt = ch.Prompt.Text + ": " + a.Prompt
		}
	}
	for _, m := range s.Menus {
		if h := m.Help(); strings.TrimSpace(h) != "" {
			a.Help = firstSentence(h)
			break
		}
	}
	syms := s.DirDep.Symbols(nil)
	for _, p := range s.Props {
		switch p.Kind {
		case kconfig.PropDefault:
			syms = p.Cond.Symbols(p.Expr.Symbols(syms))
		case kconfig.PropPrompt, kconfig.PropMenu:
			syms = p.Cond.Symbols(syms)
		}
	}
	syms = append(append(syms, s.SelectedBy...), s.ImpliedBy...)
	for _, n := range syms {
		if n != s && n.Name != "" && !slices.Contains(a.Names, n.Name) {
			a.Names = append(a.Names, n.Name)
		}
	}
	a.At = kconfig.Pos{File: k.DefinedIn(name), Line: s.Pos().Line}.String()
	return a
}

// maxSentence bounds the help a report quotes, in bytes.
const maxSentence = 200

// firstSentence is the first sentence of a help text's first paragraph,
// on one line: up to a full stop before a space, or the paragraph.
func firstSentence(help string) string {
	para, _, _ := strings.Cut(strings.TrimSpace(help), "\n\n")
	text := strings.Join(strings.Fields(para), " ")
	for i := 0; i < len(text); i++ {
		if text[i] != '.' || (i+1 < len(text) && text[i+1] != ' ') {
			continue
		}
		// "e.g." and "i.e." end no sentence.
		if w := text[max(0, i-3):i]; w == "e.g" || w == "i.e" {
			continue
		}
		text = text[:i+1]
		break
	}
	if len(text) > maxSentence {
		cut := strings.LastIndexByte(text[:maxSentence], ' ')
		if cut <= 0 {
			cut = maxSentence
		}
		text = text[:cut] + " ..."
	}
	return text
}
