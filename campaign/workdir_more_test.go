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

// TestCheckNoBuild: kcmin check on a campaign without a target judges
// the resolved config and builds nothing.
func TestCheckNoBuild(t *testing.T) {
	check := filepath.Join(t.TempDir(), "check.sh")
	if err := os.WriteFile(check, []byte("#!/bin/sh\ngrep -qx CONFIG_C=y \"$KCMIN_CONFIG\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	spec := miniSpec(t, func(s string) string {
		s = strings.Replace(s, `log_patterns = ['objtool: .* leaves \.noinstr\.text section']`, `command = ["`+check+`"]`, 1)
		return strings.Replace(s, "[kernel]", "[kernel]\ntarget = \"\"", 1)
	})
	res, err := Check(t.Context(), spec, CheckOptions{Workdir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if res.Verdict != "reproduces" || res.Built {
		t.Errorf("check %+v, want reproduces without a build", res)
	}
	if _, err := os.Stat(filepath.Join(res.Dir, "build.log")); err == nil {
		t.Error("the check of a campaign without a target has a build log")
	}
}

// TestBadFragments: a bad config given as fragments is the base with the
// fragments merged, in order: a later fragment wins.
func TestBadFragments(t *testing.T) {
	spec := miniSpec(t, nil)
	dir := filepath.Dir(spec.File)
	frags := []string{filepath.Join(dir, "one.config"), filepath.Join(dir, "two.config")}
	for i, text := range []string{"CONFIG_A=y\nCONFIG_B=y\nCONFIG_C=y\n", "CONFIG_D=y\n# CONFIG_C is not set\nCONFIG_C=y\nCONFIG_N=30\n"} {
		if err := os.WriteFile(frags[i], []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	spec.Config.Bad, spec.Config.BadFragments = "", frags
	r, err := start(t.Context(), spec, Options{Workdir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	var got []string
	for _, c := range r.cands.List {
		for _, o := range c.Options {
			got = append(got, o.Name+"="+o.Bad)
		}
	}
	if want := []string{"D=y", "A=y", "B=y", "C=y", "N=30"}; !reflect.DeepEqual(got, want) {
		t.Errorf("candidates %q, want %q", got, want)
	}
}
