package campaign

import (
	"bufio"
	"encoding/json"
	"fmt"
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

// maxFailureLines bounds the warnings the report quotes.
const maxFailureLines = 20

// finish writes the report of a search that ended.
func (r *runner) finish(final Final, res minimize.Result) (*Summary, error) {
	in := r.reportInput(final, res)
	dir := r.wd.Path(resultDir)
	out, err := report.Write(dir, in)
	if err != nil {
		return nil, err
	}
	text, err := os.ReadFile(filepath.Join(dir, "report.txt"))
	if err != nil {
		return nil, err
	}
	r.status.Phase, r.status.EstimatedLeft = "done", 0
	r.finished = true
	r.notify()
	sum := &Summary{Workdir: r.wd.Dir, ResultDir: dir, Report: string(text), Result: out,
		Verified: final.Verified, OneMinimal: final.OneMinimal}
	if !final.Verified && final.Clean == "gone" {
		return sum, fmt.Errorf("%w: the base with the %d options the search kept reproduced the failure in incremental builds, but not in a clean build (%s); see %s",
			ErrNoResult, len(in.Culprits), r.wd.CleanDir(), filepath.Join(dir, "report.txt"))
	}
	if !final.Verified {
		return sum, fmt.Errorf("%w: the search ended, but the base with the %d options it kept did not reproduce the failure when tested again; see %s",
			ErrNoResult, len(in.Culprits), filepath.Join(dir, "report.txt"))
	}
	return sum, nil
}

// reportInput gathers what the report says.
func (r *runner) reportInput(final Final, res minimize.Result) *report.Input {
	s := r.spec
	in := &report.Input{
		Arch: s.Kernel.Arch, SrcArch: build.SrcArch(s.Kernel.Arch), MakeVars: s.Kernel.MakeVars, Target: s.Kernel.Target,
		Base:       report.Base{Targets: s.Config.BaseTargets, File: s.Config.BaseFile},
		Signature:  r.badSig,
		Verified:   final.Verified,
		OneMinimal: final.OneMinimal,
		CleanBuild: final.Clean,
		Taken: func(name string) bool {
			for _, d := range []string{"kernel/configs", filepath.Join("arch", build.SrcArch(s.Kernel.Arch), "configs")} {
				if _, err := os.Stat(filepath.Join(s.Kernel.Source, d, name)); err == nil {
					return true
				}
			}
			return false
		},
	}
	for _, f := range s.Config.BaseFragments {
		frag, _, err := kconfig.ReadConfigFile(f)
		if err != nil {
			continue
		}
		named := report.Named{Name: filepath.Base(f)}
		for _, e := range frag.Entries() {
			named.Lines = append(named.Lines, e.Line())
		}
		in.Base.Fragments = append(in.Base.Fragments, named)
	}
	// report.txt names no path of this machine: the tree, the workdir,
	// the build dirs (here and on Slurm's nodes), the home dir, each as
	// given and as the kernel's Makefile names it, symlinks resolved.
	both := func(dirs ...string) []string {
		var out []string
		for _, d := range dirs {
			out = append(out, d)
			if resolved, err := filepath.EvalSymlinks(d); err == nil && resolved != filepath.Clean(d) {
				out = append(out, resolved)
			}
		}
		return out
	}
	in.Local = report.Local{
		Source:    both(s.Kernel.Source),
		BuildDirs: both(r.wd.Path("build")),
		Work:      both(r.wd.Dir),
	}
	for i, d := range in.Local.BuildDirs {
		in.Local.BuildDirs[i] = filepath.Join(d, "*")
	}
	if s.Slurm != nil && s.Slurm.BuildDir != "" {
		in.Local.BuildDirs = append(in.Local.BuildDirs, filepath.Join(s.Slurm.BuildDir, strings.TrimSuffix(jobPrefix(r.wd.Dir), "-"), "*"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		in.Local.Home = both(home)
	}
	in.Culprits = r.culpritsOf(final.Lines)
	for i, e := range explain(r.know, r.base, final.Lines) {
		in.Culprits[i].Effects = e
	}
	in.Failure = r.failureLines(in.Local)
	in.Functions = r.functionsNamed()
	in.Versions = r.versions
	in.Matrix = r.matrixRows
	if data, err := os.ReadFile(r.wd.Path(bisectDir, "result.json")); err == nil {
		var b report.Bisect
		if json.Unmarshal(data, &b) == nil && b.Line != "" {
			in.Bisect = &b
		}
	}
	if bad, ok := r.badRecord(); ok {
		in.Details = bad.Notes
	}
	in.Stats = r.stats()
	// The bad config's misses are flakes too: it reproduced.
	in.Stats.Gone = res.Gone + final.Gone + in.Stats.BadGone
	in.Stats.FalseGone = res.FalseGone + final.FalseGone + in.Stats.BadGone
	in.Stats.Algorithm = s.Search.Algorithm
	return in
}

// signatureFunction is the function a fact of a signature leads with, as
// objtool's warnings give it once normalized: "log: do_syscall_64: call
// to lockdep_hardirqs_off() leaves .noinstr.text section" (also
// "foo.cold", "bar.constprop.0").
var signatureFunction = regexp.MustCompile(`^log: ([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*): `)

// functionsNamed finds the source files that define the functions the
// bad config's signature names, from the objects of the result's clean
// build (their symbol tables and kbuild's .cmd files); nil when there is
// none on this machine. A leading word that no object defines as code
// ("BUG: ...") is no function.
func (r *runner) functionsNamed() []report.Function {
	var names []string
	for _, f := range r.badSig {
		if m := signatureFunction.FindStringSubmatch(f); m != nil && !slices.Contains(names, m[1]) {
			names = append(names, m[1])
		}
	}
	if len(names) == 0 {
		return nil
	}
	objs, err := build.ReadObjects(r.wd.CleanDir(), nil)
	if err != nil {
		return nil
	}
	defined := oracle.DefinedIn(objs, names)
	var out []report.Function
	for _, n := range names {
		if files := defined[n]; len(files) > 0 {
			out = append(out, report.Function{Name: n, Files: files})
		}
	}
	return out
}

// culpritsOf gives each line of the result the other lines it depends
// on: those of the candidates its own candidate needs, and the first line
// of its candidate, whose symbols change together.
func (r *runner) culpritsOf(lines []Line) []report.Option {
	kept := map[string]bool{}
	for _, l := range lines {
		kept[l.Name] = true
	}
	cand := map[string]int{}
	for i, c := range r.cands.List {
		for _, o := range c.Options {
			cand[o.Name] = i
		}
	}
	var out []report.Option
	for _, l := range lines {
		c := r.cands.List[cand[l.Name]]
		var deps []string
		for _, o := range c.Options {
			if o.Name == l.Name {
				break
			}
			if kept[o.Name] {
				deps = append(deps, o.Name)
				break
			}
		}
		for _, d := range c.Deps {
			for _, o := range r.cands.List[d].Options {
				if kept[o.Name] {
					deps = append(deps, o.Name)
					break
				}
			}
		}
		out = append(out, report.Option{Name: l.Name, Line: l.Line(), DefinedIn: l.DefinedIn, DependsOn: deps, NeededFor: l.NeededFor})
	}
	return out
}

// stats sums the journal up. Tests are the oracle's judgements; cache
// hits are the questions answered by an earlier test, repeated ones
// included, counted the same way however often the campaign resumed.
func (r *runner) stats() report.Stats {
	st := report.Stats{Candidates: len(r.cands.List), CacheHits: r.hits, Workers: r.count}
	var (
		ms     int64
		spans  []span
		builds []time.Duration
	)
	for _, rec := range r.bySubset {
		if rec.Hit {
			continue
		}
		if rec.Verdict != "" {
			st.Tests++
		}
		if rec.Built {
			st.Builds++
		}
		if rec.Outcome == "unresolved" && !(rec.Role == roleLine && len(rec.NotStuck) > 0) {
			// A line whose removal makes another not stick is answered:
			// it is needed.
			st.Unresolved++
		}
		if rec.Predicted != "" && rec.Hash != "" && rec.Predicted != rec.Hash {
			st.Disagreements++
		}
		if rec.Role == "bad" && (rec.Outcome == "gone" || rec.Outcome == "reproduces") {
			st.BadRuns++
			if rec.Outcome == "gone" {
				st.BadGone++
			}
		}
		st.PeakRSS = max(st.PeakRSS, rec.PeakRSS)
		if rec.Built {
			builds = append(builds, time.Duration(rec.BuildMS)*time.Millisecond)
		}
		if rb := rec.Rebuild; rb != nil && rb.Objects > 0 {
			st.Rebuilds++
			if rb.Compiled*10 < rb.Objects {
				st.SmallRebuilds++
			}
		}
		took := time.Duration(rec.ResolveMS+rec.BuildMS+rec.JudgeMS) * time.Millisecond
		ms += took.Milliseconds()
		if end, err := time.Parse(time.RFC3339Nano, rec.Time); err == nil {
			spans = append(spans, span{end.Add(-took), end})
		} else {
			spans = append(spans, span{}) // no time: counted alone
		}
	}
	st.TestTime = time.Duration(ms) * time.Millisecond
	st.Elapsed = wallTime(spans, st.TestTime)
	if len(builds) > 0 {
		slices.Sort(builds)
		for _, b := range builds {
			st.BuildTime += b
		}
		st.BuildMedian, st.BuildLargest = builds[len(builds)/2], builds[len(builds)-1]
	}
	if r.dirs != nil {
		st.BuildDirs, st.DiskUsed = r.dirs.measure()
	}
	return st
}

// A span is when a test ran.
type span struct{ from, to time.Time }

// wallTime is the time during which at least one test ran: tests that ran
// at once count once. A test without its time counts its whole length;
// sum is what all of them took one after another.
func wallTime(spans []span, sum time.Duration) time.Duration {
	var timed []span
	var untimed time.Duration
	for _, s := range spans {
		if s.to.IsZero() {
			untimed = -1
			continue
		}
		timed = append(timed, s)
	}
	if untimed < 0 {
		// Records from before tests ran at once: one after another.
		return sum
	}
	slices.SortFunc(timed, func(a, b span) int { return a.from.Compare(b.from) })
	var total time.Duration
	var cur span
	for i, s := range timed {
		switch {
		case i == 0:
			cur = s
		case s.from.After(cur.to):
			total += cur.to.Sub(cur.from)
			cur = s
		case s.to.After(cur.to):
			cur.to = s.to
		}
	}
	if len(timed) > 0 {
		total += cur.to.Sub(cur.from)
	}
	return total
}

// failureLines are the warnings of the bad build that the log patterns
// matched, as the log has them less the local paths (report.Local.Clean),
// each once; without patterns, the signature.
func (r *runner) failureLines(local report.Local) []string {
	bad, ok := r.badRecord()
	if !ok {
		return r.badSig
	}
	pats := r.spec.Oracle.LogPatterns
	f, err := os.Open(filepath.Join(r.wd.TestDir(bad.Test), "build.log"))
	if len(pats) == 0 || err != nil {
		return r.badSig
	}
	defer f.Close()
	var lines []string
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() && len(lines) < maxFailureLines {
		line := strings.TrimSpace(sc.Text())
		for _, re := range pats {
			if !re.MatchString(line) {
				continue
			}
			// The same warning with two build dirs' prefixes is one.
			if clean, ok := local.Clean(line); ok && !seen[clean] {
				seen[clean] = true
				lines = append(lines, clean)
			}
			break
		}
	}
	if len(lines) == 0 {
		return r.badSig
	}
	// The other checks' facts (a boot's hang location) follow the log's.
	for _, f := range r.badSig {
		if !strings.HasPrefix(f, "log: ") {
			lines = append(lines, f)
		}
	}
	return lines
}

// badRecord is the run of the bad config whose failure the report
// shows: the first that reproduced.
func (r *runner) badRecord() (Record, bool) {
	return r.badRec, r.badRec.Test != 0 && !r.badRec.Hit
}
