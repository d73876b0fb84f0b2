package kconfig_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/go-multierror"

	"github.com/kcmin/kcmin/kconfig"
)

// valueErrors checks the snippet "values" input against its tree and
// returns the errors by line.
func valueErrors(t *testing.T) (map[int]string, []kconfig.Entry) {
	t.Helper()
	tree, _ := evalSnippet(t, "testdata/snippets/values")
	unknown, err := tree.CheckValues(readConfig(t, "testdata/snippets/values/input.config"))
	var merr *multierror.Error
	if !errors.As(err, &merr) {
		t.Fatalf("CheckValues: %v (%T), want a *multierror.Error", err, err)
	}
	got := map[int]string{}
	for _, e := range merr.Errors {
		var ce *kconfig.ConfigError
		if !errors.As(e, &ce) {
			t.Fatalf("%v is %T, want a *ConfigError", e, e)
		}
		got[ce.Pos.Line] = ce.Error()
	}
	if lines := strings.Split(err.Error(), "\n"); len(lines) != len(merr.Errors) {
		t.Errorf("the error is not one line per value:\n%s", err)
	}
	return got, unknown
}

// TestCheckValues: a value that conf would not take for its symbol's
// type is an error at its line, not a default taken without a word.
func TestCheckValues(t *testing.T) {
	got, unknown := valueErrors(t)
	const in = "testdata/snippets/values/input.config"
	want := map[int]string{
		2:  in + ":2: BOOL_M is a bool: m is not y or n",
		4:  in + ":4: BOOL_NUM is a bool: 1 is not y or n",
		5:  in + `:5: BOOL_STR is a bool: "y" is not y or n`,
		7:  in + ":7: TRI_HEX is a tristate: 0x1 is not y, m or n",
		8:  in + ":8: INT_WORD is an int: abc is not a decimal number",
		9:  in + ":9: INT_TAIL is an int: 12abc is not a decimal number",
		10: in + ":10: INT_ZERO is an int: 012 is not a decimal number",
		12: in + `:12: INT_QUOTED is an int: "64" is a string, a number takes no quotes`,
		13: in + ":13: INT_HEX is an int: 0x10 is not a decimal number",
		14: in + ":14: INT_UNSET is an int: n is not a decimal number",
		17: in + ":17: HEX_NEG is a hex: -1 is not a hex number",
		18: in + `:18: HEX_QUOTED is a hex: "0x10" is a string, a number takes no quotes`,
		19: in + ":19: STR_BARE is a string: 64 needs double quotes",
	}
	for line, msg := range want {
		if !strings.HasPrefix(got[line], msg+"; conf would ignore the line") {
			t.Errorf("line %d: %q, want %q", line, got[line], msg)
		}
	}
	for line, msg := range got {
		if _, ok := want[line]; !ok {
			t.Errorf("line %d: unexpected error %q", line, msg)
		}
	}
	var names []string
	for _, e := range unknown {
		names = append(names, e.Name+":"+strconv.Itoa(e.Pos.Line))
	}
	if !reflect.DeepEqual(names, []string{"UNKNOWN:21"}) {
		t.Errorf("unknown symbols %v, want UNKNOWN at line 21", names)
	}
}

// TestCheckValuesKernelConf: the values CheckValues refuses are those the
// kernel's conf warns about and drops, and the unquoted string it drops
// without a word.
func TestCheckValuesKernelConf(t *testing.T) {
	r := setupReal(t)
	dir, _ := filepath.Abs("testdata/snippets/values")
	in, err := os.ReadFile(filepath.Join(dir, "input.config"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "input.config")
	if err := os.WriteFile(cfg, in, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(r.objdir, "scripts", "kconfig", "conf"), "--olddefconfig", "Kconfig")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "srctree="+dir, "KCONFIG_CONFIG="+cfg)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("kernel conf: %v\n%s", err, out)
	}
	var confLines []int
	for _, m := range regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(cfg)+`:(\d+):warning: symbol value .* invalid for`).FindAllStringSubmatch(string(out), -1) {
		n, _ := strconv.Atoi(m[1])
		confLines = append(confLines, n)
	}
	got, _ := valueErrors(t)
	var ours []int
	for line, msg := range got {
		if !strings.Contains(msg, "is a string:") {
			ours = append(ours, line)
		}
	}
	slices.Sort(ours)
	if len(confLines) == 0 || !slices.Equal(ours, confLines) {
		t.Errorf("kcmin refuses lines %v, the kernel's conf %v:\n%s", ours, confLines, out)
	}
}
