package campaign

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Sizing of the default number of workers: a kernel build keeps about
// four cores busy between its serial steps (the link, objtool on
// vmlinux.o, BTF, kallsyms), and a build of a large config with
// instrumentation peaks at several GB in one process.
const (
	coresPerWorker  = 4
	memoryPerWorker = 4 << 30
)

// defaultWorkers is [workers] count's default: as many builds as the
// cores and the memory allow at a sensible -j each, at least one.
func defaultWorkers(cores int, memory int64) int {
	n := cores / coresPerWorker
	if memory > 0 {
		n = min(n, int(memory/memoryPerWorker))
	}
	return max(1, n)
}

// memAvailable is the memory the kernel says is available for new work
// (MemAvailable in /proc/meminfo), in bytes; 0 when it cannot tell.
func memAvailable() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemAvailable:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// parseBytes reads a size as a person writes it: 8G, 512M, 1.5G, or a
// number of bytes; "" is 0.
func parseBytes(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	num, shift := s, 0
	if i := strings.IndexAny(s, "KMGT"); i == len(s)-1 {
		num, shift = s[:i], 10*(1+strings.IndexByte("KMGT", s[i]))
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v <= 0 || strings.ContainsAny(num, "eE+-") {
		return 0, fmt.Errorf("%q: write a size such as 8G or 512M", s)
	}
	return int64(v * float64(int64(1)<<shift)), nil
}
