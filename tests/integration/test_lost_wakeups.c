/*
 * The tiny guest's lost-wakeup fallback (guest-kernels/tiny/arch/irq.h), end to end. The test
 * build kvmini-testhooks drops every Nth interrupt raised on one line (KVMINI_TEST_DROP_IRQ,
 * core/testhook.h), as an emulated CPU that loses interrupts would. The guest must still
 * finish its I/O with the right data, and count exactly the interrupts that were dropped: its
 * "tiny: lost wakeups: N" against kvmini's "dropped N of M interrupts".
 *
 * Every other suite asserts the opposite on each run (tests/integration/vmrun.c): on a host
 * that loses nothing, the guest counts nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guest.h"
#include "pattern.h"

#define VIRTIO_GSI 16 /* the first virtio-mmio device (platform/layout.h) */
#define IDE_GSI	   14

static unsigned long number_after(const char *text, const char *key)
{
	const char *p = strstr(text, key);
	return p ? strtoul(p + strlen(key), NULL, 10) : 0;
}

/* Runs the tiny guest under kvmini-testhooks, dropping every `every`th interrupt on gsi. */
static void run_dropping(unsigned gsi, unsigned every, const char *cmdline, const char *disk_opt,
			 const char *disk)
{
	char drop[32];
	snprintf(drop, sizeof(drop), "%u:%u", gsi, every);
	setenv("KVMINI_TEST_DROP_IRQ", drop, 1);
	vmrun_lost_wakeups_made = true; /* checked here, against what kvmini dropped */
	const char *argv[] = {KVMINI_TESTHOOKS_BIN,
			      "run",
			      "--kernel",
			      TINY_BZIMAGE,
			      "--cmdline",
			      cmdline,
			      disk_opt,
			      disk,
			      NULL};
	vmrun(argv, NULL, &res);
	unsetenv("KVMINI_TEST_DROP_IRQ");
	vmrun_lost_wakeups_made = false;
}

/* The guest found every dropped interrupt, and nothing else. */
static void expect_each_drop_found(unsigned gsi)
{
	char key[64];
	snprintf(key, sizeof(key), "interrupts on GSI %u", gsi);
	expect_err(key);
	unsigned long dropped = number_after(res.err, "kvmini: test hook: dropped ");
	unsigned long lost = vmrun_lost_wakeups(res.out);
	printf("  GSI %u: kvmini dropped %lu interrupt(s), the guest counted %lu lost wakeup(s)\n",
	       gsi, dropped, lost);
	assert_true(dropped > 0);
	/*
	 * Where the host itself loses interrupts and only counts them (the rig,
	 * KVMINI_TEST_LOST_WAKEUPS=report), the guest may find more than were dropped; the
	 * extra ones are the host's, and are reported as such.
	 */
	if (vmrun_lost_wakeups_reported()) {
		assert_true(lost >= dropped);
		if (lost > dropped)
			printf("vmrun: the guest lost %lu wakeup(s) beyond the dropped ones\n",
			       lost - dropped);
		return;
	}
	assert_int_equal(lost, dropped);
}

/* A fresh 256-sector image in the suite's scratch directory. */
static const char *fresh_image(char *img, size_t len, const char *name)
{
	scratch_path(img, len, name);
	make_image(img, 256);
	return img;
}

/* virtio-blk, completions by irqfd: every third one never arrives. */
static void test_virtio_blk_drops(void **s)
{
	(void)s;
	char img[256];
	run_dropping(VIRTIO_GSI, 3, "test=blk-rw sectors=0-63 seed=7", "--disk",
		     fresh_image(img, sizeof(img), "lw-virtio.img"));
	expect_status(0);
	char line[96];
	snprintf(line, sizeof(line), "blk-rw: disk 0 sectors 0-63 ok checksum 0x%08x\n",
		 check_image(img, 0, 63, 7));
	expect_out(line);
	expect_each_drop_found(VIRTIO_GSI);
}

/* IDE, an ISA line raised by KVM_IRQ_LINE: every eighth PIO interrupt never arrives. */
static void test_ide_drops(void **s)
{
	(void)s;
	char img[256];
	run_dropping(IDE_GSI, 8, "test=ide-rw sectors=0-15", "--ide",
		     fresh_image(img, sizeof(img), "lw-ide.img"));
	expect_status(0);
	expect_out("ide-rw: sectors 0-15 ok");
	expect_each_drop_found(IDE_GSI);
}

/*
 * The release kvmini has no such hook: asked to drop every interrupt, it drops none, and the
 * same run counts nothing (vmrun fails any run that does).
 */
static void test_no_drops_none_counted(void **s)
{
	(void)s;
	char img[256];
	setenv("KVMINI_TEST_DROP_IRQ", "16:1", 1);
	run_guest("test=blk-rw sectors=0-63 seed=7", "--disk",
		  fresh_image(img, sizeof(img), "lw-none.img"), NULL);
	unsetenv("KVMINI_TEST_DROP_IRQ");
	expect_status(0);
	assert_null(strstr(res.err, "test hook"));
	assert_null(strstr(res.out, "lost wakeups"));
}

int main(void)
{
	char why[160];
	if (!vmrun_kvm_usable(why, sizeof(why)))
		return vmrun_skip("lost-wakeup tests", why);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_virtio_blk_drops),
	    cmocka_unit_test(test_ide_drops),
	    cmocka_unit_test(test_no_drops_none_counted),
	};
	return cmocka_run_group_tests(tests, scratch_group_setup, scratch_group_teardown);
}
