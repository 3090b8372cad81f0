/*
 * test=blk-exits count=N [size=BYTES] [qd=Q] [burst=M] [write=1]: the workload whose VM exits
 * are counted (kvmini --exit-stats). N requests of BYTES (default 4096) on disk 0, sector
 * after sector, inside measurement window 1: outb(1, 0x510) before the first request, outb(0,
 * 0x510) after the last completion; nothing else in between touches a device (no printing).
 * Requests are read by default; qd keeps up to Q in flight (default 1); burst=M instead
 * submits M back to back, each published in the avail ring as soon as it is built (a
 * polling device takes them without a kick), then waits for all M. warmup=W does W reads
 * before the window, so a polling device is already polling when it opens. The driver's own
 * counts are printed after the window.
 */
#include "scenarios/scenario.h"
#include "scenarios/blk_common.h"
#include "arch/io.h"
#include "drivers/watchdog.h"
#include "lib/heap.h"
#include "lib/printf.h"
#include "guest_abi.h"

#define WINDOW 1

struct xreq {
	struct vblk_req req;
	u8 *buf;
	bool busy;
};

static struct xreq reqs[BLK_MAX_QD];

static unsigned kicks(const struct virtio_blk *b, bool skipped)
{
	unsigned n = 0;

	for (unsigned i = 0; i < b->nvqs; i++)
		n += skipped ? b->vqs[i].kicks_skipped : b->vqs[i].kicks;
	return n;
}

/* Inside the window: on failure just say which request; details come after. */
static bool check(struct virtio_blk *b, struct xreq *x, u32 size)
{
	x->busy = false;
	return vblk_wait_req(b, &x->req) && x->req.status == VIRTIO_BLK_S_OK &&
	       x->req.used_len == (x->req.hdr.type == VIRTIO_BLK_T_IN ? size + 1 : 1);
}

int scenario_blk_exits(struct boot_params *bp)
{
	struct virtio_blk *disks = blk_disks;
	struct vblk_opts opts;
	u64 count, size, qd, burst, wr, warmup;
	int n = blk_setup(bp, "blk-exits", disks, &opts);

	if (n < 0 || blk_get_num("blk-exits", "count", 1, 1, 1000000, &count) ||
	    blk_get_num("blk-exits", "size", 4096, VBLK_SECTOR, VBLK_MAX_BYTES, &size) ||
	    blk_get_num("blk-exits", "qd", 1, 1, BLK_MAX_QD, &qd) ||
	    blk_get_num("blk-exits", "burst", 0, 0, BLK_MAX_QD, &burst) ||
	    blk_get_num("blk-exits", "write", 0, 0, 1, &wr) ||
	    blk_get_num("blk-exits", "warmup", 0, 0, 1000, &warmup))
		return 1;
	struct virtio_blk *b = &disks[0];
	u32 nsec = (u32)(size / VBLK_SECTOR), type = wr ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
	unsigned slots = burst ? (unsigned)burst : (unsigned)qd;
	if (size % VBLK_SECTOR || nsec > b->capacity) {
		printf("blk-exits: size %llu is not whole sectors or exceeds the disk\n", size);
		return 1;
	}
	for (unsigned i = 0; i < slots; i++) {
		reqs[i].buf = heap_alloc(size);
		reqs[i].busy = false;
		if (!reqs[i].buf) {
			printf("blk-exits: out of memory\n");
			return 1;
		}
		/* A write stores the pattern (seed 0): no guest work inside the window. */
		pattern_fill(reqs[i].buf, 0, 0, nsec);
	}
	/* A polling driver's own checks would be exits in the window: only on a hang. */
	b->opts.poll_check = 1u << 20;
	u64 positions = b->capacity - nsec + 1, failed = ~0ULL;
	unsigned irqs0 = b->vdev.irqs, done0 = b->completed;
	unsigned kicks0 = kicks(b, false), skipped0 = kicks(b, true);

	for (u64 i = 0; i < warmup; i++) {
		if (vblk_submit(b, &reqs[0].req, VIRTIO_BLK_T_IN, 0, reqs[0].buf, (u32)size) ||
		    !check(b, &reqs[0], (u32)size)) {
			printf("blk-exits: warm-up read failed\n");
			return 1;
		}
	}
	irqs0 = b->vdev.irqs;
	done0 = b->completed;
	kicks0 = kicks(b, false);
	skipped0 = kicks(b, true);
	watchdog_arm_quiet(60000 + (u32)(count / 10)); /* outside the window; no nudges in it */
	outb(WINDOW, KVMINI_MARKER_PORT);
	for (u64 i = 0, k = 0; i < count && failed == ~0ULL;) {
		if (burst) {
			unsigned m = count - i < burst ? (unsigned)(count - i) : (unsigned)burst;

			for (unsigned j = 0; j < m; j++, i++) {
				if (vblk_submit(b, &reqs[j].req, type, i * nsec % positions,
						reqs[j].buf, (u32)size))
					failed = i;
				reqs[j].busy = true;
			}
			for (unsigned j = 0; j < m; j++) {
				if (!check(b, &reqs[j], (u32)size) && failed == ~0ULL)
					failed = i - m + j;
			}
		} else {
			struct xreq *x = &reqs[k % slots];

			if (x->busy && !check(b, x, (u32)size))
				failed = i - slots;
			if (vblk_submit(b, &x->req, type, i * nsec % positions, x->buf, (u32)size))
				failed = i;
			x->busy = true;
			i++;
			k++;
		}
	}
	for (unsigned j = 0; j < slots && failed == ~0ULL; j++) {
		if (reqs[j].busy && !check(b, &reqs[j], (u32)size))
			failed = count;
	}
	outb(0, KVMINI_MARKER_PORT);
	watchdog_stop();

	if (failed != ~0ULL) {
		printf("blk-exits: request %llu failed: %s\n", failed,
		       b->vdev.needs_reset || watchdog_fired() ? vblk_wait_failure(b)
							       : "bad status or length");
		return 1;
	}
	printf("blk-exits: disk 0: %llu %s of %llu bytes, %s %llu, %s: ok\n", count,
	       wr ? "writes" : "reads", size, burst ? "burst" : "qd", burst ? burst : qd,
	       opts.poll ? "polling" : "interrupts");
	printf("blk-exits: driver: %u kicks, %u kicks skipped, %u interrupts, %u completions\n",
	       kicks(b, false) - kicks0, kicks(b, true) - skipped0, b->vdev.irqs - irqs0,
	       b->completed - done0);
	return 0;
}
