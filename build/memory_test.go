package build

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRunStatsPeakRSS(t *testing.T) {
	// tail -c N of a pipe keeps the last N bytes in memory: a process of
	// known size two levels below the leader.
	r, err := RunStats(context.Background(), Cmd{Argv: []string{"sh", "-c", "head -c 200M /dev/zero | tail -c 200M >/dev/null"}})
	if err != nil || r.ExitCode != 0 {
		t.Fatalf("RunStats: %+v, %v", r, err)
	}
	if r.PeakRSS < 190<<20 || r.PeakRSS > 1<<30 {
		t.Errorf("PeakRSS %d MiB, want about 200 MiB", r.PeakRSS>>20)
	}
	small, err := RunStats(context.Background(), Cmd{Argv: []string{"true"}})
	if err != nil {
		t.Fatal(err)
	}
	if small.PeakRSS <= 0 || small.PeakRSS > 64<<20 {
		t.Errorf("PeakRSS of true: %d bytes", small.PeakRSS)
	}
	// A stopped command was reaped too, and says how large it grew.
	stopped, err := RunStats(context.Background(), Cmd{
		Argv:    []string{"sh", "-c", "head -c 100M /dev/zero | tail -c 100M >/dev/null; exec sleep 100"},
		Timeout: 2 * time.Second,
	})
	if err == nil || stopped.ExitCode != -1 || stopped.PeakRSS < 90<<20 {
		t.Errorf("stopped: %+v, %v; want -1, a timeout and about 100 MiB", stopped, err)
	}
}

func TestRunStatsSignal(t *testing.T) {
	for _, tc := range []struct {
		script string
		code   int
		sig    syscall.Signal
	}{
		{"exit 3", 3, 0},
		{"kill -9 $$", 137, syscall.SIGKILL},
		{"kill -SEGV $$", 139, syscall.SIGSEGV},
	} {
		r, err := RunStats(context.Background(), Cmd{Argv: []string{"sh", "-c", tc.script}})
		if err != nil || r.ExitCode != tc.code || r.Signal != tc.sig {
			t.Errorf("%s: %+v, %v; want exit %d, signal %d", tc.script, r, err, tc.code, tc.sig)
		}
	}
}

// writeWrapper writes a script for Make.Wrap that notes its pid in
// dir/wrapped, runs extra, then execs its arguments.
func writeWrapper(t *testing.T, dir, extra string) []string {
	t.Helper()
	path := filepath.Join(dir, "wrap")
	script := "#!/bin/sh\necho $$ >>" + filepath.Join(dir, "wrapped") + "\n" + extra + "\nexec \"$@\"\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return []string{path}
}

func TestBuildWrap(t *testing.T) {
	m := fakeMake(t)
	dir, tmp := t.TempDir(), t.TempDir()
	m.Wrap = writeWrapper(t, tmp, "")
	if _, err := m.Configure(context.Background(), dir, nil, "defconfig"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Resolve(context.Background(), dir, []byte("CONFIG_A=y\n"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(tmp, "wrapped")); err == nil {
		t.Fatal("Configure or Resolve ran the wrapper")
	}
	a, err := m.Build(context.Background(), dir, "bzImage", filepath.Join(tmp, "log"))
	if err != nil || !a.OK() {
		t.Fatalf("Build: %+v, %v", a, err)
	}
	if data, err := os.ReadFile(filepath.Join(tmp, "wrapped")); err != nil || strings.Count(string(data), "\n") != 1 {
		t.Errorf("wrapper ran: %q, %v; want once", data, err)
	}
	// The wrapper leads the build's group: a timeout kills what it
	// started even when it waits for make instead of becoming it.
	m.Wrap = []string{"sh", "-c", `"$@"; exit $?`, "sh"}
	m.Timeout = 500 * time.Millisecond
	a, err = m.Build(context.Background(), dir, "sleep", filepath.Join(tmp, "log"))
	if err != nil || !a.TimedOut {
		t.Fatalf("Build sleep: %+v, %v; want a timeout", a, err)
	}
	assertGone(t, readPid(t, filepath.Join(dir, "sleep.pid")))
}

// fakeCgroup makes a directory that counts OOM kills as a v2 cgroup does.
func fakeCgroup(t *testing.T, kills int) string {
	t.Helper()
	dir := t.TempDir()
	events := "low 0\nhigh 0\nmax 3\noom 1\noom_kill " + strconv.Itoa(kills) + "\noom_group_kill 0\n"
	if err := os.WriteFile(filepath.Join(dir, "memory.events"), []byte(events), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestBuildOOMOwnCgroup(t *testing.T) {
	m := fakeMake(t)
	dir, tmp := t.TempDir(), t.TempDir()
	cg := fakeCgroup(t, 0)
	m.Cgroup = cg
	events := filepath.Join(cg, "memory.events")
	// The wrapper stands for the kernel: it counts a kill in the build's
	// cgroup while the build runs.
	m.Wrap = writeWrapper(t, tmp, `printf 'oom 2\noom_kill 1\n' >`+events)
	if _, err := m.Configure(context.Background(), dir, nil, "defconfig"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".config"), []byte("CONFIG_FAIL=y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := m.Build(context.Background(), dir, "bzImage", filepath.Join(tmp, "log"))
	if err != nil {
		t.Fatal(err)
	}
	want := "killed by the OOM killer (oom_kill 0 -> 1 in " + events + ")"
	if a.ExitCode != 2 || !a.OOMKilled || a.OOMReason != want {
		t.Errorf("ExitCode %d, OOMKilled %v, OOMReason %q; want 2, true, %q", a.ExitCode, a.OOMKilled, a.OOMReason, want)
	}

	// The same failure with no kill counted is an ordinary one, and a
	// build that succeeded is no OOM whatever was counted.
	m.Wrap = writeWrapper(t, tmp, "")
	a, err = m.Build(context.Background(), dir, "bzImage", filepath.Join(tmp, "log"))
	if err != nil || a.ExitCode != 2 || a.OOMKilled || a.OOMReason != "" {
		t.Errorf("no kill counted: %+v, %v; want an ordinary failure", a, err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".config"), []byte("CONFIG_A=y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m.Wrap = writeWrapper(t, tmp, `printf 'oom_kill 5\n' >`+events)
	a, err = m.Build(context.Background(), dir, "bzImage", filepath.Join(tmp, "log"))
	if err != nil || !a.OK() || a.OOMKilled {
		t.Errorf("successful build: %+v, %v; want no OOM", a, err)
	}
}

func TestOOMVerdict(t *testing.T) {
	dir := t.TempDir()
	writeLog := func(text string) string {
		p := filepath.Join(dir, strconv.Itoa(len(text))+".log")
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	killedLog := writeLog("  CC      kernel/fork.o\nmake[4]: *** [scripts/Makefile.build:229: kernel/sched/core.o] Error 137\nmake[3]: *** [scripts/Makefile.build:478: kernel/sched] Error 2\n")
	gccLog := writeLog("gcc: fatal error: Killed signal terminated program cc1\n")
	clangLog := writeLog("clang: error: unable to execute command: Killed\n")
	makeLog := writeLog("make[2]: *** [Makefile:3: vmlinux] Killed\n")
	collectLog := writeLog("collect2: fatal error: ld terminated with signal 9 [Killed]\n")
	bashLog := writeLog("scripts/link-vmlinux.sh: line 104:  4711 Killed                  ld.lld -o vmlinux\n")
	plainLog := writeLog("ld.lld: error: undefined symbol: foo\nmake[3]: *** [scripts/Makefile.vmlinux:34: vmlinux] Error 1\n")
	// A file name or a message that merely mentions being killed is no kill.
	decoyLog := writeLog("  CC      drivers/Killed.o\nmake[1]: *** [Makefile:1: x] Error 1370\n")

	own := oomCounter{path: "own/memory.events", own: true}
	kcmin := oomCounter{path: "kcmin/memory.oom_control"}
	vm := oomCounter{path: "/proc/vmstat"}
	read := func(ns ...int64) []oomReading {
		cs := []oomCounter{own, kcmin, vm}
		rs := make([]oomReading, len(ns))
		for i, n := range ns {
			rs[i] = oomReading{cs[i], n}
		}
		return rs
	}
	for _, tc := range []struct {
		name          string
		before, after []oomReading
		sig           syscall.Signal
		log           string
		oom           bool
		reason        string
	}{
		{"own cgroup alone", read(0, 4, 7), read(1, 4, 7), 0, plainLog, true,
			"killed by the OOM killer (oom_kill 0 -> 1 in own/memory.events)"},
		{"shared with a killed recipe", read(0, 4, 7), read(0, 4, 8), 0, killedLog, true,
			"killed by the OOM killer (oom_kill 7 -> 8 in /proc/vmstat; the log: make[4]: *** [scripts/Makefile.build:229: kernel/sched/core.o] Error 137)"},
		{"kcmin's cgroup named first", read(0, 4, 7), read(0, 5, 8), 0, gccLog, true,
			"killed by the OOM killer (oom_kill 4 -> 5 in kcmin/memory.oom_control; the log: gcc: fatal error: Killed signal terminated program cc1)"},
		{"clang", read(-1, -1, 7), read(-1, -1, 8), 0, clangLog, true,
			"killed by the OOM killer (oom_kill 7 -> 8 in /proc/vmstat; the log: clang: error: unable to execute command: Killed)"},
		{"make killed by a signal in a recipe", read(-1, -1, 0), read(-1, -1, 1), 0, makeLog, true,
			"killed by the OOM killer (oom_kill 0 -> 1 in /proc/vmstat; the log: make[2]: *** [Makefile:3: vmlinux] Killed)"},
		{"collect2", read(-1, -1, 0), read(-1, -1, 1), 0, collectLog, true,
			"killed by the OOM killer (oom_kill 0 -> 1 in /proc/vmstat; the log: collect2: fatal error: ld terminated with signal 9 [Killed])"},
		{"bash", read(-1, -1, 0), read(-1, -1, 1), 0, bashLog, true,
			"killed by the OOM killer (oom_kill 0 -> 1 in /proc/vmstat; the log: scripts/link-vmlinux.sh: line 104:  4711 Killed                  ld.lld -o vmlinux)"},
		{"make itself killed", read(-1, -1, 0), read(-1, -1, 2), syscall.SIGKILL, plainLog, true,
			"killed by the OOM killer (oom_kill 0 -> 2 in /proc/vmstat; make was killed by SIGKILL)"},
		// Another process's OOM kill during an ordinary failure.
		{"shared without a kill in the build", read(0, 4, 7), read(0, 5, 8), 0, plainLog, false, ""},
		{"decoys", read(-1, -1, 0), read(-1, -1, 1), 0, decoyLog, false, ""},
		{"a killed process without a counted kill", read(0, 4, 7), read(0, 4, 7), syscall.SIGKILL, killedLog, false, ""},
		{"counter unreadable after", read(0, 4, 7), read(-1, -1, -1), 0, killedLog, false, ""},
		{"no log", read(-1, -1, 0), read(-1, -1, 1), 0, filepath.Join(dir, "missing"), false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			oom, reason := oomVerdict(tc.before, tc.after, tc.sig, tc.log)
			if oom != tc.oom || reason != tc.reason {
				t.Errorf("oomVerdict: %v, %q; want %v, %q", oom, reason, tc.oom, tc.reason)
			}
		})
	}
}

func TestReadOOMKill(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		text string
		n    int64
		err  string
	}{
		{"oom_kill_disable 0\nunder_oom 0\noom_kill 3\n", 3, ""},                 // v1 memory.oom_control
		{"low 0\nhigh 0\nmax 0\noom 0\noom_kill 12\noom_group_kill 1\n", 12, ""}, // v2 memory.events
		{"pgfault 100\noom_kill 0\n", 0, ""},                                     // /proc/vmstat
		{"oom_group_kill 1\n", 0, "no oom_kill line"},
		{"oom_kill x\n", 0, `"oom_kill x"`},
	} {
		p := filepath.Join(dir, "counter")
		if err := os.WriteFile(p, []byte(tc.text), 0o644); err != nil {
			t.Fatal(err)
		}
		n, err := readOOMKill(p)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), p) {
				t.Errorf("%q: %v, want an error naming %s and %s", tc.text, err, p, tc.err)
			}
			continue
		}
		if err != nil || n != tc.n {
			t.Errorf("%q: %d, %v; want %d", tc.text, n, err, tc.n)
		}
	}
}

func TestParseMemoryHierarchy(t *testing.T) {
	hybrid := `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`
	hybridSelf := "3:cpuset:/\n4:memory:/jobs/17\n0::/\n"
	pure := "30 23 0:27 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
	pureSelf := "0::/user.slice/session-2.scope\n"
	// A container that sees its own subtree of the host's hierarchy.
	bind := "35 31 0:32 /docker/abc /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory,hugetlb\n"
	bindSelf := "7:hugetlb,memory:/docker/abc/build\n"
	v2All := func(string) bool { return true }
	for _, tc := range []struct {
		name, mountinfo, self string
		v2Memory              func(string) bool
		want                  memoryHierarchy
		err                   bool
	}{
		{"v1 beside a v2 without memory", hybrid, hybridSelf, func(m string) bool { return false },
			memoryHierarchy{mount: "/sys/fs/cgroup/memory", self: "/sys/fs/cgroup/memory/jobs/17"}, false},
		{"v1 wins", hybrid, hybridSelf, v2All,
			memoryHierarchy{mount: "/sys/fs/cgroup/memory", self: "/sys/fs/cgroup/memory/jobs/17"}, false},
		{"v2", pure, pureSelf, v2All,
			memoryHierarchy{v2: true, mount: "/sys/fs/cgroup", self: "/sys/fs/cgroup/user.slice/session-2.scope"}, false},
		{"v2 without memory", pure, pureSelf, func(string) bool { return false }, memoryHierarchy{}, true},
		{"mounted subtree", bind, bindSelf, v2All,
			memoryHierarchy{mount: "/sys/fs/cgroup/memory", self: "/sys/fs/cgroup/memory/build"}, false},
		{"outside the mounted subtree", bind, "7:memory:/other\n", v2All,
			memoryHierarchy{mount: "/sys/fs/cgroup/memory", self: "/sys/fs/cgroup/memory"}, false},
		{"escaped mount point", `35 31 0:32 / /mnt/mem\040cg rw - cgroup cgroup rw,memory` + "\n", "4:memory:/a\n", v2All,
			memoryHierarchy{mount: "/mnt/mem cg", self: "/mnt/mem cg/a"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseMemoryHierarchy(tc.mountinfo, tc.self, tc.v2Memory)
			if tc.err {
				if err == nil {
					t.Errorf("got %+v, want an error", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestMemoryHierarchyLimit(t *testing.T) {
	write := func(path, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	v1 := t.TempDir()
	write(filepath.Join(v1, "memory.limit_in_bytes"), "9223372036854771712\n")
	write(filepath.Join(v1, "jobs/memory.limit_in_bytes"), "8589934592\n")
	write(filepath.Join(v1, "jobs/17/memory.limit_in_bytes"), "9223372036854771712\n")
	if n, ok := (memoryHierarchy{mount: v1, self: filepath.Join(v1, "jobs/17")}).limit(); !ok || n != 8<<30 {
		t.Errorf("v1: %d, %v; want the parent's 8 GiB", n, ok)
	}
	if n, ok := (memoryHierarchy{mount: v1, self: v1}).limit(); ok {
		t.Errorf("v1 root: %d, want no limit", n)
	}
	v2 := t.TempDir()
	write(filepath.Join(v2, "a/memory.max"), "max\n")
	write(filepath.Join(v2, "a/b/memory.max"), "1073741824\n")
	if n, ok := (memoryHierarchy{v2: true, mount: v2, self: filepath.Join(v2, "a/b")}).limit(); !ok || n != 1<<30 {
		t.Errorf("v2: %d, %v; want 1 GiB", n, ok)
	}
	if n, ok := (memoryHierarchy{v2: true, mount: v2, self: filepath.Join(v2, "a")}).limit(); ok {
		t.Errorf("v2 max: %d, want no limit", n)
	}
}
