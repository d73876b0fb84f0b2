package oracle

import (
	"debug/elf"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// ELFSummary is what a toolchain comparison reads of one ELF file: the
// non-weak symbols it leaves undefined and how many symbols each
// instrumentation section holds. The report that started kcmin found its
// lld bug so: a __profc_* counter defined (weak) in vmlinux.o and
// undefined after the first link of vmlinux.
type ELFSummary struct {
	// Undefined are the names of the undefined, non-weak symbols that the
	// file does not define elsewhere, sorted.
	Undefined []string `json:"undefined,omitempty"`
	// Sections counts the symbols in each instrumentation section
	// (coverage counters, sanitizer and tracing tables), by section name;
	// gcov's counter arrays, which live in .bss, as "__gcov0.*" (gcc)
	// and "__llvm_gcov_ctr.*" (clang).
	Sections map[string]int `json:"sections,omitempty"`
}

// instrumentation names the sections that compiler instrumentation
// fills: clang's profile and coverage (__llvm_prf_*, __llvm_cov*), gcov,
// the sanitizers' and KCOV's tables, ftrace's call sites.
var instrumentation = regexp.MustCompile(`^(__llvm_prf_|__llvm_cov|\.gcov|__sancov|\.data\.\.L?[AK]?SAN|__mcount_loc|__patchable_function_entries|\.kcsan)`)

// SummarizeELF reads path's symbol table.
func SummarizeELF(path string) (ELFSummary, error) {
	var s ELFSummary
	f, err := elf.Open(path)
	if err != nil {
		return s, fmt.Errorf("elf summary: %w", err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
		return s, fmt.Errorf("elf summary: symbols of %s: %w", path, err)
	}
	defined := map[string]bool{}
	for _, sym := range syms {
		if sym.Section != elf.SHN_UNDEF {
			defined[sym.Name] = true
		}
	}
	for _, sym := range syms {
		switch {
		case sym.Name == "":
		case sym.Section == elf.SHN_UNDEF:
			if elf.ST_BIND(sym.Info) != elf.STB_WEAK && !defined[sym.Name] {
				s.Undefined = append(s.Undefined, sym.Name)
			}
		case int(sym.Section) < len(f.Sections) && sym.Section < elf.SHN_LORESERVE:
			name := f.Sections[sym.Section].Name
			if !instrumentation.MatchString(name) {
				// gcov's counters live in .bss, an array a
				// function: gcc's __gcov0.FUNC, clang's
				// __llvm_gcov_ctr.N (-fprofile-arcs).
				switch {
				case strings.HasPrefix(sym.Name, "__gcov0."):
					name = "__gcov0.*"
				case strings.HasPrefix(sym.Name, "__llvm_gcov_ctr"):
					name = "__llvm_gcov_ctr.*"
				default:
					continue
				}
			}
			if s.Sections == nil {
				s.Sections = map[string]int{}
			}
			s.Sections[name]++
		}
	}
	slices.Sort(s.Undefined)
	s.Undefined = slices.Compact(s.Undefined)
	return s, nil
}
