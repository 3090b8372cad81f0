/*
 * The whole machine map in one file: guest-physical memory (RAM, the boot structures, the
 * MMIO hole), the I/O ports and the interrupt lines of every device kvmini can plug in. Plain
 * numbers; it includes nothing of kvmini's but the guest ABI, so any layer may read it.
 * platform/platform.c turns it into the table of the devices one VM has; nothing else names
 * a device address or IRQ.
 *
 * Interrupts are GSIs: the IOAPIC has 24 pins, and ISA IRQs 0-15 map to pins 0-15 (KVM's
 * default routing), which the two 8259s also see.
 */
#ifndef KVMINI_LAYOUT_H
#define KVMINI_LAYOUT_H

#include "platform/guest_abi.h"

/* ---- RAM ---- */

/* RAM above MMIO_HOLE_START moves to 4 GiB, leaving the hole for device MMIO, APICs, KVM. */
#define GM_MMIO_HOLE_START 0xC0000000ULL
#define GM_4G		   0x100000000ULL

/*
 * Where the boot path (boot/) puts things below 1 MiB: conventional memory that Linux treats
 * as free once it has read it, away from the EBDA.
 */
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

/* ACPI tables (boot/acpi.c), in the BIOS area where Linux also scans for the RSDP. */
#define ACPI_TABLES_ADDR 0xE0000
#define ACPI_TABLES_MAX	 0x20000 /* up to 0xFFFFF */

/* ---- The MMIO hole ---- */

/*
 * virtio-mmio slots, VIRTIO_MMIO_STRIDE apart. Each takes its own IOAPIC pin from
 * VIRTIO_FIRST_GSI on: pins 16-23, beyond what the 8259s see. A kernel told of them on the
 * command line instead (--virtio-cmdline) usually knows no IOAPIC, only the 8259s, so that
 * mode takes the ISA IRQs no other device here or PC convention claims (VIRTIO_ISA_IRQS): not
 * 0 (PIT), 1 and 12 (i8042), 2 (cascade), 4 (COM1), 8 (RTC), 13 (FPU) or 14 (IDE); 3 and 15
 * (COM2, secondary IDE) are free here and come last. Edge-triggered 8259 inputs cannot be
 * shared safely, so each device gets its own.
 */
#define VIRTIO_MMIO_BASE   0xD0000000ULL
#define VIRTIO_MMIO_STRIDE 0x200
#define VIRTIO_MAX_DEVICES 8
#define VIRTIO_FIRST_GSI   16
#define VIRTIO_ISA_IRQS                                                                            \
	{                                                                                          \
		5, 6, 7, 9, 10, 11, 3, 15                                                          \
	}

/* pvpanic (devices/pvpanic.c), past the last virtio slot. */
#define PVPANIC_MMIO_BASE 0xD0002000ULL
#define PVPANIC_MMIO_SIZE 2

/* The interrupt controllers KVM emulates (KVM_CREATE_IRQCHIP), a page each. */
#define IOAPIC_ADDR 0xFEC00000
#define LAPIC_ADDR  0xFEE00000
#define APIC_SIZE   0x1000
/* KVM's real-mode helpers on Intel; where no device or RAM is, as QEMU puts them. */
#define KVM_IDENTITY_MAP_ADDR 0xFEFFC000
#define KVM_TSS_ADDR	      0xFEFFD000

/* ---- I/O ports, with their interrupts ---- */

#define I8042_DATA_PORT	  0x60
#define I8042_STATUS_PORT 0x64 /* the command port when written */

#define ACPI_PM_BASE 0x600 /* PM1a_EVT_BLK; PM1a_CNT_BLK at +4 (QEMU's q35 uses it too) */
#define ACPI_SCI_IRQ 9	   /* declared as QEMU does (level, active high); never raised */

#define RTC_PORT	 0x70 /* CMOS index (bit 7: the NMI mask), then data at 0x71 */
#define RTC_NPORT	 2
#define RTC_IRQ		 8
#define RTC_CMOS_CENTURY 0x32 /* the CMOS byte holding the century, as ACPI's FADT names it */

/* PCI configuration mechanism #1: CONFIG_ADDRESS, then the CONFIG_DATA window at +4. */
#define PCI_CONF1_PORT 0xCF8

#define SERIAL_COM1_BASE 0x3F8
#define SERIAL_COM1_IRQ	 4

#define IDE_CMD_BASE 0x1F0 /* the primary channel's command block, 8 ports */
#define IDE_CTL_PORT 0x3F6
#define IDE_IRQ	     14

#define TEST_EXIT_PORT	KVMINI_TEST_EXIT_PORT
#define MARKER_PORT	KVMINI_MARKER_PORT
#define BOOT_TIMER_PORT KVMINI_BOOT_TIMER_PORT

#endif
