/* boot_params, e820, command line, initrd placement and the whole load into fake guest RAM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "boot/boot_params.h"
#include "boot/cpu_state.h"
#include "platform/layout.h"
#include "boot/linux_boot.h"
#include "fake_bzimage.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

static uint64_t e820_ram_total(const struct boot_e820_entry *t, unsigned n)
{
	uint64_t sum = 0;
	for (unsigned i = 0; i < n; i++)
		if (t[i].type == E820_TYPE_RAM)
			sum += t[i].size;
	return sum;
}

/* No two entries overlap, and none covers the MMIO hole. */
static void assert_e820_sane(const struct boot_e820_entry *t, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		assert_true(t[i].size > 0);
		if (t[i].type == E820_TYPE_RAM)
			assert_true(t[i].addr + t[i].size <= GM_MMIO_HOLE_START ||
				    t[i].addr >= GM_4G);
		for (unsigned j = i + 1; j < n; j++)
			assert_true(t[i].addr + t[i].size <= t[j].addr ||
				    t[j].addr + t[j].size <= t[i].addr);
	}
}

static void test_e820_small(void **state)
{
	(void)state;
	struct guest_mem gm;
	gm_layout(&gm, 64 * MiB);
	struct boot_e820_entry t[8];
	unsigned n = bp_e820(&gm, t, 8);
	assert_int_equal(n, 3);
	assert_int_equal(t[0].addr, 0);
	assert_int_equal(t[0].size, BOOT_EBDA_START);
	assert_int_equal(t[0].type, E820_TYPE_RAM);
	assert_int_equal(t[1].type, E820_TYPE_RESERVED);
	assert_int_equal(t[1].addr + t[1].size, BOOT_LOW_MEM_END);
	assert_int_equal(t[2].addr, BOOT_KERNEL_ADDR);
	assert_int_equal(t[2].addr + t[2].size, 64 * MiB);
	assert_e820_sane(t, n);
	/* The VGA/BIOS hole 0xA0000-0xFFFFF is the only RAM not offered. */
	assert_int_equal(e820_ram_total(t, n), 64 * MiB - (BOOT_KERNEL_ADDR - BOOT_EBDA_START));
}

static void test_e820_sizes(void **state)
{
	(void)state;
	static const uint64_t sizes[] = {16 * MiB,   512 * MiB, 3 * GiB,
					 3584 * MiB, 4 * GiB,	64 * GiB};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct guest_mem gm;
		gm_layout(&gm, sizes[i]);
		struct boot_e820_entry t[8];
		unsigned n = bp_e820(&gm, t, 8);
		assert_e820_sane(t, n);
		assert_int_equal(e820_ram_total(t, n) + (BOOT_KERNEL_ADDR - BOOT_EBDA_START),
				 sizes[i]);
		bool split = sizes[i] > GM_MMIO_HOLE_START;
		assert_int_equal(n, split ? 4 : 3);
		if (split) {
			/* RAM that would have covered the hole continues at 4 GiB. */
			assert_int_equal(t[2].addr + t[2].size, GM_MMIO_HOLE_START);
			assert_int_equal(t[3].addr, GM_4G);
			assert_int_equal(t[3].size, sizes[i] - GM_MMIO_HOLE_START);
		}
	}
}

static void test_e820_respects_max(void **state)
{
	(void)state;
	struct guest_mem gm;
	gm_layout(&gm, 8 * GiB);
	struct boot_e820_entry t[2];
	assert_int_equal(bp_e820(&gm, t, 2), 2);
}

static void test_cmdline_max(void **state)
{
	(void)state;
	struct setup_header h = {.cmdline_size = 2047};
	assert_int_equal(bp_cmdline_max(&h), 2047);
	/* A kernel may claim more than kvmini's buffer holds; the buffer wins. */
	h.cmdline_size = 0xFFFFFFFF;
	assert_int_equal(bp_cmdline_max(&h), BOOT_CMDLINE_MAX - 1);
}

static void test_initrd_top_of_ram(void **state)
{
	(void)state;
	struct guest_mem gm;
	gm_layout(&gm, 256 * MiB);
	struct setup_header h = {.initrd_addr_max = 0x7FFFFFFF};
	uint64_t gpa;
	assert_int_equal(bp_place_initrd(&gm, &h, 4 * MiB, 10000, &gpa, NULL), 0);
	assert_int_equal(gpa % BOOT_PAGE_SIZE, 0);
	assert_true(gpa + 10000 <= 256 * MiB);
	assert_true(gpa + 10000 > 256 * MiB - BOOT_PAGE_SIZE);
}

static void test_initrd_addr_max(void **state)
{
	(void)state;
	struct guest_mem gm;
	gm_layout(&gm, 2 * GiB);
	/* An old kernel that cannot reach above 896 MiB. */
	struct setup_header h = {.initrd_addr_max = 0x37FFFFFF};
	uint64_t gpa;
	assert_int_equal(bp_place_initrd(&gm, &h, 4 * MiB, 1 * MiB, &gpa, NULL), 0);
	assert_int_equal(gpa, 0x38000000 - MiB);
}

static void test_initrd_below_hole(void **state)
{
	(void)state;
	struct guest_mem gm;
	gm_layout(&gm, 8 * GiB);
	struct setup_header h = {.initrd_addr_max = 0xFFFFFFFF};
	uint64_t gpa;
	assert_int_equal(bp_place_initrd(&gm, &h, 4 * MiB, 5 * MiB, &gpa, NULL), 0);
	assert_int_equal(gpa + 5 * MiB, GM_MMIO_HOLE_START);
}

static void test_initrd_too_big(void **state)
{
	(void)state;
	struct guest_mem gm;
	gm_layout(&gm, 32 * MiB);
	struct setup_header h = {.initrd_addr_max = 0x7FFFFFFF};
	uint64_t gpa;
	struct err err = {{0}};
	/* Room is 32 MiB minus the kernel's end: one byte more than that must be refused. */
	assert_int_equal(bp_place_initrd(&gm, &h, 20 * MiB, 12 * MiB + 1, &gpa, &err), -1);
	assert_non_null(strstr(err.msg, "raise --mem"));
	assert_int_equal(bp_place_initrd(&gm, &h, 20 * MiB, 12 * MiB, &gpa, NULL), 0);
	assert_int_equal(gpa, 20 * MiB);
	assert_int_equal(bp_place_initrd(&gm, &h, 20 * MiB, 0, &gpa, &err), -1);
	assert_non_null(strstr(err.msg, "empty"));
}

static void test_fill(void **state)
{
	(void)state;
	size_t size;
	uint8_t *img = fake_bzimage(0x1000, &size);
	struct bzimage bz;
	assert_int_equal(bzimage_parse(img, size, &bz, NULL), 0);
	struct guest_mem gm;
	gm_layout(&gm, 4 * GiB);
	struct bp_args args = {.cmdline_gpa = BOOT_CMDLINE_ADDR,
			       .initrd_gpa = 0x7000000,
			       .initrd_size = 12345,
			       .setup_data_gpa = BOOT_SETUP_DATA_ADDR};
	struct boot_params bp;
	bp_fill(&bp, &bz, &gm, &args);
	assert_int_equal(bp.hdr.header, 0x53726448);
	assert_int_equal(bp.hdr.version, 0x020F);
	assert_int_equal(bp.hdr.cmdline_size, 2047);
	assert_int_equal(bp.hdr.type_of_loader, 0xFF);
	assert_int_equal(bp.hdr.cmd_line_ptr, BOOT_CMDLINE_ADDR);
	assert_int_equal(bp.ext_cmd_line_ptr, 0);
	assert_int_equal(bp.hdr.ramdisk_image, 0x7000000);
	assert_int_equal(bp.hdr.ramdisk_size, 12345);
	assert_int_equal(bp.hdr.setup_data, BOOT_SETUP_DATA_ADDR);
	assert_int_equal(bp.e820_entries, 4);
	assert_int_equal(bp.e820_table[3].addr, GM_4G);
	free(img);
}

/* The header is copied only as far as the kernel's own jump says; later bytes stay zero. */
static void test_fill_short_header(void **state)
{
	(void)state;
	size_t size;
	uint8_t *img = fake_bzimage(0x1000, &size);
	fake_hdr(img)->version = 0x020C;
	img[0x201] = (uint8_t)(0x264 - 0x202); /* ends before init_size & co. */
	fake_hdr(img)->kernel_info_offset = 0xDEAD;
	struct bzimage bz;
	assert_int_equal(bzimage_parse(img, size, &bz, NULL), 0);
	struct guest_mem gm;
	gm_layout(&gm, 64 * MiB);
	struct bp_args args = {.cmdline_gpa = BOOT_CMDLINE_ADDR};
	struct boot_params bp;
	bp_fill(&bp, &bz, &gm, &args);
	assert_int_equal(bp.hdr.kernel_info_offset, 0);
	free(img);
}

/* Whole loader: files on disk into a real (small) guest RAM mapping. */
struct loadfix {
	struct guest_mem gm;
	char kernel[64], initrd[64];
	uint8_t *img;
	size_t size;
};

static void write_tmp(char *path, const void *data, size_t len)
{
	strcpy(path, "/tmp/kvmini-test-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static int load_setup(void **state)
{
	struct loadfix *f = calloc(1, sizeof(*f));
	if (gm_alloc(&f->gm, 64 * MiB))
		return -1;
	f->img = fake_bzimage(0x5000, &f->size);
	write_tmp(f->kernel, f->img, f->size);
	uint8_t initrd[5000];
	memset(initrd, 0xA5, sizeof(initrd));
	write_tmp(f->initrd, initrd, sizeof(initrd));
	*state = f;
	return 0;
}

static int load_teardown(void **state)
{
	struct loadfix *f = *state;
	unlink(f->kernel);
	unlink(f->initrd);
	gm_free(&f->gm);
	free(f->img);
	free(f);
	return 0;
}

static void test_load(void **state)
{
	struct loadfix *f = *state;
	static const uint8_t dtb[] = {0xd0, 0x0d, 0xfe, 0xed, 1, 2, 3};
	struct linux_boot_args args = {.kernel_path = f->kernel,
				       .initrd_path = f->initrd,
				       .cmdline = "console=ttyS0 test=hello",
				       .dtb = dtb,
				       .dtb_size = sizeof(dtb)};
	struct linux_boot_entry entry;
	struct err err = {{0}};
	assert_int_equal(linux_boot_load(&f->gm, &args, &entry, &err), 0);
	assert_int_equal(entry.rip, BOOT_KERNEL_ADDR + 0x200);
	assert_int_equal(entry.boot_params, BOOT_PARAMS_ADDR);

	/* The protected-mode part, byte for byte, at 1 MiB. */
	assert_memory_equal(gm_ptr(&f->gm, BOOT_KERNEL_ADDR, 0x5000), f->img + FAKE_SETUP_SIZE,
			    0x5000);
	struct boot_params *bp = gm_ptr(&f->gm, entry.boot_params, sizeof(*bp));
	assert_string_equal((char *)gm_ptr(&f->gm, bp->hdr.cmd_line_ptr, 1),
			    "console=ttyS0 test=hello");
	/* The initrd is where the zero page says, whole, and clear of the kernel. */
	assert_int_equal(bp->hdr.ramdisk_size, 5000);
	assert_true(bp->hdr.ramdisk_image >= BOOT_KERNEL_ADDR + 0x5000 + 0x10000);
	const uint8_t *rd = gm_ptr(&f->gm, bp->hdr.ramdisk_image, 5000);
	assert_int_equal(rd[0], 0xA5);
	assert_int_equal(rd[4999], 0xA5);
	/* setup_data chain: one SETUP_DTB node carrying the blob. */
	struct setup_data *sd = gm_ptr(&f->gm, bp->hdr.setup_data, sizeof(*sd));
	assert_int_equal(sd->type, SETUP_DTB);
	assert_int_equal(sd->len, sizeof(dtb));
	assert_int_equal(sd->next, 0);
	assert_memory_equal(sd->data, dtb, sizeof(dtb));
	/* The boot page tables identity-map the kernel's 2 MiB page. */
	uint64_t *pd = gm_ptr(&f->gm, BOOT_PD_ADDR, 8);
	assert_int_equal(pd[0] & ~0xFFFULL, 0);
	assert_int_equal(pd[0] & 0x83, 0x83);
}

static void test_load_cmdline_limit(void **state)
{
	struct loadfix *f = *state;
	char cmdline[2049];
	memset(cmdline, 'a', sizeof(cmdline) - 1);
	cmdline[2047] = '\0'; /* exactly cmdline_size: accepted */
	struct linux_boot_args args = {.kernel_path = f->kernel, .cmdline = cmdline};
	struct linux_boot_entry entry;
	struct err err = {{0}};
	assert_int_equal(linux_boot_load(&f->gm, &args, &entry, &err), 0);
	cmdline[2047] = 'a';
	cmdline[2048] = '\0'; /* one more: refused */
	assert_int_equal(linux_boot_load(&f->gm, &args, &entry, &err), -1);
	assert_non_null(strstr(err.msg, "2048 bytes"));
	assert_non_null(strstr(err.msg, "2047"));
}

static void test_load_errors(void **state)
{
	struct loadfix *f = *state;
	struct linux_boot_entry entry;
	struct err err = {{0}};
	struct linux_boot_args args = {.kernel_path = "/nonexistent/bzImage", .cmdline = ""};
	assert_int_equal(linux_boot_load(&f->gm, &args, &entry, &err), -1);
	assert_non_null(strstr(err.msg, "/nonexistent/bzImage"));
	assert_non_null(strstr(err.msg, "No such file"));

	args.kernel_path = "/tmp";
	assert_int_equal(linux_boot_load(&f->gm, &args, &entry, &err), -1);
	assert_non_null(strstr(err.msg, "not a regular file"));

	args.kernel_path = f->kernel;
	args.initrd_path = "/nonexistent/initrd";
	assert_int_equal(linux_boot_load(&f->gm, &args, &entry, &err), -1);
	assert_non_null(strstr(err.msg, "initrd"));

	/* A kernel whose init_size cannot fit in RAM. */
	fake_hdr(f->img)->init_size = 80 << 20;
	char big[64];
	write_tmp(big, f->img, f->size);
	args.kernel_path = big;
	args.initrd_path = NULL;
	assert_int_equal(linux_boot_load(&f->gm, &args, &entry, &err), -1);
	assert_non_null(strstr(err.msg, "raise --mem"));
	unlink(big);
}

static void test_boot_registers(void **state)
{
	(void)state;
	struct kvm_sregs s;
	memset(&s, 0, sizeof(s));
	boot_set_sregs(&s);
	/* The protocol's promises: long mode, paging, __BOOT_CS/__BOOT_DS flat segments. */
	assert_int_equal(s.cs.selector, 0x10);
	assert_int_equal(s.cs.l, 1);
	assert_int_equal(s.cs.db, 0);
	assert_int_equal(s.ds.selector, 0x18);
	assert_int_equal(s.ss.selector, 0x18);
	assert_true(s.cr0 & 0x80000001);
	assert_true(s.cr4 & 0x20);
	assert_int_equal(s.efer & 0x500, 0x500);
	assert_int_equal(s.cr3, BOOT_PML4_ADDR);
	struct kvm_regs r;
	boot_set_regs(&r, 0x100200, 0x7000);
	assert_int_equal(r.rip, 0x100200);
	assert_int_equal(r.rsi, 0x7000);
	assert_int_equal(r.rflags & 0x200, 0); /* interrupts off */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_e820_small),
	    cmocka_unit_test(test_e820_sizes),
	    cmocka_unit_test(test_e820_respects_max),
	    cmocka_unit_test(test_cmdline_max),
	    cmocka_unit_test(test_initrd_top_of_ram),
	    cmocka_unit_test(test_initrd_addr_max),
	    cmocka_unit_test(test_initrd_below_hole),
	    cmocka_unit_test(test_initrd_too_big),
	    cmocka_unit_test(test_fill),
	    cmocka_unit_test(test_fill_short_header),
	    cmocka_unit_test_setup_teardown(test_load, load_setup, load_teardown),
	    cmocka_unit_test_setup_teardown(test_load_cmdline_limit, load_setup, load_teardown),
	    cmocka_unit_test_setup_teardown(test_load_errors, load_setup, load_teardown),
	    cmocka_unit_test(test_boot_registers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
