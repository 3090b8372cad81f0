#include "arch/apic.h"
#include "arch/io.h"
#include "boot/boot.h"
#include "lib/printf.h"

#define PIC_MASTER_IMR 0x21
#define PIC_SLAVE_IMR  0xa1

/* Local APIC registers (xAPIC MMIO offsets). */
#define LAPIC_ID	0x20
#define LAPIC_TPR	0x80
#define LAPIC_EOI	0xb0
#define LAPIC_SVR	0xf0
#define SVR_APIC_ENABLE 0x100
#define LAPIC_IRR	0x200 /* 8 registers of 32 vectors, 0x10 apart */
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_ICR 0x380 /* initial count: writing it starts the count-down, 0 stops it */
#define LAPIC_TIMER_CCR 0x390 /* current count: 0 once a one-shot has expired */
#define LAPIC_TIMER_DCR 0x3e0
#define LVT_MASKED	(1u << 16)
#define DCR_DIV_128	0x0a
#define TICKS_PER_MS	7812 /* 1 GHz / 128, rounded down: a deadline is never early */

/* IOAPIC: an index register and a data window onto the indexed registers. */
#define IOAPIC_REGSEL	 0x00
#define IOAPIC_WIN	 0x10
#define IOAPIC_VER	 0x01
#define IOAPIC_RTE(pin)	 (0x10 + 2 * (pin)) /* low half; the high half follows */
#define RTE_MASKED	 (1u << 16)
#define RTE_LEVEL	 (1u << 15)
#define RTE_ACTIVE_LOW	 (1u << 13)
#define RTE_DEST_SHIFT	 24 /* in the high half: destination APIC id, physical mode */
#define APIC_MMIO_SIZE	 0x1000
#define IOAPIC_IRQ_CELLS 2

static struct {
	u64 lapic, ioapic; /* 0 until apic_init found them */
	int ioapic_node;
	unsigned pins;
	u8 apic_id; /* of this CPU: every interrupt is sent here */
} apic;

static char err_buf[128];

__attribute__((format(printf, 1, 2))) static const char *fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err_buf, sizeof(err_buf), fmt, ap);
	va_end(ap);
	return err_buf;
}

static u32 lapic_read(u32 reg)
{
	return mmio_read32(apic.lapic + reg);
}

static void lapic_write(u32 reg, u32 v)
{
	mmio_write32(apic.lapic + reg, v);
}

static u32 ioapic_read(u32 reg)
{
	mmio_write32(apic.ioapic + IOAPIC_REGSEL, reg);
	return mmio_read32(apic.ioapic + IOAPIC_WIN);
}

static void ioapic_write(u32 reg, u32 v)
{
	mmio_write32(apic.ioapic + IOAPIC_REGSEL, reg);
	mmio_write32(apic.ioapic + IOAPIC_WIN, v);
}

/* The node's first reg address, in its parent's #address-cells (1 or 2; the default is 2). */
static bool node_mmio(struct fdt *fdt, int node, u64 *addr)
{
	u32 ac = 2, cells[2];

	fdt_getprop_u32(fdt, fdt_parent(fdt, node), "#address-cells", &ac);
	if ((ac != 1 && ac != 2) || fdt_read_cells(fdt, node, "reg", cells, 2) < (int)ac)
		return false;
	*addr = ac == 1 ? cells[0] : (u64)cells[0] << 32 | cells[1];
	/* Only the low 4 GiB is mapped, and a register block must not straddle its end. */
	return phys_ok(*addr, APIC_MMIO_SIZE);
}

const char *apic_init(struct fdt *fdt)
{
	u32 cells = 0;

	/* Linux masks the 8259s when the IOAPIC takes over, so a line never arrives twice. */
	outb(0xff, PIC_MASTER_IMR);
	outb(0xff, PIC_SLAVE_IMR);

	int lapic = fdt_node_by_compatible(fdt, "intel,ce4100-lapic");
	if (lapic < 0)
		return "no local APIC (intel,ce4100-lapic) in the device tree";
	if (!node_mmio(fdt, lapic, &apic.lapic))
		return "local APIC node has no usable reg";
	int ioapic = fdt_node_by_compatible(fdt, "intel,ce4100-ioapic");
	if (ioapic < 0)
		return "no IOAPIC (intel,ce4100-ioapic) in the device tree";
	if (!node_mmio(fdt, ioapic, &apic.ioapic)) {
		apic.lapic = 0;
		return "IOAPIC node has no usable reg";
	}
	if (!fdt_getprop_u32(fdt, ioapic, "#interrupt-cells", &cells) ||
	    cells != IOAPIC_IRQ_CELLS) {
		apic.lapic = apic.ioapic = 0;
		return fail("IOAPIC #interrupt-cells is %u, want %u", cells, IOAPIC_IRQ_CELLS);
	}
	apic.ioapic_node = ioapic;

	/* Software-enable the local APIC; TPR 0 accepts every priority class. */
	lapic_write(LAPIC_SVR, SVR_APIC_ENABLE | SPURIOUS_VECTOR);
	lapic_write(LAPIC_TPR, 0);
	apic.apic_id = (u8)(lapic_read(LAPIC_ID) >> 24);

	/* Bits 23:16 of the version register hold the highest redirection entry. */
	apic.pins = ((ioapic_read(IOAPIC_VER) >> 16) & 0xff) + 1;
	for (unsigned pin = 0; pin < apic.pins; pin++)
		ioapic_mask(pin);
	return NULL;
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

void ioapic_mask(unsigned pin)
{
	if (apic.ioapic && pin < apic.pins)
		ioapic_write(IOAPIC_RTE(pin), RTE_MASKED);
}

int ioapic_route(unsigned pin, u8 vector, enum dt_irq_type type)
{
	u32 low = vector; /* fixed delivery, physical destination */

	if (!apic.ioapic || pin >= apic.pins || (unsigned)type > DT_IRQ_EDGE_RISING)
		return -1;
	if (type == DT_IRQ_LEVEL_HIGH || type == DT_IRQ_LEVEL_LOW)
		low |= RTE_LEVEL;
	if (type == DT_IRQ_EDGE_FALLING || type == DT_IRQ_LEVEL_LOW)
		low |= RTE_ACTIVE_LOW;
	/* Masked while half-written, so the pin never fires at a mix of old and new. */
	ioapic_write(IOAPIC_RTE(pin), RTE_MASKED);
	ioapic_write(IOAPIC_RTE(pin) + 1, (u32)apic.apic_id << RTE_DEST_SHIFT);
	ioapic_write(IOAPIC_RTE(pin), low);
	return 0;
}

const char *irq_request_dt(struct fdt *fdt, int node, irq_handler_t handler, void *ctx)
{
	const char *name = fdt_node_name(fdt, node);
	u32 phandle, cells[IOAPIC_IRQ_CELLS];

	if (!apic.ioapic)
		return "interrupt controllers not set up (apic_init)";
	/* Like of_irq_find_parent: the nearest interrupt-parent on the node or an ancestor. */
	int n = node;
	while (n >= 0 && !fdt_getprop_u32(fdt, n, "interrupt-parent", &phandle))
		n = fdt_parent(fdt, n);
	if (n < 0)
		return fail("%s: no interrupt-parent", name);
	if (fdt_node_by_phandle(fdt, phandle) != apic.ioapic_node)
		return fail("%s: interrupt parent is not the IOAPIC", name);
	if (fdt_read_cells(fdt, node, "interrupts", cells, IOAPIC_IRQ_CELLS) < IOAPIC_IRQ_CELLS)
		return fail("%s: no interrupts = <pin type>", name);
	if (cells[0] >= apic.pins || IRQ_VECTOR_BASE + cells[0] >= SPURIOUS_VECTOR ||
	    cells[1] > DT_IRQ_EDGE_RISING)
		return fail("%s: interrupts = <%u %u> out of range", name, cells[0], cells[1]);

	u8 vector = (u8)(IRQ_VECTOR_BASE + cells[0]);
	if (irq_register(vector, handler, ctx))
		return fail("%s: vector 0x%x already taken", name, vector);
	ioapic_route(cells[0], vector, (enum dt_irq_type)cells[1]);
	return NULL;
}

int lapic_timer_oneshot(u8 vector, u32 ms)
{
	if (!apic.lapic || !ms || ms > 0xffffffffu / TICKS_PER_MS)
		return -1;
	lapic_write(LAPIC_TIMER_DCR, DCR_DIV_128);
	lapic_write(LAPIC_LVT_TIMER, vector); /* one-shot mode, unmasked */
	lapic_write(LAPIC_TIMER_ICR, ms * TICKS_PER_MS);
	return 0;
}

bool lapic_timer_running(void)
{
	return apic.lapic && lapic_read(LAPIC_TIMER_CCR) != 0;
}

void lapic_timer_stop(void)
{
	if (!apic.lapic)
		return;
	lapic_write(LAPIC_TIMER_ICR, 0);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
}

void irq_take_pending(void)
{
	if (!apic.lapic)
		return;
	for (u32 i = 0; i < 8; i++) {
		if (lapic_read(LAPIC_IRR + 0x10 * i)) {
			wait_for_irq(); /* returns as soon as the handler has run */
			return;
		}
	}
}
