package slurmtest

import (
	"os"
	"strings"
	"testing"
)

func TestStartStop(t *testing.T) {
	c := Start(t)
	out, err := runEnv(c.Env(), "sinfo", "-h", "-o", "%P %T %N")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.TrimSpace(out), "debug* idle "+c.Node; got != want {
		t.Errorf("sinfo = %q, want %q", got, want)
	}
	c.Stop()
	if left := c.leftovers(); len(left) > 0 {
		t.Errorf("left after Stop: %v", left)
	}
	if _, err := os.Stat(c.Dir); !os.IsNotExist(err) {
		t.Errorf("%s is still there after Stop", c.Dir)
	}
}
