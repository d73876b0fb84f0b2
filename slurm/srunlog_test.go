package slurm

import (
	"bytes"
	"strings"
	"testing"
)

// TestSrunLog tells srun's reports of the program's end from Slurm's own
// failures, on stderr as srun 22.05 writes it, in pieces.
func TestSrunLog(t *testing.T) {
	for _, tc := range []struct {
		name   string
		stderr string
		code   int
		infra  bool
	}{
		{"exit status", "oops\nsrun: error: vm: task 0: Exited with exit code 3\n", 3, false},
		{"signal", "srun: error: vm: task 0: Killed\n", 137, false},
		{"tasks", "srun: error: node[1-2]: tasks 0-1: Exited with exit code 2\n", 2, false},
		{"step cancelled", "slurmstepd-vm: error: *** STEP 1.0 ON vm CANCELLED AT 2026-12-01T13:03:05 ***\nsrun: error: vm: task 0: Killed\n", 137, true},
		{"job expired", "srun: error: Slurm job 1 has expired\n", 1, true},
		{"no allocation", "srun: error: Unable to confirm allocation for job 9: Invalid job id specified\n", 1, true},
		{"fatal", "srun: fatal: Invalid --jobid", 1, true},
		{"no report", "", 137, true},
		{"a program's long line", strings.Repeat("x", 3*maxLine) + "\nsrun: error: Slurm job 1 has expired\n", 1, true},
		{"a program's endless line", "srun: error: vm: task 0: Exited with exit code 1\n" + strings.Repeat("x", 3*maxLine), 1, false},
		{"program's text", "error: task 0: Killed\nsrun: error: vm: task 0: Exited with exit code 1\n", 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			l := &srunLog{out: &out}
			for s := tc.stderr; s != ""; {
				n := min(len(s), 7)
				if _, err := l.Write([]byte(s[:n])); err != nil {
					t.Fatal(err)
				}
				s = s[n:]
			}
			if len(l.partial) > maxLine {
				t.Errorf("keeps %d bytes of an unfinished line", len(l.partial))
			}
			if out.String() != tc.stderr {
				t.Errorf("passed on %q, want %q", out.String(), tc.stderr)
			}
			if why := l.infrastructure(tc.code); (why != "") != tc.infra {
				t.Errorf("infrastructure() = %q, want a reason: %v", why, tc.infra)
			}
		})
	}
}
