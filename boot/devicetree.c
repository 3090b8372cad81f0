#include "boot/devicetree.h"

#include <stdio.h>

#include <libfdt.h>

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
	prop_reg64(w, LAPIC_ADDR, APIC_SIZE);
	end(w);

	snprintf(name, sizeof(name), "ioapic@%x", IOAPIC_ADDR);
	node(w, name);
	prop_str(w, "compatible", "intel,ce4100-ioapic");
	prop_empty(w, "interrupt-controller");
	prop_u32(w, "#interrupt-cells", 2);
	prop_u32(w, "#address-cells", 0); /* an interrupt map may not descend through it */
	prop_reg64(w, IOAPIC_ADDR, APIC_SIZE);
	prop_u32(w, "phandle", DT_IOAPIC_PHANDLE);
	end(w);
}

/* Every interrupt on this board is an edge into the IOAPIC (KVM_IRQFD and ISA lines alike). */
static void prop_irq(struct dtw *w, const struct plat_device *d)
{
	prop_u32(w, "interrupt-parent", DT_IOAPIC_PHANDLE);
	uint32_t irq[2] = {(uint32_t)d->irq, DT_IRQ_EDGE_RISING};
	prop_cells(w, "interrupts", irq, 2);
}

/* An ISA node's reg: for each range, the I/O space flag (1), the port and the length. */
static void prop_isa_reg(struct dtw *w, const struct plat_device *d)
{
	uint32_t reg[3 * 2];
	for (unsigned i = 0; i < d->nreg; i++) {
		reg[3 * i] = 1;
		reg[3 * i + 1] = (uint32_t)d->reg[i].base;
		reg[3 * i + 2] = (uint32_t)d->reg[i].size;
	}
	prop_cells(w, "reg", reg, 3 * d->nreg);
}

/*
 * A device on the ISA bus: "what@i<first port>", its compatible, its port ranges, and its
 * interrupt. clock: the UART's input clock, 0 for none.
 */
static void add_isa_node(struct dtw *w, const char *what, const char *compatible, uint32_t clock,
			 const struct plat_device *d)
{
	char name[32];
	snprintf(name, sizeof(name), "%s@i%llx", what, (unsigned long long)d->reg[0].base);
	node(w, name);
	prop_str(w, "compatible", compatible);
	prop_isa_reg(w, d);
	if (clock)
		prop_u32(w, "clock-frequency", clock);
	prop_irq(w, d);
	end(w);
}

/*
 * The UART, IDE and RTC live in I/O space, which the ISA binding expresses as a bus whose
 * first address cell is 1 for I/O. Linux finds these ports by legacy probing anyway (the RTC
 * too: x86 registers its rtc_cmos device by itself, and only a node with status "disabled"
 * turns it off); the nodes document them, and the tiny guest routes their interrupts from
 * them.
 */
static void add_isa(struct dtw *w, const struct platform *p)
{
	node(w, "isa");
	prop_str(w, "device_type", "isa");
	prop_u32(w, "#address-cells", 2);
	prop_u32(w, "#size-cells", 1);
	for (unsigned i = 0; i < p->ndev; i++) {
		if (p->dev[i].kind == PLAT_IDE) /* the primary channel: command block, control */
			add_isa_node(w, "ata", "ata-generic", 0, &p->dev[i]);
		else if (p->dev[i].kind == PLAT_UART)
			add_isa_node(w, "serial", "ns16550a", 1843200, &p->dev[i]);
		else if (p->dev[i].kind == PLAT_RTC)
			add_isa_node(w, "rtc", "motorola,mc146818", 0, &p->dev[i]);
	}
	end(w);
}

static void add_mmio_node(struct dtw *w, const char *what, const char *compatible,
			  const struct plat_device *d)
{
	char name[48];
	snprintf(name, sizeof(name), "%s@%llx", what, (unsigned long long)d->reg[0].base);
	node(w, name);
	prop_str(w, "compatible", compatible);
	prop_reg64(w, d->reg[0].base, d->reg[0].size);
	if (d->irq >= 0)
		prop_irq(w, d);
	end(w);
}

/* The devices in the MMIO hole: pvpanic (devices/pvpanic.c) and the virtio transports. */
static void add_mmio_devices(struct dtw *w, const struct platform *p)
{
	for (unsigned i = 0; i < p->ndev; i++) {
		if (p->dev[i].kind == PLAT_PVPANIC)
			add_mmio_node(w, "pvpanic", "qemu,pvpanic-mmio", &p->dev[i]);
		else if (p->dev[i].kind == PLAT_VIRTIO)
			add_mmio_node(w, "virtio_mmio", "virtio,mmio", &p->dev[i]);
	}
}

/* The console is the first UART, if there is one. */
static void add_chosen(struct dtw *w, const struct platform *p)
{
	node(w, "chosen");
	const struct plat_device *uart = platform_find(p, PLAT_UART, 0);
	if (uart) {
		char path[48];
		snprintf(path, sizeof(path), "/isa/serial@i%llx",
			 (unsigned long long)uart->reg[0].base);
		prop_str(w, "stdout-path", path);
	}
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

	add_chosen(&w, p->platform);
	add_cpus(&w, p->ncpus);
	add_memory(&w, p->mem);
	add_interrupt_controllers(&w);
	add_isa(&w, p->platform);
	add_mmio_devices(&w, p->platform);
	end(&w);
	if (!w.rc)
		w.rc = fdt_finish(buf);
	if (w.rc)
		return err_set(err, "cannot build the device tree: %s", fdt_strerror(w.rc));
	return (int)fdt_totalsize(buf);
}
