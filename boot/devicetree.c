#include "boot/devicetree.h"

#include <stdio.h>

#include <libfdt.h>

#include "boot/layout.h"
#include "devices/ide.h"
#include "devices/pvpanic.h"
#include "devices/serial.h"

/* libfdt's sequential-write calls, stopping at the first error so only one is reported. */
struct dtw {
	void *fdt;
	int rc;
};

static void node(struct dtw *w, const char *name)
{
	if (!w->rc)
		w->rc = fdt_begin_node(w->fdt, name);
}

static void end(struct dtw *w)
{
	if (!w->rc)
		w->rc = fdt_end_node(w->fdt);
}

static void prop_str(struct dtw *w, const char *name, const char *val)
{
	if (!w->rc)
		w->rc = fdt_property_string(w->fdt, name, val);
}

static void prop_u32(struct dtw *w, const char *name, uint32_t val)
{
	if (!w->rc)
		w->rc = fdt_property_u32(w->fdt, name, val);
}

static void prop_empty(struct dtw *w, const char *name)
{
	if (!w->rc)
		w->rc = fdt_property(w->fdt, name, NULL, 0);
}

static void prop_cells(struct dtw *w, const char *name, const uint32_t *cells, unsigned n)
{
	fdt32_t be[16];
	for (unsigned i = 0; i < n && i < 16; i++)
		be[i] = cpu_to_fdt32(cells[i]);
	if (!w->rc)
		w->rc = fdt_property(w->fdt, name, be, (int)(n * sizeof(fdt32_t)));
}

/* A reg entry with the root's two address and two size cells. */
static void prop_reg64(struct dtw *w, uint64_t base, uint64_t size)
{
	uint32_t cells[4] = {base >> 32, (uint32_t)base, size >> 32, (uint32_t)size};
	prop_cells(w, "reg", cells, 4);
}

static void add_cpus(struct dtw *w, unsigned ncpus)
{
	node(w, "cpus");
	prop_u32(w, "#address-cells", 1);
	prop_u32(w, "#size-cells", 0);
	for (unsigned i = 0; i < ncpus; i++) {
		char name[16];
		snprintf(name, sizeof(name), "cpu@%u", i);
		node(w, name);
		prop_str(w, "device_type", "cpu");
		prop_u32(w, "reg", i); /* the APIC id kvmini gave this vCPU */
		end(w);
	}
	end(w);
}

static void add_memory(struct dtw *w, const struct guest_mem *gm)
{
	uint32_t cells[4 * GM_MAX_REGIONS];
	unsigned n = 0;
	for (int i = 0; i < gm->nregions; i++) {
		const struct gm_region *r = &gm->regions[i];
		cells[n++] = r->gpa >> 32;
		cells[n++] = (uint32_t)r->gpa;
		cells[n++] = r->size >> 32;
		cells[n++] = (uint32_t)r->size;
	}
	node(w, "memory@0");
	prop_str(w, "device_type", "memory");
	prop_cells(w, "reg", cells, n);
	end(w);
}

static void add_interrupt_controllers(struct dtw *w)
{
	char name[32];
	snprintf(name, sizeof(name), "lapic@%x", LAPIC_ADDR);
	node(w, name);
	prop_str(w, "compatible", "intel,ce4100-lapic");
	prop_reg64(w, LAPIC_ADDR, 0x1000);
	end(w);

	snprintf(name, sizeof(name), "ioapic@%x", IOAPIC_ADDR);
	node(w, name);
	prop_str(w, "compatible", "intel,ce4100-ioapic");
	prop_empty(w, "interrupt-controller");
	prop_u32(w, "#interrupt-cells", 2);
	prop_u32(w, "#address-cells", 0); /* an interrupt map may not descend through it */
	prop_reg64(w, IOAPIC_ADDR, 0x1000);
	prop_u32(w, "phandle", DT_IOAPIC_PHANDLE);
	end(w);
}

/* The primary IDE channel: command block, control block, IRQ 14 (an ISA edge). */
static void add_ide(struct dtw *w)
{
	char name[32];
	snprintf(name, sizeof(name), "ata@i%x", IDE_CMD_BASE);
	node(w, name);
	prop_str(w, "compatible", "ata-generic");
	uint32_t reg[6] = {1, IDE_CMD_BASE, 8, 1, IDE_CTL_PORT, 1};
	prop_cells(w, "reg", reg, 6);
	prop_u32(w, "interrupt-parent", DT_IOAPIC_PHANDLE);
	uint32_t irq[2] = {IDE_IRQ, DT_IRQ_EDGE_RISING};
	prop_cells(w, "interrupts", irq, 2);
	end(w);
}

/*
 * COM1 (and IDE) live in I/O space, which the ISA binding expresses as a bus whose first
 * address cell is 1 for I/O. Linux finds these ports by legacy probing anyway; the nodes
 * document them, and the tiny guest routes their interrupts from them.
 */
static void add_isa(struct dtw *w, bool ide)
{
	node(w, "isa");
	prop_str(w, "device_type", "isa");
	prop_u32(w, "#address-cells", 2);
	prop_u32(w, "#size-cells", 1);
	if (ide)
		add_ide(w);
	char name[32];
	snprintf(name, sizeof(name), "serial@i%x", SERIAL_COM1_BASE);
	node(w, name);
	prop_str(w, "compatible", "ns16550a");
	uint32_t reg[3] = {1, SERIAL_COM1_BASE, SERIAL_NREGS};
	prop_cells(w, "reg", reg, 3);
	prop_u32(w, "clock-frequency", 1843200);
	prop_u32(w, "interrupt-parent", DT_IOAPIC_PHANDLE);
	uint32_t irq[2] = {SERIAL_COM1_IRQ, DT_IRQ_EDGE_RISING}; /* ISA interrupts are edges */
	prop_cells(w, "interrupts", irq, 2);
	end(w);
	end(w);
}

/* Where a guest kernel reports a panic (devices/pvpanic.c). */
static void add_pvpanic(struct dtw *w)
{
	char name[32];
	snprintf(name, sizeof(name), "pvpanic@%llx", (unsigned long long)PVPANIC_MMIO_BASE);
	node(w, name);
	prop_str(w, "compatible", "qemu,pvpanic-mmio");
	prop_reg64(w, PVPANIC_MMIO_BASE, PVPANIC_MMIO_SIZE);
	end(w);
}

static void add_mmio_device(struct dtw *w, const struct dt_mmio_device *d)
{
	char name[48];
	snprintf(name, sizeof(name), "%s@%llx", "virtio_mmio", (unsigned long long)d->base);
	node(w, name);
	prop_str(w, "compatible", d->compatible);
	prop_reg64(w, d->base, d->size);
	prop_u32(w, "interrupt-parent", DT_IOAPIC_PHANDLE);
	uint32_t irq[2] = {d->irq, d->irq_type};
	prop_cells(w, "interrupts", irq, 2);
	end(w);
}

int dt_build(void *buf, size_t bufsize, const struct dt_params *p, struct err *err)
{
	struct dtw w = {.fdt = buf};
	w.rc = fdt_create(buf, (int)bufsize);
	if (!w.rc)
		w.rc = fdt_finish_reservemap(buf);
	node(&w, "");
	/* Newer kernels ignore a tree whose root has no compatible. */
	prop_str(&w, "compatible", "kvmini,pc");
	prop_str(&w, "model", "kvmini");
	prop_u32(&w, "#address-cells", 2);
	prop_u32(&w, "#size-cells", 2);
	prop_u32(&w, "interrupt-parent", DT_IOAPIC_PHANDLE);

	node(&w, "chosen");
	char path[48];
	snprintf(path, sizeof(path), "/isa/serial@i%x", SERIAL_COM1_BASE);
	prop_str(&w, "stdout-path", path);
	end(&w);

	add_cpus(&w, p->ncpus);
	add_memory(&w, p->mem);
	add_interrupt_controllers(&w);
	add_isa(&w, p->ide);
	add_pvpanic(&w);
	for (unsigned i = 0; i < p->nmmio; i++)
		add_mmio_device(&w, &p->mmio[i]);
	end(&w);
	if (!w.rc)
		w.rc = fdt_finish(buf);
	if (w.rc)
		return err_set(err, "cannot build the device tree: %s", fdt_strerror(w.rc));
	return (int)fdt_totalsize(buf);
}
