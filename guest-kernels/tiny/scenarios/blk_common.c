#include "scenarios/blk_common.h"
#include "drivers/watchdog.h"
#include "lib/cmdline.h"
#include "lib/heap.h"
#include "lib/printf.h"
#include "lib/string.h"

#define WORDS_PER_SECTOR (VBLK_SECTOR / 8)

/* Request sizes in sectors, cycled: a page, single sectors, odd sizes, up to 64 KiB. */
static const u32 schedule[] = {8, 1, 16, 3, 128, 8, 7, 64, 2, 32};
#define MAX_REQ_SECTORS 128

static u32 watchdog_ms = 20000;

struct virtio_blk blk_disks[VBLK_MAX_DISKS];

void pattern_fill(void *buf, u64 seed, u64 sector, u32 nsectors)
{
	u64 *p = buf, v = pattern_word(seed, sector, 0);

	for (u64 n = (u64)nsectors * WORDS_PER_SECTOR; n; n--) {
		*p++ = v;
		v += PATTERN_A;
	}
}

u32 blk_csum_value(const struct blk_csum *c)
{
	return (u32)(c->s2 ^ (c->s2 >> 32));
}

void blk_csum_add(struct blk_csum *c, const void *buf, u64 bytes)
{
	const u64 *p = buf;
	u64 s1 = c->s1, s2 = c->s2;

	for (u64 n = bytes / 8; n; n--) {
		s1 += *p++;
		s2 += s1;
	}
	c->s1 = s1;
	c->s2 = s2;
}

long pattern_check(const void *buf, u64 seed, u64 sector, u32 nsectors, struct blk_csum *c)
{
	const u64 *p = buf;
	u64 v = pattern_word(seed, sector, 0), s1 = c->s1, s2 = c->s2;
	long bad = -1;

	for (u64 i = 0, n = (u64)nsectors * WORDS_PER_SECTOR; i < n; i++) {
		u64 w = p[i];

		if (w != v && bad < 0) {
			for (unsigned k = 0; k < 8; k++) {
				if ((u8)(w >> (8 * k)) != (u8)(v >> (8 * k))) {
					bad = (long)(i * 8 + k);
					break;
				}
			}
		}
		s1 += w;
		s2 += s1;
		v += PATTERN_A;
	}
	c->s1 = s1;
	c->s2 = s2;
	return bad;
}

void blk_watchdog(void)
{
	watchdog_arm(watchdog_ms);
}

int blk_get_num(const char *who, const char *key, u64 dflt, u64 lo, u64 hi, u64 *out)
{
	int rc = cmdline_get_u64(key, out);

	if (rc == -1)
		*out = dflt;
	if ((rc < 0 && rc != -1) || *out < lo || *out > hi) {
		printf("%s: bad %s= (want %llu-%llu)\n", who, key, lo, hi);
		return -1;
	}
	return 0;
}

int blk_setup(struct boot_params *bp, const char *who, struct virtio_blk *disks,
	      struct vblk_opts *opts)
{
	u64 ms;

	if (blk_get_num(who, "watchdog", watchdog_ms, 1, 500000, &ms))
		return -1;
	watchdog_ms = (u32)ms;
	vblk_opts_from_cmdline(opts);
	int n = vblk_probe_all(bp, who, opts, disks, VBLK_MAX_DISKS);
	if (n == 0)
		printf("%s: no virtio-blk disk in the device tree (kvmini --disk PATH)\n", who);
	if (n <= 0)
		return -1;
	if (watchdog_arm(watchdog_ms)) {
		printf("%s: cannot arm the watchdog\n", who);
		return -1;
	}
	return n;
}

int blk_get_range(const char *who, const struct virtio_blk *b, u64 *first, u64 *last)
{
	char buf[48];
	const char *p;

	if (cmdline_get("sectors", buf, sizeof(buf)) < 0 || !(p = parse_u64(buf, first)) ||
	    *p != '-' || !(p = parse_u64(p + 1, last)) || *p || *first > *last) {
		printf("%s: need sectors=A-B with A <= B\n", who);
		return -1;
	}
	if (*last >= b->capacity) {
		printf("%s: disk %u: sectors %llu-%llu past its end (%llu sectors)\n", who,
		       b->index, *first, *last, b->capacity);
		return -1;
	}
	return 0;
}

struct slot {
	struct vblk_req req;
	u8 *buf;
	u64 sector;
	u32 nsectors;
	bool busy;
};

static struct slot slots[BLK_MAX_QD];

/* Waits for a slot's request and checks it (and, for a read, its data). */
static int finish(struct virtio_blk *b, const char *who, struct slot *s, bool write, u64 seed,
		  struct blk_csum *c)
{
	const char *op = write ? "write" : "read";

	s->busy = false;
	if (!vblk_wait_req(b, &s->req)) {
		printf("%s: disk %u: %s of sectors %llu+%u: %s\n", who, b->index, op, s->sector,
		       s->nsectors, vblk_wait_failure(b));
		return 1;
	}
	if (s->req.status != VIRTIO_BLK_S_OK) {
		printf("%s: disk %u: %s of sectors %llu+%u: status %u (%s)\n", who, b->index, op,
		       s->sector, s->nsectors, s->req.status, vblk_status_name(s->req.status));
		return 1;
	}
	/* The device reports the bytes it wrote into our buffers: data plus the status byte. */
	u32 want_len = write ? 1 : s->nsectors * VBLK_SECTOR + 1;
	if (s->req.used_len != want_len) {
		printf("%s: disk %u: %s of sectors %llu+%u: used length %u, want %u\n", who,
		       b->index, op, s->sector, s->nsectors, s->req.used_len, want_len);
		return 1;
	}
	if (write)
		return 0;
	long bad = pattern_check(s->buf, seed, s->sector, s->nsectors, c);
	if (bad >= 0) {
		u64 sector = s->sector + (u64)bad / VBLK_SECTOR;
		u32 off = (u32)(bad % VBLK_SECTOR);

		printf("%s: disk %u: mismatch at sector %llu offset %u: got 0x%02x want 0x%02x\n",
		       who, b->index, sector, off, s->buf[bad], pattern_byte(seed, sector, off));
		return 1;
	}
	return 0;
}

int blk_stream(struct virtio_blk *b, const char *who, bool write, u64 first, u64 last, u64 seed,
	       unsigned qd, struct blk_csum *c)
{
	unsigned k = 0;

	for (unsigned i = 0; i < qd; i++) {
		if (!slots[i].buf)
			slots[i].buf = heap_alloc(MAX_REQ_SECTORS * VBLK_SECTOR);
		if (!slots[i].buf) {
			printf("%s: out of memory for %u buffers\n", who, qd);
			return 1;
		}
		slots[i].busy = false;
	}
	blk_watchdog();
	/* Slots are reused in order, so the oldest request is always the next slot's. */
	for (u64 sector = first; sector <= last; k++) {
		struct slot *s = &slots[k % qd];
		u32 n = schedule[k % ARRAY_SIZE(schedule)];

		if (s->busy && finish(b, who, s, write, seed, c))
			return 1;
		if (n > last - sector + 1)
			n = (u32)(last - sector + 1);
		s->sector = sector;
		s->nsectors = n;
		if (write)
			pattern_fill(s->buf, seed, sector, n);
		if (vblk_submit(b, &s->req, write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN, sector,
				s->buf, n * VBLK_SECTOR))
			return 1;
		s->busy = true;
		sector += n;
	}
	for (unsigned i = 0; i < qd; i++) {
		struct slot *s = &slots[(k + i) % qd];

		if (s->busy && finish(b, who, s, write, seed, c))
			return 1;
	}
	return 0;
}
