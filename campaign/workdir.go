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

// BuildDir is a worker's build dir (make O=), kept across tests so that
// builds are incremental.
func (w *Workdir) BuildDir(worker int) string {
	return w.Path("build", fmt.Sprintf("w%d", worker))
}

// ResolveDir is a build dir that only ever holds a config: make
// olddefconfig runs there while a worker builds.
func (w *Workdir) ResolveDir() string { return w.Path("build", "resolve") }

// TestDir is the folder of test n.
func (w *Workdir) TestDir(n int) string {
	return w.Path("tests", fmt.Sprintf("%04d", n))
}

// Adopt records the campaign a workdir runs, or checks that the workdir
// already runs this very campaign. A workdir holding another campaign is
// refused, naming the keys that differ.
func (w *Workdir) Adopt(s *Spec) error {
	want, err := s.Canonical()
	if err != nil {
		return inputError(err)
	}
	path := w.Path(campaignFile)
	have, err := os.ReadFile(path)
	switch {
	case os.IsNotExist(err):
		return writeFileAtomic(path, want)
	case err != nil:
		return inputError(fmt.Errorf("read workdir's campaign: %w", err))
	case bytes.Equal(have, want):
		return nil
	}
	return inputError(fmt.Errorf("workdir %s holds another campaign (%s); use another workdir (-w) or remove this one",
		w.Dir, strings.Join(diffLines(string(have), string(want)), "; ")))
}

// diffLines names what differs between two canonical campaign files.
func diffLines(have, want string) []string {
	section := ""
	keyed := func(text string) map[string]string {
		m := map[string]string{}
		section = ""
		for _, line := range strings.Split(text, "\n") {
			switch {
			case strings.HasPrefix(line, "#   sha256 "):
				f := strings.Fields(line)
				if len(f) == 4 {
					m["content of "+f[3]] = f[2]
				}
			case strings.HasPrefix(line, "["):
				section = strings.Trim(line, "[]")
			case strings.Contains(line, " = "):
				k, v, _ := strings.Cut(line, " = ")
				m[section+"."+k] = v
			}
		}
		return m
	}
	h, wnt := keyed(have), keyed(want)
	var out []string
	for _, k := range slices.Sorted(maps.Keys(wnt)) {
		if h[k] != wnt[k] {
			if h[k] == "" {
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
	if len(out) == 0 {
		out = append(out, "the files differ")
	}
	return out
}

// writeFileAtomic writes a file so that a reader sees the old or the new
// content, never a part.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
