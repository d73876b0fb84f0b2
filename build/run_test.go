package build

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRunExitStatus(t *testing.T) {
	for _, tc := range []struct {
		name string
		argv []string
		want int
	}{
		{"success", []string{"true"}, 0},
		{"failure", []string{"sh", "-c", "exit 3"}, 3},
		{"unresolved", []string{"sh", "-c", "exit 125"}, 125},
		{"signal", []string{"sh", "-c", "kill -TERM $$"}, 128 + 15},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, err := Run(context.Background(), Cmd{Argv: tc.argv, Timeout: time.Minute})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if code != tc.want {
				t.Errorf("exit code %d, want %d", code, tc.want)
			}
		})
	}
}

func TestRunEnvDirOutput(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	code, err := Run(context.Background(), Cmd{
		Argv:   []string{"sh", "-c", `echo "$KCMIN_A $KCMIN_B $(pwd)"; echo oops >&2`},
		Dir:    dir,
		Env:    []string{"KCMIN_A=1", "KCMIN_B=2", "KCMIN_B=3"},
		Stdout: &stdout, Stderr: &stderr,
	})
	if err != nil || code != 0 {
		t.Fatalf("Run: %d, %v", code, err)
	}
	real, _ := filepath.EvalSymlinks(dir)
	if got, want := stdout.String(), "1 3 "+real+"\n"; got != want {
		t.Errorf("stdout %q, want %q", got, want)
	}
	if got := stderr.String(); got != "oops\n" {
		t.Errorf("stderr %q, want %q", got, "oops\n")
	}
}

func TestRunErrors(t *testing.T) {
	if _, err := Run(context.Background(), Cmd{}); err == nil {
		t.Error("empty command: no error")
	}
	if _, err := Run(context.Background(), Cmd{Argv: []string{"kcmin-no-such-command"}}); err == nil {
		t.Error("missing command: no error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, Cmd{Argv: []string{"true"}}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before start: %v, want context.Canceled", err)
	}
}

// sleeper is a shell that starts a grandchild sleep in its group, writes
// its pid to pidFile and waits for it.
func sleeper(pidFile string) []string {
	return []string{"sh", "-c", `sleep 1000 & echo $! >"$0"; wait`, pidFile}
}

func TestRunTimeoutKillsGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	var out bytes.Buffer // a pipe, which the grandchild holds too
	code, err := Run(context.Background(), Cmd{Argv: sleeper(pidFile), Stdout: &out, Timeout: 300 * time.Millisecond})
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("Run: %v, want ErrTimeout", err)
	}
	if code != -1 {
		t.Errorf("exit code %d, want -1", code)
	}
	assertGone(t, readPid(t, pidFile))
}

func TestRunCancelKillsGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		waitForFile(pidFile)
		cancel()
	}()
	_, err := Run(ctx, Cmd{Argv: sleeper(pidFile), Timeout: time.Minute})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v, want context.Canceled", err)
	}
	assertGone(t, readPid(t, pidFile))
}

// A leader that exits while its child still holds stdout: Run returns,
// and the child is killed.
func TestRunLeftoverHoldingOutput(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	var out bytes.Buffer
	done := make(chan struct{})
	var code int
	var err error
	go func() {
		code, err = Run(context.Background(), Cmd{
			Argv:   []string{"sh", "-c", `sleep 1000 & echo $! >"$0"; echo started`, pidFile},
			Stdout: &out,
		})
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("Run still waits a minute after its command ended")
	}
	if err != nil || code != 0 {
		t.Fatalf("Run: %d, %v", code, err)
	}
	if out.String() != "started\n" {
		t.Errorf("output %q", out.String())
	}
	assertGone(t, readPid(t, pidFile))
}

// Processes that left the command's group, holding its stdout or not,
// die with it, and Run does not wait for their output.
func TestRunKillsEscaped(t *testing.T) {
	for _, tc := range []struct {
		name, script string
	}{
		// The shell's own line: its child leaves the group and, when the
		// shell exits, has no parent left.
		{"setsid", `setsid sh -c 'echo $$ >"$0"; exec sleep 1000' "$0" &
			while [ ! -s "$0" ]; do sleep 0.01; done; echo started`},
		// A double fork: the middle process is gone while the command
		// still runs.
		{"double fork", `(setsid sh -c 'echo $$ >"$0"; exec sleep 1000' "$0" &)
			while [ ! -s "$0" ]; do sleep 0.01; done; echo started`},
		// An escaped process with a child of its own, which is orphaned
		// only when its parent is killed.
		{"escaped parent", `setsid sh -c 'sleep 1000 & echo $! >"$0"; wait' "$0" &
			while [ ! -s "$0" ]; do sleep 0.01; done; echo started`},
		// Out of the group and holding no output.
		{"quiet", `setsid sh -c 'echo $$ >"$0"; exec sleep 1000' "$0" >/dev/null 2>&1 &
			while [ ! -s "$0" ]; do sleep 0.01; done; echo started`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pidFile := filepath.Join(t.TempDir(), "pid")
			var out bytes.Buffer
			start := time.Now()
			code, err := Run(context.Background(), Cmd{
				Argv:    []string{"sh", "-c", tc.script, pidFile},
				Stdout:  &out,
				Timeout: time.Minute,
			})
			elapsed := time.Since(start)
			pid := readPid(t, pidFile)
			defer syscall.Kill(pid, syscall.SIGKILL)
			if err != nil || code != 0 {
				t.Fatalf("Run: %d, %v", code, err)
			}
			if !gone(pid) {
				t.Errorf("process %d, which left the group, outlived Run", pid)
			}
			if elapsed > time.Second {
				t.Errorf("Run took %v", elapsed)
			}
			if out.String() != "started\n" {
				t.Errorf("output %q", out.String())
			}
		})
	}
}

// A command killed at its timeout takes its escaped processes along.
func TestRunTimeoutKillsEscaped(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	_, err := Run(context.Background(), Cmd{
		Argv:    []string{"sh", "-c", `setsid sh -c 'echo $$ >"$0"; exec sleep 1000' "$0" & sleep 1000`, pidFile},
		Timeout: 500 * time.Millisecond,
	})
	pid := readPid(t, pidFile)
	defer syscall.Kill(pid, syscall.SIGKILL)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("Run: %v, want ErrTimeout", err)
	}
	if !gone(pid) {
		t.Errorf("process %d, which left the group, outlived Run", pid)
	}
}

// The end of one command kills nothing of another command still running,
// nor an orphan kcmin did not start through Run.
func TestRunKillsOnlyItsOwn(t *testing.T) {
	dir := t.TempDir()
	otherPid, strayPid := filepath.Join(dir, "other"), filepath.Join(dir, "stray")
	release := filepath.Join(dir, "release")
	otherDone := make(chan error, 1)
	go func() {
		// Its escaped process must live until this command ends.
		_, err := Run(context.Background(), Cmd{
			Argv: []string{"sh", "-c", `(setsid sh -c 'echo $$ >"$0"; exec sleep 1000' "$0" &)
				while [ ! -e "$1" ]; do sleep 0.01; done`, otherPid, release},
			Timeout: time.Minute,
		})
		otherDone <- err
	}()
	other := readPid(t, otherPid)
	defer syscall.Kill(other, syscall.SIGKILL)

	stray := exec.Command("sh", "-c", `(setsid sh -c 'echo $$ >"$0"; exec sleep 1000' "$0" &)`, strayPid)
	if err := stray.Run(); err != nil {
		t.Fatal(err)
	}
	strayP := readPid(t, strayPid)
	defer syscall.Kill(strayP, syscall.SIGKILL)

	if _, err := Run(context.Background(), Cmd{Argv: []string{"true"}}); err != nil {
		t.Fatal(err)
	}
	if gone(other) {
		t.Error("a command's end killed another command's process")
	}
	if gone(strayP) {
		t.Error("a command's end killed an orphan that was not its own")
	}
	os.WriteFile(release, nil, 0o644)
	if err := <-otherDone; err != nil {
		t.Fatal(err)
	}
	if !gone(other) {
		t.Errorf("process %d outlived its command", other)
	}
}

func waitForFile(path string) {
	for i := 0; i < 500; i++ {
		if data, err := os.ReadFile(path); err == nil && len(bytes.TrimSpace(data)) > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func readPid(t *testing.T, path string) int {
	t.Helper()
	waitForFile(path)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("pid file: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatalf("pid file %q: %v", data, err)
	}
	return pid
}

// assertGone waits a little for pid to die; a zombie counts as dead, since
// its reaper may not be this process.
func assertGone(t *testing.T, pid int) {
	t.Helper()
	for i := 0; i < 100; i++ {
		if gone(pid) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("process %d still runs", pid)
}

// gone reports whether pid is dead, or a zombie.
func gone(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	_, rest, ok := strings.Cut(string(stat), ") ")
	return ok && strings.HasPrefix(rest, "Z")
}
