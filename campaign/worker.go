package campaign

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/kcmin/kcmin/build"
	"github.com/kcmin/kcmin/oracle"
	"github.com/kcmin/kcmin/report"
)

// A worker runs one test in its own build dir: it places the resolved
// config there, builds the target incrementally and judges what came out.
// It knows nothing of the campaign: the coordinator (the runner) answers
// from the journal and the cache, resolves the config, numbers the test,
// matches the signature and records what the worker found. kcmin check
// runs its one config through a worker too.
type worker struct {
	n int
	// dir is the build dir of a worker on a Slurm node, kept across its
	// tests; a local worker builds where each job says.
	dir string
	// resolveDir is where make olddefconfig resolves this worker's
	// configs: beside the build, never in it, so that a resolve that
	// runs while the worker builds touches nothing the build reads.
	resolveDir string
	make       *build.Make
	target     string // "" judges the config without building
	checks     []oracle.Check
	// gate, shared by the campaign's workers, holds a build back while
	// the running ones and it would not fit in memory; nil for none.
	gate *memGate
	// remote, when set, runs the worker's tests as steps of a Slurm job,
	// dir on that job's node; campaign and workdir are what the node
	// reads the oracle's settings and cache from.
	remote            *remote
	campaign, workdir string
	// last is the digest of the config a remote worker's build dir last
	// built: a test of the same config there rebuilds nothing.
	last string
}

// A job is one test for a worker.
type job struct {
	test   int
	dir    string // the test's folder: build.log and the oracle's logs go there
	config []byte // the resolved .config, as the kernel's conf writes it
	// build is the build dir, "" for the worker's own; objs what kbuild
	// recorded there before, nil when nothing.
	build string
	objs  *build.Objects
	// fresh empties the build dir first: a clean build.
	fresh bool
	// recompile are objects, relative to the build dir, removed before
	// the build so that it compiles them again: a compiler warning is
	// printed only when its file is compiled (warnedObjects).
	recompile []string
	// phase tells the coordinator what the worker does now ("building").
	phase func(what string)
	// elf asks for the ELF facts of the build (finding.elf).
	elf bool
}

// A finding is what a worker found.
type finding struct {
	built     bool
	buildMS   int64
	judgeMS   int64
	peakRSS   int64 // the build's largest process, in bytes
	judgement oracle.Judgement
	// objs is what kbuild recorded in the build dir after the build, and
	// rebuilt the objects it compiled; nil for a remote worker's.
	objs    *build.Objects
	rebuilt []string
	// timedOut and failed say how make ended: killed at the build
	// timeout, or not with status 0.
	timedOut, failed bool
	// elf is what the build dir's vmlinux.o and vmlinux hold, when the
	// job asked (a toolchain of the matrix built on a Slurm node, whose
	// build dir this machine cannot read).
	elf map[string]report.ELFFacts
}

// run runs the job: place, build, judge. An error is a fault around the
// test (ctx done, the build dir unwritable, make missing); a build that
// fails or times out is a judgement like any other.
func (w *worker) run(ctx context.Context, j job) (finding, error) {
	if w.remote != nil {
		return w.runRemote(ctx, j)
	}
	var f finding
	what := "the check"
	if j.test > 0 {
		what = fmt.Sprintf("test %d", j.test)
	}
	if j.build == "" {
		j.build = w.dir
	}
	if j.fresh {
		if err := os.RemoveAll(j.build); err != nil {
			return f, fmt.Errorf("%s: empty the build dir: %w", what, err)
		}
		j.objs = nil
	}
	for _, o := range append(j.recompile, readWarned(j.build)...) {
		if err := os.Remove(filepath.Join(j.build, o)); err != nil && !os.IsNotExist(err) {
			return f, fmt.Errorf("%s: %w", what, err)
		}
	}
	if err := w.make.Place(j.build, j.config); err != nil {
		return f, fmt.Errorf("%s: %w", what, err)
	}
	art := &build.Artifact{Source: w.make.Source, Dir: j.build, Config: filepath.Join(j.build, ".config")}
	if w.target != "" {
		// The objects compiled are those written from now on, by the
		// clock of the disk that holds them.
		since := time.Now()
		if st, err := stampNow(j.dir); err == nil {
			since = st
		}
		var err error
		art, err = w.build(ctx, j, false)
		if err == nil && art.OOMKilled {
			// Killed for memory that other builds held: once more, when
			// it can run alone. Its first log stays beside.
			_ = os.Rename(art.Log, filepath.Join(j.dir, "build-oom.log"))
			f.buildMS += art.Duration.Milliseconds()
			art, err = w.build(ctx, j, true)
		}
		if ctx.Err() != nil {
			return f, ctx.Err()
		}
		if err != nil {
			return f, fmt.Errorf("build %s: %w", what, err)
		}
		f.built, f.buildMS, f.peakRSS = true, f.buildMS+art.Duration.Milliseconds(), art.PeakRSS
		f.timedOut, f.failed = art.TimedOut, !art.OK()
		if objs, err := build.ReadObjects(j.build, j.objs); err == nil {
			f.objs, f.rebuilt = objs, objs.BuiltSince(since)
		}
		if j.elf {
			f.elf = elfSummaries(j.build)
		}
		if why := unjudgeable(art); why != "" {
			// Never evidence: neither "gone" nor, for a campaign that
			// looks for a failing build, "reproduces".
			f.judgement = oracle.Judgement{Verdict: oracle.Unresolved, Reason: why}
			return f, nil
		}
	}
	j.phase("judging")
	start := time.Now()
	jd, err := oracle.Judge(ctx, w.checks, art, j.dir)
	if ctx.Err() != nil {
		return f, ctx.Err()
	}
	if err != nil {
		return f, fmt.Errorf("judge %s: %w", what, err)
	}
	f.judgeMS, f.judgement = time.Since(start).Milliseconds(), jd
	if w.target != "" {
		if err := writeWarned(j.build, warnedObjects(jd.Signature)); err != nil {
			return f, fmt.Errorf("%s: %w", what, err)
		}
	}
	return f, nil
}

// warnedFile, in a build dir, names the objects whose compiler warnings
// the last judgement there held: the next build in the dir, of whatever
// config and for whatever reason (a test, a repeat, kcmin check),
// compiles them again, since a compiler warns only of what it compiles,
// and an object left alone would look like a warning gone.
const warnedFile = ".kcmin-warned"

// readWarned is what warnedFile of a build dir names, objects inside it
// only; none when absent.
func readWarned(dir string) []string {
	data, err := os.ReadFile(filepath.Join(dir, warnedFile))
	if err != nil {
		return nil
	}
	var out []string
	for _, o := range strings.Fields(string(data)) {
		if filepath.IsLocal(o) {
			out = append(out, o)
		}
	}
	return out
}

// writeWarned records objs in warnedFile of a build dir, or removes it
// when there are none.
func writeWarned(dir string, objs []string) error {
	path := filepath.Join(dir, warnedFile)
	if len(objs) == 0 {
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			return err
		}
		return nil
	}
	return os.WriteFile(path, []byte(strings.Join(objs, "\n")+"\n"), 0o644)
}

// build builds the job's config, through the memory gate: alone, or
// beside other builds while they fit.
func (w *worker) build(ctx context.Context, j job, alone bool) (*build.Artifact, error) {
	if w.gate != nil {
		j.phase("waiting for memory")
		acquire := w.gate.Acquire
		if alone {
			acquire = w.gate.AcquireAlone
		}
		release, err := acquire(ctx)
		if err != nil {
			return nil, err
		}
		var peak int64
		defer func() { release(peak) }()
		j.phase(map[bool]string{false: "building", true: "building alone"}[alone])
		art, err := w.make.Build(ctx, j.build, w.target, filepath.Join(j.dir, "build.log"))
		if art != nil {
			peak = art.PeakRSS
		}
		return art, err
	}
	j.phase("building")
	return w.make.Build(ctx, j.build, w.target, filepath.Join(j.dir, "build.log"))
}

// unjudgeable says why a build cannot be judged: killed by the OOM
// killer (even when it ran alone), or make killed by a signal that kcmin
// did not send; "" for a build the oracle may judge.
func unjudgeable(a *build.Artifact) string {
	switch {
	case a.OOMKilled:
		return "the build was killed for memory, also when it ran alone: " + a.OOMReason
	case a.ExitCode > 128 && !a.TimedOut:
		return fmt.Sprintf("make was killed by signal %d", a.ExitCode-128)
	}
	return ""
}

// stampNow is the time of the disk that holds dir: the modification
// time of a file made there now.
func stampNow(dir string) (time.Time, error) {
	f, err := os.CreateTemp(dir, ".stamp-*")
	if err != nil {
		return time.Time{}, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return time.Time{}, err
	}
	return info.ModTime(), nil
}

// newWorkers makes the campaign's count workers, worker n resolving in
// build/wN.resolve.
func newWorkers(wd *Workdir, m *build.Make, target string, checks []oracle.Check, count int, gate *memGate) chan *worker {
	free := make(chan *worker, count)
	for n := range count {
		free <- &worker{n: n, resolveDir: wd.ResolveDir(n), make: m, target: target, checks: checks, gate: gate}
	}
	return free
}

// take waits for a free worker, the one whose build dir last built the
// config of digest hash when it is free: a repeat of a config rebuilds
// nothing there. give hands it back.
func (r *runner) take(ctx context.Context, hash string) (*worker, error) {
	r.taking.Lock()
	var free []*worker
	for len(free) < r.count {
		select {
		case w := <-r.free:
			free = append(free, w)
			continue
		default:
		}
		break
	}
	var got *worker
	for i, w := range free {
		if got == nil && (hash != "" && w.last == hash || i == len(free)-1) {
			got = w
			continue
		}
		r.free <- w
	}
	r.taking.Unlock()
	if got != nil {
		return got, nil
	}
	select {
	case w := <-r.free:
		return w, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (r *runner) give(w *worker) {
	r.setWorker(w.n, 0, "")
	r.free <- w
}

// relinked are the link products a build is made to link again, when the
// oracle reads the build's log: objtool checks vmlinux.o, and modpost
// reads it, only when it is linked, and kbuild links it only when an
// object changed. A config that compiles nothing new in its build dir (a
// repeat of the bad config, an option no object mentions, the config the
// dir built last) would show none of their warnings and look "gone".
func (r *runner) relinked() []string {
	if len(r.spec.Oracle.LogPatterns) == 0 {
		return nil
	}
	return []string{"vmlinux.o"}
}

// warnedSource finds the C or assembly file a compiler warning of a
// signature names: "log: kernel/printk/printk_safe.c: warning: ...".
var warnedSource = regexp.MustCompile(`^(?:log: )?([A-Za-z0-9_][A-Za-z0-9_./+-]*)\.([cS]):`)

// warnedObjects are the objects whose compiler warnings a signature
// holds. A build prints a warning only when it compiles the file, so a
// test whose config change leaves that object alone, or a bisection step
// whose commit does not touch its file, would see no warning in its log
// and call the failure gone: these objects are compiled at every build.
func warnedObjects(sig []string) []string {
	var out []string
	for _, f := range sig {
		if m := warnedSource.FindStringSubmatch(f); m != nil && !strings.Contains(m[1], "..") {
			if o := m[1] + ".o"; !slices.Contains(out, o) {
				out = append(out, o)
			}
		}
	}
	return out
}
