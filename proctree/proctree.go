// Package proctree starts external processes so that nothing they start
// outlives them: each runs in a process group of its own, and what leaves
// the group (setsid, a double fork) is found by a mark in its environment
// once its parent is gone, and killed when the command ends.
package proctree

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// treeMark names the environment variable that marks every process of one
// command: the command inherits it, and so does whatever it starts, in
// its group or out of it (setsid, a double fork).
const treeMark = "KCMIN_PROCESS_TREE"

// escapeDeadline bounds how long Start's wait spends killing a tree's
// escaped processes, so that one stuck in the kernel cannot hold a test.
const escapeDeadline = 10 * time.Second

var (
	subreaperOnce sync.Once
	treeSeq       atomic.Uint64
)

// becomeSubreaper makes kcmin the parent of every orphan among its
// descendants, instead of init: a process that left its command's group
// and whose parent died is then kcmin's child, where kcmin can find it,
// and its pid stays its own until kcmin reaps it. The attribute belongs
// to the whole process, hence the once.
func becomeSubreaper() {
	subreaperOnce.Do(func() {
		_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	})
}

// Start starts cmd in a process group of its own, marked so that its
// descendants can be told from everything else, and returns the function
// that waits for it. That wait returns cmd.Wait's result once the leader
// has exited and every process it left behind is dead: those in its group
// and those that left the group, which are kcmin's children by then (it
// is their subreaper) and carry this command's mark. Killing them at once
// closes the output pipes they hold, so the wait does not wait for them.
// Nothing without the mark is touched, and the mark of each command is
// its own, so the leftovers of one command never kill another's
// processes, such as a resolve's make beside a build's.
//
// cmd.Env, if nil, becomes the inherited environment; cmd.SysProcAttr is
// replaced.
func Start(cmd *exec.Cmd) (wait func() error, err error) {
	becomeSubreaper()
	mark := fmt.Sprintf("%d.%d", os.Getpid(), treeSeq.Add(1))
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env, treeMark+"="+mark)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	leader := cmd.Process.Pid
	return func() error {
		waitExit(leader)
		_ = syscall.Kill(-leader, syscall.SIGKILL)
		killEscaped(mark, leader)
		return cmd.Wait()
	}, nil
}

// waitExit waits for pid to exit without reaping it, so that its pid, and
// so its group's id, cannot be reused meanwhile.
func waitExit(pid int) {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != unix.EINTR {
			return
		}
	}
}

// killEscaped kills and reaps the children of kcmin that carry mark, but
// the leader, until there are none. Killing one makes its own children
// kcmin's, with the mark, so the loop goes down the tree; reaping is what
// frees their pids, and no one else reaps them.
func killEscaped(mark string, leader int) {
	deadline := time.Now().Add(escapeDeadline)
	for time.Now().Before(deadline) {
		pids := adopted(mark, leader)
		if len(pids) == 0 {
			return
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		for _, pid := range pids {
			reap(pid, deadline)
		}
	}
}

// reap waits, until the deadline, for a child killed by killEscaped.
func reap(pid int, deadline time.Time) {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOHANG, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil || info.Signo != 0 || time.Now().After(deadline) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// adopted lists kcmin's children that carry mark, except leader. The
// children are read per thread, since an orphan is given to one thread of
// its subreaper; without those files (a kernel without
// CONFIG_PROC_CHILDREN), every process's parent is read instead.
func adopted(mark string, leader int) []int {
	self := os.Getpid()
	var pids []int
	for _, pid := range children(self) {
		if pid != leader && hasMark(pid, mark) && parent(pid) == self {
			pids = append(pids, pid)
		}
	}
	return pids
}

func children(self int) []int {
	var pids []int
	files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", self))
	if len(files) > 0 {
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			for _, field := range strings.Fields(string(data)) {
				if pid, err := strconv.Atoi(field); err == nil {
					pids = append(pids, pid)
				}
			}
		}
		return pids
	}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil && parent(pid) == self {
			pids = append(pids, pid)
		}
	}
	return pids
}

// hasMark reports whether pid's environment holds treeMark=mark.
func hasMark(pid int, mark string) bool {
	env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		return false
	}
	want := []byte(treeMark + "=" + mark)
	for _, kv := range bytes.Split(env, []byte{0}) {
		if bytes.Equal(kv, want) {
			return true
		}
	}
	return false
}

// parent reads pid's parent; 0 if it is gone.
func parent(pid int) int {
	st, ok := ReadStat(pid)
	if !ok {
		return 0
	}
	return st.Parent
}

// Stat is what /proc/PID/stat says of a process.
type Stat struct {
	State  byte // R, S, D, Z, ...
	Parent int
	Group  int
}

// ReadStat reads /proc/PID/stat; false when the process is gone.
func ReadStat(pid int) (Stat, bool) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return Stat{}, false
	}
	// The command name, in parentheses, may hold spaces and parentheses:
	// fields count from the last ")".
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return Stat{}, false
	}
	f := strings.Fields(s[i+1:])
	// state ppid pgrp ...
	if len(f) < 3 || f[0] == "" {
		return Stat{}, false
	}
	ppid, _ := strconv.Atoi(f[1])
	pgrp, _ := strconv.Atoi(f[2])
	return Stat{State: f[0][0], Parent: ppid, Group: pgrp}, true
}
