/*
 * test=blk-id: for every virtio-blk disk, asks for its serial (GET_ID) and prints
 * "blk-id: disk I serial 'S' capacity N ro 0|1".
 */
#include "scenarios/scenario.h"
#include "scenarios/blk_common.h"
#include "lib/printf.h"

int scenario_blk_id(struct boot_params *bp)
{
	struct virtio_blk *disks = blk_disks;
	struct vblk_opts opts;
	char serial[VIRTIO_BLK_ID_BYTES + 1];
	int n = blk_setup(bp, "blk-id", disks, &opts);

	if (n < 0)
		return 1;
	for (int i = 0; i < n; i++) {
		int st = vblk_get_id(&disks[i], serial);

		if (st != VIRTIO_BLK_S_OK) {
			printf("blk-id: disk %d: GET_ID status %d\n", i, st);
			return 1;
		}
		printf("blk-id: disk %d serial '%s' capacity %llu ro %d\n", i, serial,
		       disks[i].capacity, disks[i].ro);
	}
	return 0;
}
