package oracle

import (
	"debug/elf"
	"fmt"
	"sort"
	"strings"
)

// SymbolTable names code addresses of an ELF file such as vmlinux, from its
// symbol table alone: no debug info, no gdb.
type SymbolTable struct {
	syms []codeSymbol // sorted by address
	text []addrRange  // the executable sections
}

type codeSymbol struct {
	name  string
	addr  uint64
	sized bool // an STT_FUNC with a size; assembly labels often have none
}

type addrRange struct{ lo, hi uint64 }

// ReadSymbolTable reads the function and code-label symbols of the ELF file
// at path.
func ReadSymbolTable(path string) (*SymbolTable, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read symbols: %w", err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return nil, fmt.Errorf("read symbols of %s: %w", path, err)
	}
	t := &SymbolTable{}
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_EXECINSTR != 0 && s.Flags&elf.SHF_ALLOC != 0 && s.Size > 0 {
			t.text = append(t.text, addrRange{s.Addr, s.Addr + s.Size})
		}
	}
	for _, s := range syms {
		typ := elf.ST_TYPE(s.Info)
		if typ != elf.STT_FUNC && typ != elf.STT_NOTYPE {
			continue
		}
		if s.Name == "" || strings.HasPrefix(s.Name, ".L") || s.Section == elf.SHN_UNDEF ||
			int(s.Section) >= len(f.Sections) || f.Sections[s.Section].Flags&elf.SHF_EXECINSTR == 0 {
			continue
		}
		t.syms = append(t.syms, codeSymbol{name: s.Name, addr: s.Value, sized: typ == elf.STT_FUNC && s.Size > 0})
	}
	// At one address, prefer a sized function over a label, then by name,
	// so lookups do not depend on the symbol table's order.
	sort.Slice(t.syms, func(i, j int) bool {
		a, b := t.syms[i], t.syms[j]
		if a.addr != b.addr {
			return a.addr < b.addr
		}
		if a.sized != b.sized {
			return a.sized
		}
		return a.name < b.name
	})
	return t, nil
}

// Lookup names addr as the nearest code symbol at or below it and the
// offset from there, as the kernel's own kallsyms does, so names agree
// with the kernel's backtraces. ok is false when addr lies in no
// executable section (firmware, the bzImage decompressor, user space).
func (t *SymbolTable) Lookup(addr uint64) (name string, off uint64, ok bool) {
	inText := false
	for _, r := range t.text {
		if r.lo <= addr && addr < r.hi {
			inText = true
			break
		}
	}
	if !inText {
		return "", 0, false
	}
	i := sort.Search(len(t.syms), func(i int) bool { return t.syms[i].addr > addr })
	if i == 0 {
		return "", 0, false
	}
	// Step back to the first symbol at that address: the preferred one.
	j := i - 1
	for j > 0 && t.syms[j-1].addr == t.syms[j].addr {
		j--
	}
	return t.syms[j].name, addr - t.syms[j].addr, true
}

// Name returns addr as "symbol+0xoff", or "" when no symbol reaches it.
func (t *SymbolTable) Name(addr uint64) string {
	name, off, ok := t.Lookup(addr)
	if !ok {
		return ""
	}
	return fmt.Sprintf("%s+%#x", name, off)
}
