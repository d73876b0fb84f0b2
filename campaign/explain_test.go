package campaign

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kcmin/kcmin/build"
	"github.com/kcmin/kcmin/kconfig"
	"github.com/kcmin/kcmin/minimize"
	"github.com/kcmin/kcmin/report"
)

// explainTree parses a small Kconfig written for the test.
func explainTree(t *testing.T, text string) Knowledge {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Kconfig"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	tree, err := kconfig.Parse(context.Background(), kconfig.Options{SrcTree: dir})
	if err != nil {
		t.Fatal(err)
	}
	return NewTreeKnowledge(tree, dir)
}

// resultLines makes lines of the result that set each name to y.
func resultLines(know Knowledge, names ...string) []Line {
	var out []Line
	for _, n := range names {
		out = append(out, Line{Option: Option{Name: n, Bad: "y", DefinedIn: know.DefinedIn(n), Menu: know.MenuIndex(n)}})
	}
	return out
}

// TestExplain: DEBUG turns on the hidden VALIDATE (depends on it,
// default y), which selects the hidden TOOL, turns off the visible FAST
// and sets the hidden SIZE; VALIDATE tells most: hidden, turned on, and
// what DEBUG does itself (TOOL, before it in menu order, is what
// VALIDATE does). NEEDS_DEBUG, another line, needs DEBUG: it, and the
// EXTRA it selects, are the NeededFor paragraph's, not DEBUG's effects.
// The culprit FS's own symbol is not DEBUG's effect either.
func TestExplain(t *testing.T) {
	know := explainTree(t, `
config FS
	bool "file system"
config TOOL
	bool
config FAST
	bool "fast paths"
	depends on !DEBUG
	default y
config DEBUG
	bool "debug"
	help
	  Checks everything.
config VALIDATE
	bool
	depends on DEBUG
	select TOOL
	default y
	help
	  Validates the code
	  at link time. Slowly.
config SIZE
	int
	default 32 if DEBUG
	default 16
config NEEDS_DEBUG
	bool "needs debug"
	depends on DEBUG
	select EXTRA
config EXTRA
	bool
`)
	base, err := know.Resolve(kconfig.NewConfig())
	if err != nil {
		t.Fatal(err)
	}
	lines := resultLines(know, "FS", "DEBUG", "NEEDS_DEBUG")
	got := explain(know, base, lines)
	if len(got) != len(lines) {
		t.Fatalf("%d explanations for %d lines", len(got), len(lines))
	}
	want := report.Effects{
		Changes: []report.Change{
			{Name: "FAST", From: "y", To: "n"},
			{Name: "SIZE", From: "16", To: "32"},
			{Name: "TOOL", From: "n", To: "y"},
			{Name: "VALIDATE", From: "n", To: "y"},
		},
		Telling: report.Change{Name: "VALIDATE", From: "n", To: "y"},
		Text:    "Validates the code at link time.",
		Hidden:  true,
		At:      "Kconfig:14",
	}
	if !reflect.DeepEqual(got[1], want) {
		t.Errorf("DEBUG's effects:\n got %+v\nwant %+v", got[1], want)
	}
	if len(got[0].Changes) != 0 || len(got[2].Changes) != 1 || got[2].Telling.Name != "EXTRA" {
		t.Errorf("FS's effects %+v (want none), NEEDS_DEBUG's %+v (want EXTRA)", got[0], got[2])
	}
}

// TestTellingFirst checks the rule's order on changes of one kind at a
// time: what turns on before what turns off before a number; hidden
// before visible; what names the option; the option's own file; menu
// order.
func TestTellingFirst(t *testing.T) {
	know := &fakeKnowledge{order: []string{"A", "B", "C", "D"}, files: map[string]string{"O": "x/Kconfig", "D": "x/Kconfig"}}
	o := Option{Name: "O", DefinedIn: "x/Kconfig"}
	for _, tc := range []struct {
		changes []report.Change
		about   map[string]About
		want    string
	}{
		{[]report.Change{{Name: "A", From: "16", To: "32"}, {Name: "B", From: "y", To: "n"}, {Name: "C", From: "n", To: "m"}}, nil, "C"},
		{[]report.Change{{Name: "A", From: "16", To: "32"}, {Name: "B", From: "y", To: "n"}}, nil, "B"},
		{[]report.Change{{Name: "A", From: "n", To: "y"}, {Name: "B", From: "n", To: "y"}}, map[string]About{"A": {Prompt: "a"}}, "B"},
		{[]report.Change{{Name: "A", From: "n", To: "y"}, {Name: "B", From: "n", To: "y"}}, map[string]About{"B": {Names: []string{"X", "O"}}}, "B"},
		{[]report.Change{{Name: "A", From: "n", To: "y"}, {Name: "D", From: "n", To: "y"}}, nil, "D"},
		{[]report.Change{{Name: "C", From: "n", To: "y"}, {Name: "B", From: "n", To: "y"}, {Name: "Z", From: "n", To: "y"}}, nil, "B"},
	} {
		best := tc.changes[0]
		for _, c := range tc.changes[1:] {
			if tellingFirst(know, o, tc.about, c, best) < 0 {
				best = c
			}
		}
		if best.Name != tc.want {
			t.Errorf("telling of %v: %s, want %s", tc.changes, best.Name, tc.want)
		}
	}
}

// TestRealExplainNoinstr explains the noinstr case's culprits on the real
// tree, on tinyconfig and the boot fragment resolved in-process:
// DEBUG_ENTRY's line must name NOINSTR_VALIDATION, objtool's noinstr pass
// over vmlinux.o, which no menu shows.
func TestRealExplainNoinstr(t *testing.T) {
	if testing.Short() {
		t.Skip("parses the real kernel tree: skipped in -short mode")
	}
	src := os.Getenv("KCMIN_LINUX")
	if src == "" {
		src = filepath.Join("..", ".cache", "linux-source-6.12")
	}
	src, err := filepath.Abs(src)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(src, "Kconfig")); err != nil {
		t.Skipf("no Linux tree at %s (make linux unpacks it)", src)
	}
	ctx := context.Background()
	env, err := (&build.Make{Source: src, Arch: "x86_64", Vars: []string{"LLVM=-19"}}).KconfigEnv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := kconfig.Parse(ctx, kconfig.Options{SrcTree: src, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	know := NewTreeKnowledge(tree, src)
	read := func(path string) *kconfig.Config {
		c, _, err := kconfig.ReadConfigFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	// make tinyconfig: allnoconfig over tiny-base.config, then
	// tiny.config merged and resolved; then the boot fragment.
	tiny, _ := kconfig.Merge(tree.AllNo(read(filepath.Join(src, "kernel/configs/tiny-base.config"))).Config(),
		read(filepath.Join(src, "kernel/configs/tiny.config")))
	tiny, err = know.Resolve(tiny)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := kconfig.Merge(tiny, read("../testdata/boot/boot.config"))
	if base, err = know.Resolve(base); err != nil {
		t.Fatal(err)
	}
	expected, err := os.ReadFile("../testdata/e2e/noinstr/expected.txt")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range strings.Fields(string(expected)) {
		name, _, _ := strings.Cut(strings.TrimPrefix(l, "CONFIG_"), "=")
		names = append(names, name)
	}
	lines := resultLines(know, names...)
	effects := explain(know, base, lines)
	in := &report.Input{Base: report.Base{Targets: []string{"tinyconfig"}}}
	for i, l := range lines {
		in.Culprits = append(in.Culprits, report.Option{Name: l.Name, Line: l.Line(), DefinedIn: l.DefinedIn, Effects: effects[i]})
		t.Logf("%s: %+v", l.Line(), effects[i])
	}
	text := report.Text(in, report.Plan(in))
	_, block, _ := strings.Cut(text, "besides itself")
	_, block, _ = strings.Cut(block, "\n\n")
	block, _, _ = strings.Cut(block, "\n\n")
	t.Logf("report:\n%s", block)
	var entry report.Effects
	for i, l := range lines {
		if l.Name == "DEBUG_ENTRY" {
			entry = effects[i]
		}
	}
	if entry.Telling != (report.Change{Name: "NOINSTR_VALIDATION", From: "n", To: "y"}) || !entry.Hidden || entry.At != "lib/Kconfig.debug:560" {
		t.Errorf("DEBUG_ENTRY's effects %+v, want NOINSTR_VALIDATION turned on, hidden, at lib/Kconfig.debug:560", entry)
	}
	// NOINSTR_VALIDATION has neither prompt nor help: the report says so
	// and where it is defined. DEBUG_FS's choice member is quoted with
	// its choice's prompt.
	flat := strings.Join(strings.Fields(text), " ")
	for _, want := range []string{
		"CONFIG_DEBUG_ENTRY=y also turns on NOINSTR_VALIDATION (no prompt or help; lib/Kconfig.debug:560).",
		`CONFIG_DEBUG_FS=y also turns on DEBUG_FS_ALLOW_ALL ("Debugfs default access: Access normal")`,
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("the report does not say %q:\n%s", want, text)
		}
	}
}

// TestReportExplainsLines: the report's input carries each line's
// effects: on the mini tree, C turns on HIDDEN (default C).
func TestReportExplainsLines(t *testing.T) {
	r, idx := miniRunner(t, nil, Options{})
	res := minimize.Result{Culprits: []int{idx["C"]}, Verified: true}
	in := r.reportInput(finalOf(r.cands.Options(res.Culprits), res), res)
	if len(in.Culprits) != 1 || in.Culprits[0].Effects.Telling != (report.Change{Name: "HIDDEN", From: "n", To: "y"}) {
		t.Errorf("culprits %+v, want C turning on HIDDEN", in.Culprits)
	}
}
