package campaign

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInputValues: a value conf would drop for its symbol's type is an
// error at its file and line, with every other mistake of the config
// files, before a make resolves anything.
func TestInputValues(t *testing.T) {
	spec := miniSpec(t, nil)
	bad := spec.Config.Bad
	text := "CONFIG_A=y\nCONFIG_N=12abc\nCONFIG_B=m\nCONFIG_Q\nCONFIG_NOPE=y\nCONFIG_C=\"y\"\n"
	if err := os.WriteFile(bad, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	var log syncBuffer
	_, err := start(context.Background(), spec, Options{Workdir: work, Log: &log})
	if err == nil {
		t.Fatal("no error")
	}
	if !IsInputError(err) {
		t.Errorf("%v is not an input error", err)
	}
	want := []string{
		bad + ":2: N is an int: 12abc is not a decimal number; conf would ignore the line and keep the default",
		bad + ":3: B is a bool: m is not y or n; conf would ignore the line and keep the default",
		bad + `:4: missing "=" after CONFIG_Q`,
		bad + `:6: C is a bool: "y" is not y or n; conf would ignore the line and keep the default`,
	}
	if got := err.Error(); got != strings.Join(want, "\n") {
		t.Errorf("error\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
	for _, dir := range []string{"d0", "w0.resolve"} {
		if _, err := os.Stat(filepath.Join(work, "build", dir, ".config")); err == nil {
			t.Errorf("make resolved a config in build/%s before its mistakes were reported", dir)
		}
	}
}

// TestInputUnknown: the symbols the tree does not define are named once,
// sorted, with where each is first set, and not again on resume.
func TestInputUnknown(t *testing.T) {
	spec := miniSpec(t, nil)
	dir := filepath.Dir(spec.Config.Bad)
	frag := filepath.Join(dir, "more.config")
	if err := os.WriteFile(frag, []byte("CONFIG_ZED=y\nCONFIG_G=y\nCONFIG_OLD=m\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(spec.Config.Bad, []byte("CONFIG_A=y\nCONFIG_OLD=y\nCONFIG_B=y\nCONFIG_C=y\nCONFIG_D=y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	spec.Config.Bad, spec.Config.BadFragments = "", []string{spec.Config.Bad, frag}
	work := t.TempDir()
	for run := 0; run < 2; run++ {
		var log syncBuffer
		r, err := start(context.Background(), spec, Options{Workdir: work, Log: &log})
		if err != nil {
			t.Fatal(err)
		}
		r.close()
		var warns []string
		for _, line := range strings.Split(log.String(), "\n") {
			if strings.HasPrefix(line, "warning: ") {
				warns = append(warns, line)
			}
		}
		want := []string{"warning: the kernel's Kconfig defines no CONFIG_OLD (" + filepath.Join(dir, "bad.config") + ":2), CONFIG_ZED (" +
			frag + ":1); conf ignores them"}
		if run == 1 {
			want = nil
		}
		if strings.Join(warns, "\n") != strings.Join(want, "\n") {
			t.Errorf("run %d: warnings\n%s\nwant\n%s", run, strings.Join(warns, "\n"), strings.Join(want, "\n"))
		}
		if setup, _ := os.ReadFile(filepath.Join(work, setupLog)); strings.Count(string(setup), "warning: ") != 1 {
			t.Errorf("run %d: setup.log does not keep the warning once:\n%s", run, setup)
		}
	}
}
