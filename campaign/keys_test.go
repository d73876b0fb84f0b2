package campaign

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sectionsOf returns the keys of each [section] of a TOML text, in
// order, the keys before the first section under "".
func sectionsOf(text string) map[string][]string {
	m := map[string][]string{}
	sec := ""
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			// [[matrix]] entries are one section too.
			sec, _, _ = strings.Cut(strings.TrimLeft(line, "["), "]")
			continue
		}
		if k, _, ok := strings.Cut(line, " = "); ok {
			m[sec] = append(m[sec], strings.TrimSpace(k))
		}
	}
	return m
}

// TestKeysDeclaredOnce: a key's one declaration makes it a known key,
// read by the loader (which reports it at its line), part of the
// canonical form unless it is a run key, and set by everyKey, so that
// TestCanonicalEveryKey round-trips it.
func TestKeysDeclaredOnce(t *testing.T) {
	dir := everyKeyDir(t)
	var canon, files []map[string][]string
	for _, f := range everyKeyFiles() {
		files = append(files, sectionsOf(f.text))
		s, err := Load(writeSpec(t, dir, f.text))
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		c, err := s.Canonical()
		if err != nil {
			t.Fatal(err)
		}
		canon = append(canon, sectionsOf(string(c)))
	}
	in := func(ms []map[string][]string, sec, k string) bool {
		return slices.ContainsFunc(ms, func(m map[string][]string) bool { return slices.Contains(m[sec], k) })
	}
	known := knownKeys()
	for _, sec := range sections {
		for _, k := range sec.keys {
			full := sec.name + "." + k.name
			t.Run(full, func(t *testing.T) {
				if !slices.Contains(known[sec.name], k.name) {
					t.Errorf("not a known key of [%s]: %q", sec.name, known[sec.name])
				}
				// A date is no key's type: the loader, reading the key,
				// says so at its line.
				_, err := Load(writeSpec(t, dir, "["+sec.name+"]\n"+k.name+" = 1979-05-27T07:32:00Z\n"))
				if want := "minimize.toml:2: " + full + ": wrong type: "; err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("loading a date: got %v, want %q", err, want)
				}
				if !in(files, sec.name, k.name) {
					t.Errorf("everyKey does not set it, so no test round-trips it")
				}
				switch identity := !k.run && k.canon != nil; {
				case identity && !in(canon, sec.name, k.name):
					t.Errorf("not in the canonical form of everyKey")
				case !identity && in(canon, sec.name, k.name):
					t.Errorf("in the canonical form, but no part of the campaign's identity")
				}
				if runKey(full) != k.run {
					t.Errorf("runKey(%q) = %v, declared %v", full, runKey(full), k.run)
				}
			})
		}
	}
}

// TestReadmeReference: the README's campaign file reference documents
// every declared key in its section, and no other.
func TestReadmeReference(t *testing.T) {
	text, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, ref, ok := strings.Cut(string(text), "\n## The campaign file\n")
	if !ok {
		t.Fatal("README.md has no section on the campaign file")
	}
	ref, _, _ = strings.Cut(ref, "\n## ")
	var block []string
	for _, line := range strings.Split(ref, "\n") {
		// The reference is the indented block; a comment continued on a
		// line of its own holds no key.
		if strings.HasPrefix(line, "    ") && !strings.HasPrefix(strings.TrimSpace(line), "#") {
			block = append(block, line)
		}
	}
	doc := sectionsOf(strings.Join(block, "\n"))
	for name, keys := range knownKeys() {
		got, want := slices.Sorted(slices.Values(doc[name])), slices.Sorted(slices.Values(keys))
		if !slices.Equal(got, want) {
			t.Errorf("README documents [%s] as %q, declared %q", name, got, want)
		}
		delete(doc, name)
	}
	for name, keys := range doc {
		t.Errorf("README documents [%s] %q, which no declaration has", name, keys)
	}
}

// TestLoadUncheckedBase: a workdir's copy of a campaign, loaded without
// checking its inputs, whose base is a bare name still has the rest of
// [config] read.
func TestLoadUncheckedBase(t *testing.T) {
	dir := specDir(t)
	p := writeSpec(t, dir, strings.Replace(goodSpec, `base = "defconfig"`, `base = "my-base"`, 1)+"[search]\nalgorithm = 'bisect'\n")
	s, err := load(p, false)
	if err != nil {
		t.Fatal(err)
	}
	if s.Config.BaseFile != filepath.Join(dir, "my-base") || s.Config.Bad != filepath.Join(dir, "bad.config") {
		t.Errorf("base file %q, bad %q", s.Config.BaseFile, s.Config.Bad)
	}
}
