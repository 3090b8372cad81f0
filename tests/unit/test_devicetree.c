/* The device tree read back with libfdt, as the guest kernel would read it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <libfdt.h>

#include "boot/devicetree.h"
#include "platform/platform.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

static uint8_t blob[64 << 10];

static struct platform plat;

/* The tree for a platform laid out from spec (NULL: no virtio, no IDE, ACPI). */
static void build_with(unsigned ncpus, uint64_t mem, const struct platform_spec *spec)
{
	const struct platform_spec plain = {.acpi = true};
	struct err err = {{0}};
	assert_int_equal(platform_build(&plat, spec ? spec : &plain, &err), 0);
	struct guest_mem gm;
	gm_layout(&gm, mem);
	struct dt_params p = {.ncpus = ncpus, .mem = &gm, .platform = &plat};
	int size = dt_build(blob, sizeof(blob), &p, &err);
	assert_true(size > 0);
	assert_int_equal(fdt_check_header(blob), 0);
	assert_int_equal(fdt_totalsize(blob), (uint32_t)size);
}

static void build(unsigned ncpus, uint64_t mem)
{
	build_with(ncpus, mem, NULL);
}

static uint32_t cell(const void *prop, int i)
{
	return fdt32_to_cpu(((const fdt32_t *)prop)[i]);
}

static void test_root(void **state)
{
	(void)state;
	build(1, 256 * MiB);
	assert_int_equal(fdt_node_check_compatible(blob, 0, "kvmini,pc"), 0);
	int len;
	const void *ac = fdt_getprop(blob, 0, "#address-cells", &len);
	assert_non_null(ac);
	assert_int_equal(cell(ac, 0), 2);
	assert_true(fdt_path_offset(blob, "/chosen") >= 0);
}

static void test_cpus(void **state)
{
	(void)state;
	build(4, 256 * MiB);
	int cpus = fdt_path_offset(blob, "/cpus");
	assert_true(cpus >= 0);
	int n = 0, node;
	fdt_for_each_subnode(node, blob, cpus)
	{
		int len;
		assert_string_equal(fdt_getprop(blob, node, "device_type", &len), "cpu");
		const void *reg = fdt_getprop(blob, node, "reg", &len);
		assert_int_equal(len, 4);
		/* reg is the APIC id, which kvmini sets to the vCPU index. */
		assert_int_equal(cell(reg, 0), (uint32_t)n);
		n++;
	}
	assert_int_equal(n, 4);
}

static void test_memory_small(void **state)
{
	(void)state;
	build(1, 512 * MiB);
	int mem = fdt_path_offset(blob, "/memory@0");
	assert_true(mem >= 0);
	int len;
	const void *reg = fdt_getprop(blob, mem, "reg", &len);
	assert_int_equal(len, 16);
	assert_int_equal(cell(reg, 0), 0);
	assert_int_equal(cell(reg, 1), 0);
	assert_int_equal(cell(reg, 2), 0);
	assert_int_equal(cell(reg, 3), 512 * MiB);
}

static void test_memory_with_hole(void **state)
{
	(void)state;
	build(1, 6 * GiB);
	int mem = fdt_path_offset(blob, "/memory@0");
	int len;
	const void *reg = fdt_getprop(blob, mem, "reg", &len);
	assert_int_equal(len, 32);
	assert_int_equal(((uint64_t)cell(reg, 2) << 32) | cell(reg, 3), GM_MMIO_HOLE_START);
	assert_int_equal(((uint64_t)cell(reg, 4) << 32) | cell(reg, 5), GM_4G);
	assert_int_equal(((uint64_t)cell(reg, 6) << 32) | cell(reg, 7),
			 6 * GiB - GM_MMIO_HOLE_START);
}

static void test_interrupt_controllers(void **state)
{
	(void)state;
	build(1, 256 * MiB);
	int ioapic = fdt_node_offset_by_compatible(blob, -1, "intel,ce4100-ioapic");
	assert_true(ioapic >= 0);
	int len;
	assert_non_null(fdt_getprop(blob, ioapic, "interrupt-controller", &len));
	assert_int_equal(cell(fdt_getprop(blob, ioapic, "#interrupt-cells", &len), 0), 2);
	const void *reg = fdt_getprop(blob, ioapic, "reg", &len);
	assert_int_equal(cell(reg, 1), IOAPIC_ADDR);
	assert_int_equal(fdt_get_phandle(blob, ioapic), DT_IOAPIC_PHANDLE);
	int lapic = fdt_node_offset_by_compatible(blob, -1, "intel,ce4100-lapic");
	assert_true(lapic >= 0);
	assert_int_equal(cell(fdt_getprop(blob, lapic, "reg", &len), 1), LAPIC_ADDR);
}

static void test_serial(void **state)
{
	(void)state;
	build(1, 256 * MiB);
	int uart = fdt_node_offset_by_compatible(blob, -1, "ns16550a");
	assert_true(uart >= 0);
	int len;
	const void *reg = fdt_getprop(blob, uart, "reg", &len);
	assert_int_equal(len, 12);
	assert_int_equal(cell(reg, 0), 1); /* I/O space */
	assert_int_equal(cell(reg, 1), 0x3F8);
	const void *irq = fdt_getprop(blob, uart, "interrupts", &len);
	assert_int_equal(cell(irq, 0), 4);
	assert_int_equal(cell(irq, 1), DT_IRQ_EDGE_RISING);
	/* stdout-path names a node that exists. */
	const char *path = fdt_getprop(blob, fdt_path_offset(blob, "/chosen"), "stdout-path", &len);
	assert_int_equal(fdt_path_offset(blob, path), uart);
}

/* Every virtio slot of the table gets a node: its window, its own GSI, an edge (KVM_IRQFD). */
static void check_virtio_nodes(unsigned n, const int *irqs)
{
	int node = -1;
	unsigned i = 0;
	while ((node = fdt_node_offset_by_compatible(blob, node, "virtio,mmio")) >= 0) {
		int len;
		const void *reg = fdt_getprop(blob, node, "reg", &len);
		assert_int_equal(cell(reg, 1), VIRTIO_MMIO_BASE + i * VIRTIO_MMIO_STRIDE);
		assert_int_equal(cell(reg, 3), VIRTIO_MMIO_STRIDE);
		const void *irq = fdt_getprop(blob, node, "interrupts", &len);
		assert_int_equal(cell(irq, 0), irqs[i]);
		assert_int_equal(cell(irq, 1), DT_IRQ_EDGE_RISING);
		i++;
	}
	assert_int_equal(i, n);
}

static void test_mmio_devices(void **state)
{
	(void)state;
	build_with(1, 256 * MiB, &(struct platform_spec){.nvirtio = 3});
	check_virtio_nodes(3, (const int[]){16, 17, 18});
	/* --virtio-cmdline: the free ISA IRQs instead, for kernels that know only the 8259s. */
	build_with(1, 256 * MiB, &(struct platform_spec){.nvirtio = 2, .virtio_isa_irq = true});
	check_virtio_nodes(2, (const int[]){5, 6});
}

/* The IDE channel only when asked for: command block and control port, IRQ 14. */
static void test_ide_node(void **state)
{
	(void)state;
	build(1, 256 * MiB);
	assert_true(fdt_node_offset_by_compatible(blob, -1, "ata-generic") < 0);
	build_with(1, 256 * MiB, &(struct platform_spec){.ide = true});
	int node = fdt_node_offset_by_compatible(blob, -1, "ata-generic");
	assert_true(node >= 0);
	int len;
	const void *reg = fdt_getprop(blob, node, "reg", &len);
	assert_int_equal(len, 24);
	assert_int_equal(cell(reg, 1), 0x1F0);
	assert_int_equal(cell(reg, 2), 8);
	assert_int_equal(cell(reg, 4), 0x3F6);
	assert_int_equal(cell(reg, 5), 1);
	const void *irq = fdt_getprop(blob, node, "interrupts", &len);
	assert_int_equal(cell(irq, 0), 14);
}

static void test_pvpanic_node(void **state)
{
	(void)state;
	build(1, 256 * MiB);
	int node = fdt_node_offset_by_compatible(blob, -1, "qemu,pvpanic-mmio");
	assert_true(node >= 0);
	int len;
	const void *reg = fdt_getprop(blob, node, "reg", &len);
	assert_int_equal(len, 16);
	assert_int_equal(cell(reg, 1), (uint32_t)PVPANIC_MMIO_BASE);
	assert_int_equal(cell(reg, 3), PVPANIC_MMIO_SIZE);
}

/* The CMOS RTC on the ISA bus, as Linux's x86_wallclock_init and the tiny guest find it. */
static void test_rtc_node(void **state)
{
	(void)state;
	build(1, 256 * MiB);
	int node = fdt_node_offset_by_compatible(blob, -1, "motorola,mc146818");
	assert_true(node >= 0);
	assert_int_equal(fdt_path_offset(blob, "/isa/rtc@i70"), node);
	int len;
	const void *reg = fdt_getprop(blob, node, "reg", &len);
	assert_int_equal(len, 12);
	assert_int_equal(cell(reg, 0), 1); /* I/O space */
	assert_int_equal(cell(reg, 1), 0x70);
	assert_int_equal(cell(reg, 2), 2);
	const void *irq = fdt_getprop(blob, node, "interrupts", &len);
	assert_int_equal(len, 8);
	assert_int_equal(cell(irq, 0), 8);
	assert_int_equal(cell(irq, 1), DT_IRQ_EDGE_RISING);
	const void *parent = fdt_getprop(blob, node, "interrupt-parent", &len);
	assert_int_equal(cell(parent, 0), DT_IOAPIC_PHANDLE);
	assert_null(fdt_getprop(blob, node, "status", &len)); /* never "disabled" */
	/* Only one. */
	assert_true(fdt_node_offset_by_compatible(blob, node, "motorola,mc146818") < 0);
}

static void test_buffer_too_small(void **state)
{
	(void)state;
	struct guest_mem gm;
	gm_layout(&gm, 256 * MiB);
	struct err err = {{0}};
	assert_int_equal(platform_build(&plat, &(struct platform_spec){0}, &err), 0);
	struct dt_params p = {.ncpus = 64, .mem = &gm, .platform = &plat};
	uint8_t small[256];
	assert_int_equal(dt_build(small, sizeof(small), &p, &err), -1);
	assert_non_null(strstr(err.msg, "device tree"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_root),
	    cmocka_unit_test(test_cpus),
	    cmocka_unit_test(test_memory_small),
	    cmocka_unit_test(test_memory_with_hole),
	    cmocka_unit_test(test_interrupt_controllers),
	    cmocka_unit_test(test_serial),
	    cmocka_unit_test(test_mmio_devices),
	    cmocka_unit_test(test_ide_node),
	    cmocka_unit_test(test_pvpanic_node),
	    cmocka_unit_test(test_rtc_node),
	    cmocka_unit_test(test_buffer_too_small),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
