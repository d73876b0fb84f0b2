package campaign

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/kcmin/kcmin/build"
	"github.com/kcmin/kcmin/oracle"
)

// A worker runs one test in its own build dir: it places the resolved
// config there, builds the target incrementally and judges what came out.
// It knows nothing of the campaign: the coordinator (the runner) answers
// from the journal and the cache, resolves the config, numbers the test,
// matches the signature and records what the worker found. kcmin check
// runs its one config through a worker too.
type worker struct {
	n   int
	dir string // the build dir, kept across tests
	// resolveDir is where make olddefconfig resolves this worker's
	// configs: beside the build, never in it, so that a resolve that
	// runs while the worker builds touches nothing the build reads.
	resolveDir string
	make       *build.Make
	target     string // "" judges the config without building
	checks     []oracle.Check
}

// A job is one test for a worker.
type job struct {
	test   int
	dir    string // the test's folder: build.log and the oracle's logs go there
	config []byte // the resolved .config, as the kernel's conf writes it
	// phase tells the coordinator what the worker does now ("building").
	phase func(what string)
}

// A finding is what a worker found.
type finding struct {
	built     bool
	buildMS   int64
	judgeMS   int64
	judgement oracle.Judgement
}

// run runs the job: place, build, judge. An error is a fault around the
// test (ctx done, the build dir unwritable, make missing); a build that
// fails or times out is a judgement like any other.
func (w *worker) run(ctx context.Context, j job) (finding, error) {
	var f finding
	what := "the check"
	if j.test > 0 {
		what = fmt.Sprintf("test %d", j.test)
	}
	if err := w.make.Place(w.dir, j.config); err != nil {
		return f, fmt.Errorf("%s: %w", what, err)
	}
	art := &build.Artifact{Source: w.make.Source, Dir: w.dir, Config: filepath.Join(w.dir, ".config")}
	if w.target != "" {
		j.phase("building")
		var err error
		art, err = w.make.Build(ctx, w.dir, w.target, filepath.Join(j.dir, "build.log"))
		if ctx.Err() != nil {
			return f, ctx.Err()
		}
		if err != nil {
			return f, fmt.Errorf("build %s: %w", what, err)
		}
		f.built, f.buildMS = true, art.Duration.Milliseconds()
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
	return f, nil
}

// newWorkers makes the campaign's count workers, worker n in build/wN.
func newWorkers(wd *Workdir, m *build.Make, target string, checks []oracle.Check, count int) chan *worker {
	free := make(chan *worker, count)
	for n := range count {
		free <- &worker{n: n, dir: wd.BuildDir(n), resolveDir: wd.ResolveDir(n), make: m, target: target, checks: checks}
	}
	return free
}

// take waits for a free worker; give hands it back.
func (r *runner) take(ctx context.Context) (*worker, error) {
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
