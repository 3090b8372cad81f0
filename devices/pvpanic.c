#include "devices/pvpanic.h"

#include <string.h>

#include <misc/pvpanic.h>

static void pvpanic_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
	(void)opaque;
	memset(data, 0, size);
	/* The events we act on: a panic. (A crash kernel being loaded is nothing to us.) */
	if (offset == 0)
		*(uint8_t *)data = PVPANIC_PANICKED;
}

static void pvpanic_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
	struct pvpanic *p = opaque;
	(void)size;
	if (offset == 0 && (*(const uint8_t *)data & PVPANIC_PANICKED))
		machine_event(&p->machine, MACHINE_PANIC, 0, "guest kernel panicked (pvpanic)");
}

static const struct bus_device_ops pvpanic_ops = {.read = pvpanic_read, .write = pvpanic_write};

int pvpanic_register(struct pvpanic *p, struct bus *mmio, uint64_t base, struct machine_ctl machine)
{
	p->machine = machine;
	return bus_register(mmio, base, PVPANIC_NREGS, "pvpanic", &pvpanic_ops, p);
}
