#include "devices/acpi_pm.h"

#include <string.h>

/* The six bytes as the guest sees them: PM1_STS, PM1_EN, PM1_CNT, each little-endian. */
static void pm_bytes(const struct acpi_pm *pm, uint8_t b[ACPI_PM_LEN])
{
	const uint16_t regs[3] = {pm->sts, pm->en, (uint16_t)(pm->cnt | ACPI_PM1_SCI_EN)};
	for (unsigned i = 0; i < 3; i++) {
		b[2 * i] = (uint8_t)regs[i];
		b[2 * i + 1] = (uint8_t)(regs[i] >> 8);
	}
}

static void pm_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
	uint8_t b[ACPI_PM_LEN];
	pm_bytes(opaque, b);
	memset(data, 0, size);
	/* The bus only hands us accesses wholly inside the range. */
	memcpy(data, b + offset, size);
}

static void pm_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
	struct acpi_pm *pm = opaque;
	uint8_t b[ACPI_PM_LEN];
	pm_bytes(pm, b);
	const uint16_t old_sts = pm->sts;
	memcpy(b + offset, data, size);
	/* Status bits are write-1-to-clear: a byte not written must not clear anything. */
	uint16_t w1c = 0;
	for (unsigned i = 0; i < 2; i++)
		if (offset <= i && i < offset + size)
			w1c |= (uint16_t)(b[i] << (8 * i));
	pm->sts = (uint16_t)(old_sts & ~w1c);
	pm->en = (uint16_t)(b[2] | b[3] << 8);
	/* SLP_EN is write-only: it acts, it is not stored. */
	uint16_t cnt = (uint16_t)(b[4] | b[5] << 8);
	pm->cnt = (uint16_t)(cnt & ~ACPI_PM1_SLP_EN);
	if ((cnt & ACPI_PM1_SLP_EN) && ACPI_PM1_SLP_TYP(cnt) == pm->s5_typ)
		machine_event(&pm->machine, MACHINE_POWEROFF, 0, "guest powered off (ACPI S5)");
}

static const char *pm_reg_name(void *opaque, uint64_t offset, bool write)
{
	(void)opaque;
	(void)write;
	static const char *const names[3] = {"PM1 status", "PM1 enable", "PM1 control"};
	return names[offset / 2];
}

static const struct bus_device_ops acpi_pm_ops = {
    .read = pm_read, .write = pm_write, .reg_name = pm_reg_name};

int acpi_pm_register(struct acpi_pm *pm, struct bus *pio, uint64_t base, uint8_t s5_typ,
		     struct machine_ctl machine)
{
	memset(pm, 0, sizeof(*pm));
	pm->machine = machine;
	pm->s5_typ = s5_typ;
	return bus_register(pio, base, ACPI_PM_LEN, "acpi-pm", &acpi_pm_ops, pm);
}
