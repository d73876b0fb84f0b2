package oracle

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/kcmin/kcmin/build"
)

// What a BuildStatus wants of the build for the failure to count.
const (
	WantSucceed = "succeed"
	WantFail    = "fail"
	WantAny     = "any"
)

// BuildWants are what a BuildStatus may want.
func BuildWants() []string { return []string{WantSucceed, WantFail, WantAny} }

// BuildStatus judges how the build ended. With Want "succeed" the build
// is a precondition: a build that fails hides whatever the campaign looks
// for, so the test is Unresolved, never Gone. With "fail" the failure is
// the build failing, and its facts are the normalised error lines
// ("ld.lld: error: undefined symbol: foo"). With "any" it only requires
// that make finished. A timed-out build is always Unresolved.
type BuildStatus struct {
	Want string // WantSucceed, WantFail or WantAny; "" is WantSucceed
}

// Name is "build".
func (BuildStatus) Name() string { return "build" }

// noteLines is how many of a failed build's last error lines go into the
// notes.
const noteLines = 10

var (
	errorLine  = regexp.MustCompile(`(?i)\berror\b:`)
	makeErrors = regexp.MustCompile(`^make(\[\d+\])?: \*\*\*`)
)

// Validate reports a Want that is none of the three.
func (c BuildStatus) Validate() error {
	if c.Want == "" || slices.Contains(BuildWants(), c.Want) {
		return nil
	}
	return fmt.Errorf("build: %q is not succeed, fail or any", c.Want)
}

// Check reads a's exit status and, when it failed, its log.
func (c BuildStatus) Check(ctx context.Context, a *build.Artifact, testDir string) (Finding, error) {
	if err := c.Validate(); err != nil {
		return Finding{}, err
	}
	want := c.Want
	if want == "" {
		want = WantSucceed
	}
	if a == nil {
		return Finding{}, errors.New("no build to judge")
	}
	if a.TimedOut {
		return Finding{Unresolved: fmt.Sprintf("the build timed out after %v", a.Duration.Round(time.Second)),
			Notes: []string{"log: " + a.Log}}, nil
	}
	if a.ExitCode < 0 {
		return Finding{Unresolved: "make did not finish", Notes: []string{"log: " + a.Log}}, nil
	}
	if a.OK() {
		return Finding{Present: want != WantFail}, nil
	}

	errs, tail, err := buildErrors(a)
	if err != nil {
		return Finding{}, err
	}
	switch want {
	case WantSucceed:
		last := errs
		if len(last) == 0 {
			last = tail
		}
		if len(last) > noteLines {
			last = last[len(last)-noteLines:]
		}
		notes := append([]string{"log: " + a.Log}, last...)
		return Finding{Unresolved: fmt.Sprintf("the build failed (make exit status %d)", a.ExitCode),
			Notes: notes}, nil
	case WantFail:
		facts := make([]string, 0, len(errs))
		for _, l := range errs {
			facts = append(facts, Normalize(l, a.Dir, a.Source))
		}
		if len(facts) == 0 {
			facts = []string{fmt.Sprintf("make exit status %d", a.ExitCode)}
		}
		return Finding{Present: true, Facts: sortedSet(facts), Notes: []string{"log: " + a.Log}}, nil
	}
	return Finding{Present: true}, nil
}

// FirstError is the first error line of a failed build's log (else its
// last line), its paths relative to the build dir and the tree as
// Normalize writes them; "" when the log has none.
func FirstError(a *build.Artifact) string {
	errs, tail, err := buildErrors(a)
	switch {
	case err != nil:
		return ""
	case len(errs) > 0:
		return Normalize(errs[0], a.Dir, a.Source)
	case len(tail) > 0:
		return Normalize(tail[len(tail)-1], a.Dir, a.Source)
	}
	return ""
}

// buildErrors returns the error lines of a's log, in order, and the log's
// last lines for when there are none. Make's own "***" lines repeat the
// real errors and are left out.
func buildErrors(a *build.Artifact) (errs, tail []string, err error) {
	if a.Log == "" {
		return nil, nil, nil
	}
	err = eachLine(a.Log, func(line string) {
		if strings.TrimSpace(line) == "" {
			return
		}
		if tail = append(tail, line); len(tail) > noteLines {
			tail = tail[1:]
		}
		if errorLine.MatchString(line) && !makeErrors.MatchString(line) {
			errs = append(errs, line)
		}
	})
	return errs, tail, err
}

// diagnostic is a compiler's, linker's or objtool's warning or error.
var diagnostic = regexp.MustCompile(`(?i)\b(?:warning|error)\b:`)

// NewDiagnostics are the warning and error lines of a's build log that
// the log of than, another build of the same config, does not hold once
// normalized (paths, line numbers, offsets), each once, in a's order, as
// a printed them: what a build with another toolchain said that the
// campaign's own did not. objtool that cannot read a vmlinux.o made by
// another linker says so in such a line, and then checks nothing.
func NewDiagnostics(a, than *build.Artifact) ([]string, error) {
	old := map[string]bool{}
	err := eachLine(than.Log, func(line string) {
		if diagnostic.MatchString(line) {
			old[Normalize(line, than.Dir, than.Source)] = true
		}
	})
	if err != nil {
		return nil, err
	}
	var out []string
	err = eachLine(a.Log, func(line string) {
		if !diagnostic.MatchString(line) || makeErrors.MatchString(line) {
			return
		}
		if n := Normalize(line, a.Dir, a.Source); !old[n] {
			old[n] = true
			out = append(out, line)
		}
	})
	return out, err
}
