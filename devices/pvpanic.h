/*
 * pvpanic: how a guest kernel tells the host it panicked, so kvmini can end with a status
 * that says so instead of the ordinary reboot a `panic=-1` kernel would otherwise perform.
 * Linux's pvpanic-mmio driver finds it in the device tree ("qemu,pvpanic-mmio"), reads the
 * events it supports and writes PVPANIC_PANICKED on panic.
 */
#ifndef KVMINI_PVPANIC_H
#define KVMINI_PVPANIC_H

#include "devices/bus.h"
#include "core/machine.h"

#define PVPANIC_NREGS 2 /* the events register, and a byte of reserved space */

struct pvpanic {
	struct machine_ctl machine;
};

int pvpanic_register(struct pvpanic *p, struct bus *mmio, uint64_t base,
		     struct machine_ctl machine);

#endif
