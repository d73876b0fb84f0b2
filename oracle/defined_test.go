package oracle

import (
	"debug/elf"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/kcmin/kcmin/build"
)

// TestDefinedIn: the functions an objtool warning names are found in the
// objects that define them, by kbuild's record of each object's source:
// a global function in one file, a static one in two, data and undefined
// references in neither, and an object that is no ELF file passed over.
func TestDefinedIn(t *testing.T) {
	dir := t.TempDir()
	objects := map[string][]testSym{
		"arch/x86/entry/common.o": {
			{"func_a", elf.STT_FUNC, elf.STB_GLOBAL, ".text", testText, 0x10},
			{"init_fn", elf.STT_FUNC, elf.STB_LOCAL, ".init.text", testInit, 0x40},
			{"asm_entry", elf.STT_NOTYPE, elf.STB_GLOBAL, ".text", testText + 0x40, 0},
			{"some_data", elf.STT_OBJECT, elf.STB_GLOBAL, ".data", testData, 8},
		},
		"kernel/entry/common.o": {
			{"init_fn", elf.STT_FUNC, elf.STB_LOCAL, ".text", testText, 0x40},
			{"func_a", elf.STT_NOTYPE, elf.STB_GLOBAL, "", 0, 0},
			{"some_data", elf.STT_NOTYPE, elf.STB_GLOBAL, "", 0, 0},
		},
		"lib/string.o": nil, // no ELF file
	}
	for obj, syms := range objects {
		path := filepath.Join(dir, obj)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if syms == nil {
			if err := os.WriteFile(path, []byte("fake object\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		} else {
			writeTestELF(t, path, syms)
		}
		src := "/src/linux/" + obj[:len(obj)-2] + ".c"
		cmd := "savedcmd_" + obj + " := clang -c -o " + obj + " " + src + "\n\nsource_" + obj + " := " + src + "\n"
		if err := os.WriteFile(filepath.Join(filepath.Dir(path), "."+filepath.Base(obj)+".cmd"), []byte(cmd), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	objs, err := build.ReadObjects(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := DefinedIn(objs, []string{"func_a", "init_fn", "asm_entry", "some_data", "nowhere"})
	want := map[string][]string{
		"func_a":    {"/src/linux/arch/x86/entry/common.c"},
		"init_fn":   {"/src/linux/arch/x86/entry/common.c", "/src/linux/kernel/entry/common.c"},
		"asm_entry": {"/src/linux/arch/x86/entry/common.c"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("DefinedIn = %q, want %q", got, want)
	}
}
