#include "drivers/virtio_rng.h"
#include "arch/irq.h"
#include "drivers/watchdog.h"
#include "lib/string.h"

#define F(bit)		(1ULL << (bit))
#define DEVICE_SPECIFIC 0xFFFFFFULL /* feature bits 0-23 (virtio 1.2, 6) */

/* The queue callback, as Linux's random_recv_done: the read in flight is done. */
static void vrng_done(struct virtqueue *vq)
{
	struct virtio_rng *r = vq->priv;
	u32 len;

	do {
		vq_disable_cb(vq);
		while (vq_get_buf(vq, &len)) {
			r->used_len = len;
			r->done = true;
			r->completed++;
		}
		if (vq->broken)
			break;
	} while (!vq_enable_cb(vq));
}

const char *vrng_init(struct virtio_rng *r)
{
	struct virtio_mmio_dev *d = &r->vdev;
	const char *err = NULL;

	if (vio_reset(d))
		err = "device did not reset (Status not 0 after writing 0)";
	if (!err) {
		vio_add_status(d, VIRTIO_CONFIG_S_ACKNOWLEDGE);
		vio_add_status(d, VIRTIO_CONFIG_S_DRIVER);
		err = vio_negotiate(d, F(VIRTIO_F_VERSION_1) | F(VIRTIO_RING_F_INDIRECT_DESC) |
					   F(VIRTIO_RING_F_EVENT_IDX));
	}
	/* 5.4.3: the entropy device has no feature bits of its own. */
	if (!err && (d->features & DEVICE_SPECIFIC))
		err = "device offers device-specific feature bits; virtio-rng has none";
	/* vm_find_vqs asks for the interrupt before the queue exists. */
	if (!err)
		err = vio_request_irq(d, r->fdt);
	if (!err)
		err = vio_setup_vq(d, 0, &r->vq, VRNG_QUEUE_SIZE, vrng_done, r);
	if (!err) {
		vio_add_status(d, VIRTIO_CONFIG_S_DRIVER_OK);
		if (vio_get_status(d) & VIRTIO_CONFIG_S_NEEDS_RESET)
			err = "device set DEVICE_NEEDS_RESET at DRIVER_OK";
	}
	if (err)
		vio_add_status(d, VIRTIO_CONFIG_S_FAILED);
	return err;
}

static struct virtio_mmio_dev *vrng_slot(void *ctx, int n)
{
	struct virtio_rng *r = ctx;

	(void)n;
	memset(r, 0, sizeof(*r));
	return &r->vdev;
}

static const char *vrng_probe_init(void *ctx, int n, struct fdt *fdt)
{
	struct virtio_rng *r = ctx;

	(void)n;
	r->fdt = fdt;
	return vrng_init(r);
}

int vrng_probe(struct boot_params *bp, const char *who, struct virtio_rng *r)
{
	static const struct virtio_driver drv = {VIRTIO_ID_RNG, vrng_slot, vrng_probe_init};

	return virtio_probe_all(bp, who, &drv, r, 1);
}

static bool broken(const struct virtio_rng *r)
{
	return r->vq.broken;
}

const char *vrng_read_sg(struct virtio_rng *r, const struct vq_sg *sg, unsigned n, u32 *got)
{
	unsigned long flags = irq_save();
	const char *err = NULL;

	r->done = false;
	r->used_len = 0;
	/* One read at a time, as Linux's driver: the queue always has room for it. */
	if (vq_add(&r->vq, sg, n, (void *)r))
		err = "cannot add the request to the queue";
	else if (vq_kick_prepare(&r->vq))
		vq_notify(&r->vq);
	while (!err && !r->done) {
		if (r->vdev.needs_reset)
			err = "device needs a reset (DEVICE_NEEDS_RESET)";
		else if (broken(r))
			err = "device returned a bad used entry";
		else if (watchdog_fired())
			err = "no answer before the watchdog fired";
		else
			wait_for_irq();
	}
	irq_restore(flags);
	*got = r->used_len;
	return err;
}

const char *vrng_read(struct virtio_rng *r, void *buf, u32 len, u32 *got)
{
	struct vq_sg sg = {(u64)(uintptr_t)buf, len, true};

	return vrng_read_sg(r, &sg, 1, got);
}
