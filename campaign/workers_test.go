package campaign

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestDefaultWorkers(t *testing.T) {
	for _, tt := range []struct {
		cores  int
		memory int64
		want   int
	}{
		{2, 24 << 30, 1},  // this machine: one build gets both cores
		{16, 64 << 30, 4}, // cores decide
		{64, 16 << 30, 4}, // memory decides
		{8, 0, 2},         // memory unknown: cores alone
		{1, 1 << 30, 1},
	} {
		if got := defaultWorkers(tt.cores, tt.memory); got != tt.want {
			t.Errorf("defaultWorkers(%d, %d) = %d, want %d", tt.cores, tt.memory, got, tt.want)
		}
	}
}

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{"": 0, "8G": 8 << 30, "512M": 512 << 20, "1.5G": 3 << 29, "4096": 4096, "2T": 2 << 40} {
		if got, err := parseBytes(in); err != nil || got != want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"8GB", "G", "-1G", "1e9", "lots"} {
		if _, err := parseBytes(in); err == nil {
			t.Errorf("parseBytes(%q) took it", in)
		}
	}
}

func TestWorkersKeys(t *testing.T) {
	s, err := Load(writeSpec(t, specDir(t), goodSpec+"[workers]\ncount = 4\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Workers.Count != 4 || s.Kernel.Jobs < 1 {
		t.Errorf("count = %d, jobs = %d", s.Workers.Count, s.Kernel.Jobs)
	}
	_, err = Load(writeSpec(t, specDir(t), goodSpec+"[workers]\nmemory_per_build = \"8 GB\"\n"))
	if want := "workers.memory_per_build: \"8 GB\": write a size"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want %q", err, want)
	}
}

// TestWallTime: tests that ran at once count once; without times, the
// tests count one after another.
func TestWallTime(t *testing.T) {
	at := func(s float64) time.Time { return time.Unix(1000, 0).Add(time.Duration(s * float64(time.Second))) }
	spans := []span{{at(0), at(10)}, {at(2), at(5)}, {at(8), at(12)}, {at(20), at(21)}}
	if got := wallTime(spans, 18*time.Second); got != 13*time.Second {
		t.Errorf("wall time %v, want 13s", got)
	}
	if got := wallTime(append(spans, span{}), 18*time.Second); got != 18*time.Second {
		t.Errorf("with an untimed test: %v, want the sum", got)
	}
}

// TestTakeWhereBuilt: a test goes to the free worker whose build dir
// last built its config; another config takes any free worker.
func TestTakeWhereBuilt(t *testing.T) {
	r := &runner{count: 3, free: make(chan *worker, 3)}
	for n, last := range []string{"a", "b", ""} {
		r.free <- &worker{n: n, last: last}
	}
	for _, hash := range []string{"a", "b"} {
		w, err := r.take(context.Background(), hash)
		if err != nil || w.last != hash {
			t.Fatalf("take(%q) = worker %d (last %q), %v", hash, w.n, w.last, err)
		}
		r.free <- w
	}
	w, err := r.take(context.Background(), "c")
	if err != nil || w == nil {
		t.Fatalf("take(c): %v", err)
	}
	if len(r.free) != 2 {
		t.Errorf("%d workers left free, want 2", len(r.free))
	}
}
