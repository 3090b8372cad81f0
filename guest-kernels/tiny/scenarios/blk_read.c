/*
 * test=blk-read sectors=A-B [seed=S] [qd=N]: reads sectors A..B of every virtio-blk disk and
 * verifies the pattern the host wrote there (disk i with seed S+i), then prints
 * "blk-read: disk I sectors A-B ok checksum 0xC".
 */
#include "scenarios/scenario.h"
#include "scenarios/blk_common.h"
#include "lib/printf.h"

int scenario_blk_read(struct boot_params *bp)
{
	struct virtio_blk *disks = blk_disks;
	struct vblk_opts opts;
	u64 seed, qd, first, last;
	int n = blk_setup(bp, "blk-read", disks, &opts);

	if (n < 0 || blk_get_num("blk-read", "seed", BLK_DEFAULT_S, 0, ~0ULL, &seed) ||
	    blk_get_num("blk-read", "qd", 1, 1, BLK_MAX_QD, &qd))
		return 1;
	for (int i = 0; i < n; i++) {
		struct blk_csum c = {0, 0};

		if (blk_get_range("blk-read", &disks[i], &first, &last) ||
		    blk_stream(&disks[i], "blk-read", false, first, last, seed + i, (unsigned)qd,
			       &c))
			return 1;
		printf("blk-read: disk %d sectors %llu-%llu ok checksum 0x%08x\n", i, first, last,
		       blk_csum_value(&c));
	}
	return 0;
}
