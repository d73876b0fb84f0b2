package campaign

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/kcmin/kcmin/proctree"
)

// leftovers lists the makes that run in the workdir's build dirs: when no
// kcmin holds its lock, a dead kcmin left them there.
func (w *Workdir) leftovers() []int {
	return leftoverMakes(w.buildDirs()...)
}

// reapLeftovers kills what a kcmin that died without cleaning up (kill -9,
// a crash) left running in the workdir's build dirs: make processes
// naming one as O=, with their whole process groups, since each make ran
// in a group of its own. A new make in the same dir would otherwise race
// the old one. The caller holds the workdir's lock, so no live kcmin owns
// them.
func (w *Workdir) reapLeftovers() int {
	var killed []int
	for _, pid := range w.leftovers() {
		if syscall.Kill(-processGroup(pid), syscall.SIGKILL) == nil {
			killed = append(killed, pid)
		}
	}
	// Wait, briefly, until they are gone and their files closed.
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range killed {
		for time.Now().Before(deadline) {
			if !alive(pid) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return len(killed)
}

// leftoverMakes lists the live processes that name one of buildDirs as
// O= and lead, or belong to, a process group other than kcmin's own. Only
// when no kcmin holds the workdir's lock are they leftovers.
func leftoverMakes(buildDirs ...string) []int {
	want := map[string]bool{}
	for _, d := range buildDirs {
		want["O="+d] = true
	}
	self := os.Getpid()
	ownPgid := syscall.Getpgrp()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		match := false
		for _, arg := range bytes.Split(cmdline, []byte{0}) {
			if want[string(arg)] {
				match = true
				break
			}
		}
		if !match || !alive(pid) {
			continue
		}
		if pgid := processGroup(pid); pgid > 0 && pgid != ownPgid {
			pids = append(pids, pid)
		}
	}
	return pids
}

// processGroup reads a process's group; 0 when it is gone.
func processGroup(pid int) int {
	st, _ := proctree.ReadStat(pid)
	return st.Group
}

// alive reports whether a process exists and is not a zombie.
func alive(pid int) bool {
	st, ok := proctree.ReadStat(pid)
	return ok && st.State != 'Z'
}
