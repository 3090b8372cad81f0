/*
 * virtio-rng (virtio 1.2, 5.4) over virtio-mmio, as Linux's virtio-rng.c drives it: no
 * features of its own (VERSION_1, and the ring's INDIRECT_DESC and EVENT_IDX by choice), one
 * queue (requestq), and each read is one device-writable buffer added to it, kicked if the
 * device wants a kick, and completed by interrupt. The used length says how many random
 * bytes the device put at the start of the buffer: it may be fewer than asked for.
 */
#ifndef TINY_DRIVERS_VIRTIO_RNG_H
#define TINY_DRIVERS_VIRTIO_RNG_H

#include <asm/bootparam.h>
#include <linux/virtio_ids.h>
#include "drivers/virtio_mmio.h"
#include "lib/fdt.h"
#include "lib/types.h"

#define VRNG_QUEUE_SIZE 64 /* min(QueueNumMax, this) */

struct virtio_rng {
	struct virtio_mmio_dev vdev;
	struct fdt *fdt;
	struct virtqueue vq;
	/* The read in flight: set by the interrupt handler. */
	volatile bool done;
	u32 used_len;
	unsigned completed;
};

/*
 * Finds the first virtio-rng in the device tree (device tree, interrupt controllers and heap
 * set up on the way) and initialises it. Returns 1, 0 when there is none, or -1 after
 * printing why (prefixed with `who`).
 */
int vrng_probe(struct boot_params *bp, const char *who, struct virtio_rng *r);

/* Linux's order: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK, queue, interrupt, DRIVER_OK. */
const char *vrng_init(struct virtio_rng *r);

/*
 * One request of a single device-writable buffer [buf, buf + len): waits for it and sets *got
 * to the used length. Returns NULL, or why it never completed (DEVICE_NEEDS_RESET, a broken
 * ring, the watchdog: see watchdog.h, which the caller arms).
 */
const char *vrng_read(struct virtio_rng *r, void *buf, u32 len, u32 *got);
/* The same for a hand-made scatter list (a readable buffer the device must refuse). */
const char *vrng_read_sg(struct virtio_rng *r, const struct vq_sg *sg, unsigned n, u32 *got);

#endif
