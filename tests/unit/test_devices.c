/* The small platform devices: i8042 reset and the test-exit port. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "devices/i8042.h"
#include "devices/pvpanic.h"
#include "devices/test_exit.h"

struct exits {
	int count;
	int status;
	char reason[128];
};

static void record_exit(void *ctx, int status, const char *reason)
{
	struct exits *e = ctx;
	e->count++;
	e->status = status;
	snprintf(e->reason, sizeof(e->reason), "%s", reason);
}

static void test_i8042(void **state)
{
	(void)state;
	struct bus pio;
	bus_init(&pio, "pio");
	struct exits ex = {0};
	struct i8042 dev;
	assert_int_equal(i8042_register(&dev, &pio, (struct machine_ctl){record_exit, &ex}), 0);
	/* Port 0x61 belongs to KVM's PIT, not to us. */
	assert_null(bus_find(&pio, 0x61, 1));
	uint8_t v = 0xFF;
	assert_true(bus_read(&pio, 0x64, &v, 1));
	assert_int_equal(v & 0x02, 0); /* input buffer empty: a reset loop may proceed */
	v = 0xAA;
	assert_true(bus_write(&pio, 0x64, &v, 1)); /* self-test command: ignored */
	v = 0xFE;
	assert_true(bus_write(&pio, 0x60, &v, 1)); /* 0xFE on the data port is not a reset */
	assert_int_equal(ex.count, 0);
	assert_true(bus_write(&pio, 0x64, &v, 1));
	assert_int_equal(ex.count, 1);
	assert_int_equal(ex.status, I8042_RESET_STATUS);
	assert_non_null(strstr(ex.reason, "reset"));
}

static void test_test_exit(void **state)
{
	(void)state;
	struct bus pio;
	bus_init(&pio, "pio");
	struct exits ex = {0};
	struct test_exit dev;
	assert_int_equal(test_exit_register(&dev, &pio, (struct machine_ctl){record_exit, &ex}), 0);
	uint8_t v = 42;
	assert_true(bus_write(&pio, TEST_EXIT_PORT, &v, 1));
	assert_int_equal(ex.count, 1);
	assert_int_equal(ex.status, 42); /* exactly the byte written */
	v = 0;
	assert_true(bus_write(&pio, TEST_EXIT_PORT, &v, 1));
	assert_int_equal(ex.status, 0);
	v = 255;
	assert_true(bus_write(&pio, TEST_EXIT_PORT, &v, 1));
	assert_int_equal(ex.status, 255);
}

static void test_pvpanic(void **state)
{
	(void)state;
	struct bus mmio;
	bus_init(&mmio, "mmio");
	struct exits ex = {0};
	struct pvpanic dev;
	assert_int_equal(pvpanic_register(&dev, &mmio, (struct machine_ctl){record_exit, &ex}), 0);
	uint8_t v = 0;
	assert_non_null(bus_read(&mmio, PVPANIC_MMIO_BASE, &v, 1));
	assert_int_equal(v, 1); /* the one event we act on: PANICKED */
	v = 2;			/* CRASH_LOADED: nothing for us to do */
	assert_non_null(bus_write(&mmio, PVPANIC_MMIO_BASE, &v, 1));
	assert_int_equal(ex.count, 0);
	v = 1;
	assert_non_null(bus_write(&mmio, PVPANIC_MMIO_BASE, &v, 1));
	assert_int_equal(ex.count, 1);
	assert_int_equal(ex.status, PVPANIC_EXIT_STATUS);
	assert_non_null(strstr(ex.reason, "panicked"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pvpanic),
	    cmocka_unit_test(test_i8042),
	    cmocka_unit_test(test_test_exit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
