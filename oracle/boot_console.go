package oracle

import (
	"regexp"
	"strings"
)

// console follows a boot's serial output line by line and decides as soon
// as the outcome is certain: the marker (booted), a kernel panic, the
// kernel's banner a second time once the machine was reset (reboot loop),
// or the campaign's own pattern. The banner alone does not prove a reboot: when
// the real console takes over from the early console, printk may replay
// its whole buffer, banner included.
type console struct {
	marker string
	expect *regexp.Regexp // the campaign's pattern, or nil

	done    bool
	last    string   // the last non-blank line, normalised
	tail    []string // the last raw lines, for a person
	resets  int      // guest resets of the machine, told by QMP
	banners int      // "Linux version" lines
	// lastBeforeReboot is the last line before the banner of the second
	// boot (or before the second reset, when the kernel did not get to
	// print): where the first boot stopped. The console is its own
	// clock; QMP's events may overtake lines still on their way.
	lastBeforeReboot string
	rebooted         bool

	booted   bool
	panicMsg string // normalised, without "Kernel panic - not syncing: "
	oops     string // the first Oops/BUG line, normalised
	matched  string // the normalised match of expect
}

const (
	tailLines   = 10
	bannerText  = "Linux version "
	panicText   = "Kernel panic - not syncing: "
	maxFactLine = 200
)

// oopsRe finds the line that opens a kernel oops report.
var oopsRe = regexp.MustCompile(`BUG: |Oops: |kernel BUG at |general protection fault|Unable to handle kernel|divide error: |invalid opcode: |double fault: |stack segment: `)

// feed takes one console line without its line end and reports whether
// the outcome is now certain. Lines after that are ignored.
func (c *console) feed(raw string) bool {
	if c.done {
		return true
	}
	line := cleanLine(raw)
	c.tail = append(c.tail, line)
	if len(c.tail) > tailLines {
		c.tail = c.tail[1:]
	}
	if strings.TrimSpace(line) == "" {
		return false
	}
	if strings.Contains(line, bannerText) {
		// Counting banners rather than taking the first after a reset:
		// the reset event may overtake the first boot's banner.
		c.banners++
		if c.resets > 0 && c.banners >= 2 {
			c.lastBeforeReboot = c.last
			c.rebooted = true
			c.done = true
		}
	}
	c.last = normalizeLine(line)
	switch {
	case c.marker != "" && strings.Contains(line, c.marker):
		c.booted = true
		c.done = true
	case strings.Contains(line, panicText):
		c.panicMsg = normalizeLine(line[strings.Index(line, panicText)+len(panicText):])
		c.done = true
	case c.oops == "" && oopsRe.MatchString(line):
		c.oops = normalizeLine(line[oopsRe.FindStringIndex(line)[0]:])
	}
	if c.expect != nil && !c.done {
		if m := c.expect.FindStringSubmatch(line); m != nil {
			c.matched = normalizeLine(strings.Join(submatches(m), " "))
			c.done = true
		}
	}
	return c.done
}

// reset records that the guest reset the machine, and reports whether the
// outcome is now certain: a second reset is a loop even when the kernel
// never gets to print.
func (c *console) reset() bool {
	if c.done {
		return true
	}
	c.resets++
	if c.resets >= 2 {
		c.lastBeforeReboot = c.last
		c.rebooted = true
		c.done = true
	}
	return c.done
}

// submatches returns a match's groups when the pattern has any (the
// campaign chose what matters), else the whole match.
func submatches(m []string) []string {
	if len(m) == 1 {
		return m
	}
	var groups []string
	for _, g := range m[1:] {
		if g != "" {
			groups = append(groups, g)
		}
	}
	if len(groups) == 0 {
		return m[:1]
	}
	return groups
}

// cleanLine drops the carriage return and other control characters a
// serial line carries, keeping tabs.
func cleanLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r >= 0x20 && r != 0x7f {
			return r
		}
		return -1
	}, s)
}

var (
	timestampRe = regexp.MustCompile(`^\s*\[\s*\d+\.\d+\]\s*`)
	// symbol+0x1c/0x40 or symbol+0x1c: the offset and size move with any
	// change to the code; the symbol is the fact.
	symOffsetRe = regexp.MustCompile(`\+0x[0-9a-fA-F]+(/0x[0-9a-fA-F]+)?\b`)
	buildNumRe  = regexp.MustCompile(`#\d+\b`)
	wordRe      = regexp.MustCompile(`[A-Za-z0-9_]+`)
	longHexRe   = regexp.MustCompile(`^(0x)?[0-9a-fA-F]{9,}$`)
	bigNumRe    = regexp.MustCompile(`^[1-9]\d{3,}([KMGT]i?B?|kB)?$`)
	spacesRe    = regexp.MustCompile(`\s+`)
)

// normalizeLine makes a console line comparable across builds and boots:
// no timestamp, no addresses, no offsets into functions, no sizes or
// counts of four digits or more, no build number, no banner details.
// Short numbers stay: they are exit codes, CPU and device numbers.
func normalizeLine(s string) string {
	s = cleanLine(s)
	s = timestampRe.ReplaceAllString(s, "")
	if i := strings.Index(s, bannerText); i >= 0 {
		// The banner names the compiler, the build number and the date.
		return "Linux version"
	}
	s = symOffsetRe.ReplaceAllString(s, "")
	s = buildNumRe.ReplaceAllString(s, "#N")
	s = wordRe.ReplaceAllStringFunc(s, func(w string) string {
		switch {
		case longHexRe.MatchString(w):
			return "X"
		case bigNumRe.MatchString(w):
			return "N" + strings.TrimLeft(w, "0123456789")
		}
		return w
	})
	s = strings.TrimSpace(spacesRe.ReplaceAllString(s, " "))
	if len(s) > maxFactLine {
		s = s[:maxFactLine]
	}
	return s
}
