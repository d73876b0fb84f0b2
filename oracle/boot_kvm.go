package oracle

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// kvmProbeTimeout bounds the probe; under KVM its guest finishes within
// a fraction of a second.
const kvmProbeTimeout = 5 * time.Second

// useKVM decides between KVM and TCG once per Boot: the configured accel,
// else what the probe found.
func (b *Boot) useKVM(ctx context.Context) kvmAnswer {
	switch b.Accel {
	case "kvm":
		return kvmAnswer{usable: true, why: "kvm (configured)"}
	case "tcg":
		return kvmAnswer{usable: false, why: "tcg (configured)"}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.kvm == nil {
		ok, why := probeKVM(ctx, b.qemu(), "/dev/kvm", kvmProbeTimeout)
		answer := kvmAnswer{usable: true, why: "kvm (" + why + ")"}
		if !ok {
			answer = kvmAnswer{usable: false, why: "tcg: kvm unusable: " + why}
		}
		if ctx.Err() != nil {
			return answer // a cancelled probe proves nothing: ask again next time
		}
		b.kvm = &answer
	}
	return *b.kvm
}

// kvmProbeImage is the probe's guest (kvmprobe.S): long mode, 48 MiB of
// memory written, then kvmProbeMarker on the debug port.
//
//go:embed kvmprobe.bin
var kvmProbeImage []byte

const kvmProbeMarker = "kcmin: long mode\n"

// kvmProbeSlow is the longest the probe guest may take from the
// firmware's first words to its marker: well under 100 ms under KVM,
// about 0.2 s under TCG, seconds on a hypervisor that traps every page
// fault, where a kernel does not reach its first console line in a
// minute.
const kvmProbeSlow = time.Second

// probeKVM finds out whether QEMU can run a guest under KVM with "-cpu
// host", as kcmin would, and fast: /dev/kvm existing and opening is not
// enough (a nested hypervisor may refuse the host CPU's MSRs and QEMU
// aborts, or run the firmware but take seconds for what a kernel's
// decompressor does). It boots the probe guest under KVM and reads the
// debug port (I/O port 0x402, where SeaBIOS prints too) until the guest's
// marker: guest code that ran, in long mode, at a speed a boot needs.
func probeKVM(ctx context.Context, qemu, dev string, wait time.Duration) (bool, string) {
	f, err := os.OpenFile(dev, os.O_RDWR, 0)
	if err != nil {
		return false, err.Error()
	}
	f.Close()
	dir, err := os.MkdirTemp("", "kcmin-kvm-probe-")
	if err != nil {
		return false, err.Error()
	}
	defer os.RemoveAll(dir)
	image := filepath.Join(dir, "probe.bin")
	if err := os.WriteFile(image, kvmProbeImage, 0o644); err != nil {
		return false, err.Error()
	}
	conn, end, err := socketPair("kvm-probe")
	if err != nil {
		return false, err.Error()
	}
	defer conn.Close()
	p, err := startProc([]string{qemu, "-display", "none", "-nodefaults", "-M", "q35", "-m", "64M",
		"-enable-kvm", "-cpu", "host", "-kernel", image,
		"-chardev", "socket,id=dbg,fd=3", "-device", "isa-debugcon,iobase=0x402,chardev=dbg"},
		[]*os.File{end}, filepath.Join(dir, "qemu.log"))
	if err != nil {
		return false, err.Error()
	}
	defer p.kill()
	type progress struct {
		first, marker time.Time
	}
	got := make(chan progress, 1)
	go func() {
		var (
			out   []byte
			first time.Time
			buf   [4096]byte
		)
		for {
			n, err := conn.Read(buf[:])
			if n > 0 && first.IsZero() {
				first = time.Now()
			}
			out = append(out, buf[:n]...)
			if bytes.Contains(out, []byte(kvmProbeMarker)) {
				got <- progress{first, time.Now()}
				return
			}
			if err != nil {
				got <- progress{first: first}
				return
			}
		}
	}()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case g := <-got:
		switch took := g.marker.Sub(g.first); {
		case g.marker.IsZero():
			<-p.done
			return false, fmt.Sprintf("qemu: %s: %s", p.exitStatus(), p.lastError())
		case took > kvmProbeSlow:
			return false, fmt.Sprintf("too slow: the probe guest took %v under kvm (at most %v)", took.Round(time.Millisecond), kvmProbeSlow)
		}
		return true, "the probe guest ran under kvm"
	case <-timer.C:
		return false, fmt.Sprintf("the probe guest did not finish under kvm in %v", wait)
	case <-ctx.Done():
		return false, ctx.Err().Error()
	}
}
