/*
 * test=blk-hostile: posts each malformed request or queue set-up of the hostile-guest
 * checklist (../shared/NOTES.md) that applies to virtio-blk on disk 0, checks the device's
 * answer, re-initialises it when it asked for that, and proves it still serves with one good
 * read. One line per case, "blk-hostile: CASE: ok (WHAT)" or "blk-hostile: CASE: FAIL (WHY)",
 * then "blk-hostile: N/M cases ok". Every wait is bounded by the watchdog (case=MS, default
 * 3000), so a device that never answers is a FAIL line, not a hang.
 *
 * Two answers are right, depending on the case: a well-formed request that is wrong for a
 * block device gets a status byte (IOERR, UNSUPP) and the device carries on; a malformed ring
 * gets DEVICE_NEEDS_RESET, after completing the chain with used length 0 when its head was
 * valid. Malformed rings are written into the descriptor table by hand on a freshly set-up
 * queue, so the driver's bookkeeping is thrown away with a reset afterwards in any case.
 */
#include "scenarios/scenario.h"
#include "scenarios/blk_common.h"
#include "drivers/watchdog.h"
#include "lib/cmdline.h"
#include "lib/heap.h"
#include "lib/printf.h"
#include "lib/string.h"

#define NOT_RAM	 0xe0000000ULL /* in the 3-4 GiB MMIO hole, never RAM */
#define BAD_TYPE 0x7f
#define FILL	 0xa5
#define BAD_SEL	 7

enum expect {
	EXPECT_STATUS, /* completed with a status byte, no reset */
	EXPECT_USED0,  /* completed with used length 0, then NEEDS_RESET */
	EXPECT_RESET,  /* NEEDS_RESET with nothing completed (no valid head to complete) */
};

static struct virtio_blk *disks = blk_disks;
static struct virtio_blk *b;
static struct vblk_req req;
static u8 *buf;	  /* a page of data */
static u8 *table; /* a page for hand-made indirect tables */
static u32 case_ms = 3000;
static unsigned cases, passed;
static char what[96];
static u32 fill_len; /* a refused read: this much of buf must still hold FILL */

static bool never(void *arg)
{
	(void)arg;
	return false;
}

static bool req_done(void *arg)
{
	(void)arg;
	return req.done;
}

__attribute__((format(printf, 2, 3))) static void report(const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	cases++;
	printf("blk-hostile: %s: %s\n", name, what);
}

static struct virtqueue *vq0(void)
{
	return &b->vqs[0];
}

static bool needs_reset_now(void)
{
	return b->vdev.needs_reset || (vio_get_status(&b->vdev) & VIRTIO_CONFIG_S_NEEDS_RESET);
}

/* One good read of sector 0 proves the device (re)works; with reinit, set it up first. */
static const char *good_read(bool reinit)
{
	if (reinit) {
		const char *err = vblk_init(b);
		if (err)
			return err;
	}
	watchdog_arm(case_ms);
	int st = vblk_rw(b, VIRTIO_BLK_T_IN, 0, buf, VBLK_SECTOR);
	if (st != VIRTIO_BLK_S_OK)
		return "good read after it failed";
	return NULL;
}

static void conclude(const char *name, bool ok, bool reinit, const char *fmt_what)
{
	const char *err = ok ? good_read(reinit) : NULL;

	if (ok && !err) {
		passed++;
		report(name, "ok (%s)", fmt_what);
	} else {
		report(name, "FAIL (%s%s%s)", fmt_what, err ? "; then " : "", err ? err : "");
		/* Leave a working device for the next case whatever happened. */
		vblk_init(b);
	}
}

/*
 * After a request went in: waits for the answer and checks it is `e` (with status `want` for
 * EXPECT_STATUS), then does the good read.
 */
static void observe(const char *name, enum expect e, u8 want)
{
	static char desc[80];
	struct virtqueue *vq = vq0();

	watchdog_arm(case_ms);
	bool done = vblk_wait(b, e == EXPECT_RESET ? never : req_done, NULL);
	/* A broken chain is completed first and then reported: wait for the second half. */
	if (done && e == EXPECT_USED0 && !needs_reset_now())
		vblk_wait(b, never, NULL);
	vblk_poll(b); /* whatever is in the used ring, also when polling */
	bool reset = needs_reset_now(), timeout = watchdog_fired() && !reset;
	u16 used = vq->used->idx;
	u32 len = used ? vq->used->ring[0].len : 0;

	if (timeout) {
		snprintf(desc, sizeof(desc), "no answer within %u ms", case_ms);
		conclude(name, false, false, desc);
		return;
	}
	switch (e) {
	case EXPECT_STATUS: {
		/* Refused is refused: nothing of a failed read may have reached the buffer. */
		bool untouched = true;
		for (u32 i = 0; i < fill_len; i++)
			untouched &= buf[i] == FILL;
		snprintf(desc, sizeof(desc), "status %s, used.len %u%s%s",
			 vblk_status_name(req.status), req.used_len, reset ? ", NEEDS_RESET" : "",
			 untouched ? "" : ", BUFFER WRITTEN");
		conclude(name,
			 req.done && req.status == want && req.used_len == 1 && !reset && untouched,
			 false, desc);
		return;
	}
	case EXPECT_USED0:
		snprintf(desc, sizeof(desc), "%s%u used, len %u, %s", used ? "" : "none ", used,
			 len, reset ? "NEEDS_RESET" : "no reset");
		if (used == 1 && len == 0 && reset)
			snprintf(desc, sizeof(desc), "used.len 0 + NEEDS_RESET");
		conclude(name, used == 1 && len == 0 && reset, true, desc);
		return;
	case EXPECT_RESET:
		snprintf(desc, sizeof(desc), "%u used, %s", used,
			 reset ? "NEEDS_RESET" : "no reset");
		if (!used && reset)
			snprintf(desc, sizeof(desc), "NEEDS_RESET, nothing used");
		conclude(name, !used && reset, true, desc);
		return;
	}
}

/* A fresh queue: descriptors 0.. are free and used->idx is 0, which observe relies on. */
static void fresh(void)
{
	const char *err = vblk_init(b);

	if (err)
		printf("blk-hostile: re-initialisation failed: %s\n", err);
	req.done = false;
	req.used_len = 0;
	req.status = 0xff;
	req.hdr = (struct virtio_blk_outhdr){.type = VIRTIO_BLK_T_IN, .sector = 0};
}

static u64 pa(const void *p)
{
	return (u64)(uintptr_t)p;
}

static struct vring_desc d(u64 addr, u32 len, u16 flags, u16 next)
{
	return (struct vring_desc){.addr = addr, .len = len, .flags = flags, .next = next};
}

#define R      0
#define W      VRING_DESC_F_WRITE
#define NEXT   VRING_DESC_F_NEXT
#define INDIR  VRING_DESC_F_INDIRECT
#define HDR    pa(&req.hdr), sizeof(req.hdr)
#define STATUS pa(&req.status), 1

/* Hand-made descriptors at head 0, published and kicked; the token keeps get_buf happy. */
static void post_raw(u16 head)
{
	struct virtqueue *vq = vq0();

	if (head < vq->num) {
		vq->data[head] = &req;
		vq->ndescs[head] = 1;
	}
	vq_publish_raw(vq, head);
	vq_kick(vq);
}

static void case_head_out_of_range(void)
{
	fresh();
	post_raw((u16)(vq0()->num + 5));
	observe("head >= queue size", EXPECT_RESET, 0);
}

static void case_next_loop(void)
{
	fresh();
	vq0()->desc[0] = d(HDR, R | NEXT, 1);
	vq0()->desc[1] = d(pa(buf), VBLK_SECTOR, W | NEXT, 0);
	post_raw(0);
	observe("next loop", EXPECT_USED0, 0);
}

static void case_chain_too_long(void)
{
	struct virtqueue *vq = vq0();

	fresh();
	/* Every descriptor of the queue in one chain, and the last leads back to the first. */
	vq->desc[0] = d(HDR, R | NEXT, 1);
	for (u16 i = 1; i < vq->num; i++)
		vq->desc[i] = d(pa(buf), VBLK_SECTOR, W | NEXT, (u16)((i + 1) % vq->num));
	post_raw(0);
	observe("chain longer than the queue", EXPECT_USED0, 0);
}

/* An otherwise good indirect table: header, a sector of data, status. */
static void good_table(struct vring_desc *t)
{
	t[0] = d(HDR, R | NEXT, 1);
	t[1] = d(pa(buf), VBLK_SECTOR, W | NEXT, 2);
	t[2] = d(STATUS, W, 0);
}

static void case_indirect(const char *name, u64 addr, u32 len)
{
	fresh();
	good_table((struct vring_desc *)table);
	vq0()->desc[0] = d(addr, len, INDIR, 0);
	post_raw(0);
	observe(name, EXPECT_USED0, 0);
}

static void case_nested_indirect(void)
{
	struct vring_desc *t = (struct vring_desc *)table;

	fresh();
	good_table(t + 4);
	t[0] = d(pa(t + 4), 3 * sizeof(*t), INDIR, 0);
	vq0()->desc[0] = d(pa(t), sizeof(*t), INDIR, 0);
	post_raw(0);
	observe("nested indirect", EXPECT_USED0, 0);
}

/* An indirect table is only ever the whole chain: with NEXT set it is malformed. */
static void case_indirect_with_next(void)
{
	fresh();
	good_table((struct vring_desc *)table);
	vq0()->desc[0] = d(pa(table), 3 * sizeof(struct vring_desc), INDIR | NEXT, 1);
	vq0()->desc[1] = d(STATUS, W, 0);
	post_raw(0);
	observe("indirect with NEXT", EXPECT_USED0, 0);
}

/* A driver may not use a feature it did not negotiate. */
static void case_indirect_not_negotiated(void)
{
	b->opts.indirect = false;
	fresh();
	b->opts.indirect = true; /* the next re-initialisation negotiates it again */
	good_table((struct vring_desc *)table);
	vq0()->desc[0] = d(pa(table), 3 * sizeof(struct vring_desc), INDIR, 0);
	post_raw(0);
	observe("indirect without INDIRECT_DESC", EXPECT_USED0, 0);
}

static void case_avail_jump(void)
{
	struct virtqueue *vq = vq0();

	fresh();
	vq->desc[0] = d(HDR, R | NEXT, 1);
	vq->desc[1] = d(STATUS, W, 0);
	vq->avail->ring[0] = 0;
	/* The index claims more new entries than the queue can hold. */
	vq->avail->idx = (u16)(vq->num + 1);
	vq_notify(vq);
	observe("avail idx jumping > queue size", EXPECT_RESET, 0);
}

/* Through the driver's own vq_add: a well-linked chain with bad buffers in it. */
static void post_sg(const struct vq_sg *sg, unsigned n)
{
	if (vblk_submit_sg(b, 0, &req, sg, n))
		printf("blk-hostile: could not queue the request\n");
}

static void case_sg(const char *name, enum expect e, u8 want, const struct vq_sg *sg, unsigned n)
{
	fresh();
	post_sg(sg, n);
	observe(name, e, want);
}

static void case_bad_buffers(void)
{
	const struct vq_sg outside[] = {{pa(&req.hdr), sizeof(req.hdr), false},
					{NOT_RAM, VBLK_SECTOR, true},
					{pa(&req.status), 1, true}};
	const struct vq_sg wrap[] = {{pa(&req.hdr), sizeof(req.hdr), false},
				     {0xfffffffffffff000ULL, 0x2000, true},
				     {pa(&req.status), 1, true}};
	const struct vq_sg order[] = {{pa(buf), VBLK_SECTOR, true},
				      {pa(&req.hdr), sizeof(req.hdr), false},
				      {pa(&req.status), 1, true}};
	const struct vq_sg ro_status[] = {{pa(&req.hdr), sizeof(req.hdr), false},
					  {pa(&req.status), 1, false}};

	case_sg("buffer outside RAM", EXPECT_USED0, 0, outside, 3);
	case_sg("addr+len overflow", EXPECT_USED0, 0, wrap, 3);
	case_sg("writable before readable", EXPECT_USED0, 0, order, 3);
	fresh();
	req.hdr.type = VIRTIO_BLK_T_FLUSH;
	post_sg(ro_status, 2);
	observe("status byte read-only", EXPECT_USED0, 0);
}

/* A request that is well-formed as a chain but wrong for a disk: a status, and no reset. */
static void request_case(const char *name, u8 want, u32 type, u64 sector, u32 hdr_len, u32 data_len,
			 bool data_out)
{
	const struct vq_sg sg[] = {{pa(&req.hdr), hdr_len, false},
				   {pa(buf), data_len, !data_out},
				   {pa(&req.status), 1, true}};

	fresh();
	req.hdr = (struct virtio_blk_outhdr){.type = type, .sector = sector};
	memset(buf, FILL, PAGE_SIZE);
	fill_len = data_out ? 0 : data_len;
	post_sg(sg, 3);
	observe(name, EXPECT_STATUS, want);
	fill_len = 0;
}

static void case_requests(void)
{
	u64 cap = b->capacity;
	struct virtio_blk_discard_write_zeroes *seg = (void *)buf;

	request_case("header too short", VIRTIO_BLK_S_IOERR, VIRTIO_BLK_T_IN, 0, 8, VBLK_SECTOR,
		     false);
	request_case("data not a multiple of 512", VIRTIO_BLK_S_IOERR, VIRTIO_BLK_T_IN, 0,
		     sizeof(req.hdr), 100, false);
	request_case("sector past the end", VIRTIO_BLK_S_IOERR, VIRTIO_BLK_T_IN, cap,
		     sizeof(req.hdr), VBLK_SECTOR, false);
	request_case("sector range crossing the end", VIRTIO_BLK_S_IOERR, VIRTIO_BLK_T_IN, cap - 1,
		     sizeof(req.hdr), 2 * VBLK_SECTOR, false);
	request_case("sector+count overflow", VIRTIO_BLK_S_IOERR, VIRTIO_BLK_T_IN, ~0ULL,
		     sizeof(req.hdr), VBLK_SECTOR, false);
	request_case("unknown type", VIRTIO_BLK_S_UNSUPP, BAD_TYPE, 0, sizeof(req.hdr), VBLK_SECTOR,
		     false);

	/* DISCARD takes no flags at all (UNMAP is for WRITE_ZEROES only). */
	const struct vq_sg sg[] = {{pa(&req.hdr), sizeof(req.hdr), false},
				   {pa(seg), sizeof(*seg), false},
				   {pa(&req.status), 1, true}};
	fresh();
	req.hdr.type = VIRTIO_BLK_T_DISCARD;
	*seg = (struct virtio_blk_discard_write_zeroes){
	    .sector = 0, .num_sectors = 1, .flags = VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP};
	post_sg(sg, 3);
	observe(vio_has(&b->vdev, VIRTIO_BLK_F_DISCARD) ? "discard with bad flags"
							: "discard with bad flags (not offered)",
		EXPECT_STATUS, VIRTIO_BLK_S_UNSUPP);
}

/* Queue registers with a bad QueueNum: QueueReady must stay 0 and NEEDS_RESET come up. */
static void case_queue_num(const char *name, u32 num)
{
	struct virtio_mmio_dev *v = &b->vdev;
	struct virtqueue *vq = vq0();
	const char *err = vblk_init_features(b);

	if (err) {
		conclude(name, false, true, err);
		return;
	}
	vio_write(v, VIRTIO_MMIO_QUEUE_SEL, 0);
	vio_write(v, VIRTIO_MMIO_QUEUE_NUM, num);
	vio_write(v, VIRTIO_MMIO_QUEUE_DESC_LOW, (u32)vq_desc_addr(vq));
	vio_write(v, VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
	vio_write(v, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (u32)vq_avail_addr(vq));
	vio_write(v, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, 0);
	vio_write(v, VIRTIO_MMIO_QUEUE_USED_LOW, (u32)vq_used_addr(vq));
	vio_write(v, VIRTIO_MMIO_QUEUE_USED_HIGH, 0);
	vio_write(v, VIRTIO_MMIO_QUEUE_READY, 1);
	u32 ready = vio_read(v, VIRTIO_MMIO_QUEUE_READY);
	bool reset = vio_get_status(v) & VIRTIO_CONFIG_S_NEEDS_RESET;
	static char desc[64];

	snprintf(desc, sizeof(desc), "QueueReady %u%s", ready, reset ? ", NEEDS_RESET" : "");
	conclude(name, !ready && reset, true, desc);
}

static void case_queue_sel(void)
{
	struct virtio_mmio_dev *v = &b->vdev;
	const char *err = vblk_init_features(b);
	static char desc[96];

	if (err) {
		conclude("QueueSel out of range", false, true, err);
		return;
	}
	vio_write(v, VIRTIO_MMIO_QUEUE_SEL, BAD_SEL);
	u32 max = vio_read(v, VIRTIO_MMIO_QUEUE_NUM_MAX);
	vio_write(v, VIRTIO_MMIO_QUEUE_NUM, 8);
	vio_write(v, VIRTIO_MMIO_QUEUE_READY, 1);
	u32 ready = vio_read(v, VIRTIO_MMIO_QUEUE_READY);
	bool reset = vio_get_status(v) & VIRTIO_CONFIG_S_NEEDS_RESET;
	/* The rest of a normal set-up must still work, and a notify for no queue do nothing. */
	err = vblk_init_queues(b);
	if (!err)
		err = vblk_init_finish(b);
	vio_write(v, VIRTIO_MMIO_QUEUE_NOTIFY, BAD_SEL);
	snprintf(desc, sizeof(desc), "QueueNumMax %u, QueueReady %u%s, notify ignored%s%s", max,
		 ready, reset ? ", NEEDS_RESET" : "", err ? "; " : "", err ? err : "");
	if (!max && !ready && !reset && !err && !needs_reset_now())
		snprintf(desc, sizeof(desc), "QueueNumMax 0, writes and notify ignored");
	conclude("QueueSel out of range", !max && !ready && !reset && !err && !needs_reset_now(),
		 false, desc);
}

static void case_queue_regs_live(void)
{
	struct virtio_mmio_dev *v = &b->vdev;
	struct virtqueue *vq = vq0();
	static char desc[96];

	fresh();
	vio_write(v, VIRTIO_MMIO_QUEUE_SEL, 0);
	vio_write(v, VIRTIO_MMIO_QUEUE_NUM, vq->num / 2);
	vio_write(v, VIRTIO_MMIO_QUEUE_DESC_LOW, (u32)pa(table));
	vio_write(v, VIRTIO_MMIO_QUEUE_USED_LOW, (u32)pa(table));
	vio_write(v, VIRTIO_MMIO_QUEUE_READY, 0);
	u32 desc_lo = vio_read(v, VIRTIO_MMIO_QUEUE_DESC_LOW);
	u32 ready = vio_read(v, VIRTIO_MMIO_QUEUE_READY);
	bool reset = needs_reset_now();
	bool ok = desc_lo == (u32)vq_desc_addr(vq) && ready && !reset;

	snprintf(desc, sizeof(desc), "QueueDescLow %s, QueueReady %u%s",
		 desc_lo == (u32)vq_desc_addr(vq) ? "unchanged" : "CHANGED", ready,
		 reset ? ", NEEDS_RESET" : "");
	if (ok)
		snprintf(desc, sizeof(desc), "ignored, queue kept serving");
	conclude("queue registers written while DRIVER_OK", ok, false, desc);
}

int scenario_blk_hostile(struct boot_params *bp)
{
	struct vblk_opts opts;
	u64 ms;
	int n = blk_setup(bp, "blk-hostile", disks, &opts);

	if (n < 0 || blk_get_num("blk-hostile", "case", case_ms, 1, 500000, &ms))
		return 1;
	case_ms = (u32)ms;
	b = &disks[0];
	/* Indirect cases need the feature; a reset is part of every case anyway. */
	b->opts.indirect = true;
	buf = heap_alloc(PAGE_SIZE);
	table = heap_alloc(PAGE_SIZE);
	if (!buf || !table || b->capacity < 8) {
		printf("blk-hostile: need memory and a disk of at least 8 sectors\n");
		return 1;
	}

	case_head_out_of_range();
	case_next_loop();
	case_chain_too_long();
	case_indirect("indirect len not a multiple of 16", pa(table), 24);
	case_indirect("indirect len 0", pa(table), 0);
	case_nested_indirect();
	case_indirect("indirect table outside RAM", NOT_RAM, 48);
	case_indirect_with_next();
	case_indirect_not_negotiated();
	case_bad_buffers();
	case_avail_jump();
	case_queue_num("queue size not a power of 2", VBLK_QUEUE_SIZE - 28);
	case_queue_num("queue size > QueueNumMax", 1024);
	case_queue_regs_live();
	case_queue_sel();
	case_requests();

	watchdog_stop();
	printf("blk-hostile: %u/%u cases ok\n", passed, cases);
	return passed == cases ? 0 : 1;
}
