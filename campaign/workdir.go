package campaign

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Workdir is a campaign's folder on disk, locked for one kcmin at a time.
type Workdir struct {
	Dir  string
	lock *os.File
}

// Files and folders of a workdir.
const (
	campaignFile   = "campaign.toml"
	journalFile    = "journal.jsonl"
	lockFile       = "lock"
	candidatesFile = "candidates.json"
	progressFile   = "progress.json"
	baseFile       = "base.config" // the resolved base
	badFile        = "bad.config"  // the resolved bad config
	setupLog       = "setup.log"
	resultDir      = "result"
)

// OpenWorkdir creates the workdir if needed and takes its lock. A workdir
// that another kcmin holds is refused with that process's pid.
func OpenWorkdir(dir string) (*Workdir, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, inputError(fmt.Errorf("workdir: %w", err))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, inputError(fmt.Errorf("create workdir: %w", err))
	}
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, inputError(fmt.Errorf("open workdir lock: %w", err))
	}
	if err := lock(f); err != nil {
		holder := lockHolder(f)
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, inputError(fmt.Errorf("workdir %s is in use by kcmin pid %s; wait for it or stop it", dir, holder))
		}
		return nil, inputError(fmt.Errorf("lock workdir %s: %w", dir, err))
	}
	// The lock is held; the pid in the file is only for messages.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &Workdir{Dir: dir, lock: f}, nil
}

// lock takes the lock without waiting for a live holder. A holder that
// died a moment ago may still hold it through a child between fork and
// exec, which closes it; that is worth a short wait.
func lock(f *os.File) error {
	deadline := time.Now().Add(3 * time.Second)
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if !errors.Is(err, unix.EWOULDBLOCK) || time.Now().After(deadline) {
			return err
		}
		if pid, _ := strconv.Atoi(lockHolder(f)); pid > 0 && unix.Kill(pid, 0) == nil {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// lockHolder reads the pid a lock file names.
func lockHolder(f *os.File) string {
	var buf [32]byte
	n, _ := f.ReadAt(buf[:], 0)
	if pid := strings.TrimSpace(string(buf[:n])); pid != "" {
		return pid
	}
	return "unknown"
}

// LockedBy returns the pid of the kcmin that holds a workdir's lock, or 0
// when none does.
func LockedBy(dir string) int {
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR, 0)
	if err != nil {
		return 0
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_SH|unix.LOCK_NB); err == nil {
		_ = unix.Flock(int(f.Fd()), unix.LOCK_UN)
		return 0
	}
	pid, _ := strconv.Atoi(lockHolder(f))
	return pid
}

// Close releases the lock.
func (w *Workdir) Close() error {
	if w.lock == nil {
		return nil
	}
	err := w.lock.Close()
	w.lock = nil
	return err
}

// Path joins names onto the workdir.
func (w *Workdir) Path(names ...string) string {
	return filepath.Join(append([]string{w.Dir}, names...)...)
}

// BuildDir is the campaign's n-th build dir (make O=), kept across tests
// so that builds are incremental.
func (w *Workdir) BuildDir(n int) string {
	return w.Path("build", fmt.Sprintf("d%d", n))
}

// CleanDir is the build dir of the result's clean build, emptied before
// it.
func (w *Workdir) CleanDir() string {
	return w.Path("build", "clean")
}

// ResolveDir is worker's build dir that only ever holds a config: make
// olddefconfig resolves the worker's configs there, also while it builds.
func (w *Workdir) ResolveDir(worker int) string {
	return w.Path("build", fmt.Sprintf("w%d.resolve", worker))
}

// buildDirs lists the build dirs there are, of every worker that ran.
func (w *Workdir) buildDirs() []string {
	entries, _ := os.ReadDir(w.Path("build"))
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, w.Path("build", e.Name()))
		}
	}
	return dirs
}

// TestDir is the folder of test n.
func (w *Workdir) TestDir(n int) string {
	return w.Path("tests", fmt.Sprintf("%04d", n))
}

// campaignFiles are what a workdir keeps of the campaign it runs, beside
// the build dirs and caches, which any campaign on the tree can reuse.
// The journal comes first: setAside moves it first.
var campaignFiles = []string{journalFile, campaignFile, baseFile, badFile, candidatesFile, progressFile, setupLog, "tests", resultDir}

// Adopt records the campaign a workdir runs, or checks that the workdir
// already runs this very campaign: the same settings, config files and
// kernel tree. A workdir is bound to its campaign once the journal holds
// a test; until then another campaign replaces it (a run that failed
// before its first test leaves nothing to keep). A bound workdir that
// holds another campaign is refused, naming what differs; with replace,
// the old campaign is moved to old/TIME/ and this one starts afresh.
// The note says what happened to an old campaign, for the user.
func (w *Workdir) Adopt(s *Spec, tree []treeFact, replace bool) (note string, err error) {
	want, err := s.canonical(tree)
	if err != nil {
		return "", inputError(err)
	}
	path := w.Path(campaignFile)
	have, err := os.ReadFile(path)
	var diff []string
	switch {
	case os.IsNotExist(err):
		diff = []string{"the workdir has no " + campaignFile}
	case err != nil:
		return "", inputError(fmt.Errorf("read workdir's campaign: %w", err))
	default:
		diff = diffLines(string(have), string(want))
	}
	if len(diff) == 0 {
		if bytes.Equal(have, want) {
			return "", nil
		}
		// The same campaign, written by an earlier kcmin (with run keys,
		// without the tree): from now on, the tree is checked too.
		return "", writeFileAtomic(path, want)
	}
	recs, err := ReadJournal(w.Path(journalFile))
	if err != nil {
		return "", inputError(fmt.Errorf("workdir %s: %w", w.Dir, err))
	}
	switch {
	case len(recs) == 0:
		// What an earlier setup resolved belongs to the campaign it ran.
		for _, name := range campaignFiles {
			if name == campaignFile || name == setupLog {
				continue
			}
			if err := os.RemoveAll(w.Path(name)); err != nil {
				return "", fmt.Errorf("clear the workdir of a campaign that ran no test: %w", err)
			}
		}
		if have != nil {
			note = "the workdir's campaign had finished no test; this one replaces it (" + strings.Join(diff, "; ") + ")"
		}
	case !replace:
		return "", inputError(fmt.Errorf("workdir %s holds another campaign (%s); run with --new to start this one there (the old one is kept in %s), use another workdir (-w), or remove this one",
			w.Dir, strings.Join(diff, "; "), w.Path("old")))
	default:
		old, err := w.setAside()
		if err != nil {
			return "", err
		}
		note = fmt.Sprintf("the workdir held another campaign (%s): its journal, tests and result are now in %s; starting this one afresh",
			strings.Join(diff, "; "), old)
	}
	return note, writeFileAtomic(path, want)
}

// setAside moves the workdir's campaign to old/TIME/ and returns that
// folder. The journal goes first: should kcmin die on the way, what is
// left is a campaign without tests, which the next run replaces.
func (w *Workdir) setAside() (string, error) {
	stamp := time.Now().UTC().Format("20060102-150405")
	dir := w.Path("old", stamp)
	for i := 2; ; i++ {
		if _, err := os.Stat(dir); os.IsNotExist(err) {
			break
		}
		dir = w.Path("old", fmt.Sprintf("%s-%d", stamp, i))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("set the old campaign aside: %w", err)
	}
	for _, name := range campaignFiles {
		err := os.Rename(w.Path(name), filepath.Join(dir, name))
		if err != nil && !os.IsNotExist(err) {
			return "", fmt.Errorf("set the old campaign aside: %w", err)
		}
	}
	if err := syncDir(w.Dir); err != nil {
		return "", fmt.Errorf("set the old campaign aside: %w", err)
	}
	return dir, nil
}

// diffLines names what differs between the identities of two campaigns,
// as their canonical files state them: nothing when they are the same
// campaign. The run keys of an earlier kcmin's file do not count, nor,
// when that file has none, the kernel tree: a workdir of an earlier
// kcmin resumes.
func diffLines(have, want string) []string {
	h, wnt := identityKeys(have), identityKeys(want)
	if !slices.ContainsFunc(slices.Sorted(maps.Keys(h)), isTreeKey) {
		for k := range wnt {
			if isTreeKey(k) {
				delete(wnt, k)
			}
		}
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(wnt)) {
		if h[k] != wnt[k] {
			if _, ok := h[k]; !ok {
				out = append(out, k+" is new")
			} else {
				out = append(out, fmt.Sprintf("%s was %s, now %s", k, h[k], wnt[k]))
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(h)) {
		if _, ok := wnt[k]; !ok {
			out = append(out, k+" is gone")
		}
	}
	return out
}

func isTreeKey(k string) bool { return strings.HasPrefix(k, "tree ") }

// identityKeys reads a canonical campaign file into its identity: each
// key by section.key, each input's digest by "content of PATH", each
// fact of the kernel tree by "tree NAME"; run keys and the [[matrix]]
// entries left out.
func identityKeys(text string) map[string]string {
	m := map[string]string{}
	section := ""
	for _, line := range strings.Split(text, "\n") {
		if name, value, ok := parseTreeLine(line); ok {
			m["tree "+name] = value
			continue
		}
		switch {
		case strings.HasPrefix(line, "#   sha256 "):
			f := strings.Fields(line)
			if len(f) == 4 {
				m["content of "+f[3]] = f[2]
			}
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[]")
		case section == "matrix":
			// The toolchains the result is built with change no answer.
		case strings.Contains(line, " = "):
			k, v, _ := strings.Cut(line, " = ")
			if key := section + "." + k; !runKey(key) {
				m[key] = v
			}
		}
	}
	return m
}

// writeFileAtomic writes a file so that a reader sees the old or the new
// content, never a part, and so that it is on disk when it returns: a
// journal record that follows it (fsynced) never outlives it. One kcmin
// holds the workdir, so the temporary name can be fixed, and a kill
// leaves no more than one behind.
func writeFileAtomic(path string, data []byte) error {
	// A name of its own: two writers of one file never share a temporary.
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil {
		err = syncDir(filepath.Dir(path))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// syncDir makes a directory's entries (a rename, a new file) durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
