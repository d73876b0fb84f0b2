package oracle

import (
	"context"
	"debug/elf"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kcmin/kcmin/build"
)

// testSym is a symbol of a test ELF file. section is a section name, ""
// for undefined.
type testSym struct {
	name    string
	typ     elf.SymType
	bind    elf.SymBind
	section string
	value   uint64
	size    uint64
}

// Addresses of the test ELF's sections, laid out like a vmlinux.
const (
	testText     = 0xffffffff81000000
	testTextSize = 0x100
	testInit     = 0xffffffff81100000
	testInitSize = 0x40
	testData     = 0xffffffff81200000
)

// testSyms is the symbol table of the test vmlinux: sized functions, an
// assembly label without size, a second name for a function, undefined
// symbols strong and weak, and a defined weak one.
var testSyms = []testSym{
	{"func_a", elf.STT_FUNC, elf.STB_GLOBAL, ".text", testText, 0x10},
	{"func_b", elf.STT_FUNC, elf.STB_GLOBAL, ".text", testText + 0x10, 0x20},
	{"alias_b", elf.STT_NOTYPE, elf.STB_GLOBAL, ".text", testText + 0x10, 0},
	{"asm_entry", elf.STT_NOTYPE, elf.STB_GLOBAL, ".text", testText + 0x40, 0},
	{"default_idle", elf.STT_FUNC, elf.STB_GLOBAL, ".text", testText + 0x80, 0x10},
	{"init_fn", elf.STT_FUNC, elf.STB_LOCAL, ".init.text", testInit, 0x40},
	{"some_data", elf.STT_OBJECT, elf.STB_GLOBAL, ".data", testData, 8},
	{"__profc_strscpy", elf.STT_NOTYPE, elf.STB_GLOBAL, "", 0, 0},
	{"__profc_memcpy", elf.STT_NOTYPE, elf.STB_GLOBAL, "", 0, 0},
	{"__profc_weak_one", elf.STT_NOTYPE, elf.STB_WEAK, "", 0, 0},
	{"__profc_defined", elf.STT_OBJECT, elf.STB_WEAK, ".data", testData + 8, 8},
	{"other_undef", elf.STT_NOTYPE, elf.STB_GLOBAL, "", 0, 0},
}

// writeTestELF writes a small 64-bit x86 ELF file with sections .text,
// .init.text and .data and the given symbols.
func writeTestELF(t *testing.T, path string, syms []testSym) {
	t.Helper()
	type section struct {
		name         string
		typ          elf.SectionType
		flags        elf.SectionFlag
		addr         uint64
		data         []byte
		link, info   uint32
		align, entsz uint64
	}
	secs := []*section{
		{name: ".text", typ: elf.SHT_PROGBITS, flags: elf.SHF_ALLOC | elf.SHF_EXECINSTR, addr: testText, data: make([]byte, testTextSize), align: 16},
		{name: ".init.text", typ: elf.SHT_PROGBITS, flags: elf.SHF_ALLOC | elf.SHF_EXECINSTR, addr: testInit, data: make([]byte, testInitSize), align: 16},
		{name: ".data", typ: elf.SHT_PROGBITS, flags: elf.SHF_ALLOC | elf.SHF_WRITE, addr: testData, data: make([]byte, 16), align: 8},
	}
	index := map[string]uint16{}
	for i, s := range secs {
		index[s.name] = uint16(i + 1)
	}
	le := binary.LittleEndian
	strtab := []byte{0}
	symtab := make([]byte, 24) // the null symbol
	// Locals first, as ELF requires; sh_info is the first global.
	firstGlobal := uint32(1)
	ordered := append([]testSym(nil), syms...)
	var locals, globals []testSym
	for _, s := range ordered {
		if s.bind == elf.STB_LOCAL {
			locals = append(locals, s)
		} else {
			globals = append(globals, s)
		}
	}
	firstGlobal += uint32(len(locals))
	for _, s := range append(locals, globals...) {
		symtab = le.AppendUint32(symtab, uint32(len(strtab)))
		strtab = append(append(strtab, s.name...), 0)
		symtab = append(symtab, byte(s.bind)<<4|byte(s.typ), 0)
		symtab = le.AppendUint16(symtab, index[s.section]) // 0 (SHN_UNDEF) for ""
		symtab = le.AppendUint64(symtab, s.value)
		symtab = le.AppendUint64(symtab, s.size)
	}
	strIdx := uint32(len(secs) + 2)
	secs = append(secs,
		&section{name: ".symtab", typ: elf.SHT_SYMTAB, data: symtab, link: strIdx, info: firstGlobal, align: 8, entsz: 24},
		&section{name: ".strtab", typ: elf.SHT_STRTAB, data: strtab, align: 1})
	shstr := []byte{0}
	nameOff := map[string]uint32{}
	for _, s := range secs {
		nameOff[s.name] = uint32(len(shstr))
		shstr = append(append(shstr, s.name...), 0)
	}
	nameOff[".shstrtab"] = uint32(len(shstr))
	shstr = append(append(shstr, ".shstrtab"...), 0)
	secs = append(secs, &section{name: ".shstrtab", typ: elf.SHT_STRTAB, data: shstr, align: 1})

	body := make([]byte, 64)
	offsets := make([]uint64, len(secs))
	for i, s := range secs {
		for len(body)%8 != 0 {
			body = append(body, 0)
		}
		offsets[i] = uint64(len(body))
		body = append(body, s.data...)
	}
	for len(body)%8 != 0 {
		body = append(body, 0)
	}
	shoff := uint64(len(body))
	body = append(body, make([]byte, 64)...) // the null section header
	for i, s := range secs {
		body = le.AppendUint32(body, nameOff[s.name])
		body = le.AppendUint32(body, uint32(s.typ))
		body = le.AppendUint64(body, uint64(s.flags))
		body = le.AppendUint64(body, s.addr)
		body = le.AppendUint64(body, offsets[i])
		body = le.AppendUint64(body, uint64(len(s.data)))
		body = le.AppendUint32(body, s.link)
		body = le.AppendUint32(body, s.info)
		body = le.AppendUint64(body, s.align)
		body = le.AppendUint64(body, s.entsz)
	}
	var h []byte
	h = append(h, 0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	h = le.AppendUint16(h, uint16(elf.ET_EXEC))
	h = le.AppendUint16(h, uint16(elf.EM_X86_64))
	h = le.AppendUint32(h, 1)
	h = le.AppendUint64(h, testText)
	h = le.AppendUint64(h, 0)
	h = le.AppendUint64(h, shoff)
	h = le.AppendUint32(h, 0)
	h = le.AppendUint16(h, 64)
	h = le.AppendUint16(h, 56)
	h = le.AppendUint16(h, 0)
	h = le.AppendUint16(h, 64)
	h = le.AppendUint16(h, uint16(len(secs)+1))
	h = le.AppendUint16(h, uint16(len(secs))) // .shstrtab is last
	copy(body, h)
	if err := os.WriteFile(path, body, 0o644); err != nil {
		t.Fatal(err)
	}
}

func testVmlinux(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vmlinux")
	writeTestELF(t, path, testSyms)
	return path
}

func TestSymbolTableLookup(t *testing.T) {
	tab, err := ReadSymbolTable(testVmlinux(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		addr uint64
		want string // "" when not found
	}{
		{testText, "func_a+0x0"},
		{testText + 0xf, "func_a+0xf"},
		{testText + 0x10, "func_b+0x0"}, // the sized function wins over the label at its address
		{testText + 0x2f, "func_b+0x1f"},
		{testText + 0x38, "func_b+0x28"}, // padding after a function: the nearest symbol, as kallsyms says
		{testText + 0x4c, "asm_entry+0xc"},
		{testText + 0x84, "default_idle+0x4"},
		{testInit + 0x3f, "init_fn+0x3f"},
		{testText + testTextSize, ""}, // past .text
		{testData, ""},                // data is not code
		{0x1977000, ""},               // the decompressor, firmware: no vmlinux address
		{testText - 1, ""},
	} {
		if got := tab.Name(c.addr); got != c.want {
			t.Errorf("Name(%#x) = %q, want %q", c.addr, got, c.want)
		}
	}
}

func TestELFCheck(t *testing.T) {
	vmlinux := testVmlinux(t)
	a := &build.Artifact{Dir: filepath.Dir(vmlinux), Vmlinux: vmlinux}
	for _, c := range []struct {
		name    string
		check   ELF
		present bool
		facts   []string
	}{
		{"undefined non-weak", ELF{Undefined: "^__profc_"}, true,
			[]string{"undefined: __profc_memcpy", "undefined: __profc_strscpy"}},
		{"undefined by pattern", ELF{Undefined: "^__profc_", ByPattern: true}, true,
			[]string{"undefined: ^__profc_"}},
		{"undefined none", ELF{Undefined: "^__profd_"}, false, []string{}},
		{"defined", ELF{Defined: "^func_|^__profc_"}, true,
			[]string{"defined: __profc_defined", "defined: func_a", "defined: func_b"}},
		{"missing", ELF{Missing: []string{"func_a", "other_undef", "absent"}}, true,
			[]string{"missing: absent", "missing: other_undef"}},
		{"nothing missing", ELF{Missing: []string{"func_a", "some_data"}}, false, []string{}},
		{"sections", ELF{Sections: `^\.init`, MissingSections: []string{".text", "__llvm_prf_cnts"}}, true,
			[]string{"missing section: __llvm_prf_cnts", "section: .init.text"}},
		{"file by path", ELF{File: "vmlinux", Undefined: "^other_"}, true, []string{"undefined: other_undef"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := c.check.Check(context.Background(), a, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if f.Unresolved != "" {
				t.Fatalf("unresolved: %s", f.Unresolved)
			}
			if f.Present != c.present || strings.Join(f.Facts, "|") != strings.Join(c.facts, "|") {
				t.Errorf("present %v facts %q, want %v %q", f.Present, f.Facts, c.present, c.facts)
			}
		})
	}
}

func TestELFCheckProblems(t *testing.T) {
	dir := t.TempDir()
	notELF := filepath.Join(dir, "vmlinux.o")
	if err := os.WriteFile(notELF, []byte("not an ELF file"), 0o644); err != nil {
		t.Fatal(err)
	}
	a := &build.Artifact{Dir: dir, Vmlinux: filepath.Join(dir, "vmlinux"), VmlinuxO: notELF}
	for _, c := range []struct {
		name       string
		check      ELF
		a          *build.Artifact
		err        string // a configuration error
		unresolved string
	}{
		{"bad pattern", ELF{Undefined: "(", Sections: "["}, a, "undefined pattern", ""},
		{"nothing asked", ELF{}, a, "nothing to check", ""},
		{"no vmlinux built", ELF{Undefined: "x"}, &build.Artifact{}, "", "no vmlinux"},
		{"vmlinux missing", ELF{Undefined: "x"}, a, "", "no vmlinux"},
		{"not ELF", ELF{File: "vmlinux.o", Undefined: "x"}, a, "", "read "},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := c.check.Check(context.Background(), c.a, dir)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one about %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(f.Unresolved, c.unresolved) || f.Unresolved == "" {
				t.Errorf("unresolved %q, want it to say %q", f.Unresolved, c.unresolved)
			}
		})
	}
	// Both bad patterns are reported at once.
	err := (&ELF{Undefined: "(", Sections: "["}).Validate()
	if err == nil || !strings.Contains(err.Error(), "undefined") || !strings.Contains(err.Error(), "sections") {
		t.Errorf("Validate = %v, want both bad patterns named", err)
	}
}
