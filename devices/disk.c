#include "devices/disk.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* Runs preadv/pwritev until every byte moved; a 0-byte transfer is an error (EOF). */
static int xfer(int fd, const struct iovec *iov_in, unsigned iovcnt, uint64_t off, bool write)
{
	struct iovec local[IOV_MAX];
	while (iovcnt) {
		unsigned n = iovcnt < IOV_MAX ? iovcnt : IOV_MAX;
		memcpy(local, iov_in, n * sizeof(*local));
		struct iovec *iov = local;
		unsigned left = n;
		while (left) {
			ssize_t r = write ? pwritev(fd, iov, (int)left, (off_t)off)
					  : preadv(fd, iov, (int)left, (off_t)off);
			if (r < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			if (r == 0)
				return -EIO; /* past the end of the file: never a silent success */
			off += (uint64_t)r;
			size_t done = (size_t)r;
			while (left && done >= iov->iov_len) {
				done -= iov->iov_len;
				iov++;
				left--;
			}
			if (left) {
				iov->iov_base = (uint8_t *)iov->iov_base + done;
				iov->iov_len -= done;
			}
		}
		iov_in += n;
		iovcnt -= n;
	}
	return 0;
}

static int file_readv(struct disk *d, const struct iovec *iov, unsigned iovcnt, uint64_t off)
{
	return xfer(d->fd, iov, iovcnt, off, false);
}

static int file_writev(struct disk *d, const struct iovec *iov, unsigned iovcnt, uint64_t off)
{
	return xfer(d->fd, iov, iovcnt, off, true);
}

static int file_flush(struct disk *d)
{
	return fdatasync(d->fd) < 0 ? -errno : 0;
}

static int write_zero_bytes(struct disk *d, uint64_t off, uint64_t len)
{
	static const uint8_t zeros[65536];
	while (len) {
		size_t n = len < sizeof(zeros) ? (size_t)len : sizeof(zeros);
		struct iovec iov = {.iov_base = (void *)zeros, .iov_len = n};
		int rc = xfer(d->fd, &iov, 1, off, true);
		if (rc)
			return rc;
		off += n;
		len -= n;
	}
	return 0;
}

static int file_discard(struct disk *d, uint64_t off, uint64_t len)
{
	if (fallocate(d->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len) ==
	    0)
		return 0;
	/* Discard is a hint: a file system that cannot punch holes keeps the data. */
	return errno == EOPNOTSUPP ? 0 : -errno;
}

static int file_write_zeroes(struct disk *d, uint64_t off, uint64_t len, bool unmap)
{
	int mode = unmap ? FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
			 : FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;
	if (fallocate(d->fd, mode, (off_t)off, (off_t)len) == 0)
		return 0;
	if (errno != EOPNOTSUPP)
		return -errno;
	/* Unlike discard, the zeroes are a promise: write them when fallocate cannot. */
	return write_zero_bytes(d, off, len);
}

const struct disk_ops disk_file_ops = {
    .readv = file_readv,
    .writev = file_writev,
    .flush = file_flush,
    .discard = file_discard,
    .write_zeroes = file_write_zeroes,
};

int disk_open(struct disk *d, const char *path, bool ro, struct err *err)
{
	memset(d, 0, sizeof(*d));
	d->ops = &disk_file_ops;
	d->path = path;
	d->ro = ro;
	d->fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (d->fd < 0)
		return err_set(err, "cannot open disk '%s'%s: %s; check the path%s", path,
			       ro ? "" : " read-write", strerror(errno),
			       errno == EACCES || errno == EROFS ? " or add ,ro" : "");
	struct stat st;
	if (fstat(d->fd, &st) < 0) {
		disk_close(d);
		return err_set(err, "cannot stat disk '%s': %s", path, strerror(errno));
	}
	if (S_ISREG(st.st_mode)) {
		d->size = (uint64_t)st.st_size;
	} else if (S_ISBLK(st.st_mode)) {
		if (ioctl(d->fd, BLKGETSIZE64, &d->size) < 0) {
			disk_close(d);
			return err_set(err, "cannot size block device '%s': %s", path,
				       strerror(errno));
		}
	} else {
		disk_close(d);
		return err_set(err, "disk '%s' is not a regular file or block device", path);
	}
	if (d->size < 512) {
		disk_close(d);
		return err_set(err,
			       "disk '%s' is smaller than one 512-byte sector; create it with "
			       "e.g. truncate -s 64M",
			       path);
	}
	/*
	 * An OFD lock belongs to this open file, not the process, and goes away with it: a
	 * crashed kvmini never leaves an image locked.
	 */
	struct flock fl = {.l_type = ro ? F_RDLCK : F_WRLCK, .l_whence = SEEK_SET};
	if (fcntl(d->fd, F_OFD_SETLK, &fl) < 0) {
		int e = errno;
		disk_close(d);
		if (e == EAGAIN || e == EACCES)
			return err_set(
			    err,
			    "disk '%s' is in use by another kvmini (locked); stop that VM "
			    "or use a copy",
			    path);
		return err_set(err, "cannot lock disk '%s': %s", path, strerror(e));
	}
	return 0;
}

void disk_close(struct disk *d)
{
	if (d->fd >= 0) {
		/*
		 * Unlock first: an io_uring that registered this file lets go of it only some time
		 * after its ring is closed, and until then the lock would keep the next kvmini out.
		 */
		struct flock fl = {.l_type = F_UNLCK, .l_whence = SEEK_SET};
		fcntl(d->fd, F_OFD_SETLK, &fl);
		close(d->fd);
	}
	d->fd = -1;
}
