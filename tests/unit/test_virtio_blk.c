/*
 * virtio-blk requests end to end on a fake ring over a real image file (and a faulty
 * backend): data, status byte, used-ring entry, and nothing written outside the buffers.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "blk_fake.h"
#include "virtio/blk.h"
#include "virtio/virtqueue.h"

#define QSIZE	  16
#define DISK_SIZE (1 << 20) /* 2048 sectors */
#define NSECT	  (DISK_SIZE / 512)

struct fix {
	struct fake_ring r;
	struct virtq vq;
	struct virtq_elem elem;
	char path[64];
	struct disk disk;
	struct virtio_blk blk;
	uint8_t *image; /* what the file should hold */
	int flushes;
};

static void fill_image(struct fix *f)
{
	for (size_t i = 0; i < DISK_SIZE; i++)
		f->image[i] = (uint8_t)(i * 31 + i / 512);
	int fd = open(f->path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, f->image, DISK_SIZE), DISK_SIZE);
	close(fd);
}

static void assert_file_is_image(struct fix *f)
{
	uint8_t *buf = malloc(DISK_SIZE);
	int fd = open(f->path, O_RDONLY);
	assert_int_equal(read(fd, buf, DISK_SIZE), DISK_SIZE);
	close(fd);
	assert_memory_equal(buf, f->image, DISK_SIZE);
	free(buf);
}

static int setup_ro(void **state, bool ro)
{
	struct fix *f = calloc(1, sizeof(*f));
	f->image = malloc(DISK_SIZE);
	strcpy(f->path, "/tmp/kvmini-blk-XXXXXX");
	close(mkstemp(f->path));
	fill_image(f);
	struct err err;
	if (fr_init(&f->r, QSIZE) || disk_open(&f->disk, f->path, ro, &err))
		return -1;
	/* Guard pattern over the buffer area: the device may write only where it should. */
	memset(fr_ptr(&f->r, BF_STATUS), 0xCC, 0x200000);
	virtio_blk_init(&f->blk, &f->disk, "kvmini-serial-0123456789", 1);
	f->blk.features = (1ULL << VIRTIO_BLK_F_FLUSH) | (1ULL << VIRTIO_BLK_F_DISCARD) |
			  (1ULL << VIRTIO_BLK_F_WRITE_ZEROES);
	if (virtq_init(&f->vq, &f->r.gm, QSIZE, FR_DESC, FR_AVAIL, FR_USED, false, true))
		return -1;
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_ro(state, false);
}

static int setup_readonly(void **state)
{
	return setup_ro(state, true);
}

static int teardown(void **state)
{
	struct fix *f = *state;
	disk_close(&f->disk);
	unlink(f->path);
	fr_free(&f->r);
	free(f->image);
	free(f);
	return 0;
}

/* The device runs over what is published; returns the used entry of the first request. */
static struct vring_used_elem run(struct fix *f)
{
	uint16_t before = fr_used_idx(&f->r);
	virtio_blk_ops.handle_queue(&f->blk, 0, &f->vq, &f->elem);
	assert_true(fr_used_idx(&f->r) != before);
	return fr_used(&f->r, before);
}

static void assert_guard(struct fix *f, uint64_t gpa, size_t len)
{
	const uint8_t *p = fr_ptr(&f->r, gpa);
	for (size_t i = 0; i < len; i++)
		if (p[i] != 0xCC)
			fail_msg("byte at 0x%llx was written", (unsigned long long)(gpa + i));
}

static void test_read(void **state)
{
	struct fix *f = *state;
	bf_request(&f->r, 0, VIRTIO_BLK_T_IN, 7, BF_DATA, 4096, true);
	struct vring_used_elem u = run(f);
	assert_int_equal(u.id, 0);
	assert_int_equal(u.len, 4096 + 1);
	assert_int_equal(bf_status(&f->r, 0), VIRTIO_BLK_S_OK);
	assert_memory_equal(fr_ptr(&f->r, BF_DATA), f->image + 7 * 512, 4096);
	assert_guard(f, BF_DATA + 4096, 512);
	assert_guard(f, BF_STATUS + 1, 15);
}

static void test_write(void **state)
{
	struct fix *f = *state;
	uint8_t *data = fr_ptr(&f->r, BF_DATA);
	for (int i = 0; i < 1024; i++)
		data[i] = (uint8_t)(0xA0 ^ i);
	bf_request(&f->r, 0, VIRTIO_BLK_T_OUT, NSECT - 2, BF_DATA, 1024, false);
	struct vring_used_elem u = run(f);
	assert_int_equal(u.len, 1);
	assert_int_equal(bf_status(&f->r, 0), VIRTIO_BLK_S_OK);
	memcpy(f->image + (NSECT - 2) * 512, data, 1024);
	assert_file_is_image(f);
}

static void test_write_readonly(void **state)
{
	struct fix *f = *state;
	memset(fr_ptr(&f->r, BF_DATA), 0x5A, 512);
	bf_request(&f->r, 0, VIRTIO_BLK_T_OUT, 0, BF_DATA, 512, false);
	struct vring_used_elem u = run(f);
	assert_int_equal(u.len, 1);
	assert_int_equal(bf_status(&f->r, 0), VIRTIO_BLK_S_IOERR);
	assert_file_is_image(f);
}

static void test_past_end(void **state)
{
	struct fix *f = *state;
	bf_request(&f->r, 0, VIRTIO_BLK_T_IN, NSECT - 1, BF_DATA, 1024, true);
	bf_request(&f->r, 3, VIRTIO_BLK_T_OUT, NSECT, BF_DATA, 512, false);
	/* sector + count would wrap to a small number if added naively */
	bf_request(&f->r, 6, VIRTIO_BLK_T_OUT, UINT64_MAX, BF_DATA, 512, false);
	bf_request(&f->r, 9, VIRTIO_BLK_T_IN, UINT64_MAX / 512 + 1, BF_DATA, 512, true);
	run(f);
	assert_int_equal(fr_used_idx(&f->r), 4);
	for (uint16_t d = 0; d < 12; d += 3)
		assert_int_equal(bf_status(&f->r, d), VIRTIO_BLK_S_IOERR);
	assert_int_equal(fr_used(&f->r, 0).len, 1); /* no data claimed written */
	assert_guard(f, BF_DATA, 1024);
	assert_file_is_image(f);
}

static void test_last_sector_ok(void **state)
{
	struct fix *f = *state;
	bf_request(&f->r, 0, VIRTIO_BLK_T_IN, NSECT - 1, BF_DATA, 512, true);
	run(f);
	assert_int_equal(bf_status(&f->r, 0), VIRTIO_BLK_S_OK);
	assert_memory_equal(fr_ptr(&f->r, BF_DATA), f->image + DISK_SIZE - 512, 512);
}

static void test_not_sector_multiple(void **state)
{
	struct fix *f = *state;
	bf_request(&f->r, 0, VIRTIO_BLK_T_OUT, 0, BF_DATA, 700, false);
	bf_request(&f->r, 3, VIRTIO_BLK_T_IN, 0, BF_DATA, 100, true);
	run(f);
	assert_int_equal(bf_status(&f->r, 0), VIRTIO_BLK_S_IOERR);
	assert_int_equal(bf_status(&f->r, 3), VIRTIO_BLK_S_IOERR);
	assert_guard(f, BF_DATA, 100);
	assert_file_is_image(f);
}

static void test_header_too_short(void **state)
{
	struct fix *f = *state;
	fr_desc(&f->r, 0, BF_HDR, 8, VRING_DESC_F_NEXT, 1);
	fr_desc(&f->r, 1, BF_STATUS, 1, VRING_DESC_F_WRITE, 0);
	fr_publish(&f->r, 0);
	struct vring_used_elem u = run(f);
	assert_int_equal(u.len, 1);
	assert_int_equal(bf_status(&f->r, 0), VIRTIO_BLK_S_IOERR);
}

static void test_header_split_across_buffers(void **state)
{
	struct fix *f = *state;
	struct virtio_blk_outhdr h = {.type = VIRTIO_BLK_T_IN, .sector = 3};
	memcpy(fr_ptr(&f->r, BF_HDR), &h, 5);
	memcpy(fr_ptr(&f->r, BF_HDR + 0x100), (uint8_t *)&h + 5, 11);
	fr_desc(&f->r, 0, BF_HDR, 5, VRING_DESC_F_NEXT, 1);
	fr_desc(&f->r, 1, BF_HDR + 0x100, 11, VRING_DESC_F_NEXT, 2);
	fr_desc(&f->r, 2, BF_DATA, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 3);
	fr_desc(&f->r, 3, BF_STATUS, 1, VRING_DESC_F_WRITE, 0);
	fr_publish(&f->r, 0);
	run(f);
	assert_int_equal(bf_status(&f->r, 0), VIRTIO_BLK_S_OK);
	assert_memory_equal(fr_ptr(&f->r, BF_DATA), f->image + 3 * 512, 512);
}

static void test_unknown_type(void **state)
{
	struct fix *f = *state;
	bf_request(&f->r, 0, 77, 0, 0, 0, false);
	struct vring_used_elem u = run(f);
	assert_int_equal(u.len, 1); /* still completed */
	assert_int_equal(bf_status(&f->r, 0), VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(f->vq.error, VQ_OK);
}

static void test_get_id(void **state)
{
	struct fix *f = *state;
	bf_request(&f->r, 0, VIRTIO_BLK_T_GET_ID, 0, BF_DATA, VIRTIO_BLK_ID_BYTES, true);
	struct vring_used_elem u = run(f);
	assert_int_equal(bf_status(&f->r, 0), VIRTIO_BLK_S_OK);
	assert_int_equal(u.len, VIRTIO_BLK_ID_BYTES + 1);
	/* 20 bytes exactly, no terminator when the serial is that long. */
	assert_memory_equal(fr_ptr(&f->r, BF_DATA), "kvmini-serial-012345", 20);
	assert_guard(f, BF_DATA + 20, 8);
}

static void test_flush(void **state)
{
	struct fix *f = *state;
	bf_request(&f->r, 0, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false);
	struct vring_used_elem u = run(f);
	assert_int_equal(u.len, 1);
	assert_int_equal(bf_status(&f->r, 0), VIRTIO_BLK_S_OK);
}

static void put_dwz(struct fix *f, uint64_t gpa, uint64_t sector, uint32_t n, uint32_t flags)
{
	struct virtio_blk_discard_write_zeroes s = {
	    .sector = sector, .num_sectors = n, .flags = flags};
	memcpy(fr_ptr(&f->r, gpa), &s, sizeof(s));
}

static void test_write_zeroes(void **state)
{
	struct fix *f = *state;
	put_dwz(f, BF_DATA, 10, 4, 0);
	put_dwz(f, BF_DATA + 16, 100, 1, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
	bf_request(&f->r, 0, VIRTIO_BLK_T_WRITE_ZEROES, 0, BF_DATA, 32, false);
	run(f);
	assert_int_equal(bf_status(&f->r, 0), VIRTIO_BLK_S_OK);
	memset(f->image + 10 * 512, 0, 4 * 512);
	memset(f->image + 100 * 512, 0, 512);
	assert_file_is_image(f);
}

static void test_write_zeroes_bad_range_changes_nothing(void **state)
{
	struct fix *f = *state;
	put_dwz(f, BF_DATA, 10, 4, 0);
	put_dwz(f, BF_DATA + 16, NSECT - 1, 2, 0); /* second range runs off the end */
	bf_request(&f->r, 0, VIRTIO_BLK_T_WRITE_ZEROES, 0, BF_DATA, 32, false);
	run(f);
	assert_int_equal(bf_status(&f->r, 0), VIRTIO_BLK_S_IOERR);
	assert_file_is_image(f);
}

static void test_discard(void **state)
{
	struct fix *f = *state;
	put_dwz(f, BF_DATA, 0, 8, 0);
	bf_request(&f->r, 0, VIRTIO_BLK_T_DISCARD, 0, BF_DATA, 16, false);
	put_dwz(f, BF_DATA + 0x1000, 0, 8, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
	bf_request(&f->r, 3, VIRTIO_BLK_T_DISCARD, 0, BF_DATA + 0x1000, 16, false);
	bf_request(&f->r, 6, VIRTIO_BLK_T_DISCARD, 0, BF_DATA, 12, false); /* not whole ranges */
	run(f);
	assert_int_equal(bf_status(&f->r, 0), VIRTIO_BLK_S_OK);
	assert_int_equal(bf_status(&f->r, 3), VIRTIO_BLK_S_UNSUPP); /* flags must be 0 */
	assert_int_equal(bf_status(&f->r, 6), VIRTIO_BLK_S_UNSUPP);
}

static void test_discard_not_negotiated(void **state)
{
	struct fix *f = *state;
	f->blk.features = 0;
	put_dwz(f, BF_DATA, 0, 8, 0);
	bf_request(&f->r, 0, VIRTIO_BLK_T_WRITE_ZEROES, 0, BF_DATA, 16, false);
	run(f);
	assert_int_equal(bf_status(&f->r, 0), VIRTIO_BLK_S_UNSUPP);
	assert_file_is_image(f);
}

static void test_status_missing(void **state)
{
	struct fix *f = *state;
	/* An OUT request whose "status" descriptor is read-only: nowhere to answer. */
	struct virtio_blk_outhdr *h = fr_ptr(&f->r, BF_HDR);
	*h = (struct virtio_blk_outhdr){.type = VIRTIO_BLK_T_OUT, .sector = 0};
	fr_desc(&f->r, 0, BF_HDR, 16, VRING_DESC_F_NEXT, 1);
	fr_desc(&f->r, 1, BF_DATA, 512, VRING_DESC_F_NEXT, 2);
	fr_desc(&f->r, 2, BF_STATUS, 1, 0, 0);
	fr_publish(&f->r, 0);
	struct vring_used_elem u = run(f);
	assert_int_equal(u.id, 0);
	assert_int_equal(u.len, 0);
	assert_int_equal(f->vq.error, VQ_ERR_NO_STATUS);
	assert_file_is_image(f); /* and the write was not done */
}

static void test_status_readonly_after_data(void **state)
{
	struct fix *f = *state;
	struct virtio_blk_outhdr *h = fr_ptr(&f->r, BF_HDR);
	*h = (struct virtio_blk_outhdr){.type = VIRTIO_BLK_T_IN, .sector = 0};
	fr_desc(&f->r, 0, BF_HDR, 16, VRING_DESC_F_NEXT, 1);
	fr_desc(&f->r, 1, BF_DATA, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2);
	fr_desc(&f->r, 2, BF_STATUS, 1, 0, 0); /* readable after writable */
	fr_publish(&f->r, 0);
	struct vring_used_elem u = run(f);
	assert_int_equal(u.len, 0);
	assert_int_equal(f->vq.error, VQ_ERR_ORDER);
	assert_guard(f, BF_DATA, 512);
}

/* A backend that fails or counts, to see what the device reports. */
static int fail_readv(struct disk *d, const struct iovec *iov, unsigned n, uint64_t off)
{
	(void)d, (void)iov, (void)n, (void)off;
	return -EIO;
}

static int count_flush(struct disk *d)
{
	(*(int *)d->priv)++;
	return 0;
}

static void test_backend_error(void **state)
{
	struct fix *f = *state;
	struct disk_ops ops = disk_file_ops;
	ops.readv = fail_readv;
	f->disk.ops = &ops;
	bf_request(&f->r, 0, VIRTIO_BLK_T_IN, 0, BF_DATA, 512, true);
	struct vring_used_elem u = run(f);
	assert_int_equal(bf_status(&f->r, 0), VIRTIO_BLK_S_IOERR);
	assert_int_equal(u.len, 1); /* no data claimed */
	f->disk.ops = &disk_file_ops;
}

static void test_image_shrank(void **state)
{
	struct fix *f = *state;
	/* The file lost its tail after the device sized it: a read there must fail, not succeed. */
	assert_int_equal(truncate(f->path, DISK_SIZE / 2), 0);
	bf_request(&f->r, 0, VIRTIO_BLK_T_IN, NSECT - 8, BF_DATA, 4096, true);
	run(f);
	assert_int_equal(bf_status(&f->r, 0), VIRTIO_BLK_S_IOERR);
}

static void test_write_through_without_flush(void **state)
{
	struct fix *f = *state;
	struct disk_ops ops = disk_file_ops;
	ops.flush = count_flush;
	f->disk.ops = &ops;
	f->disk.priv = &f->flushes;
	f->blk.features = 0; /* the driver did not take FLUSH: every write must be durable */
	bf_request(&f->r, 0, VIRTIO_BLK_T_OUT, 0, BF_DATA, 512, false);
	run(f);
	assert_int_equal(bf_status(&f->r, 0), VIRTIO_BLK_S_OK);
	assert_int_equal(f->flushes, 1);
	f->blk.features = 1ULL << VIRTIO_BLK_F_FLUSH;
	bf_request(&f->r, 3, VIRTIO_BLK_T_OUT, 0, BF_DATA, 512, false);
	run(f);
	assert_int_equal(f->flushes, 1); /* with FLUSH, durability waits for a FLUSH request */
	bf_request(&f->r, 6, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false);
	run(f);
	assert_int_equal(f->flushes, 2);
	f->disk.ops = &disk_file_ops;
}

/*
 * A guest that publishes again as fast as the device completes (here: from inside the
 * backend, so it is deterministic) must not keep one handle_queue call going forever: the
 * worker looks for a stop request only between calls. One call serves one queue's worth.
 */
static struct fake_ring *flood_ring;
static unsigned flood_calls;

static int republishing_readv(struct disk *d, const struct iovec *iov, unsigned n, uint64_t off)
{
	(void)d, (void)iov, (void)n, (void)off;
	if (++flood_calls < 10 * QSIZE)
		fr_publish(flood_ring, 0);
	return 0;
}

static void test_one_queue_worth_per_call(void **state)
{
	struct fix *f = *state;
	struct disk_ops ops = disk_file_ops;
	ops.readv = republishing_readv;
	f->disk.ops = &ops;
	flood_ring = &f->r;
	flood_calls = 0;
	bf_request(&f->r, 0, VIRTIO_BLK_T_IN, 0, BF_DATA, 512, true);
	virtio_blk_ops.handle_queue(&f->blk, 0, &f->vq, &f->elem);
	assert_int_equal(fr_used_idx(&f->r), QSIZE);
	assert_int_equal(flood_calls, QSIZE);
	assert_int_equal(f->vq.error, VQ_OK);
	f->disk.ops = &disk_file_ops;
}

/* A backend that moves nothing: lets a test describe a huge transfer without touching RAM. */
static int null_readv(struct disk *d, const struct iovec *iov, unsigned n, uint64_t off)
{
	(void)d, (void)iov, (void)n, (void)off;
	return 0;
}

/*
 * Regression: a read whose writable buffers add up to 2 GiB or more (here nine 256 MiB
 * descriptors over one buffer) once overflowed the int that carried the written length, so
 * the chain was completed with a wrong used length. Guest RAM is 3 GiB of reserved, never
 * touched address space; the backend moves nothing, so the test costs no memory.
 */
static void test_read_over_2g_used_len(void **state)
{
	(void)state;
	struct fake_ring r;
	memset(&r, 0, sizeof(r));
	assert_int_equal(gm_alloc(&r.gm, 3ULL << 30), 0);
	r.size = QSIZE;
	r.desc = gm_ptr(&r.gm, FR_DESC, 16ULL * QSIZE);
	r.avail = gm_ptr(&r.gm, FR_AVAIL, 6 + 2ULL * QSIZE);
	r.used = gm_ptr(&r.gm, FR_USED, 6 + 8ULL * QSIZE);
	struct disk_ops ops = disk_file_ops;
	ops.readv = null_readv;
	struct disk disk = {.ops = &ops, .fd = -1, .size = 8ULL << 30};
	struct virtio_blk blk;
	virtio_blk_init(&blk, &disk, "big", 1);
	struct virtq vq;
	assert_int_equal(virtq_init(&vq, &r.gm, QSIZE, FR_DESC, FR_AVAIL, FR_USED, false, false),
			 0);

	struct virtio_blk_outhdr *h = fr_ptr(&r, BF_HDR);
	*h = (struct virtio_blk_outhdr){.type = VIRTIO_BLK_T_IN, .sector = 0};
	*(uint8_t *)fr_ptr(&r, BF_STATUS) = 0xEE;
	const uint32_t piece = 256u << 20;
	const unsigned npieces = 9; /* 2.25 GiB */
	fr_desc(&r, 0, BF_HDR, 16, VRING_DESC_F_NEXT, 1);
	for (unsigned i = 1; i <= npieces; i++)
		fr_desc(&r, (uint16_t)i, 1ULL << 30, piece, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE,
			(uint16_t)(i + 1));
	fr_desc(&r, npieces + 1, BF_STATUS, 1, VRING_DESC_F_WRITE, 0);
	fr_publish(&r, 0);

	struct virtq_elem *elem = malloc(sizeof(*elem));
	virtio_blk_ops.handle_queue(&blk, 0, &vq, elem);
	free(elem);
	assert_int_equal(vq.error, VQ_OK);
	assert_int_equal(fr_used_idx(&r), 1);
	struct vring_used_elem u = fr_used(&r, 0);
	assert_int_equal(u.id, 0);
	assert_int_equal(u.len, (uint64_t)piece * npieces + 1);
	assert_int_equal(*(uint8_t *)fr_ptr(&r, BF_STATUS), VIRTIO_BLK_S_OK);
	gm_free(&r.gm);
}

static void test_config(void **state)
{
	struct fix *f = *state;
	struct virtio_blk_config c;
	assert_int_equal(virtio_blk_ops.config_size, sizeof(c));
	memcpy(&c, virtio_blk_ops.config(&f->blk), sizeof(c));
	assert_int_equal(c.capacity, NSECT);
	assert_int_equal(c.blk_size, 512);
	assert_int_equal(c.seg_max, BLK_QUEUE_SIZE - 2);
	uint64_t feat = virtio_blk_ops.features(&f->blk);
	assert_true(feat & (1ULL << VIRTIO_BLK_F_FLUSH));
	assert_false(feat & (1ULL << VIRTIO_BLK_F_RO));
	assert_false(feat & (1ULL << VIRTIO_BLK_F_MQ)); /* one queue */
}

static void test_config_readonly(void **state)
{
	struct fix *f = *state;
	uint64_t feat = virtio_blk_ops.features(&f->blk);
	assert_true(feat & (1ULL << VIRTIO_BLK_F_RO));
	assert_false(feat & (1ULL << VIRTIO_BLK_F_DISCARD));
}

static void test_open_errors(void **state)
{
	(void)state;
	struct disk d;
	struct err err = {{0}};
	assert_int_equal(disk_open(&d, "/nonexistent/disk.img", false, &err), -1);
	assert_non_null(strstr(err.msg, "No such file"));
	assert_int_equal(disk_open(&d, "/tmp", false, &err), -1);
	assert_non_null(strstr(err.msg, "/tmp"));
	char path[] = "/tmp/kvmini-small-XXXXXX";
	close(mkstemp(path));
	assert_int_equal(disk_open(&d, path, false, &err), -1);
	assert_non_null(strstr(err.msg, "smaller than one"));
	assert_int_equal(truncate(path, 4096), 0);
	/* The second writer of an image is refused while the first holds it. */
	struct disk first;
	assert_int_equal(disk_open(&first, path, false, &err), 0);
	assert_int_equal(disk_open(&d, path, false, &err), -1);
	assert_non_null(strstr(err.msg, "in use"));
	assert_int_equal(disk_open(&d, path, true, &err), -1);
	disk_close(&first);
	/* Readers share. */
	assert_int_equal(disk_open(&first, path, true, &err), 0);
	assert_int_equal(disk_open(&d, path, true, &err), 0);
	disk_close(&d);
	disk_close(&first);
	unlink(path);
}

int main(void)
{
#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define TRO(fn) cmocka_unit_test_setup_teardown(fn, setup_readonly, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_read),
	    T(test_write),
	    TRO(test_write_readonly),
	    T(test_past_end),
	    T(test_last_sector_ok),
	    T(test_not_sector_multiple),
	    T(test_header_too_short),
	    T(test_header_split_across_buffers),
	    T(test_unknown_type),
	    T(test_get_id),
	    T(test_flush),
	    T(test_write_zeroes),
	    T(test_write_zeroes_bad_range_changes_nothing),
	    T(test_discard),
	    T(test_discard_not_negotiated),
	    T(test_status_missing),
	    T(test_status_readonly_after_data),
	    T(test_backend_error),
	    T(test_image_shrank),
	    T(test_write_through_without_flush),
	    cmocka_unit_test(test_read_over_2g_used_len),
	    T(test_one_queue_worth_per_call),
	    T(test_config),
	    TRO(test_config_readonly),
	    cmocka_unit_test(test_open_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
