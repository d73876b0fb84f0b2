//go:build e2e

package campaign_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// coverageKCFLAGS is clang's source-based coverage, what the report's
// LLVM_COV_PROFILE_ALL turns on: one build of the cmdline case's kernel
// with it peaks at about 7 GB in one process here.
const coverageKCFLAGS = "KCFLAGS=-fprofile-instr-generate -fcoverage-mapping"

// memRecord is the part of a journal line the memory check reads.
type memRecord struct {
	Test    int    `json:"test"`
	Built   bool   `json:"built"`
	BuildMS int64  `json:"build_ms"`
	JudgeMS int64  `json:"judge_ms"`
	PeakRSS int64  `json:"peak_rss"`
	Time    string `json:"time"`
	Dir     string `json:"build_dir"`
	Reason  string `json:"reason"`
}

// TestE2EMemory runs the cmdline case with coverage instrumentation and
// 4 workers on this machine (make e2e; about an hour here). Three such
// builds fit in 24 GB and four do not, so the campaign must finish with
// the exact culprits, no OOM kill anywhere on the machine, and never more
// builds at once than the memory holds once the first peak is known.
// KCMIN_E2E_MEMORY_WORKERS changes the 4.
func TestE2EMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds real instrumented kernels for an hour; skipped in -short")
	}
	env := setupE2E(t)
	workers := 4
	if n := os.Getenv("KCMIN_E2E_MEMORY_WORKERS"); n != "" {
		var err error
		if workers, err = strconv.Atoi(n); err != nil || workers < 1 {
			t.Fatalf("KCMIN_E2E_MEMORY_WORKERS=%q: want a number of workers", n)
		}
	}
	file := "../testdata/e2e/cmdline/campaign.toml"
	want := readExpected(t, filepath.Join(filepath.Dir(file), "expected.txt"))
	workdir := filepath.Join(env.cache, "e2e", "cmdline-coverage-w"+strconv.Itoa(workers))
	// Every build dir starts cold: the figures are a clean campaign's.
	if err := os.RemoveAll(workdir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(workdir, 0o755); err != nil {
		t.Fatal(err)
	}
	campaignFile := workdir + ".campaign.toml"
	rewriteCampaign(t, env, file, campaignFile, func(doc map[string]any) {
		kernel := doc["kernel"].(map[string]any)
		vars, _ := kernel["make_vars"].([]any)
		kernel["make_vars"] = append(vars, coverageKCFLAGS)
	})

	oomBefore := oomKills(t)
	ctx, cancel := context.WithTimeout(context.Background(), e2eCaseTimeout)
	defer cancel()
	start := time.Now()
	err := runKcmin(ctx, t, workdir+".log", env.kcmin, "run", "-c", campaignFile, "-w", workdir, "--workers", strconv.Itoa(workers))
	wall := time.Since(start)
	if err != nil {
		t.Fatalf("kcmin run: %v after %v (output: %s.log)", err, wall.Round(time.Second), workdir)
	}
	if n := oomKills(t); n != oomBefore {
		t.Errorf("the OOM killer killed %d processes during the campaign", n-oomBefore)
	}

	res := checkResult(t, workdir, want)

	recs := memJournal(t, filepath.Join(workdir, "journal.jsonl"))
	var peak int64
	for _, r := range recs {
		if strings.Contains(r.Reason, "memory") {
			t.Errorf("test %d: %s", r.Test, r.Reason)
		}
		peak = max(peak, r.PeakRSS)
	}
	if peak < 4<<30 {
		t.Fatalf("the largest build peaked at %d MB: coverage instrumentation was not on", peak>>20)
	}
	fits := int(memTotal(t) / peak)
	most, firstPeak := concurrentBuilds(recs)
	t.Logf("%d workers, %d tests in %v; peak %d MB; the memory holds %d such builds; once the first peak was known (%s), at most %d built at once",
		workers, res.Tests, wall.Round(time.Second), peak>>20, fits, firstPeak.Format("15:04:05"), most)
	if most > fits {
		t.Errorf("%d builds ran at once after a peak of %d MB was known; the memory holds %d", most, peak>>20, fits)
	}
	if workers > fits && most < 2 {
		t.Errorf("at most %d build at once: the gate held back more than the memory asks", most)
	}
	figures(t, workdir, res, wall, true)
}

// oomKills reads the machine's count of OOM kills.
func oomKills(t *testing.T) int64 {
	t.Helper()
	data, err := os.ReadFile("/proc/vmstat")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "oom_kill "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatalf("/proc/vmstat: %q", l)
			}
			return n
		}
	}
	t.Fatal("/proc/vmstat has no oom_kill")
	return 0
}

// memTotal is the machine's memory.
func memTotal(t *testing.T) int64 {
	t.Helper()
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("/proc/meminfo: %q", l)
			}
			return kb << 10
		}
	}
	t.Fatal("/proc/meminfo has no MemTotal")
	return 0
}

func memJournal(t *testing.T, path string) []memRecord {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []memRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var r memRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		recs = append(recs, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return recs
}

// concurrentBuilds is the most builds that ran at once after the first
// build of 4 GB or more was recorded, from the journal's spans (a test
// ends at its record; its build ran for build_ms before its judging).
// A second of slack at each end absorbs the time between a build's end
// and its record.
func concurrentBuilds(recs []memRecord) (int, time.Time) {
	type span struct{ from, to time.Time }
	var spans []span
	var known time.Time
	for _, r := range recs {
		if !r.Built || r.Time == "" {
			continue
		}
		end, err := time.Parse(time.RFC3339Nano, r.Time)
		if err != nil {
			continue
		}
		to := end.Add(-time.Duration(r.JudgeMS) * time.Millisecond)
		from := to.Add(-time.Duration(r.BuildMS) * time.Millisecond)
		spans = append(spans, span{from.Add(time.Second), to.Add(-time.Second)})
		if r.PeakRSS >= 4<<30 && (known.IsZero() || end.Before(known)) {
			known = end
		}
	}
	most := 0
	for _, s := range spans {
		if s.from.Before(known) {
			continue
		}
		// Builds running when s started.
		n := 0
		for _, o := range spans {
			if !o.from.After(s.from) && o.to.After(s.from) {
				n++
			}
		}
		most = max(most, n)
	}
	return most, known
}
