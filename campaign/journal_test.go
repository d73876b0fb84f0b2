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

func TestWorkdirAdopt(t *testing.T) {
	dir := specDir(t)
	s, err := Load(writeSpec(t, dir, goodSpec))
	if err != nil {
		t.Fatal(err)
	}
	w, err := OpenWorkdir(filepath.Join(dir, "work"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Adopt(s); err != nil {
		t.Fatal(err)
	}
	if err := w.Adopt(s); err != nil {
		t.Fatalf("the same campaign again: %v", err)
	}
	s2, err := Load(writeSpec(t, dir, strings.Replace(goodSpec, `base = "defconfig"`, `base = "tinyconfig"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	err = w.Adopt(s2)
	if err == nil || !strings.Contains(err.Error(), "config.base was 'defconfig', now 'tinyconfig'") || ExitCode(err) != 2 {
		t.Errorf("another campaign: %v", err)
	}
}
