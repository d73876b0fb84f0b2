package oracle

import "testing"

// TestPackageOf: the Debian packages of the programs kcmin names when
// they are missing, LLVM's of one release by its number.
func TestPackageOf(t *testing.T) {
	for prog, want := range map[string]string{
		"qemu-system-x86_64": "qemu-system-x86", "/usr/bin/clang-22": "clang-22", "ld.lld-22": "lld-22",
		"llvm-objcopy-19": "llvm-19", "clang": "clang", "ld.lld": "lld", "llvm-nm": "llvm", "ld.mold": "mold",
		"ld.bfd": "binutils", "ld": "binutils", "gcc-12": "gcc-12", "frobnicate": "",
	} {
		if got := PackageOf(prog); got != want {
			t.Errorf("PackageOf(%q) = %q, want %q", prog, got, want)
		}
	}
}
