package oracle

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kcmin/kcmin/build"
)

// fakeMachine prepares a boot under testdata/boot/fake-qemu: script is
// what the machine does (see the fake's header); more[n] replaces it for
// the nth boot.
func fakeMachine(t *testing.T, script string, more map[int]string) (*Boot, *build.Artifact, string) {
	t.Helper()
	qemu, err := filepath.Abs("../testdata/boot/fake-qemu")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	kernel := filepath.Join(dir, "bzImage")
	if err := os.WriteFile(kernel, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	for n, s := range more {
		if err := os.WriteFile(fmt.Sprintf("%s.%d", kernel, n), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	vmlinux := filepath.Join(dir, "vmlinux")
	writeTestELF(t, vmlinux, testSyms)
	a := &build.Artifact{Dir: dir, Image: kernel, Vmlinux: vmlinux, Target: "bzImage"}
	return &Boot{QEMU: qemu, Accel: "tcg", Timeout: time.Second}, a, kernel
}

// groupGone waits for the fake's process group, children included, to be
// gone: no process of the group left but zombies (killed children wait a
// moment for init to reap them).
func groupGone(t *testing.T, kernel string) {
	t.Helper()
	b, err := os.ReadFile(kernel + ".pid")
	if err != nil {
		t.Fatalf("the fake did not run: %v", err)
	}
	pgid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		alive := liveInGroup(pgid)
		if len(alive) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process group %d still has %v after the check", pgid, alive)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// liveInGroup lists the processes of group pgid that are not zombies.
func liveInGroup(pgid int) []string {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var alive []string
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces.
		s := string(b)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) < 3 || fields[0] == "Z" || fields[2] != strconv.Itoa(pgid) {
			continue
		}
		alive = append(alive, s[:strings.LastIndexByte(s, ')')+1])
	}
	return alive
}

const banner = "Linux version 6.12.17 (kcmin@build) (Debian clang version 19.1.7, Debian LLD 19.1.7) #3 SMP Tue Nov 25 14:19:05 UTC 2025"

func TestBootVerdicts(t *testing.T) {
	for _, c := range []struct {
		name       string
		script     string
		expect     string
		present    bool
		facts      []string
		unresolved string
		fast       bool // decided before the timeout
	}{
		{
			name:   "booted",
			script: banner + "\nRun /init as init process\n\nkcmin: init reached\n@hang\n",
			facts:  []string{"booted"}, fast: true,
		},
		{
			name: "booted after printk replays the banner",
			script: banner + "\nprintk: legacy console [ttyS0] enabled\n" + banner +
				"\nRun /init as init process\n\nkcmin: init reached\n@hang\n",
			facts: []string{"booted"}, fast: true,
		},
		{
			name:   "booted is the failure",
			script: "kcmin: init reached\n@hang\n", expect: "booted",
			present: true, facts: []string{"booted"}, fast: true,
		},
		{
			name: "panic with oops",
			script: banner + "\n[    1.234567] BUG: kernel NULL pointer dereference, address: 0000000000000008\n" +
				"[    1.234600] RIP: 0010:strscpy+0x1c/0x40\n" +
				"[    1.300000] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000009\n@hang\n",
			expect: "panic", present: true, fast: true,
			facts: []string{"oops: BUG: kernel NULL pointer dereference, address: X",
				"panic: Attempted to kill init! exitcode=0x00000009"},
		},
		{
			name:    "panic without oops",
			script:  "Kernel panic - not syncing: No working init found.  Try passing init= option to kernel.\n@hang\n",
			present: true, fast: true,
			facts: []string{"panic: No working init found. Try passing init= option to kernel."},
		},
		{
			name: "hang after output",
			script: banner + "\n[    0.512345] Memory: 245304K/261624K available (2660K kernel code)\n" +
				"@rip ffffffff81000014 0\n@hang\n",
			present: true,
			facts: []string{"hang at func_b",
				"hang: output stopped after: Memory: NK/NK available (NK kernel code)"},
		},
		{
			name:   "hang after a line without its end",
			script: "early console in setup code\n@partial Decompressing Linux... \n@rip ffffffff81000044 0\n@hang\n",
			expect: "hang", present: true,
			facts: []string{"hang at asm_entry", "hang: output stopped after: Decompressing Linux..."},
		},
		{
			name:    "hang without output in the decompressor",
			script:  "@rip 19771c0 0\n@hang\n",
			present: true, facts: []string{"hang at outside vmlinux", "hang: no output"},
		},
		{
			name:    "hang in user space",
			script:  "Run /init as init process\n@rip 401000 3\n@hang\n",
			present: true, facts: []string{"hang at user space", "hang: output stopped after: Run /init as init process"},
		},
		{
			name: "hang with idle CPUs",
			script: "smp: Brought up 1 node, 3 CPUs\n@rip ffffffff81000084 0\n@rip ffffffff81100010 0\n" +
				"@rip ffffffff81000004 0\n@hang\n",
			present: true,
			facts:   []string{"hang at func_a", "hang at init_fn", "hang: output stopped after: smp: Brought up 1 node, 3 CPUs"},
		},
		{
			name:    "hang with every CPU idle",
			script:  "@rip ffffffff81000084 0\n@rip ffffffff81000088 0\n@hang\n",
			present: true, facts: []string{"hang at default_idle", "hang: no output"},
		},
		{
			name: "reboot loop",
			script: banner + "\nx86/fpu: Supporting XSAVE feature 0x001\n@reset\n@sleep 0.2\n" + banner +
				"\nx86/fpu: Supporting XSAVE feature 0x001\n@hang\n",
			expect: "reboot loop", present: true, fast: true,
			facts: []string{"reboot loop: output stopped after: x86/fpu: Supporting XSAVE feature 0x001"},
		},
		{
			name:    "reboot loop without output",
			script:  "@reset\n@sleep 0.1\n@reset\n@hang\n",
			present: true, fast: true, facts: []string{"reboot loop: no output"},
		},
		{
			name:    "powered off without the marker",
			script:  banner + "\nreboot: Power down\n",
			present: true, fast: true, facts: []string{"powered off: output stopped after: reboot: Power down"},
		},
		{
			name:    "a child holds stderr after QEMU ends",
			script:  banner + "\nreboot: Power down\n@orphan\n",
			present: true, fast: true, facts: []string{"powered off: output stopped after: reboot: Power down"},
		},
		{
			name:       "QEMU fails",
			script:     "@exit 1 -kernel bzImage: could not load kernel\n",
			unresolved: "qemu: exit status 1: qemu-system-x86_64: -kernel bzImage: could not load kernel", fast: true,
		},
		{
			name:   "pattern with a group",
			script: "WARNING: CPU: 0 PID: 1 at kernel/fork.c:123 copy_process+0x1c/0x40\n@hang\n",
			expect: `WARNING: CPU: \d+ PID: \d+ at (\S+)`, present: true, fast: true,
			facts: []string{"console: kernel/fork.c:123"},
		},
		{
			name:   "pattern not seen",
			script: "kcmin: init reached\n@hang\n", expect: `WARNING: CPU`,
			facts: []string{"booted"}, fast: true,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b, a, kernel := fakeMachine(t, c.script, nil)
			b.Expect = c.expect
			testDir := t.TempDir()
			start := time.Now()
			f, err := b.Check(context.Background(), a, testDir)
			took := time.Since(start)
			if err != nil {
				t.Fatal(err)
			}
			groupGone(t, kernel)
			if f.Unresolved != c.unresolved {
				t.Fatalf("unresolved %q, want %q; notes %q", f.Unresolved, c.unresolved, f.Notes)
			}
			if c.unresolved == "" && (f.Present != c.present || strings.Join(f.Facts, "|") != strings.Join(c.facts, "|")) {
				t.Errorf("present %v facts %q, want %v %q\nnotes %q", f.Present, f.Facts, c.present, c.facts, f.Notes)
			}
			if c.fast && took >= b.Timeout {
				t.Errorf("took %v: the verdict was certain before the %v timeout", took, b.Timeout)
			}
			if !c.fast && took < b.Timeout {
				t.Errorf("took %v, less than the timeout %v", took, b.Timeout)
			}
			log, err := os.ReadFile(filepath.Join(testDir, "boot.log"))
			if err != nil {
				t.Fatal(err)
			}
			if first, _, _ := strings.Cut(c.script, "\n"); !strings.HasPrefix(first, "@") && !strings.HasPrefix(string(log), first+"\r\n") {
				t.Errorf("boot.log starts %.60q, want the console's first line %q", log, first)
			}
		})
	}
}

// A QEMU that started a process out of its group (a helper, a daemon)
// leaves nothing running after the check.
func TestBootKillsEscaped(t *testing.T) {
	b, a, kernel := fakeMachine(t, "@escape\n@sleep 0.2\nkcmin: init reached\n@hang\n", nil)
	if _, err := b.Check(context.Background(), a, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	groupGone(t, kernel)
	data, err := os.ReadFile(kernel + ".escaped")
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(pid, syscall.SIGKILL)
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if _, state, _ := strings.Cut(string(stat), ") "); err == nil && !strings.HasPrefix(state, "Z") {
		t.Errorf("process %d, which left QEMU's group, outlived the check", pid)
	}
}

// TestBootSeveral boots a flaky machine three times: the second boot
// panics, so the check stops there and reports it.
func TestBootSeveral(t *testing.T) {
	b, a, _ := fakeMachine(t, "kcmin: init reached\n@hang\n", map[int]string{
		2: "Kernel panic - not syncing: VFS: Unable to mount root fs\n@hang\n",
	})
	b.Boots = 3
	testDir := t.TempDir()
	f, err := b.Check(context.Background(), a, testDir)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Present || strings.Join(f.Facts, "|") != "panic: VFS: Unable to mount root fs" {
		t.Errorf("present %v facts %q, want the second boot's panic", f.Present, f.Facts)
	}
	for n, want := range map[int]bool{1: true, 2: true, 3: false} {
		_, err := os.Stat(filepath.Join(testDir, fmt.Sprintf("boot-%d.log", n)))
		if (err == nil) != want {
			t.Errorf("boot-%d.log exists: %v, want %v", n, err == nil, want)
		}
	}

	// Three boots that all boot: not present, one verdict.
	b, a, _ = fakeMachine(t, "kcmin: init reached\n@hang\n", nil)
	b.Boots = 3
	f, err = b.Check(context.Background(), a, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if f.Present || strings.Join(f.Facts, "|") != "booted" {
		t.Errorf("present %v facts %q, want booted thrice", f.Present, f.Facts)
	}
}

func TestBootCancel(t *testing.T) {
	b, a, kernel := fakeMachine(t, "Booting\n@hang\n", nil)
	b.Timeout = time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := b.Check(ctx, a, t.TempDir())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want the context's", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("cancel took %v", took)
	}
	groupGone(t, kernel)
}

func TestBootUnresolvedBuild(t *testing.T) {
	b, a, _ := fakeMachine(t, "kcmin: init reached\n", nil)
	for _, c := range []struct {
		name string
		a    build.Artifact
	}{
		{"build failed", build.Artifact{ExitCode: 2, Image: a.Image}},
		{"timed out", build.Artifact{TimedOut: true, Image: a.Image}},
		{"no image", build.Artifact{}},
		{"image gone", build.Artifact{Image: a.Image + ".gone"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := b.Check(context.Background(), &c.a, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(f.Unresolved, "no kernel to boot") {
				t.Errorf("unresolved %q, want no kernel to boot", f.Unresolved)
			}
		})
	}
}

func TestBootValidate(t *testing.T) {
	for _, c := range []struct {
		b    *Boot
		want string // "" for valid
	}{
		{&Boot{}, ""},
		{&Boot{Expect: "hang", Accel: "kvm", Timeout: time.Second}, ""},
		{&Boot{Expect: `Oops: \d+`}, ""},
		{&Boot{Expect: "(unclosed"}, "neither a verdict nor a pattern"},
		{&Boot{Rootfs: "rootfs.cpio.zst"}, "needs a marker"},
		{&Boot{Marker: "two\nlines"}, "one line"},
		{&Boot{Accel: "hvf"}, "accel"},
		{&Boot{Boots: -1}, "negative"},
	} {
		err := c.b.Validate()
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%+v: Validate = %v, want %q", c.b, err, c.want)
		}
	}
}

// TestBootUserRootfs boots with the user's initramfs and marker: QEMU
// gets the file as it is.
func TestBootUserRootfs(t *testing.T) {
	b, a, _ := fakeMachine(t, "Welcome to Buildroot\nbuildroot login:\n@hang\n", nil)
	b.Rootfs = filepath.Join(t.TempDir(), "rootfs.cpio.zst")
	b.Marker = "login:"
	if err := os.WriteFile(b.Rootfs, []byte("zstd"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := b.Check(context.Background(), a, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(f.Facts, "|") != "booted" {
		t.Errorf("facts %q, want booted", f.Facts)
	}
	argv := b.Argv(a.Image, b.Rootfs, false)
	if i := indexOf(argv, "-initrd"); i < 0 || argv[i+1] != b.Rootfs {
		t.Errorf("argv %q does not pass the rootfs as is", argv)
	}
	b.Rootfs = filepath.Join(t.TempDir(), "missing.cpio")
	if _, err := b.Check(context.Background(), a, t.TempDir()); err == nil {
		t.Error("a missing rootfs is no error")
	}
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

func TestBootArgv(t *testing.T) {
	b := &Boot{Memory: "2G", CPUs: 4, Append: "loglevel=8", ExtraArgs: []string{"-d", "guest_errors"}}
	for _, c := range []struct {
		kvm  bool
		want string
	}{
		{true, "qemu-system-x86_64 -display none -nodefaults -M q35 -m 2G -smp 4 -enable-kvm -cpu host " +
			"-kernel bz -initrd rootfs -append console=ttyS0 earlycon=uart8250,io,0x3f8 nokaslr loglevel=8 " +
			"-serial mon:stdio -d guest_errors"},
		{false, "qemu-system-x86_64 -display none -nodefaults -M q35 -m 2G -smp 4 -accel tcg -cpu max " +
			"-kernel bz -initrd rootfs -append console=ttyS0 earlycon=uart8250,io,0x3f8 nokaslr loglevel=8 " +
			"-serial mon:stdio -d guest_errors"},
	} {
		if got := strings.Join(b.CommandLine("bz", "rootfs", c.kvm), " "); got != c.want {
			t.Errorf("kvm %v:\n got %s\nwant %s", c.kvm, got, c.want)
		}
	}
}

func TestNormalizeLine(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"[    0.123456] Run /init as init process\r", "Run /init as init process"},
		{"[12345.000001]   two   spaces", "two spaces"},
		{banner, "Linux version"},
		{"RIP: 0010:early_fixup_exception+0x4c/0x90", "RIP: 0010:early_fixup_exception"},
		{"hang at native_safe_halt+0x1b", "hang at native_safe_halt"},
		{"BUG: unable to handle page fault for address: ffffffff8435ee78", "BUG: unable to handle page fault for address: X"},
		{"Memory: 245304K/261624K available (2660K kernel code, 4 cpus)", "Memory: NK/NK available (NK kernel code, 4 cpus)"},
		{"Comm: swapper/0 Not tainted 6.12.117 #42", "Comm: swapper/0 Not tainted 6.12.117 #N"},
		{"serial8250: ttyS0 at I/O 0x3f8 (irq = 4) is a 16550A", "serial8250: ttyS0 at I/O 0x3f8 (irq = 4) is a 16550A"},
		{"exitcode=0x0000000b", "exitcode=0x0000000b"},
		{"\x1b[0mcolour\x07", "[0mcolour"},
	} {
		if got := normalizeLine(c.in); got != c.want {
			t.Errorf("normalizeLine(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestParseRegisters(t *testing.T) {
	for _, c := range []struct {
		in   string
		want cpuState
		err  bool
	}{
		{"RAX=0\r\nRIP=ffffffff81b58074 RFL=00000046 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=1\r\n",
			cpuState{RIP: 0xffffffff81b58074, Halted: true}, false},
		{"EIP=0000fff0 EFL=00000002 [-------] CPL=0 II=0 A20=1 SMM=0 HLT=0", cpuState{RIP: 0xfff0}, false},
		{"RIP=0000000000401000 RFL=00000202 [-------] CPL=3 II=0", cpuState{RIP: 0x401000, CPL: 3, IF: true}, false},
		{"RIP=ffffffff81000084 RFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=1",
			cpuState{RIP: 0xffffffff81000084, Halted: true, IF: true}, false},
		// Without the flags a CPU counts as one that can still be woken.
		{"RIP=ffffffff81000084 CPL=0 HLT=1", cpuState{RIP: 0xffffffff81000084, Halted: true, IF: true}, false},
		{"no registers here", cpuState{}, true},
	} {
		got, err := parseRegisters(c.in)
		if (err != nil) != c.err || got != c.want {
			t.Errorf("parseRegisters(%q) = %+v, %v; want %+v, error %v", c.in, got, err, c.want, c.err)
		}
	}
}

// TestDeadWatch: the machine is dead after deadLooks looks in a row at
// the same CPUs, all halted with interrupts off; anything else starts
// the count again.
func TestDeadWatch(t *testing.T) {
	dead := cpuState{RIP: 0xffffffff81000014, Halted: true}
	other := cpuState{RIP: 0xffffffff81000044, Halted: true}
	idle := cpuState{RIP: 0xffffffff81000084, Halted: true, IF: true}
	running := cpuState{RIP: 0xffffffff81000014}
	type look struct {
		cpus  []cpuState
		err   error
		reset bool // a console line before this look
	}
	for _, c := range []struct {
		name  string
		looks []look
		want  int // the look (1-based) that finds it certain; 0 none
	}{
		{"dead", []look{{cpus: []cpuState{dead}}, {cpus: []cpuState{dead}}, {cpus: []cpuState{dead}}}, 3},
		{"two dead CPUs", []look{{cpus: []cpuState{dead, other}}, {cpus: []cpuState{dead, other}}, {cpus: []cpuState{dead, other}}}, 3},
		{"one CPU still idles with interrupts on", []look{{cpus: []cpuState{dead, idle}}, {cpus: []cpuState{dead, idle}},
			{cpus: []cpuState{dead, idle}}, {cpus: []cpuState{dead, idle}}}, 0},
		{"running", []look{{cpus: []cpuState{running}}, {cpus: []cpuState{running}}, {cpus: []cpuState{running}}}, 0},
		{"moved", []look{{cpus: []cpuState{dead}}, {cpus: []cpuState{dead}}, {cpus: []cpuState{other}},
			{cpus: []cpuState{other}}, {cpus: []cpuState{other}}}, 5},
		{"output in between", []look{{cpus: []cpuState{dead}}, {cpus: []cpuState{dead}}, {cpus: []cpuState{dead}, reset: true},
			{cpus: []cpuState{dead}}, {cpus: []cpuState{dead}}}, 5},
		{"a failed look", []look{{cpus: []cpuState{dead}}, {cpus: []cpuState{dead}}, {err: errors.New("qmp: timeout")},
			{cpus: []cpuState{dead}}, {cpus: []cpuState{dead}}, {cpus: []cpuState{dead}}}, 6},
		{"no CPUs", []look{{}, {}, {}, {}}, 0},
	} {
		var w deadWatch
		got := 0
		for i, l := range c.looks {
			if l.reset {
				w.reset()
			}
			if w.see(l.cpus, l.err) && got == 0 {
				got = i + 1
			}
		}
		if got != c.want {
			t.Errorf("%s: certain at look %d, want %d", c.name, got, c.want)
		}
	}
}

// TestBootDeadMachine: a machine whose CPUs all halt with interrupts off
// is a certain hang long before the timeout, with the same facts the
// timeout would give; one that idles with interrupts on waits for it.
func TestBootDeadMachine(t *testing.T) {
	if testing.Short() {
		t.Skip("boots for several seconds")
	}
	t.Parallel()
	b, a, kernel := fakeMachine(t, "early console in setup code\n@rip ffffffff81000014 0 00000046\n@hang\n", nil)
	b.Timeout = time.Minute
	start := time.Now()
	f, err := b.Check(context.Background(), a, t.TempDir())
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	groupGone(t, kernel)
	want := []string{"hang at func_b", "hang: output stopped after: early console in setup code"}
	if !f.Present || strings.Join(f.Facts, "|") != strings.Join(want, "|") {
		t.Errorf("present %v facts %q, want the hang %q; notes %q", f.Present, f.Facts, want, f.Notes)
	}
	if took >= b.Timeout {
		t.Errorf("took %v: a dead machine is a certain hang before the %v timeout", took, b.Timeout)
	}
	if !containsPrefix(f.Notes, "the machine died after") {
		t.Errorf("notes %q do not say the machine died", f.Notes)
	}

	b, a, kernel = fakeMachine(t, "early console in setup code\n@rip ffffffff81000084 0 00000246\n@hang\n", nil)
	b.Timeout = time.Duration(deadLooks+2) * deadLook
	start = time.Now()
	f, err = b.Check(context.Background(), a, t.TempDir())
	took = time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	groupGone(t, kernel)
	if took < b.Timeout || containsPrefix(f.Notes, "the machine died after") {
		t.Errorf("took %v (timeout %v), notes %q: a CPU with interrupts on is not dead", took, b.Timeout, f.Notes)
	}
}

func containsPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

func TestTools(t *testing.T) {
	b := &Boot{}
	if got := b.Tools(); len(got) != 1 || got[0] != (Tool{"qemu-system-x86_64", "qemu-system-x86"}) {
		t.Errorf("Tools() = %+v", got)
	}
	err := MissingTools([]Tool{{"kcmin-no-such-tool", "kcmin-pkg"}, {"sh", ""}, {"kcmin-absent-too", ""}, {"kcmin-no-such-tool", "kcmin-pkg"}})
	want := "kcmin-absent-too not found: install it\nkcmin-no-such-tool not found: apt-get install kcmin-pkg"
	if err == nil || err.Error() != want {
		t.Errorf("MissingTools = %v, want\n%s", err, want)
	}
	if err := MissingTools([]Tool{{"sh", ""}}); err != nil {
		t.Errorf("MissingTools(sh) = %v", err)
	}
}

func TestProbeKVM(t *testing.T) {
	qemu, err := filepath.Abs("../testdata/boot/fake-qemu")
	if err != nil {
		t.Fatal(err)
	}
	dev := filepath.Join(t.TempDir(), "kvm")
	if err := os.WriteFile(dev, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, fake, dev string
		usable          bool
		why             string
	}{
		{"guest code runs", "works", dev, true, "the probe guest ran under kvm"},
		{"QEMU aborts", "aborts", dev, false, "failed to set MSR 0x10a to 0x69"},
		{"no word from the guest", "silent", dev, false, "the probe guest did not finish under kvm in 2.5s"},
		// The firmware runs, but the guest's work takes seconds: a
		// kernel would not boot in a test's time.
		{"too slow", "slow", dev, false, "too slow: the probe guest took 1.5"},
		{"no device", "works", dev + ".missing", false, "no such file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("KCMIN_FAKE_KVM", c.fake)
			start := time.Now()
			ok, why := probeKVM(context.Background(), qemu, c.dev, 2500*time.Millisecond)
			if ok != c.usable || !strings.Contains(why, c.why) {
				t.Errorf("probe = %v %q, want %v and %q", ok, why, c.usable, c.why)
			}
			if took := time.Since(start); took > 4*time.Second {
				t.Errorf("probe took %v", took)
			}
		})
	}
}

// TestBootAsksKVMOnce checks that the probe's answer is kept: the second
// check does not run the probe again.
func TestBootAsksKVMOnce(t *testing.T) {
	b, a, _ := fakeMachine(t, "kcmin: init reached\n@hang\n", nil)
	b.Accel = ""
	b.kvm = &kvmAnswer{usable: false, why: "tcg: remembered"}
	f, err := b.Check(context.Background(), a, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if !contains(f.Notes, "accel: tcg: remembered") {
		t.Errorf("notes %q do not show the remembered answer", f.Notes)
	}
}
