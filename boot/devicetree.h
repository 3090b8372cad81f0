/*
 * The flattened device tree kvmini hands the kernel (as SETUP_DTB setup_data), built with libfdt
 * in the form x86 Linux reads (arch/x86/kernel/devicetree.c): CPUs by APIC id, memory, the
 * "intel,ce4100" LAPIC/IOAPIC nodes, and a node for each device of the platform table that
 * has a binding: the UART, the IDE channel, pvpanic and the virtio-mmio transports.
 */
#ifndef KVMINI_DEVICETREE_H
#define KVMINI_DEVICETREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/guest_mem.h"
#include "platform/platform.h"

#define DT_IOAPIC_PHANDLE 1

/* IOAPIC interrupt cell types (of_ioapic_type in arch/x86/kernel/devicetree.c). */
#define DT_IRQ_EDGE_FALLING 0
#define DT_IRQ_LEVEL_HIGH   1
#define DT_IRQ_LEVEL_LOW    2
#define DT_IRQ_EDGE_RISING  3

struct dt_params {
	unsigned ncpus; /* APIC ids 0..ncpus-1 */
	const struct guest_mem *mem;
	const struct platform *platform; /* every device gets its node from here */
};

/* Builds the blob into buf; returns its size, or -1 with a reason in err. */
int dt_build(void *buf, size_t bufsize, const struct dt_params *p, struct err *err);

#endif
