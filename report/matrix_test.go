package report

import (
	"strings"
	"testing"
)

// TestMatrixText: one table line per toolchain with its result and
// short versions, then each row's words: its make variables, why, and
// how its ELF files differ from the campaign's own build.
func TestMatrixText(t *testing.T) {
	in := &Input{Matrix: []VariantRow{
		{Name: "campaign", Own: true, Result: "reproduces", Versions: []string{"clang version 19.1.7", "LLD 19.1.7"},
			ELF: map[string]ELFFacts{"vmlinux": {Undefined: []string{"__profc_x"}, Sections: map[string]int{"__llvm_prf_cnts": 27}}}},
		{Name: "mold", Vars: []string{"LLVM=-19"}, Linker: "mold", Result: "gone", Detail: "a different failure",
			Versions:    []string{"clang version 19.1.7", "LLD 19.1.7", "vmlinux.o: mold 1.10.1"},
			ELF:         map[string]ELFFacts{"vmlinux": {Sections: map[string]int{"__llvm_prf_cnts": 28}}},
			NewWarnings: []string{"vmlinux.o: warning: objtool: default_idle_call(): can't find starting instruction"}},
		{Name: "gnu-ld", Vars: []string{"LLVM=-19"}, Linker: "bfd", Result: "timed out", Detail: "after 30m00s",
			Versions: []string{"clang version 19.1.7", "LLD 19.1.7", "vmlinux.o: GNU ld (GNU Binutils for Debian) 2.40"}},
	}}
	text := strings.Join(matrixText(in), "\n")
	for _, w := range []string{
		"  toolchain  result             compiler      linker      vmlinux.o\n",
		"  campaign   reproduces         clang 19.1.7  LLD 19.1.7\n",
		"  mold       gone               clang 19.1.7  LLD 19.1.7  mold 1.10.1\n",
		"  gnu-ld     timed out, 30m00s  clang 19.1.7  LLD 19.1.7  GNU ld 2.40\n",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("the matrix lacks %q:\n%s", w, text)
		}
	}
	flat := strings.Join(strings.Fields(text), " ")
	for _, w := range []string{
		"campaign: vmlinux: 1 symbol undefined: __profc_x; vmlinux symbols: __llvm_prf_cnts 27 mold:",
		"mold: make LLVM=-19; a different failure; the campaign's build did not print: vmlinux.o: warning: objtool: default_idle_call(): can't find starting instruction; vmlinux symbols: __llvm_prf_cnts 28 (campaign: 27) gnu-ld:",
	} {
		if !strings.Contains(flat, w) {
			t.Errorf("the matrix's words lack %q:\n%s", w, text)
		}
	}
	// A row too wide for a mail puts the versions in its words.
	in.Matrix[1].Result = "gone, and a good deal more to say here"
	text = strings.Join(matrixText(in), "\n")
	for _, line := range matrixText(in)[1:] { // the first is Text's paragraph
		if len(line) > Width {
			t.Errorf("%d columns: %q", len(line), line)
		}
	}
	if !strings.Contains(text, "mold: make LLVM=-19; clang version 19.1.7, LLD 19.1.7, vmlinux.o: mold") {
		t.Errorf("the narrow form lacks mold's versions:\n%s", text)
	}
}
