/*
 * bench/blk: the virtio-blk device path without a guest, against host-native preadv on the
 * same file, in the same run.
 *
 * The "guest" here is this program's main thread acting as a driver on a fake split ring in
 * guest RAM: it publishes requests, kicks the queue's notify eventfd (what KVM's ioeventfd
 * does on QueueNotify) and sleeps on the irq eventfd (what KVM's irqfd would deliver). The
 * device side is kvmini's real transport, worker thread, virtio-blk and file backend.
 *
 * Two device set-ups run: "notify" (the worker sleeps until kicked; the driver sleeps until
 * interrupted) and "poll" (the worker polls the ring for 50 us after each request, --disk
 * poll=50, and the driver polls the used ring like a guest driver in polling mode).
 *
 * The baseline is one thread issuing the same reads with preadv back to back: exactly the
 * I/O the device's single queue worker performs. Both read through the page cache (the file
 * is read once first), so the ratio is the device path's overhead, not the disk's speed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "bench/bench.h"
#include "virtio/blk.h"
#include "platform/layout.h"
#include "virtio/mmio.h"
#include "vmm/sandbox.h"

#define RAM    (128ULL << 20)
#define QSIZE  256
#define DESC   0x10000ULL
#define AVAIL  0x20000ULL
#define USED   0x30000ULL
#define HDRS   0x40000ULL /* 16 bytes per slot */
#define STATUS 0x50000ULL /* 1 byte per slot */
#define DATA   0x100000ULL
#define RUN_NS 400000000ULL

static uint64_t rng_state = 88172645463325252ULL;
static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

struct workload {
	const char *name;
	size_t size; /* bytes per request */
	bool random;
	unsigned qd;
};

static uint64_t next_offset(const struct workload *w, uint64_t file_size, uint64_t *seq)
{
	uint64_t blocks = file_size / w->size;
	uint64_t b = w->random ? rng() % blocks : (*seq)++ % blocks;
	return b * w->size;
}

/* Baseline: preadv into one buffer, back to back, for RUN_NS. Returns bytes per second. */
static double native(int fd, uint64_t file_size, const struct workload *w, uint8_t *buf)
{
	uint64_t seq = 0, bytes = 0, t0 = now_ns(), t;
	do {
		struct iovec iov = {buf, w->size};
		if (preadv(fd, &iov, 1, (off_t)next_offset(w, file_size, &seq)) !=
		    (ssize_t)w->size) {
			perror("preadv");
			exit(1);
		}
		bytes += w->size;
	} while ((t = now_ns()) - t0 < RUN_NS);
	return (double)bytes * 1e9 / (double)(t - t0);
}

struct driver {
	struct guest_mem gm;
	struct virtio_mmio t;
	bool poll; /* spin on the used ring instead of sleeping on the irq eventfd */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t avail_idx, used_seen;
};

static void mmio_w(struct driver *d, uint64_t off, uint32_t v)
{
	virtio_mmio_bus_ops.write(&d->t, off, &v, 4);
}

static void bring_up(struct driver *d)
{
	memset(gm_ptr(&d->gm, 0, DATA), 0, DATA);
	d->avail_idx = d->used_seen = 0;
	mmio_w(d, VIRTIO_MMIO_STATUS, 0);
	mmio_w(d, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	mmio_w(d, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	uint64_t f = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_BLK_F_FLUSH);
	mmio_w(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	mmio_w(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
	mmio_w(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	mmio_w(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
	uint32_t s =
	    VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK;
	mmio_w(d, VIRTIO_MMIO_STATUS, s);
	mmio_w(d, VIRTIO_MMIO_QUEUE_SEL, 0);
	mmio_w(d, VIRTIO_MMIO_QUEUE_NUM, QSIZE);
	mmio_w(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)DESC);
	mmio_w(d, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)AVAIL);
	mmio_w(d, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)USED);
	mmio_w(d, VIRTIO_MMIO_QUEUE_READY, 1);
	mmio_w(d, VIRTIO_MMIO_STATUS, s | VIRTIO_CONFIG_S_DRIVER_OK);
}

/* Slot i uses descriptors 3i..3i+2: header, data, status. */
static void submit(struct driver *d, unsigned slot, uint64_t off, size_t size)
{
	struct virtio_blk_outhdr *h = gm_ptr(&d->gm, HDRS + 16ULL * slot, 16);
	*h = (struct virtio_blk_outhdr){.type = VIRTIO_BLK_T_IN, .sector = off / 512};
	uint16_t i = (uint16_t)(3 * slot);
	d->desc[i] = (struct vring_desc){HDRS + 16ULL * slot, 16, VRING_DESC_F_NEXT, i + 1};
	d->desc[i + 1] = (struct vring_desc){DATA + (uint64_t)slot * size, (uint32_t)size,
					     VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, i + 2};
	d->desc[i + 2] = (struct vring_desc){STATUS + slot, 1, VRING_DESC_F_WRITE, 0};
	d->avail->ring[d->avail_idx % QSIZE] = i;
	d->avail_idx++;
	__atomic_store_n(&d->avail->idx, d->avail_idx, __ATOMIC_RELEASE);
}

/* Like a driver's kick: only when the device has not asked us not to. */
static void kick(struct driver *d)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!(__atomic_load_n(&d->used->flags, __ATOMIC_ACQUIRE) & VRING_USED_F_NO_NOTIFY))
		eventfd_write(d->t.queues[0].notify_fd, 1);
}

static double device(struct driver *d, uint64_t file_size, const struct workload *w)
{
	bring_up(d);
	uint64_t seq = 0, bytes = 0, t0 = now_ns(), t;
	for (unsigned s = 0; s < w->qd; s++)
		submit(d, s, next_offset(w, file_size, &seq), w->size);
	kick(d);
	for (;;) {
		uint16_t used_idx;
		while ((used_idx = __atomic_load_n(&d->used->idx, __ATOMIC_ACQUIRE)) ==
		       d->used_seen) {
			if (d->poll) {
				__builtin_ia32_pause();
				continue;
			}
			struct pollfd p = {.fd = d->t.irq_fd, .events = POLLIN};
			poll(&p, 1, 1000);
			eventfd_t v;
			eventfd_read(d->t.irq_fd, &v);
		}
		bool more = (t = now_ns()) - t0 < RUN_NS;
		for (; d->used_seen != used_idx; d->used_seen++) {
			struct vring_used_elem e = d->used->ring[d->used_seen % QSIZE];
			unsigned slot = e.id / 3;
			if (*(uint8_t *)gm_ptr(&d->gm, STATUS + slot, 1) != VIRTIO_BLK_S_OK) {
				fprintf(stderr, "bench: request failed\n");
				exit(1);
			}
			bytes += w->size;
			if (more)
				submit(d, slot, next_offset(w, file_size, &seq), w->size);
		}
		if (!more && d->used_seen == d->avail_idx)
			break;
		if (more)
			kick(d);
	}
	return (double)bytes * 1e9 / (double)(now_ns() - t0);
}

/* The queue thread confined as kvmini's own blk workers are (vmm/sandbox.h). */
static struct sandbox sandbox;
static void confine_worker(void *ctx, struct virtio_mmio_queue *q)
{
	(void)q;
	sandbox_enter(ctx, SANDBOX_BLK, -1);
}

static int setup_driver(struct driver *d, struct virtio_blk *blk, unsigned poll_us, bool confined)
{
	struct err err;
	memset(d, 0, sizeof(*d));
	d->poll = poll_us != 0;
	if (gm_alloc(&d->gm, RAM) ||
	    virtio_mmio_init(&d->t, &virtio_blk_ops, blk, &d->gm, VIRTIO_MMIO_BASE,
			     VIRTIO_FIRST_GSI, 1, QSIZE, poll_us, &err) ||
	    virtio_mmio_spawn_workers(&d->t, confined ? confine_worker : NULL, &sandbox, &err)) {
		fprintf(stderr, "bench: set-up failed\n");
		return -1;
	}
	d->desc = gm_ptr(&d->gm, DESC, 16 * QSIZE);
	d->avail = gm_ptr(&d->gm, AVAIL, 6 + 2 * QSIZE);
	d->used = gm_ptr(&d->gm, USED, 6 + 8 * QSIZE);
	return 0;
}

static void teardown_driver(struct driver *d)
{
	mmio_w(d, VIRTIO_MMIO_STATUS, 0);
	virtio_mmio_destroy(&d->t);
	gm_free(&d->gm);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/var/tmp/kvmini-bench-blk.img";
	uint64_t file_size = (argc > 2 ? strtoull(argv[2], NULL, 0) : 256) << 20;

	/*
	 * The image: written once with non-zero data, then read once so both sides hit the cache.
	 */
	int wfd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (wfd < 0) {
		fprintf(stderr, "bench: cannot create %s: %s\n", path, strerror(errno));
		return 1;
	}
	uint8_t *chunk = malloc(1 << 20);
	for (uint64_t off = 0; off < file_size; off += 1 << 20) {
		for (size_t i = 0; i < (1 << 20); i += 8)
			*(uint64_t *)(chunk + i) = rng();
		if (pwrite(wfd, chunk, 1 << 20, (off_t)off) != 1 << 20)
			return 1;
	}
	for (uint64_t off = 0; off < file_size; off += 1 << 20)
		if (pread(wfd, chunk, 1 << 20, (off_t)off) != 1 << 20)
			return 1;
	close(wfd);

	struct disk disk;
	struct err err;
	if (disk_open(&disk, path, true, &err)) {
		fprintf(stderr, "bench: %s\n", err.msg);
		return 1;
	}
	struct virtio_blk blk;
	virtio_blk_init(&blk, &disk, "bench", 1);
	/* Each path twice: as it is, and with the worker in kvmini's seccomp/Landlock sandbox. */
	struct driver notify, polled, notify_sb, polled_sb;
	if (sandbox_init(&sandbox, true, false, &err) || setup_driver(&notify, &blk, 0, false) ||
	    setup_driver(&polled, &blk, 50, false) || setup_driver(&notify_sb, &blk, 0, true) ||
	    setup_driver(&polled_sb, &blk, 50, true))
		return 1;

	static const struct workload loads[] = {
	    {"4k-randread", 4096, true, 1},
	    {"4k-randread", 4096, true, 32},
	    {"1m-seqread", 1 << 20, false, 1},
	    {"1m-seqread", 1 << 20, false, 32},
	};
	printf("bench/blk: %s, %llu MiB in the page cache; median of %d interleaved runs of "
	       "%.1f s\n",
	       path, (unsigned long long)(file_size >> 20), REPS, RUN_NS / 1e9);
	printf("%-12s %3s %11s %11s %7s %11s %7s %11s %11s\n", "workload", "qd", "native MB/s",
	       "notify MB/s", "ratio", "poll MB/s", "ratio", "notify+sb", "poll+sb");
	uint8_t *buf = malloc(1 << 20);
	for (size_t i = 0; i < sizeof(loads) / sizeof(loads[0]); i++) {
		const struct workload *w = &loads[i];
		double nat[REPS], ntf[REPS], pol[REPS], ntf_sb[REPS], pol_sb[REPS];
		/* Interleaved, so drift in the machine's speed hits every column alike. */
		for (int r = 0; r < REPS; r++) {
			nat[r] = native(disk.fd, file_size, w, buf);
			ntf[r] = device(&notify, file_size, w);
			pol[r] = device(&polled, file_size, w);
			ntf_sb[r] = device(&notify_sb, file_size, w);
			pol_sb[r] = device(&polled_sb, file_size, w);
		}
		double n = median(nat), a = median(ntf), b = median(pol);
		double as = median(ntf_sb), bs = median(pol_sb);
		/* The sandboxed columns as a ratio to the same path unconfined. */
		printf("%-12s %3u %11.0f %11.0f %6.0f%% %11.0f %6.0f%% %10.0f%% %10.0f%%\n",
		       w->name, w->qd, n / 1e6, a / 1e6, 100.0 * a / n, b / 1e6, 100.0 * b / n,
		       100.0 * as / a, 100.0 * bs / b);
	}
	teardown_driver(&notify);
	teardown_driver(&polled);
	teardown_driver(&notify_sb);
	teardown_driver(&polled_sb);
	disk_close(&disk);
	unlink(path);
	return 0;
}
