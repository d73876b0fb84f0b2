package campaign

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kcmin/kcmin/slurm"
	"github.com/kcmin/kcmin/slurm/slurmtest"
)

// onCluster starts a one-node Slurm cluster of the test's own, points
// Slurm's commands at it, and builds the kcmin that its nodes run.
func onCluster(t *testing.T) (*slurmtest.Cluster, string) {
	t.Helper()
	c := slurmtest.Start(t)
	for _, e := range c.Env() {
		k, v, _ := strings.Cut(e, "=")
		t.Setenv(k, v)
	}
	exe := filepath.Join(t.TempDir(), "kcmin")
	if out, err := exec.Command("go", "build", "-o", exe, "../cmd/kcmin").CombinedOutput(); err != nil {
		t.Fatalf("build kcmin: %v\n%s", err, out)
	}
	return c, exe
}

// jobsLeft counts the campaign's jobs still in the queue (and cancels
// them, so that none outlives the test).
func jobsLeft(t *testing.T, work string) int {
	t.Helper()
	n, err := slurm.CancelLeftovers(context.Background(), slurm.Config{}, jobPrefix(work))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSlurmDemo runs the demo campaign through a real Slurm cluster with
// two workers, each a job holding its node and its build dir there: the
// result is the local run's, the journal complete, and no job is left.
// An interrupted campaign leaves no job behind either.
func TestSlurmDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Slurm cluster and runs the demo through it")
	}
	c, exe := onCluster(t)
	nodeDisk := t.TempDir()
	spec := func() *Spec {
		s := demoSpec(t, "auto")
		s.Slurm = &SlurmSpec{Partition: c.Partition, Workers: 2, BuildDir: nodeDisk}
		s.SetWorkers(2)
		return s
	}
	work := t.TempDir()
	var log syncBuffer
	sum, err := Run(context.Background(), spec(), Options{Workdir: work, Exe: exe, Log: &log})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	r := sum.Result
	if !reflect.DeepEqual(r.Minimal, demoMinimal) || !r.Verified || !r.OneMinimal {
		t.Fatalf("minimal %q verified %v 1-minimal %v, want %q", r.Minimal, r.Verified, r.OneMinimal, demoMinimal)
	}
	checkJournalAtOnce(t, journalOf(t, work))
	// The builds ran in the jobs, in the build dirs on the node's disk.
	for n := range 2 {
		dir := filepath.Join(nodeDisk, strings.TrimSuffix(jobPrefix(work), "-"), fmt.Sprintf("w%d", n))
		if _, err := os.Stat(filepath.Join(dir, "vmlinux")); err != nil {
			t.Errorf("worker %d built nothing on its node: %v", n, err)
		}
		if _, err := os.Stat(filepath.Join(work, "build", fmt.Sprintf("w%d", n), ".config")); err == nil {
			t.Errorf("worker %d built here, not in its job", n)
		}
	}
	if !strings.Contains(log.String(), "worker 1: Slurm job ") {
		t.Errorf("the log names no worker's job:\n%s", log.String())
	}
	if n := jobsLeft(t, work); n != 0 {
		t.Errorf("%d jobs left after the campaign", n)
	}
	t.Logf("Slurm, 2 workers: %d tests, %d builds, %v s of wall time, %v s of tests", r.Tests, r.Builds, r.Seconds, r.TestSeconds)

	// Interrupted once three tests are done.
	work = t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err = Run(ctx, spec(), Options{Workdir: work, Exe: exe, Progress: func(s Status) {
		if s.Tests >= 3 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted campaign: %v", err)
	}
	if n := jobsLeft(t, work); n != 0 {
		t.Errorf("%d jobs left after an interrupt", n)
	}
}
