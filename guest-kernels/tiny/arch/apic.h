/*
 * The interrupt controllers, set up as Linux does on a device-tree PC without ACPI: the 8259
 * PICs masked, the local APIC enabled, and device interrupts routed through the IOAPIC. Both
 * APICs' addresses, and each device's IOAPIC pin and trigger type, come from the device tree.
 */
#ifndef TINY_ARCH_APIC_H
#define TINY_ARCH_APIC_H

#include "arch/irq.h"
#include "lib/fdt.h"
#include "lib/types.h"

/* The cell after the pin in `interrupts = <pin type>` (arch/x86/kernel/devicetree.c). */
enum dt_irq_type {
	DT_IRQ_EDGE_FALLING = 0,
	DT_IRQ_LEVEL_HIGH = 1,
	DT_IRQ_LEVEL_LOW = 2,
	DT_IRQ_EDGE_RISING = 3,
};

/*
 * Masks the 8259s, enables the local APIC ("intel,ce4100-lapic") and finds the IOAPIC
 * ("intel,ce4100-ioapic"), leaving all its pins masked. Returns NULL, or why it cannot.
 */
const char *apic_init(struct fdt *fdt);

/* Ends the current interrupt at the local APIC (and, for a level pin, at the IOAPIC). */
void lapic_eoi(void);

/*
 * Points IOAPIC pin at vector on this CPU, with trigger and polarity from the DT type, and
 * unmasks it. Returns -1 for a pin the IOAPIC lacks or a type outside 0-3.
 */
int ioapic_route(unsigned pin, u8 vector, enum dt_irq_type type);
void ioapic_mask(unsigned pin);

/*
 * Linux's request_irq for a DT node: reads its `interrupts` (via `interrupt-parent`, which
 * may sit on an ancestor, and must be the IOAPIC), registers handler on IRQ_VECTOR_BASE + pin
 * and routes the pin there. Returns NULL, or why it cannot.
 */
const char *irq_request_dt(struct fdt *fdt, int node, irq_handler_t handler, void *ctx);

/*
 * For polling loops, which run with interrupts disabled: takes any interrupt already pending
 * at the local APIC (its IRR), and returns at once when none is. It halts to do so because
 * PVM delivers a pending interrupt only when the vCPU halts: "sti; nop; cli" never took one
 * there. Eight register reads, each a VM exit handled in KVM: call it sparingly.
 */
void irq_take_pending(void);

/*
 * The local APIC timer, one-shot: raises vector once, ms milliseconds from now, replacing any
 * earlier deadline. KVM's LAPIC counts at 1 GHz (APIC bus cycle 1 ns), which this assumes; at
 * divide-by-128 that allows up to 549 s. Returns -1 before apic_init or for ms == 0.
 */
int lapic_timer_oneshot(u8 vector, u32 ms);
void lapic_timer_stop(void);
/*
 * The one-shot is still counting down. A timer interrupt taken while it is was raised by an
 * earlier one-shot and left pending while interrupts were off: stale.
 */
bool lapic_timer_running(void);

#endif
