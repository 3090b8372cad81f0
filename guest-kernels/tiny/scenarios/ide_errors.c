/*
 * test=ide-errors: the IDE device's error paths, seen from the guest through the ATA driver.
 * Run it on a read-only drive (kvmini --ide PATH,ro): one check is that writes fail. Each check
 * prints "ide-errors: WHAT: ok (DETAIL)" or "ide-errors: WHAT: FAIL (DETAIL)", then
 * "ide-errors: N/M checks ok"; the exit status is 0 only if all are ok.
 */
#include "scenarios/scenario.h"
#include "scenarios/ide_common.h"
#include "arch/apic.h"
#include "arch/io.h"
#include "lib/heap.h"
#include "lib/printf.h"
#include "lib/string.h"

#define SECTOR	      1	   /* the sector the data checks use */
#define UNKNOWN_CMD   0xf5 /* SECURITY FREEZE LOCK: kvmini implements no security feature set */
#define XFER_UDMA_0   0x40
#define MULTI_SECTORS 8

static char detail[160];
static u8 *before, *buf; /* sector SECTOR as first read; scratch (MULTI_SECTORS sectors) */
static struct ata_qc qc;

/* The command failed with ERR and exactly this error register. */
static bool failed_with(struct ata_port *ap, unsigned e, u8 error)
{
	char why[96];

	snprintf(detail, sizeof(detail), "%s", ata_err_string(e, &ap->result, why, sizeof(why)));
	return e == AC_ERR_DEV && (ap->result.status & ATA_ERR) && ap->result.error == error;
}

/* Sector SECTOR still reads as it did at the start. */
static bool sector_unchanged(struct ata_port *ap)
{
	return !ata_rw(ap, false, SECTOR, 1, buf) && !memcmp(buf, before, ATA_SECT_SIZE);
}

static bool check_unknown_command(struct ata_port *ap)
{
	return failed_with(ap, ata_exec_nodata(ap, &qc, UNKNOWN_CMD, 0, 0), ATA_ABRT);
}

static bool check_past_end(struct ata_port *ap)
{
	return failed_with(ap, ata_rw(ap, false, ap->n_sectors, 1, buf), ATA_IDNF);
}

static bool check_across_end(struct ata_port *ap)
{
	return failed_with(ap, ata_rw(ap, false, ap->n_sectors - 1, 2, buf), ATA_IDNF);
}

static bool check_lba48_past_end(struct ata_port *ap)
{
	ap->force_lba48 = true;
	unsigned e = ata_rw(ap, false, ap->n_sectors, 1, buf);
	ap->force_lba48 = false;
	bool ok = failed_with(ap, e, ATA_IDNF);
	if (ok && !ap->lba48) {
		snprintf(detail, sizeof(detail), "the drive does not offer LBA48");
		return false;
	}
	return ok;
}

static bool check_multiple_before_set(struct ata_port *ap)
{
	if (ap->id[59] || ap->multi_count) {
		snprintf(detail, sizeof(detail), "IDENTIFY word 59 is 0x%04x, want 0 at power-on",
			 ap->id[59]);
		return false;
	}
	ap->multi_count = MULTI_SECTORS; /* only to make the driver pick READ MULTIPLE */
	int rc = ata_build_rw_tf(ap, &qc, false, 0, MULTI_SECTORS, buf);
	ap->multi_count = 0;
	if (rc || qc.tf.command != ATA_CMD_READ_MULTI) {
		snprintf(detail, sizeof(detail), "driver built no READ MULTIPLE");
		return false;
	}
	return failed_with(ap, ata_exec(ap, &qc), ATA_ABRT);
}

static bool check_set_multiple_bad(struct ata_port *ap)
{
	return failed_with(ap, ata_set_multiple(ap, 3), ATA_ABRT);
}

/* SET MULTIPLE 4, READ MULTIPLE of 8 sectors equals READ SECTORS; then multiple mode off. */
static bool check_multiple_works(struct ata_port *ap)
{
	unsigned e;
	char why[96];
	u16 word59;

	if ((e = ata_set_multiple(ap, 4)) || (e = ata_identify(ap))) {
		snprintf(detail, sizeof(detail), "SET MULTIPLE 4 / IDENTIFY: %s",
			 ata_err_string(e, &ap->result, why, sizeof(why)));
		return false;
	}
	word59 = ap->id[59];
	if (ap->multi_count != 4) {
		snprintf(detail, sizeof(detail), "word 59 is 0x%04x after SET MULTIPLE 4", word59);
		return false;
	}
	if ((e = ata_rw(ap, false, 0, MULTI_SECTORS, buf))) {
		snprintf(detail, sizeof(detail), "READ MULTIPLE: %s",
			 ata_err_string(e, &ap->result, why, sizeof(why)));
		return false;
	}
	u8 *single = heap_alloc(MULTI_SECTORS * ATA_SECT_SIZE);
	if (!single || (e = ata_set_multiple(ap, 0)) || (e = ata_identify(ap)) || ap->multi_count ||
	    (e = ata_rw(ap, false, 0, MULTI_SECTORS, single))) {
		snprintf(detail, sizeof(detail), "multiple mode off, READ SECTORS: %s",
			 ata_err_string(e, &ap->result, why, sizeof(why)));
		return false;
	}
	snprintf(detail, sizeof(detail), "word 59 0x%04x, %u sectors by 2 blocks of 4", word59,
		 MULTI_SECTORS);
	return !memcmp(buf, single, MULTI_SECTORS * ATA_SECT_SIZE);
}

static bool check_ro_write(struct ata_port *ap)
{
	pattern_fill(buf, 5, SECTOR, MULTI_SECTORS);
	if (!memcmp(buf, before, ATA_SECT_SIZE))
		buf[0] ^= 0xff; /* make sure a write would show */
	unsigned e = ata_rw(ap, true, SECTOR, 1, buf);
	if (!e) {
		snprintf(detail, sizeof(detail), "the write succeeded: run with --ide PATH,ro");
		return false;
	}
	if (!failed_with(ap, e, ATA_ABRT))
		return false;
	char first[96];
	snprintf(first, sizeof(first), "%s", detail);
	/* Several sectors, the first data block polled and the rest by interrupt. */
	if (!failed_with(ap, ata_rw(ap, true, SECTOR, MULTI_SECTORS, buf), ATA_ABRT))
		return false;
	bool same = sector_unchanged(ap);
	snprintf(detail, sizeof(detail), "%s, 8 sectors too; sector %u %s", first, SECTOR,
		 same ? "unchanged" : "CHANGED");
	return same;
}

static bool tf_equal(const struct ata_taskfile *a, const struct ata_taskfile *b)
{
	return a->status == b->status && a->error == b->error && a->nsect == b->nsect &&
	       a->lbal == b->lbal && a->lbam == b->lbam && a->lbah == b->lbah &&
	       a->device == b->device;
}

/* IN/OUT on the data port while no transfer is pending. */
static bool check_data_port_idle(struct ata_port *ap)
{
	static u16 words[256];
	struct ata_taskfile t0, t1;
	u16 port = (u16)(ap->cmd_addr + ATA_REG_DATA);
	bool all_ones = true;

	irq_take_pending(); /* any interrupt left from earlier checks */
	unsigned irqs0 = ap->irqs;
	memset(&t0, 0, sizeof(t0));
	memset(&t1, 0, sizeof(t1));
	ata_tf_read(ap, &t0);
	if (t0.status & ATA_DRQ) {
		snprintf(detail, sizeof(detail), "DRQ is set (status 0x%02x)", t0.status);
		return false;
	}
	u16 w = inw(port);
	insw(port, words, 256);
	for (unsigned i = 0; i < 256; i++)
		all_ones &= words[i] == 0xffff;
	memset(words, 0x5a, sizeof(words));
	outsw(port, words, 256);
	outw(0x1234, port);
	ata_tf_read(ap, &t1);
	irq_take_pending();
	bool same_tf = tf_equal(&t0, &t1), no_irq = ap->irqs == irqs0;
	bool same_data = sector_unchanged(ap);
	snprintf(detail, sizeof(detail), "inw 0x%04x, rep insw %s, task file %s, %s, sector %u %s",
		 w, all_ones ? "all 0xffff" : "GOT DATA", same_tf ? "unchanged" : "CHANGED",
		 no_irq ? "no interrupt" : "AN INTERRUPT", SECTOR,
		 same_data ? "unchanged" : "CHANGED");
	return w == 0xffff && all_ones && same_tf && no_irq && same_data;
}

static bool check_srst_signature(struct ata_port *ap)
{
	struct ata_taskfile sig;

	ata_outb(ap, ATA_DEVICE_OBS, ATA_REG_DEVICE);
	ata_outb(ap, 0x12, ATA_REG_NSECT);
	ata_outb(ap, 0x34, ATA_REG_LBAL);
	ata_outb(ap, 0x56, ATA_REG_LBAM);
	ata_outb(ap, 0x78, ATA_REG_LBAH);
	u8 n = ata_inb(ap, ATA_REG_NSECT), l = ata_inb(ap, ATA_REG_LBAL);
	u8 m = ata_inb(ap, ATA_REG_LBAM), h = ata_inb(ap, ATA_REG_LBAH);
	memset(&sig, 0, sizeof(sig));
	int rc = ata_softreset(ap, &sig);
	bool ok = n == 0x12 && l == 0x34 && m == 0x56 && h == 0x78 && rc == 0 && sig.nsect == 1 &&
		  sig.lbal == 1 && sig.lbam == 0 && sig.lbah == 0 && sig.error == 1;
	bool usable = !ata_identify(ap) && sector_unchanged(ap);
	snprintf(detail, sizeof(detail),
		 "before %02x %02x %02x %02x, after SRST %02x %02x %02x %02x error 0x%02x, "
		 "drive %s",
		 n, l, m, h, sig.nsect, sig.lbal, sig.lbam, sig.lbah, sig.error,
		 usable ? "usable" : "NOT USABLE");
	return ok && usable;
}

static bool check_bad_xfer_mode(struct ata_port *ap)
{
	return failed_with(ap, ata_set_xfermode(ap, XFER_UDMA_0), ATA_ABRT);
}

static const struct {
	const char *name;
	bool (*run)(struct ata_port *ap);
} checks[] = {
    {"unknown command 0xf5", check_unknown_command},
    {"read at LBA = capacity", check_past_end},
    {"read across the end", check_across_end},
    {"READ SECTORS EXT past the end", check_lba48_past_end},
    {"READ MULTIPLE before SET MULTIPLE", check_multiple_before_set},
    {"SET MULTIPLE 3 (not a power of two)", check_set_multiple_bad},
    {"READ MULTIPLE after SET MULTIPLE 4", check_multiple_works},
    {"SET FEATURES transfer mode UDMA0", check_bad_xfer_mode},
    {"write on a read-only drive", check_ro_write},
    {"data port with DRQ clear", check_data_port_idle},
    {"SRST restores the signature", check_srst_signature},
};

int scenario_ide_errors(struct boot_params *bp)
{
	struct ata_port *ap = &ide_port;
	unsigned ok = 0;

	if (ide_setup(bp, "ide-errors", ap))
		return 1;
	before = heap_alloc(ATA_SECT_SIZE);
	buf = heap_alloc(MULTI_SECTORS * ATA_SECT_SIZE);
	if (!before || !buf) {
		printf("ide-errors: out of memory\n");
		return 1;
	}
	unsigned e = ata_rw(ap, false, SECTOR, 1, before);
	if (e) {
		ide_report(ap, "ide-errors", "read", SECTOR, 1, e);
		return 1;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(checks); i++) {
		detail[0] = '\0';
		ide_watchdog();
		bool pass = checks[i].run(ap);
		printf("ide-errors: %s: %s (%s)\n", checks[i].name, pass ? "ok" : "FAIL", detail);
		ok += pass;
	}
	printf("ide-errors: %u/%u checks ok\n", ok, (unsigned)ARRAY_SIZE(checks));
	return ok == ARRAY_SIZE(checks) ? 0 : 1;
}
