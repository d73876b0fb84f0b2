package oracle

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Tool is an external program a check runs, and the Debian package that
// provides it, so a campaign can say before its first test what is
// missing and how to get it.
type Tool struct {
	Name    string // a program looked up in PATH, or a path
	Package string // the Debian package, "" when unknown
}

// toolFor names the Debian package of a program kcmin runs.
func toolFor(program string) Tool { return Tool{Name: program, Package: PackageOf(program)} }

// versioned matches LLVM's programs of one release: clang-22, ld.lld-22,
// llvm-objcopy-22.
var versioned = regexp.MustCompile(`^(clang|ld\.lld|llvm-[a-z]+)-([0-9]+)$`)

// PackageOf is the Debian package that installs a program kcmin runs,
// known by its base name (qemu-system-x86_64: qemu-system-x86, clang-22:
// clang-22, ld.mold: mold); "" for a program kcmin does not know.
func PackageOf(program string) string {
	base := filepath.Base(program)
	if m := versioned.FindStringSubmatch(base); m != nil {
		switch m[1] {
		case "clang":
			return "clang-" + m[2]
		case "ld.lld":
			return "lld-" + m[2]
		}
		return "llvm-" + m[2]
	}
	switch {
	case base == "qemu-system-x86_64", base == "qemu-system-i386":
		return "qemu-system-x86"
	case base == "qemu-system-aarch64", base == "qemu-system-arm":
		return "qemu-system-arm"
	case base == "clang":
		return "clang"
	case base == "ld.lld":
		return "lld"
	case strings.HasPrefix(base, "llvm-"):
		return "llvm"
	case base == "ld.mold", base == "mold":
		return "mold"
	case base == "ld", base == "ld.bfd", base == "ld.gold":
		return "binutils"
	case base == "gcc", strings.HasPrefix(base, "gcc-"):
		return base
	}
	return ""
}

// Find looks the tool up and says how to install it when it is missing.
func (t Tool) Find() (string, error) {
	path, err := exec.LookPath(t.Name)
	if err == nil {
		return path, nil
	}
	how := "install it"
	if t.Package != "" {
		how = "apt-get install " + t.Package
	}
	return "", fmt.Errorf("%s not found: %s", t.Name, how)
}

// MissingTools checks every tool once and reports all that are missing in
// one error, sorted by name, or nil.
func MissingTools(tools []Tool) error {
	seen := map[string]bool{}
	sorted := append([]Tool(nil), tools...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	var errs []error
	for _, t := range sorted {
		if seen[t.Name] {
			continue
		}
		seen[t.Name] = true
		if _, err := t.Find(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
