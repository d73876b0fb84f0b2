package kconfig

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-multierror"
)

// FuzzReadConfig checks that the reader never panics, that every error it
// gives is a placed *ConfigError, and that what it read writes out and
// reads back to the same entries, without errors.
func FuzzReadConfig(f *testing.F) {
	files, _ := filepath.Glob("testdata/config/*.config")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"CONFIG_A=y\n",
		"# CONFIG_A is not set\r\n",
		`CONFIG_S="a\"b\\c"` + "\n",
		"CONFIG_A=y\nCONFIG_A=n\nCONFIG_B=0x1f\nCONFIG_C=-3\n",
		"\uFEFFCONFIG_A=y",
		"CONFIG_S=\"\\",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, _, err := ReadConfig(bytes.NewReader(data), "fuzz.config")
		if err != nil {
			var merr *multierror.Error
			if !errors.As(err, &merr) || len(merr.Errors) == 0 {
				t.Fatalf("error %v (%T) is not a *multierror.Error", err, err)
			}
			lines := strings.Count(string(data), "\n") + 1
			for _, e := range merr.Errors {
				ce, ok := e.(*ConfigError)
				if !ok || ce.Pos.File != "fuzz.config" || ce.Pos.Line < 1 || ce.Pos.Line > lines || ce.Msg == "" {
					t.Fatalf("error item %#v is not a placed *ConfigError", e)
				}
			}
		}
		for _, e := range c.Entries() {
			back, ok, err := ParseConfigLine(e.Line())
			if err != nil || !ok || back.Name != e.Name || !back.same(e) {
				t.Fatalf("entry %+v: line %q parses as %+v, %v, %v", e, e.Line(), back, ok, err)
			}
		}
		var buf bytes.Buffer
		if err := c.Write(&buf); err != nil {
			t.Fatalf("writing what was read: %v", err)
		}
		again, _, err := ReadConfig(bytes.NewReader(buf.Bytes()), "written.config")
		if err != nil {
			t.Fatalf("reading what was written: %v\n%s", err, buf.Bytes())
		}
		if !sameEntries(c, again) {
			t.Fatalf("round trip changed the entries:\n%+v\n%+v", c.Entries(), again.Entries())
		}
		var buf2 bytes.Buffer
		if err := again.Write(&buf2); err != nil || !bytes.Equal(buf.Bytes(), buf2.Bytes()) {
			t.Fatalf("second write differs (%v):\n%q\n%q", err, buf.Bytes(), buf2.Bytes())
		}
	})
}
