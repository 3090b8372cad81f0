/*
 * One thread per virtqueue: it sleeps on the queue's notify eventfd (which KVM signals on the
 * guest's QueueNotify write, without an exit to user space), hands chains to the device, and
 * raises the interrupt. With poll_us it also polls the ring for that long after each batch,
 * kicks switched off, so a busy driver submits without any notify exit.
 */
#ifndef KVMINI_VIRTIO_WORKER_H
#define KVMINI_VIRTIO_WORKER_H

#include "virtio/mmio.h"

int vq_worker_start(struct virtio_mmio_queue *q);

/* Stops and joins every running worker of t. Must not be called with t->lock held. */
void vq_workers_stop(struct virtio_mmio *t);

#endif
