/*
 * The CPU state the 64-bit boot protocol promises the kernel: long mode, flat __BOOT_CS (0x10)
 * and __BOOT_DS (0x18) segments, identity-mapped page tables, RSI = boot_params.
 */
#ifndef KVMINI_CPU_STATE_H
#define KVMINI_CPU_STATE_H

#include <stdint.h>

#include <linux/kvm.h>

#include "core/guest_mem.h"

#define BOOT_CS 0x10
#define BOOT_DS 0x18
#define BOOT_TR 0x20

/* Writes the boot GDT and the page tables (0-4 GiB, 2 MiB pages) into guest RAM. */
int boot_write_tables(const struct guest_mem *gm);

/* Applies the long-mode register state on top of a vCPU's reset state. */
void boot_set_sregs(struct kvm_sregs *s);
void boot_set_regs(struct kvm_regs *r, uint64_t entry, uint64_t boot_params_gpa);

#endif
