#include "devices/ide.h"

#include <stdio.h>
#include <string.h>

/* The line is INTRQ gated by nIEN: the drive drives its IRQ only when interrupts are enabled. */
static void update_irq(struct ide *ide)
{
	int level = ide->intrq && !(ide->ctl & ATA_CTL_NIEN);
	if (level != ide->irq_level) {
		ide->irq_level = level;
		irq_line_set(&ide->irq, level);
	}
}

static void raise_intrq(struct ide *ide)
{
	ide->intrq = true;
}

/* ATA strings are space-padded and stored with the two bytes of each word swapped. */
static void put_string(uint16_t *words, const char *s, unsigned nwords)
{
	size_t len = strlen(s);
	for (unsigned i = 0; i < nwords * 2; i++) {
		uint8_t c = i < len ? (uint8_t)s[i] : ' ';
		uint8_t *w = (uint8_t *)&words[i / 2];
		w[(i & 1) ^ 1] = c;
	}
}

static void build_identify(struct ide *ide, uint16_t *id)
{
	memset(id, 0, IDE_SECTOR);
	uint64_t lba28 = ide->nsectors < 0x0FFFFFFF ? ide->nsectors : 0x0FFFFFFF;
	id[0] = 0x0040; /* fixed, non-removable ATA device */
	id[1] = ide->cyls;
	id[3] = ide->heads;
	id[6] = ide->spt;
	put_string(&id[10], ide->serial, 10);
	put_string(&id[23], ide->firmware, 4);
	put_string(&id[27], ide->model, 20);
	id[47] = 0x8000 | IDE_MAX_MULTIPLE; /* READ/WRITE MULTIPLE, up to 16 sectors per block */
	id[49] = 0x0A00;		    /* LBA, IORDY supported; no DMA */
	id[50] = 0x4000;
	id[51] = 0x0200; /* PIO timing mode 2 (obsolete word, still read) */
	id[53] = 0x0003; /* words 54-58 and 64-70 are valid */
	id[54] = ide->cyls;
	id[55] = ide->heads;
	id[56] = ide->spt;
	uint32_t chs = (uint32_t)ide->cyls * ide->heads * ide->spt;
	id[57] = (uint16_t)chs;
	id[58] = (uint16_t)(chs >> 16);
	id[59] = ide->multiple ? 0x0100 | ide->multiple : 0; /* current multiple setting */
	id[60] = (uint16_t)lba28;
	id[61] = (uint16_t)(lba28 >> 16);
	id[64] = 0x0003;			 /* PIO modes 3 and 4 */
	id[65] = id[66] = id[67] = id[68] = 120; /* cycle times, ns */
	id[80] = 0x007E;			 /* ATA-1 to ATA-6 */
	id[82] = 0x4000;
	id[83] = 0x4000 | (1 << 13) | (1 << 12) | (1 << 10); /* FLUSH EXT, FLUSH, LBA48 */
	id[84] = 0x4000;
	id[85] = 0x4000;
	id[86] = (1 << 13) | (1 << 12) | (1 << 10); /* the same, enabled */
	id[87] = 0x4000;
	id[93] = 0x6000 | 0x0001; /* device 0 passed reset diagnostics */
	for (int i = 0; i < 4; i++)
		id[100 + i] = (uint16_t)(ide->nsectors >> (16 * i));
}

/* The ATA device signature a reset or EXECUTE DEVICE DIAGNOSTIC leaves in the task file. */
static void set_signature(struct ide *ide)
{
	ide->nsect = 1;
	ide->lbal = 1;
	ide->lbam = 0;
	ide->lbah = 0;
	ide->device &= ATA_DEV_SLAVE;
	ide->hob_nsect = ide->hob_lbal = ide->hob_lbam = ide->hob_lbah = 0;
}

static void finish(struct ide *ide, uint8_t status, uint8_t error)
{
	ide->xfer = IDE_XFER_NONE;
	ide->buf_len = ide->buf_pos = 0;
	ide->status = status;
	ide->error = error;
	raise_intrq(ide);
}

static void abort_cmd(struct ide *ide)
{
	finish(ide, ATA_DRDY | ATA_ERR, ATA_ABRT);
}

static void ok(struct ide *ide)
{
	finish(ide, ATA_DRDY | ATA_DSC, 0);
}

static bool is_lba48(uint8_t cmd)
{
	return cmd == ATA_CMD_READ_EXT || cmd == ATA_CMD_WRITE_EXT ||
	       cmd == ATA_CMD_READ_MULTI_EXT || cmd == ATA_CMD_WRITE_MULTI_EXT;
}

/* Start address and sector count of a read/write command; false for an unusable address. */
static bool command_range(struct ide *ide, uint8_t cmd, uint64_t *lba, uint32_t *count)
{
	if (is_lba48(cmd)) {
		*lba = (uint64_t)ide->hob_lbah << 40 | (uint64_t)ide->hob_lbam << 32 |
		       (uint64_t)ide->hob_lbal << 24 | (uint64_t)ide->lbah << 16 |
		       (uint64_t)ide->lbam << 8 | ide->lbal;
		uint32_t n = (uint32_t)ide->hob_nsect << 8 | ide->nsect;
		*count = n ? n : 65536;
		return true;
	}
	*count = ide->nsect ? ide->nsect : 256;
	if (ide->device & ATA_DEV_LBA) {
		*lba = (uint64_t)(ide->device & 0x0F) << 24 | (uint64_t)ide->lbah << 16 |
		       (uint64_t)ide->lbam << 8 | ide->lbal;
		return true;
	}
	/*
	 * CHS: cylinder in LBA mid/high, head in the device register, sector (from 1) in LBA low.
	 */
	unsigned cyl = (unsigned)ide->lbah << 8 | ide->lbam, head = ide->device & 0x0F;
	unsigned sector = ide->lbal;
	if (sector == 0 || sector > ide->spt || head >= ide->heads)
		return false;
	*lba = ((uint64_t)cyl * ide->heads + head) * ide->spt + sector - 1;
	return true;
}

/* Fills the buffer with the next block of a read and offers it with DRQ and an interrupt. */
static void read_block(struct ide *ide)
{
	uint32_t n = ide->remaining < ide->per_block ? ide->remaining : ide->per_block;
	struct iovec iov = {.iov_base = ide->buf, .iov_len = (size_t)n * IDE_SECTOR};
	if (ide->disk->ops->readv(ide->disk, &iov, 1, ide->lba * IDE_SECTOR)) {
		finish(ide, ATA_DRDY | ATA_ERR, ATA_UNC); /* never a short read passed as data */
		return;
	}
	ide->lba += n;
	ide->remaining -= n;
	ide->buf_len = n * IDE_SECTOR;
	ide->buf_pos = 0;
	ide->xfer = IDE_XFER_IN;
	ide->status = ATA_DRDY | ATA_DSC | ATA_DRQ;
	raise_intrq(ide);
}

/* Waits for the next block of a write: DRQ up; the interrupt comes from the caller. */
static void want_block(struct ide *ide)
{
	uint32_t n = ide->remaining < ide->per_block ? ide->remaining : ide->per_block;
	ide->buf_len = n * IDE_SECTOR;
	ide->buf_pos = 0;
	ide->xfer = IDE_XFER_OUT;
	ide->status = ATA_DRDY | ATA_DSC | ATA_DRQ;
}

static void write_block(struct ide *ide)
{
	uint32_t n = ide->buf_len / IDE_SECTOR;
	struct iovec iov = {.iov_base = ide->buf, .iov_len = ide->buf_len};
	if (ide->disk->ops->writev(ide->disk, &iov, 1, ide->lba * IDE_SECTOR)) {
		finish(ide, ATA_DRDY | ATA_ERR, ATA_ABRT);
		return;
	}
	ide->lba += n;
	ide->remaining -= n;
	if (ide->remaining) {
		want_block(ide);
		raise_intrq(ide);
	} else {
		ok(ide); /* the completion interrupt */
	}
}

static void start_rw(struct ide *ide, uint8_t cmd, bool write, bool multi)
{
	uint64_t lba;
	uint32_t count;
	if (multi && !ide->multiple) {
		abort_cmd(ide); /* READ/WRITE MULTIPLE before SET MULTIPLE MODE */
		return;
	}
	if (write && ide->disk->ro) {
		abort_cmd(ide); /* a read-only image: refused before any data moves */
		return;
	}
	if (!command_range(ide, cmd, &lba, &count) || lba > ide->nsectors ||
	    count > ide->nsectors - lba) {
		finish(ide, ATA_DRDY | ATA_ERR, ATA_IDNF);
		return;
	}
	ide->lba = lba;
	ide->remaining = count;
	ide->per_block = multi ? ide->multiple : 1;
	if (write)
		want_block(ide); /* PIO out: the first block is requested without an interrupt */
	else
		read_block(ide);
}

static void set_features(struct ide *ide)
{
	switch (ide->feature) {
	case 0x03: /* set transfer mode: only PIO (default, or flow-control modes 0-4) */
		if (ide->nsect <= 0x01 || (ide->nsect >= 0x08 && ide->nsect <= 0x0C)) {
			ide->xfer_mode = ide->nsect;
			ok(ide);
		} else {
			abort_cmd(ide);
		}
		break;
	case 0x02: /* write cache on/off: our writes go straight to the image */
	case 0x82:
	case 0x66: /* keep/revert to power-on defaults */
	case 0xCC:
		ok(ide);
		break;
	default:
		abort_cmd(ide);
		break;
	}
}

static void execute(struct ide *ide, uint8_t cmd)
{
	/*
	 * Commands to the absent slave are not taken. Any other command is, even with a transfer
	 * still pending: a driver that issues one has given up on the old transfer, which ends here.
	 */
	if (ide->device & ATA_DEV_SLAVE)
		return;
	ide->commands++;
	ide->cmd = cmd;
	ide->xfer = IDE_XFER_NONE;
	/*
	 * Writing the command register negates INTRQ (ATA8-ACS, "Interrupt pending"). Lower the
	 * line now, before the command's own completion asserts it again within this same exit:
	 * otherwise an interrupt the host never acknowledged would leave the line high, and the
	 * edge-triggered IOAPIC would see no edge for the new command.
	 */
	ide->intrq = false;
	update_irq(ide);
	switch (cmd) {
	case ATA_CMD_READ:
	case ATA_CMD_READ_NORETRY:
	case ATA_CMD_READ_EXT:
		start_rw(ide, cmd, false, false);
		break;
	case ATA_CMD_READ_MULTI:
	case ATA_CMD_READ_MULTI_EXT:
		start_rw(ide, cmd, false, true);
		break;
	case ATA_CMD_WRITE:
	case ATA_CMD_WRITE_NORETRY:
	case ATA_CMD_WRITE_EXT:
		start_rw(ide, cmd, true, false);
		break;
	case ATA_CMD_WRITE_MULTI:
	case ATA_CMD_WRITE_MULTI_EXT:
		start_rw(ide, cmd, true, true);
		break;
	case ATA_CMD_IDENTIFY:
		build_identify(ide, (uint16_t *)ide->buf);
		ide->buf_len = IDE_SECTOR;
		ide->buf_pos = 0;
		ide->remaining = 0;
		ide->xfer = IDE_XFER_IN;
		ide->status = ATA_DRDY | ATA_DSC | ATA_DRQ;
		raise_intrq(ide);
		break;
	case ATA_CMD_SET_MULTI:
		/* 0 turns it off; otherwise a power of two the drive supports. */
		if (ide->nsect > IDE_MAX_MULTIPLE || (ide->nsect & (ide->nsect - 1))) {
			abort_cmd(ide);
		} else {
			ide->multiple = ide->nsect;
			ok(ide);
		}
		break;
	case ATA_CMD_SET_FEATURES:
		set_features(ide);
		break;
	case ATA_CMD_FLUSH:
	case ATA_CMD_FLUSH_EXT:
		if (ide->disk->ops->flush(ide->disk))
			finish(ide, ATA_DRDY | ATA_ERR, ATA_ABRT);
		else
			ok(ide);
		break;
	case ATA_CMD_INIT_PARAMS:
		/*
		 * Sets the CHS translation: sectors per track in nsect, heads-1 in the device reg.
		 */
		if (ide->nsect == 0) {
			abort_cmd(ide);
		} else {
			ide->spt = ide->nsect;
			ide->heads = (uint16_t)((ide->device & 0x0F) + 1);
			uint64_t c = ide->nsectors / ((uint64_t)ide->heads * ide->spt);
			ide->cyls = (uint16_t)(c > 16383 ? 16383 : c);
			ok(ide);
		}
		break;
	case ATA_CMD_DIAGNOSE:
		set_signature(ide);
		finish(ide, ATA_DRDY | ATA_DSC, 0x01); /* code 01: device 0 passed, no device 1 */
		break;
	case ATA_CMD_CHECK_POWER:
		ide->nsect = 0xFF; /* active or idle */
		ok(ide);
		break;
	case ATA_CMD_RECALIBRATE:
		ok(ide);
		break;
	default:
		abort_cmd(ide);
		break;
	}
}

/* Software reset: SRST held, then released. Settings (multiple count) survive it. */
static void write_ctl(struct ide *ide, uint8_t val)
{
	bool was_reset = ide->ctl & ATA_CTL_SRST;
	ide->ctl = val;
	if (val & ATA_CTL_SRST) {
		ide->xfer = IDE_XFER_NONE;
		ide->buf_len = ide->buf_pos = 0;
		ide->status = ATA_BSY;
		ide->intrq = false;
	} else if (was_reset) {
		set_signature(ide);
		ide->status = ATA_DRDY | ATA_DSC;
		ide->error = 0x01; /* diagnostic code: passed */
	}
}

/*
 * Data moves only while the host sees DRQ (ATA8-ACS PIO protocol). With the absent slave
 * selected the host reads a status of 0, so the master's transfer neither feeds nor takes data
 * until the master is selected again, and then resumes where it stood.
 */
static bool data_phase(const struct ide *ide, bool in, unsigned size)
{
	return ide->xfer == (in ? IDE_XFER_IN : IDE_XFER_OUT) && !(ide->device & ATA_DEV_SLAVE) &&
	       ide->buf_len - ide->buf_pos >= size;
}

/* Data register: moves `size` bytes of the current DRQ block. */
static void data_in(struct ide *ide, uint8_t *out, unsigned size)
{
	if (!data_phase(ide, true, size)) {
		memset(out, 0xFF, size); /* DRQ clear: nothing to read */
		return;
	}
	memcpy(out, ide->buf + ide->buf_pos, size);
	ide->buf_pos += size;
	if (ide->buf_pos < ide->buf_len)
		return;
	if (ide->remaining) {
		read_block(ide);
	} else {
		ide->xfer = IDE_XFER_NONE;
		ide->status = ATA_DRDY | ATA_DSC; /* the end of a PIO read raises no interrupt */
	}
}

static void data_out(struct ide *ide, const uint8_t *in, unsigned size)
{
	if (!data_phase(ide, false, size))
		return; /* DRQ clear: ignored */
	memcpy(ide->buf + ide->buf_pos, in, size);
	ide->buf_pos += size;
	if (ide->buf_pos == ide->buf_len)
		write_block(ide);
}

/* Writing a command-block register stacks the old value for LBA48 and clears HOB. */
static void write_taskfile(uint8_t *reg, uint8_t *hob, uint8_t val)
{
	*hob = *reg;
	*reg = val;
}

static uint8_t read_reg(struct ide *ide, unsigned reg)
{
	bool hob = ide->ctl & ATA_CTL_HOB;
	/* The absent slave answers nothing but zeroes (ATA: device 0 responds for it). */
	if ((ide->device & ATA_DEV_SLAVE) && reg != IDE_DEVICE)
		return 0;
	switch (reg) {
	case IDE_ERROR:
		return ide->error;
	case IDE_NSECT:
		return hob ? ide->hob_nsect : ide->nsect;
	case IDE_LBAL:
		return hob ? ide->hob_lbal : ide->lbal;
	case IDE_LBAM:
		return hob ? ide->hob_lbam : ide->lbam;
	case IDE_LBAH:
		return hob ? ide->hob_lbah : ide->lbah;
	case IDE_DEVICE:
		return ide->device | 0xA0; /* bits 7 and 5 are obsolete ones */
	default:			   /* IDE_STATUS: reading it acknowledges the interrupt */
		ide->intrq = false;
		return ide->status;
	}
}

static void write_reg(struct ide *ide, unsigned reg, uint8_t val)
{
	if (reg != IDE_COMMAND)
		ide->ctl &= ~ATA_CTL_HOB;
	switch (reg) {
	case IDE_FEATURE:
		write_taskfile(&ide->feature, &ide->hob_feature, val);
		break;
	case IDE_NSECT:
		write_taskfile(&ide->nsect, &ide->hob_nsect, val);
		break;
	case IDE_LBAL:
		write_taskfile(&ide->lbal, &ide->hob_lbal, val);
		break;
	case IDE_LBAM:
		write_taskfile(&ide->lbam, &ide->hob_lbam, val);
		break;
	case IDE_LBAH:
		write_taskfile(&ide->lbah, &ide->hob_lbah, val);
		break;
	case IDE_DEVICE:
		ide->device = val & 0x5F;
		break;
	default:
		if (!(ide->status & ATA_BSY))
			execute(ide, val);
		break;
	}
}

static void cmd_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
	struct ide *ide = opaque;
	pthread_mutex_lock(&ide->lock);
	if (offset == IDE_DATA)
		data_in(ide, data, size);
	else if (size == 1)
		*(uint8_t *)data = read_reg(ide, (unsigned)offset);
	else
		memset(data, 0xFF, size); /* task-file registers are 8 bits wide */
	update_irq(ide);
	pthread_mutex_unlock(&ide->lock);
}

static void cmd_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
	struct ide *ide = opaque;
	pthread_mutex_lock(&ide->lock);
	if (offset == IDE_DATA)
		data_out(ide, data, size);
	else if (size == 1)
		write_reg(ide, (unsigned)offset, *(const uint8_t *)data);
	update_irq(ide);
	pthread_mutex_unlock(&ide->lock);
}

static void ctl_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
	struct ide *ide = opaque;
	(void)offset;
	pthread_mutex_lock(&ide->lock);
	/* Alternate status: the status register without acknowledging the interrupt. */
	uint8_t v = (ide->device & ATA_DEV_SLAVE) ? 0 : ide->status;
	pthread_mutex_unlock(&ide->lock);
	memset(data, 0xFF, size);
	*(uint8_t *)data = v;
}

static void ctl_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
	struct ide *ide = opaque;
	(void)offset;
	(void)size;
	pthread_mutex_lock(&ide->lock);
	write_ctl(ide, *(const uint8_t *)data);
	update_irq(ide);
	pthread_mutex_unlock(&ide->lock);
}

static const char *cmd_reg_name(void *opaque, uint64_t offset, bool write)
{
	(void)opaque;
	return ide_reg_name(false, offset, write);
}

static const char *ctl_reg_name(void *opaque, uint64_t offset, bool write)
{
	(void)opaque;
	return ide_reg_name(true, offset, write);
}

static const struct bus_device_ops ide_cmd_ops = {
    .read = cmd_read, .write = cmd_write, .reg_name = cmd_reg_name};
static const struct bus_device_ops ide_ctl_ops = {
    .read = ctl_read, .write = ctl_write, .reg_name = ctl_reg_name};

void ide_init(struct ide *ide, struct disk *disk, const char *serial, struct irq_line irq)
{
	memset(ide, 0, sizeof(*ide));
	pthread_mutex_init(&ide->lock, NULL);
	ide->disk = disk;
	ide->irq = irq;
	ide->nsectors = disk->size / IDE_SECTOR;
	snprintf(ide->serial, sizeof(ide->serial), "%s", serial ? serial : "KVMINI-IDE-0");
	snprintf(ide->firmware, sizeof(ide->firmware), "%s", KVMINI_VERSION);
	snprintf(ide->model, sizeof(ide->model), "kvmini IDE disk");
	/* The usual translated geometry: 16 heads, 63 sectors, up to 16383 cylinders. */
	ide->heads = 16;
	ide->spt = 63;
	uint64_t c = ide->nsectors / (16 * 63);
	ide->cyls = (uint16_t)(c > 16383 ? 16383 : c);
	set_signature(ide);
	ide->status = ATA_DRDY | ATA_DSC;
	ide->error = 0x01;
}

void ide_destroy(struct ide *ide)
{
	pthread_mutex_destroy(&ide->lock);
}

int ide_register(struct ide *ide, struct bus *pio, uint64_t cmd_base, uint64_t ctl_port)
{
	if (bus_register(pio, cmd_base, 8, "ide", &ide_cmd_ops, ide))
		return -1;
	return bus_register(pio, ctl_port, 1, "ide-ctl", &ide_ctl_ops, ide);
}

const char *ide_reg_name(bool ctl, uint64_t offset, bool write)
{
	static const char *const rd[8] = {"data",    "error",	 "sector count", "lba low",
					  "lba mid", "lba high", "device",	 "status"};
	static const char *const wr[8] = {"data",    "features", "sector count", "lba low",
					  "lba mid", "lba high", "device",	 "command"};
	if (ctl)
		return offset ? NULL : write ? "device control" : "alternate status";
	return offset < 8 ? (write ? wr : rd)[offset] : NULL;
}
