package build

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestRealRebuildPrediction builds a tinyconfig kernel on the real tree,
// then flips a leaf option and a header-wide one, and checks what the
// .cmd files predict against what make recompiled: the same order of
// magnitude, and the header-wide option many times the leaf.
func TestRealRebuildPrediction(t *testing.T) {
	m := realMake(t)
	ctx := context.Background()
	dir := t.TempDir()
	logs := t.TempDir()
	_, err := m.Configure(ctx, dir, nil, "tinyconfig")
	if err != nil {
		t.Fatalf("Configure tinyconfig: %v", err)
	}
	build := func(name string, prev *Objects) (*Objects, []string) {
		t.Helper()
		stamp := filepath.Join(logs, name+".stamp")
		if err := os.WriteFile(stamp, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		info, _ := os.Stat(stamp)
		a, err := m.Build(ctx, dir, "vmlinux", filepath.Join(logs, name+".log"))
		if err != nil {
			t.Fatalf("build %s: %v", name, err)
		}
		if !a.OK() {
			log, _ := os.ReadFile(a.Log)
			t.Fatalf("build %s: exit %d:\n%s", name, a.ExitCode, tail(log))
		}
		objs, err := ReadObjects(dir, prev)
		if err != nil {
			t.Fatal(err)
		}
		compiled := objs.BuiltSince(info.ModTime())
		t.Logf("build %s: %v, %d of %d objects compiled", name, a.Duration.Round(time.Second), len(compiled), objs.Len())
		return objs, compiled
	}
	objs, compiled := build("clean", nil)
	// All but conf's own, which make tinyconfig compiled.
	if objs.Len() < 300 || len(compiled) < objs.Len()*9/10 {
		t.Fatalf("clean build: %d objects, %d compiled; want hundreds, nearly all of them", objs.Len(), len(compiled))
	}

	flip := func(name, line string) (predicted, compiled []string) {
		t.Helper()
		old := configValues(t, filepath.Join(dir, ".config"))
		resolved, err := m.Resolve(ctx, dir, append(readFile(t, filepath.Join(dir, ".config")), line+"\n"...), nil)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(resolved), line+"\n") {
			t.Fatalf("%s did not stick", line)
		}
		changed := changedOptions(old, configValues(t, filepath.Join(dir, ".config")))
		predicted = objs.Affected(changed)
		objs, compiled = build(name, objs)
		t.Logf("%s: changes %d options %q; %d objects predicted, %d compiled", line, len(changed), first(changed, 8), len(predicted), len(compiled))
		return predicted, compiled
	}
	// SGETMASK_SYSCALL is one syscall in kernel/signal.c.
	leafP, leafC := flip("leaf", "CONFIG_SGETMASK_SYSCALL="+map[bool]string{true: "n", false: "y"}[hasLine(readFile(t, filepath.Join(dir, ".config")), "CONFIG_SGETMASK_SYSCALL=y")])
	// ADVISE_SYSCALLS is in <linux/syscalls.h>, which a quarter of the
	// objects include (HZ, in <linux/jiffies.h>, would be nearly all of
	// them, and minutes more).
	wide := "CONFIG_ADVISE_SYSCALLS=y"
	if hasLine(readFile(t, filepath.Join(dir, ".config")), wide) {
		wide = "# CONFIG_ADVISE_SYSCALLS is not set"
	}
	wideP, wideC := flip("header-wide", wide)

	for _, c := range []struct {
		name                string
		predicted, compiled []string
	}{{"leaf", leafP, leafC}, {"header-wide", wideP, wideC}} {
		if len(c.predicted) == 0 || len(c.compiled) == 0 {
			t.Errorf("%s: %d predicted, %d compiled", c.name, len(c.predicted), len(c.compiled))
			continue
		}
		// Every predicted object was compiled, and what was not
		// predicted stays within the same order of magnitude.
		got := map[string]bool{}
		for _, o := range c.compiled {
			got[o] = true
		}
		for _, o := range c.predicted {
			if !got[o] {
				t.Errorf("%s: %s was predicted, not compiled", c.name, o)
			}
		}
		if r := float64(len(c.compiled)) / float64(len(c.predicted)); r > 10 {
			t.Errorf("%s: %d compiled against %d predicted", c.name, len(c.compiled), len(c.predicted))
		}
	}
	if len(wideP) < 20*len(leafP) || len(wideC) < 20*len(leafC) {
		t.Errorf("header-wide: %d predicted, %d compiled; leaf: %d, %d: want the header-wide many times the leaf",
			len(wideP), len(wideC), len(leafP), len(leafC))
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// configValues reads a .config into name -> value, unset options as "n".
func configValues(t *testing.T, path string) map[string]string {
	t.Helper()
	vals := map[string]string{}
	for _, l := range strings.Split(string(readFile(t, path)), "\n") {
		if name, ok := strings.CutPrefix(l, "# CONFIG_"); ok && strings.HasSuffix(name, " is not set") {
			vals[strings.TrimSuffix(name, " is not set")] = "n"
		} else if nv, ok := strings.CutPrefix(l, "CONFIG_"); ok {
			name, v, _ := strings.Cut(nv, "=")
			vals[name] = v
		}
	}
	return vals
}

func changedOptions(from, to map[string]string) []string {
	var out []string
	get := func(m map[string]string, k string) string {
		if v, ok := m[k]; ok {
			return v
		}
		return "n"
	}
	for _, m := range []map[string]string{from, to} {
		for k := range m {
			if get(from, k) != get(to, k) && !contains(out, k) {
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func first(l []string, n int) []string { return l[:min(n, len(l))] }

func tail(b []byte) string {
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}
