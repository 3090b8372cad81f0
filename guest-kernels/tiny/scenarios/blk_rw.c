/*
 * test=blk-rw sectors=A-B [seed=S] [qd=N]: on every virtio-blk disk (disk i uses seed S+i),
 * writes the pattern over sectors A..B in requests of assorted sizes, FLUSHes, reads it all
 * back and verifies it, then prints "blk-rw: disk I sectors A-B ok checksum 0xC".
 */
#include "scenarios/scenario.h"
#include "scenarios/blk_common.h"
#include "lib/printf.h"

int scenario_blk_rw(struct boot_params *bp)
{
	struct virtio_blk *disks = blk_disks;
	struct vblk_opts opts;
	u64 seed, qd, first, last;
	int n = blk_setup(bp, "blk-rw", disks, &opts);

	if (n < 0 || blk_get_num("blk-rw", "seed", BLK_DEFAULT_S, 0, ~0ULL, &seed) ||
	    blk_get_num("blk-rw", "qd", 1, 1, BLK_MAX_QD, &qd))
		return 1;
	for (int i = 0; i < n; i++) {
		struct virtio_blk *b = &disks[i];
		struct blk_csum c = {0, 0};

		if (blk_get_range("blk-rw", b, &first, &last) ||
		    blk_stream(b, "blk-rw", true, first, last, seed + i, (unsigned)qd, NULL))
			return 1;
		blk_watchdog();
		int st = vblk_rw(b, VIRTIO_BLK_T_FLUSH, 0, NULL, 0);
		if (st != VIRTIO_BLK_S_OK) {
			printf("blk-rw: disk %d: flush: status %d (%s)\n", i, st,
			       st < 0 ? "no answer" : vblk_status_name(st));
			return 1;
		}
		if (blk_stream(b, "blk-rw", false, first, last, seed + i, (unsigned)qd, &c))
			return 1;
		printf("blk-rw: disk %d sectors %llu-%llu ok checksum 0x%08x\n", i, first, last,
		       blk_csum_value(&c));
	}
	return 0;
}
