/*
 * The backend under virtio-blk and IDE: a raw disk image. An ops table so tests can put a faulty
 * backend under the real device code. Every call moves all the bytes or fails: a short
 * transfer is retried and never reported as success.
 */
#ifndef KVMINI_DISK_H
#define KVMINI_DISK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "core/err.h"

struct disk;

struct disk_ops {
	/* 0 or -errno; iovcnt may exceed IOV_MAX. */
	int (*readv)(struct disk *d, const struct iovec *iov, unsigned iovcnt, uint64_t off);
	int (*writev)(struct disk *d, const struct iovec *iov, unsigned iovcnt, uint64_t off);
	int (*flush)(struct disk *d);
	int (*discard)(struct disk *d, uint64_t off, uint64_t len);
	int (*write_zeroes)(struct disk *d, uint64_t off, uint64_t len, bool unmap);
};

struct disk {
	const struct disk_ops *ops;
	const char *path;
	int fd;
	uint64_t size; /* bytes */
	bool ro;
	void *priv; /* for test backends */
};

extern const struct disk_ops disk_file_ops;

/*
 * Opens a raw image, read-only or read-write, and takes an OFD lock on it (shared for ro,
 * exclusive for rw) so two kvmini processes never write one image. Errors are one line.
 */
int disk_open(struct disk *d, const char *path, bool ro, struct err *err);
void disk_close(struct disk *d);

#endif
