package oracle

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/kcmin/kcmin/build"
)

// LogPatterns looks for lines of the build log that match any of its
// patterns (objtool's noinstr warnings, say). Its facts are the matched
// lines, normalised by Normalize.
type LogPatterns struct {
	Patterns []*regexp.Regexp
}

// Name is "log".
func (LogPatterns) Name() string { return "log" }

// Validate reports a LogPatterns with nothing to look for.
func (c LogPatterns) Validate() error {
	if len(c.Patterns) == 0 {
		return errors.New("log: no patterns")
	}
	for i, re := range c.Patterns {
		if re == nil {
			return fmt.Errorf("log: pattern %d is nil", i+1)
		}
	}
	return nil
}

// Check scans a's build log. The failure is present when a line matches.
func (c LogPatterns) Check(ctx context.Context, a *build.Artifact, testDir string) (Finding, error) {
	if err := c.Validate(); err != nil {
		return Finding{}, err
	}
	if a == nil || a.Log == "" {
		return Finding{}, errors.New("no build log to scan")
	}
	var facts []string
	err := eachLine(a.Log, func(line string) {
		for _, re := range c.Patterns {
			if re.MatchString(line) {
				facts = append(facts, Normalize(line, a.Dir, a.Source))
				return
			}
		}
	})
	if err != nil {
		return Finding{}, err
	}
	f := Finding{Present: len(facts) > 0, Facts: sortedSet(facts)}
	if !f.Present {
		f.Notes = []string{"no line of " + a.Log + " matches"}
	}
	return f, nil
}

// maxLine bounds one line read from a log; the rest of a longer line is
// dropped.
const maxLine = 64 << 10

// eachLine calls fn with every line of the file at path, without its end
// and without carriage returns.
func eachLine(path string, fn func(string)) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read log: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, maxLine)
	for {
		line, isPrefix, err := r.ReadLine()
		if len(line) > 0 || err == nil {
			fn(strings.TrimRight(string(line), "\r"))
		}
		for isPrefix && err == nil {
			_, isPrefix, err = r.ReadLine()
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read log %s: %w", path, err)
		}
	}
}

var (
	ansiEscape = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)
	// "[    1.234567] " before a console line.
	timestamp = regexp.MustCompile(`^\s*\[\s*\d+\.\d+\]\s*`)
	// "vmlinux.o: warning: objtool: " before objtool's own words.
	objtoolPrefix = regexp.MustCompile(`^\S+: (?:warning|error): objtool: `)
	// "kernel/fork.c:123:4" -> "kernel/fork.c".
	lineColumn = regexp.MustCompile(`([\w./+-]+\.[A-Za-z]\w*):\d+(?::\d+)?`)
	// "do_syscall_64+0x141" and "foo+0x12/0x40" -> the symbol alone.
	symbolOffset = regexp.MustCompile(`\+0x[0-9a-fA-F]+(?:/0x[0-9a-fA-F]+)?`)
	// 0xffffffff81000000, ffffffff81000000: addresses move with every
	// config.
	address = regexp.MustCompile(`\b(?:0x[0-9a-fA-F]{8,}|[0-9a-fA-F]{16})\b`)
	spaces  = regexp.MustCompile(`\s+`)
)

// Normalize turns a log or console line into a fact that stays the same
// from one config to the next: it strips terminal colours, printk
// timestamps, objtool's "vmlinux.o: warning: objtool:" prefix, line and
// column numbers, symbol offsets and addresses, and the given directories
// (the build dir, the source tree), so paths read relative to them.
//
//	vmlinux.o: warning: objtool: do_syscall_64+0x141: call to lockdep_hardirqs_off() leaves .noinstr.text section
//	do_syscall_64: call to lockdep_hardirqs_off() leaves .noinstr.text section
func Normalize(line string, dirs ...string) string {
	s := ansiEscape.ReplaceAllString(line, "")
	s = timestamp.ReplaceAllString(s, "")
	s = objtoolPrefix.ReplaceAllString(s, "")
	s = stripDirs(s, dirs)
	s = lineColumn.ReplaceAllString(s, "$1")
	s = symbolOffset.ReplaceAllString(s, "")
	s = address.ReplaceAllString(s, "")
	return strings.TrimSpace(spaces.ReplaceAllString(s, " "))
}

// stripDirs makes paths under dirs relative, the longest dir first so a
// build dir inside the source tree is stripped whole.
func stripDirs(s string, dirs []string) string {
	var clean []string
	for _, d := range dirs {
		if d == "" {
			continue
		}
		d = filepath.Clean(d)
		if d == "/" || d == "." {
			continue
		}
		clean = append(clean, d+"/")
	}
	sort.Slice(clean, func(i, j int) bool { return len(clean[i]) > len(clean[j]) })
	for _, d := range clean {
		s = strings.ReplaceAll(s, d, "")
	}
	return s
}
