/* Console escapes: Ctrl-A x ends the VM, Ctrl-A Ctrl-A sends one Ctrl-A, the rest passes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/console.h"

static void test_plain(void **state)
{
	(void)state;
	bool esc = false;
	uint8_t out[16];
	size_t n = 0;
	assert_false(console_filter(&esc, (const uint8_t *)"ls\r\x03", 4, out, &n));
	assert_int_equal(n, 4);
	assert_memory_equal(out, "ls\r\x03", 4); /* Ctrl-C goes to the guest */
}

static void test_exit_split_across_reads(void **state)
{
	(void)state;
	bool esc = false;
	uint8_t out[16];
	size_t n = 0;
	assert_false(console_filter(&esc, (const uint8_t *)"a\x01", 2, out, &n));
	assert_true(esc);
	assert_true(console_filter(&esc, (const uint8_t *)"x", 1, out, &n));
	assert_int_equal(n, 1);
}

static void test_literal_escape(void **state)
{
	(void)state;
	bool esc = false;
	uint8_t out[16];
	size_t n = 0;
	assert_false(console_filter(&esc, (const uint8_t *)"\x01\x01q\x01zb", 6, out, &n));
	/* Ctrl-A Ctrl-A -> one Ctrl-A; Ctrl-A z is swallowed. */
	assert_int_equal(n, 3);
	assert_memory_equal(out, "\x01qb", 3);
	assert_false(esc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain),
	    cmocka_unit_test(test_exit_split_across_reads),
	    cmocka_unit_test(test_literal_escape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
