package kconfig_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-multierror"
	"github.com/kcmin/kcmin/kconfig"
)

func parseText(t *testing.T, files map[string]string) (*kconfig.Tree, error) {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return kconfig.Parse(context.Background(), kconfig.Options{SrcTree: dir})
}

// TestParseErrors: every error names file, line and column, and all the
// errors of a tree come back at once.
func TestParseErrors(t *testing.T) {
	_, err := parseText(t, map[string]string{
		"Kconfig": `config A
	bool "a"
	depends on B &&

config
source "sub/Kconfig"
endif
`,
		"sub/Kconfig": `menu "m"
config C
	int "c"
	range 1
endmenu
frobnicate
choice
	prompt "ch"
config D
	tristate "d"
endchoice
`,
	})
	if err == nil {
		t.Fatal("no error")
	}
	var merr *multierror.Error
	if !errors.As(err, &merr) {
		t.Fatalf("not a list of errors: %v", err)
	}
	want := []string{
		`Kconfig:3:17: expected a symbol or a value, found end of line`,
		`Kconfig:5:7: expected a symbol name after config, found end of line`,
		`sub/Kconfig:4:9: expected a symbol or a value, found end of line`,
		`sub/Kconfig:6: unknown statement "frobnicate"`,
		`sub/Kconfig:9: choice member must be bool`,
		`Kconfig:7:1: unexpected "endif": no block is open in this file`,
	}
	var got []string
	for _, e := range merr.Errors {
		var pe *kconfig.ParseError
		if !errors.As(e, &pe) {
			t.Errorf("%v is not a ParseError", e)
		}
		got = append(got, e.Error())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// All of them, one a line, as a compiler prints them.
	if err.Error() != strings.Join(want, "\n") {
		t.Errorf("the error prints as\n%s\nwant\n%s", err, strings.Join(want, "\n"))
	}
}

func TestParseRecursiveSource(t *testing.T) {
	_, err := parseText(t, map[string]string{
		"Kconfig":   "source \"a/Kconfig\"\n",
		"a/Kconfig": "source \"Kconfig\"\n",
	})
	if err == nil || !strings.Contains(err.Error(), `a/Kconfig:1:1: recursive inclusion of "Kconfig"`) {
		t.Errorf("got %v", err)
	}
}

func TestParseHelpAndDefinitions(t *testing.T) {
	tree, err := parseText(t, map[string]string{
		"Kconfig": "config A\n\tbool \"a\"\n\thelp\n\t  First line.\n\n\t    indented\n\t  last.\n\nconfig A\n\tdefault y\n\nconfig B\n\tbool\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	a := tree.Lookup("A")
	if len(a.Menus) != 2 || a.Menus[0].Pos.Line != 1 || a.Menus[1].Pos.Line != 9 {
		t.Errorf("definitions of A: %+v", a.Menus)
	}
	if h := a.Menus[0].Help(); h != "First line.\n\n  indented\nlast.\n" {
		t.Errorf("help %q", h)
	}
	if !a.HasPrompt() || tree.Lookup("B").HasPrompt() {
		t.Error("A has a prompt, B has none")
	}
}
