/*
 * Protected-mode part entry points. The loader puts this section first, at 0x100000:
 * offset 0 is the 32-bit entry (unsupported) and offset 0x200 the 64-bit one.
 */
#include "arch/segment.h"
#include "guest_abi.h"

#define STACK_SIZE	(16 * 1024)

	.section .head.text, "ax"
	.code32
	.globl	startup_32
startup_32:
	cli
1:	hlt
	jmp	1b

	.org	0x200
	.code64
	.globl	startup_64
startup_64:
	/* The boot timer first (platform/guest_abi.h): the host timestamps this write. */
	movl	$KVMINI_BOOT_TIMER_PORT, %edx
	outb	%al, %dx
	/*
	 * Paging is on with the low 4 GiB identity mapped, so absolute addresses work. The
	 * loader's GDT sits in memory we do not own; load ours with the same selectors so later
	 * IDT entries can name BOOT_CS.
	 */
	cli
	cld
	movq	%rsi, %r12			/* boot_params, callee-saved */

	/* Nothing in .bss may be trusted until zeroed, including the stack. */
	leaq	__bss_start(%rip), %rdi
	leaq	__bss_end(%rip), %rcx
	subq	%rdi, %rcx
	shrq	$3, %rcx
	xorl	%eax, %eax
	rep stosq

	lgdt	gdt_ptr(%rip)
	movl	$BOOT_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	leaq	stack_top(%rip), %rsp

	pushq	$BOOT_CS
	leaq	1f(%rip), %rax
	pushq	%rax
	lretq
1:
	movq	%r12, %rdi
	call	main
	/* main exits through the test-exit port; never come back here. */
2:	cli
	hlt
	jmp	2b

	.section .rodata
	/* Accessed bits are preset so the CPU never writes to this read-only table. */
	.balign	8
gdt:
	.quad	0				/* null */
	.quad	0				/* 0x08: unused, Linux's layout */
	.quad	0x00af9b000000ffff		/* 0x10: 64-bit code, DPL 0 */
	.quad	0x00cf93000000ffff		/* 0x18: data, DPL 0 */
gdt_end:
	.balign	8
	.word	0				/* keep the base 8-byte aligned */
gdt_ptr:
	.word	gdt_end - gdt - 1
	.quad	gdt

	.section .bss
	.balign	16
stack_bottom:
	.skip	STACK_SIZE
stack_top:

	.section .note.GNU-stack, "", @progbits
