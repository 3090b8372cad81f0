/*
 * One thread per virtqueue: it sleeps on the queue's notify eventfd (which KVM signals on the
 * guest's QueueNotify write, without an exit to user space), hands chains to the device, and
 * raises the interrupt. With poll_us it also polls the ring for that long after each batch,
 * kicks switched off, so a busy driver submits without any notify exit.
 */
#ifndef KVMINI_VIRTIO_WORKER_H
#define KVMINI_VIRTIO_WORKER_H

#include "virtio/mmio.h"

/*
 * Creates t's queue threads, parked until DRIVER_OK; each first calls t->thread_init, if set.
 * Returns 0 or an errno value.
 */
int vq_workers_spawn(struct virtio_mmio *t);

/* Starts q's session (DRIVER_OK). -1 when q has no thread. */
int vq_worker_start(struct virtio_mmio_queue *q);

/* Ends every session and waits until each thread is parked. Not with t->lock held. */
void vq_workers_stop(struct virtio_mmio *t);

/* Stops, then ends and joins every thread (teardown). */
void vq_workers_join(struct virtio_mmio *t);

#endif
