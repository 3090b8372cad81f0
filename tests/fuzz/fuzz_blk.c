/*
 * libFuzzer target for everything a guest controls on a virtio-blk queue: the input is the
 * guest's RAM (rings, indirect tables, headers, data) plus a few set-up bytes, and the real
 * virtqueue and virtio-blk code serve it over an in-memory disk. ASan/UBSan catch any access
 * outside guest RAM or the host buffers; the checks below catch broken ring bookkeeping.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "virtio/blk.h"
#include "virtio/blk_uring.h"
#include "virtio/virtqueue.h"

#define RAM_SIZE  (64 << 10) /* small, so many guest addresses are out of RAM */
#define DISK_SIZE (32 << 10)
#define DESC	  0x1000
#define AVAIL	  0x2000
#define USED	  0x3000

/*
 * Input layout: byte 0: log2 of the queue size (mod 9); byte 1: bit 0 EVENT_IDX, bit 1
 * INDIRECT_DESC, bit 2 read-only disk, bit 3 FLUSH negotiated, bit 4 the io_uring path
 * (aio=io_uring, its requests run to completion after each pass); byte 2: passes (1-4); the
 * whole input is also the initial content of guest RAM from address 0.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct guest_mem gm;
	static struct disk disk;
	static struct virtq_elem elem;
	static struct blk_uring_queue *uring; /* one ring for the whole run: they are costly */
	if (!gm.mapping) {
		if (gm_alloc(&gm, RAM_SIZE))
			abort();
		int fd = memfd_create("kvmini-fuzz-disk", 0);
		if (fd < 0 || ftruncate(fd, DISK_SIZE))
			abort();
		disk = (struct disk){.ops = &disk_file_ops, .fd = fd, .size = DISK_SIZE};
		static struct virtio_blk b; /* the ring's first owner: it must outlive this call */
		virtio_blk_init(&b, &disk, "fuzz", 1);
		if (virtio_blk_use_uring(&b, NULL))
			abort();
		uring = b.uring[0];
	}
	if (size < 3)
		return 0;
	uint8_t *ram = gm_ptr(&gm, 0, RAM_SIZE);
	memset(ram, 0, RAM_SIZE);
	memcpy(ram, data, size < RAM_SIZE ? size : RAM_SIZE);

	uint16_t qsize = (uint16_t)(1u << (data[0] % 9));
	disk.ro = data[1] & 4;
	struct virtio_blk blk;
	virtio_blk_init(&blk, &disk, "fuzz", 1);
	if (data[1] & 16)
		blk.uring[0] = uring;
	blk.features = (data[1] & 8) ? 1ULL << VIRTIO_BLK_F_FLUSH : 0;
	blk.features |= (1ULL << VIRTIO_BLK_F_DISCARD) | (1ULL << VIRTIO_BLK_F_WRITE_ZEROES);

	struct virtq vq;
	if (virtq_init(&vq, &gm, qsize, DESC, AVAIL, USED, data[1] & 1, data[1] & 2))
		return 0;
	unsigned passes = 1 + data[2] % 4;
	for (unsigned p = 0; p < passes; p++) {
		uint16_t before = vq.used_idx, avail_before = vq.last_avail;
		virtio_blk_ops.handle_queue(&blk, 0, &vq, &elem);
		/* Whatever went to the ring completes, before the next pass looks. */
		for (unsigned spins = 0; virtio_blk_uring_fd(&blk, 0) >= 0; spins++) {
			assert(spins < 1000000);
			if (virtio_blk_uring_ready(&blk, 0))
				virtio_blk_ops.handle_queue(&blk, 0, &vq, &elem);
		}
		/*
		 * Never more completions than chains taken. (The used ring in guest RAM is not
		 * checked: a hostile guest may point a data buffer at it.)
		 */
		assert((uint16_t)(vq.used_idx - before) <=
		       (uint16_t)(vq.last_avail - avail_before));
		if (vq.error)
			break;
	}
	virtq_should_interrupt(&vq);
	virtq_set_notify(&vq, true);
	return 0;
}
