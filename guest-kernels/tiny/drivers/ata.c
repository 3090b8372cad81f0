/*
 * ATA PIO on the primary channel, following Linux 6.1's libata-sff.c step for step (see
 * ata.h for the per-command register sequence). Function names follow libata's so the two
 * read side by side: ata_sff_qc_issue -> qc_issue, ata_sff_hsm_move -> hsm_move, ...
 * What libata does with timers (udelay between status polls, ndelay(400) in ata_sff_pause)
 * is left out: each register access is a VM exit, which takes longer than those delays.
 */
#include "drivers/ata.h"
#include "arch/apic.h"
#include "arch/io.h"
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

u8 ata_inb(const struct ata_port *ap, unsigned reg)
{
	return inb((u16)(ap->cmd_addr + reg));
}

void ata_outb(const struct ata_port *ap, u8 val, unsigned reg)
{
	outb(val, (u16)(ap->cmd_addr + reg));
}

u8 ata_altstatus(const struct ata_port *ap)
{
	return inb(ap->ctl_addr);
}

/* ata_sff_check_status: reading Status also clears the device's INTRQ. */
static u8 check_status(struct ata_port *ap)
{
	return ata_inb(ap, ATA_REG_STATUS);
}

/* ata_sff_sync / ata_sff_pause: an alternate-status read flushes and delays. */
static void sff_sync(struct ata_port *ap)
{
	(void)ata_altstatus(ap);
}

static void sff_pause(struct ata_port *ap)
{
	sff_sync(ap);
}

/* ata_sff_busy_wait: status reads until none of bits is set (at most max reads). */
static u8 busy_wait(struct ata_port *ap, u8 bits, unsigned max)
{
	u8 status;

	do {
		status = check_status(ap);
		max--;
	} while (status != 0xff && (status & bits) && max > 0);
	return status;
}

/* ata_wait_idle: BSY and DRQ clear; usually a single status read. */
static u8 wait_idle(struct ata_port *ap)
{
	return busy_wait(ap, ATA_BUSY | ATA_DRQ, 1000);
}

/* ata_sff_dev_select: device register, then the pause. */
static void dev_select(struct ata_port *ap, unsigned device)
{
	ata_outb(ap, device ? ATA_DEVICE_OBS | ATA_DEV1 : ATA_DEVICE_OBS, ATA_REG_DEVICE);
	sff_pause(ap);
}

/* ata_dev_select with wait (what ata_sff_qc_issue uses): idle, select, idle. */
static void dev_select_wait(struct ata_port *ap, unsigned device)
{
	wait_idle(ap);
	dev_select(ap, device);
	wait_idle(ap);
}

static void set_devctl(struct ata_port *ap, u8 ctl)
{
	outb(ctl, ap->ctl_addr);
}

/* ata_sff_irq_on: nIEN off, then wait idle (which clears a pending INTRQ). */
static void irq_on(struct ata_port *ap)
{
	ap->ctl &= (u8)~ATA_NIEN;
	ap->last_ctl = ap->ctl;
	set_devctl(ap, ap->ctl);
	wait_idle(ap);
}

/* ata_sff_freeze: nIEN on, and a status read for an INTRQ that nIEN did not mask. */
static void freeze(struct ata_port *ap)
{
	ap->ctl |= ATA_NIEN;
	ap->last_ctl = ap->ctl;
	set_devctl(ap, ap->ctl);
	check_status(ap);
	ap->frozen = true;
}

/* ata_sff_thaw */
static void thaw(struct ata_port *ap)
{
	check_status(ap);
	irq_on(ap);
	ap->frozen = false;
}

/* ata_sff_tf_load */
static void tf_load(struct ata_port *ap, const struct ata_taskfile *tf)
{
	bool is_addr = tf->flags & ATA_TFLAG_ISADDR;

	if (tf->ctl != ap->last_ctl) {
		set_devctl(ap, tf->ctl);
		ap->last_ctl = tf->ctl;
		wait_idle(ap);
	}
	if (is_addr && (tf->flags & ATA_TFLAG_LBA48)) {
		ata_outb(ap, tf->hob_feature, ATA_REG_FEATURE);
		ata_outb(ap, tf->hob_nsect, ATA_REG_NSECT);
		ata_outb(ap, tf->hob_lbal, ATA_REG_LBAL);
		ata_outb(ap, tf->hob_lbam, ATA_REG_LBAM);
		ata_outb(ap, tf->hob_lbah, ATA_REG_LBAH);
	}
	if (is_addr) {
		ata_outb(ap, tf->feature, ATA_REG_FEATURE);
		ata_outb(ap, tf->nsect, ATA_REG_NSECT);
		ata_outb(ap, tf->lbal, ATA_REG_LBAL);
		ata_outb(ap, tf->lbam, ATA_REG_LBAM);
		ata_outb(ap, tf->lbah, ATA_REG_LBAH);
	}
	if (tf->flags & ATA_TFLAG_DEVICE)
		ata_outb(ap, tf->device, ATA_REG_DEVICE);
	wait_idle(ap);
}

void ata_tf_read(struct ata_port *ap, struct ata_taskfile *tf)
{
	tf->status = check_status(ap);
	tf->error = ata_inb(ap, ATA_REG_ERR);
	tf->nsect = ata_inb(ap, ATA_REG_NSECT);
	tf->lbal = ata_inb(ap, ATA_REG_LBAL);
	tf->lbam = ata_inb(ap, ATA_REG_LBAM);
	tf->lbah = ata_inb(ap, ATA_REG_LBAH);
	tf->device = ata_inb(ap, ATA_REG_DEVICE);
	if (tf->flags & ATA_TFLAG_LBA48) {
		/* HOB set: the registers read back the bytes written before the last ones. */
		set_devctl(ap, ap->ctl | ATA_HOB);
		tf->hob_feature = ata_inb(ap, ATA_REG_ERR);
		tf->hob_nsect = ata_inb(ap, ATA_REG_NSECT);
		tf->hob_lbal = ata_inb(ap, ATA_REG_LBAL);
		tf->hob_lbam = ata_inb(ap, ATA_REG_LBAM);
		tf->hob_lbah = ata_inb(ap, ATA_REG_LBAH);
		set_devctl(ap, ap->ctl);
		ap->last_ctl = ap->ctl;
	}
}

/* ata_sff_exec_command */
static void exec_command(struct ata_port *ap, const struct ata_taskfile *tf)
{
	ata_outb(ap, tf->command, ATA_REG_CMD);
	sff_pause(ap);
}

static bool is_multi_taskfile(const struct ata_taskfile *tf)
{
	return tf->command == ATA_CMD_READ_MULTI || tf->command == ATA_CMD_WRITE_MULTI ||
	       tf->command == ATA_CMD_READ_MULTI_EXT || tf->command == ATA_CMD_WRITE_MULTI_EXT;
}

/* ata_pio_xfer via ata_sff_data_xfer: one string instruction for the whole piece. */
static void pio_xfer(struct ata_port *ap, u8 *buf, u32 len, bool write)
{
	if (write)
		outsw((u16)(ap->cmd_addr + ATA_REG_DATA), buf, len / 2);
	else
		insw((u16)(ap->cmd_addr + ATA_REG_DATA), buf, len / 2);
}

/* ata_pio_sector: one sector, split (as Linux does) only where it crosses a page. */
static void pio_sector(struct ata_port *ap, struct ata_qc *qc)
{
	bool write = qc->tf.flags & ATA_TFLAG_WRITE;

	if (qc->curbytes >= qc->nbytes)
		return; /* the device asks for more than the command has: nothing to move */
	if (qc->curbytes == qc->nbytes - ATA_SECT_SIZE)
		ap->hsm_task_state = HSM_ST_LAST;
	u8 *buf = qc->buf + qc->curbytes;
	u32 offset = (u32)((uintptr_t)buf & (PAGE_SIZE - 1));
	if (offset + ATA_SECT_SIZE > PAGE_SIZE) {
		u32 split = (u32)PAGE_SIZE - offset;

		pio_xfer(ap, buf, split, write);
		pio_xfer(ap, buf + split, ATA_SECT_SIZE - split, write);
	} else {
		pio_xfer(ap, buf, ATA_SECT_SIZE, write);
	}
	qc->curbytes += ATA_SECT_SIZE;
	if (qc->curbytes == qc->nbytes)
		ap->hsm_task_state = HSM_ST_LAST;
}

/* ata_pio_sectors: a DRQ block is one sector, or up to multi_count for MULTIPLE commands. */
static void pio_sectors(struct ata_port *ap, struct ata_qc *qc)
{
	if (is_multi_taskfile(&qc->tf)) {
		u32 nsect = (qc->nbytes - qc->curbytes) / ATA_SECT_SIZE;

		if (nsect > ap->multi_count)
			nsect = ap->multi_count;
		while (nsect--)
			pio_sector(ap, qc);
	} else {
		pio_sector(ap, qc);
	}
	sff_sync(ap);
}

static bool ata_ok(u8 status)
{
	return (status & (ATA_BUSY | ATA_DRDY | ATA_DF | ATA_DRQ | ATA_ERR)) == ATA_DRDY;
}

static unsigned ac_err_mask(u8 status)
{
	if (status & (ATA_BUSY | ATA_DRQ))
		return AC_ERR_HSM;
	if (status & (ATA_ERR | ATA_DF))
		return AC_ERR_DEV;
	return AC_ERR_HSM; /* __ac_err_mask: AC_ERR_OTHER, an error without a cause */
}

/* ata_qc_complete: a failed or internal command reads the result task file. */
static void qc_complete(struct ata_port *ap, struct ata_qc *qc)
{
	if (qc->err_mask || qc->result_wanted) {
		qc->result_tf.flags = qc->tf.flags;
		ata_tf_read(ap, &qc->result_tf);
	}
	ap->active = NULL;
	qc->done = true;
}

/* ata_hsm_qc_complete; freezing stands in for scheduling libata's error handler. */
static void hsm_qc_complete(struct ata_port *ap, struct ata_qc *qc, bool in_wq)
{
	if (qc->err_mask & AC_ERR_HSM) {
		freeze(ap);
	} else if (in_wq) {
		irq_on(ap);
	}
	qc_complete(ap, qc);
}

/* ata_sff_hsm_move for the ATA PIO and no-data protocols. Returns 1 to poll again. */
static int hsm_move(struct ata_port *ap, struct ata_qc *qc, u8 status, bool in_wq)
{
	bool write = qc->tf.flags & ATA_TFLAG_WRITE;
	int poll_next = 0;

fsm_start:
	switch (ap->hsm_task_state) {
	case HSM_ST_FIRST:
		/* The first block of a PIO write, from the pio task. */
		poll_next = (qc->tf.flags & ATA_TFLAG_POLLING) != 0;
		if (!(status & ATA_DRQ)) {
			qc->err_mask |= (status & (ATA_ERR | ATA_DF)) ? AC_ERR_DEV : AC_ERR_HSM;
			ap->hsm_task_state = HSM_ST_ERR;
			goto fsm_start;
		}
		if (status & (ATA_ERR | ATA_DF)) {
			qc->err_mask |= AC_ERR_HSM;
			ap->hsm_task_state = HSM_ST_ERR;
			goto fsm_start;
		}
		ap->hsm_task_state = HSM_ST;
		pio_sectors(ap, qc);
		break;
	case HSM_ST:
		if (!(status & ATA_DRQ)) {
			qc->err_mask |= (status & (ATA_ERR | ATA_DF)) ? AC_ERR_DEV : AC_ERR_HSM;
			ap->hsm_task_state = HSM_ST_ERR;
			goto fsm_start;
		}
		if (status & (ATA_ERR | ATA_DF)) {
			/* DRQ with ERR on a read: take the block of junk, then stop. */
			qc->err_mask |= AC_ERR_DEV;
			if (!write) {
				pio_sectors(ap, qc);
				status = wait_idle(ap);
			}
			if (status & (ATA_BUSY | ATA_DRQ))
				qc->err_mask |= AC_ERR_HSM;
			ap->hsm_task_state = HSM_ST_ERR;
			goto fsm_start;
		}
		pio_sectors(ap, qc);
		if (ap->hsm_task_state == HSM_ST_LAST && !write) {
			/* All data read: the device raises no interrupt for that. */
			status = wait_idle(ap);
			goto fsm_start;
		}
		poll_next = 1;
		break;
	case HSM_ST_LAST:
		if (!ata_ok(status)) {
			qc->err_mask |= ac_err_mask(status);
			ap->hsm_task_state = HSM_ST_ERR;
			goto fsm_start;
		}
		ap->hsm_task_state = HSM_ST_IDLE;
		hsm_qc_complete(ap, qc, in_wq);
		poll_next = 0;
		break;
	case HSM_ST_ERR:
		ap->hsm_task_state = HSM_ST_IDLE;
		hsm_qc_complete(ap, qc, in_wq);
		poll_next = 0;
		break;
	default:
		poll_next = 0;
		break;
	}
	return poll_next;
}

/*
 * ata_sff_pio_task: what libata's workqueue does for polled commands and the first block of
 * a PIO write. Linux sleeps between rounds while BSY stays set; here the watchdog bounds it.
 */
static void pio_task(struct ata_port *ap, struct ata_qc *qc)
{
	for (;;) {
		u8 status = busy_wait(ap, ATA_BUSY, 5);

		if (status & ATA_BUSY) {
			status = busy_wait(ap, ATA_BUSY, 10);
			if (status & ATA_BUSY) {
				if (watchdog_fired())
					return;
				continue;
			}
		}
		if (!hsm_move(ap, qc, status, true))
			return;
	}
}

/* ata_sff_irq_status: altstatus first (BSY: not ours yet), then status clears INTRQ. */
static u8 irq_status(struct ata_port *ap)
{
	u8 status = ata_altstatus(ap);

	if (status & ATA_BUSY)
		return status;
	return check_status(ap);
}

/* __ata_sff_port_intr. Returns whether the interrupt was ours. */
static bool port_intr(struct ata_port *ap, struct ata_qc *qc)
{
	switch (ap->hsm_task_state) {
	case HSM_ST_FIRST: /* ATA devices raise no interrupt before the first write block */
	case HSM_ST_IDLE:
		return false;
	default:
		break;
	}
	u8 status = irq_status(ap);
	if (status & ATA_BUSY)
		return false;
	hsm_move(ap, qc, status, false);
	return true;
}

/* __ata_sff_interrupt: only a port with a non-polled command in flight looks at the device. */
static void ata_interrupt(void *ctx)
{
	struct ata_port *ap = ctx;
	struct ata_qc *qc = ap->active;
	bool handled = false;

	ap->irqs++;
	if (qc && !(qc->tf.flags & ATA_TFLAG_POLLING))
		handled = port_intr(ap, qc);
	if (!handled)
		ap->idle_irqs++;
}

/* ata_sff_qc_issue (always with the device select waits, as ata_dev_select(ap, 0, 1, 0)). */
static void qc_issue(struct ata_port *ap, struct ata_qc *qc)
{
	struct ata_taskfile *tf = &qc->tf;

	dev_select_wait(ap, 0);
	if (tf->flags & ATA_TFLAG_POLLING)
		tf->ctl |= ATA_NIEN; /* ata_qc_set_polling */
	tf_load(ap, tf);
	exec_command(ap, tf);
	if (tf->protocol == ATA_PROT_NODATA)
		ap->hsm_task_state = HSM_ST_LAST;
	else if (tf->flags & ATA_TFLAG_WRITE)
		ap->hsm_task_state = HSM_ST_FIRST;
	else
		ap->hsm_task_state = HSM_ST;
}

static bool qc_done(struct ata_qc *qc)
{
	return qc->done || watchdog_fired();
}

unsigned ata_exec(struct ata_port *ap, struct ata_qc *qc)
{
	if (ap->frozen) {
		/* libata's error handler: reset, then thaw. */
		ata_softreset(ap, NULL);
		thaw(ap);
	}
	qc->err_mask = 0;
	qc->curbytes = 0;
	qc->done = false;
	ap->active = qc;
	qc_issue(ap, qc);
	if ((qc->tf.flags & ATA_TFLAG_POLLING) ||
	    (qc->tf.protocol == ATA_PROT_PIO && (qc->tf.flags & ATA_TFLAG_WRITE)))
		pio_task(ap, qc);
	wait_event(qc_done(qc));
	if (!qc->done) {
		/* Timed out: what the error handler does first, freeze the port. */
		qc->err_mask |= AC_ERR_TIMEOUT;
		ap->hsm_task_state = HSM_ST_IDLE;
		freeze(ap);
		qc->result_tf.flags = qc->tf.flags;
		ata_tf_read(ap, &qc->result_tf);
		ap->active = NULL;
		qc->done = true;
	}
	if (qc->err_mask || qc->result_wanted)
		ap->result = qc->result_tf;
	return qc->err_mask;
}

/* ata_tf_init for device 0. */
static void tf_init(struct ata_port *ap, struct ata_qc *qc)
{
	memset(qc, 0, sizeof(*qc));
	qc->tf.ctl = ap->ctl;
	qc->tf.device = ATA_DEVICE_OBS;
}

static bool lba_28_ok(u64 block, u32 n_block)
{
	return block + n_block < (1ULL << 28) && n_block <= ATA_MAX_SECTORS;
}

static bool lba_48_ok(u64 block, u32 n_block)
{
	return block + n_block - 1 < (1ULL << 48) && n_block <= ATA_MAX_SECTORS48;
}

int ata_build_rw_tf(struct ata_port *ap, struct ata_qc *qc, bool write, u64 block, u32 n_block,
		    void *buf)
{
	/* ata_rw_cmds[], PIO rows: multiple, then single; + LBA48 (2) + write (1). */
	static const u8 cmds[2][4] = {
	    {ATA_CMD_READ_MULTI, ATA_CMD_WRITE_MULTI, ATA_CMD_READ_MULTI_EXT,
	     ATA_CMD_WRITE_MULTI_EXT},
	    {ATA_CMD_PIO_READ, ATA_CMD_PIO_WRITE, ATA_CMD_PIO_READ_EXT, ATA_CMD_PIO_WRITE_EXT},
	};
	struct ata_taskfile *tf = &qc->tf;

	tf_init(ap, qc);
	if (!n_block || !ap->lba)
		return -1; /* CHS addressing is not implemented: every drive since ATA-1 has LBA */
	tf->flags |= ATA_TFLAG_ISADDR | ATA_TFLAG_DEVICE | ATA_TFLAG_LBA;
	if (write)
		tf->flags |= ATA_TFLAG_WRITE;
	if (lba_28_ok(block, n_block) && !ap->force_lba48) {
		tf->device |= (u8)((block >> 24) & 0xf);
	} else if (lba_48_ok(block, n_block) && ap->lba48) {
		tf->flags |= ATA_TFLAG_LBA48;
		tf->hob_nsect = (u8)(n_block >> 8);
		tf->hob_lbah = (u8)(block >> 40);
		tf->hob_lbam = (u8)(block >> 32);
		tf->hob_lbal = (u8)(block >> 24);
	} else {
		return -1;
	}
	tf->protocol = ATA_PROT_PIO;
	tf->command = cmds[ap->multi_count ? 0 : 1][(tf->flags & ATA_TFLAG_LBA48 ? 2 : 0) + write];
	tf->nsect = (u8)n_block;
	tf->lbah = (u8)(block >> 16);
	tf->lbam = (u8)(block >> 8);
	tf->lbal = (u8)block;
	tf->device |= ATA_LBA;
	qc->buf = buf;
	qc->nbytes = n_block * ATA_SECT_SIZE;
	return 0;
}

unsigned ata_rw(struct ata_port *ap, bool write, u64 block, u32 n_block, void *buf)
{
	static struct ata_qc qc;

	if (ata_build_rw_tf(ap, &qc, write, block, n_block, buf))
		return AC_ERR_INVALID;
	return ata_exec(ap, &qc);
}

/* ata_scsi_flush_xlat: FLUSH CACHE EXT only where LBA48 is needed to reach the end. */
unsigned ata_flush(struct ata_port *ap)
{
	static struct ata_qc qc;
	bool ext = ap->lba48 && ap->n_sectors >= (1ULL << 28) && (ap->id[83] & (1u << 13));

	tf_init(ap, &qc);
	qc.tf.flags |= ATA_TFLAG_DEVICE;
	qc.tf.protocol = ATA_PROT_NODATA;
	qc.tf.command = ext ? ATA_CMD_FLUSH_EXT : ATA_CMD_FLUSH;
	return ata_exec(ap, &qc);
}

unsigned ata_exec_nodata(struct ata_port *ap, struct ata_qc *qc, u8 command, u8 feature, u8 nsect)
{
	tf_init(ap, qc);
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

	tf_init(ap, &qc);
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

	tf_init(ap, &qc);
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
	dev_select(ap, device);
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
		u8 status = check_status(ap);

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

	dev_select(ap, device);
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
	else if (class == ATA_DEV_ATA && check_status(ap) == 0)
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
	dev_select(ap, 0);
	/* ata_bus_softreset: SRST pulsed through the device control register */
	set_devctl(ap, ap->ctl);
	set_devctl(ap, ap->ctl | ATA_SRST);
	set_devctl(ap, ap->ctl);
	ap->last_ctl = ap->ctl;
	/* ata_sff_wait_after_reset */
	if (wait_ready(ap))
		return -1;
	if (devmask & 2) {
		dev_select(ap, 1);
		for (int i = 0; i < 2; i++) {
			u8 nsect = ata_inb(ap, ATA_REG_NSECT), lbal = ata_inb(ap, ATA_REG_LBAL);

			if (nsect == 1 && lbal == 1)
				break;
		}
		wait_ready(ap);
	}
	dev_select(ap, 0);
	if (devmask & 2)
		dev_select(ap, 1);
	if (devmask & 1)
		dev_select(ap, 0);
	class0 = classify(ap, 0, devmask & 1, &err, sig);
	if (err != 0x81)
		class1 = classify(ap, 1, devmask & 2, &err, NULL);
	/* ata_sff_postreset: the double select, then the device control register */
	if (class0 != ATA_DEV_NONE)
		dev_select(ap, 1);
	if (class1 != ATA_DEV_NONE)
		dev_select(ap, 0);
	if (class0 == ATA_DEV_NONE && class1 == ATA_DEV_NONE)
		return -1;
	set_devctl(ap, ap->ctl);
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
	return irq_request_dt(fdt, ap->node, ata_interrupt, ap);
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
