package kconfig

// This file reads and writes .config files and fragments the way the
// kernel's scripts/kconfig/confdata.c does, merges fragments the way
// scripts/kconfig/merge_config.sh does, and diffs two configs. It knows
// nothing of symbol types: a value is kept as written.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/go-multierror"
)

// ConfigPrefix is the prefix of every symbol name in a .config file, unless
// the environment variable CONFIG_ tells the kernel's conf otherwise.
const ConfigPrefix = "CONFIG_"

// Entry is one assignment in a .config file or fragment.
type Entry struct {
	Name   string // symbol name without CONFIG_
	Value  string // "y", "m", "n" (also for "# CONFIG_X is not set"), a number as written, or a string's unescaped text
	Quoted bool   // the value was written as a quoted string
	Pos    Pos    // where it was read; zero when made in code
}

// Line is the entry as a line of a .config, without the newline:
// "CONFIG_X=y", "# CONFIG_X is not set", `CONFIG_S="a\"b"`.
func (e Entry) Line() string { return ConfigFormat{}.Line(e) }

// Literal is the value as it stands right of "=" in a .config: y, n, 0x10,
// or a string in double quotes with '"' and '\' escaped. It tells a string
// from a bare word, and an empty string ("") from no value at all.
func (e Entry) Literal() string {
	if e.Quoted {
		return quote(e.Value)
	}
	return e.Value
}

// same reports whether two entries assign the same value.
func (e Entry) same(o Entry) bool { return e.Value == o.Value && e.Quoted == o.Quoted }

// Warning is something legal but suspicious in a .config file: the kernel's
// conf accepts it, perhaps not the way its author meant.
type Warning struct {
	Pos Pos
	Msg string
}

func (w Warning) String() string { return w.Pos.String() + ": " + w.Msg }

// ConfigError is one malformed line of a .config file.
type ConfigError struct {
	Pos Pos
	Msg string
}

func (e *ConfigError) Error() string {
	if e.Pos == (Pos{}) {
		return e.Msg
	}
	return e.Pos.String() + ": " + e.Msg
}

// Config is an ordered set of assignments, one per symbol.
type Config struct {
	// entries holds the entries in order. An entry whose index slot does
	// not point back at it was deleted (or replaced by a later Set after a
	// Delete); dead counts those, so that they are squeezed out lazily.
	entries []Entry
	index   map[string]int
	dead    int
}

// NewConfig returns an empty config.
func NewConfig() *Config { return &Config{index: map[string]int{}} }

func newConfigSize(n int) *Config {
	return &Config{entries: make([]Entry, 0, n), index: make(map[string]int, n)}
}

// Get returns the entry of a symbol.
func (c *Config) Get(name string) (Entry, bool) {
	i, ok := c.index[name]
	if !ok {
		return Entry{}, false
	}
	return c.entries[i], true
}

// Value returns the value of a symbol, "" when it has none.
func (c *Config) Value(name string) string {
	e, _ := c.Get(name)
	return e.Value
}

// Set assigns a symbol: an existing entry is replaced where it stands, a new
// one goes last.
func (c *Config) Set(e Entry) {
	if c.index == nil {
		c.index = map[string]int{}
	}
	if i, ok := c.index[e.Name]; ok {
		c.entries[i] = e
		return
	}
	c.index[e.Name] = len(c.entries)
	c.entries = append(c.entries, e)
}

// Delete removes a symbol's entry, if any.
func (c *Config) Delete(name string) {
	if _, ok := c.index[name]; !ok {
		return
	}
	delete(c.index, name)
	c.dead++
	if c.dead > len(c.entries)/2 {
		c.compact()
	}
}

func (c *Config) live(i int) bool {
	j, ok := c.index[c.entries[i].Name]
	return ok && j == i
}

func (c *Config) compact() {
	if c.dead == 0 {
		return
	}
	kept := c.entries[:0]
	for i := range c.entries {
		if c.live(i) {
			c.index[c.entries[i].Name] = len(kept)
			kept = append(kept, c.entries[i])
		}
	}
	clear(c.entries[len(kept):])
	c.entries = kept
	c.dead = 0
}

// Entries returns a copy of the entries in order.
func (c *Config) Entries() []Entry {
	if c.dead == 0 {
		return slices.Clone(c.entries)
	}
	out := make([]Entry, 0, len(c.index))
	for i := range c.entries {
		if c.live(i) {
			out = append(out, c.entries[i])
		}
	}
	return out
}

// each calls fn for every entry in order.
func (c *Config) each(fn func(Entry)) {
	for i := range c.entries {
		if c.dead == 0 || c.live(i) {
			fn(c.entries[i])
		}
	}
}

// Names returns the symbol names, sorted.
func (c *Config) Names() []string {
	names := make([]string, 0, len(c.index))
	for name := range c.index {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Len is the number of entries.
func (c *Config) Len() int { return len(c.index) }

// Clone returns an independent copy.
func (c *Config) Clone() *Config {
	d := newConfigSize(c.Len())
	c.each(d.Set)
	return d
}

// Write writes the entries in order, one line each, with the CONFIG_ prefix.
func (c *Config) Write(w io.Writer) error { return ConfigFormat{}.Write(w, c) }

// ReadConfig reads a .config file or fragment. All malformed lines are
// reported together in a *multierror.Error of *ConfigError; the Config then
// holds the lines that were good. An assignment repeated later wins, with a
// warning, as in the kernel.
func ReadConfig(r io.Reader, filename string) (*Config, []Warning, error) {
	return ConfigFormat{}.Read(r, filename)
}

// ReadConfigFile reads a .config file or fragment from disk; see ReadConfig.
func ReadConfigFile(path string) (*Config, []Warning, error) {
	return ConfigFormat{}.ReadFile(path)
}

// ParseConfigLine parses one line of a .config. ok is false for a blank line
// or a comment. A trailing newline (LF or CRLF) is allowed. Warnings that
// ReadConfig would give for the line are not reported.
func ParseConfigLine(line string) (e Entry, ok bool, err error) {
	return ConfigFormat{}.ParseLine(line)
}

// ConfigFormat is the .config syntax with a given symbol prefix: the
// kernel's conf takes it from the environment variable CONFIG_. Its zero
// value is the usual format with the prefix CONFIG_.
type ConfigFormat struct {
	Prefix string // "" means ConfigPrefix
}

func (f ConfigFormat) prefix() string {
	if f.Prefix == "" {
		return ConfigPrefix
	}
	return f.Prefix
}

// ReadFile reads a .config file or fragment from disk; see ReadConfig.
func (f ConfigFormat) ReadFile(path string) (*Config, []Warning, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read config: %w", err)
	}
	defer fh.Close()
	return f.Read(fh, path)
}

// Read reads a .config file or fragment; see ReadConfig.
func (f ConfigFormat) Read(r io.Reader, filename string) (*Config, []Warning, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("read config %s: %w", filename, err)
	}
	text := string(data)
	c := newConfigSize(strings.Count(text, "\n") + 1)
	var (
		warns []Warning
		errs  *multierror.Error
	)
	for lineno := 1; text != ""; lineno++ {
		var line string
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
			line = strings.TrimSuffix(line, "\r")
		} else {
			line, text = text, ""
		}
		pos := Pos{File: filename, Line: lineno}
		if lineno == 1 && strings.HasPrefix(line, "\uFEFF") {
			errs = appendError(errs, &ConfigError{pos, "byte order mark at the start of the file: the kernel's conf does not skip it"})
			continue
		}
		e, ok, warn, msg := f.parseLine(line)
		if msg != "" {
			errs = appendError(errs, &ConfigError{pos, msg})
			continue
		}
		if warn != "" {
			warns = append(warns, Warning{pos, warn})
		}
		if !ok {
			continue
		}
		e.Pos = pos
		if i, dup := c.index[e.Name]; dup {
			warns = append(warns, Warning{pos, fmt.Sprintf("override: reassigning to symbol %s (set before at line %d)", e.Name, c.entries[i].Pos.Line)})
			c.entries[i] = e
			continue
		}
		c.index[e.Name] = len(c.entries)
		c.entries = append(c.entries, e)
	}
	return c, warns, errs.ErrorOrNil()
}

// ParseLine parses one line; see ParseConfigLine.
func (f ConfigFormat) ParseLine(line string) (e Entry, ok bool, err error) {
	line = strings.TrimSuffix(line, "\n")
	line = strings.TrimSuffix(line, "\r")
	e, ok, _, msg := f.parseLine(line)
	if msg != "" {
		return Entry{}, false, &ConfigError{Msg: msg}
	}
	return e, ok, nil
}

const notSet = "is not set"

// parseLine parses a line without its line ending. It returns a warning and
// an error message rather than errors, for the caller to place.
func (f ConfigFormat) parseLine(line string) (e Entry, ok bool, warn, errMsg string) {
	prefix := f.prefix()
	if strings.IndexByte(line, 0) >= 0 {
		return e, false, "", "NUL byte in line"
	}
	t := trimSpaceRight(line)
	switch {
	case t == "" && line != "":
		return e, false, "whitespace-only line", ""
	case t == "":
		return e, false, "", ""
	case t[0] == '#':
		return f.parseComment(t, t != line)
	case t != line:
		warn = "trailing whitespace ignored"
	}
	if !strings.HasPrefix(t, prefix) {
		if strings.HasPrefix(strings.TrimLeft(t, " \t"), prefix) {
			return e, false, "", "whitespace before " + prefix
		}
		return e, false, "", fmt.Sprintf("unexpected text %s: a line must start with %s or #", clip(t), prefix)
	}
	rest := t[len(prefix):]
	eq := strings.IndexByte(rest, '=')
	if eq < 0 {
		n := nameLen(rest)
		if n == 0 {
			return e, false, "", "missing symbol name after " + prefix
		}
		return e, false, "", fmt.Sprintf("missing \"=\" after %s%s", prefix, rest[:n])
	}
	e.Name = rest[:eq]
	switch {
	case e.Name == "":
		return e, false, "", fmt.Sprintf("missing symbol name between %s and \"=\"", prefix)
	case nameLen(e.Name) != len(e.Name):
		return e, false, "", fmt.Sprintf("invalid symbol name %q: only letters, digits and _", e.Name)
	}
	val := rest[eq+1:]
	if val == "" {
		return e, false, "", fmt.Sprintf("missing value after %s%s=", prefix, e.Name)
	}
	if val[0] == '"' {
		s, n, ok := unquote(val)
		if !ok {
			return e, false, "", "unterminated string"
		}
		if n != len(val) {
			return e, false, "", fmt.Sprintf("unexpected text %s after the closing quote", clip(val[n:]))
		}
		e.Value, e.Quoted = s, true
		return e, true, warn, ""
	}
	w, msg := checkBare(val)
	if msg != "" {
		return e, false, "", msg
	}
	if w != "" {
		warn = joinWarn(warn, w)
	}
	e.Value = val
	return e, true, warn, ""
}

// parseComment reads "# CONFIG_X is not set" and lets other comments pass,
// warning about those that look like an unset symbol but that the kernel,
// which wants exactly that form, reads as a mere comment.
func (f ConfigFormat) parseComment(t string, trailingSpace bool) (e Entry, ok bool, warn, errMsg string) {
	prefix := f.prefix()
	if rest, found := strings.CutPrefix(t, "# "+prefix); found {
		name, tail, _ := strings.Cut(rest, " ")
		if tail == notSet {
			if nameLen(name) != len(name) || name == "" {
				return e, false, "", fmt.Sprintf("invalid symbol name %q in %q", name, "# "+prefix+name+" "+notSet)
			}
			if trailingSpace {
				warn = fmt.Sprintf("trailing whitespace after %q: the kernel's conf reads this line as a comment, not as %s%s=n", notSet, prefix, name)
			}
			return Entry{Name: name, Value: "n"}, true, warn, ""
		}
	}
	fields := strings.Fields(t[1:])
	if len(fields) != 4 || !strings.EqualFold(strings.Join(fields[1:], " "), notSet) {
		return e, false, "", ""
	}
	if name, ok := strings.CutPrefix(fields[0], prefix); ok && name != "" && nameLen(name) == len(name) {
		return e, false, fmt.Sprintf("the kernel's conf reads this as a comment: an unset symbol is written exactly \"# %s%s %s\"",
			prefix, name, notSet), ""
	}
	return e, false, "", ""
}

// unquote reads a string in confdata.c's syntax: a backslash takes the next
// character as it is, a double quote ends the string. It returns the text
// and how many bytes of s the string took, quotes included.
func unquote(s string) (text string, n int, ok bool) {
	i := 1
	for i < len(s) && s[i] != '"' && s[i] != '\\' {
		i++
	}
	if i < len(s) && s[i] == '"' {
		return s[1:i], i + 1, true
	}
	var b strings.Builder
	b.WriteString(s[1:i])
	for i < len(s) {
		switch c := s[i]; c {
		case '"':
			return b.String(), i + 1, true
		case '\\':
			if i+1 == len(s) {
				return "", 0, false
			}
			b.WriteByte(s[i+1])
			i += 2
		default:
			b.WriteByte(c)
			i++
		}
	}
	return "", 0, false
}

// quote writes a string as confdata.c's escape_string_value does.
func quote(s string) string {
	if !strings.ContainsAny(s, `"\`) {
		return `"` + s + `"`
	}
	var b strings.Builder
	b.Grow(len(s) + 4)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// checkBare judges a value written without quotes. The kernel's conf takes
// it as a bool or tristate by its first letter alone, and as an int or hex
// only when it is a number. Anything else no symbol type can take: a
// string symbol silently ignores a value without quotes.
func checkBare(v string) (warn, errMsg string) {
	switch {
	case v == "y" || v == "m" || v == "n" || validValue(Int, v) || validValue(Hex, v):
		return "", ""
	case strings.ContainsAny(v, " \t\v\f\r"):
		return "", fmt.Sprintf("value %s has whitespace: a string needs double quotes", clip(v))
	case v[0] == '\'':
		return "", fmt.Sprintf("value %s: a string needs double quotes, not single", clip(v))
	case strings.IndexByte(v, '"') >= 0:
		return "", fmt.Sprintf("stray '\"' in value %s", clip(v))
	case v[0] == 'y' || v[0] == 'n':
		return fmt.Sprintf("value %q: the kernel reads it as %q for a bool or tristate and rejects it for other types", v, v[:1]), ""
	case v[0] == 'm':
		return fmt.Sprintf("value %q: the kernel reads it as \"m\" for a tristate and rejects it for other types", v), ""
	}
	return "", fmt.Sprintf("invalid value %s: not y, m, n, a decimal or a hex number (a string needs double quotes)", clip(v))
}

// trimSpaceRight drops trailing ASCII whitespace.
func trimSpaceRight(s string) string {
	i := len(s)
	for i > 0 {
		switch s[i-1] {
		case ' ', '\t', '\r', '\v', '\f':
			i--
			continue
		}
		break
	}
	return s[:i]
}

// nameLen is the length of the symbol name at the start of s.
func nameLen(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return i
		}
	}
	return len(s)
}

// clip quotes s for a message, shortened when long.
func clip(s string) string {
	const max = 40
	if len(s) > max {
		return fmt.Sprintf("%q...", s[:max])
	}
	return fmt.Sprintf("%q", s)
}

func joinWarn(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// check tells why an entry made in code cannot be written so that it reads
// back the same; "" when it can.
func (e Entry) check() string {
	switch {
	case e.Name == "" || nameLen(e.Name) != len(e.Name):
		return fmt.Sprintf("invalid symbol name %q", e.Name)
	case e.Quoted && strings.ContainsAny(e.Value, "\n\x00"):
		return fmt.Sprintf("symbol %s: a string in a .config cannot hold a newline or NUL", e.Name)
	case e.Quoted:
		return ""
	case e.Value == "":
		return fmt.Sprintf("symbol %s: empty value (a string needs Quoted)", e.Name)
	}
	if _, msg := checkBare(e.Value); msg != "" {
		return "symbol " + e.Name + ": " + msg
	}
	return ""
}

// Line is the entry as a line of a .config in this format.
func (f ConfigFormat) Line(e Entry) string {
	if !e.Quoted && e.Value == "n" {
		return "# " + f.prefix() + e.Name + " " + notSet
	}
	return f.prefix() + e.Name + "=" + e.Literal()
}

// Write writes the entries of c in order, one line each. It refuses, before
// writing anything, entries that would not read back the same.
func (f ConfigFormat) Write(w io.Writer, c *Config) error {
	var errs *multierror.Error
	c.each(func(e Entry) {
		if msg := e.check(); msg != "" {
			errs = appendError(errs, &ConfigError{e.Pos, msg})
		}
	})
	if err := errs.ErrorOrNil(); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	prefix := f.prefix()
	bw := bufio.NewWriterSize(w, 64<<10)
	c.each(func(e Entry) {
		if !e.Quoted && e.Value == "n" {
			bw.WriteString("# ")
			bw.WriteString(prefix)
			bw.WriteString(e.Name)
			bw.WriteString(" " + notSet + "\n")
			return
		}
		bw.WriteString(prefix)
		bw.WriteString(e.Name)
		bw.WriteByte('=')
		bw.WriteString(e.Literal())
		bw.WriteByte('\n')
	})
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	return nil
}

// Override is a symbol that a fragment sets to another value than the
// config it is merged onto. Old and New are literals (Entry.Literal).
type Override struct {
	Name, Old, New string
	Pos            Pos // of the fragment's line
}

// String is merge_config.sh's report of the override.
func (o Override) String() string {
	where := "a fragment:"
	if o.Pos != (Pos{}) {
		where = "fragment " + o.Pos.String() + ":"
	}
	return fmt.Sprintf("Value of %s%s is redefined by %s\nPrevious  value: %s\nNew value:       %s",
		ConfigPrefix, o.Name, where, literalLine(o.Name, o.Old), literalLine(o.Name, o.New))
}

func literalLine(name, lit string) string {
	if lit == "n" {
		return "# " + ConfigPrefix + name + " " + notSet
	}
	return ConfigPrefix + name + "=" + lit
}

// Merge applies fragments onto base in turn, as merge_config.sh does: a
// later assignment overrides an earlier one, and each override that changes
// the value is reported. Like merge_config.sh, which deletes the old line
// and appends the fragment, an assignment a fragment makes moves to the
// end: the order matters to conf, whose last choice member read wins.
// Neither base nor the fragments change; base may be nil.
func Merge(base *Config, fragments ...*Config) (*Config, []Override) {
	out := NewConfig()
	if base != nil {
		out = base.Clone()
	}
	var overrides []Override
	for _, frag := range fragments {
		if frag == nil {
			continue
		}
		frag.each(func(e Entry) {
			if old, ok := out.Get(e.Name); ok {
				if !old.same(e) {
					overrides = append(overrides, Override{Name: e.Name, Old: old.Literal(), New: e.Literal(), Pos: e.Pos})
				}
				// merge_config.sh drops the old line and appends the
				// fragment: the order decides which choice member wins.
				out.Delete(e.Name)
			}
			out.Set(e)
		})
	}
	return out, overrides
}

// Change is a symbol whose assignment differs between two configs. Old and
// New are literals (Entry.Literal), "" when the symbol has no entry: so a
// change from 5 to "5" shows, and an empty string ("") is not an absence.
type Change struct {
	Name, Old, New string
}

// Kind is "added", "removed" or "changed".
func (c Change) Kind() string {
	switch {
	case c.Old == "":
		return "added"
	case c.New == "":
		return "removed"
	}
	return "changed"
}

func (c Change) String() string {
	switch c.Kind() {
	case "added":
		return fmt.Sprintf("+%s=%s", c.Name, c.New)
	case "removed":
		return fmt.Sprintf("-%s=%s", c.Name, c.Old)
	}
	return fmt.Sprintf(" %s %s -> %s", c.Name, c.Old, c.New)
}

// Diff lists the symbols added, removed or changed from a to b, sorted by
// name. Values are compared as written: an absent symbol is not the same as
// one set to n, and 0x10 is not 16, since only Kconfig knows better.
func Diff(a, b *Config) []Change {
	if a == nil {
		a = NewConfig()
	}
	if b == nil {
		b = NewConfig()
	}
	var out []Change
	a.each(func(ea Entry) {
		eb, ok := b.Get(ea.Name)
		switch {
		case !ok:
			out = append(out, Change{Name: ea.Name, Old: ea.Literal()})
		case !ea.same(eb):
			out = append(out, Change{Name: ea.Name, Old: ea.Literal(), New: eb.Literal()})
		}
	})
	b.each(func(eb Entry) {
		if _, ok := a.index[eb.Name]; !ok {
			out = append(out, Change{Name: eb.Name, New: eb.Literal()})
		}
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// appendError adds an error to a list that prints as listErrors does.
func appendError(errs *multierror.Error, err error) *multierror.Error {
	errs = multierror.Append(errs, err)
	errs.ErrorFormat = listErrors
	return errs
}

// listErrors prints one error a line, all of them, as a compiler does:
// "bad.config:3: missing value after CONFIG_X=".
func listErrors(errs []error) string {
	msgs := make([]string, len(errs))
	for i, err := range errs {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "\n")
}

// IsConfigError reports whether err holds malformed lines of a .config, as
// opposed to a failure to read the file at all.
func IsConfigError(err error) bool {
	var ce *ConfigError
	return errors.As(err, &ce)
}
