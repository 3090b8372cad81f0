#include "devices/test_exit.h"

#include <stdio.h>
#include <string.h>

static void test_exit_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
	(void)opaque;
	(void)offset;
	memset(data, 0xff, size);
}

static void test_exit_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
	struct test_exit *dev = opaque;
	(void)offset;
	(void)size;
	/* Only the low byte: a process exit status is 8 bits, and wider writes must not alias. */
	uint8_t status = *(const uint8_t *)data;
	char reason[64];
	snprintf(reason, sizeof(reason), "guest wrote %u to the test-exit port", status);
	machine_event(&dev->machine, MACHINE_GUEST_EXIT, status, reason);
}

const struct bus_device_ops test_exit_ops = {.read = test_exit_read, .write = test_exit_write};

int test_exit_register(struct test_exit *dev, struct bus *pio, uint64_t port,
		       struct machine_ctl machine)
{
	dev->machine = machine;
	return bus_register(pio, port, 1, "test-exit", &test_exit_ops, dev);
}
