//go:build e2e

package campaign_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kcmin/kcmin/report"
)

// TestE2EMatrix builds the noinstr case's result with the toolchains the
// report that started kcmin tried by hand: clang-22, and clang-19 with
// vmlinux.o made by mold and by GNU ld (30 minutes at most), beside the
// campaign's own clang-19 and lld (make e2e; the case's campaign runs
// first when its workdir holds no result, about 45 minutes here, then
// the matrix, about as long). What each toolchain does is measured, not
// known in advance: the test checks that every row is one of the
// results, built with the toolchain it names, and logs them.
func TestE2EMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("builds real kernels with four toolchains; skipped in -short")
	}
	env := setupE2E(t)
	for _, tool := range []struct{ prog, pkg string }{{"clang-22", "clang-22"}, {"ld.lld-22", "lld-22"}, {"ld.mold", "mold"}, {"ld.bfd", "binutils"}} {
		if _, err := exec.LookPath(tool.prog); err != nil {
			t.Fatalf("%s is missing: apt-get install %s (or make deps)", tool.prog, tool.pkg)
		}
	}
	file := "../testdata/e2e/noinstr/campaign.toml"
	workdir := filepath.Join(env.cache, "e2e", "noinstr")
	if err := os.MkdirAll(workdir, 0o755); err != nil {
		t.Fatal(err)
	}
	campaignFile := workdir + "-matrix.campaign.toml"
	rewriteCampaign(t, env, file, campaignFile, func(doc map[string]any) {
		doc["matrix"] = []map[string]any{
			{"name": "clang-22", "make_vars": []string{"LLVM=-22"}},
			{"name": "mold", "make_vars": []string{"LLVM=-19"}, "vmlinux_o_linker": "mold"},
			{"name": "gnu-ld", "make_vars": []string{"LLVM=-19"}, "vmlinux_o_linker": "bfd", "timeout": "30m"},
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), e2eCaseTimeout)
	defer cancel()
	start := time.Now()
	if err := runKcmin(ctx, t, workdir+"-matrix.log", env.kcmin, "run", "-c", campaignFile, "-w", workdir); err != nil {
		t.Fatalf("kcmin run: %v after %v (output: %s-matrix.log)", err, time.Since(start).Round(time.Second), workdir)
	}
	t.Logf("campaign and matrix: %v", time.Since(start).Round(time.Second))
	res := checkResult(t, workdir, readExpected(t, filepath.Join(filepath.Dir(file), "expected.txt")))
	results := []string{"reproduces", "gone", "does not build", "timed out", "could not be set up", "does not stick", "unresolved"}
	want := map[string]string{"campaign": "clang version 19", "clang-22": "clang version 22", "mold": "vmlinux.o: mold", "gnu-ld": "vmlinux.o: GNU ld"}
	seen := map[string]bool{}
	for _, row := range res.Matrix {
		seen[row.Name] = true
		data, _ := json.Marshal(row.ELF)
		t.Logf("%s: %s (%s); %s; built in %.0f s; elf %s", row.Name, row.Result, row.Detail, strings.Join(row.Versions, ", "), row.BuildSeconds, data)
		if !slices.Contains(results, row.Result) {
			t.Errorf("%s: result %q is none of %q", row.Name, row.Result, results)
		}
		if v, ok := want[row.Name]; ok && !slices.ContainsFunc(row.Versions, func(s string) bool { return strings.HasPrefix(s, v) }) {
			t.Errorf("%s: versions %q, want one starting %q", row.Name, row.Versions, v)
		}
		if row.Result != "timed out" && row.Result != "could not be set up" && len(row.ELF["vmlinux.o"].Sections) == 0 && row.ELF["vmlinux.o"].Undefined == nil {
			t.Errorf("%s: nothing read of vmlinux.o: %+v", row.Name, row.ELF)
		}
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("no row for %s", name)
		}
	}
	if own := ownRow(res.Matrix); own == nil || own.Result != "reproduces" {
		t.Errorf("the campaign's own toolchain row is %+v, want reproduces (its clean build)", own)
	}
	text, err := os.ReadFile(filepath.Join(workdir, "result", "report.txt"))
	if err != nil {
		t.Fatal(err)
	}
	flat := strings.Join(strings.Fields(string(text)), " ")
	if !strings.Contains(flat, "CONFIG_DEBUG_ENTRY=y also turns on NOINSTR_VALIDATION") {
		t.Errorf("report.txt does not explain DEBUG_ENTRY by NOINSTR_VALIDATION:\n%s", text)
	}
	// objtool names do_syscall_64; the clean build's objects say where
	// it is defined.
	if !strings.Contains(flat, "arch/x86/entry/common.c (do_syscall_64)") {
		t.Errorf("report.txt does not say where do_syscall_64 is defined:\n%s", text)
	}
	for _, local := range []string{workdir, env.linux} {
		if strings.Contains(string(text), local) {
			t.Errorf("report.txt names %s, a path of this machine", local)
		}
	}
	t.Logf("report.txt:\n%s", text)
}

func ownRow(rows []report.VariantRow) *report.VariantRow {
	for i := range rows {
		if rows[i].Own {
			return &rows[i]
		}
	}
	return nil
}
