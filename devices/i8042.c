#include "devices/i8042.h"

#include <string.h>

void i8042_init(struct i8042 *dev, struct machine_ctl machine)
{
	memset(dev, 0, sizeof(*dev));
	pthread_mutex_init(&dev->lock, NULL);
	dev->machine = machine;
	dev->ram[0] = I8042_CTR_INITIAL;
	dev->out_port = I8042_OUT_INITIAL;
}

void i8042_destroy(struct i8042 *dev)
{
	pthread_mutex_destroy(&dev->lock);
}

/* Places a byte in the output buffer, over any the guest has not read. Lock held. */
static void put_out(struct i8042 *dev, uint8_t byte, uint8_t flags)
{
	dev->out = byte;
	dev->out_flags = flags & (I8042_STR_AUXDATA | I8042_STR_TIMEOUT);
	dev->obf = true;
}

static uint8_t status(const struct i8042 *dev)
{
	uint8_t s = I8042_STR_UNLOCKED;
	if (dev->ram[0] & I8042_CTR_SYS)
		s |= I8042_STR_SYS;
	if (dev->last_was_cmd)
		s |= I8042_STR_CMD;
	if (dev->obf)
		s |= I8042_STR_OBF | dev->out_flags;
	return s;
}

/* What 0xD0 reads: reset and A20 high, the IRQ outputs low, the rest as written. */
static uint8_t out_port(const struct i8042 *dev)
{
	return (uint8_t)((dev->out_port & ~I8042_OUT_IRQS) | I8042_OUT_RESET | I8042_OUT_A20);
}

/* One command byte; returns true if it resets the machine. Lock held. */
static bool command(struct i8042 *dev, uint8_t cmd)
{
	dev->pending = 0;
	if (cmd >= I8042_CMD_READ_RAM && cmd < I8042_CMD_READ_RAM + I8042_RAM_SIZE) {
		put_out(dev, dev->ram[cmd - I8042_CMD_READ_RAM], 0);
		return false;
	}
	if (cmd >= I8042_CMD_WRITE_RAM && cmd < I8042_CMD_WRITE_RAM + I8042_RAM_SIZE) {
		dev->pending = cmd;
		return false;
	}
	if (cmd >= I8042_CMD_PULSE)
		return !(cmd & I8042_OUT_RESET); /* bit 0 clear: the reset line is pulsed */
	switch (cmd) {
	case I8042_CMD_AUX_DISABLE:
		dev->ram[0] |= I8042_CTR_AUXDIS;
		break;
	case I8042_CMD_AUX_ENABLE:
		dev->ram[0] &= (uint8_t)~I8042_CTR_AUXDIS;
		break;
	case I8042_CMD_AUX_TEST:
		put_out(dev, I8042_AUX_TEST_BAD, 0);
		break;
	case I8042_CMD_SELF_TEST:
		dev->ram[0] |= I8042_CTR_SYS;
		put_out(dev, I8042_SELF_TEST_OK, 0);
		break;
	case I8042_CMD_KBD_TEST:
		put_out(dev, I8042_KBD_TEST_OK, 0);
		break;
	case I8042_CMD_KBD_DISABLE:
		dev->ram[0] |= I8042_CTR_KBDDIS;
		break;
	case I8042_CMD_KBD_ENABLE:
		dev->ram[0] &= (uint8_t)~I8042_CTR_KBDDIS;
		break;
	case I8042_CMD_READ_OUTPORT:
		put_out(dev, out_port(dev), 0);
		break;
	case I8042_CMD_WRITE_OUTPORT:
	case I8042_CMD_KBD_LOOP:
	case I8042_CMD_AUX_LOOP:
	case I8042_CMD_AUX_SEND:
		dev->pending = cmd;
		break;
	default:
		break; /* not a command this controller has: ignored */
	}
	return false;
}

/* One byte at the data port; returns true if it resets the machine. Lock held. */
static bool data_byte(struct i8042 *dev, uint8_t byte)
{
	uint8_t cmd = dev->pending;
	dev->pending = 0;
	if (cmd >= I8042_CMD_WRITE_RAM && cmd < I8042_CMD_WRITE_RAM + I8042_RAM_SIZE) {
		if (cmd == I8042_CMD_WRITE_RAM)
			byte &= (uint8_t)~I8042_CTR_RESERVED;
		dev->ram[cmd - I8042_CMD_WRITE_RAM] = byte;
		return false;
	}
	switch (cmd) {
	case I8042_CMD_WRITE_OUTPORT:
		dev->out_port = byte;
		return !(byte & I8042_OUT_RESET);
	case I8042_CMD_KBD_LOOP:
		put_out(dev, byte, 0);
		return false;
	case I8042_CMD_AUX_LOOP:
	case I8042_CMD_AUX_SEND:
		put_out(dev, I8042_NO_DEVICE, I8042_STR_AUXDATA | I8042_STR_TIMEOUT);
		return false;
	default:
		/* For the keyboard, which is not there. */
		put_out(dev, I8042_NO_DEVICE, I8042_STR_TIMEOUT);
		return false;
	}
}

/* A read: the byte in data[0], all-ones above it (a wider access is no one's on the bus). */
static void reply(void *data, unsigned size, uint8_t byte)
{
	memset(data, 0xFF, size);
	*(uint8_t *)data = byte;
}

static void i8042_data_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
	struct i8042 *dev = opaque;
	(void)offset;
	pthread_mutex_lock(&dev->lock);
	uint8_t byte = dev->out;
	dev->obf = false;
	dev->out_flags = 0;
	pthread_mutex_unlock(&dev->lock);
	reply(data, size, byte);
}

static void i8042_status_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
	struct i8042 *dev = opaque;
	(void)offset;
	pthread_mutex_lock(&dev->lock);
	uint8_t s = status(dev);
	pthread_mutex_unlock(&dev->lock);
	reply(data, size, s);
}

static void reset(struct i8042 *dev, bool yes)
{
	if (yes)
		machine_event(&dev->machine, MACHINE_RESET, 0, "guest reset (i8042)");
}

static void i8042_data_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
	struct i8042 *dev = opaque;
	(void)offset;
	(void)size;
	pthread_mutex_lock(&dev->lock);
	dev->last_was_cmd = false;
	bool r = data_byte(dev, *(const uint8_t *)data);
	pthread_mutex_unlock(&dev->lock);
	reset(dev, r);
}

static void i8042_command_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
	struct i8042 *dev = opaque;
	(void)offset;
	(void)size;
	pthread_mutex_lock(&dev->lock);
	dev->last_was_cmd = true;
	bool r = command(dev, *(const uint8_t *)data);
	pthread_mutex_unlock(&dev->lock);
	reset(dev, r);
}

static const char *i8042_data_name(void *opaque, uint64_t offset, bool write)
{
	(void)opaque;
	(void)offset;
	(void)write;
	return "data";
}

static const char *i8042_command_name(void *opaque, uint64_t offset, bool write)
{
	(void)opaque;
	(void)offset;
	return write ? "command" : "status";
}

const struct bus_device_ops i8042_data_ops = {
    .read = i8042_data_read, .write = i8042_data_write, .reg_name = i8042_data_name};
const struct bus_device_ops i8042_command_ops = {
    .read = i8042_status_read, .write = i8042_command_write, .reg_name = i8042_command_name};

int i8042_register(struct i8042 *dev, struct bus *pio, uint64_t data_port, uint64_t status_port,
		   struct machine_ctl machine)
{
	i8042_init(dev, machine);
	/* Two ranges: one 0x60-0x64 range would also swallow port 0x61, which KVM's PIT owns. */
	if (bus_register(pio, data_port, 1, "i8042", &i8042_data_ops, dev))
		return -1;
	return bus_register(pio, status_port, 1, "i8042", &i8042_command_ops, dev);
}
