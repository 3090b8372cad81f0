#include "boot/acpi.h"

#include <stdbool.h>
#include <string.h>

#include "platform/layout.h"

/* A bounded little-endian byte writer; an overflow is remembered and reported once, at the end. */
struct out {
	uint8_t *buf;
	size_t cap, len;
	bool overflow;
};

static void put(struct out *o, const void *p, size_t n)
{
	if (o->overflow || n > o->cap - o->len) {
		o->overflow = true;
		return;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static void put_le(struct out *o, uint64_t v, unsigned bytes)
{
	uint8_t b[8];
	for (unsigned i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put(o, b, bytes);
}

static void put8(struct out *o, uint8_t v)
{
	put_le(o, v, 1);
}
static void put16(struct out *o, uint16_t v)
{
	put_le(o, v, 2);
}
static void put32(struct out *o, uint32_t v)
{
	put_le(o, v, 4);
}
static void put64(struct out *o, uint64_t v)
{
	put_le(o, v, 8);
}

static void align(struct out *o, size_t a)
{
	while (!o->overflow && o->len % a)
		put8(o, 0);
}

uint8_t acpi_sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;
	for (size_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

/* The 36-byte header every table but RSDP and FACS starts with; length and checksum come later. */
static size_t table_begin(struct out *o, const char sig[4], uint8_t revision)
{
	size_t at = o->len;
	put(o, sig, 4);
	put32(o, 0); /* length */
	put8(o, revision);
	put8(o, 0); /* checksum */
	put(o, "KVMINI", 6);
	put(o, "KVMINIVM", 8);
	put32(o, 1); /* OEM revision */
	put(o, "KVMI", 4);
	put32(o, 1); /* creator revision */
	return at;
}

static void table_end(struct out *o, size_t at)
{
	if (o->overflow)
		return;
	uint32_t len = (uint32_t)(o->len - at);
	for (unsigned i = 0; i < 4; i++)
		o->buf[at + 4 + i] = (uint8_t)(len >> (8 * i));
	o->buf[at + 9] = (uint8_t)-acpi_sum(o->buf + at, len);
}

/* Generic Address Structure for a register in I/O space. */
static void put_gas_io(struct out *o, uint8_t bits, uint16_t port)
{
	put8(o, port ? 1 : 0); /* address space: SystemIO */
	put8(o, port ? bits : 0);
	put8(o, 0);		      /* bit offset */
	put8(o, port ? bits / 8 : 0); /* access size: 1 byte, 2 word, 3 dword */
	put64(o, port);
}

/*
 * AML. Only what a DSDT of fixed devices needs: Scope, Device, Name, strings, small integers,
 * buffers and packages. A package's length prefix (PkgLength) counts itself, so its size in
 * bytes (1 to 3 here) depends on the length it encodes.
 */
static void aml_pkg(struct out *o, const uint8_t *op, size_t oplen, const struct out *body)
{
	size_t n = body->len;
	put(o, op, oplen);
	if (n + 1 < 0x40) {
		put8(o, (uint8_t)(n + 1));
	} else if (n + 2 < 0x1000) {
		n += 2;
		put8(o, (uint8_t)(0x40 | (n & 0xF)));
		put8(o, (uint8_t)(n >> 4));
	} else {
		n += 3;
		put8(o, (uint8_t)(0x80 | (n & 0xF)));
		put8(o, (uint8_t)(n >> 4));
		put8(o, (uint8_t)(n >> 12));
	}
	put(o, body->buf, body->len);
	if (body->overflow)
		o->overflow = true;
}

enum {
	AML_ZERO = 0x00,
	AML_NAME = 0x08,
	AML_BYTE = 0x0A,
	AML_DWORD = 0x0C,
	AML_STRING = 0x0D,
	AML_SCOPE = 0x10,
	AML_BUFFER = 0x11,
	AML_PACKAGE = 0x12,
	AML_EXT = 0x5B,
	AML_DEVICE = 0x82, /* after AML_EXT */
	AML_ROOT = '\\',
};

static void aml_integer(struct out *o, uint32_t v)
{
	if (v == 0) {
		put8(o, AML_ZERO);
	} else if (v <= 0xFF) {
		put8(o, AML_BYTE);
		put8(o, (uint8_t)v);
	} else {
		put8(o, AML_DWORD);
		put32(o, v);
	}
}

static void aml_name_string(struct out *o, const char name[4], const char *value)
{
	put8(o, AML_NAME);
	put(o, name, 4);
	put8(o, AML_STRING);
	put(o, value, strlen(value) + 1);
}

static void aml_name_integer(struct out *o, const char name[4], uint32_t v)
{
	put8(o, AML_NAME);
	put(o, name, 4);
	aml_integer(o, v);
}

/*
 * Name(_CRS, ResourceTemplate() {...}): an MMIO device's Memory32Fixed(ReadWrite, base, size)
 * and Interrupt(ResourceConsumer, Edge, ActiveHigh, Exclusive) {gsi}; an I/O device's
 * IO(Decode16, port, port, 1, length) per range and IRQNoFlags() {irq} (edge, active high,
 * exclusive: an ISA interrupt, as a PC's PNP0B00 declares IRQ 8).
 */
static void aml_crs(struct out *o, const struct plat_device *d)
{
	uint8_t res[48];
	struct out r = {.buf = res, .cap = sizeof(res)};
	for (unsigned i = 0; d->pio && i < d->nreg; i++) {
		put8(&r, 0x47); /* IO */
		put8(&r, 1);	/* decodes 16 address bits */
		put16(&r, (uint16_t)d->reg[i].base);
		put16(&r, (uint16_t)d->reg[i].base);
		put8(&r, 1); /* alignment */
		put8(&r, (uint8_t)d->reg[i].size);
	}
	if (!d->pio) {
		put8(&r, 0x86); /* Memory32Fixed */
		put16(&r, 9);
		put8(&r, 1); /* read-write */
		put32(&r, (uint32_t)d->reg[0].base);
		put32(&r, (uint32_t)d->reg[0].size);
	}
	if (d->irq >= 0 && d->pio && d->irq < 16) {
		put8(&r, 0x22); /* IRQNoFlags: a mask of ISA IRQs */
		put16(&r, (uint16_t)(1u << d->irq));
	} else if (d->irq >= 0) {
		put8(&r, 0x89); /* Extended Interrupt */
		put16(&r, 6);
		/* consumer, edge, active high, exclusive: KVM_IRQFD injects an edge */
		put8(&r, 0x03);
		put8(&r, 1);
		put32(&r, (uint32_t)d->irq);
	}
	put8(&r, 0x79); /* End Tag, checksum 0 = "not checked" */
	put8(&r, 0);

	uint8_t body[64];
	struct out b = {.buf = body, .cap = sizeof(body)};
	aml_integer(&b, (uint32_t)r.len);
	put(&b, r.buf, r.len);
	if (r.overflow)
		b.overflow = true;
	put8(o, AML_NAME);
	put(o, "_CRS", 4);
	const uint8_t op = AML_BUFFER;
	aml_pkg(o, &op, 1, &b);
}

/*
 * Name(_HID, ...): a 7-character PNP id ("PNP0B00") as the compressed EISA id integer that
 * ASL's EisaId() makes, an 8-character ACPI id ("LNRO0005") as a string.
 */
static void aml_hid(struct out *o, const char *hid)
{
	if (strlen(hid) != 7) {
		aml_name_string(o, "_HID", hid);
		return;
	}
	uint16_t vendor =
	    (uint16_t)((hid[0] - 0x40) << 10 | (hid[1] - 0x40) << 5 | (hid[2] - 0x40));
	uint32_t product = 0;
	for (unsigned i = 3; i < 7; i++) {
		char c = hid[i];
		product = product << 4 | (uint32_t)(c <= '9' ? c - '0' : c - 'A' + 10);
	}
	/* Big-endian in memory: the vendor's two bytes, then the product's. */
	aml_name_integer(o, "_HID",
			 (uint32_t)(vendor >> 8) | (uint32_t)(vendor & 0xFF) << 8 |
			     (product >> 8) << 16 | (product & 0xFF) << 24);
}

static void aml_device(struct out *o, unsigned index, const char *hid, const struct plat_device *d)
{
	uint8_t body[160];
	struct out b = {.buf = body, .cap = sizeof(body)};
	char name[5];
	/* Device names are 4 characters; D000, D001... in slot order. */
	name[0] = 'D';
	name[1] = (char)('0' + index / 100 % 10);
	name[2] = (char)('0' + index / 10 % 10);
	name[3] = (char)('0' + index % 10);
	put(&b, name, 4);
	aml_hid(&b, hid);
	aml_name_integer(&b, "_UID", index);
	aml_crs(&b, d);
	const uint8_t op[2] = {AML_EXT, AML_DEVICE};
	aml_pkg(o, op, 2, &b);
}

/* The _HID of a device the DSDT describes, or NULL for one it does not. */
static const char *dsdt_hid(const struct plat_device *d)
{
	switch (d->kind) {
	case PLAT_VIRTIO:
		return "LNRO0005";
	case PLAT_PVPANIC:
		return "QEMU0001";
	case PLAT_RTC:
		return "PNP0B00"; /* AT real-time clock */
	default:
		return NULL;
	}
}

static void build_dsdt_body(struct out *o, const struct acpi_params *p)
{
	uint8_t scope_buf[4096];
	struct out s = {.buf = scope_buf, .cap = sizeof(scope_buf)};
	put8(&s, AML_ROOT);
	put(&s, "_SB_", 4);
	unsigned n = 0;
	for (unsigned i = 0; i < p->platform->ndev; i++) {
		const char *hid = dsdt_hid(&p->platform->dev[i]);
		if (hid)
			aml_device(&s, n++, hid, &p->platform->dev[i]);
	}
	const uint8_t scope_op = AML_SCOPE;
	aml_pkg(o, &scope_op, 1, &s);

	/* Name(\_S5, Package() {SLP_TYPa, SLP_TYPb, 0, 0}): the sleep type poweroff writes. */
	uint8_t pkg_buf[16];
	struct out pk = {.buf = pkg_buf, .cap = sizeof(pkg_buf)};
	put8(&pk, 4); /* elements */
	aml_integer(&pk, ACPI_S5_SLP_TYP);
	aml_integer(&pk, ACPI_S5_SLP_TYP);
	aml_integer(&pk, 0);
	aml_integer(&pk, 0);
	put8(o, AML_NAME);
	put8(o, AML_ROOT);
	put(o, "_S5_", 4);
	const uint8_t pkg_op = AML_PACKAGE;
	aml_pkg(o, &pkg_op, 1, &pk);
}

/* Fixed ACPI Description Table, revision 6 (276 bytes): a PC with ACPI already enabled. */
static void build_fadt(struct out *o, uint16_t pm_base, bool rtc, uint64_t facs, uint64_t dsdt)
{
	size_t at = table_begin(o, "FACP", 6);
	put32(o, (uint32_t)facs);
	put32(o, (uint32_t)dsdt);
	put8(o, 0);		/* reserved */
	put8(o, 0);		/* preferred PM profile: unspecified */
	put16(o, ACPI_SCI_IRQ); /* SCI_INT */
	put32(o, 0);		/* SMI_CMD: none, so the OS finds ACPI mode already on */
	put8(o, 0);		/* ACPI_ENABLE */
	put8(o, 0);		/* ACPI_DISABLE */
	put8(o, 0);		/* S4BIOS_REQ */
	put8(o, 0);		/* PSTATE_CNT */
	put32(o, pm_base);	/* PM1a_EVT_BLK */
	put32(o, 0);		/* PM1b_EVT_BLK */
	put32(o, pm_base + 4u); /* PM1a_CNT_BLK */
	put32(o, 0);		/* PM1b_CNT_BLK */
	put32(o, 0);		/* PM2_CNT_BLK */
	put32(o, 0);		/* PM_TMR_BLK: none (kvm-clock and the TSC do better) */
	put32(o, 0);		/* GPE0_BLK */
	put32(o, 0);		/* GPE1_BLK */
	put8(o, 4);		/* PM1_EVT_LEN */
	put8(o, 2);		/* PM1_CNT_LEN */
	put8(o, 0);		/* PM2_CNT_LEN */
	put8(o, 0);		/* PM_TMR_LEN */
	put8(o, 0);		/* GPE0_BLK_LEN */
	put8(o, 0);		/* GPE1_BLK_LEN */
	put8(o, 0);		/* GPE1_BASE */
	put8(o, 0);		/* CST_CNT */
	put16(o, 101);		/* P_LVL2_LAT > 100: no C2 */
	put16(o, 1001);		/* P_LVL3_LAT > 1000: no C3 */
	put16(o, 0);		/* FLUSH_SIZE */
	put16(o, 0);		/* FLUSH_STRIDE */
	put8(o, 0);		/* DUTY_OFFSET */
	put8(o, 0);		/* DUTY_WIDTH */
	put8(o, 0);		/* DAY_ALRM */
	put8(o, 0);		/* MON_ALRM */
	put8(o, rtc ? RTC_CMOS_CENTURY : 0); /* CENTURY: its CMOS index */
	/* IAPC_BOOT_ARCH: legacy devices, an 8042, no VGA, no MSI; "no CMOS RTC" without one. */
	put16(o, (1u << 0) | (1u << 1) | (1u << 2) | (1u << 3) | (rtc ? 0 : 1u << 5));
	put8(o, 0); /* reserved */
	/* Flags: WBINVD, PROC_C1, no fixed power/sleep buttons, RTC wake not fixed. */
	put32(o, (1u << 0) | (1u << 2) | (1u << 4) | (1u << 5) | (1u << 6));
	put_gas_io(o, 0, 0);	    /* RESET_REG: none; Linux falls back to the 8042 pulse */
	put8(o, 0);		    /* RESET_VALUE */
	put16(o, 0);		    /* ARM_BOOT_ARCH */
	put8(o, 0);		    /* FADT minor version */
	put64(o, facs);		    /* X_FIRMWARE_CTRL */
	put64(o, dsdt);		    /* X_DSDT */
	put_gas_io(o, 32, pm_base); /* X_PM1a_EVT_BLK */
	put_gas_io(o, 0, 0);	    /* X_PM1b_EVT_BLK */
	put_gas_io(o, 16, (uint16_t)(pm_base + 4u)); /* X_PM1a_CNT_BLK */
	put_gas_io(o, 0, 0);			     /* X_PM1b_CNT_BLK */
	put_gas_io(o, 0, 0);			     /* X_PM2_CNT_BLK */
	put_gas_io(o, 0, 0);			     /* X_PM_TMR_BLK */
	put_gas_io(o, 0, 0);			     /* X_GPE0_BLK */
	put_gas_io(o, 0, 0);			     /* X_GPE1_BLK */
	put_gas_io(o, 0, 0);			     /* SLEEP_CONTROL_REG */
	put_gas_io(o, 0, 0);			     /* SLEEP_STATUS_REG */
	put(o, "KVMINI\0\0", 8);		     /* hypervisor vendor identity */
	table_end(o, at);
}

static void build_madt(struct out *o, const struct acpi_params *p)
{
	size_t at = table_begin(o, "APIC", 3);
	put32(o, LAPIC_ADDR);
	put32(o, 1); /* PCAT_COMPAT: the 8259s are there too */
	for (unsigned i = 0; i < p->ncpus; i++) {
		put8(o, 0); /* Processor Local APIC */
		put8(o, 8);
		put8(o, (uint8_t)i); /* ACPI processor UID */
		put8(o, (uint8_t)i); /* APIC id */
		put32(o, 1);	     /* enabled */
	}
	put8(o, 1); /* I/O APIC */
	put8(o, 12);
	put8(o, 0); /* id */
	put8(o, 0);
	put32(o, IOAPIC_ADDR);
	put32(o, 0); /* GSI base */
	/* The SCI: level-triggered, active high (KVM's IOAPIC does not invert polarity). */
	put8(o, 2); /* Interrupt Source Override */
	put8(o, 10);
	put8(o, 0); /* ISA */
	put8(o, ACPI_SCI_IRQ);
	put32(o, ACPI_SCI_IRQ);
	put16(o, 0x1 | (0x3 << 2));
	table_end(o, at);
}

long acpi_build(uint8_t *buf, size_t cap, uint64_t gpa, const struct acpi_params *p,
		struct err *err)
{
	if (p->ncpus == 0 || p->ncpus > 255)
		return err_set(err, "ACPI: %u CPUs cannot be described", p->ncpus);
	if (gpa + cap > 0x100000000ULL)
		return err_set(err, "ACPI tables must lie below 4 GiB");
	const struct plat_device *pm = platform_find(p->platform, PLAT_ACPI_PM, 0);
	if (!pm || pm->reg[0].base > 0xFFFF)
		return err_set(err, "ACPI: the platform has no PM1 registers to describe");
	for (unsigned i = 0; i < p->platform->ndev; i++) {
		const struct plat_device *d = &p->platform->dev[i];
		if (dsdt_hid(d) && d->reg[0].base + d->reg[0].size > 0x100000000ULL)
			return err_set(err, "ACPI: device %u lies above 4 GiB", i);
		for (unsigned k = 0; dsdt_hid(d) && d->pio && k < d->nreg; k++)
			if (d->reg[k].base + d->reg[k].size > 0x10000 || d->reg[k].size > 0xFF)
				return err_set(err, "ACPI: device %u has ports an IO() cannot name",
					       i);
	}

	struct out o = {.buf = buf, .cap = cap};
	/* RSDP (revision 2): its own two checksums, no common header. */
	put(&o, "RSD PTR ", 8);
	put8(&o, 0);
	put(&o, "KVMINI", 6);
	put8(&o, 2);
	put32(&o, 0); /* no RSDT: every kernel that reads revision 2 uses the XSDT */
	put32(&o, 36);
	const size_t xsdt_ptr = o.len;
	put64(&o, 0);
	put8(&o, 0);
	put(&o, "\0\0\0", 3);

	align(&o, 64); /* the FACS must be 64-byte aligned */
	const uint64_t facs = gpa + o.len;
	put(&o, "FACS", 4);
	put32(&o, 64);
	put32(&o, 0); /* hardware signature */
	put32(&o, 0); /* firmware waking vector */
	put32(&o, 0); /* global lock */
	put32(&o, 0); /* flags */
	put64(&o, 0); /* X waking vector */
	put8(&o, 2);  /* version */
	while (!o.overflow && o.len < facs - gpa + 64)
		put8(&o, 0);

	align(&o, 8);
	const uint64_t dsdt = gpa + o.len;
	size_t at = table_begin(&o, "DSDT", 2);
	build_dsdt_body(&o, p);
	table_end(&o, at);

	align(&o, 8);
	const uint64_t fadt = gpa + o.len;
	build_fadt(&o, (uint16_t)pm->reg[0].base, platform_find(p->platform, PLAT_RTC, 0) != NULL,
		   facs, dsdt);

	align(&o, 8);
	const uint64_t madt = gpa + o.len;
	build_madt(&o, p);

	align(&o, 8);
	const uint64_t xsdt = gpa + o.len;
	at = table_begin(&o, "XSDT", 1);
	put64(&o, fadt);
	put64(&o, madt);
	table_end(&o, at);

	if (o.overflow)
		return err_set(err, "ACPI tables need more than %zu bytes (a kvmini bug)", cap);
	for (unsigned i = 0; i < 8; i++)
		buf[xsdt_ptr + i] = (uint8_t)(xsdt >> (8 * i));
	buf[8] = (uint8_t)-acpi_sum(buf, 20);
	buf[32] = (uint8_t)-acpi_sum(buf, 36);
	return (long)o.len;
}
