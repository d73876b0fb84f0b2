// Package report turns a campaign's culprits into what a kernel developer
// sends and applies: fragments placed where `make NAME.config` finds them,
// one command that reproduces the failure from a clean tree, a plain-text
// report for a mailing list, and result.json for scripts.
package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

// Width is the widest line of report.txt, as mailing lists want it.
const Width = 72

// Option is one culprit: a symbol and the line that sets it.
type Option struct {
	Name string // without CONFIG_
	// Line is the option as a .config writes it: "CONFIG_A=y",
	// "# CONFIG_B is not set".
	Line string
	// DefinedIn is the Kconfig file that defines the symbol, relative to
	// the kernel tree: "arch/x86/Kconfig".
	DefinedIn string
	// DependsOn names the other culprits this one depends on, directly or
	// through symbols that are not culprits.
	DependsOn []string
	// NeededFor names the culprits that do not stick without this one:
	// it is needed for them (whether the failure needs it too cannot be
	// asked: the base with them and without it is no config).
	NeededFor []string
	// Effects are what the line turns on or off besides itself; zero
	// when it changes nothing else.
	Effects Effects
}

// Effects is what a line of the result turns on or off besides itself,
// as Kconfig resolves it: the symbols, visible or not, whose values
// differ between the base with the result and the base with the result
// without the line. Neither the culprits' own symbols count nor what
// differs only because another culprit needs this one (NeededFor).
type Effects struct {
	Changes []Change `json:"changes"` // sorted by name
	// Telling is the change that says most of what the line does (the
	// campaign's rule picks it), Text Kconfig's words of it: the prompt
	// of a visible symbol, else the first sentence of its help; "" when
	// it has neither.
	Telling Change `json:"telling"`
	Text    string `json:"text,omitempty"`
	// Hidden says that the telling symbol has no prompt: menuconfig does
	// not show it, and no fragment sets it.
	Hidden bool `json:"hidden,omitempty"`
	// At is where the telling symbol is defined: "lib/Kconfig.debug:560".
	At string `json:"defined_at,omitempty"`
}

// Change is a symbol's value without a line and with it: literals as
// .config writes them (y, m, n, 0x10, "text"), "" when it has none.
type Change struct {
	Name string `json:"name"` // without CONFIG_
	From string `json:"from"`
	To   string `json:"to"`
}

// Base is the config the culprits go on top of.
type Base struct {
	// Targets are make config targets: defconfig, tinyconfig.
	Targets []string
	// File is a .config file, when the base is one rather than Targets.
	File string
	// Fragments are files merged onto the base, each with its lines.
	Fragments []Named
}

// Named is a fragment file the user brought, by its file name.
type Named struct {
	Name  string // file name: boot.config
	Lines []string
}

// Stats are the search's figures.
type Stats struct {
	Candidates int
	Algorithm  string
	Tests      int // oracle judgements run, over all runs of the campaign
	Builds     int
	CacheHits  int
	Unresolved int
	// Disagreements counts configs that kcmin's own resolver predicted
	// differently from make olddefconfig.
	Disagreements int
	// BadRuns counts the judgements of the bad config (more than one
	// when a flaky failure is measured); BadGone those that missed it.
	BadRuns, BadGone int
	// Gone counts the oracle's "gone" answers over the whole campaign;
	// FalseGone those that were seen to be wrong: a miss of the bad
	// config, or a "gone" that a "reproduces" of the same or a smaller
	// set of options contradicted.
	Gone, FalseGone int
	Elapsed         time.Duration // wall time of the tests, over all runs
	// TestTime is what the tests took one after another; Workers is how
	// many ran at once, at most.
	TestTime time.Duration
	Workers  int
	// PeakRSS is the largest process of any build, in bytes; 0 when no
	// build said.
	PeakRSS int64
	// BuildTime is what the builds took in all; BuildMedian and
	// BuildLargest per build.
	BuildTime, BuildMedian, BuildLargest time.Duration
	// Rebuilds counts the builds whose compiled objects are known;
	// SmallRebuilds those that compiled less than a tenth of their build
	// dir's objects.
	Rebuilds, SmallRebuilds int
	// BuildDirs is how many build dirs the campaign kept, DiskUsed the
	// bytes they take.
	BuildDirs int
	DiskUsed  int64
}

// FlakeRate is the share of the bad config's runs that missed the
// failure, or -1 when it ran once.
func (s Stats) FlakeRate() float64 {
	if s.BadRuns < 2 {
		return -1
	}
	return float64(s.BadGone) / float64(s.BadRuns)
}

// Input is everything a report says.
type Input struct {
	Arch     string   // ARCH=
	SrcArch  string   // the directory under arch/: x86
	MakeVars []string // LLVM=-19, CC=...
	Target   string   // bzImage; "" when the campaign does not build
	Base     Base
	// Culprits are the minimal options, in the order of the Kconfig menus.
	Culprits []Option
	// Failure shows the failure: the matched warnings of the bad build,
	// or the signature's facts.
	Failure   []string
	Signature []string
	// Taken reports whether the kernel tree already has a fragment of
	// that name (kernel/configs/NAME or arch/*/configs/NAME), which a
	// reproducer must not overwrite.
	Taken func(name string) bool
	// Notes are extra lines for the report, each a paragraph.
	Notes []string
	// Details are the oracle's notes on the bad config: boot verdicts,
	// the last console lines.
	Details []string
	// Versions name the kernel and the tools: "Linux 6.12.57",
	// "clang version 19.1.7", "LLD 19.1.7", "QEMU 7.2.22".
	Versions   []string
	Verified   bool // base + culprits reproduces
	OneMinimal bool // removing any one culprit makes the failure go
	// CleanBuild says how base + culprits was verified in a build dir of
	// its own, from nothing, as the reproducer builds: "reproduces",
	// "gone", or why it could not be judged; "" when it was not built so.
	CleanBuild string
	// Matrix are the toolchains the result was built with, the
	// campaign's own first; empty when the campaign lists none.
	Matrix []VariantRow
	// Bisect is what kcmin bisect found; nil before it ran.
	Bisect *Bisect
	// Functions are the functions the failure's warnings name and the
	// files that define them, in the signature's order.
	Functions []Function
	// Local names the paths of the reporter's machine: report.txt
	// rewrites the lines it quotes without them; result.json keeps
	// every path as given.
	Local Local
	Stats
}

// Fragment is a file of the result at its place in the kernel tree.
type Fragment struct {
	Path  string   `json:"path"` // relative to the tree: kernel/configs/a.config
	Lines []string `json:"lines"`
}

// Result is result.json.
type Result struct {
	Minimal    []string   `json:"minimal"`
	Fragments  []Fragment `json:"fragments"`
	Tests      int        `json:"tests"`
	Builds     int        `json:"builds"`
	CacheHits  int        `json:"cache_hits"`
	Unresolved int        `json:"unresolved"`
	Verified   bool       `json:"verified"`
	OneMinimal bool       `json:"one_minimal"`
	// VerifiedClean says the verification was a clean build in a build
	// dir of its own, as the reproducer builds; CleanBuild what it found.
	VerifiedClean bool   `json:"verified_clean"`
	CleanBuild    string `json:"clean_build,omitempty"`

	Base          string     `json:"base"`
	BaseFragments []Fragment `json:"base_fragments,omitempty"`
	Reproducer    []string   `json:"reproducer"`
	Signature     []string   `json:"signature"`
	Candidates    int        `json:"candidates"`
	Algorithm     string     `json:"algorithm"`
	Seconds       float64    `json:"seconds"`
	TestSeconds   float64    `json:"test_seconds"` // the tests one after another
	Workers       int        `json:"workers"`
	PeakRSS       int64      `json:"peak_rss,omitempty"` // bytes: the largest process of any build
	BuildSeconds  float64    `json:"build_seconds"`      // all builds, one after another
	// BuildMedian and BuildLargest are per build, in seconds.
	BuildMedian  float64 `json:"build_seconds_median"`
	BuildLargest float64 `json:"build_seconds_largest"`
	// SmallRebuilds counts the builds that compiled less than a tenth of
	// their build dir's objects, of Rebuilds whose objects are known.
	SmallRebuilds int      `json:"small_rebuilds"`
	Rebuilds      int      `json:"rebuilds"`
	BuildDirs     int      `json:"build_dirs,omitempty"`
	DiskUsed      int64    `json:"build_dirs_bytes,omitempty"`
	Disagreements int      `json:"resolve_disagreements"`
	Versions      []string `json:"versions,omitempty"`
	// FlakeRate is the measured share of the bad config's runs that
	// missed the failure; absent when it ran once.
	FlakeRate *float64 `json:"flake_rate,omitempty"`
	// FalseGone counts the "gone" answers seen to be wrong, of Gone.
	FalseGone int `json:"false_gone"`
	Gone      int `json:"gone"`
	// NeededFor maps a line of the result to the lines that do not take
	// their values without it.
	NeededFor map[string][]string `json:"needed_for,omitempty"`
	// Matrix is what each toolchain did with the result.
	Matrix []VariantRow `json:"matrix,omitempty"`
	// Bisect is the commit kcmin bisect found.
	Bisect *Bisect `json:"bisect,omitempty"`
	// Effects maps a line of the result to what it turns on or off
	// besides itself, for the lines that change anything else.
	Effects map[string]Effects `json:"effects,omitempty"`
	// Functions are the functions the failure's warnings name, with the
	// files that define them.
	Functions []Function `json:"functions,omitempty"`
}

// Function is a function a warning of the failure names (objtool's
// "do_syscall_64+0x86: call to ...") and the source files that define
// it, relative to the tree: several for a static function.
type Function struct {
	Name  string   `json:"name"`
	Files []string `json:"files"`
}

// Layout is where every fragment goes and how the failure is reproduced.
type Layout struct {
	Fragments     []Fragment // the culprits' fragments, sorted by name
	BaseFragments []Fragment // the user's base fragments, placed in the tree
	// Commands reproduce the failure from a clean tree, one shell command
	// each, without line breaks.
	Commands []string
}

// Plan groups the culprits into fragments, names and places them, and
// writes the commands that reproduce the failure.
//
// Culprits joined by dependency (through DependsOn, either way) share one
// fragment. A fragment is named after what it is for: its lead, the first
// option (in menu order) that no other option of the fragment depends
// on; the others are what the lead needs. The name is the run of leading
// words (split at _) that the lead shares with another option of the
// fragment, lowercased (llvm_cov for LLVM_COV_PROFILE_ALL, which needs
// LLVM_COV_KERNEL), else the lead's own name (amd_mem_encrypt for
// AMD_MEM_ENCRYPT with the EFI and ACPI it needs). When the tree or
// another fragment has that name already, the lead's own name, then that
// with a _kcmin suffix. A fragment goes to arch/SRCARCH/configs/ when its
// lead is defined under arch/SRCARCH/, to kernel/configs/ otherwise.
//
// The option the others depend on would be a poor name: it is often a
// generic prerequisite (ACPI, DEBUG_FS) rather than the point.
func Plan(in *Input) Layout {
	used := map[string]bool{}
	taken := func(name string) bool {
		return used[name] || (in.Taken != nil && in.Taken(name+".config"))
	}
	var l Layout
	for _, bf := range in.Base.Fragments {
		name := pick(taken, strings.TrimSuffix(bf.Name, ".config"))
		used[name] = true
		l.BaseFragments = append(l.BaseFragments, Fragment{Path: "kernel/configs/" + name + ".config", Lines: bf.Lines})
	}
	for _, g := range groups(in.Culprits) {
		name := pick(taken, sharedPrefix(g.lead, g.members), strings.ToLower(g.lead.Name))
		used[name] = true
		dir := "kernel/configs/"
		if in.SrcArch != "" && strings.HasPrefix(g.lead.DefinedIn, "arch/"+in.SrcArch+"/") {
			dir = "arch/" + in.SrcArch + "/configs/"
		}
		f := Fragment{Path: dir + name + ".config"}
		for _, o := range g.members {
			f.Lines = append(f.Lines, o.Line)
		}
		l.Fragments = append(l.Fragments, f)
	}
	sort.Slice(l.Fragments, func(i, j int) bool { return fragName(l.Fragments[i]) < fragName(l.Fragments[j]) })
	l.Commands = commands(in, l)
	return l
}

// pick returns the first candidate name that is free, or the last one
// with a _kcmin suffix (and a number, should even that be taken).
func pick(taken func(string) bool, names ...string) string {
	last := ""
	for _, n := range names {
		if n == "" {
			continue
		}
		last = n
		if !taken(n) {
			return n
		}
	}
	for i := 1; ; i++ {
		n := last + "_kcmin"
		if i > 1 {
			n = fmt.Sprintf("%s_kcmin%d", last, i)
		}
		if !taken(n) {
			return n
		}
	}
}

func fragName(f Fragment) string { return strings.TrimSuffix(filepath.Base(f.Path), ".config") }

type group struct {
	lead    Option
	members []Option // in the culprits' order
}

// groups splits the culprits into sets joined by dependency, each with
// its lead: the first member in menu order that no other member depends
// on.
func groups(culprits []Option) []group {
	index := map[string]int{}
	for i, o := range culprits {
		index[o.Name] = i
	}
	parent := make([]int, len(culprits))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		if parent[i] != i {
			parent[i] = find(parent[i])
		}
		return parent[i]
	}
	needed := make([]bool, len(culprits)) // another culprit depends on it
	for i, o := range culprits {
		for _, d := range o.DependsOn {
			if j, ok := index[d]; ok && j != i {
				parent[find(i)] = find(j)
				needed[j] = true
			}
		}
	}
	byRoot := map[int]*group{}
	var order []int
	for i, o := range culprits {
		r := find(i)
		g, ok := byRoot[r]
		if !ok {
			g = &group{}
			byRoot[r] = g
			order = append(order, r)
		}
		g.members = append(g.members, o)
		if !needed[i] && g.lead.Name == "" {
			g.lead = o
		}
	}
	out := make([]group, len(order))
	for i, r := range order {
		out[i] = *byRoot[r]
		if out[i].lead.Name == "" {
			// A cycle: every member is needed by another.
			out[i].lead = out[i].members[0]
		}
	}
	return out
}

// sharedPrefix is the longest run of leading _-separated words that the
// lead shares with another member, lowercased; "" when it shares none.
func sharedPrefix(lead Option, members []Option) string {
	words := strings.Split(lead.Name, "_")
	best := 0
	for _, o := range members {
		if o.Name == lead.Name {
			continue
		}
		w := strings.Split(o.Name, "_")
		k := 0
		for k < len(words) && k < len(w) && w[k] == words[k] {
			k++
		}
		best = max(best, k)
	}
	return strings.ToLower(strings.Join(words[:best], "_"))
}

// commands reproduce the failure from a clean tree.
func commands(in *Input, l Layout) []string {
	var cmds []string
	for _, f := range append(slices.Clone(l.BaseFragments), l.Fragments...) {
		cmds = append(cmds, "echo "+shellWord(strings.Join(f.Lines, "\n"))+" >"+f.Path)
	}
	mk := []string{"make", `-skj"$(nproc)"`}
	if in.Arch != "" {
		mk = append(mk, "ARCH="+in.Arch)
	}
	for _, v := range in.MakeVars {
		name, val, _ := strings.Cut(v, "=")
		mk = append(mk, name+"="+shellWord(val))
	}
	var targets []string
	if in.Base.File == "" {
		targets = append(targets, in.Base.Targets...)
	}
	for _, f := range append(slices.Clone(l.BaseFragments), l.Fragments...) {
		targets = append(targets, filepath.Base(f.Path))
	}
	configs := braced(targets)
	build := []string{}
	if configs != "" {
		build = append(build, configs)
	}
	if in.Target != "" {
		build = append(build, in.Target)
	}
	if in.Base.File != "" {
		cmds = append(cmds,
			strings.Join(append(slices.Clone(mk), "mrproper"), " "),
			"cp "+shellWord(filepath.Base(in.Base.File))+" .config")
		if configs == "" {
			build = append([]string{"olddefconfig"}, build...)
		}
		return append(cmds, strings.Join(append(mk, build...), " "))
	}
	return append(cmds, strings.Join(append(append(mk, "mrproper"), build...), " "))
}

// braced writes config targets the way the kernel's developers do:
// {def,kvm_guest.,a.}config.
func braced(targets []string) string {
	switch len(targets) {
	case 0:
		return ""
	case 1:
		return targets[0]
	}
	stems := make([]string, len(targets))
	for i, t := range targets {
		s, ok := strings.CutSuffix(t, "config")
		if !ok {
			return strings.Join(targets, " ")
		}
		stems[i] = s
	}
	return "{" + strings.Join(stems, ",") + "}config"
}

// shellWord quotes a word for the shell when it needs it.
func shellWord(s string) string {
	if safeWord(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// safeWord reports whether a word means itself to the shell unquoted.
func safeWord(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_=.,/+:@%-", r))
	}) < 0
}

// Make builds the whole result.
func Make(in *Input) (Layout, Result) {
	l := Plan(in)
	r := Result{
		Minimal:       []string{},
		Fragments:     l.Fragments,
		Tests:         in.Tests,
		Builds:        in.Builds,
		CacheHits:     in.CacheHits,
		Unresolved:    in.Unresolved,
		Verified:      in.Verified,
		OneMinimal:    in.OneMinimal,
		VerifiedClean: in.Verified && in.CleanBuild == "reproduces",
		CleanBuild:    in.CleanBuild,
		Base:          baseName(in),
		BaseFragments: l.BaseFragments,
		Reproducer:    l.Commands,
		Signature:     in.Signature,
		Candidates:    in.Candidates,
		Algorithm:     in.Algorithm,
		Seconds:       in.Elapsed.Round(time.Second).Seconds(),
		TestSeconds:   in.TestTime.Round(time.Second).Seconds(),
		Workers:       in.Workers,
		PeakRSS:       in.PeakRSS,
		BuildSeconds:  in.BuildTime.Seconds(),
		BuildMedian:   in.BuildMedian.Seconds(),
		BuildLargest:  in.BuildLargest.Seconds(),
		SmallRebuilds: in.SmallRebuilds,
		Rebuilds:      in.Rebuilds,
		BuildDirs:     in.BuildDirs,
		DiskUsed:      in.DiskUsed,
		Disagreements: in.Disagreements,
		Versions:      in.Versions,
		FalseGone:     in.FalseGone,
		Gone:          in.Gone,
	}
	if rate := in.FlakeRate(); rate >= 0 {
		r.FlakeRate = &rate
	}
	r.Matrix, r.Bisect, r.Functions = in.Matrix, in.Bisect, in.Functions
	for _, o := range in.Culprits {
		r.Minimal = append(r.Minimal, o.Line)
		if len(o.NeededFor) > 0 {
			if r.NeededFor == nil {
				r.NeededFor = map[string][]string{}
			}
			r.NeededFor[o.Line] = linesOf(in.Culprits, o.NeededFor)
		}
		if len(o.Effects.Changes) > 0 {
			if r.Effects == nil {
				r.Effects = map[string]Effects{}
			}
			r.Effects[o.Line] = o.Effects
		}
	}
	if r.Fragments == nil {
		r.Fragments = []Fragment{}
	}
	if r.Signature == nil {
		r.Signature = []string{}
	}
	return l, r
}

// baseName says what the base is, in a few words.
func baseName(in *Input) string {
	var parts []string
	if in.Base.File != "" {
		parts = append(parts, filepath.Base(in.Base.File))
	} else {
		parts = append(parts, in.Base.Targets...)
	}
	for _, f := range in.Base.Fragments {
		parts = append(parts, f.Name)
	}
	return strings.Join(parts, " + ")
}

// JSON is result.json's content.
func JSON(r Result) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("result.json: %w", err)
	}
	return b.Bytes(), nil
}

// Write writes the result into dir: minimal.config, each fragment at its
// path in the tree, the base file and fragments it needs, report.txt and
// result.json. Files of an earlier report that this one has not are
// removed: dir is the report's alone.
func Write(dir string, in *Input) (Result, error) {
	l, r := Make(in)
	if err := os.RemoveAll(dir); err != nil {
		return r, fmt.Errorf("clear %s: %w", dir, err)
	}
	files := map[string][]byte{
		"minimal.config": []byte(lines(r.Minimal)),
		"report.txt":     []byte(Text(in, l)),
	}
	js, err := JSON(r)
	if err != nil {
		return r, err
	}
	files["result.json"] = js
	for _, f := range append(slices.Clone(l.BaseFragments), l.Fragments...) {
		files[f.Path] = []byte(lines(f.Lines))
	}
	if in.Base.File != "" {
		data, err := os.ReadFile(in.Base.File)
		if err != nil {
			return r, fmt.Errorf("copy the base config into the report: %w", err)
		}
		files[filepath.Base(in.Base.File)] = data
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return r, fmt.Errorf("write report: %w", err)
		}
		if err := os.WriteFile(p, files[name], 0o644); err != nil {
			return r, fmt.Errorf("write report: %w", err)
		}
	}
	return r, nil
}

func lines(ls []string) string {
	if len(ls) == 0 {
		return ""
	}
	return strings.Join(ls, "\n") + "\n"
}
