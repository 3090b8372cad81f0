/*
 * ACPI tables, for kernels that know no device tree: Debian's own kernel, for one, has neither
 * CONFIG_OF nor the virtio_mmio.device= command-line form, so ACPI is the only way it can find
 * a virtio-mmio device (_HID "LNRO0005") or a second CPU (MADT). kvmini writes the tables into
 * the BIOS area (ACPI_TABLES_ADDR, platform/layout.h), where Linux also looks for the RSDP by itself, and passes
 * the RSDP's address in boot_params too. A kernel built without ACPI ignores all of it.
 *
 * The machine described: one LAPIC per vCPU, the IOAPIC with the ISA IRQs identity-mapped
 * (KVM's default routing), the SCI on IRQ 9 as QEMU declares it (level, active high), the
 * PM1 event and control blocks of devices/acpi_pm.c (so `poweroff` ends kvmini through S5),
 * and a DSDT with a device for each MMIO device of the platform table and for the CMOS RTC
 * (PNP0B00, with the FADT's century index). No PCI, no VGA.
 */
#ifndef KVMINI_ACPI_H
#define KVMINI_ACPI_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "platform/platform.h"

#define ACPI_S5_SLP_TYP 5 /* the SLP_TYP value \_S5 names; devices/acpi_pm.c acts on it */

struct acpi_params {
	unsigned ncpus; /* APIC ids 0..ncpus-1 */
	/*
	 * The devices: PM1 registers from its PLAT_ACPI_PM entry (which it must have), and a DSDT
	 * device for each virtio-mmio transport (_HID "LNRO0005"), pvpanic ("QEMU0001") and the
	 * CMOS RTC (EisaId "PNP0B00"; also the FADT's CENTURY and IAPC_BOOT_ARCH).
	 */
	const struct platform *platform;
};

/*
 * Builds RSDP, XSDT, FADT, FACS, MADT and DSDT into buf, which the guest will see at gpa (the
 * RSDP comes first, so gpa is also the RSDP's address). Returns the length used, or -1 with err
 * set if buf is too small or a parameter is out of range.
 */
long acpi_build(uint8_t *buf, size_t cap, uint64_t gpa, const struct acpi_params *p,
		struct err *err);

/* The ACPI checksum rule: every byte of a table, checksum included, sums to 0 (mod 256). */
uint8_t acpi_sum(const uint8_t *p, size_t len);

#endif
