/* The one checked guest-address accessor: every range either wholly in RAM or refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/guest_mem.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

static void test_layout(void **state)
{
	(void)state;
	struct guest_mem gm;
	gm_layout(&gm, 3 * GiB);
	assert_int_equal(gm.nregions, 1);
	gm_layout(&gm, 3 * GiB + 2 * MiB);
	assert_int_equal(gm.nregions, 2);
	assert_int_equal(gm.regions[0].size, GM_MMIO_HOLE_START);
	assert_int_equal(gm.regions[1].gpa, GM_4G);
	assert_int_equal(gm.regions[1].size, 2 * MiB);
	assert_int_equal(gm_low_end(&gm), GM_MMIO_HOLE_START);
}

static void test_ptr_bounds(void **state)
{
	(void)state;
	struct guest_mem gm;
	assert_int_equal(gm_alloc(&gm, 16 * MiB), 0);
	uint8_t *base = gm.regions[0].hva;
	assert_ptr_equal(gm_ptr(&gm, 0, 1), base);
	assert_ptr_equal(gm_ptr(&gm, 16 * MiB - 4, 4), base + 16 * MiB - 4);
	assert_null(gm_ptr(&gm, 16 * MiB - 4, 5)); /* one byte over the end */
	assert_null(gm_ptr(&gm, 16 * MiB, 1));
	assert_null(gm_ptr(&gm, 16 * MiB, 0));
	/* Sums that would wrap around 2^64 must not look small. */
	assert_null(gm_ptr(&gm, 8, UINT64_MAX));
	assert_null(gm_ptr(&gm, UINT64_MAX, 2));
	assert_null(gm_ptr(&gm, UINT64_MAX - 3, 8));
	/* The host mapping is 2 MiB aligned, so KVM can use huge pages. */
	assert_int_equal((uintptr_t)base % (2 * MiB), 0);
	gm_free(&gm);
}

static void test_ptr_around_hole(void **state)
{
	(void)state;
	struct guest_mem gm;
	gm_layout(&gm, 4 * GiB); /* no host memory: only the decoding is tested */
	gm.regions[0].hva = (uint8_t *)0x10000000000ULL;
	gm.regions[1].hva = (uint8_t *)0x20000000000ULL;
	assert_non_null(gm_ptr(&gm, GM_MMIO_HOLE_START - 1, 1));
	assert_null(gm_ptr(&gm, GM_MMIO_HOLE_START - 1, 2)); /* runs into the hole */
	assert_null(gm_ptr(&gm, 0xFEC00000, 4));	     /* IOAPIC: not RAM */
	assert_ptr_equal(gm_ptr(&gm, GM_4G, 4), gm.regions[1].hva);
	assert_null(gm_ptr(&gm, GM_4G - 1, 2)); /* spans hole and high RAM */
	assert_null(gm_ptr(&gm, GM_4G + GiB, 1));
}

static void test_copy(void **state)
{
	(void)state;
	struct guest_mem gm;
	assert_int_equal(gm_alloc(&gm, 16 * MiB), 0);
	const char msg[] = "kvmini";
	assert_true(gm_write(&gm, 0x1000, msg, sizeof(msg)));
	char back[sizeof(msg)];
	assert_true(gm_read(&gm, 0x1000, back, sizeof(back)));
	assert_string_equal(back, msg);
	assert_false(gm_write(&gm, 16 * MiB - 2, msg, sizeof(msg)));
	assert_false(gm_read(&gm, 16 * MiB - 2, back, sizeof(back)));
	gm_free(&gm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layout),
	    cmocka_unit_test(test_ptr_bounds),
	    cmocka_unit_test(test_ptr_around_hole),
	    cmocka_unit_test(test_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
