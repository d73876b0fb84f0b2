package build

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// testdata/kbuild holds .cmd files from a 6.12 build dir (clang-19, a
// tinyconfig-based kernel), cut down to a few of their lines, with the
// tree's path replaced.

func TestParseCmdReal(t *testing.T) {
	for _, c := range []struct {
		file, path, source string
		ok                 bool
		options            []string // some of them
		absent             []string
	}{
		{"kernel/.fork.o.cmd", "kernel/fork.o", "/usr/src/linux-source-6.12/kernel/fork.c", true, []string{"USER_NS", "VMAP_STACK", "SECCOMP", "MMU"}, []string{"AIO"}},
		{"arch/x86/entry/.entry_64.o.cmd", "arch/x86/entry/entry_64.o", "/usr/src/linux-source-6.12/arch/x86/entry/entry_64.S", true, []string{"X86_64"}, nil},
		{"kernel/sched/.build_policy.o.cmd", "kernel/sched/build_policy.o", "/usr/src/linux-source-6.12/kernel/sched/build_policy.c", true, []string{"SMP", "CC_VERSION_TEXT"}, nil},
		{"lib/.bcd.o.cmd", "lib/bcd.o", "/usr/src/linux-source-6.12/lib/bcd.c", true, []string{"CC_VERSION_TEXT", "DEBUG_INFO_BTF", "X86_64"}, nil},
		// Links and archives record no source: not compiled objects.
		{".vmlinux.o.cmd", "", "", false, nil, nil},
		{"kernel/.built-in.a.cmd", "", "", false, nil, nil},
	} {
		f, err := os.Open(filepath.Join("testdata/kbuild", c.file))
		if err != nil {
			t.Fatal(err)
		}
		obj, ok, err := ParseCmd(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if ok != c.ok {
			t.Errorf("%s: ok = %v, want %v", c.file, ok, c.ok)
			continue
		}
		if !ok {
			continue
		}
		if obj.Path != c.path {
			t.Errorf("%s: path %q, want %q", c.file, obj.Path, c.path)
		}
		if obj.Source != c.source {
			t.Errorf("%s: source %q, want %q", c.file, obj.Source, c.source)
		}
		// A unity build names the C files its source includes.
		var included []string
		if c.path == "kernel/sched/build_policy.o" {
			for _, f := range []string{"idle", "rt", "cputime", "deadline", "syscalls"} {
				included = append(included, "/usr/src/linux-source-6.12/kernel/sched/"+f+".c")
			}
		}
		if !slices.Equal(obj.Included, included) {
			t.Errorf("%s: included %q, want %q", c.file, obj.Included, included)
		}
		if obj.Command == 0 {
			t.Errorf("%s: no digest of the command line", c.file)
		}
		if !slices.IsSorted(obj.Options) || len(slices.Compact(slices.Clone(obj.Options))) != len(obj.Options) {
			t.Errorf("%s: options not sorted and unique: %q", c.file, obj.Options)
		}
		for _, s := range c.options {
			if !slices.Contains(obj.Options, s) {
				t.Errorf("%s: %s missing from %q", c.file, s, obj.Options)
			}
		}
		for _, s := range c.absent {
			if slices.Contains(obj.Options, s) {
				t.Errorf("%s: %s is not among its options", c.file, s)
			}
		}
	}
}

func TestParseCmdCommandDigest(t *testing.T) {
	data, err := os.ReadFile("testdata/kbuild/lib/.bcd.o.cmd")
	if err != nil {
		t.Fatal(err)
	}
	parse := func(s string) Object {
		obj, ok, err := ParseCmd(strings.NewReader(s))
		if err != nil || !ok {
			t.Fatalf("ParseCmd: %v %v", ok, err)
		}
		return obj
	}
	a := parse(string(data))
	// What coverage instrumentation does to every command line.
	b := parse(strings.Replace(string(data), " -Os ", " -Os -fprofile-arcs -ftest-coverage ", 1))
	if a.Command == b.Command {
		t.Error("a changed command line has the same digest")
	}
	if !slices.Equal(a.Options, b.Options) {
		t.Error("the options changed with the flags")
	}
	if _, _, err := ParseCmd(strings.NewReader("savedcmd_x.o clang\n")); err == nil {
		t.Error("a savedcmd line without := parsed")
	}
}

func TestReadObjects(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata/kbuild")); err != nil {
		t.Fatal(err)
	}
	// A resolve dir beside the build is not part of it.
	if err := os.MkdirAll(filepath.Join(dir, "w0.resolve", "lib"), 0o755); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "lib/.bcd.o.cmd"))
	if err := os.WriteFile(filepath.Join(dir, "w0.resolve/lib/.bcd.o.cmd"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	for _, o := range []string{"kernel/fork.o", "arch/x86/entry/entry_64.o", "lib/bcd.o"} {
		if err := os.Chtimes(filepath.Join(dir, o), old, old); err != nil {
			t.Fatal(err)
		}
	}
	objs, err := ReadObjects(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, o := range objs.List {
		paths = append(paths, o.Path)
	}
	if want := []string{"arch/x86/entry/entry_64.o", "kernel/fork.o", "kernel/sched/build_policy.o", "lib/bcd.o"}; !slices.Equal(paths, want) {
		t.Fatalf("objects %q, want %q", paths, want)
	}
	if got := objs.Affected([]string{"USER_NS"}); !slices.Equal(got, []string{"kernel/fork.o"}) {
		t.Errorf("USER_NS affects %q, want kernel/fork.o alone", got)
	}
	if got := objs.Affected([]string{"X86_64", "USER_NS"}); len(got) != 3 {
		t.Errorf("X86_64 and USER_NS affect %q, want all three", got)
	}
	if got := objs.Affected([]string{"NO_SUCH_OPTION"}); len(got) != 0 {
		t.Errorf("an option nothing mentions affects %q", got)
	}
	if n := objs.Mentioning("X86_64"); n != 3 {
		t.Errorf("X86_64 mentioned by %d objects, want 3", n)
	}

	// A build recompiles fork.o: its .o and .cmd are written again.
	start := time.Now().Add(-time.Second)
	cmd := filepath.Join(dir, "kernel/.fork.o.cmd")
	data, _ = os.ReadFile(cmd)
	if err := os.WriteFile(cmd, []byte(strings.Replace(string(data), "USER_NS", "USER_NS_X", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(filepath.Join(dir, "kernel/fork.o"), time.Now(), time.Now()); err != nil {
		t.Fatal(err)
	}
	again, err := ReadObjects(dir, objs)
	if err != nil {
		t.Fatal(err)
	}
	if got := again.BuiltSince(start); !slices.Equal(got, []string{"kernel/fork.o"}) {
		t.Errorf("built since the start: %q, want kernel/fork.o", got)
	}
	if got := again.Affected([]string{"USER_NS_X"}); len(got) != 1 {
		t.Errorf("the changed .cmd file was not read again: USER_NS_X affects %q", got)
	}
	// The unchanged files come from the earlier index, not the disk.
	bcd := filepath.Join(dir, "lib/.bcd.o.cmd")
	info, _ := os.Stat(bcd)
	if err := os.WriteFile(bcd, []byte(strings.Repeat("x", int(info.Size()))), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(bcd, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
	third, err := ReadObjects(dir, again)
	if err != nil {
		t.Fatal(err)
	}
	if third.Len() != 4 || third.Mentioning("DEBUG_INFO_BTF") != 1 {
		t.Errorf("an unchanged .cmd file was read again (%d objects)", third.Len())
	}
}

func TestFlagOptions(t *testing.T) {
	src := t.TempDir()
	for name, text := range map[string]string{
		"Makefile":                 "ifdef CONFIG_FUNCTION_TRACER\n  CC_FLAGS_FTRACE := -pg\nendif\n",
		"arch/x86/Makefile":        "ifeq ($(CONFIG_X86_32),y)\n",
		"scripts/Makefile.lib":     "_c_flags += $(if $(patsubst n%,, \\\n\t$(GCOV_PROFILE)$(CONFIG_GCOV_PROFILE_ALL)), \\\n\t$(CFLAGS_GCOV))\n",
		"scripts/Makefile.kcov":    "kcov-flags-$(CONFIG_CC_HAS_SANCOV_TRACE_PC) += -fsanitize-coverage=trace-pc\n",
		"scripts/Makefile.modpost": "ifdef CONFIG_MODVERSIONS\n", // the link stage's
		"arch/arm64/Makefile":      "ifeq ($(CONFIG_ARM64_BTI_KERNEL),y)\n",
	} {
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := FlagOptions(src, "x86")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"CC_HAS_SANCOV_TRACE_PC", "FUNCTION_TRACER", "GCOV_PROFILE_ALL", "X86_32"}
	if !slices.Equal(got, want) {
		t.Errorf("flag options %q, want %q", got, want)
	}
}
