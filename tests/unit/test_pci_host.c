/*
 * The PCI host bridge (devices/pci_host.c) through the port bus, as a kernel probes it:
 * Linux 6.1's pci_check_type1 and pci_sanity_check, a bus-0 scan, BAR sizing, and the
 * accesses no kernel makes (odd sizes, offsets and functions) that must read as nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "devices/bus.h"
#include "devices/pci_host.h"
#include "platform/layout.h"

static struct bus pio;
static struct pci_host host;

static int setup(void **state)
{
	(void)state;
	bus_init(&pio, "pio");
	pci_host_init(&host);
	return pci_host_register(&host, &pio, PCI_CONF1_PORT);
}

static uint32_t in(uint16_t port, unsigned size)
{
	uint32_t v = 0;
	assert_non_null(bus_read(&pio, port, &v, size));
	return v;
}

static void out(uint16_t port, uint32_t v, unsigned size)
{
	assert_non_null(bus_write(&pio, port, &v, size));
}

/* CONFIG_ADDRESS for bus 0, device dev, function fn, register reg (enabled). */
static uint32_t addr(unsigned dev, unsigned fn, unsigned reg)
{
	return 0x80000000u | dev << 11 | fn << 8 | reg;
}

/* Linux's pci_check_type1: the mechanism select byte, then the address register read back. */
static void test_linux_detects_type1(void **state)
{
	(void)state;
	out(0xCFB, 0x01, 1);
	in(0xCF8, 4);
	out(0xCF8, 0x80000000u, 4);
	assert_int_equal(in(0xCF8, 4), 0x80000000u);
	/* pci_sanity_check: 00:00.0's class is a host bridge. */
	out(0xCF8, addr(0, 0, 0x08), 4);
	assert_int_equal(in(0xCFE, 2), 0x0600);
}

static void test_host_bridge_header(void **state)
{
	(void)state;
	out(0xCF8, addr(0, 0, 0x00), 4);
	assert_int_equal(in(0xCFC, 4), (uint32_t)PCI_HOST_DEVICE << 16 | PCI_HOST_VENDOR);
	assert_int_equal(in(0xCFC, 2), PCI_HOST_VENDOR);
	assert_int_equal(in(0xCFE, 2), PCI_HOST_DEVICE);
	assert_int_equal(in(0xCFD, 1), PCI_HOST_VENDOR >> 8);
	out(0xCF8, addr(0, 0, 0x08), 4);
	assert_int_equal(in(0xCFC, 4), 0x06000000u); /* class 06/00/00, revision 0 */
	out(0xCF8, addr(0, 0, 0x0c), 4);
	assert_int_equal(in(0xCFE, 1), 0); /* header type 0, single function */
	for (unsigned reg = 0x10; reg < 0x100; reg += 4) {
		out(0xCF8, addr(0, 0, reg), 4);
		assert_int_equal(in(0xCFC, 4), 0); /* no BARs, no capabilities, no interrupt pin */
	}
}

/* A scan finds 00:00.0 and nothing else: every other function and bus reads all ones. */
static void test_nothing_else(void **state)
{
	(void)state;
	unsigned found = 0;
	for (unsigned dev = 0; dev < 32; dev++)
		for (unsigned fn = 0; fn < 8; fn++) {
			out(0xCF8, addr(dev, fn, 0), 4);
			if (in(0xCFC, 2) != 0xffff)
				found++;
		}
	assert_int_equal(found, 1);
	out(0xCF8, 0x80000000u | 1u << 16, 4); /* bus 1 */
	assert_int_equal(in(0xCFC, 4), 0xffffffffu);
	out(0xCF8, 0x00000000u, 4); /* not enabled */
	assert_int_equal(in(0xCFC, 4), 0xffffffffu);
}

/* Configuration space is read-only: a BAR sized with all ones stays 0, the command register too. */
static void test_writes_dropped(void **state)
{
	(void)state;
	out(0xCF8, addr(0, 0, 0x10), 4);
	out(0xCFC, 0xffffffffu, 4);
	assert_int_equal(in(0xCFC, 4), 0);
	out(0xCF8, addr(0, 0, 0x04), 4);
	out(0xCFC, 0x0007, 2);
	assert_int_equal(in(0xCFC, 4), 0);
	out(0xCF8, addr(0, 0, 0x00), 4);
	out(0xCFC, 0x12345678u, 4);
	assert_int_equal(in(0xCFC, 2), PCI_HOST_VENDOR);
}

/* The address register: dword only, reserved bits read as 0; other sizes go nowhere. */
static void test_address_register(void **state)
{
	(void)state;
	out(0xCF8, 0xffffffffu, 4);
	assert_int_equal(in(0xCF8, 4), 0x80fffffcu);
	out(0xCF8, 0x12, 1);
	out(0xCF9, 0x3456, 2);
	assert_int_equal(in(0xCF8, 4), 0x80fffffcu);
	assert_int_equal(in(0xCF8, 1), 0xff);
	assert_int_equal(in(0xCFA, 2), 0xffff);
	/* Spanning the two: address bytes read as ones, the data byte as configuration space. */
	out(0xCF8, addr(0, 0, 0), 4);
	assert_int_equal(in(0xCFB, 2), 0x36ffu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_linux_detects_type1, setup),
	    cmocka_unit_test_setup(test_host_bridge_header, setup),
	    cmocka_unit_test_setup(test_nothing_else, setup),
	    cmocka_unit_test_setup(test_writes_dropped, setup),
	    cmocka_unit_test_setup(test_address_register, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
