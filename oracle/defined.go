package oracle

import (
	"bytes"
	"debug/elf"
	"os"
	"path/filepath"
	"slices"

	"github.com/kcmin/kcmin/build"
)

// DefinedIn names, for each function of names, the source files of the
// build dir's objects that define it: an objtool warning on vmlinux.o
// names a function ("do_syscall_64+0x86: call to ..."), and a maintainer
// reads the file. Only symbol tables are read, so a kernel without debug
// info is answered too. A unity build's object (kernel/sched/
// build_policy.o) gives the C file it includes that defines the function
// (idle.c), when one does in the kernel's style. A static function may
// be defined in several files; a name no object defines is absent.
// Objects that are no ELF file (or are gone) are passed over.
func DefinedIn(objs *build.Objects, names []string) map[string][]string {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	out := map[string][]string{}
	if objs == nil || len(want) == 0 {
		return out
	}
	texts := map[string][]byte{}
	for _, o := range objs.List {
		for _, name := range definedFuncs(filepath.Join(objs.Dir, o.Path), want) {
			src := o.Source
			if src == "" {
				src = o.Path
			}
			// A unity build's object (kernel/sched/build_policy.o)
			// defines what the C files it includes do.
			for _, inc := range o.Included {
				text, ok := texts[inc]
				if !ok {
					text, _ = os.ReadFile(inc)
					texts[inc] = text
				}
				if definesFunc(text, name) {
					src = inc
					break
				}
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

// definesFunc says whether C source text holds the definition of the
// function name in the kernel's style: a line at column 0, the name
// followed by its parameters, no semicolon (a declaration, a call and a
// macro's use end in one).
func definesFunc(text []byte, name string) bool {
	for len(text) > 0 {
		line := text
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = nil
		}
		if len(line) == 0 || !isIdentStart(line[0]) || bytes.IndexByte(line, ';') >= 0 {
			continue
		}
		for i := 0; ; {
			j := bytes.Index(line[i:], []byte(name))
			if j < 0 {
				break
			}
			at, end := i+j, i+j+len(name)
			rest := bytes.TrimLeft(line[end:], " \t")
			if (at == 0 || !isIdent(line[at-1])) && len(rest) > 0 && rest[0] == '(' {
				return true
			}
			i = end
		}
	}
	return false
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdent(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

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
