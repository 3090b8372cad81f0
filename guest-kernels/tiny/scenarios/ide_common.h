/*
 * What the IDE scenarios share: bring-up with the command-line knobs, and a writer/reader of
 * the blk scenarios' pattern (scenarios/blk_common.h), so host tests use the same formulas for
 * both disks.
 *
 * Knobs: multi=N (0, 1, 2, 4, 8 or 16; default 0) issues SET MULTIPLE MODE N before IDENTIFY,
 * as a BIOS would, after which reads and writes use READ/WRITE MULTIPLE as libata does when
 * IDENTIFY word 59 says multiple mode is on; lba48=1 uses the EXT commands even where LBA28
 * would do; watchdog=MS (default 20000) bounds every wait.
 */
#ifndef TINY_SCENARIOS_IDE_COMMON_H
#define TINY_SCENARIOS_IDE_COMMON_H

#include <asm/bootparam.h>
#include "drivers/ata.h"
#include "scenarios/blk_common.h"

extern struct ata_port ide_port;

/* Parses the knobs, arms the watchdog and probes the drive. Returns 0, or -1 (printed). */
int ide_setup(struct boot_params *bp, const char *who, struct ata_port *ap);
/* Re-arms the watchdog for the next phase. */
void ide_watchdog(void);

/* sectors=A-B (inclusive) within the drive. Returns -1 after printing why. */
int ide_get_range(const char *who, const struct ata_port *ap, u64 *first, u64 *last);

/*
 * Writes the pattern over [first, last] (write), or reads it back, verifies it and adds it to
 * c (read), in requests of assorted sizes (blk_common's schedule). Returns 0, or 1 after
 * printing what went wrong.
 */
int ide_stream(struct ata_port *ap, const char *who, bool write, u64 first, u64 last, u64 seed,
	       struct blk_csum *c);

/* Prints "WHO: OP of sectors S+N: WHY" for a failed command. */
void ide_report(struct ata_port *ap, const char *who, const char *op, u64 sector, u32 n,
		unsigned err_mask);

#endif
