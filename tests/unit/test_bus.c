/* Address decoding: who owns an access, what an unowned access does, and offsets seen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "devices/bus.h"

struct rec {
	uint64_t offset;
	unsigned size;
	uint32_t value;
	int reads, writes;
};

static void rec_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
	struct rec *r = opaque;
	r->offset = offset;
	r->size = size;
	r->reads++;
	memset(data, 0x42, size);
}

static void rec_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
	struct rec *r = opaque;
	r->offset = offset;
	r->size = size;
	r->value = 0;
	memcpy(&r->value, data, size < 4 ? size : 4);
	r->writes++;
}

static const struct bus_device_ops rec_ops = {.read = rec_read, .write = rec_write};

static void test_register_overlap(void **state)
{
	(void)state;
	struct bus bus;
	bus_init(&bus, "pio");
	struct rec a = {0};
	assert_int_equal(bus_register(&bus, 0x3F8, 8, "a", &rec_ops, &a), 0);
	assert_int_equal(bus_register(&bus, 0x3FF, 1, "b", &rec_ops, &a), -1);
	assert_int_equal(bus_register(&bus, 0x3F0, 9, "b", &rec_ops, &a), -1);
	assert_int_equal(bus_register(&bus, 0x3F0, 8, "b", &rec_ops, &a), 0); /* adjacent is fine */
	assert_int_equal(bus_register(&bus, 0x500, 0, "c", &rec_ops, &a), -1);
	assert_int_equal(bus_register(&bus, UINT64_MAX - 1, 4, "d", &rec_ops, &a), -1);
}

static void test_dispatch_offsets(void **state)
{
	(void)state;
	struct bus bus;
	bus_init(&bus, "mmio");
	struct rec a = {0};
	assert_int_equal(bus_register(&bus, 0xD0000000, 0x200, "a", &rec_ops, &a), 0);
	uint32_t v = 0x12345678;
	assert_true(bus_write(&bus, 0xD0000050, &v, 4));
	assert_int_equal(a.offset, 0x50);
	assert_int_equal(a.size, 4);
	assert_int_equal(a.value, 0x12345678);
	uint8_t b[2];
	assert_true(bus_read(&bus, 0xD00001FE, b, 2));
	assert_int_equal(a.offset, 0x1FE);
	assert_int_equal(b[0], 0x42);
	assert_int_equal(atomic_load(&bus.unclaimed), 0);
}

static void test_unclaimed(void **state)
{
	(void)state;
	struct bus bus;
	bus_init(&bus, "pio");
	struct rec a = {0};
	bus_register(&bus, 0x60, 1, "a", &rec_ops, &a);
	uint32_t v = 0;
	assert_false(bus_read(&bus, 0x2F8, &v, 4));
	assert_int_equal(v, 0xFFFFFFFF); /* all-ones, like an empty ISA bus */
	assert_false(bus_write(&bus, 0x2F8, &v, 1));
	/* An access that straddles the end of a range belongs to no one. */
	assert_false(bus_read(&bus, 0x60, &v, 2));
	assert_int_equal(a.reads, 0);
	assert_int_equal(a.writes, 0);
	assert_int_equal(atomic_load(&bus.unclaimed), 3);
	assert_null(bus_find(&bus, UINT64_MAX, 1));
}

static void test_full(void **state)
{
	(void)state;
	struct bus bus;
	bus_init(&bus, "pio");
	struct rec a = {0};
	for (int i = 0; i < BUS_MAX_RANGES; i++)
		assert_int_equal(bus_register(&bus, (uint64_t)i * 16, 8, "x", &rec_ops, &a), 0);
	assert_int_equal(bus_register(&bus, 0x10000, 8, "x", &rec_ops, &a), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_register_overlap),
	    cmocka_unit_test(test_dispatch_offsets),
	    cmocka_unit_test(test_unclaimed),
	    cmocka_unit_test(test_full),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
