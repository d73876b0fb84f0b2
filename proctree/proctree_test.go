package proctree

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Every process of a command carries its mark, and the mark is the
// command's own; what left the group dies when the wait returns.
func TestStartMarksAndKills(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	cmd := exec.Command("sh", "-c", `(setsid sh -c 'echo $$ >"$0"; exec sleep 1000' "$0" &)
		while [ ! -s "$0" ]; do sleep 0.01; done`, pidFile)
	wait, err := Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	other := exec.Command("sleep", "1000")
	otherWait, err := Start(other)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = other.Process.Kill()
		_ = otherWait()
	}()
	done := make(chan error, 1)
	go func() { done <- wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the wait still waits 10 s after the command ended")
	}
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(pid, syscall.SIGKILL)
	if parent(pid) != 0 {
		t.Errorf("process %d, which left the group, outlived the wait", pid)
	}
	mark := markOf(other)
	if mark == "" || !hasMark(other.Process.Pid, mark) {
		t.Errorf("the other command lacks its mark %q", mark)
	}
	if markOf(cmd) == mark {
		t.Errorf("two commands share the mark %q", mark)
	}
	if parent(other.Process.Pid) != os.Getpid() {
		t.Error("the end of one command killed another")
	}
}

// markOf is the mark Start gave cmd, the last one in its environment.
func markOf(cmd *exec.Cmd) string {
	mark := ""
	for _, kv := range cmd.Env {
		if v, ok := strings.CutPrefix(kv, treeMark+"="); ok {
			mark = v
		}
	}
	return mark
}
