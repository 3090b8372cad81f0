/*
 * test=mmio-hostile, the queue set-up rules: a queue re-armed with registers it must refuse
 * (R6) or with good ones, set-up while NEEDS_RESET (R4, R5), queue registers after DRIVER_OK
 * (R5), and QueueSel out of range (R7).
 */
#include "scenarios/mmio_hostile.h"
#include "lib/printf.h"
#include "lib/string.h"

static char what[200];

/* ---- R6: QueueReady=1 again on a ready queue, with registers it must refuse ---- */

enum rearm {
	REARM_SIZE3,
	REARM_SIZE0,
	REARM_SIZE_BIG,
	REARM_DESC_MISALIGNED,
	REARM_AVAIL_MISALIGNED,
	REARM_USED_MISALIGNED,
	REARM_DESC_NOT_RAM,
	REARM_USED_PAST_RAM,
};

static void case_rearm(const char *name, enum rearm how)
{
	const char *err = mh_setup_to_ready();

	if (mh_setup_failed(name, err))
		return;
	struct ring_regs r = mh_ring_of(vq0());
	u32 max = rd(VIRTIO_MMIO_QUEUE_NUM_MAX);

	switch (how) {
	case REARM_SIZE3:
		r.num = 3;
		break;
	case REARM_SIZE0:
		r.num = 0;
		break;
	case REARM_SIZE_BIG:
		r.num = 2 * max;
		break;
	case REARM_DESC_MISALIGNED:
		r.desc += 8; /* 16 wanted */
		break;
	case REARM_AVAIL_MISALIGNED:
		r.avail += 1; /* 2 wanted */
		break;
	case REARM_USED_MISALIGNED:
		r.used += 2; /* 4 wanted */
		break;
	case REARM_DESC_NOT_RAM:
		r.desc = NOT_RAM;
		break;
	case REARM_USED_PAST_RAM:
		r.used = mh_ram_end - 8; /* starts in RAM, ends past it */
		break;
	}
	/* The sequence: set-up done right and QueueReady=1, then new values, again. */
	mh_queue_regs(r);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	u32 ready = rd(VIRTIO_MMIO_QUEUE_READY), st = status();
	vio_add_status(mh_dev, S_DRIVER_OK);
	u32 st2 = status();
	bool served = mh_kick_served();

	snprintf(what, sizeof(what), "QueueReady %u, Status 0x%02x, 0x%02x after DRIVER_OK, %s",
		 ready, st, st2, served_str(served));
	mh_conclude(name, !ready && st == (S_SETUP | S_NEEDS_RESET) && st2 == st && !served, true,
		    what);
}

void mh_case_rearm_size3(void)
{
	case_rearm("re-armed queue with bad size", REARM_SIZE3);
}

void mh_case_rearm_size0(void)
{
	case_rearm("re-armed queue with size 0", REARM_SIZE0);
}

void mh_case_rearm_size_big(void)
{
	case_rearm("re-armed queue with size > QueueNumMax", REARM_SIZE_BIG);
}

void mh_case_rearm_desc_misaligned(void)
{
	case_rearm("re-armed queue with misaligned descriptor table", REARM_DESC_MISALIGNED);
}

void mh_case_rearm_avail_misaligned(void)
{
	case_rearm("re-armed queue with misaligned driver ring", REARM_AVAIL_MISALIGNED);
}

void mh_case_rearm_used_misaligned(void)
{
	case_rearm("re-armed queue with misaligned device ring", REARM_USED_MISALIGNED);
}

void mh_case_rearm_desc_not_ram(void)
{
	case_rearm("re-armed queue with descriptor table outside RAM", REARM_DESC_NOT_RAM);
}

void mh_case_rearm_used_past_ram(void)
{
	case_rearm("re-armed queue with device ring crossing the end of RAM", REARM_USED_PAST_RAM);
}

/* A re-arm with the same good registers is a fresh queue that works. */
void mh_case_rearm_good(void)
{
	const char *name = "re-armed queue with good registers";
	const char *err = mh_setup_to_ready();

	if (mh_setup_failed(name, err))
		return;
	mh_queue_regs(mh_ring_of(vq0()));
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	u32 ready = rd(VIRTIO_MMIO_QUEUE_READY), st = status();
	err = vblk_init_finish(mh_blk);
	snprintf(what, sizeof(what), "QueueReady %u, Status 0x%02x, then 0x%02x after DRIVER_OK",
		 ready, st, status());
	mh_conclude(name, ready == 1 && st == S_SETUP && !err && status() == S_LIVE, false, what);
}

/* ---- R4, R5: nothing but FAILED and a reset while NEEDS_RESET is set ---- */

void mh_case_setup_while_needs_reset(void)
{
	const char *name = "queue set-up while NEEDS_RESET";
	const char *err = mh_setup_to_ready();

	if (mh_setup_failed(name, err))
		return;
	struct ring_regs good = mh_ring_of(vq0());
	wr(VIRTIO_MMIO_QUEUE_NUM, 3);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	u32 st = status();
	/* Everything right this time: still refused until a reset. */
	mh_queue_regs(good);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	u32 ready = rd(VIRTIO_MMIO_QUEUE_READY);
	vio_add_status(mh_dev, S_DRIVER_OK);
	u32 st2 = status();
	vio_add_status(mh_dev, S_FAILED);
	u32 st3 = status();
	bool served = mh_kick_served();

	snprintf(what, sizeof(what),
		 "Status 0x%02x, QueueReady %u after a good re-arm, 0x%02x after DRIVER_OK, "
		 "0x%02x after FAILED, %s",
		 st, ready, st2, st3, served_str(served));
	mh_conclude(name,
		    st == (S_SETUP | S_NEEDS_RESET) && !ready && st2 == st &&
			st3 == (st | S_FAILED) && !served,
		    true, what);
}

/* ---- R5: queue registers after DRIVER_OK change nothing ---- */

void mh_case_ready0_after_driver_ok(void)
{
	const char *name = "QueueReady=0 after DRIVER_OK";
	const char *err = mh_live();

	if (mh_setup_failed(name, err))
		return;
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(VIRTIO_MMIO_QUEUE_READY, 0);
	u32 ready = rd(VIRTIO_MMIO_QUEUE_READY), st = status();

	snprintf(what, sizeof(what), "QueueReady %u, Status 0x%02x", ready, st);
	mh_conclude(name, ready == 1 && st == S_LIVE, false, what);
}

void mh_case_num_after_driver_ok(void)
{
	const char *name = "QueueNum and QueueReady=1 after DRIVER_OK";
	const char *err = mh_live();

	if (mh_setup_failed(name, err))
		return;
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(VIRTIO_MMIO_QUEUE_NUM, mh_qnum / 2);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	u32 ready = rd(VIRTIO_MMIO_QUEUE_READY), st = status();

	snprintf(what, sizeof(what), "QueueNum %u: QueueReady %u, Status 0x%02x", mh_qnum / 2,
		 ready, st);
	mh_conclude(name, ready == 1 && st == S_LIVE, false, what);
}

void mh_case_addrs_after_driver_ok(void)
{
	const char *name = "ring addresses and QueueReady=1 after DRIVER_OK";
	const char *err = mh_live();

	if (mh_setup_failed(name, err))
		return;
	struct ring_regs old = mh_ring_of(vq0()),
			 moved = {mh_qnum, pa(mh_table), pa(mh_table), pa(mh_table)};

	/* Valid addresses of a zeroed page: a device that took them would serve nothing. */
	mh_queue_regs(moved);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	bool same = mh_regs_read_back(old);
	u32 ready = rd(VIRTIO_MMIO_QUEUE_READY), st = status();

	snprintf(what, sizeof(what), "addresses %s, QueueReady %u, Status 0x%02x",
		 same ? "unchanged" : "CHANGED", ready, st);
	mh_conclude(name, same && ready == 1 && st == S_LIVE, false, what);
}

/* ---- R7: QueueSel out of range ---- */

void mh_case_queue_sel(void)
{
	const char *name = "QueueSel out of range";
	const u32 sels[] = {mh_blk->num_queues, 7, 0xffff, 0xffffffff};
	const char *err = vblk_init_features(mh_blk);
	bool ok = !err;

	if (mh_setup_failed(name, err))
		return;
	mh_ring_init();
	struct ring_regs r = mh_ring_of(vq0());
	what[0] = '\0';
	for (unsigned i = 0; i < ARRAY_SIZE(sels); i++) {
		wr(VIRTIO_MMIO_QUEUE_SEL, sels[i]);
		u32 max = rd(VIRTIO_MMIO_QUEUE_NUM_MAX), ready0 = rd(VIRTIO_MMIO_QUEUE_READY);
		/* queue_regs would select queue 0: write them here, under the bad selector. */
		wr(VIRTIO_MMIO_QUEUE_NUM, r.num);
		wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (u32)r.desc);
		wr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, (u32)r.avail);
		wr(VIRTIO_MMIO_QUEUE_USED_LOW, (u32)r.used);
		wr(VIRTIO_MMIO_QUEUE_READY, 1);
		u32 ready = rd(VIRTIO_MMIO_QUEUE_READY), dlo = rd(VIRTIO_MMIO_QUEUE_DESC_LOW);
		if (max || ready0 || ready || dlo) {
			snprintf(
			    what, sizeof(what),
			    "QueueSel 0x%x: QueueNumMax %u, QueueReady %u/%u, QueueDescLow 0x%x",
			    sels[i], max, ready0, ready, dlo);
			ok = false;
			break;
		}
	}
	/* None of it may have landed on queue 0, and its normal set-up must still work. */
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	u32 dlo0 = rd(VIRTIO_MMIO_QUEUE_DESC_LOW), st = status();
	if (ok && (dlo0 || st != S_SETUP)) {
		snprintf(what, sizeof(what), "queue 0: QueueDescLow 0x%x, Status 0x%02x", dlo0, st);
		ok = false;
	}
	if (ok) {
		err = vblk_init_queues(mh_blk);
		if (!err)
			err = vblk_init_finish(mh_blk);
		if (err) {
			snprintf(what, sizeof(what), "then %s", err);
			ok = false;
		}
	}
	if (ok)
		snprintf(what, sizeof(what), "%u selectors: QueueNumMax 0, writes ignored",
			 (unsigned)ARRAY_SIZE(sels));
	mh_conclude(name, ok, false, what);
}
