/*
 * virtio-rng under KVM, end to end: the tiny guest's virtio-rng driver (test=rng) against
 * kvmini --rng, in the default sandbox and without it; the device described in the device
 * tree and the ACPI tables like every virtio device, in the slot after the disks; and what
 * --verbose counts. Without a usable /dev/kvm the whole binary reports SKIPPED (77).
 */
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

/* The four checks of the rng scenario, and kvmini's own count of what it gave. */
static void expect_rng_scenario_ok(void)
{
	expect_status(0);
	expect_out("rng: read-64: ok");
	expect_out("rng: read-4096: ok (used length 4096");
	expect_out("rng: bound: ok (a 131072-byte buffer got 65536 bytes");
	expect_out("rng: readable: ok (used length 0, 64 of 64 bytes kept");
	expect_out("rng: 4/4 checks ok, 8 reads\n");
}

/* The guest reads random bytes, confined as it runs by default: 4 x 64 + 4096 + 64 KiB + 64. */
static void test_rng_sandboxed(void **s)
{
	(void)s;
	run_guest("test=rng", "--rng", "--verbose", NULL);
	expect_rng_scenario_ok();
	if (strstr(res.err, "sandbox off"))
		fail_msg("the sandbox was off:\n%s", res.err);
	expect_err("virtio-rng at 0xd0000000, GSI 16");
	expect_err("virtio-rng rng queue 0: ");
	expect_err(" notifies, 8 requests\n");
	expect_err("virtio-rng: 69952 bytes given, 1 request(s) refused, 0 getrandom error(s)\n");
}

static void test_rng_no_sandbox(void **s)
{
	(void)s;
	run_guest("test=rng", "--rng", "--no-sandbox", NULL);
	expect_rng_scenario_ok();
	expect_err("sandbox off (--no-sandbox)");
}

/* Without --rng there is no such device, and the guest says how to get one. */
static void test_no_rng_without_flag(void **s)
{
	(void)s;
	run_guest("test=rng", NULL);
	expect_status(1);
	expect_out("rng: no virtio-rng in the device tree (kvmini --rng)\n");
}

/* The interrupt comes through: a short watchdog would have failed a lost one. */
static void test_rng_short_watchdog(void **s)
{
	(void)s;
	run_guest("test=rng watchdog=5000", "--rng", NULL);
	expect_rng_scenario_ok();
}

/*
 * With a disk: the disk keeps slot 0 whatever the option order, the rng
 * takes slot 1 (0xd0000200, GSI 17), and both are in the device tree and the ACPI tables.
 */
static void test_rng_after_disk(void **s)
{
	(void)s;
	char img[64], dtb[64];
	assert_int_equal(blank_image(img, sizeof(img), "rng"), 0);
	scratch_path(dtb, sizeof(dtb), "rng.dtb");
	run_guest("test=rng", "--rng", "--disk", img, "--dump-dtb", dtb, NULL);
	expect_rng_scenario_ok();
	expect_out("rng: device at 0xd0000200");
	/* Two virtio,mmio nodes: the disk's on pin 16, the rng's on pin 17, edges. */
	expect_virtio_mmio_nodes(dtb, 2, 16);

	run_guest("test=acpi", "--disk", img, "--rng", NULL);
	expect_status(0);
	expect_out("dsdt 2 virtio-mmio devices");
	unlink(img);
	unlink(dtb);
}

int main(void)
{
	char why[160];
	if (!vmrun_kvm_usable(why, sizeof(why)))
		return vmrun_skip("virtio-rng integration tests", why);

	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rng_sandboxed),	cmocka_unit_test(test_rng_no_sandbox),
	    cmocka_unit_test(test_no_rng_without_flag), cmocka_unit_test(test_rng_short_watchdog),
	    cmocka_unit_test(test_rng_after_disk),
	};
	return cmocka_run_group_tests(tests, scratch_group_setup, scratch_group_teardown);
}
