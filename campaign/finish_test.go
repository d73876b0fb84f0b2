package campaign

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/kcmin/kcmin/minimize"
)

// TestUnverifiedIsNoResult: a search whose result did not reproduce when
// tested again still gets its report, but the campaign has no verified
// result: exit status 1.
func TestUnverifiedIsNoResult(t *testing.T) {
	r, idx := miniRunner(t, nil, Options{})
	sum, err := r.finish(minimize.Result{Culprits: []int{idx["C"]}})
	if !errors.Is(err, ErrNoResult) || ExitCode(err) != 1 {
		t.Fatalf("error %v (exit %d), want no result", err, ExitCode(err))
	}
	if sum == nil || sum.Verified || sum.Result.Verified {
		t.Fatalf("summary %+v, want an unverified result", sum)
	}
	if _, err := os.Stat(filepath.Join(r.wd.Dir, "result", "report.txt")); err != nil {
		t.Errorf("no report: %v", err)
	}
}
