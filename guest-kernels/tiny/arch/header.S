/*
 * Real-mode part of the bzImage: boot sector plus SETUP_SECTS setup sectors, carrying the
 * setup header at 0x1f1 exactly as Documentation/x86/boot.rst lays it out. No real-mode code
 * runs: a loader using the 16-bit entry (QEMU's firmware does) finds the boot-timer write, as
 * at the 64-bit entry, and then only a halt loop. The protected-mode part
 * (entry.S and the C code) follows this section in the file.
 */
#include <asm/bootparam.h>

#include "guest_abi.h"

#define SETUP_SECTS	1	/* setup part = (SETUP_SECTS + 1) * 512 bytes */
#define BOOT_VERSION	0x020f	/* 2.15 */
#define LOAD_ADDR	0x100000
#define KERNEL_ALIGN	0x200000

	.section .header, "a"
	.code16
	.globl	bootsect
bootsect:
	cli
1:	hlt
	jmp	1b

	/* Marks loaders that copy more than the setup header into boot_params. */
	.org	0x1ef
sentinel:
	.byte	0xff, 0xff

	.org	0x1f1
hdr:
setup_sects:		.byte	SETUP_SECTS
root_flags:		.word	0
syssize:		.long	tiny_syssize		/* from tiny.ld */
ram_size:		.word	0
vid_mode:		.word	0xffff			/* "normal" */
root_dev:		.word	0
boot_flag:		.word	0xaa55

	/* A 2-byte jump over the header: byte 0x201 tells loaders where the header ends. */
	.org	0x200
	.globl	_start
_start:
	.byte	0xeb
	.byte	start_of_setup - 1f
1:
header:			.ascii	"HdrS"
version:		.word	BOOT_VERSION
realmode_swtch:		.long	0
start_sys_seg:		.word	0x1000			/* obsolete, as Linux sets it */
kernel_version:		.word	kernel_version_str - 0x200
type_of_loader:		.byte	0
loadflags:		.byte	LOADED_HIGH
setup_move_size:	.word	0x8000
code32_start:		.long	LOAD_ADDR
ramdisk_image:		.long	0
ramdisk_size:		.long	0
bootsect_kludge:	.long	0
heap_end_ptr:		.word	0
ext_loader_ver:		.byte	0
ext_loader_type:	.byte	0
cmd_line_ptr:		.long	0
initrd_addr_max:	.long	0x7fffffff
kernel_alignment:	.long	KERNEL_ALIGN
relocatable_kernel:	.byte	0
min_alignment:		.byte	21			/* log2(KERNEL_ALIGN) */
xloadflags:		.word	XLF_KERNEL_64
cmdline_size:		.long	2047
hardware_subarch:	.long	0
hardware_subarch_data:	.quad	0
payload_offset:		.long	0
payload_length:		.long	0
setup_data:		.quad	0
pref_address:		.quad	LOAD_ADDR
init_size:		.long	tiny_init_size		/* from tiny.ld */
handover_offset:	.long	0
kernel_info_offset:	.long	kernel_info - LOAD_ADDR
	/* end of the setup header */

start_of_setup:
	movw	$KVMINI_BOOT_TIMER_PORT, %dx
	outb	%al, %dx
	cli
1:	hlt
	jmp	1b

kernel_version_str:
	.asciz	"kvmini-tiny"

	.org	(SETUP_SECTS + 1) * 512

/* kernel_info (protocol 2.15) lives in the protected-mode part, like Linux's .rodata copy. */
	.section .rodata.kernel_info, "a"
	.balign	4
kernel_info:
	.ascii	"LToP"
	.long	kernel_info_var_len_data - kernel_info	/* size */
	.long	kernel_info_end - kernel_info		/* size_total */
	.long	SETUP_TYPE_MAX				/* setup_type_max */
kernel_info_var_len_data:
kernel_info_end:

	.section .note.GNU-stack, "", @progbits
