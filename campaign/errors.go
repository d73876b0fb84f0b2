package campaign

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrNoResult is wrapped by the error of a campaign that ran but could not
// reach a verified result: the bad config does not reproduce, the base
// does, or the search ended unverified.
var ErrNoResult = errors.New("no verified result")

// inputErr marks an error as the user's input or setup being wrong: a
// campaign file, a config, a workdir held by another run.
type inputErr struct{ err error }

func (e *inputErr) Error() string { return e.err.Error() }
func (e *inputErr) Unwrap() error { return e.err }

func inputError(err error) error {
	if err == nil || IsInputError(err) {
		return err
	}
	return &inputErr{err}
}

// IsInputError reports whether err comes from bad input or setup (exit
// status 2) rather than from a campaign that ran.
func IsInputError(err error) bool {
	var ie *inputErr
	return errors.As(err, &ie)
}

// ExitCode is the exit status for the error of a command: 0 for nil, 2
// for bad input or setup, 1 otherwise.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case IsInputError(err):
		return 2
	}
	return 1
}

func fileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
