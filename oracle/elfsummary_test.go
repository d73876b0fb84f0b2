package oracle

import (
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
)

// TestSummarizeELF reads a file the fake tree's ELF writer makes as the
// fake vmlinux is: coverage counters in __llvm_prf_cnts, one of them
// undefined as lld left it, an undefined name that the file defines too
// (no fault), and a symbol of a plain section that counts nowhere.
func TestSummarizeELF(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vmlinux")
	cmd := exec.Command(filepath.Join("..", "testdata", "fakelinux", "scripts", "fake-elf"), path, "exec",
		"section", ".text", "0xffffffff81000000", "0x1000", "ax",
		"section", "__llvm_prf_cnts", "0xffffffff82c00000", "0x1000", "aw",
		"section", ".bss", "0xffffffff83000000", "0x1000", "aw",
		"object", "__gcov0.start_kernel", ".bss", "0", "16",
		"object", "__llvm_gcov_ctr.3", ".bss", "24", "8",
		"object", "__llvm_gcov_ctr.4", ".bss", "32", "8",
		"object", "jiffies", ".bss", "16", "8",
		"func", "start_kernel", ".text", "0x100", "0x80",
		"object", "__profc_start_kernel", "__llvm_prf_cnts", "0", "8",
		"object", "__profc_panic", "__llvm_prf_cnts", "8", "8",
		"undef", "__profc_sized_strscpy",
		"undef", "start_kernel")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("fake-elf: %v: %s", err, out)
	}
	s, err := SummarizeELF(path)
	if err != nil {
		t.Fatal(err)
	}
	want := ELFSummary{Undefined: []string{"__profc_sized_strscpy"}, Sections: map[string]int{"__llvm_prf_cnts": 2, "__gcov0.*": 1, "__llvm_gcov_ctr.*": 2}}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("SummarizeELF = %+v, want %+v (start_kernel is defined elsewhere in the file)", s, want)
	}
	if _, err := SummarizeELF(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("no error for a missing file")
	}
}
