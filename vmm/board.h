/*
 * The machine kvmini builds around a VM: which devices sit where, the device tree describing
 * them, and the kernel loaded to boot on it.
 */
#ifndef KVMINI_BOARD_H
#define KVMINI_BOARD_H

#include "devices/i8042.h"
#include "devices/serial.h"
#include "devices/test_exit.h"
#include "vmm/cli.h"
#include "vmm/err.h"
#include "vmm/vm.h"

struct board {
	struct serial serial;
	struct i8042 i8042;
	struct test_exit test_exit;
};

/*
 * Plugs the devices into vm's buses, builds the device tree (written to cfg->dump_dtb if asked),
 * loads the kernel and sets up the boot vCPU. Returns 0, or a kvmini exit status with err set.
 */
int board_setup(struct board *b, struct vm *vm, const struct kvmini_config *cfg, struct err *err);
void board_destroy(struct board *b);

#endif
