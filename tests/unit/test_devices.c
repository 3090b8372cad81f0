/*
 * The small platform devices: the i8042 (a controller with no devices attached), the test-exit
 * port, pvpanic and the ACPI PM1 block.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "devices/acpi_pm.h"
#include "devices/boot_timer.h"
#include "devices/i8042.h"
#include "devices/pvpanic.h"
#include "devices/test_exit.h"
#include "platform/layout.h"

struct exits {
	int count;
	enum machine_event event;
	int value;
	char reason[128];
};

static void record_exit(void *ctx, enum machine_event ev, int value, const char *reason)
{
	struct exits *e = ctx;
	e->count++;
	e->event = ev;
	e->value = value;
	snprintf(e->reason, sizeof(e->reason), "%s", reason);
}

/* ---- the i8042: a controller with no keyboard and no aux device ---- */

struct kbc {
	struct bus pio;
	struct exits ex;
	struct i8042 dev;
};

static void kbc_setup(struct kbc *k)
{
	memset(k, 0, sizeof(*k));
	bus_init(&k->pio, "pio");
	assert_int_equal(i8042_register(&k->dev, &k->pio, I8042_DATA_PORT, I8042_STATUS_PORT,
					(struct machine_ctl){record_exit, &k->ex}),
			 0);
}

static uint8_t kbc_status(struct kbc *k)
{
	uint8_t v = 0xAA;
	assert_non_null(bus_read(&k->pio, I8042_STATUS_PORT, &v, 1));
	return v;
}

static uint8_t kbc_read(struct kbc *k)
{
	uint8_t v = 0xAA;
	assert_non_null(bus_read(&k->pio, I8042_DATA_PORT, &v, 1));
	return v;
}

static void kbc_cmd(struct kbc *k, uint8_t cmd)
{
	assert_non_null(bus_write(&k->pio, I8042_STATUS_PORT, &cmd, 1));
}

static void kbc_data(struct kbc *k, uint8_t byte)
{
	assert_non_null(bus_write(&k->pio, I8042_DATA_PORT, &byte, 1));
}

/* A command's one-byte answer: waiting in the output buffer with no flags, then gone. */
static uint8_t kbc_answer(struct kbc *k, uint8_t cmd)
{
	kbc_cmd(k, cmd);
	uint8_t st = kbc_status(k);
	assert_int_equal(st & (I8042_STR_OBF | I8042_STR_AUXDATA | I8042_STR_TIMEOUT |
			       I8042_STR_PARITY | I8042_STR_IBF),
			 I8042_STR_OBF);
	uint8_t v = kbc_read(k);
	assert_int_equal(kbc_status(k) & I8042_STR_OBF, 0);
	return v;
}

/* A command that answers nothing leaves the output buffer empty. */
static void kbc_silent(struct kbc *k, uint8_t cmd)
{
	kbc_cmd(k, cmd);
	assert_int_equal(kbc_status(k) & I8042_STR_OBF, 0);
}

static uint8_t kbc_ctr(struct kbc *k)
{
	return kbc_answer(k, I8042_CMD_READ_RAM);
}

static void kbc_set_ctr(struct kbc *k, uint8_t ctr)
{
	kbc_cmd(k, I8042_CMD_WRITE_RAM);
	kbc_data(k, ctr);
	assert_int_equal(kbc_status(k) & I8042_STR_OBF, 0);
}

/* Power-on: nothing waiting, never busy, no keylock, POST passed; the firmware command byte. */
static void test_i8042_initial(void **state)
{
	(void)state;
	struct kbc k;
	kbc_setup(&k);
	/* Port 0x61 belongs to KVM's PIT, not to us. */
	assert_null(bus_find(&k.pio, 0x61, 1));
	assert_int_equal(kbc_status(&k), I8042_STR_UNLOCKED | I8042_STR_SYS);
	assert_int_equal(kbc_read(&k), 0); /* nothing was ever placed there */
	assert_int_equal(kbc_ctr(&k), I8042_CTR_INITIAL);
	assert_int_equal(kbc_answer(&k, I8042_CMD_READ_OUTPORT), I8042_OUT_INITIAL);
	assert_int_equal(k.ex.count, 0);
	i8042_destroy(&k.dev);
}

/* The command byte round trip, with its reserved bit, the SYS and CMD status bits. */
static void test_i8042_ctr(void **state)
{
	(void)state;
	struct kbc k;
	kbc_setup(&k);
	kbc_set_ctr(&k, 0x47);
	assert_int_equal(kbc_ctr(&k), 0x47);
	assert_int_equal(kbc_status(&k) & I8042_STR_SYS, I8042_STR_SYS);
	kbc_set_ctr(&k, 0xFF); /* bit 7 is reserved: kept 0 */
	assert_int_equal(kbc_ctr(&k), 0x7F);
	kbc_set_ctr(&k, 0x30); /* system flag clear: the status says so */
	assert_int_equal(kbc_ctr(&k), 0x30);
	assert_int_equal(kbc_status(&k) & I8042_STR_SYS, 0);
	/* CMD: set by a write to 0x64, cleared by one to 0x60. */
	kbc_cmd(&k, I8042_CMD_WRITE_RAM);
	assert_int_equal(kbc_status(&k) & I8042_STR_CMD, I8042_STR_CMD);
	kbc_data(&k, 0x45);
	assert_int_equal(kbc_status(&k) & I8042_STR_CMD, 0);
	assert_int_equal(kbc_ctr(&k), 0x45);
	/* The other 31 bytes of RAM are plain storage. */
	kbc_cmd(&k, I8042_CMD_WRITE_RAM + 1);
	kbc_data(&k, 0xA5);
	kbc_cmd(&k, I8042_CMD_WRITE_RAM + 31);
	kbc_data(&k, 0xFF); /* only byte 0 has a reserved bit */
	assert_int_equal(kbc_answer(&k, I8042_CMD_READ_RAM + 1), 0xA5);
	assert_int_equal(kbc_answer(&k, I8042_CMD_READ_RAM + 31), 0xFF);
	assert_int_equal(kbc_ctr(&k), 0x45);
	assert_int_equal(k.ex.count, 0);
	i8042_destroy(&k.dev);
}

/* Self test 0x55 (and the system flag set), interface tests: keyboard fine, no aux port. */
static void test_i8042_tests(void **state)
{
	(void)state;
	struct kbc k;
	kbc_setup(&k);
	kbc_set_ctr(&k, 0x10);
	assert_int_equal(kbc_answer(&k, I8042_CMD_SELF_TEST), 0x55);
	assert_int_equal(kbc_ctr(&k), 0x10 | I8042_CTR_SYS);
	assert_int_equal(kbc_answer(&k, I8042_CMD_KBD_TEST), 0x00);
	assert_int_equal(kbc_answer(&k, I8042_CMD_AUX_TEST), 0x02);
	assert_int_equal(kbc_answer(&k, I8042_CMD_SELF_TEST), 0x55); /* again, same */
	assert_int_equal(k.ex.count, 0);
	i8042_destroy(&k.dev);
}

/* 0xAD/0xAE and 0xA7/0xA8 flip the command byte's disable bits and answer nothing. */
static void test_i8042_enable_disable(void **state)
{
	(void)state;
	struct kbc k;
	kbc_setup(&k);
	kbc_set_ctr(&k, 0x00);
	kbc_silent(&k, I8042_CMD_KBD_DISABLE);
	assert_int_equal(kbc_ctr(&k), I8042_CTR_KBDDIS);
	kbc_silent(&k, I8042_CMD_AUX_DISABLE);
	assert_int_equal(kbc_ctr(&k), I8042_CTR_KBDDIS | I8042_CTR_AUXDIS);
	kbc_silent(&k, I8042_CMD_KBD_ENABLE);
	assert_int_equal(kbc_ctr(&k), I8042_CTR_AUXDIS);
	kbc_silent(&k, I8042_CMD_AUX_ENABLE);
	assert_int_equal(kbc_ctr(&k), 0x00);
	kbc_silent(&k, I8042_CMD_AUX_ENABLE); /* twice: still enabled */
	assert_int_equal(kbc_ctr(&k), 0x00);
	i8042_destroy(&k.dev);
}

/* What the absent devices answer: a byte for either one times out with 0xFE. */
static void test_i8042_no_devices(void **state)
{
	(void)state;
	struct kbc k;
	kbc_setup(&k);
	/* A byte for the keyboard (no command waiting): timeout, keyboard side. */
	kbc_data(&k, 0xF2);
	assert_int_equal(kbc_status(&k),
			 I8042_STR_UNLOCKED | I8042_STR_SYS | I8042_STR_OBF | I8042_STR_TIMEOUT);
	assert_int_equal(kbc_read(&k), 0xFE);
	assert_int_equal(kbc_status(&k), I8042_STR_UNLOCKED | I8042_STR_SYS);
	/* A byte for the aux device, and the aux loopback: timeout, aux side. */
	for (uint8_t cmd = I8042_CMD_AUX_LOOP; cmd <= I8042_CMD_AUX_SEND; cmd++) {
		kbc_cmd(&k, cmd);
		assert_int_equal(kbc_status(&k) & I8042_STR_OBF, 0); /* waits for its byte */
		kbc_data(&k, 0x5A);
		assert_int_equal(kbc_status(&k), I8042_STR_UNLOCKED | I8042_STR_SYS |
						     I8042_STR_OBF | I8042_STR_AUXDATA |
						     I8042_STR_TIMEOUT);
		assert_int_equal(kbc_read(&k), 0xFE);
		assert_int_equal(
		    kbc_status(&k) & (I8042_STR_OBF | I8042_STR_AUXDATA | I8042_STR_TIMEOUT), 0);
	}
	/* The keyboard loopback is the controller's own: the byte comes back as it went. */
	kbc_cmd(&k, I8042_CMD_KBD_LOOP);
	kbc_data(&k, 0xAB);
	assert_int_equal(kbc_status(&k) & (I8042_STR_OBF | I8042_STR_AUXDATA | I8042_STR_TIMEOUT),
			 I8042_STR_OBF);
	assert_int_equal(kbc_read(&k), 0xAB);
	assert_int_equal(k.ex.count, 0);
	i8042_destroy(&k.dev);
}

/* One output buffer: a new byte replaces an unread one; an empty buffer reads its last byte. */
static void test_i8042_output_buffer(void **state)
{
	(void)state;
	struct kbc k;
	kbc_setup(&k);
	kbc_cmd(&k, I8042_CMD_READ_RAM);
	kbc_data(&k, 0x12); /* keyboard timeout over the unread command byte */
	kbc_cmd(&k, I8042_CMD_SELF_TEST);
	assert_int_equal(kbc_status(&k) & (I8042_STR_OBF | I8042_STR_TIMEOUT), I8042_STR_OBF);
	assert_int_equal(kbc_read(&k), 0x55);
	assert_int_equal(kbc_status(&k) & I8042_STR_OBF, 0);
	assert_int_equal(kbc_read(&k), 0x55);
	assert_int_equal(kbc_status(&k) & I8042_STR_OBF, 0);
	i8042_destroy(&k.dev);
}

/* Commands this controller does not have are ignored, and cancel a waiting one. */
static void test_i8042_unknown_commands(void **state)
{
	(void)state;
	static const uint8_t unknown[] = {0x00, 0x10, 0x1F, 0x40, 0x5F, 0x80, 0x90,
					  0xA0, 0xA1, 0xA4, 0xA5, 0xA6, 0xAC, 0xAF,
					  0xC0, 0xC1, 0xC2, 0xC3, 0xD5, 0xE0, 0xEF};
	struct kbc k;
	kbc_setup(&k);
	for (size_t i = 0; i < sizeof(unknown); i++) {
		kbc_silent(&k, unknown[i]);
		assert_int_equal(kbc_ctr(&k), I8042_CTR_INITIAL);
	}
	/* 0x60 waits for its byte; a command in between cancels it: the byte is the keyboard's. */
	kbc_cmd(&k, I8042_CMD_WRITE_RAM);
	kbc_cmd(&k, 0xC0);
	kbc_data(&k, 0x00);
	assert_int_equal(kbc_status(&k) & (I8042_STR_OBF | I8042_STR_TIMEOUT),
			 I8042_STR_OBF | I8042_STR_TIMEOUT);
	assert_int_equal(kbc_read(&k), 0xFE);
	assert_int_equal(kbc_ctr(&k), I8042_CTR_INITIAL);
	/* A data byte only completes one command. */
	kbc_set_ctr(&k, 0x44);
	kbc_data(&k, 0x00);
	assert_int_equal(kbc_read(&k), 0xFE);
	assert_int_equal(kbc_ctr(&k), 0x44);
	assert_int_equal(k.ex.count, 0);
	i8042_destroy(&k.dev);
}

/* The output port: reset line and A20 read high, IRQ bits low; bit 0 written low resets. */
static void test_i8042_output_port(void **state)
{
	(void)state;
	struct kbc k;
	kbc_setup(&k);
	kbc_cmd(&k, I8042_CMD_WRITE_OUTPORT);
	kbc_data(&k, 0xDF); /* Linux's A20 write: bit 0 high, no reset */
	assert_int_equal(k.ex.count, 0);
	assert_int_equal(kbc_answer(&k, I8042_CMD_READ_OUTPORT), 0xCF);
	kbc_cmd(&k, I8042_CMD_WRITE_OUTPORT);
	kbc_data(&k, 0x01); /* A20 off: there is no A20 gate, it reads on */
	assert_int_equal(kbc_answer(&k, I8042_CMD_READ_OUTPORT), 0x03);
	assert_int_equal(k.ex.count, 0);
	kbc_cmd(&k, I8042_CMD_WRITE_OUTPORT);
	kbc_data(&k, 0xFE);
	assert_int_equal(k.ex.count, 1);
	assert_int_equal(k.ex.event, MACHINE_RESET);
	assert_non_null(strstr(k.ex.reason, "reset"));
	i8042_destroy(&k.dev);
}

/* 0xFE resets (Linux's reboot=k); so does every pulse with bit 0 clear; 0xFE as data does not. */
static void test_i8042_reset(void **state)
{
	(void)state;
	struct kbc k;
	kbc_setup(&k);
	assert_int_equal(kbc_status(&k) & I8042_STR_IBF, 0); /* a reset loop may proceed */
	kbc_data(&k, 0xFE);
	assert_int_equal(k.ex.count, 0);
	for (unsigned cmd = 0xF1; cmd <= 0xFF; cmd += 2)
		kbc_cmd(&k, (uint8_t)cmd); /* odd: bit 0 not pulsed */
	assert_int_equal(k.ex.count, 0);
	kbc_cmd(&k, I8042_CMD_RESET);
	assert_int_equal(k.ex.count, 1);
	assert_int_equal(k.ex.event, MACHINE_RESET);
	assert_non_null(strstr(k.ex.reason, "reset"));
	for (unsigned cmd = 0xF0; cmd <= 0xFC; cmd += 2)
		kbc_cmd(&k, (uint8_t)cmd);
	assert_int_equal(k.ex.count, 1 + 7);
	/* A pulse is not a data byte's command: 0x60 then 0xFE still resets. */
	kbc_cmd(&k, I8042_CMD_WRITE_RAM);
	kbc_cmd(&k, I8042_CMD_RESET);
	assert_int_equal(k.ex.count, 9);
	i8042_destroy(&k.dev);
}

/* Only byte accesses reach the ports; the ops still answer any size sanely. */
static void test_i8042_sizes(void **state)
{
	(void)state;
	struct kbc k;
	kbc_setup(&k);
	for (unsigned size = 2; size <= 4; size *= 2) {
		uint8_t b[4] = {0xFE, 0xFE, 0xFE, 0xFE};
		assert_null(bus_find(&k.pio, I8042_DATA_PORT, size));
		assert_null(bus_find(&k.pio, I8042_STATUS_PORT, size));
		assert_null(bus_write(&k.pio, I8042_STATUS_PORT, b, size)); /* no one's: dropped */
		assert_null(bus_read(&k.pio, I8042_STATUS_PORT, b, size));
		assert_memory_equal(b, "\xff\xff\xff\xff", size);
	}
	assert_int_equal(k.ex.count, 0);
	/* Straight to the ops: the byte then all-ones; a wide write uses its first byte. */
	uint8_t w[8] = {I8042_CMD_SELF_TEST, 0xFE, 0xFE, 0xFE, 0xFE, 0xFE, 0xFE, 0xFE}, r[8];
	i8042_command_ops.write(&k.dev, 0, w, 8);
	assert_int_equal(k.ex.count, 0);
	memset(r, 0, sizeof(r));
	i8042_command_ops.read(&k.dev, 0, r, 8);
	assert_int_equal(r[0] & I8042_STR_OBF, I8042_STR_OBF);
	assert_memory_equal(r + 1, "\xff\xff\xff\xff\xff\xff\xff", 7);
	memset(r, 0, sizeof(r));
	i8042_data_ops.read(&k.dev, 0, r, 4);
	assert_int_equal(r[0], 0x55);
	assert_memory_equal(r + 1, "\xff\xff\xff", 3);
	assert_string_equal(i8042_command_ops.reg_name(&k.dev, 0, false), "status");
	assert_string_equal(i8042_command_ops.reg_name(&k.dev, 0, true), "command");
	assert_string_equal(i8042_data_ops.reg_name(&k.dev, 0, true), "data");
	i8042_destroy(&k.dev);
}

/*
 * Linux 6.1's probe (drivers/input/serio/i8042.c), step by step as the driver does it, with
 * its wait loops counted: each must find the controller ready at the first look, or the
 * real driver would spin 50 us a time for up to half a second.
 */
struct linux_drv {
	struct kbc *k;
	unsigned polls; /* status reads in wait loops that did not find the controller ready */
};

#define LX_CTL_TIMEOUT		10000
#define LX_CMD(send, recv, cmd) ((send) << 12 | (recv) << 8 | (cmd))

static int lx_wait_read(struct linux_drv *d)
{
	int i = 0;
	while (!(kbc_status(d->k) & I8042_STR_OBF) && i < LX_CTL_TIMEOUT) {
		d->polls++;
		i++;
	}
	return -(i == LX_CTL_TIMEOUT);
}

static int lx_wait_write(struct linux_drv *d)
{
	int i = 0;
	while ((kbc_status(d->k) & I8042_STR_IBF) && i < LX_CTL_TIMEOUT) {
		d->polls++;
		i++;
	}
	return -(i == LX_CTL_TIMEOUT);
}

/* __i8042_command, with its AUX_LOOP check. */
static int lx_command(struct linux_drv *d, uint8_t *param, int command)
{
	if (lx_wait_write(d))
		return -1;
	kbc_cmd(d->k, (uint8_t)command);
	for (int i = 0; i < ((command >> 12) & 0xf); i++) {
		if (lx_wait_write(d))
			return -1;
		kbc_data(d->k, param[i]);
	}
	for (int i = 0; i < ((command >> 8) & 0xf); i++) {
		if (lx_wait_read(d))
			return -1;
		if ((command & 0xff) == I8042_CMD_AUX_LOOP &&
		    !(kbc_status(d->k) & I8042_STR_AUXDATA))
			return -1;
		param[i] = kbc_read(d->k);
	}
	return 0;
}

static int lx_flush(struct linux_drv *d)
{
	int count = 0;
	while (kbc_status(d->k) & I8042_STR_OBF) {
		if (count++ >= 16)
			return -1;
		kbc_read(d->k);
	}
	return 0;
}

static void test_i8042_linux_probe(void **state)
{
	(void)state;
	struct kbc k;
	kbc_setup(&k);
	struct linux_drv d = {&k, 0};
	uint8_t param, ctr[2];

	/* i8042_controller_check; i8042.reset=1's self test. */
	assert_int_equal(lx_flush(&d), 0);
	assert_int_equal(lx_command(&d, &param, LX_CMD(0, 1, I8042_CMD_SELF_TEST)), 0);
	assert_int_equal(param, 0x55);
	/* i8042_controller_init: a stable CTR, no keylock, keyboard off, written back. */
	assert_int_equal(lx_command(&d, &ctr[0], LX_CMD(0, 1, I8042_CMD_READ_RAM)), 0);
	assert_int_equal(lx_command(&d, &ctr[1], LX_CMD(0, 1, I8042_CMD_READ_RAM)), 0);
	assert_int_equal(ctr[0], ctr[1]);
	assert_int_equal(kbc_status(&k) & I8042_STR_UNLOCKED, I8042_STR_UNLOCKED);
	uint8_t lctr = (uint8_t)((ctr[0] | I8042_CTR_KBDDIS) & ~I8042_CTR_KBDINT);
	assert_int_equal(lx_command(&d, &lctr, LX_CMD(1, 0, I8042_CMD_WRITE_RAM)), 0);
	assert_int_equal(lx_flush(&d), 0);
	/* i8042_check_aux: the loopback does not echo, the interface test fails: no AUX. */
	assert_int_equal(lx_flush(&d), 0);
	param = 0x5a;
	int retval = lx_command(&d, &param, LX_CMD(1, 1, I8042_CMD_AUX_LOOP));
	assert_true(retval || param != 0x5a);
	assert_int_equal(lx_command(&d, &param, LX_CMD(0, 1, I8042_CMD_AUX_TEST)), 0);
	assert_true(param && param != 0xfa && param != 0xff); /* "return -1": no AUX port */
	/* the AUX disable on the way out, then i8042_setup_kbd's enable. */
	lctr = (uint8_t)((lctr | I8042_CTR_AUXDIS) & ~I8042_CTR_AUXINT);
	assert_int_equal(lx_command(&d, &lctr, LX_CMD(1, 0, I8042_CMD_WRITE_RAM)), 0);
	lctr = (uint8_t)((lctr & ~I8042_CTR_KBDDIS) | I8042_CTR_KBDINT);
	assert_int_equal(lx_command(&d, &lctr, LX_CMD(1, 0, I8042_CMD_WRITE_RAM)), 0);
	assert_int_equal(lx_command(&d, &param, LX_CMD(0, 1, I8042_CMD_READ_RAM)), 0);
	assert_int_equal(param, lctr);
	/* atkbd's GETID through i8042_kbd_write: the keyboard is not there. */
	assert_int_equal(lx_wait_write(&d), 0);
	kbc_data(&k, 0xF2);
	uint8_t st = kbc_status(&k);
	assert_int_equal(st & (I8042_STR_OBF | I8042_STR_TIMEOUT | I8042_STR_AUXDATA),
			 I8042_STR_OBF | I8042_STR_TIMEOUT);
	assert_int_equal(kbc_read(&k), 0xFE);
	/* i8042_controller_reset at shutdown, then reboot=k. */
	assert_int_equal(lx_flush(&d), 0);
	lctr |= I8042_CTR_KBDDIS | I8042_CTR_AUXDIS;
	lctr &= (uint8_t) ~(I8042_CTR_KBDINT | I8042_CTR_AUXINT);
	assert_int_equal(lx_command(&d, &lctr, LX_CMD(1, 0, I8042_CMD_WRITE_RAM)), 0);
	assert_int_equal(lx_command(&d, &ctr[0], LX_CMD(1, 0, I8042_CMD_WRITE_RAM)), 0);
	assert_int_equal(d.polls, 0); /* never waited */
	assert_int_equal(k.ex.count, 0);
	assert_int_equal(lx_wait_write(&d), 0);
	kbc_cmd(&k, I8042_CMD_RESET);
	assert_int_equal(k.ex.count, 1);
	assert_int_equal(k.ex.event, MACHINE_RESET);
	i8042_destroy(&k.dev);
}

static void test_test_exit(void **state)
{
	(void)state;
	struct bus pio;
	bus_init(&pio, "pio");
	struct exits ex = {0};
	struct test_exit dev;
	assert_int_equal(
	    test_exit_register(&dev, &pio, TEST_EXIT_PORT, (struct machine_ctl){record_exit, &ex}),
	    0);
	uint8_t v = 42;
	assert_true(bus_write(&pio, TEST_EXIT_PORT, &v, 1));
	assert_int_equal(ex.count, 1);
	assert_int_equal(ex.event, MACHINE_GUEST_EXIT);
	assert_int_equal(ex.value, 42); /* exactly the byte written */
	v = 0;
	assert_true(bus_write(&pio, TEST_EXIT_PORT, &v, 1));
	assert_int_equal(ex.value, 0);
	v = 255;
	assert_true(bus_write(&pio, TEST_EXIT_PORT, &v, 1));
	assert_int_equal(ex.value, 255);
}

/* The first write is timestamped, later ones change nothing; exit mode ends the VM once. */
static void test_boot_timer(void **state)
{
	(void)state;
	assert_int_equal(boot_timer_mode_parse(NULL), BOOT_TIMER_QUIET);
	assert_int_equal(boot_timer_mode_parse("1"), BOOT_TIMER_REPORT);
	assert_int_equal(boot_timer_mode_parse("exit"), BOOT_TIMER_EXIT);
	assert_int_equal(boot_timer_mode_parse("yes"), -1);

	struct bus pio;
	bus_init(&pio, "pio");
	struct exits ex = {0};
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	struct boot_timer t;
	assert_int_equal(boot_timer_register(&t, &pio, BOOT_TIMER_PORT, BOOT_TIMER_EXIT, fds[1],
					     (struct machine_ctl){record_exit, &ex}),
			 0);
	uint8_t v = 0xAA;
	assert_non_null(bus_read(&pio, BOOT_TIMER_PORT, &v, 1));
	assert_int_equal(v, 0);
	assert_false(atomic_load(&t.fired));
	assert_true(bus_write(&pio, BOOT_TIMER_PORT, &v, 1));
	assert_true(atomic_load(&t.fired));
	assert_true(t.cpu_ns > 0);
	assert_true(t.monotonic_ns > 0);
	assert_int_equal(ex.count, 1);
	assert_int_equal(ex.event, MACHINE_GUEST_EXIT);
	assert_int_equal(ex.value, 0);
	char line[128] = "";
	assert_true(read(fds[0], line, sizeof(line) - 1) > 0);
	unsigned long long cpu, mono;
	assert_int_equal(
	    sscanf(line, "kvmini: boot timer: cpu_ns=%llu monotonic_ns=%llu", &cpu, &mono), 2);
	assert_true(cpu == t.cpu_ns && mono == t.monotonic_ns);

	uint64_t first = t.monotonic_ns;
	assert_true(bus_write(&pio, BOOT_TIMER_PORT, &v, 1));
	assert_true(t.monotonic_ns == first);
	assert_int_equal(ex.count, 1);
	close(fds[0]);
	close(fds[1]);
}

static void test_pvpanic(void **state)
{
	(void)state;
	struct bus mmio;
	bus_init(&mmio, "mmio");
	struct exits ex = {0};
	struct pvpanic dev;
	assert_int_equal(pvpanic_register(&dev, &mmio, PVPANIC_MMIO_BASE,
					  (struct machine_ctl){record_exit, &ex}),
			 0);
	uint8_t v = 0;
	assert_non_null(bus_read(&mmio, PVPANIC_MMIO_BASE, &v, 1));
	assert_int_equal(v, 1); /* the one event we act on: PANICKED */
	v = 2;			/* CRASH_LOADED: nothing for us to do */
	assert_non_null(bus_write(&mmio, PVPANIC_MMIO_BASE, &v, 1));
	assert_int_equal(ex.count, 0);
	v = 1;
	assert_non_null(bus_write(&mmio, PVPANIC_MMIO_BASE, &v, 1));
	assert_int_equal(ex.count, 1);
	assert_int_equal(ex.event, MACHINE_PANIC);
	assert_non_null(strstr(ex.reason, "panicked"));
}

static uint16_t pm_read16(struct bus *pio, uint16_t port)
{
	uint8_t b[2] = {0xAA, 0xAA};
	assert_non_null(bus_read(pio, port, b, 2));
	return (uint16_t)(b[0] | b[1] << 8);
}

static void pm_write16(struct bus *pio, uint16_t port, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	assert_non_null(bus_write(pio, port, b, 2));
}

/* ACPI PM1: SCI_EN always on, enable bits stored, and only SLP_EN with S5's type powers off. */
static void test_acpi_pm(void **state)
{
	(void)state;
	struct bus pio;
	bus_init(&pio, "pio");
	struct exits ex = {0};
	struct acpi_pm pm;
	assert_int_equal(
	    acpi_pm_register(&pm, &pio, ACPI_PM_BASE, 5, (struct machine_ctl){record_exit, &ex}),
	    0);
	const uint16_t sts = ACPI_PM_BASE, en = ACPI_PM_BASE + 2, cnt = ACPI_PM_BASE + 4;
	assert_int_equal(pm_read16(&pio, cnt) & ACPI_PM1_SCI_EN, ACPI_PM1_SCI_EN);
	assert_int_equal(pm_read16(&pio, sts), 0);
	pm_write16(&pio, en, 0x0120);
	assert_int_equal(pm_read16(&pio, en), 0x0120);
	/* Status is write-1-to-clear: set by hand, clear one bit, the other stays. */
	pm.sts = 0x8001;
	pm_write16(&pio, sts, 0x0001);
	assert_int_equal(pm_read16(&pio, sts), 0x8000);
	/* A 1-byte write to the enable register leaves status alone. */
	uint8_t one = 0x20;
	assert_non_null(bus_write(&pio, en, &one, 1));
	assert_int_equal(pm_read16(&pio, sts), 0x8000);
	/* ACPICA writes SLP_TYP first, then SLP_TYP | SLP_EN. */
	pm_write16(&pio, cnt, 5 << 10);
	assert_int_equal(ex.count, 0);
	assert_int_equal(pm_read16(&pio, cnt), (5 << 10) | ACPI_PM1_SCI_EN);
	pm_write16(&pio, cnt, (3 << 10) | ACPI_PM1_SLP_EN); /* S3: not offered, ignored */
	assert_int_equal(ex.count, 0);
	assert_int_equal(pm_read16(&pio, cnt) & ACPI_PM1_SLP_EN, 0); /* SLP_EN is write-only */
	/* The high byte alone, as a byte-wide driver would write it. */
	uint8_t hi = (uint8_t)(((5 << 10) | ACPI_PM1_SLP_EN) >> 8);
	assert_non_null(bus_write(&pio, cnt + 1, &hi, 1));
	assert_int_equal(ex.count, 1);
	assert_int_equal(ex.event, MACHINE_POWEROFF);
	assert_non_null(strstr(ex.reason, "powered off"));
	/* Nothing past the two blocks is ours. */
	assert_null(bus_find(&pio, ACPI_PM_BASE + ACPI_PM_LEN, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_acpi_pm),
	    cmocka_unit_test(test_pvpanic),
	    cmocka_unit_test(test_boot_timer),
	    cmocka_unit_test(test_i8042_initial),
	    cmocka_unit_test(test_i8042_ctr),
	    cmocka_unit_test(test_i8042_tests),
	    cmocka_unit_test(test_i8042_enable_disable),
	    cmocka_unit_test(test_i8042_no_devices),
	    cmocka_unit_test(test_i8042_output_buffer),
	    cmocka_unit_test(test_i8042_unknown_commands),
	    cmocka_unit_test(test_i8042_output_port),
	    cmocka_unit_test(test_i8042_reset),
	    cmocka_unit_test(test_i8042_sizes),
	    cmocka_unit_test(test_i8042_linux_probe),
	    cmocka_unit_test(test_test_exit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
