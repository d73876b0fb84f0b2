package report

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Text is report.txt: plain text for a mailing list, no line wider than
// Width. Commands are wrapped with backslash-newline, so they still paste
// into a shell; log lines are wrapped with an indented continuation.
// The lines it quotes (the failure, the oracle's details, the notes, the
// versions) name no path of in.Local, each once (Local.CleanLines), and
// the commands no home dir.
func Text(in *Input, l Layout) string {
	var b strings.Builder
	para := func(text string) {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		for _, line := range wrapProse(text, Width) {
			b.WriteString(line + "\n")
		}
	}
	n := len(in.Culprits)
	para(fmt.Sprintf("kcmin: %s on top of %s reproduce%s the failure.",
		plural(n, "option"), describeBase(in), map[bool]string{true: "s"}[n == 1]))

	if failure := in.Local.CleanLines(in.Failure); len(failure) > 0 {
		para("The failure, as the bad config shows it:")
		b.WriteByte('\n')
		for _, f := range failure {
			for _, line := range wrapHanging(f, "  ", "      ", Width) {
				b.WriteString(line + "\n")
			}
		}
	}

	if where := functionsText(in); where != "" {
		para(where)
	}

	if details := in.Local.CleanLines(in.Details); len(details) > 0 {
		para("What the oracle saw of the bad config:")
		b.WriteByte('\n')
		for _, d := range details {
			for _, line := range wrapHanging(d, "  ", "      ", Width) {
				b.WriteString(line + "\n")
			}
		}
	}

	para("To reproduce it from a clean tree:")
	b.WriteByte('\n')
	for _, c := range l.Commands {
		for _, line := range wrapCommand(in.Local.homeless(c), Width) {
			b.WriteString(line + "\n")
		}
	}

	these := "these options"
	if n == 1 {
		these = "this option"
	}
	switch {
	case in.Verified && in.OneMinimal && n == 1:
		para("Verified: the base with this option reproduces the failure, and without it the failure is gone (1-minimal).")
	case in.Verified && in.OneMinimal && slices.ContainsFunc(in.Culprits, func(o Option) bool { return len(o.NeededFor) > 0 }):
		para(fmt.Sprintf("Verified: the base with these %s reproduces the failure, and without any one of them it is gone or another of them does not take its value (1-minimal).",
			plural(n, "option")))
	case in.Verified && in.OneMinimal:
		para(fmt.Sprintf("Verified: the base with these %s reproduces the failure, and without any one of them it is gone (1-minimal).",
			plural(n, "option")))
	case in.Verified:
		para("Verified: the base with " + these + " reproduces the failure. NOT 1-minimal: without one of them the failure stays, or that could not be tested.")
	case in.CleanBuild == "gone":
		para("NOT VERIFIED: the base with " + these + " reproduced the failure in incremental builds, but not in a clean build of its own, as the commands above build it. Treat the result with care.")
	default:
		para("NOT VERIFIED: the base with " + these + " did not reproduce the failure when tested again, or could not be tested. Treat the result with care.")
	}
	switch c := in.CleanBuild; {
	case in.Verified && c == "reproduces":
		para("The base with " + these + " was built from nothing in a build dir of its own, as the commands above build it, and reproduced the failure.")
	case in.Verified && c != "" && c != "gone":
		why, _ := in.Local.Clean(c)
		para("The clean build of the base with " + these + " could not be judged: " + why + ". It reproduced in the campaign's incremental builds.")
	}
	for _, o := range in.Culprits {
		if len(o.NeededFor) > 0 {
			para(fmt.Sprintf("%s is needed for %s: without it, %s not take %s value.",
				o.Line, joinAnd(linesOf(in.Culprits, o.NeededFor)), map[bool]string{true: "that does", false: "those do"}[len(o.NeededFor) == 1],
				map[bool]string{true: "its", false: "their"}[len(o.NeededFor) == 1]))
		}
	}
	if slices.ContainsFunc(in.Culprits, func(o Option) bool { return len(o.Effects.Changes) > 0 }) {
		para("What each option turns on or off besides itself, as Kconfig resolves the base with all the options and without that one:")
		b.WriteByte('\n')
		for _, o := range in.Culprits {
			for _, line := range wrapHanging(effectsLine(o), "  ", "    ", Width) {
				b.WriteString(line + "\n")
			}
		}
	}
	for _, note := range in.Local.CleanLines(in.Notes) {
		para(note)
	}
	if versions := in.Local.CleanLines(in.Versions); len(versions) > 0 {
		para("Built with " + strings.Join(versions, ", ") + ".")
	}
	if in.Bisect != nil {
		para(bisectText(in.Bisect))
	}
	if rows := matrixText(in); len(rows) > 0 {
		para(rows[0])
		for _, line := range rows[1:] {
			b.WriteString(line + "\n")
		}
	}
	para(statsLine(in))
	return b.String()
}

// functionsText says where the functions the warnings name are defined,
// grouped by file: "The functions the warnings name are defined in
// arch/x86/entry/common.c (do_syscall_64) and kernel/entry/common.c
// (irqentry_enter, irqentry_exit)."
func functionsText(in *Input) string {
	var files []string
	byFile := map[string][]string{}
	for _, f := range in.Functions {
		for _, file := range f.Files {
			file, _ = in.Local.Clean(file)
			if _, ok := byFile[file]; !ok {
				files = append(files, file)
			}
			if !slices.Contains(byFile[file], f.Name) {
				byFile[file] = append(byFile[file], f.Name)
			}
		}
	}
	if len(files) == 0 {
		return ""
	}
	slices.Sort(files)
	parts := make([]string, len(files))
	for i, file := range files {
		parts[i] = file + " (" + strings.Join(byFile[file], ", ") + ")"
	}
	what := "The functions the warnings name are defined in "
	if len(in.Functions) == 1 {
		what = "The function the warnings name is defined in "
	}
	return what + joinAnd(parts) + "."
}

func describeBase(in *Input) string {
	var s string
	if in.Base.File != "" {
		s = "the config " + in.Base.File[strings.LastIndexByte(in.Base.File, '/')+1:]
	} else {
		s = strings.Join(in.Base.Targets, " + ")
	}
	for _, f := range in.Base.Fragments {
		s += " + " + f.Name
	}
	if in.Arch != "" {
		s += " (ARCH=" + in.Arch + ")"
	}
	return s
}

func statsLine(in *Input) string {
	s := fmt.Sprintf("kcmin ran %s (%s", plural(in.Tests, "test"), plural(in.Builds, "build"))
	if in.CacheHits > 0 {
		s += fmt.Sprintf(", %s answered from its cache", plural(in.CacheHits, "question"))
	}
	if in.Unresolved > 0 {
		s += fmt.Sprintf(", %d unresolved", in.Unresolved)
	}
	s += ") in " + in.Elapsed.Round(time.Second).String()
	if in.Workers > 1 {
		s += fmt.Sprintf(" on %d workers (%v of tests)", in.Workers, in.TestTime.Round(time.Second))
	}
	if in.Candidates > 0 {
		s += fmt.Sprintf(", searching %s", plural(in.Candidates, "candidate option"))
		if in.Algorithm != "" {
			s += " with " + in.Algorithm
		}
	}
	s += "."
	if in.Builds > 0 && in.BuildTime > 0 {
		s += fmt.Sprintf(" The builds took %v in all (%v the median, %v the longest)",
			in.BuildTime.Round(time.Second), in.BuildMedian.Round(time.Second), in.BuildLargest.Round(time.Second))
		if in.Rebuilds > 0 {
			s += fmt.Sprintf("; %d of %d compiled less than a tenth of the objects", in.SmallRebuilds, in.Rebuilds)
		}
		s += "."
	}
	if in.PeakRSS > 0 {
		s += fmt.Sprintf(" The largest build process took %s.", sizeText(in.PeakRSS))
	}
	if rate := in.FlakeRate(); rate >= 0 {
		s += fmt.Sprintf(" The bad config showed the failure in %d of %d runs (flake rate %.0f%%).", in.BadRuns-in.BadGone, in.BadRuns, 100*rate)
	}
	if in.FalseGone > 0 {
		s += fmt.Sprintf(" Of the oracle's %d \"gone\" answers, %d were seen to be false (a flaky failure): each culprit's removal was confirmed by repeating it.", in.Gone, in.FalseGone)
	}
	if in.Disagreements > 0 {
		s += fmt.Sprintf(" Its own Kconfig resolver disagreed with make olddefconfig on %s; make's answer was used.", plural(in.Disagreements, "config"))
	}
	return s
}

// linesOf gives the culprits of those names by their lines.
func linesOf(culprits []Option, names []string) []string {
	var out []string
	for _, n := range names {
		line := "CONFIG_" + n
		for _, o := range culprits {
			if o.Name == n {
				line = o.Line
			}
		}
		out = append(out, line)
	}
	return out
}

// joinAnd joins words as prose: "a", "a and b", "a, b and c".
func joinAnd(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// wrapProse fills words into lines of at most width columns.
func wrapProse(text string, width int) []string {
	return wrapHanging(text, "", "", width)
}

// wrapHanging fills words into lines: the first starts with first, the
// others with rest. A word longer than a line is cut.
func wrapHanging(text, first, rest string, width int) []string {
	var out []string
	line := first
	empty := true
	for _, w := range strings.Fields(text) {
		for {
			switch {
			case empty && len(line)+len(w) <= width:
				line += w
			case !empty && len(line)+1+len(w) <= width:
				line += " " + w
			case empty:
				// Alone on a line and still too long: cut it.
				room := width - len(line)
				out = append(out, line+w[:room])
				line, w = rest, w[room:]
				continue
			default:
				out = append(out, line)
				line, empty = rest, true
				continue
			}
			break
		}
		empty = false
	}
	if !empty {
		out = append(out, line)
	}
	return out
}

// wrapCommand writes a shell command as "$ " lines of at most width
// columns, breaking between words with backslash-newline, and inside a
// long single-quoted line by closing and reopening the quote.
func wrapCommand(cmd string, width int) []string {
	words := shellSplit(cmd)
	var out []string
	line, empty := "$ ", true
	for k, w := range words {
		segs := strings.Split(w, "\n")
		for i, seg := range segs {
			if i > 0 {
				// A newline inside quotes ends the line as it is.
				out = append(out, line)
				line, empty = "", true
			}
			// A line that may continue needs room for " \".
			reserve := 2
			if i < len(segs)-1 || k == len(words)-1 {
				reserve = 0
			}
			sep := " "
			if empty {
				sep = ""
			}
			if i == 0 && !empty && len(line)+len(sep)+len(seg)+reserve > width {
				out = append(out, line+` \`)
				line, sep = "    ", ""
			}
			for strings.HasPrefix(w, "'") && len(line)+len(sep)+len(seg)+reserve > width {
				head, tail := breakQuoted(seg, width-len(line)-len(sep)-2)
				if head == "" {
					break
				}
				out = append(out, line+sep+head+`'\`)
				line, sep, seg = "", "", "'"+tail
			}
			line += sep + seg
			empty = false
		}
	}
	return append(out, line)
}

// breakQuoted cuts a piece of a single-quoted word at most room bytes
// long, after a space if it can, and never next to a quote.
func breakQuoted(seg string, room int) (head, tail string) {
	if room <= 1 || room >= len(seg) {
		return "", seg
	}
	cut := -1
	for i := room; i > 1; i-- {
		if strings.ContainsRune(seg[i-2:min(i+2, len(seg))], '\'') {
			continue
		}
		if cut < 0 {
			cut = i
		}
		if seg[i-1] == ' ' {
			cut = i
			break
		}
	}
	if cut < 0 {
		return "", seg
	}
	return seg[:cut], seg[cut:]
}

// shellSplit splits a command into its words, keeping quotes as written.
func shellSplit(cmd string) []string {
	var words []string
	var cur strings.Builder
	quote := byte(0)
	for i := 0; i < len(cmd); i++ {
		c := cmd[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == ' ':
			if cur.Len() > 0 {
				words = append(words, cur.String())
				cur.Reset()
			}
			continue
		}
		cur.WriteByte(c)
	}
	if cur.Len() > 0 {
		words = append(words, cur.String())
	}
	return words
}

// sizeText writes a size in bytes as a person reads it: 812 MB, 6.8 GB.
func sizeText(b int64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%d MB", b>>20)
	}
	return fmt.Sprintf("%d kB", b>>10)
}

// Local names the paths of the reporter's machine, which report.txt, sent
// to a mailing list, must not show: a reader there opens init/main.c, not
// /home/me/linux/init/main.c, and cannot open a test's build.log at all.
// Each field may name a dir more than once, as given and with its
// symlinks resolved (the kernel's Makefile names its trees by their real
// paths).
type Local struct {
	// Source is the kernel tree: a path under it becomes relative to it,
	// as the kernel's own messages give it (init/main.c:1230:22).
	Source []string
	// BuildDirs are make's O= dirs: a path under one becomes relative to
	// it, as kbuild names its objects (vmlinux.o). A "*" stands for one
	// name of a path: WORKDIR/build/* is every build dir of a campaign.
	BuildDirs []string
	// Work is the campaign's workdir: a path under it that is in no
	// build dir (a test's build.log, the oracle's logs) is no file a
	// reader can open. A line that says nothing but where such a file is
	// ("build: log: PATH") is dropped, such a path in parentheses is
	// dropped with them, and any other becomes its file name.
	Work []string
	// Home is the user's home dir: any other path under it starts with
	// ~ instead.
	Home []string
}

// Clean rewrites a line for report.txt so that it names none of the
// local paths, and reports false when nothing is left worth printing:
// the line said only where a file of the workdir is. A dir is matched
// anywhere in the line, at path boundaries only (/src/linux is not in
// /src/linux-next/x or /x/src/linux), and the longest that matches wins,
// so that a path in a build dir inside the workdir becomes relative to
// the build dir.
func (l Local) Clean(line string) (string, bool) {
	dirs := l.dirs()
	if len(dirs) == 0 {
		return line, true
	}
	// bare is the line without the workdir's paths, to tell whether
	// anything but labels is left.
	var out, bare []byte
	work := false
	for i := 0; i < len(line); {
		best, end := -1, 0
		if line[i] == '/' && pathStart(line, i) {
			for k, d := range dirs {
				if j, ok := d.match(line, i); ok && j > end {
					best, end = k, j
				}
			}
		}
		if best < 0 {
			out, bare = append(out, line[i]), append(bare, line[i])
			i++
			continue
		}
		rest := end
		for rest < len(line) && isPathByte(line[rest]) {
			rest++
		}
		sub := line[end:rest] // "" or "/..." under the dir
		switch dirs[best].kind {
		case inTree:
			rel := strings.TrimPrefix(sub, "/")
			if rel == "" {
				rel = "."
			}
			out, bare = append(out, rel...), append(bare, rel...)
			i = rest
		case inHome:
			out, bare = append(out, '~'), append(bare, '~')
			i = end
		case inWork:
			work = true
			if i > 0 && line[i-1] == '(' && rest < len(line) && line[rest] == ')' {
				out = []byte(strings.TrimRight(string(out[:len(out)-1]), " "))
				bare = []byte(strings.TrimRight(string(bare[:len(bare)-1]), " "))
				i = rest + 1
				continue
			}
			name := "WORKDIR"
			if strings.Trim(sub, "/") != "" {
				name = filepath.Base(sub)
			}
			out = append(out, name...)
			i = rest
		}
	}
	if work && labelsOnly.Match(bare) {
		return "", false
	}
	return string(out), true
}

// CleanLines cleans each line (Clean) and keeps, in their order, those
// with something left that differ from every line before them once
// cleaned: the same warning twice in a log, or with two build dirs'
// prefixes, is quoted once.
func (l Local) CleanLines(lines []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, line := range lines {
		c, ok := l.Clean(line)
		if ok && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// homeless writes the home dir of the words of a shell command that are
// not quoted as ~, which the reader's shell expands to theirs; a quoted
// word keeps it, since ~ would not expand there.
func (l Local) homeless(cmd string) string {
	if len(l.Home) == 0 {
		return cmd
	}
	words := shellSplit(cmd)
	for i, w := range words {
		if !strings.ContainsAny(w, `'"`) {
			words[i], _ = Local{Home: l.Home}.Clean(w)
		}
	}
	return strings.Join(words, " ")
}

// labelsOnly matches what is left of a line that named a file of the
// workdir and said nothing else: "build: log: ".
var labelsOnly = regexp.MustCompile(`^\s*([\w.+-]+:\s*)*$`)

type localKind int

const (
	inTree localKind = iota // the source tree or a build dir: paths relative to it
	inWork                  // the workdir: no path a reader can open
	inHome                  // the home dir: ~
)

// A localDir is one dir of a Local, split at its "*"s.
type localDir struct {
	parts []string
	kind  localKind
}

func (l Local) dirs() []localDir {
	var out []localDir
	for kind, dirs := range [][]string{inTree: append(slices.Clone(l.Source), l.BuildDirs...), inWork: l.Work, inHome: l.Home} {
		for _, d := range dirs {
			d = filepath.Clean(d)
			if !filepath.IsAbs(d) || d == "/" {
				continue
			}
			out = append(out, localDir{parts: strings.Split(d, "*"), kind: localKind(kind)})
		}
	}
	return out
}

// match reports where the dir ends when line names it, or a path under
// it, at i: a "*" takes one name or more of its bytes, and the dir ends
// where its last name does.
func (d localDir) match(line string, i int) (int, bool) {
	pos := i
	for k, lit := range d.parts {
		if k > 0 {
			n := pos
			for n < len(line) && line[n] != '/' && isPathByte(line[n]) {
				n++
			}
			if n == pos {
				return 0, false
			}
			pos = n
		}
		if !strings.HasPrefix(line[pos:], lit) {
			return 0, false
		}
		pos += len(lit)
	}
	if pos < len(line) && line[pos] != '/' && isPathByte(line[pos]) {
		return 0, false
	}
	return pos, true
}

// pathStart says whether an absolute path starts at line[i]: after a byte
// that no path has, or glued to a flag (-I/src/linux/include).
func pathStart(line string, i int) bool {
	if i == 0 || !isPathByte(line[i-1]) {
		return true
	}
	k := i
	for k > 0 && isPathByte(line[k-1]) {
		k--
	}
	return line[k] == '-' && !strings.Contains(line[k:i], "/")
}

// isPathByte says whether b can be part of a path as logs write them:
// not a space, quote, bracket or the colon before a line number.
func isPathByte(b byte) bool {
	return b >= 0x80 || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || strings.IndexByte("/._-+~@%", b) >= 0
}
