#!/bin/sh
# The build of the mini tree: slow when FAKE_BUILD_SECONDS says so, an
# objtool-style warning when B, C and D are all on, a failed build when
# N is above 50.
cfg=$1 out=$2
has() { grep -qx "CONFIG_$1=y" "$cfg"; }
sleep "${FAKE_BUILD_SECONDS:-0}"
echo "  CC      init/main.o"
if grep -q '^CONFIG_N=[5-9][0-9]$' "$cfg"; then
	echo "init/main.c:1:1: error: N is too large"
	exit 2
fi
if has B && has C && has D; then
	echo "vmlinux.o: warning: objtool: do_syscall_64+0x4c: call to lockdep_hardirqs_off() leaves .noinstr.text section"
	echo "vmlinux.o: warning: objtool: irqentry_exit+0x1d: call to lockdep_hardirqs_on() leaves .noinstr.text section"
fi
if has C && has D; then
	echo "vmlinux.o: warning: objtool: handle_bug+0x5: call to kmsan_unpoison_entry_regs() leaves .noinstr.text section"
fi
mkdir -p "$out/arch/x86/boot"
echo vmlinux >"$out/vmlinux"
echo bzImage >"$out/arch/x86/boot/bzImage"
echo "Kernel: arch/x86/boot/bzImage is ready"
