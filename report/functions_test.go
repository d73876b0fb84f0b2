package report

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestTextFunctions: where the functions of the failure are defined, one
// paragraph, by file (sorted), each file's functions in the signature's
// order, a static function under each of its files, the tree's paths
// relative to it; result.json keeps the paths as given.
func TestTextFunctions(t *testing.T) {
	in := &Input{
		Base:  Base{Targets: []string{"tinyconfig"}},
		Local: Local{Source: []string{"/src/linux"}},
		Functions: []Function{
			{Name: "do_syscall_64", Files: []string{"/src/linux/arch/x86/entry/common.c"}},
			{Name: "irqentry_exit", Files: []string{"/src/linux/kernel/entry/common.c"}},
			{Name: "do_int80_emulation", Files: []string{"/src/linux/arch/x86/entry/common.c"}},
			{Name: "cpu_relax", Files: []string{"/src/linux/kernel/entry/common.c", "/src/linux/arch/x86/kernel/traps.c"}},
		},
	}
	flat := strings.Join(strings.Fields(Text(in, Plan(in))), " ")
	want := "The functions the warnings name are defined in arch/x86/entry/common.c (do_syscall_64, do_int80_emulation), " +
		"arch/x86/kernel/traps.c (cpu_relax) and kernel/entry/common.c (irqentry_exit, cpu_relax)."
	if !strings.Contains(flat, want) {
		t.Errorf("the report does not say\n%s\n%s", want, flat)
	}
	if strings.Contains(flat, "/src/linux") {
		t.Errorf("the report names the tree's path: %s", flat)
	}
	_, r := Make(in)
	js, err := JSON(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Functions) != 4 || back.Functions[3].Files[1] != "/src/linux/arch/x86/kernel/traps.c" {
		t.Errorf("result.json's functions: %+v", back.Functions)
	}

	in.Functions = in.Functions[:1]
	flat = strings.Join(strings.Fields(Text(in, Plan(in))), " ")
	if !strings.Contains(flat, "The function the warnings name is defined in arch/x86/entry/common.c (do_syscall_64).") {
		t.Errorf("one function:\n%s", flat)
	}
	in.Functions = nil
	if flat = strings.Join(strings.Fields(Text(in, Plan(in))), " "); strings.Contains(flat, "warnings name") {
		t.Errorf("no function, yet:\n%s", flat)
	}
}
