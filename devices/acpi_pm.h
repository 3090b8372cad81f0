/*
 * The ACPI PM1 event and control blocks (the fixed-hardware registers the FADT of boot/acpi.c
 * points at), so an ACPI kernel's `poweroff` ends kvmini with status 0: it writes SLP_TYP = S5
 * and SLP_EN to PM1 control. There are no fixed events to raise (no power button, no timer),
 * and SCI_EN always reads 1 because the machine is always in ACPI mode (the FADT has no SMI_CMD).
 */
#ifndef KVMINI_ACPI_PM_H
#define KVMINI_ACPI_PM_H

#include <stdint.h>

#include "devices/bus.h"
#include "core/machine.h"

#define ACPI_PM_LEN	    6
#define ACPI_PM1_SCI_EN	    (1u << 0)
#define ACPI_PM1_SLP_EN	    (1u << 13)
#define ACPI_PM1_SLP_TYP(v) (((v) >> 10) & 7u)

struct acpi_pm {
	struct machine_ctl machine;
	uint8_t s5_typ; /* the SLP_TYP the DSDT's \_S5 names */
	uint16_t sts, en, cnt;
};

/* PM1a_EVT_BLK at base, PM1a_CNT_BLK at base + 4. */
int acpi_pm_register(struct acpi_pm *pm, struct bus *pio, uint64_t base, uint8_t s5_typ,
		     struct machine_ctl machine);

#endif
