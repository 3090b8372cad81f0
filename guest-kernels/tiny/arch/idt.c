#include "arch/irq.h"
#include "arch/apic.h"
#include "arch/cpu.h"
#include "arch/segment.h"
#include "drivers/power.h"
#include "lib/printf.h"

#define GATE_INTERRUPT 0x8e /* present, DPL 0, 64-bit interrupt gate: IF clear in handlers */

struct idt_gate {
	u16 offset_low;
	u16 selector;
	u8 ist;
	u8 type;
	u16 offset_mid;
	u32 offset_high;
	u32 reserved;
};

struct irq_action {
	irq_handler_t handler;
	void *ctx;
	irq_probe_t probe;
};

/*
 * Lost wakeups (irq_check_lost): per vector, the interrupts taken, and how long its probe has
 * said "finished" with none taken.
 */
static volatile u32 delivered[NR_VECTORS];
static struct {
	u32 delivered;
	u32 ms;
	bool pending;
} suspect[NR_VECTORS];
static volatile unsigned lost_wakeups;

extern const u64 irq_stub_table[NR_VECTORS];

static struct idt_gate idt[NR_VECTORS] __attribute__((aligned(16)));
static struct irq_action actions[NR_VECTORS];

static const char *const exception_names[NR_EXCEPTIONS] = {
    "divide error",
    "debug",
    "NMI",
    "breakpoint",
    "overflow",
    "bound range exceeded",
    "invalid opcode",
    "device not available",
    "double fault",
    "coprocessor segment overrun",
    "invalid TSS",
    "segment not present",
    "stack segment fault",
    "general protection",
    "page fault",
    "reserved",
    "x87 floating point",
    "alignment check",
    "machine check",
    "SIMD floating point",
    "virtualization",
    "control protection",
    [22 ... 27] = "reserved",
    "hypervisor injection",
    "VMM communication",
    "security",
    "reserved",
};

void idt_init(void)
{
	for (int v = 0; v < NR_VECTORS; v++) {
		u64 addr = irq_stub_table[v];

		idt[v] = (struct idt_gate){
		    .offset_low = (u16)addr,
		    .selector = BOOT_CS,
		    .type = GATE_INTERRUPT,
		    .offset_mid = (u16)(addr >> 16),
		    .offset_high = (u32)(addr >> 32),
		};
	}
	const struct desc_ptr d = {.limit = sizeof(idt) - 1, .base = (u64)(uintptr_t)idt};
	lidt(&d);
}

int irq_register(u8 vector, irq_handler_t handler, void *ctx)
{
	if (vector < NR_EXCEPTIONS || vector == SPURIOUS_VECTOR || !handler ||
	    actions[vector].handler)
		return -1;
	actions[vector] = (struct irq_action){handler, ctx, NULL};
	return 0;
}

int irq_set_probe(irq_handler_t handler, void *ctx, irq_probe_t probe)
{
	for (int v = NR_EXCEPTIONS; v < NR_VECTORS; v++) {
		if (actions[v].handler == handler && actions[v].ctx == ctx) {
			actions[v].probe = probe;
			return 0;
		}
	}
	return -1;
}

void irq_check_lost(u32 ms)
{
	for (int v = NR_EXCEPTIONS; v < NR_VECTORS; v++) {
		const struct irq_action *a = &actions[v];
		if (!a->probe)
			continue;
		bool pending = a->probe(a->ctx);
		if (!pending || !suspect[v].pending || suspect[v].delivered != delivered[v]) {
			suspect[v].pending = pending;
			suspect[v].delivered = delivered[v];
			suspect[v].ms = 0;
			continue;
		}
		suspect[v].ms += ms;
		if (suspect[v].ms < IRQ_LOST_MS)
			continue;
		/* Finished all this time, and no interrupt: handle it as if one had come. */
		lost_wakeups++;
		suspect[v].pending = false;
		a->handler(a->ctx);
	}
}

unsigned irq_lost_wakeups(void)
{
	return lost_wakeups;
}

static __attribute__((noreturn)) void exception(const struct irq_frame *f)
{
	static bool busy;

	/* A fault while reporting one (the UART, printf) would recurse: just stop. */
	if (busy)
		power_exit(EXIT_EXCEPTION);
	busy = true;
	printf("tiny: exception %llu (%s) at rip 0x%llx err 0x%llx cr2 0x%llx\n", f->vector,
	       exception_names[f->vector], f->rip, f->error, read_cr2());
	power_exit(EXIT_EXCEPTION);
}

void irq_dispatch(struct irq_frame *f)
{
	if (f->vector < NR_EXCEPTIONS)
		exception(f);
	/* The APIC raises a spurious vector without setting ISR: it must not be EOIed. */
	if (f->vector == SPURIOUS_VECTOR)
		return;

	const struct irq_action *a = &actions[f->vector];
	if (!a->handler) {
		/* Nothing should be routed here; a test guest says so rather than carry on. */
		printf("tiny: unexpected interrupt on vector 0x%llx at rip 0x%llx\n", f->vector,
		       f->rip);
		power_exit(EXIT_EXCEPTION);
	}
	delivered[f->vector]++;
	a->handler(a->ctx);
	lapic_eoi();
}
