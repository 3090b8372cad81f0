#include "drivers/virtio_blk.h"
#include "arch/apic.h"
#include "arch/cpu.h"
#include "arch/irq.h"
#include "boot/boot.h"
#include "drivers/watchdog.h"
#include "lib/cmdline.h"
#include "lib/heap.h"
#include "lib/printf.h"
#include "lib/string.h"

#define F(bit)	   (1ULL << (bit))
#define CFG(field) ((u32) __builtin_offsetof(struct virtio_blk_config, field))
#define PAGE_MASK  (PAGE_SIZE - 1)

static bool cmdline_flag(const char *key, bool dflt)
{
	u64 v;

	return cmdline_get_u64(key, &v) >= 0 ? v != 0 : dflt;
}

void vblk_opts_from_cmdline(struct vblk_opts *o)
{
	u64 q = 1;

	o->indirect = cmdline_flag("vindirect", true);
	o->event_idx = cmdline_flag("veventidx", true);
	o->poll = cmdline_flag("vpoll", false);
	o->poll_check = 4096;
	cmdline_get_u64("vqueues", &q);
	o->queues = q < 1 ? 1 : q > VBLK_MAX_QUEUES ? VBLK_MAX_QUEUES : (unsigned)q;
}

/* Marks every request the device has completed on vq as done. */
static void reap(struct virtqueue *vq)
{
	struct virtio_blk *b = vq->priv;
	struct vblk_req *r;
	u32 len;

	while ((r = vq_get_buf(vq, &len))) {
		r->used_len = len;
		r->done = true;
		b->completed++;
	}
}

/* The queue callback, as Linux's virtblk_done: reap, re-enable interrupts, look once more. */
static void vblk_done(struct virtqueue *vq)
{
	do {
		vq_disable_cb(vq);
		reap(vq);
		if (vq->broken)
			break;
	} while (!vq_enable_cb(vq));
}

void vblk_poll(struct virtio_blk *b)
{
	for (unsigned i = 0; i < b->nvqs; i++)
		reap(&b->vqs[i]);
}

const char *vblk_init_features(struct virtio_blk *b)
{
	struct virtio_mmio_dev *d = &b->vdev;
	/* What Linux's virtio_blk accepts of what kvmini offers; ring features by choice. */
	u64 wanted = F(VIRTIO_F_VERSION_1) | F(VIRTIO_BLK_F_SEG_MAX) | F(VIRTIO_BLK_F_BLK_SIZE) |
		     F(VIRTIO_BLK_F_FLUSH) | F(VIRTIO_BLK_F_RO) | F(VIRTIO_BLK_F_MQ) |
		     F(VIRTIO_BLK_F_DISCARD) | F(VIRTIO_BLK_F_WRITE_ZEROES);

	if (b->opts.indirect)
		wanted |= F(VIRTIO_RING_F_INDIRECT_DESC);
	if (b->opts.event_idx)
		wanted |= F(VIRTIO_RING_F_EVENT_IDX);
	b->nvqs = b->next_vq = 0;
	if (vio_reset(d))
		return "device did not reset (Status not 0 after writing 0)";
	vio_add_status(d, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	vio_add_status(d, VIRTIO_CONFIG_S_DRIVER);
	const char *err = vio_negotiate(d, wanted);
	if (err)
		return err;
	b->num_queues =
	    vio_has(d, VIRTIO_BLK_F_MQ) ? (u16)vio_config_read32(d, CFG(num_queues)) : 1;
	b->capacity = vio_config_read64(d, CFG(capacity));
	b->seg_max = vio_has(d, VIRTIO_BLK_F_SEG_MAX) ? vio_config_read32(d, CFG(seg_max)) : 1;
	b->blk_size =
	    vio_has(d, VIRTIO_BLK_F_BLK_SIZE) ? vio_config_read32(d, CFG(blk_size)) : VBLK_SECTOR;
	b->ro = vio_has(d, VIRTIO_BLK_F_RO);
	return NULL;
}

const char *vblk_init_queues(struct virtio_blk *b)
{
	struct virtio_mmio_dev *d = &b->vdev;
	unsigned n = b->opts.queues < b->num_queues ? b->opts.queues : b->num_queues;
	/* vm_find_vqs asks for the interrupt before the queues exist. */
	const char *err = vio_request_irq(d, b->fdt);

	for (unsigned i = 0; !err && i < n; i++) {
		err = vio_setup_vq(d, i, &b->vqs[i], VBLK_QUEUE_SIZE,
				   b->opts.poll ? NULL : vblk_done, b);
		if (!err)
			b->nvqs++;
	}
	return err;
}

const char *vblk_init_finish(struct virtio_blk *b)
{
	vio_add_status(&b->vdev, VIRTIO_CONFIG_S_DRIVER_OK);
	if (vio_get_status(&b->vdev) & VIRTIO_CONFIG_S_NEEDS_RESET)
		return "device set DEVICE_NEEDS_RESET at DRIVER_OK";
	return NULL;
}

const char *vblk_init(struct virtio_blk *b)
{
	const char *err = vblk_init_features(b);

	if (!err)
		err = vblk_init_queues(b);
	if (!err)
		err = vblk_init_finish(b);
	if (err)
		vio_add_status(&b->vdev, VIRTIO_CONFIG_S_FAILED);
	return err;
}

struct vblk_probe {
	struct virtio_blk *disks;
	const struct vblk_opts *opts;
};

static struct virtio_mmio_dev *vblk_slot(void *ctx, int n)
{
	struct virtio_blk *b = &((struct vblk_probe *)ctx)->disks[n];

	memset(b, 0, sizeof(*b));
	return &b->vdev;
}

static const char *vblk_probe_init(void *ctx, int n, struct fdt *fdt)
{
	struct vblk_probe *p = ctx;
	struct virtio_blk *b = &p->disks[n];

	b->index = (unsigned)n;
	b->fdt = fdt;
	b->opts = *p->opts;
	return vblk_init(b);
}

int vblk_probe_all(struct boot_params *bp, const char *who, const struct vblk_opts *o,
		   struct virtio_blk *disks, int max)
{
	static const struct virtio_driver drv = {VIRTIO_ID_BLOCK, vblk_slot, vblk_probe_init};
	struct vblk_probe p = {disks, o};

	return virtio_probe_all(bp, who, &drv, &p, max);
}

static struct virtqueue *next_queue(struct virtio_blk *b)
{
	return &b->vqs[b->next_vq++ % b->nvqs];
}

struct room {
	struct virtqueue *vq;
	unsigned needed;
};

static bool has_room(void *arg)
{
	struct room *r = arg;

	return r->vq->num_free >= r->needed;
}

/*
 * Adds the request and, when it is the last of a batch (blk-mq's bd->last), kicks if the
 * device wants a kick: requests queued earlier in the batch share that one kick.
 */
static int add_and_kick(struct virtio_blk *b, struct virtqueue *vq, struct vblk_req *r,
			const struct vq_sg *sg, unsigned n, bool last)
{
	r->done = false;
	r->used_len = 0;
	for (;;) {
		int rc = vq_add(vq, sg, n, r);
		if (rc == 0)
			break;
		/*
		 * Full (Linux's -ENOSPC stops the hardware queue): kick what the batch queued so
		 * far, as virtio_queue_rq does, and wait for completions.
		 */
		if (rc == -1 && vq->num_added)
			vq_kick(vq);
		struct room room = {vq, vq_descs_needed(vq, n)};
		if (rc == -2 || vq->num_free == vq->num || !vblk_wait(b, has_room, &room)) {
			printf("virtio-blk: disk %u: cannot queue a %u-entry request: %s\n",
			       b->index, n,
			       rc == -2 || vq->num_free == vq->num ? "too big or queue broken"
								   : vblk_wait_failure(b));
			return -1;
		}
	}
	b->batch_queues |= 1u << (vq - b->vqs);
	if (!last)
		return 0;
	/* The batch may have spread over several queues (vqueues=N): end it on each. */
	for (unsigned i = 0; i < b->nvqs; i++) {
		if ((b->batch_queues & (1u << i)) && vq_kick_prepare(&b->vqs[i]))
			vq_notify(&b->vqs[i]);
	}
	b->batch_queues = 0;
	return 0;
}

int vblk_submit_sg(struct virtio_blk *b, unsigned q, struct vblk_req *r, const struct vq_sg *sg,
		   unsigned n)
{
	if (q >= b->nvqs)
		return -1;
	return add_and_kick(b, &b->vqs[q], r, sg, n, true);
}

int vblk_submit(struct virtio_blk *b, struct vblk_req *r, u32 type, u64 sector, void *buf, u32 len)
{
	return vblk_queue(b, r, type, sector, buf, len, true);
}

int vblk_queue(struct virtio_blk *b, struct vblk_req *r, u32 type, u64 sector, void *buf, u32 len,
	       bool last)
{
	static struct vq_sg sg[VBLK_MAX_SEGS + 2];
	bool to_guest = type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID;
	unsigned n = 0;
	u64 addr = (u64)(uintptr_t)buf;

	r->hdr = (struct virtio_blk_outhdr){.type = type, .ioprio = 0, .sector = sector};
	r->status = 0xff; /* no status yet: not a value the device may return */
	sg[n++] = (struct vq_sg){(u64)(uintptr_t)&r->hdr, sizeof(r->hdr), false};
	/* One segment per page, as the block layer maps a request of separate pages. */
	while (len) {
		u32 seg = (u32)(PAGE_SIZE - (addr & PAGE_MASK));

		if (seg > len)
			seg = len;
		if (n - 1 == VBLK_MAX_SEGS || n - 1 == b->seg_max) {
			printf("virtio-blk: disk %u: request of more than %u segments\n", b->index,
			       n - 1);
			return -1;
		}
		sg[n++] = (struct vq_sg){addr, seg, to_guest};
		addr += seg;
		len -= seg;
	}
	sg[n++] = (struct vq_sg){(u64)(uintptr_t)&r->status, 1, true};
	return add_and_kick(b, next_queue(b), r, sg, n, last);
}

static bool broken(const struct virtio_blk *b)
{
	for (unsigned i = 0; i < b->nvqs; i++) {
		if (b->vqs[i].broken)
			return true;
	}
	return false;
}

const char *vblk_wait_failure(const struct virtio_blk *b)
{
	if (b->vdev.needs_reset)
		return "device needs a reset (DEVICE_NEEDS_RESET)";
	if (broken(b))
		return "device returned a bad used entry";
	if (watchdog_fired())
		return "no answer before the watchdog fired";
	return "?";
}

bool vblk_wait(struct virtio_blk *b, bool (*cond)(void *arg), void *arg)
{
	unsigned long flags = irq_save();
	unsigned polls = 0;
	bool ok;

	for (;;) {
		if (b->opts.poll)
			vblk_poll(b);
		if (cond(arg)) {
			ok = true;
			break;
		}
		if (b->vdev.needs_reset || broken(b) || watchdog_fired()) {
			ok = false;
			break;
		}
		if (!b->opts.poll) {
			wait_for_irq();
		} else if (++polls % b->opts.poll_check == 0) {
			/*
			 * What interrupts would have said, polled like the ring: a config change
			 * saying the device needs a reset. Then the watchdog's interrupt.
			 */
			vio_poll_interrupt(&b->vdev);
			irq_take_pending();
		} else {
			cpu_relax();
		}
	}
	irq_restore(flags);
	return ok;
}

static bool req_done(void *arg)
{
	return ((struct vblk_req *)arg)->done;
}

bool vblk_wait_req(struct virtio_blk *b, struct vblk_req *r)
{
	return vblk_wait(b, req_done, r);
}

int vblk_rw(struct virtio_blk *b, u32 type, u64 sector, void *buf, u32 len)
{
	static struct vblk_req r;

	if (vblk_submit(b, &r, type, sector, buf, len))
		return -1;
	if (!vblk_wait_req(b, &r)) {
		printf("virtio-blk: disk %u: request type %u sector %llu: %s\n", b->index, type,
		       sector, vblk_wait_failure(b));
		return -1;
	}
	return r.status;
}

int vblk_get_id(struct virtio_blk *b, char serial[VIRTIO_BLK_ID_BYTES + 1])
{
	static char id[VIRTIO_BLK_ID_BYTES] __attribute__((aligned(32)));

	memset(id, 0, sizeof(id));
	int status = vblk_rw(b, VIRTIO_BLK_T_GET_ID, 0, id, sizeof(id));
	/* The device NUL-pads a short serial and leaves a 20-byte one unterminated. */
	memcpy(serial, id, VIRTIO_BLK_ID_BYTES);
	serial[VIRTIO_BLK_ID_BYTES] = '\0';
	return status;
}

const char *vblk_status_name(int status)
{
	switch (status) {
	case VIRTIO_BLK_S_OK:
		return "OK";
	case VIRTIO_BLK_S_IOERR:
		return "IOERR";
	case VIRTIO_BLK_S_UNSUPP:
		return "UNSUPP";
	case 0xff:
		return "untouched";
	default:
		return "bad status";
	}
}
