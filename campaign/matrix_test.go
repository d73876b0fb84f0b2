package campaign

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kcmin/kcmin/report"
)

// TestLoadMatrix: [[matrix]] entries load with their defaults, and each
// mistake is named at its entry's line.
func TestLoadMatrix(t *testing.T) {
	dir := specDir(t)
	good := goodSpec + `
[[matrix]]
name = "clang-22"
make_vars = ["LLVM=-22"]

[[matrix]]
name = "mold"
vmlinux_o_linker = "mold"
timeout = "30m"
`
	s, err := Load(writeSpec(t, dir, good))
	if err != nil {
		t.Fatal(err)
	}
	want := []Variant{
		{Name: "clang-22", MakeVars: []string{"LLVM=-22"}, Timeout: s.Kernel.BuildTimeout},
		{Name: "mold", Timeout: 30 * time.Minute, VmlinuxOLinker: "mold"},
	}
	if !slices.EqualFunc(s.Matrix, want, func(a, b Variant) bool {
		return a.Name == b.Name && slices.Equal(a.MakeVars, b.MakeVars) && a.Timeout == b.Timeout && a.VmlinuxOLinker == b.VmlinuxOLinker
	}) {
		t.Errorf("matrix %+v, want %+v", s.Matrix, want)
	}
	if got := s.Matrix[0].Vars([]string{"LLVM=-19", "KCFLAGS=-g"}); !slices.Equal(got, []string{"LLVM=-22", "KCFLAGS=-g"}) {
		t.Errorf("Vars = %q: the variant's LLVM= replaces the campaign's in place", got)
	}

	lines := strings.Count(goodSpec, "\n") + 1 // the blank line before the entries
	bad := goodSpec + `
[[matrix]]
name = "x"
vmlinux_o_linker = "gold"
colour = "red"

[[matrix]]
name = "x"
make_vars = ["O=/tmp", "LD=ld.bfd"]
vmlinux_o_linker = "bfd"
timeout = "soon"

[[matrix]]
make_vars = ["LLVM=-22"]

[[matrix]]
name = "campaign"
make_vars = ["LLVM=-22"]
`
	_, err = Load(writeSpec(t, dir, bad))
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	at := func(n int) string { return ":" + strconv.Itoa(lines+n) + ": " }
	for _, w := range []string{
		at(3) + `matrix[0].vmlinux_o_linker: "gold" is not one of lld, mold, bfd`,
		at(4) + "matrix[0].colour: unknown key; [[matrix]] takes name, make_vars, timeout, vmlinux_o_linker",
		at(7) + `matrix[1].name: "x" names an earlier variant too`,
		at(8) + "matrix[1].make_vars[0]: O= is the campaign's",
		at(9) + "matrix[1].vmlinux_o_linker: set LD= or vmlinux_o_linker, not both",
		at(10) + `matrix[1].timeout: bad duration "soon"`,
		"matrix[2]: missing name",
		at(16) + `matrix[3].name: "campaign" names the campaign's own toolchain`,
	} {
		if !strings.Contains(msg, w) {
			t.Errorf("errors lack %q:\n%s", w, msg)
		}
	}
}

// TestMatrixNoIdentity: the variants are in the workdir's copy of the
// campaign, so kcmin matrix finds them, and no part of its identity, so
// adding one to a campaign that ran changes none of its answers.
func TestMatrixNoIdentity(t *testing.T) {
	dir := specDir(t)
	plain, err := Load(writeSpec(t, dir, goodSpec))
	if err != nil {
		t.Fatal(err)
	}
	with, err := Load(writeSpec(t, dir, goodSpec+"\n[[matrix]]\nname = \"mold\"\nvmlinux_o_linker = \"mold\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := plain.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	b, err := with.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	if d := diffLines(string(a), string(b)); len(d) > 0 {
		t.Errorf("a variant changes the identity: %q", d)
	}
	p := filepath.Join(t.TempDir(), "campaign.toml")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := load(p, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Matrix) != 1 || back.Matrix[0].VmlinuxOLinker != "mold" || back.Matrix[0].Timeout != with.Kernel.BuildTimeout {
		t.Errorf("the canonical form loads back as %+v", back.Matrix)
	}
}

// TestVariantTools: a variant's missing programs are named with the
// Debian packages that have them.
func TestVariantTools(t *testing.T) {
	got := variantTools(Variant{Name: "x", MakeVars: []string{"LLVM=-97"}, VmlinuxOLinker: "lld"}, []string{"LLVM=1"})
	for _, w := range []string{"clang-97, ld.lld-97, llvm-ar-97", "not found (Debian: apt-get install clang-97 lld-97 llvm-97)"} {
		if !strings.Contains(got, w) {
			t.Errorf("variantTools = %q, lacks %q", got, w)
		}
	}
	if _, err := exec.LookPath("sh"); err == nil {
		if got := variantTools(Variant{Name: "y", MakeVars: []string{"LLVM=", "CC=sh", "LD=sh"}}, nil); got != "" {
			t.Errorf("variantTools of programs that exist = %q", got)
		}
	}
}

// matrixTools are the programs the fake matrix's variants look up.
var matrixTools = []string{"clang-19", "ld.lld-19", "llvm-ar-19", "ld.mold", "ld.bfd", "gcc"}

// TestMatrixFake builds the demo's result with a variant of each kind
// on the fake tree, whose build plants the report's toolchain facts:
// lld's vmlinux.o reproduces, mold's does not, GNU ld runs for an hour,
// gcc has no clang coverage, and an unknown flag stops the build. Then
// it stops the matrix half-way and runs it again: the rows journalled
// are not built again, the others are.
func TestMatrixFake(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo campaign and a dozen fake builds")
	}
	for _, p := range matrixTools {
		if _, err := exec.LookPath(p); err != nil {
			t.Fatalf("%s not found: make deps installs it", p)
		}
	}
	work := t.TempDir()
	s := demoSpec(t, "auto")
	s.Matrix = []Variant{
		{Name: "clang-19", MakeVars: []string{"LLVM=-19"}, Timeout: time.Minute},
		{Name: "mold", MakeVars: []string{"LLVM=-19"}, VmlinuxOLinker: "mold", Timeout: time.Minute},
		{Name: "gnu-ld", MakeVars: []string{"LLVM=-19"}, VmlinuxOLinker: "bfd", Timeout: 3 * time.Second},
		{Name: "gcc", MakeVars: []string{"LLVM=", "CC=gcc"}, Timeout: time.Minute},
		{Name: "clang-98", MakeVars: []string{"LLVM=-98"}, Timeout: time.Minute},
		{Name: "badflag", MakeVars: []string{"LLVM=-19", "KCFLAGS=-fno-such-flag"}, Timeout: time.Minute},
	}
	sum, err := Run(context.Background(), s, Options{Workdir: work})
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]report.VariantRow{}
	for _, r := range sum.Result.Matrix {
		rows[r.Name] = r
	}
	want := []struct{ name, result, detail string }{
		{"campaign", variantReproduces, ""},
		{"clang-19", variantReproduces, ""},
		{"mold", variantGone, "a different failure"},
		{"gnu-ld", variantTimedOut, "after 3s"},
		{"gcc", variantNotStuck, "LLVM_COV_KERNEL=y needs CC_IS_CLANG [=n]"},
		{"clang-98", variantNoSetup, "clang-98, ld.lld-98"},
		{"badflag", variantNoBuild, "clang: error: unknown argument: '-fno-such-flag'"},
	}
	for _, w := range want {
		r, ok := rows[w.name]
		if !ok || r.Result != w.result || !strings.Contains(r.Detail, w.detail) {
			t.Errorf("row %s = %+v, want %s (%s)", w.name, r, w.result, w.detail)
		}
	}
	if len(sum.Result.Matrix) != len(want) {
		t.Errorf("%d rows, want %d", len(sum.Result.Matrix), len(want))
	}
	// What a variant's build printed that the campaign's own did not:
	// clang's error for the bad flag; nothing for clang-19.
	if w := rows["badflag"].NewWarnings; !slices.ContainsFunc(w, func(l string) bool { return strings.Contains(l, "unknown argument: '-fno-such-flag'") }) {
		t.Errorf("badflag's new warnings %q lack clang's error", w)
	}
	if w := rows["clang-19"].NewWarnings; len(w) != 0 {
		t.Errorf("clang-19's build printed %q, which the campaign's did not", w)
	}
	// The planted lld fault's ELF side: a weak counter of vmlinux.o is
	// undefined in vmlinux, with lld and not with mold.
	if u := rows["clang-19"].ELF["vmlinux"].Undefined; len(u) != 1 || !strings.HasPrefix(u[0], "__profc_") {
		t.Errorf("clang-19's vmlinux leaves %q undefined, want one __profc_ counter", u)
	}
	if u := rows["mold"].ELF["vmlinux"].Undefined; len(u) != 0 {
		t.Errorf("mold's vmlinux leaves %q undefined", u)
	}
	if rows["mold"].ELF["vmlinux.o"].Sections["__llvm_prf_cnts"] == 0 {
		t.Errorf("no coverage counters counted in mold's vmlinux.o: %+v", rows["mold"].ELF)
	}
	if !slices.ContainsFunc(rows["mold"].Versions, func(v string) bool { return strings.HasPrefix(v, "vmlinux.o: mold ") }) {
		t.Errorf("mold's versions %q do not name the linker of vmlinux.o", rows["mold"].Versions)
	}
	for _, w := range []string{"mold gone clang 19", "gnu-ld timed out, 3s", "clang-98 could not be set up", "badflag does not build",
		"clang-98: make LLVM=-98; clang-98, ld.lld-98"} {
		if !strings.Contains(strings.Join(strings.Fields(sum.Report), " "), w) {
			t.Errorf("report.txt lacks %q:\n%s", w, sum.Report)
		}
	}

	// Half-way: the journal keeps its first two rows and a torn third.
	jpath := filepath.Join(work, matrixDir, journalFile)
	data, err := os.ReadFile(jpath)
	if err != nil {
		t.Fatal(err)
	}
	recs := strings.SplitAfter(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(recs) != 5 {
		t.Fatalf("the matrix journal holds %d rows, want 5 (a variant that cannot be set up is not journalled, nor the campaign's own):\n%s", len(recs), data)
	}
	torn := recs[0] + recs[1] + recs[2][:len(recs[2])/2]
	if err := os.WriteFile(jpath, []byte(torn), 0o644); err != nil {
		t.Fatal(err)
	}
	logTime := func(name string) time.Time {
		fi, err := os.Stat(filepath.Join(work, matrixDir, name, "build.log"))
		if err != nil {
			t.Fatal(err)
		}
		return fi.ModTime()
	}
	kept := map[string]time.Time{}
	for _, name := range []string{"clang-19", "mold", "gnu-ld", "badflag"} {
		kept[name] = logTime(name)
	}
	// A variant builds from nothing: a dir that built its config before
	// would build nothing, and objtool would warn of nothing.
	for _, name := range []string{"clang-19", "gnu-ld", "badflag"} {
		if err := os.WriteFile(filepath.Join(work, "build", "matrix-"+name, "stale"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sum, err = Matrix(context.Background(), work, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for name, rebuilt := range map[string]bool{"clang-19": false, "gnu-ld": true, "badflag": true} {
		if _, err := os.Stat(filepath.Join(work, "build", "matrix-"+name, "stale")); (err == nil) == rebuilt {
			t.Errorf("%s: built again %v, and its build dir emptied first %v", name, rebuilt, err != nil)
		}
	}
	for name, was := range kept {
		rebuilt := !logTime(name).Equal(was)
		if again := name == "gnu-ld" || name == "badflag"; rebuilt != again {
			t.Errorf("%s built again: %v, want %v", name, rebuilt, again)
		}
	}
	data, err = os.ReadFile(jpath)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "\n"); n != 5 || !json.Valid([]byte(strings.Split(string(data), "\n")[2])) {
		t.Errorf("after the resume the journal holds %d lines, want 5 whole ones:\n%s", n, data)
	}
	if len(sum.Result.Matrix) != len(want) {
		t.Errorf("after the resume %d rows, want %d", len(sum.Result.Matrix), len(want))
	}
	// kcmin report replays the rows, building nothing.
	sum, err = Report(context.Background(), work, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(strings.Fields(sum.Report), " "), "mold gone") {
		t.Errorf("kcmin report lost the matrix:\n%s", sum.Report)
	}
}

// TestVariantCcache: with ccache, a variant's builds compile through
// ccache with the variant's own compiler.
func TestVariantCcache(t *testing.T) {
	k := KernelSpec{MakeVars: []string{"LLVM=-19"}, Ccache: true}
	v := Variant{Name: "clang-22", MakeVars: []string{"LLVM=-22"}}
	if got := v.buildVars(k); !slices.Equal(got, []string{"LLVM=-22", "CC=ccache clang-22"}) {
		t.Errorf("BuildVars = %q", got)
	}
}
