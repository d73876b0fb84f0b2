package minimize

import (
	"math"
	"slices"
)

// bisect is sequential bisection: revert everything undecided; if the
// failure goes, bisect (always reverting a suffix in work order, so the
// kept set stays closed) down to one culprit, keep it, and start over on
// the rest. For a monotone failure with k culprits among n it needs at most
// k(ceil(log2 n)+1) tests: the first "revert everything" is the base, which
// the caller has judged.
func (s *search) bisect() error {
	s.estimate = func() int {
		u := len(s.undecidedInOrder())
		if u == 0 {
			return 0
		}
		// One more culprit, then the final revert.
		return int(math.Ceil(math.Log2(float64(u)))) + 2
	}
	lastAlive := -1
	for {
		if err := s.ctx.Err(); err != nil {
			return err
		}
		u := s.undecidedInOrder()
		if len(u) == 0 {
			if s.retryDeferred(&lastAlive) {
				continue
			}
			return nil
		}
		// Reverse work order: every prefix of the pool is then closed
		// under descendants, and its first half is the suffix.
		slices.Reverse(u)
		if err := s.resolvePool(u, halving{}); err != nil {
			return err
		}
	}
}
