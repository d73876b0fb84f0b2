package oracle

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kcmin/kcmin/build"
)

// DefaultCommandTimeout bounds a Command whose Timeout is zero.
const DefaultCommandTimeout = 10 * time.Minute

// SignaturePrefix starts the lines of a command's standard output that
// become its facts.
const SignaturePrefix = "signature: "

// Command runs a user's check, in its own process group, in the test's
// folder, with its output in command.log there. Its exit status is the
// answer, as for git bisect run:
//
//	0                 the failure is present
//	125               cannot tell (unresolved)
//	1-127 but 125     the failure is gone
//	128 and above     the command crashed or was killed (unresolved)
//
// It finds the test in its environment: KCMIN_CONFIG (the resolved
// .config), KCMIN_BUILD_DIR, KCMIN_BUILD_LOG, KCMIN_TEST_DIR,
// KCMIN_SOURCE, and KCMIN_IMAGE and KCMIN_VMLINUX when the build made
// them (empty otherwise).
//
// Its facts are the lines it prints to standard output that start with
// "signature: ", normalised, without the prefix; with none it adds
// nothing to the signature. Its last line or exit status would not do:
// the first is often chatter that changes from run to run, and the
// second is the verdict already.
type Command struct {
	Argv    []string
	Timeout time.Duration // 0 = DefaultCommandTimeout
	Source  string        // the kernel tree; "" takes the artifact's
}

// Name is "command".
func (Command) Name() string { return "command" }

// Validate reports an empty command or a program that is not there.
func (c Command) Validate() error {
	if len(c.Argv) == 0 || c.Argv[0] == "" {
		return errors.New("command: empty")
	}
	if _, err := exec.LookPath(c.Argv[0]); err != nil {
		return fmt.Errorf("command: %w", err)
	}
	return nil
}

// Check runs the command on a.
func (c Command) Check(ctx context.Context, a *build.Artifact, testDir string) (Finding, error) {
	if len(c.Argv) == 0 {
		return Finding{}, errors.New("no command to run")
	}
	if a == nil {
		a = &build.Artifact{}
	}
	if testDir == "" {
		return Finding{}, errors.New("no test folder for command.log")
	}
	dir, err := filepath.Abs(testDir)
	if err != nil {
		return Finding{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Finding{}, err
	}
	logPath := filepath.Join(dir, "command.log")
	log, err := os.Create(logPath)
	if err != nil {
		return Finding{}, err
	}
	defer log.Close()

	source := c.Source
	if source == "" {
		source = a.Source
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultCommandTimeout
	}
	out := &lockedWriter{w: log}
	sig := &signatureWriter{}
	code, err := build.Run(ctx, build.Cmd{
		Argv: c.Argv,
		Dir:  dir,
		Env: []string{
			"KCMIN_CONFIG=" + a.Config,
			"KCMIN_BUILD_DIR=" + a.Dir,
			"KCMIN_BUILD_LOG=" + a.Log,
			"KCMIN_TEST_DIR=" + dir,
			"KCMIN_SOURCE=" + source,
			"KCMIN_IMAGE=" + a.Image,
			"KCMIN_VMLINUX=" + a.Vmlinux,
		},
		Stdout:  multiWriter{out, sig},
		Stderr:  out,
		Timeout: timeout,
	})
	notes := []string{"log: " + logPath}
	if errors.Is(err, build.ErrTimeout) {
		return Finding{Unresolved: fmt.Sprintf("the command timed out after %v", timeout), Notes: notes}, nil
	}
	if err != nil {
		return Finding{}, fmt.Errorf("run %s: %w", c.Argv[0], err)
	}
	if err := log.Close(); err != nil {
		return Finding{}, fmt.Errorf("write %s: %w", logPath, err)
	}
	notes = append(notes, fmt.Sprintf("exit status %d", code))

	facts := make([]string, 0, len(sig.lines))
	for _, l := range sig.finish() {
		if f := Normalize(l, a.Dir, source, dir); f != "" {
			facts = append(facts, f)
		}
	}
	f := Finding{Facts: sortedSet(facts), Notes: notes}
	switch {
	case code == 0:
		f.Present = true
	case code == 125:
		f.Unresolved = "the command cannot tell (exit status 125)"
	case code >= 128:
		f.Unresolved = fmt.Sprintf("the command crashed or was killed (exit status %d)", code)
	}
	return f, nil
}

// lockedWriter lets stdout and stderr, copied by two goroutines, share
// one log.
type lockedWriter struct {
	mu sync.Mutex
	w  *os.File
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// multiWriter writes to every writer and never fails because the
// signature collector does; the log's errors are the ones that count.
type multiWriter struct {
	log *lockedWriter
	sig *signatureWriter
}

func (m multiWriter) Write(p []byte) (int, error) {
	m.sig.Write(p)
	return m.log.Write(p)
}

// Bounds on what a command's signature lines may hold.
const (
	maxSignatureLines = 1000
	maxSignatureLine  = 4 << 10
)

// signatureWriter collects the "signature: " lines of a stream.
type signatureWriter struct {
	partial []byte
	lines   []string
}

func (s *signatureWriter) Write(p []byte) {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			if len(s.partial) < maxSignatureLine {
				s.partial = append(s.partial, p...)
			}
			return
		}
		s.partial = append(s.partial, p[:i]...)
		s.line()
		p = p[i+1:]
	}
}

func (s *signatureWriter) line() {
	l := strings.TrimRight(string(s.partial), "\r")
	s.partial = s.partial[:0]
	if rest, ok := strings.CutPrefix(l, SignaturePrefix); ok && len(s.lines) < maxSignatureLines {
		if len(rest) > maxSignatureLine {
			rest = rest[:maxSignatureLine]
		}
		s.lines = append(s.lines, rest)
	}
}

// finish takes a last line that had no newline.
func (s *signatureWriter) finish() []string {
	if len(s.partial) > 0 {
		s.line()
	}
	return s.lines
}
