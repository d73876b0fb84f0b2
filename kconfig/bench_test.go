package kconfig_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/kcmin/kcmin/kconfig"
)

// BenchmarkParseX86 parses the whole x86 tree of Linux 6.12 with a warm
// macro cache: no process runs.
func BenchmarkParseX86(b *testing.B) {
	r := setupReal(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := kconfig.Parse(context.Background(), kconfig.Options{SrcTree: r.src, Env: r.env, Macros: r.macros}); err != nil {
			b.Fatal(err)
		}
	}
	if n := r.macros.Runs(); n != real.macros.Runs() {
		b.Fatalf("a warm parse ran %d commands", n)
	}
}

// BenchmarkResolveDebian resolves Debian's amd64 config (about 10,000
// assignments) against the parsed x86 tree.
func BenchmarkResolveDebian(b *testing.B) {
	r := setupReal(b)
	c, _, err := kconfig.ReadConfig(bytes.NewReader(debianInput(b, r)), "config.amd64_none_amd64")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		r.tree.Evaluate(c).Config()
	}
}

// BenchmarkResolveDefconfig resolves x86_64_defconfig.
func BenchmarkResolveDefconfig(b *testing.B) {
	r := setupReal(b)
	c := readConfig(b, r.src+"/arch/x86/configs/x86_64_defconfig")
	b.ReportAllocs()
	for b.Loop() {
		r.tree.Evaluate(c).Config()
	}
}
