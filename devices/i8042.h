/*
 * Just enough of the i8042 keyboard controller for a guest to reset the machine: Linux's
 * `reboot=k` polls the status port until the input buffer is empty, then writes 0xFE to it.
 */
#ifndef KVMINI_I8042_H
#define KVMINI_I8042_H

#include "devices/bus.h"
#include "core/machine.h"

#define I8042_CMD_RESET 0xFE

struct i8042 {
	struct machine_ctl machine;
};

extern const struct bus_device_ops i8042_data_ops, i8042_command_ops;

/* Registers the data and status/command ports on the PIO bus. */
int i8042_register(struct i8042 *dev, struct bus *pio, uint64_t data_port, uint64_t status_port,
		   struct machine_ctl machine);

#endif
