package campaign

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-multierror"
)

// specDir makes a folder with a minimal kernel-shaped tree, a bad config
// and a script, for campaign files to point at.
func specDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"linux/Makefile", "linux/Kconfig", "linux/arch/x86/Kconfig", "bad.config", "frag.config", "base.config"} {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "check.sh"), []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	// A [boot] section's QEMU must be there, whether or not the machine
	// has one.
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "qemu-system-x86_64"), []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	return dir
}

const goodSpec = `
[kernel]
source = "linux"
make_vars = ["LLVM=-19"]
[config]
base = "defconfig"
bad = "bad.config"
[oracle]
log_patterns = ['objtool: .* leaves \.noinstr\.text section']
`

func writeSpec(t *testing.T, dir, text string) string {
	t.Helper()
	p := filepath.Join(dir, "minimize.toml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadGood(t *testing.T) {
	dir := specDir(t)
	s, err := Load(writeSpec(t, dir, goodSpec))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"source", s.Kernel.Source, filepath.Join(dir, "linux")},
		{"arch", s.Kernel.Arch, "x86_64"},
		{"target", s.Kernel.Target, "bzImage"},
		{"jobs", s.Kernel.Jobs, runtime.NumCPU()},
		{"build timeout", s.Kernel.BuildTimeout, 2 * time.Hour},
		{"base targets", strings.Join(s.Config.BaseTargets, " "), "defconfig"},
		{"bad", s.Config.Bad, filepath.Join(dir, "bad.config")},
		{"build", s.Oracle.Build, "succeed"},
		{"match", s.Oracle.Match, "all"},
		{"patterns", len(s.Oracle.LogPatterns), 1},
		{"algorithm", s.Search.Algorithm, "auto"},
		{"workdir", s.Workdir, filepath.Join(dir, "kcmin-work")},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
}

func TestLoadVariants(t *testing.T) {
	dir := specDir(t)
	tests := []struct {
		name  string
		text  string
		check func(*Spec) string
	}{
		{"base file next to the campaign", strings.Replace(goodSpec, `base = "defconfig"`, `base = "base.config"`, 1),
			func(s *Spec) string {
				if s.Config.BaseFile != filepath.Join(dir, "base.config") || s.Config.BaseTargets != nil {
					return "base.config should be a file"
				}
				return ""
			}},
		{"base of several targets", strings.Replace(goodSpec, `base = "defconfig"`, `base = "tinyconfig kvm_guest.config"`, 1),
			func(s *Spec) string {
				if strings.Join(s.Config.BaseTargets, ",") != "tinyconfig,kvm_guest.config" {
					return "targets: " + strings.Join(s.Config.BaseTargets, ",")
				}
				return ""
			}},
		{"no build, a command judges", strings.NewReplacer("[oracle]", "[oracle]\ncommand = [\"./check.sh\", \"x\"]",
			"[kernel]", "[kernel]\ntarget = \"\"", `log_patterns = ['objtool: .* leaves \.noinstr\.text section']`, "").Replace(goodSpec),
			func(s *Spec) string {
				want := []string{filepath.Join(dir, "check.sh"), "x"}
				if s.Kernel.Target != "" || !slices.Equal(s.Oracle.Command, want) || len(s.Oracle.LogPatterns) != 0 {
					return fmt.Sprintf("target %q, command %q, patterns %v", s.Kernel.Target, s.Oracle.Command, s.Oracle.LogPatterns)
				}
				// The workdir's copy keeps the command and the empty target.
				c, err := s.Canonical()
				if err != nil {
					return err.Error()
				}
				back := filepath.Join(t.TempDir(), "campaign.toml")
				if err := os.WriteFile(back, c, 0o644); err != nil {
					return err.Error()
				}
				b, err := Load(back)
				if err != nil {
					return fmt.Sprintf("canonical form does not load: %v\n%s", err, c)
				}
				if b.Kernel.Target != "" || !slices.Equal(b.Oracle.Command, want) {
					return fmt.Sprintf("canonical form loads as target %q, command %q:\n%s", b.Kernel.Target, b.Oracle.Command, c)
				}
				return ""
			}},
		{"target empty with a command", strings.Replace(strings.Replace(strings.Replace(goodSpec, "[oracle]", "[oracle]\ncommand = [\"./check.sh\"]", 1), `make_vars`, "target = \"\"\nmake_vars", 1), `log_patterns = ['objtool: .* leaves \.noinstr\.text section']`, "", 1),
			func(s *Spec) string {
				if s.Kernel.Target != "" || s.Oracle.Command[0] != filepath.Join(dir, "check.sh") {
					return "target or command wrong"
				}
				return ""
			}},
		{"boot and elf", goodSpec + "[elf]\nundefined = '^__profc_'\n[boot]\nexpect = 'hang'\ntimeout = '30s'\nmemory = '1G'\n",
			func(s *Spec) string {
				switch {
				case s.ELF == nil || s.ELF.Undefined != "^__profc_" || s.ELF.File != "vmlinux":
					return fmt.Sprintf("elf %+v", s.ELF)
				case s.Boot == nil || s.Boot.Expect != "hang" || s.Boot.Timeout != 30*time.Second || s.Boot.Memory != "1G" || s.Boot.Boots != 1:
					return fmt.Sprintf("boot %+v", s.Boot)
				case !s.Search.Flaky:
					return "a boot campaign should be flaky by default"
				}
				return ""
			}},
		{"ccache", strings.Replace(goodSpec, "[kernel]", "[kernel]\nccache = true", 1),
			func(s *Spec) string {
				got := strings.Join(s.Kernel.BuildVars(), "|")
				if !s.Kernel.Ccache || got != "LLVM=-19|CC=ccache clang-19" || strings.Join(s.Kernel.MakeVars, "|") != "LLVM=-19" {
					return fmt.Sprintf("ccache %v, build vars %q, make vars %q", s.Kernel.Ccache, got, s.Kernel.MakeVars)
				}
				// ccache changes how fast a build is, not its answer.
				c, err := s.Canonical()
				if err != nil || strings.Contains(string(c), "ccache") {
					return fmt.Sprintf("ccache is part of the campaign's identity: %v\n%s", err, c)
				}
				return ""
			}},
		{"boot, declared not flaky", goodSpec + "[boot]\n[search]\nflaky = false\n",
			func(s *Spec) string {
				if s.Boot == nil || s.Boot.Expect != "not booted" || s.Search.Flaky {
					return fmt.Sprintf("boot %+v flaky %v", s.Boot, s.Search.Flaky)
				}
				return ""
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Load(writeSpec(t, dir, tt.text))
			if err != nil {
				t.Fatal(err)
			}
			if msg := tt.check(s); msg != "" {
				t.Error(msg)
			}
		})
	}
}

// TestLoadErrors checks that each mistake is reported with the file, its
// line and the key, and that all of a file's mistakes come at once.
func TestLoadErrors(t *testing.T) {
	dir := specDir(t)
	tests := []struct {
		name string
		text string
		want []string // each must appear in the error
	}{
		{"unknown key", goodSpec + "colour = 'red'\n", []string{"minimize.toml:10: oracle.colour: unknown key"}},
		{"unknown section", goodSpec + "[boots]\nx = 1\n", []string{"minimize.toml:10: boots: unknown section [boots]"}},
		{"key outside a section", "target = 'x'\n" + goodSpec, []string{"minimize.toml:1: target: unknown key; keys belong in a section"}},
		{"mis-cased key", strings.Replace(goodSpec, "source =", "Source =", 1), []string{"minimize.toml:3: kernel.Source: unknown key; keys are lower case"}},
		{"wrong type", strings.Replace(goodSpec, "[kernel]", "[kernel]\njobs = \"4\"", 1), []string{"minimize.toml:3: kernel.jobs: wrong type: want an integer, got a string"}},
		{"wrong element type", strings.Replace(goodSpec, `["LLVM=-19"]`, `["LLVM=-19", 5]`, 1), []string{"minimize.toml:4: kernel.make_vars[1]: wrong type: want a string, got 5"}},
		{"missing bad", strings.Replace(goodSpec, `bad = "bad.config"`, `bad = "nope.config"`, 1), []string{"minimize.toml:7: config.bad: " + filepath.Join(dir, "nope.config") + ": no such file or directory"}},
		{"missing source", strings.Replace(goodSpec, `source = "linux"`, `source = "nolinux"`, 1), []string{"minimize.toml:3: kernel.source: " + filepath.Join(dir, "nolinux") + ": no such file or directory"}},
		{"source not a tree", strings.Replace(goodSpec, `source = "linux"`, `source = "linux/arch"`, 1), []string{"kernel.source: " + filepath.Join(dir, "linux/arch") + ": not a kernel tree (no Makefile)"}},
		{"no source", strings.Replace(goodSpec, `source = "linux"`, ``, 1), []string{"minimize.toml: kernel.source: missing"}},
		{"empty source", strings.Replace(goodSpec, `source = "linux"`, `source = ""`, 1), []string{"minimize.toml:3: kernel.source: empty"}},
		{"empty workdir", goodSpec + "[campaign]\nworkdir = ''\n", []string{"minimize.toml:11: campaign.workdir: empty"}},
		{"patterns that match everything", strings.Replace(goodSpec, `log_patterns = [`, `log_patterns = ['', 'warning|', 'x*', `, 1), []string{
			`minimize.toml:9: oracle.log_patterns[0]: pattern "" matches the empty string, so every line of the build log`,
			`minimize.toml:9: oracle.log_patterns[1]: pattern "warning|" matches the empty string`,
			`minimize.toml:9: oracle.log_patterns[2]: pattern "x*" matches the empty string`}},
		{"elf pattern that matches everything", goodSpec + "[elf]\ndefined = '^(__profc_)?'\n", []string{
			`minimize.toml:11: elf.defined: pattern "^(__profc_)?" matches the empty string, so every defined symbol`}},
		{"boot pattern that matches everything", goodSpec + "[boot]\nexpect = ''\n", []string{
			`minimize.toml:11: boot.expect: pattern "" matches the empty string, so every console`}},
		{"timeouts too short", strings.Replace(goodSpec, "[kernel]", "[kernel]\nbuild_timeout = '1s'\nconfig_timeout = '100ms'", 1) +
			"command_timeout = '1ms'\n[boot]\ntimeout = '1ns'\n", []string{
			`minimize.toml:3: kernel.build_timeout: duration "1s" is too short: at least 10s`,
			`minimize.toml:4: kernel.config_timeout: duration "100ms" is too short: at least 5s`,
			`minimize.toml:12: oracle.command_timeout: duration "1ms" is too short: at least 1s`,
			`minimize.toml:14: boot.timeout: duration "1ns" is too short: at least 1s`}},
		{"empty timeout", strings.Replace(goodSpec, "[kernel]", "[kernel]\nbuild_timeout = ''", 1), []string{
			`minimize.toml:3: kernel.build_timeout: empty duration`}},
		{"bad pattern", strings.Replace(goodSpec, `log_patterns = [`, `log_patterns = ['objtool: (', `, 1), []string{`minimize.toml:9: oracle.log_patterns[0]: bad pattern "objtool: (": missing closing )`}},
		{"bad duration", strings.Replace(goodSpec, "[kernel]", "[kernel]\nbuild_timeout = \"2 hours\"", 1), []string{`minimize.toml:3: kernel.build_timeout: bad duration "2 hours"`}},
		{"negative duration", strings.Replace(goodSpec, "[oracle]", "[oracle]\ncommand_timeout = \"-1m\"", 1), []string{`oracle.command_timeout: duration "-1m" must be positive`}},
		{"bad enum", strings.Replace(goodSpec, "[oracle]", "[oracle]\nbuild = \"maybe\"\nmatch = \"most\"", 1), []string{
			`minimize.toml:9: oracle.build: "maybe" is not one of succeed, fail, any`,
			`minimize.toml:10: oracle.match: "most" is not one of all, any`}},
		{"bad algorithm", goodSpec + "[search]\nalgorithm = \"fast\"\n", []string{`minimize.toml:11: search.algorithm: "fast" is not one of auto, gbs, bisect, ddmin`}},
		{"both bad and fragments", strings.Replace(goodSpec, `bad = "bad.config"`, "bad = \"bad.config\"\nbad_fragments = [\"frag.config\"]", 1), []string{"config.bad: set bad or bad_fragments, not both"}},
		{"neither bad nor fragments", strings.Replace(goodSpec, `bad = "bad.config"`, "", 1), []string{"config: missing bad or bad_fragments"}},
		{"missing fragment", strings.Replace(goodSpec, `bad = "bad.config"`, "bad_fragments = [\"frag.config\", \"gone.config\"]", 1), []string{"minimize.toml:7: config.bad_fragments[1]: " + filepath.Join(dir, "gone.config") + ": no such file"}},
		{"base neither file nor target", strings.Replace(goodSpec, `base = "defconfig"`, `base = "my-base"`, 1), []string{`config.base: "my-base" is neither a file nor a make config target`}},
		{"ARCH in make_vars", strings.Replace(goodSpec, `["LLVM=-19"]`, `["ARCH=arm64", "O=/tmp/x", "junk"]`, 1), []string{
			"kernel.make_vars[0]: set kernel.arch instead of ARCH=",
			"kernel.make_vars[1]: kcmin chooses O= itself",
			`kernel.make_vars[2]: "junk" is not NAME=VALUE`}},
		{"unknown arch", strings.Replace(goodSpec, "[kernel]", "[kernel]\narch = \"vax\"", 1), []string{`minimize.toml:3: kernel.arch: "vax": the tree has no arch/vax`}},
		{"nothing to detect", strings.Replace(goodSpec, `log_patterns = ['objtool: .* leaves \.noinstr\.text section']`, "", 1), []string{"oracle: nothing to detect"}},
		{"command not found", strings.Replace(goodSpec, "[oracle]", "[oracle]\ncommand = [\"no-such-program-kcmin\"]", 1), []string{"minimize.toml:9: oracle.command: no-such-program-kcmin: not found in PATH"}},
		{"qemu not found", goodSpec + "[boot]\nqemu = 'no-such-qemu'\n", []string{"minimize.toml:11: boot.qemu: no-such-qemu: not found in PATH"}},
		{"qemu path not found", goodSpec + "[boot]\nqemu = '/no/qemu-system-aarch64'\n", []string{
			"minimize.toml:11: boot.qemu: /no/qemu-system-aarch64: no such file or directory: apt-get install qemu-system-arm"}},
		{"command not executable", strings.Replace(goodSpec, "[oracle]", "[oracle]\ncommand = [\"./bad.config\"]", 1), []string{"oracle.command: " + filepath.Join(dir, "bad.config") + ": not an executable file"}},
		{"syntax error", goodSpec + "[search\n", []string{"minimize.toml:10: "}},
		{"syntax: a section twice", goodSpec + "[kernel]\n", []string{"minimize.toml:10: Key 'kernel' has already been defined"}},
		{"log patterns without a build", strings.Replace(goodSpec, "[kernel]", "[kernel]\ntarget = ''", 1), []string{"minimize.toml:3: kernel.target: empty target (no build), but oracle.log_patterns look at the build log"}},
		{"bad elf", goodSpec + "[elf]\nundefined = '('\nby_pattern = 1\n", []string{
			`minimize.toml:11: elf.undefined: bad pattern "(": missing closing )`,
			"minimize.toml:12: elf.by_pattern: wrong type: want true or false, got an integer"}},
		{"ccache not a bool", strings.Replace(goodSpec, `["LLVM=-19"]`, "[\"LLVM=-19\", \"CC=ccache clang-19\"]\nccache = \"yes\"", 1), []string{
			"minimize.toml:5: kernel.ccache: wrong type: want true or false, got a string"}},
		{"ccache and CC=ccache", strings.Replace(goodSpec, `["LLVM=-19"]`, "[\"LLVM=-19\", \"CC=ccache clang-19\"]\nccache = true", 1), []string{
			"minimize.toml:5: kernel.ccache: make_vars already compiles through ccache (CC=ccache clang-19): drop one"}},
		{"empty elf", goodSpec + "[elf]\nfile = 'vmlinux.o'\n", []string{"elf: nothing to check"}},
		{"bad boot", goodSpec + "[boot]\nexpect = 'hang ('\nboots = 0\nmemory = 'lots'\naccel = 'xen'\nrootfs = 'nope.cpio'\n", []string{
			`minimize.toml:11: boot.expect: "hang (" is neither a verdict`,
			"minimize.toml:12: boot.boots: 0: a test boots at least once",
			`minimize.toml:13: boot.memory: "lots"`,
			`minimize.toml:14: boot.accel: "xen" is not one of "", kvm, tcg`,
			"minimize.toml:15: boot.rootfs: " + filepath.Join(dir, "nope.cpio") + ": no such file",
			"boot.marker: missing"}},
		{"many at once", strings.Replace(strings.Replace(goodSpec, `source = "linux"`, `source = 7`, 1), "[oracle]", "[oracle]\nbuild = \"x\"", 1) + "junk = 1\n", []string{
			"minimize.toml:3: kernel.source: wrong type",
			"minimize.toml:9: oracle.build:",
			"minimize.toml:11: oracle.junk: unknown key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(writeSpec(t, dir, tt.text))
			if err == nil {
				t.Fatal("no error")
			}
			if ExitCode(err) != 2 {
				t.Errorf("exit code %d, want 2", ExitCode(err))
			}
			msg := err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error does not say %q:\n%s", w, msg)
				}
			}
			var me *multierror.Error
			if !strings.HasPrefix(tt.name, "syntax") && (!errorsAs(err, &me) || len(me.Errors) < len(tt.want)) {
				t.Errorf("want at least %d errors in a multierror, got %v", len(tt.want), err)
			}
			for _, line := range strings.Split(msg, "\n") {
				if !strings.Contains(line, "minimize.toml") {
					t.Errorf("error line does not name the file: %q", line)
				}
			}
		})
	}
}

// TestLoadMissingQEMU: a QEMU that is not installed is named with the
// campaign file, the key and the Debian package, before any test.
func TestLoadMissingQEMU(t *testing.T) {
	dir := specDir(t)
	t.Setenv("PATH", t.TempDir())
	_, err := Load(writeSpec(t, dir, goodSpec+"[boot]\nexpect = 'hang'\n"))
	want := "minimize.toml: boot.qemu: qemu-system-x86_64: not found in PATH: apt-get install qemu-system-x86"
	if err == nil || !strings.Contains(err.Error(), want) || ExitCode(err) != 2 {
		t.Fatalf("got %v (exit %d), want %q", err, ExitCode(err), want)
	}
}

// TestLoadSourceFirst: a source that is no kernel tree is the one error
// about it; the arch, which only a tree can confirm, is not blamed too.
func TestLoadSourceFirst(t *testing.T) {
	dir := specDir(t)
	for _, src := range []string{"nolinux", "linux/arch", "bad.config"} {
		_, err := Load(writeSpec(t, dir, strings.Replace(goodSpec, `source = "linux"`, `source = "`+src+`"`, 1)))
		if err == nil || !strings.Contains(err.Error(), "minimize.toml:3: kernel.source: ") {
			t.Errorf("source %s: got %v, want a kernel.source error", src, err)
			continue
		}
		if strings.Contains(err.Error(), "kernel.arch") {
			t.Errorf("source %s: an arch error besides the source's:\n%v", src, err)
		}
	}
}

// TestBuildVars: with ccache, make's CC is ccache and the compiler the
// kernel's Makefile would pick from the same variables.
func TestBuildVars(t *testing.T) {
	for _, c := range []struct {
		vars []string
		want string
	}{
		{[]string{"LLVM=-19"}, "LLVM=-19|CC=ccache clang-19"},
		{[]string{"LLVM=1", "KCFLAGS=-g"}, "LLVM=1|KCFLAGS=-g|CC=ccache clang"},
		{[]string{"LLVM=0"}, "LLVM=0|CC=ccache clang"},
		{[]string{"LLVM=/opt/llvm/bin/"}, "LLVM=/opt/llvm/bin/|CC=ccache /opt/llvm/bin/clang"},
		{[]string{"LLVM=-19", "CC=clang-19 -fno-color-diagnostics", "LD=ld.lld-19"}, "LLVM=-19|LD=ld.lld-19|CC=ccache clang-19 -fno-color-diagnostics"},
		{nil, "CC=ccache $(CROSS_COMPILE)gcc"},
		{[]string{"CROSS_COMPILE=x86_64-linux-gnu-"}, "CROSS_COMPILE=x86_64-linux-gnu-|CC=ccache $(CROSS_COMPILE)gcc"},
	} {
		k := KernelSpec{MakeVars: c.vars, Ccache: true}
		if got := strings.Join(k.BuildVars(), "|"); got != c.want {
			t.Errorf("BuildVars(%q) = %q, want %q", c.vars, got, c.want)
		}
		k.Ccache = false
		if got := strings.Join(k.BuildVars(), "|"); got != strings.Join(c.vars, "|") {
			t.Errorf("BuildVars(%q) without ccache = %q", c.vars, got)
		}
	}
}

func TestCanonical(t *testing.T) {
	dir := specDir(t)
	path := writeSpec(t, dir, goodSpec)
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	c1, err := s.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	// The canonical form loads back to the same campaign, from anywhere.
	other := filepath.Join(t.TempDir(), "campaign.toml")
	if err := os.WriteFile(other, c1, 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := Load(other)
	if err != nil {
		t.Fatalf("canonical form does not load: %v\n%s", err, c1)
	}
	c2, err := back.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	if string(c1) != string(c2) {
		t.Errorf("canonical form changes on a round trip:\n%s\n---\n%s", c1, c2)
	}
	// A changed input file changes the campaign.
	if err := os.WriteFile(filepath.Join(dir, "bad.config"), []byte("CONFIG_A=y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c3, err := s.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	if string(c3) == string(c1) {
		t.Error("the canonical form ignores the bad config's content")
	}
	if d := diffLines(string(c1), string(c3)); len(d) != 1 || !strings.HasPrefix(d[0], "content of "+filepath.Join(dir, "bad.config")) {
		t.Errorf("diff names %q", d)
	}
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// TestCcacheTool: a campaign that compiles through ccache says, before
// the first test, that ccache is missing and how to install it.
func TestCcacheTool(t *testing.T) {
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "make"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	s := &Spec{Kernel: KernelSpec{MakeVars: []string{"LLVM=-19"}}}
	if err := checkTools(s, nil); err != nil {
		t.Fatalf("without ccache: %v", err)
	}
	s.Kernel.Ccache = true
	err := checkTools(s, nil)
	if err == nil || !strings.Contains(err.Error(), "ccache not found: apt-get install ccache") || ExitCode(err) != 2 {
		t.Fatalf("with ccache missing: %v (exit %d)", err, ExitCode(err))
	}
	if err := os.WriteFile(filepath.Join(bin, "ccache"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := checkTools(s, nil); err != nil {
		t.Fatalf("with ccache there: %v", err)
	}
}
