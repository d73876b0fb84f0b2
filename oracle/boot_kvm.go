package oracle

import (
	"context"
	"fmt"
	"os"
	"time"
)

// kvmProbeTimeout bounds the probe; firmware prints within milliseconds
// when KVM works.
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

// probeKVM finds out whether QEMU can run a guest under KVM with "-cpu
// host", as kcmin would: /dev/kvm existing and opening is not enough (a
// nested hypervisor may refuse the host CPU's MSRs and QEMU aborts). It
// boots the machine's firmware under KVM and waits for the firmware's
// first words on its debug port (SeaBIOS prints to I/O port 0x402): guest
// code that ran.
func probeKVM(ctx context.Context, qemu, dev string, wait time.Duration) (bool, string) {
	f, err := os.OpenFile(dev, os.O_RDWR, 0)
	if err != nil {
		return false, err.Error()
	}
	f.Close()
	log, err := os.CreateTemp("", "kcmin-kvm-probe-*.log")
	if err != nil {
		return false, err.Error()
	}
	log.Close()
	defer os.Remove(log.Name())
	conn, end, err := socketPair("kvm-probe")
	if err != nil {
		return false, err.Error()
	}
	defer conn.Close()
	p, err := startProc([]string{qemu, "-display", "none", "-nodefaults", "-M", "q35", "-m", "64M",
		"-enable-kvm", "-cpu", "host",
		"-chardev", "socket,id=dbg,fd=3", "-device", "isa-debugcon,iobase=0x402,chardev=dbg"},
		[]*os.File{end}, log.Name())
	if err != nil {
		return false, err.Error()
	}
	defer p.kill()
	got := make(chan bool, 1)
	go func() {
		var buf [1]byte
		n, _ := conn.Read(buf[:])
		got <- n > 0
	}()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case ok := <-got:
		if ok {
			return true, "the firmware ran under kvm"
		}
		<-p.done
		return false, fmt.Sprintf("qemu: %s: %s", p.exitStatus(), p.lastError())
	case <-timer.C:
		return false, fmt.Sprintf("no firmware output under kvm in %v", wait)
	case <-ctx.Done():
		return false, ctx.Err().Error()
	}
}
