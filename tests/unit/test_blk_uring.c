/*
 * virtio-blk through io_uring (aio=io_uring) on a fake ring over a real image: many requests
 * in flight at once, each completed exactly once with the right status and length, short
 * transfers never reported as success, in-flight I/O waited out at reset, and a ring that can
 * do nothing but read, write and flush its own image.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "blk_fake.h"
#include "devices/disk_uring.h"
#include "virtio/blk.h"
#include "virtio/blk_uring.h"
#include "virtio/virtqueue.h"

#define QSIZE	  256
#define DISK_SIZE (4 << 20)
#define NSECT	  (DISK_SIZE / 512)
#define NREQ	  84 /* more than BLK_URING_DEPTH (64): some must wait for a free slot */

struct fix {
	struct fake_ring r;
	struct virtq vq;
	struct virtq_elem elem;
	char path[64];
	struct disk disk;
	struct virtio_blk blk;
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	strcpy(f->path, "/tmp/kvmini-blku-XXXXXX");
	int fd = mkstemp(f->path);
	if (fd < 0 || ftruncate(fd, DISK_SIZE))
		return -1;
	close(fd);
	struct err err;
	if (fr_init(&f->r, QSIZE) || disk_open(&f->disk, f->path, false, &err))
		return -1;
	virtio_blk_init(&f->blk, &f->disk, "uring", 1);
	f->blk.features = 1ULL << VIRTIO_BLK_F_FLUSH;
	if (virtio_blk_use_uring(&f->blk, &err)) {
		print_error("%s\n", err.msg);
		return -1;
	}
	if (virtq_init(&f->vq, &f->r.gm, QSIZE, FR_DESC, FR_AVAIL, FR_USED, false, true))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	virtio_blk_destroy(&f->blk);
	disk_close(&f->disk);
	unlink(f->path);
	fr_free(&f->r);
	free(f);
	return 0;
}

/* Serves the queue as its worker would, until `want` chains are used (bounded). */
static void serve_until(struct fix *f, uint16_t want)
{
	for (int rounds = 0; fr_used_idx(&f->r) != want; rounds++) {
		assert_true(rounds < 100000);
		virtio_blk_ops.handle_queue(&f->blk, 0, &f->vq, &f->elem);
		int fd = virtio_blk_uring_fd(&f->blk, 0);
		if (fd >= 0 && !virtio_blk_uring_ready(&f->blk, 0)) {
			struct pollfd p = {.fd = fd, .events = POLLIN};
			assert_true(poll(&p, 1, 5000) > 0); /* completions wake the worker */
		}
	}
}

/* Request i uses descriptors 3i..3i+2 and 4 KiB of data at BF_DATA + 4 KiB * i. */
static uint64_t data_gpa(unsigned i)
{
	return BF_DATA + 4096ULL * i;
}

static void test_many_in_flight(void **state)
{
	struct fix *f = *state;
	/* Writes of a distinct pattern each, to sectors far apart, all published at once. */
	for (unsigned i = 0; i < NREQ; i++) {
		memset(fr_ptr(&f->r, data_gpa(i)), 0x40 + i, 4096);
		bf_request(&f->r, (uint16_t)(3 * i), VIRTIO_BLK_T_OUT, 16ULL * i, data_gpa(i), 4096,
			   false);
	}
	serve_until(f, NREQ);
	bool seen[NREQ] = {0};
	for (unsigned u = 0; u < NREQ; u++) {
		struct vring_used_elem e = fr_used(&f->r, (uint16_t)u);
		assert_int_equal(e.id % 3, 0);
		assert_false(seen[e.id / 3]); /* each head exactly once */
		seen[e.id / 3] = true;
		assert_int_equal(e.len, 1);
		assert_int_equal(bf_status(&f->r, (uint16_t)e.id), VIRTIO_BLK_S_OK);
	}
	/* And back: reads into cleared buffers return each pattern, with the length claimed. */
	for (unsigned i = 0; i < NREQ; i++) {
		memset(fr_ptr(&f->r, data_gpa(i)), 0, 4096);
		bf_request(&f->r, (uint16_t)(3 * i), VIRTIO_BLK_T_IN, 16ULL * i, data_gpa(i), 4096,
			   true);
	}
	serve_until(f, 2 * NREQ);
	for (unsigned u = NREQ; u < 2 * NREQ; u++)
		assert_int_equal(fr_used(&f->r, (uint16_t)u).len, 4096 + 1);
	for (unsigned i = 0; i < NREQ; i++) {
		assert_int_equal(bf_status(&f->r, (uint16_t)(3 * i)), VIRTIO_BLK_S_OK);
		const uint8_t *p = fr_ptr(&f->r, data_gpa(i));
		for (unsigned b = 0; b < 4096; b++)
			assert_int_equal(p[b], (uint8_t)(0x40 + i));
	}
	assert_int_equal(virtio_blk_uring_fd(&f->blk, 0), -1); /* nothing left in flight */
}

static void test_flush_and_invalid(void **state)
{
	struct fix *f = *state;
	memset(fr_ptr(&f->r, data_gpa(0)), 0x77, 4096);
	bf_request(&f->r, 0, VIRTIO_BLK_T_OUT, 8, data_gpa(0), 4096, false);
	bf_request(&f->r, 3, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false);
	/* Answered at once, as the synchronous path answers them. */
	bf_request(&f->r, 6, VIRTIO_BLK_T_IN, NSECT, data_gpa(1), 512, true);
	bf_request(&f->r, 9, 0x7777, 0, 0, 0, false);
	serve_until(f, 4);
	assert_int_equal(bf_status(&f->r, 0), VIRTIO_BLK_S_OK);
	assert_int_equal(bf_status(&f->r, 3), VIRTIO_BLK_S_OK);
	assert_int_equal(bf_status(&f->r, 6), VIRTIO_BLK_S_IOERR);
	assert_int_equal(bf_status(&f->r, 9), VIRTIO_BLK_S_UNSUPP);
	uint8_t buf[4096];
	int fd = open(f->path, O_RDONLY);
	assert_int_equal(pread(fd, buf, sizeof(buf), 8 * 512), 4096);
	close(fd);
	for (unsigned b = 0; b < sizeof(buf); b++)
		assert_int_equal(buf[b], 0x77);
}

/* The image shrinks under the VM: a read past the new end is short, and never "OK". */
static void test_short_read_is_error(void **state)
{
	struct fix *f = *state;
	assert_int_equal(truncate(f->path, DISK_SIZE / 2), 0);
	bf_request(&f->r, 0, VIRTIO_BLK_T_IN, NSECT / 2 - 4, data_gpa(0), 4096, true);
	bf_request(&f->r, 3, VIRTIO_BLK_T_IN, NSECT / 2 + 8, data_gpa(1), 4096, true);
	serve_until(f, 2);
	assert_int_equal(bf_status(&f->r, 0), VIRTIO_BLK_S_IOERR);
	assert_int_equal(bf_status(&f->r, 3), VIRTIO_BLK_S_IOERR);
	assert_int_equal(fr_used(&f->r, 0).len, 1);
	assert_int_equal(fr_used(&f->r, 1).len, 1);
}

/* A reset waits out what is in flight and reports none of it; the next session starts clean. */
static void test_quiesce(void **state)
{
	struct fix *f = *state;
	for (unsigned i = 0; i < 32; i++)
		bf_request(&f->r, (uint16_t)(3 * i), VIRTIO_BLK_T_IN, 8ULL * i, data_gpa(i), 4096,
			   true);
	virtio_blk_ops.handle_queue(&f->blk, 0, &f->vq, &f->elem);
	virtio_blk_ops.queue_quiesce(&f->blk, 0);
	assert_int_equal(virtio_blk_uring_fd(&f->blk, 0), -1);
	assert_false(virtio_blk_uring_ready(&f->blk, 0));
	/* A fresh session: all 64 slots are free again. */
	fr_clear(&f->r);
	assert_int_equal(
	    virtq_init(&f->vq, &f->r.gm, QSIZE, FR_DESC, FR_AVAIL, FR_USED, false, true), 0);
	for (unsigned i = 0; i < NREQ; i++)
		bf_request(&f->r, (uint16_t)(3 * i), VIRTIO_BLK_T_IN, 8ULL * i, data_gpa(i), 4096,
			   true);
	serve_until(f, NREQ);
	for (unsigned i = 0; i < NREQ; i++)
		assert_int_equal(bf_status(&f->r, (uint16_t)(3 * i)), VIRTIO_BLK_S_OK);
}

/* What a thread holding the ring could try: anything but its own image, or another operation. */
static void test_ring_is_locked(void **state)
{
	struct fix *f = *state;
	struct disk_uring u;
	struct err err;
	assert_int_equal(disk_uring_init(&u, &f->disk, 4, &err), 0);
	int other = open("/etc/hostname", O_RDONLY);
	assert_true(other >= 0);
	char buf[64];
	struct iovec iov = {buf, sizeof(buf)};
	for (int i = 0; i < 3; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&u.ring);
		if (i == 0) {
			io_uring_prep_readv(sqe, other, &iov, 1, 0); /* a plain fd, not the image */
		} else if (i == 1) {
			io_uring_prep_openat(sqe, AT_FDCWD, "/etc/hostname", O_RDONLY, 0);
		} else {
			io_uring_prep_read(sqe, 0, buf, sizeof(buf), 0); /* READ: not allowed */
			sqe->flags |= IOSQE_FIXED_FILE;
		}
		assert_int_equal(io_uring_submit(&u.ring), 1);
		struct io_uring_cqe *cqe;
		assert_int_equal(io_uring_wait_cqe(&u.ring, &cqe), 0);
		assert_int_equal(cqe->res, -EACCES);
		io_uring_cqe_seen(&u.ring, cqe);
	}
	/* Nor can it register another file. */
	assert_int_equal(io_uring_register_files(&u.ring, &other, 1), -EACCES);
	close(other);
	disk_uring_destroy(&u);
}

/* io_uring's kernel workers (iou-wrk-*) among this process's threads. */
static int uring_workers(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/task");
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d))) {
		char path[300], comm[64] = "";
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strncmp(comm, "iou-wrk", 7))
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

/*
 * aio's default leaves io_uring out exactly where it would hand reads to a kernel worker: an
 * image in memory (a memfd, as tmpfs) that this kernel's io_uring does not read inline.
 * Checked against what io_uring then does with a read, in a fresh process (workers outlive
 * requests: an earlier test's could have served the probe).
 */
static void test_suits_means_inline(void **state)
{
	(void)state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct disk d = {.ops = &disk_file_ops, .fd = memfd_create("kvmini-suits", 0)};
		if (d.fd < 0 || ftruncate(d.fd, 1 << 20) || pwrite(d.fd, "x", 1, 0) != 1)
			_exit(3);
		bool suits = disk_uring_suits(&d); /* first: a fresh process has no worker */
		struct disk_uring u;
		struct err err;
		char buf[4096];
		struct iovec iov = {buf, sizeof(buf)};
		struct io_uring_cqe *cqe;
		if (disk_uring_init(&u, &d, 4, &err) || !disk_uring_readv(&u, &iov, 1, 0, 1) ||
		    disk_uring_submit(&u) || io_uring_wait_cqe(&u.ring, &cqe) ||
		    cqe->res != (int)sizeof(buf))
			_exit(3);
		bool used_worker = uring_workers() > 0;
		_exit(suits == !used_worker ? 0 : used_worker ? 1 : 2);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	/* 1: a worker read it, yet io_uring was called suitable; 2: inline, yet called unsuitable */
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_many_in_flight, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flush_and_invalid, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_short_read_is_error, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_quiesce, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ring_is_locked, setup, teardown),
	    cmocka_unit_test(test_suits_means_inline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
