/*
 * virtio-blk's requests through io_uring (aio=io_uring): the queue's worker pops every chain it
 * can, starts each read, write and flush on its queue's ring, submits the batch in one call,
 * and completes chains as their I/O finishes, in whatever order that is. Everything else a
 * guest may send (and every invalid request) is answered at once by virtio_blk_request().
 */
#ifndef KVMINI_VIRTIO_BLK_URING_H
#define KVMINI_VIRTIO_BLK_URING_H

#include <stdbool.h>

#include "virtio/blk.h"

/* The virtio_device_ops entries of virtio-blk that only the io_uring path uses. */
void virtio_blk_uring_handle(struct virtio_blk *b, unsigned q, struct virtq *vq,
			     struct virtq_elem *elem);
int virtio_blk_uring_fd(void *dev, unsigned q);
bool virtio_blk_uring_ready(void *dev, unsigned q);
void virtio_blk_uring_quiesce(void *dev, unsigned q);

#endif
