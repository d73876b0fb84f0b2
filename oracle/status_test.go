package oracle

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kcmin/kcmin/build"
)

const failedLink = `  LD      .tmp_vmlinux1
ld.lld: error: undefined symbol: __profc_foo
>>> referenced by foo.c:12 (/work/linux/kernel/foo.c:12)
>>>               kernel/foo.o:(bar) in archive vmlinux.a
ld.lld: error: undefined symbol: __profc_foo
/work/linux/kernel/fork.c:1234:7: error: use of undeclared identifier 'x'
make[2]: *** [scripts/Makefile.vmlinux:34: vmlinux] Error 1
make[1]: *** [/work/linux/Makefile:1170: vmlinux] Error 2
make: *** [Makefile:224: __sub-make] Error 2
`

func TestBuildStatus(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	okLog := write("ok.log", "  CC      init/main.o\n")
	linkLog := write("link.log", failedLink)
	quietLog := write("quiet.log", "  CC      init/main.o\nKilled\n")

	ok := &build.Artifact{Log: okLog, ExitCode: 0}
	link := &build.Artifact{Log: linkLog, ExitCode: 2, Source: "/work/linux"}
	quiet := &build.Artifact{Log: quietLog, ExitCode: 2}
	slow := &build.Artifact{Log: okLog, ExitCode: -1, TimedOut: true, Duration: 2 * time.Hour}
	linkErrors := []string{
		"kernel/fork.c: error: use of undeclared identifier 'x'",
		"ld.lld: error: undefined symbol: __profc_foo",
	}

	for _, tc := range []struct {
		name       string
		want       string
		a          *build.Artifact
		present    bool
		unresolved string
		facts      []string
		notes      []string
	}{
		{name: "succeeds as wanted", want: "succeed", a: ok, present: true},
		{name: "default is succeed", want: "", a: ok, present: true},
		{name: "succeeds, failure wanted", want: "fail", a: ok},
		{name: "succeeds, any", want: "any", a: ok, present: true},
		{
			name: "fails, success wanted", want: "succeed", a: link,
			unresolved: "the build failed (make exit status 2)",
			notes: []string{"log: " + linkLog,
				"ld.lld: error: undefined symbol: __profc_foo",
				"ld.lld: error: undefined symbol: __profc_foo",
				"/work/linux/kernel/fork.c:1234:7: error: use of undeclared identifier 'x'"},
		},
		{
			name: "fails without error lines, success wanted", want: "succeed", a: quiet,
			unresolved: "the build failed (make exit status 2)",
			notes:      []string{"log: " + quietLog, "  CC      init/main.o", "Killed"},
		},
		{name: "fails as wanted", want: "fail", a: link, present: true, facts: linkErrors, notes: []string{"log: " + linkLog}},
		{
			name: "fails without error lines", want: "fail", a: quiet, present: true,
			facts: []string{"make exit status 2"}, notes: []string{"log: " + quietLog},
		},
		{name: "fails, any", want: "any", a: link, present: true},
		{
			name: "times out", want: "any", a: slow,
			unresolved: "the build timed out after 2h0m0s", notes: []string{"log: " + okLog},
		},
		{
			name: "times out, failure wanted", want: "fail", a: slow,
			unresolved: "the build timed out after 2h0m0s", notes: []string{"log: " + okLog},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := BuildStatus{Want: tc.want}.Check(context.Background(), tc.a, dir)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			want := Finding{Present: tc.present, Unresolved: tc.unresolved, Facts: tc.facts, Notes: tc.notes}
			if !reflect.DeepEqual(f, want) {
				t.Errorf("finding\n%#v\nwant\n%#v", f, want)
			}
		})
	}
}

func TestBuildStatusErrors(t *testing.T) {
	if err := (BuildStatus{Want: "pass"}).Validate(); err == nil || !strings.Contains(err.Error(), `"pass"`) {
		t.Errorf("Validate(pass): %v", err)
	}
	if _, err := (BuildStatus{Want: "pass"}).Check(context.Background(), &build.Artifact{}, ""); err == nil {
		t.Error("Check with want=pass: no error")
	}
	if _, err := (BuildStatus{}).Check(context.Background(), nil, ""); err == nil {
		t.Error("Check without an artifact: no error")
	}
	if err := Validate([]Check{BuildStatus{Want: "x"}, LogPatterns{}, BuildStatus{}}); err == nil ||
		!strings.Contains(err.Error(), "build:") || !strings.Contains(err.Error(), "log:") {
		t.Errorf("Validate reports %v, want both mistakes", err)
	}
}
