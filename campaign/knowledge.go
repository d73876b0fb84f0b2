package campaign

import (
	"github.com/kcmin/kcmin/kconfig"
)

// Knowledge is what a campaign asks of the kernel's Kconfig tree. The
// kernel's own make olddefconfig stays the ground truth of what a config
// resolves to; Knowledge decides which differences are candidates, what
// must travel with what, where options live, and why a value did not stick.
type Knowledge interface {
	// Settable reports whether a fragment can set the symbol in the config
	// in: it has a prompt, visible there. A symbol whose prompt is hidden
	// (its dependencies are off, or it has none) takes the value that
	// others give it, and is never a candidate.
	Settable(in *kconfig.Config, name string) bool
	// Needs returns the symbols that must change from the base for the
	// symbol to take want (a literal as in .config) on top of it, each with
	// the value it needs (kconfig.Eval.Needs): what the unmet part of its
	// dependencies names (of an unmet "||", the branch the bad config
	// meets; a dependency the base already meets calls for nothing), what
	// turns off selects that hold it above want, and for a symbol no
	// fragment sets (set is false: it is no candidate; or it is hidden in
	// the bad config), what gives it its value there. A
	// member of a choice also needs the choice's other members that
	// change, which change with it. Not transitive: the campaign follows
	// chains.
	Needs(base, bad *kconfig.Config, name, want string, set bool) []kconfig.Need
	// MenuIndex is the symbol's position in menu order, the order of make
	// savedefconfig; -1 when the tree does not define it.
	MenuIndex(name string) int
	// MenuPath is the titles of the menus around the symbol, outermost
	// first.
	MenuPath(name string) []string
	// DefinedIn is the file of the symbol's first definition, relative to
	// the root of the tree ("arch/x86/Kconfig"); "" when undefined.
	DefinedIn(name string) string
	// Explain says in one line why the symbol does not have the value want
	// (a literal as in .config: y, m, n, 0x10, "text") in the resolved
	// config, in the words of menuconfig's help: "KASAN_INLINE=y needs
	// KASAN [=n]". "" when it cannot tell.
	Explain(resolved *kconfig.Config, name, want string) string
	// About is what Kconfig tells a reader of the symbol; zero when the
	// tree does not define it.
	About(name string) About
	// Resolve resolves a config in-process as make olddefconfig does.
	Resolve(c *kconfig.Config) (*kconfig.Config, error)
	// CheckInput checks a config file the user gave against the
	// symbols' types, as conf reads it: the error lists each value conf
	// would drop, by file and line (kconfig.Tree.CheckValues). unknown
	// are the entries of symbols the tree does not define.
	CheckInput(c *kconfig.Config) (unknown []kconfig.Entry, err error)
}

// About is what Kconfig tells a reader of a symbol.
type About struct {
	// Prompt is the text of its first prompt; "" when it has none, and
	// menuconfig does not show it.
	Prompt string
	// Help is the first sentence of its help text, on one line.
	Help string
	// At is its first definition, relative to the root of the tree:
	// "lib/Kconfig.debug:560".
	At string
	// Names are the symbols its definitions name: its dependencies, its
	// defaults' values and conditions, and those that select or imply it.
	Names []string
}
