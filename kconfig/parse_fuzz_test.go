package kconfig_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/kcmin/kcmin/kconfig"
)

// FuzzParseKconfig feeds arbitrary text to the parser as a top-level
// Kconfig and evaluates whatever parses: neither may panic or hang.
func FuzzParseKconfig(f *testing.F) {
	dirs, _ := filepath.Glob("testdata/snippets/*/Kconfig")
	for _, d := range dirs {
		b, err := os.ReadFile(d)
		if err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("config A\n\tbool \"a\"\n\tdepends on B && !(C || D=\"x\")\n\thelp\n\t  text\n"))
	f.Add([]byte("choice\n\tprompt \"c\"\nconfig X\n\tbool \"x\"\nendchoice\n"))
	f.Add([]byte("x := $(shell,true)\nconfig $(x)Y\n\tint \"y\"\n\trange 1 $(x)5\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		if bytes.Contains(src, []byte("shell")) || bytes.Contains(src, []byte("source")) {
			// no commands and no other files from fuzz input
			return
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "Kconfig"), src, 0o644); err != nil {
			t.Fatal(err)
		}
		tree, err := kconfig.Parse(context.Background(), kconfig.Options{SrcTree: dir, Dir: dir})
		if err != nil {
			return
		}
		e := tree.Evaluate(kconfig.NewConfig())
		var out bytes.Buffer
		if err := e.Write(&out); err != nil {
			t.Fatal(err)
		}
		// what conf writes, conf reads back to the same values
		back, _, err := kconfig.ReadConfig(bytes.NewReader(out.Bytes()), "written")
		if err != nil {
			t.Fatalf("written config does not read back: %v\n%s", err, out.Bytes())
		}
		var again bytes.Buffer
		if err := tree.Evaluate(back).Write(&again); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), again.Bytes()) {
			t.Fatalf("resolving a resolved config changed it:\n%s\n---\n%s", out.Bytes(), again.Bytes())
		}
	})
}
