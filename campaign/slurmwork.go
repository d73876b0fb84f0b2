package campaign

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kcmin/kcmin/build"
	"github.com/kcmin/kcmin/report"
	"github.com/kcmin/kcmin/slurm"
)

// remote is what a worker needs to run its tests as steps of a Slurm job:
// the job, which holds the node where the worker's build dir is, and
// what to submit again when Slurm loses it.
type remote struct {
	cfg   slurm.Config
	name  string // the job's name: the campaign's prefix and the worker
	cpus  int
	mem   *jobMemory
	exe   string // kcmin itself, on storage the nodes share
	alloc *slurm.Alloc
	note  func(format string, args ...any) // a line for the campaign's log
}

// jobMemory is the memory the workers' jobs ask for: a quarter more than
// the largest build's peak seen in the campaign, on any worker (or
// memory_per_build), and never less than defaultJobMemoryMB. It is safe
// for concurrent use.
type jobMemory struct {
	mu   sync.Mutex
	peak int64 // the largest peak seen, in bytes
}

// saw raises the request for a build that peaked at peak bytes.
func (m *jobMemory) saw(peak int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.peak = max(m.peak, peak)
}

// want is the request now, and the peak it comes from (0: none seen).
func (m *jobMemory) want() (mb, peak int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return max(jobMB(m.peak), defaultJobMemoryMB), m.peak
}

// jobMB is the memory, in megabytes, of a job for builds that peak at
// peak bytes.
func jobMB(peak int64) int64 { return peak * 5 / 4 >> 20 }

// A remoteJob is a test as `kcmin worker` reads it on the node: the
// coordinator writes it to the test's folder, on shared storage.
type remoteJob struct {
	Campaign string     // the campaign file, for the oracle's settings
	Workdir  string     // for the oracle's cache
	Make     build.Make // how to build, as the coordinator runs make
	Target   string
	Dir      string // the build dir, on the node's disk
	Fresh    bool   // empty Dir first: a clean build
	// Recompile are objects of Dir removed first, so that the build
	// makes them again and prints their warnings (job.recompile).
	Recompile []string `json:",omitempty"`
	Test      int
	TestDir   string
	Config    string // the resolved .config to place
	// ELF asks for what the build's vmlinux.o and vmlinux hold.
	ELF bool `json:",omitempty"`
}

// A remoteFinding is what `kcmin worker` found, written beside the job.
type remoteFinding struct {
	Built     bool
	BuildMS   int64
	JudgeMS   int64
	PeakRSS   int64
	Verdict   string
	Signature []string
	Reason    string
	Notes     []string
	// TimedOut and Failed say how make ended; ELF is what the ELF files
	// hold, when the job asked.
	TimedOut bool                       `json:",omitempty"`
	Failed   bool                       `json:",omitempty"`
	ELF      map[string]report.ELFFacts `json:",omitempty"`
}

const (
	jobFile     = "job.json"
	findingFile = "finding.json"
)

// jobPrefix names the Slurm jobs of the campaign in workdir: what the
// next run cancels when a kcmin killed with -9 left them.
func jobPrefix(workdir string) string {
	sum := sha256.Sum256([]byte(workdir))
	return "kcmin-" + hex.EncodeToString(sum[:4]) + "-"
}

// startSlurm readies the campaign's workers on the cluster once
// preflightSlurm found it ready: it cancels the jobs an earlier kcmin
// left, and submits one job per worker, each holding its node and its
// build dir there.
func (r *runner) startSlurm(ctx context.Context) error {
	sl := r.spec.Slurm
	cfg := slurmConfig(sl)
	prefix := jobPrefix(r.wd.Dir)
	r.onSlurm = true
	if n, err := slurm.CancelLeftovers(ctx, cfg, prefix); err != nil {
		return fmt.Errorf("slurm: cancel the jobs an earlier run left: %w", err)
	} else if n > 0 {
		fmt.Fprintf(r.log, "cancelled %d Slurm jobs that an earlier kcmin left\n", n)
	}
	exe := r.opts.Exe
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return fmt.Errorf("slurm: find kcmin for the nodes: %w", err)
		}
	}
	// The job asks for the memory a build is expected to need.
	perBuild, _ := parseBytes(r.spec.Workers.MemoryPerBuild)
	for _, rec := range r.bySubset {
		perBuild = max(perBuild, rec.PeakRSS)
	}
	mem := &jobMemory{peak: perBuild}
	ws := make([]*worker, 0, r.count)
	for range r.count {
		ws = append(ws, <-r.free)
	}
	defer func() {
		for _, w := range ws {
			r.free <- w
		}
	}()
	var wg sync.WaitGroup
	errs := make([]error, len(ws))
	for i, w := range ws {
		w.gate = nil // the nodes' memory is Slurm's to share
		w.dir = filepath.Join(sl.BuildDir, strings.TrimSuffix(prefix, "-"), fmt.Sprintf("w%d", w.n))
		w.remote = &remote{cfg: cfg, name: fmt.Sprintf("%sw%d", prefix, w.n), cpus: r.spec.Kernel.Jobs, mem: mem, exe: exe,
			note: r.logf}
		r.setWorker(w.n, 0, "waiting for its Slurm job")
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = w.remote.allocate(ctx)
			r.setWorker(w.n, 0, "")
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		r.cancelSlurm()
		return r.fault(ctx, fmt.Errorf("slurm: %w", err))
	}
	for _, w := range ws {
		fmt.Fprintf(r.log, "worker %d: Slurm job %s on %s, build dir %s\n", w.n, w.remote.alloc.JobID, w.remote.alloc.Node, w.dir)
	}
	return nil
}

func slurmConfig(sl *SlurmSpec) slurm.Config {
	return slurm.Config{Partition: sl.Partition, Account: sl.Account, TimeLimit: sl.TimeLimit,
		SbatchArgs: sl.SbatchArgs, SrunArgs: sl.SrunArgs}
}

// preflightSlurm says what the cluster lacks, before anything else runs.
func preflightSlurm(ctx context.Context, sl *SlurmSpec) error {
	if err := slurm.Preflight(ctx, slurmConfig(sl)); err != nil {
		return inputError(fmt.Errorf("slurm: %w", err))
	}
	return nil
}

// defaultJobMemoryMB is a worker job's memory before any build's peak is
// known: a small kernel's link.
const defaultJobMemoryMB = 2048

func (rm *remote) allocate(ctx context.Context) error {
	mb, _ := rm.mem.want()
	a, err := slurm.Allocate(ctx, rm.cfg, rm.name, rm.cpus, mb)
	if err != nil {
		return err
	}
	rm.alloc = a
	return nil
}

// fit gives the job the memory the campaign's builds now need, on its
// node, when it holds less: a job's request is fixed when it is
// submitted, and a build that outgrows it would be killed where Slurm
// enforces it.
func (rm *remote) fit(ctx context.Context, worker int) error {
	want, peak := rm.mem.want()
	if rm.alloc == nil || want <= rm.alloc.MemMB {
		return nil
	}
	old := rm.alloc
	rm.alloc = nil
	a, err := old.Grow(ctx, want)
	if err != nil {
		return err
	}
	rm.alloc = a
	rm.note("worker %d: Slurm job %s on %s holds %d MB, since a build peaked at %d MB; job %s held %d MB",
		worker, a.JobID, a.Node, want, peak>>20, old.JobID, old.MemMB)
	return nil
}

// cancelSlurm cancels the workers' jobs, on the way out whatever the
// campaign's context says: nothing of the campaign stays in the queue.
func (r *runner) cancelSlurm() {
	if !r.onSlurm {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if _, err := slurm.CancelLeftovers(ctx, slurmConfig(r.spec.Slurm), jobPrefix(r.wd.Dir)); err != nil {
		fmt.Fprintf(r.log, "note: %v; cancel the jobs named %s* with scancel\n", err, jobPrefix(r.wd.Dir))
	}
}

// runRemote runs a job as a step of the worker's Slurm job: `kcmin
// worker` places, builds and judges on the node, and leaves its finding
// in the test's folder. When Slurm, not the test, failed (the node lost,
// the job gone), the worker submits its job again and runs the test once
// more; failed twice, the test is unresolved with Slurm's reason.
func (w *worker) runRemote(ctx context.Context, j job) (finding, error) {
	config := filepath.Join(j.dir, "resolved.config")
	if err := os.WriteFile(config, j.config, 0o644); err != nil {
		return finding{}, err
	}
	dir := w.dir
	if j.build != "" {
		dir = j.build
	}
	spec := remoteJob{Campaign: w.campaign, Workdir: w.workdir, Make: *w.make, Target: w.target,
		Dir: dir, Fresh: j.fresh, Recompile: j.recompile, Test: j.test, TestDir: j.dir, Config: config, ELF: j.elf}
	data, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return finding{}, err
	}
	path := filepath.Join(j.dir, jobFile)
	if err := writeFileAtomic(path, data); err != nil {
		return finding{}, err
	}
	// The step's own timeouts are the build's and the oracle's; this one
	// only bounds a step that hangs beyond them.
	timeout := w.make.Timeout + w.make.ConfigTimeout + time.Hour
	var why string
	for try := 0; try < 2; try++ {
		if err := w.remote.fit(ctx, w.n); err != nil {
			if ctx.Err() != nil {
				return finding{}, ctx.Err()
			}
			w.remote.note("worker %d: %v; a job is submitted anew", w.n, err)
		}
		if w.remote.alloc == nil {
			j.phase("waiting for its Slurm job")
			if err := w.remote.allocate(ctx); err != nil {
				why = err.Error()
				break
			}
			w.remote.note("worker %d: Slurm job %s on %s", w.n, w.remote.alloc.JobID, w.remote.alloc.Node)
		}
		j.phase("building on " + w.remote.alloc.Node)
		var out bytes.Buffer
		code, err := w.remote.alloc.Run(ctx, []string{w.remote.exe, "worker", path}, &out, &out, timeout)
		if ctx.Err() != nil {
			return finding{}, ctx.Err()
		}
		if errors.Is(err, slurm.ErrInfrastructure) {
			why = err.Error()
			w.remote.note("worker %d: test %d did not run to its end on Slurm job %s (%v); the job is submitted again",
				w.n, j.test, w.remote.alloc.JobID, err)
			w.remote.alloc = nil
			continue
		}
		if err != nil {
			return finding{}, fmt.Errorf("test %d on Slurm job %s: %w", j.test, w.remote.alloc.JobID, err)
		}
		if code != 0 {
			return finding{}, fmt.Errorf("test %d on node %s: kcmin worker: exit status %d: %s", j.test, w.remote.alloc.Node, code, lastLines(out.String(), 5))
		}
		f, err := readFinding(filepath.Join(j.dir, findingFile))
		if err == nil {
			w.remote.mem.saw(f.peakRSS)
		}
		return f, err
	}
	f := finding{}
	f.judgement.Reason = "slurm: " + why
	return f, nil
}

func readFinding(path string) (finding, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return finding{}, fmt.Errorf("read what the node found: %w", err)
	}
	var rf remoteFinding
	if err := json.Unmarshal(data, &rf); err != nil {
		return finding{}, fmt.Errorf("read what the node found: %s: %w", path, err)
	}
	f := finding{built: rf.Built, buildMS: rf.BuildMS, judgeMS: rf.JudgeMS, peakRSS: rf.PeakRSS,
		timedOut: rf.TimedOut, failed: rf.Failed, elf: rf.ELF}
	f.judgement.Signature, f.judgement.Reason, f.judgement.Notes = rf.Signature, rf.Reason, rf.Notes
	if err := f.judgement.Verdict.UnmarshalText([]byte(rf.Verdict)); err != nil {
		return finding{}, fmt.Errorf("read what the node found: %s: %w", path, err)
	}
	return f, nil
}

// lastLines is the last n lines of s, for an error message.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// RunJob is `kcmin worker JOBFILE`: on a node of the cluster, it runs one
// test that the coordinator wrote, as a local worker would, and writes
// what it found beside the job.
func RunJob(ctx context.Context, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return inputError(fmt.Errorf("worker: %w", err))
	}
	var rj remoteJob
	if err := json.Unmarshal(data, &rj); err != nil {
		return inputError(fmt.Errorf("worker: %s: %w", path, err))
	}
	s, err := Load(rj.Campaign)
	if err != nil {
		return err
	}
	config, err := os.ReadFile(rj.Config)
	if err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	if err := os.MkdirAll(rj.Dir, 0o755); err != nil {
		return fmt.Errorf("worker: the build dir: %w", err)
	}
	checks, _ := checksOf(s, filepath.Join(rj.Workdir, "cache"))
	w := &worker{dir: rj.Dir, make: &rj.Make, target: rj.Target, checks: checks}
	f, err := w.run(ctx, job{test: rj.Test, dir: rj.TestDir, config: config, fresh: rj.Fresh, recompile: rj.Recompile, elf: rj.ELF, phase: func(string) {}})
	if err != nil {
		return err
	}
	rf := remoteFinding{Built: f.built, BuildMS: f.buildMS, JudgeMS: f.judgeMS, PeakRSS: f.peakRSS,
		Verdict: f.judgement.Verdict.String(), Signature: f.judgement.Signature, Reason: f.judgement.Reason, Notes: f.judgement.Notes,
		TimedOut: f.timedOut, Failed: f.failed, ELF: f.elf}
	out, err := json.MarshalIndent(rf, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(rj.TestDir, findingFile), out)
}
