package kconfig

import (
	"strings"
	"testing"
)

// TestReadConfigEdgeErrors: a byte order mark on the first line, a NUL
// byte anywhere in a line, a tab before the prefix: each is an error at
// its line, saying what is wrong.
func TestReadConfigEdgeErrors(t *testing.T) {
	for _, c := range []struct {
		name, text, want string
	}{
		{"byte order mark", "\uFEFFCONFIG_A=y\n", "x.config:1: byte order mark"},
		{"NUL first", "CONFIG_A=y\n\x00CONFIG_B=y\n", "x.config:2: NUL byte in line"},
		{"NUL later", "CONFIG_A=y\x00\n", "x.config:1: NUL byte in line"},
		{"tab before the prefix", "CONFIG_A=y\n\tCONFIG_B=y\n", "x.config:2: whitespace before CONFIG_"},
		{"space before the prefix", "  CONFIG_B=y\n", "x.config:1: whitespace before CONFIG_"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := ReadConfig(strings.NewReader(c.text), "x.config")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
	// A mark further down is text like any other, and an error too.
	if _, _, err := ReadConfig(strings.NewReader("CONFIG_A=y\n\uFEFFCONFIG_B=y\n"), "x.config"); err == nil || !strings.Contains(err.Error(), "x.config:2: unexpected text") {
		t.Errorf("a mark on line 2: %v", err)
	}
}
