package campaign

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

const gib = int64(1) << 30

// safety bounds a wait that a correct gate ends at once; it only turns a
// wrong gate's hang into a failure.
const safety = 10 * time.Second

// gateTest drives a memGate from goroutines and knows, through the
// gate's parked hook, when a caller has gone to sleep in it.
type gateTest struct {
	t      *testing.T
	g      *memGate
	parked chan struct{}
}

func newGateTest(t *testing.T, available, perBuild int64) *gateTest {
	gt := &gateTest{t: t, g: newMemGate(available, perBuild), parked: make(chan struct{}, 100)}
	gt.g.parked = func() { gt.parked <- struct{}{} }
	return gt
}

type gateCall struct {
	done   chan func(int64)
	err    chan error
	cancel context.CancelFunc
}

// start calls Acquire, or AcquireAlone, in a goroutine.
func (gt *gateTest) start(alone bool) *gateCall {
	ctx, cancel := context.WithCancel(context.Background())
	c := &gateCall{done: make(chan func(int64), 1), err: make(chan error, 1), cancel: cancel}
	go func() {
		acquire := gt.g.Acquire
		if alone {
			acquire = gt.g.AcquireAlone
		}
		release, err := acquire(ctx)
		if err != nil {
			c.err <- err
			return
		}
		c.done <- release
	}()
	return c
}

// now acquires and fails the test if the call had to wait.
func (gt *gateTest) now(alone bool) func(int64) {
	gt.t.Helper()
	c := gt.start(alone)
	select {
	case r := <-c.done:
		return r
	case err := <-c.err:
		gt.t.Fatalf("acquire: %v", err)
	case <-gt.parked:
		gt.t.Fatalf("acquire (alone %v) waited; want it to start at once", alone)
	}
	return nil
}

// blocked starts a call and returns once it has gone to sleep.
func (gt *gateTest) blocked(alone bool) *gateCall {
	gt.t.Helper()
	c := gt.start(alone)
	select {
	case <-c.done:
		gt.t.Fatalf("acquire (alone %v) started; want it to wait", alone)
	case err := <-c.err:
		gt.t.Fatalf("acquire: %v", err)
	case <-gt.parked:
	}
	return c
}

// parks waits until n sleeping callers, woken, went back to sleep.
func (gt *gateTest) parks(n int) {
	gt.t.Helper()
	for i := 0; i < n; i++ {
		select {
		case <-gt.parked:
		case <-time.After(safety):
			gt.t.Fatalf("%d of %d waiters went back to sleep; the others started", i, n)
		}
	}
}

func (c *gateCall) waiting() bool { return len(c.done) == 0 && len(c.err) == 0 }

// got waits for the call to acquire.
func (gt *gateTest) got(c *gateCall) func(int64) {
	gt.t.Helper()
	select {
	case r := <-c.done:
		return r
	case err := <-c.err:
		gt.t.Fatalf("acquire: %v", err)
	case <-time.After(safety):
		gt.t.Fatal("acquire did not start after a release that made room")
	}
	return nil
}

func TestMemGateBlocksUntilRelease(t *testing.T) {
	// No peak seen, none given: each build counts as a GiB.
	gt := newGateTest(t, 3*gib, 0)
	r1, _, _ := gt.now(false), gt.now(false), gt.now(false)
	fourth := gt.blocked(false)
	r1(500 << 20)
	gt.got(fourth)
	// The peak seen is smaller than the GiB assumed: now it counts.
	fifth := gt.now(false)
	fifth(0)
}

func TestMemGateLargerPeakLowersConcurrency(t *testing.T) {
	gt := newGateTest(t, 4*gib, 0)
	a, b, c, d := gt.now(false), gt.now(false), gt.now(false), gt.now(false)
	a(2 * gib) // three run, each now counted at 2 GiB
	next := gt.blocked(false)
	b(0)
	gt.parks(1) // two run: 3 x 2 GiB do not fit in 4
	if !next.waiting() {
		t.Fatal("a third build started beside two of 2 GiB in 4 GiB")
	}
	c(0)
	e := gt.got(next) // one ran: 2 x 2 GiB fit
	gt.blocked(false).cancel()
	d(0)
	e(0)
}

func TestMemGatePerBuildIsFloor(t *testing.T) {
	gt := newGateTest(t, 5*gib, 2*gib)
	a, b := gt.now(false), gt.now(false)
	third := gt.blocked(false)
	a(500 << 20)
	c := gt.got(third)
	// The peak seen is below perBuild: builds still count as 2 GiB.
	fourth := gt.blocked(false)
	b(3 * gib) // above perBuild: 3 GiB each, one at a time
	gt.parks(1)
	if !fourth.waiting() {
		t.Fatal("a second 3 GiB build started in 5 GiB")
	}
	c(0)
	gt.got(fourth)(0)
}

func TestMemGateAlwaysRunsOne(t *testing.T) {
	// A build expected to need more than there is still runs alone.
	gt := newGateTest(t, gib, 8*gib)
	a := gt.now(false)
	next := gt.blocked(false)
	a(9 * gib)
	b := gt.got(next)
	b(0)
	gt.now(false)(0)
}

func TestMemGateAloneWaitsForAll(t *testing.T) {
	gt := newGateTest(t, 10*gib, 0)
	a, b := gt.now(false), gt.now(false)
	alone := gt.blocked(true)
	// Room for more, but the one waiting to run alone goes first.
	later := gt.blocked(false)
	a(0)
	gt.parks(2)
	if !alone.waiting() || !later.waiting() {
		t.Fatal("a build started while another still ran and one waited to run alone")
	}
	b(0)
	r := gt.got(alone)
	gt.parks(1)
	if !later.waiting() {
		t.Fatal("a build started beside one that holds the gate alone")
	}
	r(0)
	gt.got(later)(0)
	// Alone with nothing running starts at once.
	gt.now(true)(0)
}

func TestMemGateCancel(t *testing.T) {
	gt := newGateTest(t, gib, 0)
	a := gt.now(false)
	for _, alone := range []bool{false, true} {
		c := gt.blocked(alone)
		c.cancel()
		select {
		case err := <-c.err:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("alone %v: %v, want context.Canceled", alone, err)
			}
		case <-c.done:
			t.Errorf("alone %v: acquired after cancel", alone)
		case <-time.After(safety):
			t.Fatalf("alone %v: cancel did not end the wait", alone)
		}
	}
	// The cancelled AcquireAlone no longer holds builds back, and a
	// release counts once however often it is called.
	a(0)
	a(0)
	b := gt.now(false)
	gt.blocked(false).cancel()
	b(0)
	// A context already done is refused even when the build would fit.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := gt.g.Acquire(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Acquire with a done context: %v", err)
	}
}

func TestMemAvailable(t *testing.T) {
	meminfo := "MemTotal:       24683548 kB\nMemFree:        23494452 kB\nMemAvailable:   24139068 kB\nBuffers:           10 kB\n"
	if n, err := memAvailable(meminfo); err != nil || n != 24139068<<10 {
		t.Errorf("memAvailable: %d, %v", n, err)
	}
	for _, bad := range []string{"MemTotal: 1 kB\n", "MemAvailable: 12\n", "MemAvailable: x kB\n"} {
		if _, err := memAvailable(bad); err == nil || !strings.Contains(err.Error(), "MemAvailable") {
			t.Errorf("memAvailable(%q): %v, want an error", bad, err)
		}
	}
	n, err := availableMemory()
	if err != nil || n <= 0 {
		t.Errorf("availableMemory: %d, %v", n, err)
	}
}
