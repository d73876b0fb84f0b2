package report

import (
	"fmt"
	"strings"
)

// maxListed bounds the other changes an effects line names.
const maxListed = 8

// effectsLine says in one sentence what a culprit's line turns on or off
// besides itself: the telling change in Kconfig's words, then the others
// by name and value.
func effectsLine(o Option) string {
	e := o.Effects
	if len(e.Changes) == 0 {
		return o.Line + " changes nothing else."
	}
	s := o.Line + " also " + changePhrase(e.Telling)
	switch {
	case e.Text != "" && e.Hidden:
		s += ` (no prompt; its help: "` + e.Text + `")`
	case e.Text != "":
		s += ` ("` + e.Text + `")`
	case e.Hidden && e.At != "":
		s += " (no prompt or help; " + e.At + ")"
	case e.Hidden:
		s += " (no prompt or help)"
	}
	var others []string
	for _, c := range e.Changes {
		if c.Name != e.Telling.Name {
			others = append(others, valueText(c))
		}
	}
	switch n := len(others); {
	case n > maxListed:
		s += fmt.Sprintf(", and %d more: %s, ...", n, strings.Join(others[:maxListed], ", "))
	case n > 0:
		s += fmt.Sprintf(", and %d more: %s", n, strings.Join(others, ", "))
	}
	return s + "."
}

// changePhrase says what the line does to a symbol: "turns on A",
// "turns off B", "sets C to 32 (16 without it)".
func changePhrase(c Change) string {
	from, to := c.From, c.To
	off := func(v string) bool { return v == "n" || v == "" }
	switch {
	case off(from) && to == "y":
		return "turns on " + c.Name
	case off(from) && to == "m":
		return "turns on " + c.Name + " as a module"
	case (from == "y" || from == "m") && off(to):
		return "turns off " + c.Name
	case to == "":
		return fmt.Sprintf("unsets %s (%s without it)", c.Name, from)
	case from == "":
		return fmt.Sprintf("sets %s to %s (unset without it)", c.Name, to)
	}
	return fmt.Sprintf("sets %s to %s (%s without it)", c.Name, to, from)
}

// valueText is a change's new value as a .config line's tail: A=y, or
// "A unset".
func valueText(c Change) string {
	if c.To == "" {
		return c.Name + " unset"
	}
	return c.Name + "=" + c.To
}
