/*
 * test=ide-rw sectors=A-B [seed=S] [multi=N] [lba48=1]: through the IDE drive, writes the blk
 * pattern with seed S over sectors A..B in requests of assorted sizes, FLUSHes, reads it back
 * and verifies it, then prints "ide-rw: sectors A-B ok checksum 0xC" (the blk checksum).
 *
 * test=ide-read sectors=A-B [seed=S] [multi=N] [lba48=1]: the read half, of a pattern the host
 * wrote: "ide-read: sectors A-B ok checksum 0xC".
 */
#include "scenarios/scenario.h"
#include "scenarios/ide_common.h"
#include "lib/printf.h"

static int ide_rw(struct boot_params *bp, const char *who, bool write)
{
	struct ata_port *ap = &ide_port;
	struct blk_csum c = {0, 0};
	u64 seed, first, last;

	if (ide_setup(bp, who, ap) || blk_get_num(who, "seed", BLK_DEFAULT_S, 0, ~0ULL, &seed) ||
	    ide_get_range(who, ap, &first, &last))
		return 1;
	if (write) {
		if (ide_stream(ap, who, true, first, last, seed, NULL))
			return 1;
		ide_watchdog();
		unsigned e = ata_flush(ap);
		if (e) {
			ide_report(ap, who, "flush", 0, 0, e);
			return 1;
		}
	}
	if (ide_stream(ap, who, false, first, last, seed, &c))
		return 1;
	printf("%s: sectors %llu-%llu ok checksum 0x%08x\n", who, first, last, blk_csum_value(&c));
	return 0;
}

int scenario_ide_rw(struct boot_params *bp)
{
	return ide_rw(bp, "ide-rw", true);
}

int scenario_ide_read(struct boot_params *bp)
{
	return ide_rw(bp, "ide-read", false);
}
