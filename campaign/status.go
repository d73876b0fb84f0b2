package campaign

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kcmin/kcmin/report"
)

// LoadWorkdir reads the campaign a workdir runs, from its own copy: the
// config files the campaign named need not exist any more.
func LoadWorkdir(dir string) (*Spec, error) {
	p := filepath.Join(dir, campaignFile)
	if _, err := os.Stat(p); err != nil {
		return nil, inputError(fmt.Errorf("%s is not a kcmin workdir (no %s)", dir, campaignFile))
	}
	s, err := load(p, false)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, inputError(err)
	}
	s.Workdir = abs
	return s, nil
}

// Report writes a finished campaign's result/ again from its journal,
// building nothing.
func Report(ctx context.Context, dir string, opts Options) (*Summary, error) {
	s, err := LoadWorkdir(dir)
	if err != nil {
		return nil, err
	}
	opts.Workdir = s.Workdir
	opts.replayOnly = true
	return Run(ctx, s, opts)
}

// Matrix builds a finished campaign's result with each of its
// [[matrix]] toolchains that has no row yet, and writes result/ again
// with their rows. The campaign's tests come from its journal.
func Matrix(ctx context.Context, dir string, opts Options) (*Summary, error) {
	s, err := LoadWorkdir(dir)
	if err != nil {
		return nil, err
	}
	if len(s.Matrix) == 0 {
		return nil, inputError(fmt.Errorf("%s: the campaign lists no toolchains: add [[matrix]] entries to its campaign file and run kcmin run again", dir))
	}
	opts.Workdir = s.Workdir
	opts.replayOnly, opts.BuildMatrix = true, true
	return Run(ctx, s, opts)
}

// WriteStatus prints what a workdir's campaign has done and what is left.
// It reads the workdir without locking it, so it works while a campaign
// runs there. The journal is the ground truth, as for kcmin report: a
// result/ that the journal does not back is no result, and a corrupt
// journal line is named, with what the lines before it say.
func WriteStatus(w io.Writer, dir string) error {
	s, err := LoadWorkdir(dir)
	if err != nil {
		return err
	}
	recs, err := ReadJournal(filepath.Join(s.Workdir, journalFile))
	var corrupt *CorruptJournalError
	if err != nil && !errors.As(err, &corrupt) {
		return err
	}
	var cands Candidates
	if data, err := os.ReadFile(filepath.Join(s.Workdir, candidatesFile)); err == nil {
		if err := json.Unmarshal(data, &cands); err != nil {
			return fmt.Errorf("read %s: %w", filepath.Join(s.Workdir, candidatesFile), err)
		}
	}
	var prog progressRecord
	haveProgress := false
	if data, err := os.ReadFile(filepath.Join(s.Workdir, progressFile)); err == nil && json.Unmarshal(data, &prog) == nil {
		haveProgress = true
	}

	var tests, builds, unresolved, hits int
	var ms int64
	var last time.Time
	for _, r := range recs {
		if r.Hit {
			hits++
			continue
		}
		if r.Verdict != "" {
			tests++
		}
		if r.Built {
			builds++
		}
		if r.Outcome == "unresolved" {
			unresolved++
		}
		ms += r.ResolveMS + r.BuildMS + r.JudgeMS
		if t, err := time.Parse(time.RFC3339, r.Time); err == nil && t.After(last) {
			last = t
		}
	}

	fmt.Fprintf(w, "campaign  %s\n", s.Workdir)
	base := strings.Join(s.Config.BaseTargets, " ")
	if s.Config.BaseFile != "" {
		base = s.Config.BaseFile
	}
	fmt.Fprintf(w, "kernel    %s (ARCH=%s %s)\n", s.Kernel.Source, s.Kernel.Arch, strings.Join(s.Kernel.BuildVars(), " "))
	fmt.Fprintf(w, "base      %s\n", base)
	pid := LockedBy(s.Workdir)
	state := "stopped; kcmin run resumes it"
	if pid != 0 {
		state = fmt.Sprintf("running (pid %d)", pid)
	}
	// A result counts when the journal backs it: the same tests, as
	// kcmin report would find replaying it.
	var res *report.Result
	stale := ""
	if data, err := os.ReadFile(filepath.Join(s.Workdir, resultDir, "result.json")); err == nil {
		var r report.Result
		switch {
		case json.Unmarshal(data, &r) != nil:
		case r.Tests != tests || corrupt != nil:
			stale = fmt.Sprintf("%s is not backed by the journal (it counts %d tests, the journal %d); it is no result",
				filepath.Join(s.Workdir, resultDir), r.Tests, tests)
		default:
			res = &r
			if pid == 0 {
				state = "finished"
				if !r.Verified {
					state = "finished, NOT verified"
				}
			}
		}
	}
	if len(recs) == 0 && len(cands.List) == 0 && pid == 0 {
		state = "not started"
	}
	for _, r := range recs {
		if (r.Role == "bad" && r.Outcome != "reproduces") || (r.Role == "base" && r.Outcome != "gone") {
			state = fmt.Sprintf("stopped at test %d: the %s config %s (%s)", r.Test, r.Role, r.Outcome, r.Reason)
		}
	}
	fmt.Fprintf(w, "state     %s\n", state)
	if corrupt != nil {
		fmt.Fprintf(w, "journal   %v\n", corrupt)
	}
	if pid == 0 {
		wd := &Workdir{Dir: s.Workdir}
		if left := wd.leftovers(); len(left) > 0 {
			fmt.Fprintf(w, "leftover  %d make processes of a kcmin that did not stop them still run in %s (pids %s); kcmin run stops them\n",
				len(left), wd.Path("build"), joinInts(left))
		}
	}

	fmt.Fprintf(w, "tests     %d judged, %d builds, %d unresolved, %d answered from the cache; %v spent\n",
		tests, builds, unresolved, hits, (time.Duration(ms) * time.Millisecond).Round(time.Second))
	if !last.IsZero() {
		fmt.Fprintf(w, "last      %s (%v ago)\n", last.Local().Format("2006-01-02 15:04:05"), time.Since(last).Round(time.Second))
	}
	if len(cands.List) > 0 {
		line := fmt.Sprintf("search    %d candidates", len(cands.List))
		switch {
		case res != nil:
		case haveProgress && prog.Searching:
			line += fmt.Sprintf(", %d undecided, %d culprits found", prog.Undecided, prog.Culprits)
			if prog.EstimatedLeft > 0 {
				line += fmt.Sprintf(", about %d tests left", prog.EstimatedLeft)
				if prog.TimeLeft > 0 {
					line += " (~" + shortDuration(prog.TimeLeft) + ")"
				}
			}
		default:
			line += "; the search begins once the bad and the base config are judged"
		}
		if haveProgress && res == nil && pid != 0 {
			var now []string
			for _, w := range prog.busy() {
				what := fmt.Sprintf("%s (%v)", w.WorkerStatus, time.Since(w.Since).Round(time.Second))
				if len(prog.Workers) > 1 {
					what = fmt.Sprintf("w%d %s", w.n, what)
				}
				now = append(now, what)
			}
			if len(now) == 0 && prog.Phase != "" {
				now = append(now, fmt.Sprintf("%s (%v)", prog.Phase, time.Since(prog.Since).Round(time.Second)))
			}
			if len(now) > 0 {
				line += "; now " + strings.Join(now, ", ")
			}
		}
		fmt.Fprintln(w, line)
	}
	if stale != "" {
		fmt.Fprintf(w, "result    %s\n", stale)
	}
	if res != nil {
		fmt.Fprintf(w, "result    %s: %d options, verified %v, 1-minimal %v\n", filepath.Join(s.Workdir, resultDir), len(res.Minimal), res.Verified, res.OneMinimal)
		for _, l := range res.Minimal {
			fmt.Fprintf(w, "          %s\n", l)
		}
		return nil
	}
	if best := bestSoFar(recs, cands); best != nil {
		fmt.Fprintf(w, "best      the smallest config that reproduced so far (test %d): %d options\n", best.Test, best.options)
		for _, l := range best.lines {
			fmt.Fprintf(w, "          %s\n", l)
		}
	}
	return nil
}

// joinInts is "1, 2, 3".
func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}

type best struct {
	Test    int
	options int
	lines   []string // the first of them
}

// bestSoFar is the smallest subset that reproduced, its lines in menu
// order.
func bestSoFar(recs []Record, cands Candidates) *best {
	var pick *Record
	for i := range recs {
		r := &recs[i]
		if r.Outcome != "reproduces" {
			continue
		}
		if pick == nil || len(r.Subset) < len(pick.Subset) {
			pick = r
		}
	}
	if pick == nil {
		return nil
	}
	byName := map[string]Candidate{}
	for _, c := range cands.List {
		byName[c.Name()] = c
	}
	b := &best{Test: pick.Test}
	for _, name := range pick.Subset {
		for _, o := range byName[name].Options {
			b.lines = append(b.lines, o.Line())
		}
	}
	b.options = len(b.lines)
	if b.options > 12 {
		b.lines = append(b.lines[:10], fmt.Sprintf("... and %d more", b.options-10))
	}
	return b
}
