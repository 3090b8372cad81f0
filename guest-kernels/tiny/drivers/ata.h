/*
 * An ATA PIO driver for the primary IDE channel that makes the register accesses Linux 6.1's
 * libata SFF layer makes (drivers/ata/libata-sff.c, as pata_legacy runs it), in the same order,
 * so its VM exits compare with virtio-blk's "interrupts and all":
 *
 *   issue   ata_dev_select: status (wait idle), device, altstatus (pause), status (wait idle)
 *           ata_sff_tf_load: ctl only if it changed; LBA48 HOB bytes; feature, nsect, lbal,
 *           lbam, lbah; device; status (wait idle)
 *           ata_sff_exec_command: command, altstatus (pause)
 *   PIO in  per DRQ block, in the interrupt handler: altstatus, status (clears INTRQ), one
 *           `rep insw` of 256 words per sector, altstatus (sync); after the last: status
 *   PIO out the first block polled (status until BSY clears, like the pio task), sent with
 *           `rep outsw` per sector + altstatus; the rest and the completion by interrupt
 *   no data one interrupt: altstatus, status
 *
 * Polled commands (IDENTIFY and SET FEATURES, as in libata) set nIEN for their duration. A
 * failed command reads the result task file (status, error, nsect, lbal, lbam, lbah, device,
 * and the HOB bytes for LBA48), which is how its error register reaches the caller.
 *
 * The guest runs with interrupts off except inside wait_event, so the handler and the
 * issuing code never overlap, as libata's host lock guarantees.
 */
#ifndef TINY_DRIVERS_ATA_H
#define TINY_DRIVERS_ATA_H

#include <asm/bootparam.h>
#include "lib/fdt.h"
#include "lib/types.h"

#define ATA_SECT_SIZE	  512
#define ATA_MAX_SECTORS	  256	/* LBA28: nsect 0 means 256 */
#define ATA_MAX_SECTORS48 65536 /* LBA48: 0 means 65536 */

/* Command block register offsets (from the `reg` command range). */
enum {
	ATA_REG_DATA = 0,
	ATA_REG_ERR = 1, /* read */
	ATA_REG_FEATURE = 1,
	ATA_REG_NSECT = 2,
	ATA_REG_LBAL = 3,
	ATA_REG_LBAM = 4,
	ATA_REG_LBAH = 5,
	ATA_REG_DEVICE = 6,
	ATA_REG_STATUS = 7, /* read */
	ATA_REG_CMD = 7,
};

/* Status */
#define ATA_BUSY 0x80
#define ATA_DRDY 0x40
#define ATA_DF	 0x20
#define ATA_DRQ	 0x08
#define ATA_ERR	 0x01
/* Error */
#define ATA_ICRC 0x80
#define ATA_UNC	 0x40
#define ATA_IDNF 0x10
#define ATA_ABRT 0x04
/* Device and device control */
#define ATA_DEVICE_OBS 0xa0
#define ATA_LBA	       0x40
#define ATA_DEV1       0x10
#define ATA_DEVCTL_OBS 0x08
#define ATA_SRST       0x04
#define ATA_NIEN       0x02
#define ATA_HOB	       0x80

/* Commands */
#define ATA_CMD_PIO_READ	0x20
#define ATA_CMD_PIO_READ_EXT	0x24
#define ATA_CMD_READ_MULTI_EXT	0x29
#define ATA_CMD_PIO_WRITE	0x30
#define ATA_CMD_PIO_WRITE_EXT	0x34
#define ATA_CMD_WRITE_MULTI_EXT 0x39
#define ATA_CMD_READ_MULTI	0xc4
#define ATA_CMD_WRITE_MULTI	0xc5
#define ATA_CMD_SET_MULTI	0xc6
#define ATA_CMD_FLUSH		0xe7
#define ATA_CMD_FLUSH_EXT	0xea
#define ATA_CMD_ID_ATA		0xec
#define ATA_CMD_SET_FEATURES	0xef
#define SETFEATURES_XFER	0x03
#define XFER_PIO_0		0x08 /* + mode number */

/* Task file flags (ATA_TFLAG_*) and protocols, as libata names them. */
#define ATA_TFLAG_LBA48	  (1u << 0)
#define ATA_TFLAG_ISADDR  (1u << 1)
#define ATA_TFLAG_DEVICE  (1u << 2)
#define ATA_TFLAG_WRITE	  (1u << 3)
#define ATA_TFLAG_LBA	  (1u << 4)
#define ATA_TFLAG_POLLING (1u << 5)

enum ata_prot { ATA_PROT_NODATA, ATA_PROT_PIO };

/* What went wrong with a command (libata's AC_ERR_*); 0 is success. */
#define AC_ERR_DEV     (1u << 0) /* the device reported an error (ERR or DF) */
#define AC_ERR_HSM     (1u << 1) /* the device broke the protocol (e.g. no DRQ, no ERR) */
#define AC_ERR_TIMEOUT (1u << 2) /* no answer before the watchdog fired */
#define AC_ERR_INVALID (1u << 3) /* the request cannot be expressed (range, size) */
#define AC_ERR_NODEV   (1u << 4) /* no drive, or it did not identify */

struct ata_taskfile {
	u32 flags;
	enum ata_prot protocol;
	u8 ctl, device, command;
	u8 feature, nsect, lbal, lbam, lbah;
	u8 hob_feature, hob_nsect, hob_lbal, hob_lbam, hob_lbah;
	u8 status, error; /* in a result task file */
};

/* One command (libata's ata_queued_cmd) with its data buffer. */
struct ata_qc {
	struct ata_taskfile tf;
	struct ata_taskfile result_tf; /* read on failure, or when result_wanted */
	u8 *buf;
	u32 nbytes, curbytes;
	bool result_wanted; /* libata's internal commands always read it */
	unsigned err_mask;
	volatile bool done;
};

enum ata_hsm { HSM_ST_IDLE, HSM_ST_FIRST, HSM_ST, HSM_ST_LAST, HSM_ST_ERR };

struct ata_port {
	u16 cmd_addr, ctl_addr; /* from the device tree's `reg` */
	int node;
	u8 ctl, last_ctl;
	bool frozen; /* after a protocol violation: nIEN set until the next reset */
	volatile enum ata_hsm hsm_task_state;
	struct ata_qc *volatile active;

	/* The drive, from IDENTIFY DEVICE. */
	u16 id[256] __attribute__((aligned(ATA_SECT_SIZE))); /* one `rep insw`, no page split */
	char model[41], serial[21], firmware[9];
	u64 n_sectors;
	bool lba, lba48;
	unsigned max_multi;   /* id[47]: sectors per block READ/WRITE MULTIPLE can move */
	unsigned multi_count; /* id[59] as libata reads it: 0 = single-sector commands */
	unsigned pio_mode;    /* best PIO mode the drive reports */
	bool force_lba48;     /* test knob: EXT commands even where LBA28 would do */

	/* The result task file of the last command that read one (failed or internal). */
	struct ata_taskfile result;

	/* Counted by the interrupt handler. */
	volatile unsigned irqs, idle_irqs;
};

/*
 * Finds the "ata-generic" node, takes its ports from `reg` (command block, control block)
 * and routes its interrupt (irq_request_dt). The device tree and interrupt controllers must
 * be set up (boot_dt, apic_init). Returns NULL or why not.
 */
const char *ata_port_init(struct ata_port *ap, struct fdt *fdt);

/*
 * libata's ata_sff_softreset + postreset: checks which devices answer (devchk), pulses SRST,
 * waits for BSY to clear and classifies the device by its signature. Returns 0 when an ATA
 * device is there, with the task file it left in *sig (may be NULL), else -1.
 */
int ata_softreset(struct ata_port *ap, struct ata_taskfile *sig);

/* IDENTIFY DEVICE (polled, as ata_dev_read_id) and ata_dev_configure's parsing of it. */
unsigned ata_identify(struct ata_port *ap);
/* SET MULTIPLE MODE (what a BIOS does before the OS looks at id[59]); count 0 turns it off. */
unsigned ata_set_multiple(struct ata_port *ap, unsigned count);
/* SET FEATURES - transfer mode (polled, as ata_dev_set_xfermode), e.g. XFER_PIO_0 + 4. */
unsigned ata_set_xfermode(struct ata_port *ap, u8 mode);

/*
 * The whole bring-up: device tree, interrupt controllers, heap, port; then (with the watchdog
 * armed for watchdog_ms, unless 0) reset, SET MULTIPLE when multi > 0, IDENTIFY, transfer
 * mode. Prints why it failed (prefixed with who) and returns -1, else 0.
 */
int ata_probe(struct boot_params *bp, struct ata_port *ap, const char *who, unsigned multi,
	      u32 watchdog_ms);

/*
 * ata_build_rw_tf: a read or write of n_block sectors at block into qc, LBA28 when the range
 * allows it (lba_28_ok), else LBA48; MULTIPLE commands when multi_count is set. Returns 0, or
 * -1 when the range fits neither. The caller keeps within n_sectors, as the block layer does
 * (the device answers IDNF otherwise).
 */
int ata_build_rw_tf(struct ata_port *ap, struct ata_qc *qc, bool write, u64 block, u32 n_block,
		    void *buf);

/*
 * Issues qc and waits for it: interrupts (sti;hlt), or polling for polled commands and the
 * first block of a PIO write. Returns qc->err_mask (0: success). A port frozen by an earlier
 * protocol violation is reset first, as libata's error handler would.
 */
unsigned ata_exec(struct ata_port *ap, struct ata_qc *qc);

/* Build + exec. buf must hold n_block sectors. */
unsigned ata_rw(struct ata_port *ap, bool write, u64 block, u32 n_block, void *buf);
unsigned ata_flush(struct ata_port *ap);

/* A no-data command with the given registers (tests), result task file read back. */
unsigned ata_exec_nodata(struct ata_port *ap, struct ata_qc *qc, u8 command, u8 feature, u8 nsect);

/* ata_sff_tf_read: the task file registers (HOB bytes too when tf->flags has LBA48). */
void ata_tf_read(struct ata_port *ap, struct ata_taskfile *tf);

/* "ERR ABRT", "timeout"... for messages: what err_mask and the result task file say. */
const char *ata_err_string(unsigned err_mask, const struct ata_taskfile *result, char *buf,
			   size_t len);

/* Port I/O on the channel, for tests that poke registers directly. */
u8 ata_inb(const struct ata_port *ap, unsigned reg);
void ata_outb(const struct ata_port *ap, u8 val, unsigned reg);
u8 ata_altstatus(const struct ata_port *ap);

#endif
