package campaign

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kcmin/kcmin/report"
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
	// What is missing is said before the first test, as bad input.
	wrong := spec()
	wrong.Slurm.Partition = "nosuch"
	_, err := Run(context.Background(), wrong, Options{Workdir: t.TempDir(), Exe: exe})
	if want := `slurm: partition "nosuch" does not exist; the partitions are: ` + c.Partition; err == nil ||
		!strings.Contains(err.Error(), want) || ExitCode(err) != 2 {
		t.Errorf("a campaign on a missing partition: %v (exit %d), want %q and exit 2", err, ExitCode(err), want)
	}

	// Each build holds 1800 MB a moment: more than the 2048 MB a job
	// asks for at first allows with a quarter to spare.
	t.Setenv("FAKE_BUILD_MEMORY", "1800M")
	work := t.TempDir()
	var log syncBuffer
	sum, err := Run(context.Background(), spec(), Options{Workdir: work, Exe: exe, Log: &log})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	t.Setenv("FAKE_BUILD_MEMORY", "")
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
		if _, err := os.Stat(filepath.Join(work, "build", fmt.Sprintf("d%d", n), ".config")); err == nil {
			t.Errorf("worker %d built here, not in its job", n)
		}
	}
	// The toolchains of the matrix built in the workers' jobs too, and
	// their rows hold what the nodes read of their ELF files.
	rows := map[string]report.VariantRow{}
	for _, row := range r.Matrix {
		rows[row.Name] = row
	}
	if row := rows["clang-19"]; row.Result != variantReproduces || len(row.ELF["vmlinux"].Undefined) != 1 {
		t.Errorf("clang-19's row %+v: want reproduces, with the planted counter undefined in vmlinux", row)
	}
	if row := rows["mold"]; row.Result != variantGone || row.ELF["vmlinux.o"].Sections["__llvm_prf_cnts"] == 0 {
		t.Errorf("mold's row %+v: want gone, with its counters counted", row)
	}
	for _, name := range []string{"clang-19", "mold"} {
		node, _ := filepath.Glob(filepath.Join(nodeDisk, strings.TrimSuffix(jobPrefix(work), "-"), "w*-matrix-"+name, "vmlinux"))
		if len(node) != 1 {
			t.Errorf("%s was built on no node: %q", name, node)
		}
		if _, err := os.Stat(filepath.Join(work, "build", "matrix-"+name, "vmlinux")); err == nil {
			t.Errorf("%s was built here, not in a worker's job", name)
		}
	}
	if !strings.Contains(log.String(), "worker 1: Slurm job ") {
		t.Errorf("the log names no worker's job:\n%s", log.String())
	}
	// Once a build's peak was measured, each worker's job was submitted
	// again on its node with the memory it needs.
	for n := range 2 {
		grown := regexp.MustCompile(fmt.Sprintf(`worker %d: Slurm job \d+ on \S+ holds (\d+) MB, since a build peaked at (\d+) MB; job \d+ held 2048 MB`, n))
		m := grown.FindStringSubmatch(log.String())
		if m == nil {
			t.Errorf("worker %d's job never grew for builds of 1800 MB:\n%s", n, log.String())
			continue
		}
		if mb, _ := strconv.Atoi(m[1]); mb < 2250 {
			t.Errorf("worker %d's job holds %d MB for builds of 1800 MB, want at least 2250", n, mb)
		}
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

// TestSlurmLostJob cancels a worker's job under its test, as a lost node
// would end it: the test runs again on a job submitted anew, and the
// campaign finds the same result.
func TestSlurmLostJob(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Slurm cluster and runs the demo through it")
	}
	c, exe := onCluster(t)
	s := demoSpec(t, "auto")
	s.Slurm = &SlurmSpec{Partition: c.Partition, Workers: 2, BuildDir: t.TempDir()}
	s.SetWorkers(2)
	t.Setenv("FAKE_BUILD_SECONDS", "0.5")
	work := t.TempDir()
	var log syncBuffer
	var once sync.Once
	node := hostShort(t)
	sum, err := Run(context.Background(), s, Options{Workdir: work, Exe: exe, Log: &log, Progress: func(st Status) {
		for _, w := range st.Workers {
			if st.Tests >= 4 && w.Phase == "building on "+node {
				once.Do(func() {
					// scancel by name: worker 0's job, whatever it runs.
					if out, err := exec.Command("scancel", "--name="+jobPrefix(work)+"w0").CombinedOutput(); err != nil {
						t.Errorf("scancel: %v: %s", err, out)
					}
				})
			}
		}
	}})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if !reflect.DeepEqual(sum.Result.Minimal, demoMinimal) || !sum.Result.Verified {
		t.Errorf("minimal %q verified %v, want %q", sum.Result.Minimal, sum.Result.Verified, demoMinimal)
	}
	if !strings.Contains(log.String(), "the job is submitted again") {
		t.Errorf("no test ran again after its job was cancelled:\n%s", log.String())
	}
	if n := jobsLeft(t, work); n != 0 {
		t.Errorf("%d jobs left", n)
	}
}

// TestSlurmKill9 kills kcmin with SIGKILL once its workers hold their
// jobs: the jobs stay in the queue, and the next run cancels them before
// it submits its own, then finishes the campaign.
func TestSlurmKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Slurm cluster and runs the demo through it")
	}
	c, exe := onCluster(t)
	src, _ := filepath.Abs("../testdata/fakelinux")
	bad, _ := filepath.Abs("../testdata/campaigns/demo-bad.config")
	text, err := os.ReadFile("../testdata/campaigns/demo.toml")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "demo.toml")
	campaignText := strings.NewReplacer(`"../fakelinux"`, `"`+src+`"`, `"demo-bad.config"`, `"`+bad+`"`).Replace(string(text)) +
		"\n[slurm]\npartition = \"" + c.Partition + "\"\nworkers = 2\nbuild_dir = \"" + t.TempDir() + "\"\n"
	if err := os.WriteFile(file, []byte(campaignText), 0o644); err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	cmd := exec.Command(exe, "run", "-c", file, "-w", work)
	cmd.Env = append(os.Environ(), "FAKE_BUILD_SECONDS=1")
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(2 * time.Minute); !strings.Contains(out.String(), "test 3:"); {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("no third test in 2 minutes:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	// Left in the queue, as a kcmin killed with -9 leaves them.
	squeue, err := exec.Command("squeue", "-h", "-o", "%j").Output()
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(squeue), jobPrefix(work)); n != 2 {
		t.Fatalf("%d of the campaign's jobs in the queue after kill -9, want 2:\n%s", n, squeue)
	}
	again, err := exec.Command(exe, "run", "-c", file, "-w", work).CombinedOutput()
	if err != nil {
		t.Fatalf("the next run: %v\n%s", err, again)
	}
	if !strings.Contains(string(again), "cancelled 2 Slurm jobs that an earlier kcmin left") {
		t.Errorf("the next run did not cancel what the killed one left:\n%s", again)
	}
	if n := jobsLeft(t, work); n != 0 {
		t.Errorf("%d jobs left", n)
	}
}

// hostShort is this machine's short name, the one node of the test
// cluster.
func hostShort(t *testing.T) string {
	out, err := exec.Command("hostname", "-s").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}
