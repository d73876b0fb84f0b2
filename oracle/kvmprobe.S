/*
 * kcmin's KVM probe guest: a multiboot image that QEMU's -kernel loads at
 * 1 MiB in 32-bit protected mode. It turns on long mode with the first
 * 64 MiB identity-mapped, writes 48 MiB of memory as a kernel's
 * decompressor does, and prints kvmProbeMarker on the debug port 0x402.
 * A hypervisor that runs firmware but takes seconds for this (each page
 * fault trapped) cannot boot a kernel in a test's time: kcmin then uses
 * TCG.
 *
 * Built into kvmprobe.bin with:
 *   clang-19 -c -m32 kvmprobe.S -o kvmprobe.o
 *   llvm-objcopy-19 -O binary -j .text kvmprobe.o kvmprobe.bin
 * (TestKVMProbeImage checks that the two agree.)
 */
	.code32
	.set BASE, 0x100000
header:
	.long 0x1BADB002		/* multiboot magic */
	.long 0x00010000		/* the addresses below are valid */
	.long -(0x1BADB002 + 0x00010000)
	.long BASE			/* header_addr */
	.long BASE			/* load_addr */
	.long 0				/* load_end_addr: the whole file */
	.long 0				/* bss_end_addr: none */
	.long BASE + (entry - header)	/* entry_addr */
entry:
	/* PML4 at 2 MiB -> PDPT -> PD of 32 pages of 2 MiB. */
	movl $0x201003, 0x200000
	movl $0, 0x200004
	movl $0x202003, 0x201000
	movl $0, 0x201004
	movl $0x202000, %edi
	movl $0x83, %eax
	movl $32, %ecx
1:	movl %eax, (%edi)
	movl $0, 4(%edi)
	addl $0x200000, %eax
	addl $8, %edi
	loop 1b
	movl %cr4, %eax
	orl $0x20, %eax			/* PAE */
	movl %eax, %cr4
	movl $0x200000, %eax
	movl %eax, %cr3
	movl $0xC0000080, %ecx		/* EFER.LME */
	rdmsr
	orl $0x100, %eax
	wrmsr
	movl %cr0, %eax
	orl $0x80000001, %eax		/* PG, PE */
	movl %eax, %cr0
	lgdt BASE + (gdtr - header)
	ljmp $0x08, $(BASE + (long64 - header))
	.code64
long64:
	movq $0x800000, %rdi		/* 48 MiB from 8 MiB on */
	movq $0x600000, %rcx
	xorq %rax, %rax
	rep stosq
	movq $(BASE + (marker - header)), %rsi
	movq $(end - marker), %rcx
	movw $0x402, %dx
	rep outsb
2:	hlt
	jmp 2b
marker:
	.ascii "kcmin: long mode\n"
end:
	.p2align 3
gdt:
	.quad 0
	.quad 0x00209A0000000000	/* 64-bit code */
gdtr:
	.word 15
	.long BASE + (gdt - header)
