/*
 * What the virtio-blk scenarios share: the data pattern (host tests compute the same one, see
 * README.md), option parsing, and a pipelined writer/reader that keeps up to qd requests of
 * assorted sizes in flight.
 */
#ifndef TINY_SCENARIOS_BLK_COMMON_H
#define TINY_SCENARIOS_BLK_COMMON_H

#include <asm/bootparam.h>
#include "drivers/virtio_blk.h"
#include "lib/types.h"

/*
 * The pattern, one little-endian 64-bit word per 8 bytes of the disk:
 *   word(seed, n) = (n + 1) * PATTERN_A + seed * PATTERN_B  (mod 2^64),
 *   n = sector * 64 + offset / 8 (the disk's 8-byte word index),
 *   pattern_byte(seed, sector, offset) = byte (offset % 8) of word(seed, n).
 * It never repeats along a disk (PATTERN_A is odd) and costs one add per word to generate,
 * which matters at a microsecond per guest instruction.
 */
#define PATTERN_A 0x9e3779b97f4a7c15ULL
#define PATTERN_B 0xbf58476d1ce4e5b9ULL

#define BLK_MAX_QD    32
#define BLK_DEFAULT_S 1 /* seed= when not given */

static inline u64 pattern_word(u64 seed, u64 sector, u32 offset)
{
	return (sector * 64 + offset / 8 + 1) * PATTERN_A + seed * PATTERN_B;
}

static inline u8 pattern_byte(u64 seed, u64 sector, u32 offset)
{
	return (u8)(pattern_word(seed, sector, offset) >> (8 * (offset % 8)));
}

void pattern_fill(void *buf, u64 seed, u64 sector, u32 nsectors);

/*
 * Checksum of data as read, in disk order: over its little-endian 64-bit words w,
 * s1 += w, s2 += s1 (both mod 2^64, from 0), and the value is (u32)(s2 ^ (s2 >> 32)).
 */
struct blk_csum {
	u64 s1, s2;
};
u32 blk_csum_value(const struct blk_csum *c);
/* Adds bytes (a multiple of 8) of buf to c, whatever they hold. */
void blk_csum_add(struct blk_csum *c, const void *buf, u64 bytes);

/* Adds buf to c and compares it with the pattern; returns the first bad byte offset or -1. */
long pattern_check(const void *buf, u64 seed, u64 sector, u32 nsectors, struct blk_csum *c);

/* The disks blk_setup found, in device-tree order (one array for every scenario). */
extern struct virtio_blk blk_disks[VBLK_MAX_DISKS];

/*
 * Probes every virtio-blk disk with the options from the command line and arms the watchdog
 * (watchdog=MS, default 20000). Returns the number of disks (at least 1), or -1 after
 * printing why.
 */
int blk_setup(struct boot_params *bp, const char *who, struct virtio_blk *disks,
	      struct vblk_opts *opts);
/* Re-arms the watchdog for the next phase. */
void blk_watchdog(void);

/* sectors=A-B (inclusive), checked against the disk. Returns -1 after printing why. */
int blk_get_range(const char *who, const struct virtio_blk *b, u64 *first, u64 *last);
/* key=N in [lo, hi], default dflt; -1 after printing why. */
int blk_get_num(const char *who, const char *key, u64 dflt, u64 lo, u64 hi, u64 *out);

/*
 * Writes the pattern over [first, last] (write) or reads it back, verifies it and adds it to
 * c in disk order (read), with up to qd requests in flight. Returns 0, or 1 after printing
 * what went wrong.
 */
int blk_stream(struct virtio_blk *b, const char *who, bool write, u64 first, u64 last, u64 seed,
	       unsigned qd, struct blk_csum *c);

#endif
