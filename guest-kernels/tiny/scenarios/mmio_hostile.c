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
 */
#include "scenarios/scenario.h"
#include "scenarios/blk_common.h"
#include "arch/io.h"
#include "arch/irq.h"
#include "boot/boot.h"
#include "drivers/watchdog.h"
#include "lib/heap.h"
#include "lib/printf.h"
#include "lib/string.h"

#define WHO	"mmio-hostile"
#define NOT_RAM 0xe0000000ULL /* in the 3-4 GiB MMIO hole, never RAM */
#define FILL	0xa5
#define NREQS	8 /* reads in flight at a reset, 8 sectors each: the disk needs 64 */
#define REQ_LEN 4096

#define S_ACK	      VIRTIO_CONFIG_S_ACKNOWLEDGE
#define S_DRIVER      VIRTIO_CONFIG_S_DRIVER
#define S_FEATURES_OK VIRTIO_CONFIG_S_FEATURES_OK
#define S_DRIVER_OK   VIRTIO_CONFIG_S_DRIVER_OK
#define S_NEEDS_RESET VIRTIO_CONFIG_S_NEEDS_RESET
#define S_FAILED      VIRTIO_CONFIG_S_FAILED
#define S_SETUP	      (S_ACK | S_DRIVER | S_FEATURES_OK)
#define S_LIVE	      (S_SETUP | S_DRIVER_OK)

/*
 * Control registers end where config space begins. The sweeps go CFG_PAST bytes beyond config
 * space with accesses of up to 8 bytes, which must stay inside the device's 0x200-byte window
 * (kvmini's, QEMU's and Linux's usual size), or they would reach whatever lies next.
 */
#define CTRL_END   VIRTIO_MMIO_CONFIG
#define CFG_SIZE   ((u32)sizeof(struct virtio_blk_config))
#define CFG_PAST   8
#define CFG_OFF(f) ((u32) __builtin_offsetof(struct virtio_blk_config, f))
_Static_assert(CTRL_END + CFG_SIZE + CFG_PAST + 8 <= 0x200, "sweep leaves the device window");

#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))

static struct virtio_blk *b;
static struct virtio_mmio_dev *v;
static u64 seed = 999, capacity; /* capacity=N: what config space must say (0: not checked) */
static u32 case_ms = 3000, quiet_ms = 100;
static u64 ram_end; /* end of the highest RAM range below 4 GiB */
static u16 qnum;    /* queue 0's size as the driver sets it up */
static unsigned cases, passed;
static struct vblk_req req; /* the probe read of a device that must not serve */
static u8 *buf;		    /* its data, and the good read's */
static u8 *table;	    /* a zeroed page: valid RAM, wrong place for a ring */
static u8 *bufs[NREQS];
static struct vblk_req reqs[NREQS];
static bool primed; /* bufs[0] must stay FILL: see prime() */
static u8 cfg[CFG_SIZE];
static char what[200];

static u32 rd(u32 off)
{
	return vio_read(v, off);
}

static void wr(u32 off, u32 val)
{
	vio_write(v, off, val);
}

static u32 status(void)
{
	return rd(VIRTIO_MMIO_STATUS);
}

static struct virtqueue *vq0(void)
{
	return &b->vqs[0];
}

static u64 pa(const void *p)
{
	return (u64)(uintptr_t)p;
}

/* An access of exactly `size` bytes (one instruction) at offset off of the device. */
static u64 acc_read(u32 off, unsigned size)
{
	u64 a = v->base + off;

	switch (size) {
	case 1:
		return mmio_read8(a);
	case 2:
		return mmio_read16(a);
	case 4:
		return mmio_read32(a);
	default:
		return mmio_read64(a);
	}
}

static void acc_write(u32 off, unsigned size, u64 val)
{
	u64 a = v->base + off;

	switch (size) {
	case 1:
		mmio_write8(a, (u8)val);
		break;
	case 2:
		mmio_write16(a, (u16)val);
		break;
	case 4:
		mmio_write32(a, (u32)val);
		break;
	default:
		mmio_write64(a, val);
		break;
	}
}

static bool all_fill(const u8 *p, u32 len)
{
	for (u32 i = 0; i < len; i++) {
		if (p[i] != FILL)
			return false;
	}
	return true;
}

/*
 * A read forgotten as soon as it completed: a device that later rebuilt the live queue with
 * fresh indices would take its ring entry again and write bufs[0], which good_read notices.
 * Without it such a device would pass, since re-serving every old entry catches it up.
 */
static const char *prime(void)
{
	watchdog_arm(case_ms);
	if (vblk_rw(b, VIRTIO_BLK_T_IN, 1, bufs[0], VBLK_SECTOR) != VIRTIO_BLK_S_OK)
		return "the read before the abuse failed";
	memset(bufs[0], FILL, VBLK_SECTOR);
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
		const char *err = vblk_init(b);
		if (err)
			return err;
	}
	memset(buf, FILL, VBLK_SECTOR);
	watchdog_arm(case_ms);
	u16 before = READ_ONCE(vq->used->idx);
	int st = vblk_rw(b, VIRTIO_BLK_T_IN, 0, buf, VBLK_SECTOR);
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
	if (primed && !all_fill(bufs[0], VBLK_SECTOR))
		return "an old request was served again";
	return NULL;
}

/*
 * Ends a case: ok only if the device also answers the good read (reinit says how). Whatever
 * happened, the next case starts from a device that works.
 */
static void conclude(const char *name, bool ok, bool reinit, const char *desc)
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
	err = vblk_init(b);
	if (err)
		printf(WHO ": re-initialisation failed: %s\n", err);
}

/* A case whose set-up failed is reported as a FAIL line; its caller returns. */
static bool setup_failed(const char *name, const char *err)
{
	if (err)
		conclude(name, false, true, err);
	return err != NULL;
}

/* Sleeps quiet_ms whatever comes in: the time a device gets to do what it must not do. */
static void quiet(void)
{
	unsigned long flags = irq_save();

	watchdog_arm(quiet_ms);
	while (!watchdog_fired())
		wait_for_irq();
	irq_restore(flags);
}

/* Puts a read of sector 0 on vq and kicks, whatever the ring's notification state says. */
static void post_probe(struct virtqueue *vq)
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

/* Did the device touch anything of the probe, or the used ring beyond used0? */
static bool probe_served(const struct virtqueue *vq, u16 used0)
{
	return READ_ONCE(vq->used->idx) != used0 || req.status != 0xff ||
	       !all_fill(buf, VBLK_SECTOR);
}

/* Kick and wait: true if the device served the probe though it must not. */
static bool kick_served(void)
{
	u16 used0 = READ_ONCE(vq0()->used->idx);

	post_probe(vq0());
	quiet();
	return probe_served(vq0(), used0);
}

static const char *served_str(bool served)
{
	return served ? "kick SERVED" : "kick not served";
}

/* Status 0 without any of vio_reset's checks on the result; the driver forgets its queues. */
static void raw_reset(void)
{
	b->nvqs = b->next_vq = 0;
	vio_reset(v);
}

static u64 device_features(void)
{
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	u64 f = (u64)rd(VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	return f | rd(VIRTIO_MMIO_DEVICE_FEATURES);
}

static void driver_features(u64 f)
{
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, (u32)(f >> 32));
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, (u32)f);
}

struct ring_regs {
	u32 num;
	u64 desc, avail, used;
};

static struct ring_regs ring_of(const struct virtqueue *vq)
{
	return (struct ring_regs){vq->num, vq_desc_addr(vq), vq_avail_addr(vq), vq_used_addr(vq)};
}

/* QueueSel 0, then every queue register but QueueReady. */
static void queue_regs(struct ring_regs r)
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

static bool regs_read_back(struct ring_regs r)
{
	return rd(VIRTIO_MMIO_QUEUE_DESC_LOW) == (u32)r.desc &&
	       rd(VIRTIO_MMIO_QUEUE_DESC_HIGH) == (u32)(r.desc >> 32) &&
	       rd(VIRTIO_MMIO_QUEUE_AVAIL_LOW) == (u32)r.avail &&
	       rd(VIRTIO_MMIO_QUEUE_AVAIL_HIGH) == (u32)(r.avail >> 32) &&
	       rd(VIRTIO_MMIO_QUEUE_USED_LOW) == (u32)r.used &&
	       rd(VIRTIO_MMIO_QUEUE_USED_HIGH) == (u32)(r.used >> 32);
}

/* Queue 0's rings cleared for a set-up by hand (no interrupts asked for, no ring features). */
static void ring_init(void)
{
	vq_init(vq0(), 0, v->base + VIRTIO_MMIO_QUEUE_NOTIFY, qnum, false, false, NULL, b);
}

/* Reset .. FEATURES_OK and queue 0 set up and ready: just before DRIVER_OK. */
static const char *setup_to_ready(void)
{
	const char *err = vblk_init_features(b);

	return err ? err : vblk_init_queues(b);
}

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
	const char *err = setup_to_ready();

	if (setup_failed(name, err))
		return;
	struct ring_regs r = ring_of(vq0());
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
		r.used = ram_end - 8; /* starts in RAM, ends past it */
		break;
	}
	/* The sequence: set-up done right and QueueReady=1, then new values, again. */
	queue_regs(r);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	u32 ready = rd(VIRTIO_MMIO_QUEUE_READY), st = status();
	vio_add_status(v, S_DRIVER_OK);
	u32 st2 = status();
	bool served = kick_served();

	snprintf(what, sizeof(what), "QueueReady %u, Status 0x%02x, 0x%02x after DRIVER_OK, %s",
		 ready, st, st2, served_str(served));
	conclude(name, !ready && st == (S_SETUP | S_NEEDS_RESET) && st2 == st && !served, true,
		 what);
}

static void case_rearm_size3(void)
{
	case_rearm("re-armed queue with bad size", REARM_SIZE3);
}

static void case_rearm_size0(void)
{
	case_rearm("re-armed queue with size 0", REARM_SIZE0);
}

static void case_rearm_size_big(void)
{
	case_rearm("re-armed queue with size > QueueNumMax", REARM_SIZE_BIG);
}

static void case_rearm_desc_misaligned(void)
{
	case_rearm("re-armed queue with misaligned descriptor table", REARM_DESC_MISALIGNED);
}

static void case_rearm_avail_misaligned(void)
{
	case_rearm("re-armed queue with misaligned driver ring", REARM_AVAIL_MISALIGNED);
}

static void case_rearm_used_misaligned(void)
{
	case_rearm("re-armed queue with misaligned device ring", REARM_USED_MISALIGNED);
}

static void case_rearm_desc_not_ram(void)
{
	case_rearm("re-armed queue with descriptor table outside RAM", REARM_DESC_NOT_RAM);
}

static void case_rearm_used_past_ram(void)
{
	case_rearm("re-armed queue with device ring crossing the end of RAM", REARM_USED_PAST_RAM);
}

/* A re-arm with the same good registers is a fresh queue that works. */
static void case_rearm_good(void)
{
	const char *name = "re-armed queue with good registers";
	const char *err = setup_to_ready();

	if (setup_failed(name, err))
		return;
	queue_regs(ring_of(vq0()));
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	u32 ready = rd(VIRTIO_MMIO_QUEUE_READY), st = status();
	err = vblk_init_finish(b);
	snprintf(what, sizeof(what), "QueueReady %u, Status 0x%02x, then 0x%02x after DRIVER_OK",
		 ready, st, status());
	conclude(name, ready == 1 && st == S_SETUP && !err && status() == S_LIVE, false, what);
}

/* ---- R4, R5: nothing but FAILED and a reset while NEEDS_RESET is set ---- */

static void case_setup_while_needs_reset(void)
{
	const char *name = "queue set-up while NEEDS_RESET";
	const char *err = setup_to_ready();

	if (setup_failed(name, err))
		return;
	struct ring_regs good = ring_of(vq0());
	wr(VIRTIO_MMIO_QUEUE_NUM, 3);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	u32 st = status();
	/* Everything right this time: still refused until a reset. */
	queue_regs(good);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	u32 ready = rd(VIRTIO_MMIO_QUEUE_READY);
	vio_add_status(v, S_DRIVER_OK);
	u32 st2 = status();
	vio_add_status(v, S_FAILED);
	u32 st3 = status();
	bool served = kick_served();

	snprintf(what, sizeof(what),
		 "Status 0x%02x, QueueReady %u after a good re-arm, 0x%02x after DRIVER_OK, "
		 "0x%02x after FAILED, %s",
		 st, ready, st2, st3, served_str(served));
	conclude(name,
		 st == (S_SETUP | S_NEEDS_RESET) && !ready && st2 == st && st3 == (st | S_FAILED) &&
		     !served,
		 true, what);
}

/* ---- R3: status bits in order ---- */

static void case_driver_ok_without_features_ok(void)
{
	const char *name = "DRIVER_OK without FEATURES_OK";

	raw_reset();
	wr(VIRTIO_MMIO_STATUS, S_ACK);
	wr(VIRTIO_MMIO_STATUS, S_ACK | S_DRIVER);
	driver_features(device_features() & (1ULL << VIRTIO_F_VERSION_1));
	/* A whole queue set-up, which must be ignored before FEATURES_OK (R5). */
	ring_init();
	queue_regs(ring_of(vq0()));
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	u32 ready = rd(VIRTIO_MMIO_QUEUE_READY);
	wr(VIRTIO_MMIO_STATUS, S_ACK | S_DRIVER | S_DRIVER_OK);
	u32 st = status();
	bool served = kick_served();

	snprintf(what, sizeof(what), "QueueReady %u, Status 0x%02x after DRIVER_OK, %s", ready, st,
		 served_str(served));
	conclude(name, !ready && st == (S_ACK | S_DRIVER) && !served, true, what);
}

static void case_driver_without_ack(void)
{
	raw_reset();
	wr(VIRTIO_MMIO_STATUS, S_DRIVER);
	u32 st = status();

	snprintf(what, sizeof(what), "Status 0x%02x after DRIVER", st);
	conclude("DRIVER without ACKNOWLEDGE", st == 0, true, what);
}

static void case_features_ok_without_driver(void)
{
	raw_reset();
	wr(VIRTIO_MMIO_STATUS, S_ACK);
	wr(VIRTIO_MMIO_STATUS, S_ACK | S_FEATURES_OK);
	u32 st = status();

	snprintf(what, sizeof(what), "Status 0x%02x after FEATURES_OK", st);
	conclude("FEATURES_OK without DRIVER", st == S_ACK, true, what);
}

/* FEATURES_OK after DriverFeatures = f: must not stick. */
static void features_refused(const char *name, u64 f)
{
	wr(VIRTIO_MMIO_STATUS, S_ACK);
	wr(VIRTIO_MMIO_STATUS, S_ACK | S_DRIVER);
	driver_features(f);
	wr(VIRTIO_MMIO_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	u32 st = status();

	snprintf(what, sizeof(what), "features 0x%llx: Status 0x%02x after FEATURES_OK", f, st);
	conclude(name, st == (S_ACK | S_DRIVER), true, what);
}

static void case_features_without_version_1(void)
{
	raw_reset();
	features_refused("FEATURES_OK without VERSION_1",
			 device_features() & ~(1ULL << VIRTIO_F_VERSION_1));
}

static void case_features_not_offered(void)
{
	raw_reset();
	u64 offered = device_features();
	u64 extra = offered + 1;

	extra &= ~offered; /* the lowest bit the device does not offer */
	features_refused("FEATURES_OK with a feature not offered", offered | extra);
}

/* ---- R2: a write that would clear a bit is ignored entirely ---- */

static void case_clear_after_driver_ok(void)
{
	const char *name = "status write clearing bits after DRIVER_OK";
	const char *err = vblk_init(b);

	if (!err)
		err = prime();
	if (setup_failed(name, err))
		return;
	wr(VIRTIO_MMIO_STATUS, S_ACK | S_DRIVER);
	u32 st = status();
	wr(VIRTIO_MMIO_STATUS, S_ACK);
	u32 st2 = status();

	snprintf(what, sizeof(what), "Status 0x%02x, then 0x%02x", st, st2);
	conclude(name, st == S_LIVE && st2 == S_LIVE, false, what);
}

static void case_clear_and_add_failed(void)
{
	const char *name = "status write clearing a bit and adding FAILED";
	const char *err = vblk_init(b);

	if (!err)
		err = prime();
	if (setup_failed(name, err))
		return;
	wr(VIRTIO_MMIO_STATUS, (S_LIVE & ~S_FEATURES_OK) | S_FAILED);
	u32 st = status();

	snprintf(what, sizeof(what), "Status 0x%02x", st);
	conclude(name, st == S_LIVE, false, what);
}

/* During set-up the ignored write must not disturb the rest of it. */
static void case_clear_during_setup(void)
{
	const char *name = "status write clearing bits during set-up";
	const char *err = vblk_init_features(b);

	if (setup_failed(name, err))
		return;
	wr(VIRTIO_MMIO_STATUS, S_ACK | S_DRIVER);
	u32 st = status();
	wr(VIRTIO_MMIO_STATUS, S_ACK);
	u32 st2 = status();
	err = vblk_init_queues(b);
	if (!err)
		err = vblk_init_finish(b);
	snprintf(what, sizeof(what), "Status 0x%02x, then 0x%02x; set-up %s", st, st2,
		 err ? err : "went on");
	conclude(name, st == S_SETUP && st2 == S_SETUP && !err, false, what);
}

/* ---- R5: queue registers after DRIVER_OK change nothing ---- */

/* Set up, serving, primed; then the caller meddles and checks. */
static const char *live(void)
{
	const char *err = vblk_init(b);

	return err ? err : prime();
}

static void case_ready0_after_driver_ok(void)
{
	const char *name = "QueueReady=0 after DRIVER_OK";
	const char *err = live();

	if (setup_failed(name, err))
		return;
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(VIRTIO_MMIO_QUEUE_READY, 0);
	u32 ready = rd(VIRTIO_MMIO_QUEUE_READY), st = status();

	snprintf(what, sizeof(what), "QueueReady %u, Status 0x%02x", ready, st);
	conclude(name, ready == 1 && st == S_LIVE, false, what);
}

static void case_num_after_driver_ok(void)
{
	const char *name = "QueueNum and QueueReady=1 after DRIVER_OK";
	const char *err = live();

	if (setup_failed(name, err))
		return;
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(VIRTIO_MMIO_QUEUE_NUM, qnum / 2);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	u32 ready = rd(VIRTIO_MMIO_QUEUE_READY), st = status();

	snprintf(what, sizeof(what), "QueueNum %u: QueueReady %u, Status 0x%02x", qnum / 2, ready,
		 st);
	conclude(name, ready == 1 && st == S_LIVE, false, what);
}

static void case_addrs_after_driver_ok(void)
{
	const char *name = "ring addresses and QueueReady=1 after DRIVER_OK";
	const char *err = live();

	if (setup_failed(name, err))
		return;
	struct ring_regs old = ring_of(vq0()), moved = {qnum, pa(table), pa(table), pa(table)};

	/* Valid addresses of a zeroed page: a device that took them would serve nothing. */
	queue_regs(moved);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	bool same = regs_read_back(old);
	u32 ready = rd(VIRTIO_MMIO_QUEUE_READY), st = status();

	snprintf(what, sizeof(what), "addresses %s, QueueReady %u, Status 0x%02x",
		 same ? "unchanged" : "CHANGED", ready, st);
	conclude(name, same && ready == 1 && st == S_LIVE, false, what);
}

/* ---- R7: QueueSel out of range ---- */

static void case_queue_sel(void)
{
	const char *name = "QueueSel out of range";
	const u32 sels[] = {b->num_queues, 7, 0xffff, 0xffffffff};
	const char *err = vblk_init_features(b);
	bool ok = !err;

	if (setup_failed(name, err))
		return;
	ring_init();
	struct ring_regs r = ring_of(vq0());
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
		err = vblk_init_queues(b);
		if (!err)
			err = vblk_init_finish(b);
		if (err) {
			snprintf(what, sizeof(what), "then %s", err);
			ok = false;
		}
	}
	if (ok)
		snprintf(what, sizeof(what), "%u selectors: QueueNumMax 0, writes ignored",
			 (unsigned)ARRAY_SIZE(sels));
	conclude(name, ok, false, what);
}

/* ---- R8: kicks that must be ignored ---- */

static void case_kick_nonexistent(void)
{
	const char *name = "kick on a nonexistent queue";
	const u32 sels[] = {b->num_queues, 7, 0xffff, 0xffffffff};
	const char *err = live();

	if (setup_failed(name, err))
		return;
	for (unsigned i = 0; i < ARRAY_SIZE(sels); i++)
		wr(VIRTIO_MMIO_QUEUE_NOTIFY, sels[i]);
	/* Give a device that mishandles them the time to show it. */
	quiet();
	u32 st = status();

	snprintf(what, sizeof(what), "%u kicks, Status 0x%02x", (unsigned)ARRAY_SIZE(sels), st);
	conclude(name, st == S_LIVE, false, what);
}

static void case_kick_never_ready(void)
{
	const char *name = "kick on a queue never made ready";
	const char *err = vblk_init_features(b);

	if (setup_failed(name, err))
		return;
	ring_init();
	queue_regs(ring_of(vq0()));
	vio_add_status(v, S_DRIVER_OK);
	u32 st = status();
	bool served = kick_served();
	u32 st2 = status();

	snprintf(what, sizeof(what), "Status 0x%02x after DRIVER_OK, %s, then Status 0x%02x", st,
		 served_str(served), st2);
	conclude(name, st == S_LIVE && !served && st2 == S_LIVE, true, what);
}

static void case_kick_made_unready(void)
{
	const char *name = "kick on a queue made not ready (QueueReady=0)";
	const char *err = setup_to_ready();

	if (setup_failed(name, err))
		return;
	wr(VIRTIO_MMIO_QUEUE_READY, 0);
	u32 ready = rd(VIRTIO_MMIO_QUEUE_READY);
	vio_add_status(v, S_DRIVER_OK);
	u32 st = status();
	bool served = kick_served();
	u32 st2 = status();

	snprintf(what, sizeof(what),
		 "QueueReady %u, Status 0x%02x after DRIVER_OK, %s, then Status 0x%02x", ready, st,
		 served_str(served), st2);
	conclude(name, !ready && st == S_LIVE && !served && st2 == S_LIVE, true, what);
}

/* ---- R9, R4: NEEDS_RESET while live ---- */

static bool needs_reset_seen(void *arg)
{
	(void)arg;
	return v->needs_reset;
}

static void case_needs_reset_live(void)
{
	const char *name = "NEEDS_RESET after DRIVER_OK";
	const char *err = vblk_init(b);

	if (setup_failed(name, err))
		return;
	struct virtqueue *vq = vq0();
	unsigned cfg_irqs = v->config_irqs;

	/* A head out of range: the device must refuse the ring and tell us by interrupt. */
	vq_publish_raw(vq, (u16)(vq->num + 5));
	vq_notify(vq);
	watchdog_arm(case_ms);
	bool seen = vblk_wait(b, needs_reset_seen, NULL) || v->needs_reset;
	u32 st = status();
	vio_add_status(v, S_FAILED);
	u32 st2 = status();
	u16 used0 = READ_ONCE(vq->used->idx);
	post_probe(vq);
	quiet();
	bool served = probe_served(vq, used0);

	snprintf(what, sizeof(what),
		 "%s, %u config interrupt(s), Status 0x%02x, 0x%02x after FAILED, %s",
		 seen ? "NEEDS_RESET" : "no NEEDS_RESET", v->config_irqs - cfg_irqs, st, st2,
		 served_str(served));
	conclude(name,
		 seen && v->config_irqs > cfg_irqs && st == (S_LIVE | S_NEEDS_RESET) &&
		     st2 == (st | S_FAILED) && !served,
		 true, what);
}

/* ---- R11, R1: resets ---- */

static void case_reset_in_flight(void)
{
	const char *name = "reset with requests in flight";
	const char *err = vblk_init(b);

	if (setup_failed(name, err))
		return;
	for (unsigned i = 0; i < NREQS; i++) {
		if (vblk_submit(b, &reqs[i], VIRTIO_BLK_T_IN, i * (REQ_LEN / VBLK_SECTOR), bufs[i],
				REQ_LEN)) {
			conclude(name, false, true, "could not queue the reads");
			return;
		}
	}
	raw_reset();
	u32 st = status();
	u16 used = READ_ONCE(vq0()->used->idx);
	/* From here on the device must leave all of it alone (its workers are stopped). */
	for (unsigned i = 0; i < NREQS; i++) {
		memset(bufs[i], FILL, REQ_LEN);
		reqs[i].status = 0xff;
	}
	quiet();
	bool untouched = READ_ONCE(vq0()->used->idx) == used;
	for (unsigned i = 0; i < NREQS; i++)
		untouched &= all_fill(bufs[i], REQ_LEN) && reqs[i].status == 0xff;

	snprintf(what, sizeof(what), "%u reads posted, %u done at the reset, Status 0x%02x, %s",
		 NREQS, used, st, untouched ? "nothing written after it" : "WRITTEN AFTER IT");
	/* How many were done at the reset is timing, so the line says only that it was fine. */
	if (st == 0 && untouched)
		snprintf(what, sizeof(what), "%u reads posted, Status 0, nothing written after it",
			 NREQS);
	conclude(name, st == 0 && untouched, true, what);
}

static void case_reset_clears(void)
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
	const char *err = vblk_init(b);

	if (setup_failed(name, err))
		return;
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	u32 f0 = rd(VIRTIO_MMIO_DEVICE_FEATURES);
	/* Selectors away from 0: the reset must bring them back. */
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_QUEUE_SEL, 5);
	raw_reset();
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
	conclude(name, ok, true, what);
}

/* ---- R10: access sizes and config space ---- */

static u64 image_value(u32 off, unsigned size)
{
	u64 val = 0;

	for (unsigned i = size; i--;)
		val = val << 8 | cfg[off + i];
	return val;
}

static void read_image(u8 *img)
{
	for (u32 i = 0; i < CFG_SIZE; i++)
		img[i] = (u8)acc_read(CTRL_END + i, 1);
}

static const unsigned sizes[] = {1, 2, 4, 8};

static void case_config_reads(void)
{
	const char *name = "config space reads of every size and offset";
	const char *err = vblk_init(b);
	unsigned n = 0;

	if (setup_failed(name, err))
		return;
	read_image(cfg);
	u64 cap = image_value(CFG_OFF(capacity), 8), blk = image_value(CFG_OFF(blk_size), 4);
	u64 cap4 = vio_config_read64(v, CFG_OFF(capacity)), cap8 = acc_read(CTRL_END, 8);
	if (cap != cap4 || cap != cap8 || (capacity && cap != capacity) || blk != VBLK_SECTOR) {
		snprintf(what, sizeof(what),
			 "capacity %llu (4-byte halves %llu, one 8-byte read %llu, want %llu), "
			 "blk_size %llu",
			 cap, cap4, cap8, capacity, blk);
		conclude(name, false, true, what);
		return;
	}
	for (unsigned s = 0; s < ARRAY_SIZE(sizes); s++) {
		unsigned size = sizes[s];
		for (u32 off = 0; off < CFG_SIZE + CFG_PAST; off++, n++) {
			bool inside = off + size <= CFG_SIZE;
			u64 want = inside ? image_value(off, size) : 0,
			    got = acc_read(CTRL_END + off, size);
			if (got != want) {
				snprintf(what, sizeof(what),
					 "%u-byte read at 0x%x (%s): 0x%llx, want 0x%llx", size,
					 CTRL_END + off, inside ? "inside" : "not wholly inside",
					 got, want);
				conclude(name, false, true, what);
				return;
			}
		}
	}
	snprintf(what, sizeof(what),
		 "%u reads: capacity %llu, blk_size %llu, 0 past the %u bytes of config", n, cap,
		 blk, CFG_SIZE);
	conclude(name, true, false, what);
}

static void case_config_writes(void)
{
	const char *name = "config space writes of every size and offset";
	static u8 after[CFG_SIZE];
	static const u64 vals[] = {~0ULL, 0};
	const char *err = live();
	unsigned n = 0;

	if (setup_failed(name, err))
		return;
	read_image(cfg);
	for (unsigned k = 0; k < ARRAY_SIZE(vals); k++) {
		for (unsigned s = 0; s < ARRAY_SIZE(sizes); s++) {
			for (u32 off = 0; off < CFG_SIZE + CFG_PAST; off++, n++)
				acc_write(CTRL_END + off, sizes[s], vals[k]);
		}
	}
	read_image(after);
	u32 st = status();
	long diff = -1;
	for (u32 i = 0; i < CFG_SIZE && diff < 0; i++) {
		if (after[i] != cfg[i])
			diff = (long)i;
	}
	if (diff >= 0)
		snprintf(what, sizeof(what), "%u writes: config byte 0x%lx now 0x%02x, was 0x%02x",
			 n, diff, after[diff], cfg[diff]);
	else
		snprintf(what, sizeof(what), "%u writes: config unchanged, Status 0x%02x", n, st);
	conclude(name, diff < 0 && st == S_LIVE, false, what);
}

/* Control registers take only aligned 32-bit accesses; everything else is what we try. */
static bool odd_access(u32 off, unsigned size)
{
	return size != 4 || (off & 3);
}

static void case_ctrl_reads(void)
{
	const char *name = "control register reads of other sizes or unaligned";
	const char *err = vblk_init(b);
	unsigned n = 0;

	if (setup_failed(name, err))
		return;
	for (unsigned s = 0; s < ARRAY_SIZE(sizes); s++) {
		for (u32 off = 0; off < CTRL_END; off++) {
			if (!odd_access(off, sizes[s]))
				continue;
			n++;
			u64 got = acc_read(off, sizes[s]);
			if (got) {
				snprintf(what, sizeof(what), "%u-byte read at 0x%x: 0x%llx, want 0",
					 sizes[s], off, got);
				conclude(name, false, true, what);
				return;
			}
		}
	}
	snprintf(what, sizeof(what), "%u reads, all 0", n);
	conclude(name, true, false, what);
}

static void case_ctrl_writes(void)
{
	const char *name = "control register writes of other sizes or unaligned";
	/* 0 would reset through Status or select queue 0; all ones would set every bit. */
	static const u64 vals[] = {0, ~0ULL};
	const char *err = live();
	unsigned n = 0;

	if (setup_failed(name, err))
		return;
	struct ring_regs r = ring_of(vq0());
	for (unsigned k = 0; k < ARRAY_SIZE(vals); k++) {
		for (unsigned s = 0; s < ARRAY_SIZE(sizes); s++) {
			for (u32 off = 0; off < CTRL_END; off++) {
				if (odd_access(off, sizes[s])) {
					acc_write(off, sizes[s], vals[k]);
					n++;
				}
			}
		}
	}
	/* Status, QueueSel (queue 0's registers still visible) and the queue itself as before. */
	u32 st = status(), ready = rd(VIRTIO_MMIO_QUEUE_READY);
	bool same = regs_read_back(r);

	snprintf(what, sizeof(what), "%u writes: Status 0x%02x, QueueReady %u, queue 0 %s", n, st,
		 ready, same ? "unchanged" : "CHANGED or not selected");
	conclude(name, st == S_LIVE && ready == 1 && same, false, what);
}

static void (*const all_cases[])(void) = {
    case_rearm_size3,
    case_rearm_size0,
    case_rearm_size_big,
    case_rearm_desc_misaligned,
    case_rearm_avail_misaligned,
    case_rearm_used_misaligned,
    case_rearm_desc_not_ram,
    case_rearm_used_past_ram,
    case_rearm_good,
    case_setup_while_needs_reset,
    case_driver_ok_without_features_ok,
    case_driver_without_ack,
    case_features_ok_without_driver,
    case_features_without_version_1,
    case_features_not_offered,
    case_clear_after_driver_ok,
    case_clear_and_add_failed,
    case_clear_during_setup,
    case_ready0_after_driver_ok,
    case_num_after_driver_ok,
    case_addrs_after_driver_ok,
    case_queue_sel,
    case_kick_nonexistent,
    case_kick_never_ready,
    case_kick_made_unready,
    case_needs_reset_live,
    case_reset_in_flight,
    case_reset_clears,
    case_config_reads,
    case_config_writes,
    case_ctrl_reads,
    case_ctrl_writes,
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

	if (n < 0 || blk_get_num(WHO, "case", case_ms, 1, 500000, &ms) ||
	    blk_get_num(WHO, "quiet", quiet_ms, 1, 60000, &qms) ||
	    blk_get_num(WHO, "seed", seed, 0, ~0ULL, &seed) ||
	    blk_get_num(WHO, "capacity", 0, 0, ~0ULL, &capacity) ||
	    blk_get_num(WHO, "only", 0, 0, ARRAY_SIZE(all_cases), &only))
		return 1;
	case_ms = (u32)ms;
	quiet_ms = (u32)qms;
	b = &blk_disks[0];
	v = &b->vdev;
	/* Queue 0 only: the cases name it, and the good read's used.idx check needs it. */
	b->opts.queues = 1;
	buf = heap_alloc(PAGE_SIZE);
	table = heap_alloc(PAGE_SIZE);
	for (unsigned i = 0; i < NREQS; i++)
		bufs[i] = heap_alloc(REQ_LEN);
	ram_end = find_ram_end(bp);
	if (!buf || !table || !bufs[NREQS - 1] || ram_end < PAGE_SIZE ||
	    b->capacity < NREQS * (REQ_LEN / VBLK_SECTOR)) {
		printf(WHO ": need memory and a disk of at least %u sectors\n",
		       NREQS * (REQ_LEN / VBLK_SECTOR));
		return 1;
	}
	memset(table, 0, PAGE_SIZE);
	const char *err = vblk_init(b);
	if (err) {
		printf(WHO ": set-up failed: %s\n", err);
		return 1;
	}
	qnum = vq0()->num;

	for (unsigned i = 0; i < ARRAY_SIZE(all_cases); i++) {
		if (!only || only == i + 1)
			all_cases[i]();
	}
	watchdog_stop();
	printf(WHO ": %u/%u cases ok\n", passed, cases);
	return passed == cases ? 0 : 1;
}
