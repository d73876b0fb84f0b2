package campaign

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/kcmin/kcmin/build"
	"github.com/kcmin/kcmin/kconfig"
	"github.com/kcmin/kcmin/minimize"
	"github.com/kcmin/kcmin/oracle"
	"github.com/kcmin/kcmin/report"
)

// BisectOptions say what kcmin bisect looks for, and where.
type BisectOptions struct {
	// Good and Bad are revisions of the kernel's git tree: the failure is
	// absent at Good and present at Bad.
	Good, Bad string
	// Fixed looks for the commit that made the failure go: Bad is then
	// the older revision, Good the newer.
	Fixed bool
	// Source is the git tree; "" for the campaign's kernel.source.
	Source string
	// Config is a config file (a fragment) put on top of the base at
	// every step instead of the campaign's minimal config.
	Config string
	// DropMissing builds a commit without the lines of the config whose
	// options its Kconfig does not define, instead of skipping it.
	DropMissing bool
	Log         io.Writer
	Progress    func(Status)
}

// bisectDir holds the bisection: its worktree, steps, journal, result.
const bisectDir = "bisect"

// BisectStep is one commit judged: journalled in bisect/journal.jsonl.
type BisectStep struct {
	// Key is the digest of the commit and of the config lines asked.
	Key    string `json:"key"`
	Commit string `json:"commit"`
	// Verdict is bad (the failure is there), good (it is not), or skip:
	// it could not be judged (the config did not stick there, an option
	// is missing, the build failed for another reason, the oracle could
	// not tell), which counts neither way.
	Verdict string   `json:"verdict"`
	Reason  string   `json:"reason,omitempty"`
	Runs    int      `json:"runs"`
	BuildMS int64    `json:"build_ms,omitempty"`
	Dropped []string `json:"dropped,omitempty"`
	Time    string   `json:"time"`
}

// BisectResult is bisect/result.json, and the bisection's part of the
// campaign's report.
type BisectResult = report.Bisect

// bisecter runs one bisection.
type bisecter struct {
	r         *runner
	opts      BisectOptions
	src, wt   string // the user's git tree, kcmin's worktree of it
	lines     []kconfig.Entry
	make      *build.Make
	journal   string
	steps     map[string]BisectStep
	confirms  int // runs of a good verdict when flaky
	flakeRate float64
	oldTerm   string
	newTerm   string
}

// Bisect bisects the commits between Good and Bad of a kernel git tree
// with the base + the campaign's minimal config, built and judged as a
// campaign's tests are, by git bisect in a worktree of kcmin's own: the
// user's checkout and branches are never touched.
//
// The result goes to bisect/result.json, and result/ is written again
// with it: report.txt then ends with the line a maintainer pastes.
func Bisect(ctx context.Context, dir string, opts BisectOptions) (*BisectResult, *Summary, error) {
	res, err := bisect(ctx, dir, opts)
	if err != nil {
		return nil, nil, err
	}
	sum, err := Report(ctx, dir, Options{})
	if err == nil && res.First == "" {
		err = fmt.Errorf("%w: %s", ErrNoResult, res.Line)
	}
	return res, sum, err
}

func bisect(ctx context.Context, dir string, opts BisectOptions) (*BisectResult, error) {
	s, err := LoadWorkdir(dir)
	if err != nil {
		return nil, err
	}
	if opts.Good == "" || opts.Bad == "" {
		return nil, inputError(errors.New("bisect: both --good and --bad are needed"))
	}
	wd, err := OpenWorkdir(s.Workdir)
	if err != nil {
		return nil, err
	}
	defer wd.Close()
	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	r := &runner{spec: s, wd: wd, log: log, opts: Options{Progress: opts.Progress}}
	r.checks, r.match = checksOf(s, wd.Path("cache"))
	if err := oracle.Validate(r.checks); err != nil {
		return nil, inputError(fmt.Errorf("oracle: %w", err))
	}
	if err := checkTools(s, r.checks); err != nil {
		return nil, err
	}
	b := &bisecter{r: r, opts: opts, src: opts.Source, journal: wd.Path(bisectDir, journalFile), oldTerm: "good", newTerm: "bad"}
	if b.src == "" {
		b.src = s.Kernel.Source
	}
	if opts.Fixed {
		b.oldTerm, b.newTerm = "broken", "fixed"
	}
	if err := b.readResult(); err != nil {
		return nil, err
	}
	if b.steps, err = readBisectJournal(b.journal); err != nil {
		return nil, err
	}
	if err := b.worktree(ctx); err != nil {
		return nil, err
	}
	b.make = &build.Make{Source: b.wt, Arch: s.Kernel.Arch, Vars: s.Kernel.BuildVars(), Jobs: s.Kernel.Jobs,
		Timeout: s.Kernel.BuildTimeout, ConfigTimeout: s.Kernel.ConfigTimeout}
	r.make = b.make
	if err := r.loadInputs(); err != nil {
		return nil, err
	}
	res, err := b.run(ctx)
	if err != nil {
		return nil, err
	}
	data, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(wd.Path(bisectDir, "result.json"), append(data, '\n')); err != nil {
		return nil, err
	}
	return res, nil
}

// readResult takes the lines to put on the base: the campaign's minimal
// config, or --config, and the failure's signature.
func (b *bisecter) readResult() error {
	s := b.r.spec
	path := b.opts.Config
	if path == "" {
		path = b.r.wd.Path(resultDir, "minimal.config")
	}
	cfg, _, err := kconfig.ReadConfigFile(path)
	if err != nil {
		if b.opts.Config == "" {
			return inputError(fmt.Errorf("bisect: the campaign in %s has no result yet (%v): run it first, or name a config with --config", s.Workdir, err))
		}
		return inputError(fmt.Errorf("bisect: %w", err))
	}
	b.lines = cfg.Entries()
	if len(b.lines) == 0 {
		return inputError(fmt.Errorf("bisect: %s sets no option", path))
	}
	data, err := os.ReadFile(b.r.wd.Path(resultDir, "result.json"))
	if err != nil {
		return inputError(fmt.Errorf("bisect: the campaign's result.json: %w (run kcmin report %s)", err, s.Workdir))
	}
	var res report.Result
	if err := json.Unmarshal(data, &res); err != nil {
		return fmt.Errorf("bisect: %s: %w", b.r.wd.Path(resultDir, "result.json"), err)
	}
	b.r.badSig = res.Signature
	if s.Search.Flaky {
		// As the search confirms a "gone": enough runs that a wrong good
		// is rarer than one in a thousand at the measured flake rate.
		p := minimize.Problem{Flaky: true, Repeats: 0}
		if res.FlakeRate != nil {
			p.FlakeRate = *res.FlakeRate
		}
		b.confirms = 1 + p.Confirmations()
		b.flakeRate = p.FlakeRate
	}
	return nil
}

// loadInputs reads the base's config files as they are: the campaign
// checked them when it ran, and a commit's Kconfig judges them now.
func (r *runner) loadInputs() error {
	r.inputs = map[string]*inputConfig{}
	for _, p := range (ConfigSpec{BaseFile: r.spec.Config.BaseFile, BaseFragments: r.spec.Config.BaseFragments}).files() {
		text, err := os.ReadFile(p)
		if err != nil {
			return inputError(fmt.Errorf("bisect: a config file of the campaign: %w", err))
		}
		cfg, _, err := kconfig.ReadConfig(bytes.NewReader(text), p)
		if err != nil {
			return inputError(fmt.Errorf("bisect: %w", err))
		}
		r.inputs[p] = &inputConfig{text: text, cfg: cfg}
	}
	return nil
}

// gitOut runs git in dir and returns its output, trimmed; its messages
// in English, which bisect's are parsed in.
func gitOut(ctx context.Context, dir string, args ...string) (string, error) {
	var out bytes.Buffer
	code, err := build.Run(ctx, build.Cmd{Argv: append([]string{"git", "-C", dir}, args...), Stdout: &out, Stderr: &out,
		Timeout: 10 * time.Minute, Env: []string{"LC_ALL=C"}})
	text := strings.TrimSpace(out.String())
	if err != nil {
		return text, fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	if code != 0 {
		return text, fmt.Errorf("git %s: exit status %d: %s", strings.Join(args, " "), code, firstLineOf(text))
	}
	return text, nil
}

func firstLineOf(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// worktree makes kcmin's worktree of the tree, bisect/tree, and starts
// git bisect in it afresh: the journal, not git's state, holds what was
// judged, and replays it.
func (b *bisecter) worktree(ctx context.Context) error {
	top, err := gitOut(ctx, b.src, "rev-parse", "--show-toplevel")
	if err != nil {
		return inputError(fmt.Errorf("bisect: %s is no git tree: %w", b.src, err))
	}
	if abs, _ := filepath.Abs(b.src); filepath.Clean(top) != abs {
		return inputError(fmt.Errorf("bisect: %s is inside the git tree %s, not its top", b.src, top))
	}
	revs := map[string]*string{"--good": &b.opts.Good, "--bad": &b.opts.Bad}
	for _, flag := range []string{"--good", "--bad"} {
		rev := revs[flag]
		full, err := gitOut(ctx, b.src, "rev-parse", "--verify", "--quiet", *rev+"^{commit}")
		if err != nil {
			return inputError(fmt.Errorf("bisect: %s %s: no such commit in %s", flag, *rev, b.src))
		}
		*rev = full
	}
	old, young := b.opts.Good, b.opts.Bad
	if b.opts.Fixed {
		old, young = young, old
	}
	if _, err := gitOut(ctx, b.src, "merge-base", "--is-ancestor", old, young); err != nil {
		what := "--good must be an ancestor of --bad"
		if b.opts.Fixed {
			what = "with --fixed, --bad (the failure there) must be an ancestor of --good (fixed there)"
		}
		return inputError(fmt.Errorf("bisect: %s", what))
	}
	b.wt = b.r.wd.Path(bisectDir, "tree")
	if _, err := os.Stat(filepath.Join(b.wt, ".git")); err != nil {
		_, _ = gitOut(ctx, b.src, "worktree", "prune")
		if err := os.MkdirAll(filepath.Dir(b.wt), 0o755); err != nil {
			return err
		}
		if _, err := gitOut(ctx, b.src, "worktree", "add", "--detach", b.wt, young); err != nil {
			return fmt.Errorf("bisect: %w", err)
		}
	}
	_, _ = gitOut(ctx, b.wt, "bisect", "reset")
	// Nothing of an earlier kcmin's checkout may stay: kbuild wants a
	// clean source tree for O=.
	if _, err := gitOut(ctx, b.wt, "checkout", "--detach", "--force", young); err != nil {
		return fmt.Errorf("bisect: %w", err)
	}
	if _, err := gitOut(ctx, b.wt, "clean", "-fdxq"); err != nil {
		return fmt.Errorf("bisect: %w", err)
	}
	args := []string{"bisect", "start", young, old}
	if b.opts.Fixed {
		args = []string{"bisect", "start", "--term-old=" + b.oldTerm, "--term-new=" + b.newTerm, young, old}
	}
	if _, err := gitOut(ctx, b.wt, args...); err != nil {
		return fmt.Errorf("bisect: %w", err)
	}
	return nil
}

var (
	firstCommit = regexp.MustCompile(`(?m)^([0-9a-f]{40}) is the first (\w+) commit`)
	fullHash    = regexp.MustCompile(`^[0-9a-f]{40}$`)
)

// run judges the commit git bisect checks out, tells git, and goes on
// until git names the first commit, or only skipped ones are left.
func (b *bisecter) run(ctx context.Context) (*BisectResult, error) {
	res := &BisectResult{Good: b.opts.Good, Bad: b.opts.Bad, Fixed: b.opts.Fixed}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		commit, err := gitOut(ctx, b.wt, "rev-parse", "HEAD")
		if err != nil {
			return nil, err
		}
		key := b.stepKey(commit)
		step, known := b.steps[key]
		if !known {
			if step, err = b.judge(ctx, commit); err != nil {
				return nil, err
			}
			step.Key, step.Time = key, time.Now().UTC().Format(time.RFC3339Nano)
			if err := appendJSONLine(b.journal, step); err != nil {
				return nil, err
			}
			b.steps[key] = step
		}
		res.Steps++
		res.BuildSeconds += float64(step.BuildMS) / 1000
		if step.Verdict == "skip" {
			res.Skips++
		}
		if step.Verdict == "good" && step.Runs > 1 {
			res.Confirmed++
		}
		term := map[string]string{"bad": b.newTerm, "good": b.oldTerm, "skip": "skip"}[step.Verdict]
		if b.opts.Fixed {
			// Fixed: the failure gone is new, there is old.
			term = map[string]string{"bad": b.oldTerm, "good": b.newTerm, "skip": "skip"}[step.Verdict]
		}
		fmt.Fprintf(b.r.log, "bisect: %s %s: %s%s\n", commit[:12], subjectOf(ctx, b.src, commit), term, reasonText(step.Reason))
		out, err := gitOut(ctx, b.wt, "bisect", term)
		// git says so with exit status 2 when only skipped commits are left.
		if err != nil && !strings.Contains(out, "only 'skip'ped commits left") {
			return nil, err
		}
		if m := firstCommit.FindStringSubmatch(out); m != nil {
			res.First = m[1]
			break
		}
		if strings.Contains(out, "only 'skip'ped commits left") {
			for _, l := range strings.Split(out, "\n") {
				if f := strings.Fields(l); len(f) > 0 && fullHash.MatchString(f[0]) {
					res.Candidates = append(res.Candidates, f[0])
				}
			}
			break
		}
	}
	_, _ = gitOut(ctx, b.wt, "bisect", "reset")
	b.describe(ctx, res)
	return res, nil
}

func reasonText(why string) string {
	if why == "" {
		return ""
	}
	return " (" + why + ")"
}

// subjectOf is a commit's subject line, for the log.
func subjectOf(ctx context.Context, dir, commit string) string {
	s, err := gitOut(ctx, dir, "show", "-s", "--format=%s", commit)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%q", s)
}

// describe fills in the first commit's subject, date and files, the
// line to paste, and how sure the result is.
func (b *bisecter) describe(ctx context.Context, res *BisectResult) {
	what := "bad"
	if res.Fixed {
		what = "fixed"
	}
	switch {
	case res.First != "":
		if out, err := gitOut(ctx, b.src, "show", "-s", "--format=%s%n%aI", res.First); err == nil {
			res.Subject, res.AuthorDate, _ = strings.Cut(out, "\n")
		}
		if out, err := gitOut(ctx, b.src, "show", "--format=", "--name-only", res.First); err == nil && out != "" {
			res.Files = strings.Split(out, "\n")
		}
		res.Line = fmt.Sprintf("first %s commit: %s (\"%s\")", what, res.First[:12], res.Subject)
	default:
		short := make([]string, len(res.Candidates))
		for i, c := range res.Candidates {
			short[i] = c[:min(12, len(c))]
		}
		res.Line = fmt.Sprintf("the first %s commit is one of %s: the others could not be judged", what, strings.Join(short, " "))
	}
	switch {
	case res.First == "":
		res.Sure = "not found: skipped commits hide it"
	case b.confirms > 1:
		rate := fmt.Sprintf("the bad config missed it in %.0f%% of its runs", 100*b.flakeRate)
		if b.flakeRate == 0 {
			rate = "the bad config never missed it; 10% assumed"
		}
		res.Sure = fmt.Sprintf("the failure is flaky (%s): each good commit was built and judged %d times without it, so a good verdict is wrong less than once in a thousand", rate, b.confirms)
	default:
		res.Sure = "every verdict is one build, judged as the campaign's tests"
	}
}

// stepKey is the digest of a commit and of the lines asked of it.
func (b *bisecter) stepKey(commit string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\ndrop=%v\n", commit, b.opts.DropMissing)
	for _, e := range b.lines {
		fmt.Fprintln(h, e.Line())
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// judge resolves base + the lines on commit's own Kconfig, builds it in
// the bisection's build dir (kept between steps: nearby commits rebuild
// little) and judges it.
func (b *bisecter) judge(ctx context.Context, commit string) (BisectStep, error) {
	step := BisectStep{Commit: commit}
	dir := b.r.wd.Path(bisectDir, "steps", commit[:12])
	resolveDir := b.r.wd.Path("build", "bisect.resolve")
	bdir := b.r.wd.Path("build", "bisect")
	if err := os.RemoveAll(dir); err != nil {
		return step, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return step, err
	}
	logf, err := os.Create(filepath.Join(dir, "resolve.log"))
	if err != nil {
		return step, err
	}
	defer logf.Close()
	b.r.phase("bisect " + commit[:12] + ": resolving")
	baseText, err := b.r.resolveBase(ctx, resolveDir, logf)
	if ctx.Err() != nil {
		return step, ctx.Err()
	}
	if err != nil {
		step.Verdict, step.Reason = "skip", "the base does not resolve: "+firstLineOf(err.Error())
		return step, nil
	}
	base, _, err := kconfig.ReadConfig(bytes.NewReader(baseText), "base.config")
	if err != nil {
		return step, err
	}
	// Options come and go between releases.
	var missing, kept []string
	var lines []kconfig.Entry
	for _, e := range b.lines {
		if defined, err := b.defines(ctx, e.Name); err == nil && !defined {
			missing = append(missing, e.Name)
			continue
		}
		lines = append(lines, e)
		kept = append(kept, e.Name)
	}
	if len(missing) > 0 && !b.opts.DropMissing {
		step.Verdict, step.Reason = "skip", "its Kconfig does not define "+strings.Join(missing, ", ")+" (--drop-missing builds it without them)"
		return step, nil
	}
	step.Dropped = missing
	req := base.Clone()
	for _, e := range lines {
		req.Set(e)
	}
	var input bytes.Buffer
	if err := req.Write(&input); err != nil {
		return step, err
	}
	text, err := b.make.Resolve(ctx, resolveDir, input.Bytes(), logf)
	if ctx.Err() != nil {
		return step, ctx.Err()
	}
	if err != nil {
		step.Verdict, step.Reason = "skip", "make olddefconfig failed: "+firstLineOf(err.Error())
		return step, nil
	}
	resolved, _, err := kconfig.ReadConfig(bytes.NewReader(text), "resolved.config")
	if err != nil {
		return step, err
	}
	if err := os.WriteFile(filepath.Join(dir, "resolved.config"), text, 0o644); err != nil {
		return step, err
	}
	var stuck []string
	for _, e := range lines {
		if literal(resolved, e.Name) != literal(req, e.Name) {
			stuck = append(stuck, fmt.Sprintf("%s resolved to %s", e.Line(), literal(resolved, e.Name)))
		}
	}
	if len(stuck) > 0 {
		step.Verdict, step.Reason = "skip", "did not stick: "+strings.Join(stuck, "; ")
		return step, nil
	}
	w := &worker{make: b.make, target: b.r.spec.Kernel.Target, checks: b.r.checks, resolveDir: resolveDir}
	runs := max(1, b.confirms)
	for run := 0; run < runs; run++ {
		f, err := w.run(ctx, job{dir: dir, config: text, build: bdir, recompile: append(b.r.relinked(), warnedObjects(b.r.badSig)...),
			phase: func(what string) { b.r.phase("bisect " + commit[:12] + ": " + what) }})
		if err != nil {
			return step, err
		}
		step.Runs++
		step.BuildMS += f.buildMS
		j := f.judgement.Against(b.r.match, b.r.badSig)
		switch j.Verdict {
		case oracle.Reproduces:
			step.Verdict, step.Reason = "bad", ""
			return step, nil
		case oracle.Gone:
			if f.failed {
				// A build that fails otherwise hides the failure looked for.
				step.Verdict, step.Reason = "skip", "the build failed for another reason: "+j.Reason
				return step, nil
			}
			step.Verdict, step.Reason = "good", j.Reason
		default:
			step.Verdict, step.Reason = "skip", j.Reason
			return step, nil
		}
	}
	return step, nil
}

// defines says whether the worktree's Kconfig files define an option:
// git grep on the checked-out commit, milliseconds.
func (b *bisecter) defines(ctx context.Context, name string) (bool, error) {
	var out bytes.Buffer
	code, err := build.Run(ctx, build.Cmd{Argv: []string{"git", "-C", b.wt, "grep", "-q", "-E", `^\s*(menu)?config\s+` + regexp.QuoteMeta(name) + `\s*$`, "--", "*Kconfig*"},
		Stdout: &out, Stderr: &out, Timeout: time.Minute})
	switch {
	case err != nil:
		return false, err
	case code == 0:
		return true, nil
	case code == 1:
		return false, nil
	}
	return false, fmt.Errorf("git grep: exit status %d: %s", code, firstLineOf(out.String()))
}

// readBisectJournal reads the steps judged so far, by key; a torn last
// line is no step.
func readBisectJournal(path string) (map[string]BisectStep, error) {
	out := map[string]BisectStep{}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var st BisectStep
		if json.Unmarshal(sc.Bytes(), &st) == nil && st.Key != "" && slices.Contains([]string{"good", "bad", "skip"}, st.Verdict) {
			out[st.Key] = st
		}
	}
	return out, sc.Err()
}
