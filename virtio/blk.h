/*
 * virtio-blk (virtio 1.2, section 5.2) over a disk backend. Each request is validated as a
 * whole before any I/O: a bad one gets an error status, never a partial transfer.
 */
#ifndef KVMINI_VIRTIO_BLK_H
#define KVMINI_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/virtio_blk.h>

#include "virtio/device.h"
#include "devices/disk.h"
#include "core/err.h"

#define BLK_SECTOR	    512
#define BLK_QUEUE_SIZE	    256
#define BLK_MAX_QUEUES	    16
#define BLK_MAX_DWZ_SEGS    8	       /* discard/write-zeroes ranges per request */
#define BLK_MAX_DWZ_SECTORS (1u << 22) /* 2 GiB per range */
#define BLK_URING_DEPTH	    64	       /* requests in flight per queue with aio=io_uring */

struct blk_uring_queue; /* virtio/blk_uring.c */

struct virtio_blk {
	struct disk *disk;
	char serial[VIRTIO_BLK_ID_BYTES];
	unsigned nqueues;
	uint64_t features; /* negotiated, set at activation */
	struct virtio_blk_config config;
	/* aio=io_uring: each queue's ring and requests in flight; NULL with aio=sync. */
	struct blk_uring_queue *uring[BLK_MAX_QUEUES];
};

extern const struct virtio_device_ops virtio_blk_ops;

/* serial: up to 20 bytes, not necessarily NUL-terminated in the device (5.2.6). */
void virtio_blk_init(struct virtio_blk *b, struct disk *disk, const char *serial, unsigned nqueues);

/*
 * aio=io_uring (virtio/blk_uring.c): gives every queue a ring of its own, made now, during
 * set-up, so a worker submits its whole batch of reads and writes in one call and completes
 * each as it finishes. Without it a queue's worker does one request at a time. 0, or -1 with
 * err set (io_uring unavailable: the caller says so; aio=sync still works).
 */
int virtio_blk_use_uring(struct virtio_blk *b, struct err *err);
/* Frees what virtio_blk_use_uring made; after every worker has stopped. */
void virtio_blk_destroy(struct virtio_blk *b);

/*
 * Executes one request chain and sets *written to the bytes put into its writable buffers
 * (for the used ring; a chain holds at most 4 GiB, so it fits). Returns 0, or -1 when the
 * chain carries no writable status byte to report in: the caller completes it with 0 and
 * asks for a reset. Exposed for tests and the fuzzer.
 */
int virtio_blk_request(struct virtio_blk *b, const struct virtq_elem *elem, uint32_t *written);

/* For virtio/blk_uring.c: how a chain is to be run. */
enum blk_route {
	BLK_NOW,   /* anything else, and every invalid request: virtio_blk_request() */
	BLK_RW,	   /* a valid, non-empty read or write: a transfer to start */
	BLK_FLUSH, /* a flush */
};
struct blk_rw {
	bool write;
	uint64_t off;
	size_t len;
	unsigned n;	 /* iovecs of the data, in the array given */
	uint8_t *status; /* the chain's status byte, in guest RAM */
};
/* Sorts a chain, validating it exactly as virtio_blk_request() would; fills rw and iov. */
enum blk_route virtio_blk_route(const struct virtio_blk *b, const struct virtq_elem *elem,
				struct blk_rw *rw, struct iovec *iov);
/* Whether writes must reach stable storage before they complete (FLUSH not negotiated). */
bool virtio_blk_write_through(const struct virtio_blk *b);

#endif
