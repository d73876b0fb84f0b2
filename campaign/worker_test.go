package campaign

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestWarnedFile: what a build dir records of its last judgement's warned
// objects comes back, and nothing that would leave the dir.
func TestWarnedFile(t *testing.T) {
	dir := t.TempDir()
	if err := writeWarned(dir, []string{"kernel/sched/topology.o", "init/main.o"}); err != nil {
		t.Fatal(err)
	}
	if got := readWarned(dir); !slices.Equal(got, []string{"kernel/sched/topology.o", "init/main.o"}) {
		t.Errorf("readWarned = %q", got)
	}
	if err := os.WriteFile(filepath.Join(dir, warnedFile), []byte("../../etc/passwd\n/etc/passwd\nlib/bcd.o\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := readWarned(dir); !slices.Equal(got, []string{"lib/bcd.o"}) {
		t.Errorf("readWarned = %q, want lib/bcd.o alone", got)
	}
	if err := writeWarned(dir, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, warnedFile)); !os.IsNotExist(err) {
		t.Errorf("nothing warned of, yet %s is there: %v", warnedFile, err)
	}
}
