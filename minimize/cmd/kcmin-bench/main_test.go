package main

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestBound(t *testing.T) {
	for _, tc := range []struct{ n, k, want int }{{2000, 4, 40}, {100, 1, 7}, {128, 1, 7}, {5000, 8, 83}, {3, 3, 0}} {
		if got := bound(tc.n, tc.k); got != tc.want {
			t.Errorf("bound(%d, %d) = %d, want %d", tc.n, tc.k, got, tc.want)
		}
	}
}

// TestSmallRun runs a slice of the grid and checks both outputs: the table
// and one script line per cell and algorithm, in the documented form.
func TestSmallRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, []string{"-seeds", "3", "-n", "100", "-k", "2"}); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	if !strings.Contains(text, "| bound |") {
		t.Errorf("no table in:\n%s", text)
	}
	line := regexp.MustCompile(`(?m)^bench n=100 k=2 layout=(random|pairs|clustered) flaky=0 unresolved=0 algo=(gbs|bisect|ddmin) mean=[0-9.]+ p90=[0-9]+ max=[0-9]+ bound=13 exact=1\.00 deps=none prior=none verify=[0-9.]+ total=[0-9.]+$`)
	if got := len(line.FindAllString(text, -1)); got != 9 {
		t.Errorf("%d script lines for 3 layouts and 3 algorithms, want 9:\n%s", got, text)
	}
	if err := run(&out, []string{"-algo", "probdd"}); err == nil {
		t.Error("an unknown algorithm was accepted")
	}
}

// TestWorkersRun runs the table of several workers on a small cell and
// parses its script lines: one worker makes as many rounds as tests, more
// workers fewer rounds, and every result is exact.
func TestWorkersRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, []string{"-seeds", "3", "-n", "500", "-k", "2", "-workers", "1,4"}); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	if !strings.Contains(text, "| workers | rounds |") {
		t.Errorf("no table in:\n%s", text)
	}
	line := regexp.MustCompile(`(?m)^bench n=500 k=2 layout=random flaky=(0|0\.1) unresolved=(0|0\.1) algo=gbs workers=([14]) rounds=([0-9.]+) max=[0-9]+ tests=([0-9.]+) exact=1\.00$`)
	m := line.FindAllStringSubmatch(text, -1)
	if len(m) != 6 {
		t.Fatalf("%d script lines for 3 cells and 2 worker counts, want 6:\n%s", len(m), text)
	}
	for i := 0; i < len(m); i += 2 {
		one, four := m[i], m[i+1]
		if one[3] != "1" || four[3] != "4" {
			t.Fatalf("lines out of order:\n%s", text)
		}
		r1, _ := strconv.ParseFloat(one[4], 64)
		t1, _ := strconv.ParseFloat(one[5], 64)
		r4, _ := strconv.ParseFloat(four[4], 64)
		if r1 != t1 || r4 >= r1 {
			t.Errorf("one worker: %v rounds for %v tests; four: %v rounds", r1, t1, r4)
		}
	}
	if err := run(&out, []string{"-workers", "0"}); err == nil {
		t.Error("-workers 0 was accepted")
	}
}

// TestCostRun runs the cost model on a small cell: told the costs, the
// search asks about as many tests and builds for fewer seconds, exact.
func TestCostRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, []string{"-seeds", "8", "-n", "500", "-k", "2", "-cost"}); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	line := regexp.MustCompile(`(?m)^bench cost n=500 k=2 costly=5 dirs=4 aware=(false|true) tests=([0-9.]+) build_seconds=([0-9]+) exact=1\.00$`)
	m := line.FindAllStringSubmatch(text, -1)
	if len(m) != 2 || m[0][1] != "false" || m[1][1] != "true" {
		t.Fatalf("want a line without the costs and one with them:\n%s", text)
	}
	num := func(s string) float64 { x, _ := strconv.ParseFloat(s, 64); return x }
	if plain, aware := num(m[0][2]), num(m[1][2]); aware > 1.1*plain {
		t.Errorf("%v tests with the costs known, %v without: more than 10%% more", aware, plain)
	}
	if plain, aware := num(m[0][3]), num(m[1][3]); aware >= 0.8*plain {
		t.Errorf("%v build seconds with the costs known, %v without", aware, plain)
	}
}
