package campaign

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestFlakeRateReachesSearch: the bad config's repeated runs measure the
// flake rate, and the search plans its confirmations with it. The check
// misses the failure once, on the bad config's second run, so the rate is
// 1 in 3; a deciding "gone" then needs 6 confirmations (a wrong culprit
// after (1/3)^7 < 1/1000), where the search, told nothing, assumes 1 in
// 10 and asks at most 2.
func TestFlakeRateReachesSearch(t *testing.T) {
	dir := t.TempDir()
	check := filepath.Join(dir, "check.sh")
	count := filepath.Join(dir, "count")
	script := fmt.Sprintf(`#!/bin/sh
n=$(($(cat %[1]q 2>/dev/null || echo 0) + 1))
echo $n >%[1]q
[ $n = 2 ] && exit 1
for s in B C D; do grep -qx "CONFIG_$s=y" "$KCMIN_CONFIG" || exit 1; done
exit 0
`, count)
	if err := os.WriteFile(check, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	spec := miniSpec(t, func(s string) string {
		s = strings.Replace(s, `log_patterns = ['objtool: .* leaves \.noinstr\.text section']`, `command = ["`+check+`"]`, 1)
		return s + "flaky = true\nrepeats = 3\n"
	})
	work := t.TempDir()
	var log syncBuffer
	sum, err := Run(context.Background(), spec, Options{Workdir: work, Log: &log})
	if err != nil {
		t.Fatalf("%v\nlog:\n%s", err, log.String())
	}
	if !strings.Contains(log.String(), "the bad config reproduced 2 of 3 judged runs") {
		t.Errorf("the log does not give the measured rate:\n%s", log.String())
	}
	if !reflect.DeepEqual(sum.Result.Minimal, miniCulprits) || !sum.Verified {
		t.Errorf("minimal %q (verified %v), want %q", sum.Result.Minimal, sum.Verified, miniCulprits)
	}
	if rate := sum.Result.FlakeRate; rate == nil || *rate != 1.0/3 {
		t.Errorf("result.json gives the flake rate as %v, want 1/3", rate)
	}
	// The confirmations a deciding "gone" gets at a flake rate of 1/3:
	// the fewest that make a wrong culprit rarer than 1 in 1000.
	want := 1
	for math.Pow(1.0/3, float64(want+1)) > 1e-3 {
		want++
	}
	most := 0
	for _, r := range journalOf(t, work) {
		if r.Role == "" {
			most = max(most, r.Attempt)
		}
	}
	if most != want {
		t.Errorf("the search confirmed a gone up to attempt %d, want %d as the measured 1/3 asks", most, want)
	}
}

// TestFlakyMeasures: a campaign declared flaky runs the bad config as
// often as repeats says before the base, three times when it does not
// say; once is no measurement.
func TestFlakyMeasures(t *testing.T) {
	for _, c := range []struct {
		repeats string
		bad     int
	}{{"", 3}, {"repeats = 2\n", 2}, {"repeats = 1\n", 1}} {
		t.Run(fmt.Sprintf("%q", c.repeats), func(t *testing.T) {
			spec := miniSpec(t, func(s string) string { return s + "flaky = true\n" + c.repeats })
			work := t.TempDir()
			var log syncBuffer
			if _, err := Run(context.Background(), spec, Options{Workdir: work, Log: &log}); err != nil {
				t.Fatalf("%v\nlog:\n%s", err, log.String())
			}
			var roles []string
			for _, r := range journalOf(t, work) {
				if r.Role == "bad" || r.Role == "base" {
					roles = append(roles, r.Role)
				}
			}
			want := append(slices.Repeat([]string{"bad"}, c.bad), "base")
			if !reflect.DeepEqual(roles, want) {
				t.Errorf("the first tests are %q, want %q", roles, want)
			}
		})
	}
}
