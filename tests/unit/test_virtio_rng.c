/*
 * virtio-rng requests on a fake ring: buffers filled from getrandom, the used length saying
 * exactly how much (at most RNG_MAX_PER_CHAIN, from the first writable byte), nothing written
 * outside the buffers, malformed chains completed empty, and a source that fails or a guest
 * that keeps the ring full handled without a spin.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <cmocka.h>

#include "virtio/rng.h"
#include "virtio/virtqueue.h"
#include "vring_fake.h"

#include <linux/virtio_ids.h>

#define QSIZE 16
#define GUARD 0xCC
#define AREA  (1ULL << 20) /* guarded bytes from FR_DATA on */

struct fix {
	struct fake_ring r;
	struct virtq vq;
	struct virtq_elem elem;
	struct virtio_rng rng;
};

static struct fix *cur; /* for the fake sources */

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct err err;
	if (!f || fr_init(&f->r, QSIZE) || virtio_rng_init(&f->rng, &err))
		return -1;
	memset(fr_ptr(&f->r, FR_DATA), GUARD, AREA);
	if (virtq_init(&f->vq, &f->r.gm, QSIZE, FR_DESC, FR_AVAIL, FR_USED, false, true))
		return -1;
	cur = f;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	fr_free(&f->r);
	free(f);
	cur = NULL;
	return 0;
}

/* Serves what is published, as the queue's worker does; returns the chains completed. */
static uint16_t run(struct fix *f)
{
	uint16_t before = fr_used_idx(&f->r);
	virtio_rng_ops.handle_queue(&f->rng, 0, &f->vq, &f->elem);
	return (uint16_t)(fr_used_idx(&f->r) - before);
}

/* One buffer of a chain: where, how long, whether the device may write it. */
struct seg {
	uint64_t gpa;
	uint32_t len;
	bool write;
};

/* A direct chain over descriptors d, d+1, ..., published. */
static void chain(struct fix *f, uint16_t d, const struct seg *s, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		fr_desc(&f->r, (uint16_t)(d + i), s[i].gpa, s[i].len,
			(s[i].write ? VRING_DESC_F_WRITE : 0) | (i + 1 < n ? VRING_DESC_F_NEXT : 0),
			(uint16_t)(d + i + 1));
	fr_publish(&f->r, d);
}

/* One writable buffer as a whole chain at descriptor d. */
static void one(struct fix *f, uint16_t d, uint64_t gpa, uint32_t len)
{
	struct seg s = {gpa, len, true};
	chain(f, d, &s, 1);
}

static void assert_guard(struct fix *f, uint64_t gpa, uint64_t len)
{
	const uint8_t *p = fr_ptr(&f->r, gpa);
	for (uint64_t i = 0; i < len; i++)
		if (p[i] != GUARD)
			fail_msg("byte at 0x%llx was written", (unsigned long long)(gpa + i));
}

/*
 * The device wrote [gpa, gpa + len): not still the guard everywhere. Random bytes equal the
 * guard with probability 1/256 each, so only a run of 8 or more can be checked this way.
 */
static void assert_written(struct fix *f, uint64_t gpa, uint64_t len)
{
	const uint8_t *p = fr_ptr(&f->r, gpa);
	uint64_t guard = 0;
	for (uint64_t i = 0; i < len; i++)
		guard += p[i] == GUARD;
	if (len >= 8 && guard == len)
		fail_msg("0x%llx+%llu was not written", (unsigned long long)gpa,
			 (unsigned long long)len);
	/* Far more guard bytes than chance gives: part of it was left out. */
	if (len >= 4096 && guard > len / 64)
		fail_msg("0x%llx+%llu: %llu bytes still the guard", (unsigned long long)gpa,
			 (unsigned long long)len, (unsigned long long)guard);
}

static void test_device_description(void **state)
{
	(void)state;
	assert_int_equal(virtio_rng_ops.device_id, VIRTIO_ID_RNG);
	assert_int_equal(virtio_rng_ops.features(NULL), 0);
	assert_int_equal(virtio_rng_ops.activate(NULL, 0), 0);
	assert_null(virtio_rng_ops.queue_fd);
	assert_string_equal(virtio_rng_ops.name, "virtio-rng");
}

static void test_fills_buffer(void **state)
{
	struct fix *f = *state;
	one(f, 0, FR_DATA, 4096);
	assert_int_equal(run(f), 1);
	struct vring_used_elem u = fr_used(&f->r, 0);
	assert_int_equal(u.id, 0);
	assert_int_equal(u.len, 4096);
	assert_written(f, FR_DATA, 4096);
	assert_guard(f, FR_DATA + 4096, 4096);
	assert_int_equal(atomic_load(&f->rng.bytes), 4096);
	assert_int_equal(f->vq.error, VQ_OK);
}

/* Several buffers, one of a single byte: all filled, in order, and the length is their sum. */
static void test_chain_of_buffers(void **state)
{
	struct fix *f = *state;
	struct seg s[] = {{FR_DATA + 0x1000, 100, true},
			  {FR_DATA + 0x3000, 1, true},
			  {FR_DATA + 0x5000, 3000, true}};
	chain(f, 2, s, 3);
	assert_int_equal(run(f), 1);
	assert_int_equal(fr_used(&f->r, 0).id, 2);
	assert_int_equal(fr_used(&f->r, 0).len, 3101);
	assert_written(f, FR_DATA + 0x1000, 100);
	assert_written(f, FR_DATA + 0x5000, 3000);
	assert_guard(f, FR_DATA, 0x1000);
	assert_guard(f, FR_DATA + 0x1000 + 100, 0x3000 - 0x1000 - 100);
	assert_guard(f, FR_DATA + 0x3001, 0x5000 - 0x3001);
	assert_guard(f, FR_DATA + 0x5000 + 3000, 4096);
}

/* An indirect table of writable buffers is the same request. */
static void test_indirect(void **state)
{
	struct fix *f = *state;
	fr_indirect(&f->r, FR_INDIRECT, 0, FR_DATA, 64, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	fr_indirect(&f->r, FR_INDIRECT, 1, FR_DATA + 0x100, 64, VRING_DESC_F_WRITE, 0);
	fr_desc(&f->r, 0, FR_INDIRECT, 32, VRING_DESC_F_INDIRECT, 0);
	fr_publish(&f->r, 0);
	assert_int_equal(run(f), 1);
	assert_int_equal(fr_used(&f->r, 0).len, 128);
	assert_written(f, FR_DATA, 64);
	assert_written(f, FR_DATA + 0x100, 64);
	assert_guard(f, FR_DATA + 64, 0x100 - 64);
}

/* At most RNG_MAX_PER_CHAIN a chain: the rest is left as the driver had it. */
static void test_bounded_per_chain(void **state)
{
	struct fix *f = *state;
	one(f, 0, FR_DATA, 2 * RNG_MAX_PER_CHAIN);
	assert_int_equal(run(f), 1);
	assert_int_equal(fr_used(&f->r, 0).len, RNG_MAX_PER_CHAIN);
	assert_written(f, FR_DATA, RNG_MAX_PER_CHAIN);
	assert_guard(f, FR_DATA + RNG_MAX_PER_CHAIN, RNG_MAX_PER_CHAIN);
	assert_int_equal(atomic_load(&f->rng.bytes), RNG_MAX_PER_CHAIN);
}

/* The bound cuts a buffer in the middle; what was written is contiguous from the first byte. */
static void test_bound_across_buffers(void **state)
{
	struct fix *f = *state;
	const uint32_t first = RNG_MAX_PER_CHAIN - 4096, second = 8192;
	const uint64_t b = FR_DATA + 2 * RNG_MAX_PER_CHAIN;
	struct seg s[] = {{FR_DATA, first, true}, {b, second, true}, {b + 0x10000, 512, true}};
	chain(f, 0, s, 3);
	assert_int_equal(run(f), 1);
	assert_int_equal(fr_used(&f->r, 0).len, RNG_MAX_PER_CHAIN);
	assert_written(f, FR_DATA, first);
	assert_written(f, b, 4096);
	assert_guard(f, b + 4096, 4096);
	assert_guard(f, b + 0x10000, 512);
}

/* A readable buffer is against the rules (5.4.6.1): completed empty, the queue goes on. */
static void test_readable_only(void **state)
{
	struct fix *f = *state;
	struct seg r = {FR_DATA, 64, false};
	chain(f, 0, &r, 1);
	one(f, 1, FR_DATA + 0x1000, 64);
	assert_int_equal(run(f), 2);
	assert_int_equal(fr_used(&f->r, 0).id, 0);
	assert_int_equal(fr_used(&f->r, 0).len, 0);
	assert_guard(f, FR_DATA, 64);
	assert_int_equal(f->vq.error, VQ_OK);
	assert_int_equal(atomic_load(&f->rng.rejected), 1);
	/* The next, well-formed, request is served as usual. */
	assert_int_equal(fr_used(&f->r, 1).id, 1);
	assert_int_equal(fr_used(&f->r, 1).len, 64);
	assert_written(f, FR_DATA + 0x1000, 64);
}

/* Readable then writable: still against the rules; the writable part is not touched either. */
static void test_readable_then_writable(void **state)
{
	struct fix *f = *state;
	struct seg s[] = {{FR_DATA, 16, false}, {FR_DATA + 0x1000, 4096, true}};
	chain(f, 0, s, 2);
	assert_int_equal(run(f), 1);
	assert_int_equal(fr_used(&f->r, 0).len, 0);
	assert_guard(f, FR_DATA, 16);
	assert_guard(f, FR_DATA + 0x1000, 4096);
	assert_int_equal(f->vq.error, VQ_OK);
	assert_int_equal(atomic_load(&f->rng.bytes), 0);
}

/* No writable byte at all (a zero-length buffer): nothing to fill, completed empty. */
static void test_zero_length(void **state)
{
	struct fix *f = *state;
	one(f, 0, FR_DATA, 0);
	struct seg s[] = {{FR_DATA, 0, true}, {FR_DATA + 0x1000, 32, true}};
	chain(f, 1, s, 2); /* a zero-length buffer inside a chain is simply skipped */
	assert_int_equal(run(f), 2);
	assert_int_equal(fr_used(&f->r, 0).len, 0);
	assert_int_equal(fr_used(&f->r, 1).len, 32);
	assert_guard(f, FR_DATA, 0x1000);
	assert_written(f, FR_DATA + 0x1000, 32);
	assert_int_equal(atomic_load(&f->rng.rejected), 1);
	assert_int_equal(f->vq.error, VQ_OK);
}

/* A buffer outside guest RAM, or wrapping: the queue refuses it before the device sees it. */
static void test_outside_ram(void **state)
{
	struct fix *f = *state;
	one(f, 0, FR_RAM - 16, 32); /* straddles the end of RAM */
	assert_int_equal(run(f), 1);
	assert_int_equal(fr_used(&f->r, 0).len, 0);
	assert_int_equal(f->vq.error, VQ_ERR_ADDR);
	assert_int_equal(atomic_load(&f->rng.bytes), 0);
	/* Broken until reset: nothing more is served. */
	one(f, 1, FR_DATA, 64);
	assert_int_equal(run(f), 0);
	assert_guard(f, FR_DATA, 64);
}

static void test_wrapping_address(void **state)
{
	struct fix *f = *state;
	struct seg s[] = {{FR_DATA, 64, true}, {UINT64_MAX - 15, 64, true}};
	chain(f, 0, s, 2);
	assert_int_equal(run(f), 1);
	assert_int_equal(fr_used(&f->r, 0).len, 0);
	assert_int_equal(f->vq.error, VQ_ERR_ADDR);
	assert_guard(f, FR_DATA, 64); /* the good buffer before it was not filled either */
}

static void test_two_reads_differ(void **state)
{
	struct fix *f = *state;
	one(f, 0, FR_DATA, 64);
	one(f, 1, FR_DATA + 0x1000, 64);
	assert_int_equal(run(f), 2);
	assert_int_equal(fr_used(&f->r, 0).len, 64);
	assert_int_equal(fr_used(&f->r, 1).len, 64);
	assert_memory_not_equal(fr_ptr(&f->r, FR_DATA), fr_ptr(&f->r, FR_DATA + 0x1000), 64);
}

/* Fake sources: what they were asked for, and how they answer. */
static struct {
	unsigned calls;
	unsigned flags; /* all flags ever passed, OR-ed */
	int mode;
	size_t given;
} src;

enum { SRC_SHORT_THEN_EIO, SRC_EINTR_FIRST, SRC_ZERO, SRC_TOO_MUCH, SRC_REFILL };

static ssize_t fake_source(void *buf, size_t len, unsigned flags)
{
	src.calls++;
	src.flags |= flags;
	switch (src.mode) {
	case SRC_SHORT_THEN_EIO: /* 100 bytes in all, then an error */
		if (src.given < 100) {
			size_t n = len < 100 - src.given ? len : 100 - src.given;
			memset(buf, 0x11, n);
			src.given += n;
			return (ssize_t)n;
		}
		errno = EIO;
		return -1;
	case SRC_EINTR_FIRST: /* interrupted once, then everything */
		if (src.calls == 1) {
			errno = EINTR;
			return -1;
		}
		memset(buf, 0x22, len);
		return (ssize_t)len;
	case SRC_ZERO:
		return 0;
	case SRC_TOO_MUCH:
		return (ssize_t)len + 1;
	case SRC_REFILL:
		/* A guest that makes a chain available again as soon as one is taken. */
		memset(buf, 0x33, len);
		fr_publish(&cur->r, (uint16_t)(src.calls % QSIZE));
		return (ssize_t)len;
	}
	return -1;
}

static void use_fake(struct fix *f, int mode)
{
	memset(&src, 0, sizeof(src));
	src.mode = mode;
	f->rng.source = fake_source;
}

/* The device never asks for a blocking read: a guest cannot put the worker to sleep. */
static void test_never_blocks(void **state)
{
	struct fix *f = *state;
	use_fake(f, SRC_EINTR_FIRST);
	one(f, 0, FR_DATA, 4096);
	run(f);
	assert_true(src.calls >= 2);
	assert_int_equal(src.flags, GRND_NONBLOCK);
}

/* Interrupted: tried again, and the chain is whole. */
static void test_source_interrupted(void **state)
{
	struct fix *f = *state;
	use_fake(f, SRC_EINTR_FIRST);
	one(f, 0, FR_DATA, 300);
	assert_int_equal(run(f), 1);
	assert_int_equal(fr_used(&f->r, 0).len, 300);
	assert_int_equal(*(uint8_t *)fr_ptr(&f->r, FR_DATA + 299), 0x22);
	assert_int_equal(atomic_load(&f->rng.failures), 0);
}

/* A source that fails part-way: the chain gets what was read, said by the used length. */
static void test_source_fails(void **state)
{
	struct fix *f = *state;
	use_fake(f, SRC_SHORT_THEN_EIO);
	struct seg s[] = {{FR_DATA, 60, true}, {FR_DATA + 0x1000, 60, true}};
	chain(f, 0, s, 2);
	one(f, 2, FR_DATA + 0x2000, 16); /* then nothing at all */
	assert_int_equal(run(f), 2);
	assert_int_equal(fr_used(&f->r, 0).len, 100);
	assert_guard(f, FR_DATA + 0x1000 + 40, 20);
	assert_int_equal(fr_used(&f->r, 1).len, 0);
	assert_guard(f, FR_DATA + 0x2000, 16);
	assert_int_equal(atomic_load(&f->rng.failures), 2);
	assert_int_equal(atomic_load(&f->rng.bytes), 100);
	assert_int_equal(f->vq.error, VQ_OK);
}

/* A source that returns nothing, or more than asked, is a failure, not a loop or overflow. */
static void test_source_nonsense(void **state)
{
	struct fix *f = *state;
	use_fake(f, SRC_ZERO);
	one(f, 0, FR_DATA, 64);
	assert_int_equal(run(f), 1);
	assert_int_equal(fr_used(&f->r, 0).len, 0);
	assert_int_equal(src.calls, 1);
	use_fake(f, SRC_TOO_MUCH);
	one(f, 1, FR_DATA + 0x1000, 64);
	assert_int_equal(run(f), 1);
	assert_int_equal(fr_used(&f->r, 1).len, 0);
	assert_int_equal(atomic_load(&f->rng.failures), 2);
}

/* One call serves at most a queue's worth, however fast the guest refills the ring. */
static void test_one_queue_worth_a_call(void **state)
{
	struct fix *f = *state;
	for (uint16_t i = 0; i < QSIZE; i++)
		fr_desc(&f->r, i, FR_DATA + i * 0x100ULL, 64, VRING_DESC_F_WRITE, 0);
	for (uint16_t i = 0; i < QSIZE; i++)
		fr_publish(&f->r, i);
	use_fake(f, SRC_REFILL);
	assert_int_equal(run(f), QSIZE);
	assert_int_equal(f->r.avail_idx, 2 * QSIZE); /* as many more are waiting */
	assert_int_equal(f->vq.error, VQ_OK);
	assert_int_equal(atomic_load(&f->rng.bytes), QSIZE * 64);
	for (uint16_t i = 0; i < QSIZE; i++) {
		assert_int_equal(fr_used(&f->r, i).id, i);
		assert_int_equal(fr_used(&f->r, i).len, 64);
	}
	/* The next call takes the next queue's worth. */
	assert_int_equal(run(f), QSIZE);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_device_description),
	    T(test_fills_buffer),
	    T(test_chain_of_buffers),
	    T(test_indirect),
	    T(test_bounded_per_chain),
	    T(test_bound_across_buffers),
	    T(test_readable_only),
	    T(test_readable_then_writable),
	    T(test_zero_length),
	    T(test_outside_ram),
	    T(test_wrapping_address),
	    T(test_two_reads_differ),
	    T(test_never_blocks),
	    T(test_source_interrupted),
	    T(test_source_fails),
	    T(test_source_nonsense),
	    T(test_one_queue_worth_a_call),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
