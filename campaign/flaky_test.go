package campaign

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// flakySpec is the mini campaign judged by testdata/mini/flaky.sh: the
// calls numbered in misses ("1,2,3") say "gone" (each sleeping for sleep
// seconds first, when given), the others judge the planted failure.
func flakySpec(t *testing.T, misses string, sleep string, search string) *Spec {
	t.Helper()
	script, err := filepath.Abs("testdata/mini/flaky.sh")
	if err != nil {
		t.Fatal(err)
	}
	args := []string{strconv.Quote(script), strconv.Quote(filepath.Join(t.TempDir(), "calls")), strconv.Quote(misses)}
	if sleep != "" {
		args = append(args, strconv.Quote(sleep))
	}
	return miniSpec(t, func(text string) string {
		text = strings.Replace(text, `log_patterns = ['objtool: .* leaves \.noinstr\.text section']`,
			"command = ["+strings.Join(args, ", ")+"]\ncommand_timeout = \"2s\"", 1)
		return strings.Replace(text, `algorithm = "bisect"`, `algorithm = "bisect"`+"\n"+search, 1)
	})
}

// TestFlakyBadConfigFirstRunMisses: with a flaky failure, one "gone" on
// the bad config's first run is a miss among its repeats, not the end.
func TestFlakyBadConfigFirstRunMisses(t *testing.T) {
	spec := flakySpec(t, "1", "", "flaky = true\nrepeats = 3")
	sum, err := Run(context.Background(), spec, Options{Workdir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(sum.Result.Minimal, miniCulprits) || !sum.Verified {
		t.Errorf("minimal %q verified %v, want %q", sum.Result.Minimal, sum.Verified, miniCulprits)
	}
	if sum.Result.FlakeRate == nil || *sum.Result.FlakeRate == 0 {
		t.Errorf("flake rate %v, want the first run's miss counted", sum.Result.FlakeRate)
	}
	if sum.Result.FalseGone < 1 || sum.Result.Gone < sum.Result.FalseGone {
		t.Errorf("false_gone %d of gone %d, want the bad config's miss among them", sum.Result.FalseGone, sum.Result.Gone)
	}
	if text := strings.Join(strings.Fields(sum.Report), " "); !strings.Contains(text, "were seen to be false") {
		t.Errorf("report.txt does not give the false \"gone\" answers:\n%s", sum.Report)
	}
}

// TestBadConfigAskedAgain: a campaign that stopped because no run of the
// bad config reproduced asks again when run again, rather than replaying
// the misses from its journal; and so does one whose bad config timed
// out, which says it was unresolved, not that the failure is gone.
func TestBadConfigAskedAgain(t *testing.T) {
	for _, c := range []struct {
		name, sleep, search, says string
	}{
		{"flaky", "", "flaky = true\nrepeats = 3", "the bad config does not reproduce the failure in any of 3 runs"},
		{"timed out", "5", "", "the bad config could not be judged: unresolved"},
	} {
		t.Run(c.name, func(t *testing.T) {
			misses := "1"
			if c.search != "" {
				misses = "1,2,3"
			}
			spec := flakySpec(t, misses, c.sleep, c.search)
			work := t.TempDir()
			_, err := Run(context.Background(), spec, Options{Workdir: work})
			if !errors.Is(err, ErrNoResult) || !strings.Contains(err.Error(), c.says) {
				t.Fatalf("first run: %v, want it to say %q", err, c.says)
			}
			sum, err := Run(context.Background(), spec, Options{Workdir: work})
			if err != nil {
				t.Fatalf("second run: %v", err)
			}
			if !reflect.DeepEqual(sum.Result.Minimal, miniCulprits) {
				t.Errorf("minimal %q, want %q", sum.Result.Minimal, miniCulprits)
			}
			// A third run replays the second exactly.
			recs := len(journalOf(t, work))
			if _, err := Run(context.Background(), spec, Options{Workdir: work}); err != nil {
				t.Fatal(err)
			}
			if n := len(journalOf(t, work)); n != recs {
				t.Errorf("the third run added %d journal lines to a finished campaign", n-recs)
			}
		})
	}
}

// TestFalseGoneReported: the bad config reproduced in each of its runs,
// so its flake rate is 0, yet a later test missed the failure; the result
// counts that false "gone".
func TestFalseGoneReported(t *testing.T) {
	spec := flakySpec(t, "5", "", "flaky = true\nrepeats = 3")
	sum, err := Run(context.Background(), spec, Options{Workdir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	r := sum.Result
	if !reflect.DeepEqual(r.Minimal, miniCulprits) || r.FlakeRate == nil || *r.FlakeRate != 0 {
		t.Fatalf("minimal %q flake rate %v, want %q and 0", r.Minimal, r.FlakeRate, miniCulprits)
	}
	if r.FalseGone != 1 {
		t.Errorf("false_gone %d, want the fifth call's miss", r.FalseGone)
	}
}
