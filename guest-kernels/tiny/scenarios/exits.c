/*
 * test=exits dev=ide|vblk op=read|write size=BYTES count=N order=seq|rand [seed=S] [multi=N]
 * [start=SECTOR] [warmup=W]: the workload examples/exit_compare.c counts, the same on either
 * disk.
 *
 * N requests of BYTES each at queue depth 1: sequential from sector `start` (default 0), or
 * at random positions aligned to BYTES drawn by a PRNG seeded with S (default 1). Writes store
 * pattern_byte(S, sector, offset) (blk_common.h), so every path leaves the same image.
 *
 * Everything else happens outside the measurement: the device is set up (for IDE with
 * multi=N, SET MULTIPLE MODE first), positions and write data are prepared, the empty
 * calibration window 255 is opened and closed (after warmup=W reads of the first request's
 * sectors, default 0, so that a device polling after each request is already polling), and
 * only then window 1 is opened around
 * exactly the N requests; nothing in it touches a device but the requests (no printing). The
 * guest's own polling checks (vblk poll_check) are kept out of it. After it, one line:
 *
 *   exits: dev=D op=O size=B count=N bytes=N*B checksum=0xC ok
 *
 * where C is the blk checksum of all data read or written, in request order. On failure:
 * "exits: FAIL why" and status 1.
 */
#include "scenarios/scenario.h"
#include "scenarios/blk_common.h"
#include "scenarios/ide_common.h"
#include "arch/io.h"
#include "drivers/watchdog.h"
#include "lib/cmdline.h"
#include "lib/heap.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "guest_abi.h"

#define WINDOW		   1
#define WINDOW_CALIBRATION KVMINI_MARKER_CALIBRATION
#define MAX_BYTES	   (VBLK_MAX_BYTES) /* per request: 256 KiB */
#define MAX_TOTAL	   (64ULL << 20)    /* all requests' data is kept in RAM */

/* splitmix64: a few multiplies per draw, plenty for spreading requests over a disk. */
static u64 prng_next(u64 *state)
{
	u64 z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int fail(const char *fmt, ...)
{
	va_list ap;

	printf("exits: FAIL ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return 1;
}

static bool get_word(const char *key, const char *a, const char *b, char *out, size_t len)
{
	if (cmdline_get(key, out, len) < 0)
		return false;
	return !strcmp(out, a) || !strcmp(out, b);
}

int scenario_exits(struct boot_params *bp)
{
	char dev[8], op[8], order[8];
	u64 size, count, seed, start, warmup;
	struct vblk_opts opts;
	struct virtio_blk *b = NULL;
	struct ata_port *ap = NULL;
	u64 capacity;

	if (!get_word("dev", "ide", "vblk", dev, sizeof(dev)))
		return fail("need dev=ide or dev=vblk");
	if (!get_word("op", "read", "write", op, sizeof(op)))
		return fail("need op=read or op=write");
	if (cmdline_get("order", order, sizeof(order)) == -1)
		memcpy(order, "seq", 4);
	else if (!get_word("order", "seq", "rand", order, sizeof(order)))
		return fail("need order=seq or order=rand");
	if (blk_get_num("exits", "size", 4096, VBLK_SECTOR, MAX_BYTES, &size) ||
	    blk_get_num("exits", "count", 1, 1, 1000000, &count) ||
	    blk_get_num("exits", "seed", BLK_DEFAULT_S, 0, ~0ULL, &seed) ||
	    blk_get_num("exits", "start", 0, 0, ~0ULL, &start) ||
	    blk_get_num("exits", "warmup", 0, 0, 1000, &warmup))
		return 1;
	if (size % VBLK_SECTOR)
		return fail("size=%llu is not a whole number of sectors", size);
	if (size * count > MAX_TOTAL)
		return fail("size*count above %llu bytes", MAX_TOTAL);
	bool write = !strcmp(op, "write"), ide = !strcmp(dev, "ide");
	u32 nsec = (u32)(size / VBLK_SECTOR);

	/* Set-up, outside any window. */
	if (ide) {
		ap = &ide_port;
		if (ide_setup(bp, "exits", ap))
			return 1;
		capacity = ap->n_sectors;
	} else {
		int n = blk_setup(bp, "exits", blk_disks, &opts);

		if (n < 0)
			return 1;
		b = &blk_disks[0];
		/* Completions by interrupt; a polling guest's checks would be exits. */
		b->opts.poll_check = 1u << 20;
		capacity = b->capacity;
	}
	if (nsec > capacity)
		return fail("size=%llu is larger than the disk", size);

	u64 *pos = heap_alloc(count * sizeof(u64));
	u8 *data = heap_alloc(count * size);
	if (!pos || !data)
		return fail("out of memory for %llu requests of %llu bytes", count, size);
	u64 state = seed, slots = capacity / nsec;
	for (u64 i = 0; i < count; i++) {
		if (!strcmp(order, "seq")) {
			pos[i] = start + i * nsec;
			if (pos[i] + nsec > capacity)
				return fail("request %llu at sector %llu is past the end (%llu)", i,
					    pos[i], capacity);
		} else {
			pos[i] = prng_next(&state) % slots * nsec;
		}
		if (write)
			pattern_fill(data + i * size, seed, pos[i], nsec);
	}
	static struct vblk_req req;
	u64 failed = ~0ULL;
	unsigned err = 0;
	int vstatus = 0;

	u8 *scratch = warmup ? heap_alloc(size) : NULL;
	if (warmup && !scratch)
		return fail("out of memory for the warm-up buffer");
	for (u64 i = 0; i < warmup; i++) {
		bool bad;

		if (ide) {
			bad = ata_rw(ap, false, pos[0], nsec, scratch) != 0;
		} else {
			int st = vblk_rw(b, VIRTIO_BLK_T_IN, pos[0], scratch, (u32)size);
			bad = st != VIRTIO_BLK_S_OK;
		}
		if (bad)
			return fail("warm-up read %llu of sector %llu+%u", i, pos[0], nsec);
	}
	watchdog_arm(60000 + (u32)(count / 10)); /* armed outside the window */
	outb(WINDOW_CALIBRATION, KVMINI_MARKER_PORT);
	outb(0, KVMINI_MARKER_PORT);
	outb(WINDOW, KVMINI_MARKER_PORT);
	for (u64 i = 0; i < count; i++) {
		u8 *p = data + i * size;

		if (ide) {
			err = ata_rw(ap, write, pos[i], nsec, p);
			if (err) {
				failed = i;
				break;
			}
		} else {
			u32 type = write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;

			if (vblk_submit(b, &req, type, pos[i], p, (u32)size) ||
			    !vblk_wait_req(b, &req) || req.status != VIRTIO_BLK_S_OK ||
			    req.used_len != (write ? 1 : (u32)size + 1)) {
				vstatus = req.done ? req.status : -1;
				failed = i;
				break;
			}
		}
	}
	outb(0, KVMINI_MARKER_PORT);
	watchdog_stop();

	if (failed != ~0ULL) {
		char why[96];

		if (ide)
			ata_err_string(err, &ap->result, why, sizeof(why));
		else if (vstatus < 0)
			snprintf(why, sizeof(why), "%s", vblk_wait_failure(b));
		else
			snprintf(why, sizeof(why), "status %d (%s), used length %u", vstatus,
				 vblk_status_name(vstatus), req.used_len);
		return fail("request %llu (%s of sector %llu+%u): %s", failed, op, pos[failed],
			    nsec, why);
	}
	/* Make writes durable, as a real workload would, now that the count is taken. */
	if (write) {
		if (ide) {
			ide_watchdog();
			err = ata_flush(ap);
			if (err)
				return fail("flush: error mask 0x%x", err);
		} else {
			blk_watchdog();
			vstatus = vblk_rw(b, VIRTIO_BLK_T_FLUSH, 0, NULL, 0);
			if (vstatus != VIRTIO_BLK_S_OK)
				return fail("flush: status %d", vstatus);
		}
	}
	struct blk_csum c = {0, 0};
	blk_csum_add(&c, data, count * size);
	printf("exits: dev=%s op=%s size=%llu count=%llu bytes=%llu checksum=0x%08x ok\n", dev, op,
	       size, count, size * count, blk_csum_value(&c));
	return 0;
}
