package campaign

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
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
	Workers WorkersSpec
	Slurm   *SlurmSpec // nil without a [slurm] section: tests run here
	// Matrix are the toolchains the result is built with at the end.
	Matrix  []Variant
	Workdir string // absolute
}

// SlurmSpec is the [slurm] section: each worker holds a job of a Slurm
// cluster and runs its tests there, its build dir on the node's disk.
type SlurmSpec struct {
	Partition, Account   string
	TimeLimit            time.Duration // of each worker's job; 0 for the partition's
	SbatchArgs, SrunArgs []string
	Workers              int
	// BuildDir is where a worker keeps its build dir on its node:
	// BuildDir/ID/wN, ID naming the workdir.
	BuildDir string
}

// WorkersSpec is the [workers] section: how many tests run at once.
type WorkersSpec struct {
	// Count is the number of workers, each with a build dir of its own;
	// never 0 after loading.
	Count int
	// MemoryPerBuild is the peak memory to expect of a build before one
	// is seen ("8G"); "" for the largest seen so far.
	MemoryPerBuild string
	// autoJobs says that kernel.jobs was left to kcmin: the cores are
	// divided among the workers.
	autoJobs bool
}

// SetWorkers sets the number of workers (kcmin run --workers), and the
// -j of each build with it unless the campaign file sets kernel.jobs.
func (s *Spec) SetWorkers(n int) {
	s.Workers.Count = max(1, n)
	if s.Workers.autoJobs {
		s.Kernel.Jobs = max(1, runtime.NumCPU()/s.Workers.Count)
	}
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
	Source   string
	Arch     string
	MakeVars []string // NAME=VALUE, passed to every make
	Target   string   // "" judges the resolved config without building
	Jobs     int      // make -j of one build; never 0 after loading
	// BuildDirs is the most build dirs the campaign keeps on this
	// machine; 0 leaves it to kcmin (workers + dirsAuto, as the disk
	// allows).
	BuildDirs     int
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

// defaultRepeats are the runs of the bad config that measure a flaky
// failure when search.repeats leaves it to kcmin.
const defaultRepeats = 3

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
	l := &loader{file: path, dir: filepath.Dir(abs), checkInputs: checkInputs, text: string(text)}
	raw := reflect.New(rawType()).Elem()
	l.md, err = toml.Decode(string(text), raw.Addr().Interface())
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
	s := l.spec(raw)
	l.unknownKeys()
	if len(l.errs) > 0 {
		return nil, inputError(l.wrap(l.errs))
	}
	s.File = abs
	return s, nil
}

type loader struct {
	file        string // as the user named it, for messages
	text        string
	dir         string // relative paths are relative to this
	checkInputs bool
	md          toml.MetaData
	lines       map[string]toml.Primitive
	linesMD     toml.MetaData
	errs        []error
	tree        bool // kernel.source is a kernel tree
}

// spec reads every key of raw, a value of rawType, into a Spec: the
// sections in order, so that a key's default may depend on a section
// before it, then the checks that look at several keys at once.
func (l *loader) spec(raw reflect.Value) *Spec {
	s := &Spec{}
	var read []section
	for i, sec := range sections {
		if sec.open != nil {
			if !l.defined(sec.name) {
				continue
			}
			sec.open(s)
		}
		read = append(read, sec)
		for j, k := range sec.keys {
			k.load(l, sec.name+"."+k.name, raw.Field(i).Field(j).Interface().(toml.Primitive), s)
		}
	}
	for _, sec := range read {
		if sec.check != nil {
			sec.check(l, s)
		}
	}
	l.loadMatrix(raw.FieldByName("Matrix").Addr().Interface().(*[]map[string]toml.Primitive), s)
	return s
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
	elem := -1
	if name, idx, ok := strings.Cut(parts[0], "["); ok {
		// An entry of an array of tables: matrix[1].name.
		n, err := strconv.Atoi(strings.TrimSuffix(idx, "]"))
		if err != nil {
			return 0
		}
		parts[0], elem = name, n
	}
	if elem >= 0 {
		return l.entryLine(parts[0], elem, parts[1:])
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

// entryLine finds a key of the n-th entry of an array of tables
// ([[matrix]]) in the text, or the entry's header without a key: the
// library's positions do not tell the entries apart.
func (l *loader) entryLine(table string, n int, key []string) int {
	header, seen := 0, -1
	for i, line := range strings.Split(l.text, "\n") {
		t := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(t, "["):
			if seen == n {
				return header
			}
			if strings.HasPrefix(t, "[["+table+"]]") {
				seen++
				header = i + 1
			}
		case seen == n && len(key) > 0:
			if k, _, ok := strings.Cut(t, "="); ok && strings.TrimSpace(k) == key[0] {
				return i + 1
			}
		}
	}
	if seen == n {
		return header
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
	knownKeys := knownKeys()
	var reported []toml.Key
	for _, key := range l.md.Undecoded() {
		if slices.ContainsFunc(reported, func(r toml.Key) bool { return hasPrefix(key, r) }) {
			continue
		}
		reported = append(reported, key)
		if key[0] == "matrix" {
			continue // loadMatrix names its unknown keys
		}
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
	for _, sec := range sections {
		if sec.present != nil && !sec.present(s) {
			continue
		}
		if !slices.ContainsFunc(sec.keys, func(k key) bool { return k.canon != nil }) {
			continue
		}
		b.WriteString("\n[" + sec.name + "]\n")
		for _, k := range sec.keys {
			if k.canon == nil {
				continue
			}
			if v, ok := k.canon(s); ok {
				kv(&b, k.name, v)
			}
		}
	}
	s.canonicalMatrix(&b)
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
