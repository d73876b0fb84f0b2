package build

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/kcmin/kcmin/proctree"
)

// ErrTimeout is wrapped by the error Run returns when a command ran past
// its timeout and was killed.
var ErrTimeout = errors.New("timed out")

const (
	// killGrace is how long a process group has between SIGTERM and
	// SIGKILL: make uses it to delete half-written targets.
	killGrace = 5 * time.Second
	// pipeDelay bounds the wait for output pipes once the command and
	// everything it left were killed: only a process that escaped both
	// its group and its mark (see proctree.Start) can still hold them, and Run
	// does not wait for it.
	pipeDelay = 200 * time.Millisecond
)

// Cmd is one external command. Every command runs in its own process
// group, so that a timeout or a cancel kills it with everything it
// started; what leaves the group dies with the command too (see proctree.Start).
type Cmd struct {
	Argv []string
	Dir  string
	// Env is added to os.Environ(); a later entry wins over an earlier
	// one and over the inherited environment.
	Env []string
	// Stdout and Stderr receive the output; nil discards it. An *os.File
	// is handed to the process as is, which costs no copying.
	Stdout, Stderr io.Writer
	// Timeout kills the command when it runs longer; 0 means no timeout
	// other than the context's.
	Timeout time.Duration
}

// RunResult is what a finished command came to.
type RunResult struct {
	// ExitCode is the status Run returns: 128+signal for a death by a
	// signal nobody here sent, -1 when the command was stopped.
	ExitCode int
	// Signal is the signal that ended the leader, 0 when it exited.
	Signal syscall.Signal
	// PeakRSS is the largest resident set, in bytes, of the leader and
	// of every descendant reaped by it or by a process it reaped, as the
	// kernel accounts it at wait (ru_maxrss): the largest single process
	// of a build, such as a linker, not the sum of those running at once.
	// Processes reaped by kcmin as their subreaper are not counted. 0
	// when unknown.
	PeakRSS int64
}

// Run is RunStats' exit status alone.
func Run(ctx context.Context, c Cmd) (exitCode int, err error) {
	r, err := RunStats(ctx, c)
	return r.ExitCode, err
}

// RunStats starts c in a new process group and waits for it. A normal
// exit returns its status and a nil error, whatever the status; a death by
// a signal nobody here sent returns 128+signal, as a shell reports it. At
// the timeout, or when ctx is done, the whole group gets SIGTERM, then
// SIGKILL after a short grace; the exit code is -1 and the error wraps
// ErrTimeout, or is ctx.Err(). When the leader exits, whatever it left
// running is killed, in its group or out of it (see proctree.Start), and
// RunStats returns without waiting for output from anything else. PeakRSS
// is filled whenever the leader was reaped, stopped or not.
func RunStats(ctx context.Context, c Cmd) (RunResult, error) {
	failed := RunResult{ExitCode: -1}
	if len(c.Argv) == 0 {
		return failed, errors.New("run: empty command")
	}
	if err := ctx.Err(); err != nil {
		return failed, err
	}
	cmd := exec.Command(c.Argv[0], c.Argv[1:]...)
	cmd.Dir = c.Dir
	if len(c.Env) > 0 {
		cmd.Env = append(os.Environ(), c.Env...)
	}
	cmd.Stdout, cmd.Stderr = c.Stdout, c.Stderr
	cmd.WaitDelay = pipeDelay
	wait, err := proctree.Start(cmd)
	if err != nil {
		return failed, fmt.Errorf("start %s: %w", c.Argv[0], err)
	}
	pgid := cmd.Process.Pid
	done := make(chan error, 1)
	go func() { done <- wait() }()

	var timeout <-chan time.Time
	if c.Timeout > 0 {
		t := time.NewTimer(c.Timeout)
		defer t.Stop()
		timeout = t.C
	}
	var stopped error
	select {
	case err := <-done:
		return exitStatus(cmd, err)
	case <-timeout:
		stopped = fmt.Errorf("%s: %w after %v", c.Argv[0], ErrTimeout, c.Timeout)
	case <-ctx.Done():
		stopped = ctx.Err()
	}
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	grace := time.NewTimer(killGrace)
	defer grace.Stop()
	// The wait kills the group itself once the leader is gone, before
	// reaping it frees the group's id.
	select {
	case <-done:
	case <-grace.C:
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-done
	}
	failed.PeakRSS = peakRSS(cmd)
	return failed, stopped
}

// exitStatus turns what Wait returned into RunStats' answer.
func exitStatus(cmd *exec.Cmd, err error) (RunResult, error) {
	var exitErr *exec.ExitError
	switch {
	case err == nil, errors.Is(err, exec.ErrWaitDelay), errors.As(err, &exitErr):
	default:
		return RunResult{ExitCode: -1}, fmt.Errorf("wait for %s: %w", cmd.Path, err)
	}
	r := RunResult{ExitCode: cmd.ProcessState.ExitCode(), PeakRSS: peakRSS(cmd)}
	if st, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && st.Signaled() {
		r.Signal = st.Signal()
		r.ExitCode = 128 + int(r.Signal)
	}
	return r, nil
}

// peakRSS reads ru_maxrss, which Linux gives in KiB, from the reaped
// leader's usage.
func peakRSS(cmd *exec.Cmd) int64 {
	if cmd.ProcessState == nil {
		return 0
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok || ru == nil {
		return 0
	}
	return ru.Maxrss * 1024
}
