package campaign

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/kcmin/kcmin/build"
	"github.com/kcmin/kcmin/kconfig"
	"github.com/kcmin/kcmin/oracle"
)

// CheckOptions say which config a check judges, and where.
type CheckOptions struct {
	// Workdir overrides the campaign's; the check uses its build dir and
	// leaves its logs in WORKDIR/check.
	Workdir string
	// Config is a .config file to judge; "" judges the campaign's bad
	// config, or its base with Base.
	Config string
	Base   bool
	// Log receives a line for each step; nil discards them.
	Log io.Writer
	// Progress is called when a step begins; nil for none.
	Progress func(Status)
}

// CheckResult is the oracle's judgement of one config.
type CheckResult struct {
	Dir       string // the check's folder: resolved.config, build.log, ...
	Verdict   string
	Reason    string
	Signature []string
	Notes     []string
	Built     bool
	Duration  time.Duration
}

// Check resolves, builds and judges one config once, the way a campaign's
// tests do: the first thing to run, to see that the oracle says what one
// expects of the bad config and of the base. It does not touch the
// workdir's campaign or journal, so it can try oracle settings before a
// campaign starts.
func Check(ctx context.Context, s *Spec, opts CheckOptions) (*CheckResult, error) {
	dir := opts.Workdir
	if dir == "" {
		dir = s.Workdir
	}
	wd, err := OpenWorkdir(dir)
	if err != nil {
		return nil, err
	}
	defer wd.Close()
	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	r := &runner{spec: s, wd: wd, log: log, opts: Options{Progress: opts.Progress, replayOnly: true}}
	if n := wd.reapLeftovers(); n > 0 {
		fmt.Fprintf(log, "stopped %d make processes that an earlier kcmin left running in %s\n", n, wd.Path("build"))
	}
	r.make = &build.Make{Source: s.Kernel.Source, Arch: s.Kernel.Arch, Vars: s.Kernel.BuildVars(), Jobs: s.Kernel.Jobs,
		Timeout: s.Kernel.BuildTimeout, ConfigTimeout: s.Kernel.ConfigTimeout}
	checks, _ := checksOf(s, wd.Path("cache"))
	if err := oracle.Validate(checks); err != nil {
		return nil, inputError(fmt.Errorf("oracle: %w", err))
	}
	if err := checkTools(s, checks); err != nil {
		return nil, err
	}
	cdir := wd.Path("check")
	if err := os.RemoveAll(cdir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cdir, 0o755); err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(cdir, "resolve.log"))
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	start := time.Now()
	if err := r.readCheckInputs(ctx, opts, io.MultiWriter(log, logf)); err != nil {
		return nil, err
	}
	// One worker, worker 0 of the campaign: its build dir, its resolve
	// dir, and what a test does there.
	w := <-newWorkers(wd, r.make, s.Kernel.Target, checks, 1, nil)
	var text []byte
	switch {
	case opts.Config != "":
		r.phase("resolving " + opts.Config)
		var in *inputConfig
		if in, err = r.input(opts.Config); err == nil {
			text, err = r.make.Resolve(ctx, w.resolveDir, in.text, logf)
		}
	case opts.Base:
		r.phase("resolving the base config")
		text, err = r.resolveBase(ctx, w.resolveDir, logf)
	default:
		r.phase("resolving the base config")
		var base []byte
		if base, err = r.resolveBase(ctx, w.resolveDir, logf); err == nil {
			r.phase("resolving the bad config")
			text, err = r.resolveBad(ctx, w.resolveDir, logf, base)
		}
	}
	if err != nil {
		return nil, r.fault(ctx, inputError(fmt.Errorf("check: %w (log: %s)", err, logf.Name())))
	}
	if err := os.WriteFile(filepath.Join(cdir, "resolved.config"), text, 0o644); err != nil {
		return nil, err
	}
	// The build dir where the config rebuilds least, as a test's.
	resolved, _, err := kconfig.ReadConfig(bytes.NewReader(text), filepath.Join(cdir, "resolved.config"))
	if err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	if err := os.MkdirAll(wd.Path("build"), 0o755); err != nil {
		return nil, err
	}
	pool := newDirPool(wd, s.Kernel, max(1, s.Workers.Count))
	d, _, err := pool.take(resolved, Hash(resolved))
	if err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	f, err := w.run(ctx, job{dir: cdir, config: text, phase: r.phase, build: d.path, objs: d.objs, recompile: r.relinked()})
	if err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	res := &CheckResult{Dir: cdir, Built: f.built}
	j := f.judgement
	res.Verdict, res.Reason, res.Signature, res.Notes = j.Verdict.String(), j.Reason, j.Signature, j.Notes
	res.Duration = time.Since(start)
	return res, nil
}

// readCheckInputs reads and checks the config files that the check
// judges, as a campaign's first run does.
func (r *runner) readCheckInputs(ctx context.Context, opts CheckOptions, log io.Writer) error {
	c := r.spec.Config
	var paths []string
	switch {
	case opts.Config != "":
		paths = []string{opts.Config}
	case opts.Base:
		paths = ConfigSpec{BaseFile: c.BaseFile, BaseFragments: c.BaseFragments}.files()
	default:
		paths = c.files()
	}
	if len(paths) == 0 {
		// make's own config targets need no checking, nor the tree.
		return nil
	}
	if err := r.readTree(ctx); err != nil {
		return err
	}
	return r.readInputs(paths, log)
}
