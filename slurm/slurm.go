// Package slurm runs kcmin's tests on a Slurm cluster. A worker holds one
// job for the whole campaign (Allocate), so its node, and the build dir on
// that node's disk, stay its own; each test is one step in that job
// (Alloc.Run). Preflight says what is missing before the first test, and
// CancelLeftovers clears the jobs a killed kcmin left behind.
//
// Every Slurm command runs through build.Run: with a timeout, in its own
// process group, killed with all it started.
package slurm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kcmin/kcmin/build"
)

// ErrInfrastructure is wrapped by the errors that say the cluster, not the
// program, failed: the job or its node is gone, srun could not start or
// keep the step. The test did not run to its end and says nothing about
// the config; it may be run again elsewhere.
var ErrInfrastructure = errors.New("slurm infrastructure failure")

// Config says where and how kcmin's jobs run.
type Config struct {
	// Partition and Account are passed to sbatch when set; empty means
	// the cluster's default.
	Partition, Account string
	// TimeLimit bounds each worker's job (sbatch --time), rounded up to
	// whole minutes; 0 leaves the partition's limit.
	TimeLimit time.Duration
	// SbatchArgs and SrunArgs are added to every sbatch and srun command,
	// after kcmin's own options, so they can override them.
	SbatchArgs, SrunArgs []string
	// Env is added to the environment of every Slurm command, such as
	// SLURM_CONF=/path/slurm.conf for a cluster of its own.
	Env []string
}

// cmdTimeout bounds each Slurm command other than a test's srun: a
// controller that does not answer in this time is as good as down
// (Slurm's own MessageTimeout is 10s by default).
const cmdTimeout = 60 * time.Second

// pollEvery is how often a job's or step's state is asked while waiting
// for it to change.
const pollEvery = 500 * time.Millisecond

// result is the output of one Slurm command.
type result struct {
	stdout, stderr string
	code           int
}

// run runs one Slurm command with cfg's environment and cmdTimeout. A
// non-zero exit is an error that quotes the command and what it printed
// on stderr.
func (cfg Config) run(ctx context.Context, argv ...string) (result, error) {
	r, err := cfg.try(ctx, argv...)
	if err != nil {
		return r, err
	}
	if r.code != 0 {
		return r, fmt.Errorf("%s: exit status %d: %s", strings.Join(argv, " "), r.code, firstLines(r.stderr))
	}
	return r, nil
}

// try is run without the judgement of the exit status.
func (cfg Config) try(ctx context.Context, argv ...string) (result, error) {
	var stdout, stderr bytes.Buffer
	code, err := build.Run(ctx, build.Cmd{
		Argv:    argv,
		Env:     cfg.Env,
		Stdout:  &stdout,
		Stderr:  &stderr,
		Timeout: cmdTimeout,
	})
	r := result{stdout: stdout.String(), stderr: stderr.String(), code: code}
	if err != nil {
		return r, fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
	}
	return r, nil
}

// firstLines is s trimmed to its first few lines, for an error message.
func firstLines(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > 5 {
		lines = append(lines[:5], "...")
	}
	return strings.Join(lines, "; ")
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
