/*
 * What a virtio-blk request costs in VM exits, counted two ways (KVM's per-vCPU statistics and
 * kvmini's own user-space exits) inside the guest's marker window: one 4 KiB read takes at
 * most one notify exit, handled inside KVM (no user-space exit for it), and a polling device
 * takes a whole burst of requests without a single notify.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "guest.h"
#include "pattern.h"
#include "tools/exit_report.h"

static char image[64];

static int set_up(void **state)
{
	(void)state;
	return blank_image(image, sizeof(image), "exits");
}

static int tear_down(void **state)
{
	(void)state;
	unlink(image);
	return 0;
}

static void run(const char *cmdline, const char *disk_opts, const char *extra)
{
	char disk[128];
	snprintf(disk, sizeof(disk), "%s%s", image, disk_opts);
	run_guest(cmdline, "--disk", disk, "--exit-stats", extra, NULL);
	expect_status(0);
}

/* The value of key in the window's raw (net=0) --exit-stats line; -1 when absent. */
static long long window(unsigned id, const char *key)
{
	char name[16];
	struct exit_report r;
	uint64_t v;
	snprintf(name, sizeof(name), "%u", id);
	if (!exit_report_find(res.err, name, false, &r))
		fail_msg("%s in:\n%s", r.why, res.err);
	return exit_report_get(&r, key, &v) ? (long long)v : -1;
}

static void test_one_read_one_notify(void **state)
{
	(void)state;
	run("test=blk-exits count=1 size=4096", "", "--trace-exits");
	/* One doorbell, caught by KVM's ioeventfd: counted by the eventfd, not by kvmini. */
	assert_int_equal(window(1, "virtio.notifies"), 1);
	assert_int_equal(window(1, "virtio.requests"), 1);
	/* In user space only the interrupt handler's InterruptStatus read and InterruptACK write,
	 * plus the marker write that closes the window. */
	assert_int_equal(window(1, "user.mmio"), 2);
	assert_int_equal(window(1, "mmio.virtio-blk@d0000000"), 2);
	assert_int_equal(window(1, "user.pio"), 1);
	assert_int_equal(window(1, "pio.marker@510"), 1);
	assert_null(strstr(res.err, "QueueNotify")); /* never traced: it never left KVM */
	assert_non_null(strstr(res.err, "virtio-blk: InterruptStatus"));
	assert_non_null(strstr(res.err, "virtio-blk: InterruptACK"));
	long long kvm = window(1, "kvm.exits");
	if (kvm >= 0) {
		/* KVM's own counters agree: its MMIO exits to user space are those two. */
		assert_int_equal(window(1, "kvm.mmio_exits"), 2);
		assert_true(kvm >= window(1, "user.exits"));
	} else {
		print_message(
		    "note: no KVM binary statistics on this host; user-space counts only\n");
	}
}

static void test_polling_burst_no_notify(void **state)
{
	(void)state;
	/* warmup=1: the device is already polling when the window opens. */
	run("test=blk-exits count=50 burst=10 warmup=1", ",poll=1000000", "--verbose");
	assert_non_null(strstr(res.out, "blk-exits: disk 0: 50 reads of 4096 bytes, burst 10"));
	assert_int_equal(window(1, "virtio.requests"), 50);
	assert_int_equal(window(1, "virtio.notifies"), 0);
	assert_non_null(strstr(res.out, "blk-exits: driver: 0 kicks, 50 kicks skipped"));
}

static void test_polling_without_event_idx(void **state)
{
	(void)state;
	/* The same through VRING_USED_F_NO_NOTIFY instead of the event index. */
	run("test=blk-exits count=50 burst=10 warmup=1 veventidx=0", ",poll=1000000", "--verbose");
	assert_int_equal(window(1, "virtio.requests"), 50);
	assert_int_equal(window(1, "virtio.notifies"), 0);
}

static void test_notify_mode_burst(void **state)
{
	(void)state;
	/* Without polling, a burst still needs kicks, but never more than one per request. */
	run("test=blk-exits count=50 burst=10 warmup=1", "", "--verbose");
	long long n = window(1, "virtio.notifies");
	assert_true(n >= 1 && n <= 50);
	assert_int_equal(window(1, "virtio.requests"), 50);
	assert_int_equal(window(1, "user.pio"), 1);
}

int main(void)
{
	char why[128];
	if (!vmrun_kvm_usable(why, sizeof(why)))
		return vmrun_skip("KVM exit-count tests", why);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_one_read_one_notify),
	    cmocka_unit_test(test_polling_burst_no_notify),
	    cmocka_unit_test(test_polling_without_event_idx),
	    cmocka_unit_test(test_notify_mode_burst),
	};
	return cmocka_run_group_tests(tests, set_up, tear_down);
}
