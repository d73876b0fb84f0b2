// Package oracle judges a built kernel: whether the build did what the
// campaign expects, which warnings its log holds, what its ELF files say,
// how it boots under QEMU, and what a user's command answers. Each check
// yields a finding with a signature, so a search cannot slip onto a
// different failure.
package oracle

import (
	"context"
	"errors"

	"github.com/kcmin/kcmin/build"
)

// Finding is one check's judgement of one artifact.
type Finding struct {
	// Present says the failure this check looks for is there.
	Present bool
	// Unresolved, when not empty, says why the check could not judge;
	// Present is then meaningless.
	Unresolved string
	// Facts are the normalised facts behind the judgement, sorted: the
	// check's part of the signature.
	Facts []string
	// Notes are details for a person (last console lines, a log path);
	// they are not part of the signature.
	Notes []string
}

// Check is one question asked of an artifact. testDir is the test's own
// folder, where a check may leave logs (boot.log, command.log).
type Check interface {
	Name() string
	Check(ctx context.Context, a *build.Artifact, testDir string) (Finding, error)
}

// Validator is a Check that can find mistakes in its own settings (a
// pattern that does not compile, a program that is not there) before the
// first test.
type Validator interface {
	Validate() error
}

// Validate asks every check that can validate itself, and reports all
// mistakes at once.
func Validate(checks []Check) error {
	var errs []error
	for _, c := range checks {
		v, ok := c.(Validator)
		if !ok {
			continue
		}
		if err := v.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
