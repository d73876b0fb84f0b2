package campaign

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kcmin/kcmin/build"
	"github.com/kcmin/kcmin/kconfig"
	"github.com/kcmin/kcmin/oracle"
	"github.com/kcmin/kcmin/report"
)

// What a variant did with the result, as result.json and the matrix's
// journal spell it.
const (
	variantReproduces = "reproduces"
	variantGone       = "gone"
	variantNoBuild    = "does not build"
	variantTimedOut   = "timed out"
	variantNoSetup    = "could not be set up"
	variantNotStuck   = "does not stick"
	variantUnresolved = "unresolved"
	// variantNotBuilt is a row kcmin report shows for a variant that
	// kcmin matrix has not built yet.
	variantNotBuilt = "not built yet"
)

// ownVariant names the campaign's own toolchain's row.
const ownVariant = "campaign"

// matrixDir holds the variants' folders and their journal.
const matrixDir = "matrix"

// matrixRecord is one line of matrix/journal.jsonl: a variant built and
// judged with the result.
type matrixRecord struct {
	// Key is the digest of what decides the row: the variant's make
	// variables and linker, the target, the base and the result's lines.
	Key     string `json:"key"`
	Variant string `json:"variant"`
	report.VariantRow
	// TimeoutMS is the timeout the build had: a row that timed out is
	// built again under a longer one.
	TimeoutMS int64  `json:"timeout_ms"`
	Time      string `json:"time"`
	// Log is the size and time of the variant's build.log as this build
	// wrote it: the report compares it with the campaign's own build of
	// the result (which may end after it) only while it is still this
	// row's log.
	Log string `json:"log,omitempty"`
}

// logStamp identifies a version of a file without reading it; "" when
// there is none.
func logStamp(path string) string {
	info, err := os.Stat(path)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%d:%d", info.Size(), info.ModTime().UnixNano())
}

// runMatrix builds base + the result's lines with each variant of the
// campaign, in a build dir of its own, judges them with the campaign's
// oracle, and returns the rows for the report: the campaign's own
// toolchain first, from the clean build of the result. A variant whose
// row the matrix journal holds is not built again; replayOnly builds
// none at all.
func (r *runner) runMatrix(ctx context.Context, final Final, replayOnly bool) ([]report.VariantRow, error) {
	if len(r.spec.Matrix) == 0 || !final.Verified || len(final.Lines) == 0 {
		return nil, nil
	}
	opts := final.Options()
	input, err := r.matrixInput(opts)
	if err != nil {
		return nil, err
	}
	if !replayOnly {
		if err := r.buildMatrix(ctx, opts); err != nil {
			return nil, err
		}
	}
	known, err := readMatrixJournal(r.wd.Path(matrixDir, journalFile))
	if err != nil {
		return nil, err
	}
	rows := []report.VariantRow{r.ownRow(final)}
	own, hasOwn := r.cleanArtifact()
	for _, v := range r.spec.Matrix {
		if rec, ok := known[r.variantKey(v, input)]; ok {
			row := rec.VariantRow
			log := r.wd.Path(matrixDir, v.Name, "build.log")
			if hasOwn && rec.Log != "" && logStamp(log) == rec.Log {
				a := &build.Artifact{Log: log, Dir: r.wd.Path("build", "matrix-"+v.Name), Source: r.spec.Kernel.Source}
				row.NewWarnings, _ = oracle.NewDiagnostics(a, own)
			}
			rows = append(rows, row)
			continue
		}
		row := report.VariantRow{Name: v.Name, Vars: v.MakeVars, Linker: v.VmlinuxOLinker, Result: variantNotBuilt}
		if missing := variantTools(v, r.spec.Kernel.MakeVars); missing != "" {
			row.Result, row.Detail = variantNoSetup, missing
			if !replayOnly {
				r.logf("matrix: %s cannot be set up: %s", v.Name, row.Detail)
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// cleanArtifact is the campaign's own build of the result, the clean
// one, which the variants' warnings are compared with; false when there
// is none on this machine.
func (r *runner) cleanArtifact() (*build.Artifact, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var last Record
	for _, rec := range r.bySubset {
		if rec.Role == roleClean && rec.Built && rec.Test > last.Test {
			last = rec
		}
	}
	if last.Test == 0 {
		return nil, false
	}
	log := filepath.Join(r.wd.TestDir(last.Test), "build.log")
	if _, err := os.Stat(log); err != nil {
		return nil, false
	}
	return &build.Artifact{Log: log, Dir: r.wd.CleanDir(), Source: r.spec.Kernel.Source}, true
}

// matrixInput is the config every variant resolves: the base with opts.
func (r *runner) matrixInput(opts []Option) ([]byte, error) {
	var input bytes.Buffer
	if err := apply(r.base, opts).Write(&input); err != nil {
		return nil, err
	}
	return input.Bytes(), nil
}

// buildMatrix builds and journals base + opts with each variant whose row
// the matrix journal lacks (or holds as timed out under a shorter
// timeout) and whose tools are there. The variants build at once, each
// holding one of the campaign's workers for its build, so as many build
// side by side as tests do: through the same memory gate here, or on the
// worker's node in its Slurm job. An error is a fault around the builds:
// ctx done, a journal that cannot be written.
func (r *runner) buildMatrix(ctx context.Context, opts []Option) error {
	input, err := r.matrixInput(opts)
	if err != nil {
		return err
	}
	known, err := readMatrixJournal(r.wd.Path(matrixDir, journalFile))
	if err != nil {
		return err
	}
	var queue []Variant
	for _, v := range r.spec.Matrix {
		rec, ok := known[r.variantKey(v, input)]
		if ok && !(rec.Result == variantTimedOut && rec.TimeoutMS < v.Timeout.Milliseconds()) {
			continue
		}
		if variantTools(v, r.spec.Kernel.MakeVars) == "" {
			queue = append(queue, v)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex // the journal and first
		first error
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if first == nil {
			first = err
			cancel()
		}
	}
	// Each variant resolves at once, which needs no worker; then they
	// take their workers in the campaign file's order.
	type prepared struct {
		p   *variantBuild
		err error
	}
	ready := make([]chan prepared, len(queue))
	for i, v := range queue {
		ready[i] = make(chan prepared, 1)
		go func() {
			p, err := r.prepareVariant(ctx, v, opts, input)
			ready[i] <- prepared{p, err}
		}()
	}
	journal := func(p *variantBuild, row report.VariantRow) {
		rec := matrixRecord{Key: r.variantKey(p.v, input), Variant: p.v.Name, VariantRow: row,
			TimeoutMS: p.v.Timeout.Milliseconds(), Time: time.Now().UTC().Format(time.RFC3339Nano)}
		if row.BuildSeconds > 0 {
			rec.Log = logStamp(filepath.Join(p.dir, "build.log"))
		}
		mu.Lock()
		err := appendJSONLine(r.wd.Path(matrixDir, journalFile), rec)
		mu.Unlock()
		if err != nil {
			fail(err)
			return
		}
		r.logf("matrix: %s: %s", p.v.Name, rowText(row))
	}
	for i := range queue {
		got := <-ready[i]
		if got.err != nil {
			fail(got.err)
			continue
		}
		if got.p.row.Result != "" {
			journal(got.p, got.p.row)
			continue
		}
		slot, release, err := r.matrixSlot(ctx)
		if err != nil {
			fail(err)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer release()
			row, err := r.buildVariant(ctx, got.p, slot)
			if err != nil {
				fail(err)
				return
			}
			journal(got.p, row)
		}()
	}
	wg.Wait()
	return first
}

// matrixSlot waits for a worker for a variant's build: its line of the
// progress and its memory gate, or, on Slurm, its job. release gives it
// back.
func (r *runner) matrixSlot(ctx context.Context) (slot *worker, release func(), err error) {
	w, err := r.take(ctx, "")
	if err != nil {
		return nil, nil, err
	}
	return w, func() { r.give(w) }, nil
}

// earlyMatrix builds the toolchains of the search's culprits beside its
// verification and the final check, when workers are spare (earlyClean
// starts it): they seldom drop a line, and when they do, these rows are
// of another config and the end builds the result's own.
type earlyMatrix struct {
	input  []byte // the config the variants resolve
	cancel context.CancelFunc
	done   chan struct{} // closed when the builds have ended, with err
	err    error
}

// startMatrix starts the builds of base + opts with each variant.
func (r *runner) startMatrix(ctx context.Context, opts []Option) *earlyMatrix {
	input, err := r.matrixInput(opts)
	if err != nil {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	m := &earlyMatrix{input: input, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(m.done)
		m.err = r.buildMatrix(ctx, opts)
	}()
	return m
}

// settle waits for the builds when they are of the result's lines opts,
// so that the matrix journal holds their rows, and stops them otherwise.
// A nil m does nothing.
func (m *earlyMatrix) settle(r *runner, opts []Option) error {
	if m == nil {
		return nil
	}
	if input, err := r.matrixInput(opts); err != nil || !bytes.Equal(input, m.input) {
		m.stop()
		return err
	}
	<-m.done
	return m.err
}

// stop cancels the builds and waits for them to end; nothing a cancelled
// build found is journalled. A nil m does nothing.
func (m *earlyMatrix) stop() {
	if m == nil {
		return
	}
	m.cancel()
	<-m.done
}

func rowText(row report.VariantRow) string {
	if row.Detail == "" {
		return row.Result
	}
	return row.Result + ": " + row.Detail
}

// ownRow is the campaign's own toolchain: the clean build of the result
// is its build with it.
func (r *runner) ownRow(final Final) report.VariantRow {
	row := report.VariantRow{Name: ownVariant, Vars: r.spec.Kernel.MakeVars, Own: true, Result: final.Clean}
	for _, v := range r.versions {
		// The toolchain's: the kernel's and QEMU's are no part of it.
		if !strings.HasPrefix(v, "Linux ") && !strings.HasPrefix(v, "QEMU ") {
			row.Versions = append(row.Versions, v)
		}
	}
	switch final.Clean {
	case "reproduces":
		row.Result = variantReproduces
	case "gone":
		row.Result = variantGone
	case "":
		row.Result = variantReproduces
	default:
		row.Result, row.Detail = variantUnresolved, final.Clean
	}
	row.ELF = elfSummaries(r.wd.CleanDir())
	return row
}

// variantKey is the digest of what decides a variant's row.
func (r *runner) variantKey(v Variant, config []byte) string {
	h := sha256.New()
	for _, part := range [][]string{{r.spec.Kernel.Source, r.spec.Kernel.Arch, r.spec.Kernel.Target, v.VmlinuxOLinker}, v.Vars(r.spec.Kernel.MakeVars)} {
		for _, s := range part {
			h.Write([]byte(s))
			h.Write([]byte{0})
		}
		h.Write([]byte{1})
	}
	h.Write(config)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// variantBuild is a variant made ready to build the result: its config
// resolved with its own toolchain and its versions read, which takes no
// worker. A row set already (Result not "") needs no build: the tools
// could not resolve, or a line did not stick.
type variantBuild struct {
	v    Variant
	row  report.VariantRow
	make build.Make
	dir  string // matrix/NAME: its logs
	bdir string // build/matrix-NAME
	text []byte // the resolved .config
}

// prepareVariant resolves base + opts (input) with a variant's toolchain.
// An error is a fault around it (ctx done, a disk full); anything the
// toolchain does is a row.
func (r *runner) prepareVariant(ctx context.Context, v Variant, opts []Option, input []byte) (*variantBuild, error) {
	p := &variantBuild{v: v, row: report.VariantRow{Name: v.Name, Vars: v.MakeVars, Linker: v.VmlinuxOLinker},
		dir: r.wd.Path(matrixDir, v.Name), bdir: r.wd.Path("build", "matrix-"+v.Name)}
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return nil, err
	}
	vars := v.buildVars(r.spec.Kernel)
	if v.VmlinuxOLinker != "" {
		ld, err := writeLinkWrapper(filepath.Join(p.dir, "ld"), v, vars)
		if err != nil {
			return nil, err
		}
		vars = append(vars, "LD="+ld)
	}
	p.make = *r.make
	p.make.Vars, p.make.Timeout, p.make.Wrap, p.make.Cgroup = vars, v.Timeout, nil, ""
	env, err := p.make.KconfigEnv(ctx)
	if err == nil {
		if tv, err := build.Toolchain(ctx, env); err == nil {
			p.row.Versions = []string{tv.CC, tv.LD}
		}
	}
	if v.VmlinuxOLinker != "" {
		p.row.Versions = append(p.row.Versions, "vmlinux.o: "+linkerVersion(ctx, linkerProgram(v.VmlinuxOLinker, vars)))
	}
	logf, err := os.Create(filepath.Join(p.dir, "resolve.log"))
	if err != nil {
		return nil, err
	}
	text, err := p.make.Resolve(ctx, p.bdir, input, logf)
	logf.Close()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		p.row.Result, p.row.Detail = variantNoSetup, fmt.Sprintf("make olddefconfig: %v", err)
		return p, nil
	}
	if err := os.WriteFile(filepath.Join(p.dir, "resolved.config"), text, 0o644); err != nil {
		return nil, err
	}
	resolved, _, err := kconfig.ReadConfig(bytes.NewReader(text), filepath.Join(p.dir, "resolved.config"))
	if err != nil {
		return nil, fmt.Errorf("matrix %s: %w", v.Name, err)
	}
	// Kconfig probes the compiler: an option of the result may not exist
	// or be allowed under this toolchain. That is no "gone".
	if names, _ := notStuck(nil, resolved, opts); len(names) > 0 {
		var know Knowledge
		if env != nil {
			know, _ = r.variantKnowledge(ctx, env)
		}
		_, why := notStuck(know, resolved, opts)
		p.row.Result, p.row.Detail = variantNotStuck, strings.Join(why, "; ")
		return p, nil
	}
	p.text = text
	return p, nil
}

// buildVariant builds and judges a prepared variant, on slot when one is
// given: its line of the progress, its memory gate.
func (r *runner) buildVariant(ctx context.Context, p *variantBuild, slot *worker) (report.VariantRow, error) {
	row := p.row
	phase := func(what string) {
		what = "matrix: " + p.v.Name + ": " + what
		if slot != nil {
			r.setWorker(slot.n, 0, what)
		} else {
			r.phase(what)
		}
	}
	w := &worker{make: &p.make, target: r.spec.Kernel.Target, checks: r.checks, resolveDir: p.bdir}
	// From nothing, as the campaign's clean build of the result: a dir
	// that built this config before would build nothing now, and objtool,
	// which checks vmlinux.o only when it is linked again, would print
	// none of its warnings.
	j := job{dir: p.dir, config: p.text, build: p.bdir, fresh: true, phase: phase, elf: true}
	if slot != nil {
		w.n, w.gate = slot.n, slot.gate
		if slot.remote != nil {
			// A worker's Slurm job builds it on its node, beside the
			// worker's own build dir.
			w.remote, w.campaign, w.workdir = slot.remote, slot.campaign, slot.workdir
			j.build = slot.dir + "-matrix-" + p.v.Name
		}
	}
	phase("building")
	f, err := w.run(ctx, j)
	if err != nil {
		return row, err
	}
	row.BuildSeconds = float64(f.buildMS) / 1000
	row.ELF = f.elf
	jd := f.judgement.Against(r.match, r.badSig)
	row.Signature = jd.Signature
	switch {
	case f.timedOut:
		row.Result, row.Detail = variantTimedOut, "after "+shortDuration(time.Duration(f.buildMS)*time.Millisecond)
	case f.failed && r.spec.Oracle.Build == oracle.WantSucceed:
		row.Result, row.Detail = variantNoBuild, oracle.FirstError(&build.Artifact{Log: filepath.Join(p.dir, "build.log"), Dir: j.build, Source: r.spec.Kernel.Source})
		if row.Detail == "" {
			row.Detail = "the build failed"
		}
	case jd.Verdict == oracle.Reproduces:
		row.Result = variantReproduces
	case jd.Verdict == oracle.Gone:
		row.Result, row.Detail = variantGone, jd.Reason
	default:
		row.Result, row.Detail = variantUnresolved, jd.Reason
	}
	return row, nil
}

// buildVars are the make variables of the variant's builds: with
// ccache, the variant's own compiler compiles through it.
func (v Variant) buildVars(k KernelSpec) []string {
	k.MakeVars = v.Vars(k.MakeVars)
	return k.BuildVars()
}

// variantKnowledge reads the Kconfig tree as the variant's toolchain
// sees it, to explain what did not stick.
func (r *runner) variantKnowledge(ctx context.Context, env map[string]string) (Knowledge, error) {
	load := r.opts.Knowledge
	if load == nil {
		load = parseTree
	}
	return load(ctx, r.spec, env)
}

// elfSummaries reads vmlinux.o and vmlinux of a build dir, those there.
func elfSummaries(dir string) map[string]report.ELFFacts {
	out := map[string]report.ELFFacts{}
	for _, name := range []string{"vmlinux.o", "vmlinux"} {
		if s, err := oracle.SummarizeELF(filepath.Join(dir, name)); err == nil {
			out[name] = report.ELFFacts(s)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// llvmOf reads LLVM= the way the kernel's Makefile does: a prefix (a
// directory), a suffix (-22), or plain names; ok says LLVM= is set.
func llvmOf(vars []string) (prefix, suffix string, ok bool) {
	for _, v := range vars {
		if val, found := strings.CutPrefix(v, "LLVM="); found && val != "" && val != "0" {
			prefix, suffix, ok = "", "", true
			switch {
			case strings.HasSuffix(val, "/"):
				prefix = val
			case strings.HasPrefix(val, "-"):
				suffix = val
			}
		}
	}
	return prefix, suffix, ok
}

// varOf is the last value vars give NAME.
func varOf(vars []string, name string) (string, bool) {
	val, found := "", false
	for _, v := range vars {
		if s, ok := strings.CutPrefix(v, name+"="); ok {
			val, found = s, true
		}
	}
	return val, found
}

// linkerProgram is the program a vmlinux.o linker names, with the
// variant's LLVM= for lld.
func linkerProgram(linker string, vars []string) string {
	switch linker {
	case "mold":
		return "ld.mold"
	case "bfd":
		return "ld.bfd"
	}
	prefix, suffix, _ := llvmOf(vars)
	return prefix + "ld.lld" + suffix
}

// defaultLinker is what the kernel's Makefile makes LD with vars.
func defaultLinker(vars []string) string {
	if ld, ok := varOf(vars, "LD"); ok {
		return ld
	}
	if prefix, suffix, ok := llvmOf(vars); ok {
		return prefix + "ld.lld" + suffix
	}
	cross, _ := varOf(vars, "CROSS_COMPILE")
	return cross + "ld"
}

// variantTools checks the programs a variant builds with: the compiler,
// the linkers and LLVM's binutils that its make variables name, and the
// linker of vmlinux.o. It returns a line that names those missing and
// the Debian packages that have them, or "".
func variantTools(v Variant, campaign []string) string {
	vars := v.Vars(campaign)
	var progs []string
	prefix, suffix, llvm := llvmOf(vars)
	if llvm {
		for _, p := range []string{"clang", "ld.lld", "llvm-ar", "llvm-nm", "llvm-objcopy", "llvm-readelf", "llvm-strip"} {
			progs = append(progs, prefix+p+suffix)
		}
	}
	for _, name := range []string{"CC", "LD", "AR", "NM", "OBJCOPY"} {
		if val, ok := varOf(vars, name); ok {
			if f := strings.Fields(val); len(f) > 0 {
				progs = append(progs, f[len(f)-1])
			}
		}
	}
	if !llvm {
		if _, ok := varOf(vars, "CC"); !ok {
			progs = append(progs, "gcc")
		}
		progs = append(progs, defaultLinker(vars))
	}
	if v.VmlinuxOLinker != "" {
		progs = append(progs, linkerProgram(v.VmlinuxOLinker, vars))
	}
	var missing, pkgs []string
	for _, p := range progs {
		if strings.Contains(p, "$(") || slices.Contains(missing, p) {
			continue // make expands it: nothing to look up here
		}
		if _, err := exec.LookPath(p); err != nil {
			missing = append(missing, p)
			if pkg := oracle.PackageOf(p); pkg != "" && !slices.Contains(pkgs, pkg) {
				pkgs = append(pkgs, pkg)
			}
		}
	}
	if len(missing) == 0 {
		return ""
	}
	line := strings.Join(missing, ", ") + " not found"
	if len(pkgs) > 0 {
		line += " (Debian: apt-get install " + strings.Join(pkgs, " ") + ")"
	}
	return line
}

var linkerVersionRE = regexp.MustCompile(`^(?:Debian )?(LLD [0-9][^ ]*|mold [0-9][^ ]*|GNU ld .*)`)

// linkerVersion is a linker's own name for itself: "mold 1.10.1".
func linkerVersion(ctx context.Context, prog string) string {
	var out bytes.Buffer
	code, err := build.Run(ctx, build.Cmd{Argv: []string{prog, "-v"}, Stdout: &out, Stderr: &out, Timeout: 30 * time.Second})
	line, _, _ := strings.Cut(strings.TrimSpace(out.String()), "\n")
	if err != nil || code != 0 || line == "" {
		return prog
	}
	if m := linkerVersionRE.FindStringSubmatch(line); m != nil {
		return m[1]
	}
	return line
}

// writeLinkWrapper writes the LD that sends the link of vmlinux.o (ld -r
// ... -o vmlinux.o) to the variant's linker and every other link, and
// every question Kconfig asks of LD (--version), to the linker the
// variant would use anyway: the config stays what it is.
func writeLinkWrapper(path string, v Variant, vars []string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	text := fmt.Sprintf(`#!/bin/sh
# kcmin: vmlinux.o is linked by %[1]s, every other link by %[2]s.
prev=
for a in "$@"; do
	if [ "$prev" = -o ] && [ "$a" = vmlinux.o ]; then
		exec %[1]s "$@"
	fi
	prev=$a
done
exec %[2]s "$@"
`, shellQuote(linkerProgram(v.VmlinuxOLinker, vars)), shellQuote(defaultLinker(vars)))
	if old, err := os.ReadFile(abs); err == nil && string(old) == text {
		return abs, nil
	}
	if err := os.WriteFile(abs, []byte(text), 0o755); err != nil {
		return "", fmt.Errorf("matrix %s: %w", v.Name, err)
	}
	return abs, nil
}

func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`;&|<>()*?[]#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// readMatrixJournal reads the matrix's rows by key; a torn last line is
// no row.
func readMatrixJournal(path string) (map[string]matrixRecord, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]matrixRecord{}, nil
	}
	if err != nil {
		return nil, err
	}
	out := map[string]matrixRecord{}
	for _, line := range bytes.Split(data, []byte("\n")) {
		var rec matrixRecord
		if len(bytes.TrimSpace(line)) == 0 || json.Unmarshal(line, &rec) != nil || rec.Key == "" {
			continue
		}
		out[rec.Key] = rec
	}
	return out, nil
}

// appendJSONLine appends v as a line of a journal (the matrix's, the
// bisection's) and fsyncs it, after cutting a torn last line.
func appendJSONLine(path string, v any) error {
	line, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	keep := int64(bytes.LastIndexByte(data, '\n') + 1)
	if err := f.Truncate(keep); err != nil {
		return err
	}
	if _, err := f.WriteAt(append(line, '\n'), keep); err != nil {
		return err
	}
	return f.Sync()
}
