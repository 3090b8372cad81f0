#include "devices/disk_uring.h"

#include <dirent.h>
#include <errno.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/statfs.h>
#include <unistd.h>

/* What the ring may ever do, fixed before it is enabled (see disk_uring.h). */
static int lock_ring(struct io_uring *ring)
{
	struct io_uring_restriction res[] = {
	    {.opcode = IORING_RESTRICTION_SQE_OP, .sqe_op = IORING_OP_READV},
	    {.opcode = IORING_RESTRICTION_SQE_OP, .sqe_op = IORING_OP_WRITEV},
	    {.opcode = IORING_RESTRICTION_SQE_OP, .sqe_op = IORING_OP_FSYNC},
	    /* Every operation must name a registered file: the disk, and nothing else. */
	    {.opcode = IORING_RESTRICTION_SQE_FLAGS_REQUIRED, .sqe_flags = IOSQE_FIXED_FILE},
	    {.opcode = IORING_RESTRICTION_SQE_FLAGS_ALLOWED, .sqe_flags = IOSQE_FIXED_FILE},
	};
	/*
	 * Through io_uring_register(): Debian 12's liburing.so does not export its wrappers
	 * io_uring_register_restrictions and io_uring_enable_rings.
	 */
	int rc = io_uring_register((unsigned)ring->ring_fd, IORING_REGISTER_RESTRICTIONS, res,
				   sizeof(res) / sizeof(res[0]));
	if (rc < 0)
		return rc;
	rc = io_uring_register((unsigned)ring->ring_fd, IORING_REGISTER_ENABLE_RINGS, NULL, 0);
	return rc < 0 ? rc : 0;
}

/* Whether this thread has an io_uring worker: they are named "iou-wrk-" and their owner's TID. */
static bool have_uring_worker(void)
{
	char want[32], path[64], comm[32];
	snprintf(want, sizeof(want), "iou-wrk-%d", (int)gettid());
	DIR *dir = opendir("/proc/self/task");
	if (!dir)
		return false;
	bool found = false;
	struct dirent *e;
	while (!found && (e = readdir(dir))) {
		snprintf(path, sizeof(path), "/proc/self/task/%.20s/comm", e->d_name);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		found = fgets(comm, sizeof(comm), f) && !strncmp(comm, want, strlen(want)) &&
			(comm[strlen(want)] == '\n' || comm[strlen(want)] == 0);
		fclose(f);
	}
	closedir(dir);
	return found;
}

bool disk_uring_suits(const struct disk *d)
{
	struct statfs fs;
	if (fstatfs(d->fd, &fs) || (fs.f_type != TMPFS_MAGIC && fs.f_type != RAMFS_MAGIC))
		return true;
	/*
	 * In memory, every read can complete inline. Whether this kernel's io_uring does so for
	 * this file system is asked of io_uring itself (Linux 6.1 does for tmpfs; 6.18 does
	 * not): one read on a probe ring, and then whether this thread has a worker, which only
	 * a request that was not done inline makes. Once per file system type.
	 */
	static int answer[2] = {-1, -1}; /* tmpfs, ramfs */
	int *a = &answer[fs.f_type == RAMFS_MAGIC];
	if (*a >= 0)
		return *a;
	struct io_uring ring;
	if (io_uring_queue_init(1, &ring, 0) < 0)
		return true; /* no io_uring: whoever asks for it will say so */
	char byte;
	struct io_uring_cqe *cqe;
	io_uring_prep_read(io_uring_get_sqe(&ring), d->fd, &byte, 1, 0);
	bool done = io_uring_submit(&ring) == 1 && !io_uring_wait_cqe(&ring, &cqe);
	io_uring_queue_exit(&ring);
	if (!done)
		return true;
	*a = !have_uring_worker();
	return *a;
}

int disk_uring_init(struct disk_uring *u, struct disk *d, unsigned depth, struct err *err)
{
	memset(u, 0, sizeof(*u));
	u->event_fd = -1;
	u->depth = depth;
	/* Completions never overflow: at most depth in flight, and the CQ holds twice the SQ. */
	struct io_uring_params p = {.flags = IORING_SETUP_R_DISABLED};
	int rc = io_uring_queue_init_params(depth, &u->ring, &p);
	if (rc < 0)
		return err_set(err,
			       "cannot set up io_uring for disk '%s': %s; use aio=sync, or allow "
			       "io_uring (sysctl kernel.io_uring_disabled=0)",
			       d->path, strerror(-rc));
	u->live = true;
	const char *step = "register the disk";
	rc = io_uring_register_files(&u->ring, &d->fd, 1);
	if (!rc) {
		step = "make its eventfd";
		u->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		rc = u->event_fd < 0 ? -errno : io_uring_register_eventfd(&u->ring, u->event_fd);
	}
	if (!rc) {
		step = "restrict it";
		rc = lock_ring(&u->ring);
	}
	if (rc) {
		disk_uring_destroy(u);
		return err_set(err, "cannot %s for io_uring on '%s': %s; use aio=sync", step,
			       d->path, strerror(-rc));
	}
	return 0;
}

void disk_uring_destroy(struct disk_uring *u)
{
	if (u->live)
		io_uring_queue_exit(&u->ring);
	if (u->event_fd >= 0)
		close(u->event_fd);
	u->live = false;
	u->event_fd = -1;
}

static struct io_uring_sqe *get_sqe(struct disk_uring *u, uint64_t tag)
{
	if (u->inflight >= u->depth)
		return NULL;
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
	if (!sqe)
		return NULL; /* the SQ holds depth entries: cannot happen while inflight < depth */
	u->inflight++;
	u->pending++;
	io_uring_sqe_set_data64(sqe, tag);
	return sqe;
}

bool disk_uring_readv(struct disk_uring *u, const struct iovec *iov, unsigned n, uint64_t off,
		      uint64_t tag)
{
	struct io_uring_sqe *sqe = get_sqe(u, tag);
	if (!sqe)
		return false;
	io_uring_prep_readv(sqe, 0, iov, n, off);
	sqe->flags |= IOSQE_FIXED_FILE;
	return true;
}

bool disk_uring_writev(struct disk_uring *u, const struct iovec *iov, unsigned n, uint64_t off,
		       uint64_t tag)
{
	struct io_uring_sqe *sqe = get_sqe(u, tag);
	if (!sqe)
		return false;
	io_uring_prep_writev(sqe, 0, iov, n, off);
	sqe->flags |= IOSQE_FIXED_FILE;
	return true;
}

bool disk_uring_fdatasync(struct disk_uring *u, uint64_t tag)
{
	struct io_uring_sqe *sqe = get_sqe(u, tag);
	if (!sqe)
		return false;
	io_uring_prep_fsync(sqe, 0, IORING_FSYNC_DATASYNC);
	sqe->flags |= IOSQE_FIXED_FILE;
	return true;
}

int disk_uring_submit(struct disk_uring *u)
{
	while (u->pending) {
		int rc = io_uring_submit(&u->ring);
		if (rc < 0)
			return rc == -EINTR ? 0 : rc;
		if (rc == 0)
			return -EAGAIN;
		u->pending -= (unsigned)rc < u->pending ? (unsigned)rc : u->pending;
	}
	return 0;
}

bool disk_uring_ready(struct disk_uring *u)
{
	return io_uring_cq_ready(&u->ring) > 0;
}

static unsigned take(struct disk_uring *u, void (*done)(void *ctx, uint64_t tag, int res),
		     void *ctx)
{
	unsigned reaped = 0;
	struct io_uring_cqe *cqe;
	while (io_uring_peek_cqe(&u->ring, &cqe) == 0) {
		uint64_t tag = io_uring_cqe_get_data64(cqe);
		int res = cqe->res;
		io_uring_cqe_seen(&u->ring, cqe);
		u->inflight--;
		reaped++;
		done(ctx, tag, res);
	}
	return reaped;
}

unsigned disk_uring_reap(struct disk_uring *u, void (*done)(void *ctx, uint64_t tag, int res),
			 void *ctx)
{
	unsigned reaped = take(u, done, ctx);
	/*
	 * Having taken some, or with nothing in flight (the worker does not wait on event_fd
	 * then), leave the eventfd as it is: at worst one wake-up for nothing, later.
	 */
	if (reaped || !u->inflight)
		return reaped;
	/*
	 * Nothing to take, so what woke us (if anything did) counted completions already taken:
	 * clear it, or the worker would never sleep, then look once more for one that came in
	 * between. Only here, not on every call: a system call per request saved.
	 */
	eventfd_t ignored;
	(void)eventfd_read(u->event_fd, &ignored); /* nonblocking: EAGAIN when already clear */
	return take(u, done, ctx);
}

void disk_uring_drain(struct disk_uring *u, void (*done)(void *ctx, uint64_t tag, int res),
		      void *ctx)
{
	while (u->inflight) {
		if (u->pending)
			(void)disk_uring_submit(u);
		struct io_uring_cqe *cqe;
		int rc = io_uring_wait_cqe(&u->ring, &cqe);
		if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -ETIME)
			break; /* the ring itself failed; nothing more will complete */
		disk_uring_reap(u, done, ctx);
	}
}
