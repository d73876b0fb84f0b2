package kconfig

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kcmin/kcmin/proctree"
)

// MacroCache remembers what the $(shell,...) macros printed, keyed by the
// command and the environment it ran in, so that parsing a tree again
// runs no process. It is safe for concurrent use and can be saved to and
// loaded from a file.
type MacroCache struct {
	mu      sync.Mutex
	entries map[string]string
	runs    int
}

// NewMacroCache returns an empty cache.
func NewMacroCache() *MacroCache { return &MacroCache{entries: map[string]string{}} }

// Runs returns how many commands the cache had to run.
func (c *MacroCache) Runs() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.runs
}

// Len returns how many results the cache holds.
func (c *MacroCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

func (c *MacroCache) get(key string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.entries[key]
	return v, ok
}

func (c *MacroCache) put(key, val string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[key] = val
	c.runs++
}

// Save writes the cache as JSON.
func (c *MacroCache) Save(w io.Writer) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(c.entries)
}

// LoadMacroCache reads a cache written by Save.
func LoadMacroCache(r io.Reader) (*MacroCache, error) {
	c := NewMacroCache()
	if err := json.NewDecoder(r).Decode(&c.entries); err != nil {
		return nil, fmt.Errorf("read macro cache: %w", err)
	}
	if c.entries == nil {
		c.entries = map[string]string{}
	}
	return c, nil
}

// shellTimeout bounds one $(shell,...) command; the kernel's own
// commands (compiler probes) take well under a second.
const shellTimeout = 2 * time.Minute

type flavor uint8

const (
	flavorRecursive flavor = iota // =
	flavorSimple                  // :=
	flavorAppend                  // +=
)

type variable struct {
	value    string
	flavor   flavor
	expCount int
}

// macros is Kconfig's preprocessor: variables, user functions, the
// built-in functions and environment variables.
type macros struct {
	ctx    context.Context
	vars   map[string]*variable
	env    map[string]string
	envKey string
	used   map[string]string // environment variables referenced
	cache  *MacroCache
	dir    string
	stderr io.Writer
	pos    Pos // the position being expanded, for $(filename) and errors
	errf   func(Pos, string)
	warnf  func(Pos, string)
}

func newMacros(ctx context.Context, env map[string]string, cache *MacroCache, dir string, stderr io.Writer) *macros {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%s=%s\x00", k, env[k])
	}
	if stderr == nil {
		stderr = io.Discard
	}
	return &macros{
		ctx: ctx, vars: map[string]*variable{}, env: env,
		envKey: hex.EncodeToString(h.Sum(nil)[:12]),
		used:   map[string]string{}, cache: cache, dir: dir, stderr: stderr,
	}
}

func (m *macros) getenv(name string) (string, bool) {
	if name == "" {
		return "", false
	}
	if v, ok := m.env[name]; ok {
		m.used[name] = v
		return v, true
	}
	if v, ok := os.LookupEnv(name); ok {
		m.used[name] = v
		return v, true
	}
	return "", false
}

func (m *macros) add(name, value string, fl flavor) {
	v, ok := m.vars[name]
	appendVal := false
	if ok {
		if fl == flavorAppend {
			fl = v.flavor
			appendVal = true
		}
	} else {
		if fl == flavorAppend {
			fl = flavorRecursive
		}
		v = &variable{}
		m.vars[name] = v
	}
	v.flavor = fl
	nv := value
	if fl == flavorSimple {
		nv = m.expandString(value, nil)
	}
	if appendVal {
		v.value += " " + nv
	} else {
		v.value = nv
	}
}

func isTokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// expandToken expands one token at the start of in: word characters and
// $(...) references, up to the first other character. It returns the
// expansion and how many bytes of in it used.
func (m *macros) expandToken(in string, pos Pos) (string, int) {
	m.pos = pos
	return m.expand(in, nil, true)
}

// expandDollar expands the reference that follows a '$' at the start of
// in. Without a '(' the '$' stands for itself.
func (m *macros) expandDollar(in string, pos Pos) (string, int) {
	m.pos = pos
	return m.dollar(in, nil)
}

func (m *macros) expandString(in string, args []string) string {
	out, _ := m.expand(in, args, false)
	return out
}

func (m *macros) expand(in string, args []string, token bool) (string, int) {
	var b strings.Builder
	i := 0
	for i < len(in) {
		c := in[i]
		if c == '$' {
			exp, used := m.dollar(in[i+1:], args)
			b.WriteString(exp)
			i += 1 + used
			continue
		}
		if token && !isTokenByte(c) {
			break
		}
		b.WriteByte(c)
		i++
	}
	return b.String(), i
}

func (m *macros) dollar(in string, args []string) (string, int) {
	if in == "" || in[0] != '(' {
		return "$", 0
	}
	nest := 0
	for q := 1; q < len(in); q++ {
		switch in[q] {
		case '(':
			nest++
		case ')':
			if nest == 0 {
				return m.clause(in[1:q], args), q + 1
			}
			nest--
		}
	}
	m.errf(m.pos, fmt.Sprintf("unterminated reference to '%s': missing ')'", in[1:]))
	return "", len(in)
}

const maxFunctionArgs = 16

func (m *macros) clause(str string, args []string) string {
	if n, err := strconv.Atoi(str); err == nil && n > 0 && n <= len(args) && isDigits(str) {
		return args[n-1]
	}
	var parts []string
	nest, prev := 0, 0
	for i := 0; i < len(str); i++ {
		switch str[i] {
		case ',':
			if nest == 0 {
				parts = append(parts, str[prev:i])
				prev = i + 1
			}
		case '(':
			nest++
		case ')':
			nest--
		}
	}
	parts = append(parts, str[prev:])
	if len(parts) > maxFunctionArgs {
		m.errf(m.pos, "too many function arguments")
		return ""
	}
	name := m.expandString(parts[0], args)
	newArgs := make([]string, len(parts)-1)
	for i, p := range parts[1:] {
		newArgs[i] = m.expandString(p, args)
	}
	if v, ok := m.vars[name]; ok {
		if len(newArgs) == 0 && v.expCount > 0 {
			m.errf(m.pos, fmt.Sprintf("Recursive variable '%s' references itself (eventually)", name))
			return ""
		}
		if v.expCount > 1000 {
			m.errf(m.pos, "Too deep recursive expansion")
			return ""
		}
		v.expCount++
		defer func() { v.expCount-- }()
		if v.flavor == flavorRecursive {
			return m.expandString(v.value, newArgs)
		}
		return v.value
	}
	if out, ok := m.function(name, newArgs); ok {
		return out
	}
	if len(newArgs) == 0 {
		if v, ok := m.getenv(name); ok {
			return v
		}
	}
	return ""
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func (m *macros) function(name string, args []string) (string, bool) {
	want := func(min, max int) bool {
		if len(args) < min {
			m.errf(m.pos, fmt.Sprintf("too few function arguments passed to '%s'", name))
			return false
		}
		if len(args) > max {
			m.errf(m.pos, fmt.Sprintf("too many function arguments passed to '%s'", name))
			return false
		}
		return true
	}
	switch name {
	case "error-if":
		if want(2, 2) && args[0] == "y" {
			m.errf(m.pos, args[1])
		}
		return "", true
	case "warning-if":
		if want(2, 2) && args[0] == "y" {
			fmt.Fprintf(m.stderr, "%s:%d: %s\n", m.pos.File, m.pos.Line, args[1])
			m.warnf(m.pos, args[1])
		}
		return "", true
	case "info":
		if want(1, 1) {
			fmt.Fprintln(m.stderr, args[0])
		}
		return "", true
	case "filename":
		want(0, 0)
		return m.pos.File, true
	case "lineno":
		want(0, 0)
		return strconv.Itoa(m.pos.Line), true
	case "shell":
		if !want(1, 1) {
			return "", true
		}
		return m.shell(args[0]), true
	case "if":
		// $(if,cond,then[,else]): then when cond is not empty.
		if !want(2, 3) {
			return "", true
		}
		if strings.TrimSpace(args[0]) != "" {
			return args[1], true
		}
		if len(args) == 3 {
			return args[2], true
		}
		return "", true
	}
	return "", false
}

// shell runs cmd as Kconfig's $(shell,...) does: through /bin/sh, the
// output's trailing newlines dropped and inner ones turned into spaces.
func (m *macros) shell(cmd string) string {
	key := m.envKey + "\x00" + cmd
	if m.cache != nil {
		if v, ok := m.cache.get(key); ok {
			return v
		}
	}
	out, err := runShell(m.ctx, cmd, m.dir, m.env, m.stderr)
	if err != nil {
		m.errf(m.pos, fmt.Sprintf("$(shell,%s): %v", cmd, err))
		return ""
	}
	if len(out) > 4095 {
		out = out[:4095]
	}
	out = bytes.TrimRight(out, "\n")
	s := strings.ReplaceAll(string(out), "\n", " ")
	if m.cache != nil {
		m.cache.put(key, s)
	}
	return s
}

// runShell runs one command in its own process group, killed with its
// children at the timeout or when ctx ends; what it leaves, in its group
// or out of it, dies when it ends (proctree.Start). A non-zero exit status is
// not an error: Kconfig only reads the output.
func runShell(ctx context.Context, cmd, dir string, env map[string]string, stderr io.Writer) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, shellTimeout)
	defer cancel()
	c := exec.Command("/bin/sh", "-c", cmd)
	c.Dir = dir
	c.Env = os.Environ()
	for k, v := range env {
		c.Env = append(c.Env, k+"="+v)
	}
	var out bytes.Buffer
	c.Stdout = &out
	c.Stderr = stderr
	c.WaitDelay = time.Second
	wait, err := proctree.Start(c)
	if err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			_ = syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
		case <-done:
		}
	}()
	err = wait()
	close(done)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return nil, err
	}
	return out.Bytes(), nil
}
