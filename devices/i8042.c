#include "devices/i8042.h"

#include <string.h>

static void i8042_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
	(void)opaque;
	(void)offset;
	/* Status 0: output buffer empty and, what reset paths wait for, input buffer empty. */
	memset(data, 0, size);
}

static void i8042_data_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
	/* No keyboard behind the controller: data bytes have nowhere to go. */
	(void)opaque;
	(void)offset;
	(void)data;
	(void)size;
}

static void i8042_command_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
	struct i8042 *dev = opaque;
	(void)offset;
	(void)size;
	if (*(const uint8_t *)data == I8042_CMD_RESET)
		machine_event(&dev->machine, MACHINE_RESET, 0, "guest reset (i8042)");
}

const struct bus_device_ops i8042_data_ops = {.read = i8042_read, .write = i8042_data_write};
const struct bus_device_ops i8042_command_ops = {.read = i8042_read, .write = i8042_command_write};

int i8042_register(struct i8042 *dev, struct bus *pio, uint64_t data_port, uint64_t status_port,
		   struct machine_ctl machine)
{
	dev->machine = machine;
	/* Two ranges: one 0x60-0x64 range would also swallow port 0x61, which KVM's PIT owns. */
	if (bus_register(pio, data_port, 1, "i8042", &i8042_data_ops, dev))
		return -1;
	return bus_register(pio, status_port, 1, "i8042", &i8042_command_ops, dev);
}
