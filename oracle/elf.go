package oracle

import (
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"

	"github.com/kcmin/kcmin/build"
)

// ELF judges an ELF file the build left (vmlinux, vmlinux.o) without
// booting it: its undefined symbols, the symbols and sections it has or
// lacks. The failure is present when any of the configured questions finds
// something; each finding is one fact, so the matched names are the
// signature. An lld bug behind a boot hang, for one, left __profc_*
// counters undefined in vmlinux: Undefined = "^__profc_" finds it.
type ELF struct {
	// File is "vmlinux" (the default), "vmlinux.o", or a path relative to
	// the build dir.
	File string
	// Undefined matches names of undefined, non-weak symbols; each is a
	// fact "undefined: NAME".
	Undefined string
	// Defined matches names of defined symbols; each is a fact
	// "defined: NAME".
	Defined string
	// Missing lists symbols that should be defined; each that is not is a
	// fact "missing: NAME".
	Missing []string
	// Sections matches section names; each present is a fact
	// "section: NAME".
	Sections string
	// MissingSections lists sections that should be there; each absent is
	// a fact "missing section: NAME".
	MissingSections []string
	// ByPattern gives one fact per pattern ("undefined: ^__profc_")
	// instead of one per name, for failures whose names change with the
	// config (every instrumented function has its own counter). The names
	// go to the notes.
	ByPattern bool
}

// maxNotes bounds the names listed in a finding's notes.
const maxNotes = 20

// Name implements Check.
func (e *ELF) Name() string { return "elf" }

// Tools implements the tool listing of checks: reading ELF needs none.
func (e *ELF) Tools() []Tool { return nil }

// Validate reports configuration mistakes: bad patterns, nothing to ask.
func (e *ELF) Validate() error {
	_, err := e.compile()
	return err
}

type elfPatterns struct{ undefined, defined, sections *regexp.Regexp }

func (e *ELF) compile() (elfPatterns, error) {
	var p elfPatterns
	var errs []error
	for _, f := range []struct {
		name, expr string
		re         **regexp.Regexp
	}{
		{"undefined", e.Undefined, &p.undefined},
		{"defined", e.Defined, &p.defined},
		{"sections", e.Sections, &p.sections},
	} {
		if f.expr == "" {
			continue
		}
		re, err := regexp.Compile(f.expr)
		if err != nil {
			errs = append(errs, fmt.Errorf("elf check: %s pattern: %w", f.name, err))
			continue
		}
		*f.re = re
	}
	if len(errs) == 0 && p.undefined == nil && p.defined == nil && p.sections == nil &&
		len(e.Missing) == 0 && len(e.MissingSections) == 0 {
		errs = append(errs, errors.New("elf check: nothing to check: set undefined, defined, missing, sections or missing_sections"))
	}
	return p, errors.Join(errs...)
}

func (e *ELF) path(a *build.Artifact) string {
	switch e.File {
	case "", "vmlinux":
		return a.Vmlinux
	case "vmlinux.o":
		return a.VmlinuxO
	}
	if filepath.IsAbs(e.File) || a.Dir == "" {
		return e.File
	}
	return filepath.Join(a.Dir, e.File)
}

// Check implements Check.
func (e *ELF) Check(ctx context.Context, a *build.Artifact, testDir string) (Finding, error) {
	pats, err := e.compile()
	if err != nil {
		return Finding{}, err
	}
	if err := ctx.Err(); err != nil {
		return Finding{}, err
	}
	file := e.File
	if file == "" {
		file = "vmlinux"
	}
	path := e.path(a)
	if path == "" {
		return Finding{Unresolved: fmt.Sprintf("no %s: the build did not produce it", file)}, nil
	}
	f, err := elf.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return Finding{Unresolved: fmt.Sprintf("no %s: %v", file, err)}, nil
	}
	if err != nil {
		return Finding{Unresolved: fmt.Sprintf("read %s: %v", path, err)}, nil
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
		return Finding{Unresolved: fmt.Sprintf("read symbols of %s: %v", path, err)}, nil
	}

	var found []elfFact
	defined := map[string]bool{}
	for _, s := range syms {
		if s.Section != elf.SHN_UNDEF {
			defined[s.Name] = true
		}
	}
	if pats.undefined != nil {
		for _, s := range syms {
			if s.Section == elf.SHN_UNDEF && elf.ST_BIND(s.Info) != elf.STB_WEAK && s.Name != "" &&
				!defined[s.Name] && pats.undefined.MatchString(s.Name) {
				found = append(found, elfFact{"undefined", e.Undefined, s.Name})
			}
		}
	}
	if pats.defined != nil {
		for name := range defined {
			if name != "" && pats.defined.MatchString(name) {
				found = append(found, elfFact{"defined", e.Defined, name})
			}
		}
	}
	for _, name := range e.Missing {
		if !defined[name] {
			found = append(found, elfFact{"missing", name, name})
		}
	}
	sections := map[string]bool{}
	for _, s := range f.Sections {
		sections[s.Name] = true
	}
	if pats.sections != nil {
		for name := range sections {
			if name != "" && pats.sections.MatchString(name) {
				found = append(found, elfFact{"section", e.Sections, name})
			}
		}
	}
	for _, name := range e.MissingSections {
		if !sections[name] {
			found = append(found, elfFact{"missing section", name, name})
		}
	}
	return e.finding(path, found), nil
}

type elfFact struct{ kind, pattern, name string }

func (e *ELF) finding(path string, found []elfFact) Finding {
	facts := map[string]bool{}
	perKind := map[string][]string{}
	for _, f := range found {
		key := f.name
		if e.ByPattern {
			key = f.pattern
		}
		facts[f.kind+": "+key] = true
		perKind[f.kind] = append(perKind[f.kind], f.name)
	}
	fd := Finding{Present: len(facts) > 0, Facts: slices.Sorted(maps.Keys(facts))}
	fd.Notes = append(fd.Notes, "file: "+path)
	for _, k := range slices.Sorted(maps.Keys(perKind)) {
		names := sortedSet(perKind[k])
		shown := names
		if len(shown) > maxNotes {
			shown = shown[:maxNotes]
		}
		note := fmt.Sprintf("%s: %d: %v", k, len(names), shown)
		if len(names) > len(shown) {
			note += fmt.Sprintf(" and %d more", len(names)-len(shown))
		}
		fd.Notes = append(fd.Notes, note)
	}
	return fd
}
