/* Building virtio-blk requests on a fake ring, shared by the blk and transport tests. */
#ifndef KVMINI_TEST_BLK_FAKE_H
#define KVMINI_TEST_BLK_FAKE_H

#include <linux/virtio_blk.h>

#include "vring_fake.h"

/* Where one request's pieces live in guest RAM. */
#define BF_HDR	  0x200000ULL
#define BF_DATA	  0x300000ULL
#define BF_STATUS 0x280000ULL

/*
 * Writes header + data + status as a 3-descriptor chain at descriptors d, d+1, d+2 (2 when
 * data_len is 0) and publishes it. `data_write` says whether the device writes the data.
 */
static inline void bf_request(struct fake_ring *f, uint16_t d, uint32_t type, uint64_t sector,
			      uint64_t data_gpa, uint32_t data_len, bool data_write)
{
	struct virtio_blk_outhdr *h = fr_ptr(f, BF_HDR + d * 16ULL);
	h->type = type;
	h->ioprio = 0;
	h->sector = sector;
	uint8_t *st = fr_ptr(f, BF_STATUS + d);
	*st = 0xEE; /* not a valid status: shows whether the device wrote it */
	if (data_len) {
		fr_desc(f, d, BF_HDR + d * 16ULL, 16, VRING_DESC_F_NEXT, d + 1);
		fr_desc(f, d + 1, data_gpa, data_len,
			VRING_DESC_F_NEXT | (data_write ? VRING_DESC_F_WRITE : 0), d + 2);
		fr_desc(f, d + 2, BF_STATUS + d, 1, VRING_DESC_F_WRITE, 0);
	} else {
		fr_desc(f, d, BF_HDR + d * 16ULL, 16, VRING_DESC_F_NEXT, d + 1);
		fr_desc(f, d + 1, BF_STATUS + d, 1, VRING_DESC_F_WRITE, 0);
	}
	fr_publish(f, d);
}

static inline uint8_t bf_status(struct fake_ring *f, uint16_t d)
{
	return *(uint8_t *)fr_ptr(f, BF_STATUS + d);
}

#endif
