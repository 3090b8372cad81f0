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
#include <libfdt.h>

#include "vmrun.h"

static struct vm_result res;

static void expect_status(int status)
{
	if (res.timed_out)
		fail_msg("timed out; output:\n%s\nstderr:\n%s", res.out, res.err);
	if (res.status != status)
		fail_msg("exit status %d, expected %d\nstdout:\n%s\nstderr:\n%s", res.status,
			 status, res.out, res.err);
}

static void expect_in(const char *where, const char *text, const char *needle)
{
	if (!strstr(text, needle))
		fail_msg("%s lacks '%s'; stdout:\n%s\nstderr:\n%s", where, needle, res.out,
			 res.err);
}

/* Runs the tiny guest with cmdline and the extra kvmini options (NULL-terminated). */
static void run_guest(const char *cmdline, const char *const *extra)
{
	const char *argv[24] = {KVMINI_BIN, "run", "--kernel", TINY_BZIMAGE, "--cmdline", cmdline};
	int n = 6;
	for (; extra && *extra && n < 23; extra++)
		argv[n++] = *extra;
	argv[n] = NULL;
	vmrun(argv, NULL, &res);
}

/* The four checks of the rng scenario, and kvmini's own count of what it gave. */
static void expect_rng_scenario_ok(void)
{
	expect_status(0);
	expect_in("stdout", res.out, "rng: read-64: ok");
	expect_in("stdout", res.out, "rng: read-4096: ok (used length 4096");
	expect_in("stdout", res.out, "rng: bound: ok (a 131072-byte buffer got 65536 bytes");
	expect_in("stdout", res.out, "rng: readable: ok (used length 0, 64 of 64 bytes kept");
	expect_in("stdout", res.out, "rng: 4/4 checks ok, 8 reads\n");
}

/* The guest reads random bytes, confined as it runs by default: 4 x 64 + 4096 + 64 KiB + 64. */
static void test_rng_sandboxed(void **s)
{
	(void)s;
	const char *extra[] = {"--rng", "--verbose", NULL};
	run_guest("test=rng", extra);
	expect_rng_scenario_ok();
	if (strstr(res.err, "sandbox off"))
		fail_msg("the sandbox was off:\n%s", res.err);
	expect_in("stderr", res.err, "virtio-rng at 0xd0000000, GSI 16");
	expect_in("stderr", res.err, "virtio-rng rng queue 0: ");
	expect_in("stderr", res.err, " notifies, 8 requests\n");
	expect_in("stderr", res.err,
		  "virtio-rng: 69952 bytes given, 1 request(s) refused, 0 getrandom error(s)\n");
}

static void test_rng_no_sandbox(void **s)
{
	(void)s;
	const char *extra[] = {"--rng", "--no-sandbox", NULL};
	run_guest("test=rng", extra);
	expect_rng_scenario_ok();
	expect_in("stderr", res.err, "sandbox off (--no-sandbox)");
}

/* Without --rng there is no such device, and the guest says how to get one. */
static void test_no_rng_without_flag(void **s)
{
	(void)s;
	run_guest("test=rng", NULL);
	expect_status(1);
	expect_in("stdout", res.out, "rng: no virtio-rng in the device tree (kvmini --rng)\n");
}

/* The interrupt comes through: a short watchdog would have failed a lost one. */
static void test_rng_short_watchdog(void **s)
{
	(void)s;
	const char *extra[] = {"--rng", NULL};
	run_guest("test=rng watchdog=5000", extra);
	expect_rng_scenario_ok();
}

/*
 * With a disk: the disk keeps slot 0 whatever the option order, the rng
 * takes slot 1 (0xd0000200, GSI 17), and both are in the device tree and the ACPI tables.
 */
static void test_rng_after_disk(void **s)
{
	(void)s;
	char img[] = "/tmp/kvmini-rng-XXXXXX", dtb[] = "/tmp/kvmini-rng-dtb-XXXXXX";
	int fd = mkstemp(img);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 1 << 20), 0);
	close(fd);
	fd = mkstemp(dtb);
	assert_true(fd >= 0);
	close(fd);
	const char *extra[] = {"--rng", "--disk", img, "--dump-dtb", dtb, NULL};
	run_guest("test=rng", extra);
	expect_rng_scenario_ok();
	expect_in("stdout", res.out, "rng: device at 0xd0000200");

	/* The device tree: two virtio,mmio nodes, the rng's at 0xd0000200 on pin 17, edge. */
	static char blob[65536];
	FILE *f = fopen(dtb, "rb");
	assert_non_null(f);
	size_t len = fread(blob, 1, sizeof(blob), f);
	fclose(f);
	assert_true(len > 0);
	assert_int_equal(fdt_check_header(blob), 0);
	int nodes = 0, found = 0;
	for (int off = fdt_node_offset_by_compatible(blob, -1, "virtio,mmio"); off >= 0;
	     off = fdt_node_offset_by_compatible(blob, off, "virtio,mmio")) {
		nodes++;
		int l;
		const fdt32_t *reg = fdt_getprop(blob, off, "reg", &l);
		const fdt32_t *irq = fdt_getprop(blob, off, "interrupts", &l);
		assert_non_null(reg);
		assert_non_null(irq);
		if (fdt32_to_cpu(reg[1]) == 0xd0000200) {
			found++;
			assert_int_equal(fdt32_to_cpu(reg[3]), 0x200);
			assert_int_equal(fdt32_to_cpu(irq[0]), 17);
			assert_int_equal(fdt32_to_cpu(irq[1]), 3); /* the IOAPIC's edge, rising */
		}
	}
	assert_int_equal(nodes, 2);
	assert_int_equal(found, 1);

	const char *acpi[] = {"--disk", img, "--rng", NULL};
	run_guest("test=acpi", acpi);
	expect_status(0);
	expect_in("stdout", res.out, "dsdt 2 virtio-mmio devices");
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
	return cmocka_run_group_tests(tests, NULL, NULL);
}
