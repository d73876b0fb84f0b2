package campaign

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func statusOf(t *testing.T, work string) string {
	t.Helper()
	var out bytes.Buffer
	if err := WriteStatus(&out, work); err != nil {
		t.Fatalf("status: %v", err)
	}
	return out.String()
}

// finishedMini runs the mini campaign to its end in a new workdir.
func finishedMini(t *testing.T) (*Spec, string, *Summary) {
	t.Helper()
	spec := miniSpec(t, nil)
	work := t.TempDir()
	sum, err := Run(context.Background(), spec, Options{Workdir: work})
	if err != nil {
		t.Fatal(err)
	}
	return spec, work, sum
}

// A result/ that the journal does not back is no result: status says
// what report says.
func TestStatusResultWithoutJournal(t *testing.T) {
	_, work, _ := finishedMini(t)
	if err := os.WriteFile(filepath.Join(work, journalFile), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, rerr := Report(context.Background(), work, Options{})
	if rerr == nil || !strings.Contains(rerr.Error(), "has not finished") {
		t.Fatalf("report of an emptied journal: %v", rerr)
	}
	st := statusOf(t, work)
	if strings.Contains(st, "state     finished") || !strings.Contains(st, "state     stopped; kcmin run resumes it") {
		t.Errorf("status of an emptied journal, which report calls unfinished:\n%s", st)
	}
	if !strings.Contains(st, "is not backed by the journal (it counts ") {
		t.Errorf("status does not say why result/ is no result:\n%s", st)
	}
}

// progress.json says it is done when it is.
func TestProgressDone(t *testing.T) {
	_, work, _ := finishedMini(t)
	data, err := os.ReadFile(filepath.Join(work, progressFile))
	if err != nil {
		t.Fatal(err)
	}
	var p progressRecord
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	if p.Phase != "done" || !p.Done || p.EstimatedLeft != 0 {
		t.Errorf("progress.json of a finished campaign: %s", data)
	}
}

// Before the search begins, status gives no estimate from it.
func TestStatusBeforeSearch(t *testing.T) {
	spec := miniSpec(t, nil)
	work := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := Run(ctx, spec, Options{Workdir: work, Progress: func(s Status) {
		if slices.Contains(s.Now(), "resolving test 2") {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("run: %v", err)
	}
	st := statusOf(t, work)
	if strings.Contains(st, "tests left") || strings.Contains(st, "undecided") {
		t.Errorf("status before the search quotes the search:\n%s", st)
	}
	if !strings.Contains(st, "search    11 candidates; the search begins once the bad and the base config are judged") {
		t.Errorf("status does not say the search has not begun:\n%s", st)
	}
}

// A corrupt journal line: status names it and goes on with the lines
// before it, report refuses with the way out, and run takes it: it keeps
// the good lines, moves the rest aside and finishes as before.
func TestCorruptJournal(t *testing.T) {
	spec, work, sum := finishedMini(t)
	path := filepath.Join(work, journalFile)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	lines = lines[:len(lines)-1] // the empty string after the last newline
	if len(lines) < 5 {
		t.Fatalf("journal of %d lines", len(lines))
	}
	tail := "{not a record\n" + strings.Join(lines[3:], "")
	if err := os.WriteFile(path, []byte(strings.Join(lines[:3], "")+tail), 0o644); err != nil {
		t.Fatal(err)
	}

	st := statusOf(t, work)
	for _, want := range []string{
		"journal   " + path + ":4: bad journal line: ",
		"the 3 records before it are good: kcmin run keeps them, moves this line and the " + strconv.Itoa(len(lines)-3) + " after it to " + path + ".corrupt-N",
		"tests     3 judged",
	} {
		if !strings.Contains(st, want) {
			t.Errorf("status does not say %q:\n%s", want, st)
		}
	}
	if strings.Contains(st, "state     finished") {
		t.Errorf("status calls a campaign with a corrupt journal finished:\n%s", st)
	}

	_, err = Report(context.Background(), work, Options{})
	var bad *CorruptJournalError
	if !errors.As(err, &bad) || bad.Line != 4 || ExitCode(err) != 2 {
		t.Errorf("report of a corrupt journal: %v (exit %d)", err, ExitCode(err))
	}
	if now, _ := os.ReadFile(path); string(now) != strings.Join(lines[:3], "")+tail {
		t.Error("report changed the journal")
	}

	var log syncBuffer
	again, err := Run(context.Background(), spec, Options{Workdir: work, Log: &log})
	if err != nil {
		t.Fatalf("run on a corrupt journal: %v\n%s", err, log.String())
	}
	if !strings.Contains(log.String(), path+":4: bad journal line: ") || !strings.Contains(log.String(), "kept the 3 records before it, moved it and the") {
		t.Errorf("run does not say what it did with the bad line:\n%s", log.String())
	}
	moved, err := os.ReadFile(path + ".corrupt-1")
	if err != nil || string(moved) != tail {
		t.Errorf("set aside: %q, %v; want %q", moved, err, tail)
	}
	if !reflect.DeepEqual(again.Result.Minimal, sum.Result.Minimal) {
		t.Errorf("after the set-aside: %q, want %q", again.Result.Minimal, sum.Result.Minimal)
	}
	checkJournal(t, journalOf(t, work))
	if st := statusOf(t, work); !strings.Contains(st, "state     finished") || strings.Contains(st, "journal   ") {
		t.Errorf("status after the run:\n%s", st)
	}
}

// Makes that a killed kcmin left running in the workdir's build dirs are
// named by status, and run stops them.
func TestStatusLeftoverMake(t *testing.T) {
	spec, work, _ := finishedMini(t)
	wd := &Workdir{Dir: work}
	var pids []int
	for _, dir := range []string{wd.BuildDir(0), wd.ResolveDir(0)} {
		// A stand-in for make: its arguments name the build dir, in a
		// process group of its own as kcmin's makes are.
		// It waits on a read, a builtin: a shell that forked a child
		// would show the same command line in the child until it execs.
		fake := exec.Command("sh", "-c", "read x", "make", "O="+dir, "bzImage")
		stdin, err := fake.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		defer stdin.Close()
		fake.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := fake.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() {
			_ = syscall.Kill(-fake.Process.Pid, syscall.SIGKILL)
			_ = fake.Wait()
		}()
		pids = append(pids, fake.Process.Pid)
		// Until it has exec'd, the child's command line is the test's.
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", fake.Process.Pid)); bytes.Contains(cmdline, []byte("O="+dir)) {
				break
			}
		}
	}
	st := statusOf(t, work)
	want := "leftover  2 make processes of a kcmin that did not stop them still run in " + wd.Path("build") +
		" (pids " + joinInts(slices.Sorted(slices.Values(pids))) + "); kcmin run stops them"
	if !strings.Contains(st, want) {
		t.Errorf("status does not say %q:\n%s", want, st)
	}
	var log syncBuffer
	if _, err := Run(context.Background(), spec, Options{Workdir: work, Log: &log}); err != nil {
		t.Fatal(err)
	}
	if want := "stopped 2 make processes that an earlier kcmin left running in " + wd.Path("build"); !strings.Contains(log.String(), want) {
		t.Errorf("run does not say %q:\n%s", want, log.String())
	}
	if st := statusOf(t, work); strings.Contains(st, "leftover") {
		t.Errorf("status after the run:\n%s", st)
	}
}

// In the middle of the search, status gives its estimate: tests and time.
func TestStatusDuringSearch(t *testing.T) {
	spec := miniSpec(t, nil)
	work := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := Run(ctx, spec, Options{Workdir: work, Progress: func(s Status) {
		if slices.Contains(s.Now(), "resolving test 5") {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("run: %v", err)
	}
	st := statusOf(t, work)
	if !regexp.MustCompile(`search    11 candidates, \d+ undecided, \d+ culprits found, about \d+ tests left \(~\d+s\)\n`).MatchString(st) {
		t.Errorf("status during the search:\n%s", st)
	}
}
