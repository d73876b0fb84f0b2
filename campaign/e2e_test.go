//go:build e2e

package campaign_test

// The end-to-end proof: kcmin, as a user runs it, on the real Linux 6.12
// tree with clang-19 and QEMU. Each folder of testdata/e2e is a case: a
// campaign file, the bad config it names, and expected.txt, the lines
// kcmin must find, no more and no fewer. Run it with `make e2e`:
//
//	go test -tags e2e -timeout 6h -run E2E -v ./campaign/...
//
// Each case's workdir is $KCMIN_CACHE/e2e/CASE (KCMIN_CACHE defaults to
// the repository's .cache). A rerun starts the campaign afresh but keeps
// the workdir's build dir, so its kernel builds are incremental; set
// KCMIN_E2E_FRESH=1 to remove the build dir too and measure a clean
// start. KCMIN_E2E_CASES=a,b runs only those cases; KCMIN_E2E_WORKERS=N
// runs them with N workers (kcmin run --workers N), in workdirs of their
// own (CASE-wN).

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/kcmin/kcmin/report"
)

// e2eCaseTimeout bounds one campaign; make e2e gives the whole run 6h.
const e2eCaseTimeout = 3 * time.Hour

// e2eEnv is where the real components are.
type e2eEnv struct {
	linux string // the kernel tree
	cache string // workdirs live under cache/e2e
	kcmin string // the kcmin binary built for this run
}

// TestE2E runs every case of testdata/e2e with kcmin run and checks that
// it finds exactly the expected culprits, verified and 1-minimal, and
// writes a report with the line that reproduces them.
func TestE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("builds real kernels for hours; skipped in -short")
	}
	env := setupE2E(t)
	cases, err := filepath.Glob("../testdata/e2e/*/campaign.toml")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no cases in ../testdata/e2e")
	}
	only := map[string]bool{}
	for _, c := range strings.Split(os.Getenv("KCMIN_E2E_CASES"), ",") {
		if c = strings.TrimSpace(c); c != "" {
			only[c] = true
		}
	}
	for _, file := range cases {
		name := filepath.Base(filepath.Dir(file))
		if len(only) > 0 && !only[name] {
			continue
		}
		t.Run(name, func(t *testing.T) { runE2ECase(t, env, name, file) })
	}
}

// setupE2E finds the kernel tree and the tools, and builds kcmin. A
// missing component fails the test: make e2e promises to run it.
func setupE2E(t *testing.T) e2eEnv {
	t.Helper()
	var env e2eEnv
	env.linux = os.Getenv("KCMIN_LINUX")
	if env.linux == "" {
		env.linux = "../.cache/linux-source-6.12"
	}
	env.cache = os.Getenv("KCMIN_CACHE")
	if env.cache == "" {
		env.cache = "../.cache"
	}
	var err error
	if env.linux, err = filepath.Abs(env.linux); err != nil {
		t.Fatal(err)
	}
	if env.cache, err = filepath.Abs(env.cache); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(env.linux, "Makefile")); err != nil {
		t.Fatalf("no Linux tree (set KCMIN_LINUX, or run make linux): %v", err)
	}
	for _, tool := range []struct{ prog, pkg string }{
		{"make", "make"}, {"clang-19", "clang-19"}, {"ld.lld-19", "lld-19"}, {"llvm-nm-19", "llvm-19"},
		{"qemu-system-x86_64", "qemu-system-x86"}, {"flex", "flex"}, {"bison", "bison"}, {"bc", "bc"},
		{"ccache", "ccache"},
	} {
		if _, err := exec.LookPath(tool.prog); err != nil {
			t.Fatalf("%s is missing: apt-get install %s (or make deps)", tool.prog, tool.pkg)
		}
	}
	env.kcmin = filepath.Join(t.TempDir(), "kcmin")
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		gobin = "go"
	}
	out, err := exec.Command(gobin, "build", "-o", env.kcmin, "../cmd/kcmin").CombinedOutput()
	if err != nil {
		t.Fatalf("build kcmin: %v\n%s", err, out)
	}
	return env
}

// e2eRecord is the part of a journal line the figures need.
type e2eRecord struct {
	Test    int   `json:"test"`
	Hit     bool  `json:"hit"`
	Built   bool  `json:"built"`
	BuildMS int64 `json:"build_ms"`
	JudgeMS int64 `json:"judge_ms"`
	PeakRSS int64 `json:"peak_rss"`
}

func runE2ECase(t *testing.T, env e2eEnv, name, file string) {
	want := readExpected(t, filepath.Join(filepath.Dir(file), "expected.txt"))
	workdir := filepath.Join(env.cache, "e2e", name)
	var workers []string
	if n := os.Getenv("KCMIN_E2E_WORKERS"); n != "" {
		workdir += "-w" + n
		workers = []string{"--workers", n}
	}
	fresh := prepareWorkdir(t, workdir)
	campaignFile := campaignFor(t, env, name, file)

	deadline := time.Now().Add(e2eCaseTimeout)
	if dl, ok := t.Deadline(); ok && dl.Add(-time.Minute).Before(deadline) {
		deadline = dl.Add(-time.Minute)
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	logPath := workdir + ".log"
	start := time.Now()
	err := runKcmin(ctx, t, logPath, append([]string{env.kcmin, "run", "-c", campaignFile, "-w", workdir}, workers...)...)
	wall := time.Since(start)
	if err != nil {
		t.Fatalf("kcmin run: %v after %v (output: %s, workdir: %s)", err, wall.Round(time.Second), logPath, workdir)
	}

	res := checkResult(t, workdir, want)
	checkReport(t, filepath.Join(workdir, "result", "report.txt"), res)
	figures(t, workdir, res, wall, fresh)
}

// checkResult reads the workdir's result.json and checks that it found
// exactly the expected lines, verified (in a clean build too) and
// 1-minimal.
func checkResult(t *testing.T, workdir string, want []string) report.Result {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(workdir, "result", "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res report.Result
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatalf("result.json: %v", err)
	}
	got := slices.Clone(res.Minimal)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("minimal = %q, want %q", res.Minimal, want)
	}
	if !res.Verified || !res.OneMinimal || !res.VerifiedClean {
		t.Errorf("verified %v, one_minimal %v, verified_clean %v (%s): want all", res.Verified, res.OneMinimal, res.VerifiedClean, res.CleanBuild)
	}
	return res
}

// readExpected reads expected.txt: one config line a line, # comments and
// blank lines aside, returned sorted.
func readExpected(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") && !strings.HasPrefix(l, "# CONFIG_") {
			continue
		}
		lines = append(lines, l)
	}
	if len(lines) == 0 {
		t.Fatalf("%s names no culprit", path)
	}
	slices.Sort(lines)
	return lines
}

// prepareWorkdir empties a workdir of an earlier campaign but its build
// dir, which kcmin reuses in place: a rerun builds incrementally. It says
// whether the build dir starts empty.
func prepareWorkdir(t *testing.T, workdir string) (fresh bool) {
	t.Helper()
	if os.Getenv("KCMIN_E2E_FRESH") != "" {
		if err := os.RemoveAll(workdir); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(workdir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == "build" {
			continue
		}
		if err := os.RemoveAll(filepath.Join(workdir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(workdir, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = os.Stat(filepath.Join(workdir, "build", "d0", "vmlinux"))
	return err != nil
}

// campaignFor returns the campaign file to run. The case's own file names
// the tree at KCMIN_LINUX's default; for another tree it gets a copy next
// to the workdir with the tree replaced and every path made absolute.
func campaignFor(t *testing.T, env e2eEnv, name, file string) string {
	t.Helper()
	dir, doc := readCampaign(t, file)
	kernel, _ := doc["kernel"].(map[string]any)
	source, _ := kernel["source"].(string)
	if source == "" {
		t.Fatalf("%s: no kernel.source", file)
	}
	if !filepath.IsAbs(source) {
		source = filepath.Join(dir, source)
	}
	if filepath.Clean(source) == env.linux {
		return file
	}
	out := filepath.Join(env.cache, "e2e", name+".campaign.toml")
	rewriteCampaign(t, env, file, out, nil)
	t.Logf("KCMIN_LINUX is %s: running %s", env.linux, out)
	return out
}

// readCampaign reads a campaign file as TOML, with its folder.
func readCampaign(t *testing.T, file string) (string, map[string]any) {
	t.Helper()
	dir, err := filepath.Abs(filepath.Dir(file))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if _, err := toml.DecodeFile(file, &doc); err != nil {
		t.Fatal(err)
	}
	return dir, doc
}

// rewriteCampaign writes the campaign file to out with the kernel tree at
// env.linux, every path absolute, no workdir (it is given with -w), and
// whatever edit changes.
func rewriteCampaign(t *testing.T, env e2eEnv, file, out string, edit func(doc map[string]any)) {
	t.Helper()
	dir, doc := readCampaign(t, file)
	kernel, _ := doc["kernel"].(map[string]any)
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	kernel["source"] = env.linux
	if c, ok := doc["config"].(map[string]any); ok {
		for _, key := range []string{"base_fragments", "bad_fragments"} {
			if list, ok := c[key].([]any); ok {
				for i, p := range list {
					list[i] = abs(p.(string))
				}
			}
		}
		if bad, ok := c["bad"].(string); ok {
			c["bad"] = abs(bad)
		}
		if base, ok := c["base"].(string); ok && strings.ContainsRune(base, '/') {
			c["base"] = abs(base)
		}
	}
	if b, ok := doc["boot"].(map[string]any); ok {
		if r, ok := b["rootfs"].(string); ok && r != "" {
			b["rootfs"] = abs(r)
		}
	}
	delete(doc, "campaign") // the workdir is given with -w
	if edit != nil {
		edit(doc)
	}
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fmt.Fprintf(f, "# %s with the kernel tree at %s\n", file, env.linux)
	if err := toml.NewEncoder(f).Encode(doc); err != nil {
		t.Fatal(err)
	}
}

// runKcmin runs kcmin in its own process group, killed with its makes
// and QEMUs when ctx ends. Its output goes to logPath and, line by line,
// to the test's log.
func runKcmin(ctx context.Context, t *testing.T, logPath string, argv ...string) error {
	t.Helper()
	logf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	pr, pw := io.Pipe()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = pw, pw
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(io.TeeReader(pr, logf))
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			t.Logf("%s kcmin: %s", time.Now().Format("15:04:05"), sc.Text())
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	t.Logf("%s", strings.Join(argv, " "))
	err = cmd.Run()
	pw.Close()
	<-done
	if ctx.Err() != nil {
		return fmt.Errorf("%w: %v", ctx.Err(), err)
	}
	return err
}

// checkReport checks report.txt: each reproducing command of result.json
// is there (wrapped at 72 columns with backslash-newline), and it builds
// with the campaign's make variables.
func checkReport(t *testing.T, path string, res report.Result) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for i, line := range strings.Split(text, "\n") {
		if len(line) > 72 {
			t.Errorf("report.txt:%d is %d columns wide: %q", i+1, len(line), line)
		}
	}
	joined := strings.ReplaceAll(text, "\\\n", "")
	joined = strings.Join(strings.Fields(joined), " ")
	var makeLine string
	for _, c := range res.Reproducer {
		if !strings.Contains(joined, strings.Join(strings.Fields(c), " ")) {
			t.Errorf("report.txt lacks the command %q", c)
		}
		if strings.Contains(c, "make ") {
			makeLine = c
		}
	}
	if makeLine == "" || !strings.Contains(makeLine, "LLVM=-19") || !strings.Contains(makeLine, "mrproper") {
		t.Errorf("no make line with LLVM=-19 and mrproper among the reproducer's commands %q", res.Reproducer)
	}
}

// figures logs what the campaign cost: tests, builds, cache hits, wall
// time, and the build times, the first build of a fresh build dir apart.
func figures(t *testing.T, workdir string, res report.Result, wall time.Duration, fresh bool) {
	t.Helper()
	f, err := os.Open(filepath.Join(workdir, "journal.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var builds []time.Duration
	var boot time.Duration
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var r e2eRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("journal: %v", err)
		}
		if r.Hit || !r.Built {
			continue
		}
		builds = append(builds, time.Duration(r.BuildMS)*time.Millisecond)
		boot += time.Duration(r.JudgeMS) * time.Millisecond
		t.Logf("test %d: built in %v, peak %d MB, judged in %v", r.Test, (time.Duration(r.BuildMS) * time.Millisecond).Round(time.Second),
			r.PeakRSS>>20, (time.Duration(r.JudgeMS) * time.Millisecond).Round(time.Second/10))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("minimal: %q", res.Minimal)
	t.Logf("signature: %q", res.Signature)
	t.Logf("%d candidates, algorithm %s, %d workers: %d tests, %d builds, %d cache hits, %d unresolved; %v wall (kcmin's: %.0fs of wall time, %.0fs of tests; peak %d MB)",
		res.Candidates, res.Algorithm, res.Workers, res.Tests, res.Builds, res.CacheHits, res.Unresolved, wall.Round(time.Second), res.Seconds, res.TestSeconds, res.PeakRSS>>20)
	if len(builds) == 0 {
		return
	}
	rest := builds
	if fresh {
		t.Logf("clean build (the bad config, first in a new build dir): %v", builds[0].Round(time.Second))
		rest = builds[1:]
	}
	if len(rest) > 0 {
		sorted := slices.Clone(rest)
		slices.Sort(sorted)
		var sum time.Duration
		for _, d := range rest {
			sum += d
		}
		t.Logf("incremental builds: %d, median %v, min %v, max %v, total %v; judging %v",
			len(rest), sorted[len(sorted)/2].Round(time.Second), sorted[0].Round(time.Second),
			sorted[len(sorted)-1].Round(time.Second), sum.Round(time.Second), boot.Round(time.Second))
	}
}
