package slurm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kcmin/kcmin/build"
)

// goneTimeout bounds the wait for a cancelled job or step to leave the
// queue: Slurm's KillWait (30s by default) between SIGTERM and SIGKILL,
// and slack for the node to report back.
const goneTimeout = 3 * time.Minute

// pollFailures is how many state queries in a row may fail before a wait
// gives up: a busy controller times out now and then.
const pollFailures = 5

// Alloc is one worker's job: it holds one node for the whole campaign,
// and each test runs in it as a step (Run).
type Alloc struct {
	JobID string // Slurm's job id
	Node  string // the node the job runs on
	Name  string // the job's name
	MemMB int64  // the memory it asked for, 0 for the partition's default

	cfg   Config
	cpus  int
	steps atomic.Uint64
}

// Allocate submits a job named name that holds cpus CPUs and memMB
// megabytes of one node (0: the partition's default) by sleeping until it
// is cancelled, and waits until it runs. The job is never requeued: a
// requeued job could come back on another node, without the build dir
// its worker left on the first one, so a lost node ends the job and its
// steps fail with ErrInfrastructure instead. When the job ends before it
// runs, the error gives its state and Slurm's reason; when ctx is done
// first, the job is cancelled.
func Allocate(ctx context.Context, cfg Config, name string, cpus int, memMB int64) (*Alloc, error) {
	return allocate(ctx, cfg, name, "", cpus, memMB)
}

// Grow gives the job more memory, memMB megabytes, on the same node: a
// build needs more than the job asked for. Slurm does not grow a running
// job's memory, so the job is cancelled and submitted again with the
// same name on that node (--nodelist), where its worker's build dir
// stays; the new job waits there as any job does until the memory is
// free. a is done with either way: on error the worker has no job.
func (a *Alloc) Grow(ctx context.Context, memMB int64) (*Alloc, error) {
	cctx, cancel := context.WithTimeout(context.Background(), goneTimeout)
	defer cancel()
	if err := a.Cancel(cctx); err != nil {
		return nil, fmt.Errorf("grow %s to %d MB: %w", a.Name, memMB, err)
	}
	return allocate(ctx, a.cfg, a.Name, a.Node, a.cpus, memMB)
}

// allocate is Allocate on node, any node when "".
func allocate(ctx context.Context, cfg Config, name, node string, cpus int, memMB int64) (*Alloc, error) {
	if cpus < 1 {
		return nil, fmt.Errorf("allocate %s: %d cpus", name, cpus)
	}
	argv := []string{"sbatch", "--parsable", "--job-name=" + name,
		"--nodes=1", "--ntasks=1", "--cpus-per-task=" + strconv.Itoa(cpus),
		"--no-requeue", "--output=/dev/null", "--chdir=/"}
	if memMB > 0 {
		argv = append(argv, fmt.Sprintf("--mem=%dM", memMB))
	}
	if node != "" {
		argv = append(argv, "--nodelist="+node)
	}
	if cfg.Partition != "" {
		argv = append(argv, "--partition="+cfg.Partition)
	}
	if cfg.Account != "" {
		argv = append(argv, "--account="+cfg.Account)
	}
	if cfg.TimeLimit > 0 {
		minutes := (cfg.TimeLimit + time.Minute - 1) / time.Minute
		argv = append(argv, fmt.Sprintf("--time=%d", minutes))
	}
	argv = append(argv, cfg.SbatchArgs...)
	argv = append(argv, "--wrap=exec sleep infinity")
	r, err := cfg.run(ctx, argv...)
	if err != nil {
		return nil, fmt.Errorf("allocate %s: %w", name, err)
	}
	// --parsable prints "jobid" or "jobid;cluster".
	id, _, _ := strings.Cut(strings.TrimSpace(r.stdout), ";")
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		return nil, fmt.Errorf("allocate %s: sbatch printed %q, not a job id", name, r.stdout)
	}
	a := &Alloc{JobID: id, Name: name, MemMB: memMB, cfg: cfg, cpus: cpus}
	if err := a.waitRunning(ctx); err != nil {
		// Whatever happened, the job must not stay behind.
		cctx, cancel := context.WithTimeout(context.Background(), goneTimeout)
		defer cancel()
		_ = a.Cancel(cctx)
		return nil, fmt.Errorf("allocate %s: %w", name, err)
	}
	return a, nil
}

// waiting are the states of a job that will run.
var waiting = map[string]bool{"PENDING": true, "CONFIGURING": true, "REQUEUED": true, "RESIZING": true}

// waitRunning polls the job's state until it is RUNNING and sets a.Node.
func (a *Alloc) waitRunning(ctx context.Context) error {
	failures := 0
	last := ""
	for {
		r, err := a.cfg.run(ctx, "squeue", "-h", "-j", a.JobID, "-o", "%T|%N|%r")
		switch {
		case ctx.Err() != nil:
			return fmt.Errorf("job %s still %s: %w", a.JobID, last, ctx.Err())
		case err != nil:
			if failures++; failures >= pollFailures {
				return fmt.Errorf("wait for job %s to run: %w", a.JobID, err)
			}
		default:
			failures = 0
			line := strings.TrimSpace(r.stdout)
			if line == "" {
				return fmt.Errorf("job %s left the queue before it ran", a.JobID)
			}
			f := strings.SplitN(line, "|", 3)
			for len(f) < 3 {
				f = append(f, "")
			}
			state, node, reason := f[0], f[1], f[2]
			last = state + " (" + reason + ")"
			if state == "RUNNING" {
				a.Node = node
				return nil
			}
			if !waiting[state] {
				return fmt.Errorf("job %s ended before it ran: %s, reason %s", a.JobID, state, reason)
			}
		}
		if err := sleep(ctx, pollEvery); err != nil {
			return fmt.Errorf("job %s still %s: %w", a.JobID, last, err)
		}
	}
}

// Run runs argv as one step of the job, on its node, with the job's CPUs,
// and returns its exit status (128+signal for a program killed by one).
// The step overlaps the job's sleeping batch script and any other step.
//
// When ctx is done or timeout (0: none) passes, the local srun is killed
// with its process group and the step is killed on the node, and Run
// returns once the step is gone, with ctx.Err() or an error wrapping
// build.ErrTimeout. When Slurm, not the program, ended the step (the job
// was cancelled or reached its time limit, the node failed, srun could not
// start the step), the error wraps ErrInfrastructure and gives Slurm's
// reason: the program's exit status then says nothing about the program.
func (a *Alloc) Run(ctx context.Context, argv []string, stdout, stderr io.Writer, timeout time.Duration) (exitCode int, err error) {
	if len(argv) == 0 {
		return -1, errors.New("run a step: empty command")
	}
	// The step's name finds it in the queue when it has to be killed.
	step := fmt.Sprintf("%s.s%d", a.Name, a.steps.Add(1))
	srun := []string{"srun", "--jobid=" + a.JobID, "--overlap", "--quiet",
		"--nodes=1", "--ntasks=1", "--cpus-per-task=" + strconv.Itoa(a.cpus),
		"--job-name=" + step}
	srun = append(srun, a.cfg.SrunArgs...)
	srun = append(srun, argv...)
	w := &srunLog{out: stderr}
	code, err := build.Run(ctx, build.Cmd{
		Argv:    srun,
		Env:     a.cfg.Env,
		Stdout:  stdout,
		Stderr:  w,
		Timeout: timeout,
	})
	reason := ""
	if err == nil && code != 0 {
		reason = w.infrastructure(code)
	}
	if err != nil || reason != "" {
		// srun is gone, but the step may not be: kill it on the node,
		// even when ctx is done.
		kctx, cancel := context.WithTimeout(context.Background(), goneTimeout)
		defer cancel()
		if kerr := a.killStep(kctx, step); kerr != nil {
			if err == nil {
				err = fmt.Errorf("%w: %s", ErrInfrastructure, reason)
			}
			return -1, fmt.Errorf("step %s of job %s on %s: %w; and killing it: %v", step, a.JobID, a.Node, err, kerr)
		}
	}
	if err != nil {
		return -1, fmt.Errorf("step %s of job %s on %s: %w", step, a.JobID, a.Node, err)
	}
	if reason != "" {
		return code, fmt.Errorf("step %s of job %s on %s: %w: %s", step, a.JobID, a.Node, ErrInfrastructure, reason)
	}
	return code, nil
}

// killStep kills the steps of the job named step and waits until they are
// gone.
func (a *Alloc) killStep(ctx context.Context, step string) error {
	ids, err := a.stepIDs(ctx, step)
	if err != nil || len(ids) == 0 {
		return err
	}
	for _, id := range ids {
		// SIGKILL at once; then the cancel ends the step even if a
		// task did not die.
		_, _ = a.cfg.try(ctx, "scancel", "--signal=KILL", id)
		_, _ = a.cfg.try(ctx, "scancel", id)
	}
	for {
		ids, err := a.stepIDs(ctx, step)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		if err := sleep(ctx, pollEvery); err != nil {
			return fmt.Errorf("step %s still there: %w", strings.Join(ids, " "), err)
		}
	}
}

// stepIDs lists the ids (job.step) of the job's steps named step. A job
// that is gone has none.
func (a *Alloc) stepIDs(ctx context.Context, step string) ([]string, error) {
	r, err := a.cfg.try(ctx, "squeue", "-h", "-s", "-j", a.JobID, "-o", "%i %j")
	if err != nil {
		return nil, fmt.Errorf("list the steps of job %s: %w", a.JobID, err)
	}
	if r.code != 0 {
		if strings.Contains(r.stderr, "Invalid job id") {
			return nil, nil
		}
		return nil, fmt.Errorf("list the steps of job %s: squeue: exit status %d: %s", a.JobID, r.code, firstLines(r.stderr))
	}
	var ids []string
	for _, line := range strings.Split(r.stdout, "\n") {
		if id, name, ok := strings.Cut(strings.TrimSpace(line), " "); ok && name == step {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// Cancel cancels the job with all its steps and waits until it has left
// the queue.
func (a *Alloc) Cancel(ctx context.Context) error {
	if err := cancelJobs(ctx, a.cfg, []string{a.JobID}); err != nil {
		return fmt.Errorf("cancel job %s (%s): %w", a.JobID, a.Name, err)
	}
	return nil
}

// CancelLeftovers cancels this user's jobs whose names start with prefix,
// such as those of a kcmin killed with -9, waits until they have left the
// queue, and returns how many there were. The prefix should end where a
// campaign's id does ("kcmin-ab12-"), so that it matches no other
// campaign's jobs.
func CancelLeftovers(ctx context.Context, cfg Config, prefix string) (n int, err error) {
	if prefix == "" {
		return 0, errors.New("cancel leftover jobs: empty prefix would match every job")
	}
	jobs, err := listJobs(ctx, cfg)
	if err != nil {
		return 0, fmt.Errorf("cancel leftover jobs %s*: %w", prefix, err)
	}
	var ids []string
	for _, j := range jobs {
		if strings.HasPrefix(j.name, prefix) && !finished[j.state] {
			ids = append(ids, j.id)
		}
	}
	if len(ids) == 0 {
		return 0, nil
	}
	if err := cancelJobs(ctx, cfg, ids); err != nil {
		return 0, fmt.Errorf("cancel leftover jobs %s*: %w", prefix, err)
	}
	return len(ids), nil
}

// finished are the states of a job that is over but still listed.
var finished = map[string]bool{
	"BOOT_FAIL": true, "CANCELLED": true, "COMPLETED": true, "DEADLINE": true,
	"FAILED": true, "NODE_FAIL": true, "OUT_OF_MEMORY": true, "PREEMPTED": true,
	"REVOKED": true, "SPECIAL_EXIT": true, "TIMEOUT": true,
}

// job is one line of squeue.
type job struct{ id, name, state string }

// listJobs lists this user's jobs.
func listJobs(ctx context.Context, cfg Config) ([]job, error) {
	// The state first: a job's name may hold the separator.
	r, err := cfg.run(ctx, "squeue", "-h", "--me", "-o", "%T|%i|%j")
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	var jobs []job
	for _, line := range strings.Split(r.stdout, "\n") {
		f := strings.SplitN(strings.TrimSpace(line), "|", 3)
		if len(f) == 3 {
			jobs = append(jobs, job{state: f[0], id: f[1], name: f[2]})
		}
	}
	return jobs, nil
}

// cancelJobs cancels the jobs and waits, at most goneTimeout, until none
// of them is listed but as finished.
func cancelJobs(ctx context.Context, cfg Config, ids []string) error {
	if _, err := cfg.run(ctx, append([]string{"scancel"}, ids...)...); err != nil {
		// A job that ended meanwhile is no reason to stop: the wait
		// below tells.
		if !strings.Contains(err.Error(), "Invalid job id") {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, goneTimeout)
	defer cancel()
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	failures := 0
	for {
		jobs, err := listJobs(ctx, cfg)
		if err != nil {
			if failures++; failures >= pollFailures || ctx.Err() != nil {
				return err
			}
		} else {
			failures = 0
			var left []string
			for _, j := range jobs {
				if want[j.id] && !finished[j.state] {
					left = append(left, j.id+" "+j.state)
				}
			}
			if len(left) == 0 {
				return nil
			}
			if err := sleep(ctx, pollEvery); err != nil {
				return fmt.Errorf("still in the queue: %s: %w", strings.Join(left, ", "), err)
			}
			continue
		}
		if err := sleep(ctx, pollEvery); err != nil {
			return err
		}
	}
}

// taskStatus matches srun's report of how the program's tasks ended
// ("srun: error: node1: task 0: Exited with exit code 3", "...: Killed"):
// the program's doing, not Slurm's.
var taskStatus = regexp.MustCompile(`^srun: error: \S+: tasks? [0-9,-]+: `)

// srunLog passes srun's stderr on and keeps the lines srun and
// slurmstepd wrote themselves, which say why Slurm ended a step.
type srunLog struct {
	out     io.Writer
	mu      sync.Mutex
	partial []byte
	lines   []string
}

// maxLines and maxLine bound what srunLog keeps.
const (
	maxLines = 20
	maxLine  = 4096
)

func (l *srunLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.keep(string(l.partial[:i]))
		l.partial = l.partial[i+1:]
	}
	// A program's endless line is no line of srun's: its start is
	// enough to tell.
	if len(l.partial) > maxLine {
		l.keep(string(l.partial[:maxLine]))
		l.partial = nil
	}
	if l.out == nil {
		return len(p), nil
	}
	return l.out.Write(p)
}

func (l *srunLog) keep(line string) {
	if !strings.HasPrefix(line, "srun: ") && !strings.HasPrefix(line, "slurmstepd") {
		return
	}
	if len(l.lines) == maxLines {
		l.lines = l.lines[1:]
	}
	l.lines = append(l.lines, line)
}

// infrastructure is why Slurm, not the program, ended the step that made
// srun exit with code, or "": a step or job cancelled under the program,
// any error of srun's that is not the report of a task's end, or no such
// report at all, since srun reports every task that did not exit 0 and
// so code is then srun's own (srun itself killed, say).
func (l *srunLog) infrastructure(code int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.partial) > 0 {
		l.keep(string(l.partial))
		l.partial = nil
	}
	var why []string
	reported := false
	for _, line := range l.lines {
		reported = reported || taskStatus.MatchString(line)
		switch {
		case strings.HasPrefix(line, "slurmstepd") && strings.Contains(line, "CANCELLED"),
			strings.HasPrefix(line, "srun: error: ") && !taskStatus.MatchString(line),
			strings.HasPrefix(line, "srun: fatal: "),
			strings.HasPrefix(line, "srun: Force Terminated"):
			why = append(why, line)
		}
	}
	if len(why) == 0 && !reported {
		why = append(why, fmt.Sprintf("srun exited with status %d without a word on how the program ended", code))
	}
	return strings.Join(why, "; ")
}
