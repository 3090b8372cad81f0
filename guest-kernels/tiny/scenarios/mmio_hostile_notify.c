/*
 * test=mmio-hostile, the notify rules (R8): kicks on a nonexistent queue, on one never made
 * ready and on one made not ready are ignored.
 */
#include "scenarios/mmio_hostile.h"
#include "lib/printf.h"

static char what[200];

/* ---- R8: kicks that must be ignored ---- */

void mh_case_kick_nonexistent(void)
{
	const char *name = "kick on a nonexistent queue";
	const u32 sels[] = {mh_blk->num_queues, 7, 0xffff, 0xffffffff};
	const char *err = mh_live();

	if (mh_setup_failed(name, err))
		return;
	for (unsigned i = 0; i < ARRAY_SIZE(sels); i++)
		wr(VIRTIO_MMIO_QUEUE_NOTIFY, sels[i]);
	/* Give a device that mishandles them the time to show it. */
	mh_quiet();
	u32 st = status();

	snprintf(what, sizeof(what), "%u kicks, Status 0x%02x", (unsigned)ARRAY_SIZE(sels), st);
	mh_conclude(name, st == S_LIVE, false, what);
}

void mh_case_kick_never_ready(void)
{
	const char *name = "kick on a queue never made ready";
	const char *err = vblk_init_features(mh_blk);

	if (mh_setup_failed(name, err))
		return;
	mh_ring_init();
	mh_queue_regs(mh_ring_of(vq0()));
	vio_add_status(mh_dev, S_DRIVER_OK);
	u32 st = status();
	bool served = mh_kick_served();
	u32 st2 = status();

	snprintf(what, sizeof(what), "Status 0x%02x after DRIVER_OK, %s, then Status 0x%02x", st,
		 served_str(served), st2);
	mh_conclude(name, st == S_LIVE && !served && st2 == S_LIVE, true, what);
}

void mh_case_kick_made_unready(void)
{
	const char *name = "kick on a queue made not ready (QueueReady=0)";
	const char *err = mh_setup_to_ready();

	if (mh_setup_failed(name, err))
		return;
	wr(VIRTIO_MMIO_QUEUE_READY, 0);
	u32 ready = rd(VIRTIO_MMIO_QUEUE_READY);
	vio_add_status(mh_dev, S_DRIVER_OK);
	u32 st = status();
	bool served = mh_kick_served();
	u32 st2 = status();

	snprintf(what, sizeof(what),
		 "QueueReady %u, Status 0x%02x after DRIVER_OK, %s, then Status 0x%02x", ready, st,
		 served_str(served), st2);
	mh_conclude(name, !ready && st == S_LIVE && !served && st2 == S_LIVE, true, what);
}
