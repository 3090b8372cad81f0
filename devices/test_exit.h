/*
 * The test-exit port, in the spirit of QEMU's isa-debug-exit: a guest ends the VM by writing
 * one byte, and kvmini exits with exactly that byte as its status (QEMU would report
 * (value << 1) | 1; kvmini does not, so a guest's 0 is a shell's success).
 */
#ifndef KVMINI_TEST_EXIT_H
#define KVMINI_TEST_EXIT_H

#include "devices/bus.h"
#include "core/machine.h"

struct test_exit {
	struct machine_ctl machine;
};

extern const struct bus_device_ops test_exit_ops;

int test_exit_register(struct test_exit *dev, struct bus *pio, uint64_t port,
		       struct machine_ctl machine);

#endif
