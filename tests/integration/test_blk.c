/*
 * virtio-blk under KVM, end to end: the tiny guest's virtio-mmio + virtio-blk driver against
 * kvmini's device, with disk images in a temporary directory. The data pattern is the one the
 * guest uses (guest-kernels/tiny/README.md), recomputed here so every byte of an image can be
 * checked. Without a usable /dev/kvm the whole binary reports SKIPPED (77).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libfdt.h>

#include "guest.h"
#include "pattern.h"

#define DISK_SECTORS 2048 /* 1 MiB images unless a test says otherwise */

static void expect_rw_line(const char *who, int disk, uint64_t first, uint64_t last, uint32_t sum)
{
	char line[128];
	snprintf(line, sizeof(line), "%s: disk %d sectors %llu-%llu ok checksum 0x%08x\n", who,
		 disk, (unsigned long long)first, (unsigned long long)last, sum);
	expect_out(line);
}

/* blk-rw over [first, last] with seed on a fresh image, extra words on the command line. */
static void guest_writes(const char *name, const char *disk_opts, const char *words, uint64_t first,
			 uint64_t last, uint64_t seed, const char *extra)
{
	char img[256], spec[320], cmdline[256];
	scratch_path(img, sizeof(img), name);
	make_image(img, DISK_SECTORS);
	snprintf(spec, sizeof(spec), "%s%s", img, disk_opts);
	snprintf(cmdline, sizeof(cmdline), "test=blk-rw sectors=%llu-%llu seed=%llu %s",
		 (unsigned long long)first, (unsigned long long)last, (unsigned long long)seed,
		 words);
	run_guest(cmdline, "--disk", spec, extra, NULL);
	expect_status(0);
	uint32_t sum = check_image(img, first, last, seed);
	expect_rw_line("blk-rw", 0, first, last, sum);
	unlink(img);
}

/* (a) A pattern the guest wrote is in the image byte for byte, and nothing else changed. */
static void test_guest_pattern_in_image(void **s)
{
	(void)s;
	guest_writes("a.img", "", "qd=4", 3, 600, 11, NULL);
}

/* (b) A pattern the host wrote is read back and verified by the guest. */
static void test_host_pattern_read(void **s)
{
	(void)s;
	char img[256];
	scratch_path(img, sizeof(img), "b.img");
	uint32_t sum = make_pattern_image(img, DISK_SECTORS, 23, 100, 499);

	run_guest("test=blk-read sectors=100-499 seed=23 qd=3", "--disk", img, NULL);
	expect_status(0);
	expect_rw_line("blk-read", 0, 100, 499, sum);

	/* The wrong seed must be noticed: the guest really compares. */
	run_guest("test=blk-read sectors=100-499 seed=24", "--disk", img, NULL);
	expect_status(1);
	expect_out("blk-read: disk 0: mismatch at sector 100 offset 0");
	unlink(img);
}

/* (c) Two disks at once, each with its own seed (disk i uses seed S+i), of different sizes. */
static void test_two_disks(void **s)
{
	(void)s;
	char a[256], b[256], spec_b[300];
	scratch_path(a, sizeof(a), "c0.img");
	scratch_path(b, sizeof(b), "c1.img");
	make_image(a, DISK_SECTORS);
	make_image(b, 2 * DISK_SECTORS);
	snprintf(spec_b, sizeof(spec_b), "%s,serial=second", b);
	run_guest("test=blk-rw sectors=50-349 seed=40 qd=2", "--disk", a, "--disk", spec_b, NULL);
	expect_status(0);
	expect_rw_line("blk-rw", 0, 50, 349, check_image(a, 50, 349, 40));
	expect_rw_line("blk-rw", 1, 50, 349, check_image(b, 50, 349, 41));
	unlink(a);
	unlink(b);
}

/* (d) A read-only disk refuses writes (IOERR) and its image is byte-identical afterwards. */
static void test_ro_disk(void **s)
{
	(void)s;
	char img[256], spec[300];
	scratch_path(img, sizeof(img), "d.img");
	make_image(img, DISK_SECTORS);
	snprintf(spec, sizeof(spec), "%s,ro", img);

	run_guest("test=blk-ro", "--disk", spec, NULL);
	expect_status(0);
	expect_out("blk-ro: disk 0: RO offered, write -> IOERR, read ok, data unchanged\n");
	run_guest("test=blk-id", "--disk", spec, NULL);
	expect_status(0);
	expect_out("ro 1\n");
	/* An ordinary writer on it fails at its first write. */
	run_guest("test=blk-rw sectors=0-15", "--disk", spec, NULL);
	expect_status(1);
	expect_out("blk-rw: disk 0: write of sectors 0+8: status 1 (IOERR)");

	expect_untouched(img);
	unlink(img);
}

/* (e) Once a FLUSH has completed, SIGKILL of kvmini loses nothing that was written before it. */
static void test_flush_then_sigkill(void **s)
{
	(void)s;
	char img[256];
	scratch_path(img, sizeof(img), "e.img");
	make_image(img, DISK_SECTORS);
	struct vm_bg vm;
	start_guest(&vm, "test=blk-flush-wait sectors=0-700 seed=77 qd=4", "--disk", img, NULL);
	bool flushed = vm_bg_wait_for(&vm, "blk-flush-wait: flushed", VMRUN_TIMEOUT_MS);
	int status = vm_bg_stop(&vm, SIGKILL);
	if (!flushed)
		fail_msg("no 'flushed' line; output:\n%s", vm.out);
	assert_int_equal(status, 128 + SIGKILL);
	check_image(img, 0, 700, 77);
	unlink(img);
}

/* (f) Every hostile case gets its proper answer and kvmini keeps serving, in each mode. */
static void hostile(const char *words)
{
	char img[256], cmdline[128];
	scratch_path(img, sizeof(img), "f.img");
	make_image(img, 64);
	snprintf(cmdline, sizeof(cmdline), "test=blk-hostile %s", words);
	run_guest(cmdline, "--disk", img, "--verbose", NULL);
	expect_status(0);
	if (strstr(res.out, "FAIL"))
		fail_msg("a hostile case failed:\n%s", res.out);
	expect_out("blk-hostile: head >= queue size: ok (NEEDS_RESET, nothing used)\n");
	expect_out("blk-hostile: next loop: ok (used.len 0 + NEEDS_RESET)\n");
	expect_out("blk-hostile: header too short: ok (status IOERR, used.len 1)\n");
	expect_out("blk-hostile: unknown type: ok (status UNSUPP, used.len 1)\n");
	expect_out("blk-hostile: 25/25 cases ok\n");
	/* kvmini says why it asked for each reset; none of it is an error of kvmini's own. */
	if (!strstr(res.err, "asked for a reset"))
		fail_msg("kvmini did not report the resets:\n%s", res.err);
	/* None of it may have reached the image: every request was refused or a read. */
	expect_untouched(img);
	unlink(img);
}

static void test_hostile(void **s)
{
	(void)s;
	hostile("");
}

static void test_hostile_polling_no_event_idx(void **s)
{
	(void)s;
	hostile("vpoll=1 veventidx=0");
}

/*
 * (f2) test=mmio-hostile: the transport's register rules under abuse (status order, queue
 * registers at the wrong time or with bad values, selectors and kicks out of range, resets with
 * requests in flight, every access size over the registers and config space). Every case ok,
 * kvmini alive and serving after each, in each mode; nothing but reads, so the image is
 * untouched.
 */
#define MMIO_HOSTILE_CASES 32
static void mmio_hostile(const char *disk_opts, const char *words)
{
	char img[256], spec[300], cmdline[160], summary[64];
	scratch_path(img, sizeof(img), "m.img");
	make_image(img, 64);
	snprintf(spec, sizeof(spec), "%s%s", img, disk_opts);
	/* The guest checks config space against this capacity and sector 0 against this seed. */
	snprintf(cmdline, sizeof(cmdline), "test=mmio-hostile capacity=64 seed=%d %s", BG_SEED,
		 words);
	run_guest(cmdline, "--disk", spec, "--verbose", NULL);
	expect_status(0);
	/* Not just "FAIL": ok lines may name the FAILED status bit. */
	if (strstr(res.out, ": FAIL ("))
		fail_msg("an mmio-hostile case failed:\n%s", res.out);
	/* The crash: refused, NEEDS_RESET, never live, and fine after a reset. */
	expect_out("mmio-hostile: re-armed queue with bad size: ok (QueueReady 0, Status 0x4b, "
		   "0x4b after DRIVER_OK, kick not served)\n");
	snprintf(summary, sizeof(summary), "mmio-hostile: %d/%d cases ok\n", MMIO_HOSTILE_CASES,
		 MMIO_HOSTILE_CASES);
	expect_out(summary);
	if (!strstr(res.err, "asked for a reset"))
		fail_msg("kvmini did not report the resets:\n%s", res.err);
	expect_untouched(img);
	unlink(img);
}

static void test_mmio_hostile(void **s)
{
	(void)s;
	mmio_hostile("", "");
}

static void test_mmio_hostile_device_polling(void **s)
{
	(void)s;
	mmio_hostile(",poll=200", "");
}

static void test_mmio_hostile_guest_polling(void **s)
{
	(void)s;
	mmio_hostile("", "vpoll=1");
}

/* (g) GET_ID returns the serial from --disk ...,serial=S, the default, and a full 20 bytes. */
static void test_blk_id(void **s)
{
	(void)s;
	char a[256], b[256], spec_a[300], spec_c[300];
	scratch_path(a, sizeof(a), "g0.img");
	scratch_path(b, sizeof(b), "g1.img");
	make_image(a, DISK_SECTORS);
	make_image(b, 100);
	snprintf(spec_a, sizeof(spec_a), "%s,serial=my-disk-01", a);
	snprintf(spec_c, sizeof(spec_c), "%s,ro,serial=12345678901234567890", b);
	run_guest("test=blk-id", "--disk", spec_a, "--disk", b, NULL);
	expect_status(0);
	expect_out("blk-id: disk 0 serial 'my-disk-01' capacity 2048 ro 0\n");
	expect_out("blk-id: disk 1 serial 'kvmini-vdb' capacity 100 ro 0\n");
	run_guest("test=blk-id", "--disk", spec_c, NULL);
	expect_status(0);
	expect_out("blk-id: disk 0 serial '12345678901234567890' capacity 100 ro 1\n");
	unlink(a);
	unlink(b);
}

/*
 * (h) The device tree describes each device; --virtio-cmdline names it on the cmdline too, with
 * ISA IRQs (5, 6, ...) because a kernel that needs the cmdline form usually has only the 8259s.
 */
static void test_dtb_and_cmdline(void **s)
{
	(void)s;
	char a[256], b[256], dtb[256];
	scratch_path(a, sizeof(a), "h0.img");
	scratch_path(b, sizeof(b), "h1.img");
	scratch_path(dtb, sizeof(dtb), "h.dtb");
	make_image(a, 16);
	make_image(b, 16);
	run_guest("test=hello", "--disk", a, "--disk", b, "--dump-dtb", dtb, "--virtio-cmdline",
		  NULL);
	expect_status(0);
	expect_out("cmdline: test=hello virtio_mmio.device=512@0xd0000000:5 "
		   "virtio_mmio.device=512@0xd0000200:6\n");
	expect_out("dt:   virtio_mmio@d0000000\n");
	expect_virtio_mmio_nodes(dtb, 2, 5);
	unlink(a);
	unlink(b);
	unlink(dtb);
}

/*
 * (h') With --virtio-cmdline the device interrupts on ISA IRQ 5: requests still complete by
 * interrupt (one per request at qd 1), and the data is right.
 */
static void test_cmdline_mode_io(void **s)
{
	(void)s;
	guest_writes("h2.img", "", "qd=4", 3, 300, 12, "--virtio-cmdline");
	char img[256];
	scratch_path(img, sizeof(img), "h3.img");
	make_image(img, DISK_SECTORS);
	run_guest("test=blk-exits count=20 size=4096", "--disk", img, "--virtio-cmdline", NULL);
	expect_status(0);
	expect_out("blk-exits: disk 0: 20 reads of 4096 bytes, qd 1, interrupts: ok\n");
	const char *p = strstr(res.out, "kicks skipped, ");
	assert_non_null(p);
	long irqs = strtol(p + strlen("kicks skipped, "), NULL, 10);
	if (irqs < 20)
		fail_msg("%ld interrupts for 20 requests on IRQ 5:\n%s", irqs, res.out);
	unlink(img);
}

/*
 * More virtio devices than the platform has slots (eight disks and an rng): status 2, one
 * line, before any disk is touched.
 */
static void test_too_many_virtio_devices(void **s)
{
	(void)s;
	char img[8][64];
	const char *argv[6 + 2 * 8 + 2] = {KVMINI_BIN,	 "run",	      "--kernel",
					   TINY_BZIMAGE, "--cmdline", "test=hello"};
	unsigned n = 6;
	for (unsigned i = 0; i < 8; i++) {
		char name[16];
		snprintf(name, sizeof(name), "slot%u.img", i);
		scratch_path(img[i], sizeof(img[i]), name);
		make_image(img[i], 8);
		argv[n++] = "--disk";
		argv[n++] = img[i];
	}
	argv[n] = "--rng";
	vmrun(argv, NULL, &res);
	expect_one_line_error("too many virtio devices");
	for (unsigned i = 0; i < 8; i++)
		expect_untouched(img[i]);
	/* Eight in all is fine. */
	argv[n] = NULL;
	vmrun(argv, NULL, &res);
	expect_status(0);
}

/* (i) A missing disk, a directory, or a disk another kvmini holds: status 2, one line. */
static void test_bad_disks(void **s)
{
	(void)s;
	char missing[256], img[256];
	scratch_path(missing, sizeof(missing), "no-such.img");
	run_guest("test=hello", "--disk", missing, NULL);
	expect_one_line_error("No such file");
	run_guest("test=hello", "--disk", scratch_dir(), NULL);
	expect_one_line_error("Is a directory");
	char dir_ro[128];
	snprintf(dir_ro, sizeof(dir_ro), "%s,ro", scratch_dir());
	run_guest("test=hello", "--disk", dir_ro, NULL);
	expect_one_line_error("not a regular file");

	scratch_path(img, sizeof(img), "i.img");
	make_image(img, 64);
	struct vm_bg vm;
	start_guest(&vm, "test=blk-flush-wait sectors=0-0", "--disk", img, NULL);
	bool running = vm_bg_wait_for(&vm, "blk-flush-wait: flushed", VMRUN_TIMEOUT_MS);
	static struct vm_result ro_res; /* large: not on the stack */
	memset(&ro_res, 0, sizeof(ro_res));
	if (running) {
		/* Read-only does not get around a writer's lock either. */
		char ro[300];
		snprintf(ro, sizeof(ro), "%s,ro", img);
		run_guest("test=hello", "--disk", ro, NULL);
		ro_res = res;
		run_guest("test=hello", "--disk", img, NULL);
	}
	int status = vm_bg_stop(&vm, SIGKILL);
	if (!running)
		fail_msg("the first VM did not come up; output:\n%s", vm.out);
	assert_int_equal(status, 128 + SIGKILL);
	expect_one_line_error("in use by another kvmini");
	res = ro_res;
	expect_one_line_error("in use by another kvmini");

	/* Nor may one kvmini open an image twice, even the second time read-only. */
	char ro[300];
	snprintf(ro, sizeof(ro), "%s,ro", img);
	run_guest("test=hello", "--disk", img, "--disk", ro, NULL);
	expect_one_line_error("in use by another kvmini");
	unlink(img);
}

/* (j) Device variants: two queues (used round robin), device-side polling, guest polling. */
static void test_two_queues(void **s)
{
	(void)s;
	guest_writes("j1.img", ",queues=2", "vqueues=2 qd=4", 0, 400, 51, "--verbose");
	/* Both queues carried requests, each woken by its own notifies. */
	for (int q = 0; q < 2; q++) {
		char needle[64];
		snprintf(needle, sizeof(needle), "kvmini-vda queue %d: ", q);
		const char *p = strstr(res.err, needle);
		if (!p)
			fail_msg("no statistics for queue %d:\n%s", q, res.err);
		unsigned long notifies = strtoul(p + strlen(needle), (char **)&p, 10);
		p = strstr(p, ", ");
		assert_non_null(p);
		unsigned long requests = strtoul(p + 2, NULL, 10);
		if (!notifies || requests < 10)
			fail_msg("queue %d: %lu notifies, %lu requests:\n%s", q, notifies, requests,
				 res.err);
	}
}

static void test_device_polling(void **s)
{
	(void)s;
	guest_writes("j2.img", ",poll=200", "qd=4", 0, 400, 52, NULL);
}

static void test_guest_polling(void **s)
{
	(void)s;
	guest_writes("j3.img", "", "vpoll=1 qd=4", 0, 400, 53, NULL);
}

/*
 * The two disk engines. The default is io_uring with adaptive polling (and every other test
 * here runs it); aio=sync with poll=off, one request at a time and no spinning, must serve the
 * same guest as well, and each says which it runs.
 */
static void test_disk_engines(void **s)
{
	(void)s;
	guest_writes("e1.img", "", "qd=8", 0, 400, 54, "--verbose");
	if (!strstr(res.err, "adaptive poll up to 32 us, aio=io_uring"))
		fail_msg("the default disk is not io_uring with adaptive polling:\n%s", res.err);
	guest_writes("e2.img", ",aio=sync,poll=off", "qd=8", 0, 400, 55, "--verbose");
	if (!strstr(res.err, "no polling, aio=sync"))
		fail_msg("aio=sync,poll=off was not what ran:\n%s", res.err);
	guest_writes("e3.img", ",aio=sync", "vpoll=1 qd=4", 0, 400, 56, NULL);
}

static void test_mmio_hostile_sync(void **s)
{
	(void)s;
	mmio_hostile(",aio=sync,poll=off", "");
}

/* Each combination of INDIRECT_DESC and EVENT_IDX, with several requests in flight. */
static void test_ring_features(void **s)
{
	(void)s;
	static const char *const words[] = {
	    "vindirect=1 veventidx=1 qd=8",
	    "vindirect=1 veventidx=0 qd=8",
	    "vindirect=0 veventidx=1 qd=8",
	    "vindirect=0 veventidx=0 qd=8",
	};
	for (unsigned i = 0; i < 4; i++)
		guest_writes("k.img", "", words[i], 1, 300, 60 + i, NULL);
}

/* The exit-count workload runs and completes every request, by interrupt and by polling. */
static void test_exits_workload(void **s)
{
	(void)s;
	char img[256], spec[300];
	scratch_path(img, sizeof(img), "x.img");
	make_image(img, DISK_SECTORS);
	run_guest("test=blk-exits count=50 size=4096", "--disk", img, NULL);
	expect_status(0);
	expect_out("blk-exits: disk 0: 50 reads of 4096 bytes, qd 1, interrupts: ok\n");
	expect_out(" 50 completions\n");
	/*
	 * A polling device (20 ms after each request, far longer than the guest needs to build
	 * the next) asks for no kicks: after the first, kick_prepare says no. Exact counts are
	 * the exit tests' business; here only that most kicks were skipped.
	 */
	snprintf(spec, sizeof(spec), "%s,poll=20000", img);
	run_guest("test=blk-exits count=50 burst=10 vpoll=1", "--disk", spec, NULL);
	expect_status(0);
	expect_out("blk-exits: disk 0: 50 reads of 4096 bytes, burst 10, polling: ok\n");
	expect_out(" 50 completions\n");
	const char *p = strstr(res.out, "blk-exits: driver: ");
	assert_non_null(p);
	long kicks = strtol(p + strlen("blk-exits: driver: "), NULL, 10);
	if (kicks > 10)
		fail_msg("%ld kicks for 50 requests to a polling device:\n%s", kicks, res.out);
	unlink(img);
}

int main(void)
{
	char why[128];
	if (!vmrun_kvm_usable(why, sizeof(why)))
		return vmrun_skip("KVM integration tests", why);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_guest_pattern_in_image),
	    cmocka_unit_test(test_host_pattern_read),
	    cmocka_unit_test(test_two_disks),
	    cmocka_unit_test(test_disk_engines),
	    cmocka_unit_test(test_mmio_hostile_sync),
	    cmocka_unit_test(test_too_many_virtio_devices),
	    cmocka_unit_test(test_ro_disk),
	    cmocka_unit_test(test_flush_then_sigkill),
	    cmocka_unit_test(test_hostile),
	    cmocka_unit_test(test_hostile_polling_no_event_idx),
	    cmocka_unit_test(test_mmio_hostile),
	    cmocka_unit_test(test_mmio_hostile_device_polling),
	    cmocka_unit_test(test_mmio_hostile_guest_polling),
	    cmocka_unit_test(test_blk_id),
	    cmocka_unit_test(test_dtb_and_cmdline),
	    cmocka_unit_test(test_cmdline_mode_io),
	    cmocka_unit_test(test_bad_disks),
	    cmocka_unit_test(test_two_queues),
	    cmocka_unit_test(test_device_polling),
	    cmocka_unit_test(test_guest_polling),
	    cmocka_unit_test(test_ring_features),
	    cmocka_unit_test(test_exits_workload),
	};
	return cmocka_run_group_tests(tests, scratch_group_setup, scratch_group_teardown);
}
