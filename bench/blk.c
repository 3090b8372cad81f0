/*
 * bench/blk: the virtio-blk device path without a guest, against host-native I/O on the same
 * file, in the same run.
 *
 * The "guest" here is this program's main thread acting as a driver on a fake split ring in
 * guest RAM: it publishes requests, kicks the queue's notify eventfd (what KVM's ioeventfd
 * does on QueueNotify) and waits for the irq eventfd (what KVM's irqfd would deliver). The
 * device side is kvmini's real transport, worker thread, virtio-blk and disk backends, in
 * each of the set-ups kvmini offers (see `modes` below).
 *
 * The baseline is the best a plain program does on the same file, into memory of the same
 * kind (guest_mem: 2 MiB-aligned, huge pages advised, touched before the run): at depth 1,
 * preadv back to back; deeper, the better of io_uring with that many reads in flight and one
 * thread per CPU reading back to back (32 threads would only take turns). Everything reads
 * through the page cache (the file is read once first), so a ratio is the device path's
 * overhead. A device path faster than its baseline means the baseline is wrong: the bench says
 * so and exits 2.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <liburing.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "bench/bench.h"
#include "devices/disk_uring.h"
#include "virtio/blk.h"
#include "platform/layout.h"
#include "virtio/mmio.h"
#include "vmm/cli.h"
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
#define MAX_QD 32

/* KVM's default halt polling on x86 (halt_poll_ns): a halted vCPU spins this long first. */
#define HALT_POLL_NS 200000ULL

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

/* One measured run: throughput, and the host CPU time it took (every thread of the process). */
struct result {
	double bytes_per_s;
	double iops_per_cpu_s;
};

static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static struct result result(uint64_t bytes, size_t size, uint64_t ns, double cpu)
{
	return (struct result){(double)bytes * 1e9 / (double)ns,
			       cpu > 0 ? (double)(bytes / size) / cpu : 0};
}

static void die(const char *what, int err)
{
	fprintf(stderr, "bench: %s: %s\n", what, strerror(err));
	exit(1);
}

/* Depth 1: preadv back to back into buf, for RUN_NS. */
static struct result native_sync(int fd, uint64_t file_size, const struct workload *w, uint8_t *buf)
{
	uint64_t seq = 0, bytes = 0, t0 = now_ns(), t;
	double c0 = cpu_s();
	do {
		struct iovec iov = {buf, w->size};
		ssize_t r = preadv(fd, &iov, 1, (off_t)next_offset(w, file_size, &seq));
		if (r != (ssize_t)w->size)
			die("preadv", r < 0 ? errno : EIO);
		bytes += w->size;
	} while ((t = now_ns()) - t0 < RUN_NS);
	return result(bytes, w->size, t - t0, cpu_s() - c0);
}

/* Deeper: io_uring with qd reads in flight, each into its own part of buf, for RUN_NS. */
static struct result native_uring(struct io_uring *ring, int fd, uint64_t file_size,
				  const struct workload *w, uint8_t *buf)
{
	static struct iovec iov[MAX_QD];
	uint64_t seq = 0, bytes = 0, t0 = now_ns(), t = t0;
	double c0 = cpu_s();
	unsigned inflight = 0;
	for (unsigned i = 0; i < w->qd; i++) {
		iov[i] = (struct iovec){buf + i * w->size, w->size};
		struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
		io_uring_prep_readv(sqe, fd, &iov[i], 1, next_offset(w, file_size, &seq));
		io_uring_sqe_set_data64(sqe, i);
		inflight++;
	}
	bool more = true;
	while (inflight) {
		int rc = io_uring_submit_and_wait(ring, 1);
		if (rc < 0 && rc != -EINTR)
			die("io_uring_submit_and_wait", -rc);
		more = (t = now_ns()) - t0 < RUN_NS;
		struct io_uring_cqe *cqe;
		unsigned head, n = 0;
		io_uring_for_each_cqe(ring, head, cqe)
		{
			if (cqe->res != (int)w->size)
				die("io_uring read", cqe->res < 0 ? -cqe->res : EIO);
			bytes += w->size;
			n++;
			inflight--;
			if (more) {
				unsigned i = (unsigned)io_uring_cqe_get_data64(cqe);
				struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
				io_uring_prep_readv(sqe, fd, &iov[i], 1,
						    next_offset(w, file_size, &seq));
				io_uring_sqe_set_data64(sqe, i);
				inflight++;
			}
		}
		io_uring_cq_advance(ring, n);
	}
	return result(bytes, w->size, now_ns() - t0, cpu_s() - c0);
}

/*
 * Deeper, the other way a plain program goes deep: one thread per CPU (up to qd), each
 * reading back to back into its own part of buf. On a machine with spare CPUs this beats one
 * io_uring thread at large sizes, where the copy is the work.
 */
struct reader {
	pthread_t thread;
	int fd;
	uint64_t file_size, seed, bytes, end_ns;
	const struct workload *w;
	uint8_t *buf;
};

static void *reader(void *arg)
{
	struct reader *r = arg;
	uint64_t seq = r->seed;
	do {
		uint64_t blocks = r->file_size / r->w->size;
		r->seed ^= r->seed << 13;
		r->seed ^= r->seed >> 7;
		r->seed ^= r->seed << 17;
		uint64_t off = (r->w->random ? r->seed % blocks : seq++ % blocks) * r->w->size;
		struct iovec iov = {r->buf, r->w->size};
		ssize_t n = preadv(r->fd, &iov, 1, (off_t)off);
		if (n != (ssize_t)r->w->size)
			die("preadv", n < 0 ? errno : EIO);
		r->bytes += r->w->size;
	} while (now_ns() < r->end_ns);
	return NULL;
}

static struct result native_threads(int fd, uint64_t file_size, const struct workload *w,
				    uint8_t *buf, unsigned n)
{
	struct reader r[MAX_QD];
	uint64_t t0 = now_ns(), bytes = 0;
	double c0 = cpu_s();
	for (unsigned i = 0; i < n; i++) {
		r[i] = (struct reader){.fd = fd,
				       .file_size = file_size,
				       .seed = rng() | 1,
				       .end_ns = t0 + RUN_NS,
				       .w = w,
				       .buf = buf + i * w->size};
		if (pthread_create(&r[i].thread, NULL, reader, &r[i]))
			die("pthread_create", EAGAIN);
	}
	for (unsigned i = 0; i < n; i++) {
		pthread_join(r[i].thread, NULL);
		bytes += r[i].bytes;
	}
	return result(bytes, w->size, now_ns() - t0, cpu_s() - c0);
}

/* How the driver waits for a completion: as a guest vCPU would in each case. */
enum wait {
	WAIT_SLEEP,	/* sleeps on the irq eventfd: a halted vCPU with no halt polling */
	WAIT_HALT_POLL, /* spins up to HALT_POLL_NS first, then sleeps: KVM's default */
	WAIT_POLL,	/* spins on the used ring: a guest driver's poll queues */
};

/* One device set-up of kvmini, as the --disk flags name it. */
struct mode {
	const char *name;
	enum { SYNC, URING, AIO_DEFAULT } aio; /* aio=sync, aio=io_uring, or no aio= */
	unsigned poll_us;		       /* poll=USEC */
	unsigned auto_poll_us;		       /* poll=auto */
	enum wait wait;
	bool confined;
};

struct driver {
	const struct mode *m;
	struct guest_mem gm;
	struct disk disk;
	struct virtio_blk blk;
	struct virtio_mmio t;
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
	/* A polling driver asks for no interrupts, as Linux's poll queues do. */
	d->avail->flags = d->m->wait == WAIT_POLL ? VRING_AVAIL_F_NO_INTERRUPT : 0;
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

static uint16_t used_idx(struct driver *d)
{
	return __atomic_load_n(&d->used->idx, __ATOMIC_ACQUIRE);
}

/*
 * Until the device has used something new; returns the used index. A completion found by
 * spinning is taken as KVM takes an irqfd for a polling vCPU, without a system call; the
 * eventfd's count is cleared only when the driver goes to sleep.
 */
static uint16_t wait_used(struct driver *d)
{
	uint16_t idx = used_idx(d);
	if (idx != d->used_seen)
		return idx;
	if (d->m->wait != WAIT_SLEEP) {
		uint64_t end = d->m->wait == WAIT_POLL ? UINT64_MAX : now_ns() + HALT_POLL_NS;
		while ((idx = used_idx(d)) == d->used_seen && now_ns() < end)
			__builtin_ia32_pause();
		if (idx != d->used_seen)
			return idx;
	}
	while ((idx = used_idx(d)) == d->used_seen) {
		struct pollfd p = {.fd = d->t.irq_fd, .events = POLLIN};
		poll(&p, 1, 1000);
		eventfd_t v;
		eventfd_read(d->t.irq_fd, &v);
	}
	return idx;
}

static struct result device(struct driver *d, uint64_t file_size, const struct workload *w)
{
	bring_up(d);
	uint64_t seq = 0, bytes = 0, t0 = now_ns(), t;
	double c0 = cpu_s();
	for (unsigned s = 0; s < w->qd; s++)
		submit(d, s, next_offset(w, file_size, &seq), w->size);
	kick(d);
	for (;;) {
		uint16_t idx = wait_used(d);
		bool more = (t = now_ns()) - t0 < RUN_NS;
		for (; d->used_seen != idx; d->used_seen++) {
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
	/* Stopped before the clock is read: a polling worker's spin is in the CPU time. */
	mmio_w(d, VIRTIO_MMIO_STATUS, 0);
	return result(bytes, w->size, now_ns() - t0, cpu_s() - c0);
}

/* The queue thread confined as kvmini's own blk workers are (vmm/sandbox.h). */
static struct sandbox sandbox;
static void confine_worker(void *ctx, struct virtio_mmio_queue *q)
{
	(void)q;
	sandbox_enter(ctx, SANDBOX_BLK, -1);
}

static int setup_driver(struct driver *d, const struct mode *m, const char *path)
{
	struct err err;
	memset(d, 0, sizeof(*d));
	d->m = m;
	if (disk_open(&d->disk, path, true, &err))
		goto fail;
	virtio_blk_init(&d->blk, &d->disk, "bench", 1);
	/* As kvmini chooses (vmm/board.c, disk_uring_suits). */
	bool uring = m->aio == URING || (m->aio == AIO_DEFAULT && disk_uring_suits(&d->disk));
	if (m->aio == AIO_DEFAULT && !uring)
		printf("bench: '%s': aio=sync (the image is in memory, which io_uring cannot read "
		       "inline)\n",
		       m->name);
	if ((uring && virtio_blk_use_uring(&d->blk, &err)) || gm_alloc(&d->gm, RAM) ||
	    virtio_mmio_init(&d->t, &virtio_blk_ops, &d->blk, &d->gm, VIRTIO_MMIO_BASE,
			     VIRTIO_FIRST_GSI, 1, QSIZE, m->poll_us, &err))
		goto fail;
	virtio_mmio_set_adaptive_poll(&d->t, m->auto_poll_us);
	if (virtio_mmio_spawn_workers(&d->t, m->confined ? confine_worker : NULL, &sandbox, &err))
		goto fail;
	d->desc = gm_ptr(&d->gm, DESC, 16 * QSIZE);
	d->avail = gm_ptr(&d->gm, AVAIL, 6 + 2 * QSIZE);
	d->used = gm_ptr(&d->gm, USED, 6 + 8 * QSIZE);
	/* Touched like the baseline's buffer, before any run. */
	memset(gm_ptr(&d->gm, DATA, (uint64_t)MAX_QD << 20), 0, (size_t)MAX_QD << 20);
	return 0;
fail:
	fprintf(stderr, "bench: set-up of '%s' failed: %s\n", m->name, err.msg);
	return -1;
}

static void teardown_driver(struct driver *d)
{
	virtio_mmio_destroy(&d->t);
	virtio_blk_destroy(&d->blk);
	disk_close(&d->disk);
	gm_free(&d->gm);
}

/*
 * kvmini's set-ups, by --disk flags; the first is the one every other is judged beside. The
 * driver's wait is part of the set-up: in a VM it is the vCPU's, and KVM halt-polls by
 * default, so the default set-up is shown both ways.
 */
static const struct mode modes[] = {
    {"sync,poll=off (old)", SYNC, 0, 0, WAIT_SLEEP, false},
    {"sync,poll=auto", SYNC, 0, CLI_AUTO_POLL_US, WAIT_SLEEP, false},
    {"io_uring,poll=off", URING, 0, 0, WAIT_SLEEP, false},
    {"default", AIO_DEFAULT, 0, CLI_AUTO_POLL_US, WAIT_SLEEP, false},
    {"default, halt-poll", AIO_DEFAULT, 0, CLI_AUTO_POLL_US, WAIT_HALT_POLL, false},
    {"poll=50, drv-poll", AIO_DEFAULT, 50, 0, WAIT_POLL, false},
    {"default, confined", AIO_DEFAULT, 0, CLI_AUTO_POLL_US, WAIT_SLEEP, true},
};
#define NMODES	 (sizeof(modes) / sizeof(modes[0]))
#define CONFINED (NMODES - 1) /* shown against "default" (index 3) */

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
	free(chunk);

	struct err err;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct io_uring ring;
	int rc = io_uring_queue_init(MAX_QD, &ring, 0);
	if (fd < 0 || rc < 0)
		die("native set-up", fd < 0 ? errno : -rc);
	/* The baseline's buffer: memory of the same kind as guest RAM, touched before any run. */
	struct guest_mem native_mem;
	if (gm_alloc(&native_mem, (uint64_t)MAX_QD << 20))
		die("gm_alloc", ENOMEM);
	uint8_t *buf = gm_ptr(&native_mem, 0, (uint64_t)MAX_QD << 20);
	memset(buf, 0, (size_t)MAX_QD << 20);

	static struct driver drivers[NMODES];
	if (sandbox_init(&sandbox, true, false, &err)) {
		fprintf(stderr, "bench: %s\n", err.msg);
		return 1;
	}
	for (size_t m = 0; m < NMODES; m++)
		if (setup_driver(&drivers[m], &modes[m], path))
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
	printf("%-12s %3s  %-22s %9s %7s %12s\n", "workload", "qd", "path", "MB/s", "ratio",
	       "IOPS/CPU-s");
	const char *bad = NULL;
	double bad_ratio = 0;
	bool every_pair = false;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = ncpu > 1 ? (ncpu < MAX_QD ? (unsigned)ncpu : MAX_QD) : 1;
	for (size_t i = 0; i < sizeof(loads) / sizeof(loads[0]); i++) {
		const struct workload *w = &loads[i];
		double nat[REPS], nat_c[REPS], dev[NMODES][REPS], dev_c[NMODES][REPS];
		double one[REPS], one_c[REPS], many[REPS], many_c[REPS]; /* the two ways, deeper */
		double pair[NMODES][REPS]; /* each run against the baseline next to it */
		/* Interleaved, so drift in the machine's speed hits every path alike. */
		for (int r = 0; r < REPS; r++) {
			struct result n = w->qd == 1 ? native_sync(fd, file_size, w, buf)
						     : native_uring(&ring, fd, file_size, w, buf);
			if (w->qd > 1) {
				/* The better of the two ways, run by run: the limit at this depth. */
				struct result t = native_threads(fd, file_size, w, buf, threads);
				one[r] = n.bytes_per_s;
				one_c[r] = n.iops_per_cpu_s;
				many[r] = t.bytes_per_s;
				many_c[r] = t.iops_per_cpu_s;
				if (t.bytes_per_s > n.bytes_per_s)
					n = t;
			}
			nat[r] = n.bytes_per_s;
			nat_c[r] = n.iops_per_cpu_s;
			for (size_t m = 0; m < NMODES; m++) {
				struct result x = device(&drivers[m], file_size, w);
				dev[m][r] = x.bytes_per_s;
				dev_c[m][r] = x.iops_per_cpu_s;
				pair[m][r] = x.bytes_per_s / n.bytes_per_s;
			}
		}
		double n = median(nat);
		printf("%-12s %3u  %-22s %9.0f %7s %12.0f\n", w->name, w->qd,
		       w->qd == 1 ? "native (preadv)" : "native (the better)", n / 1e6, "",
		       median(nat_c));
		if (w->qd > 1) {
			char name[40];
			snprintf(name, sizeof(name), "  io_uring, 1 thread");
			printf("%16s  %-22s %9.0f %6.0f%% %12.0f\n", "", name, median(one) / 1e6,
			       100.0 * median(one) / n, median(one_c));
			snprintf(name, sizeof(name), "  preadv, %u threads", threads);
			printf("%16s  %-22s %9.0f %6.0f%% %12.0f\n", "", name, median(many) / 1e6,
			       100.0 * median(many) / n, median(many_c));
		}
		double dflt = 0;
		for (size_t m = 0; m < NMODES; m++) {
			double x = median(dev[m]), ratio = 100.0 * x / n;
			if (m == 3)
				dflt = x;
			if (m == CONFINED) {
				printf("%16s  %-22s %9.0f %6.0f%% %12.0f  (%.0f%% of default)\n",
				       "", modes[m].name, x / 1e6, ratio, median(dev_c[m]),
				       100.0 * x / dflt);
			} else {
				printf("%16s  %-22s %9.0f %6.0f%% %12.0f\n", "", modes[m].name,
				       x / 1e6, ratio, median(dev_c[m]));
			}
			if (ratio > 100.0 && ratio > bad_ratio) {
				bad = modes[m].name;
				bad_ratio = ratio;
				every_pair = true;
				for (int r = 0; r < REPS; r++)
					every_pair &= pair[m][r] > 1.0;
			}
		}
	}
	for (size_t m = 0; m < NMODES; m++)
		teardown_driver(&drivers[m]);
	io_uring_queue_exit(&ring);
	close(fd);
	gm_free(&native_mem);
	unlink(path);
	/*
	 * The device path does the native work and more, so a median above 100% means the
	 * baseline is wrong, or the machine too busy to tell: say which the runs suggest.
	 */
	if (bad) {
		printf("bench/blk: FAIL: '%s' ran at %.0f%% of native: %s\n", bad, bad_ratio,
		       every_pair
			   ? "above in every interleaved pair, so the baseline is not the "
			     "limit: fix it"
			   : "some pairs below, so this may be a busy machine's noise: rerun "
			     "on a quiet one");
		return 2;
	}
	return 0;
}
