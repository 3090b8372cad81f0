/*
 * Panics the way Linux's pvpanic-mmio driver reports one: finds the "qemu,pvpanic-mmio" node
 * in the device tree, checks the device offers the PANICKED event, and writes it. kvmini ends
 * with its documented panic status (5); if it does not, the scenario exits 1.
 */
#include "scenarios/scenario.h"
#include "arch/io.h"
#include "boot/boot.h"
#include "lib/fdt.h"
#include "lib/printf.h"

#define PVPANIC_PANICKED 1

int scenario_panic(struct boot_params *bp)
{
	static struct fdt fdt;
	const char *err = boot_dt(bp, &fdt);
	u32 reg[4];

	if (err) {
		printf("panic: %s\n", err);
		return 1;
	}
	int node = fdt_node_by_compatible(&fdt, "qemu,pvpanic-mmio");
	if (node < 0 || fdt_read_cells(&fdt, node, "reg", reg, 4) != 4) {
		printf("panic: no pvpanic device in the device tree\n");
		return 1;
	}
	u64 addr = (u64)reg[0] << 32 | reg[1];
	u8 events = mmio_read8(addr);
	printf("panic: pvpanic at 0x%llx offers events 0x%x\n", addr, events);
	if (!(events & PVPANIC_PANICKED))
		return 1;
	mmio_write8(addr, PVPANIC_PANICKED);
	printf("panic: still running after reporting the panic\n");
	return 1;
}
