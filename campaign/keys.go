package campaign

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/kcmin/kcmin/build"
	"github.com/kcmin/kcmin/minimize"
	"github.com/kcmin/kcmin/oracle"
)

// sections declares every key of a campaign file, once: how it is read
// and checked, its default and minimum, and its canonical form. The
// decoding, the known keys, the run keys and the canonical form all come
// from here, so a new key is one entry (and a line in README.md's
// reference and in everyKey, which the tests ask for). Keys are read in
// this order, so a key may depend on one before it (kernel.arch on
// kernel.source, search.flaky on [boot]), and the canonical form writes
// them in it. The values that oracle and minimize own are named and
// validated by them.
var sections = []section{
	{name: "kernel", keys: []key{
		textKey("source", "", func(s *Spec) *string { return &s.Kernel.Source }).
			then(func(l *loader, k string, s *Spec) {
				src := &s.Kernel.Source
				*src = l.path(k, *src, false)
				switch {
				case !l.defined(k):
					l.errorf(k, "missing: the kernel tree to build, e.g. source = \"/src/linux\"")
				case l.empty(k, *src):
					l.errorf(k, "empty: the kernel tree to build, e.g. source = \"/src/linux\"")
				default:
					l.tree = l.checkSource(*src)
				}
			}),
		textKey("arch", "x86_64", func(s *Spec) *string { return &s.Kernel.Arch }).
			then(func(l *loader, k string, s *Spec) {
				// Only a kernel tree can say which arches it has.
				arch := s.Kernel.Arch
				if l.tree && arch != "" && l.checkInputs {
					if _, err := os.Stat(filepath.Join(s.Kernel.Source, "arch", build.SrcArch(arch))); err != nil {
						l.errorf(k, "%q: the tree has no arch/%s", arch, build.SrcArch(arch))
					}
				}
			}),
		listKey("make_vars", func(s *Spec) *[]string { return &s.Kernel.MakeVars }, func(l *loader, it item) string {
			name, _, _ := strings.Cut(it.val, "=")
			switch {
			case !makeVar.MatchString(it.val):
				l.errorf(it.key, "%q is not NAME=VALUE", it.val)
			case name == "ARCH":
				l.errorf(it.key, "set kernel.arch instead of ARCH=")
			case name == "O":
				l.errorf(it.key, "kcmin chooses O= itself: one build dir per worker in the workdir")
			}
			return it.val
		}),
		textKey("target", "bzImage", func(s *Spec) *string { return &s.Kernel.Target }).
			then(func(l *loader, k string, s *Spec) {
				if strings.ContainsAny(s.Kernel.Target, " \t") {
					l.errorf(k, "%q: one make target only", s.Kernel.Target)
				}
			}),
		// 0 until [workers] is read: the cores divided among the workers.
		intKey("jobs", 0, 0, "must be 0 (the cores divided among the workers) or more", func(s *Spec) *int { return &s.Kernel.Jobs }).asRunKey(),
		// 0 until [workers] is read: a few more than workers, as the disk
		// allows.
		intKey("build_dirs", 0, 0, "must be 0 (a few more than workers, as the disk allows) or more", func(s *Spec) *int { return &s.Kernel.BuildDirs }).asRunKey(),
		// Even an incremental kernel build that recompiles nothing takes
		// seconds to walk the tree.
		durationKey("build_timeout", 2*time.Hour, 10*time.Second, func(s *Spec) *time.Duration { return &s.Kernel.BuildTimeout }).asRunKey(),
		// The first olddefconfig compiles scripts/kconfig/conf.
		durationKey("config_timeout", 10*time.Minute, 5*time.Second, func(s *Spec) *time.Duration { return &s.Kernel.ConfigTimeout }).asRunKey(),
		boolKey("ccache", fixed(false), func(s *Spec) *bool { return &s.Kernel.Ccache }).
			then(func(l *loader, k string, s *Spec) {
				if !s.Kernel.Ccache {
					return
				}
				for _, v := range s.Kernel.MakeVars {
					cc, ok := strings.CutPrefix(v, "CC=")
					if f := strings.Fields(cc); ok && len(f) > 0 && f[0] == "ccache" {
						l.errorf(k, "make_vars already compiles through ccache (%s): drop one", v)
					}
				}
			}).asRunKey(),
	}, check: checkTarget},

	{name: "config", keys: []key{
		{name: "base", load: loadBase, canon: func(s *Spec) (any, bool) {
			if s.Config.BaseFile != "" {
				return s.Config.BaseFile, true
			}
			return strings.Join(s.Config.BaseTargets, " "), true
		}},
		listKey("base_fragments", func(s *Spec) *[]string { return &s.Config.BaseFragments }, inputPath),
		textKey("bad", "", func(s *Spec) *string { return &s.Config.Bad }).
			then(func(l *loader, k string, s *Spec) { s.Config.Bad = l.path(k, s.Config.Bad, l.checkInputs) }).
			canonical(func(s *Spec) (any, bool) { return s.Config.Bad, s.Config.Bad != "" }),
		listKey("bad_fragments", func(s *Spec) *[]string { return &s.Config.BadFragments }, inputPath).
			canonical(func(s *Spec) (any, bool) { return s.Config.BadFragments, s.Config.Bad == "" }),
	}, check: func(l *loader, s *Spec) {
		c := &s.Config
		switch {
		case c.Bad != "" && len(c.BadFragments) > 0:
			l.errorf("config.bad", "set bad or bad_fragments, not both")
		case c.Bad == "" && len(c.BadFragments) == 0 && !l.defined("config.bad") && !l.defined("config.bad_fragments"):
			l.errorf("config", "missing bad or bad_fragments: the failing config")
		case c.Bad == "" && len(c.BadFragments) == 0:
			l.errorf("config.bad", "empty: the failing config")
		}
	}},

	{name: "oracle", keys: []key{
		choiceKey("build", oracle.WantSucceed, oracle.BuildWants(),
			func(v string) error { return oracle.BuildStatus{Want: v}.Validate() },
			func(s *Spec) *string { return &s.Oracle.Build }),
		{name: "log_patterns", load: func(l *loader, k string, p toml.Primitive, s *Spec) {
			for _, it := range l.items(k, p) {
				if re := l.pattern(it.key, it.val, "line of the build log"); re != nil {
					s.Oracle.LogPatterns = append(s.Oracle.LogPatterns, re)
				}
			}
		}, canon: func(s *Spec) (any, bool) {
			pats := make([]string, len(s.Oracle.LogPatterns))
			for i, re := range s.Oracle.LogPatterns {
				pats[i] = re.String()
			}
			return pats, true
		}},
		choiceKey("match", string(oracle.MatchAll), names(oracle.MatchModes()), parses(oracle.ParseMatchMode),
			func(s *Spec) *string { return &s.Oracle.Match }),
		listKey("command", func(s *Spec) *[]string { return &s.Oracle.Command }, nil).
			then(func(l *loader, k string, s *Spec) {
				if len(s.Oracle.Command) > 0 {
					s.Oracle.Command[0] = l.program(k, s.Oracle.Command[0])
				}
			}),
		durationKey("command_timeout", 10*time.Minute, time.Second, func(s *Spec) *time.Duration { return &s.Oracle.CommandTimeout }).asRunKey(),
	}, check: func(l *loader, s *Spec) {
		o := s.Oracle
		if o.Build == oracle.WantSucceed && len(o.LogPatterns) == 0 && len(o.Command) == 0 && s.ELF == nil && s.Boot == nil {
			l.errorf("oracle", "nothing to detect: set log_patterns, command, build = \"fail\", an [elf] or a [boot] section")
		}
	}},

	{name: "elf", open: func(s *Spec) { s.ELF = &ELFSpec{} }, present: func(s *Spec) bool { return s.ELF != nil }, keys: []key{
		textKey("file", "vmlinux", func(s *Spec) *string { return &s.ELF.File }),
		patternKey("undefined", "undefined symbol", func(s *Spec) *string { return &s.ELF.Undefined }),
		patternKey("defined", "defined symbol", func(s *Spec) *string { return &s.ELF.Defined }),
		listKey("missing", func(s *Spec) *[]string { return &s.ELF.Missing }, nil),
		patternKey("sections", "section", func(s *Spec) *string { return &s.ELF.Sections }),
		listKey("missing_sections", func(s *Spec) *[]string { return &s.ELF.MissingSections }, nil),
		boolKey("by_pattern", fixed(false), func(s *Spec) *bool { return &s.ELF.ByPattern }),
	}, check: func(l *loader, s *Spec) {
		e := s.ELF
		if e.Undefined == "" && e.Defined == "" && e.Sections == "" && len(e.Missing) == 0 && len(e.MissingSections) == 0 {
			l.errorf("elf", "nothing to check: set undefined, defined, missing, sections or missing_sections")
		}
	}},

	{name: "boot", open: func(s *Spec) { s.Boot = &BootSpec{} }, present: func(s *Spec) bool { return s.Boot != nil }, keys: []key{
		textKey("expect", oracle.VerdictNotBooted, func(s *Spec) *string { return &s.Boot.Expect }).
			then(func(l *loader, k string, s *Spec) {
				expect := s.Boot.Expect
				verdicts := strings.Join(oracle.BootVerdicts(), ", ")
				re, err := oracle.ParseExpect(expect)
				switch {
				case err != nil:
					l.errorf(k, "%q is neither a verdict (%s) nor a pattern: %v", expect, verdicts, regexpMsg(err))
				case re != nil && re.MatchString(""):
					l.errorf(k, "pattern %q matches the empty string, so every console: name a verdict (%s) or a line the failure prints",
						expect, verdicts)
				}
			}),
		// 0 lets the oracle choose; QEMU alone takes a good part of a
		// second to start.
		durationKey("timeout", 0, time.Second, func(s *Spec) *time.Duration { return &s.Boot.Timeout }),
		intKey("boots", 1, 1, "a test boots at least once", func(s *Spec) *int { return &s.Boot.Boots }),
		textKey("memory", "", func(s *Spec) *string { return &s.Boot.Memory }).
			then(func(l *loader, k string, s *Spec) {
				if m := s.Boot.Memory; m != "" && !qemuMemory.MatchString(m) {
					l.errorf(k, "%q: write it as QEMU's -m takes it, e.g. 512M or 2G", m)
				}
			}),
		intKey("cpus", 1, 1, "at least 1", func(s *Spec) *int { return &s.Boot.CPUs }),
		textKey("append", "", func(s *Spec) *string { return &s.Boot.Append }),
		listKey("qemu_args", func(s *Spec) *[]string { return &s.Boot.QEMUArgs }, nil),
		textKey("qemu", oracle.DefaultQEMU, func(s *Spec) *string { return &s.Boot.QEMU }).
			then(func(l *loader, k string, s *Spec) { s.Boot.QEMU = l.program(k, s.Boot.QEMU) }),
		choiceKey("accel", "", oracle.BootAccels(), nil, func(s *Spec) *string { return &s.Boot.Accel }),
		textKey("rootfs", "", func(s *Spec) *string { return &s.Boot.Rootfs }).
			then(func(l *loader, k string, s *Spec) { s.Boot.Rootfs = l.path(k, s.Boot.Rootfs, l.checkInputs) }),
		textKey("marker", "", func(s *Spec) *string { return &s.Boot.Marker }).
			then(func(l *loader, k string, s *Spec) {
				b := s.Boot
				if b.Rootfs != "" && b.Marker == "" {
					l.errorf(k, "missing: the line the init of %s prints once it runs", b.Rootfs)
				}
				if strings.ContainsAny(b.Marker, "\r\n") {
					l.errorf(k, "%q must be one line", b.Marker)
				}
			}),
	}},

	{name: "search", keys: []key{
		choiceKey("algorithm", string(minimize.Auto), names(minimize.Algorithms()), parses(minimize.ParseAlgorithm),
			func(s *Spec) *string { return &s.Search.Algorithm }),
		// A boot is nondeterministic unless the campaign says otherwise;
		// [boot] is read before [search].
		boolKey("flaky", func(s *Spec) bool { return s.Boot != nil }, func(s *Spec) *bool { return &s.Search.Flaky }),
		boolKey("priors", fixed(true), func(s *Spec) *bool { return &s.Search.Priors }),
		intKey("repeats", 0, 0, "must be 0 or more", func(s *Spec) *int { return &s.Search.Repeats }),
	}},

	{name: "workers", keys: []key{
		intKey("count", 0, 0, "must be 0 (as many as the machine allows) or more", func(s *Spec) *int { return &s.Workers.Count }).
			then(func(l *loader, k string, s *Spec) {
				if s.Workers.Count <= 0 {
					s.Workers.Count = defaultWorkers(runtime.NumCPU(), machineMemory())
				}
				s.Workers.autoJobs = s.Kernel.Jobs <= 0
				s.SetWorkers(s.Workers.Count)
				if n := s.Kernel.BuildDirs; n > 0 && n < s.Workers.Count {
					l.errorf("kernel.build_dirs", "%d build dirs for %d workers: want at least one a worker", n, s.Workers.Count)
				}
			}).asRunKey(),
		textKey("memory_per_build", "", func(s *Spec) *string { return &s.Workers.MemoryPerBuild }).
			then(func(l *loader, k string, s *Spec) {
				if _, err := parseBytes(s.Workers.MemoryPerBuild); err != nil {
					l.errorf(k, "%v", err)
				}
			}).asRunKey(),
	}},

	// Where and how tests run on a cluster: none of it changes an answer.
	{name: "slurm", open: func(s *Spec) { s.Slurm = &SlurmSpec{} }, present: func(s *Spec) bool { return s.Slurm != nil }, keys: []key{
		textKey("partition", "", func(s *Spec) *string { return &s.Slurm.Partition }).asRunKey(),
		textKey("account", "", func(s *Spec) *string { return &s.Slurm.Account }).asRunKey(),
		// 0 leaves the partition's limit.
		durationKey("time_limit", 0, time.Minute, func(s *Spec) *time.Duration { return &s.Slurm.TimeLimit }).asRunKey(),
		listKey("sbatch_args", func(s *Spec) *[]string { return &s.Slurm.SbatchArgs }, nil).asRunKey(),
		listKey("srun_args", func(s *Spec) *[]string { return &s.Slurm.SrunArgs }, nil).asRunKey(),
		intKey("workers", 2, 1, "at least 1", func(s *Spec) *int { return &s.Slurm.Workers }).
			then(func(l *loader, k string, s *Spec) {
				switch count := l.defined("workers.count"); {
				case count && l.defined(k):
					l.errorf(k, "set the number of workers here or in [workers] count, not both")
				case count:
					s.Slurm.Workers = s.Workers.Count
				default:
					s.SetWorkers(s.Slurm.Workers)
				}
			}).asRunKey(),
		textKey("build_dir", "/tmp/kcmin", func(s *Spec) *string { return &s.Slurm.BuildDir }).
			then(func(l *loader, k string, s *Spec) {
				if !filepath.IsAbs(s.Slurm.BuildDir) {
					l.errorf(k, "%q: a path on the nodes' own disk, absolute", s.Slurm.BuildDir)
				}
			}).asRunKey(),
	}},

	{name: "campaign", keys: []key{
		// Where the campaign runs is no part of what it is.
		textKey("workdir", defaultWorkdir, func(s *Spec) *string { return &s.Workdir }).
			then(func(l *loader, k string, s *Spec) {
				s.Workdir = l.path(k, s.Workdir, false)
				if l.empty(k, s.Workdir) {
					l.errorf(k, "empty: leave the key out for %q, or name a folder", defaultWorkdir)
				}
			}).canonical(nil),
	}},
}

// defaultWorkdir is campaign.workdir's default, which its error names.
const defaultWorkdir = "kcmin-work"

var (
	// configTarget is what a make config target looks like: defconfig,
	// tinyconfig, x86_64_defconfig, kvm_guest.config.
	configTarget = regexp.MustCompile(`^[A-Za-z0-9_.+-]*config$`)
	makeVar      = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
	qemuMemory   = regexp.MustCompile(`^[0-9]+[KMGT]?$`)
)

// A section is one table of a campaign file.
type section struct {
	name string
	keys []key
	// open makes an optional section's part of a Spec: [elf] and [boot]
	// are there only when the file has them. nil for the other sections.
	open func(s *Spec)
	// present says whether a Spec has an optional section.
	present func(s *Spec) bool
	// check looks at keys together, once the whole file is read.
	check func(l *loader, s *Spec)
}

// A key is one key of a campaign file.
type key struct {
	name string // as a campaign file spells it, in its section
	// load reads the key, whose full name is k ("kernel.jobs"), into s,
	// or its default when the file leaves it out; it reports what is
	// wrong with it.
	load func(l *loader, k string, p toml.Primitive, s *Spec)
	// canon is the key's value in the canonical form, and whether the
	// form holds it; nil leaves the key out of it.
	canon func(s *Spec) (any, bool)
	// run marks a key that says how a campaign runs, not what its tests
	// answer (see runKey).
	run bool
}

// then runs check after the key's own loading: a check of its value,
// a conversion, a key it depends on.
func (k key) then(check func(l *loader, k string, s *Spec)) key {
	load := k.load
	k.load = func(l *loader, name string, p toml.Primitive, s *Spec) {
		load(l, name, p, s)
		check(l, name, s)
	}
	return k
}

// canonical replaces the key's canonical form; nil leaves it out.
func (k key) canonical(canon func(s *Spec) (any, bool)) key {
	k.canon = canon
	return k
}

// asRunKey makes k a run key: no part of the campaign's identity.
func (k key) asRunKey() key {
	k.run, k.canon = true, nil
	return k
}

func textKey(name, def string, field func(*Spec) *string) key {
	return key{name: name,
		load:  func(l *loader, k string, p toml.Primitive, s *Spec) { *field(s) = l.str(k, p, def) },
		canon: func(s *Spec) (any, bool) { return *field(s), true },
	}
}

// listKey reads an array of strings; each, when set, checks and converts
// one of them.
func listKey(name string, field func(*Spec) *[]string, each func(l *loader, it item) string) key {
	return key{name: name,
		load: func(l *loader, k string, p toml.Primitive, s *Spec) {
			for _, it := range l.items(k, p) {
				v := it.val
				if each != nil {
					v = each(l, it)
				}
				*field(s) = append(*field(s), v)
			}
		},
		canon: func(s *Spec) (any, bool) { return *field(s), true },
	}
}

// intKey reads an integer that may not be below min; tooSmall says why.
func intKey(name string, def, min int, tooSmall string, field func(*Spec) *int) key {
	return key{name: name,
		load: func(l *loader, k string, p toml.Primitive, s *Spec) {
			n := l.integer(k, p, def)
			*field(s) = n
			if n < min {
				l.errorf(k, "%d: %s", n, tooSmall)
			}
		},
		canon: func(s *Spec) (any, bool) { return *field(s), true },
	}
}

// boolKey reads true or false; def gives the default, which may depend
// on the sections read before.
func boolKey(name string, def func(*Spec) bool, field func(*Spec) *bool) key {
	return key{name: name,
		load: func(l *loader, k string, p toml.Primitive, s *Spec) {
			if !l.defined(k) {
				*field(s) = def(s)
				return
			}
			*field(s) = l.boolean(k, p)
		},
		canon: func(s *Spec) (any, bool) { return *field(s), true },
	}
}

func fixed(b bool) func(*Spec) bool { return func(*Spec) bool { return b } }

// durationKey reads a timeout, at least min. The canonical form leaves
// out a zero one, which lets the oracle choose.
func durationKey(name string, def, min time.Duration, field func(*Spec) *time.Duration) key {
	return key{name: name,
		load: func(l *loader, k string, p toml.Primitive, s *Spec) { *field(s) = l.duration(k, p, def, min) },
		canon: func(s *Spec) (any, bool) {
			d := *field(s)
			return d.String(), d > 0
		},
	}
}

// choiceKey reads one of values, which the package that owns them lists
// and, with parse, validates. A campaign file spells its choice out: ""
// is one only where values has it, though an owner's parser may take it
// for its default.
func choiceKey(name, def string, values []string, parse func(string) error, field func(*Spec) *string) key {
	return key{name: name,
		load: func(l *loader, k string, p toml.Primitive, s *Spec) {
			v := l.str(k, p, def)
			ok := slices.Contains(values, v)
			if parse != nil && (v != "" || ok) {
				ok = parse(v) == nil
			}
			if !ok {
				quoted := make([]string, len(values))
				for i, a := range values {
					quoted[i] = a
					if a == "" {
						quoted[i] = `""`
					}
				}
				l.errorf(k, "%q is not one of %s", v, strings.Join(quoted, ", "))
				v = def
			}
			*field(s) = v
		},
		canon: func(s *Spec) (any, bool) { return *field(s), true },
	}
}

// parses makes a package's parser a validator.
func parses[T any](parse func(string) (T, error)) func(string) error {
	return func(v string) error {
		_, err := parse(v)
		return err
	}
}

func names[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// inputPath makes a config file of the campaign absolute and, when the
// inputs are checked, checks that it exists.
func inputPath(l *loader, it item) string { return l.path(it.key, it.val, l.checkInputs) }

// patternKey reads a pattern on what (a symbol, a section); "" leaves
// the fact out.
func patternKey(name, what string, field func(*Spec) *string) key {
	return textKey(name, "", field).then(func(l *loader, k string, s *Spec) {
		if v := *field(s); v != "" {
			l.pattern(k, v, what)
		}
	})
}

// loadBase reads config.base: make config targets, or a .config file.
func loadBase(l *loader, k string, p toml.Primitive, s *Spec) {
	c := &s.Config
	base := l.str(k, p, "defconfig")
	switch words := strings.Fields(base); {
	case len(words) == 0:
		l.errorf(k, "empty: a make target (defconfig, tinyconfig) or a .config file")
	case len(words) == 1 && l.isFile(words[0]):
		c.BaseFile = l.path(k, words[0], l.checkInputs)
	default:
		for _, w := range words {
			if !configTarget.MatchString(w) {
				if len(words) == 1 && (strings.ContainsRune(w, '/') || !l.checkInputs) {
					c.BaseFile = l.path(k, w, l.checkInputs)
					return
				}
				l.errorf(k, "%q is neither a file nor a make config target (defconfig, tinyconfig, NAME.config)", w)
				continue
			}
			c.BaseTargets = append(c.BaseTargets, w)
		}
	}
}

// checkTarget checks the kernel's target against what judges a test: no
// build leaves only a command to judge.
func checkTarget(l *loader, s *Spec) {
	if s.Kernel.Target != "" {
		return
	}
	switch o := s.Oracle; {
	case len(o.LogPatterns) > 0:
		l.errorf("kernel.target", "empty target (no build), but oracle.log_patterns look at the build log")
	case s.ELF != nil || s.Boot != nil:
		l.errorf("kernel.target", "empty target (no build), but [elf] and [boot] need a built kernel")
	case len(o.Command) == 0:
		l.errorf("kernel.target", "empty target (no build) leaves only oracle.command to judge, and it is not set")
	}
}

// knownKeys are the keys of each section, exactly as they are spelled.
func knownKeys() map[string][]string {
	m := make(map[string][]string, len(sections))
	for _, sec := range sections {
		for _, k := range sec.keys {
			m[sec.name] = append(m[sec.name], k.name)
		}
	}
	m["matrix"] = matrixKeys
	return m
}

// runKey says whether a key ("kernel.jobs") is a run key: one that says
// how a campaign runs, not what its tests answer: make's jobs, the
// timeouts after which a build, a config or a command is unresolved
// (never evidence), ccache. They are no part of a campaign's identity,
// so that a campaign resumes on fewer CPUs or with a longer timeout,
// which then applies to the tests still to run. (boot.timeout is not one
// of them: it is where a boot becomes a hang.) The canonical form leaves
// them out; the campaign.toml of an earlier kcmin holds some, and is
// compared without them.
func runKey(name string) bool {
	for _, sec := range sections {
		for _, k := range sec.keys {
			if k.run && sec.name+"."+k.name == name {
				return true
			}
		}
	}
	return false
}

// rawType is the campaign file's shape: a struct per section, a
// toml.Primitive per key, so that each key is checked on its own and all
// problems are reported. It is a struct rather than a map so that the
// library matches keys as it matches struct fields and leaves exactly
// the keys no section declares undecoded, for unknownKeys to name.
func rawType() reflect.Type {
	prim := reflect.TypeOf(toml.Primitive{})
	secs := make([]reflect.StructField, len(sections))
	for i, sec := range sections {
		fields := make([]reflect.StructField, len(sec.keys))
		for j, k := range sec.keys {
			fields[j] = reflect.StructField{Name: goName(k.name), Type: prim, Tag: reflect.StructTag(`toml:"` + k.name + `"`)}
		}
		secs[i] = reflect.StructField{Name: goName(sec.name), Type: reflect.StructOf(fields), Tag: reflect.StructTag(`toml:"` + sec.name + `"`)}
	}
	secs = append(secs, reflect.StructField{Name: "Matrix", Type: reflect.TypeOf([]map[string]toml.Primitive{}), Tag: `toml:"matrix"`})
	return reflect.StructOf(secs)
}

// goName is a field name for a key, make_vars as MakeVars: the library
// names the struct's fields in a message on a section that is no table.
func goName(key string) string {
	var b strings.Builder
	for _, w := range strings.Split(key, "_") {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}
