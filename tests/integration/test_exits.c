/*
 * What a virtio-blk request costs in VM exits, counted two ways (KVM's per-vCPU statistics and
 * kvmini's own user-space exits) inside the guest's marker window: one 4 KiB read takes at
 * most one notify exit, handled inside KVM (no user-space exit for it), and a polling device
 * takes a whole burst of requests without a single notify. By mode (examples/exit-compare):
 * a driver that polls its used ring takes no exit to kvmini and exactly one notify per
 * request at queue depth 1; with the device polling too, not even that.
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

/*
 * The notified (interrupt-driven) path, with nothing spinning: exact counts. The default's
 * adaptive polling (poll=auto) can only take kicks away, and how many depends on timing.
 */
#define NOTIFIED ",poll=off"

static void run(const char *cmdline, const char *disk_opts, const char *extra)
{
	char disk[128];
	snprintf(disk, sizeof(disk), "%s%s", image, disk_opts);
	run_guest(cmdline, "--disk", disk, "--exit-stats", extra, NULL);
	expect_status(0);
}

/* The value of key in the window's raw (net=0) or net --exit-stats line; -1 when absent. */
static long long window_line(unsigned id, bool net, const char *key)
{
	char name[16];
	struct exit_report r;
	uint64_t v;
	snprintf(name, sizeof(name), "%u", id);
	if (!exit_report_find(res.err, name, net, &r))
		fail_msg("%s in:\n%s", r.why, res.err);
	return exit_report_get(&r, key, &v) ? (long long)v : -1;
}

static long long window(unsigned id, const char *key)
{
	return window_line(id, false, key);
}

/* Net of the calibration window: without the marker write that closes the window. */
static long long window_net(unsigned id, const char *key)
{
	return window_line(id, true, key);
}

/* The guest's own counts for window 1 (test=exits, virtio). */
static void driver_counts(unsigned *kicks, unsigned *skipped, unsigned *irqs)
{
	const char *d = strstr(res.out, "exits: driver: ");
	if (!d || sscanf(d, "exits: driver: %u kicks, %u kicks skipped, %u interrupts", kicks,
			 skipped, irqs) != 3)
		fail_msg("no driver counts in:\n%s", res.out);
}

/* The exits that deliver a completion interrupt inside KVM: none without interrupts. */
static void assert_no_interrupt_exits(unsigned id)
{
	if (window(id, "kvm.exits") < 0)
		return; /* no KVM statistics on this host */
	assert_int_equal(window_net(id, "kvm.halt_exits"), 0);
	assert_int_equal(window_net(id, "kvm.irq_window_exits"), 0);
	assert_int_equal(window_net(id, "kvm.mmio_exits"), 0);
}

static void test_one_read_one_notify(void **state)
{
	(void)state;
	run("test=blk-exits count=1 size=4096", NOTIFIED, "--trace-exits");
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
	run("test=blk-exits count=50 burst=10 warmup=1", NOTIFIED, "--verbose");
	long long n = window(1, "virtio.notifies");
	assert_true(n >= 1 && n <= 50);
	assert_int_equal(window(1, "virtio.requests"), 50);
	assert_int_equal(window(1, "user.pio"), 1);
}

static void test_driver_polling_one_notify_per_request(void **state)
{
	(void)state;
	/*
	 * At most one notify per request, and no other exit. A kick may be skipped, rightly:
	 * when the guest queues the next request before the device thread has turned
	 * notifications back on after the last one (EVENT_IDX), the device finds it on its own
	 * re-check. How often that happens depends on scheduling, so the counts are checked
	 * against each other, exactly, rather than against a fixed 32.
	 */
	unsigned kicks = 0, skipped = 0, irqs = 0;
	run("test=exits dev=vblk op=read size=4096 count=32 warmup=1 vpoll=1", NOTIFIED, NULL);
	expect_out("exits: dev=vblk op=read size=4096 count=32 bytes=131072 ");
	driver_counts(&kicks, &skipped, &irqs);
	assert_int_equal(kicks + skipped, 32);
	assert_true(kicks >= 1); /* the first request finds the device asleep */
	assert_int_equal(irqs, 0);
	assert_int_equal(window(1, "virtio.requests"), 32);
	/* Every kick is one doorbell, caught by KVM's ioeventfd ... */
	assert_int_equal(window(1, "virtio.notifies"), kicks);
	/* ... and nothing else: no exit reaches kvmini but the marker's. */
	assert_int_equal(window_net(1, "user.exits"), 0);
	assert_int_equal(window(1, "user.mmio"), 0);
	assert_int_equal(window(1, "user.pio"), 1);
	assert_int_equal(window(1, "pio.marker@510"), 1);
	assert_no_interrupt_exits(1);
}

static void test_full_polling_no_notify(void **state)
{
	(void)state;
	/* warmup=1: the device is already polling when the window opens. */
	run("test=exits dev=vblk op=read size=4096 count=32 warmup=1 vpoll=1", ",poll=1000000",
	    NULL);
	expect_out("exits: driver: 0 kicks, 32 kicks skipped, 0 interrupts\n");
	assert_int_equal(window(1, "virtio.requests"), 32);
	assert_int_equal(window(1, "virtio.notifies"), 0);
	assert_int_equal(window_net(1, "user.exits"), 0);
	assert_int_equal(window(1, "user.pio"), 1);
	assert_no_interrupt_exits(1);
}

static void test_full_polling_writes_no_notify(void **state)
{
	(void)state;
	run("test=exits dev=vblk op=write size=4096 count=32 warmup=1 vpoll=1 qd=8",
	    ",poll=1000000", NULL);
	expect_out("exits: driver: 0 kicks, ");
	assert_int_equal(window(1, "virtio.requests"), 32);
	assert_int_equal(window(1, "virtio.notifies"), 0);
	assert_int_equal(window_net(1, "user.exits"), 0);
	assert_no_interrupt_exits(1);
}

static void test_queue_depth_shares_kicks_and_interrupts(void **state)
{
	(void)state;
	/* Interrupts at queue depth 8: every kick the driver decides on is one notify, and
	 * every interrupt it takes costs InterruptStatus and InterruptACK, however many
	 * completions it reaps. */
	run("test=exits dev=vblk op=read order=rand size=4096 count=64 warmup=1 qd=8", NOTIFIED,
	    NULL);
	unsigned kicks, skipped, irqs;
	driver_counts(&kicks, &skipped, &irqs);
	assert_int_equal(window(1, "virtio.requests"), 64);
	assert_int_equal(window(1, "virtio.notifies"), kicks);
	assert_true(kicks >= 1 && kicks <= 64);
	assert_true(irqs >= 1 && irqs <= 64);
	assert_int_equal(window_net(1, "user.mmio"), 2 * irqs);
	assert_int_equal(window_net(1, "user.exits"), 2 * irqs);
	/* The same with the driver polling: kicks only, never more than one per request. */
	run("test=exits dev=vblk op=read order=rand size=4096 count=64 warmup=1 qd=8 vpoll=1",
	    NOTIFIED, NULL);
	driver_counts(&kicks, &skipped, &irqs);
	assert_int_equal(irqs, 0);
	assert_int_equal(window(1, "virtio.notifies"), kicks);
	assert_true(kicks >= 1 && kicks <= 64);
	assert_int_equal(window_net(1, "user.exits"), 0);
	assert_no_interrupt_exits(1);
}

static void test_probe_and_idle_windows(void **state)
{
	(void)state;
	run("test=exits dev=vblk op=read size=4096 count=16 warmup=1 vpoll=1 nprobe=16 idle=1",
	    ",poll=1000000", NULL);
	assert_int_equal(window(1, "virtio.requests"), 16);
	/* Window 2: the probe's notifies and nothing else (the device finds no work). */
	assert_int_equal(window(2, "virtio.notifies"), 16);
	assert_int_equal(window(2, "virtio.requests"), 0);
	assert_int_equal(window_net(2, "user.exits"), 0);
	/* Window 3: idle, as long as window 1, touching no device. */
	assert_int_equal(window(3, "virtio.notifies"), 0);
	assert_int_equal(window(3, "virtio.requests"), 0);
	assert_int_equal(window_net(3, "user.exits"), 0);
	assert_no_interrupt_exits(3);
	long long busy = window(1, "time_us"), idle = window(3, "time_us");
	assert_true(idle * 10 >= busy * 9);
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
	    cmocka_unit_test(test_driver_polling_one_notify_per_request),
	    cmocka_unit_test(test_full_polling_no_notify),
	    cmocka_unit_test(test_full_polling_writes_no_notify),
	    cmocka_unit_test(test_queue_depth_shares_kicks_and_interrupts),
	    cmocka_unit_test(test_probe_and_idle_windows),
	};
	return cmocka_run_group_tests(tests, set_up, tear_down);
}
