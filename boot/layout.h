/*
 * Where the boot path puts things in guest-physical memory below 1 MiB. Everything sits in
 * conventional memory that Linux treats as free once it has read it, and away from the EBDA.
 */
#ifndef KVMINI_LAYOUT_H
#define KVMINI_LAYOUT_H

#define BOOT_GDT_ADDR	     0x500
#define BOOT_STACK_TOP	     0x7000 /* grows down from just below boot_params */
#define BOOT_PARAMS_ADDR     0x7000
#define BOOT_PML4_ADDR	     0x9000
#define BOOT_PDPT_ADDR	     0xA000
#define BOOT_PD_ADDR	     0xB000 /* four pages: 0-4 GiB in 2 MiB pages */
#define BOOT_CMDLINE_ADDR    0x20000
#define BOOT_CMDLINE_MAX     0x10000 /* bytes including the NUL */
#define BOOT_SETUP_DATA_ADDR 0x30000
#define BOOT_SETUP_DATA_END  0x9F000
#define BOOT_EBDA_START	     0x9FC00
#define BOOT_LOW_MEM_END     0xA0000
#define BOOT_KERNEL_ADDR     0x100000 /* protected-mode part; relocatable kernels move on */
#define BOOT_PAGE_SIZE	     0x1000

/* Platform devices in the MMIO hole below 4 GiB. */
#define IOAPIC_ADDR 0xFEC00000
#define LAPIC_ADDR  0xFEE00000
/* KVM's real-mode helpers on Intel; placed where no device or RAM is, as QEMU does. */
#define KVM_IDENTITY_MAP_ADDR 0xFEFFC000
#define KVM_TSS_ADDR	      0xFEFFD000

#endif
