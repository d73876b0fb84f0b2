package campaign

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestJournal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	j, recs, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 0 {
		t.Fatalf("new journal has %d records", len(recs))
	}
	want := []Record{
		{Test: 1, Role: "bad", Subset: []string{"A", "B"}, Hash: "h1", Outcome: "reproduces", Signature: []string{"x"}, Built: true, BuildMS: 5},
		{Test: 2, Role: "base", Subset: []string{}, Hash: "h2", Outcome: "gone", Built: true},
		{Test: 2, Hit: true, Subset: []string{"B"}, Hash: "h2", Outcome: "gone"},
	}
	for _, r := range want {
		if err := j.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()

	tests := []struct {
		name    string
		tail    string // appended to the file before reopening
		records int
		err     string
	}{
		{"clean", "", 3, ""},
		{"torn last line", `{"test":3,"subset":["A"],"outc`, 3, ""},
		{"torn last line with newline", "{\"test\":3,\n", 3, ""},
		{"bad line in the middle", "garbage\n" + `{"test":4,"subset":[],"outcome":"gone"}` + "\n", 0, "journal.jsonl:4: bad journal line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "journal.jsonl")
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, append(data, tt.tail...), 0o644); err != nil {
				t.Fatal(err)
			}
			j, recs, err := OpenJournal(p)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			if len(recs) != tt.records {
				t.Fatalf("%d records, want %d", len(recs), tt.records)
			}
			for i := range want {
				recs[i].Time = ""
				if !reflect.DeepEqual(recs[i], want[i]) {
					t.Errorf("record %d = %+v, want %+v", i, recs[i], want[i])
				}
			}
			// The torn end is gone: the next record gets a line of its own.
			if err := j.Append(Record{Test: 9, Subset: []string{"C"}, Outcome: "gone"}); err != nil {
				t.Fatal(err)
			}
			again, err := ReadJournal(p)
			if err != nil {
				t.Fatal(err)
			}
			if len(again) != tt.records+1 || again[len(again)-1].Test != 9 {
				t.Errorf("after append: %d records, last %+v", len(again), again[len(again)-1])
			}
		})
	}
}

func TestWorkdirLock(t *testing.T) {
	dir := t.TempDir()
	w, err := OpenWorkdir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if pid := LockedBy(dir); pid != os.Getpid() {
		t.Errorf("LockedBy = %d, want %d", pid, os.Getpid())
	}
	_, err = OpenWorkdir(dir)
	if err == nil {
		t.Fatal("a second open of a locked workdir succeeded")
	}
	if !strings.Contains(err.Error(), "in use by kcmin pid "+strconv.Itoa(os.Getpid())) || ExitCode(err) != 2 {
		t.Errorf("error %q (exit %d) does not name the holder", err, ExitCode(err))
	}
	w.Close()
	if pid := LockedBy(dir); pid != 0 {
		t.Errorf("LockedBy after close = %d", pid)
	}
	w, err = OpenWorkdir(dir)
	if err != nil {
		t.Fatalf("reopen after close: %v", err)
	}
	w.Close()
}

// bindWorkdir journals a test, which binds a workdir to its campaign.
func bindWorkdir(t *testing.T, w *Workdir) {
	t.Helper()
	j, _, err := OpenJournal(w.Path(journalFile))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if err := j.Append(Record{Test: 1, Role: "bad", Outcome: "reproduces"}); err != nil {
		t.Fatal(err)
	}
}

func TestWorkdirAdopt(t *testing.T) {
	dir := specDir(t)
	s, err := Load(writeSpec(t, dir, goodSpec))
	if err != nil {
		t.Fatal(err)
	}
	tiny, err := Load(writeSpec(t, dir, strings.Replace(goodSpec, `base = "defconfig"`, `base = "tinyconfig"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	w, err := OpenWorkdir(filepath.Join(dir, "work"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	tree := []treeFact{{"git HEAD", "aaaa"}, {"git uncommitted changes", "none"}}
	if note, err := w.Adopt(s, tree, false); err != nil || note != "" {
		t.Fatalf("a new workdir: note %q, error %v", note, err)
	}
	if note, err := w.Adopt(s, tree, false); err != nil || note != "" {
		t.Fatalf("the same campaign again: note %q, error %v", note, err)
	}

	// No test journalled yet: another campaign replaces this one, and
	// what its setup resolved goes.
	if err := os.WriteFile(w.Path(baseFile), []byte("CONFIG_STALE=y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	note, err := w.Adopt(tiny, tree, false)
	if err != nil || !strings.Contains(note, "config.base was 'defconfig', now 'tinyconfig'") {
		t.Fatalf("another campaign before the first test: note %q, error %v", note, err)
	}
	if _, err := os.Stat(w.Path(baseFile)); !os.IsNotExist(err) {
		t.Errorf("the replaced campaign's resolved base is still there (%v)", err)
	}

	// Bound by its first test, the workdir refuses another campaign.
	bindWorkdir(t, w)
	_, err = w.Adopt(s, tree, false)
	if err == nil || !strings.Contains(err.Error(), "config.base was 'tinyconfig', now 'defconfig'") ||
		!strings.Contains(err.Error(), "--new") || ExitCode(err) != 2 {
		t.Errorf("another campaign: %v", err)
	}
	moved := []treeFact{{"git HEAD", "bbbb"}, {"git uncommitted changes", "none"}}
	_, err = w.Adopt(tiny, moved, false)
	if err == nil || !strings.Contains(err.Error(), "tree git HEAD was aaaa, now bbbb") || ExitCode(err) != 2 {
		t.Errorf("another tree: %v", err)
	}

	// With replace, the old campaign is set aside and this one starts.
	note, err = w.Adopt(tiny, moved, true)
	if err != nil || !strings.Contains(note, "tree git HEAD was aaaa, now bbbb") || !strings.Contains(note, w.Path("old")) {
		t.Fatalf("replace: note %q, error %v", note, err)
	}
	olds, err := filepath.Glob(w.Path("old", "*", journalFile))
	if err != nil || len(olds) != 1 {
		t.Fatalf("old journals %q (%v), want one", olds, err)
	}
	if recs, err := ReadJournal(olds[0]); err != nil || len(recs) != 1 {
		t.Errorf("the old journal holds %d records (%v), want 1", len(recs), err)
	}
	if recs := journalOf(t, w.Dir); len(recs) != 0 {
		t.Errorf("the new campaign starts with %d records", len(recs))
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(olds[0]), campaignFile)); err != nil {
		t.Errorf("the old campaign.toml is not kept: %v", err)
	}
	bindWorkdir(t, w)
	if note, err := w.Adopt(tiny, moved, false); err != nil || note != "" {
		t.Errorf("the new campaign again: note %q, error %v", note, err)
	}
}

// TestWorkdirAdoptEarlier: a workdir of an earlier kcmin, whose
// campaign.toml holds jobs, timeouts and ccache but no kernel tree,
// resumes under other jobs and timeouts; from then on its tree counts.
func TestWorkdirAdoptEarlier(t *testing.T) {
	dir := specDir(t)
	s, err := Load(writeSpec(t, dir, strings.Replace(goodSpec, "[kernel]", "[kernel]\njobs = 1\nbuild_timeout = '3h'\nconfig_timeout = '1m'", 1)))
	if err != nil {
		t.Fatal(err)
	}
	w, err := OpenWorkdir(filepath.Join(dir, "work"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	canon, err := s.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	earlier := strings.Replace(string(canon), "\n[kernel]\n", "\n[kernel]\njobs = 2\nbuild_timeout = '2h0m0s'\nconfig_timeout = '10m0s'\nccache = true\n", 1)
	earlier = strings.Replace(earlier, "\n[oracle]\n", "\n[oracle]\ncommand_timeout = '10m0s'\n", 1)
	if err := os.WriteFile(w.Path(campaignFile), []byte(earlier), 0o644); err != nil {
		t.Fatal(err)
	}
	bindWorkdir(t, w)
	tree := []treeFact{{"version", "6.12.117"}}
	if note, err := w.Adopt(s, tree, false); err != nil || note != "" {
		t.Fatalf("an earlier kcmin's workdir: note %q, error %v", note, err)
	}
	now, err := os.ReadFile(w.Path(campaignFile))
	if err != nil {
		t.Fatal(err)
	}
	want, err := s.canonical(tree)
	if err != nil {
		t.Fatal(err)
	}
	if string(now) != string(want) {
		t.Errorf("campaign.toml is not brought up to date:\n%s\nwant:\n%s", now, want)
	}
	_, err = w.Adopt(s, []treeFact{{"version", "6.13"}}, false)
	if err == nil || !strings.Contains(err.Error(), "tree version was 6.12.117, now 6.13") {
		t.Errorf("a changed tree after the upgrade: %v", err)
	}
}
