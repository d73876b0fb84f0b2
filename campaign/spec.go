package campaign

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"regexp/syntax"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/hashicorp/go-multierror"

	"github.com/kcmin/kcmin/build"
	"github.com/kcmin/kcmin/oracle"
)

// Spec is a campaign file, checked, with every path made absolute.
type Spec struct {
	File    string // the campaign file, absolute
	Kernel  KernelSpec
	Config  ConfigSpec
	Oracle  OracleSpec
	ELF     *ELFSpec  // nil without an [elf] section
	Boot    *BootSpec // nil without a [boot] section
	Search  SearchSpec
	Workdir string // absolute
}

// ELFSpec is the [elf] section: facts read from vmlinux or vmlinux.o
// without booting.
type ELFSpec struct {
	File            string // vmlinux (default), vmlinux.o, or a path in the build dir
	Undefined       string // pattern on undefined, non-weak symbols
	Defined         string // pattern on defined symbols
	Missing         []string
	Sections        string
	MissingSections []string
	ByPattern       bool // one fact per pattern rather than per name
}

// BootSpec is the [boot] section: boot the built kernel under QEMU.
type BootSpec struct {
	// Expect is the failure: hang, panic, reboot loop, powered off,
	// booted, not booted (the default), or a pattern on the console.
	Expect   string
	Timeout  time.Duration // per boot; 0 lets the oracle choose
	Boots    int           // boots per test
	Memory   string
	CPUs     int
	Append   string   // kernel arguments after the console ones
	QEMUArgs []string // more QEMU arguments
	QEMU     string   // the QEMU binary
	Accel    string   // kvm, tcg, or "" for KVM when it works
	Rootfs   string   // an initramfs; "" for kcmin's own
	Marker   string   // the line the rootfs's init prints
}

// KernelSpec is the [kernel] section: the tree and how make is run in it.
type KernelSpec struct {
	Source        string
	Arch          string
	MakeVars      []string // NAME=VALUE, passed to every make
	Target        string   // "" judges the resolved config without building
	Jobs          int      // make -j; never 0 after loading
	BuildTimeout  time.Duration
	ConfigTimeout time.Duration // for each defconfig/olddefconfig
	// Ccache compiles through ccache: make gets CC="ccache <compiler>".
	// The reproducer in the report leaves it out.
	Ccache bool
}

// BuildVars are the variables every make gets: MakeVars, and with Ccache
// CC="ccache <compiler>", the compiler being MakeVars' CC, else the clang
// that LLVM= names, else $(CROSS_COMPILE)gcc as the kernel's Makefile
// would choose.
func (k KernelSpec) BuildVars() []string {
	if !k.Ccache {
		return k.MakeVars
	}
	cc, at := "", -1
	llvm := ""
	for i, v := range k.MakeVars {
		name, val, _ := strings.Cut(v, "=")
		switch name {
		case "CC":
			cc, at = val, i
		case "LLVM":
			llvm = val
		}
	}
	if at < 0 {
		// As the kernel's Makefile reads LLVM=: a directory is a prefix,
		// -N a suffix, anything else (even 0) plain clang.
		switch {
		case llvm == "":
			cc = "$(CROSS_COMPILE)gcc"
		case strings.HasPrefix(llvm, "-"):
			cc = "clang" + llvm
		case strings.HasSuffix(llvm, "/"):
			cc = llvm + "clang"
		default:
			cc = "clang"
		}
	}
	vars := slices.Clone(k.MakeVars)
	if at >= 0 {
		vars = slices.Delete(vars, at, at+1)
	}
	return append(vars, "CC=ccache "+cc)
}

// ConfigSpec is the [config] section: the base and the failing config.
type ConfigSpec struct {
	// BaseTargets are the make targets that write the base config
	// (defconfig, tinyconfig, kvm_guest.config); empty when BaseFile is set.
	BaseTargets []string
	// BaseFile is a .config file the base is resolved from.
	BaseFile string
	// BaseFragments are merged onto the base, in order.
	BaseFragments []string
	// Bad is the failing config; or BadFragments, merged onto the base.
	Bad          string
	BadFragments []string
}

// OracleSpec is the [oracle] section: what counts as the failure.
type OracleSpec struct {
	Build          string // succeed | fail | any
	LogPatterns    []*regexp.Regexp
	Match          string // all | any
	Command        []string
	CommandTimeout time.Duration
}

// SearchSpec is the [search] section.
type SearchSpec struct {
	Algorithm string // auto | gbs | bisect | ddmin
	// Flaky declares the failure nondeterministic: the search repeats
	// tests that would decide a culprit.
	Flaky bool
	// Repeats is how often the bad config is judged first to measure a
	// flaky failure's rate; 0 means 3 when the failure is flaky.
	Repeats int
	// Priors weigh candidates by what the kernel says of them (=m,
	// instrumentation, where they are defined), so unlikely ones are
	// reverted in big pools first.
	Priors bool
}

// Defaults of the keys a campaign file may leave out.
const (
	defaultArch           = "x86_64"
	defaultTarget         = "bzImage"
	defaultBuildTimeout   = 2 * time.Hour
	defaultConfigTimeout  = 10 * time.Minute
	defaultCommandTimeout = 10 * time.Minute
	defaultAlgorithm      = "auto"
	defaultRepeats        = 3 // runs of the bad config that measure a flaky failure
	defaultWorkdir        = "kcmin-work"
)

// The shortest timeouts a campaign may set: a shorter one ends every
// test before it could show anything, and the tests' "gone" or "not
// booted" would be the timeout's doing.
const (
	// Even an incremental kernel build that recompiles nothing takes
	// seconds to walk the tree.
	minBuildTimeout = 10 * time.Second
	// The first olddefconfig compiles scripts/kconfig/conf.
	minConfigTimeout  = 5 * time.Second
	minCommandTimeout = time.Second
	// QEMU alone takes a good part of a second to start.
	minBootTimeout = time.Second
)

var (
	buildModes = []string{"succeed", "fail", "any"}
	matchModes = []string{"all", "any"}
	algorithms = []string{"auto", "gbs", "bisect", "ddmin"}
	// configTarget is what a make config target looks like: defconfig,
	// tinyconfig, x86_64_defconfig, kvm_guest.config.
	configTarget = regexp.MustCompile(`^[A-Za-z0-9_.+-]*config$`)
	makeVar      = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
)

// KeyError is one thing wrong with one key of a campaign file.
type KeyError struct {
	File string
	Line int // 0 when unknown
	Key  string
	Msg  string
}

func (e *KeyError) Error() string {
	where := e.File
	if e.Line > 0 {
		where += ":" + strconv.Itoa(e.Line)
	}
	if e.Key == "" {
		return where + ": " + e.Msg
	}
	return where + ": " + e.Key + ": " + e.Msg
}

// Load reads and checks a campaign file. Every problem of the file is
// reported at once, in a *multierror.Error of *KeyError sorted by line;
// the error is then an input error (see IsInputError).
func Load(path string) (*Spec, error) {
	return load(path, true)
}

// load reads a campaign file; checkInputs says whether the config files it
// names must exist (a workdir's copy of a campaign outlives them).
func load(path string, checkInputs bool) (*Spec, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, inputError(fmt.Errorf("campaign file %s: %w", path, err))
	}
	text, err := os.ReadFile(abs)
	if err != nil {
		return nil, inputError(fmt.Errorf("read campaign file: %w", err))
	}
	l := &loader{file: path, dir: filepath.Dir(abs), checkInputs: checkInputs}
	var raw rawFile
	l.md, err = toml.Decode(string(text), &raw)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			line := pe.Position.Line
			if strings.Contains(pe.Message, `'\n'`) && line > 1 {
				// The library places an unexpected end of line on the
				// line after it.
				line--
			}
			return nil, inputError(l.wrap([]error{&KeyError{File: path, Line: line, Msg: pe.Message}}))
		}
		return nil, inputError(l.wrap([]error{&KeyError{File: path, Msg: err.Error()}}))
	}
	// A second decode of the same text, into primitives only, finds the
	// line of any key, the unknown ones included.
	if l.linesMD, err = toml.Decode(string(text), &l.lines); err != nil {
		return nil, inputError(fmt.Errorf("campaign file %s: %w", path, err))
	}
	s := l.spec(&raw)
	l.unknownKeys()
	if len(l.errs) > 0 {
		return nil, inputError(l.wrap(l.errs))
	}
	s.File = abs
	return s, nil
}

// rawFile is the campaign file's shape; every value stays a primitive so
// that each key is checked on its own and all problems are reported.
type rawFile struct {
	Kernel struct {
		Source        toml.Primitive `toml:"source"`
		Arch          toml.Primitive `toml:"arch"`
		MakeVars      toml.Primitive `toml:"make_vars"`
		Target        toml.Primitive `toml:"target"`
		Jobs          toml.Primitive `toml:"jobs"`
		BuildTimeout  toml.Primitive `toml:"build_timeout"`
		ConfigTimeout toml.Primitive `toml:"config_timeout"`
		Ccache        toml.Primitive `toml:"ccache"`
	} `toml:"kernel"`
	Config struct {
		Base          toml.Primitive `toml:"base"`
		BaseFragments toml.Primitive `toml:"base_fragments"`
		Bad           toml.Primitive `toml:"bad"`
		BadFragments  toml.Primitive `toml:"bad_fragments"`
	} `toml:"config"`
	Oracle struct {
		Build          toml.Primitive `toml:"build"`
		LogPatterns    toml.Primitive `toml:"log_patterns"`
		Match          toml.Primitive `toml:"match"`
		Command        toml.Primitive `toml:"command"`
		CommandTimeout toml.Primitive `toml:"command_timeout"`
	} `toml:"oracle"`
	ELF struct {
		File            toml.Primitive `toml:"file"`
		Undefined       toml.Primitive `toml:"undefined"`
		Defined         toml.Primitive `toml:"defined"`
		Missing         toml.Primitive `toml:"missing"`
		Sections        toml.Primitive `toml:"sections"`
		MissingSections toml.Primitive `toml:"missing_sections"`
		ByPattern       toml.Primitive `toml:"by_pattern"`
	} `toml:"elf"`
	Boot struct {
		Expect   toml.Primitive `toml:"expect"`
		Timeout  toml.Primitive `toml:"timeout"`
		Boots    toml.Primitive `toml:"boots"`
		Memory   toml.Primitive `toml:"memory"`
		CPUs     toml.Primitive `toml:"cpus"`
		Append   toml.Primitive `toml:"append"`
		QEMUArgs toml.Primitive `toml:"qemu_args"`
		QEMU     toml.Primitive `toml:"qemu"`
		Accel    toml.Primitive `toml:"accel"`
		Rootfs   toml.Primitive `toml:"rootfs"`
		Marker   toml.Primitive `toml:"marker"`
	} `toml:"boot"`
	Search struct {
		Algorithm toml.Primitive `toml:"algorithm"`
		Flaky     toml.Primitive `toml:"flaky"`
		Repeats   toml.Primitive `toml:"repeats"`
		Priors    toml.Primitive `toml:"priors"`
	} `toml:"search"`
	Campaign struct {
		Workdir toml.Primitive `toml:"workdir"`
	} `toml:"campaign"`
}

// knownKeys are the keys of a campaign file, exactly as they are spelled.
var knownKeys = map[string][]string{
	"kernel":   {"source", "arch", "make_vars", "target", "jobs", "build_timeout", "config_timeout", "ccache"},
	"config":   {"base", "base_fragments", "bad", "bad_fragments"},
	"oracle":   {"build", "log_patterns", "match", "command", "command_timeout"},
	"elf":      {"file", "undefined", "defined", "missing", "sections", "missing_sections", "by_pattern"},
	"boot":     {"expect", "timeout", "boots", "memory", "cpus", "append", "qemu_args", "qemu", "accel", "rootfs", "marker"},
	"search":   {"algorithm", "flaky", "repeats", "priors"},
	"campaign": {"workdir"},
}

type loader struct {
	file        string // as the user named it, for messages
	dir         string // relative paths are relative to this
	checkInputs bool
	md          toml.MetaData
	lines       map[string]toml.Primitive
	linesMD     toml.MetaData
	errs        []error
}

func (l *loader) wrap(errs []error) error {
	sort.SliceStable(errs, func(i, j int) bool {
		a, b := errs[i].(*KeyError), errs[j].(*KeyError)
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Key < b.Key
	})
	return &multierror.Error{Errors: errs, ErrorFormat: listErrors}
}

// listErrors prints one error a line, as a compiler does.
func listErrors(errs []error) string {
	msgs := make([]string, len(errs))
	for i, err := range errs {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "\n")
}

func (l *loader) errorf(key string, format string, args ...any) {
	l.errs = append(l.errs, &KeyError{File: l.file, Line: l.line(key), Key: key, Msg: fmt.Sprintf(format, args...)})
}

// line finds where a key ("kernel.jobs") is written; 0 when it is not.
func (l *loader) line(key string) int {
	parts := strings.Split(key, ".")
	if i := strings.IndexByte(parts[len(parts)-1], '['); i > 0 {
		parts[len(parts)-1] = parts[len(parts)-1][:i]
	}
	p, ok := l.lines[parts[0]]
	if !ok {
		return 0
	}
	md := &l.linesMD
	if len(parts) > 1 {
		var table map[string]toml.Primitive
		if err := md.PrimitiveDecode(p, &table); err != nil {
			return 0
		}
		if p, ok = table[parts[1]]; !ok {
			return 0
		}
	}
	var pr probe
	var pe toml.ParseError
	if errors.As(md.PrimitiveDecode(p, &pr), &pe) {
		return pe.Position.Line
	}
	return 0
}

// probe fails to decode on purpose: the library's error carries the line
// of the key being decoded, which it gives no other way.
type probe struct{}

func (probe) UnmarshalTOML(any) error { return errors.New("probe") }

// unknownKeys reports keys the campaign file may not hold, each unknown
// table once rather than each key in it.
func (l *loader) unknownKeys() {
	var reported []toml.Key
	for _, key := range l.md.Undecoded() {
		if slices.ContainsFunc(reported, func(r toml.Key) bool { return hasPrefix(key, r) }) {
			continue
		}
		reported = append(reported, key)
		if _, ok := knownKeys[key[0]]; !ok {
			if len(key) == 1 && l.md.Type(key...) == "Hash" {
				l.errorf(key.String(), "unknown section [%s]; sections are %s", key[0], strings.Join(slices.Sorted(maps.Keys(knownKeys)), ", "))
			} else {
				l.errorf(key.String(), "unknown key; keys belong in a section: %s", strings.Join(slices.Sorted(maps.Keys(knownKeys)), ", "))
			}
			continue
		}
		l.errorf(key.String(), "unknown key; [%s] takes %s", key[0], strings.Join(knownKeys[key[0]], ", "))
	}
	// The library matches keys regardless of case; a campaign file may not.
	for _, key := range l.md.Keys() {
		if len(key) == 2 {
			if known, ok := knownKeys[key[0]]; ok && !slices.Contains(known, key[1]) &&
				slices.ContainsFunc(known, func(k string) bool { return strings.EqualFold(k, key[1]) }) {
				l.errorf(key.String(), "unknown key; keys are lower case")
			}
		}
	}
}

func hasPrefix(key, prefix toml.Key) bool {
	return len(key) >= len(prefix) && slices.Equal(key[:len(prefix)], prefix)
}

func (l *loader) defined(key string) bool {
	return l.md.IsDefined(strings.Split(key, ".")...)
}

// tomlType names TOML types the way a user writes them.
var tomlType = map[string]string{
	"String": "a string", "Integer": "an integer", "Float": "a number",
	"Bool": "true or false", "Array": "an array", "Hash": "a table",
	"ArrayHash": "an array of tables", "Datetime": "a date",
}

// typed checks a key's TOML type before decoding it, for a message that
// names the key and both types.
func (l *loader) typed(key, want string) bool {
	if !l.defined(key) {
		return false
	}
	got := l.md.Type(strings.Split(key, ".")...)
	if got != want {
		l.errorf(key, "wrong type: want %s, got %s", tomlType[want], tomlType[got])
		return false
	}
	return true
}

func (l *loader) str(key string, p toml.Primitive, def string) string {
	if !l.typed(key, "String") {
		return def
	}
	var s string
	if err := l.md.PrimitiveDecode(p, &s); err != nil {
		l.errorf(key, "%v", err)
	}
	return s
}

func (l *loader) strs(key string, p toml.Primitive) []string {
	var out []string
	for _, it := range l.items(key, p) {
		out = append(out, it.val)
	}
	return out
}

// item is one string of an array, with its own key for messages.
type item struct{ key, val string }

// items decodes an array of strings; an element of another type is
// reported and left out.
func (l *loader) items(key string, p toml.Primitive) []item {
	if !l.typed(key, "Array") {
		return nil
	}
	var raw []any
	if err := l.md.PrimitiveDecode(p, &raw); err != nil {
		l.errorf(key, "%v", err)
		return nil
	}
	out := make([]item, 0, len(raw))
	for i, v := range raw {
		k := fmt.Sprintf("%s[%d]", key, i)
		s, ok := v.(string)
		if !ok {
			l.errorf(k, "wrong type: want a string, got %v", v)
			continue
		}
		out = append(out, item{k, s})
	}
	return out
}

func (l *loader) integer(key string, p toml.Primitive, def int) int {
	if !l.typed(key, "Integer") {
		return def
	}
	var n int
	if err := l.md.PrimitiveDecode(p, &n); err != nil {
		l.errorf(key, "%v", err)
	}
	return n
}

func (l *loader) boolean(key string, p toml.Primitive) bool {
	if !l.typed(key, "Bool") {
		return false
	}
	var b bool
	if err := l.md.PrimitiveDecode(p, &b); err != nil {
		l.errorf(key, "%v", err)
	}
	return b
}

// duration reads a timeout, which may not be shorter than min.
func (l *loader) duration(key string, p toml.Primitive, def, min time.Duration) time.Duration {
	if !l.defined(key) {
		return def
	}
	s := l.str(key, p, "")
	if s == "" {
		if l.empty(key, s) {
			l.errorf(key, "empty duration: leave the key out for the default, or write it like 90s, 10m or 2h")
		}
		return def
	}
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		l.errorf(key, "bad duration %q: write it like 90s, 10m or 2h", s)
		return def
	case d <= 0:
		l.errorf(key, "duration %q must be positive", s)
		return def
	case d < min:
		l.errorf(key, "duration %q is too short: at least %s", s, min)
		return def
	}
	return d
}

// empty reports whether a key is written, as a string, with the value s
// the empty string: a value that keys with a meaningful "" take, and the
// others refuse.
func (l *loader) empty(key, s string) bool {
	return s == "" && l.defined(key) && l.md.Type(strings.Split(key, ".")...) == "String"
}

// pattern compiles a regexp that what (a line, a symbol) must match. A
// pattern that matches the empty string matches every one of them, so
// every config would show the failure and no search could end.
func (l *loader) pattern(key, expr, what string) *regexp.Regexp {
	re, err := regexp.Compile(expr)
	switch {
	case err != nil:
		l.errorf(key, "bad pattern %q: %v", expr, regexpMsg(err))
		return nil
	case re.MatchString(""):
		l.errorf(key, "pattern %q matches the empty string, so every %s: make it match the failure only", expr, what)
		return nil
	}
	return re
}

func (l *loader) enum(key string, p toml.Primitive, def string, allowed []string) string {
	s := l.str(key, p, def)
	if !slices.Contains(allowed, s) {
		names := make([]string, len(allowed))
		for i, a := range allowed {
			names[i] = a
			if a == "" {
				names[i] = `""`
			}
		}
		l.errorf(key, "%q is not one of %s", s, strings.Join(names, ", "))
		return def
	}
	return s
}

// path makes a path absolute and, when must is set, checks it exists.
func (l *loader) path(key, p string, must bool) string {
	if p == "" {
		return ""
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(l.dir, p)
	}
	if must {
		if _, err := os.Stat(p); err != nil {
			l.errorf(key, "%s: %v", p, errors.Unwrap(err))
		}
	}
	return p
}

func (l *loader) spec(r *rawFile) *Spec {
	s := &Spec{}
	k := &s.Kernel
	tree := false
	k.Source = l.path("kernel.source", l.str("kernel.source", r.Kernel.Source, ""), false)
	switch {
	case !l.defined("kernel.source"):
		l.errorf("kernel.source", "missing: the kernel tree to build, e.g. source = \"/src/linux\"")
	case l.empty("kernel.source", k.Source):
		l.errorf("kernel.source", "empty: the kernel tree to build, e.g. source = \"/src/linux\"")
	default:
		tree = l.checkSource(k.Source)
	}
	k.Arch = l.str("kernel.arch", r.Kernel.Arch, defaultArch)
	// Only a kernel tree can say which arches it has.
	if tree && k.Arch != "" && l.checkInputs {
		if _, err := os.Stat(filepath.Join(k.Source, "arch", build.SrcArch(k.Arch))); err != nil {
			l.errorf("kernel.arch", "%q: the tree has no arch/%s", k.Arch, build.SrcArch(k.Arch))
		}
	}
	for _, it := range l.items("kernel.make_vars", r.Kernel.MakeVars) {
		key, v := it.key, it.val
		k.MakeVars = append(k.MakeVars, v)
		name, _, _ := strings.Cut(v, "=")
		switch {
		case !makeVar.MatchString(v):
			l.errorf(key, "%q is not NAME=VALUE", v)
		case name == "ARCH":
			l.errorf(key, "set kernel.arch instead of ARCH=")
		case name == "O":
			l.errorf(key, "kcmin chooses O= itself: one build dir per worker in the workdir")
		}
	}
	k.Target = l.str("kernel.target", r.Kernel.Target, defaultTarget)
	if strings.ContainsAny(k.Target, " \t") {
		l.errorf("kernel.target", "%q: one make target only", k.Target)
	}
	k.Jobs = l.integer("kernel.jobs", r.Kernel.Jobs, 0)
	if k.Jobs < 0 {
		l.errorf("kernel.jobs", "%d: must be 0 (one per CPU) or more", k.Jobs)
	}
	if k.Jobs <= 0 {
		k.Jobs = runtime.NumCPU()
	}
	k.BuildTimeout = l.duration("kernel.build_timeout", r.Kernel.BuildTimeout, defaultBuildTimeout, minBuildTimeout)
	k.ConfigTimeout = l.duration("kernel.config_timeout", r.Kernel.ConfigTimeout, defaultConfigTimeout, minConfigTimeout)
	k.Ccache = l.boolean("kernel.ccache", r.Kernel.Ccache)
	if k.Ccache {
		for _, v := range k.MakeVars {
			cc, ok := strings.CutPrefix(v, "CC=")
			if f := strings.Fields(cc); ok && len(f) > 0 && f[0] == "ccache" {
				l.errorf("kernel.ccache", "make_vars already compiles through ccache (%s): drop one", v)
			}
		}
	}

	l.configSpec(r, &s.Config)

	o := &s.Oracle
	o.Build = l.enum("oracle.build", r.Oracle.Build, "succeed", buildModes)
	for _, it := range l.items("oracle.log_patterns", r.Oracle.LogPatterns) {
		if re := l.pattern(it.key, it.val, "line of the build log"); re != nil {
			o.LogPatterns = append(o.LogPatterns, re)
		}
	}
	o.Match = l.enum("oracle.match", r.Oracle.Match, "all", matchModes)
	o.Command = l.strs("oracle.command", r.Oracle.Command)
	if len(o.Command) > 0 {
		o.Command[0] = l.program("oracle.command", o.Command[0])
	}
	o.CommandTimeout = l.duration("oracle.command_timeout", r.Oracle.CommandTimeout, defaultCommandTimeout, minCommandTimeout)
	s.ELF = l.elfSpec(r)
	s.Boot = l.bootSpec(r)
	if o.Build == "succeed" && len(o.LogPatterns) == 0 && len(o.Command) == 0 && s.ELF == nil && s.Boot == nil {
		l.errorf("oracle", "nothing to detect: set log_patterns, command, build = \"fail\", an [elf] or a [boot] section")
	}
	if k.Target == "" {
		switch {
		case len(o.LogPatterns) > 0:
			l.errorf("kernel.target", "empty target (no build), but oracle.log_patterns look at the build log")
		case s.ELF != nil || s.Boot != nil:
			l.errorf("kernel.target", "empty target (no build), but [elf] and [boot] need a built kernel")
		case len(o.Command) == 0:
			l.errorf("kernel.target", "empty target (no build) leaves only oracle.command to judge, and it is not set")
		}
	}

	sr := &s.Search
	sr.Algorithm = l.enum("search.algorithm", r.Search.Algorithm, defaultAlgorithm, algorithms)
	// A boot is nondeterministic unless the campaign says otherwise.
	sr.Flaky = s.Boot != nil && !l.defined("search.flaky")
	if l.defined("search.flaky") {
		sr.Flaky = l.boolean("search.flaky", r.Search.Flaky)
	}
	sr.Repeats = l.integer("search.repeats", r.Search.Repeats, 0)
	sr.Priors = true
	if l.defined("search.priors") {
		sr.Priors = l.boolean("search.priors", r.Search.Priors)
	}
	if sr.Repeats < 0 {
		l.errorf("search.repeats", "%d: must be 0 or more", sr.Repeats)
	}
	s.Workdir = l.path("campaign.workdir", l.str("campaign.workdir", r.Campaign.Workdir, defaultWorkdir), false)
	if l.empty("campaign.workdir", s.Workdir) {
		l.errorf("campaign.workdir", "empty: leave the key out for %q, or name a folder", defaultWorkdir)
	}
	return s
}

func (l *loader) elfSpec(r *rawFile) *ELFSpec {
	if !l.defined("elf") {
		return nil
	}
	e := &ELFSpec{}
	e.File = l.str("elf.file", r.ELF.File, "vmlinux")
	for _, f := range []struct {
		key  string
		p    toml.Primitive
		dst  *string
		what string
	}{
		{"elf.undefined", r.ELF.Undefined, &e.Undefined, "undefined symbol"},
		{"elf.defined", r.ELF.Defined, &e.Defined, "defined symbol"},
		{"elf.sections", r.ELF.Sections, &e.Sections, "section"},
	} {
		// "" leaves the fact out.
		if *f.dst = l.str(f.key, f.p, ""); *f.dst != "" {
			l.pattern(f.key, *f.dst, f.what)
		}
	}
	e.Missing = l.strs("elf.missing", r.ELF.Missing)
	e.MissingSections = l.strs("elf.missing_sections", r.ELF.MissingSections)
	e.ByPattern = l.boolean("elf.by_pattern", r.ELF.ByPattern)
	if e.Undefined == "" && e.Defined == "" && e.Sections == "" && len(e.Missing) == 0 && len(e.MissingSections) == 0 {
		l.errorf("elf", "nothing to check: set undefined, defined, missing, sections or missing_sections")
	}
	return e
}

// bootVerdicts are what a boot's expect may name besides a pattern.
var bootVerdicts = []string{"hang", "panic", "reboot loop", "powered off", "booted", "not booted"}

func (l *loader) bootSpec(r *rawFile) *BootSpec {
	if !l.defined("boot") {
		return nil
	}
	b := &BootSpec{}
	b.Expect = l.str("boot.expect", r.Boot.Expect, "not booted")
	if !slices.Contains(bootVerdicts, b.Expect) {
		re, err := regexp.Compile(b.Expect)
		switch {
		case err != nil:
			l.errorf("boot.expect", "%q is neither a verdict (%s) nor a pattern: %v", b.Expect, strings.Join(bootVerdicts, ", "), regexpMsg(err))
		case re.MatchString(""):
			l.errorf("boot.expect", "pattern %q matches the empty string, so every console: name a verdict (%s) or a line the failure prints",
				b.Expect, strings.Join(bootVerdicts, ", "))
		}
	}
	b.Timeout = l.duration("boot.timeout", r.Boot.Timeout, 0, minBootTimeout)
	b.Boots = l.integer("boot.boots", r.Boot.Boots, 1)
	if b.Boots < 1 {
		l.errorf("boot.boots", "%d: a test boots at least once", b.Boots)
	}
	b.Memory = l.str("boot.memory", r.Boot.Memory, "")
	if b.Memory != "" && !regexp.MustCompile(`^[0-9]+[KMGT]?$`).MatchString(b.Memory) {
		l.errorf("boot.memory", "%q: write it as QEMU's -m takes it, e.g. 512M or 2G", b.Memory)
	}
	b.CPUs = l.integer("boot.cpus", r.Boot.CPUs, 1)
	if b.CPUs < 1 {
		l.errorf("boot.cpus", "%d: at least 1", b.CPUs)
	}
	b.Append = l.str("boot.append", r.Boot.Append, "")
	b.QEMUArgs = l.strs("boot.qemu_args", r.Boot.QEMUArgs)
	b.QEMU = l.program("boot.qemu", l.str("boot.qemu", r.Boot.QEMU, oracle.DefaultQEMU))
	b.Accel = l.enum("boot.accel", r.Boot.Accel, "", []string{"", "kvm", "tcg"})
	b.Rootfs = l.path("boot.rootfs", l.str("boot.rootfs", r.Boot.Rootfs, ""), l.checkInputs)
	b.Marker = l.str("boot.marker", r.Boot.Marker, "")
	if b.Rootfs != "" && b.Marker == "" {
		l.errorf("boot.marker", "missing: the line the init of %s prints once it runs", b.Rootfs)
	}
	if strings.ContainsAny(b.Marker, "\r\n") {
		l.errorf("boot.marker", "%q must be one line", b.Marker)
	}
	return b
}

func (l *loader) configSpec(r *rawFile, c *ConfigSpec) {
	base := l.str("config.base", r.Config.Base, "defconfig")
	switch words := strings.Fields(base); {
	case len(words) == 0:
		l.errorf("config.base", "empty: a make target (defconfig, tinyconfig) or a .config file")
	case len(words) == 1 && l.isFile(words[0]):
		c.BaseFile = l.path("config.base", words[0], l.checkInputs)
	default:
		for _, w := range words {
			if !configTarget.MatchString(w) {
				if len(words) == 1 && (strings.ContainsRune(w, '/') || !l.checkInputs) {
					c.BaseFile = l.path("config.base", w, l.checkInputs)
					return
				}
				l.errorf("config.base", "%q is neither a file nor a make config target (defconfig, tinyconfig, NAME.config)", w)
				continue
			}
			c.BaseTargets = append(c.BaseTargets, w)
		}
	}
	for _, it := range l.items("config.base_fragments", r.Config.BaseFragments) {
		c.BaseFragments = append(c.BaseFragments, l.path(it.key, it.val, l.checkInputs))
	}
	c.Bad = l.path("config.bad", l.str("config.bad", r.Config.Bad, ""), l.checkInputs)
	for _, it := range l.items("config.bad_fragments", r.Config.BadFragments) {
		c.BadFragments = append(c.BadFragments, l.path(it.key, it.val, l.checkInputs))
	}
	switch {
	case c.Bad != "" && len(c.BadFragments) > 0:
		l.errorf("config.bad", "set bad or bad_fragments, not both")
	case c.Bad == "" && len(c.BadFragments) == 0 && !l.defined("config.bad") && !l.defined("config.bad_fragments"):
		l.errorf("config", "missing bad or bad_fragments: the failing config")
	case c.Bad == "" && len(c.BadFragments) == 0:
		l.errorf("config.bad", "empty: the failing config")
	}
}

// isFile tells a base config file from a make target: a file of that name
// next to the campaign file wins.
func (l *loader) isFile(p string) bool {
	if strings.ContainsRune(p, '/') {
		return true
	}
	_, err := os.Stat(filepath.Join(l.dir, p))
	return err == nil
}

// checkSource checks that a path is a kernel tree, and says whether it
// is one; a path that is not checked is none.
func (l *loader) checkSource(dir string) bool {
	if !l.checkInputs || dir == "" {
		return false
	}
	fi, err := os.Stat(dir)
	switch {
	case err != nil:
		l.errorf("kernel.source", "%s: %v", dir, errors.Unwrap(err))
		return false
	case !fi.IsDir():
		l.errorf("kernel.source", "%s: not a directory", dir)
		return false
	}
	for _, f := range []string{"Makefile", "Kconfig"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			l.errorf("kernel.source", "%s: not a kernel tree (no %s)", dir, f)
			return false
		}
	}
	return true
}

// program resolves a command's program: a path with a slash is relative
// to the campaign file, a bare name is looked up in PATH; a missing one
// is named with the Debian package that has it, when kcmin knows it.
func (l *loader) program(key, prog string) string {
	if prog == "" {
		l.errorf(key, "empty program name")
		return prog
	}
	if !strings.ContainsRune(prog, '/') {
		if _, err := exec.LookPath(prog); err != nil && l.checkInputs {
			l.errorf(key, "%s: not found in PATH%s", prog, installHint(prog))
		}
		return prog
	}
	p := l.path(key, prog, false)
	if !l.checkInputs {
		return p
	}
	fi, err := os.Stat(p)
	switch {
	case err != nil:
		l.errorf(key, "%s: %v%s", p, errors.Unwrap(err), installHint(p))
	case fi.IsDir() || fi.Mode()&0o111 == 0:
		l.errorf(key, "%s: not an executable file", p)
	}
	return p
}

// installHint says how to install a missing program, when kcmin knows.
func installHint(prog string) string {
	if pkg := oracle.PackageOf(prog); pkg != "" {
		return ": apt-get install " + pkg
	}
	return ""
}

// regexpMsg shortens the regexp package's error to its reason.
func regexpMsg(err error) string {
	var se *syntax.Error
	if errors.As(err, &se) {
		return string(se.Code)
	}
	return err.Error()
}

// runKeys say how a campaign runs, not what its tests answer: make's
// jobs, the timeouts after which a build, a config or a command is
// unresolved (never evidence), ccache. They are no part of a campaign's
// identity, so that a campaign resumes on fewer CPUs or with a longer
// timeout, which then applies to the tests still to run. (boot.timeout
// is not one of them: it is where a boot becomes a hang.) Canonical
// leaves them out; the campaign.toml of an earlier kcmin holds some, and
// is compared without them.
var runKeys = []string{"kernel.jobs", "kernel.build_timeout", "kernel.config_timeout", "kernel.ccache", "oracle.command_timeout"}

// Canonical renders the campaign's identity as a TOML file that loads
// back to the same campaign: absolute paths, every default spelled out
// but the runKeys, and the digests of the config files it names, so
// that a workdir can tell whether it is asked to run the same campaign
// again.
func (s *Spec) Canonical() ([]byte, error) { return s.canonical(nil) }

// canonical is Canonical with the kernel tree's identity in its header.
func (s *Spec) canonical(tree []treeFact) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("# The campaign this workdir runs, as kcmin read it: paths are\n# absolute and defaults spelled out. Digests of its inputs:\n")
	inputs := s.inputs()
	for _, p := range inputs {
		sum, err := fileDigest(p)
		if err != nil {
			return nil, fmt.Errorf("campaign input: %w", err)
		}
		fmt.Fprintf(&b, "#   sha256 %s %s\n", sum, p)
	}
	if len(tree) > 0 {
		b.WriteString("# The kernel tree:\n")
	}
	for _, f := range tree {
		b.WriteString(treeLine(f) + "\n")
	}
	k := s.Kernel
	b.WriteString("\n[kernel]\n")
	kv(&b, "source", k.Source)
	kv(&b, "arch", k.Arch)
	kv(&b, "make_vars", k.MakeVars)
	kv(&b, "target", k.Target)
	c := s.Config
	b.WriteString("\n[config]\n")
	if c.BaseFile != "" {
		kv(&b, "base", c.BaseFile)
	} else {
		kv(&b, "base", strings.Join(c.BaseTargets, " "))
	}
	kv(&b, "base_fragments", c.BaseFragments)
	if c.Bad != "" {
		kv(&b, "bad", c.Bad)
	} else {
		kv(&b, "bad_fragments", c.BadFragments)
	}
	o := s.Oracle
	b.WriteString("\n[oracle]\n")
	kv(&b, "build", o.Build)
	pats := make([]string, len(o.LogPatterns))
	for i, re := range o.LogPatterns {
		pats[i] = re.String()
	}
	kv(&b, "log_patterns", pats)
	kv(&b, "match", o.Match)
	kv(&b, "command", o.Command)
	if e := s.ELF; e != nil {
		b.WriteString("\n[elf]\n")
		kv(&b, "file", e.File)
		kv(&b, "undefined", e.Undefined)
		kv(&b, "defined", e.Defined)
		kv(&b, "missing", e.Missing)
		kv(&b, "sections", e.Sections)
		kv(&b, "missing_sections", e.MissingSections)
		kv(&b, "by_pattern", e.ByPattern)
	}
	if bt := s.Boot; bt != nil {
		b.WriteString("\n[boot]\n")
		kv(&b, "expect", bt.Expect)
		if bt.Timeout > 0 {
			kv(&b, "timeout", bt.Timeout.String())
		}
		kv(&b, "boots", bt.Boots)
		kv(&b, "memory", bt.Memory)
		kv(&b, "cpus", bt.CPUs)
		kv(&b, "append", bt.Append)
		kv(&b, "qemu_args", bt.QEMUArgs)
		kv(&b, "qemu", bt.QEMU)
		kv(&b, "accel", bt.Accel)
		kv(&b, "rootfs", bt.Rootfs)
		kv(&b, "marker", bt.Marker)
	}
	b.WriteString("\n[search]\n")
	kv(&b, "algorithm", s.Search.Algorithm)
	kv(&b, "flaky", s.Search.Flaky)
	kv(&b, "priors", s.Search.Priors)
	kv(&b, "repeats", s.Search.Repeats)
	return b.Bytes(), nil
}

// inputs are the files whose content is part of the campaign.
func (s *Spec) inputs() []string {
	var in []string
	if s.Config.BaseFile != "" {
		in = append(in, s.Config.BaseFile)
	}
	in = append(in, s.Config.BaseFragments...)
	if s.Config.Bad != "" {
		in = append(in, s.Config.Bad)
	}
	in = append(in, s.Config.BadFragments...)
	if s.Boot != nil && s.Boot.Rootfs != "" {
		in = append(in, s.Boot.Rootfs)
	}
	return in
}

// kv writes one key in TOML syntax.
func kv(b *bytes.Buffer, key string, v any) {
	var val string
	switch v := v.(type) {
	case string:
		val = tomlString(v)
	case []string:
		q := make([]string, len(v))
		for i, s := range v {
			q[i] = tomlString(s)
		}
		val = "[" + strings.Join(q, ", ") + "]"
	default:
		val = fmt.Sprint(v)
	}
	fmt.Fprintf(b, "%s = %s\n", key, val)
}

// tomlString quotes a string for TOML: a literal string when it can be
// one (a regexp's backslashes stay readable), a basic string otherwise.
func tomlString(s string) string {
	if !strings.ContainsAny(s, "'\n\r") && !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 && r != '\t' }) {
		return "'" + s + "'"
	}
	return strconv.Quote(s)
}
