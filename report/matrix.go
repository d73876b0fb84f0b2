package report

import (
	"fmt"
	"maps"
	"regexp"
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
	// NewWarnings are the warnings and errors its build printed that the
	// campaign's own build of the result did not, as printed: a "gone"
	// may be a check that could not run (objtool unable to read a
	// vmlinux.o made by another linker).
	NewWarnings []string `json:"new_warnings,omitempty"`
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

// matrixText is the toolchain table of report.txt: one line per
// toolchain with its result and the versions it used, then a paragraph
// for each row with more to say: why, and what its ELF files show
// beside the campaign's own build.
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
	cells := [][]string{{"toolchain", "result", "compiler", "linker", "vmlinux.o"}}
	for _, row := range in.Matrix {
		result := row.Result
		if row.Result == "timed out" && row.Detail != "" {
			result += ", " + strings.TrimPrefix(row.Detail, "after ")
		}
		cc, ld, vo := "", "", ""
		for _, v := range row.Versions {
			switch v = shortVersion(v); {
			case strings.HasPrefix(v, "vmlinux.o: "):
				vo = strings.TrimPrefix(v, "vmlinux.o: ")
			case cc == "":
				cc = v
			default:
				ld = v
			}
		}
		cells = append(cells, []string{row.Name, result, cc, ld, vo})
	}
	// Too wide for a mail: the versions go with each row's words.
	rows := table(cells)
	inline := slices.ContainsFunc(rows, func(l string) bool { return len(l) > Width })
	if inline {
		for i := range cells {
			cells[i] = cells[i][:2]
		}
		rows = table(cells)
	}
	out = append(out, rows...)
	out = append(out, "")
	for _, row := range in.Matrix {
		var what []string
		if len(row.Vars) > 0 {
			what = append(what, "make "+strings.Join(row.Vars, " "))
		}
		if inline && len(row.Versions) > 0 {
			what = append(what, strings.Join(row.Versions, ", "))
		}
		if detail, ok := in.Local.Clean(row.Detail); ok && detail != "" && row.Result != "timed out" {
			what = append(what, detail)
		}
		if warned := warningsText(in.Local, row); warned != "" {
			what = append(what, warned)
		}
		if facts := elfText(row, own); facts != "" {
			what = append(what, facts)
		}
		if len(what) > 0 {
			out = append(out, wrapHanging(row.Name+": "+strings.Join(what, "; "), "  ", "      ", Width)...)
		}
	}
	return out
}

// maxNewWarnings bounds the new warnings a row quotes.
const maxNewWarnings = 3

// warningsText quotes what a row's build warned of that the campaign's
// did not, but for its detail (the first error of a failed build).
func warningsText(l Local, row VariantRow) string {
	var quoted []string
	for _, w := range l.CleanLines(row.NewWarnings) {
		if w != row.Detail {
			quoted = append(quoted, w)
		}
	}
	if len(quoted) == 0 {
		return ""
	}
	more := ""
	if len(quoted) > maxNewWarnings {
		more = fmt.Sprintf(" (and %d more)", len(quoted)-maxNewWarnings)
		quoted = quoted[:maxNewWarnings]
	}
	return "the campaign's build did not print: " + strings.Join(quoted, "; ") + more
}

// table lays cells out in columns two spaces apart, indented by two,
// without the columns that are empty in every row but the header.
func table(cells [][]string) []string {
	used := make([]bool, len(cells[0]))
	width := make([]int, len(cells[0]))
	for r, row := range cells {
		for c, cell := range row {
			used[c] = used[c] || r > 0 && cell != ""
			width[c] = max(width[c], len(cell))
		}
	}
	var out []string
	for _, row := range cells {
		var b strings.Builder
		b.WriteString("  ")
		for c, cell := range row {
			if !used[c] {
				continue
			}
			b.WriteString(cell)
			b.WriteString(strings.Repeat(" ", width[c]-len(cell)+2))
		}
		out = append(out, strings.TrimRight(b.String(), " "))
	}
	return out
}

var (
	clangWords = regexp.MustCompile(`^(?:\S+ )?clang version ([0-9][^ ]*)`)
	gnuWords   = regexp.MustCompile(`^(GNU ld|gcc) \(.*\) ([0-9][^ ]*)$`)
)

// shortVersion fits a tool's name for itself into a table cell:
// "clang version 19.1.7" as "clang 19.1.7", "GNU ld (GNU Binutils for
// Debian) 2.40" as "GNU ld 2.40".
func shortVersion(v string) string {
	prefix := ""
	if rest, ok := strings.CutPrefix(v, "vmlinux.o: "); ok {
		prefix, v = "vmlinux.o: ", rest
	}
	if m := clangWords.FindStringSubmatch(v); m != nil {
		v = "clang " + m[1]
	} else if m := gnuWords.FindStringSubmatch(v); m != nil {
		v = m[1] + " " + m[2]
	}
	return prefix + v
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
