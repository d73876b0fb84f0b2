package kconfig

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A $(shell) command that starts a process out of its group leaves
// nothing running, and its output is read without waiting for that
// process.
func TestShellKillsEscaped(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	start := time.Now()
	out, err := runShell(context.Background(),
		`setsid sh -c 'echo $$ >"$F"; exec sleep 1000' & while [ ! -s "$F" ]; do sleep 0.01; done; echo out`,
		t.TempDir(), map[string]string{"F": pidFile}, io.Discard)
	took := time.Since(start)
	data, rerr := os.ReadFile(pidFile)
	if rerr != nil {
		t.Fatal(rerr)
	}
	pid, rerr := strconv.Atoi(strings.TrimSpace(string(data)))
	if rerr != nil {
		t.Fatal(rerr)
	}
	defer syscall.Kill(pid, syscall.SIGKILL)
	if err != nil || string(out) != "out\n" {
		t.Fatalf("runShell: %q, %v", out, err)
	}
	if stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil {
		if _, state, _ := strings.Cut(string(stat), ") "); !strings.HasPrefix(state, "Z") {
			t.Errorf("process %d, which left the group, outlived the command", pid)
		}
	}
	if took > 500*time.Millisecond {
		t.Errorf("runShell took %v", took)
	}
}
