package campaign

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/kcmin/kcmin/build"
	"github.com/kcmin/kcmin/kconfig"
)

// The campaign's build dirs: build/d0, build/d1, ..., more of them than
// workers when the disk allows. Each keeps the config it last built, so
// that a test can go where it rebuilds least: a search that alternates an
// option that recompiles everything (GCOV_PROFILE_ALL, DEBUG_ENTRY) finds
// a dir that already has it as the test wants it. A dir is never copied
// or moved (objtool and every object would rebuild); when none is free
// to start afresh, the least recently used one is built over.
//
// The cost of a test in a dir is predicted from what kbuild recorded
// there (build.Objects: every object and the options its sources
// mention) and from what earlier builds really recompiled beyond that,
// per option and value (rebuildCosts): the options that change compiler
// flags, and those that add objects, show only there.

// dirsAuto is how many more build dirs than workers the campaign keeps
// when the disk allows and [kernel] build_dirs leaves it to kcmin: one
// for each state of a couple of expensive options.
const dirsAuto = 3

// A buildDir is one of the campaign's build dirs.
type buildDir struct {
	n    int
	path string
	busy bool
	// config is what the dir last built (or began to build), nil for a
	// dir never built in; hash its digest.
	config *kconfig.Config
	hash   string
	objs   *build.Objects // its objects, read after its last build
	used   int            // when it was last taken: larger is later
	size   int64          // bytes on disk after its last build
}

// A prediction is what a test will rebuild in a dir.
type prediction struct {
	Clean    bool     // the dir holds no build: everything compiles
	Changed  []string // the options whose value changes, as NAME=value
	Affected []string // the objects that mention one of them
	Objects  int      // the objects predicted to recompile
}

// dirPool hands out build dirs. It is safe for concurrent use.
type dirPool struct {
	mu    sync.Mutex
	wd    *Workdir
	max   int  // most dirs
	auto  bool // max is kcmin's choice: bounded by the disk too
	dirs  []*buildDir
	clock int
	costs *rebuildCosts
	// free reports the free bytes of the build dirs' disk.
	free func() (int64, error)
}

// maxBuildDirs is the most build dirs for workers local workers, and
// whether that is kcmin's choice.
func (k KernelSpec) maxBuildDirs(workers int) (int, bool) {
	if k.BuildDirs > 0 {
		return max(k.BuildDirs, workers), false
	}
	return workers + dirsAuto, true
}

// newDirPool is the pool of build dirs for workers local workers, with
// the dirs an earlier run left.
func newDirPool(wd *Workdir, k KernelSpec, workers int) *dirPool {
	most, auto := k.maxBuildDirs(workers)
	p := &dirPool{wd: wd, max: most, auto: auto, costs: loadRebuildCosts(wd.Path(rebuildFile)), free: func() (int64, error) {
		var st unix.Statfs_t
		if err := unix.Statfs(wd.Path("build"), &st); err != nil {
			return 0, err
		}
		return int64(st.Bavail) * st.Bsize, nil
	}}
	// The dirs an earlier run left, oldest first: what each holds is its
	// .config.
	for n := 0; ; n++ {
		path := wd.BuildDir(n)
		info, err := os.Stat(filepath.Join(path, ".config"))
		if err != nil {
			if _, err := os.Stat(path); err == nil {
				p.dirs = append(p.dirs, &buildDir{n: n, path: path})
				continue
			}
			break
		}
		d := &buildDir{n: n, path: path, used: int(info.ModTime().Unix())}
		if c, _, err := kconfig.ReadConfigFile(filepath.Join(path, ".config")); err == nil {
			d.config, d.hash = c, Hash(c)
		}
		p.dirs = append(p.dirs, d)
	}
	for _, d := range p.dirs {
		p.clock = max(p.clock, d.used)
	}
	return p
}

// predict says what config c costs in d. Reading d's objects is left to
// the caller's lock.
func (p *dirPool) predict(d *buildDir, c *kconfig.Config) prediction {
	if d.config == nil {
		// Never cheaper than a dir that holds a build, whatever is known.
		return prediction{Clean: true, Objects: max(1, p.largest())}
	}
	changed := configChanges(d.config, c)
	if len(changed) == 0 {
		return prediction{}
	}
	names := make([]string, len(changed))
	for i, ch := range changed {
		names[i], _, _ = strings.Cut(ch, "=")
	}
	affected := d.objs.Affected(names)
	// Never more than the dir holds; nothing, when its objects are not
	// known.
	n := min(max(len(affected), p.costs.extra(changed)), d.objs.Len())
	return prediction{Changed: changed, Affected: affected, Objects: n}
}

// largest is the most objects a dir of the campaign holds: what a clean
// build compiles, as far as the campaign knows.
func (p *dirPool) largest() int {
	n := 0
	for _, d := range p.dirs {
		n = max(n, d.objs.Len())
	}
	return n
}

// take gives the free build dir where config c is cheapest, with what it
// is predicted to rebuild there: least recompilation, then the least
// recently used. A dir never built in costs a clean build, or as much
// as the near-full rebuild of the cheapest built dir; one is made while
// the campaign has fewer dirs than it may keep and the disk has room
// for it. There is always a free dir: the pool has at least as many
// as there are workers.
func (p *dirPool) take(c *kconfig.Config, hash string) (*buildDir, prediction, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	type choice struct {
		d    *buildDir
		pred prediction
		cost int // pred.Objects, or what the choice is counted as
	}
	var choices []choice
	for _, d := range p.dirs {
		if d.busy {
			continue
		}
		if d.config != nil && d.objs == nil {
			// A dir an earlier run left: read what kbuild recorded.
			objs, err := build.ReadObjects(d.path, nil)
			switch {
			case errors.Is(err, fs.ErrNotExist):
				d.config, d.hash = nil, "" // nothing was built there
			case err != nil:
				return nil, prediction{}, fmt.Errorf("read the objects of %s: %w", d.path, err)
			}
			d.objs = objs
		}
		if d.hash == hash && hash != "" {
			// The very config built there: a repeat, nothing to rebuild.
			p.clock++
			d.busy, d.used = true, p.clock
			return d, prediction{}, nil
		}
		pred := p.predict(d, c)
		choices = append(choices, choice{d, pred, pred.Objects})
	}
	var fresh *buildDir
	if len(p.dirs) < p.max && p.roomForOneMore() {
		fresh = &buildDir{n: len(p.dirs), path: p.wd.BuildDir(len(p.dirs))}
		pred := p.predict(fresh, c)
		ch := choice{fresh, pred, pred.Objects}
		// When the cheapest built dir would recompile nine tenths of its
		// objects or more, a new dir costs about the same (the objects
		// of that dir) and keeps every built dir's state for a later
		// test: it counts as just as cheap. Below that the rebuild is
		// the cheaper: header-wide options recompile four fifths of a
		// small kernel, and a clean build a quarter more than that.
		var near *choice
		for i := range choices {
			if a := &choices[i]; a.d.objs.Len() > 0 && (near == nil || a.cost < near.cost) {
				near = a
			}
		}
		if near != nil && 10*near.cost >= 9*near.d.objs.Len() {
			ch.cost = min(ch.cost, near.cost)
		}
		choices = append(choices, ch)
	}
	if len(choices) == 0 {
		return nil, prediction{}, fmt.Errorf("no free build dir among %d", len(p.dirs))
	}
	// Costs that differ by less than a twentieth of a clean build are the
	// same: the least recently used dir takes the test, so a dir that
	// holds a rare state keeps it.
	least := slices.MinFunc(choices, func(a, b choice) int { return cmp.Compare(a.cost, b.cost) }).cost
	slack := p.largest() / 20
	if least == 0 {
		slack = 0 // nothing to rebuild beats anything
	}
	var best *choice
	for i := range choices {
		ch := &choices[i]
		if ch.cost > least+slack {
			continue
		}
		if best == nil || ch.d.used < best.d.used || ch.d.used == best.d.used && ch.d.n < best.d.n {
			best = ch
		}
	}
	if best.d == fresh {
		p.dirs = append(p.dirs, fresh)
	}
	p.clock++
	best.d.busy, best.d.used = true, p.clock
	return best.d, best.pred, nil
}

// roomForOneMore says whether a new dir fits: always for a number of
// dirs the user chose, else when the disk keeps twice the largest dir
// free beside it.
func (p *dirPool) roomForOneMore() bool {
	if !p.auto || len(p.dirs) == 0 {
		return true
	}
	var size int64 = 1 << 30 // a defconfig dir, before one is measured
	for _, d := range p.dirs {
		if d.size > 0 {
			size = max(size, d.size)
		}
	}
	free, err := p.free()
	return err == nil && free >= 3*size
}

// placed says that d now holds config c (placed, built or not).
func (p *dirPool) placed(d *buildDir, c *kconfig.Config, hash string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	d.config, d.hash = c, hash
}

// built records what a build in d recompiled, against what was
// predicted, and teaches the costs what the .cmd files did not predict.
// The dir is measured before the lock: a walk of a defconfig dir takes
// a while, and other tests take dirs meanwhile.
func (p *dirPool) built(d *buildDir, pred prediction, objs *build.Objects, rebuilt []string) {
	size := dirSize(d.path)
	p.mu.Lock()
	defer p.mu.Unlock()
	d.objs, d.size = objs, size
	if pred.Clean || len(pred.Changed) == 0 {
		return
	}
	affected := map[string]bool{}
	for _, o := range pred.Affected {
		affected[o] = true
	}
	extra := 0
	for _, o := range rebuilt {
		if !affected[o] {
			extra++
		}
	}
	if p.costs.learn(pred.Changed, extra) {
		_ = p.costs.save()
	}
}

func (p *dirPool) give(d *buildDir) {
	p.mu.Lock()
	defer p.mu.Unlock()
	d.busy = false
}

// count is the number of dirs made so far.
func (p *dirPool) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.dirs)
}

// measure counts the dirs and the bytes they take now, the clean
// build's dir included.
func (p *dirPool) measure() (dirs int, bytes int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, d := range p.dirs {
		if d.size == 0 {
			d.size = dirSize(d.path)
		}
		bytes += d.size
	}
	return len(p.dirs), bytes + dirSize(p.wd.CleanDir())
}

// dirSize is the bytes of the files under dir.
func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// configChanges lists the options whose values differ between two
// resolved configs, as NAME=value with the new value ("n" for unset),
// sorted: what conf marks as changed in include/config.
func configChanges(from, to *kconfig.Config) []string {
	value := func(c *kconfig.Config, name string) string {
		v := c.Value(name)
		if v == "" {
			return "n"
		}
		return v
	}
	var out []string
	seen := map[string]bool{}
	for _, c := range []*kconfig.Config{from, to} {
		for _, name := range c.Names() {
			if seen[name] {
				continue
			}
			seen[name] = true
			if a, b := value(from, name), value(to, name); a != b {
				out = append(out, name+"="+b)
			}
		}
	}
	sort.Strings(out)
	return out
}

// rebuildFile keeps what the campaign learned of its options' costs.
const rebuildFile = "rebuild.json"

// rebuildCosts is what builds recompiled beyond the objects whose .cmd
// files name a changed option, per option and new value: the least seen
// over the builds whose change included it. An option that changes every
// command line (coverage) is never seen cheaper than everything; one
// seen once in a build that recompiled only what .cmd files predicted
// costs nothing beyond them. Options not yet seen cost nothing extra.
type rebuildCosts struct {
	path string
	// Extra maps NAME=value to objects.
	Extra map[string]int `json:"extra"`
	// byName is the most of Extra for each name, made when needed.
	byName map[string]int
	// flags are the options that the tree's kbuild files mention where
	// they set compiler flags (build.FlagOptions): until a build shows
	// otherwise, a flip of one may recompile everything.
	flags map[string]bool
}

// everything stands for all of a dir's objects; predictions are capped
// at the dir's count.
const everything = math.MaxInt32

func loadRebuildCosts(path string) *rebuildCosts {
	c := &rebuildCosts{path: path, Extra: map[string]int{}}
	if data, err := os.ReadFile(path); err == nil {
		// A damaged file costs only predictions: start afresh.
		if json.Unmarshal(data, c) != nil || c.Extra == nil {
			c.Extra = map[string]int{}
		}
	}
	return c
}

// extra is the cost beyond the .cmd files of a change: its costliest
// option's. An option seen with another value only costs what it cost
// then: one that changes the compiler's flags costs the same both ways.
func (c *rebuildCosts) extra(changed []string) int {
	if c.byName == nil {
		c.byName = map[string]int{}
		for ch, n := range c.Extra {
			name, _, _ := strings.Cut(ch, "=")
			c.byName[name] = max(c.byName[name], n)
		}
	}
	n := 0
	for _, ch := range changed {
		v, ok := c.Extra[ch]
		if !ok {
			name, _, _ := strings.Cut(ch, "=")
			if v, ok = c.byName[name]; !ok && c.flags[name] {
				v = everything
			}
		}
		n = max(n, v)
	}
	return n
}

// flagOptions sets the options guessed to change compiler flags.
func (c *rebuildCosts) flagOptions(names []string) {
	c.flags = map[string]bool{}
	for _, n := range names {
		c.flags[n] = true
	}
}

// learn takes one build's extra recompilation for its change; it says
// whether anything was learned.
func (c *rebuildCosts) learn(changed []string, extra int) bool {
	learned := false
	for _, ch := range changed {
		if old, ok := c.Extra[ch]; !ok || extra < old {
			c.Extra[ch] = extra
			learned = true
		}
	}
	if learned {
		c.byName = nil
	}
	return learned
}

func (c *rebuildCosts) save() error {
	data, err := json.MarshalIndent(c, "", "\t")
	if err != nil {
		return err
	}
	return writeFileAtomic(c.path, append(data, '\n'))
}

// costsFile keeps what flipping each candidate costs, as the search was
// told when it started: a resumed search is told the same.
const costsFile = "costs.json"

// candidateCost is one candidate's line in costs.json.
type candidateCost struct {
	Candidate string  `json:"candidate"` // its first option
	Cost      float64 `json:"cost"`      // a share of a full rebuild
}

// candidateCosts says what flipping each candidate costs, as a share of
// a full rebuild: 1 for an option the tree's kbuild files set flags for
// (coverage, sanitizers), else the share of the bad config's objects
// whose sources mention one of its options. nil when nothing is known
// (a tree without .cmd files). Computed once, when the search first
// starts, and kept in the workdir.
func (r *runner) candidateCosts() []float64 {
	path := r.wd.Path(costsFile)
	if data, err := os.ReadFile(path); err == nil {
		var kept []candidateCost
		if json.Unmarshal(data, &kept) == nil && len(kept) == len(r.cands.List) {
			costs := make([]float64, len(kept))
			same := true
			for i, c := range r.cands.List {
				same = same && c.Options[0].Name == kept[i].Candidate
				costs[i] = kept[i].Cost
			}
			if same {
				return nonZero(costs)
			}
		}
	}
	var objs *build.Objects
	if bad, ok := r.badRecord(); ok && r.dirs != nil {
		objs = r.dirs.objectsOf(bad.BuildDir)
	}
	costs := make([]float64, len(r.cands.List))
	out := make([]candidateCost, len(r.cands.List))
	for i, c := range r.cands.List {
		for _, o := range c.Options {
			switch {
			case r.dirs != nil && r.dirs.costs.flags[o.Name]:
				costs[i] = 1
			case objs.Len() > 0:
				costs[i] = max(costs[i], float64(objs.Mentioning(o.Name))/float64(objs.Len()))
			}
		}
		out[i] = candidateCost{Candidate: c.Options[0].Name, Cost: costs[i]}
	}
	if data, err := json.MarshalIndent(out, "", "\t"); err == nil {
		_ = writeFileAtomic(path, append(data, '\n'))
	}
	return nonZero(costs)
}

// nonZero is costs, or nil when all are 0.
func nonZero(costs []float64) []float64 {
	for _, c := range costs {
		if c > 0 {
			return costs
		}
	}
	return nil
}

// objectsOf is what kbuild recorded in the build dir named name ("d0").
func (p *dirPool) objectsOf(name string) *build.Objects {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, d := range p.dirs {
		if fmt.Sprintf("d%d", d.n) != name {
			continue
		}
		if d.objs == nil {
			d.objs, _ = build.ReadObjects(d.path, nil)
		}
		return d.objs
	}
	return nil
}
