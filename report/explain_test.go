package report

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestTextEffects: under one heading, each culprit gets a line that says
// what it turns on or off besides itself, the telling change in
// Kconfig's words first; a line that changes nothing says so; the lines
// wrap with a hanging indent; result.json keys the same by line.
func TestTextEffects(t *testing.T) {
	in := &Input{
		Base: Base{Targets: []string{"tinyconfig"}},
		Culprits: []Option{
			{Name: "DEBUG_ENTRY", Line: "CONFIG_DEBUG_ENTRY=y", Effects: Effects{
				Changes: []Change{{Name: "NOINSTR_VALIDATION", From: "n", To: "y"}, {Name: "OBJTOOL", From: "n", To: "y"}},
				Telling: Change{Name: "NOINSTR_VALIDATION", From: "n", To: "y"}, Hidden: true, At: "lib/Kconfig.debug:560",
			}},
			{Name: "DEBUG_FS", Line: "CONFIG_DEBUG_FS=y", Effects: Effects{
				Changes: []Change{{Name: "DEBUG_FS_ALLOW_ALL", From: "n", To: "y"}},
				Telling: Change{Name: "DEBUG_FS_ALLOW_ALL", From: "n", To: "y"}, Text: "Debugfs default access: Access normal",
			}},
			{Name: "KASAN", Line: "CONFIG_KASAN=y", Effects: Effects{
				Changes: []Change{{Name: "FRAME_WARN", From: "2048", To: "0"}, {Name: "VMAP_STACK", From: "y", To: "n"}},
				Telling: Change{Name: "FRAME_WARN", From: "2048", To: "0"}, Text: "Warn for stack frames larger than", Hidden: true,
			}},
			{Name: "GCOV_PROFILE_ALL", Line: "CONFIG_GCOV_PROFILE_ALL=y"},
		},
	}
	text := Text(in, Plan(in))
	for _, want := range []string{
		"  CONFIG_DEBUG_ENTRY=y also turns on NOINSTR_VALIDATION (no prompt or\n    help; lib/Kconfig.debug:560), and 1 more: OBJTOOL=y.\n",
		"  CONFIG_DEBUG_FS=y also turns on DEBUG_FS_ALLOW_ALL (\"Debugfs default\n    access: Access normal\").\n",
		"  CONFIG_KASAN=y also sets FRAME_WARN to 0 (2048 without it) (no prompt;\n    its help: \"Warn for stack frames larger than\"), and 1 more:\n    VMAP_STACK=n.\n",
		"  CONFIG_GCOV_PROFILE_ALL=y changes nothing else.\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the report does not say\n%s\n%s", want, text)
		}
	}
	if flat := strings.Join(strings.Fields(text), " "); !strings.Contains(flat, "What each option turns on or off besides itself") {
		t.Errorf("no heading over the effects:\n%s", text)
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
	if e := back.Effects["CONFIG_DEBUG_ENTRY=y"]; e.Telling.Name != "NOINSTR_VALIDATION" || len(e.Changes) != 2 || e.At != "lib/Kconfig.debug:560" {
		t.Errorf("result.json's effects of CONFIG_DEBUG_ENTRY=y: %+v", e)
	}
	if _, ok := back.Effects["CONFIG_GCOV_PROFILE_ALL=y"]; ok || len(back.Effects) != 3 {
		t.Errorf("result.json's effects: %+v, want the three lines that change anything", back.Effects)
	}
}

// TestTextNoEffects: a report whose culprits change nothing else has no
// such block.
func TestTextNoEffects(t *testing.T) {
	in := &Input{Base: Base{Targets: []string{"tinyconfig"}}, Culprits: []Option{{Name: "A", Line: "CONFIG_A=y"}}}
	if text := Text(in, Plan(in)); strings.Contains(text, "changes nothing else") || strings.Contains(text, "besides itself") {
		t.Errorf("a block of effects without any:\n%s", text)
	}
}
