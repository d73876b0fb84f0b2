package campaign

import (
	"context"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/kcmin/kcmin/build"
)

// unseenPeak is what a build is assumed to need before any build of the
// campaign has reported its peak and no per-build figure was given: the
// link of a small kernel, so that a machine with a few GiB free still
// starts a second build only after seeing the first one's size.
const unseenPeak = 1 << 30

// memGate admits parallel builds while their memory fits: a build may
// start when the builds running and itself, each counted at the expected
// peak, fit in the memory available. The expected peak is the largest
// peak a build of the campaign has reported so far, since one kernel's
// builds differ little in their largest process (the link), or perBuild
// when that is larger: perBuild, if set, is a floor. With no peak seen
// and no perBuild, unseenPeak stands in. A larger peak seen later counts
// for the builds already running too, so it lowers how many run at once
// from then on. A build always starts when no other runs, whatever it is
// expected to need, so the gate never waits for ever.
type memGate struct {
	available int64
	perBuild  int64

	mu      sync.Mutex
	peak    int64 // the largest peak released so far
	running int   // builds holding the gate
	alone   bool  // one build holds it alone
	waiting int   // AcquireAlone calls waiting: builds let them in first
	changed chan struct{}
	// parked, when set, is called each time a caller goes to sleep in
	// the gate: tests wait for it instead of sleeping.
	parked func()
}

// newMemGate makes a gate for builds that share available bytes; perBuild
// is the least each build is expected to need (0: none given).
func newMemGate(available, perBuild int64) *memGate {
	return &memGate{available: available, perBuild: perBuild, changed: make(chan struct{})}
}

// expected is the peak a build is counted at; the caller holds mu.
func (g *memGate) expected() int64 {
	e := max(g.peak, g.perBuild)
	if e == 0 {
		return unseenPeak
	}
	return e
}

// broadcast wakes every waiter to look again; the caller holds mu.
func (g *memGate) broadcast() {
	close(g.changed)
	g.changed = make(chan struct{})
}

// fits says whether one more build may start now; the caller holds mu.
func (g *memGate) fits() bool {
	if g.alone || g.waiting > 0 {
		return false
	}
	if g.running == 0 {
		return true
	}
	e := g.expected()
	return int64(g.running+1) <= g.available/e
}

// Acquire waits until one more build fits and returns what the build
// calls, once, when it is done, with its peak in bytes (0 when unknown,
// such as for a build that never started). It returns ctx.Err() when ctx
// is done first.
func (g *memGate) Acquire(ctx context.Context) (release func(peak int64), err error) {
	if err := g.wait(ctx, g.fits, nil); err != nil {
		return nil, err
	}
	g.running++
	g.mu.Unlock()
	return g.releaser(func() { g.running-- }), nil
}

// AcquireAlone waits until no build runs and then holds the gate alone,
// for a build that must have the whole memory: the retry of one that the
// OOM killer killed. While it waits, no other build starts.
func (g *memGate) AcquireAlone(ctx context.Context) (release func(peak int64), err error) {
	g.mu.Lock()
	g.waiting++
	g.mu.Unlock()
	free := func() bool { return g.running == 0 && !g.alone }
	err = g.wait(ctx, free, func() {
		g.waiting--
		g.broadcast()
	})
	if err != nil {
		return nil, err
	}
	g.waiting--
	g.alone = true
	g.mu.Unlock()
	return g.releaser(func() { g.alone = false }), nil
}

// wait returns with mu held once ready is true, or with mu free and
// ctx.Err() once ctx is done, after calling cancelled (with mu held), if
// given.
func (g *memGate) wait(ctx context.Context, ready func() bool, cancelled func()) error {
	g.mu.Lock()
	for ctx.Err() == nil && !ready() {
		changed := g.changed
		g.mu.Unlock()
		if g.parked != nil {
			g.parked()
		}
		select {
		case <-changed:
		case <-ctx.Done():
		}
		g.mu.Lock()
	}
	if err := ctx.Err(); err != nil {
		if cancelled != nil {
			cancelled()
		}
		g.mu.Unlock()
		return err
	}
	return nil
}

// releaser is the release function of one holder: it notes the peak, lets
// the holder go and wakes the waiters; a second call does nothing.
func (g *memGate) releaser(leave func()) func(peak int64) {
	var once sync.Once
	return func(peak int64) {
		once.Do(func() {
			g.mu.Lock()
			defer g.mu.Unlock()
			g.peak = max(g.peak, peak)
			leave()
			g.broadcast()
		})
	}
}

// availableMemory is what builds may use: the memory the kernel says is
// available (MemAvailable: free memory and what it can reclaim without
// swapping), or the limit of kcmin's own cgroup when that is lower. It
// is read before the builds start, since running builds lower it.
func availableMemory() (int64, error) {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, fmt.Errorf("read the available memory: %w", err)
	}
	avail, err := memAvailable(string(data))
	if err != nil {
		return 0, fmt.Errorf("read the available memory: /proc/meminfo: %w", err)
	}
	limit, ok := build.MemoryLimit()
	if !ok {
		limit = math.MaxInt64
	}
	return min(avail, limit), nil
}

// memAvailable reads the MemAvailable line of /proc/meminfo, in bytes.
func memAvailable(meminfo string) (int64, error) {
	for _, line := range strings.Split(meminfo, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != "MemAvailable:" {
			continue
		}
		if len(f) != 3 || f[2] != "kB" {
			return 0, fmt.Errorf("unexpected line %q", line)
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("line %q: %w", line, err)
		}
		return n << 10, nil
	}
	return 0, fmt.Errorf("no MemAvailable line")
}
