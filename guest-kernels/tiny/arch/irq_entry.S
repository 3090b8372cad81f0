/*
 * One entry stub per IDT vector. Each gives the common path the same frame whatever the
 * vector: a dummy error code where the CPU pushes none, then the vector number. The common
 * path saves every general register, so a handler can never corrupt interrupted code, and
 * calls irq_dispatch(struct irq_frame *) (arch/irq.h has the frame's layout).
 */

	.text
	.balign	16
irq_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	/*
	 * The CPU aligned RSP to 16 before its 5-quadword frame; with error code, vector and 15
	 * registers that makes 22 quadwords, so RSP is 16-byte aligned here as the ABI wants.
	 * The ABI also wants DF clear, which interrupted code (memmove) may have set.
	 */
	movq	%rsp, %rdi
	cld
	call	irq_dispatch
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp			/* vector and error code */
	iretq

	/*
	 * The stubs differ in size (push imm8 or imm32), so idt_init takes their addresses
	 * from irq_stub_table rather than computing them.
	 */
	.section .rodata
	.balign	8
	.globl	irq_stub_table
irq_stub_table:

	.text
	.balign	16
	vector = 0
	.rept	256
0:
	/* Exceptions with an error code: #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP, #VC, #SX. */
	.if !(vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21 || \
	      vector == 29 || vector == 30)
	pushq	$0
	.endif
	pushq	$vector
	jmp	irq_common
	.pushsection .rodata
	.quad	0b
	.popsection
	vector = vector + 1
	.endr

	.section .note.GNU-stack, "", @progbits
