/*
 * The split virtqueue against a fake ring in real guest RAM: good chains become the right
 * iovecs, and every malformed-ring case of the hostile-guest checklist has one exact outcome.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "virtio/virtqueue.h"
#include "vring_fake.h"

#define QSIZE 16

struct fix {
	struct fake_ring r;
	struct virtq vq;
	struct virtq_elem elem;
};

static int setup_opts(void **state, bool event_idx, bool indirect)
{
	struct fix *f = calloc(1, sizeof(*f));
	if (fr_init(&f->r, QSIZE))
		return -1;
	if (virtq_init(&f->vq, &f->r.gm, QSIZE, FR_DESC, FR_AVAIL, FR_USED, event_idx, indirect))
		return -1;
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_opts(state, false, true);
}

static int setup_event_idx(void **state)
{
	return setup_opts(state, true, true);
}

static int setup_no_indirect(void **state)
{
	return setup_opts(state, false, false);
}

static int teardown(void **state)
{
	struct fix *f = *state;
	fr_free(&f->r);
	free(f);
	return 0;
}

/* A malformed chain: popped, completed once with length 0, and the queue is broken. */
static void expect_broken_chain(struct fix *f, uint16_t head, enum virtq_error e)
{
	uint16_t before = fr_used_idx(&f->r);
	assert_int_equal(virtq_pop(&f->vq, &f->elem), -1);
	assert_int_equal(f->vq.error, e);
	assert_int_equal(fr_used_idx(&f->r), (uint16_t)(before + 1));
	struct vring_used_elem u = fr_used(&f->r, before);
	assert_int_equal(u.id, head);
	assert_int_equal(u.len, 0);
	/* Broken stays broken: nothing more is popped or completed until a reset. */
	assert_int_equal(virtq_pop(&f->vq, &f->elem), -1);
	assert_int_equal(fr_used_idx(&f->r), (uint16_t)(before + 1));
}

/* A broken ring with no valid head to complete. */
static void expect_broken_ring(struct fix *f, enum virtq_error e)
{
	uint16_t before = fr_used_idx(&f->r);
	assert_int_equal(virtq_pop(&f->vq, &f->elem), -1);
	assert_int_equal(f->vq.error, e);
	assert_int_equal(fr_used_idx(&f->r), before);
}

static void test_empty(void **state)
{
	struct fix *f = *state;
	assert_int_equal(virtq_pop(&f->vq, &f->elem), 0);
	assert_false(virtq_has_avail(&f->vq));
}

static void test_good_chain(void **state)
{
	struct fix *f = *state;
	fr_desc(&f->r, 3, FR_DATA, 16, VRING_DESC_F_NEXT, 7);
	fr_desc(&f->r, 7, FR_DATA + 0x1000, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
	fr_desc(&f->r, 1, FR_DATA + 0x2000, 1, VRING_DESC_F_WRITE, 0);
	fr_publish(&f->r, 3);
	assert_true(virtq_has_avail(&f->vq));
	assert_int_equal(virtq_pop(&f->vq, &f->elem), 1);
	assert_int_equal(f->elem.head, 3);
	assert_int_equal(f->elem.nout, 1);
	assert_int_equal(f->elem.nin, 2);
	assert_int_equal(f->elem.out_len, 16);
	assert_int_equal(f->elem.in_len, 513);
	assert_ptr_equal(f->elem.iov[0].iov_base, fr_ptr(&f->r, FR_DATA));
	assert_ptr_equal(f->elem.iov[1].iov_base, fr_ptr(&f->r, FR_DATA + 0x1000));
	assert_int_equal(f->elem.iov[2].iov_len, 1);
	assert_int_equal(virtq_pop(&f->vq, &f->elem), 0);
	virtq_push(&f->vq, 3, 513);
	assert_int_equal(fr_used_idx(&f->r), 1);
	assert_int_equal(fr_used(&f->r, 0).id, 3);
	assert_int_equal(fr_used(&f->r, 0).len, 513);
}

static void test_zero_length_buffer_skipped(void **state)
{
	struct fix *f = *state;
	fr_desc(&f->r, 0, FR_DATA, 0, VRING_DESC_F_NEXT, 1);
	fr_desc(&f->r, 1, FR_DATA, 8, VRING_DESC_F_WRITE, 0);
	fr_publish(&f->r, 0);
	assert_int_equal(virtq_pop(&f->vq, &f->elem), 1);
	assert_int_equal(f->elem.nout + f->elem.nin, 1);
}

/* A chain may use every descriptor of the table once: that is not a loop. */
static void test_full_length_chain(void **state)
{
	struct fix *f = *state;
	for (uint16_t i = 0; i < QSIZE; i++)
		fr_desc(&f->r, i, FR_DATA + i * 0x100, 0x100, i + 1 < QSIZE ? VRING_DESC_F_NEXT : 0,
			(uint16_t)(i + 1));
	fr_publish(&f->r, 0);
	assert_int_equal(virtq_pop(&f->vq, &f->elem), 1);
	assert_int_equal(f->elem.nout, QSIZE);
}

static void test_head_out_of_range(void **state)
{
	struct fix *f = *state;
	fr_publish(&f->r, QSIZE);
	expect_broken_ring(f, VQ_ERR_HEAD);
}

static void test_next_out_of_range(void **state)
{
	struct fix *f = *state;
	fr_desc(&f->r, 2, FR_DATA, 16, VRING_DESC_F_NEXT, QSIZE + 5);
	fr_publish(&f->r, 2);
	expect_broken_chain(f, 2, VQ_ERR_NEXT);
}

static void test_next_loop(void **state)
{
	struct fix *f = *state;
	fr_desc(&f->r, 0, FR_DATA, 16, VRING_DESC_F_NEXT, 1);
	fr_desc(&f->r, 1, FR_DATA, 16, VRING_DESC_F_NEXT, 0);
	fr_publish(&f->r, 0);
	expect_broken_chain(f, 0, VQ_ERR_LOOP);
}

static void test_self_loop(void **state)
{
	struct fix *f = *state;
	fr_desc(&f->r, 5, FR_DATA, 16, VRING_DESC_F_NEXT, 5);
	fr_publish(&f->r, 5);
	expect_broken_chain(f, 5, VQ_ERR_LOOP);
}

static void test_avail_idx_jump(void **state)
{
	struct fix *f = *state;
	fr_desc(&f->r, 0, FR_DATA, 16, 0, 0);
	/* The driver claims QSIZE+1 new entries: more than the ring can hold. */
	__atomic_store_n(&f->r.avail->idx, QSIZE + 1, __ATOMIC_RELEASE);
	expect_broken_ring(f, VQ_ERR_AVAIL_IDX);
}

static void test_avail_idx_exactly_full(void **state)
{
	struct fix *f = *state;
	for (uint16_t i = 0; i < QSIZE; i++) {
		fr_desc(&f->r, i, FR_DATA, 16, 0, 0);
		fr_publish(&f->r, i);
	}
	for (uint16_t i = 0; i < QSIZE; i++)
		assert_int_equal(virtq_pop(&f->vq, &f->elem), 1);
	assert_int_equal(virtq_pop(&f->vq, &f->elem), 0);
}

static void test_buffer_outside_ram(void **state)
{
	struct fix *f = *state;
	fr_desc(&f->r, 0, FR_RAM - 8, 16, 0, 0); /* runs off the end of RAM */
	fr_publish(&f->r, 0);
	expect_broken_chain(f, 0, VQ_ERR_ADDR);
}

static void test_buffer_addr_overflow(void **state)
{
	struct fix *f = *state;
	fr_desc(&f->r, 0, UINT64_MAX - 15, 64, VRING_DESC_F_WRITE, 0); /* addr + len wraps */
	fr_publish(&f->r, 0);
	expect_broken_chain(f, 0, VQ_ERR_ADDR);
}

static void test_writable_before_readable(void **state)
{
	struct fix *f = *state;
	fr_desc(&f->r, 0, FR_DATA, 512, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	fr_desc(&f->r, 1, FR_DATA + 0x1000, 16, 0, 0);
	fr_publish(&f->r, 0);
	expect_broken_chain(f, 0, VQ_ERR_ORDER);
}

static void test_indirect_good(void **state)
{
	struct fix *f = *state;
	fr_indirect(&f->r, FR_INDIRECT, 0, FR_DATA, 16, VRING_DESC_F_NEXT, 2);
	fr_indirect(&f->r, FR_INDIRECT, 2, FR_DATA + 0x1000, 4096,
		    VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	fr_indirect(&f->r, FR_INDIRECT, 1, FR_DATA + 0x3000, 1, VRING_DESC_F_WRITE, 0);
	fr_desc(&f->r, 4, FR_INDIRECT, 3 * 16, VRING_DESC_F_INDIRECT, 0);
	fr_publish(&f->r, 4);
	assert_int_equal(virtq_pop(&f->vq, &f->elem), 1);
	assert_int_equal(f->elem.head, 4);
	assert_int_equal(f->elem.nout, 1);
	assert_int_equal(f->elem.nin, 2);
	assert_int_equal(f->elem.in_len, 4097);
}

static void test_indirect_bad_len(void **state)
{
	struct fix *f = *state;
	fr_desc(&f->r, 0, FR_INDIRECT, 24, VRING_DESC_F_INDIRECT, 0);
	fr_publish(&f->r, 0);
	expect_broken_chain(f, 0, VQ_ERR_INDIRECT_LEN);
}

static void test_indirect_zero_len(void **state)
{
	struct fix *f = *state;
	fr_desc(&f->r, 0, FR_INDIRECT, 0, VRING_DESC_F_INDIRECT, 0);
	fr_publish(&f->r, 0);
	expect_broken_chain(f, 0, VQ_ERR_INDIRECT_LEN);
}

static void test_indirect_huge(void **state)
{
	struct fix *f = *state;
	fr_desc(&f->r, 0, FR_INDIRECT, (VIRTQ_MAX_SEGS + 1) * 16, VRING_DESC_F_INDIRECT, 0);
	fr_publish(&f->r, 0);
	expect_broken_chain(f, 0, VQ_ERR_INDIRECT_LEN);
}

static void test_indirect_nested(void **state)
{
	struct fix *f = *state;
	fr_indirect(&f->r, FR_INDIRECT, 0, FR_INDIRECT + 0x100, 16, VRING_DESC_F_INDIRECT, 0);
	fr_desc(&f->r, 0, FR_INDIRECT, 16, VRING_DESC_F_INDIRECT, 0);
	fr_publish(&f->r, 0);
	expect_broken_chain(f, 0, VQ_ERR_INDIRECT_NESTED);
}

static void test_indirect_outside_ram(void **state)
{
	struct fix *f = *state;
	fr_desc(&f->r, 0, 0xFEC00000, 64, VRING_DESC_F_INDIRECT, 0);
	fr_publish(&f->r, 0);
	expect_broken_chain(f, 0, VQ_ERR_ADDR);
}

static void test_indirect_with_next(void **state)
{
	struct fix *f = *state;
	fr_indirect(&f->r, FR_INDIRECT, 0, FR_DATA, 16, 0, 0);
	fr_desc(&f->r, 0, FR_INDIRECT, 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	fr_desc(&f->r, 1, FR_DATA, 16, 0, 0);
	fr_publish(&f->r, 0);
	expect_broken_chain(f, 0, VQ_ERR_INDIRECT_POS);
}

static void test_indirect_not_at_head(void **state)
{
	struct fix *f = *state;
	fr_indirect(&f->r, FR_INDIRECT, 0, FR_DATA, 16, 0, 0);
	fr_desc(&f->r, 0, FR_DATA, 16, VRING_DESC_F_NEXT, 1);
	fr_desc(&f->r, 1, FR_INDIRECT, 16, VRING_DESC_F_INDIRECT, 0);
	fr_publish(&f->r, 0);
	expect_broken_chain(f, 0, VQ_ERR_INDIRECT_POS);
}

static void test_indirect_loop(void **state)
{
	struct fix *f = *state;
	fr_indirect(&f->r, FR_INDIRECT, 0, FR_DATA, 16, VRING_DESC_F_NEXT, 1);
	fr_indirect(&f->r, FR_INDIRECT, 1, FR_DATA, 16, VRING_DESC_F_NEXT, 0);
	fr_desc(&f->r, 0, FR_INDIRECT, 32, VRING_DESC_F_INDIRECT, 0);
	fr_publish(&f->r, 0);
	expect_broken_chain(f, 0, VQ_ERR_LOOP);
}

static void test_indirect_next_outside_table(void **state)
{
	struct fix *f = *state;
	/* Index 5 is valid in the ring, but the indirect table has only 2 entries. */
	fr_indirect(&f->r, FR_INDIRECT, 0, FR_DATA, 16, VRING_DESC_F_NEXT, 5);
	fr_desc(&f->r, 0, FR_INDIRECT, 32, VRING_DESC_F_INDIRECT, 0);
	fr_publish(&f->r, 0);
	expect_broken_chain(f, 0, VQ_ERR_NEXT);
}

static void test_indirect_not_negotiated(void **state)
{
	struct fix *f = *state;
	fr_indirect(&f->r, FR_INDIRECT, 0, FR_DATA, 16, 0, 0);
	fr_desc(&f->r, 0, FR_INDIRECT, 16, VRING_DESC_F_INDIRECT, 0);
	fr_publish(&f->r, 0);
	expect_broken_chain(f, 0, VQ_ERR_INDIRECT_FEATURE);
}

static void test_chain_bytes_overflow(void **state)
{
	struct fix *f = *state;
	/* 600 writable buffers of 8 MiB, all over the same RAM: 4.7 GiB in one chain. */
	for (uint16_t i = 0; i < 600; i++)
		fr_indirect(&f->r, FR_INDIRECT, i, FR_DATA, 8 << 20,
			    VRING_DESC_F_WRITE | (i < 599 ? VRING_DESC_F_NEXT : 0), i + 1);
	fr_desc(&f->r, 0, FR_INDIRECT, 600 * 16, VRING_DESC_F_INDIRECT, 0);
	fr_publish(&f->r, 0);
	expect_broken_chain(f, 0, VQ_ERR_TOO_LONG);
}

static void test_init_checks(void **state)
{
	(void)state;
	struct fake_ring r;
	assert_int_equal(fr_init(&r, 16), 0);
	struct virtq vq;
	assert_int_equal(virtq_init(&vq, &r.gm, 0, FR_DESC, FR_AVAIL, FR_USED, 0, 0), -1);
	assert_int_equal(virtq_init(&vq, &r.gm, 24, FR_DESC, FR_AVAIL, FR_USED, 0, 0), -1);
	assert_int_equal(virtq_init(&vq, &r.gm, 2048, FR_DESC, FR_AVAIL, FR_USED, 0, 0), -1);
	assert_int_equal(virtq_init(&vq, &r.gm, 16, FR_DESC + 8, FR_AVAIL, FR_USED, 0, 0), -1);
	assert_int_equal(virtq_init(&vq, &r.gm, 16, FR_DESC, FR_AVAIL + 1, FR_USED, 0, 0), -1);
	assert_int_equal(virtq_init(&vq, &r.gm, 16, FR_DESC, FR_AVAIL, FR_USED + 2, 0, 0), -1);
	assert_int_equal(virtq_init(&vq, &r.gm, 16, FR_RAM - 128, FR_AVAIL, FR_USED, 0, 0), -1);
	assert_int_equal(virtq_init(&vq, &r.gm, 16, FR_DESC, FR_AVAIL, FR_RAM - 64, 0, 0), -1);
	assert_int_equal(virtq_init(&vq, &r.gm, 16, FR_DESC, FR_AVAIL, FR_USED, 0, 0), 0);
	fr_free(&r);
}

static void test_interrupt_suppression(void **state)
{
	struct fix *f = *state;
	virtq_push(&f->vq, 0, 0);
	assert_true(virtq_should_interrupt(&f->vq));
	/* Nothing new since: no interrupt. */
	assert_false(virtq_should_interrupt(&f->vq));
	f->r.avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	virtq_push(&f->vq, 1, 0);
	assert_false(virtq_should_interrupt(&f->vq));
	f->r.avail->flags = 0;
	virtq_push(&f->vq, 2, 0);
	assert_true(virtq_should_interrupt(&f->vq));
}

static void test_event_idx_interrupts(void **state)
{
	struct fix *f = *state;
	/* The driver wants an interrupt only once used idx passes 2. */
	*fr_used_event(&f->r) = 2;
	virtq_push(&f->vq, 0, 0);
	assert_true(virtq_should_interrupt(&f->vq)); /* the first decision always interrupts */
	virtq_push(&f->vq, 1, 0);
	assert_false(virtq_should_interrupt(&f->vq)); /* idx 1 -> 2: not past used_event 2 */
	virtq_push(&f->vq, 2, 0);
	assert_true(virtq_should_interrupt(&f->vq)); /* idx 2 -> 3 crosses it */
	/* NO_INTERRUPT is ignored once EVENT_IDX is negotiated. */
	f->r.avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	*fr_used_event(&f->r) = 3;
	virtq_push(&f->vq, 3, 0);
	assert_true(virtq_should_interrupt(&f->vq));
}

static void test_notify_flags(void **state)
{
	struct fix *f = *state;
	virtq_set_notify(&f->vq, false);
	assert_int_equal(f->r.used->flags, VRING_USED_F_NO_NOTIFY);
	virtq_set_notify(&f->vq, true);
	assert_int_equal(f->r.used->flags, 0);
}

static void test_event_idx_notify(void **state)
{
	struct fix *f = *state;
	fr_desc(&f->r, 0, FR_DATA, 16, 0, 0);
	fr_publish(&f->r, 0);
	fr_publish(&f->r, 0);
	assert_int_equal(virtq_pop(&f->vq, &f->elem), 1);
	assert_int_equal(virtq_pop(&f->vq, &f->elem), 1);
	virtq_set_notify(&f->vq, true);
	/* Kick us when avail passes what we consumed. */
	assert_int_equal(*fr_avail_event(&f->r), 2);
	assert_int_equal(f->r.used->flags, 0);
	/* Off: no batch the driver publishes crosses the event index, even one that started
	 * before what we have already consumed. */
	virtq_set_notify(&f->vq, false);
	uint16_t ev = *fr_avail_event(&f->r);
	assert_false(vring_need_event(ev, 3, 2));
	assert_false(vring_need_event(ev, 40, 2));
	assert_false(vring_need_event(ev, 10, 0)); /* batch 0..9, we consumed 0 and 1 */
	assert_false(vring_need_event(ev, 2 + QSIZE, 2 + QSIZE - 1));
}

/*
 * Chains given back are taken again, in order, read afresh from the ring; only chains popped
 * and not yet completed can be given back.
 */
static void test_unpop(void **state)
{
	struct fix *f = *state;
	for (uint16_t d = 0; d < 3; d++) {
		fr_desc(&f->r, d, FR_DATA + d * 0x100, 0x100, VRING_DESC_F_WRITE, 0);
		fr_publish(&f->r, d);
	}
	assert_int_equal(virtq_pop(&f->vq, &f->elem), 1);
	virtq_push(&f->vq, f->elem.head, 0); /* chain 0 completed: never given back */
	assert_int_equal(virtq_pop(&f->vq, &f->elem), 1);
	assert_int_equal(virtq_pop(&f->vq, &f->elem), 1);
	assert_false(virtq_has_avail(&f->vq));
	virtq_unpop(&f->vq, 2);
	assert_true(virtq_has_avail(&f->vq));
	assert_int_equal(fr_used_idx(&f->r), 1); /* nothing completed by giving back */
	/* The driver rewrites chain 1 meanwhile: the device sees what is there now. */
	fr_desc(&f->r, 1, FR_DATA + 0x1000, 0x40, VRING_DESC_F_WRITE, 0);
	assert_int_equal(virtq_pop(&f->vq, &f->elem), 1);
	assert_int_equal(f->elem.head, 1);
	assert_int_equal(f->elem.in_len, 0x40);
	assert_int_equal(virtq_pop(&f->vq, &f->elem), 1);
	assert_int_equal(f->elem.head, 2);
	/* Asked for more than is out (two), only those two come back, not the completed one. */
	virtq_unpop(&f->vq, 5);
	assert_int_equal(f->vq.last_avail, 1);
	virtq_unpop(&f->vq, 0);
	assert_int_equal(f->vq.last_avail, 1);
	assert_int_equal(virtq_pop(&f->vq, &f->elem), 1);
	assert_int_equal(f->elem.head, 1);
}

static void test_push_batch(void **state)
{
	struct fix *f = *state;
	uint16_t heads[3] = {4, 9, 2};
	uint32_t lens[3] = {100, 200, 7};
	virtq_push_batch(&f->vq, heads, lens, 3);
	assert_int_equal(fr_used_idx(&f->r), 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(fr_used(&f->r, i).id, heads[i]);
		assert_int_equal(fr_used(&f->r, i).len, lens[i]);
	}
}

static void test_iov_copy(void **state)
{
	(void)state;
	char a[3], b[5];
	struct iovec iov[2] = {{a, sizeof(a)}, {b, sizeof(b)}};
	assert_int_equal(iov_from_buf(iov, 2, 2, "XYZW", 4), 4);
	assert_memory_equal(a + 2, "X", 1);
	assert_memory_equal(b, "YZW", 3);
	char out[8] = {0};
	assert_int_equal(iov_to_buf(iov, 2, 2, out, 8), 6); /* only 6 bytes from offset 2 */
	assert_memory_equal(out, "XYZW", 4);
	assert_int_equal(iov_to_buf(iov, 2, 100, out, 8), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_empty),
	    T(test_good_chain),
	    T(test_zero_length_buffer_skipped),
	    T(test_full_length_chain),
	    T(test_head_out_of_range),
	    T(test_next_out_of_range),
	    T(test_next_loop),
	    T(test_self_loop),
	    T(test_avail_idx_jump),
	    T(test_avail_idx_exactly_full),
	    T(test_buffer_outside_ram),
	    T(test_buffer_addr_overflow),
	    T(test_writable_before_readable),
	    T(test_indirect_good),
	    T(test_indirect_bad_len),
	    T(test_indirect_zero_len),
	    T(test_indirect_huge),
	    T(test_indirect_nested),
	    T(test_indirect_outside_ram),
	    T(test_indirect_with_next),
	    T(test_indirect_not_at_head),
	    T(test_indirect_loop),
	    T(test_indirect_next_outside_table),
	    cmocka_unit_test_setup_teardown(test_indirect_not_negotiated, setup_no_indirect,
					    teardown),
	    T(test_chain_bytes_overflow),
	    cmocka_unit_test(test_init_checks),
	    T(test_interrupt_suppression),
	    cmocka_unit_test_setup_teardown(test_event_idx_interrupts, setup_event_idx, teardown),
	    T(test_notify_flags),
	    cmocka_unit_test_setup_teardown(test_event_idx_notify, setup_event_idx, teardown),
	    T(test_unpop),
	    T(test_push_batch),
	    cmocka_unit_test(test_iov_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
