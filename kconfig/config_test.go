package kconfig

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-multierror"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func TestParseConfigLine(t *testing.T) {
	tests := []struct {
		line    string
		want    Entry
		ok      bool
		wantErr string // substring of the error; "" for none
	}{
		{line: "CONFIG_A=y", want: Entry{Name: "A", Value: "y"}, ok: true},
		{line: "CONFIG_A=m\n", want: Entry{Name: "A", Value: "m"}, ok: true},
		{line: "CONFIG_A=n\r\n", want: Entry{Name: "A", Value: "n"}, ok: true},
		{line: "# CONFIG_A is not set", want: Entry{Name: "A", Value: "n"}, ok: true},
		{line: "# CONFIG_lower_9 is not set", want: Entry{Name: "lower_9", Value: "n"}, ok: true},
		{line: "CONFIG_I=-17", want: Entry{Name: "I", Value: "-17"}, ok: true},
		{line: "CONFIG_I=0", want: Entry{Name: "I", Value: "0"}, ok: true},
		{line: "CONFIG_H=0x1000000", want: Entry{Name: "H", Value: "0x1000000"}, ok: true},
		{line: "CONFIG_H=0XaBc", want: Entry{Name: "H", Value: "0XaBc"}, ok: true},
		{line: "CONFIG_H=ff", want: Entry{Name: "H", Value: "ff"}, ok: true},
		{line: "CONFIG_H=007", want: Entry{Name: "H", Value: "007"}, ok: true},
		{line: "CONFIG_Y=yes", want: Entry{Name: "Y", Value: "yes"}, ok: true},
		{line: `CONFIG_S=""`, want: Entry{Name: "S", Value: "", Quoted: true}, ok: true},
		{line: `CONFIG_S="a b"`, want: Entry{Name: "S", Value: "a b", Quoted: true}, ok: true},
		{line: `CONFIG_S="a\"b"`, want: Entry{Name: "S", Value: `a"b`, Quoted: true}, ok: true},
		{line: `CONFIG_S="a\\b"`, want: Entry{Name: "S", Value: `a\b`, Quoted: true}, ok: true},
		{line: `CONFIG_S="\a\n"`, want: Entry{Name: "S", Value: `an`, Quoted: true}, ok: true},
		{line: `CONFIG_S="n"`, want: Entry{Name: "S", Value: "n", Quoted: true}, ok: true},
		{line: `CONFIG_S="#x=y"`, want: Entry{Name: "S", Value: "#x=y", Quoted: true}, ok: true},
		{line: `CONFIG_S="x"   `, want: Entry{Name: "S", Value: "x", Quoted: true}, ok: true},
		{line: "CONFIG_A=y \t", want: Entry{Name: "A", Value: "y"}, ok: true},
		{line: "", ok: false},
		{line: "#", ok: false},
		{line: "# Kernel hacking", ok: false},
		{line: "# CONFIG_A=y", ok: false},
		{line: "# CONFIG_A is not set, really", ok: false},
		{line: "#CONFIG_A is not set", ok: false},
		{line: "CONFIG_FOO", wantErr: `missing "=" after CONFIG_FOO`},
		{line: "CONFIG_FOO y", wantErr: `missing "=" after CONFIG_FOO`},
		{line: "CONFIG_", wantErr: "missing symbol name after CONFIG_"},
		{line: "CONFIG_=y", wantErr: `missing symbol name between CONFIG_ and "="`},
		{line: "CONFIG_A-B=y", wantErr: `invalid symbol name "A-B"`},
		{line: "CONFIG_A =y", wantErr: `invalid symbol name "A "`},
		{line: "# CONFIG_A.B is not set", wantErr: `invalid symbol name "A.B"`},
		{line: "CONFIG_A=", wantErr: "missing value after CONFIG_A="},
		{line: `CONFIG_S="abc`, wantErr: "unterminated string"},
		{line: `CONFIG_S="abc\"`, wantErr: "unterminated string"},
		{line: `CONFIG_S="abc\`, wantErr: "unterminated string"},
		{line: `CONFIG_S="a" b`, wantErr: `unexpected text " b" after the closing quote`},
		{line: `CONFIG_S="a""b"`, wantErr: `unexpected text "\"b\"" after the closing quote`},
		{line: "CONFIG_S=hello", wantErr: `invalid value "hello"`},
		{line: "CONFIG_S=a b", wantErr: `value "a b" has whitespace`},
		{line: "CONFIG_A=y # on", wantErr: "has whitespace"},
		{line: "CONFIG_S='a'", wantErr: "not single"},
		{line: `CONFIG_S=a"b"`, wantErr: `stray '"'`},
		{line: "CONFIG_I=-0x10", wantErr: `invalid value "-0x10"`},
		{line: "CONFIG_I=+5", wantErr: `invalid value "+5"`},
		{line: "CONFIG_H=0x", wantErr: `invalid value "0x"`},
		{line: "CONFIG_I=-", wantErr: `invalid value "-"`},
		{line: "  CONFIG_A=y", wantErr: "whitespace before CONFIG_"},
		{line: "A=y", wantErr: `unexpected text "A=y": a line must start with CONFIG_ or #`},
		{line: "config A", wantErr: "a line must start with CONFIG_"},
		{line: "CONFIG_A=y\x00", wantErr: "NUL byte"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			e, ok, err := ParseConfigLine(tt.line)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseConfigLine(%q) = %+v, %v, %v; want error containing %q", tt.line, e, ok, err, tt.wantErr)
				}
				var ce *ConfigError
				if !errors.As(err, &ce) {
					t.Errorf("error %v is %T, want *ConfigError", err, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseConfigLine(%q): %v", tt.line, err)
			}
			if ok != tt.ok || e != tt.want {
				t.Errorf("ParseConfigLine(%q) = %+v, %v; want %+v, %v", tt.line, e, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestConfigPrefix(t *testing.T) {
	f := ConfigFormat{Prefix: "BR2_"}
	c, warns, err := f.Read(strings.NewReader("BR2_A=y\n# BR2_B is not set\nCONFIG_C=y\n"), "br.config")
	if err == nil || !strings.Contains(err.Error(), `br.config:3: unexpected text "CONFIG_C=y": a line must start with BR2_ or #`) {
		t.Errorf("error = %v, want one for line 3", err)
	}
	if len(warns) != 0 {
		t.Errorf("warnings: %v", warns)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf, c); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "BR2_A=y\n# BR2_B is not set\n"; got != want {
		t.Errorf("written %q, want %q", got, want)
	}
	if got := f.Line(Entry{Name: "S", Value: "x", Quoted: true}); got != `BR2_S="x"` {
		t.Errorf("Line = %q", got)
	}
}

// TestReadConfigLineWarnings checks which lines the reader warns about:
// those the kernel's conf reads otherwise than they seem to say.
func TestReadConfigLineWarnings(t *testing.T) {
	tests := []struct {
		line string
		want string // substring of the one warning; "" for none
	}{
		{"CONFIG_A=y", ""},
		{"# CONFIG_A is not set", ""},
		{"# CONFIG_A=y", ""},
		{"# comment with trailing blanks  ", ""},
		{"#CONFIG_ is not set", ""},
		{"# CONFIG_A-B is NOT set", ""},
		{"# CONFIG_A is not set ", `trailing whitespace after "is not set": the kernel's conf reads this line as a comment, not as CONFIG_A=n`},
		{"# CONFIG_A is not set\r", ""}, // CRLF
		{"# CONFIG_A is not set\r\r", "trailing whitespace after"},
		{"# CONFIG_A is not set\t", "trailing whitespace after"},
		{"#CONFIG_A is not set", `the kernel's conf reads this as a comment: an unset symbol is written exactly "# CONFIG_A is not set"`},
		{"#\tCONFIG_A\tis not set", `exactly "# CONFIG_A is not set"`},
		{"# CONFIG_A is Not Set", `exactly "# CONFIG_A is not set"`},
		{"# CONFIG_A  is not set", `exactly "# CONFIG_A is not set"`},
		{"CONFIG_A=y ", "trailing whitespace ignored"},
		{"\t", "whitespace-only line"},
		{"CONFIG_A=yes", `value "yes": the kernel reads it as "y" for a bool or tristate`},
		{"CONFIG_A=no", `value "no": the kernel reads it as "n"`},
		{"CONFIG_A=module", `value "module": the kernel reads it as "m" for a tristate`},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			_, warns, err := ReadConfig(strings.NewReader(tt.line+"\n"), "w.config")
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.want == "" && len(warns) != 0:
				t.Errorf("warnings %v, want none", warns)
			case tt.want != "" && (len(warns) != 1 || warns[0].Pos != Pos{File: "w.config", Line: 1} || !strings.Contains(warns[0].Msg, tt.want)):
				t.Errorf("warnings %v, want one containing %q", warns, tt.want)
			}
		})
	}
}

// TestReadConfigErrors checks the contract of the error: every bad line, in
// order, as a *ConfigError with file and line, inside a *multierror.Error.
func TestReadConfigErrors(t *testing.T) {
	c, _, err := ReadConfigFile("testdata/config/bad.config")
	var merr *multierror.Error
	if !errors.As(err, &merr) {
		t.Fatalf("error %v (%T), want *multierror.Error", err, err)
	}
	wantLines := []int{3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}
	var gotLines []int
	for _, e := range merr.Errors {
		ce, ok := e.(*ConfigError)
		if !ok {
			t.Fatalf("item %v is %T, want *ConfigError", e, e)
		}
		if ce.Pos.File != "testdata/config/bad.config" {
			t.Errorf("%v: file %q", ce, ce.Pos.File)
		}
		gotLines = append(gotLines, ce.Pos.Line)
	}
	if !reflect.DeepEqual(gotLines, wantLines) {
		t.Errorf("error lines %v, want %v", gotLines, wantLines)
	}
	if want := `testdata/config/bad.config:7: missing "=" after CONFIG_FOO`; merr.Errors[4].Error() != want {
		t.Errorf("line 7: %q, want %q", merr.Errors[4].Error(), want)
	}
	// All of them, one a line, as a compiler prints them.
	if lines := strings.Split(err.Error(), "\n"); len(lines) != len(wantLines) || !strings.HasPrefix(lines[4], "testdata/config/bad.config:7: ") {
		t.Errorf("the error prints as\n%s\nwant one \"file:line: message\" a line", err)
	}
	if got := strings.Join(c.Names(), " "); got != "GOOD LAST" {
		t.Errorf("good lines kept: %s, want GOOD LAST", got)
	}
	if !IsConfigError(err) {
		t.Errorf("IsConfigError(%v) = false", err)
	}
	if _, _, err := ReadConfigFile("testdata/config/absent.config"); err == nil || IsConfigError(err) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v, want a wrapped ErrNotExist", err)
	}
}

func TestReadConfigWarnings(t *testing.T) {
	c, warns, err := ReadConfig(strings.NewReader("CONFIG_A=y\nCONFIG_B=y\nCONFIG_A=m\n# CONFIG_B is not set\n"), "dup.config")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"dup.config:3: override: reassigning to symbol A (set before at line 1)",
		"dup.config:4: override: reassigning to symbol B (set before at line 2)",
	}
	var got []string
	for _, w := range warns {
		got = append(got, w.String())
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("warnings\n%q\nwant\n%q", got, want)
	}
	wantEntries := []Entry{
		{Name: "A", Value: "m", Pos: Pos{File: "dup.config", Line: 3}},
		{Name: "B", Value: "n", Pos: Pos{File: "dup.config", Line: 4}},
	}
	if !reflect.DeepEqual(c.Entries(), wantEntries) {
		t.Errorf("entries %+v, want %+v", c.Entries(), wantEntries)
	}
}

// TestConfigFiles reads every file under testdata/config and compares what
// was read (errors, warnings, entries) and written with a golden file.
func TestConfigFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/config/*.config")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			var out strings.Builder
			c, warns, err := ReadConfigFile(file)
			var merr *multierror.Error
			if errors.As(err, &merr) {
				out.WriteString("errors:\n")
				for _, e := range merr.Errors {
					fmt.Fprintf(&out, "  %v\n", e)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if len(warns) > 0 {
				out.WriteString("warnings:\n")
				for _, w := range warns {
					fmt.Fprintf(&out, "  %v\n", w)
				}
			}
			out.WriteString("entries:\n")
			for _, e := range c.Entries() {
				fmt.Fprintf(&out, "  %d %s value=%q quoted=%v\n", e.Pos.Line, e.Name, e.Value, e.Quoted)
			}
			out.WriteString("written:\n")
			var buf bytes.Buffer
			if err := c.Write(&buf); err != nil {
				t.Fatal(err)
			}
			out.Write(buf.Bytes())
			checkGolden(t, file+".golden", out.String())

			again, warns2, err := ReadConfig(&buf, "written")
			if err != nil || !sameEntries(c, again) {
				t.Errorf("written config reads back as %v, %v; want %v", again.Entries(), err, c.Entries())
			}
			for _, w := range warns2 {
				if !strings.Contains(w.Msg, "the kernel reads it as") {
					t.Errorf("written config warns: %v", w)
				}
			}
		})
	}
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run with -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// sameEntries compares two configs' entries, positions aside.
func sameEntries(a, b *Config) bool {
	ea, eb := a.Entries(), b.Entries()
	if len(ea) != len(eb) {
		return false
	}
	for i := range ea {
		if ea[i].Name != eb[i].Name || !ea[i].same(eb[i]) {
			return false
		}
	}
	return true
}

func TestEntryLine(t *testing.T) {
	tests := []struct {
		e       Entry
		line    string
		literal string
	}{
		{Entry{Name: "A", Value: "y"}, "CONFIG_A=y", "y"},
		{Entry{Name: "A", Value: "m"}, "CONFIG_A=m", "m"},
		{Entry{Name: "A", Value: "n"}, "# CONFIG_A is not set", "n"},
		{Entry{Name: "S", Value: "n", Quoted: true}, `CONFIG_S="n"`, `"n"`},
		{Entry{Name: "S", Value: "", Quoted: true}, `CONFIG_S=""`, `""`},
		{Entry{Name: "S", Value: `a"b`, Quoted: true}, `CONFIG_S="a\"b"`, `"a\"b"`},
		{Entry{Name: "S", Value: `C:\dir\`, Quoted: true}, `CONFIG_S="C:\\dir\\"`, `"C:\\dir\\"`},
		{Entry{Name: "S", Value: `\"`, Quoted: true}, `CONFIG_S="\\\""`, `"\\\""`},
		{Entry{Name: "H", Value: "0x10"}, "CONFIG_H=0x10", "0x10"},
		{Entry{Name: "I", Value: "-3"}, "CONFIG_I=-3", "-3"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			if got := tt.e.Line(); got != tt.line {
				t.Errorf("Line() = %q, want %q", got, tt.line)
			}
			if got := tt.e.Literal(); got != tt.literal {
				t.Errorf("Literal() = %q, want %q", got, tt.literal)
			}
			back, ok, err := ParseConfigLine(tt.line)
			if err != nil || !ok || back != tt.e {
				t.Errorf("ParseConfigLine(%q) = %+v, %v, %v; want %+v", tt.line, back, ok, err, tt.e)
			}
		})
	}
}

func TestWriteRefusesUnwritable(t *testing.T) {
	tests := []struct {
		e    Entry
		want string
	}{
		{Entry{Name: "", Value: "y"}, `invalid symbol name ""`},
		{Entry{Name: "CONFIG_A", Value: "y"}, ""}, // odd but writable
		{Entry{Name: "A B", Value: "y"}, `invalid symbol name "A B"`},
		{Entry{Name: "S", Value: "a\nb", Quoted: true}, "newline or NUL"},
		{Entry{Name: "S", Value: "a\x00", Quoted: true}, "newline or NUL"},
		{Entry{Name: "S", Value: ""}, "empty value"},
		{Entry{Name: "S", Value: "two words"}, "has whitespace"},
		{Entry{Name: "S", Value: "word"}, `invalid value "word"`},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q=%q", tt.e.Name, tt.e.Value), func(t *testing.T) {
			c := NewConfig()
			c.Set(Entry{Name: "OK", Value: "y"})
			c.Set(tt.e)
			var buf bytes.Buffer
			err := c.Write(&buf)
			if tt.want == "" {
				if err != nil {
					t.Errorf("Write: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Write error %v, want one containing %q", err, tt.want)
			}
			if buf.Len() != 0 {
				t.Errorf("Write wrote %q before failing", buf.String())
			}
		})
	}
}

func TestConfigSetDelete(t *testing.T) {
	c := NewConfig()
	for _, n := range []string{"C", "A", "B", "D"} {
		c.Set(Entry{Name: n, Value: "y"})
	}
	c.Set(Entry{Name: "A", Value: "m"}) // in place
	c.Delete("C")
	c.Delete("nothing")
	c.Set(Entry{Name: "C", Value: "n"}) // back, at the end
	order := func(c *Config) string {
		var s []string
		for _, e := range c.Entries() {
			s = append(s, e.Name+"="+e.Value)
		}
		return strings.Join(s, " ")
	}
	if got, want := order(c), "A=m B=y D=y C=n"; got != want {
		t.Errorf("order %q, want %q", got, want)
	}
	if got := strings.Join(c.Names(), ","); got != "A,B,C,D" {
		t.Errorf("Names = %s", got)
	}
	if c.Len() != 4 || c.Value("A") != "m" || c.Value("Z") != "" {
		t.Errorf("Len %d, A=%q, Z=%q", c.Len(), c.Value("A"), c.Value("Z"))
	}
	if _, ok := c.Get("Z"); ok {
		t.Error("Get(Z) found")
	}

	d := c.Clone()
	d.Set(Entry{Name: "A", Value: "y"})
	d.Delete("B")
	if c.Value("A") != "m" || c.Value("B") != "y" {
		t.Error("changing a clone changed the original")
	}
	es := c.Entries()
	es[0].Value = "changed"
	if c.Value("A") != "m" {
		t.Error("Entries is not a copy")
	}

	// Many deletions compact the entries; order survives it.
	big := NewConfig()
	for i := range 100 {
		big.Set(Entry{Name: fmt.Sprintf("S%03d", i), Value: "y"})
	}
	for i := 0; i < 100; i += 3 {
		big.Delete(fmt.Sprintf("S%03d", i))
	}
	big.Set(Entry{Name: "S001", Value: "m"})
	var names []string
	for _, e := range big.Entries() {
		names = append(names, e.Name)
	}
	if big.Len() != 66 || len(names) != 66 || names[0] != "S001" || names[65] != "S098" {
		t.Errorf("after deletions: Len %d, names %v", big.Len(), names)
	}
	if e, _ := big.Get("S001"); e.Value != "m" {
		t.Errorf("S001 = %q after compaction", e.Value)
	}
	var zero Config
	zero.Set(Entry{Name: "A", Value: "y"})
	if zero.Value("A") != "y" {
		t.Error("the zero Config does not take Set")
	}
}

func mustRead(t *testing.T, name, text string) *Config {
	t.Helper()
	c, _, err := ReadConfig(strings.NewReader(text), name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestMerge(t *testing.T) {
	base := mustRead(t, "base.config", "CONFIG_A=y\nCONFIG_B=y\nCONFIG_S=\"x\"\nCONFIG_I=5\n")
	f1 := mustRead(t, "f1.config", "# f1\nCONFIG_NEW1=y\nCONFIG_B=y\n# CONFIG_A is not set\n")
	f2 := mustRead(t, "f2.config", "CONFIG_NEW2=m\nCONFIG_A=m\nCONFIG_S=\"x\"\nCONFIG_I=\"5\"\n")
	got, overrides := Merge(base, f1, f2)

	var lines []string
	for _, e := range got.Entries() {
		lines = append(lines, e.Line())
	}
	// merge_config.sh drops each overridden line and appends the fragment
	wantLines := []string{"CONFIG_NEW1=y", "CONFIG_B=y", "CONFIG_NEW2=m", "CONFIG_A=m", `CONFIG_S="x"`, `CONFIG_I="5"`}
	if !reflect.DeepEqual(lines, wantLines) {
		t.Errorf("merged\n%q\nwant\n%q", lines, wantLines)
	}
	wantOver := []Override{
		{Name: "A", Old: "y", New: "n", Pos: Pos{File: "f1.config", Line: 4}},
		{Name: "A", Old: "n", New: "m", Pos: Pos{File: "f2.config", Line: 2}},
		{Name: "I", Old: "5", New: `"5"`, Pos: Pos{File: "f2.config", Line: 4}},
	}
	if !reflect.DeepEqual(overrides, wantOver) {
		t.Errorf("overrides\n%+v\nwant\n%+v", overrides, wantOver)
	}
	wantText := "Value of CONFIG_A is redefined by fragment f1.config:4:\n" +
		"Previous  value: CONFIG_A=y\n" +
		"New value:       # CONFIG_A is not set"
	if got := overrides[0].String(); got != wantText {
		t.Errorf("String()\n%s\nwant\n%s", got, wantText)
	}
	if got := (Override{Name: "X", Old: "1", New: "2"}).String(); !strings.HasPrefix(got, "Value of CONFIG_X is redefined by a fragment:\n") {
		t.Errorf("String() without a position: %q", got)
	}
	if base.Value("A") != "y" || base.Len() != 4 || f1.Len() != 3 {
		t.Error("Merge changed its inputs")
	}
	if m, o := Merge(nil); m.Len() != 0 || o != nil {
		t.Errorf("Merge(nil) = %v, %v", m.Entries(), o)
	}
	if m, _ := Merge(nil, f1, nil); !sameEntries(m, f1) {
		t.Errorf("Merge(nil, f1) = %v", m.Entries())
	}
}

func TestDiff(t *testing.T) {
	a := mustRead(t, "a", "CONFIG_Z=y\nCONFIG_SAME=y\nCONFIG_GONE=m\nCONFIG_S=\"\"\nCONFIG_I=16\nCONFIG_N=n\n")
	b := mustRead(t, "b", "CONFIG_SAME=y\nCONFIG_Z=m\nCONFIG_NEW=\"\"\nCONFIG_S=\"\"\nCONFIG_I=0x10\nCONFIG_A=y\n")
	got := Diff(a, b)
	want := []Change{
		{Name: "A", New: "y"},
		{Name: "GONE", Old: "m"},
		{Name: "I", Old: "16", New: "0x10"},
		{Name: "N", Old: "n"},
		{Name: "NEW", New: `""`},
		{Name: "Z", Old: "y", New: "m"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Diff\n%+v\nwant\n%+v", got, want)
	}
	kinds := map[string]string{"A": "added", "GONE": "removed", "I": "changed", "N": "removed", "NEW": "added", "Z": "changed"}
	for _, c := range got {
		if c.Kind() != kinds[c.Name] {
			t.Errorf("%s: Kind %q, want %q", c.Name, c.Kind(), kinds[c.Name])
		}
	}
	if d := Diff(a, a.Clone()); len(d) != 0 {
		t.Errorf("Diff of a config with itself: %v", d)
	}
	if d := Diff(nil, b); len(d) != b.Len() {
		t.Errorf("Diff(nil, b) has %d changes, want %d", len(d), b.Len())
	}
}

// linuxTree is the real kernel tree; tests that need it are skipped in
// -short mode and fail without it otherwise.
func linuxTree(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the real kernel tree")
	}
	dir := os.Getenv("KCMIN_LINUX")
	if dir == "" {
		dir = filepath.Join("..", ".cache", "linux-source-6.12")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "Makefile")); err != nil {
		t.Fatalf("the kernel tree (KCMIN_LINUX): %v; run `make linux`", err)
	}
	return dir
}

// run runs a command in its own process group, killed with its children at
// the timeout, and returns its standard output.
func run(t testing.TB, timeout time.Duration, name string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.Bytes())
	}
	return out
}

// withoutComments drops the lines Write does not keep: blank lines and
// comments other than "# CONFIG_X is not set".
func withoutComments(data []byte) []byte {
	var out bytes.Buffer
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if line == "" || line == "\n" {
			continue
		}
		if strings.HasPrefix(line, "#") && !strings.HasSuffix(line, " is not set\n") {
			continue
		}
		out.WriteString(line)
	}
	return out.Bytes()
}

// roundTrip reads a file the kernel's conf wrote and checks that it reads
// without a complaint and writes back byte for byte.
func roundTrip(t *testing.T, path string) *Config {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, warns, err := ReadConfig(bytes.NewReader(data), path)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	for _, w := range warns {
		t.Errorf("warning: %v", w)
	}
	var buf bytes.Buffer
	if err := c.Write(&buf); err != nil {
		t.Fatal(err)
	}
	want := withoutComments(data)
	if !bytes.Equal(buf.Bytes(), want) {
		got := strings.Split(buf.String(), "\n")
		exp := strings.Split(string(want), "\n")
		for i := 0; i < len(got) && i < len(exp); i++ {
			if got[i] != exp[i] {
				t.Fatalf("%s: line %d of the written config is\n%q\nwant\n%q", path, i+1, got[i], exp[i])
			}
		}
		t.Fatalf("%s: written config has %d lines, want %d", path, len(got), len(exp))
	}
	t.Logf("%s: %d entries round-trip", path, c.Len())
	return c
}

// TestRoundTripKernel has the kernel's own conf write configs (defconfig,
// olddefconfig with strings that need escaping, savedefconfig) and checks
// that Read+Write gives back the same bytes.
func TestRoundTripKernel(t *testing.T) {
	linux := linuxTree(t)
	out := t.TempDir()
	mk := func(target string) {
		run(t, 10*time.Minute, "make", "-s", "-C", linux, "O="+out, "ARCH=x86_64", "LLVM=-19", target)
	}
	dotconfig := filepath.Join(out, ".config")

	mk("defconfig")
	c := roundTrip(t, dotconfig)
	if c.Value("X86_64") != "y" || c.Len() < 1000 {
		t.Errorf("defconfig: X86_64=%q, %d entries", c.Value("X86_64"), c.Len())
	}

	// Strings with quotes and backslashes, through the kernel's reader and
	// writer.
	const cmdline = `console=ttyS0 quote="a b" back=C:\dir\ end\`
	c.Set(Entry{Name: "CMDLINE_BOOL", Value: "y"})
	c.Set(Entry{Name: "CMDLINE", Value: cmdline, Quoted: true})
	c.Set(Entry{Name: "LOCALVERSION", Value: `-"kc\min"`, Quoted: true})
	// Lines the reader warns about, to see that the kernel reads them as
	// the warnings say.
	for _, name := range []string{"SWAP", "CROSS_MEMORY_ATTACH", "IKCONFIG", "HIBERNATION"} {
		c.Delete(name)
	}
	var buf bytes.Buffer
	if err := c.Write(&buf); err != nil {
		t.Fatal(err)
	}
	n := strings.Count(buf.String(), "\n")
	buf.WriteString("# CONFIG_SWAP is not set \n" +
		"#CONFIG_CROSS_MEMORY_ATTACH is not set\n" +
		"CONFIG_IKCONFIG=module\n" +
		"CONFIG_HIBERNATION=n\n" +
		"CONFIG_HIBERNATION=y\n")
	if err := os.WriteFile(dotconfig, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	mine, warns, err := ReadConfigFile(dotconfig)
	if err != nil {
		t.Fatal(err)
	}
	wantWarns := []string{
		fmt.Sprintf(`%s:%d: trailing whitespace after "is not set": the kernel's conf reads this line as a comment, not as CONFIG_SWAP=n`, dotconfig, n+1),
		fmt.Sprintf(`%s:%d: the kernel's conf reads this as a comment: an unset symbol is written exactly "# CONFIG_CROSS_MEMORY_ATTACH is not set"`, dotconfig, n+2),
		fmt.Sprintf(`%s:%d: value "module": the kernel reads it as "m" for a tristate and rejects it for other types`, dotconfig, n+3),
		fmt.Sprintf(`%s:%d: override: reassigning to symbol HIBERNATION (set before at line %d)`, dotconfig, n+5, n+4),
	}
	var gotWarns []string
	for _, w := range warns {
		gotWarns = append(gotWarns, w.String())
	}
	if !reflect.DeepEqual(gotWarns, wantWarns) {
		t.Errorf("warnings\n%s\nwant\n%s", strings.Join(gotWarns, "\n"), strings.Join(wantWarns, "\n"))
	}
	if mine.Value("SWAP") != "n" || mine.Value("IKCONFIG") != "module" || mine.Value("HIBERNATION") != "y" {
		t.Errorf("read SWAP=%q IKCONFIG=%q HIBERNATION=%q", mine.Value("SWAP"), mine.Value("IKCONFIG"), mine.Value("HIBERNATION"))
	}
	mk("olddefconfig")
	c = roundTrip(t, dotconfig)
	for name, want := range map[string]string{"SWAP": "y", "CROSS_MEMORY_ATTACH": "y", "IKCONFIG": "m", "HIBERNATION": "y"} {
		if got := c.Value(name); got != want {
			t.Errorf("the kernel's conf made %s=%q, want %q", name, got, want)
		}
	}
	if got := c.Value("CMDLINE"); got != cmdline {
		t.Errorf("CMDLINE after olddefconfig = %q, want %q", got, cmdline)
	}
	if got := c.Value("LOCALVERSION"); got != `-"kc\min"` {
		t.Errorf("LOCALVERSION after olddefconfig = %q", got)
	}

	mk("savedefconfig")
	saved := roundTrip(t, filepath.Join(out, "defconfig"))
	if e, _ := saved.Get("CMDLINE"); e.Value != cmdline || !e.Quoted {
		t.Errorf("savedefconfig's CMDLINE = %+v", e)
	}
	if saved.Len() >= c.Len() {
		t.Errorf("savedefconfig has %d entries, .config %d", saved.Len(), c.Len())
	}
}

// debianConfig decompresses Debian's amd64 config into dir.
func debianConfig(t testing.TB, dir string) string {
	t.Helper()
	const xz = "/usr/src/linux-config-6.12/config.amd64_none_amd64.xz"
	if _, err := os.Stat(xz); err != nil {
		if testing.Short() {
			t.Skipf("Debian's config: %v", err)
		}
		t.Fatalf("Debian's config: %v; run `make deps`", err)
	}
	path := filepath.Join(dir, "config.amd64_none_amd64")
	if err := os.WriteFile(path, run(t, time.Minute, "xz", "-dc", xz), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRoundTripDebian(t *testing.T) {
	if testing.Short() {
		t.Skip("reads Debian's config")
	}
	c := roundTrip(t, debianConfig(t, t.TempDir()))
	if c.Len() < 5000 {
		t.Errorf("only %d entries", c.Len())
	}
}

func BenchmarkReadConfig(b *testing.B) {
	data, err := os.ReadFile(debianConfig(b, b.TempDir()))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ReadConfig(bytes.NewReader(data), "config"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteConfig(b *testing.B) {
	data, err := os.ReadFile(debianConfig(b, b.TempDir()))
	if err != nil {
		b.Fatal(err)
	}
	c, _, err := ReadConfig(bytes.NewReader(data), "config")
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := c.Write(&buf); err != nil {
			b.Fatal(err)
		}
	}
}
