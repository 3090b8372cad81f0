/*
 * The CMOS RTC under KVM, end to end: the tiny guest's rtc scenario (test=rtc) reads the
 * host's time through ports 0x70/0x71 and compares it with the `now=` this test passes, takes
 * the update and alarm interrupts through the IOAPIC, and sets the clock to 2001, which kvmini
 * keeps as an offset for the run (its --verbose report shows it) while the host's clock is
 * left alone. In the default sandbox (the RTC's timer thread has its own kind) and without
 * it; the device tree's node. Without a usable /dev/kvm the whole binary reports SKIPPED (77).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libfdt.h>

#include "guest.h"
#include "pattern.h"

#define SET_TIME 1000000000LL /* what the scenario sets: 2001-09-09 01:46:40 UTC */

static const char *const checks[] = {"dt",	 "regs",  "read-bcd", "uip",	     "binary",
				     "set-time", "nvram", "uie-irq",  "offset-kept", "alarm-irq"};

static void expect_rtc_scenario_ok(void)
{
	expect_status(0);
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		char line[64];
		snprintf(line, sizeof(line), "rtc: %s: ok", checks[i]);
		expect_out(line);
	}
	expect_out("rtc: 10/10 checks ok\n");
}

/* kvmini's --verbose line: interrupts raised and the guest clock's offset from the host's. */
static void parse_report(unsigned long long *irqs, long long *offset)
{
	const char *p = strstr(res.err, "kvmini: RTC: ");
	if (!p || sscanf(p,
			 "kvmini: RTC: %llu interrupt(s), %*u timer wake-up(s), guest clock "
			 "%lld s from the host's",
			 irqs, offset) != 2)
		fail_msg("no RTC report in kvmini's stderr:\n%s", res.err);
}

/*
 * The guest reads the host's time (within its slack of now=), sets 2001, and kvmini holds
 * that as an offset from the host's clock, which itself does not move.
 */
static void test_rtc_sandboxed(void **s)
{
	(void)s;
	time_t before = time(NULL);
	char cmdline[96];
	/* The guest's own bound is loose (a slow nested machine); the host's below is tight. */
	snprintf(cmdline, sizeof(cmdline), "test=rtc now=%lld slack=600", (long long)before);
	run_guest(cmdline, "--verbose", NULL);
	time_t after = time(NULL);
	expect_rtc_scenario_ok();
	/* What the guest read lies between the host's clock at the start and at the end. */
	const char *p = strstr(res.out, "rtc: read-bcd: ok (");
	long long diff = 0;
	if (!p || !(p = strstr(p, " UTC, now")) || sscanf(p, " UTC, now%lld s", &diff) != 1)
		fail_msg("no time difference in the guest's output:\n%s", res.out);
	if (diff < -1 || diff > (long long)(after - before) + 1)
		fail_msg("the guest read now%+lld s, the run took %lld s:\n%s", diff,
			 (long long)(after - before), res.out);
	if (strstr(res.err, "sandbox off"))
		fail_msg("the sandbox was off:\n%s", res.err);
	expect_err("RTC (MC146818) at port 0x70, IRQ 8: the host's clock, UTC");
	unsigned long long irqs = 0;
	long long offset = 0;
	parse_report(&irqs, &offset);
	assert_true(irqs >= 3); /* two update interrupts and the alarm */
	/* The guest's clock is 2001 now, kvmini's offset says so: set at a host time between
	 * before and after, to within the few seconds the scenario runs on. */
	long long lo = SET_TIME - (long long)after - 2, hi = SET_TIME - (long long)before + 2;
	if (offset < lo || offset > hi)
		fail_msg("offset %lld s, want %lld..%lld", offset, lo, hi);
	/* The host's clock did not follow: it still reads today, not 2001. */
	assert_true(after >= before && after - before < 120);
	assert_true(after > SET_TIME + 365LL * 86400);
}

static void test_rtc_no_sandbox(void **s)
{
	(void)s;
	char cmdline[96];
	snprintf(cmdline, sizeof(cmdline), "test=rtc now=%lld slack=600", (long long)time(NULL));
	run_guest(cmdline, "--no-sandbox", NULL);
	expect_rtc_scenario_ok();
	expect_err("sandbox off (--no-sandbox)");
}

/* The comparison has teeth: told a time an hour off, the guest says its clock disagrees. */
static void test_rtc_wrong_now(void **s)
{
	(void)s;
	char cmdline[96];
	snprintf(cmdline, sizeof(cmdline), "test=rtc now=%lld", (long long)time(NULL) + 3600);
	run_guest(cmdline, NULL);
	expect_status(1);
	expect_out("rtc: read-bcd: FAIL (");
	expect_out(", now-3"); /* -3600, or -3599 if a second turned */
	expect_out("rtc: 9/10 checks ok\n");
}

/* Every run has the RTC: its node in the device tree, whatever else is plugged in. */
static void test_rtc_in_device_tree(void **s)
{
	(void)s;
	char dtb[64];
	scratch_path(dtb, sizeof(dtb), "rtc.dtb");
	run_guest("test=hello", "--dump-dtb", dtb, "--no-acpi", NULL);
	expect_status(0);
	static char blob[1 << 16];
	FILE *f = fopen(dtb, "rb");
	assert_non_null(f);
	size_t n = fread(blob, 1, sizeof(blob), f);
	fclose(f);
	assert_true(n > 0);
	assert_int_equal(fdt_check_header(blob), 0);
	int node = fdt_path_offset(blob, "/isa/rtc@i70");
	assert_true(node >= 0);
	assert_int_equal(fdt_node_check_compatible(blob, node, "motorola,mc146818"), 0);
	int len;
	const fdt32_t *irq = fdt_getprop(blob, node, "interrupts", &len);
	assert_non_null(irq);
	assert_int_equal(fdt32_to_cpu(irq[0]), 8);
	unlink(dtb);
}

int main(void)
{
	char why[160];
	if (!vmrun_kvm_usable(why, sizeof(why)))
		return vmrun_skip("CMOS RTC integration tests", why);

	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rtc_sandboxed),
	    cmocka_unit_test(test_rtc_no_sandbox),
	    cmocka_unit_test(test_rtc_wrong_now),
	    cmocka_unit_test(test_rtc_in_device_tree),
	};
	return cmocka_run_group_tests(tests, scratch_group_setup, scratch_group_teardown);
}
