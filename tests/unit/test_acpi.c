/* The ACPI tables: checksums, the pointer chain a kernel follows, the MADT, and the DSDT's AML. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "boot/acpi.h"
#include "platform/platform.h"

#define GPA ACPI_TABLES_ADDR

static uint8_t buf[ACPI_TABLES_MAX];

static uint32_t rd32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* The table at guest address gpa, checked to lie inside what was built and to sum to 0. */
static const uint8_t *table_at(uint64_t gpa, long built, const char *sig)
{
	assert_true(gpa >= GPA && gpa + 36 <= GPA + (uint64_t)built);
	const uint8_t *t = buf + (gpa - GPA);
	if (memcmp(t, sig, 4))
		fail_msg("want %s at 0x%llx, found %.4s", sig, (unsigned long long)gpa, t);
	uint32_t len = rd32(t + 4);
	assert_true(gpa + len <= GPA + (uint64_t)built);
	assert_int_equal(acpi_sum(t, len), 0);
	return t;
}

static struct platform plat;

/* The platform table with n virtio devices (GSI 16 + i), pvpanic and the PM1 registers. */
static long build(unsigned ncpus, unsigned nvirtio)
{
	struct err e = {{0}};
	struct platform_spec spec = {.nvirtio = nvirtio, .acpi = true};
	assert_int_equal(platform_build(&plat, &spec, &e), 0);
	struct acpi_params p = {.ncpus = ncpus, .platform = &plat};
	memset(buf, 0xEE, sizeof(buf));
	long n = acpi_build(buf, sizeof(buf), GPA, &p, &e);
	if (n < 0)
		fail_msg("acpi_build: %s", e.msg);
	return n;
}

/* RSDP -> XSDT -> FADT -> FACS/DSDT, and XSDT -> MADT: every link valid, every sum 0. */
static void test_chain(void **state)
{
	(void)state;
	long n = build(2, 2);
	assert_memory_equal(buf, "RSD PTR ", 8);
	assert_int_equal(acpi_sum(buf, 20), 0);
	assert_int_equal(acpi_sum(buf, 36), 0);
	assert_int_equal(buf[15], 2);	      /* revision 2: use the XSDT */
	assert_int_equal(rd32(buf + 20), 36); /* length */
	const uint8_t *xsdt = table_at(rd64(buf + 24), n, "XSDT");
	assert_int_equal(rd32(xsdt + 4), 36 + 2 * 8);
	const uint8_t *fadt = table_at(rd64(xsdt + 36), n, "FACP");
	table_at(rd64(xsdt + 44), n, "APIC");
	assert_int_equal(rd32(fadt + 4), 276);
	uint64_t facs = rd64(fadt + 132), dsdt = rd64(fadt + 140);
	assert_int_equal(rd32(fadt + 36), facs); /* the 32-bit copies agree */
	assert_int_equal(rd32(fadt + 40), dsdt);
	assert_int_equal(facs % 64, 0);
	assert_memory_equal(buf + (facs - GPA), "FACS", 4);
	assert_int_equal(rd32(buf + (facs - GPA) + 4), 64);
	table_at(dsdt, n, "DSDT");
	/* Not hardware-reduced: the 8259s, the SCI and the PM1 blocks are real. */
	assert_int_equal(rd32(fadt + 112) & (1u << 20), 0);
	assert_int_equal(fadt[46] | fadt[47] << 8, ACPI_SCI_IRQ);
	assert_int_equal(rd32(fadt + 56), 0x600);
	assert_int_equal(rd32(fadt + 64), 0x604);
	assert_int_equal(fadt[88], 4);
	assert_int_equal(fadt[89], 2);
	assert_int_equal(rd32(fadt + 48), 0); /* no SMI_CMD: ACPI mode is always on */
	/* Boot flags: an 8042 (kvmini's reset path). */
	assert_int_equal(fadt[109] & 0x02, 0x02);
	/* A CMOS RTC: no "CMOS RTC not present" flag, and the century at its CMOS index. */
	assert_int_equal(fadt[109] & 0x20, 0);
	assert_int_equal(fadt[108], RTC_CMOS_CENTURY);
}

static void test_madt(void **state)
{
	(void)state;
	long n = build(4, 1);
	const uint8_t *xsdt = table_at(rd64(buf + 24), n, "XSDT");
	const uint8_t *m = table_at(rd64(xsdt + 44), n, "APIC");
	assert_int_equal(rd32(m + 36), LAPIC_ADDR);
	unsigned cpus = 0, ioapics = 0, isos = 0;
	for (uint32_t off = 44; off < rd32(m + 4); off += m[off + 1]) {
		const uint8_t *e = m + off;
		assert_true(e[1] >= 2);
		switch (e[0]) {
		case 0:
			assert_int_equal(e[1], 8);
			assert_int_equal(e[3], cpus); /* APIC ids 0..n-1, as the vCPUs have */
			assert_int_equal(rd32(e + 4) & 1, 1);
			cpus++;
			break;
		case 1:
			assert_int_equal(e[1], 12);
			assert_int_equal(rd32(e + 4), IOAPIC_ADDR);
			assert_int_equal(rd32(e + 8), 0);
			ioapics++;
			break;
		case 2:
			assert_int_equal(e[1], 10);
			assert_int_equal(e[3], ACPI_SCI_IRQ);
			assert_int_equal(rd32(e + 4), ACPI_SCI_IRQ);
			assert_int_equal(e[8] | e[9] << 8, 0x0D); /* level, active high */
			isos++;
			break;
		default:
			fail_msg("unexpected MADT entry type %u", e[0]);
		}
	}
	assert_int_equal(cpus, 4);
	assert_int_equal(ioapics, 1);
	assert_int_equal(isos, 1);
}

static const uint8_t *find(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
	for (size_t i = 0; i + m <= n; i++)
		if (!memcmp(hay + i, needle, m))
			return hay + i;
	return NULL;
}

/* Each device's resources are in the DSDT as bytes: Memory32Fixed, and the interrupt if any. */
static void test_dsdt_resources(void **state)
{
	(void)state;
	long n = build(1, 8);
	const uint8_t *xsdt = table_at(rd64(buf + 24), n, "XSDT");
	const uint8_t *fadt = table_at(rd64(xsdt + 36), n, "FACP");
	const uint8_t *d = table_at(rd64(fadt + 140), n, "DSDT");
	size_t len = rd32(d + 4);
	unsigned described = 0;
	for (unsigned i = 0; i < plat.ndev; i++) {
		const struct plat_device *dev = &plat.dev[i];
		if (dev->kind != PLAT_VIRTIO && dev->kind != PLAT_PVPANIC)
			continue;
		described++;
		uint8_t mem[12] = {0x86, 9, 0, 1};
		for (unsigned k = 0; k < 4; k++) {
			mem[4 + k] = (uint8_t)(dev->reg[0].base >> (8 * k));
			mem[8 + k] = (uint8_t)(dev->reg[0].size >> (8 * k));
		}
		if (!find(d, len, mem, sizeof(mem)))
			fail_msg("device %u: no Memory32Fixed for 0x%llx", i,
				 (unsigned long long)dev->reg[0].base);
		uint8_t irq[9] = {0x89, 6, 0, 0x03, 1, (uint8_t)dev->irq, 0, 0, 0};
		assert_int_equal(find(d, len, irq, sizeof(irq)) != NULL, dev->irq >= 0);
	}
	assert_int_equal(described, 9); /* eight virtio transports and pvpanic */
}

/*
 * The CMOS RTC as a PC's firmware declares it: _HID EisaId("PNP0B00") (the compressed
 * integer 0x000BD041), IO(Decode16, 0x70, 0x70, 1, 2) and IRQNoFlags() {8}, in one device.
 */
static void test_dsdt_rtc(void **state)
{
	(void)state;
	long n = build(1, 1);
	const uint8_t *xsdt = table_at(rd64(buf + 24), n, "XSDT");
	const uint8_t *fadt = table_at(rd64(xsdt + 36), n, "FACP");
	const uint8_t *d = table_at(rd64(fadt + 140), n, "DSDT");
	size_t len = rd32(d + 4);
	const struct plat_device *rtc = platform_find(&plat, PLAT_RTC, 0);
	assert_non_null(rtc);
	const uint8_t hid[] = {'_', 'H', 'I', 'D', 0x0C, 0x41, 0xD0, 0x0B, 0x00};
	const uint8_t *dev = find(d, len, hid, sizeof(hid));
	assert_non_null(dev);
	const uint8_t io[] = {0x47, 1, RTC_PORT, 0, RTC_PORT, 0, 1, 2};
	const uint8_t irq[] = {0x22, (1u << RTC_IRQ) & 0xFF, (1u << RTC_IRQ) >> 8};
	const uint8_t *at_io = find(d, len, io, sizeof(io));
	assert_non_null(at_io);
	assert_true(at_io > dev && at_io - dev < 40); /* in the same device */
	assert_ptr_equal(find(d, len, irq, sizeof(irq)), at_io + sizeof(io));
	/* Without an RTC in the table, there is none in the tables either. */
	plat.dev[rtc - plat.dev] = plat.dev[plat.ndev - 1];
	plat.ndev--;
	assert_null(platform_find(&plat, PLAT_RTC, 0));
	struct err e = {{0}};
	struct acpi_params p = {.ncpus = 1, .platform = &plat};
	n = acpi_build(buf, sizeof(buf), GPA, &p, &e);
	assert_true(n > 0);
	xsdt = table_at(rd64(buf + 24), n, "XSDT");
	fadt = table_at(rd64(xsdt + 36), n, "FACP");
	d = table_at(rd64(fadt + 140), n, "DSDT");
	assert_null(find(d, rd32(d + 4), hid, sizeof(hid)));
	assert_int_equal(fadt[109] & 0x20, 0x20);
	assert_int_equal(fadt[108], 0);
}

/* An independent AML parser agrees: iasl (acpica-tools) disassembles the DSDT we built. */
static void test_iasl_disassembly(void **state)
{
	(void)state;
	if (access("/usr/bin/iasl", X_OK)) {
		printf(
		    "test_acpi: SKIPPED: /usr/bin/iasl missing (apt-get install acpica-tools)\n");
		skip();
	}
	/* 8 virtio devices: the \_SB scope is then long enough for a 2-byte PkgLength. */
	long n = build(2, 8);
	const uint8_t *xsdt = table_at(rd64(buf + 24), n, "XSDT");
	const uint8_t *fadt = table_at(rd64(xsdt + 36), n, "FACP");
	const uint8_t *d = table_at(rd64(fadt + 140), n, "DSDT");
	char dir[] = "/tmp/kvmini-acpi-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128], cmd[512];
	snprintf(path, sizeof(path), "%s/dsdt.dat", dir);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(d, 1, rd32(d + 4), f), rd32(d + 4));
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cd %s && iasl -d dsdt.dat >iasl.log 2>&1", dir);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/dsdt.dsl", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	static char dsl[65536];
	size_t got = fread(dsl, 1, sizeof(dsl) - 1, f);
	dsl[got] = 0;
	fclose(f);
	const char *want[] = {
	    "Scope (\\_SB)",
	    "Device (D000)",
	    "Device (D007)",
	    "Device (D008)",
	    "Name (_HID, \"LNRO0005\")",
	    "Name (_HID, \"QEMU0001\")",
	    "0xD0000E00,         // Address Base",
	    "Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive, ,, )",
	    "0x00000017,",
	    "Name (\\_S5, Package (0x04)",
	    "Name (_HID, EisaId (\"PNP0B00\")",
	    "IO (Decode16,\n                    0x0070,             // Range Minimum\n"
	    "                    0x0070,             // Range Maximum\n"
	    "                    0x01,               // Alignment\n"
	    "                    0x02,               // Length",
	    "IRQNoFlags ()\n                    {8}",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(dsl, want[i]))
			fail_msg("iasl's disassembly lacks '%s':\n%s", want[i], dsl);
	/* Ten devices, no more: nothing was mis-nested into a device of its own. */
	unsigned devices = 0;
	for (const char *p = dsl; (p = strstr(p, "Device (")); p++)
		devices++;
	assert_int_equal(devices, 10); /* 8 virtio transports, pvpanic, the RTC */
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_bad_input(void **state)
{
	(void)state;
	struct err e = {{0}};
	assert_int_equal(platform_build(&plat, &(struct platform_spec){.acpi = true}, &e), 0);
	struct acpi_params p = {.ncpus = 0, .platform = &plat};
	assert_int_equal(acpi_build(buf, sizeof(buf), GPA, &p, &e), -1);
	p.ncpus = 1;
	/* Too small a buffer is refused, not overrun: the canary past it stays. */
	memset(buf, 0xEE, sizeof(buf));
	assert_int_equal(acpi_build(buf, 200, GPA, &p, &e), -1);
	assert_non_null(strstr(e.msg, "ACPI"));
	for (size_t i = 200; i < 400; i++)
		assert_int_equal(buf[i], 0xEE);
	/* A described device above 4 GiB cannot be put in a Memory32Fixed. */
	struct plat_device *pvpanic = (struct plat_device *)platform_find(&plat, PLAT_PVPANIC, 0);
	pvpanic->reg[0].base = 0xFFFFFF00ULL << 8;
	assert_int_equal(acpi_build(buf, sizeof(buf), GPA, &p, &e), -1);
	assert_non_null(strstr(e.msg, "above 4 GiB"));
	pvpanic->reg[0].base = PVPANIC_MMIO_BASE;
	assert_true(acpi_build(buf, sizeof(buf), GPA, &p, &e) > 0);
	/* Nor I/O ports past 0xFFFF in an IO() descriptor. */
	struct plat_device *rtc = (struct plat_device *)platform_find(&plat, PLAT_RTC, 0);
	rtc->reg[0].base = 0xFFFF;
	assert_int_equal(acpi_build(buf, sizeof(buf), GPA, &p, &e), -1);
	assert_non_null(strstr(e.msg, "IO()"));
	/* Nor can tables be built without the PM1 registers poweroff needs. */
	assert_int_equal(platform_build(&plat, &(struct platform_spec){0}, &e), 0);
	assert_int_equal(acpi_build(buf, sizeof(buf), GPA, &p, &e), -1);
	assert_non_null(strstr(e.msg, "PM1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_chain),
	    cmocka_unit_test(test_madt),
	    cmocka_unit_test(test_dsdt_resources),
	    cmocka_unit_test(test_dsdt_rtc),
	    cmocka_unit_test(test_iasl_disassembly),
	    cmocka_unit_test(test_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
