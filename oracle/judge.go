package oracle

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kcmin/kcmin/build"
)

// Verdict is the oracle's answer for one test. The zero value is
// Unresolved, which the search never takes as evidence.
type Verdict uint8

const (
	// Unresolved: the test says nothing (the build failed for another
	// reason, a check could not judge).
	Unresolved Verdict = iota
	// Reproduces: the failure is present.
	Reproduces
	// Gone: the failure is absent.
	Gone
)

var verdictNames = [...]string{Unresolved: "unresolved", Reproduces: "reproduces", Gone: "gone"}

func (v Verdict) String() string {
	if int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return fmt.Sprintf("verdict(%d)", uint8(v))
}

// MarshalText writes the verdict's name, for the journal.
func (v Verdict) MarshalText() ([]byte, error) {
	if int(v) >= len(verdictNames) {
		return nil, fmt.Errorf("invalid verdict %d", uint8(v))
	}
	return []byte(verdictNames[v]), nil
}

// UnmarshalText reads a name MarshalText wrote.
func (v *Verdict) UnmarshalText(text []byte) error {
	for i, name := range verdictNames {
		if string(text) == name {
			*v = Verdict(i)
			return nil
		}
	}
	return fmt.Errorf("unknown verdict %q (want unresolved, reproduces or gone)", text)
}

// Judgement is what the checks together say of one artifact.
type Judgement struct {
	Verdict Verdict
	// Signature is the sorted union of the checks' facts, each as
	// "check: fact".
	Signature []string
	// Reason says in one line why the verdict is what it is.
	Reason string
	// Notes are the checks' notes, each as "check: note".
	Notes []string
}

// Judge runs checks on a in order. The failure is present when every
// check sees it. The first check that cannot judge makes the judgement
// Unresolved, and the first that does not see the failure makes it Gone;
// either way the later checks do not run, so put the cheap and the
// preconditions (the build status) first. An error is a fault that
// leaves nothing to record, such as ctx being done.
func Judge(ctx context.Context, checks []Check, a *build.Artifact, testDir string) (Judgement, error) {
	if len(checks) == 0 {
		return Judgement{}, errors.New("judge: the oracle has no checks")
	}
	var j Judgement
	var names []string
	for _, c := range checks {
		if err := ctx.Err(); err != nil {
			return Judgement{}, err
		}
		name := c.Name()
		f, err := c.Check(ctx, a, testDir)
		if err != nil {
			return Judgement{}, fmt.Errorf("check %s: %w", name, err)
		}
		for _, n := range f.Notes {
			j.Notes = append(j.Notes, name+": "+n)
		}
		if f.Unresolved != "" {
			j.Verdict, j.Reason = Unresolved, name+": "+f.Unresolved
			j.Signature = nil
			return j, nil
		}
		for _, fact := range f.Facts {
			j.Signature = append(j.Signature, name+": "+fact)
		}
		if !f.Present {
			j.Verdict, j.Reason = Gone, name+": the failure is not there"
			j.Signature = sortedSet(j.Signature)
			return j, nil
		}
		names = append(names, name)
	}
	j.Verdict = Reproduces
	j.Reason = "the failure is there: " + strings.Join(names, ", ")
	j.Signature = sortedSet(j.Signature)
	return j, nil
}

// MatchMode says how much of the bad config's signature a test must show
// to reproduce the same failure.
type MatchMode string

const (
	MatchAll MatchMode = "all" // every fact of the bad config's signature
	MatchAny MatchMode = "any" // at least one of them
)

// MatchModes are the modes a campaign may set.
func MatchModes() []MatchMode { return []MatchMode{MatchAll, MatchAny} }

// ParseMatchMode checks a campaign's match setting; "" means all.
func ParseMatchMode(s string) (MatchMode, error) {
	switch MatchMode(s) {
	case "", MatchAll:
		return MatchAll, nil
	case MatchAny:
		return MatchAny, nil
	}
	return "", fmt.Errorf("match %q: want \"all\" or \"any\"", s)
}

// Match says whether got shows the failure whose signature is bad. An
// empty bad signature constrains nothing and matches in both modes; an
// unknown mode matches nothing.
func Match(mode MatchMode, bad, got []string) bool {
	if len(bad) == 0 {
		return mode == MatchAll || mode == MatchAny || mode == ""
	}
	have := make(map[string]bool, len(got))
	for _, f := range got {
		have[f] = true
	}
	switch mode {
	case MatchAll, "":
		for _, f := range bad {
			if !have[f] {
				return false
			}
		}
		return true
	case MatchAny:
		for _, f := range bad {
			if have[f] {
				return true
			}
		}
	}
	return false
}

// Against compares j with the bad config's signature: a failure whose
// signature does not match is another failure, so the one the campaign
// hunts is Gone. Other verdicts are returned as they are.
func (j Judgement) Against(mode MatchMode, bad []string) Judgement {
	if j.Verdict != Reproduces || Match(mode, bad, j.Signature) {
		return j
	}
	have := make(map[string]bool, len(j.Signature))
	for _, f := range j.Signature {
		have[f] = true
	}
	var missing []string
	for _, f := range bad {
		if !have[f] {
			missing = append(missing, f)
		}
	}
	j.Verdict = Gone
	j.Reason = fmt.Sprintf("a different failure: %d of the bad config's %d facts are missing", len(missing), len(bad))
	if len(missing) > 0 {
		j.Reason += ", first " + missing[0]
	}
	return j
}

// sortedSet is l sorted without duplicates, in a new slice: callers pass
// lists they keep using (a finding's facts, a map's values).
func sortedSet(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	out := slices.Clone(l)
	slices.Sort(out)
	return slices.Compact(out)
}
