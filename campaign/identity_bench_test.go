package campaign

import (
	"context"
	"os"
	"testing"
)

// BenchmarkTreeIdentity measures the identity of a real kernel tree
// (KCMIN_LINUX), which every run computes before it starts.
func BenchmarkTreeIdentity(b *testing.B) {
	src := os.Getenv("KCMIN_LINUX")
	if src == "" {
		b.Skip("KCMIN_LINUX is not set")
	}
	for i := 0; i < b.N; i++ {
		facts, err := treeIdentity(context.Background(), src, "x86_64")
		if err != nil {
			b.Fatal(err)
		}
		if i == 0 {
			b.Log(facts)
		}
	}
}
