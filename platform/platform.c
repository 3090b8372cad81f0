#include "platform/platform.h"

#include <stddef.h>

static struct plat_device *add(struct platform *p, enum plat_kind kind, bool pio, int irq)
{
	struct plat_device *d = &p->dev[p->ndev++];
	*d = (struct plat_device){.kind = kind, .pio = pio, .irq = irq};
	return d;
}

static void reg(struct plat_device *d, uint64_t base, uint64_t size)
{
	d->reg[d->nreg++] = (struct plat_range){base, size};
}

static bool overlap(const struct plat_range *a, const struct plat_range *b)
{
	return a->base < b->base + b->size && b->base < a->base + a->size;
}

/* No two devices in one space share an address, and no two share an interrupt. */
static bool conflict(const struct plat_device *a, const struct plat_device *b)
{
	if (a->irq >= 0 && a->irq == b->irq)
		return true;
	for (unsigned i = 0; a->pio == b->pio && i < a->nreg; i++)
		for (unsigned j = 0; j < b->nreg; j++)
			if (overlap(&a->reg[i], &b->reg[j]))
				return true;
	return false;
}

int platform_build(struct platform *p, const struct platform_spec *spec, struct err *err)
{
	static const int isa_irqs[VIRTIO_MAX_DEVICES] = VIRTIO_ISA_IRQS;
	if (spec->nvirtio > VIRTIO_MAX_DEVICES)
		return err_set(
		    err, "too many virtio devices (at most %d: disks, NICs and the rng together)",
		    VIRTIO_MAX_DEVICES);
	p->ndev = 0;
	reg(add(p, PLAT_UART, true, SERIAL_COM1_IRQ), SERIAL_COM1_BASE, 8); /* 8 registers */
	struct plat_device *d = add(p, PLAT_I8042, true, -1);
	reg(d, I8042_DATA_PORT, 1);
	reg(d, I8042_STATUS_PORT, 1);
	reg(add(p, PLAT_TEST_EXIT, true, -1), TEST_EXIT_PORT, 1);
	reg(add(p, PLAT_MARKER, true, -1), MARKER_PORT, 1);
	reg(add(p, PLAT_BOOT_TIMER, true, -1), BOOT_TIMER_PORT, 1);
	if (spec->acpi)
		reg(add(p, PLAT_ACPI_PM, true, -1), ACPI_PM_BASE, 6); /* PM1a_EVT 4, PM1a_CNT 2 */
	if (spec->ide) {
		d = add(p, PLAT_IDE, true, IDE_IRQ);
		reg(d, IDE_CMD_BASE, 8);
		reg(d, IDE_CTL_PORT, 1);
	}
	for (unsigned i = 0; i < spec->nvirtio; i++) {
		int irq = spec->virtio_isa_irq ? isa_irqs[i] : VIRTIO_FIRST_GSI + (int)i;
		d = add(p, PLAT_VIRTIO, false, irq);
		reg(d, VIRTIO_MMIO_BASE + (uint64_t)i * VIRTIO_MMIO_STRIDE, VIRTIO_MMIO_STRIDE);
	}
	reg(add(p, PLAT_PVPANIC, false, -1), PVPANIC_MMIO_BASE, PVPANIC_MMIO_SIZE);
	reg(add(p, PLAT_RTC, true, RTC_IRQ), RTC_PORT, RTC_NPORT);
	reg(add(p, PLAT_PCI_HOST, true, -1), PCI_CONF1_PORT, 8);
	for (unsigned i = 0; i < p->ndev; i++)
		for (unsigned j = i + 1; j < p->ndev; j++)
			if (conflict(&p->dev[i], &p->dev[j]))
				return err_set(err, "the platform map has a clash (a kvmini bug)");
	return 0;
}

const struct plat_device *platform_find(const struct platform *p, enum plat_kind kind, unsigned nth)
{
	for (unsigned i = 0; i < p->ndev; i++)
		if (p->dev[i].kind == kind && nth-- == 0)
			return &p->dev[i];
	return NULL;
}
