package report

import (
	"strings"
	"testing"
)

// TestTextStatsAndNotes: the last paragraph counts a single cache hit and
// the runs of a flaky bad config, and the notes each get a paragraph.
func TestTextStatsAndNotes(t *testing.T) {
	in := &Input{
		Base:     Base{Targets: []string{"defconfig"}},
		Notes:    []string{"The base config was resolved with make olddefconfig."},
		Culprits: []Option{{Name: "A", Line: "CONFIG_A=y", DefinedIn: "init/Kconfig"}},
		Stats:    Stats{Tests: 5, Builds: 4, CacheHits: 1, BadRuns: 3, BadGone: 1, Candidates: 9, Algorithm: "gbs"},
	}
	text := strings.Join(strings.Fields(Text(in, Plan(in))), " ")
	for _, want := range []string{
		"kcmin ran 5 tests (4 builds, 1 question answered from its cache) in 0s, searching 9 candidate options with gbs.",
		"The bad config showed the failure in 2 of 3 runs (flake rate 33%).",
		"The base config was resolved with make olddefconfig.",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the report does not say %q:\n%s", want, text)
		}
	}
}
