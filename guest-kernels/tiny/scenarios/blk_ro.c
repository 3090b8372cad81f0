/*
 * test=blk-ro: on every read-only virtio-blk disk (--disk PATH,ro): the device offered RO,
 * a write request is refused with IOERR, and the sectors read the same before and after.
 */
#include "scenarios/scenario.h"
#include "scenarios/blk_common.h"
#include "lib/heap.h"
#include "lib/printf.h"
#include "lib/string.h"

#define RO_BYTES 4096

int scenario_blk_ro(struct boot_params *bp)
{
	struct virtio_blk *disks = blk_disks;
	struct vblk_opts opts;
	int n = blk_setup(bp, "blk-ro", disks, &opts), checked = 0;
	u8 *before = heap_alloc(RO_BYTES), *junk = heap_alloc(RO_BYTES),
	   *after = heap_alloc(RO_BYTES);

	if (n < 0)
		return 1;
	for (int i = 0; i < n; i++) {
		struct virtio_blk *b = &disks[i];

		if (!b->ro)
			continue;
		checked++;
		pattern_fill(junk, 0xbad, 0, RO_BYTES / VBLK_SECTOR);
		int r1 = vblk_rw(b, VIRTIO_BLK_T_IN, 0, before, RO_BYTES);
		int w = vblk_rw(b, VIRTIO_BLK_T_OUT, 0, junk, RO_BYTES);
		int r2 = vblk_rw(b, VIRTIO_BLK_T_IN, 0, after, RO_BYTES);
		if (r1 != VIRTIO_BLK_S_OK || r2 != VIRTIO_BLK_S_OK) {
			printf("blk-ro: disk %d: read status %d, %d\n", i, r1, r2);
			return 1;
		}
		if (w != VIRTIO_BLK_S_IOERR) {
			printf("blk-ro: disk %d: write got status %d (%s), want IOERR\n", i, w,
			       w < 0 ? "no answer" : vblk_status_name(w));
			return 1;
		}
		if (memcmp(before, after, RO_BYTES)) {
			printf("blk-ro: disk %d: refused write changed the data\n", i);
			return 1;
		}
		printf("blk-ro: disk %d: RO offered, write -> IOERR, read ok, data unchanged\n", i);
	}
	if (!checked) {
		printf("blk-ro: no read-only disk (the device did not offer VIRTIO_BLK_F_RO)\n");
		return 1;
	}
	return 0;
}
