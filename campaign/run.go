// Package campaign runs one minimization campaign: it resolves the base
// and the bad config, lists the candidates, answers the search's questions
// by resolving, building and judging configs (or from its journal and
// cache), and writes the report. A campaign lives in a workdir; running it
// again resumes it without repeating a finished test.
package campaign

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kcmin/kcmin/build"
	"github.com/kcmin/kcmin/kconfig"
	"github.com/kcmin/kcmin/minimize"
	"github.com/kcmin/kcmin/oracle"
	"github.com/kcmin/kcmin/report"
)

// Options are what a run needs beside the campaign.
type Options struct {
	// Workdir overrides the campaign's workdir.
	Workdir string
	// Log receives a line for each event (one per test when no progress
	// bar shows them); nil discards them.
	Log io.Writer
	// Progress is called whenever the state changes; nil for none.
	Progress func(Status)
	// New starts the campaign afresh in a workdir that holds another
	// one (its tree, config files or settings changed), moving the old
	// one's journal, tests and result to WORKDIR/old/TIME/.
	New bool
	// Knowledge reads the kernel's Kconfig tree; nil parses it with the
	// kconfig package.
	Knowledge func(ctx context.Context, s *Spec, env map[string]string) (Knowledge, error)

	// Exe is the kcmin that runs tests on Slurm nodes (kcmin worker);
	// "" for this program.
	Exe string

	// BuildMatrix builds the result with the campaign's [[matrix]]
	// variants that the matrix journal does not hold yet, also when
	// the campaign itself is only replayed (kcmin matrix).
	BuildMatrix bool

	// replayOnly answers from the journal alone: the report of a finished
	// campaign, without building anything.
	replayOnly bool
}

// Status is where a running campaign stands.
type Status struct {
	Tests      int // tests judged, over all runs
	CacheHits  int
	Candidates int
	Undecided  int
	Culprits   int
	// EstimatedLeft is the search's estimate of the tests still to come.
	EstimatedLeft int
	// TimeLeft is EstimatedLeft times the median time of a test so far;
	// 0 when there is no estimate or no test yet.
	TimeLeft time.Duration
	// Phase is what runs now: "building test 12"; Since is when it began.
	Phase string
	Since time.Time
	// Searching is set once the search runs: the bad and the base config
	// are judged, and Undecided, Culprits and EstimatedLeft are its word.
	Searching bool
	// Workers are what each worker does now, worker n at n.
	Workers []WorkerStatus `json:",omitempty"`
}

// Now says what runs now: each busy worker's step ("building test 12"),
// else the campaign's own ("resolving the base config").
func (s Status) Now() []string {
	var now []string
	for _, w := range s.Workers {
		if w.Phase != "" {
			now = append(now, w.String())
		}
	}
	if len(now) == 0 && s.Phase != "" {
		now = append(now, s.Phase)
	}
	return now
}

func (w WorkerStatus) String() string {
	if w.Test == 0 {
		return w.Phase
	}
	return fmt.Sprintf("%s test %d", w.Phase, w.Test)
}

// WorkerStatus is what one worker does now.
type WorkerStatus struct {
	Test  int    `json:",omitempty"` // 0 before the test has its number
	Phase string `json:",omitempty"` // resolving, building, judging; "" when idle
	Since time.Time
}

// Summary is what a finished run found.
type Summary struct {
	Workdir    string
	ResultDir  string
	Report     string // report.txt's text
	Result     report.Result
	Verified   bool
	OneMinimal bool
}

// errReplay marks a question the journal does not answer, in replay-only
// mode: the campaign has not finished.
var errReplay = errors.New("the journal has no answer")

type runner struct {
	spec   *Spec
	opts   Options
	wd     *Workdir
	log    io.Writer
	make   *build.Make
	know   Knowledge
	env    map[string]string // Kconfig's, from the kernel's Makefile
	inputs map[string]*inputConfig
	checks []oracle.Check
	match  oracle.MatchMode

	base   *kconfig.Config // resolved base
	cands  Candidates
	role   string   // of the test being asked: "bad", "base" or ""
	badSig []string // the bad config's signature
	badRec Record   // the first run of the bad config that reproduced

	// free holds the workers that wait for a test; count is how many
	// there are; taking makes a choice among them one at a time.
	free   chan *worker
	count  int
	taking sync.Mutex
	// dirs are the build dirs of this machine's workers.
	dirs *dirPool
	// onSlurm says that the workers hold Slurm jobs, which close cancels.
	onSlurm bool
	// badJudged is closed once the bad config's signature is known, which
	// every other test's answer is matched against.
	badJudged chan struct{}

	// mu guards what follows: tests run at once, and each records its
	// answer itself.
	mu       sync.Mutex
	journal  *Journal
	bySubset map[string]Record
	byHash   map[string]Record // judged configs only
	nextTest int
	// distrust turns the in-process resolver's predictions off once one
	// of them disagreed with make olddefconfig.
	distrust bool
	hits     int
	status   Status
	finished bool     // the result is written
	versions []string // the kernel's, the toolchain's and QEMU's, for the report
	// matrixRows are what the toolchains did with the result.
	matrixRows []report.VariantRow
}

// Run runs or resumes a campaign to its end.
func Run(ctx context.Context, s *Spec, opts Options) (*Summary, error) {
	r, err := start(ctx, s, opts)
	if err != nil {
		return nil, err
	}
	defer r.close()
	return r.search(ctx)
}

// start opens the workdir and the journal and gets the campaign ready for
// its first question.
func start(ctx context.Context, s *Spec, opts Options) (_ *runner, err error) {
	dir := opts.Workdir
	if dir == "" {
		dir = s.Workdir
	}
	wd, err := OpenWorkdir(dir)
	if err != nil {
		return nil, err
	}
	r := &runner{spec: s, opts: opts, wd: wd, log: opts.Log, bySubset: map[string]Record{}, byHash: map[string]Record{},
		badJudged: make(chan struct{})}
	defer func() {
		if err != nil {
			r.close()
		}
	}()
	if r.log == nil {
		r.log = io.Discard
	}
	if !opts.replayOnly {
		tree, err := treeIdentity(ctx, s.Kernel.Source, s.Kernel.Arch)
		if err != nil {
			return nil, r.fault(ctx, inputError(err))
		}
		note, err := wd.Adopt(s, tree, opts.New)
		if err != nil {
			return nil, err
		}
		if note != "" {
			fmt.Fprintln(r.log, note)
		}
	}
	if n := wd.reapLeftovers(); n > 0 {
		fmt.Fprintf(r.log, "stopped %d make processes that an earlier kcmin left running in %s\n", n, wd.Path("build"))
	}
	r.make = &build.Make{Source: s.Kernel.Source, Arch: s.Kernel.Arch, Vars: s.Kernel.BuildVars(), Jobs: s.Kernel.Jobs,
		Timeout: s.Kernel.BuildTimeout, ConfigTimeout: s.Kernel.ConfigTimeout}
	r.checks, r.match = checksOf(s, wd.Path("cache"))
	if err := oracle.Validate(r.checks); err != nil {
		return nil, inputError(fmt.Errorf("oracle: %w", err))
	}
	r.count = max(1, s.Workers.Count)
	perBuild, err := parseBytes(s.Workers.MemoryPerBuild)
	if err != nil {
		return nil, inputError(fmt.Errorf("workers.memory_per_build: %w", err))
	}
	avail, err := availableMemory()
	if err != nil {
		// Without the figure, builds are not held back: say so.
		fmt.Fprintf(r.log, "note: %v; builds run without a memory limit of kcmin's\n", err)
		avail = math.MaxInt64
	}
	r.free = newWorkers(wd, r.make, s.Kernel.Target, r.checks, r.count, newMemGate(avail, perBuild))
	r.dirs = newDirPool(wd, s.Kernel, r.count)
	if flags, err := build.FlagOptions(s.Kernel.Source, build.SrcArch(s.Kernel.Arch)); err == nil {
		r.dirs.costs.flagOptions(flags)
	}
	for range r.count {
		w := <-r.free
		w.campaign, w.workdir = s.File, wd.Dir
		r.free <- w
	}
	r.status.Workers = make([]WorkerStatus, r.count)
	if !opts.replayOnly {
		if err := checkTools(s, r.checks); err != nil {
			return nil, err
		}
		// Hours before the matrix builds: a variant that will not.
		for _, v := range s.Matrix {
			if missing := variantTools(v, s.Kernel.MakeVars); missing != "" {
				fmt.Fprintf(r.log, "note: the toolchain %s of the matrix cannot be set up: %s\n", v.Name, missing)
			}
		}
	}
	// kcmin matrix builds too: on a Slurm campaign, in the workers' jobs.
	building := !opts.replayOnly || opts.BuildMatrix
	if s.Slurm != nil && building {
		if err := preflightSlurm(ctx, s.Slurm); err != nil {
			return nil, err
		}
	}
	journal, recs, err := openJournal(wd.Path(journalFile), !opts.replayOnly, r.log)
	if err != nil {
		return nil, err
	}
	r.journal = journal
	r.load(recs)
	if err := r.setup(ctx); err != nil {
		return nil, err
	}
	if s.Slurm != nil && building {
		if err := r.startSlurm(ctx); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (r *runner) close() {
	r.cancelSlurm()
	if r.journal != nil {
		r.journal.Close()
	}
	r.wd.Close()
}

// checksOf turns the campaign's oracle settings into checks: the
// precondition (the build status) first, the costly boot last. cacheDir
// keeps what checks make once (kcmin's own rootfs).
func checksOf(s *Spec, cacheDir string) ([]oracle.Check, oracle.MatchMode) {
	var cs []oracle.Check
	if s.Kernel.Target != "" {
		cs = append(cs, oracle.BuildStatus{Want: s.Oracle.Build})
		if len(s.Oracle.LogPatterns) > 0 {
			cs = append(cs, oracle.LogPatterns{Patterns: s.Oracle.LogPatterns})
		}
	}
	if e := s.ELF; e != nil {
		cs = append(cs, &oracle.ELF{File: e.File, Undefined: e.Undefined, Defined: e.Defined, Missing: e.Missing,
			Sections: e.Sections, MissingSections: e.MissingSections, ByPattern: e.ByPattern})
	}
	if len(s.Oracle.Command) > 0 {
		cs = append(cs, oracle.Command{Argv: s.Oracle.Command, Timeout: s.Oracle.CommandTimeout, Source: s.Kernel.Source})
	}
	if b := s.Boot; b != nil {
		cs = append(cs, &oracle.Boot{QEMU: b.QEMU, Memory: b.Memory, CPUs: b.CPUs, Append: b.Append, ExtraArgs: b.QEMUArgs,
			Accel: b.Accel, Rootfs: b.Rootfs, Marker: b.Marker, Timeout: b.Timeout, Boots: b.Boots, Expect: b.Expect,
			CacheDir: cacheDir})
	}
	return cs, oracle.MatchMode(s.Oracle.Match)
}

// toolUser is a check that runs programs of its own.
type toolUser interface{ Tools() []oracle.Tool }

// checkTools says, before the first test, which program the campaign
// will need and lacks, and how to install it.
func checkTools(s *Spec, checks []oracle.Check) error {
	tools := []oracle.Tool{{Name: "make", Package: "make"}}
	if s.Kernel.Ccache {
		tools = append(tools, oracle.Tool{Name: "ccache", Package: "ccache"})
	}
	for _, c := range checks {
		if t, ok := c.(toolUser); ok {
			tools = append(tools, t.Tools()...)
		}
	}
	if err := oracle.MissingTools(tools); err != nil {
		return inputError(err)
	}
	return nil
}

// load takes in the journal's answers.
func (r *runner) load(recs []Record) {
	r.nextTest = 1
	for _, rec := range recs {
		r.remember(rec)
	}
	if len(recs) == 0 || r.opts.replayOnly {
		return
	}
	done := map[int]bool{}
	for _, rec := range recs {
		if !rec.Hit {
			done[rec.Test] = true
		}
	}
	// Tests that started but never reached the journal run again, under
	// new numbers: what they left is cleared away.
	repeat := 0
	entries, _ := os.ReadDir(r.wd.Path("tests"))
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil || done[n] {
			continue
		}
		if os.RemoveAll(r.wd.TestDir(n)) == nil {
			repeat++
		}
	}
	fmt.Fprintf(r.log, "resuming: %d tests done, %d to repeat\n", len(done), repeat)
}

func (r *runner) remember(rec Record) {
	r.bySubset[questionKey(rec.Role, rec.Subset, rec.Attempt)] = rec
	if rec.Hit {
		return
	}
	if rec.Verdict != "" && rec.Hash != "" {
		r.byHash[hashKey(rec.Hash, rec.Attempt)] = rec
	}
	if rec.Predicted != "" && rec.Hash != "" && rec.Predicted != rec.Hash {
		r.distrust = true
	}
	r.nextTest = max(r.nextTest, rec.Test+1)
}

// record appends a record to the journal, then lets the search see it:
// the one place the journal is written.
func (r *runner) record(rec Record) (Record, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rec.Time == "" {
		rec.Time = time.Now().UTC().Format(time.RFC3339Nano)
	}
	if err := r.journal.Append(rec); err != nil {
		return rec, err
	}
	r.remember(rec)
	if rec.Hit {
		r.hits++
	}
	return rec, nil
}

// setup resolves the base and the bad config (once: the workdir keeps
// them), reads the Kconfig tree and lists the candidates.
func (r *runner) setup(ctx context.Context) error {
	base, bad, err := r.resolveInputs(ctx)
	if err != nil {
		return err
	}
	r.base = base
	if err := r.readTree(ctx); err != nil {
		return err
	}
	r.versions = versions(ctx, r.spec, r.env)
	r.cands = FindCandidates(r.know, base, bad)
	if r.spec.Search.Priors {
		r.cands.SetPriors(r.know.MenuPath, r.spec.Kernel.Target != "" && r.spec.Kernel.Target != "modules")
	}
	data, err := json.MarshalIndent(r.cands, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(r.wd.Path(candidatesFile), append(data, '\n')); err != nil {
		return err
	}
	if len(r.cands.List) == 0 {
		return inputError(fmt.Errorf("nothing to minimize: the base and the bad config resolve to configs that differ in no option a fragment can set (%d other differences)",
			len(r.cands.Followers)))
	}
	fmt.Fprintf(r.log, "%d candidates: the options a fragment can set among the differences of base and bad config\n", len(r.cands.List))
	return nil
}

// versions names the kernel and the tools that build and boot it, as far
// as they answer; a tool that does not is left out, not an error.
func versions(ctx context.Context, s *Spec, env map[string]string) []string {
	var out []string
	tc, _ := build.Toolchain(ctx, env)
	if tc.Kernel != "" {
		out = append(out, "Linux "+tc.Kernel)
	}
	for _, v := range []string{tc.CC, tc.LD} {
		if v != "" {
			out = append(out, v)
		}
	}
	if s.Boot != nil {
		if q, err := build.QEMUVersion(ctx, s.Boot.QEMU); err == nil {
			out = append(out, q)
		}
	}
	return out
}

func parseTree(ctx context.Context, s *Spec, env map[string]string) (Knowledge, error) {
	tree, err := kconfig.Parse(ctx, kconfig.Options{SrcTree: s.Kernel.Source, Env: env})
	if err != nil {
		return nil, err
	}
	return NewTreeKnowledge(tree, s.Kernel.Source), nil
}

// fault returns ctx's error when the context is done (an interrupt is not
// the input's fault), else err.
func (r *runner) fault(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// resolveInputs returns the resolved base and bad configs, from the
// workdir when an earlier run resolved them; else it checks the config
// files first, so that their mistakes are reported once, before a
// make runs.
func (r *runner) resolveInputs(ctx context.Context) (base, bad *kconfig.Config, err error) {
	basePath, badPath := r.wd.Path(baseFile), r.wd.Path(badFile)
	if base, err := readResolved(basePath); err == nil {
		if bad, err := readResolved(badPath); err == nil {
			return base, bad, nil
		}
	}
	if r.opts.replayOnly {
		return nil, nil, inputError(fmt.Errorf("workdir %s: the campaign has not resolved its configs yet: run it first", r.wd.Dir))
	}
	if err := r.readTree(ctx); err != nil {
		return nil, nil, err
	}
	logf, err := os.OpenFile(r.wd.Path(setupLog), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, err
	}
	defer logf.Close()
	if err := r.readInputs(r.spec.Config.files(), io.MultiWriter(r.log, logf)); err != nil {
		return nil, nil, err
	}
	dir := r.wd.ResolveDir(0)
	r.phase("resolving the base config")
	baseText, err := r.resolveBase(ctx, dir, logf)
	if err != nil {
		return nil, nil, r.fault(ctx, inputError(fmt.Errorf("base config: %w (log: %s)", err, logf.Name())))
	}
	r.phase("resolving the bad config")
	badText, err := r.resolveBad(ctx, dir, logf, baseText)
	if err != nil {
		return nil, nil, r.fault(ctx, inputError(fmt.Errorf("bad config: %w (log: %s)", err, logf.Name())))
	}
	if err := writeFileAtomic(basePath, baseText); err != nil {
		return nil, nil, err
	}
	if err := writeFileAtomic(badPath, badText); err != nil {
		return nil, nil, err
	}
	if base, err = readResolved(basePath); err != nil {
		return nil, nil, err
	}
	if bad, err = readResolved(badPath); err != nil {
		return nil, nil, err
	}
	return base, bad, nil
}

func (r *runner) resolveBase(ctx context.Context, dir string, log io.Writer) ([]byte, error) {
	c := r.spec.Config
	var text []byte
	var err error
	if c.BaseFile != "" {
		var in *inputConfig
		if in, err = r.input(c.BaseFile); err != nil {
			return nil, err
		}
		text, err = r.make.Resolve(ctx, dir, in.text, log)
	} else {
		text, err = r.make.Configure(ctx, dir, log, c.BaseTargets...)
	}
	if err != nil || len(c.BaseFragments) == 0 {
		return text, err
	}
	return r.mergeResolve(ctx, dir, log, text, c.BaseFragments)
}

func (r *runner) resolveBad(ctx context.Context, dir string, log io.Writer, base []byte) ([]byte, error) {
	c := r.spec.Config
	if c.Bad != "" {
		in, err := r.input(c.Bad)
		if err != nil {
			return nil, err
		}
		return r.make.Resolve(ctx, dir, in.text, log)
	}
	return r.mergeResolve(ctx, dir, log, base, c.BadFragments)
}

// mergeResolve merges fragments onto a config as merge_config.sh does and
// resolves the result.
func (r *runner) mergeResolve(ctx context.Context, dir string, log io.Writer, base []byte, fragments []string) ([]byte, error) {
	cfg, _, err := kconfig.ReadConfig(bytes.NewReader(base), ".config")
	if err != nil {
		return nil, err
	}
	for _, f := range fragments {
		frag, err := r.input(f)
		if err != nil {
			return nil, err
		}
		var overrides []kconfig.Override
		cfg, overrides = kconfig.Merge(cfg, frag.cfg)
		for _, o := range overrides {
			fmt.Fprintln(log, o.String())
		}
	}
	var b bytes.Buffer
	if err := cfg.Write(&b); err != nil {
		return nil, err
	}
	return r.make.Resolve(ctx, dir, b.Bytes(), log)
}

func readResolved(path string) (*kconfig.Config, error) {
	c, _, err := kconfig.ReadConfigFile(path)
	return c, err
}

// search runs the first two tests and the search, and writes the report.
func (r *runner) search(ctx context.Context) (*Summary, error) {
	all := make([]int, len(r.cands.List))
	for i := range all {
		all[i] = i
	}
	r.status.Candidates, r.status.Undecided = len(all), len(all)
	// From here on the workers say what runs.
	r.phase("")
	problem := r.cands.Problem()
	// The search chooses how often to confirm a deciding "gone" from the
	// flake rate; repeats only says how often to measure it.
	problem.Flaky = r.spec.Search.Flaky

	// With workers to spare, the base is built beside the bad config:
	// its answer waits for the bad config's signature to be matched.
	baseQ := question{role: roleBase}
	baseCtx, cancelBase := context.WithCancel(ctx)
	defer cancelBase()
	var (
		baseOut  = make(chan error, 1)
		baseSide = r.count > 1
	)
	if baseSide {
		go func() {
			_, err := r.ask(baseCtx, baseQ)
			baseOut <- err
		}()
	}
	rate, err := r.judgeBad(ctx, all)
	if err != nil {
		if baseSide {
			cancelBase()
			<-baseOut
		}
		return nil, err
	}
	problem.FlakeRate = rate
	if baseSide {
		err = <-baseOut
	} else {
		_, err = r.ask(ctx, baseQ)
	}
	if err != nil {
		return nil, r.stop(ctx, err)
	}
	base, _ := r.answered(nil, 0)
	switch base.Outcome {
	case "reproduces":
		return nil, fmt.Errorf("%w: the base reproduces the failure too, so there is nothing to minimize (test %d, %s)",
			ErrNoResult, base.Test, r.wd.TestDir(base.Test))
	case "unresolved":
		return nil, fmt.Errorf("%w: the base config could not be judged: %s (test %d, %s)",
			ErrNoResult, base.Reason, base.Test, r.wd.TestDir(base.Test))
	}

	// Told what each candidate's flip costs, the search keeps the costly
	// ones as the bad config has them for as long as it can.
	problem.Cost = r.candidateCosts()

	algo, err := minimize.ParseAlgorithm(r.spec.Search.Algorithm)
	if err != nil {
		return nil, inputError(err)
	}
	// With workers to spare, the clean build of the search's result runs
	// beside the search's final verification and the final check: they
	// seldom drop a candidate or a line, and when they do the clean build
	// of what is left is asked after them.
	early := r.newEarlyClean(ctx)
	defer early.stop()
	// No build (a command judges the config alone): nothing to build clean.
	beside := r.count > 1 && r.spec.Kernel.Target != ""
	// The toolchains of the matrix build the culprits beside the
	// verification too, resolved at once and built on the workers as
	// they come free: should the end drop a line, their rows are of
	// another config, and the result's own are built at the end.
	replay := r.opts.replayOnly && !r.opts.BuildMatrix
	early.matrix = beside && len(r.spec.Matrix) > 0 && !replay
	progress := r.progress
	if beside {
		progress = func(p minimize.Progress) {
			r.progress(p)
			if p.Verifying && len(p.Culprits) > 0 {
				early.offer(p.Culprits)
			}
		}
	}
	res, err := minimize.MinimizeParallel(ctx, algo, problem, r.count, r.test, progress)
	if err != nil {
		return nil, r.stop(ctx, err)
	}
	beside = beside && res.Verified && len(res.Culprits) > 0
	if beside {
		early.offer(res.Culprits)
	} else {
		early.stop()
	}
	final, err := r.checkLines(ctx, res, problem.Confirmations())
	if err != nil {
		return nil, r.stop(ctx, err)
	}
	if beside {
		if err := early.wait(res.Culprits); err != nil {
			return nil, r.stop(ctx, err)
		}
	}
	if err := r.checkClean(ctx, &final, problem.Confirmations()); err != nil {
		return nil, r.stop(ctx, err)
	}
	// The report explains each line from the Kconfig tree, which a
	// replay (kcmin report) has not read yet; without it, it says less.
	if r.know == nil && final.Verified {
		if err := r.readTree(ctx); err != nil && ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	if len(r.spec.Matrix) == 0 {
		return r.finish(final, res)
	}
	// The result is written before the toolchains build, which may take
	// hours, and again with their rows.
	if !replay {
		if sum, err := r.finish(final, res); err != nil {
			return sum, err
		}
	}
	if err := early.settleMatrix(final.Options()); err != nil {
		return nil, r.stop(ctx, err)
	}
	rows, err := r.runMatrix(ctx, final, replay)
	if err != nil {
		return nil, r.stop(ctx, err)
	}
	r.matrixRows = rows
	return r.finish(final, res)
}

// judgeBad runs the bad config: once, or repeats times when the failure
// is flaky, which measures its flake rate. It reproduces if any run
// does. When none does, kcmin stops; a later run asks again, as many
// fresh times, instead of replaying the runs that missed it, since a stop
// leaves nothing learned that a replay would need.
func (r *runner) judgeBad(ctx context.Context, all []int) (rate float64, err error) {
	runs := 1
	if r.spec.Search.Flaky {
		runs = r.spec.Search.Repeats
		if runs == 0 {
			// measure a declared flaky failure unless told how often
			runs = defaultRepeats
		}
	}
	names := r.cands.Names(all)
	opts := r.cands.Options(all)
	// The runs are asked one after another, beside the base: a repeat
	// finds the config built in the worker that built it, where a run
	// at once would build it again from scratch in another.
	var (
		first        Record // the first run that reproduced
		last         Record
		fresh        int // runs asked in this process, not replayed
		asked        int
		gone, judged int
	)
	for a := 0; a < runs || (first.Test == 0 && fresh < runs); a++ {
		asked++
		if _, known := r.answered(names, a); !known {
			fresh++
		}
		rec, err := r.ask(ctx, question{names: names, opts: opts, attempt: a, role: roleBad})
		if err != nil {
			return 0, r.stop(ctx, err)
		}
		last = rec
		// Only judged runs count: an unresolved one says nothing.
		switch rec.Outcome {
		case "reproduces":
			judged++
			if first.Test == 0 {
				first = rec
			}
		case "gone":
			judged++
			gone++
		}
	}
	if first.Test == 0 {
		what := "does not reproduce the failure"
		if last.Outcome == "unresolved" {
			what = "could not be judged: unresolved"
		}
		tried := ""
		if asked > 1 {
			tried = fmt.Sprintf(" in any of %d runs", asked)
		}
		return 0, fmt.Errorf("%w: the bad config %s%s: %s (test %d, %s)",
			ErrNoResult, what, tried, last.Reason, last.Test, r.wd.TestDir(last.Test))
	}
	r.badSig, r.badRec = first.Signature, first
	close(r.badJudged)
	if runs > 1 {
		fmt.Fprintf(r.log, "the bad config reproduced %d of %d judged runs (%d unresolved)\n", judged-gone, judged, asked-judged)
	}
	if judged == 0 {
		return 0, nil
	}
	return min(float64(gone)/float64(judged), 0.9), nil
}

// stop explains why a search stopped before its end.
func (r *runner) stop(ctx context.Context, err error) error {
	if errors.Is(err, errReplay) {
		return fmt.Errorf("%w: the campaign in %s has not finished; kcmin run resumes it", ErrNoResult, r.wd.Dir)
	}
	return r.fault(ctx, err)
}

func (r *runner) progress(p minimize.Progress) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status.Undecided, r.status.Culprits, r.status.EstimatedLeft = p.Undecided, len(p.Culprits), p.EstimatedLeft
	r.status.Searching = true
	r.notify()
}

func (r *runner) phase(what string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status.Phase, r.status.Since = what, time.Now()
	r.notify()
}

// setWorker says what worker n does now, for test (0 before it has its
// number); "" when it is idle again.
func (r *runner) setWorker(n, test int, what string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n >= len(r.status.Workers) {
		return
	}
	w := &r.status.Workers[n]
	if w.Phase != what || w.Test != test {
		w.Since = time.Now()
	}
	w.Test, w.Phase = test, what
	r.notify()
}

// notify hands the status on; the caller holds r.mu.
func (r *runner) notify() {
	r.status.CacheHits = r.hits
	r.status.Tests = r.judged()
	// The workers share what is left.
	r.status.TimeLeft = time.Duration(r.status.EstimatedLeft) * medianTestTime(slices.Collect(maps.Values(r.bySubset))) / time.Duration(max(1, r.count))
	st := r.status
	st.Workers = slices.Clone(st.Workers)
	if r.opts.Progress != nil {
		r.opts.Progress(st)
	}
	if !r.opts.replayOnly {
		data, err := json.Marshal(progressRecord{Status: st, Time: time.Now().UTC(), Done: r.finished})
		if err == nil {
			_ = writeFileAtomic(r.wd.Path(progressFile), data)
		}
	}
}

// progressRecord is progress.json, for kcmin status.
type progressRecord struct {
	Status
	Time time.Time
	// Done is set once the result is written.
	Done bool
}

// medianTestTime is the median time a test took to resolve, build and
// judge, over the journal's records; answers from the cache cost nothing
// and are not tests. The median, not the mean: one cold first build of
// the bad config would skew a mean for the whole campaign.
func medianTestTime(recs []Record) time.Duration {
	var ms []int64
	for _, rec := range recs {
		if !rec.Hit {
			ms = append(ms, rec.ResolveMS+rec.BuildMS+rec.JudgeMS)
		}
	}
	if len(ms) == 0 {
		return 0
	}
	slices.Sort(ms)
	mid := (ms[(len(ms)-1)/2] + ms[len(ms)/2]) / 2
	return time.Duration(mid) * time.Millisecond
}

func (r *runner) judged() int {
	n := 0
	for _, rec := range r.bySubset {
		if !rec.Hit && rec.Verdict != "" {
			n++
		}
	}
	return n
}

// test answers the search: from the journal when it has the question,
// else by resolving, building and judging. Up to [workers] count calls
// run at once.
func (r *runner) test(ctx context.Context, kept []int, attempt int) (minimize.Outcome, error) {
	rec, err := r.ask(ctx, question{names: r.cands.Names(kept), opts: r.cands.Options(kept), attempt: attempt})
	return outcomeOf(rec), err
}

// A question is what a test asks: does the base with these options at
// their bad values reproduce? The search asks about candidates, the final
// check about single lines of the result.
type question struct {
	names   []string // the journal's subset: candidates or options, by name
	opts    []Option
	attempt int
	// role names the first tests ("bad", "base") and the final check's
	// ("line", "clean"); "" for the search's.
	role string
}

// questionKey identifies a question in the journal: its subset and
// attempt, and for the clean build of the result its role too, since the
// search asked the same subset of incremental builds.
func questionKey(role string, names []string, attempt int) string {
	k := subsetKey(names, attempt)
	if role == roleClean {
		k = roleClean + " " + k
	}
	return k
}

// ask answers a question from the journal when it has it, else by
// resolving, building and judging. It is safe for concurrent use.
func (r *runner) ask(ctx context.Context, q question) (Record, error) {
	r.mu.Lock()
	rec, ok := r.bySubset[questionKey(q.role, q.names, q.attempt)]
	if ok && rec.Hit {
		r.hits++
	}
	r.mu.Unlock()
	if ok {
		return rec, nil
	}
	if r.opts.replayOnly {
		return Record{Outcome: "unresolved"}, errReplay
	}
	rec, err := r.judge(ctx, q)
	if err != nil {
		return Record{Outcome: "unresolved"}, err
	}
	r.logTest(rec, len(q.names))
	return rec, nil
}

// prefetch asks questions at once, as many as there are workers, and
// waits for all their answers, which the journal then holds: the
// sequential logic that follows (the first tests, the final check) finds
// them there. It returns the first error, once every question has ended.
func (r *runner) prefetch(ctx context.Context, qs []question) error {
	if r.count < 2 || len(qs) < 2 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, len(qs))
	for _, q := range qs {
		go func() {
			_, err := r.ask(ctx, q)
			if err != nil {
				cancel()
			}
			errs <- err
		}()
	}
	var first error
	for range qs {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// outcomeOf is the search's view of a record.
func outcomeOf(rec Record) minimize.Outcome {
	switch rec.Outcome {
	case "reproduces":
		return minimize.Reproduces
	case "gone":
		return minimize.Gone
	}
	return minimize.Unresolved
}

func (r *runner) logTest(rec Record, asked int) {
	what := fmt.Sprintf("test %d", rec.Test)
	if rec.Hit {
		what = fmt.Sprintf("cache (config of test %d)", rec.Test)
	}
	line := fmt.Sprintf("%s: keeps %d of %d candidates", what, asked, len(r.cands.List))
	if rec.Role == roleLine {
		line = fmt.Sprintf("%s: keeps %d lines of the result", what, asked)
	}
	if rec.Role != "" {
		line += " (the " + rec.Role + " config)"
	}
	line += ": " + rec.Outcome
	if rec.Outcome == "unresolved" && rec.Reason != "" {
		line += ": " + rec.Reason
	}
	if rec.Built {
		line += fmt.Sprintf(", built in %v", (time.Duration(rec.BuildMS) * time.Millisecond).Round(time.Second/10))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintln(r.log, line)
}

// judge finds the answer for a question the journal does not have: the
// coordinator's part of a test. It predicts the config and answers from
// the cache when it can; else it takes a free worker, resolves the
// config in the worker's resolve dir, numbers the test, has the worker
// build and judge it, matches the signature against the bad config's,
// and records the answer.
func (r *runner) judge(ctx context.Context, q question) (Record, error) {
	req := apply(r.base, q.opts)
	// kconfig resolves in milliseconds what make olddefconfig takes
	// seconds for: when it predicts a config already judged, the answer
	// is known. make's word stays final: one disagreement ends the trust.
	var predicted string
	pc, err := r.predict(req)
	if err != nil {
		pc = nil
	} else {
		predicted = Hash(pc)
		_, why := notStuck(nil, pc, q.opts)
		if r.distrusted() || len(why) > 0 {
			pc = nil // the prediction is no config to build
		} else if q.role == roleClean {
			// Built afresh whatever was judged before.
		} else if rec, ok, err := r.hit(predicted, predicted, q); ok {
			return rec, err
		}
	}
	w, err := r.take(ctx, predicted)
	if err != nil {
		return Record{}, err
	}
	rec, j, err := r.runOn(ctx, w, q, req, pc, predicted, 0)
	r.give(w)
	if err != nil || j == nil {
		return rec, err
	}
	// When the test ended, not when its answer could be recorded.
	rec.Time = time.Now().UTC().Format(time.RFC3339Nano)
	rec.Verdict = j.Verdict.String()
	if q.role == roleBase {
		// The base runs beside the bad config, whose signature it must
		// not show again: it waits for it. Every other test starts
		// once the bad config is judged.
		select {
		case <-r.badJudged:
		case <-ctx.Done():
			return Record{}, ctx.Err()
		}
	}
	if q.role != roleBad {
		*j = j.Against(r.match, r.badSig)
	}
	rec.Outcome, rec.Signature, rec.Reason, rec.Notes = j.Verdict.String(), j.Signature, j.Reason, j.Notes
	return r.record(rec)
}

// Roles of the first two tests.
const (
	roleBad  = "bad"
	roleBase = "base"
)

// runOn runs q's test on worker w. It returns a record ready to be
// written (a cache hit, or a test that did not stick) with a nil
// judgement, or a test's record with the oracle's judgement, for judge
// to match and record. pc is kcmin's prediction of the resolved config,
// nil when it is not to be built on; test is the number to reuse when
// the test runs again, 0 for a new one.
func (r *runner) runOn(ctx context.Context, w *worker, q question, req, pc *kconfig.Config, predicted string, test int) (Record, *oracle.Judgement, error) {
	start := time.Now()
	// The test has its number from its start; a config judged before
	// gives it back.
	if test == 0 {
		test = r.newTest()
	}
	r.setWorker(w.n, test, "resolving")
	var input, resolveLog bytes.Buffer
	if err := req.Write(&input); err != nil {
		return Record{}, nil, err
	}
	// When the prediction sticks, the build starts at once on it, while
	// make olddefconfig resolves the same request in the worker's resolve
	// dir: make stays the judge of what the config is, and its seconds
	// of Kconfig hide behind the build instead of coming before it.
	fast := pc != nil && r.spec.Kernel.Target != ""
	var text []byte
	resolved := pc
	if fast {
		var placed bytes.Buffer
		if err := r.writeConfig(&placed, pc); err != nil {
			return Record{}, nil, err
		}
		text = placed.Bytes()
	} else {
		var err error
		text, err = r.make.Resolve(ctx, w.resolveDir, input.Bytes(), &resolveLog)
		if err != nil {
			return Record{}, nil, r.fault(ctx, fmt.Errorf("resolve a config in %s: %w", w.resolveDir, err))
		}
		resolved, _, err = kconfig.ReadConfig(bytes.NewReader(text), filepath.Join(w.resolveDir, ".config"))
		if err != nil {
			return Record{}, nil, fmt.Errorf("read the config resolved in %s: %w", w.resolveDir, err)
		}
	}
	hash := Hash(resolved)
	if predicted != "" && predicted != hash {
		r.disagree(test)
	}
	stuckNot, why := notStuck(r.know, resolved, q.opts)
	if len(why) == 0 && q.role != roleClean {
		if rec, ok, err := r.hit(hash, predicted, q); ok {
			r.unnumber(test)
			return rec, nil, err
		}
	}

	// A test of its own: its folder holds what it asked and got.
	rec := Record{Test: test, Role: q.role, Subset: q.names, Attempt: q.attempt, Hash: hash, Predicted: predicted,
		ResolveMS: time.Since(start).Milliseconds()}
	tdir := r.wd.TestDir(test)
	if err := os.RemoveAll(tdir); err != nil {
		return Record{}, nil, err
	}
	if err := os.MkdirAll(tdir, 0o755); err != nil {
		return Record{}, nil, err
	}
	var frag bytes.Buffer
	if err := apply(kconfig.NewConfig(), q.opts).Write(&frag); err != nil {
		return Record{}, nil, err
	}
	files := map[string][]byte{"fragment.config": frag.Bytes(), "resolved.config": text}
	if !fast {
		files["resolve.log"] = resolveLog.Bytes()
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(tdir, name), data, 0o644); err != nil {
			return Record{}, nil, err
		}
	}
	if len(why) > 0 {
		rec.Outcome = "unresolved"
		rec.Reason = "did not stick: " + strings.Join(why, "; ")
		rec.NotStuck = stuckNot
		rec, err := r.record(rec)
		return rec, nil, err
	}

	var (
		resolving  sync.WaitGroup
		kernelText []byte
		kernelErr  error
	)
	defer resolving.Wait()
	if fast {
		resolving.Add(1)
		go func() {
			defer resolving.Done()
			kernelText, kernelErr = r.make.Resolve(ctx, w.resolveDir, input.Bytes(), &resolveLog)
		}()
	}
	j := job{test: test, dir: tdir, config: text, phase: func(what string) { r.setWorker(w.n, test, what) }}
	j.recompile = r.relinked()
	// The bad config's signature is known once its runs are judged; the
	// base runs beside them and needs none. (What the last build of the
	// dir warned of is compiled again by the worker: readWarned.)
	if q.role != roleBad && q.role != roleBase {
		j.recompile = append(j.recompile, warnedObjects(r.badSig)...)
	}
	// A local test goes to the build dir where it rebuilds least; a
	// remote worker has its own on its node.
	var (
		d    *buildDir
		pred prediction
	)
	switch {
	case q.role == roleClean:
		// A build dir of its own, emptied before the first attempt: the
		// build the report's reproducer makes.
		j.build, j.fresh = r.wd.CleanDir(), q.attempt == 0
		if w.remote != nil {
			j.build = w.dir + "-clean"
		}
		rec.BuildDir = "clean"
	case w.remote == nil:
		var err error
		if d, pred, err = r.dirs.take(resolved, hash); err != nil {
			return Record{}, nil, err
		}
		defer func() {
			if d != nil {
				r.dirs.give(d)
			}
		}()
		j.build, j.objs = d.path, d.objs
		r.dirs.placed(d, resolved, "")
	}
	w.last = ""
	f, err := w.run(ctx, j)
	if err != nil {
		return Record{}, nil, err
	}
	ok := f.built && f.judgement.Verdict != oracle.Unresolved
	if ok {
		w.last = hash
	}
	rec.Built, rec.BuildMS, rec.JudgeMS, rec.PeakRSS = f.built, f.buildMS, f.judgeMS, f.peakRSS
	if rec.BuildDir == "" {
		rec.BuildDir = fmt.Sprintf("w%d", w.n)
	}
	if j.fresh && f.objs != nil {
		rec.Rebuild = &Rebuild{Clean: true, Predicted: f.objs.Len(), Compiled: len(f.rebuilt), Objects: f.objs.Len()}
	}
	if d != nil {
		rec.BuildDir = fmt.Sprintf("d%d", d.n)
		if ok {
			r.dirs.placed(d, resolved, hash)
		}
		if f.objs != nil {
			r.dirs.built(d, pred, f.objs, f.rebuilt)
			rec.Rebuild = rebuildOf(pred, len(f.rebuilt), f.objs.Len())
		}
		r.dirs.give(d)
		d = nil
	}
	if fast {
		resolving.Wait()
		if kernelErr != nil {
			return Record{}, nil, r.fault(ctx, fmt.Errorf("resolve the config of test %d: %w", test, kernelErr))
		}
		_ = os.WriteFile(filepath.Join(tdir, "resolve.log"), resolveLog.Bytes(), 0o644)
		_ = os.WriteFile(filepath.Join(tdir, "resolved.config"), kernelText, 0o644)
		kernel, _, err := kconfig.ReadConfig(bytes.NewReader(kernelText), "resolved.config")
		if err != nil || Hash(kernel) != predicted {
			// make disagrees with the prediction the build used: make
			// decides from now on, and this test runs again its way.
			r.disagree(test)
			return r.runOn(ctx, w, q, req, nil, predicted, test)
		}
		rec.ResolveMS = 0
	}
	return rec, &f.judgement, nil
}

// hit answers q from an earlier test of the config whose digest is hash,
// when there is one, and records that answer.
func (r *runner) hit(hash, predicted string, q question) (Record, bool, error) {
	r.mu.Lock()
	prev, ok := r.byHash[hashKey(hash, q.attempt)]
	r.mu.Unlock()
	if !ok {
		return Record{}, false, nil
	}
	rec, err := r.record(hitOf(prev, q.names, q.attempt, predicted, q.role))
	return rec, true, err
}

// answered is the journal's answer to a question, if it has one.
func (r *runner) answered(names []string, attempt int) (Record, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rec, ok := r.bySubset[subsetKey(names, attempt)]
	return rec, ok
}

// newTest gives the next test its number.
func (r *runner) newTest() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.nextTest
	r.nextTest++
	return n
}

// unnumber gives test's number back when no test started after it.
func (r *runner) unnumber(test int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.nextTest == test+1 {
		r.nextTest = test
	}
}

func (r *runner) distrusted() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.distrust
}

// logf writes a line to the campaign's log, from any goroutine.
func (r *runner) logf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(r.log, format+"\n", args...)
}

// disagree ends the trust in kcmin's own resolver: make olddefconfig
// resolved the request of test differently from kcmin.
func (r *runner) disagree(test int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.distrust {
		fmt.Fprintf(r.log, "note: kconfig's resolver and make olddefconfig disagree on test %d; make's answer is used from now on\n", test)
	}
	r.distrust = true
}

// predict resolves in-process; a resolver that fails, even by panicking,
// only costs the prediction: make has the last word anyway.
func (r *runner) predict(req *kconfig.Config) (*kconfig.Config, error) {
	return resolveSafely(r.know, req)
}

// configWriter writes a resolved config as the kernel's conf does, byte
// for byte: a build that finds its .config already in that form has no
// reason to sync it again (13 s on a real tree).
type configWriter interface {
	WriteConfig(w io.Writer, resolved *kconfig.Config) error
}

func (r *runner) writeConfig(w io.Writer, c *kconfig.Config) error {
	if cw, ok := r.know.(configWriter); ok {
		return cw.WriteConfig(w, c)
	}
	return c.Write(w)
}

// hitOf answers a question with an earlier test's judgement of the same
// config.
func hitOf(prev Record, names []string, attempt int, predicted, role string) Record {
	return Record{Test: prev.Test, Hit: true, Role: role, Subset: names, Attempt: attempt, Hash: prev.Hash,
		Predicted: predicted, Outcome: prev.Outcome, Verdict: prev.Verdict, Signature: prev.Signature,
		Reason: fmt.Sprintf("the same config as test %d", prev.Test)}
}
