package campaign

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kcmin/kcmin/build"
	"github.com/kcmin/kcmin/kconfig"
)

// writeObjects makes a build dir as kbuild leaves it: for each object a
// .o and a .cmd file whose deps name its options, and the .config.
func writeObjects(t *testing.T, dir string, objs map[string][]string, config *kconfig.Config) {
	t.Helper()
	for obj, opts := range objs {
		var b strings.Builder
		fmt.Fprintf(&b, "savedcmd_%s := clang-19 -c -o %s %s\n\n", obj, obj, strings.TrimSuffix(obj, ".o")+".c")
		fmt.Fprintf(&b, "source_%s := %s\n\ndeps_%s := \\\n", obj, strings.TrimSuffix(obj, ".o")+".c", obj)
		for _, o := range opts {
			fmt.Fprintf(&b, "    $(wildcard include/config/%s) \\\n", o)
		}
		fmt.Fprintf(&b, "\n%s: $(deps_%s)\n\n$(deps_%s):\n", obj, obj, obj)
		cmd := filepath.Join(dir, filepath.Dir(obj), "."+filepath.Base(obj)+".cmd")
		if err := os.MkdirAll(filepath.Dir(cmd), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(cmd, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, obj), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Create(filepath.Join(dir, ".config"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := config.Write(f); err != nil {
		t.Fatal(err)
	}
}

func configOf(t *testing.T, lines ...string) *kconfig.Config {
	t.Helper()
	c, _, err := kconfig.ReadConfig(strings.NewReader(strings.Join(lines, "\n")+"\n"), "test.config")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A tree of 40 objects: all but one mention WIDE (a header option), that
// one LEAF, and none ECHO.
func poolObjects() map[string][]string {
	objs := map[string][]string{"kernel/leaf.o": {"LEAF"}}
	for i := range 39 {
		objs[fmt.Sprintf("lib/o%02d.o", i)] = []string{"WIDE"}
	}
	return objs
}

func TestConfigChanges(t *testing.T) {
	from := configOf(t, "CONFIG_A=y", "# CONFIG_B is not set", "CONFIG_C=\"x\"", "CONFIG_D=y")
	to := configOf(t, "CONFIG_A=y", "CONFIG_B=y", "CONFIG_C=\"z\"", "CONFIG_E=m")
	got := configChanges(from, to)
	want := []string{"B=y", "C=z", "D=n", "E=m"}
	if !slices.Equal(got, want) {
		t.Errorf("changes %q, want %q", got, want)
	}
	if got := configChanges(from, from); len(got) != 0 {
		t.Errorf("a config changes %q from itself", got)
	}
	// Unset and "is not set" are the same to conf.
	if got := configChanges(configOf(t, "# CONFIG_B is not set"), configOf(t, "CONFIG_A=y")); !slices.Equal(got, []string{"A=y"}) {
		t.Errorf("changes %q, want A=y alone", got)
	}
}

// A test goes to the dir where the .cmd files predict least: a flip of
// WIDE there recompiles everything, one of LEAF one object.
func TestPoolCheapestDir(t *testing.T) {
	wd := &Workdir{Dir: t.TempDir()}
	wideOn := configOf(t, "CONFIG_WIDE=y", "# CONFIG_LEAF is not set")
	wideOff := configOf(t, "# CONFIG_WIDE is not set", "# CONFIG_LEAF is not set")
	writeObjects(t, wd.BuildDir(0), poolObjects(), wideOn)
	writeObjects(t, wd.BuildDir(1), poolObjects(), wideOff)
	p := newDirPool(wd, KernelSpec{BuildDirs: 2}, 1)
	if p.count() != 2 {
		t.Fatalf("%d dirs found, want the 2 an earlier run left", p.count())
	}
	for _, c := range []struct {
		config *kconfig.Config
		dir    int
		cost   int
	}{
		{configOf(t, "CONFIG_WIDE=y", "CONFIG_LEAF=y"), 0, 1},
		{configOf(t, "# CONFIG_WIDE is not set", "CONFIG_LEAF=y"), 1, 1},
		{configOf(t, "CONFIG_WIDE=y", "# CONFIG_LEAF is not set", "CONFIG_ECHO=y"), 0, 0},
	} {
		d, pred, err := p.take(c.config, Hash(c.config))
		if err != nil {
			t.Fatal(err)
		}
		if d.n != c.dir || pred.Objects != c.cost || pred.Clean {
			t.Errorf("config %q went to d%d with %d objects predicted (clean %v), want d%d and %d", configChanges(kconfig.NewConfig(), c.config), d.n, pred.Objects, pred.Clean, c.dir, c.cost)
		}
		p.give(d)
	}
	// The costliest flip costs every object of the dir.
	d, pred, _ := p.take(wideOff, Hash(wideOff))
	if d.n != 1 || pred.Objects != 0 {
		t.Errorf("the config d1 holds went to d%d, %d objects", d.n, pred.Objects)
	}
	d2, pred2, _ := p.take(wideOff, Hash(wideOff))
	if d2.n != 0 || pred2.Objects != 39 {
		t.Errorf("with d1 busy: d%d, %d objects, want d0 and 39", d2.n, pred2.Objects)
	}
	if _, _, err := p.take(wideOff, ""); err == nil {
		t.Error("a third dir was handed out of two")
	}
}

// Costs within a twentieth of a clean build are the same: the least
// recently used dir, or a new one, takes the test, so that a dir holding
// a rare state keeps it.
func TestPoolTiesKeepStates(t *testing.T) {
	wd := &Workdir{Dir: t.TempDir()}
	wideOn := configOf(t, "CONFIG_WIDE=y")
	writeObjects(t, wd.BuildDir(0), poolObjects(), wideOn)
	p := newDirPool(wd, KernelSpec{}, 1)
	p.free = func() (int64, error) { return 100 << 30, nil }
	off := configOf(t, "# CONFIG_WIDE is not set")
	d, pred, err := p.take(off, Hash(off))
	if err != nil {
		t.Fatal(err)
	}
	if d.n != 1 || !pred.Clean {
		t.Errorf("a flip of WIDE went to d%d (clean %v): want a new dir, keeping d0's build", d.n, pred.Clean)
	}
	p.placed(d, off, Hash(off))
	p.give(d)
	// No disk for another dir: the cheaper of the two.
	p.free = func() (int64, error) { return 1 << 20, nil }
	leafOn := configOf(t, "CONFIG_WIDE=y", "CONFIG_LEAF=y")
	if d, _, _ := p.take(leafOn, Hash(leafOn)); d.n != 0 {
		t.Errorf("WIDE=y LEAF=y went to d%d, want d0", d.n)
	} else {
		p.give(d)
	}
	if p.count() != 2 {
		t.Errorf("%d dirs with no room on the disk, want 2", p.count())
	}
}

// A fresh dir is measured against the dir it would spare: when the
// cheapest built dir would recompile nine tenths of its objects or more,
// a new dir takes the test, though a larger config's dir makes a clean
// build look dearer; a dir that rebuilds four fifths stays the cheaper.
func TestPoolNearFullOpensDir(t *testing.T) {
	wd := &Workdir{Dir: t.TempDir()}
	big := poolObjects()
	for i := range 40 {
		big[fmt.Sprintf("drivers/b%02d.o", i)] = []string{"WIDE", "BIG"}
	}
	small := poolObjects()
	for i := range 32 {
		small[fmt.Sprintf("lib/o%02d.o", i)] = []string{"WIDE", "MOST"}
	}
	writeObjects(t, wd.BuildDir(0), big, configOf(t, "CONFIG_WIDE=y", "CONFIG_BIG=y"))
	writeObjects(t, wd.BuildDir(1), small, configOf(t, "CONFIG_WIDE=y", "# CONFIG_MOST is not set"))
	p := newDirPool(wd, KernelSpec{}, 1)
	p.free = func() (int64, error) { return 100 << 30, nil }
	most := configOf(t, "CONFIG_WIDE=y", "CONFIG_MOST=y")
	d, pred, err := p.take(most, Hash(most))
	if err != nil {
		t.Fatal(err)
	}
	if d.n != 1 || pred.Objects != 32 {
		t.Errorf("a flip of four fifths of d1's objects went to d%d, %d objects predicted: want d1 and 32", d.n, pred.Objects)
	}
	p.give(d)
	off := configOf(t, "# CONFIG_WIDE is not set")
	d, pred, err = p.take(off, Hash(off))
	if err != nil {
		t.Fatal(err)
	}
	if d.n != 2 || !pred.Clean {
		t.Errorf("a flip of 39 of d1's 40 objects went to d%d (clean %v): want a new dir, keeping d1's build", d.n, pred.Clean)
	}
}

// What a build recompiled beyond the .cmd files' prediction is learned
// per option and value, and predicted next time; a build that showed an
// option cheap lowers it.
func TestPoolLearnsFlagOptions(t *testing.T) {
	wd := &Workdir{Dir: t.TempDir()}
	base := configOf(t, "# CONFIG_COVERAGE is not set", "# CONFIG_LEAF is not set")
	writeObjects(t, wd.BuildDir(0), poolObjects(), base)
	p := newDirPool(wd, KernelSpec{BuildDirs: 1}, 1)
	cov := configOf(t, "CONFIG_COVERAGE=y", "CONFIG_LEAF=y")
	d, pred, err := p.take(cov, Hash(cov))
	if err != nil {
		t.Fatal(err)
	}
	if pred.Objects != 1 {
		t.Fatalf("before any build, COVERAGE=y LEAF=y predicts %d objects, want 1 (LEAF's)", pred.Objects)
	}
	// Coverage changed every command line: all 40 recompiled.
	var all []string
	for o := range poolObjects() {
		all = append(all, o)
	}
	objs, err := build.ReadObjects(d.path, nil)
	if err != nil {
		t.Fatal(err)
	}
	p.built(d, pred, objs, all)
	p.placed(d, cov, Hash(cov))
	p.give(d)

	// Off again costs what on cost, until seen otherwise.
	back := configOf(t, "# CONFIG_COVERAGE is not set", "CONFIG_LEAF=y")
	d, pred, _ = p.take(back, Hash(back))
	if pred.Objects != 39 {
		t.Errorf("COVERAGE=n predicts %d objects, want what COVERAGE=y cost beyond LEAF's 1: 39", pred.Objects)
	}
	p.give(d)
	p.costs.learn([]string{"COVERAGE=n"}, 2)
	if n := p.costs.extra([]string{"COVERAGE=n"}); n != 2 {
		t.Errorf("COVERAGE=n seen at 2 costs %d", n)
	}
	// A later build shows LEAF=y cheap, COVERAGE=y stays dear.
	p.costs.learn([]string{"LEAF=y"}, 0)
	p.placed(d, base, Hash(base))
	d, pred, _ = p.take(cov, Hash(cov))
	if pred.Objects != 39 && pred.Objects != 40 {
		t.Errorf("COVERAGE=y again predicts %d objects, want 39 or 40", pred.Objects)
	}
	p.give(d)
	// What was learned is kept in the workdir for the next run.
	again := loadRebuildCosts(wd.Path(rebuildFile))
	if again.Extra["COVERAGE=y"] != 39 || again.Extra["LEAF=y"] != 39 {
		t.Errorf("saved costs %v, want COVERAGE=y and LEAF=y at 39 (the second lesson was not saved)", again.Extra)
	}
}

// An option the tree's kbuild files set flags for costs everything until
// a build shows otherwise.
func TestPoolFlagOptionsGuess(t *testing.T) {
	wd := &Workdir{Dir: t.TempDir()}
	base := configOf(t, "# CONFIG_COVERAGE is not set", "# CONFIG_LEAF is not set")
	writeObjects(t, wd.BuildDir(0), poolObjects(), base)
	p := newDirPool(wd, KernelSpec{BuildDirs: 1}, 1)
	p.costs.flagOptions([]string{"COVERAGE"})
	cov := configOf(t, "CONFIG_COVERAGE=y", "CONFIG_LEAF=y")
	d, pred, err := p.take(cov, Hash(cov))
	if err != nil {
		t.Fatal(err)
	}
	if pred.Objects != 40 {
		t.Errorf("a flip of a flag option predicts %d objects, want all 40", pred.Objects)
	}
	p.built(d, pred, d.objs, []string{"kernel/leaf.o", "lib/o00.o"})
	p.placed(d, base, Hash(base))
	p.give(d)
	if _, pred, _ := p.take(cov, Hash(cov)); pred.Objects != 1 {
		t.Errorf("after a build compiled 2 objects for it, the flip predicts %d, want 1 (LEAF's; COVERAGE=y cost 1 beyond)", pred.Objects)
	}
}

// The search is told each candidate's cost from the bad config's build
// dir and the flag options, once: a resumed search reads the same.
func TestCandidateCosts(t *testing.T) {
	wd := &Workdir{Dir: t.TempDir()}
	writeObjects(t, wd.BuildDir(0), poolObjects(), configOf(t, "CONFIG_WIDE=y"))
	r := &runner{wd: wd, cands: Candidates{List: []Candidate{
		{Options: []Option{{Name: "LEAF"}}},
		{Options: []Option{{Name: "ECHO"}, {Name: "WIDE"}}},
		{Options: []Option{{Name: "COVERAGE"}}},
	}}}
	r.dirs = newDirPool(wd, KernelSpec{}, 1)
	r.dirs.costs.flagOptions([]string{"COVERAGE"})
	r.badRec = Record{Test: 2, Role: roleBad, BuildDir: "d0"}
	want := []float64{1.0 / 40, 39.0 / 40, 1}
	if got := r.candidateCosts(); !slices.Equal(got, want) {
		t.Errorf("costs %v, want %v", got, want)
	}
	// Kept: the dir that built the bad config may hold another by now.
	if err := os.RemoveAll(wd.BuildDir(0)); err != nil {
		t.Fatal(err)
	}
	r.dirs = newDirPool(wd, KernelSpec{}, 1)
	if got := r.candidateCosts(); !slices.Equal(got, want) {
		t.Errorf("costs read again %v, want %v", got, want)
	}
	// Nothing known, nothing told.
	r2 := &runner{wd: &Workdir{Dir: t.TempDir()}, cands: r.cands}
	r2.dirs = newDirPool(r2.wd, KernelSpec{}, 1)
	if got := r2.candidateCosts(); got != nil {
		t.Errorf("costs with no objects and no flag options: %v", got)
	}
}
