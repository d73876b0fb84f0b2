package kconfig_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kcmin/kcmin/build"
	"github.com/kcmin/kcmin/kconfig"
)

// The real-tree tests run on Debian's linux-source-6.12 with clang-19
// (make deps, make linux). They are skipped in -short mode and fail when
// the tree or the toolchain is missing.

func linuxDir(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("real kernel tree: skipped in -short mode")
	}
	dir := os.Getenv("KCMIN_LINUX")
	if dir == "" {
		dir = "../.cache/linux-source-6.12"
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(abs, "Kconfig")); err != nil {
		t.Fatalf("no kernel tree at %s (run make linux, or set KCMIN_LINUX): %v", abs, err)
	}
	return abs
}

func cacheDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("KCMIN_CACHE")
	if dir == "" {
		dir = "../.cache"
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// realTree is parsed once per test binary.
type realSetup struct {
	src    string
	env    map[string]string
	tree   *kconfig.Tree
	macros *kconfig.MacroCache
	objdir string // build dir holding the kernel's own conf
	err    error
}

var (
	realOnce sync.Once
	real     realSetup
)

func setupReal(t testing.TB) *realSetup {
	t.Helper()
	src := linuxDir(t)
	cache := cacheDir(t)
	realOnce.Do(func() {
		real.src = src
		ctx := context.Background()
		mk := &build.Make{Source: src, Arch: "x86_64", Vars: []string{"LLVM=-19"}}
		env, err := mk.KconfigEnv(ctx)
		if err != nil {
			real.err = err
			return
		}
		real.env = env
		real.macros = kconfig.NewMacroCache()
		real.tree, err = kconfig.Parse(ctx, kconfig.Options{SrcTree: src, Env: env, Macros: real.macros})
		if err != nil {
			real.err = fmt.Errorf("parse: %w", err)
			return
		}
		real.objdir = filepath.Join(cache, "build", "kconfig-ref")
		if err := os.MkdirAll(real.objdir, 0o755); err != nil {
			real.err = err
			return
		}
		conf := filepath.Join(real.objdir, "scripts", "kconfig", "conf")
		if _, err := os.Stat(conf); err != nil {
			var log bytes.Buffer
			if err := mk.Run(ctx, real.objdir, &log, "allnoconfig"); err != nil {
				real.err = fmt.Errorf("build the kernel's conf: %w\n%s", err, log.String())
				return
			}
		}
	})
	if real.err != nil {
		t.Fatal(real.err)
	}
	return &real
}

// kernelConf runs the kernel's own conf on an input config (nil: none)
// with the environment make gives it, and returns the .config it writes.
// Results are cached on disk by their inputs.
func (r *realSetup) kernelConf(t testing.TB, input []byte, extraEnv []string, args ...string) []byte {
	t.Helper()
	h := sha256.New()
	fmt.Fprintf(h, "%q %q %q\n", args, extraEnv, r.env["CC_VERSION_TEXT"])
	h.Write(input)
	key := hex.EncodeToString(h.Sum(nil))[:24]
	refDir := filepath.Join(r.objdir, "ref")
	if err := os.MkdirAll(refDir, 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(refDir, key+".config")
	if b, err := os.ReadFile(out); err == nil {
		return b
	}
	work, err := os.MkdirTemp(r.objdir, "work-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(work)
	cfg := filepath.Join(work, ".config")
	if input != nil {
		if err := os.WriteFile(cfg, input, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(r.objdir, "scripts", "kconfig", "conf"), append(args, "Kconfig")...)
	cmd.Dir = work
	cmd.Env = os.Environ()
	for k, v := range r.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(cmd.Env, "KCONFIG_CONFIG="+cfg)
	cmd.Env = append(cmd.Env, extraEnv...)
	var stderr bytes.Buffer
	cmd.Stdout = &stderr
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kernel conf %v: %v\n%s", args, err, stderr.String())
	}
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRealTreeParses(t *testing.T) {
	r := setupReal(t)
	syms := r.tree.Symbols()
	if len(syms) < 10000 {
		t.Errorf("only %d symbols in the x86 tree", len(syms))
	}
	for _, name := range []string{"MODULES", "X86_64", "KASAN", "CC_IS_CLANG", "LD_IS_LLD"} {
		if r.tree.Lookup(name) == nil || !r.tree.Lookup(name).Defined() {
			t.Errorf("%s is not defined", name)
		}
	}
	if r.tree.Modules.Name != "MODULES" {
		t.Errorf("modules symbol is %s", r.tree.Modules.Name)
	}
	t.Logf("%d symbols, %d warnings, %d macro commands run", len(syms), len(r.tree.Warnings), r.macros.Runs())
}

// compareConfigs lists every symbol whose value differs between the
// kernel's output and kcmin's, including symbols only one of them wrote.
func compareConfigs(t testing.TB, want, got []byte) []string {
	t.Helper()
	w, _, err := kconfig.ReadConfig(bytes.NewReader(want), "kernel")
	if err != nil {
		t.Fatal(err)
	}
	g, _, err := kconfig.ReadConfig(bytes.NewReader(got), "kcmin")
	if err != nil {
		t.Fatal(err)
	}
	var diffs []string
	for _, c := range kconfig.Diff(w, g) {
		diffs = append(diffs, fmt.Sprintf("%s: kernel %q, kcmin %q", c.Name, c.Old, c.New))
	}
	return diffs
}

type realCase struct {
	name string
	// kernel returns the kernel's own result; kcmin returns kcmin's.
	kernel func(t testing.TB, r *realSetup) []byte
	kcmin  func(t testing.TB, r *realSetup) *kconfig.Eval
}

func readConfig(t testing.TB, path string) *kconfig.Config {
	t.Helper()
	c, _, err := kconfig.ReadConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func olddefconfigCase(name string, input func(t testing.TB, r *realSetup) []byte) realCase {
	return realCase{
		name: name,
		kernel: func(t testing.TB, r *realSetup) []byte {
			return r.kernelConf(t, input(t, r), nil, "--olddefconfig")
		},
		kcmin: func(t testing.TB, r *realSetup) *kconfig.Eval {
			c, _, err := kconfig.ReadConfig(bytes.NewReader(input(t, r)), name)
			if err != nil {
				t.Fatal(err)
			}
			return r.tree.Evaluate(c)
		},
	}
}

func fileInput(rel string) func(t testing.TB, r *realSetup) []byte {
	return func(t testing.TB, r *realSetup) []byte {
		b, err := os.ReadFile(filepath.Join(r.src, rel))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
}

func debianInput(t testing.TB, r *realSetup) []byte {
	out, err := exec.Command("xz", "-dc", "/usr/src/linux-config-6.12/config.amd64_none_amd64.xz").Output()
	if err != nil {
		t.Fatalf("Debian's config (apt-get install linux-config-6.12): %v", err)
	}
	return out
}

func randInput(seed int) func(t testing.TB, r *realSetup) []byte {
	return func(t testing.TB, r *realSetup) []byte {
		return r.kernelConf(t, nil, []string{fmt.Sprintf("KCONFIG_SEED=%#x", seed)}, "--randconfig")
	}
}

// halfInput keeps every other assignment of a config, so that the
// resolver must find the rest from defaults, selects and choices.
func halfInput(in func(t testing.TB, r *realSetup) []byte) func(t testing.TB, r *realSetup) []byte {
	return func(t testing.TB, r *realSetup) []byte {
		var out []byte
		n := 0
		for _, l := range bytes.SplitAfter(in(t, r), []byte("\n")) {
			if !bytes.HasPrefix(l, []byte("CONFIG_")) && !bytes.HasPrefix(l, []byte("# CONFIG_")) {
				continue
			}
			if n++; n%2 == 0 {
				out = append(out, l...)
			}
		}
		return out
	}
}

func realCases() []realCase {
	cases := []realCase{
		olddefconfigCase("x86_64_defconfig", fileInput("arch/x86/configs/x86_64_defconfig")),
		{
			name: "allnoconfig",
			kernel: func(t testing.TB, r *realSetup) []byte {
				return r.kernelConf(t, nil, nil, "--allnoconfig")
			},
			kcmin: func(t testing.TB, r *realSetup) *kconfig.Eval { return r.tree.AllNo(nil) },
		},
		{
			name: "tinyconfig",
			kernel: func(t testing.TB, r *realSetup) []byte {
				base := r.kernelConf(t, nil, []string{"KCONFIG_ALLCONFIG=" + filepath.Join(r.src, "kernel/configs/tiny-base.config")}, "--allnoconfig")
				merged := append(append([]byte{}, base...), fileInput("kernel/configs/tiny.config")(t, r)...)
				return r.kernelConf(t, merged, nil, "--olddefconfig")
			},
			kcmin: func(t testing.TB, r *realSetup) *kconfig.Eval {
				base := r.tree.AllNo(readConfig(t, filepath.Join(r.src, "kernel/configs/tiny-base.config")))
				merged, _ := kconfig.Merge(base.Config(), readConfig(t, filepath.Join(r.src, "kernel/configs/tiny.config")))
				return r.tree.Evaluate(merged)
			},
		},
		olddefconfigCase("debian-amd64", debianInput),
		olddefconfigCase("debian-amd64-half", halfInput(debianInput)),
	}
	for seed := 1; seed <= 20; seed++ {
		cases = append(cases, olddefconfigCase(fmt.Sprintf("randconfig-%d", seed), randInput(seed)))
		cases = append(cases, olddefconfigCase(fmt.Sprintf("randconfig-%d-half", seed), halfInput(randInput(seed))))
	}
	return cases
}

// knownDifferences lists symbols where kcmin's resolver is allowed to
// differ from the kernel's, with the reason. It is empty: every
// difference found so far was a bug and was fixed.
var knownDifferences = map[string]string{}

func TestRealResolveMatchesKernel(t *testing.T) {
	r := setupReal(t)
	total, same := 0, 0
	for _, c := range realCases() {
		t.Run(c.name, func(t *testing.T) {
			want := c.kernel(t, r)
			e := c.kcmin(t, r)
			var got bytes.Buffer
			if err := e.Write(&got); err != nil {
				t.Fatal(err)
			}
			diffs := compareConfigs(t, want, got.Bytes())
			n := bytes.Count(want, []byte("\nCONFIG_")) + bytes.Count(want, []byte("\n# CONFIG_"))
			total += n
			same += n - len(diffs)
			for _, d := range diffs {
				name, _, _ := strings.Cut(d, ":")
				if why, ok := knownDifferences[name]; ok {
					t.Logf("known difference %s (%s)", d, why)
					continue
				}
				t.Errorf("%s", d)
			}
			if len(diffs) == 0 && !bytes.Equal(want, got.Bytes()) {
				t.Errorf("same values, but the written .config differs from the kernel's:\n%s", firstDiffLine(want, got.Bytes()))
			}
		})
	}
	t.Logf("agreement: %d of %d symbol values identical (%.4f%%)", same, total, 100*float64(same)/float64(max(total, 1)))
}

func firstDiffLine(a, b []byte) string {
	la := strings.Split(string(a), "\n")
	lb := strings.Split(string(b), "\n")
	for i := 0; i < len(la) && i < len(lb); i++ {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d: kernel %q, kcmin %q", i+1, la[i], lb[i])
		}
	}
	return fmt.Sprintf("lengths %d and %d lines", len(la), len(lb))
}
