package kconfig_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kcmin/kcmin/kconfig"
)

// Each directory under testdata/snippets holds a small Kconfig tree for a
// corner case, an input config and the expected.config that the kernel's
// own conf wrote for it (`conf --olddefconfig`).

func snippetDirs(t *testing.T) []string {
	dirs, err := filepath.Glob("testdata/snippets/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no snippets: %v", err)
	}
	return dirs
}

func evalSnippet(t *testing.T, dir string) (*kconfig.Tree, *kconfig.Eval) {
	t.Helper()
	tree, err := kconfig.Parse(context.Background(), kconfig.Options{SrcTree: dir})
	if err != nil {
		t.Fatal(err)
	}
	in := readConfig(t, filepath.Join(dir, "input.config"))
	return tree, tree.Evaluate(in)
}

func TestSnippets(t *testing.T) {
	for _, dir := range snippetDirs(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			_, e := evalSnippet(t, dir)
			var got bytes.Buffer
			if err := e.Write(&got); err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(filepath.Join(dir, "expected.config"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("got\n%s\nwant (the kernel's conf)\n%s", got.Bytes(), want)
			}
		})
	}
}

// TestSnippetsKernelConf checks that the expected files are still what
// the kernel's own conf writes.
func TestSnippetsKernelConf(t *testing.T) {
	r := setupReal(t)
	conf := filepath.Join(r.objdir, "scripts", "kconfig", "conf")
	for _, dir := range snippetDirs(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			abs, _ := filepath.Abs(dir)
			in, err := os.ReadFile(filepath.Join(abs, "input.config"))
			if err != nil {
				t.Fatal(err)
			}
			cfg := filepath.Join(t.TempDir(), ".config")
			if err := os.WriteFile(cfg, in, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(conf, "--olddefconfig", "Kconfig")
			cmd.Dir = abs
			cmd.Env = append(os.Environ(), "srctree="+abs, "KCONFIG_CONFIG="+cfg)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("kernel conf: %v\n%s", err, out)
			}
			got, _ := os.ReadFile(cfg)
			want, _ := os.ReadFile(filepath.Join(abs, "expected.config"))
			if !bytes.Equal(got, want) {
				t.Errorf("the kernel's conf now writes\n%s", got)
			}
		})
	}
}

func TestSnippetWarnings(t *testing.T) {
	_, e := evalSnippet(t, "testdata/snippets/select")
	var found bool
	for _, w := range e.Warnings {
		if strings.Contains(w.Msg, "unmet direct dependencies detected for FEATURE") {
			found = true
		}
	}
	if !found {
		t.Errorf("no unmet-dependency warning for FEATURE: %v", e.Warnings)
	}
}

func TestExplain(t *testing.T) {
	cases := []struct {
		dir, name, want, says string
	}{
		{"select", "FEATURE", "n", "FEATURE=n is overridden: it is y, selected by USER [=y]"},
		{"select", "HELPER", "n", "HELPER has no prompt"},
		{"choice", "SCHED_B", "y", "SCHED_B=y needs FAST [=n]"},
		{"choice", "COMP_GZ", "y", `the choice "Compression" picked COMP_ZSTD`},
		{"tristate-nomod", "DRV_A", "m", "DRV_A=m needs MODULES [=n]"},
		{"visible", "TUNABLE", "n", "TUNABLE=n needs EXPERT [=n]"},
		{"range", "NR_CPUS", "1", "NR_CPUS=1 is outside its range 2..64: it became 2"},
		{"range", "NR_CPUS", "2", ""},
		{"range", "NOPE", "y", "NOPE is not defined"},
	}
	for _, c := range cases {
		t.Run(c.dir+"/"+c.name+"="+c.want, func(t *testing.T) {
			_, e := evalSnippet(t, "testdata/snippets/"+c.dir)
			got := e.Explain(c.name, c.want)
			if c.says == "" && got != "" || !strings.Contains(got, c.says) {
				t.Errorf("Explain = %q, want it to say %q", got, c.says)
			}
		})
	}
}

func TestSettableAndDeps(t *testing.T) {
	tree, _ := evalSnippet(t, "testdata/snippets/tristate")
	if !tree.Settable("DRV_B") || tree.Settable("LIB_X") || tree.Settable("NOPE") {
		t.Error("Settable: DRV_B has a prompt, LIB_X has none, NOPE is undefined")
	}
	if got := strings.Join(tree.DependsOn("DRV_B"), " "); got != "DRV_A" {
		t.Errorf("DependsOn(DRV_B) = %q", got)
	}
	if got := strings.Join(tree.DependsOn("M_COND"), " "); got != "MODULES" {
		t.Errorf("DependsOn(M_COND) = %q, want MODULES (m means m && MODULES)", got)
	}
}
