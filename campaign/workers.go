package campaign

import (
	"fmt"
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

// machineMemory is availableMemory, 0 when it cannot tell.
func machineMemory() int64 {
	n, _ := availableMemory()
	return n
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
