package campaign

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// everyKey sets every key a campaign file knows to a value other than
// its default, so that a key the canonical form forgets loads back as its
// default and differs.
const everyKey = `
[kernel]
source = "linux"
arch = "arm64"
make_vars = ["LLVM=-19", "KCFLAGS=-g"]
target = "vmlinux"
jobs = 3
build_dirs = 7
build_timeout = "1h30m"
config_timeout = "2m"
ccache = true
[config]
base = "base.config"
base_fragments = ["frag.config"]
bad = "bad.config"
[oracle]
build = "any"
log_patterns = ['objtool: .* leaves \.noinstr\.text section', "it's (here)"]
match = "any"
command = ["./check.sh", "x", "y z"]
command_timeout = "90s"
[elf]
file = "vmlinux.o"
undefined = '^__profc_'
defined = '^kasan_'
missing = ["start_kernel"]
sections = '^\.noinstr'
missing_sections = [".text.unlikely"]
by_pattern = true
[boot]
expect = "panic"
timeout = "45s"
boots = 2
memory = "1G"
cpus = 2
append = "nokaslr"
qemu_args = ["-no-reboot"]
qemu = "./check.sh"
accel = "tcg"
rootfs = "root.cpio"
marker = "init ran"
[search]
algorithm = "ddmin"
flaky = false
repeats = 5
priors = false
[workers]
count = 3
memory_per_build = "6G"
[slurm]
partition = "kernel"
account = "lab"
time_limit = "12h"
sbatch_args = ["--exclusive"]
srun_args = ["--cpu-bind=none"]
build_dir = "/scratch/kcmin"
[campaign]
workdir = "work"
`

// everyKeyDir is specDir with what everyKey names besides.
func everyKeyDir(t *testing.T) string {
	t.Helper()
	dir := specDir(t)
	for _, f := range []string{"linux/arch/arm64/Kconfig", "root.cpio"} {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// everyKeyFiles are everyKey and a variant with the values a key of
// everyKey excludes (bad_fragments for bad) or the other boolean.
func everyKeyFiles() []struct{ name, text string } {
	return []struct{ name, text string }{
		{"every key", everyKey},
		{"targets, fragments, flaky, priors", strings.NewReplacer(
			`base = "base.config"`, `base = "tinyconfig kvm_guest.config"`,
			`bad = "bad.config"`, `bad_fragments = ["frag.config", "bad.config"]`,
			"flaky = false", "flaky = true",
			"priors = false", "priors = true",
			"ccache = true", "ccache = false",
			"by_pattern = true", "by_pattern = false",
			// The workers of a cluster, not of this machine.
			"count = 3\n", "", `build_dir = "/scratch/kcmin"`, "workers = 3\nbuild_dir = \"/scratch/kcmin\"",
		).Replace(everyKey)},
	}
}

// TestCanonicalEveryKey: the canonical form, loaded from elsewhere, is
// the campaign that was read, key for key. It is the campaign's identity
// in a workdir, so a key it drops would let a changed campaign resume
// another's journal.
func TestCanonicalEveryKey(t *testing.T) {
	dir := everyKeyDir(t)
	for _, tt := range everyKeyFiles() {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Load(writeSpec(t, dir, tt.text))
			if err != nil {
				t.Fatal(err)
			}
			c, err := s.Canonical()
			if err != nil {
				t.Fatal(err)
			}
			other := filepath.Join(t.TempDir(), "campaign.toml")
			if err := os.WriteFile(other, c, 0o644); err != nil {
				t.Fatal(err)
			}
			back, err := Load(other)
			if err != nil {
				t.Fatalf("canonical form does not load: %v\n%s", err, c)
			}
			want, got := comparable(s), comparable(back)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("canonical form loads as\n%+v\nwant\n%+v\ncanonical form:\n%s", got, want, c)
			}
		})
	}
}

// comparable is a spec without what may differ between a campaign file
// and its workdir's copy (where it is, where its workdir is, the runKeys,
// which say how tests run and not what they answer), with its patterns
// as text.
func comparable(s *Spec) any {
	c := *s
	c.File, c.Workdir = "", ""
	c.Kernel.Jobs, c.Kernel.BuildDirs, c.Kernel.BuildTimeout, c.Kernel.ConfigTimeout, c.Kernel.Ccache = 0, 0, 0, 0, false
	c.Oracle.CommandTimeout = 0
	c.Workers, c.Slurm = WorkersSpec{}, nil
	var pats []string
	for _, re := range c.Oracle.LogPatterns {
		pats = append(pats, re.String())
	}
	c.Oracle.LogPatterns = nil
	// DeepEqual follows the [elf] and [boot] pointers.
	return struct {
		Spec     Spec
		Patterns []string
	}{c, pats}
}
