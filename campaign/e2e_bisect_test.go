//go:build e2e

package campaign_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kcmin/kcmin/report"
)

// plantedWarning is what the planting commit makes clang say of the
// tinyconfig kernel once printk is on.
const plantedWarning = "kcmin_planted"

// TestE2EBisect makes a git repository of the 6.12 tree (one commit of
// the whole tree, then small real commits: two that do not build, one
// that plants an unused variable in printk_safe.c, which only a kernel
// with PRINTK compiles), minimizes tinyconfig + PRINTK, SYSVIPC, FUTEX
// to PRINTK with a log pattern on clang's warning, and bisects the
// history to the planting commit (make e2e; about half an hour here).
func TestE2EBisect(t *testing.T) {
	if testing.Short() {
		t.Skip("builds real kernels; skipped in -short")
	}
	env := setupE2E(t)
	repo := filepath.Join(env.cache, "e2e", "bisect-linux")
	commits := bisectHistory(t, env.linux, repo)
	dir := filepath.Join(env.cache, "e2e", "bisect")
	if os.Getenv("KCMIN_E2E_FRESH") != "" {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	frag := filepath.Join(dir, "..", "bisect-bad.config")
	if err := os.WriteFile(frag, []byte("CONFIG_PRINTK=y\nCONFIG_SYSVIPC=y\nCONFIG_FUTEX=y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	file := dir + ".campaign.toml"
	if err := os.WriteFile(file, []byte(`[kernel]
source = "`+repo+`"
arch = "x86_64"
make_vars = ["LLVM=-19"]
target = "vmlinux"
build_timeout = "1h"

[config]
base = "tinyconfig"
bad_fragments = ["`+frag+`"]

[oracle]
log_patterns = ["warning: unused variable '`+plantedWarning+`'"]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("git", "-C", repo, "checkout", "-q", "--detach", commits[len(commits)-1]).CombinedOutput(); err != nil {
		t.Fatalf("checkout: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), e2eCaseTimeout)
	defer cancel()
	start := time.Now()
	if err := runKcmin(ctx, t, dir+".log", env.kcmin, "run", "-c", file, "-w", dir); err != nil {
		t.Fatalf("kcmin run: %v (output: %s.log)", err, dir)
	}
	campaign := time.Since(start)
	start = time.Now()
	if err := runKcmin(ctx, t, dir+"-bisect.log", env.kcmin, "bisect", "-w", dir, "--good", commits[0], "--bad", commits[len(commits)-1]); err != nil {
		t.Fatalf("kcmin bisect: %v (output: %s-bisect.log)", err, dir)
	}
	bisect := time.Since(start)
	data, err := os.ReadFile(filepath.Join(dir, "bisect", "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res report.Bisect
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	t.Logf("campaign %v, bisect %v: %s; %d steps, %d skipped, %.0f s of builds", campaign.Round(time.Second), bisect.Round(time.Second),
		res.Line, res.Steps, res.Skips, res.BuildSeconds)
	if res.First != commits[5] {
		t.Errorf("first bad commit %s (%s), want %s, the planting one", res.First, res.Subject, commits[5])
	}
	if len(res.Files) != 1 || res.Files[0] != "kernel/printk/printk_safe.c" {
		t.Errorf("files %q, want kernel/printk/printk_safe.c", res.Files)
	}
	steps, err := os.ReadFile(filepath.Join(dir, "bisect", "journal.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("steps:\n%s", steps)
	text, err := os.ReadFile(filepath.Join(dir, "result", "report.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(strings.Fields(string(text)), " "), "first bad commit: "+commits[5][:12]) {
		t.Errorf("report.txt lacks the first bad commit:\n%s", text)
	}
}

// bisectHistory makes (or finds, made before) the repository: commit 1
// the tree, 2 a note, 3 an #error in init/main.c, 4 a note (still
// broken), 5 the #error gone, 6 the planted variable, 7 and 8 notes. It
// returns the commits in order.
func bisectHistory(t *testing.T, linux, repo string) []string {
	t.Helper()
	subjects := []string{"Linux 6.12", "Documentation: a note", "init: a commit that does not build", "Documentation: another note",
		"init: build again", "printk: a variable of its own", "Documentation: a third note", "Documentation: a fourth note"}
	run := func(argv ...string) string {
		t.Helper()
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "LC_ALL=C", "GIT_AUTHOR_NAME=A U Thor", "GIT_AUTHOR_EMAIL=a@example.org",
			"GIT_COMMITTER_NAME=A U Thor", "GIT_COMMITTER_EMAIL=a@example.org")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if log, err := exec.Command("git", "-C", repo, "log", "--format=%s", "--reverse", "main").Output(); err == nil &&
		strings.TrimSpace(string(log)) == strings.Join(subjects, "\n") {
		return strings.Split(run("git", "rev-list", "--reverse", "main"), "\n")
	}
	if err := os.RemoveAll(repo); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(repo, 0o755); err != nil {
		t.Fatal(err)
	}
	run("cp", "-a", linux+"/.", repo)
	run("git", "init", "-q", "-b", "main")
	edit := func(path, old, new string) {
		p := filepath.Join(repo, path)
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), old) {
			t.Fatalf("%s lacks %q", path, old)
		}
		if err := os.WriteFile(p, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	note := func(n int) {
		if err := os.WriteFile(filepath.Join(repo, "Documentation", "kcmin-note.txt"), []byte(subjects[n]+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const broken = "#error \"kcmin: this commit does not build\"\n"
	for n, subject := range subjects {
		switch n {
		case 1, 3, 6, 7:
			note(n)
		case 2:
			edit("init/main.c", "#define DEBUG\t\t/* Enable initcall_debug */\n", "#define DEBUG\t\t/* Enable initcall_debug */\n"+broken)
		case 4:
			edit("init/main.c", broken, "")
		case 5:
			edit("kernel/printk/printk_safe.c", "asmlinkage int vprintk(const char *fmt, va_list args)\n{\n",
				"asmlinkage int vprintk(const char *fmt, va_list args)\n{\n\tint "+plantedWarning+";\n\n")
		}
		// Debian's tree ignores everything at its top (/*): -f.
		run("git", "add", "-A", "-f")
		run("git", "commit", "-q", "-m", subject)
	}
	return strings.Split(run("git", "rev-list", "--reverse", "main"), "\n")
}
