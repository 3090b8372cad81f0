/*
 * The ops table every virtio device implements. The transport (virtio/mmio.c) owns all
 * registers, feature negotiation, queues and their worker threads; a device only describes
 * itself and consumes chains handed to it by its queues' workers.
 */
#ifndef KVMINI_VIRTIO_DEVICE_H
#define KVMINI_VIRTIO_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio/virtqueue.h"

struct virtio_device_ops {
	const char *name;
	uint32_t device_id; /* VIRTIO_ID_* */
	/* Device-specific feature bits offered (the transport adds VERSION_1 and ring features). */
	uint64_t (*features)(void *dev);
	/*
	 * The device-specific config space: config_size bytes at config(dev), which the
	 * transport serves to the driver as they are, read-only. The device fills them in before
	 * the guest runs and never changes them after, so they are read without a lock. config
	 * may be NULL when config_size is 0.
	 */
	uint32_t config_size;
	const void *(*config)(void *dev);
	/* At DRIVER_OK with the final features; non-zero refuses (DEVICE_NEEDS_RESET). */
	int (*activate)(void *dev, uint64_t features);
	/*
	 * On queue q's worker thread: pop and complete chains until virtq_pop returns 0 (empty) or
	 * -1 (broken), or one queue's worth (vq->size) has been done: the worker calls again while
	 * more is available, and looks for a stop request in between, so a guest that keeps the
	 * ring full cannot hold up a reset or shutdown. Completion interrupts are the transport's
	 * business.
	 */
	void (*handle_queue)(void *dev, unsigned q, struct virtq *vq, struct virtq_elem *scratch);
	/* After every worker has stopped: forget all driver-visible state. */
	void (*reset)(void *dev);
	/*
	 * Optional: a file descriptor queue q's worker should also wait on right now (net RX: the
	 * tap, while there is room to take a frame), or -1. Readable -> handle_queue again.
	 */
	int (*queue_fd)(void *dev, unsigned q);
	/*
	 * Optional, for devices with I/O in flight (virtio-blk with io_uring): whether queue q
	 * has completions waiting for handle_queue (cheap: polled while the worker spins), and,
	 * on the worker as a session ends (reset or shutdown), waiting out whatever is in flight
	 * so that nothing touches guest RAM after.
	 */
	bool (*queue_ready)(void *dev, unsigned q);
	void (*queue_quiesce)(void *dev, unsigned q);
};

#endif
