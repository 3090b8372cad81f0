#include "scenarios/ide_common.h"
#include "drivers/watchdog.h"
#include "lib/cmdline.h"
#include "lib/heap.h"
#include "lib/printf.h"
#include "lib/string.h"

/* The blk scenarios' request sizes in sectors, cycled (up to 64 KiB). */
static const u32 schedule[] = {8, 1, 16, 3, 128, 8, 7, 64, 2, 32};
#define MAX_REQ_SECTORS 128

struct ata_port ide_port;
static u32 watchdog_ms = 20000;
static u8 *stream_buf;

void ide_watchdog(void)
{
	watchdog_arm(watchdog_ms);
}

int ide_setup(struct boot_params *bp, const char *who, struct ata_port *ap)
{
	u64 ms, multi, lba48;

	if (blk_get_num(who, "watchdog", watchdog_ms, 1, 500000, &ms) ||
	    blk_get_num(who, "multi", 0, 0, 16, &multi) ||
	    blk_get_num(who, "lba48", 0, 0, 1, &lba48))
		return -1;
	if (multi & (multi - 1)) {
		printf("%s: bad multi= (want 0, 1, 2, 4, 8 or 16)\n", who);
		return -1;
	}
	watchdog_ms = (u32)ms;
	if (ata_probe(bp, ap, who, (unsigned)multi, watchdog_ms))
		return -1;
	ap->force_lba48 = lba48;
	ide_watchdog(); /* a fresh deadline for the scenario */
	return 0;
}

int ide_get_range(const char *who, const struct ata_port *ap, u64 *first, u64 *last)
{
	char buf[48];
	const char *p;

	if (cmdline_get("sectors", buf, sizeof(buf)) < 0 || !(p = parse_u64(buf, first)) ||
	    *p != '-' || !(p = parse_u64(p + 1, last)) || *p || *first > *last) {
		printf("%s: need sectors=A-B with A <= B\n", who);
		return -1;
	}
	if (*last >= ap->n_sectors) {
		printf("%s: sectors %llu-%llu past the end of the drive (%llu sectors)\n", who,
		       *first, *last, ap->n_sectors);
		return -1;
	}
	return 0;
}

void ide_report(struct ata_port *ap, const char *who, const char *op, u64 sector, u32 n,
		unsigned err_mask)
{
	char why[96];

	printf("%s: %s of sectors %llu+%u: %s\n", who, op, sector, n,
	       ata_err_string(err_mask, &ap->result, why, sizeof(why)));
}

int ide_stream(struct ata_port *ap, const char *who, bool write, u64 first, u64 last, u64 seed,
	       struct blk_csum *c)
{
	if (!stream_buf)
		stream_buf = heap_alloc(MAX_REQ_SECTORS * ATA_SECT_SIZE);
	if (!stream_buf) {
		printf("%s: out of memory\n", who);
		return 1;
	}
	ide_watchdog();
	for (u64 sector = first, k = 0; sector <= last; k++) {
		u32 n = schedule[k % ARRAY_SIZE(schedule)];

		if (n > last - sector + 1)
			n = (u32)(last - sector + 1);
		if (write)
			pattern_fill(stream_buf, seed, sector, n);
		unsigned e = ata_rw(ap, write, sector, n, stream_buf);
		if (e) {
			ide_report(ap, who, write ? "write" : "read", sector, n, e);
			return 1;
		}
		if (!write) {
			long bad = pattern_check(stream_buf, seed, sector, n, c);

			if (bad >= 0) {
				u64 s = sector + (u64)bad / ATA_SECT_SIZE;
				u32 off = (u32)(bad % ATA_SECT_SIZE);

				printf("%s: mismatch at sector %llu offset %u: got 0x%02x want "
				       "0x%02x\n",
				       who, s, off, stream_buf[bad], pattern_byte(seed, s, off));
				return 1;
			}
		}
		sector += n;
	}
	return 0;
}
