package minimize

import (
	"context"
	"fmt"
	"testing"
)

func TestGroupsOf(t *testing.T) {
	for _, tc := range []struct {
		c    []int
		max  int
		want string
	}{
		{[]int{4, 7}, 16, "[[4 7]]"},
		{[]int{1, 2, 3}, 16, "[[1 2] [1 3] [2 3] [1 2 3]]"},
		{[]int{1, 2, 3, 4}, 9, "[[1 2] [1 3] [1 4] [2 3] [2 4] [3 4] [1 2 3 4] [1 2 3] [1 2 4]]"},
		{[]int{9}, 16, "[]"},
	} {
		if got := fmt.Sprint(groupsOf(tc.c, tc.max)); got != tc.want {
			t.Errorf("groupsOf(%v, %d) = %s, want %s", tc.c, tc.max, got, tc.want)
		}
	}
}

// TestRepeats: a deciding Gone is confirmed until all answers being flakes
// is rarer than one in a thousand.
func TestRepeats(t *testing.T) {
	for _, tc := range []struct {
		p    Problem
		want int
	}{
		{Problem{N: 1}, 0},
		{Problem{N: 1, Flaky: true}, 2}, // unknown rate: plan for 10%
		{Problem{N: 1, Flaky: true, FlakeRate: 0.1}, 2},
		{Problem{N: 1, Flaky: true, FlakeRate: 0.05}, 2},
		{Problem{N: 1, Flaky: true, FlakeRate: 0.01}, 1},
		{Problem{N: 1, Flaky: true, FlakeRate: 0.5}, 9},
		{Problem{N: 1, Flaky: true, FlakeRate: 0.5, Repeats: 4}, 4},
	} {
		s := newSearch(context.Background(), tc.p, nil, nil)
		if got := s.repeats(); got != tc.want {
			t.Errorf("%+v: %d repeats, want %d", tc.p, got, tc.want)
		}
	}
}
