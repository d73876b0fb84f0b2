package campaign

import (
	"bytes"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// A Variant is one [[matrix]] entry: a toolchain the minimal config is
// built with once the campaign has its result, to say which toolchains
// reproduce the failure.
type Variant struct {
	Name string
	// MakeVars replace the campaign's make variables of the same names
	// and add the others: LLVM=-22, CC=gcc.
	MakeVars []string
	// Timeout bounds the variant's build; the campaign's build_timeout
	// when the entry leaves it out.
	Timeout time.Duration
	// VmlinuxOLinker makes vmlinux.o alone (the `ld -r` of all built-in
	// code that objtool then checks): lld, mold or bfd; every other link
	// stays with the variant's own linker. "" for that one throughout.
	VmlinuxOLinker string
}

// Linkers that may make vmlinux.o, and the program of each.
var vmlinuxOLinkers = []string{"lld", "mold", "bfd"}

// matrixKeys are the keys of a [[matrix]] entry, in canonical order.
var matrixKeys = []string{"name", "make_vars", "timeout", "vmlinux_o_linker"}

var variantName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.+-]*$`)

// Vars are the make variables of a build with the variant: the
// campaign's, those the variant names replaced in place, then the
// variant's others.
func (v Variant) Vars(campaign []string) []string {
	out := slices.Clone(campaign)
	for _, mv := range v.MakeVars {
		name, _, _ := strings.Cut(mv, "=")
		i := slices.IndexFunc(out, func(c string) bool { return strings.HasPrefix(c, name+"=") })
		if i >= 0 {
			out[i] = mv
		} else {
			out = append(out, mv)
		}
	}
	return out
}

// loadMatrix reads the [[matrix]] entries. They are read by hand rather
// than from the sections' table: an array of tables has its keys once
// per entry, and the library's metadata does not tell the entries apart.
func (l *loader) loadMatrix(p *[]map[string]toml.Primitive, s *Spec) {
	if !l.defined("matrix") {
		return
	}
	if t := l.md.Type("matrix"); t != "ArrayHash" {
		l.errorf("matrix", "wrong type: want an array of tables ([[matrix]] entries), got %s", tomlType[t])
		return
	}
	seen := map[string]bool{}
	for i, entry := range *p {
		key := func(k string) string { return fmt.Sprintf("matrix[%d].%s", i, k) }
		v := Variant{Timeout: s.Kernel.BuildTimeout}
		for _, k := range slices.Sorted(maps.Keys(entry)) {
			if !slices.Contains(matrixKeys, k) {
				l.errorf(key(k), "unknown key; [[matrix]] takes %s", strings.Join(matrixKeys, ", "))
			}
		}
		str := func(k string) (string, bool) {
			prim, ok := entry[k]
			if !ok {
				return "", false
			}
			var sv string
			if err := l.md.PrimitiveDecode(prim, &sv); err != nil {
				l.errorf(key(k), "wrong type: want a string")
				return "", false
			}
			return sv, true
		}
		name, ok := str("name")
		switch {
		case !ok:
			l.errorf(fmt.Sprintf("matrix[%d]", i), "missing name: a word that names the variant in the report, e.g. name = \"clang-22\"")
		case !variantName.MatchString(name):
			l.errorf(key("name"), "%q: a word of letters, digits and _.+- (it names the variant's folder)", name)
		case name == ownVariant:
			l.errorf(key("name"), "%q names the campaign's own toolchain in the report: choose another", name)
		case seen[name]:
			l.errorf(key("name"), "%q names an earlier variant too", name)
		}
		seen[name] = true
		v.Name = name
		if prim, ok := entry["make_vars"]; ok {
			var vars []any
			if err := l.md.PrimitiveDecode(prim, &vars); err != nil {
				l.errorf(key("make_vars"), "wrong type: want an array of strings")
			}
			for j, raw := range vars {
				k := fmt.Sprintf("%s[%d]", key("make_vars"), j)
				mv, ok := raw.(string)
				name, _, _ := strings.Cut(mv, "=")
				switch {
				case !ok:
					l.errorf(k, "wrong type: want a string, got %v", raw)
					continue
				case !makeVar.MatchString(mv):
					l.errorf(k, "%q is not NAME=VALUE", mv)
				case name == "ARCH" || name == "O":
					l.errorf(k, "%s= is the campaign's: a variant changes the toolchain only", name)
				}
				v.MakeVars = append(v.MakeVars, mv)
			}
		}
		if t, ok := str("timeout"); ok {
			d, err := time.ParseDuration(t)
			switch {
			case err != nil:
				l.errorf(key("timeout"), "bad duration %q: write it like 90s, 10m or 2h", t)
			case d < time.Second:
				l.errorf(key("timeout"), "duration %q is too short: at least 1s", t)
			default:
				v.Timeout = d
			}
		}
		if ld, ok := str("vmlinux_o_linker"); ok {
			if !slices.Contains(vmlinuxOLinkers, ld) {
				l.errorf(key("vmlinux_o_linker"), "%q is not one of %s", ld, strings.Join(vmlinuxOLinkers, ", "))
			}
			if slices.ContainsFunc(v.MakeVars, func(mv string) bool { return strings.HasPrefix(mv, "LD=") }) {
				l.errorf(key("vmlinux_o_linker"), "set LD= or vmlinux_o_linker, not both: kcmin makes LD a wrapper that sends the link of vmlinux.o to %s", ld)
			}
			v.VmlinuxOLinker = ld
		}
		if len(v.MakeVars) == 0 && v.VmlinuxOLinker == "" && name != "" {
			l.errorf(fmt.Sprintf("matrix[%d]", i), "variant %q changes nothing: set make_vars or vmlinux_o_linker", name)
		}
		s.Matrix = append(s.Matrix, v)
	}
	if len(s.Matrix) > 0 && s.Kernel.Target == "" {
		l.errorf("matrix", "the campaign builds nothing (kernel.target is empty), so no toolchain has anything to build")
	}
}

// canonicalMatrix writes the variants as [[matrix]] entries: part of
// the campaign file a workdir keeps, so kcmin matrix WORKDIR finds them,
// but no part of its identity (identityKeys leaves them out): a variant
// changes no test's answer.
func (s *Spec) canonicalMatrix(b *bytes.Buffer) {
	for _, v := range s.Matrix {
		b.WriteString("\n[[matrix]]\n")
		b.WriteString("name = " + tomlString(v.Name) + "\n")
		if len(v.MakeVars) > 0 {
			q := make([]string, len(v.MakeVars))
			for i, mv := range v.MakeVars {
				q[i] = tomlString(mv)
			}
			b.WriteString("make_vars = [" + strings.Join(q, ", ") + "]\n")
		}
		b.WriteString("timeout = " + tomlString(v.Timeout.String()) + "\n")
		if v.VmlinuxOLinker != "" {
			b.WriteString("vmlinux_o_linker = " + tomlString(v.VmlinuxOLinker) + "\n")
		}
	}
}
