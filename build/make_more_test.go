package build

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPlaceKeepsTime: placing the config a build dir already has leaves
// its time alone, so the build does not sync the config again; another
// config is written.
func TestPlaceKeepsTime(t *testing.T) {
	m := fakeMake(t)
	dir := t.TempDir()
	path := filepath.Join(dir, ".config")
	if err := m.Place(dir, []byte("CONFIG_A=y\n")); err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(path, past, past); err != nil {
		t.Fatal(err)
	}
	if err := m.Place(dir, []byte("CONFIG_A=y\n")); err != nil {
		t.Fatal(err)
	}
	if mt := modTime(path); !mt.Equal(past) {
		t.Errorf(".config time %v, want it kept at %v", mt, past)
	}
	if err := m.Place(dir, []byte("CONFIG_B=y\n")); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != "CONFIG_B=y\n" || !modTime(path).After(past) {
		t.Errorf(".config %q at %v after placing another config", data, modTime(path))
	}
}

// TestMakeVarNames: a make variable needs a name without blanks.
func TestMakeVarNames(t *testing.T) {
	for _, v := range []string{"=1", "MY VAR=1", "A\tB=1", "NOEQUALS"} {
		m := &Make{Source: t.TempDir(), Vars: []string{v}}
		if _, err := m.argv(t.TempDir(), []string{"olddefconfig"}); err == nil || !strings.Contains(err.Error(), "is not NAME=value") {
			t.Errorf("variable %q: %v", v, err)
		}
	}
}
