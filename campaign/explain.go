package campaign

import (
	"cmp"
	"slices"

	"github.com/kcmin/kcmin/kconfig"
	"github.com/kcmin/kcmin/report"
)

// explain says, for each line of the result, what it turns on or off
// besides itself, as kconfig resolves it in-process: the symbols whose
// values differ between the base with the result and the base with the
// result without the line, and the one of them that tells most
// (tellingFirst), with Kconfig's words for it. The lines that do not
// keep their values without this one are left out of both configs:
// their symbols, and what they change, differ only because they need
// this line, which the report says already (NeededFor). The culprits'
// own symbols never count. A resolve that fails leaves the line
// unexplained.
func explain(know Knowledge, base *kconfig.Config, lines []Line) []report.Effects {
	out := make([]report.Effects, len(lines))
	if know == nil || base == nil {
		return out
	}
	opts := make([]Option, len(lines))
	own := map[string]bool{}
	for i, l := range lines {
		opts[i] = l.Option
		own[l.Name] = true
	}
	for i, o := range opts {
		rest, without, ok := withoutNeeders(know, base, opts, i)
		if !ok {
			continue
		}
		with, err := resolveSafely(know, apply(base, append(rest, o)))
		if err != nil {
			continue
		}
		var changes []report.Change
		for _, c := range changed(without, with) {
			if !own[c.Name] {
				changes = append(changes, c)
			}
		}
		out[i] = effectsOf(know, o, changes)
	}
	return out
}

// withoutNeeders returns the options other than opts[i] that keep their
// values without it, and the base with them resolved: a line that does
// not is dropped too, and asked again, until every line left sticks.
func withoutNeeders(know Knowledge, base *kconfig.Config, opts []Option, i int) ([]Option, *kconfig.Config, bool) {
	rest := slices.Delete(slices.Clone(opts), i, i+1)
	for {
		resolved, err := resolveSafely(know, apply(base, rest))
		if err != nil {
			return nil, nil, false
		}
		kept := slices.DeleteFunc(slices.Clone(rest), func(o Option) bool { return literal(resolved, o.Name) != o.Bad })
		if len(kept) == len(rest) {
			return rest, resolved, true
		}
		rest = kept
	}
}

// changed lists the symbols whose values differ from a to b, sorted by
// name. A bool or tristate that one config does not write is n there.
func changed(a, b *kconfig.Config) []report.Change {
	var out []report.Change
	seen := map[string]bool{}
	for _, c := range []*kconfig.Config{a, b} {
		for _, e := range c.Entries() {
			if seen[e.Name] {
				continue
			}
			seen[e.Name] = true
			from, to := entryLiteral(a, e.Name), entryLiteral(b, e.Name)
			switch {
			case from == "" && isTri(to):
				from = "n"
			case to == "" && isTri(from):
				to = "n"
			}
			if from != to {
				out = append(out, report.Change{Name: e.Name, From: from, To: to})
			}
		}
	}
	slices.SortFunc(out, func(x, y report.Change) int { return cmp.Compare(x.Name, y.Name) })
	return out
}

// entryLiteral is a symbol's value in a config, "" when it has none.
func entryLiteral(c *kconfig.Config, name string) string {
	if e, ok := c.Get(name); ok {
		return e.Literal()
	}
	return ""
}

// effectsOf picks the telling change of a line's and says it in
// Kconfig's words: a visible symbol's prompt, else its help's first
// sentence.
func effectsOf(know Knowledge, o Option, changes []report.Change) report.Effects {
	if len(changes) == 0 {
		return report.Effects{}
	}
	about := map[string]About{}
	for _, c := range changes {
		about[c.Name] = know.About(c.Name)
	}
	byTell := slices.Clone(changes)
	slices.SortStableFunc(byTell, func(x, y report.Change) int { return tellingFirst(know, o, about, x, y) })
	t := byTell[0]
	a := about[t.Name]
	e := report.Effects{Changes: changes, Telling: t, Text: a.Prompt, Hidden: a.Prompt == "", At: a.At}
	if e.Hidden {
		e.Text = a.Help
	}
	return e
}

// tellingFirst orders the changes of option o's line by what they tell
// a reader of the line, most first:
//
//  1. a symbol that the line turns on (n to y or m), then one it turns
//     off, then one whose number or string it changes: what gets built
//     or run says most;
//  2. a symbol without a prompt before one with: menuconfig does not
//     show it, so the reader cannot know it from there;
//  3. a symbol whose definition names o (it depends on o, o selects
//     it, a default names o) before one that follows from another
//     change: what o does itself, not what that does in turn;
//  4. a symbol defined in the same Kconfig file as o: closest in kind;
//  5. then menu order, symbols the tree does not place last, by name.
func tellingFirst(know Knowledge, o Option, about map[string]About, x, y report.Change) int {
	kind := func(c report.Change) int {
		switch {
		case (c.From == "n" || c.From == "") && (c.To == "y" || c.To == "m"):
			return 0
		case (c.From == "y" || c.From == "m") && (c.To == "n" || c.To == ""):
			return 1
		}
		return 2
	}
	visible := func(c report.Change) int {
		if about[c.Name].Prompt == "" {
			return 0
		}
		return 1
	}
	indirect := func(c report.Change) int {
		if slices.Contains(about[c.Name].Names, o.Name) {
			return 0
		}
		return 1
	}
	elsewhere := func(c report.Change) int {
		if o.DefinedIn != "" && know.DefinedIn(c.Name) == o.DefinedIn {
			return 0
		}
		return 1
	}
	menu := func(c report.Change) int {
		if i := know.MenuIndex(c.Name); i >= 0 {
			return i
		}
		return int(^uint(0) >> 1)
	}
	return cmp.Or(
		cmp.Compare(kind(x), kind(y)),
		cmp.Compare(visible(x), visible(y)),
		cmp.Compare(indirect(x), indirect(y)),
		cmp.Compare(elsewhere(x), elsewhere(y)),
		cmp.Compare(menu(x), menu(y)),
		cmp.Compare(x.Name, y.Name))
}
