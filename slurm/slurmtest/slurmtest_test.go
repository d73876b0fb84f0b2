package slurmtest

import (
	"os"
	"strings"
	"testing"
	"time"
)

// TestStartStop starts a cluster, leaves a job running in it, and checks
// that Stop leaves nothing of it behind.
func TestStartStop(t *testing.T) {
	c := Start(t)
	out, err := runEnv(c.Env(), "sinfo", "-h", "-o", "%P %T %N")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.TrimSpace(out), "debug* idle "+c.Node; got != want {
		t.Errorf("sinfo = %q, want %q", got, want)
	}
	if _, err := runEnv(c.Env(), "sbatch", "-c1", "--mem=10M", "--output=/dev/null", "--wrap=exec sleep infinity"); err != nil {
		t.Fatal(err)
	}
	// The check after Stop must see a job's processes to be worth
	// anything: the batch script and its slurmstepd.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var task, stepd bool
		for _, cmdline := range c.processes() {
			task = task || cmdline == "sleep infinity"
			stepd = stepd || strings.HasPrefix(cmdline, "slurmstepd: [1.batch]")
		}
		if task && stepd {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the job's processes are not found: %v", c.processes())
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.Stop()
	if left := c.processes(); len(left) > 0 {
		t.Errorf("left after Stop: %v", left)
	}
	if _, err := os.Stat(c.Dir); !os.IsNotExist(err) {
		t.Errorf("%s is still there after Stop", c.Dir)
	}
}
