/*
 * What a kernel without device-tree support sees of kvmini's ACPI tables: the RSDP that
 * boot_params points at, the XSDT, the FADT with its DSDT and FACS, the MADT's CPUs, every
 * checksum. With poweroff=1 it then powers the machine off the way Linux's acpi_power_off
 * does: SLP_TYP from the DSDT's \_S5 package, then SLP_TYP | SLP_EN to the PM1a control
 * block the FADT names. kvmini should end with status 0 before the guest's next instruction.
 */
#include "arch/io.h"
#include "lib/cmdline.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "scenarios/scenario.h"

static u8 sum(const u8 *p, u32 n)
{
	u8 s = 0;
	while (n--)
		s = (u8)(s + *p++);
	return s;
}

static u32 rd32(const u8 *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24;
}
static u64 rd64(const u8 *p)
{
	return rd32(p) | (u64)rd32(p + 4) << 32;
}

/* A table with a standard header at gpa, checked; NULL (and a message) if it is not sig. */
static const u8 *table(u64 gpa, const char *sig)
{
	const u8 *t = (const u8 *)(uintptr_t)gpa;
	if (!gpa || memcmp(t, sig, 4) || sum(t, rd32(t + 4))) {
		printf("acpi: bad %s at 0x%llx\n", sig, (unsigned long long)gpa);
		return NULL;
	}
	return t;
}

int scenario_acpi(struct boot_params *bp)
{
	const u8 *r = (const u8 *)(uintptr_t)bp->acpi_rsdp_addr;
	if (!r) {
		printf("acpi: none\n");
		return 0;
	}
	if (memcmp(r, "RSD PTR ", 8) || sum(r, 20) || sum(r, 36) || r[15] != 2) {
		printf("acpi: bad RSDP at 0x%llx\n", (unsigned long long)bp->acpi_rsdp_addr);
		return 1;
	}
	const u8 *xsdt = table(rd64(r + 24), "XSDT");
	if (!xsdt)
		return 1;
	const u8 *fadt = NULL, *madt = NULL;
	for (u32 off = 36; off + 8 <= rd32(xsdt + 4); off += 8) {
		const u8 *t = (const u8 *)(uintptr_t)rd64(xsdt + off);
		if (!memcmp(t, "FACP", 4))
			fadt = table(rd64(xsdt + off), "FACP");
		else if (!memcmp(t, "APIC", 4))
			madt = table(rd64(xsdt + off), "APIC");
	}
	if (!fadt || !madt)
		return 1;
	const u8 *dsdt = table(rd64(fadt + 140), "DSDT");
	const u8 *facs = (const u8 *)(uintptr_t)rd64(fadt + 132);
	if (!dsdt || memcmp(facs, "FACS", 4))
		return 1;
	unsigned cpus = 0;
	for (u32 off = 44; off + 2 <= rd32(madt + 4) && madt[off + 1]; off += madt[off + 1])
		cpus += madt[off] == 0 && (rd32(madt + off + 4) & 1);
	unsigned virtio = 0;
	u32 dlen = rd32(dsdt + 4);
	for (u32 i = 36; i + 8 <= dlen; i++)
		virtio += !memcmp(dsdt + i, "LNRO0005", 8);
	u16 pm1a_cnt = (u16)rd32(fadt + 64);
	printf("acpi: rsdp 0x%llx ok, madt %u cpus, dsdt %u virtio-mmio devices, pm1a_cnt 0x%x\n",
	       (unsigned long long)bp->acpi_rsdp_addr, cpus, virtio, pm1a_cnt);

	u64 off = 0;
	if (cmdline_get_u64("poweroff", &off) < 0 || !off)
		return 0;
	/*
	 * Name(\_S5, Package(){ByteConst typ, ...}): NameOp '\' "_S5_" PackageOp len count 0x0A typ
	 */
	for (u32 i = 36; i + 10 <= dlen; i++)
		if (!memcmp(dsdt + i, "_S5_", 4) && dsdt[i + 4] == 0x12 && dsdt[i + 7] == 0x0A) {
			u16 typ = dsdt[i + 8] & 7;
			printf("acpi: S5 is SLP_TYP %u; powering off\n", typ);
			outw((u16)(typ << 10), pm1a_cnt);
			outw((u16)(typ << 10 | 1u << 13), pm1a_cnt);
			printf("acpi: still running after S5\n");
			return 1;
		}
	printf("acpi: no \\_S5 in the DSDT\n");
	return 1;
}
