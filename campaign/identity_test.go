package campaign

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// copyTree copies a kernel-shaped test tree to a new folder, for a test
// that changes it.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "linux")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(to, data, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

// TestFileIdentity: a tree outside git is known by its version, its
// Kconfig files and its arch's Makefiles; other files do not count.
func TestFileIdentity(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(t *testing.T, tree string)
		changed string // the fact that changes; "" for none
	}{
		{"nothing", func(*testing.T, string) {}, ""},
		{"a Kconfig file", func(t *testing.T, tree string) {
			appendFile(t, filepath.Join(tree, "drivers/net/Kconfig"), "# changed\n")
		}, "Kconfig files"},
		{"an arch Kconfig file", func(t *testing.T, tree string) {
			appendFile(t, filepath.Join(tree, "arch/x86/Kconfig.cpu"), "# changed\n")
		}, "Kconfig files"},
		{"a new Kconfig file", func(t *testing.T, tree string) {
			appendFile(t, filepath.Join(tree, "lib/Kconfig.extra"), "config EXTRA\n\tbool\n")
		}, "Kconfig files"},
		{"the version", func(t *testing.T, tree string) {
			mk := filepath.Join(tree, "Makefile")
			data, err := os.ReadFile(mk)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(mk, []byte(strings.Replace(string(data), "EXTRAVERSION =\n", "EXTRAVERSION = -rc1\n", 1)), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "version"},
		{"an arch Makefile", func(t *testing.T, tree string) {
			appendFile(t, filepath.Join(tree, "arch/x86/boot/Makefile"), "# new\n")
		}, "arch/x86 Makefiles"},
		{"another arch's Kconfig", func(t *testing.T, tree string) {
			appendFile(t, filepath.Join(tree, "arch/arm64/Kconfig"), "config ARM64\n\tbool\n")
		}, ""},
		{"the rest of the top Makefile", func(t *testing.T, tree string) {
			appendFile(t, filepath.Join(tree, "Makefile"), "# a comment\n")
		}, ""},
		{"a defconfig", func(t *testing.T, tree string) {
			appendFile(t, filepath.Join(tree, "arch/x86/configs/tiny.config"), "# a comment\n")
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tree := copyTree(t, "../testdata/fakelinux")
			mk := filepath.Join(tree, "Makefile")
			data, err := os.ReadFile(mk)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(mk, append([]byte("VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 117\nEXTRAVERSION =\n"), data...), 0o644); err != nil {
				t.Fatal(err)
			}
			before, err := fileIdentity(tree, "x86_64")
			if err != nil {
				t.Fatal(err)
			}
			if before[0].Value != "6.12.117" {
				t.Errorf("version %q, want 6.12.117", before[0].Value)
			}
			tt.edit(t, tree)
			after, err := fileIdentity(tree, "x86_64")
			if err != nil {
				t.Fatal(err)
			}
			var changed []string
			for i := range after {
				if before[i] != after[i] {
					changed = append(changed, after[i].Name)
				}
			}
			want := []string(nil)
			if tt.changed != "" {
				want = []string{tt.changed}
			}
			if !reflect.DeepEqual(changed, want) {
				t.Errorf("changed %q, want %q\nbefore %v\nafter  %v", changed, want, before, after)
			}
		})
	}
	v, err := makefileVersion("testdata/minitree/Makefile")
	if err != nil || v != "none" {
		t.Errorf("version of a tree without one: %q, %v", v, err)
	}
}

// TestGitIdentity: a git tree is known by its HEAD and its uncommitted
// changes, and a second edit of a changed file is a change; a tree
// inside another project's repository is not a git tree of its own.
func TestGitIdentity(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	tree := copyTree(t, "testdata/minitree")
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", tree, "-c", "user.name=kcmin", "-c", "user.email=kcmin@example.org"}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	identity := func() []treeFact {
		t.Helper()
		f, err := treeIdentity(context.Background(), tree, "x86_64")
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	run("init", "-q")
	if f := identity(); f[0].Name != "version" {
		t.Errorf("a repository without a commit: %v, want the file digest", f)
	}
	run("add", ".")
	run("commit", "-q", "-m", "one")
	clean := identity()
	if len(clean) != 2 || clean[0].Name != "git HEAD" || len(clean[0].Value) != 40 || clean[1].Value != "none" {
		t.Fatalf("a clean git tree: %v", clean)
	}
	appendFile(t, filepath.Join(tree, "Kconfig"), "# one\n")
	dirty := identity()
	if dirty[0] != clean[0] || dirty[1].Value == "none" {
		t.Errorf("an uncommitted change: %v, clean %v", dirty, clean)
	}
	appendFile(t, filepath.Join(tree, "Kconfig"), "# two\n")
	if again := identity(); again[1] == dirty[1] {
		t.Errorf("a second edit of a changed file is not seen: %v", again)
	}
	run("commit", "-q", "-a", "-m", "two")
	if next := identity(); next[0] == clean[0] || next[1].Value != "none" {
		t.Errorf("a new commit: %v, before %v", next, clean)
	}
	// The mini tree itself lies inside kcmin's repository, or in none.
	in, err := treeIdentity(context.Background(), "testdata/minitree", "x86_64")
	if err != nil || in[0].Name != "version" {
		t.Errorf("a tree inside another repository: %v, %v", in, err)
	}
}

// treeSpec is the mini campaign on a copy of its tree, which the test
// may change.
func treeSpec(t *testing.T) (*Spec, string) {
	t.Helper()
	tree := copyTree(t, "testdata/minitree")
	spec := miniSpec(t, func(s string) string {
		abs, err := filepath.Abs("testdata/minitree")
		if err != nil {
			t.Fatal(err)
		}
		return strings.Replace(s, `source = "`+abs+`"`, `source = "`+tree+`"`, 1)
	})
	if spec.Kernel.Source != tree {
		t.Fatalf("the campaign builds %s, not the copy %s", spec.Kernel.Source, tree)
	}
	return spec, tree
}

// TestTreeChanged: a campaign whose kernel tree changed since its tests
// is refused, saying what changed; with New it starts afresh in the same
// workdir, its old journal kept in old/.
func TestTreeChanged(t *testing.T) {
	spec, tree := treeSpec(t)
	work := t.TempDir()
	first, err := Run(context.Background(), spec, Options{Workdir: work})
	if err != nil {
		t.Fatal(err)
	}
	recs := journalOf(t, work)

	// C no longer takes part in the failure: the old answers are wrong.
	build := filepath.Join(tree, "scripts/build.sh")
	data, err := os.ReadFile(build)
	if err != nil {
		t.Fatal(err)
	}
	script := strings.Replace(string(data), "has B && has C && has D", "has B && has D", 1)
	script = strings.Replace(script, "if has C && has D;", "if has D;", 1)
	if script == string(data) {
		t.Fatal("the build script did not change")
	}
	if err := os.WriteFile(build, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	appendFile(t, filepath.Join(tree, "arch/x86/Kconfig"), "# C is no culprit any more\n")
	_, err = Run(context.Background(), spec, Options{Workdir: work})
	if err == nil || ExitCode(err) != 2 || !strings.Contains(err.Error(), "tree Kconfig files was sha256 ") {
		t.Fatalf("a run on the changed tree: %v (exit %d), want refused for its Kconfig files", err, ExitCode(err))
	}
	if n := len(journalOf(t, work)); n != len(recs) {
		t.Errorf("the refused run changed the journal: %d records, were %d", n, len(recs))
	}

	var log syncBuffer
	sum, err := Run(context.Background(), spec, Options{Workdir: work, Log: &log, New: true})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if want := []string{"CONFIG_D=y", "CONFIG_A=y", "CONFIG_B=y"}; !reflect.DeepEqual(sum.Result.Minimal, want) {
		t.Errorf("on the changed tree: minimal %q, want %q (it was %q)", sum.Result.Minimal, want, first.Result.Minimal)
	}
	if !strings.Contains(log.String(), "the workdir held another campaign (tree Kconfig files was ") ||
		!strings.Contains(log.String(), filepath.Join(work, "old")) {
		t.Errorf("the new run does not say where the old campaign went:\n%s", log.String())
	}
	olds, _ := filepath.Glob(filepath.Join(work, "old", "*", journalFile))
	if len(olds) != 1 {
		t.Fatalf("old journals: %q", olds)
	}
	if old, err := ReadJournal(olds[0]); err != nil || !reflect.DeepEqual(old, recs) {
		t.Errorf("the old journal is not the first campaign's (%v)", err)
	}
	checkJournal(t, journalOf(t, work))

	// The same tree again resumes the new campaign.
	if _, err := Run(context.Background(), spec, Options{Workdir: work}); err != nil {
		t.Errorf("resume on the same tree: %v", err)
	}
}

// TestFailedSetupDoesNotBind: a run that fails before its first test
// leaves a workdir the fixed campaign runs in, and what that run resolved
// is not taken for the fixed campaign's.
func TestFailedSetupDoesNotBind(t *testing.T) {
	tests := []struct {
		name string
		bad  string // the mistaken bad config
		want string
	}{
		{"a bad line", "CONFIG_A=y\nCONFIG_B y\n", "bad.config:2"},
		// The resolved configs of this run would make the fixed one
		// find nothing to minimize again.
		{"nothing to minimize", "CONFIG_F=y\n", "nothing to minimize"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := miniSpec(t, nil)
			good, err := os.ReadFile(spec.Config.Bad)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(spec.Config.Bad, []byte(tt.bad), 0o644); err != nil {
				t.Fatal(err)
			}
			work := t.TempDir()
			_, err = Run(context.Background(), spec, Options{Workdir: work})
			if err == nil || ExitCode(err) != 2 || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("the mistaken campaign: %v (exit %d), want %q", err, ExitCode(err), tt.want)
			}
			if err := os.WriteFile(spec.Config.Bad, good, 0o644); err != nil {
				t.Fatal(err)
			}
			sum, err := Run(context.Background(), spec, Options{Workdir: work})
			if err != nil {
				t.Fatalf("the fixed campaign: %v", err)
			}
			if !reflect.DeepEqual(sum.Result.Minimal, miniCulprits) {
				t.Errorf("minimal %q, want %q", sum.Result.Minimal, miniCulprits)
			}
		})
	}
}

// TestResumeOtherJobsAndTimeouts: jobs and timeouts are no part of a
// campaign: it resumes under others, and a new timeout applies to the
// tests still to run.
func TestResumeOtherJobsAndTimeouts(t *testing.T) {
	spec := miniSpec(t, nil)
	work := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := Run(ctx, spec, Options{Workdir: work, Progress: func(s Status) {
		if slices.Contains(s.Now(), "resolving test 3") {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("first run: %v", err)
	}
	if n := len(journalOf(t, work)); n != 2 {
		t.Fatalf("the first run journalled %d tests, want 2", n)
	}

	text, err := os.ReadFile(spec.File)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(text), "jobs = 1", "jobs = 3\nbuild_timeout = \"10s\"\nconfig_timeout = \"1m\"", 1)
	edited = strings.Replace(edited, "[oracle]\n", "[oracle]\ncommand_timeout = \"5m\"\n", 1)
	otherFile := filepath.Join(filepath.Dir(spec.File), "other.toml")
	if err := os.WriteFile(otherFile, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	other, err := Load(otherFile)
	if err != nil {
		t.Fatal(err)
	}
	// Below what a campaign file may say, so the test need not wait 10 s.
	other.Kernel.BuildTimeout = time.Second
	t.Setenv("FAKE_BUILD_SECONDS", "3")
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	_, err = Run(ctx, other, Options{Workdir: work, Progress: func(s Status) {
		if slices.Contains(s.Now(), "resolving test 4") {
			once.Do(cancel)
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("the run with other jobs and timeouts: %v, want it to run until cancelled", err)
	}
	recs := journalOf(t, work)
	if len(recs) != 3 || recs[2].Outcome != "unresolved" || !strings.Contains(recs[2].Reason, "the build timed out") {
		t.Errorf("test 3 under the new build timeout: %+v", recs[len(recs)-1])
	}
}
