package build

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRunTermReachesGroup: at the timeout every process of the group gets
// SIGTERM first, not the leader alone, so that a child (make's) can clean
// up before the SIGKILL. The leader here waits for its child, which
// leaves a mark when the SIGTERM reaches it.
func TestRunTermReachesGroup(t *testing.T) {
	mark := filepath.Join(t.TempDir(), "child got TERM")
	script := `sh -c 'trap "echo x >\"$0\"; exit 0" TERM; while :; do sleep 0.05; done' "$MARK" &
child=$!
trap 'wait $child; exit 0' TERM
echo started >"$MARK.started"
wait $child`
	_, err := Run(context.Background(), Cmd{Argv: []string{"sh", "-c", script}, Env: []string{"MARK=" + mark}, Timeout: 500 * time.Millisecond})
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("Run: %v, want a timeout", err)
	}
	if _, err := os.Stat(mark + ".started"); err != nil {
		t.Fatalf("the script did not start: %v", err)
	}
	if _, err := os.Stat(mark); err != nil {
		t.Error("the child never got SIGTERM")
	}
}
