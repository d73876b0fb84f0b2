package build

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeLinux is a Make on testdata/fakelinux, configured with defconfig in
// a fresh build dir, which it returns.
func fakeLinux(t *testing.T) (*Make, string) {
	t.Helper()
	src, err := filepath.Abs(filepath.Join("..", "testdata", "fakelinux"))
	if err != nil {
		t.Fatal(err)
	}
	m := &Make{Source: src, Arch: "x86_64", Jobs: 2}
	dir := t.TempDir()
	if _, err := m.Configure(context.Background(), dir, nil, "defconfig"); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	return m, dir
}

func TestFakeBuildPeakRSS(t *testing.T) {
	m, dir := fakeLinux(t)
	logs := t.TempDir()
	build := func(name string) *Artifact {
		t.Helper()
		a, err := m.Build(context.Background(), dir, "bzImage", filepath.Join(logs, name))
		if err != nil || !a.OK() {
			t.Fatalf("Build %s: %+v, %v", name, a, err)
		}
		return a
	}
	if a := build("plain"); a.PeakRSS <= 0 || a.PeakRSS >= 250<<20 {
		t.Errorf("a build without FAKE_BUILD_MEMORY peaked at %d bytes", a.PeakRSS)
	}
	t.Setenv("FAKE_BUILD_MEMORY", "300M")
	if a := build("300M"); a.PeakRSS < 250<<20 || a.PeakRSS >= 2<<30 {
		t.Errorf("a build holding 300 MiB peaked at %d MiB", a.PeakRSS>>20)
	}
}

// memoryCgroup makes a memory cgroup for the test and removes it after,
// or skips the test where no memory controller is writable.
func memoryCgroup(t *testing.T, limit int64) *Cgroup {
	t.Helper()
	cg, err := NewMemoryCgroup(limit)
	if err != nil {
		t.Skipf("needs a writable memory cgroup (root, with cgroup v1, or v2 with a cgroup that can delegate the memory controller): %v", err)
	}
	t.Cleanup(func() {
		if err := cg.Remove(); err != nil {
			t.Error(err)
		}
		if _, err := os.Stat(cg.Dir()); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("cgroup %s outlived the test: %v", cg.Dir(), err)
		}
	})
	return cg
}

func TestFakeBuildOOMKilled(t *testing.T) {
	for _, own := range []bool{true, false} {
		name := "shared counters"
		if own {
			name = "own cgroup"
		}
		t.Run(name, func(t *testing.T) {
			m, dir := fakeLinux(t)
			// The sync of the config runs conf before the build: a Go
			// program that fits the limit.
			cg := memoryCgroup(t, 64<<20)
			m.Wrap = cg.Wrap()
			if own {
				m.Cgroup = cg.Dir()
			}
			t.Setenv("FAKE_BUILD_MEMORY", "300M")
			logPath := filepath.Join(t.TempDir(), "build.log")
			a, err := m.Build(context.Background(), dir, "bzImage", logPath)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			log, _ := os.ReadFile(logPath)
			if a.ExitCode != 2 || !a.OOMKilled {
				t.Fatalf("exit %d, OOMKilled %v (%q); want an OOM kill:\n%s", a.ExitCode, a.OOMKilled, a.OOMReason, log)
			}
			if kills, err := cg.OOMKills(); err != nil || kills < 1 {
				t.Errorf("the cgroup counted %d OOM kills, %v", kills, err)
			}
			want := "in " + cgroupOOMFile(cg.Dir()) + ")"
			if !own {
				want = "Error 137)"
			}
			if !strings.HasPrefix(a.OOMReason, "killed by the OOM killer (oom_kill ") || !strings.HasSuffix(a.OOMReason, want) {
				t.Errorf("OOMReason %q, want one ending in %q", a.OOMReason, want)
			}
			// Nothing of the build is left in the cgroup once Build returns.
			if procs, err := os.ReadFile(filepath.Join(cg.Dir(), "cgroup.procs")); err != nil || len(procs) > 0 {
				t.Errorf("left in the cgroup: %q, %v", procs, err)
			}
		})
	}
}

func TestMemoryCgroupRemoveKills(t *testing.T) {
	cg := memoryCgroup(t, 256<<20)
	r := make(chan error, 1)
	started := filepath.Join(t.TempDir(), "started")
	go func() {
		_, err := RunStats(context.Background(), Cmd{Argv: append(cg.Wrap(), "sh", "-c", "echo $$ >"+started+"; exec sleep 1000")})
		r <- err
	}()
	waitForFile(started)
	if procs, _ := os.ReadFile(filepath.Join(cg.Dir(), "cgroup.procs")); len(procs) == 0 {
		t.Fatal("the wrapped command is not in the cgroup")
	}
	if err := cg.Remove(); err != nil {
		t.Fatal(err)
	}
	if err := <-r; err != nil {
		t.Errorf("RunStats: %v", err)
	}
	if _, err := os.Stat(cg.Dir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cgroup still there: %v", err)
	}
}
