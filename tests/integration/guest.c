#include "guest.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libfdt.h>

#include "pattern.h"

struct vm_result res;

#define MAX_ARGS 32

/* kvmini run --kernel TINY_BZIMAGE --cmdline cmdline, then the options in ap up to NULL. */
static void guest_argv(const char **argv, const char *cmdline, va_list ap)
{
	int n = 0;
	argv[n++] = KVMINI_BIN;
	argv[n++] = "run";
	argv[n++] = "--kernel";
	argv[n++] = TINY_BZIMAGE;
	argv[n++] = "--cmdline";
	argv[n++] = cmdline;
	const char *a;
	while ((a = va_arg(ap, const char *))) {
		if (n == MAX_ARGS - 1)
			fail_msg("more than %d arguments for kvmini", MAX_ARGS - 1);
		argv[n++] = a;
	}
	argv[n] = NULL;
}

void run_guest(const char *cmdline, ...)
{
	const char *argv[MAX_ARGS];
	va_list ap;
	va_start(ap, cmdline);
	guest_argv(argv, cmdline, ap);
	va_end(ap);
	vmrun(argv, NULL, &res);
}

void start_guest(struct vm_bg *bg, const char *cmdline, ...)
{
	const char *argv[MAX_ARGS];
	va_list ap;
	va_start(ap, cmdline);
	guest_argv(argv, cmdline, ap);
	va_end(ap);
	vm_bg_start(argv, bg);
}

void expect_status(int status)
{
	if (res.timed_out)
		fail_msg("timed out; output:\n%s\nstderr:\n%s", res.out, res.err);
	if (res.status != status)
		fail_msg("exit status %d, expected %d\nstdout:\n%s\nstderr:\n%s", res.status,
			 status, res.out, res.err);
}

void expect_out(const char *needle)
{
	if (!strstr(res.out, needle))
		fail_msg("guest output lacks '%s'; it was:\n%s\nstderr:\n%s", needle, res.out,
			 res.err);
}

void expect_err(const char *needle)
{
	if (!strstr(res.err, needle))
		fail_msg("kvmini stderr lacks '%s'; it was:\n%s", needle, res.err);
}

void expect_in(const char *text, const char *needle)
{
	if (!strstr(text, needle))
		fail_msg("output lacks '%s'; it was:\n%s", needle, text);
}

void expect_one_line_error(const char *why)
{
	expect_status(2);
	assert_int_equal(count_lines(res.err), 1);
	if (strncmp(res.err, "kvmini: ", 8) || !strstr(res.err, why))
		fail_msg("stderr should be one 'kvmini: ...%s...' line; it was:\n%s", why, res.err);
	assert_int_equal(res.out_len, 0);
}

/* The cells of a property, big-endian in the blob. */
static void expect_cells(const void *fdt, int node, const char *name, const uint32_t *want, int n)
{
	int len;
	const fdt32_t *v = fdt_getprop(fdt, node, name, &len);
	assert_non_null(v);
	assert_int_equal(len, n * 4);
	for (int i = 0; i < n; i++)
		assert_int_equal(fdt32_to_cpu(v[i]), want[i]);
}

void expect_virtio_mmio_nodes(const char *dtb, unsigned n, unsigned first_irq)
{
	size_t len;
	uint8_t *blob = read_image(dtb, &len);
	assert_int_equal(fdt_check_header(blob), 0);
	int ioapic = fdt_node_offset_by_compatible(blob, -1, "intel,ce4100-ioapic");
	assert_true(ioapic >= 0);
	uint32_t ioapic_phandle = fdt_get_phandle(blob, ioapic);
	assert_true(ioapic_phandle != 0);
	int node = -1;
	for (unsigned i = 0; i < n; i++) {
		uint32_t base = 0xd0000000 + 0x200 * i;
		char name[32];
		snprintf(name, sizeof(name), "/virtio_mmio@%x", base);
		node = fdt_path_offset(blob, name);
		if (node < 0)
			fail_msg("no %s in the device tree", name);
		assert_int_equal(fdt_node_check_compatible(blob, node, "virtio,mmio"), 0);
		const uint32_t reg[] = {0, base, 0, 0x200};
		expect_cells(blob, node, "reg", reg, 4);
		const uint32_t irq[] = {first_irq + i, 3}; /* edge rising: what an irqfd delivers */
		expect_cells(blob, node, "interrupts", irq, 2);
		const uint32_t parent[] = {ioapic_phandle};
		expect_cells(blob, node, "interrupt-parent", parent, 1);
	}
	if (fdt_node_offset_by_compatible(blob, node, "virtio,mmio") >= 0)
		fail_msg("more than %u virtio,mmio nodes in the device tree", n);
	free(blob);
}
