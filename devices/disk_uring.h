/*
 * io_uring under a disk: one ring per virtio-blk queue thread, so that a whole batch of popped
 * requests reaches the kernel in one system call and each completes as it finishes, while a
 * synchronous queue thread has one request in flight at a time.
 *
 * The ring is made during set-up and locked before the guest runs: the disk's file is its
 * only (fixed) file, and by io_uring's restrictions it accepts READV, WRITEV and FSYNC on
 * fixed files only, and no further registration. A confined queue thread holding it can do
 * no more with it than read, write and flush its own disk.
 */
#ifndef KVMINI_DISK_URING_H
#define KVMINI_DISK_URING_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include <liburing.h>

#include "devices/disk.h"
#include "core/err.h"

struct disk_uring {
	struct io_uring ring;
	int event_fd;	   /* counts completions: what the queue thread waits on */
	unsigned depth;	   /* operations in flight at most */
	unsigned inflight; /* prepared (submitted or not) and not yet reaped */
	unsigned pending;  /* prepared and not yet submitted */
	bool live;
};

/*
 * Whether io_uring suits the disk's file, for aio's default. Not for an image held in memory
 * (tmpfs, ramfs: no read ever waits for a device) that this kernel's io_uring does not read
 * inline (Linux 6.18 on tmpfs: it lacks FMODE_NOWAIT): io_uring then runs every request in
 * one of its kernel worker threads (iou-wrk), a thread hop per request for nothing. Asks
 * io_uring (a probe read) once per file system type; not thread-safe: call during set-up.
 * docs/benchmarks.md, bench/blk.
 */
bool disk_uring_suits(const struct disk *d);

/*
 * Makes and locks the ring for `depth` operations in flight on d. Returns 0, or -1 with err
 * set (io_uring missing or disabled on this host: use aio=sync).
 */
int disk_uring_init(struct disk_uring *u, struct disk *d, unsigned depth, struct err *err);
void disk_uring_destroy(struct disk_uring *u);

/*
 * Prepare one operation, to go with the next disk_uring_submit(); `tag` comes back with its
 * result. The iovecs must stay valid and unchanged until the operation is reaped. Each returns
 * false, preparing nothing, when `depth` operations are already in flight.
 */
bool disk_uring_readv(struct disk_uring *u, const struct iovec *iov, unsigned n, uint64_t off,
		      uint64_t tag);
bool disk_uring_writev(struct disk_uring *u, const struct iovec *iov, unsigned n, uint64_t off,
		       uint64_t tag);
bool disk_uring_fdatasync(struct disk_uring *u, uint64_t tag);

/* Hands every prepared operation to the kernel in one call. 0 or -errno (then call again). */
int disk_uring_submit(struct disk_uring *u);

/* Whether completions are waiting to be reaped (a read of shared memory: cheap to poll). */
bool disk_uring_ready(struct disk_uring *u);

/*
 * Takes every waiting completion, calling done(ctx, tag, res) for each: res is the bytes moved
 * (which may be short), or -errno. Never blocks. When there is nothing to take it clears
 * event_fd (and looks again), so a worker woken by completions it has already taken sleeps
 * on the next wait. Returns how many were reaped.
 */
unsigned disk_uring_reap(struct disk_uring *u, void (*done)(void *ctx, uint64_t tag, int res),
			 void *ctx);

/* Submits what is prepared and waits until nothing is in flight, reaping as disk_uring_reap. */
void disk_uring_drain(struct disk_uring *u, void (*done)(void *ctx, uint64_t tag, int res),
		      void *ctx);

#endif
