/* The small platform devices: i8042 reset, the test-exit port, pvpanic and the ACPI PM1 block. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "devices/acpi_pm.h"
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

static void test_i8042(void **state)
{
	(void)state;
	struct bus pio;
	bus_init(&pio, "pio");
	struct exits ex = {0};
	struct i8042 dev;
	assert_int_equal(i8042_register(&dev, &pio, I8042_DATA_PORT, I8042_STATUS_PORT,
					(struct machine_ctl){record_exit, &ex}),
			 0);
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
	assert_int_equal(ex.event, MACHINE_RESET);
	assert_non_null(strstr(ex.reason, "reset"));
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
	    cmocka_unit_test(test_i8042),
	    cmocka_unit_test(test_test_exit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
