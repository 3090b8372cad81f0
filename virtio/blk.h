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

#define BLK_SECTOR	    512
#define BLK_QUEUE_SIZE	    256
#define BLK_MAX_QUEUES	    16
#define BLK_MAX_DWZ_SEGS    8	       /* discard/write-zeroes ranges per request */
#define BLK_MAX_DWZ_SECTORS (1u << 22) /* 2 GiB per range */

struct virtio_blk {
	struct disk *disk;
	char serial[VIRTIO_BLK_ID_BYTES];
	unsigned nqueues;
	uint64_t features; /* negotiated, set at activation */
	struct virtio_blk_config config;
};

extern const struct virtio_device_ops virtio_blk_ops;

/* serial: up to 20 bytes, not necessarily NUL-terminated in the device (5.2.6). */
void virtio_blk_init(struct virtio_blk *b, struct disk *disk, const char *serial, unsigned nqueues);

/*
 * Executes one request chain and sets *written to the bytes put into its writable buffers
 * (for the used ring; a chain holds at most 4 GiB, so it fits). Returns 0, or -1 when the
 * chain carries no writable status byte to report in: the caller completes it with 0 and
 * asks for a reset. Exposed for tests and the fuzzer.
 */
int virtio_blk_request(struct virtio_blk *b, const struct virtq_elem *elem, uint32_t *written);

#endif
