/*
 * libFuzzer target for virtio-rng: the input is the guest's RAM (ring, indirect tables,
 * buffers) and a few set-up bytes; the real virtqueue and virtio-rng code serve it, with a
 * source that fills with a marker and records where. Every chain taken must be completed
 * once, with a used length no larger than the bound and equal to what was filled for it; the
 * device may change guest RAM only where it filled and in the used ring (ASan/UBSan catch
 * anything outside RAM).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "virtio/rng.h"
#include "virtio/virtqueue.h"

#define RAM_SIZE (64 << 10)
#define DESC	 0x1000
#define AVAIL	 0x2000
#define USED	 0x3000
#define MARK	 0x5A

/* byte 0: log2 queue size (mod 9); byte 1: bit 0 EVENT_IDX, bit 1 INDIRECT_DESC, bit 2 the
 * source fails after a short read; the input is also guest RAM from 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *ram;
static uint8_t filled[RAM_SIZE]; /* bytes the source was asked to fill */
static size_t chain_filled;	 /* bytes filled for the chain being served */
static int fail_after_short;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_rng: %s:%d: %s\n", __FILE__, __LINE__, #cond);       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static ssize_t source(void *buf, size_t len, unsigned flags)
{
	(void)flags;
	uint8_t *p = buf;
	CHECK(p >= ram && len <= RAM_SIZE && (size_t)(p - ram) <= RAM_SIZE - len);
	if (fail_after_short && chain_filled) {
		errno = EIO;
		return -1;
	}
	size_t n = fail_after_short && len > 3 ? 3 : len;
	memset(p, MARK, n);
	memset(filled + (p - ram), 1, n);
	chain_filled += n;
	return (ssize_t)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct guest_mem gm;
	static struct virtio_rng rng;
	static struct virtq_elem elem;
	static uint8_t before[RAM_SIZE];
	if (!gm.mapping) {
		struct err err;
		if (gm_alloc(&gm, RAM_SIZE) || virtio_rng_init(&rng, &err))
			abort();
		rng.source = source;
		ram = gm_ptr(&gm, 0, RAM_SIZE);
	}
	if (size < 2)
		return 0;
	memset(ram, 0, RAM_SIZE);
	memcpy(ram, data, size < RAM_SIZE ? size : RAM_SIZE);
	memcpy(before, ram, RAM_SIZE);
	memset(filled, 0, sizeof(filled));
	fail_after_short = data[1] & 4;

	struct virtq vq;
	uint16_t qsize = (uint16_t)(1u << (data[0] % 9));
	if (virtq_init(&vq, &gm, qsize, DESC, AVAIL, USED, data[1] & 1, data[1] & 2))
		return 0;
	/* One chain at a time, as handle_queue does it, so each used length can be checked. */
	for (unsigned n = 0; n < vq.size; n++) {
		chain_filled = 0;
		int rc = virtq_pop(&vq, &elem);
		if (rc <= 0)
			break;
		uint32_t len = virtio_rng_request(&rng, &elem);
		CHECK(len == chain_filled && len <= RNG_MAX_PER_CHAIN && len <= elem.in_len);
		CHECK(len == 0 || elem.nout == 0);
		virtq_push(&vq, elem.head, len);
	}
	/* Every chain taken was completed (a malformed ring may stop early, never over-count). */
	CHECK(vq.used_idx == vq.last_avail || vq.error);
	/* The whole path through the ops table, on what is left. */
	virtio_rng_ops.handle_queue(&rng, 0, &vq, &elem);
	CHECK(vq.used_idx == vq.last_avail || vq.error);
	/* Guest RAM changed only where the device filled, and in the used ring. */
	size_t used_end = USED + 4 + 8 * (size_t)qsize + 2;
	for (size_t i = 0; i < RAM_SIZE; i++)
		if (ram[i] != before[i])
			CHECK(filled[i] || (i >= USED && i < used_end));
	return 0;
}
