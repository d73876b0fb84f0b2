package oracle

import (
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// readNewc parses a newc cpio as the kernel's buffer-format.rst describes
// it, failing on anything the kernel would not accept.
func readNewc(t *testing.T, b []byte) []cpioEntry {
	t.Helper()
	var out []cpioEntry
	off := 0
	for {
		if off+110 > len(b) {
			t.Fatalf("offset %d: truncated header", off)
		}
		h := b[off : off+110]
		if string(h[:6]) != "070701" {
			t.Fatalf("offset %d: magic %q", off, h[:6])
		}
		field := func(i int) uint32 {
			v, err := strconv.ParseUint(string(h[6+8*i:14+8*i]), 16, 32)
			if err != nil {
				t.Fatalf("offset %d: field %d: %v", off, i, err)
			}
			return uint32(v)
		}
		mode, nlink, size := field(1), field(4), field(6)
		rmaj, rmin, namesize, check := field(9), field(10), field(11), field(12)
		if check != 0 {
			t.Errorf("offset %d: checksum %d in a 070701 archive", off, check)
		}
		nameEnd := off + 110 + int(namesize)
		if b[nameEnd-1] != 0 {
			t.Fatalf("offset %d: name not NUL-terminated", off)
		}
		name := string(b[off+110 : nameEnd-1])
		dataOff := (nameEnd + 3) &^ 3
		data := b[dataOff : dataOff+int(size)]
		off = (dataOff + int(size) + 3) &^ 3
		if name == "TRAILER!!!" {
			if off != len(b) {
				t.Errorf("%d bytes after the trailer", len(b)-off)
			}
			return out
		}
		out = append(out, cpioEntry{name: name, mode: mode, nlink: nlink, rmajor: rmaj, rminor: rmin, data: data})
	}
}

func TestRootfsArchive(t *testing.T) {
	entries := readNewc(t, rootfsArchive("boot ok 42"))
	want := []struct {
		name       string
		mode       uint32
		rmaj, rmin uint32
	}{
		{"dev", modeDir | 0o755, 0, 0},
		{"dev/console", modeChar | 0o600, 5, 1},
		{"init", modeFile | 0o755, 0, 0},
	}
	if len(entries) != len(want) {
		t.Fatalf("got %d entries, want %d", len(entries), len(want))
	}
	for i, w := range want {
		e := entries[i]
		if e.name != w.name || e.mode != w.mode || e.rmajor != w.rmaj || e.rminor != w.rmin {
			t.Errorf("entry %d = %s mode %o dev %d,%d; want %s mode %o dev %d,%d",
				i, e.name, e.mode, e.rmajor, e.rminor, w.name, w.mode, w.rmaj, w.rmin)
		}
	}
	f, err := elf.NewFile(bytes.NewReader(entries[2].data))
	if err != nil {
		t.Fatalf("/init is not ELF: %v", err)
	}
	if f.Class != elf.ELFCLASS64 || f.Machine != elf.EM_X86_64 || f.Type != elf.ET_EXEC {
		t.Errorf("/init is %v %v %v, want a 64-bit x86-64 executable", f.Class, f.Machine, f.Type)
	}
	if len(f.Progs) != 1 || f.Progs[0].Type != elf.PT_LOAD || f.Progs[0].Filesz != uint64(len(entries[2].data)) {
		t.Errorf("/init program headers %+v, want one PT_LOAD of the whole file", f.Progs)
	}
	if !bytes.Contains(entries[2].data, []byte("\nboot ok 42\n")) {
		t.Error("/init does not hold its marker line")
	}
}

// TestInitProgramRuns runs the /init code on the host, built to exit rather
// than power off, and checks what it writes.
func TestInitProgramRuns(t *testing.T) {
	for _, marker := range []string{"x", "kcmin: init reached", "a marker of an odd length!"} {
		t.Run(marker, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "init")
			if err := os.WriteFile(path, initProgram(marker, endExit), 0o755); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(path).Output()
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			if got, want := string(out), "\n"+marker+"\n"; got != want {
				t.Errorf("wrote %q, want %q", got, want)
			}
		})
	}
}

func TestWriteRootfsCaches(t *testing.T) {
	dir := t.TempDir()
	a, err := WriteRootfs(dir, "one")
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(a)
	if err != nil {
		t.Fatal(err)
	}
	again, err := WriteRootfs(dir, "one")
	if err != nil {
		t.Fatal(err)
	}
	info2, _ := os.Stat(again)
	if again != a || !os.SameFile(info, info2) || !info2.ModTime().Equal(info.ModTime()) {
		t.Errorf("second write of the same rootfs replaced %s", a)
	}
	b, err := WriteRootfs(dir, "two")
	if err != nil {
		t.Fatal(err)
	}
	if b == a {
		t.Errorf("rootfs for different markers share the path %s", a)
	}
	// A damaged cache file is rewritten, not trusted.
	if err := os.WriteFile(a, []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteRootfs(dir, "one"); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(a); !bytes.Equal(got, rootfsArchive("one")) {
		t.Errorf("damaged %s was not rewritten", a)
	}
	for _, bad := range []string{"", "two\nlines"} {
		if _, err := WriteRootfs(dir, bad); err == nil {
			t.Errorf("WriteRootfs(%q) succeeded, want an error", bad)
		}
	}
}
