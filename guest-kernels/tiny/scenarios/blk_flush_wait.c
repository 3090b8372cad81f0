/*
 * test=blk-flush-wait sectors=A-B [seed=S]: writes the pattern on every virtio-blk disk,
 * FLUSHes, prints "blk-flush-wait: flushed" and then sleeps forever with interrupts off. The
 * host test kills kvmini with SIGKILL at that point: whatever the flush covered must be in
 * the image.
 */
#include "scenarios/scenario.h"
#include "scenarios/blk_common.h"
#include "arch/cpu.h"
#include "drivers/watchdog.h"
#include "lib/printf.h"

int scenario_blk_flush_wait(struct boot_params *bp)
{
	struct virtio_blk *disks = blk_disks;
	struct vblk_opts opts;
	u64 seed, qd, first, last;
	int n = blk_setup(bp, "blk-flush-wait", disks, &opts);

	if (n < 0 || blk_get_num("blk-flush-wait", "seed", BLK_DEFAULT_S, 0, ~0ULL, &seed) ||
	    blk_get_num("blk-flush-wait", "qd", 1, 1, BLK_MAX_QD, &qd))
		return 1;
	for (int i = 0; i < n; i++) {
		struct virtio_blk *b = &disks[i];

		if (blk_get_range("blk-flush-wait", b, &first, &last) ||
		    blk_stream(b, "blk-flush-wait", true, first, last, seed + i, (unsigned)qd,
			       NULL))
			return 1;
		blk_watchdog();
		int st = vblk_rw(b, VIRTIO_BLK_T_FLUSH, 0, NULL, 0);
		if (st != VIRTIO_BLK_S_OK) {
			printf("blk-flush-wait: disk %d: flush: status %d\n", i, st);
			return 1;
		}
	}
	watchdog_stop();
	printf("blk-flush-wait: flushed\n");
	halt_forever();
}
