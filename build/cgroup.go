package build

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// memoryHierarchy is where the memory controller is mounted and where
// kcmin is in it.
type memoryHierarchy struct {
	v2    bool
	mount string // the mount point
	self  string // kcmin's own cgroup, a directory under mount
}

// findMemoryHierarchy finds the memory controller of this process: a
// cgroup v1 hierarchy mounted with it, or else a v2 one that enables it.
func findMemoryHierarchy() (memoryHierarchy, error) {
	mountinfo, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return memoryHierarchy{}, fmt.Errorf("find the memory cgroup: %w", err)
	}
	self, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return memoryHierarchy{}, fmt.Errorf("find the memory cgroup: %w", err)
	}
	return parseMemoryHierarchy(string(mountinfo), string(self), func(mount string) bool {
		data, err := os.ReadFile(filepath.Join(mount, "cgroup.controllers"))
		return err == nil && hasWord(string(data), " ", "memory")
	})
}

// parseMemoryHierarchy reads /proc/self/mountinfo and /proc/self/cgroup;
// v2Memory says whether a v2 mount enables the memory controller.
func parseMemoryHierarchy(mountinfo, self string, v2Memory func(mount string) bool) (memoryHierarchy, error) {
	var v1, v2 *memoryHierarchy
	var v1Root, v2Root string
	for _, line := range strings.Split(mountinfo, "\n") {
		left, right, ok := strings.Cut(line, " - ")
		lf, rf := strings.Fields(left), strings.Fields(right)
		if !ok || len(lf) < 5 || len(rf) < 3 {
			continue
		}
		root, mount := unescapeMount(lf[3]), unescapeMount(lf[4])
		switch {
		case rf[0] == "cgroup" && hasWord(rf[2], ",", "memory") && v1 == nil:
			v1, v1Root = &memoryHierarchy{mount: mount}, root
		case rf[0] == "cgroup2" && v2 == nil && v2Memory(mount):
			v2, v2Root = &memoryHierarchy{v2: true, mount: mount}, root
		}
	}
	h, root := v1, v1Root
	if h == nil {
		h, root = v2, v2Root
	}
	if h == nil {
		return memoryHierarchy{}, errors.New("find the memory cgroup: no cgroup hierarchy has the memory controller")
	}
	h.self = h.mount
	for _, line := range strings.Split(self, "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 {
			continue
		}
		if h.v2 && f[0] == "0" && f[1] == "" || !h.v2 && hasWord(f[1], ",", "memory") {
			// The path is relative to the mount's root; outside it (another
			// cgroup namespace) the mount itself is the best kcmin can see.
			if rel, ok := strings.CutPrefix(f[2], root); ok && (root == "/" || rel == "" || rel[0] == '/') {
				h.self = filepath.Join(h.mount, rel)
			}
			break
		}
	}
	return *h, nil
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func hasWord(list, sep, word string) bool {
	for _, w := range strings.Split(strings.TrimSpace(list), sep) {
		if w == word {
			return true
		}
	}
	return false
}

// MemoryLimit is the tightest memory limit of kcmin's own cgroup and of
// the cgroups above it; false when there is none (or no memory
// controller). v1 reports no limit as a huge number, v2 as "max".
func MemoryLimit() (int64, bool) {
	h, err := findMemoryHierarchy()
	if err != nil {
		return 0, false
	}
	return h.limit()
}

func (h memoryHierarchy) limit() (int64, bool) {
	file := "memory.limit_in_bytes"
	if h.v2 {
		file = "memory.max"
	}
	best, found := int64(math.MaxInt64), false
	for dir := h.self; ; dir = filepath.Dir(dir) {
		if n, ok := readLimit(filepath.Join(dir, file)); ok && n < best {
			best, found = n, true
		}
		if dir == h.mount || !strings.HasPrefix(dir, h.mount+"/") {
			break
		}
	}
	return best, found
}

// noLimit is where a v1 limit stops being one: the kernel writes "no
// limit" as the largest page-aligned int64.
const noLimit = 1 << 60

func readLimit(path string) (int64, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	if err != nil || n <= 0 || n >= noLimit {
		return 0, false
	}
	return n, true
}

// Cgroup is a memory cgroup made for builds, below kcmin's own cgroup so
// that every limit kcmin runs under still holds.
type Cgroup struct {
	dir string
	v2  bool
}

var cgroupSeq atomic.Uint64

// NewMemoryCgroup creates a memory cgroup limited to limit bytes, swap
// included where the kernel accounts it, below kcmin's own. It needs a
// writable memory controller: root with cgroup v1, or with v2 a cgroup
// of kcmin's that can enable the controller for a child.
func NewMemoryCgroup(limit int64) (*Cgroup, error) {
	h, err := findMemoryHierarchy()
	if err != nil {
		return nil, err
	}
	if h.v2 {
		ctl := filepath.Join(h.self, "cgroup.subtree_control")
		data, err := os.ReadFile(ctl)
		if err != nil {
			return nil, fmt.Errorf("create a memory cgroup: %w", err)
		}
		if !hasWord(string(data), " ", "memory") {
			if err := os.WriteFile(ctl, []byte("+memory"), 0); err != nil {
				return nil, fmt.Errorf("create a memory cgroup: enable the memory controller in %s: %w", ctl, err)
			}
		}
	}
	dir := filepath.Join(h.self, fmt.Sprintf("kcmin-%d-%d", os.Getpid(), cgroupSeq.Add(1)))
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create a memory cgroup: %w", err)
	}
	cg := &Cgroup{dir: dir, v2: h.v2}
	limits := []string{"memory.limit_in_bytes", "memory.memsw.limit_in_bytes"}
	if h.v2 {
		limits = []string{"memory.max", "memory.swap.max"}
	}
	for i, file := range limits {
		value := strconv.FormatInt(limit, 10)
		if h.v2 && i == 1 {
			value = "0"
		}
		path := filepath.Join(dir, file)
		if _, err := os.Stat(path); i > 0 && err != nil {
			continue // no swap accounting
		}
		if err := os.WriteFile(path, []byte(value), 0); err != nil {
			_ = cg.Remove()
			return nil, fmt.Errorf("create a memory cgroup: limit %s: %w", path, err)
		}
	}
	return cg, nil
}

// Dir is the cgroup's directory, for Make.Cgroup.
func (c *Cgroup) Dir() string { return c.dir }

// Wrap is an argv prefix, for Make.Wrap, that moves itself into the
// cgroup and execs the rest of the command line, so the command's pid,
// and its process group, stay the same.
func (c *Cgroup) Wrap() []string {
	return []string{"/bin/sh", "-c", `echo $$ >"$0" && exec "$@"`, filepath.Join(c.dir, "cgroup.procs")}
}

// OOMKills is how many processes the OOM killer has killed in the cgroup.
func (c *Cgroup) OOMKills() (int64, error) {
	return readOOMKill(cgroupOOMFile(c.dir))
}

// removeDeadline bounds how long Remove waits for killed processes to
// leave the cgroup.
const removeDeadline = 10 * time.Second

// Remove kills every process left in the cgroup and removes it.
func (c *Cgroup) Remove() error {
	deadline := time.Now().Add(removeDeadline)
	for {
		data, err := os.ReadFile(filepath.Join(c.dir, "cgroup.procs"))
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("remove cgroup %s: %w", c.dir, err)
		}
		pids := strings.Fields(string(data))
		if len(pids) == 0 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("remove cgroup %s: processes %s still in it after %v", c.dir, strings.Join(pids, " "), removeDeadline)
		}
		for _, p := range pids {
			if pid, err := strconv.Atoi(p); err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	// A cgroup whose last process just died may still be busy a moment.
	for {
		err := syscall.Rmdir(c.dir)
		if err == nil || errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if !errors.Is(err, syscall.EBUSY) || time.Now().After(deadline) {
			return fmt.Errorf("remove cgroup %s: %w", c.dir, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
