/*
 * ATA PIO on the primary channel: the SFF layer, following Linux 6.1's libata-sff.c step for
 * step (see ata.h for the per-command register sequence) -- register access, task-file load
 * and read, command issue, the PIO host state machine, the interrupt handler, ata_exec and
 * the read/write/flush commands. Device-level commands and bring-up (IDENTIFY, reset,
 * probe) are in ata_core.c, as libata-core.c is to libata-sff.c.
 *
 * Function names follow libata's so the two read side by side: ata_sff_qc_issue ->
 * qc_issue, ata_sff_hsm_move -> hsm_move, ... What libata does with timers (udelay between
 * status polls, ndelay(400) in ata_sff_pause) is left out: each register access is a VM
 * exit, which takes longer than those delays.
 */
#include "drivers/ata.h"
#include "drivers/ata_priv.h"
#include "arch/io.h"
#include "arch/irq.h"
#include "drivers/watchdog.h"
#include "lib/heap.h"
#include "lib/string.h"

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

/* Reading Status also clears the device's INTRQ. */
u8 ata_sff_check_status(struct ata_port *ap)
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
		status = ata_sff_check_status(ap);
		max--;
	} while (status != 0xff && (status & bits) && max > 0);
	return status;
}

/* ata_wait_idle: BSY and DRQ clear; usually a single status read. */
static u8 wait_idle(struct ata_port *ap)
{
	return busy_wait(ap, ATA_BUSY | ATA_DRQ, 1000);
}

/* Device register, then the pause. */
void ata_sff_dev_select(struct ata_port *ap, unsigned device)
{
	ata_outb(ap, device ? ATA_DEVICE_OBS | ATA_DEV1 : ATA_DEVICE_OBS, ATA_REG_DEVICE);
	sff_pause(ap);
}

/* ata_dev_select with wait (what ata_sff_qc_issue uses): idle, select, idle. */
static void dev_select_wait(struct ata_port *ap, unsigned device)
{
	wait_idle(ap);
	ata_sff_dev_select(ap, device);
	wait_idle(ap);
}

void ata_sff_set_devctl(struct ata_port *ap, u8 ctl)
{
	outb(ctl, ap->ctl_addr);
}

/* ata_sff_irq_on: nIEN off, then wait idle (which clears a pending INTRQ). */
static void irq_on(struct ata_port *ap)
{
	ap->ctl &= (u8)~ATA_NIEN;
	ap->last_ctl = ap->ctl;
	ata_sff_set_devctl(ap, ap->ctl);
	wait_idle(ap);
}

/* ata_sff_freeze: nIEN on, and a status read for an INTRQ that nIEN did not mask. */
static void freeze(struct ata_port *ap)
{
	ap->ctl |= ATA_NIEN;
	ap->last_ctl = ap->ctl;
	ata_sff_set_devctl(ap, ap->ctl);
	ata_sff_check_status(ap);
	ap->frozen = true;
}

/* ata_sff_thaw */
static void thaw(struct ata_port *ap)
{
	ata_sff_check_status(ap);
	irq_on(ap);
	ap->frozen = false;
}

/* ata_sff_tf_load */
static void tf_load(struct ata_port *ap, const struct ata_taskfile *tf)
{
	bool is_addr = tf->flags & ATA_TFLAG_ISADDR;

	if (tf->ctl != ap->last_ctl) {
		ata_sff_set_devctl(ap, tf->ctl);
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
	tf->status = ata_sff_check_status(ap);
	tf->error = ata_inb(ap, ATA_REG_ERR);
	tf->nsect = ata_inb(ap, ATA_REG_NSECT);
	tf->lbal = ata_inb(ap, ATA_REG_LBAL);
	tf->lbam = ata_inb(ap, ATA_REG_LBAM);
	tf->lbah = ata_inb(ap, ATA_REG_LBAH);
	tf->device = ata_inb(ap, ATA_REG_DEVICE);
	if (tf->flags & ATA_TFLAG_LBA48) {
		/* HOB set: the registers read back the bytes written before the last ones. */
		ata_sff_set_devctl(ap, ap->ctl | ATA_HOB);
		tf->hob_feature = ata_inb(ap, ATA_REG_ERR);
		tf->hob_nsect = ata_inb(ap, ATA_REG_NSECT);
		tf->hob_lbal = ata_inb(ap, ATA_REG_LBAL);
		tf->hob_lbam = ata_inb(ap, ATA_REG_LBAM);
		tf->hob_lbah = ata_inb(ap, ATA_REG_LBAH);
		ata_sff_set_devctl(ap, ap->ctl);
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
	return ata_sff_check_status(ap);
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

bool ata_irq_pending(void *ctx)
{
	struct ata_port *ap = ctx;
	const struct ata_qc *qc = ap->active;

	if (!qc || (qc->tf.flags & ATA_TFLAG_POLLING) || (ap->ctl & ATA_NIEN))
		return false;
	if (ap->hsm_task_state == HSM_ST_FIRST || ap->hsm_task_state == HSM_ST_IDLE)
		return false;
	return !(ata_altstatus(ap) & ATA_BUSY);
}

/* __ata_sff_interrupt: only a port with a non-polled command in flight looks at the device. */
void ata_interrupt(void *ctx)
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

/* For device 0. */
void ata_tf_init(struct ata_port *ap, struct ata_qc *qc)
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

	ata_tf_init(ap, qc);
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

	ata_tf_init(ap, &qc);
	qc.tf.flags |= ATA_TFLAG_DEVICE;
	qc.tf.protocol = ATA_PROT_NODATA;
	qc.tf.command = ext ? ATA_CMD_FLUSH_EXT : ATA_CMD_FLUSH;
	return ata_exec(ap, &qc);
}
