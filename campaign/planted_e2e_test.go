//go:build e2e

package campaign

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
)

// plantable lists the candidates a planted failure can need on its own:
// one symbol set to a value other than n, which nothing selects or
// implies and whose defaults name no other symbol, so that no other line
// of a fragment can give it its value and the answer is the planted line
// alone (with what it needs to stick).
func plantable(t *testing.T, r *runner) []Option {
	t.Helper()
	tk, ok := r.know.(*treeKnowledge)
	if !ok {
		t.Fatalf("the campaign's knowledge is %T, not the kernel's tree", r.know)
	}
	var out []Option
	for _, c := range r.cands.List {
		if len(c.Options) != 1 || c.Options[0].Bad == "n" {
			continue
		}
		o := c.Options[0]
		s := tk.tree.Lookup(o.Name)
		if s == nil || len(s.SelectedBy) > 0 || s.Implied != nil {
			continue
		}
		plain := true
		for _, d := range s.Defaults() {
			if d.Expr.Symbols(nil) != nil || d.Cond.Symbols(nil) != nil {
				plain = false
			}
		}
		if plain {
			out = append(out, o)
		}
	}
	return out
}

// TestE2EPlanted: a dozen failures planted among the differences of
// x86_64_defconfig and Debian's amd64 config, 1 to 6 options each, drawn
// with fixed seeds. Each result must be exactly the planted lines plus
// lines needed for them to stick, each saying which; the tests each took
// are printed against the information bound.
func TestE2EPlanted(t *testing.T) {
	src := linuxTree(t)
	bad := debianConfig(t, t.TempDir())
	r, err := start(context.Background(), plantedSpec(t, src, bad, []string{"CONFIG_X86=y"}), Options{Workdir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	pool := plantable(t, r)
	n := len(r.cands.List)
	r.close()
	t.Logf("%d candidates, %d of them plantable", n, len(pool))
	var tests, bounds int
	for seed := uint64(1); seed <= 12; seed++ {
		rng := rand.New(rand.NewPCG(seed, 0x6b636d696e))
		k := 1 + int(seed-1)%6
		var planted []string
		for _, i := range rng.Perm(len(pool))[:k] {
			planted = append(planted, pool[i].Line())
		}
		t.Run(strings.Join(planted, ","), func(t *testing.T) {
			sum := plantedCampaign(t, src, bad, planted)
			res := sum.Result
			extras := checkPlanted(t, sum, planted)
			var why []string
			for _, e := range extras {
				why = append(why, e+" for "+strings.Join(res.NeededFor[e], " "))
			}
			b := bound(res.Candidates, k)
			tests += res.Tests
			bounds += b
			t.Logf("seed %d, k=%d: %d tests (bound %d), %d unresolved, %.0f s; extras: %q", seed, k, res.Tests, b, res.Unresolved, res.Seconds, why)
		})
	}
	t.Logf("all seeds: %d tests against a bound of %d", tests, bounds)
}
