package oracle

import (
	"debug/elf"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/kcmin/kcmin/build"
)

// TestDefinedIn: the functions an objtool warning names are found in the
// objects that define them, by kbuild's record of each object's source:
// a global function in one file, a static one in two, data and undefined
// references in neither, and an object that is no ELF file passed over.
func TestDefinedIn(t *testing.T) {
	dir := t.TempDir()
	objects := map[string][]testSym{
		"arch/x86/entry/common.o": {
			{"func_a", elf.STT_FUNC, elf.STB_GLOBAL, ".text", testText, 0x10},
			{"init_fn", elf.STT_FUNC, elf.STB_LOCAL, ".init.text", testInit, 0x40},
			{"asm_entry", elf.STT_NOTYPE, elf.STB_GLOBAL, ".text", testText + 0x40, 0},
			{"some_data", elf.STT_OBJECT, elf.STB_GLOBAL, ".data", testData, 8},
		},
		"kernel/entry/common.o": {
			{"init_fn", elf.STT_FUNC, elf.STB_LOCAL, ".text", testText, 0x40},
			{"func_a", elf.STT_NOTYPE, elf.STB_GLOBAL, "", 0, 0},
			{"some_data", elf.STT_NOTYPE, elf.STB_GLOBAL, "", 0, 0},
		},
		"lib/string.o": nil, // no ELF file
		// A unity build: build_policy.c includes idle.c and rt.c.
		"kernel/sched/build_policy.o": {
			{"cpu_idle_poll", elf.STT_FUNC, elf.STB_LOCAL, ".text", testText, 0x40},
			{"pick_next_task_rt", elf.STT_FUNC, elf.STB_LOCAL, ".text", testText + 0x40, 0x40},
		},
	}
	sched := filepath.Join(dir, "src", "kernel", "sched")
	if err := os.MkdirAll(sched, 0o755); err != nil {
		t.Fatal(err)
	}
	unity := map[string]string{
		"idle.c": "void cpu_idle_poll_ctrl(bool enable)\n{\n}\n\nstatic noinline int __cpuidle cpu_idle_poll(void)\n{\n\treturn 1;\n}\n",
		"rt.c":   "static void f(void)\n{\n\tcpu_idle_poll();\n}\nstatic int cpu_idle_poll(void);\n",
	}
	for name, text := range unity {
		if err := os.WriteFile(filepath.Join(sched, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for obj, syms := range objects {
		path := filepath.Join(dir, obj)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if syms == nil {
			if err := os.WriteFile(path, []byte("fake object\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		} else {
			writeTestELF(t, path, syms)
		}
		src := "/src/linux/" + obj[:len(obj)-2] + ".c"
		cmd := "savedcmd_" + obj + " := clang -c -o " + obj + " " + src + "\n\nsource_" + obj + " := " + src + "\n\ndeps_" + obj + " := \\\n"
		if obj == "kernel/sched/build_policy.o" {
			cmd += "  " + filepath.Join(sched, "rt.c") + " \\\n  " + filepath.Join(sched, "idle.c") + "\n"
		}
		if err := os.WriteFile(filepath.Join(filepath.Dir(path), "."+filepath.Base(obj)+".cmd"), []byte(cmd), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	objs, err := build.ReadObjects(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := DefinedIn(objs, []string{"func_a", "init_fn", "asm_entry", "some_data", "nowhere", "cpu_idle_poll", "pick_next_task_rt"})
	want := map[string][]string{
		"func_a":    {"/src/linux/arch/x86/entry/common.c"},
		"init_fn":   {"/src/linux/arch/x86/entry/common.c", "/src/linux/kernel/entry/common.c"},
		"asm_entry": {"/src/linux/arch/x86/entry/common.c"},
		// The included file that defines it; none does: the object's.
		"cpu_idle_poll":     {filepath.Join(sched, "idle.c")},
		"pick_next_task_rt": {"/src/linux/kernel/sched/build_policy.c"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("DefinedIn = %q, want %q", got, want)
	}
}

// TestDefinesFunc: a definition in the kernel's style, not a call, a
// declaration, a longer name or a macro's use.
func TestDefinesFunc(t *testing.T) {
	for _, c := range []struct {
		text string
		want bool
	}{
		{"static noinline int __cpuidle cpu_idle_poll(void)\n{", true},
		{"void __cpuidle default_idle_call(void)\n", false}, // another name
		{"int cpu_idle_poll (void)", true},
		{"\tcpu_idle_poll();", false},
		{"static int cpu_idle_poll(void);", false},
		{"void cpu_idle_poll_ctrl(bool enable)", false},
		{"void my_cpu_idle_poll(void)", false},
		{"__setup(\"nohlt\", cpu_idle_poll);", false},
		{" * cpu_idle_poll() - poll", false},
		{"x\nstatic int\ncpu_idle_poll(void)\n{", true},
	} {
		if got := definesFunc([]byte(c.text), "cpu_idle_poll"); got != c.want {
			t.Errorf("definesFunc(%q) = %v, want %v", c.text, got, c.want)
		}
	}
}
