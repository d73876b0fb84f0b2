package oracle

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestKVMProbeImage: the probe guest kcmin embeds is what its source
// assembles to.
func TestKVMProbeImage(t *testing.T) {
	if testing.Short() {
		t.Skip("assembles with clang-19")
	}
	for _, tool := range []string{"clang-19", "llvm-objcopy-19"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing (make deps installs clang-19 and llvm-19): %v", tool, err)
		}
	}
	dir := t.TempDir()
	obj, bin := filepath.Join(dir, "kvmprobe.o"), filepath.Join(dir, "kvmprobe.bin")
	for _, argv := range [][]string{
		{"clang-19", "-c", "-m32", "kvmprobe.S", "-o", obj},
		{"llvm-objcopy-19", "-O", "binary", "-j", ".text", obj, bin},
	} {
		if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", argv, err, out)
		}
	}
	got, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, kvmProbeImage) {
		t.Errorf("kvmprobe.S assembles to %d bytes that differ from the embedded kvmprobe.bin (%d bytes): rebuild it", len(got), len(kvmProbeImage))
	}
}

// TestKVMProbeGuest: the probe guest reaches its marker under TCG, with
// the machine's real QEMU, so a "too slow" or "did not finish" from the
// probe under KVM is the hypervisor's doing, not the guest's.
func TestKVMProbeGuest(t *testing.T) {
	if testing.Short() {
		t.Skip("runs QEMU")
	}
	qemu, err := exec.LookPath("qemu-system-x86_64")
	if err != nil {
		t.Fatalf("qemu-system-x86_64 is missing (make deps installs qemu-system-x86): %v", err)
	}
	// A wrapper that swaps KVM for TCG: the probe's own command line
	// otherwise.
	wrap := filepath.Join(t.TempDir(), "qemu")
	script := "#!/bin/sh\nargs=\nfor a; do case $a in -enable-kvm) a='-accel tcg' ;; host) a=max ;; esac; args=\"$args $a\"; done\nexec " + qemu + " $args\n"
	if err := os.WriteFile(wrap, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	dev := filepath.Join(t.TempDir(), "kvm")
	if err := os.WriteFile(dev, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	ok, why := probeKVM(context.Background(), wrap, dev, kvmProbeTimeout)
	if !ok {
		t.Errorf("the probe guest under TCG: %s", why)
	}
	if _, err := os.Stat("/dev/kvm"); err == nil {
		ok, why := probeKVM(context.Background(), qemu, "/dev/kvm", kvmProbeTimeout)
		t.Logf("this machine's /dev/kvm: usable %v: %s", ok, why)
	}
}
