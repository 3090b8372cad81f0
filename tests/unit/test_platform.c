/*
 * The platform table: every configuration lays out without a clash, devices sit where
 * platform/layout.h says, and the interrupts each mode hands out are free ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "platform/platform.h"

static struct platform plat;

static void build_ok(struct platform_spec spec)
{
	struct err err = {{0}};
	if (platform_build(&plat, &spec, &err))
		fail_msg("platform_build: %s", err.msg);
}

/* The devices every VM has, at the PC's addresses, and the optional ones only when asked. */
static void test_fixed_devices(void **state)
{
	(void)state;
	build_ok((struct platform_spec){0});
	const struct plat_device *uart = platform_find(&plat, PLAT_UART, 0);
	assert_non_null(uart);
	assert_true(uart->pio);
	assert_int_equal(uart->reg[0].base, 0x3F8);
	assert_int_equal(uart->irq, 4);
	const struct plat_device *kbc = platform_find(&plat, PLAT_I8042, 0);
	assert_int_equal(kbc->nreg, 2); /* 0x60 and 0x64, not 0x61 (KVM's PIT) */
	assert_int_equal(kbc->reg[0].base, 0x60);
	assert_int_equal(kbc->reg[1].base, 0x64);
	assert_int_equal(platform_find(&plat, PLAT_TEST_EXIT, 0)->reg[0].base,
			 KVMINI_TEST_EXIT_PORT);
	assert_int_equal(platform_find(&plat, PLAT_MARKER, 0)->reg[0].base, KVMINI_MARKER_PORT);
	assert_int_equal(platform_find(&plat, PLAT_BOOT_TIMER, 0)->reg[0].base,
			 KVMINI_BOOT_TIMER_PORT);
	assert_false(platform_find(&plat, PLAT_PVPANIC, 0)->pio);
	/* The CMOS RTC: index and data ports, IRQ 8, in every VM. */
	const struct plat_device *rtc = platform_find(&plat, PLAT_RTC, 0);
	assert_non_null(rtc);
	assert_true(rtc->pio);
	assert_int_equal(rtc->nreg, 1);
	assert_int_equal(rtc->reg[0].base, 0x70);
	assert_int_equal(rtc->reg[0].size, 2);
	assert_int_equal(rtc->irq, 8);
	assert_null(platform_find(&plat, PLAT_RTC, 1));
	/* The PCI host bridge's configuration ports, 0xCF8-0xCFF, with no interrupt. */
	const struct plat_device *pci = platform_find(&plat, PLAT_PCI_HOST, 0);
	assert_non_null(pci);
	assert_true(pci->pio);
	assert_int_equal(pci->reg[0].base, 0xCF8);
	assert_int_equal(pci->reg[0].size, 8);
	assert_int_equal(pci->irq, -1);
	assert_null(platform_find(&plat, PLAT_IDE, 0));
	assert_null(platform_find(&plat, PLAT_ACPI_PM, 0));
	assert_null(platform_find(&plat, PLAT_VIRTIO, 0));
	assert_null(platform_find(&plat, PLAT_UART, 1));

	build_ok((struct platform_spec){.ide = true, .acpi = true});
	const struct plat_device *ide = platform_find(&plat, PLAT_IDE, 0);
	assert_non_null(ide);
	assert_int_equal(ide->irq, 14);
	assert_int_equal(ide->reg[0].base, 0x1F0);
	assert_int_equal(ide->reg[1].base, 0x3F6);
	assert_int_equal(platform_find(&plat, PLAT_ACPI_PM, 0)->reg[0].base, 0x600);
	assert_non_null(platform_find(&plat, PLAT_RTC, 0));
}

/* virtio slots in order, each its own window and IOAPIC pin, inside the MMIO hole. */
static void test_virtio_slots(void **state)
{
	(void)state;
	build_ok((struct platform_spec){.nvirtio = VIRTIO_MAX_DEVICES, .ide = true, .acpi = true});
	for (unsigned i = 0; i < VIRTIO_MAX_DEVICES; i++) {
		const struct plat_device *d = platform_find(&plat, PLAT_VIRTIO, i);
		assert_non_null(d);
		assert_int_equal(d->reg[0].base, VIRTIO_MMIO_BASE + i * VIRTIO_MMIO_STRIDE);
		assert_int_equal(d->irq, 16 + (int)i);
	}
	assert_null(platform_find(&plat, PLAT_VIRTIO, VIRTIO_MAX_DEVICES));
	/* The fullest table fits, and still has the RTC on IRQ 8 beside IDE's 14. */
	assert_true(plat.ndev <= PLATFORM_MAX_DEVICES);
	assert_int_equal(platform_find(&plat, PLAT_RTC, 0)->irq, 8);
	/* Every MMIO device lies in the hole, below the APICs and KVM's pages. */
	for (unsigned i = 0; i < plat.ndev; i++) {
		const struct plat_device *d = &plat.dev[i];
		if (d->pio)
			continue;
		assert_true(d->reg[0].base >= GM_MMIO_HOLE_START);
		assert_true(d->reg[0].base + d->reg[0].size <= IOAPIC_ADDR);
	}
}

/* --virtio-cmdline: ISA IRQs no PC device claims, all different. */
static void test_virtio_isa_irqs(void **state)
{
	(void)state;
	build_ok((struct platform_spec){.nvirtio = VIRTIO_MAX_DEVICES, .virtio_isa_irq = true});
	static const int taken[] = {0, 1, 2, 4, 8, 12, 13, 14};
	for (unsigned i = 0; i < VIRTIO_MAX_DEVICES; i++) {
		int irq = platform_find(&plat, PLAT_VIRTIO, i)->irq;
		assert_true(irq > 0 && irq < 16);
		for (unsigned k = 0; k < sizeof(taken) / sizeof(taken[0]); k++)
			assert_int_not_equal(irq, taken[k]);
		for (unsigned j = 0; j < i; j++)
			assert_int_not_equal(irq, platform_find(&plat, PLAT_VIRTIO, j)->irq);
	}
}

static void test_too_many_virtio(void **state)
{
	(void)state;
	struct err err = {{0}};
	struct platform_spec spec = {.nvirtio = VIRTIO_MAX_DEVICES + 1};
	assert_int_equal(platform_build(&plat, &spec, &err), -1);
	assert_non_null(strstr(err.msg, "too many virtio devices"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixed_devices),
	    cmocka_unit_test(test_virtio_slots),
	    cmocka_unit_test(test_virtio_isa_irqs),
	    cmocka_unit_test(test_too_many_virtio),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
