package campaign

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestJournalLastLineWithoutEnd: a last record whose newline never
// reached the disk is torn, even when its JSON is whole: it is dropped
// and cut, and the next record starts a line of its own.
func TestJournalLastLineWithoutEnd(t *testing.T) {
	path := filepath.Join(t.TempDir(), journalFile)
	first := `{"test":1,"subset":["A"],"attempt":0,"outcome":"gone"}` + "\n"
	// Longer than the record that follows, so a journal that does not cut
	// it would keep its end.
	torn := `{"test":2,"subset":["B` + strings.Repeat(`","B`, 100) + `"],"attempt":0,"outcome":"gone"}`
	if err := os.WriteFile(path, []byte(first+torn), 0o644); err != nil {
		t.Fatal(err)
	}
	j, recs, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Test != 1 {
		t.Fatalf("records %+v, want test 1 alone", recs)
	}
	if err := j.Append(Record{Test: 2, Subset: []string{"C"}, Outcome: "reproduces"}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	recs, err = ReadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	var subsets [][]string
	for _, r := range recs {
		subsets = append(subsets, r.Subset)
	}
	if want := [][]string{{"A"}, {"C"}}; !reflect.DeepEqual(subsets, want) {
		t.Errorf("subsets %q after the append, want %q", subsets, want)
	}
	if data, _ := os.ReadFile(path); strings.Count(string(data), "\n") != 2 || !strings.HasSuffix(string(data), "\n") {
		t.Errorf("the journal is not two whole lines:\n%s", data)
	}
}

// TestWorkdirLockStalePid: the lock file of a kcmin that died names it;
// the next holder's pid replaces it whole, however long the old one was.
func TestWorkdirLockStalePid(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, lockFile), []byte("4194304123\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := OpenWorkdir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if pid := LockedBy(dir); pid != os.Getpid() {
		data, _ := os.ReadFile(filepath.Join(dir, lockFile))
		t.Errorf("LockedBy = %d, want %d; the lock file says %q", pid, os.Getpid(), strings.TrimSpace(string(data)))
	}
}

// TestStaleTestFolder: a test folder left by a run killed before its
// record reached the journal is emptied before the test runs again.
func TestStaleTestFolder(t *testing.T) {
	r, idx := miniRunner(t, nil, Options{})
	stale := filepath.Join(r.wd.TestDir(1), "boot.log")
	if err := os.MkdirAll(filepath.Dir(stale), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, []byte("from a run that was killed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ask(t, r, idx["C"])
	if _, err := os.Stat(stale); err == nil {
		t.Error("test 1's folder keeps a file of the killed run")
	}
	if _, err := os.Stat(filepath.Join(r.wd.TestDir(1), "build.log")); err != nil {
		t.Errorf("test 1 has no build log: %v", err)
	}
}

// TestNoBuildCampaign: with an empty target the command judges the
// resolved config, and nothing is built.
func TestNoBuildCampaign(t *testing.T) {
	check := filepath.Join(t.TempDir(), "check.sh")
	script := "#!/bin/sh\nfor s in B C D; do grep -qx \"CONFIG_$s=y\" \"$KCMIN_CONFIG\" || exit 1; done\n"
	if err := os.WriteFile(check, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	spec := miniSpec(t, func(s string) string {
		s = strings.Replace(s, `log_patterns = ['objtool: .* leaves \.noinstr\.text section']`, `command = ["`+check+`"]`, 1)
		return strings.Replace(s, "[kernel]", "[kernel]\ntarget = \"\"", 1)
	})
	r, err := start(t.Context(), spec, Options{Workdir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	idx := map[string]int{}
	for i, c := range r.cands.List {
		idx[c.Name()] = i
	}
	ask(t, r, idx["A"], idx["B"], idx["C"], idx["D"])
	recs := journalOf(t, r.wd.Dir)
	if len(recs) != 1 || recs[0].Built || recs[0].Outcome != "reproduces" {
		t.Errorf("journal %+v, want one test, not built, that reproduces", recs)
	}
	if _, err := os.Stat(filepath.Join(r.wd.TestDir(1), "build.log")); err == nil {
		t.Error("a campaign without a target has a build log")
	}
}
