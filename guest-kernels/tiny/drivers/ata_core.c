/*
 * ATA device-level commands and bring-up, as libata-core.c is to libata-sff.c: no-data
 * commands (SET MULTIPLE, SET FEATURES), IDENTIFY DEVICE and its parsing, the soft reset
 * with device check and classification, the port from the device tree, error strings and
 * the whole probe. Commands go through ata_exec in ata.c (the SFF layer).
 */
#include "drivers/ata.h"
#include "drivers/ata_priv.h"
#include "arch/apic.h"
#include "arch/irq.h"
#include "boot/boot.h"
#include "drivers/watchdog.h"
#include "lib/heap.h"
#include "lib/printf.h"
#include "lib/string.h"

#define ATA_DEV_NONE	0
#define ATA_DEV_ATA	1
#define ATA_DEV_UNKNOWN 2
#define ATA_DEV_OTHER	3 /* ATAPI, port multiplier...: not ours */

#define WAIT_READY_TRIES 1000000 /* status polls while BSY after reset (the watchdog bounds it) */

unsigned ata_exec_nodata(struct ata_port *ap, struct ata_qc *qc, u8 command, u8 feature, u8 nsect)
{
	ata_tf_init(ap, qc);
	qc->tf.flags |= ATA_TFLAG_ISADDR | ATA_TFLAG_DEVICE;
	qc->tf.protocol = ATA_PROT_NODATA;
	qc->tf.command = command;
	qc->tf.feature = feature;
	qc->tf.nsect = nsect;
	qc->result_wanted = true; /* libata's internal commands always read it */
	return ata_exec(ap, qc);
}

unsigned ata_set_multiple(struct ata_port *ap, unsigned count)
{
	static struct ata_qc qc;

	if (count > 255)
		return AC_ERR_INVALID;
	return ata_exec_nodata(ap, &qc, ATA_CMD_SET_MULTI, 0, (u8)count);
}

unsigned ata_set_xfermode(struct ata_port *ap, u8 mode)
{
	static struct ata_qc qc;

	ata_tf_init(ap, &qc);
	qc.tf.flags |= ATA_TFLAG_ISADDR | ATA_TFLAG_DEVICE | ATA_TFLAG_POLLING;
	qc.tf.protocol = ATA_PROT_NODATA;
	qc.tf.command = ATA_CMD_SET_FEATURES;
	qc.tf.feature = SETFEATURES_XFER;
	qc.tf.nsect = mode;
	qc.result_wanted = true;
	return ata_exec(ap, &qc);
}

/* ata_id_string: two characters per word, high byte first; ata_id_c_string trims. */
static void id_string(const u16 *id, char *s, unsigned ofs, unsigned len)
{
	for (unsigned i = 0; i < len; i += 2) {
		s[i] = (char)(id[ofs + i / 2] >> 8);
		s[i + 1] = (char)(id[ofs + i / 2] & 0xff);
	}
	s[len] = '\0';
	for (int i = (int)len - 1; i >= 0 && (s[i] == ' ' || s[i] == '\0'); i--)
		s[i] = '\0';
}

static bool is_power_of_2(unsigned n)
{
	return n && !(n & (n - 1));
}

/* The parts of ata_dev_configure the driver needs. */
static void configure(struct ata_port *ap)
{
	const u16 *id = ap->id;

	id_string(id, ap->serial, 10, 20);
	id_string(id, ap->firmware, 23, 8);
	id_string(id, ap->model, 27, 40);
	ap->lba = id[49] & (1u << 9);
	u64 lba48_cap = (u64)id[100] | (u64)id[101] << 16 | (u64)id[102] << 32 | (u64)id[103] << 48;
	/* ata_id_has_lba48: word 83 valid, a 48-bit capacity, and the feature bit. */
	ap->lba48 = ap->lba && (id[83] & 0xc000) == 0x4000 && lba48_cap && (id[83] & (1u << 10));
	if (ap->lba48)
		ap->n_sectors = lba48_cap;
	else if (ap->lba)
		ap->n_sectors = (u64)id[60] | (u64)id[61] << 16;
	else
		ap->n_sectors = (u64)id[1] * id[3] * id[6];
	/* The current R/W multiple setting; libata never sends SET MULTIPLE itself. */
	ap->max_multi = 0;
	ap->multi_count = 0;
	if ((id[47] >> 8) == 0x80) {
		unsigned max = id[47] & 0xff, cnt = id[59] & 0xff;

		ap->max_multi = max;
		if (is_power_of_2(max) && is_power_of_2(cnt) && cnt <= max)
			ap->multi_count = cnt;
	}
	/* ata_id_pio_mask: word 64 (modes 3, 4) when word 53 says it is valid, else word 51. */
	if ((id[53] & 2) && (id[64] & 3))
		ap->pio_mode = (id[64] & 2) ? 4 : 3;
	else
		ap->pio_mode = (id[51] >> 8) <= 2 ? id[51] >> 8 : 0;
}

unsigned ata_identify(struct ata_port *ap)
{
	static struct ata_qc qc;

	ata_tf_init(ap, &qc);
	qc.tf.flags |= ATA_TFLAG_ISADDR | ATA_TFLAG_DEVICE | ATA_TFLAG_POLLING;
	qc.tf.protocol = ATA_PROT_PIO;
	qc.tf.command = ATA_CMD_ID_ATA;
	qc.buf = (u8 *)ap->id;
	qc.nbytes = sizeof(ap->id);
	qc.result_wanted = true;
	unsigned err = ata_exec(ap, &qc);
	if (!err)
		configure(ap);
	return err;
}

/* ata_devchk: a device is there if nsect and lbal keep what was written. */
static bool devchk(struct ata_port *ap, unsigned device)
{
	ata_sff_dev_select(ap, device);
	ata_outb(ap, 0x55, ATA_REG_NSECT);
	ata_outb(ap, 0xaa, ATA_REG_LBAL);
	ata_outb(ap, 0xaa, ATA_REG_NSECT);
	ata_outb(ap, 0x55, ATA_REG_LBAL);
	ata_outb(ap, 0x55, ATA_REG_NSECT);
	ata_outb(ap, 0xaa, ATA_REG_LBAL);
	u8 nsect = ata_inb(ap, ATA_REG_NSECT), lbal = ata_inb(ap, ATA_REG_LBAL);
	return nsect == 0x55 && lbal == 0xaa;
}

/* ata_sff_wait_ready: BSY clear (0), no device (0xff: -1), or the watchdog (-2). */
static int wait_ready(struct ata_port *ap)
{
	for (unsigned i = 0; i < WAIT_READY_TRIES && !watchdog_fired(); i++) {
		u8 status = ata_sff_check_status(ap);

		if (!(status & ATA_BUSY))
			return 0;
		if (status == 0xff)
			return -1;
	}
	return -2;
}

/* ata_sff_dev_classify */
static int classify(struct ata_port *ap, unsigned device, bool present, u8 *r_err,
		    struct ata_taskfile *out)
{
	struct ata_taskfile tf;
	bool diag_failed = false;
	int class;

	ata_sff_dev_select(ap, device);
	memset(&tf, 0, sizeof(tf));
	ata_tf_read(ap, &tf);
	if (out)
		*out = tf;
	*r_err = tf.error;
	if (tf.error == 0)
		diag_failed = true;
	else if (tf.error == 1 || (device == 0 && tf.error == 0x81))
		;
	else
		return ATA_DEV_NONE;
	/* ata_dev_classify: the signature is in LBA mid/high. */
	if (tf.lbam == 0 && tf.lbah == 0)
		class = ATA_DEV_ATA;
	else if ((tf.lbam == 0x14 && tf.lbah == 0xeb) || (tf.lbam == 0x69 && tf.lbah == 0x96) ||
		 (tf.lbam == 0x3c && tf.lbah == 0xc3) || (tf.lbam == 0xcd && tf.lbah == 0xab))
		class = ATA_DEV_OTHER;
	else
		class = ATA_DEV_UNKNOWN;
	if (class == ATA_DEV_UNKNOWN)
		class = present && diag_failed ? ATA_DEV_ATA : ATA_DEV_NONE;
	else if (class == ATA_DEV_ATA && ata_sff_check_status(ap) == 0)
		class = ATA_DEV_NONE;
	return class;
}

int ata_softreset(struct ata_port *ap, struct ata_taskfile *sig)
{
	unsigned devmask = 0;
	int class0, class1 = ATA_DEV_NONE;
	u8 err;

	/* ata_sff_prereset */
	if (wait_ready(ap) == -1)
		return -1;
	/* ata_sff_softreset: who answers (a slave is possible on an ISA channel) */
	if (devchk(ap, 0))
		devmask |= 1;
	if (devchk(ap, 1))
		devmask |= 2;
	ata_sff_dev_select(ap, 0);
	/* ata_bus_softreset: SRST pulsed through the device control register */
	ata_sff_set_devctl(ap, ap->ctl);
	ata_sff_set_devctl(ap, ap->ctl | ATA_SRST);
	ata_sff_set_devctl(ap, ap->ctl);
	ap->last_ctl = ap->ctl;
	/* ata_sff_wait_after_reset */
	if (wait_ready(ap))
		return -1;
	if (devmask & 2) {
		ata_sff_dev_select(ap, 1);
		for (int i = 0; i < 2; i++) {
			u8 nsect = ata_inb(ap, ATA_REG_NSECT), lbal = ata_inb(ap, ATA_REG_LBAL);

			if (nsect == 1 && lbal == 1)
				break;
		}
		wait_ready(ap);
	}
	ata_sff_dev_select(ap, 0);
	if (devmask & 2)
		ata_sff_dev_select(ap, 1);
	if (devmask & 1)
		ata_sff_dev_select(ap, 0);
	class0 = classify(ap, 0, devmask & 1, &err, sig);
	if (err != 0x81)
		class1 = classify(ap, 1, devmask & 2, &err, NULL);
	/* ata_sff_postreset: the double select, then the device control register */
	if (class0 != ATA_DEV_NONE)
		ata_sff_dev_select(ap, 1);
	if (class1 != ATA_DEV_NONE)
		ata_sff_dev_select(ap, 0);
	if (class0 == ATA_DEV_NONE && class1 == ATA_DEV_NONE)
		return -1;
	ata_sff_set_devctl(ap, ap->ctl);
	ap->last_ctl = ap->ctl;
	ap->hsm_task_state = HSM_ST_IDLE;
	return class0 == ATA_DEV_ATA ? 0 : -1;
}

const char *ata_port_init(struct ata_port *ap, struct fdt *fdt)
{
	u32 ac = 2, sc = 1, cells[8];

	memset(ap, 0, sizeof(*ap));
	ap->node = fdt_node_by_compatible(fdt, "ata-generic");
	if (ap->node < 0)
		return "no IDE controller (ata-generic) in the device tree (kvmini --ide PATH)";
	int parent = fdt_parent(fdt, ap->node);
	fdt_getprop_u32(fdt, parent, "#address-cells", &ac);
	fdt_getprop_u32(fdt, parent, "#size-cells", &sc);
	/* ISA: <space addr size>, space 1 = I/O; the command block, then the control block. */
	int n = fdt_read_cells(fdt, ap->node, "reg", cells, 8);
	if (ac != 2 || sc != 1 || n < 6 || cells[0] != 1 || cells[3] != 1 || cells[2] < 8 ||
	    cells[5] < 1 || cells[1] > 0xfff8 || cells[4] > 0xffff)
		return "ata-generic node: want reg = <1 CMD 8 1 CTL 1> on an ISA bus";
	ap->cmd_addr = (u16)cells[1];
	ap->ctl_addr = (u16)cells[4];
	ap->ctl = ATA_DEVCTL_OBS;
	ap->last_ctl = 0xff; /* unknown: the first task file load writes it */
	ap->hsm_task_state = HSM_ST_IDLE;
	const char *err = irq_request_dt(fdt, ap->node, ata_interrupt, ap);
	if (!err)
		irq_set_probe(ata_interrupt, ap, ata_irq_pending);
	return err;
}

const char *ata_err_string(unsigned err_mask, const struct ata_taskfile *r, char *buf, size_t len)
{
	static const struct {
		u8 bit;
		const char *name;
	} errs[] = {{ATA_ICRC, " ICRC"}, {ATA_UNC, " UNC"},   {0x20, " MC"}, {ATA_IDNF, " IDNF"},
		    {0x08, " MCR"},	 {ATA_ABRT, " ABRT"}, {0x02, " NM"}, {0x01, " AMNF"}};
	char names[48] = "";
	size_t o = 0;

	if (!err_mask) {
		snprintf(buf, len, "ok");
		return buf;
	}
	if (err_mask & AC_ERR_INVALID) {
		snprintf(buf, len, "request not expressible (range or size)");
		return buf;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(errs); i++) {
		if ((r->error & errs[i].bit) && o + 6 < sizeof(names)) {
			for (const char *p = errs[i].name; *p; p++)
				names[o++] = *p;
			names[o] = '\0';
		}
	}
	snprintf(buf, len, "%s%s%sstatus 0x%02x error 0x%02x%s",
		 err_mask & AC_ERR_TIMEOUT ? "timeout, " : "",
		 err_mask & AC_ERR_HSM ? "protocol violation, " : "",
		 err_mask & AC_ERR_DEV ? "device error, " : "", r->status, r->error,
		 (r->status & ATA_ERR) ? names : "");
	return buf;
}

int ata_probe(struct boot_params *bp, struct ata_port *ap, const char *who, unsigned multi,
	      u32 watchdog_ms)
{
	static struct fdt fdt;
	char why[96];
	const char *err = boot_dt(bp, &fdt);
	unsigned e;

	if (!err)
		err = apic_init(&fdt);
	if (!err)
		err = ata_port_init(ap, &fdt);
	if (err) {
		printf("%s: %s\n", who, err);
		return -1;
	}
	heap_init(bp);
	if (watchdog_ms && watchdog_arm(watchdog_ms)) {
		printf("%s: cannot arm the watchdog\n", who);
		return -1;
	}
	struct ata_taskfile sig;
	if (ata_softreset(ap, &sig)) {
		printf("%s: no ATA device answered the reset (signature %02x %02x %02x %02x)\n",
		       who, sig.nsect, sig.lbal, sig.lbam, sig.lbah);
		return -1;
	}
	if (multi && (e = ata_set_multiple(ap, multi))) {
		printf("%s: SET MULTIPLE MODE %u: %s\n", who, multi,
		       ata_err_string(e, &ap->result, why, sizeof(why)));
		return -1;
	}
	if ((e = ata_identify(ap))) {
		printf("%s: IDENTIFY DEVICE: %s\n", who,
		       ata_err_string(e, &ap->result, why, sizeof(why)));
		return -1;
	}
	if (!ap->lba) {
		printf("%s: the drive has no LBA addressing\n", who);
		return -1;
	}
	if ((e = ata_set_xfermode(ap, (u8)(XFER_PIO_0 + ap->pio_mode)))) {
		printf("%s: SET FEATURES transfer mode PIO%u: %s\n", who, ap->pio_mode,
		       ata_err_string(e, &ap->result, why, sizeof(why)));
		return -1;
	}
	if (multi && ap->multi_count != multi) {
		printf("%s: multi=%u asked, but IDENTIFY word 59 says %u\n", who, multi,
		       ap->multi_count);
		return -1;
	}
	return 0;
}
