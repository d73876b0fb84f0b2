package oracle

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kcmin/kcmin/build"
)

// TestCommandEdges: exit status 128 is a death, not "gone"; without a
// source of its own the command gets the artifact's tree, and its
// signature lines lose a CR line end.
func TestCommandEdges(t *testing.T) {
	a := &build.Artifact{Source: "/artifact/src", Dir: "/work/w0"}
	f, err := Command{Argv: shell("exit 128"), Timeout: time.Minute}.Check(context.Background(), a, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if f.Unresolved != "the command crashed or was killed (exit status 128)" {
		t.Errorf("exit 128: %+v", f)
	}
	dir := t.TempDir()
	f, err = Command{Argv: shell(`echo "source $KCMIN_SOURCE"; printf 'signature: crlf\r\n'`), Timeout: time.Minute}.Check(context.Background(), a, dir)
	if err != nil {
		t.Fatal(err)
	}
	if log, _ := os.ReadFile(filepath.Join(dir, "command.log")); !strings.Contains(string(log), "source /artifact/src\n") {
		t.Errorf("command.log does not give the artifact's source:\n%s", log)
	}
	if len(f.Facts) != 1 || f.Facts[0] != "crlf" {
		t.Errorf("facts %q, want [crlf]", f.Facts)
	}
}

// TestLogPatternsLineEnds: a log written with CR LF line ends matches a
// pattern anchored at the line's end.
func TestLogPatternsLineEnds(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "build.log")
	if err := os.WriteFile(log, []byte("  CC init/main.o\r\nvmlinux.o: warning: objtool: f+0x1: call to g() leaves .noinstr.text section\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := LogPatterns{Patterns: []*regexp.Regexp{regexp.MustCompile(`leaves \.noinstr\.text section$`)}}
	f, err := c.Check(context.Background(), &build.Artifact{Log: log, Dir: dir}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Present || len(f.Facts) != 1 || f.Facts[0] != "f: call to g() leaves .noinstr.text section" {
		t.Errorf("finding %+v", f)
	}
}

// TestNormalizeRootDir: "/" or "." as a directory to strip would eat
// into every path and address; they are ignored.
func TestNormalizeRootDir(t *testing.T) {
	const line = "ld.lld: error: /usr/lib//x.a: see https://bugzilla.kernel.org ./a"
	if got := Normalize(line, "/", ".", "./"); got != line {
		t.Errorf("Normalize with / and . = %q", got)
	}
}

// TestCommandSignatureBounds: a signature line is cut at its bound, and
// one that normalises to nothing is no fact.
func TestCommandSignatureBounds(t *testing.T) {
	script := `printf 'signature: %s\n' "$(head -c 5000 /dev/zero | tr '\0' y)"; echo "signature:    "`
	f, err := Command{Argv: shell(script), Timeout: time.Minute}.Check(context.Background(), &build.Artifact{}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Facts) != 1 || len(f.Facts[0]) != maxSignatureLine || !strings.HasPrefix(f.Facts[0], "yyy") {
		lens := make([]int, len(f.Facts))
		for i, x := range f.Facts {
			lens[i] = len(x)
		}
		t.Errorf("facts of lengths %v, want one of %d", lens, maxSignatureLine)
	}
}

// TestLogPatternsLongLine: the part of a line past the bound is dropped,
// not read as a line of its own.
func TestLogPatternsLongLine(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "build.log")
	line := strings.Repeat("x", maxLine+10) + " leaves .noinstr.text section\n"
	if err := os.WriteFile(log, []byte(line+"  LD vmlinux\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := LogPatterns{Patterns: []*regexp.Regexp{regexp.MustCompile(`^\S* ?leaves \.noinstr\.text section`)}}
	f, err := c.Check(context.Background(), &build.Artifact{Log: log, Dir: dir}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if f.Present {
		t.Errorf("the tail of a long line matched on its own: %q", f.Facts)
	}
}

// TestNormalizeNestedDirs: a build dir inside the source tree is stripped
// whole, whatever order the dirs come in.
func TestNormalizeNestedDirs(t *testing.T) {
	const line = "/work/linux/build/include/generated/autoconf.h:3: and /work/linux/kernel/fork.c"
	const want = "include/generated/autoconf.h: and kernel/fork.c"
	for _, dirs := range [][]string{{"/work/linux", "/work/linux/build"}, {"/work/linux/build", "/work/linux"}} {
		if got := Normalize(line, dirs...); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", dirs, got, want)
		}
	}
}
