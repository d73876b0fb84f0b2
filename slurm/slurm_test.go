package slurm_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kcmin/kcmin/build"
	"github.com/kcmin/kcmin/slurm"
	"github.com/kcmin/kcmin/slurm/slurmtest"
)

// squeue runs squeue on the cluster and returns its lines.
func squeue(t *testing.T, c *slurmtest.Cluster, args ...string) []string {
	t.Helper()
	var out, errOut bytes.Buffer
	code, err := build.Run(context.Background(), build.Cmd{
		Argv: append([]string{"squeue", "-h"}, args...), Env: c.Env(),
		Stdout: &out, Stderr: &errOut, Timeout: 30 * time.Second,
	})
	if err != nil || code != 0 {
		t.Fatalf("squeue %v: %d %v %s", args, code, err, errOut.String())
	}
	return strings.Fields(out.String())
}

// slurmCmd runs a Slurm command on the cluster and returns its stdout.
func slurmCmd(t *testing.T, c *slurmtest.Cluster, argv ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	code, err := build.Run(context.Background(), build.Cmd{
		Argv: argv, Env: c.Env(), Stdout: &out, Stderr: &errOut, Timeout: 30 * time.Second,
	})
	if err != nil || code != 0 {
		t.Fatalf("%v: %d %v %s", argv, code, err, errOut.String())
	}
	return out.String()
}

func allocate(t *testing.T, cfg slurm.Config, name string) *slurm.Alloc {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, err := slurm.Allocate(ctx, cfg, name, 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestPreflightMissingCommands(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	err := slurm.Preflight(context.Background(), slurm.Config{})
	if err == nil {
		t.Fatal("Preflight passed without any Slurm command")
	}
	for _, name := range []string{"srun", "sbatch", "squeue", "scancel", "sinfo", "scontrol"} {
		want := name + " not found (Debian: apt-get install slurm-client)"
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func TestPreflight(t *testing.T) {
	c := slurmtest.Start(t)
	ctx := context.Background()
	cfg := c.Config()
	if err := slurm.Preflight(ctx, cfg); err != nil {
		t.Fatalf("Preflight on the test cluster: %v", err)
	}
	cfg.Partition = c.Partition
	if err := slurm.Preflight(ctx, cfg); err != nil {
		t.Fatalf("Preflight with partition %s: %v", c.Partition, err)
	}

	conf, err := os.ReadFile(c.Conf)
	if err != nil {
		t.Fatal(err)
	}
	// A copy of the cluster's slurm.conf with one line changed.
	confWith := func(key, value string) string {
		var lines []string
		for _, line := range strings.Split(string(conf), "\n") {
			if strings.HasPrefix(line, key+"=") {
				line = key + "=" + value
			}
			lines = append(lines, line)
		}
		path := filepath.Join(t.TempDir(), "slurm.conf")
		if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	for _, tc := range []struct {
		name      string
		partition string
		env       []string
		want      string
	}{
		{"no such partition", "nope", nil, `partition "nope" does not exist; the partitions are: debug`},
		{"no slurm.conf", "", []string{"SLURM_CONF=/nonexistent/slurm.conf"}, "SLURM_CONF=/nonexistent/slurm.conf: stat /nonexistent/slurm.conf: no such file"},
		// Where munged does not run, its socket is not there.
		{"munged not running", "", []string{"SLURM_CONF=" + confWith("AuthInfo", "socket="+filepath.Join(c.Dir, "no-munge.sock"))},
			"munged is not running: start it (systemctl start munge)"},
		{"controller down", "", []string{"SLURM_CONF=" + confWith("SlurmctldPort", "1")}, "the Slurm controller does not answer"},
		{"empty SLURM_CONF", "", []string{"SLURM_CONF="}, "SLURM_CONF is set but empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := c.Config()
			cfg.Partition = tc.partition
			cfg.Env = append(cfg.Env, tc.env...)
			err := slurm.Preflight(ctx, cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Preflight = %v, want an error saying %q", err, tc.want)
			}
		})
	}

	t.Run("munged stopped", func(t *testing.T) {
		c.StopMunged()
		err := slurm.Preflight(ctx, c.Config())
		if want := "munged is not running: start it (systemctl start munge)"; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Preflight = %v, want an error saying %q", err, want)
		} else {
			t.Logf("Preflight: %v", err)
		}
		c.StartMunged()
		if err := slurm.Preflight(ctx, c.Config()); err != nil {
			t.Errorf("Preflight with munged started again: %v", err)
		}
	})
}

// TestPreflightNoConfig runs Preflight where Slurm finds no slurm.conf
// at all: no SLURM_CONF and none of Debian's packages installs one.
func TestPreflightNoConfig(t *testing.T) {
	if _, err := os.Stat("/etc/slurm/slurm.conf"); err == nil {
		t.Skip("this machine has /etc/slurm/slurm.conf")
	}
	if _, err := exec.LookPath("scontrol"); err != nil {
		t.Skip("no scontrol")
	}
	t.Setenv("SLURM_CONF", "")
	os.Unsetenv("SLURM_CONF")
	err := slurm.Preflight(context.Background(), slurm.Config{})
	if want := "no slurm.conf: set SLURM_CONF"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Preflight = %v, want an error saying %q", err, want)
	}
}

func TestRun(t *testing.T) {
	c := slurmtest.Start(t)
	cfg := c.Config()
	cfg.Partition = c.Partition
	cfg.TimeLimit = 90 * time.Second
	a := allocate(t, cfg, "kcmin-run-w0")
	if a.JobID == "" || a.Node != c.Node {
		t.Errorf("allocation %+v, want a job on %s", a, c.Node)
	}
	// The time limit is rounded up to whole minutes.
	if got, want := squeue(t, c, "-j", a.JobID, "-o", "%P|%l|%C|%m"), []string{c.Partition + "|2:00|1|100M"}; !slices.Equal(got, want) {
		t.Errorf("the job's partition|time limit|cpus|memory: %v, want %v", got, want)
	}
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name           string
		script         string
		code           int
		stdout, stderr string
	}{
		{"output", "echo $SLURM_JOB_ID; hostname", 0, a.JobID + "\n" + host + "\n", ""},
		{"exit status", "echo oops >&2; exit 3", 3, "", "oops\n"},
		{"killed by a signal", "kill -KILL $$", 128 + 9, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code, err := a.Run(context.Background(), []string{"sh", "-c", tc.script}, &stdout, &stderr, time.Minute)
			if err != nil {
				t.Fatalf("Run: %v (stderr %q)", err, stderr.String())
			}
			if code != tc.code {
				t.Errorf("exit status %d, want %d", code, tc.code)
			}
			if stdout.String() != tc.stdout {
				t.Errorf("stdout %q, want %q", stdout.String(), tc.stdout)
			}
			if !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("stderr %q, want it to hold %q", stderr.String(), tc.stderr)
			}
		})
	}
}

// TestRunStopped stops a step through ctx or its timeout once it has
// written its pid. The step ignores SIGTERM, so that killing the local
// srun is not enough.
func TestRunStopped(t *testing.T) {
	c := slurmtest.Start(t)
	a := allocate(t, c.Config(), "kcmin-stop-w0")
	for _, how := range []string{"cancel", "timeout"} {
		t.Run(how, func(t *testing.T) {
			pidFile := filepath.Join(t.TempDir(), "pid")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			timeout := time.Duration(0)
			if how == "timeout" {
				timeout = 3 * time.Second
			} else {
				go func() {
					for ctx.Err() == nil {
						if _, err := os.Stat(pidFile); err == nil {
							cancel()
						}
						time.Sleep(50 * time.Millisecond)
					}
				}()
			}
			script := fmt.Sprintf("trap '' TERM; echo $$ > %s.tmp; mv %s.tmp %s; while :; do sleep 1; done", pidFile, pidFile, pidFile)
			start := time.Now()
			_, err := a.Run(ctx, []string{"sh", "-c", script}, nil, nil, timeout)
			switch how {
			case "cancel":
				if !errors.Is(err, context.Canceled) {
					t.Errorf("Run = %v, want context.Canceled", err)
				}
			case "timeout":
				if !errors.Is(err, build.ErrTimeout) {
					t.Errorf("Run = %v, want build.ErrTimeout", err)
				}
			}
			if errors.Is(err, slurm.ErrInfrastructure) {
				t.Errorf("Run = %v, an infrastructure failure", err)
			}
			t.Logf("stopped after %v", time.Since(start))
			data, rerr := os.ReadFile(pidFile)
			if rerr != nil {
				t.Fatalf("the step never started: %v", rerr)
			}
			pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
			if alive(pid) {
				t.Errorf("the program (pid %d) still runs after Run returned", pid)
			}
			if steps := squeue(t, c, "-s", "-j", a.JobID, "-o", "%i"); len(steps) != 1 || steps[0] != a.JobID+".batch" {
				t.Errorf("steps of job %s after Run: %v, want the batch step alone", a.JobID, steps)
			}
		})
	}
}

// alive says whether pid is a process that has not exited.
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command's closing parenthesis.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || !strings.HasPrefix(s[i+1:], " Z")
}

// TestSrunKilled kills the local srun alone, as the kernel's OOM killer
// might, under a step that would run on: Run must say it is Slurm's
// failure, not the program's, and kill the step on the node.
func TestSrunKilled(t *testing.T) {
	c := slurmtest.Start(t)
	a := allocate(t, c.Config(), "kcmin-srun-w0")
	pidFile := filepath.Join(t.TempDir(), "pid")
	go func() {
		for {
			if _, err := os.Stat(pidFile); err == nil {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if pid := srunOf(a.JobID); pid > 0 {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}()
	script := fmt.Sprintf("echo $$ > %s.tmp; mv %s.tmp %s; while :; do sleep 1; done", pidFile, pidFile, pidFile)
	code, err := a.Run(context.Background(), []string{"sh", "-c", script}, nil, nil, time.Minute)
	if !errors.Is(err, slurm.ErrInfrastructure) {
		t.Errorf("Run with srun killed = %d, %v, want ErrInfrastructure", code, err)
	} else {
		t.Logf("Run: %v", err)
	}
	data, _ := os.ReadFile(pidFile)
	if pid, _ := strconv.Atoi(strings.TrimSpace(string(data))); alive(pid) {
		t.Errorf("the program (pid %d) still runs after Run returned", pid)
	}
	if steps := squeue(t, c, "-s", "-j", a.JobID, "-o", "%i"); len(steps) != 1 || steps[0] != a.JobID+".batch" {
		t.Errorf("steps of job %s after Run: %v, want the batch step alone", a.JobID, steps)
	}
}

// srunOf finds the srun of a step in job id.
func srunOf(id string) int {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		cmdline, err := os.ReadFile(d + "/cmdline")
		if err != nil {
			continue
		}
		argv := strings.Split(string(cmdline), "\x00")
		if filepath.Base(argv[0]) == "srun" && slices.Contains(argv, "--jobid="+id) {
			pid, _ := strconv.Atoi(filepath.Base(d))
			return pid
		}
	}
	return 0
}

func TestCancelAndLeftovers(t *testing.T) {
	c := slurmtest.Start(t)
	cfg := c.Config()
	ctx := context.Background()
	w0 := allocate(t, cfg, "kcmin-abc-w0")
	allocate(t, cfg, "kcmin-abc-w1")
	// Pending behind the two: a leftover that never ran, and another
	// campaign's job.
	slurmCmd(t, c, "sbatch", "--job-name=kcmin-abc-w2", "-c1", "--mem=100M", "--output=/dev/null", "--wrap=exec sleep infinity")
	slurmCmd(t, c, "sbatch", "--job-name=kcmin-abcd-w0", "-c1", "--mem=100M", "--output=/dev/null", "--wrap=exec sleep infinity")

	// No CPU is left for a third: Allocate waits until ctx is done, says
	// why, and takes its job back.
	short, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if a, err := slurm.Allocate(short, cfg, "kcmin-abc-w3", 1, 100); err == nil || !strings.Contains(err.Error(), "still PENDING (") {
		t.Errorf("Allocate with no CPU left = %+v, %v, want an error saying it is PENDING and why", a, err)
	}
	for _, name := range squeue(t, c, "-o", "%j") {
		if name == "kcmin-abc-w3" {
			t.Errorf("the job of an Allocate that gave up is still in the queue")
		}
	}

	if err := w0.Cancel(ctx); err != nil {
		t.Fatalf("Cancel: %v", err)
	}
	for _, name := range squeue(t, c, "-o", "%j") {
		if name == w0.Name {
			t.Errorf("job %s (%s) still in the queue after Cancel", w0.JobID, w0.Name)
		}
	}
	n, err := slurm.CancelLeftovers(ctx, cfg, "kcmin-abc-")
	if err != nil {
		t.Fatalf("CancelLeftovers: %v", err)
	}
	if n != 2 {
		t.Errorf("CancelLeftovers cancelled %d jobs, want 2", n)
	}
	if names := squeue(t, c, "-o", "%j"); len(names) != 1 || names[0] != "kcmin-abcd-w0" {
		t.Errorf("queue after CancelLeftovers: %v, want kcmin-abcd-w0 alone", names)
	}
	if n, err := slurm.CancelLeftovers(ctx, cfg, "kcmin-abcd-"); err != nil || n != 1 {
		t.Errorf("CancelLeftovers = %d, %v, want 1", n, err)
	}
	if jobs := squeue(t, c, "-o", "%i"); len(jobs) != 0 {
		t.Errorf("queue not empty: %v", jobs)
	}
	if n, err := slurm.CancelLeftovers(ctx, cfg, "kcmin-abc-"); err != nil || n != 0 {
		t.Errorf("CancelLeftovers on an empty queue = %d, %v, want 0", n, err)
	}
}

func TestJobGoneUnderStep(t *testing.T) {
	c := slurmtest.Start(t)
	a := allocate(t, c.Config(), "kcmin-gone-w0")
	done := make(chan error, 1)
	go func() {
		_, err := a.Run(context.Background(), []string{"sleep", "100"}, nil, nil, time.Minute)
		done <- err
	}()
	deadline := time.Now().Add(30 * time.Second)
	for len(squeue(t, c, "-s", "-j", a.JobID, "-o", "%i")) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the step did not start")
		}
		time.Sleep(100 * time.Millisecond)
	}
	slurmCmd(t, c, "scancel", a.JobID)
	select {
	case err := <-done:
		if !errors.Is(err, slurm.ErrInfrastructure) {
			t.Errorf("Run under a cancelled job = %v, want ErrInfrastructure", err)
		} else {
			t.Logf("Run: %v", err)
		}
	case <-time.After(45 * time.Second):
		t.Fatal("Run did not return after its job was cancelled")
	}
	// A step in a job that is gone cannot start.
	_, err := a.Run(context.Background(), []string{"true"}, nil, nil, time.Minute)
	if !errors.Is(err, slurm.ErrInfrastructure) {
		t.Errorf("Run in a cancelled job = %v, want ErrInfrastructure", err)
	} else {
		t.Logf("Run: %v", err)
	}
}

// TestGrow gives a job more memory: it is submitted again, with the same
// name, on the same node, holding the new amount, and the old job is gone.
func TestGrow(t *testing.T) {
	c := slurmtest.Start(t)
	cfg := c.Config()
	a := allocate(t, cfg, "kcmin-abc-w0")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := a.Grow(ctx, 300)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Cancel(context.Background())
	if b.JobID == a.JobID || b.Name != a.Name || b.Node != a.Node || b.MemMB != 300 {
		t.Errorf("grown job %+v, from %+v: want another job, same name and node, 300 MB", b, a)
	}
	// %n: the nodes the job asked for, %N: where it runs.
	jobs := squeue(t, c, "-o", "%i|%j|%m|%n|%N")
	want := b.JobID + "|" + a.Name + "|300M|" + a.Node + "|" + a.Node
	if len(jobs) != 1 || jobs[0] != want {
		t.Errorf("queue %q, want %q alone", jobs, want)
	}
}
