package oracle

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kcmin/kcmin/build"
)

func shell(script string) []string { return []string{"sh", "-c", script} }

func TestCommandVerdicts(t *testing.T) {
	a := &build.Artifact{Source: "/src", Dir: "/work/w0", Config: "/work/w0/.config", Log: "/work/t/build.log"}
	for _, tc := range []struct {
		name       string
		script     string
		present    bool
		unresolved string
		facts      []string
	}{
		{
			name: "present with signature",
			script: `echo "checking $KCMIN_CONFIG"; echo "signature: hang at /work/w0/vmlinux: foo+0x10/0x40";
				echo "signature: b"; echo "signature: b"; printf 'signature: a'`,
			present: true,
			facts:   []string{"a", "b", "hang at vmlinux: foo"},
		},
		{name: "present without signature", script: "echo fine", present: true},
		{name: "gone", script: "echo 'signature: x'; exit 1", facts: []string{"x"}},
		{name: "gone 127", script: "no-such-program-here", facts: nil},
		{name: "unresolved", script: "exit 125", unresolved: "the command cannot tell (exit status 125)"},
		{name: "killed", script: "kill -KILL $$", unresolved: "the command crashed or was killed (exit status 137)"},
		{name: "exit 200", script: "exit 200", unresolved: "the command crashed or was killed (exit status 200)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			f, err := Command{Argv: shell(tc.script), Timeout: time.Minute}.Check(context.Background(), a, dir)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if f.Present != tc.present || f.Unresolved != tc.unresolved || !reflect.DeepEqual(f.Facts, tc.facts) {
				t.Errorf("finding %+v\nwant present %v, unresolved %q, facts %q", f, tc.present, tc.unresolved, tc.facts)
			}
			if len(f.Notes) == 0 || f.Notes[0] != "log: "+filepath.Join(dir, "command.log") {
				t.Errorf("notes %q do not name command.log", f.Notes)
			}
		})
	}
}

func TestCommandEnvironmentAndLog(t *testing.T) {
	dir := t.TempDir()
	a := &build.Artifact{
		Source: "/artifact/src", Dir: "/work/w0", Config: "/work/w0/.config", Log: "/work/t/build.log",
		Image: "/work/w0/arch/x86/boot/bzImage",
	}
	c := Command{Argv: shell(`env | grep ^KCMIN_ | sort; echo "cwd $(pwd)"; echo to-stderr >&2`), Source: "/campaign/src"}
	if _, err := c.Check(context.Background(), a, dir); err != nil {
		t.Fatal(err)
	}
	log, err := os.ReadFile(filepath.Join(dir, "command.log"))
	if err != nil {
		t.Fatal(err)
	}
	real, _ := filepath.EvalSymlinks(dir)
	for _, want := range []string{
		"KCMIN_BUILD_DIR=/work/w0\n",
		"KCMIN_BUILD_LOG=/work/t/build.log\n",
		"KCMIN_CONFIG=/work/w0/.config\n",
		"KCMIN_IMAGE=/work/w0/arch/x86/boot/bzImage\n",
		"KCMIN_SOURCE=/campaign/src\n",
		"KCMIN_TEST_DIR=" + dir + "\n",
		"KCMIN_VMLINUX=\n",
		"cwd " + real + "\n",
		"to-stderr\n",
	} {
		if !strings.Contains(string(log), want) {
			t.Errorf("command.log lacks %q:\n%s", want, log)
		}
	}
}

func TestCommandTimeoutKillsGroup(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	c := Command{Argv: []string{"sh", "-c", `sleep 1000 & echo $! >"$0"; wait`, pidFile}, Timeout: 300 * time.Millisecond}
	f, err := c.Check(context.Background(), &build.Artifact{}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if f.Present || !strings.Contains(f.Unresolved, "timed out") {
		t.Errorf("finding %+v, want unresolved by the timeout", f)
	}
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	for i := 0; ; i++ {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			break
		}
		if _, rest, _ := strings.Cut(string(stat), ") "); strings.HasPrefix(rest, "Z") {
			break
		}
		if i == 100 {
			t.Fatalf("the command's child %d survived its timeout", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestCommandErrors(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (Command{Argv: shell("true")}).Check(ctx, nil, t.TempDir()); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if _, err := (Command{}).Check(context.Background(), nil, t.TempDir()); err == nil {
		t.Error("empty command: no error")
	}
	if _, err := (Command{Argv: []string{"/no/such/check"}}).Check(context.Background(), nil, t.TempDir()); err == nil {
		t.Error("missing program: no error")
	}
	if err := (Command{Argv: []string{"/no/such/check"}}).Validate(); err == nil {
		t.Error("Validate of a missing program: no error")
	}
	if err := (Command{Argv: shell("true")}).Validate(); err != nil {
		t.Errorf("Validate(sh): %v", err)
	}
}
