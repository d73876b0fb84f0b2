package oracle

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBootProbesKVMOnce: with accel left to kcmin, the first check asks
// the probe and the Boot keeps its answer; the next check uses it without
// starting QEMU for a probe again. The probe runs QEMU only where /dev/kvm
// opens; elsewhere the kept answer is what shows.
func TestBootProbesKVMOnce(t *testing.T) {
	b, a, _ := fakeMachine(t, "kcmin: init reached\n@hang\n", nil)
	b.Accel = ""
	probes := filepath.Join(t.TempDir(), "probes")
	wrapper := filepath.Join(t.TempDir(), "qemu")
	script := fmt.Sprintf("#!/bin/sh\ncase \" $* \" in *isa-debugcon*) echo probe >>%q ;; esac\nexec %q \"$@\"\n", probes, b.QEMU)
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	b.QEMU = wrapper
	t.Setenv("KCMIN_FAKE_KVM", "aborts") // a quick "no"
	var notes []string
	for i := range 2 {
		f, err := b.Check(context.Background(), a, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range f.Notes {
			if strings.HasPrefix(n, "accel: ") {
				notes = append(notes, n)
			}
		}
		if b.kvm == nil {
			t.Fatalf("check %d: the probe's answer was not kept", i+1)
		}
	}
	if len(notes) != 2 || notes[0] != notes[1] || !strings.HasPrefix(notes[0], "accel: tcg: kvm unusable: ") {
		t.Errorf("accel notes %q, want the probe's one answer twice", notes)
	}
	runs, _ := os.ReadFile(probes)
	n := strings.Count(string(runs), "probe")
	if f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0); err == nil {
		f.Close()
		if n != 1 {
			t.Errorf("the probe ran QEMU %d times in two checks, want 1", n)
		}
	} else if n != 0 {
		t.Errorf("the probe ran QEMU %d times without /dev/kvm", n)
	}
}

// TestCancelledProbeNotKept: a probe cut short by a cancel proves
// nothing, so the next check asks again.
func TestCancelledProbeNotKept(t *testing.T) {
	b, _, _ := fakeMachine(t, "", nil)
	b.Accel = ""
	t.Setenv("KCMIN_FAKE_KVM", "silent")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got := b.useKVM(ctx); got.usable {
		t.Errorf("a cancelled probe says kvm works: %+v", got)
	}
	if b.kvm != nil {
		t.Errorf("a cancelled probe's answer %+v was kept", *b.kvm)
	}
}
