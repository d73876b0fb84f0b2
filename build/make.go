package build

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Default timeouts when a Make leaves them at zero.
const (
	DefaultTimeout       = 2 * time.Hour
	DefaultConfigTimeout = 10 * time.Minute
)

// Make runs the kernel's make on one source tree. Every call names its
// build dir (O=); a build dir is used by one call at a time, and kept
// between builds so that they are incremental.
type Make struct {
	Source string   // the kernel tree
	Arch   string   // ARCH=; empty leaves it to make
	Vars   []string // NAME=value passed to every make, e.g. LLVM=-19
	Jobs   int      // make -j; 0 = runtime.NumCPU()
	// Timeout bounds a build (Build, Run); 0 = DefaultTimeout.
	Timeout time.Duration
	// ConfigTimeout bounds config targets (Resolve, Configure,
	// KconfigEnv); 0 = DefaultConfigTimeout.
	ConfigTimeout time.Duration
	// Wrap is put before the make command line of Build, and of Build
	// alone: a command that runs its arguments, such as one that moves
	// itself into a cgroup and execs them. It is the process group's
	// leader, so timeouts and cancels kill it with the build; it should
	// exec make, so that the build's peak memory is make's.
	Wrap []string
	// Cgroup is the directory of a memory cgroup (v1 or v2) that holds
	// this Build alone, when Wrap puts it in one: its oom_kill count
	// rising during a failed build says the OOM killer struck this build,
	// whatever the log says.
	Cgroup string
}

// makeEnv keeps the make that runs kcmin, if any, out of the kernel's
// make: its flags and command-line variables travel in these.
var makeEnv = []string{"MAKEFLAGS=", "MFLAGS=", "GNUMAKEFLAGS=", "MAKEOVERRIDES="}

// argv is the make command line for dir and targets.
func (m *Make) argv(dir string, targets []string) ([]string, error) {
	if m.Source == "" {
		return nil, errors.New("make: no kernel source tree")
	}
	src, err := filepath.Abs(m.Source)
	if err != nil {
		return nil, fmt.Errorf("make: source %s: %w", m.Source, err)
	}
	out, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("make: build dir %s: %w", dir, err)
	}
	jobs := m.Jobs
	if jobs <= 0 {
		jobs = runtime.NumCPU()
	}
	argv := []string{"make", "-C", src, "O=" + out}
	if m.Arch != "" {
		argv = append(argv, "ARCH="+m.Arch)
	}
	for _, v := range m.Vars {
		name, _, ok := strings.Cut(v, "=")
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return nil, fmt.Errorf("make: variable %q is not NAME=value", v)
		}
		argv = append(argv, v)
	}
	// The environment may name another config file; kcmin's is .config.
	argv = append(argv, "KCONFIG_CONFIG=.config", "-j"+strconv.Itoa(jobs))
	return append(argv, targets...), nil
}

func (m *Make) timeout() time.Duration {
	if m.Timeout > 0 {
		return m.Timeout
	}
	return DefaultTimeout
}

func (m *Make) configTimeout() time.Duration {
	if m.ConfigTimeout > 0 {
		return m.ConfigTimeout
	}
	return DefaultConfigTimeout
}

// Run runs make with targets in dir, its output to log, within Timeout.
// A non-zero exit is an error that quotes the last line of the output
// which says what went wrong.
func (m *Make) Run(ctx context.Context, dir string, log io.Writer, targets ...string) error {
	return m.run(ctx, dir, log, m.timeout(), targets)
}

func (m *Make) run(ctx context.Context, dir string, log io.Writer, timeout time.Duration, targets []string) error {
	argv, err := m.argv(dir, targets)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("make %s: %w", strings.Join(targets, " "), err)
	}
	if log == nil {
		log = io.Discard
	}
	tail := &tailWriter{max: 8 << 10}
	out := io.MultiWriter(log, tail)
	code, err := Run(ctx, Cmd{Argv: argv, Env: makeEnv, Stdout: out, Stderr: out, Timeout: timeout})
	what := "make " + strings.Join(targets, " ") + " in " + dir
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if code != 0 {
		if line := lastComplaint(tail.Bytes()); line != "" {
			return fmt.Errorf("%s: exit status %d: %s", what, code, line)
		}
		return fmt.Errorf("%s: exit status %d", what, code)
	}
	return nil
}

// Resolve writes config as dir/.config and resolves it with make
// olddefconfig, returning the resolved .config. When the resolved file
// ends up as it was before the call, its modification time is put back
// too, so the next build does not run syncconfig for nothing: kbuild
// re-syncs whenever .config is newer than include/config/auto.conf.
func (m *Make) Resolve(ctx context.Context, dir string, config []byte, log io.Writer) ([]byte, error) {
	path := filepath.Join(dir, ".config")
	var resolved []byte
	err := keepTimeIfSame(path, func() error {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if old, err := os.ReadFile(path); err != nil || !bytes.Equal(old, config) {
			if err := writeFile(path, config); err != nil {
				return err
			}
		}
		if err := m.run(ctx, dir, log, m.configTimeout(), []string{"olddefconfig"}); err != nil {
			return err
		}
		var err error
		resolved, err = os.ReadFile(path)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("resolve config in %s: %w", dir, err)
	}
	return resolved, nil
}

// Place writes config as dir/.config for a build to resolve itself: the
// build's own syncconfig step is the kernel's resolver. An unchanged
// file keeps its time, so an unchanged config does not sync again.
func (m *Make) Place(dir string, config []byte) error {
	path := filepath.Join(dir, ".config")
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, config) {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("place config in %s: %w", dir, err)
	}
	if err := writeFile(path, config); err != nil {
		return fmt.Errorf("place config in %s: %w", dir, err)
	}
	return nil
}

// Configure runs config targets in dir (defconfig, tinyconfig,
// "tinyconfig foo.config") and returns the .config they leave.
func (m *Make) Configure(ctx context.Context, dir string, log io.Writer, targets ...string) ([]byte, error) {
	if len(targets) == 0 {
		return nil, errors.New("configure: no config target")
	}
	path := filepath.Join(dir, ".config")
	var config []byte
	err := keepTimeIfSame(path, func() error {
		if err := m.run(ctx, dir, log, m.configTimeout(), targets); err != nil {
			return err
		}
		var err error
		config, err = os.ReadFile(path)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("configure %s in %s: %w", strings.Join(targets, " "), dir, err)
	}
	return config, nil
}

// keepTimeIfSame runs change, which may rewrite path, and gives path back
// its old modification time when its content is what it was.
func keepTimeIfSame(path string, change func() error) error {
	before, errBefore := os.ReadFile(path)
	info, errInfo := os.Stat(path)
	if err := change(); err != nil {
		return err
	}
	if errBefore != nil || errInfo != nil {
		return nil
	}
	after, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(before, after) {
		return nil
	}
	if err := os.Chtimes(path, time.Time{}, info.ModTime()); err != nil {
		return fmt.Errorf("restore the time of %s: %w", path, err)
	}
	return nil
}

// writeFile replaces path through a temporary file, so a crash never
// leaves half a config.
func writeFile(path string, data []byte) error {
	tmp := path + ".kcmin-tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Build builds target in dir, which must hold a .config, with Timeout,
// make's output to logPath, Wrap before make. A build that fails or times
// out is an Artifact saying so, and so is one the OOM killer struck (see
// oomVerdict); the error is for faults around it (make missing, no
// .config, ctx done). Files a failed build did not write are left out of
// the Artifact, so that nobody judges a stale kernel.
func (m *Make) Build(ctx context.Context, dir, target, logPath string) (*Artifact, error) {
	a := &Artifact{Target: target, ExitCode: -1}
	var err error
	for _, p := range []struct {
		dst *string
		src string
	}{{&a.Source, m.Source}, {&a.Dir, dir}, {&a.Log, logPath}} {
		if *p.dst, err = filepath.Abs(p.src); err != nil {
			return nil, fmt.Errorf("build %s: %w", target, err)
		}
	}
	a.Config = filepath.Join(a.Dir, ".config")
	if _, err := os.Stat(a.Config); err != nil {
		return nil, fmt.Errorf("build %s in %s: no config to build: %w", target, dir, err)
	}
	var targets []string
	if target != "" {
		targets = []string{target}
	}
	argv, err := m.argv(a.Dir, targets)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(a.Log), 0o755); err != nil {
		return nil, fmt.Errorf("build %s: %w", target, err)
	}
	log, err := os.Create(a.Log)
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", target, err)
	}
	defer log.Close()

	outputs := m.outputs(a.Dir, target)
	old := make(map[string]os.FileInfo, len(outputs))
	for _, p := range outputs {
		if info, err := os.Stat(p); err == nil {
			old[p] = info
		}
	}
	oom := m.oomCounters()
	before := readOOMCounters(oom)
	start := time.Now()
	res, err := RunStats(ctx, Cmd{Argv: append(append([]string(nil), m.Wrap...), argv...),
		Env: makeEnv, Stdout: log, Stderr: log, Timeout: m.timeout()})
	a.Duration = time.Since(start)
	a.PeakRSS = res.PeakRSS
	switch {
	case errors.Is(err, ErrTimeout):
		a.TimedOut = true
	case err != nil:
		return nil, fmt.Errorf("build %s in %s: %w", target, dir, err)
	default:
		a.ExitCode = res.ExitCode
	}
	if err := log.Close(); err != nil {
		return nil, fmt.Errorf("build %s: write %s: %w", target, a.Log, err)
	}
	if a.ExitCode > 0 {
		a.OOMKilled, a.OOMReason = oomVerdict(before, readOOMCounters(oom), res.Signal, a.Log)
	}

	pick := func(p string) string {
		if built(p, old[p], a.OK()) {
			return p
		}
		return ""
	}
	a.Vmlinux = pick(outputs[0])
	a.VmlinuxO = pick(outputs[1])
	for _, p := range outputs[2:] {
		if a.Image = pick(p); a.Image != "" {
			break
		}
	}
	return a, nil
}

// outputs lists the files a build of target may leave: vmlinux,
// vmlinux.o, then where the target's own file may be: dir/target or the
// arch's boot directory (arch/x86/boot/bzImage).
func (m *Make) outputs(dir, target string) []string {
	out := []string{filepath.Join(dir, "vmlinux"), filepath.Join(dir, "vmlinux.o")}
	if target == "" {
		return out
	}
	return append(out, filepath.Join(dir, target),
		filepath.Join(dir, "arch", SrcArch(m.Arch), "boot", target))
}

// built says whether the file at p belongs to this build: after a
// successful build every output is up to date for its config, rewritten
// or not (a config synced again with the same values rebuilds nothing);
// after a failed one, only what the build wrote counts.
func built(p string, before os.FileInfo, ok bool) bool {
	info, err := os.Stat(p)
	if err != nil || !info.Mode().IsRegular() {
		return false
	}
	if ok {
		return true
	}
	return before == nil || !os.SameFile(before, info) || !info.ModTime().Equal(before.ModTime())
}

// SrcArch is the directory under arch/ that holds ARCH=arch, as the
// kernel's top Makefile maps it (x86_64 and i386 to x86, sparc64, parisc64
// and sh64 to their 32-bit names, every other ARCH to itself: ARCH=aarch64
// is no arch the kernel knows). An empty arch is the host's, named as
// scripts/subarch.include names it, since make without ARCH= builds that.
func SrcArch(arch string) string {
	if arch == "" {
		var u syscall.Utsname
		if err := syscall.Uname(&u); err == nil {
			arch = SubArch(utsString(u.Machine[:]))
		}
	}
	switch arch {
	case "i386", "x86_64":
		return "x86"
	case "sparc64":
		return "sparc"
	case "parisc64":
		return "parisc"
	case "sh64":
		return "sh"
	}
	return arch
}

// subArchRules are scripts/subarch.include's sed expressions, in order;
// keep is a machine the rule leaves alone (its /^arm64$/! address).
var subArchRules = []struct {
	re   *regexp.Regexp
	to   string
	keep string
}{
	{regexp.MustCompile(`i.86`), "x86", ""},
	{regexp.MustCompile(`x86_64`), "x86", ""},
	{regexp.MustCompile(`sun4u`), "sparc64", ""},
	{regexp.MustCompile(`arm.*`), "arm", "arm64"},
	{regexp.MustCompile(`sa110`), "arm", ""},
	{regexp.MustCompile(`s390x`), "s390", ""},
	{regexp.MustCompile(`ppc.*`), "powerpc", ""},
	{regexp.MustCompile(`mips.*`), "mips", ""},
	{regexp.MustCompile(`sh[234].*`), "sh", ""},
	{regexp.MustCompile(`aarch64.*`), "arm64", ""},
	{regexp.MustCompile(`riscv.*`), "riscv", ""},
	{regexp.MustCompile(`loongarch.*`), "loongarch", ""},
}

// SubArch is the ARCH the kernel's Makefile takes for a machine as uname
// -m names it (x86_64, aarch64, ppc64le) when make gets no ARCH=.
func SubArch(machine string) string {
	for _, r := range subArchRules {
		if machine == r.keep {
			continue
		}
		// sed's s/// without g replaces the first match only.
		if loc := r.re.FindStringIndex(machine); loc != nil {
			machine = machine[:loc[0]] + r.to + machine[loc[1]:]
		}
	}
	return machine
}

func utsString(b []int8) string {
	s := make([]byte, 0, len(b))
	for _, c := range b {
		if c == 0 {
			break
		}
		s = append(s, byte(c))
	}
	return string(s)
}

// tailWriter keeps the last max bytes written to it.
type tailWriter struct {
	max int
	buf []byte
}

func (t *tailWriter) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailWriter) Bytes() []byte { return t.buf }

// lastComplaint is the last line of make's output that says something of
// its own: not make's "***" summary nor a directory change.
func lastComplaint(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if l == "" || isMakeChatter(l) {
			continue
		}
		return l
	}
	return ""
}

// isMakeChatter matches lines make itself prints about its recursion.
func isMakeChatter(l string) bool {
	if !strings.HasPrefix(l, "make") {
		return false
	}
	return strings.Contains(l, "***") || strings.Contains(l, "Entering directory") ||
		strings.Contains(l, "Leaving directory")
}
