/*
 * libFuzzer target for the virtio-net transmit path: the input is the guest's RAM (ring,
 * indirect tables, headers, frames) and a few set-up bytes; the real virtqueue and virtio-net
 * code send whatever they accept through the tap backend to /dev/null. Malformed chains must
 * be dropped and counted, each completed exactly once, and nothing read outside guest RAM
 * (ASan/UBSan).
 */
#include <assert.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "virtio/net.h"
#include "virtio/virtqueue.h"

#define RAM_SIZE (64 << 10)
#define DESC	 0x1000
#define AVAIL	 0x2000
#define USED	 0x3000

/*
 * Byte 0: log2 queue size (mod 9); byte 1: bit 0 EVENT_IDX, bit 1 INDIRECT_DESC, bit 2
 * HOST_TSO4 (large frames allowed), bit 3 MRG_RXBUF. The input is also guest RAM from 0.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct guest_mem gm;
	static struct virtio_net net;
	static struct tap sink; /* a "tap" that takes every frame */
	static struct virtq_elem elem;
	if (!gm.mapping) {
		sink.fd = open("/dev/null", O_WRONLY | O_NONBLOCK);
		if (gm_alloc(&gm, RAM_SIZE) || sink.fd < 0 ||
		    virtio_net_init(&net, &tap_backend_ops, &sink, "fuzz", NULL, 1500))
			abort();
	}
	if (size < 2)
		return 0;
	uint8_t *ram = gm_ptr(&gm, 0, RAM_SIZE);
	memset(ram, 0, RAM_SIZE);
	memcpy(ram, data, size < RAM_SIZE ? size : RAM_SIZE);
	net.features = (data[1] & 4 ? 1ULL << VIRTIO_NET_F_HOST_TSO4 : 0) |
		       (data[1] & 8 ? 1ULL << VIRTIO_NET_F_MRG_RXBUF : 0);
	net.backend_dead = false;

	struct virtq vq;
	if (virtq_init(&vq, &gm, (uint16_t)(1u << (data[0] % 9)), DESC, AVAIL, USED, data[1] & 1,
		       data[1] & 2))
		return 0;
	virtio_net_ops.handle_queue(&net, NET_TXQ, &vq, &elem);
	/* Every chain taken was completed (a malformed ring may stop early, never over-count). */
	assert(vq.used_idx == vq.last_avail || vq.error);
	return 0;
}
