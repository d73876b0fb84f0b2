package campaign

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kcmin/kcmin/build"
	"github.com/kcmin/kcmin/kconfig"
	"github.com/kcmin/kcmin/minimize"
	"github.com/kcmin/kcmin/report"
)

// maxFailureLines bounds the warnings the report quotes.
const maxFailureLines = 20

// finish writes the report of a search that ended.
func (r *runner) finish(res minimize.Result) (*Summary, error) {
	in := r.reportInput(res)
	dir := r.wd.Path(resultDir)
	out, err := report.Write(dir, in)
	if err != nil {
		return nil, err
	}
	text, err := os.ReadFile(filepath.Join(dir, "report.txt"))
	if err != nil {
		return nil, err
	}
	r.status.Phase = "done"
	r.notify()
	sum := &Summary{Workdir: r.wd.Dir, ResultDir: dir, Report: string(text), Result: out,
		Verified: res.Verified, OneMinimal: res.OneMinimal}
	if !res.Verified {
		return sum, fmt.Errorf("%w: the search ended, but the base with the %d options it kept did not reproduce the failure when tested again; see %s",
			ErrNoResult, len(in.Culprits), filepath.Join(dir, "report.txt"))
	}
	return sum, nil
}

// reportInput gathers what the report says.
func (r *runner) reportInput(res minimize.Result) *report.Input {
	s := r.spec
	in := &report.Input{
		Arch: s.Kernel.Arch, SrcArch: build.SrcArch(s.Kernel.Arch), MakeVars: s.Kernel.MakeVars, Target: s.Kernel.Target,
		Base:       report.Base{Targets: s.Config.BaseTargets, File: s.Config.BaseFile},
		Signature:  r.badSig,
		Verified:   res.Verified,
		OneMinimal: res.OneMinimal,
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
	culprit := map[int]bool{}
	for _, c := range res.Culprits {
		culprit[c] = true
	}
	for _, c := range res.Culprits {
		cand := r.cands.List[c]
		var deps []string
		for _, d := range cand.Deps {
			if culprit[d] {
				deps = append(deps, r.cands.List[d].Options[0].Name)
			}
		}
		for i, o := range cand.Options {
			od := deps
			if i > 0 {
				// The symbols of one candidate change together.
				od = append([]string{cand.Options[0].Name}, deps...)
			}
			in.Culprits = append(in.Culprits, report.Option{Name: o.Name, Line: o.Line(), DefinedIn: o.DefinedIn, DependsOn: od})
		}
	}
	in.Failure = r.failureLines()
	in.Versions = r.versions
	if bad, ok := r.badRecord(); ok {
		in.Details = bad.Notes
	}
	in.Stats = r.stats()
	in.Stats.Algorithm = s.Search.Algorithm
	return in
}

// stats sums the journal up. Tests are the oracle's judgements; cache
// hits are the questions answered by an earlier test, repeated ones
// included, counted the same way however often the campaign resumed.
func (r *runner) stats() report.Stats {
	st := report.Stats{Candidates: len(r.cands.List), CacheHits: r.hits}
	var ms int64
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
		if rec.Outcome == "unresolved" {
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
		ms += rec.ResolveMS + rec.BuildMS + rec.JudgeMS
	}
	st.Elapsed = time.Duration(ms) * time.Millisecond
	return st
}

// failureLines are the warnings of the bad build that the log patterns
// matched, as the log has them; without patterns, the signature.
func (r *runner) failureLines() []string {
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
		if seen[line] {
			continue
		}
		for _, re := range pats {
			if re.MatchString(line) {
				seen[line] = true
				lines = append(lines, line)
				break
			}
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

func (r *runner) badRecord() (Record, bool) {
	all := make([]int, len(r.cands.List))
	for i := range all {
		all[i] = i
	}
	rec, ok := r.bySubset[subsetKey(r.cands.Names(all), 0)]
	return rec, ok && !rec.Hit
}
