package oracle

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/kcmin/kcmin/build"
)

// TestNewDiagnostics: the warnings a variant's build printed that the
// campaign's own did not, as the real noinstr case's mold row showed
// them: objtool giving up on vmlinux.o; the same warning at another
// offset or in another build dir is no new one.
func TestNewDiagnostics(t *testing.T) {
	dir := t.TempDir()
	own := &build.Artifact{Log: filepath.Join(dir, "own.log"), Dir: "/w/build/clean", Source: "/src/linux"}
	variant := &build.Artifact{Log: filepath.Join(dir, "mold.log"), Dir: "/w/build/matrix-mold", Source: "/src/linux"}
	write := func(path, text string) {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(own.Log, `  CC      init/main.o
/src/linux/init/main.c:12:3: warning: unused variable 'x' [-Wunused-variable]
  LD      vmlinux.o
vmlinux.o: warning: objtool: do_syscall_64+0xc7: call to lockdep_hardirqs_off() leaves .noinstr.text section
`)
	write(variant.Log, `  CC      init/main.o
/src/linux/init/main.c:14:3: warning: unused variable 'x' [-Wunused-variable]
  LD      vmlinux.o
vmlinux.o: warning: objtool: default_idle_call(): can't find starting instruction
vmlinux.o: warning: objtool: default_idle_call(): can't find starting instruction
/w/build/matrix-mold/include/generated/x.h:1: error: something else
make[2]: *** [scripts/Makefile.vmlinux_o:62: vmlinux.o] Error 1
`)
	got, err := NewDiagnostics(variant, own)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"vmlinux.o: warning: objtool: default_idle_call(): can't find starting instruction",
		"/w/build/matrix-mold/include/generated/x.h:1: error: something else",
	}
	if !slices.Equal(got, want) {
		t.Errorf("NewDiagnostics = %q, want %q", got, want)
	}
	if _, err := NewDiagnostics(variant, &build.Artifact{Log: filepath.Join(dir, "none.log")}); err == nil {
		t.Error("no error for a missing log")
	}
}
