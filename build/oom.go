package build

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
)

// vmstatPath holds the machine's count of OOM kills, memory cgroups' kills
// included.
const vmstatPath = "/proc/vmstat"

// oomCounter is a file with an "oom_kill N" line: /proc/vmstat, a v1
// cgroup's memory.oom_control or a v2 cgroup's memory.events.
type oomCounter struct {
	path string
	// own says that the counter counts this build's processes alone: a
	// cgroup that holds the build and nothing else.
	own bool
}

// oomReading is a counter's value at one moment; n is -1 when the file
// could not be read.
type oomReading struct {
	oomCounter
	n int64
}

// oomCounters lists what can tell that the OOM killer struck a build:
// the build's own cgroup (Cgroup), kcmin's own memory cgroup, which the
// build shares with whatever else kcmin runs, and the machine's count.
func (m *Make) oomCounters() []oomCounter {
	var cs []oomCounter
	if m.Cgroup != "" {
		cs = append(cs, oomCounter{path: cgroupOOMFile(m.Cgroup), own: true})
	}
	if h, err := findMemoryHierarchy(); err == nil {
		cs = append(cs, oomCounter{path: cgroupOOMFile(h.self)})
	}
	return append(cs, oomCounter{path: vmstatPath})
}

func readOOMCounters(cs []oomCounter) []oomReading {
	rs := make([]oomReading, len(cs))
	for i, c := range cs {
		rs[i] = oomReading{c, -1}
		if n, err := readOOMKill(c.path); err == nil {
			rs[i].n = n
		}
	}
	return rs
}

// cgroupOOMFile is the file of a memory cgroup directory that counts its
// OOM kills: memory.events in v2, memory.oom_control in v1.
func cgroupOOMFile(dir string) string {
	v2 := filepath.Join(dir, "memory.events")
	if _, err := os.Stat(v2); err == nil {
		return v2
	}
	return filepath.Join(dir, "memory.oom_control")
}

// readOOMKill reads the "oom_kill N" line of path.
func readOOMKill(path string) (int64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("read the OOM kill count: %w", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "oom_kill" {
			n, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("read the OOM kill count: %s: %q: %w", path, line, err)
			}
			return n, nil
		}
	}
	return 0, fmt.Errorf("read the OOM kill count: %s: no oom_kill line", path)
}

// oomVerdict says whether a failed build was killed by the OOM killer,
// from its counters read before and after the build, the signal that
// ended make (0 when it exited) and the build's log. The build's own
// cgroup counting a kill is enough. A shared counter (kcmin's cgroup, the
// machine) that rose may have counted another process, such as a
// parallel build's or another program's; it is taken as this build's OOM
// only when this build also lost a process to SIGKILL, which nothing in
// kcmin sends to a build that it then judges: make itself died by it, or
// its log shows a killed compiler, linker or recipe.
func oomVerdict(before, after []oomReading, sig syscall.Signal, logPath string) (bool, string) {
	var shared *oomReading
	var was int64
	for i, a := range after {
		b := before[i]
		if a.n < 0 || b.n < 0 || a.n <= b.n {
			continue
		}
		if a.own {
			return true, fmt.Sprintf("killed by the OOM killer (oom_kill %d -> %d in %s)", b.n, a.n, a.path)
		}
		if shared == nil {
			shared, was = &after[i], b.n
		}
	}
	if shared == nil {
		return false, ""
	}
	var evidence string
	if sig == syscall.SIGKILL {
		evidence = "make was killed by SIGKILL"
	} else if line := killedLine(logPath); line != "" {
		evidence = "the log: " + line
	} else {
		return false, ""
	}
	return true, fmt.Sprintf("killed by the OOM killer (oom_kill %d -> %d in %s; %s)", was, shared.n, shared.path, evidence)
}

// killedLines match how a build reports a process killed by SIGKILL:
// make for a recipe killed or a shell that saw its command killed (exit
// 137), bash for a command of a script, gcc's and clang's drivers for a
// compiler or linker they ran, and collect2's "terminated with signal 9".
var killedLines = []*regexp.Regexp{
	regexp.MustCompile(`^make(\[\d+\])?: \*\*\* .*(Error 137|Killed)$`),
	regexp.MustCompile(`: line \d+: +\d+ Killed +\S`),
	regexp.MustCompile(`Killed signal terminated program`),
	regexp.MustCompile(`unable to execute command: Killed`),
	regexp.MustCompile(`signal 9\b`),
}

// killedLine is the first line of the log at path that reports a process
// killed by SIGKILL, or "".
func killedLine(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		for _, re := range killedLines {
			if re.Match(line) {
				return string(line)
			}
		}
	}
	return ""
}
