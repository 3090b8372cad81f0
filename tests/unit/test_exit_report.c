/*
 * The --exit-stats parser (tools/exit_report.h): the right window's line, anchored at a line
 * start, every field by key, and loud refusals of anything that is not key=count.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tools/exit_report.h"

/* What kvmini prints at the end of a run: the table, then one line per window and the run. */
static const char stderr_text[] =
    "kvmini: VM exits (windows net of the marker's own)\n"
    "  exits to kvmini                       17          223\n"
    "exit-stats: window=255 net=0 kvm.exits=1 user.exits=1 user.pio=1 pio.marker@510=1 "
    "virtio.notifies=0 time_us=29\n"
    "exit-stats: window=1 net=0 kvm.exits=25 user.exits=17 user.pio=1 pio.marker@510=1 "
    "mmio.virtio-blk@d0000000=16 virtio.notifies=8 time_us=7489\n"
    "exit-stats: window=1 net=1 kvm.exits=24 user.exits=16 user.pio=0 "
    "mmio.virtio-blk@d0000000=16 virtio.notifies=8 time_us=7489\n"
    "exit-stats: window=10 net=0 user.exits=5\n"
    "exit-stats: window=run net=0 kvm.exits=329 user.exits=223 time_us=18446744073709551615\n";

static uint64_t get(const struct exit_report *r, const char *key)
{
	uint64_t v = 0;
	if (!exit_report_get(r, key, &v))
		fail_msg("no %s", key);
	return v;
}

static void test_finds_each_window(void **s)
{
	(void)s;
	struct exit_report r;
	assert_true(exit_report_find(stderr_text, "1", true, &r));
	assert_string_equal(r.window, "1");
	assert_true(r.net);
	assert_int_equal(r.nfields, 6);
	assert_int_equal(get(&r, "kvm.exits"), 24);
	assert_int_equal(get(&r, "user.exits"), 16);
	assert_int_equal(get(&r, "user.pio"), 0);
	assert_int_equal(get(&r, "mmio.virtio-blk@d0000000"), 16);
	assert_int_equal(get(&r, "time_us"), 7489);
	uint64_t v = 42;
	assert_false(exit_report_get(&r, "pio.marker@510", &v)); /* absent: no exits there */
	assert_int_equal(v, 42);
	assert_int_equal(strncmp(r.line, "exit-stats: window=1 net=1 kvm.exits=24 ", 40), 0);
	assert_int_equal(r.line[r.line_len], '\n');

	assert_true(exit_report_find(stderr_text, "1", false, &r));
	assert_int_equal(get(&r, "user.exits"), 17);
	assert_int_equal(get(&r, "pio.marker@510"), 1);
	assert_true(exit_report_find(stderr_text, "10", false, &r)); /* not window 1's */
	assert_int_equal(get(&r, "user.exits"), 5);
	assert_true(exit_report_find(stderr_text, "run", false, &r));
	assert_int_equal(get(&r, "time_us"), UINT64_MAX);
	assert_int_equal(r.line_len, strlen(r.line) - 1);
}

static void test_missing_line(void **s)
{
	(void)s;
	struct exit_report r;
	assert_false(exit_report_find(stderr_text, "255", true, &r)); /* never net of itself */
	assert_string_equal(r.why, "no 'exit-stats: window=255 net=1' line");
	assert_false(exit_report_find(stderr_text, "2", false, &r));
	assert_false(exit_report_find("", "1", false, &r));
	assert_int_equal(r.nfields, 0);
	/* Only at the start of a line: the same words inside another line are not it. */
	assert_false(
	    exit_report_find("guest: exit-stats: window=1 net=0 user.exits=1\n", "1", false, &r));
	assert_true(exit_report_find("x\nexit-stats: window=1 net=0 user.exits=1", "1", false, &r));
	assert_int_equal(get(&r, "user.exits"), 1);
}

/* A log of a serial console ends its lines with \r\n. */
static void test_crlf(void **s)
{
	(void)s;
	struct exit_report r;
	assert_true(
	    exit_report_find("exit-stats: window=3 net=1 user.exits=7\r\nnext\r\n", "3", true, &r));
	assert_int_equal(r.nfields, 1);
	assert_int_equal(get(&r, "user.exits"), 7);
}

static void expect_refused(const char *line, const char *why)
{
	struct exit_report r;
	if (exit_report_parse(line, &r))
		fail_msg("accepted: %s", line);
	if (!strstr(r.why, why))
		fail_msg("'%s' does not say '%s'", r.why, why);
	assert_int_equal(r.nfields, 0);
}

static void test_malformed(void **s)
{
	(void)s;
	expect_refused("exits: window=1 net=0 a=1", "not an exit-stats line");
	expect_refused("exit-stats: net=0 a=1", "no window=ID");
	expect_refused("exit-stats: window= net=0 a=1", "no window=ID");
	expect_refused("exit-stats: window=1 a=1", "no net=0 or net=1");
	expect_refused("exit-stats: window=1 net=2 a=1", "no net=0 or net=1");
	expect_refused("exit-stats: window=1 net=0 a=1 b", "'b'");
	expect_refused("exit-stats: window=1 net=0 a=", "'a='");
	expect_refused("exit-stats: window=1 net=0 =5", "'=5'");
	expect_refused("exit-stats: window=1 net=0 a=12x", "'a=12x'");
	expect_refused("exit-stats: window=1 net=0 a=-1", "'a=-1'");
	expect_refused("exit-stats: window=1 net=0 a=99999999999999999999", "'a=9999");
	expect_refused("exit-stats: window=1 net=0 a=1  b=2", "not a key=count field");
	char key[EXIT_REPORT_KEY_MAX + 16];
	memset(key, 'k', sizeof(key));
	snprintf(key + EXIT_REPORT_KEY_MAX, 16, "=1");
	char line[256];
	snprintf(line, sizeof(line), "exit-stats: window=1 net=0 %s", key);
	expect_refused(line, "not a key=count field");
}

/* As many fields as a run can print, and not one more. */
static void test_field_limit(void **s)
{
	(void)s;
	static char line[EXIT_REPORT_MAX_FIELDS * 16 + 64];
	int n = snprintf(line, sizeof(line), "exit-stats: window=1 net=0");
	for (int i = 0; i < EXIT_REPORT_MAX_FIELDS; i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, " f%d=%d", i, i);
	struct exit_report r;
	assert_true(exit_report_parse(line, &r));
	assert_int_equal(r.nfields, EXIT_REPORT_MAX_FIELDS);
	char last[16];
	snprintf(last, sizeof(last), "f%d", EXIT_REPORT_MAX_FIELDS - 1);
	assert_int_equal(get(&r, last), EXIT_REPORT_MAX_FIELDS - 1);
	snprintf(line + n, sizeof(line) - (size_t)n, " one=1");
	expect_refused(line, "more fields than");
}

static void test_split(void **s)
{
	(void)s;
	struct exit_report r;
	struct exit_split sp;
	const struct exit_counting vmx = {true, false}, pvm = {false, true};
	/* Interrupt-driven reads on a host that leaves notifies out of kvm.exits (PVM). */
	assert_true(exit_report_parse("exit-stats: window=1 net=1 kvm.exits=555 kvm.io_exits=0 "
				      "kvm.halt_exits=128 kvm.irq_window_exits=104 user.exits=256 "
				      "user.pio=0 user.mmio=256 virtio.notifies=128 time_us=1\n",
				      &r));
	exit_report_split(&r, &pvm, &sp);
	assert_true(sp.have_kvm);
	assert_int_equal(sp.all, 555 + 128);
	assert_int_equal(sp.io, 256 + 128 + 128); /* each window shared its halt's exit */
	assert_int_equal(sp.background, 683 - 512);
	/* Where KVM counts notifies, they are in kvm.exits already; windows are exits too. */
	exit_report_split(&r, &vmx, &sp);
	assert_int_equal(sp.all, 555);
	assert_int_equal(sp.io, 256 + 128 + 128 + 104);
	assert_int_equal(sp.background, 555 - 616);
	/* Port I/O KVM handled itself counts as I/O; the exits to kvmini only once. */
	assert_true(exit_report_parse("exit-stats: window=1 net=1 kvm.exits=120 kvm.io_exits=94 "
				      "kvm.irq_window_exits=9 user.exits=46 user.pio=46 time_us=1",
				      &r));
	exit_report_split(&r, &vmx, &sp);
	assert_int_equal(sp.io, 46 + 48 + 9);
	assert_int_equal(sp.background, 120 - 103);
	exit_report_split(&r, &pvm, &sp); /* more windows than halts: the windows count */
	assert_int_equal(sp.io, 46 + 48 + 9);
	/* No KVM statistics: what kvmini counts itself. */
	assert_true(exit_report_parse("exit-stats: window=1 net=1 user.exits=2 user.pio=0 "
				      "virtio.notifies=1",
				      &r));
	exit_report_split(&r, &pvm, &sp);
	assert_false(sp.have_kvm);
	assert_int_equal(sp.all, 3);
	assert_int_equal(sp.io, 3);
	assert_int_equal(sp.background, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_finds_each_window),
	    cmocka_unit_test(test_missing_line),
	    cmocka_unit_test(test_crlf),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_field_limit),
	    cmocka_unit_test(test_split),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
