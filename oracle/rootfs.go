package oracle

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// DefaultMarker is the line kcmin's own /init prints once the kernel has
// run it.
const DefaultMarker = "kcmin: init reached"

// WriteRootfs writes kcmin's own initramfs, a newc cpio holding /dev,
// /dev/console and a static /init that prints marker on its own line and
// powers the machine off, into dir and returns its path. The file is named
// by its content, so it is written once and shared by every test.
func WriteRootfs(dir, marker string) (string, error) {
	if marker == "" || strings.ContainsAny(marker, "\r\n") {
		return "", fmt.Errorf("write rootfs: marker %q must be one non-empty line", marker)
	}
	archive := rootfsArchive(marker)
	sum := sha256.Sum256(archive)
	path := filepath.Join(dir, "kcmin-rootfs-"+hex.EncodeToString(sum[:8])+".cpio")
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, archive) {
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("write rootfs: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".kcmin-rootfs-*")
	if err != nil {
		return "", fmt.Errorf("write rootfs: %w", err)
	}
	_, werr := tmp.Write(archive)
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("write rootfs %s: %w", path, werr)
	}
	return path, nil
}

func rootfsArchive(marker string) []byte {
	return newcArchive([]cpioEntry{
		{name: "dev", mode: modeDir | 0o755, nlink: 2},
		{name: "dev/console", mode: modeChar | 0o600, rmajor: 5, rminor: 1},
		{name: "init", mode: modeFile | 0o755, data: initProgram(marker, endPowerOff)},
	})
}

// File types in a cpio c_mode, as in stat(2).
const (
	modeDir  = 0o040000
	modeChar = 0o020000
	modeFile = 0o100000
)

type cpioEntry struct {
	name           string
	mode           uint32
	nlink          uint32
	rmajor, rminor uint32
	data           []byte
}

// newcArchive lays out entries in the "newc" cpio format the kernel
// unpacks (Documentation/driver-api/early-userspace/buffer-format.rst):
// a 110-byte ASCII header, the name with its NUL padded to 4 bytes, the
// data padded to 4 bytes, and a TRAILER!!! entry at the end. Owner root,
// mtime 0, so the archive depends on its entries alone.
func newcArchive(entries []cpioEntry) []byte {
	var b bytes.Buffer
	put := func(ino int, e cpioEntry) {
		nlink := e.nlink
		if nlink == 0 {
			nlink = 1
		}
		fields := []uint32{uint32(ino), e.mode, 0, 0, nlink, 0, uint32(len(e.data)),
			0, 0, e.rmajor, e.rminor, uint32(len(e.name) + 1), 0}
		b.WriteString("070701")
		for _, f := range fields {
			fmt.Fprintf(&b, "%08x", f)
		}
		b.WriteString(e.name)
		b.WriteByte(0)
		pad4(&b)
		b.Write(e.data)
		pad4(&b)
	}
	for i, e := range entries {
		put(i+1, e)
	}
	put(0, cpioEntry{name: "TRAILER!!!"})
	return b.Bytes()
}

func pad4(b *bytes.Buffer) {
	for b.Len()%4 != 0 {
		b.WriteByte(0)
	}
}

// How kcmin's /init ends after printing its marker.
type initEnd int

const (
	// endPowerOff asks the kernel to power off; a kernel that cannot
	// (no ACPI) halts instead, and QEMU stays until kcmin kills it.
	endPowerOff initEnd = iota
	// endExit exits with status 0: for running the program on the host
	// in tests. As a real init it would panic the kernel.
	endExit
)

// initBase is where the program is loaded: the classic x86-64 executable
// base, far above the zero page the kernel keeps unmapped.
const initBase = 0x400000

// initProgram returns a static x86-64 ELF executable that writes "\n",
// marker, "\n" to fd 1 and then ends as end says. It is a few instructions
// assembled by hand, with one PT_LOAD segment mapping the whole file, so it
// runs on any x86-64 kernel with BINFMT_ELF and needs no libc.
func initProgram(marker string, end initEnd) []byte {
	const (
		ehdrSize = 64
		phdrSize = 56
		codeOff  = ehdrSize + phdrSize

		sysWrite  = 1
		sysExit   = 60
		sysReboot = 169

		rebootMagic1   = 0xfee1dead
		rebootMagic2   = 672274793
		rebootPowerOff = 0x4321fedc
	)
	msg := "\n" + marker + "\n"

	var code []byte
	movEAX := func(v uint32) { code = append(code, 0xb8); code = binary.LittleEndian.AppendUint32(code, v) }
	movEDI := func(v uint32) { code = append(code, 0xbf); code = binary.LittleEndian.AppendUint32(code, v) }
	movESI := func(v uint32) { code = append(code, 0xbe); code = binary.LittleEndian.AppendUint32(code, v) }
	movEDX := func(v uint32) { code = append(code, 0xba); code = binary.LittleEndian.AppendUint32(code, v) }
	syscall := func() { code = append(code, 0x0f, 0x05) }

	movEAX(sysWrite)
	movEDI(1)
	code = append(code, 0x48, 0x8d, 0x35) // lea rsi, [rip+disp32]
	dispAt := len(code)
	code = append(code, 0, 0, 0, 0)
	movEDX(uint32(len(msg)))
	syscall()
	switch end {
	case endExit:
		movEAX(sysExit)
		movEDI(0)
		syscall()
	default:
		movEAX(sysReboot)
		movEDI(rebootMagic1)
		movESI(rebootMagic2)
		movEDX(rebootPowerOff)
		syscall()
	}
	// Should the call return, spin rather than exit: init exiting panics
	// the kernel, which would read as a failure of the kernel under test.
	code = append(code, 0xf3, 0x90, 0xeb, 0xfc) // pause; jmp back to pause
	// disp32 counts from the end of the lea instruction.
	binary.LittleEndian.PutUint32(code[dispAt:], uint32(len(code)-(dispAt+4)))
	code = append(code, msg...)

	size := uint64(codeOff + len(code))
	var f []byte
	f = append(f, 0x7f, 'E', 'L', 'F', 2 /* 64-bit */, 1 /* little endian */, 1 /* version */, 0 /* SysV ABI */)
	f = append(f, make([]byte, 8)...)
	le := binary.LittleEndian
	f = le.AppendUint16(f, 2)  // e_type: ET_EXEC
	f = le.AppendUint16(f, 62) // e_machine: EM_X86_64
	f = le.AppendUint32(f, 1)  // e_version
	f = le.AppendUint64(f, initBase+codeOff)
	f = le.AppendUint64(f, ehdrSize) // e_phoff
	f = le.AppendUint64(f, 0)        // e_shoff: no sections
	f = le.AppendUint32(f, 0)        // e_flags
	f = le.AppendUint16(f, ehdrSize)
	f = le.AppendUint16(f, phdrSize)
	f = le.AppendUint16(f, 1) // e_phnum
	f = le.AppendUint16(f, 64)
	f = le.AppendUint16(f, 0)
	f = le.AppendUint16(f, 0)
	// The one program header: PT_LOAD, read and execute, the whole file.
	f = le.AppendUint32(f, 1)
	f = le.AppendUint32(f, 5) // PF_R|PF_X
	f = le.AppendUint64(f, 0) // p_offset
	f = le.AppendUint64(f, initBase)
	f = le.AppendUint64(f, initBase)
	f = le.AppendUint64(f, size)
	f = le.AppendUint64(f, size)
	f = le.AppendUint64(f, 0x1000)
	return append(f, code...)
}
