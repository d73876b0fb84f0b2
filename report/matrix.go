package report

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// VariantRow is what one toolchain did with base + the result: the
// campaign's own (its clean build) or a [[matrix]] variant's.
type VariantRow struct {
	Name   string   `json:"name"`
	Vars   []string `json:"make_vars,omitempty"` // the variant's make variables
	Linker string   `json:"vmlinux_o_linker,omitempty"`
	Own    bool     `json:"own,omitempty"` // the campaign's own toolchain
	// Result is reproduces, gone, does not build, timed out, could not
	// be set up, does not stick, or unresolved; Detail says more: the
	// first error line, how long, the missing tool, kconfig's reason.
	Result    string   `json:"result"`
	Detail    string   `json:"detail,omitempty"`
	Signature []string `json:"signature,omitempty"`
	// Versions are the compiler's and the linkers' own names for
	// themselves: "clang version 22.1.8", "LLD 22.1.8", "vmlinux.o: mold
	// 1.10.1".
	Versions     []string `json:"versions,omitempty"`
	BuildSeconds float64  `json:"build_seconds,omitempty"`
	// ELF is what vmlinux.o and vmlinux hold, by file name.
	ELF map[string]ELFFacts `json:"elf,omitempty"`
}

// ELFFacts are what a toolchain comparison reads of an ELF file: its
// undefined non-weak symbols, and the symbols of each instrumentation
// section by section name.
type ELFFacts struct {
	Undefined []string       `json:"undefined,omitempty"`
	Sections  map[string]int `json:"sections,omitempty"`
}

// maxUndefined bounds the undefined symbols a row names.
const maxUndefined = 3

// matrixText is the toolchain table of report.txt: a paragraph per
// toolchain, its result and versions, then what its ELF files show
// beside the campaign's own.
func matrixText(in *Input) []string {
	if len(in.Matrix) == 0 {
		return nil
	}
	out := []string{"The result built with each toolchain (base + the options above, each in a build dir of its own):", ""}
	var own *VariantRow
	for i := range in.Matrix {
		if in.Matrix[i].Own {
			own = &in.Matrix[i]
		}
	}
	for _, row := range in.Matrix {
		line := row.Name + ": " + row.Result
		if detail, ok := in.Local.Clean(row.Detail); ok && detail != "" {
			line += " (" + detail + ")"
		}
		if len(row.Versions) > 0 {
			line += "; " + strings.Join(row.Versions, ", ")
		}
		if len(row.Vars) > 0 {
			line += "; make " + strings.Join(row.Vars, " ")
		}
		out = append(out, wrapHanging(line, "  ", "      ", Width)...)
		if facts := elfText(row, own); facts != "" {
			out = append(out, wrapHanging(facts, "      ", "      ", Width)...)
		}
	}
	return out
}

// elfText says which non-weak symbols a row's vmlinux.o and vmlinux
// leave undefined, and how many symbols each instrumentation section
// holds, where that differs from the campaign's own build.
func elfText(row VariantRow, own *VariantRow) string {
	var parts []string
	for _, file := range []string{"vmlinux.o", "vmlinux"} {
		s, ok := row.ELF[file]
		if !ok {
			continue
		}
		if file == "vmlinux" && len(s.Undefined) > 0 {
			names := s.Undefined[:min(len(s.Undefined), maxUndefined)]
			more := ""
			if len(s.Undefined) > maxUndefined {
				more = fmt.Sprintf(" and %d more", len(s.Undefined)-maxUndefined)
			}
			parts = append(parts, fmt.Sprintf("%s: %s undefined: %s%s", file, plural(len(s.Undefined), "symbol"), strings.Join(names, ", "), more))
		}
		var base map[string]int
		if own != nil && !row.Own {
			base = own.ELF[file].Sections
		}
		var secs []string
		for _, name := range slices.Sorted(maps.Keys(s.Sections)) {
			n := s.Sections[name]
			switch {
			case base == nil:
				secs = append(secs, fmt.Sprintf("%s %d", name, n))
			case base[name] != n:
				secs = append(secs, fmt.Sprintf("%s %d (campaign: %d)", name, n, base[name]))
			}
		}
		for _, name := range slices.Sorted(maps.Keys(base)) {
			if _, ok := s.Sections[name]; !ok {
				secs = append(secs, fmt.Sprintf("%s 0 (campaign: %d)", name, base[name]))
			}
		}
		if len(secs) > 0 {
			parts = append(parts, file+" symbols: "+strings.Join(secs, ", "))
		}
	}
	return strings.Join(parts, "; ")
}
