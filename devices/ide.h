/*
 * An emulated legacy IDE controller, primary channel, one ATA drive (master) on a raw image:
 * a command block of 8 ports, a control port and an IRQ (the PC's primary channel's, from
 * platform/layout.h). PIO only, as Linux's pata_legacy drives it. Every register access is a
 * VM exit: this is the full-emulation half of the exit-count comparison, so it emulates
 * faithfully rather than cleverly.
 */
#ifndef KVMINI_IDE_H
#define KVMINI_IDE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/bus.h"
#include "devices/disk.h"
#include "core/machine.h"

#define IDE_MAX_MULTIPLE 16 /* sectors per DRQ block in READ/WRITE MULTIPLE */
#define IDE_SECTOR	 512

/* Command block register offsets. */
enum {
	IDE_DATA = 0,
	IDE_ERROR = 1,	 /* read */
	IDE_FEATURE = 1, /* write */
	IDE_NSECT = 2,
	IDE_LBAL = 3,
	IDE_LBAM = 4,
	IDE_LBAH = 5,
	IDE_DEVICE = 6,
	IDE_STATUS = 7,	 /* read */
	IDE_COMMAND = 7, /* write */
};

#define ATA_BSY	 0x80
#define ATA_DRDY 0x40
#define ATA_DF	 0x20
#define ATA_DSC	 0x10
#define ATA_DRQ	 0x08
#define ATA_ERR	 0x01

#define ATA_ABRT 0x04
#define ATA_IDNF 0x10
#define ATA_UNC	 0x40

#define ATA_DEV_LBA   0x40
#define ATA_DEV_SLAVE 0x10

#define ATA_CTL_NIEN 0x02
#define ATA_CTL_SRST 0x04
#define ATA_CTL_HOB  0x80

/* Commands implemented (ATA/ATAPI-6). */
#define ATA_CMD_RECALIBRATE	0x10
#define ATA_CMD_READ		0x20
#define ATA_CMD_READ_NORETRY	0x21
#define ATA_CMD_READ_EXT	0x24
#define ATA_CMD_READ_MULTI_EXT	0x29
#define ATA_CMD_WRITE		0x30
#define ATA_CMD_WRITE_NORETRY	0x31
#define ATA_CMD_WRITE_EXT	0x34
#define ATA_CMD_WRITE_MULTI_EXT 0x39
#define ATA_CMD_DIAGNOSE	0x90
#define ATA_CMD_INIT_PARAMS	0x91
#define ATA_CMD_READ_MULTI	0xC4
#define ATA_CMD_WRITE_MULTI	0xC5
#define ATA_CMD_SET_MULTI	0xC6
#define ATA_CMD_CHECK_POWER	0xE5
#define ATA_CMD_FLUSH		0xE7
#define ATA_CMD_FLUSH_EXT	0xEA
#define ATA_CMD_IDENTIFY	0xEC
#define ATA_CMD_SET_FEATURES	0xEF

struct ide {
	pthread_mutex_t lock;
	struct disk *disk;
	struct irq_line irq;
	char serial[21], firmware[9], model[41];
	uint64_t nsectors;
	uint16_t cyls, heads, spt; /* CHS geometry, for drivers that still use it */

	/* Task file; hob_* hold the previous write of each register (LBA48's high bytes). */
	uint8_t feature, nsect, lbal, lbam, lbah;
	uint8_t hob_feature, hob_nsect, hob_lbal, hob_lbam, hob_lbah;
	uint8_t device, ctl, status, error;
	bool intrq; /* interrupt pending, until the status register is read */
	int irq_level;

	/* The PIO transfer in progress. */
	enum { IDE_XFER_NONE, IDE_XFER_IN, IDE_XFER_OUT } xfer;
	uint8_t cmd;
	uint64_t lba;	    /* next sector to move */
	uint32_t remaining; /* sectors left after the current block */
	uint32_t per_block; /* sectors per DRQ block */
	uint32_t buf_len, buf_pos;
	uint8_t buf[IDE_MAX_MULTIPLE * IDE_SECTOR];
	uint8_t multiple; /* SET MULTIPLE MODE count; 0 = off */
	uint8_t xfer_mode;
	uint64_t commands; /* executed, for --verbose */
};

/* disk must stay open for the device's lifetime; serial may be NULL. */
void ide_init(struct ide *ide, struct disk *disk, const char *serial, struct irq_line irq);
void ide_destroy(struct ide *ide);
int ide_register(struct ide *ide, struct bus *pio, uint64_t cmd_base, uint64_t ctl_port);

/*
 * A readable name for a register access, for --trace-exits ("sector count", "status"...): the
 * command block register at `offset`, or the control port (ctl); NULL past the block.
 */
const char *ide_reg_name(bool ctl, uint64_t offset, bool write);

#endif
