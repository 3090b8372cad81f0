/*
 * test=mmio-hostile: abuses the virtio-mmio register interface of disk 0 (status order, queue
 * registers at the wrong time or with bad values, selectors and kicks out of range, resets
 * with requests in flight, odd access sizes) and checks each answer against the transport's
 * rules (issue 10, summarised in README.md). One line per case, "mmio-hostile: CASE: ok
 * (WHAT)" or "mmio-hostile: CASE: FAIL (WHY)", then "mmio-hostile: N/M cases ok".
 *
 * After every case the device must answer one good read of sector 0 with the right data
 * (seed=S, default 999: what the host tests fill an image with), either at once (the abuse was
 * to be ignored) or after a reset and a fresh initialisation (the abuse was to be refused or
 * to end in DEVICE_NEEDS_RESET); which one is part of each case. A device that must not serve
 * is given a kick and then quiet=MS (default 100) to prove it does nothing; every other wait
 * is bounded by the watchdog (case=MS, default 3000), so a device that never answers is a FAIL
 * line, not a hang. only=N runs case N alone (1-based), to look at one case at a time.
 *
 * This file holds the set-up, the helpers the cases share (mmio_hostile.h) and the order the
 * cases run in. The cases themselves go by rule: mmio_hostile_queue.c (queue set-up, R4-R7),
 * mmio_hostile_status.c (the status register and resets, R1-R4, R9, R11),
 * mmio_hostile_notify.c (kicks, R8) and mmio_hostile_regs.c (access sizes and config space,
 * R10).
 */
#include "scenarios/mmio_hostile.h"
#include "scenarios/scenario.h"
#include "arch/irq.h"
#include "boot/boot.h"
#include "drivers/watchdog.h"
#include "lib/heap.h"
#include "lib/printf.h"
#include "lib/string.h"

struct virtio_blk *mh_blk;
struct virtio_mmio_dev *mh_dev;
u64 mh_capacity;
u32 mh_case_ms = 3000;
u64 mh_ram_end;
u16 mh_qnum;
u8 *mh_table;
u8 *mh_bufs[NREQS];

static u64 seed = 999;
static u32 quiet_ms = 100;
static unsigned cases, passed;
static struct vblk_req req; /* the probe read of a device that must not serve */
static u8 *buf;		    /* its data, and the good read's */
static bool primed;	    /* mh_bufs[0] must stay FILL: see mh_prime() */

const char *mh_prime(void)
{
	watchdog_arm(mh_case_ms);
	if (vblk_rw(mh_blk, VIRTIO_BLK_T_IN, 1, mh_bufs[0], VBLK_SECTOR) != VIRTIO_BLK_S_OK)
		return "the read before the abuse failed";
	memset(mh_bufs[0], FILL, VBLK_SECTOR);
	primed = true;
	return NULL;
}

/* One good read of sector 0, checked byte for byte; with reinit, a fresh set-up first. */
static const char *good_read(bool reinit)
{
	static char why[96];
	struct virtqueue *vq = vq0();
	struct blk_csum c = {0, 0};

	if (reinit) {
		const char *err = vblk_init(mh_blk);
		if (err)
			return err;
	}
	memset(buf, FILL, VBLK_SECTOR);
	watchdog_arm(mh_case_ms);
	u16 before = READ_ONCE(vq->used->idx);
	int st = vblk_rw(mh_blk, VIRTIO_BLK_T_IN, 0, buf, VBLK_SECTOR);
	u16 after = READ_ONCE(vq->used->idx);

	if (st < 0)
		return "the good read never completed";
	if (st != VIRTIO_BLK_S_OK) {
		snprintf(why, sizeof(why), "the good read got status %s", vblk_status_name(st));
		return why;
	}
	if (after != (u16)(before + 1)) {
		snprintf(why, sizeof(why), "the good read took used.idx from %u to %u", before,
			 after);
		return why;
	}
	if (pattern_check(buf, seed, 0, 1, &c) >= 0)
		return "the good read returned the wrong data";
	if (primed && !all_fill(mh_bufs[0], VBLK_SECTOR))
		return "an old request was served again";
	return NULL;
}

void mh_conclude(const char *name, bool ok, bool reinit, const char *desc)
{
	const char *err = ok ? good_read(reinit) : NULL;

	primed = false;
	cases++;
	if (ok && !err) {
		passed++;
		printf(WHO ": %s: ok (%s)\n", name, desc);
		return;
	}
	printf(WHO ": %s: FAIL (%s%s%s)\n", name, desc, err ? "; then " : "", err ? err : "");
	err = vblk_init(mh_blk);
	if (err)
		printf(WHO ": re-initialisation failed: %s\n", err);
}

bool mh_setup_failed(const char *name, const char *err)
{
	if (err)
		mh_conclude(name, false, true, err);
	return err != NULL;
}

void mh_quiet(void)
{
	unsigned long flags = irq_save();

	watchdog_arm(quiet_ms);
	while (!watchdog_fired())
		wait_for_irq();
	irq_restore(flags);
}

void mh_post_probe(struct virtqueue *vq)
{
	const struct vq_sg sg[] = {{pa(&req.hdr), sizeof(req.hdr), false},
				   {pa(buf), VBLK_SECTOR, true},
				   {pa(&req.status), 1, true}};

	req.hdr = (struct virtio_blk_outhdr){.type = VIRTIO_BLK_T_IN, .sector = 0};
	req.status = 0xff;
	req.done = false;
	req.used_len = 0;
	memset(buf, FILL, VBLK_SECTOR);
	if (vq_add(vq, sg, 3, &req))
		printf(WHO ": could not queue the probe read\n");
	vq_notify(vq);
}

bool mh_probe_served(const struct virtqueue *vq, u16 used0)
{
	return READ_ONCE(vq->used->idx) != used0 || req.status != 0xff ||
	       !all_fill(buf, VBLK_SECTOR);
}

bool mh_kick_served(void)
{
	u16 used0 = READ_ONCE(vq0()->used->idx);

	mh_post_probe(vq0());
	mh_quiet();
	return mh_probe_served(vq0(), used0);
}

void mh_raw_reset(void)
{
	mh_blk->nvqs = mh_blk->next_vq = 0;
	vio_reset(mh_dev);
}

u64 mh_device_features(void)
{
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	u64 f = (u64)rd(VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	return f | rd(VIRTIO_MMIO_DEVICE_FEATURES);
}

void mh_driver_features(u64 f)
{
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, (u32)(f >> 32));
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, (u32)f);
}

struct ring_regs mh_ring_of(const struct virtqueue *vq)
{
	return (struct ring_regs){vq->num, vq_desc_addr(vq), vq_avail_addr(vq), vq_used_addr(vq)};
}

void mh_queue_regs(struct ring_regs r)
{
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(VIRTIO_MMIO_QUEUE_NUM, r.num);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (u32)r.desc);
	wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, (u32)(r.desc >> 32));
	wr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, (u32)r.avail);
	wr(VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (u32)(r.avail >> 32));
	wr(VIRTIO_MMIO_QUEUE_USED_LOW, (u32)r.used);
	wr(VIRTIO_MMIO_QUEUE_USED_HIGH, (u32)(r.used >> 32));
}

bool mh_regs_read_back(struct ring_regs r)
{
	return rd(VIRTIO_MMIO_QUEUE_DESC_LOW) == (u32)r.desc &&
	       rd(VIRTIO_MMIO_QUEUE_DESC_HIGH) == (u32)(r.desc >> 32) &&
	       rd(VIRTIO_MMIO_QUEUE_AVAIL_LOW) == (u32)r.avail &&
	       rd(VIRTIO_MMIO_QUEUE_AVAIL_HIGH) == (u32)(r.avail >> 32) &&
	       rd(VIRTIO_MMIO_QUEUE_USED_LOW) == (u32)r.used &&
	       rd(VIRTIO_MMIO_QUEUE_USED_HIGH) == (u32)(r.used >> 32);
}

void mh_ring_init(void)
{
	vq_init(vq0(), 0, mh_dev->base + VIRTIO_MMIO_QUEUE_NOTIFY, mh_qnum, false, false, NULL,
		mh_blk);
}

const char *mh_setup_to_ready(void)
{
	const char *err = vblk_init_features(mh_blk);

	return err ? err : vblk_init_queues(mh_blk);
}

const char *mh_live(void)
{
	const char *err = vblk_init(mh_blk);

	return err ? err : mh_prime();
}

static void (*const all_cases[])(void) = {
    mh_case_rearm_size3,
    mh_case_rearm_size0,
    mh_case_rearm_size_big,
    mh_case_rearm_desc_misaligned,
    mh_case_rearm_avail_misaligned,
    mh_case_rearm_used_misaligned,
    mh_case_rearm_desc_not_ram,
    mh_case_rearm_used_past_ram,
    mh_case_rearm_good,
    mh_case_setup_while_needs_reset,
    mh_case_driver_ok_without_features_ok,
    mh_case_driver_without_ack,
    mh_case_features_ok_without_driver,
    mh_case_features_without_version_1,
    mh_case_features_not_offered,
    mh_case_clear_after_driver_ok,
    mh_case_clear_and_add_failed,
    mh_case_clear_during_setup,
    mh_case_ready0_after_driver_ok,
    mh_case_num_after_driver_ok,
    mh_case_addrs_after_driver_ok,
    mh_case_queue_sel,
    mh_case_kick_nonexistent,
    mh_case_kick_never_ready,
    mh_case_kick_made_unready,
    mh_case_needs_reset_live,
    mh_case_reset_in_flight,
    mh_case_reset_clears,
    mh_case_config_reads,
    mh_case_config_writes,
    mh_case_ctrl_reads,
    mh_case_ctrl_writes,
};

/* The end of the highest RAM range below 4 GiB: what lies just past it is not RAM. */
static u64 find_ram_end(const struct boot_params *bp)
{
	u64 end = 0;

	for (unsigned i = 0; i < boot_e820_count(bp); i++) {
		const struct boot_e820_entry *e = &bp->e820_table[i];
		u64 top = e->addr + e->size;
		if (e->type == E820_TYPE_RAM && top <= (1ULL << 32) && top > end)
			end = top;
	}
	return end;
}

int scenario_mmio_hostile(struct boot_params *bp)
{
	struct vblk_opts opts;
	u64 ms, qms, only;
	int n = blk_setup(bp, WHO, blk_disks, &opts);

	if (n < 0 || blk_get_num(WHO, "case", mh_case_ms, 1, 500000, &ms) ||
	    blk_get_num(WHO, "quiet", quiet_ms, 1, 60000, &qms) ||
	    blk_get_num(WHO, "seed", seed, 0, ~0ULL, &seed) ||
	    blk_get_num(WHO, "capacity", 0, 0, ~0ULL, &mh_capacity) ||
	    blk_get_num(WHO, "only", 0, 0, ARRAY_SIZE(all_cases), &only))
		return 1;
	mh_case_ms = (u32)ms;
	quiet_ms = (u32)qms;
	mh_blk = &blk_disks[0];
	mh_dev = &mh_blk->vdev;
	/* Queue 0 only: the cases name it, and the good read's used.idx check needs it. */
	mh_blk->opts.queues = 1;
	buf = heap_alloc(PAGE_SIZE);
	mh_table = heap_alloc(PAGE_SIZE);
	for (unsigned i = 0; i < NREQS; i++)
		mh_bufs[i] = heap_alloc(REQ_LEN);
	mh_ram_end = find_ram_end(bp);
	if (!buf || !mh_table || !mh_bufs[NREQS - 1] || mh_ram_end < PAGE_SIZE ||
	    mh_blk->capacity < NREQS * (REQ_LEN / VBLK_SECTOR)) {
		printf(WHO ": need memory and a disk of at least %u sectors\n",
		       NREQS * (REQ_LEN / VBLK_SECTOR));
		return 1;
	}
	memset(mh_table, 0, PAGE_SIZE);
	const char *err = vblk_init(mh_blk);
	if (err) {
		printf(WHO ": set-up failed: %s\n", err);
		return 1;
	}
	mh_qnum = vq0()->num;

	for (unsigned i = 0; i < ARRAY_SIZE(all_cases); i++) {
		if (!only || only == i + 1)
			all_cases[i]();
	}
	watchdog_stop();
	printf(WHO ": %u/%u cases ok\n", passed, cases);
	return passed == cases ? 0 : 1;
}
