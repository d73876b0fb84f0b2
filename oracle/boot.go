package oracle

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kcmin/kcmin/build"
)

// Boot verdicts: what one boot of a kernel came to.
const (
	VerdictBooted     = "booted"      // the marker line appeared
	VerdictHang       = "hang"        // no marker before the timeout
	VerdictPanic      = "panic"       // Kernel panic - not syncing
	VerdictRebootLoop = "reboot loop" // the machine started over
	VerdictPoweredOff = "powered off" // QEMU ended by itself, no marker
	// VerdictNotBooted, as an expectation, is any verdict but booted.
	VerdictNotBooted = "not booted"
)

// BootVerdicts are the verdicts a Boot's Expect may name, in the order a
// campaign file's reference lists them; any other Expect is a pattern.
func BootVerdicts() []string {
	return []string{VerdictHang, VerdictPanic, VerdictRebootLoop, VerdictPoweredOff, VerdictBooted, VerdictNotBooted}
}

// BootAccels are the accelerators a Boot takes; "" uses KVM when it
// works and TCG otherwise.
func BootAccels() []string { return []string{"", "kvm", "tcg"} }

// ParseExpect reads an expectation as a campaign file spells it: nil
// for a verdict, else the pattern it is ("" too). The error wraps the
// regexp package's.
func ParseExpect(expect string) (*regexp.Regexp, error) {
	if slices.Contains(BootVerdicts(), expect) {
		return nil, nil
	}
	re, err := regexp.Compile(expect)
	if err != nil {
		return nil, fmt.Errorf("boot: expect %q is neither a verdict nor a pattern: %w", expect, err)
	}
	return re, nil
}

// Defaults of a Boot.
const (
	DefaultQEMU        = "qemu-system-x86_64"
	DefaultMemory      = "512M"
	DefaultBootTimeout = 60 * time.Second
	// DefaultAppend is what kernel developers boot with: the console and
	// early console on the first serial port, and no KASLR, so addresses
	// in the machine are the ones in vmlinux.
	DefaultAppend = "console=ttyS0 earlycon=uart8250,io,0x3f8 nokaslr"
)

// Boot boots the built kernel under QEMU, x86-64 on a q35 machine, with
// an initramfs, and judges the serial console: booted (the marker line),
// hang (and where: each CPU's instruction pointer, named from vmlinux),
// panic, reboot loop. A zero Boot is usable: kcmin's own rootfs, KVM when
// it works, TCG otherwise. A Boot remembers whether KVM works, so it must
// not be copied after first use; its workers share it.
type Boot struct {
	QEMU      string   // the QEMU binary; DefaultQEMU when empty
	Memory    string   // -m; DefaultMemory when empty
	CPUs      int      // -smp; 1 when 0
	Append    string   // kernel arguments after DefaultAppend
	ExtraArgs []string // more QEMU arguments, appended last
	Accel     string   // "kvm", "tcg", or "" to use KVM when it works
	Rootfs    string   // an initramfs (.cpio, compressed too); "" for kcmin's own
	Marker    string   // the line that says init ran; DefaultMarker with kcmin's rootfs
	// Timeout bounds a boot; DefaultBootTimeout when 0. A machine whose
	// CPUs all halt with interrupts off is a hang at once (see deadLook).
	Timeout time.Duration
	Boots   int // boots per test; 1 when 0. One failing boot is enough.
	// Expect is the failure: a verdict ("hang", "panic", "reboot loop",
	// "powered off", "booted"), "not booted" (any verdict but booted, the
	// default), or else a regular expression on the console; its groups,
	// or the whole match, are the fact.
	Expect string
	// CacheDir holds kcmin's own rootfs, written once per marker; the
	// test's folder when empty.
	CacheDir string

	mu  sync.Mutex
	kvm *kvmAnswer // the probe's answer, asked once
}

type kvmAnswer struct {
	usable bool
	why    string
}

// Name implements Check.
func (b *Boot) Name() string { return "boot" }

// Tools lists the programs the check runs.
func (b *Boot) Tools() []Tool { return []Tool{toolFor(b.qemu())} }

func (b *Boot) qemu() string {
	if b.QEMU == "" {
		return DefaultQEMU
	}
	return b.QEMU
}

func (b *Boot) timeout() time.Duration {
	if b.Timeout <= 0 {
		return DefaultBootTimeout
	}
	return b.Timeout
}

// Validate reports configuration mistakes, all of them.
func (b *Boot) Validate() error {
	var errs []error
	if _, err := b.expectPattern(); err != nil {
		errs = append(errs, err)
	}
	if b.Rootfs != "" && b.Marker == "" {
		errs = append(errs, fmt.Errorf("boot: rootfs %s needs a marker: the line its init prints", b.Rootfs))
	}
	if strings.ContainsAny(b.Marker, "\r\n") {
		errs = append(errs, fmt.Errorf("boot: marker %q must be one line", b.Marker))
	}
	if !slices.Contains(BootAccels(), b.Accel) {
		errs = append(errs, fmt.Errorf("boot: accel %q: want kvm, tcg or empty", b.Accel))
	}
	if b.CPUs < 0 || b.Boots < 0 || b.Timeout < 0 {
		errs = append(errs, fmt.Errorf("boot: cpus %d, boots %d, timeout %v: none may be negative", b.CPUs, b.Boots, b.Timeout))
	}
	return errors.Join(errs...)
}

// expectPattern is the pattern Expect names, nil for a verdict; a zero
// Boot's "" is not booted.
func (b *Boot) expectPattern() (*regexp.Regexp, error) {
	if b.Expect == "" {
		return nil, nil
	}
	return ParseExpect(b.Expect)
}

// present says whether a boot shows the failure the campaign expects.
func (b *Boot) present(r bootResult) bool {
	switch b.Expect {
	case "", VerdictNotBooted:
		return r.verdict != VerdictBooted
	case VerdictBooted, VerdictHang, VerdictPanic, VerdictRebootLoop, VerdictPoweredOff:
		return r.verdict == b.Expect
	}
	return r.matched
}

// Argv is the QEMU command that boots kernel with initrd, its console on
// file descriptor 3 and its QMP monitor on 4, as the check runs it.
func (b *Boot) Argv(kernel, initrd string, kvm bool) []string {
	return b.argv(kernel, initrd, kvm,
		"-chardev", "socket,id=con,fd=3", "-serial", "chardev:con",
		"-chardev", "socket,id=qmp,fd=4", "-mon", "chardev=qmp,mode=control")
}

// CommandLine is the command a person runs to boot kernel by hand, with
// the console and QEMU's monitor on the terminal (Ctrl-A X quits).
func (b *Boot) CommandLine(kernel, initrd string, kvm bool) []string {
	return b.argv(kernel, initrd, kvm, "-serial", "mon:stdio")
}

func (b *Boot) argv(kernel, initrd string, kvm bool, io ...string) []string {
	mem := b.Memory
	if mem == "" {
		mem = DefaultMemory
	}
	cpus := b.CPUs
	if cpus == 0 {
		cpus = 1
	}
	appendArgs := DefaultAppend
	if b.Append != "" {
		appendArgs += " " + b.Append
	}
	argv := []string{b.qemu(), "-display", "none", "-nodefaults", "-M", "q35",
		"-m", mem, "-smp", strconv.Itoa(cpus)}
	if kvm {
		argv = append(argv, "-enable-kvm", "-cpu", "host")
	} else {
		// TCG's "max" has every feature TCG emulates (x86-64-v3 and
		// more in QEMU 7.2), so a distribution's rootfs runs on it.
		argv = append(argv, "-accel", "tcg", "-cpu", "max")
	}
	argv = append(argv, "-kernel", kernel, "-initrd", initrd, "-append", appendArgs)
	argv = append(argv, io...)
	return append(argv, b.ExtraArgs...)
}

// Check implements Check: it boots a.Image Boots times, stopping at the
// first boot that shows the expected failure.
func (b *Boot) Check(ctx context.Context, a *build.Artifact, testDir string) (Finding, error) {
	if err := b.Validate(); err != nil {
		return Finding{}, err
	}
	expect, _ := b.expectPattern()
	if !a.OK() || a.Image == "" {
		return Finding{Unresolved: fmt.Sprintf("no kernel to boot: build exit status %d, timed out %v", a.ExitCode, a.TimedOut)}, nil
	}
	if _, err := os.Stat(a.Image); err != nil {
		return Finding{Unresolved: fmt.Sprintf("no kernel to boot: %v", err)}, nil
	}
	initrd, marker := b.Rootfs, b.Marker
	if initrd == "" {
		if marker == "" {
			marker = DefaultMarker
		}
		dir := b.CacheDir
		if dir == "" {
			dir = testDir
		}
		var err error
		if initrd, err = WriteRootfs(dir, marker); err != nil {
			return Finding{}, err
		}
	} else if _, err := os.Stat(initrd); err != nil {
		return Finding{}, fmt.Errorf("boot: rootfs: %w", err)
	}
	if _, err := toolFor(b.qemu()).Find(); err != nil {
		return Finding{}, fmt.Errorf("boot: %w", err)
	}
	kvm := b.useKVM(ctx)

	boots := max(b.Boots, 1)
	syms := &lazySymbols{path: a.Vmlinux}
	var results []bootResult
	for i := 1; i <= boots; i++ {
		log := filepath.Join(testDir, "boot.log")
		if boots > 1 {
			log = filepath.Join(testDir, fmt.Sprintf("boot-%d.log", i))
		}
		r, err := b.bootOnce(ctx, bootSpec{
			argv: b.Argv(a.Image, initrd, kvm.usable), log: log,
			console: &console{marker: marker, expect: expect}, syms: syms,
		})
		if err != nil {
			return Finding{}, err
		}
		results = append(results, r)
		if r.unresolved == "" && b.present(r) {
			break
		}
	}
	f := b.judge(results)
	f.Notes = append(f.Notes, "accel: "+kvm.why)
	return f, nil
}

// judge merges the boots of one test: the first that shows the failure
// decides; else the last that ran to a verdict; else it is unresolved.
func (b *Boot) judge(results []bootResult) Finding {
	var f Finding
	var decisive *bootResult
	for i := range results {
		r := &results[i]
		if r.unresolved != "" {
			f.Notes = append(f.Notes, fmt.Sprintf("boot %d: unresolved: %s", i+1, r.unresolved))
			continue
		}
		f.Notes = append(f.Notes, fmt.Sprintf("boot %d: %s in %v (%s)", i+1, r.verdict, r.duration.Round(time.Millisecond), r.log))
		if decisive == nil || !b.present(*decisive) {
			decisive = r
		}
	}
	if decisive == nil {
		f.Unresolved = results[0].unresolved
		f.Notes = append(f.Notes, results[0].notes...)
		return f
	}
	f.Present = b.present(*decisive)
	f.Facts = decisive.facts
	f.Notes = append(f.Notes, decisive.notes...)
	return f
}

// bootSpec is one boot to run.
type bootSpec struct {
	argv    []string
	log     string
	console *console
	syms    *lazySymbols
}

// bootResult is one boot's outcome.
type bootResult struct {
	verdict    string
	matched    bool // the campaign's pattern matched
	facts      []string
	notes      []string
	unresolved string // QEMU's own failure
	log        string
	duration   time.Duration
}

// bootOnce runs QEMU once and follows its console until the outcome is
// certain, QEMU ends, or the timeout; at the timeout it asks QEMU where
// each CPU is. QEMU and anything it started are killed before it returns.
// The error is for a cancelled ctx and for what stops any boot (no log
// file, QEMU cannot start); a failing QEMU is an unresolved result.
func (b *Boot) bootOnce(ctx context.Context, s bootSpec) (bootResult, error) {
	res := bootResult{log: s.log}
	logFile, err := os.Create(s.log)
	if err != nil {
		return res, fmt.Errorf("boot: console log: %w", err)
	}
	defer logFile.Close()
	conConn, conEnd, err := socketPair("console")
	if err != nil {
		return res, fmt.Errorf("boot: %w", err)
	}
	defer conConn.Close()
	qmpConn, qmpEnd, err := socketPair("qmp")
	if err != nil {
		conEnd.Close()
		return res, fmt.Errorf("boot: %w", err)
	}
	start := time.Now()
	p, err := startProc(s.argv, []*os.File{conEnd, qmpEnd}, strings.TrimSuffix(s.log, ".log")+".qemu.log")
	if err != nil {
		qmpConn.Close()
		return res, fmt.Errorf("boot: %w", err)
	}
	defer p.kill()
	qmp := newQMP(qmpConn)
	defer qmp.Close()

	lines := make(chan string, 64)
	stop := make(chan struct{})
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		readConsole(conConn, logFile, lines, stop)
	}()
	defer func() {
		close(stop)
		conConn.Close()
		<-readerDone
	}()

	timer := time.NewTimer(b.timeout())
	defer timer.Stop()
	look := time.NewTicker(deadLook)
	defer look.Stop()
	con := s.console
	var (
		exited   bool
		timedOut bool
		dead     deadWatch
		cpus     []cpuState
		cpuErr   error
	)
loop:
	for {
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case line, ok := <-lines:
			if !ok {
				lines = nil
				continue
			}
			dead.reset()
			if con.feed(line) {
				break loop
			}
		case ev := <-qmp.Events():
			dead.reset()
			if ev.Event == "RESET" && guestEvent(ev.Data) && con.reset() {
				break loop
			}
		case <-p.done:
			exited = true
			break loop
		case <-look.C:
			qctx, cancel := context.WithTimeout(ctx, deadLook)
			now, err := qmp.CPUs(qctx, false)
			cancel()
			if dead.see(now, err) {
				cpus = now
				break loop
			}
		case <-timer.C:
			timedOut = true
			qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			cpus, cpuErr = qmp.CPUs(qctx, true)
			cancel()
			break loop
		}
	}
	res.duration = time.Since(start)
	if dead.certain() {
		res.notes = append(res.notes, fmt.Sprintf(
			"the machine died after %.1fs: every CPU halted with interrupts off, the same for %d looks %v apart, no console output in between",
			res.duration.Seconds(), deadLooks, deadLook))
	}
	p.kill()
	// QEMU is gone: read what is left of the console, including a last
	// line without its newline, unless something else holds the socket.
	drain := time.NewTimer(2 * time.Second)
	defer drain.Stop()
	for lines != nil {
		select {
		case line, ok := <-lines:
			if !ok {
				lines = nil
				break
			}
			con.feed(line)
		case <-drain.C:
			conConn.Close()
			drain.Reset(time.Hour)
		}
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	b.verdict(&res, con, exited, p, timedOut || dead.certain(), cpus, cpuErr, s.syms)
	res.notes = append(res.notes, "console: "+s.log)
	if len(con.tail) > 0 {
		res.notes = append(res.notes, "last lines:\n\t"+strings.Join(con.tail, "\n\t"))
	}
	return res, nil
}

// verdict turns what the boot showed into a verdict and its facts. The
// console's certain outcomes come first, in the order they were seen.
func (b *Boot) verdict(res *bootResult, con *console, exited bool, p *proc, timedOut bool,
	cpus []cpuState, cpuErr error, syms *lazySymbols) {
	stopped := func(prefix, last string) string {
		if last == "" {
			return prefix + ": no output"
		}
		return prefix + ": output stopped after: " + last
	}
	switch {
	case con.booted:
		res.verdict, res.facts = VerdictBooted, []string{VerdictBooted}
	case con.panicMsg != "":
		res.verdict = VerdictPanic
		res.facts = []string{"panic: " + con.panicMsg}
		if con.oops != "" {
			res.facts = append(res.facts, "oops: "+con.oops)
		}
	case con.rebooted:
		res.verdict = VerdictRebootLoop
		res.facts = []string{stopped(VerdictRebootLoop, con.lastBeforeReboot)}
	case con.matched != "":
		// The pattern decided before any verdict: say what the machine
		// was doing anyway.
		res.verdict = "matched"
	case exited:
		if p.err != nil {
			res.unresolved = fmt.Sprintf("qemu: %s: %s", p.exitStatus(), p.lastError())
			return
		}
		res.verdict = VerdictPoweredOff
		res.facts = []string{stopped(VerdictPoweredOff, con.last)}
	case timedOut:
		res.verdict = VerdictHang
		res.facts = []string{stopped(VerdictHang, con.last)}
		locs, notes := hangLocations(cpus, syms)
		res.facts = append(res.facts, locs...)
		res.notes = append(res.notes, notes...)
		if cpuErr != nil {
			res.notes = append(res.notes, "registers: "+cpuErr.Error())
		}
	default:
		res.unresolved = "qemu: the boot ended without a verdict"
		return
	}
	if con.matched != "" {
		res.matched = true
		res.facts = append(res.facts, "console: "+con.matched)
	}
	if p.said() != "" {
		res.notes = append(res.notes, "qemu said: "+p.lastError())
	}
	res.facts = sortedSet(res.facts)
}

// A machine whose every CPU is halted with interrupts off is dead: only
// an NMI, an INIT or a reset wakes such a CPU, and no CPU is left to send
// one. kcmin looks at the CPUs every deadLook and calls the hang certain
// when deadLooks looks in a row find them dead at the same addresses with
// no console line or QMP event in between; it need not wait for the
// timeout. (A kernel that stops after powering off without ACPI, or one
// stuck in early boot before interrupts are on, dies this way.)
const (
	deadLook  = time.Second
	deadLooks = 3
)

// deadWatch counts looks in a row that found the machine dead.
type deadWatch struct {
	last []cpuState
	n    int
}

func (d *deadWatch) reset() { d.last, d.n = nil, 0 }

// see takes one look's answer and says whether the machine is certainly
// dead.
func (d *deadWatch) see(cpus []cpuState, err error) bool {
	if err != nil || len(cpus) == 0 {
		d.reset()
		return false
	}
	for _, c := range cpus {
		if !c.Halted || c.IF {
			d.reset()
			return false
		}
	}
	if !slices.Equal(d.last, cpus) {
		d.last, d.n = cpus, 0
	}
	d.n++
	return d.certain()
}

func (d *deadWatch) certain() bool { return d.n >= deadLooks }

func guestEvent(data json.RawMessage) bool {
	var d struct {
		Guest bool `json:"guest"`
	}
	return json.Unmarshal(data, &d) == nil && d.Guest
}

// readConsole copies the console to the log and hands out its lines, the
// last one even without a newline, until the connection ends or stop.
func readConsole(conn net.Conn, log io.Writer, lines chan<- string, stop <-chan struct{}) {
	defer close(lines)
	r := bufio.NewReader(io.TeeReader(conn, log))
	for {
		line, err := r.ReadString('\n')
		if line != "" {
			select {
			case lines <- strings.TrimRight(line, "\r\n"):
			case <-stop:
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// lazySymbols reads vmlinux's symbol table the first time a hang needs it.
type lazySymbols struct {
	path string
	once sync.Once
	tab  *SymbolTable
	err  error
}

func (l *lazySymbols) get() (*SymbolTable, error) {
	l.once.Do(func() {
		if l.path == "" {
			l.err = errors.New("no vmlinux")
			return
		}
		l.tab, l.err = ReadSymbolTable(l.path)
	})
	return l.tab, l.err
}

// Where a CPU can be when it is not in a vmlinux function.
const (
	locUser    = "user space"
	locOutside = "outside vmlinux" // firmware, the bzImage decompressor
	locKernel  = "unknown kernel address"
)

// idleFunctions are where an idle CPU waits; they name a hang only when
// no CPU is anywhere else.
var idleFunctions = map[string]bool{
	"default_idle": true, "default_idle_call": true, "arch_safe_halt": true,
	"native_safe_halt": true, "pv_native_safe_halt": true, "cpu_idle_poll": true,
	"mwait_idle": true, "mwait_idle_with_hints": true, "acpi_safe_halt": true,
	"acpi_idle_do_entry": true, "intel_idle": true, "do_idle": true,
}

// hangLocations names where the CPUs of a hung machine are: facts "hang
// at SYMBOL" (no offset: it moves with every code change), with idle CPUs
// left out when another CPU is busy elsewhere.
func hangLocations(cpus []cpuState, syms *lazySymbols) (facts, notes []string) {
	var busy, idle []string
	for _, c := range cpus {
		loc, detail := "", ""
		switch {
		case c.CPL == 3:
			loc = locUser
		default:
			if tab, err := syms.get(); err != nil {
				detail = " (" + err.Error() + ")"
			} else if name, off, ok := tab.Lookup(c.RIP); ok {
				loc, detail = name, fmt.Sprintf(" %s+%#x", name, off)
			}
			if loc == "" {
				loc = locOutside
				if c.RIP >= 0xffff800000000000 {
					loc = locKernel
				}
			}
		}
		state := ""
		if c.Halted {
			state = ", halted"
		}
		notes = append(notes, fmt.Sprintf("cpu %d: RIP %#x%s (CPL %d%s)", c.Index, c.RIP, detail, c.CPL, state))
		if idleFunctions[loc] {
			idle = append(idle, loc)
		} else {
			busy = append(busy, loc)
		}
	}
	if len(busy) == 0 {
		busy = idle
	}
	for _, loc := range sortedSet(busy) {
		facts = append(facts, "hang at "+loc)
	}
	return facts, notes
}
