package oracle

import (
	"debug/elf"
	"path/filepath"
	"slices"

	"github.com/kcmin/kcmin/build"
)

// DefinedIn names, for each function of names, the source files of the
// build dir's objects that define it: an objtool warning on vmlinux.o
// names a function ("do_syscall_64+0x86: call to ..."), and a maintainer
// reads the file. Only symbol tables are read, so a kernel without debug
// info is answered too. A static function may be defined in several
// files; a name no object defines is absent. Objects that are no ELF file
// (or are gone) are passed over.
func DefinedIn(objs *build.Objects, names []string) map[string][]string {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	out := map[string][]string{}
	if objs == nil || len(want) == 0 {
		return out
	}
	for _, o := range objs.List {
		for _, name := range definedFuncs(filepath.Join(objs.Dir, o.Path), want) {
			src := o.Source
			if src == "" {
				src = o.Path
			}
			if !slices.Contains(out[name], src) {
				out[name] = append(out[name], src)
			}
		}
	}
	for _, files := range out {
		slices.Sort(files)
	}
	return out
}

// definedFuncs are the functions of want that the object at path
// defines: code symbols (an assembly SYM_FUNC_START is a function too)
// in an executable section.
func definedFuncs(path string, want map[string]bool) []string {
	f, err := elf.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return nil
	}
	var out []string
	for _, s := range syms {
		// An undefined symbol's section is the null one, no code.
		if !want[s.Name] || int(s.Section) >= len(f.Sections) {
			continue
		}
		typ := elf.ST_TYPE(s.Info)
		if (typ == elf.STT_FUNC || typ == elf.STT_NOTYPE) && f.Sections[s.Section].Flags&elf.SHF_EXECINSTR != 0 {
			out = append(out, s.Name)
		}
	}
	return out
}
