/*
 * test=mmio-hostile, the status rules: bits set in order (R3), a write that would clear a
 * bit (R2), NEEDS_RESET while live (R9, R4), and resets (R11, R1).
 */
#include "scenarios/mmio_hostile.h"
#include "drivers/watchdog.h"
#include "lib/printf.h"
#include "lib/string.h"

static struct vblk_req reqs[NREQS];
static char what[200];

/* ---- R3: status bits in order ---- */

void mh_case_driver_ok_without_features_ok(void)
{
	const char *name = "DRIVER_OK without FEATURES_OK";

	mh_raw_reset();
	wr(VIRTIO_MMIO_STATUS, S_ACK);
	wr(VIRTIO_MMIO_STATUS, S_ACK | S_DRIVER);
	mh_driver_features(mh_device_features() & (1ULL << VIRTIO_F_VERSION_1));
	/* A whole queue set-up, which must be ignored before FEATURES_OK (R5). */
	mh_ring_init();
	mh_queue_regs(mh_ring_of(vq0()));
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	u32 ready = rd(VIRTIO_MMIO_QUEUE_READY);
	wr(VIRTIO_MMIO_STATUS, S_ACK | S_DRIVER | S_DRIVER_OK);
	u32 st = status();
	bool served = mh_kick_served();

	snprintf(what, sizeof(what), "QueueReady %u, Status 0x%02x after DRIVER_OK, %s", ready, st,
		 served_str(served));
	mh_conclude(name, !ready && st == (S_ACK | S_DRIVER) && !served, true, what);
}

void mh_case_driver_without_ack(void)
{
	mh_raw_reset();
	wr(VIRTIO_MMIO_STATUS, S_DRIVER);
	u32 st = status();

	snprintf(what, sizeof(what), "Status 0x%02x after DRIVER", st);
	mh_conclude("DRIVER without ACKNOWLEDGE", st == 0, true, what);
}

void mh_case_features_ok_without_driver(void)
{
	mh_raw_reset();
	wr(VIRTIO_MMIO_STATUS, S_ACK);
	wr(VIRTIO_MMIO_STATUS, S_ACK | S_FEATURES_OK);
	u32 st = status();

	snprintf(what, sizeof(what), "Status 0x%02x after FEATURES_OK", st);
	mh_conclude("FEATURES_OK without DRIVER", st == S_ACK, true, what);
}

/* FEATURES_OK after DriverFeatures = f: must not stick. */
static void features_refused(const char *name, u64 f)
{
	wr(VIRTIO_MMIO_STATUS, S_ACK);
	wr(VIRTIO_MMIO_STATUS, S_ACK | S_DRIVER);
	mh_driver_features(f);
	wr(VIRTIO_MMIO_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	u32 st = status();

	snprintf(what, sizeof(what), "features 0x%llx: Status 0x%02x after FEATURES_OK", f, st);
	mh_conclude(name, st == (S_ACK | S_DRIVER), true, what);
}

void mh_case_features_without_version_1(void)
{
	mh_raw_reset();
	features_refused("FEATURES_OK without VERSION_1",
			 mh_device_features() & ~(1ULL << VIRTIO_F_VERSION_1));
}

void mh_case_features_not_offered(void)
{
	mh_raw_reset();
	u64 offered = mh_device_features();
	u64 extra = offered + 1;

	extra &= ~offered; /* the lowest bit the device does not offer */
	features_refused("FEATURES_OK with a feature not offered", offered | extra);
}

/* ---- R2: a write that would clear a bit is ignored entirely ---- */

void mh_case_clear_after_driver_ok(void)
{
	const char *name = "status write clearing bits after DRIVER_OK";
	const char *err = mh_live();

	if (mh_setup_failed(name, err))
		return;
	wr(VIRTIO_MMIO_STATUS, S_ACK | S_DRIVER);
	u32 st = status();
	wr(VIRTIO_MMIO_STATUS, S_ACK);
	u32 st2 = status();

	snprintf(what, sizeof(what), "Status 0x%02x, then 0x%02x", st, st2);
	mh_conclude(name, st == S_LIVE && st2 == S_LIVE, false, what);
}

void mh_case_clear_and_add_failed(void)
{
	const char *name = "status write clearing a bit and adding FAILED";
	const char *err = mh_live();

	if (mh_setup_failed(name, err))
		return;
	wr(VIRTIO_MMIO_STATUS, (S_LIVE & ~S_FEATURES_OK) | S_FAILED);
	u32 st = status();

	snprintf(what, sizeof(what), "Status 0x%02x", st);
	mh_conclude(name, st == S_LIVE, false, what);
}

/* During set-up the ignored write must not disturb the rest of it. */
void mh_case_clear_during_setup(void)
{
	const char *name = "status write clearing bits during set-up";
	const char *err = vblk_init_features(mh_blk);

	if (mh_setup_failed(name, err))
		return;
	wr(VIRTIO_MMIO_STATUS, S_ACK | S_DRIVER);
	u32 st = status();
	wr(VIRTIO_MMIO_STATUS, S_ACK);
	u32 st2 = status();
	err = vblk_init_queues(mh_blk);
	if (!err)
		err = vblk_init_finish(mh_blk);
	snprintf(what, sizeof(what), "Status 0x%02x, then 0x%02x; set-up %s", st, st2,
		 err ? err : "went on");
	mh_conclude(name, st == S_SETUP && st2 == S_SETUP && !err, false, what);
}

/* ---- R9, R4: NEEDS_RESET while live ---- */

static bool needs_reset_seen(void *arg)
{
	(void)arg;
	return mh_dev->needs_reset;
}

void mh_case_needs_reset_live(void)
{
	const char *name = "NEEDS_RESET after DRIVER_OK";
	const char *err = vblk_init(mh_blk);

	if (mh_setup_failed(name, err))
		return;
	struct virtqueue *vq = vq0();
	unsigned cfg_irqs = mh_dev->config_irqs;

	/* A head out of range: the device must refuse the ring and tell us by interrupt. */
	vq_publish_raw(vq, (u16)(vq->num + 5));
	vq_notify(vq);
	watchdog_arm(mh_case_ms);
	bool seen = vblk_wait(mh_blk, needs_reset_seen, NULL) || mh_dev->needs_reset;
	u32 st = status();
	vio_add_status(mh_dev, S_FAILED);
	u32 st2 = status();
	u16 used0 = READ_ONCE(vq->used->idx);
	mh_post_probe(vq);
	mh_quiet();
	bool served = mh_probe_served(vq, used0);

	snprintf(what, sizeof(what),
		 "%s, %u config interrupt(s), Status 0x%02x, 0x%02x after FAILED, %s",
		 seen ? "NEEDS_RESET" : "no NEEDS_RESET", mh_dev->config_irqs - cfg_irqs, st, st2,
		 served_str(served));
	mh_conclude(name,
		    seen && mh_dev->config_irqs > cfg_irqs && st == (S_LIVE | S_NEEDS_RESET) &&
			st2 == (st | S_FAILED) && !served,
		    true, what);
}

/* ---- R11, R1: resets ---- */

void mh_case_reset_in_flight(void)
{
	const char *name = "reset with requests in flight";
	const char *err = vblk_init(mh_blk);

	if (mh_setup_failed(name, err))
		return;
	for (unsigned i = 0; i < NREQS; i++) {
		if (vblk_submit(mh_blk, &reqs[i], VIRTIO_BLK_T_IN, i * (REQ_LEN / VBLK_SECTOR),
				mh_bufs[i], REQ_LEN)) {
			mh_conclude(name, false, true, "could not queue the reads");
			return;
		}
	}
	mh_raw_reset();
	u32 st = status();
	u16 used = READ_ONCE(vq0()->used->idx);
	/* From here on the device must leave all of it alone (its workers are stopped). */
	for (unsigned i = 0; i < NREQS; i++) {
		memset(mh_bufs[i], FILL, REQ_LEN);
		reqs[i].status = 0xff;
	}
	mh_quiet();
	bool untouched = READ_ONCE(vq0()->used->idx) == used;
	for (unsigned i = 0; i < NREQS; i++)
		untouched &= all_fill(mh_bufs[i], REQ_LEN) && reqs[i].status == 0xff;

	snprintf(what, sizeof(what), "%u reads posted, %u done at the reset, Status 0x%02x, %s",
		 NREQS, used, st, untouched ? "nothing written after it" : "WRITTEN AFTER IT");
	/* How many were done at the reset is timing, so the line says only that it was fine. */
	if (st == 0 && untouched)
		snprintf(what, sizeof(what), "%u reads posted, Status 0, nothing written after it",
			 NREQS);
	mh_conclude(name, st == 0 && untouched, true, what);
}

void mh_case_reset_clears(void)
{
	const char *name = "reset clears the registers";
	static const struct {
		u32 off;
		const char *name;
	} zero[] = {
	    {VIRTIO_MMIO_STATUS, "Status"},
	    {VIRTIO_MMIO_QUEUE_READY, "QueueReady"},
	    {VIRTIO_MMIO_QUEUE_DESC_LOW, "QueueDescLow"},
	    {VIRTIO_MMIO_QUEUE_DESC_HIGH, "QueueDescHigh"},
	    {VIRTIO_MMIO_QUEUE_AVAIL_LOW, "QueueDriverLow"},
	    {VIRTIO_MMIO_QUEUE_AVAIL_HIGH, "QueueDriverHigh"},
	    {VIRTIO_MMIO_QUEUE_USED_LOW, "QueueDeviceLow"},
	    {VIRTIO_MMIO_QUEUE_USED_HIGH, "QueueDeviceHigh"},
	    {VIRTIO_MMIO_INTERRUPT_STATUS, "InterruptStatus"},
	};
	const char *err = vblk_init(mh_blk);

	if (mh_setup_failed(name, err))
		return;
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	u32 f0 = rd(VIRTIO_MMIO_DEVICE_FEATURES);
	/* Selectors away from 0: the reset must bring them back. */
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_QUEUE_SEL, 5);
	mh_raw_reset();
	what[0] = '\0';
	for (unsigned i = 0; i < ARRAY_SIZE(zero); i++) {
		u32 val = rd(zero[i].off);
		if (val)
			snprintf(what + strlen(what), sizeof(what) - strlen(what), "%s%s 0x%x",
				 what[0] ? ", " : "", zero[i].name, val);
	}
	u32 max = rd(VIRTIO_MMIO_QUEUE_NUM_MAX), f = rd(VIRTIO_MMIO_DEVICE_FEATURES);
	if (!max)
		snprintf(what + strlen(what), sizeof(what) - strlen(what), "%sQueueSel not 0",
			 what[0] ? ", " : "");
	if (f != f0)
		snprintf(what + strlen(what), sizeof(what) - strlen(what),
			 "%sDeviceFeaturesSel not 0", what[0] ? ", " : "");
	bool ok = !what[0];
	if (ok)
		snprintf(what, sizeof(what), "status, queue registers and selectors read 0");
	mh_conclude(name, ok, true, what);
}
