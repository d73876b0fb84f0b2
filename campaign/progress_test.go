package campaign

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// progressStatuses are states from a campaign's start to a long search.
func progressStatuses(now time.Time) []Status {
	return []Status{
		{},
		{Phase: "resolving the base config", Since: now.Add(-3 * time.Second)},
		{Tests: 1, Phase: "building test 1 (the bad config)", Since: now.Add(-2*time.Minute - 20*time.Second)},
		{Tests: 2, Candidates: 536, Undecided: 536, EstimatedLeft: 40, TimeLeft: 40 * 95 * time.Second,
			Phase: "building test 3", Since: now.Add(-time.Minute)},
		{Tests: 1234, CacheHits: 77, Candidates: 12345, Undecided: 10234, Culprits: 17, EstimatedLeft: 4321,
			TimeLeft: 4321 * 20 * time.Minute, Phase: "confirming test 1235 (repeat 2 of 3)", Since: now.Add(-123 * time.Hour)},
		{Tests: 20, Candidates: 536, Undecided: 100, EstimatedLeft: 12, Workers: []WorkerStatus{
			{Test: 21, Phase: "building", Since: now.Add(-63 * time.Second)}, {},
			{Test: 23, Phase: "judging", Since: now.Add(-4 * time.Second)}}},
	}
}

// TestProgressWorkers: the line names every busy worker's test, its
// phase and its time; a worker alone goes unnamed.
func TestProgressWorkers(t *testing.T) {
	now := time.Now()
	st := progressStatuses(now)[5]
	got := progressLine(st, now, 200)
	if want := "w0 building test 21 1m03s, w2 judging test 23 4s"; !strings.Contains(got, want) {
		t.Errorf("line %q lacks %q", got, want)
	}
	one := Status{Tests: 3, Workers: []WorkerStatus{{Test: 4, Phase: "resolving", Since: now.Add(-2 * time.Second)}}}
	if got, want := progressLine(one, now, 200), "3 tests | resolving test 4 2s"; got != want {
		t.Errorf("one worker: %q, want %q", got, want)
	}
}

// No line the display draws reaches the terminal's last column, however
// narrow, so none wraps and leaves a stale copy behind.
func TestProgressFitsWidth(t *testing.T) {
	now := time.Now()
	for _, width := range []int{1, 20, 40, 60, 80, 100, 132, 200} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			var out syncBuffer
			d := newLineDisplay(&out, func() int { return width })
			for _, s := range progressStatuses(now) {
				d.Progress(s)
				fmt.Fprintf(d, "test %d: keeps 3 of %d candidates: gone\n", s.Tests, s.Candidates)
			}
			d.Close()
			// What the display drew: the rows between line ends and
			// carriage returns, without the erase-line sequences.
			drawn := strings.ReplaceAll(out.String(), "\x1b[K", "")
			for _, row := range strings.FieldsFunc(drawn, func(r rune) bool { return r == '\r' || r == '\n' }) {
				if strings.HasPrefix(row, "test ") {
					continue // a log line, printed once and never redrawn
				}
				if n := utf8.RuneCountInString(row); n >= width {
					t.Errorf("a %d-column line at width %d: %q", n, width, row)
				}
			}
		})
	}
}

// The line says how long the campaign has left, and keeps it when the
// terminal is narrow.
func TestProgressTimeLeft(t *testing.T) {
	now := time.Now()
	s := progressStatuses(now)[3]
	for _, width := range []int{40, 80, 200} {
		if l := progressLine(s, now, width); !strings.Contains(l, "~1h03m left") {
			t.Errorf("width %d: %q does not say the time left", width, l)
		}
	}
	if l := progressLine(Status{Tests: 2}, now, 80); strings.Contains(l, "left") {
		t.Errorf("without an estimate: %q", l)
	}
}

func TestMedianTestTime(t *testing.T) {
	recs := []Record{
		{Role: "bad", Verdict: "present", Built: true, ResolveMS: 1000, BuildMS: 150000, JudgeMS: 50},
		{Verdict: "absent", Built: true, ResolveMS: 500, BuildMS: 9000, JudgeMS: 500},
		{Hit: true, Verdict: "absent"},
		{Hit: true, Verdict: "absent"},
		{Hit: true, Verdict: "absent"},
		{Outcome: "unresolved", Reason: "KASAN_INLINE=y needs KASAN [=n]", ResolveMS: 200},
		{Verdict: "present", Built: true, ResolveMS: 500, BuildMS: 19000, JudgeMS: 500},
	}
	if got, want := medianTestTime(recs), 15*time.Second; got != want {
		t.Errorf("median %v, want %v", got, want)
	}
	if got, want := medianTestTime(recs[1:]), 10*time.Second; got != want {
		t.Errorf("median of an odd count %v, want %v", got, want)
	}
	if got := medianTestTime(nil); got != 0 {
		t.Errorf("median of nothing %v", got)
	}
}

// A running campaign tells its display the time left once it has an
// estimate of the tests left.
func TestRunReportsTimeLeft(t *testing.T) {
	spec := miniSpec(t, nil)
	var mu sync.Mutex
	var estimated, timed int
	_, err := Run(context.Background(), spec, Options{Workdir: t.TempDir(), Progress: func(s Status) {
		mu.Lock()
		defer mu.Unlock()
		if s.EstimatedLeft > 0 && s.Tests > 0 {
			estimated++
			if s.TimeLeft > 0 {
				timed++
			}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if estimated == 0 || timed != estimated {
		t.Errorf("%d of %d states with an estimate of tests left have a time left", timed, estimated)
	}
}
