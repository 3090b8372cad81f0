/*
 * libFuzzer target for the virtio-mmio transport as a guest drives it: any sequence of
 * register reads and writes, of any size and at any offset, interleaved with writes to guest
 * RAM (rings, descriptors, buffers), kicks, resets and, for net, frames arriving on the
 * backend. Behind the transport are the real virtio-blk or virtio-net device and the real
 * queue worker threads, started by DRIVER_OK and kicked by the sequence exactly as KVM's
 * ioeventfds would.
 *
 * ASan/UBSan catch any access outside guest RAM or host buffers; the checks below hold the
 * transport to its rules (virtio/mmio.c: status_steps and reg_rules) after every step:
 * - status bits only ever appear with their prerequisites; none but FAILED is accepted while
 *   DEVICE_NEEDS_RESET is set, so a device waiting for a reset never goes live;
 * - a ready queue is a fully built one (power-of-two size within the maximum, rings in RAM);
 * - workers run only on ready queues, only with DRIVER_OK; none starts during NEEDS_RESET;
 * - a reset leaves every register and queue at zero with no worker running, every time;
 * - tearing down joins every worker (a worker blocked or spinning forever hangs the input,
 *   and libFuzzer's -timeout reports it).
 *
 * Input: byte 0 chooses the set-up: bit 0 net (else blk), bit 1 the device polls its rings,
 * bit 2 blk with two queues, bit 3 a read-only disk. Then operations, each an opcode byte and
 * its arguments (see the OP_ list), until the input ends. Seeds: make_mmio_seeds.py.
 */
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/virtio_config.h>

#include "virtio/blk.h"
#include "virtio/mmio.h"
#include "virtio/net.h"
#include "virtio/worker.h"

#define RAM_SIZE  (64 << 10)
#define DISK_SIZE (32 << 10)
#define RING(q)	  (0x1000ULL + (q)*0x3000ULL) /* desc; avail +0x1000; used +0x2000 */
#define BUF	  0xA000ULL		      /* request headers, data, status bytes */
#define MAX_Q	  2

enum {
	OP_WRITE32, /* off8 (x4), val32: an aligned 32-bit register write */
	OP_READ32,  /* off8 (x4) */
	OP_ACCESS,  /* off16, size (1/2/4/8), write?, val64: any access at any offset */
	OP_RAM,	    /* addr16, len8, bytes: the guest writes its RAM */
	OP_INIT,    /* features32, qlog: a well-behaved driver's whole initialisation */
	OP_DESC,    /* q, i, addr16, len32, flags8, next8: one descriptor */
	OP_PUBLISH, /* q, head: avail ring entry, then avail idx */
	OP_KICK,    /* q: QueueNotify */
	OP_REQUEST, /* q, d, type, sector8, sectors8: a blk request chain, published */
	OP_FRAME,   /* len8: net: a frame arrives on the backend */
	OP_SETTLE,  /* us8: let the workers run */
	OP_RESET,   /* Status = 0 */
	OP_ISR,	    /* read InterruptStatus, write it to InterruptACK */
	OP_COUNT,
};

struct input {
	const uint8_t *p;
	size_t left;
};

static bool take(struct input *in, void *dst, size_t n)
{
	if (in->left < n)
		return false;
	memcpy(dst, in->p, n);
	in->p += n;
	in->left -= n;
	return true;
}

/* Always on, whatever the build type (assert would vanish under NDEBUG). */
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_mmio: %s:%d: %s\n", __FILE__, __LINE__, #cond);      \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static struct guest_mem gm;
static struct disk disk_rw, disk_ro;
static int net_sock[2];
static struct tap net_tap; /* the device's end of net_sock, as a tap */
static uint16_t avail_idx[MAX_Q];

static void init_once(void)
{
	if (gm.mapping)
		return;
	int fd = memfd_create("kvmini-fuzz-disk", 0);
	if (gm_alloc(&gm, RAM_SIZE) || fd < 0 || ftruncate(fd, DISK_SIZE) ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, net_sock))
		abort();
	disk_rw = (struct disk){.ops = &disk_file_ops, .fd = fd, .size = DISK_SIZE};
	disk_ro = disk_rw;
	disk_ro.ro = true;
	net_tap = (struct tap){.fd = net_sock[0]};
}

static uint32_t rd(struct virtio_mmio *t, uint64_t off)
{
	uint32_t v;
	virtio_mmio_bus_ops.read(t, off, &v, 4);
	return v;
}

static void wr(struct virtio_mmio *t, uint64_t off, uint32_t v)
{
	virtio_mmio_bus_ops.write(t, off, &v, 4);
}

/* The invariants, read under the transport's lock like any register access. */
static void check(struct virtio_mmio *t, uint32_t status_before)
{
	pthread_mutex_lock(&t->lock);
	uint32_t s = t->status;
	if (s & VIRTIO_CONFIG_S_DRIVER)
		CHECK(s & VIRTIO_CONFIG_S_ACKNOWLEDGE);
	if (s & VIRTIO_CONFIG_S_FEATURES_OK)
		CHECK(s & VIRTIO_CONFIG_S_DRIVER);
	if (s & VIRTIO_CONFIG_S_DRIVER_OK)
		CHECK(s & VIRTIO_CONFIG_S_FEATURES_OK);
	/* While waiting for a reset nothing but FAILED can be added. */
	if (status_before & VIRTIO_CONFIG_S_NEEDS_RESET && s != 0)
		CHECK(!((s & ~status_before) & ~(uint32_t)VIRTIO_CONFIG_S_FAILED));
	if (s & VIRTIO_CONFIG_S_NEEDS_RESET)
		CHECK(atomic_load(&t->halted));
	for (unsigned i = 0; i < t->nqueues; i++) {
		struct virtio_mmio_queue *q = &t->queues[i];
		if (q->ready) {
			CHECK(q->vq.size && !(q->vq.size & (q->vq.size - 1)));
			CHECK(q->vq.size <= t->queue_max);
			CHECK(q->vq.desc && q->vq.avail && q->vq.used);
		}
		if (q->running) {
			CHECK(q->ready);
			CHECK(s & VIRTIO_CONFIG_S_DRIVER_OK);
		}
		if (!(s & VIRTIO_CONFIG_S_DRIVER_OK))
			CHECK(!q->running);
	}
	pthread_mutex_unlock(&t->lock);
}

static void check_reset(struct virtio_mmio *t)
{
	pthread_mutex_lock(&t->lock);
	CHECK(t->status == 0 && t->driver_features == 0 && t->queue_sel == 0);
	CHECK(atomic_load(&t->interrupt_status) == 0 && !atomic_load(&t->halted));
	for (unsigned i = 0; i < t->nqueues; i++) {
		struct virtio_mmio_queue *q = &t->queues[i];
		CHECK(!q->ready && !q->running && q->num == 0 && q->desc == 0);
		CHECK(q->vq.desc == NULL && q->vq.size == 0);
	}
	pthread_mutex_unlock(&t->lock);
}

static void init_driver(struct virtio_mmio *t, uint32_t features, uint8_t qlog)
{
	wr(t, VIRTIO_MMIO_STATUS, 0);
	wr(t, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	wr(t, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES, features & rd(t, VIRTIO_MMIO_DEVICE_FEATURES));
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES, 1); /* VERSION_1 */
	uint32_t s = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;
	wr(t, VIRTIO_MMIO_STATUS, s | VIRTIO_CONFIG_S_FEATURES_OK);
	memset(gm_ptr(&gm, RING(0), 0x3000ULL * MAX_Q), 0, 0x3000ULL * MAX_Q);
	for (unsigned q = 0; q < t->nqueues && q < MAX_Q; q++) {
		avail_idx[q] = 0;
		wr(t, VIRTIO_MMIO_QUEUE_SEL, q);
		wr(t, VIRTIO_MMIO_QUEUE_NUM, 1u << (qlog % 9));
		wr(t, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)RING(q));
		wr(t, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)RING(q) + 0x1000);
		wr(t, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)RING(q) + 0x2000);
		wr(t, VIRTIO_MMIO_QUEUE_READY, 1);
	}
	wr(t, VIRTIO_MMIO_STATUS, s | VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
}

static struct vring_desc *desc_at(unsigned q, unsigned i)
{
	return gm_ptr(&gm, RING(q) + 16ULL * (i % 256), 16);
}

static void publish(unsigned q, uint16_t head)
{
	struct vring_avail *a = gm_ptr(&gm, RING(q) + 0x1000, 4 + 2 * 256);
	a->ring[avail_idx[q] % 256] = head; /* the device reads it mod its own size */
	avail_idx[q]++;
	__atomic_store_n(&a->idx, avail_idx[q], __ATOMIC_RELEASE);
}

/* A virtio-blk request: header, data (device-writable for reads), status byte. */
static void request(unsigned q, uint8_t d, uint8_t type, uint8_t sector, uint8_t sectors)
{
	uint64_t hdr = BUF + 16ULL * (d % 64), st = BUF + 0x400 + (d % 64);
	uint64_t data = BUF + 0x800, len = 512ULL * (sectors % 8);
	struct virtio_blk_outhdr h = {.type = type % 12, .sector = sector};
	gm_write(&gm, hdr, &h, sizeof(h));
	uint16_t i = d, n = (uint16_t)(d + 1), last = (uint16_t)(d + (len ? 2 : 1));
	*desc_at(q, i) = (struct vring_desc){hdr, sizeof(h), VRING_DESC_F_NEXT, n};
	if (len) {
		uint16_t w = type == VIRTIO_BLK_T_IN ? VRING_DESC_F_WRITE : 0;
		*desc_at(q, n) =
		    (struct vring_desc){data, (uint32_t)len, VRING_DESC_F_NEXT | w, last};
	}
	*desc_at(q, last) = (struct vring_desc){st, 1, VRING_DESC_F_WRITE, 0};
	publish(q, i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	init_once();
	if (size < 1)
		return 0;
	struct input in = {data + 1, size - 1};
	uint8_t setup = data[0];
	bool is_net = setup & 1;
	unsigned poll_us = setup & 2 ? 100 : 0;
	memset(gm_ptr(&gm, 0, RAM_SIZE), 0, RAM_SIZE);
	memset(avail_idx, 0, sizeof(avail_idx));

	static struct virtio_blk blk;
	static struct virtio_net net;
	static struct virtio_mmio t;
	struct err err;
	int rc;
	if (is_net) {
		char drain[256];
		while (read(net_sock[1], drain, sizeof(drain)) > 0) /* frames the last input sent */
			;
		while (read(net_sock[0], drain, sizeof(drain)) > 0) /* frames it did not take */
			;
		if (virtio_net_init(&net, &tap_backend_ops, &net_tap, "fuzz", NULL, 1500))
			abort();
		rc = virtio_mmio_init(&t, &virtio_net_ops, &net, &gm, 0, 16, 2, NET_QUEUE_SIZE,
				      poll_us, &err);
	} else {
		unsigned nq = setup & 4 ? 2 : 1;
		virtio_blk_init(&blk, setup & 8 ? &disk_ro : &disk_rw, "fuzz", nq);
		rc = virtio_mmio_init(&t, &virtio_blk_ops, &blk, &gm, 0, 16, nq, BLK_QUEUE_SIZE,
				      poll_us, &err);
	}
	if (rc || virtio_mmio_spawn_workers(&t, NULL, NULL, &err))
		abort();

	uint8_t op;
	while (take(&in, &op, 1)) {
		uint32_t before = rd(&t, VIRTIO_MMIO_STATUS);
		uint8_t a[4] = {0};
		uint16_t a16 = 0;
		uint32_t v32 = 0;
		uint64_t v64 = 0;
		switch (op % OP_COUNT) {
		case OP_WRITE32:
			if (take(&in, a, 1) && take(&in, &v32, 4))
				wr(&t, 4ULL * a[0], v32);
			break;
		case OP_READ32:
			if (take(&in, a, 1))
				rd(&t, 4ULL * a[0]);
			break;
		case OP_ACCESS:
			if (take(&in, &a16, 2) && take(&in, a, 2) && take(&in, &v64, 8)) {
				static const unsigned sizes[] = {1, 2, 4, 8};
				uint64_t off = a16 % (VIRTIO_MMIO_SIZE + 8);
				unsigned sz = sizes[a[0] % 4];
				/* The bus delivers only accesses that fit in the device. */
				if (off + sz > VIRTIO_MMIO_SIZE)
					break;
				if (a[1] & 1)
					virtio_mmio_bus_ops.write(&t, off, &v64, sz);
				else
					virtio_mmio_bus_ops.read(&t, off, &v64, sz);
			}
			break;
		case OP_RAM:
			if (take(&in, &a16, 2) && take(&in, a, 1)) {
				size_t n = a[0] < in.left ? a[0] : in.left;
				gm_write(&gm, a16 % RAM_SIZE, in.p,
					 a16 % RAM_SIZE + n <= RAM_SIZE ? n : 0);
				in.p += n;
				in.left -= n;
			}
			break;
		case OP_INIT:
			if (take(&in, &v32, 4) && take(&in, a, 1)) {
				init_driver(&t, v32, a[0]);
				before = 0; /* it starts with a reset */
			}
			break;
		case OP_DESC: {
			uint8_t qi[2], fn[2];
			if (take(&in, qi, 2) && take(&in, &a16, 2) && take(&in, &v32, 4) &&
			    take(&in, fn, 2))
				*desc_at(qi[0] % MAX_Q, qi[1]) =
				    (struct vring_desc){a16, v32, fn[0], fn[1]};
			break;
		}
		case OP_PUBLISH:
			if (take(&in, a, 2))
				publish(a[0] % MAX_Q, a[1]);
			break;
		case OP_KICK:
			if (take(&in, a, 1))
				wr(&t, VIRTIO_MMIO_QUEUE_NOTIFY, a[0] % 4);
			break;
		case OP_REQUEST:
			if (take(&in, a, 4) && take(&in, &a16, 1))
				request(a[0] % MAX_Q, a[1], a[2], a[3], (uint8_t)a16);
			break;
		case OP_FRAME:
			if (take(&in, a, 1) && is_net) {
				uint8_t frame[NET_HDR_LEN + 255] = {0};
				size_t n = NET_HDR_LEN + a[0];
				/* Into a full backend queue the frame is lost, as on a tap. */
				(void)send(net_sock[1], frame, n, MSG_DONTWAIT);
			}
			break;
		case OP_SETTLE:
			if (take(&in, a, 1))
				usleep(a[0] % 64);
			break;
		case OP_RESET:
			wr(&t, VIRTIO_MMIO_STATUS, 0);
			check_reset(&t);
			break;
		case OP_ISR:
			wr(&t, VIRTIO_MMIO_INTERRUPT_ACK, rd(&t, VIRTIO_MMIO_INTERRUPT_STATUS));
			break;
		}
		check(&t, before);
	}

	/* Workers are joined (a hung one hangs here), and a blk queue owes nothing it took. */
	vq_workers_stop(&t);
	if (!is_net)
		for (unsigned i = 0; i < t.nqueues; i++) {
			const struct virtq *vq = &t.queues[i].vq;
			if (t.queues[i].ready && !vq->error)
				CHECK(vq->used_idx == vq->last_avail);
		}
	wr(&t, VIRTIO_MMIO_STATUS, 0);
	check_reset(&t);
	virtio_mmio_destroy(&t);
	if (is_net)
		virtio_net_destroy(&net);
	return 0;
}
