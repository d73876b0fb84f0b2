package main

import (
	"bytes"
	"regexp"
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
