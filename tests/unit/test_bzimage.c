/* Setup-header parsing: what a loader must accept and what it must refuse, with the reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "boot/bzimage.h"
#include "fake_bzimage.h"

static void test_good_image(void **state)
{
	(void)state;
	size_t size;
	uint8_t *img = fake_bzimage(0x3000, &size);
	struct bzimage bz;
	struct err err = {{0}};
	assert_int_equal(bzimage_parse(img, size, &bz, &err), 0);
	assert_int_equal(bz.setup_size, FAKE_SETUP_SIZE);
	assert_ptr_equal(bz.kernel, img + FAKE_SETUP_SIZE);
	assert_int_equal(bz.kernel_size, 0x3000);
	assert_int_equal(bz.hdr.version, 0x020F);
	assert_int_equal(bz.hdr_len, 0x26C - 0x1F1);
	/* init_size covers more than the file: that is what the loader must reserve. */
	assert_int_equal(bzimage_load_size(&bz), 0x13000);
	free(img);
}

static void test_setup_sects_zero_means_four(void **state)
{
	(void)state;
	size_t size;
	uint8_t *img = fake_bzimage(0x4000, &size);
	fake_hdr(img)->setup_sects = 0;
	fake_hdr(img)->syssize = 0; /* the kernel part now starts 3 sectors later */
	struct bzimage bz;
	assert_int_equal(bzimage_parse(img, size, &bz, NULL), 0);
	assert_int_equal(bz.setup_size, 5 * 512);
	assert_int_equal(bz.kernel_size, size - 5 * 512);
	free(img);
}

static void expect_refusal(uint8_t *img, size_t size, const char *why)
{
	struct bzimage bz;
	struct err err = {{0}};
	assert_int_equal(bzimage_parse(img, size, &bz, &err), -1);
	if (!strstr(err.msg, why))
		fail_msg("message '%s' does not mention '%s'", err.msg, why);
	assert_null(strchr(err.msg, '\n'));
}

static void test_empty(void **state)
{
	(void)state;
	uint8_t b = 0;
	expect_refusal(&b, 0, "empty");
}

static void test_too_small(void **state)
{
	(void)state;
	size_t size;
	uint8_t *img = fake_bzimage(0x1000, &size);
	expect_refusal(img, 0x200, "too small");
	expect_refusal(img, 0x26B, "too small");
	free(img);
}

static void test_wrong_magic(void **state)
{
	(void)state;
	size_t size;
	uint8_t *img = fake_bzimage(0x1000, &size);
	fake_hdr(img)->header = 0x464C457F; /* an ELF file (vmlinux) */
	expect_refusal(img, size, "not a bzImage");
	free(img);
}

static void test_bad_boot_flag(void **state)
{
	(void)state;
	size_t size;
	uint8_t *img = fake_bzimage(0x1000, &size);
	fake_hdr(img)->boot_flag = 0;
	expect_refusal(img, size, "boot flag");
	free(img);
}

static void test_old_protocol(void **state)
{
	(void)state;
	size_t size;
	uint8_t *img = fake_bzimage(0x1000, &size);
	fake_hdr(img)->version = 0x020B;
	expect_refusal(img, size, "2.11");
	fake_hdr(img)->version = 0x020C; /* 2.12 is the oldest accepted */
	struct bzimage bz;
	assert_int_equal(bzimage_parse(img, size, &bz, NULL), 0);
	free(img);
}

static void test_no_64bit_entry(void **state)
{
	(void)state;
	size_t size;
	uint8_t *img = fake_bzimage(0x1000, &size);
	fake_hdr(img)->xloadflags = 0;
	expect_refusal(img, size, "64-bit");
	free(img);
}

static void test_zimage(void **state)
{
	(void)state;
	size_t size;
	uint8_t *img = fake_bzimage(0x1000, &size);
	fake_hdr(img)->loadflags = 0;
	expect_refusal(img, size, "zImage");
	free(img);
}

static void test_truncated_kernel(void **state)
{
	(void)state;
	size_t size;
	uint8_t *img = fake_bzimage(0x2000, &size);
	/* Cut the file: the header still promises 0x2000 bytes. */
	expect_refusal(img, size - 16, "truncated");
	/* Cut inside the setup sectors: no kernel at all. */
	expect_refusal(img, FAKE_SETUP_SIZE, "truncated");
	free(img);
}

static void test_no_entry_code(void **state)
{
	(void)state;
	size_t size;
	uint8_t *img = fake_bzimage(0x100, &size);
	expect_refusal(img, size, "0x200");
	free(img);
}

static void test_huge_syssize(void **state)
{
	(void)state;
	size_t size;
	uint8_t *img = fake_bzimage(0x1000, &size);
	fake_hdr(img)->syssize = 0xFFFFFFFF; /* must not overflow into "fits" */
	expect_refusal(img, size, "truncated");
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_image),
	    cmocka_unit_test(test_setup_sects_zero_means_four),
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_too_small),
	    cmocka_unit_test(test_wrong_magic),
	    cmocka_unit_test(test_bad_boot_flag),
	    cmocka_unit_test(test_old_protocol),
	    cmocka_unit_test(test_no_64bit_entry),
	    cmocka_unit_test(test_zimage),
	    cmocka_unit_test(test_truncated_kernel),
	    cmocka_unit_test(test_no_entry_code),
	    cmocka_unit_test(test_huge_syssize),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
