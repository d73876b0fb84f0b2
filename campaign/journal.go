package campaign

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Record is one line of the journal: a finished test, or a question the
// cache answered without one.
type Record struct {
	// Test is the test's number (its folder tests/NNNN); for a cache hit,
	// the number of the test whose answer was reused.
	Test int `json:"test"`
	// Hit marks a question answered from an earlier test's config.
	Hit bool `json:"hit,omitempty"`
	// Role names the first two tests, "bad" and "base", and the final
	// check's removals of single lines of the result, "line".
	Role string `json:"role,omitempty"`
	// Subset is the tested candidates, by symbol name, in candidate order.
	Subset  []string `json:"subset"`
	Attempt int      `json:"attempt"`
	// Hash is the digest of the normalised config that make olddefconfig
	// resolved the subset to; empty when it did not run.
	Hash string `json:"hash,omitempty"`
	// Predicted is the digest of the config kconfig resolved in-process.
	Predicted string `json:"predicted,omitempty"`
	Outcome   string `json:"outcome"` // reproduces | gone | unresolved
	// Verdict is the oracle's own verdict, before the signature was
	// matched against the bad config's.
	Verdict   string   `json:"verdict,omitempty"`
	Signature []string `json:"signature,omitempty"`
	Reason    string   `json:"reason,omitempty"`
	// NotStuck names the options whose requested values the resolved
	// config does not have, when that made the test unresolved.
	NotStuck []string `json:"not_stuck,omitempty"`
	// Notes are the oracle's details for a person: boot verdicts, the
	// last console lines, a command's output.
	Notes []string `json:"notes,omitempty"`
	Built bool     `json:"built,omitempty"`
	// BuildDir names the build dir the test ran in: "d0" on this
	// machine, "w0" for a Slurm worker's dir on its node.
	BuildDir string `json:"build_dir,omitempty"`
	// Rebuild is what the build compiled against what was predicted.
	Rebuild   *Rebuild `json:"rebuild,omitempty"`
	ResolveMS int64    `json:"resolve_ms,omitempty"`
	BuildMS   int64    `json:"build_ms,omitempty"`
	JudgeMS   int64    `json:"judge_ms,omitempty"`
	// PeakRSS is the build's largest process, in bytes, as the kernel
	// accounted it.
	PeakRSS int64  `json:"peak_rss,omitempty"`
	Time    string `json:"time,omitempty"` // RFC 3339, when it finished
}

// Rebuild is what a test's build compiled, in objects (kbuild's .cmd
// files), against what kcmin predicted before it built.
type Rebuild struct {
	// Clean says the build dir held no build: everything compiled.
	Clean     bool `json:"clean,omitempty"`
	Predicted int  `json:"predicted"`
	Compiled  int  `json:"compiled"`
	Objects   int  `json:"objects"` // the compiled objects of the dir after it
}

func rebuildOf(p prediction, compiled, objects int) *Rebuild {
	return &Rebuild{Clean: p.Clean, Predicted: p.Objects, Compiled: compiled, Objects: objects}
}

// Journal is the append-only record of a campaign's finished tests.
type Journal struct {
	f    *os.File
	path string
}

// OpenJournal opens (creating) a journal and reads its records. A last
// line cut short by a crash is dropped and cut from the file, so the next
// record starts on a line of its own; any other bad line is a
// *CorruptJournalError.
func OpenJournal(path string) (*Journal, []Record, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("open journal: %w", err)
	}
	recs, good, err := readJournal(f, path)
	if err == nil {
		err = truncateTo(f, good)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return &Journal{f: f, path: path}, recs, nil
}

// openJournal is OpenJournal for a run, which, when setAside is on, gets
// past a corrupt line: the good lines before it stay, and it and the
// lines after it move to a file of their own, where a person can look at
// them. Their tests run again; a journal line is only ever a finished
// test, so nothing false is kept and nothing is lost but time.
func openJournal(path string, setAside bool, log io.Writer) (*Journal, []Record, error) {
	j, recs, err := OpenJournal(path)
	var bad *CorruptJournalError
	if !setAside || !errors.As(err, &bad) {
		return j, recs, err
	}
	moved, err := bad.setAside()
	if err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(log, "%s:%d: bad journal line: %v; kept the %d records before it, moved it and the %d lines after it to %s: those tests run again\n",
		bad.Path, bad.Line, bad.Err, bad.Good, bad.Lines-1, moved)
	return OpenJournal(path)
}

// ReadJournal reads a journal without changing it; a missing journal has
// no records. With a *CorruptJournalError it also returns the records
// before the bad line.
func ReadJournal(path string) ([]Record, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	defer f.Close()
	recs, _, err := readJournal(f, path)
	return recs, err
}

// CorruptJournalError is a journal line, not the last, that holds no
// record: a torn append can only be the last line, so this is damage
// (a disk, an editor), and kcmin does not guess what the line said.
type CorruptJournalError struct {
	Path  string
	Line  int   // the bad line, from 1
	Good  int   // the records before it
	Lines int   // the lines from it to the end
	Err   error // why it is no record
	size  int64 // the bytes before it
}

func (e *CorruptJournalError) Error() string {
	return fmt.Sprintf("%s:%d: bad journal line: %v; the %d records before it are good: kcmin run keeps them, moves this line and the %d after it to %s.corrupt-N and runs their tests again",
		e.Path, e.Line, e.Err, e.Good, e.Lines-1, e.Path)
}

func (e *CorruptJournalError) Unwrap() error { return e.Err }

// setAside moves the lines from the bad one on to PATH.corrupt-N, the
// first N not taken, and cuts them from the journal. The copy is on disk,
// under its name, before the journal loses them.
func (e *CorruptJournalError) setAside() (string, error) {
	data, err := os.ReadFile(e.Path)
	if err != nil {
		return "", fmt.Errorf("set the journal's bad lines aside: %w", err)
	}
	if int64(len(data)) < e.size {
		return "", fmt.Errorf("set the journal's bad lines aside: %s changed while kcmin read it", e.Path)
	}
	var f *os.File
	for n := 1; f == nil; n++ {
		f, err = os.OpenFile(fmt.Sprintf("%s.corrupt-%d", e.Path, n), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil && !errors.Is(err, os.ErrExist) {
			return "", fmt.Errorf("set the journal's bad lines aside: %w", err)
		}
	}
	name := f.Name()
	_, err = f.Write(data[e.size:])
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = syncDir(filepath.Dir(e.Path))
	}
	if err == nil {
		err = os.Truncate(e.Path, e.size)
	}
	if err != nil {
		return "", fmt.Errorf("set the journal's bad lines aside in %s: %w", name, err)
	}
	return name, nil
}

// readJournal returns the records and the length of the good prefix; on
// a *CorruptJournalError, the records before the bad line.
func readJournal(f *os.File, path string) ([]Record, int64, error) {
	data, err := os.ReadFile(f.Name())
	if err != nil {
		return nil, 0, fmt.Errorf("read journal: %w", err)
	}
	var (
		recs []Record
		good int64
	)
	for lineno := 1; len(data) > 0; lineno++ {
		line, rest, complete := bytes.Cut(data, []byte("\n"))
		var r Record
		err := json.Unmarshal(line, &r)
		last := len(bytes.TrimSpace(rest)) == 0
		switch {
		case err == nil && complete:
		case last:
			// The crash came in the middle of the last append.
			return recs, good, nil
		default:
			lines := bytes.Count(data, []byte("\n"))
			if !bytes.HasSuffix(data, []byte("\n")) {
				lines++
			}
			return recs, good, inputError(&CorruptJournalError{Path: path, Line: lineno, Good: len(recs), Lines: lines, Err: err, size: good})
		}
		recs = append(recs, r)
		good += int64(len(line)) + 1
		data = rest
	}
	return recs, good, nil
}

func truncateTo(f *os.File, size int64) error {
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if fi.Size() != size {
		if err := f.Truncate(size); err != nil {
			return fmt.Errorf("cut the torn end of the journal: %w", err)
		}
	}
	if _, err := f.Seek(size, 0); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	return nil
}

// Append writes a record as one line and waits until it is on disk.
func (j *Journal) Append(r Record) error {
	if r.Time == "" {
		r.Time = time.Now().UTC().Format(time.RFC3339Nano)
	}
	line, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	line = append(line, '\n')
	if _, err := j.f.Write(line); err != nil {
		return fmt.Errorf("append to journal %s: %w", j.path, err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("sync journal %s: %w", j.path, err)
	}
	return nil
}

// Close closes the journal file.
func (j *Journal) Close() error { return j.f.Close() }

// subsetKey identifies a question: a subset of candidates and an attempt.
func subsetKey(names []string, attempt int) string {
	return fmt.Sprintf("%d:%s", attempt, strings.Join(names, ","))
}

// hashKey identifies a resolved config and an attempt.
func hashKey(hash string, attempt int) string {
	return fmt.Sprintf("%d:%s", attempt, hash)
}
