/*
 * The virtio-mmio transport with the real virtio-blk device and worker threads behind it:
 * registers, the status state machine, queue set-up rules, notify -> worker -> interrupt,
 * DEVICE_NEEDS_RESET and recovery by reset, and polling without kicks.
 */
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>

#include "blk_fake.h"
#include "virtio/blk.h"
#include "virtio/mmio.h"

#define QSIZE 16
#define BASE  0xD0000000ULL

struct fix {
	struct fake_ring r;
	char path[64];
	struct disk disk;
	struct virtio_blk blk;
	struct virtio_mmio t;
};

static int setup_poll(void **state, unsigned poll_us)
{
	struct fix *f = calloc(1, sizeof(*f));
	strcpy(f->path, "/tmp/kvmini-mmio-XXXXXX");
	int fd = mkstemp(f->path);
	if (ftruncate(fd, 1 << 20))
		return -1;
	close(fd);
	struct err err;
	if (fr_init(&f->r, QSIZE) || disk_open(&f->disk, f->path, false, &err))
		return -1;
	virtio_blk_init(&f->blk, &f->disk, "s", 1);
	if (virtio_mmio_init(&f->t, &virtio_blk_ops, &f->blk, &f->r.gm, BASE, 16, 1, BLK_QUEUE_SIZE,
			     poll_us, &err) ||
	    virtio_mmio_spawn_workers(&f->t, NULL, NULL, &err))
		return -1;
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_poll(state, 0);
}

static int setup_polling(void **state)
{
	return setup_poll(state, 200000);
}

static int teardown(void **state)
{
	struct fix *f = *state;
	virtio_mmio_destroy(&f->t);
	disk_close(&f->disk);
	unlink(f->path);
	fr_free(&f->r);
	free(f);
	return 0;
}

static uint32_t rd(struct fix *f, uint64_t off)
{
	uint32_t v;
	virtio_mmio_bus_ops.read(&f->t, off, &v, 4);
	return v;
}

static void wr(struct fix *f, uint64_t off, uint32_t v)
{
	virtio_mmio_bus_ops.write(&f->t, off, &v, 4);
}

static void wr_features(struct fix *f, uint64_t features)
{
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
}

static uint64_t device_features(struct fix *f)
{
	wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	uint64_t lo = rd(f, VIRTIO_MMIO_DEVICE_FEATURES);
	wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	return lo | (uint64_t)rd(f, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
}

#define S_ACK  VIRTIO_CONFIG_S_ACKNOWLEDGE
#define S_DRV  VIRTIO_CONFIG_S_DRIVER
#define S_FOK  VIRTIO_CONFIG_S_FEATURES_OK
#define S_DOK  VIRTIO_CONFIG_S_DRIVER_OK
#define S_NRST VIRTIO_CONFIG_S_NEEDS_RESET

static void negotiate(struct fix *f, uint64_t features)
{
	wr(f, VIRTIO_MMIO_STATUS, S_ACK);
	wr(f, VIRTIO_MMIO_STATUS, S_ACK | S_DRV);
	wr_features(f, features);
	wr(f, VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_FOK);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), S_ACK | S_DRV | S_FOK);
}

static void setup_queue(struct fix *f, uint32_t num)
{
	wr(f, VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(f, VIRTIO_MMIO_QUEUE_NUM, num);
	wr(f, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)FR_DESC);
	wr(f, VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
	wr(f, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)FR_AVAIL);
	wr(f, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, 0);
	wr(f, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)FR_USED);
	wr(f, VIRTIO_MMIO_QUEUE_USED_HIGH, 0);
	wr(f, VIRTIO_MMIO_QUEUE_READY, 1);
}

#define V1 (1ULL << VIRTIO_F_VERSION_1)

static void bring_up(struct fix *f, uint64_t features)
{
	negotiate(f, features);
	setup_queue(f, QSIZE);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 1);
	wr(f, VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), S_ACK | S_DRV | S_FOK | S_DOK);
}

/* Waits (bounded) for the device's interrupt eventfd. */
static bool wait_irq(struct fix *f, int timeout_ms)
{
	struct pollfd p = {.fd = f->t.irq_fd, .events = POLLIN};
	if (poll(&p, 1, timeout_ms) != 1)
		return false;
	eventfd_t v;
	eventfd_read(f->t.irq_fd, &v);
	return true;
}

static bool wait_used(struct fix *f, uint16_t idx, int timeout_ms)
{
	for (int i = 0; i < timeout_ms; i++) {
		if (fr_used_idx(&f->r) == idx)
			return true;
		usleep(1000);
	}
	return false;
}

static void test_identity(void **state)
{
	struct fix *f = *state;
	assert_int_equal(rd(f, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	assert_int_equal(rd(f, VIRTIO_MMIO_VERSION), 2);
	assert_int_equal(rd(f, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_BLOCK);
	uint64_t feat = device_features(f);
	assert_true(feat & V1);
	assert_true(feat & (1ULL << VIRTIO_RING_F_EVENT_IDX));
	assert_true(feat & (1ULL << VIRTIO_BLK_F_FLUSH));
	/* Config space: capacity in sectors, readable 4 bytes at a time. */
	uint32_t lo, hi;
	virtio_mmio_bus_ops.read(&f->t, VIRTIO_MMIO_CONFIG, &lo, 4);
	virtio_mmio_bus_ops.read(&f->t, VIRTIO_MMIO_CONFIG + 4, &hi, 4);
	assert_int_equal(lo, 2048);
	assert_int_equal(hi, 0);
	/* Past the end of config space reads as 0 rather than beyond the struct. */
	uint32_t past = 0xFFFFFFFF;
	virtio_mmio_bus_ops.read(&f->t, VIRTIO_MMIO_CONFIG + 0x100 - 4, &past, 4);
	assert_int_equal(past, 0);
}

static void test_features_ok_rules(void **state)
{
	struct fix *f = *state;
	wr(f, VIRTIO_MMIO_STATUS, S_ACK | S_DRV);
	wr_features(f, 0); /* no VERSION_1: a legacy driver, refused */
	wr(f, VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_FOK);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), S_ACK | S_DRV);
	wr_features(f, V1 | (1ULL << 40)); /* a bit never offered */
	wr(f, VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_FOK);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), S_ACK | S_DRV);
	wr_features(f, V1);
	wr(f, VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_FOK);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), S_ACK | S_DRV | S_FOK);
	/* After FEATURES_OK the features are frozen. */
	wr_features(f, V1 | (1ULL << VIRTIO_RING_F_EVENT_IDX));
	assert_int_equal(f->t.driver_features, V1);
}

static void test_status_order(void **state)
{
	struct fix *f = *state;
	wr(f, VIRTIO_MMIO_STATUS, S_DRV); /* DRIVER before ACKNOWLEDGE */
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 0);
	wr(f, VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_DOK); /* DRIVER_OK without FEATURES_OK */
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), S_ACK | S_DRV);
	wr(f, VIRTIO_MMIO_STATUS, S_ACK); /* clearing a bit without reset: ignored */
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), S_ACK | S_DRV);
	wr(f, VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_NRST); /* only the device sets NEEDS_RESET */
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), S_ACK | S_DRV);
}

static void test_queue_setup_window(void **state)
{
	struct fix *f = *state;
	/* Before FEATURES_OK queue registers do nothing. */
	setup_queue(f, QSIZE);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
	bring_up(f, V1);
	/* While DRIVER_OK, rewriting the queue is ignored. */
	wr(f, VIRTIO_MMIO_QUEUE_DESC_LOW, 0x1234000);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_DESC_LOW), (uint32_t)FR_DESC);
	wr(f, VIRTIO_MMIO_QUEUE_READY, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 1);
}

static void test_queue_sel_out_of_range(void **state)
{
	struct fix *f = *state;
	negotiate(f, V1);
	wr(f, VIRTIO_MMIO_QUEUE_SEL, 1);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	wr(f, VIRTIO_MMIO_QUEUE_NUM, 8);
	wr(f, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
	wr(f, VIRTIO_MMIO_QUEUE_SEL, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_NUM_MAX), BLK_QUEUE_SIZE);
}

static void test_bad_queue_size(void **state)
{
	struct fix *f = *state;
	negotiate(f, V1);
	setup_queue(f, 12); /* not a power of two */
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & S_NRST);
	wr(f, VIRTIO_MMIO_STATUS, 0);
	negotiate(f, V1);
	setup_queue(f, 512); /* more than QueueNumMax */
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & S_NRST);
}

static void test_bad_ring_address(void **state)
{
	struct fix *f = *state;
	negotiate(f, V1);
	wr(f, VIRTIO_MMIO_QUEUE_NUM, QSIZE);
	wr(f, VIRTIO_MMIO_QUEUE_DESC_LOW, 0xFEC00000); /* the IOAPIC, not RAM */
	wr(f, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)FR_AVAIL);
	wr(f, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)FR_USED);
	wr(f, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & S_NRST);
}

static void test_request_by_notify(void **state)
{
	struct fix *f = *state;
	bring_up(f, V1);
	bf_request(&f->r, 0, VIRTIO_BLK_T_GET_ID, 0, BF_DATA, 20, true);
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_true(wait_irq(f, 5000));
	assert_int_equal(fr_used_idx(&f->r), 1);
	assert_int_equal(bf_status(&f->r, 0), VIRTIO_BLK_S_OK);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	wr(f, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	/* Counted exactly, whether or not the worker has consumed the kick yet. */
	assert_int_equal(virtio_mmio_notifies(&f->t.queues[0]), 1);
	assert_int_equal(atomic_load(&f->t.queues[0].chains), 1);
	/* A notify for a queue that does not exist is ignored. */
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 5);
	assert_false(wait_irq(f, 50));
}

static void test_hostile_chain_then_reset(void **state)
{
	struct fix *f = *state;
	bring_up(f, V1);
	fr_desc(&f->r, 0, FR_DATA, 16, VRING_DESC_F_NEXT, 0); /* loops on itself */
	fr_publish(&f->r, 0);
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_true(wait_irq(f, 5000));
	assert_true(wait_used(f, 1, 5000));
	/* Completed once with length 0; the device wants a reset and said so by interrupt. */
	assert_int_equal(fr_used(&f->r, 0).len, 0);
	for (int i = 0; i < 5000 && !(rd(f, VIRTIO_MMIO_STATUS) & S_NRST); i++)
		usleep(1000);
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & S_NRST);
	assert_true(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(atomic_load(&f->t.resets_requested), 1);
	/* Further requests are not served until the driver resets. */
	bf_request(&f->r, 2, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false);
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	usleep(50000);
	assert_int_equal(fr_used_idx(&f->r), 1);

	/* Reset: everything back to zero, then a fresh session works. */
	wr(f, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
	fr_clear(&f->r);
	bring_up(f, V1);
	bf_request(&f->r, 0, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false);
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_true(wait_irq(f, 5000));
	assert_true(wait_used(f, 1, 5000));
	assert_int_equal(bf_status(&f->r, 0), VIRTIO_BLK_S_OK);
}

static void test_event_idx_and_batching(void **state)
{
	struct fix *f = *state;
	bring_up(f, V1 | (1ULL << VIRTIO_RING_F_EVENT_IDX));
	/* Driver asks for an interrupt only after the third completion. */
	*fr_used_event(&f->r) = 2;
	for (uint16_t d = 0; d < 6; d += 2)
		bf_request(&f->r, d, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false);
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_true(wait_used(f, 3, 5000));
	assert_true(wait_irq(f, 5000));
	/* The device asks to be kicked past what it consumed. */
	assert_int_equal(__atomic_load_n(fr_avail_event(&f->r), __ATOMIC_ACQUIRE), 3);
}

static void test_polling_needs_no_kicks(void **state)
{
	struct fix *f = *state;
	bring_up(f, V1);
	bf_request(&f->r, 0, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false);
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_true(wait_used(f, 1, 5000));
	/* The worker now polls with kicks suppressed; the next requests need no notify. */
	for (int i = 0; i < 1000 && !(fr_used_flags(&f->r) & VRING_USED_F_NO_NOTIFY); i++)
		usleep(1000);
	assert_true(fr_used_flags(&f->r) & VRING_USED_F_NO_NOTIFY);
	for (uint16_t k = 1; k <= 5; k++) {
		bf_request(&f->r, (uint16_t)(2 * k), VIRTIO_BLK_T_FLUSH, 0, 0, 0, false);
		assert_true(wait_used(f, (uint16_t)(k + 1), 5000));
	}
	assert_int_equal(virtio_mmio_notifies(&f->t.queues[0]), 1);
	assert_int_equal(atomic_load(&f->t.queues[0].chains), 6);
}

static void test_narrow_register_access(void **state)
{
	struct fix *f = *state;
	uint16_t v16 = 0xFFFF;
	virtio_mmio_bus_ops.read(&f->t, VIRTIO_MMIO_MAGIC_VALUE, &v16, 2);
	assert_int_equal(v16, 0);
	uint8_t v8 = S_ACK;
	virtio_mmio_bus_ops.write(&f->t, VIRTIO_MMIO_STATUS, &v8, 1);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 0);
}

/*
 * The crash this transport once had (issue: hostile register order): a ready queue re-armed
 * with a bad size failed, set NEEDS_RESET, but stayed "ready" with a wiped ring; DRIVER_OK
 * was still accepted and its worker wrote through a NULL ring. Now the failed queue is not
 * ready, DRIVER_OK does not stick while NEEDS_RESET is set, no worker starts, nothing is
 * served; after a reset the device works again.
 */
static void rearm_bad_size(struct fix *f)
{
	negotiate(f, V1);
	setup_queue(f, QSIZE);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 1);
	wr(f, VIRTIO_MMIO_QUEUE_NUM, 3);
	wr(f, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), S_ACK | S_DRV | S_FOK | S_NRST);
	assert_null(f->t.queues[0].vq.desc); /* nothing half-initialised */
	wr(f, VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), S_ACK | S_DRV | S_FOK | S_NRST);
	assert_false(f->t.queues[0].running);
	bf_request(&f->r, 0, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false);
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	usleep(50000);
	assert_int_equal(fr_used_idx(&f->r), 0);
	assert_int_equal(bf_status(&f->r, 0), 0xEE);
	/* The driver's way out: reset, set up again, and the pending request is served. */
	wr(f, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 0);
	fr_clear(&f->r);
	bring_up(f, V1);
	bf_request(&f->r, 0, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false);
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_true(wait_used(f, 1, 5000));
	assert_int_equal(bf_status(&f->r, 0), VIRTIO_BLK_S_OK);
}

static void test_rearmed_queue_bad_size(void **state)
{
	rearm_bad_size(*state);
}

/* The same with a polling device, which needs no kick to start on a queue. */
static void test_rearmed_queue_bad_size_polling(void **state)
{
	rearm_bad_size(*state);
}

/* A ring moved out of RAM, then re-armed: the same answer as a bad size. */
static void test_rearmed_queue_bad_address(void **state)
{
	struct fix *f = *state;
	negotiate(f, V1);
	setup_queue(f, QSIZE);
	wr(f, VIRTIO_MMIO_QUEUE_USED_LOW, 0xFEC00002);	     /* misaligned and not RAM */
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 1); /* not applied until re-armed */
	wr(f, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & S_NRST);
	wr(f, VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
	assert_false(rd(f, VIRTIO_MMIO_STATUS) & S_DOK);
	assert_false(f->t.queues[0].running);
}

/* Re-arming a ready queue with good registers rebuilds it; the device then serves normally. */
static void test_rearm_good_queue(void **state)
{
	struct fix *f = *state;
	negotiate(f, V1);
	setup_queue(f, QSIZE);
	wr(f, VIRTIO_MMIO_QUEUE_READY, 1);
	wr(f, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 1);
	wr(f, VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), S_ACK | S_DRV | S_FOK | S_DOK);
	bf_request(&f->r, 0, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false);
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_true(wait_used(f, 1, 5000));
	assert_int_equal(bf_status(&f->r, 0), VIRTIO_BLK_S_OK);
}

/* Every status bit but FAILED is refused while the device waits for a reset. */
static void test_needs_reset_refuses_status_bits(void **state)
{
	struct fix *f = *state;
	negotiate(f, V1);
	setup_queue(f, 12); /* not a power of two: NEEDS_RESET */
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), S_ACK | S_DRV | S_FOK | S_NRST);
	wr(f, VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), S_ACK | S_DRV | S_FOK | S_NRST);
	wr(f, VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_FOK | VIRTIO_CONFIG_S_FAILED);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS),
			 S_ACK | S_DRV | S_FOK | S_NRST | VIRTIO_CONFIG_S_FAILED);
	/* Queue set-up is closed too. */
	setup_queue(f, QSIZE);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
}

/* Bytes of virtio-blk's config space as the device holds them. */
static void expect_config(struct fix *f, uint64_t off, unsigned size, const uint8_t *got)
{
	uint8_t want[8] = {0};
	if (off < sizeof(f->blk.config) && size <= sizeof(f->blk.config) - off)
		memcpy(want, (const uint8_t *)&f->blk.config + off, size);
	assert_memory_equal(got, want, size);
}

/* Config space at every offset and size: inside reads as it is, past the end as 0, no writes. */
static void test_config_every_offset_and_size(void **state)
{
	struct fix *f = *state;
	struct virtio_blk_config before = f->blk.config;
	static const unsigned sizes[] = {1, 2, 4, 8};
	for (uint64_t off = 0; off < sizeof(f->blk.config) + 16; off++) {
		for (size_t i = 0; i < 4; i++) {
			uint8_t buf[8];
			memset(buf, 0xA5, sizeof(buf));
			virtio_mmio_bus_ops.read(&f->t, VIRTIO_MMIO_CONFIG + off, buf, sizes[i]);
			expect_config(f, off, sizes[i], buf);
			memset(buf, 0x5A, sizeof(buf));
			virtio_mmio_bus_ops.write(&f->t, VIRTIO_MMIO_CONFIG + off, buf, sizes[i]);
		}
	}
	assert_memory_equal(&f->blk.config, &before, sizeof(before));
}

/* A device without config space (config_size 0, no config): every config access reads 0. */
static void test_no_config_space(void **state)
{
	struct fix *f = *state;
	struct virtio_device_ops ops = virtio_blk_ops;
	ops.config_size = 0;
	ops.config = NULL;
	struct virtio_mmio t;
	struct err err;
	assert_int_equal(
	    virtio_mmio_init(&t, &ops, &f->blk, &f->r.gm, BASE, 16, 1, BLK_QUEUE_SIZE, 0, &err), 0);
	static const unsigned sizes[] = {1, 2, 4, 8};
	for (uint64_t off = VIRTIO_MMIO_CONFIG; off + 8 <= VIRTIO_MMIO_SIZE; off++) {
		for (size_t i = 0; i < 4; i++) {
			uint8_t buf[8], zero[8] = {0};
			memset(buf, 0xA5, sizeof(buf));
			virtio_mmio_bus_ops.read(&t, off, buf, sizes[i]);
			assert_memory_equal(buf, zero, sizes[i]);
		}
	}
	virtio_mmio_destroy(&t);
}

/* Control registers take only aligned 32-bit accesses; any other reads 0 and changes nothing. */
static void test_control_odd_accesses(void **state)
{
	struct fix *f = *state;
	negotiate(f, V1);
	static const unsigned sizes[] = {1, 2, 4, 8};
	for (uint64_t off = 0; off < VIRTIO_MMIO_CONFIG; off++) {
		for (size_t i = 0; i < 4; i++) {
			if (sizes[i] == 4 && !(off & 3))
				continue;
			uint8_t buf[8];
			memset(buf, 0xA5, sizeof(buf));
			virtio_mmio_bus_ops.read(&f->t, off, buf, sizes[i]);
			uint8_t zero[8] = {0};
			assert_memory_equal(buf, zero, sizes[i]);
			memset(buf, 0xFF, sizeof(buf));
			virtio_mmio_bus_ops.write(&f->t, off, buf, sizes[i]);
		}
	}
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), S_ACK | S_DRV | S_FOK);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_DESC_LOW), 0);
	assert_int_equal(f->t.queue_sel, 0);
	assert_int_equal(f->t.driver_features, V1);
}

/* Reset while a polling worker runs: it is joined, the state is clean, and a new session works. */
static void test_reset_while_worker_runs(void **state)
{
	struct fix *f = *state;
	for (int round = 0; round < 20; round++) {
		fr_clear(&f->r);
		bring_up(f, V1);
		for (uint16_t d = 0; d < 8; d += 2)
			bf_request(&f->r, d, VIRTIO_BLK_T_IN, d, BF_DATA + d * 4096ULL, 4096, true);
		wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
		if (round & 1)
			usleep(200);
		wr(f, VIRTIO_MMIO_STATUS, 0);
		assert_false(f->t.queues[0].running);
		assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 0);
		assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
		assert_true(fr_used_idx(&f->r) <= 4);
	}
}

/* Two queues: when one breaks, the other stops being served too, until reset. */
static void test_needs_reset_stops_every_queue(void **state)
{
	struct fix *f = *state;
	/* Queue 1's rings live higher up in the same RAM, with their own driver view. */
	struct fake_ring q1 = f->r;
	q1.avail_idx = 0;
	q1.desc = gm_ptr(&q1.gm, 0x50000, 16ULL * QSIZE);
	q1.avail = gm_ptr(&q1.gm, 0x60000, 6 + 2ULL * QSIZE);
	q1.used = gm_ptr(&q1.gm, 0x70000, 6 + 8ULL * QSIZE);
	negotiate(f, V1);
	setup_queue(f, QSIZE);
	wr(f, VIRTIO_MMIO_QUEUE_SEL, 1);
	wr(f, VIRTIO_MMIO_QUEUE_NUM, QSIZE);
	wr(f, VIRTIO_MMIO_QUEUE_DESC_LOW, 0x50000);
	wr(f, VIRTIO_MMIO_QUEUE_AVAIL_LOW, 0x60000);
	wr(f, VIRTIO_MMIO_QUEUE_USED_LOW, 0x70000);
	wr(f, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 1);
	wr(f, VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), S_ACK | S_DRV | S_FOK | S_DOK);
	/* Queue 1 works, then gets a looping chain. */
	bf_request(&q1, 8, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false);
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	for (int i = 0; i < 5000 && fr_used_idx(&q1) != 1; i++)
		usleep(1000);
	assert_int_equal(fr_used_idx(&q1), 1);
	fr_desc(&q1, 0, FR_DATA, 16, VRING_DESC_F_NEXT, 0);
	fr_publish(&q1, 0);
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	for (int i = 0; i < 5000 && !(rd(f, VIRTIO_MMIO_STATUS) & S_NRST); i++)
		usleep(1000);
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & S_NRST);
	/* Queue 0 is healthy, but the device is waiting for a reset: nothing is served. */
	bf_request(&f->r, 0, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false);
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	usleep(50000);
	assert_int_equal(fr_used_idx(&f->r), 0);
	wr(f, VIRTIO_MMIO_STATUS, 0);
	assert_false(f->t.halted);
}

static int setup_two_queues(void **state)
{
	struct fix *f;
	if (setup(state))
		return -1;
	f = *state;
	virtio_mmio_destroy(&f->t);
	struct err err;
	virtio_blk_init(&f->blk, &f->disk, "s", 2);
	if (virtio_mmio_init(&f->t, &virtio_blk_ops, &f->blk, &f->r.gm, BASE, 16, 2, BLK_QUEUE_SIZE,
			     0, &err))
		return -1;
	return virtio_mmio_spawn_workers(&f->t, NULL, NULL, &err);
}

struct flooder {
	struct fix *f;
	atomic_bool stop;
	atomic_ulong published;
};

/* A second "vCPU" that keeps the ring full of 64 KiB reads (one chain, published again). */
static void *flood(void *arg)
{
	struct flooder *fl = arg;
	struct fake_ring *r = &fl->f->r;
	while (!atomic_load(&fl->stop)) {
		if ((uint16_t)(r->avail_idx - fr_used_idx(r)) < QSIZE) {
			fr_publish(r, 0);
			atomic_fetch_add(&fl->published, 1);
		}
	}
	return NULL;
}

/*
 * A guest that keeps its ring full from one vCPU while another resets the device: the reset
 * must not wait for the flood to end (a worker serves at most a queue's worth per pass and
 * looks for the stop request in between).
 */
static void test_reset_during_flood(void **state)
{
	struct fix *f = *state;
	bring_up(f, V1);
	bf_request(&f->r, 0, VIRTIO_BLK_T_IN, 0, BF_DATA, 65536, true);
	struct flooder fl = {.f = f};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, flood, &fl), 0);
	while (atomic_load(&fl.published) < 500)
		usleep(1000);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	wr(f, VIRTIO_MMIO_STATUS, 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	atomic_store(&fl.stop, true);
	pthread_join(th, NULL);
	double ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
	assert_true(ms < 500);
	assert_false(f->t.queues[0].running);
	assert_true(atomic_load(&f->t.queues[0].chains) > 100);
}

/*
 * Kick counting is exact whoever reads the eventfd first: a sampler (exit statistics) puts
 * back what it read so the worker still wakes, and nothing is counted twice.
 */
static void test_kick_count_sampler_and_worker(void **state)
{
	struct fix *f = *state;
	struct virtio_mmio_queue *q = &f->t.queues[0];
	for (int i = 0; i < 3; i++)
		eventfd_write(q->notify_fd, 1);
	assert_int_equal(virtio_mmio_notifies(q), 3);
	assert_int_equal(virtio_mmio_notifies(q), 3);
	struct pollfd p = {.fd = q->notify_fd, .events = POLLIN};
	assert_int_equal(poll(&p, 1, 0), 1); /* the worker would still wake */
	virtio_mmio_take_kicks(q);
	assert_int_equal(virtio_mmio_notifies(q), 3);
	eventfd_write(q->notify_fd, 1);
	eventfd_write(q->notify_fd, 1);
	assert_int_equal(virtio_mmio_notifies(q), 5);
	eventfd_write(q->notify_fd, 1);
	virtio_mmio_take_kicks(q);
	assert_int_equal(virtio_mmio_notifies(q), 6);
	assert_int_equal(q->credited, 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_identity),
	    T(test_features_ok_rules),
	    T(test_status_order),
	    T(test_queue_setup_window),
	    T(test_queue_sel_out_of_range),
	    T(test_bad_queue_size),
	    T(test_bad_ring_address),
	    T(test_request_by_notify),
	    T(test_hostile_chain_then_reset),
	    T(test_event_idx_and_batching),
	    cmocka_unit_test_setup_teardown(test_polling_needs_no_kicks, setup_polling, teardown),
	    T(test_narrow_register_access),
	    T(test_kick_count_sampler_and_worker),
	    T(test_rearmed_queue_bad_size),
	    cmocka_unit_test_setup_teardown(test_rearmed_queue_bad_size_polling, setup_polling,
					    teardown),
	    T(test_rearmed_queue_bad_address),
	    T(test_rearm_good_queue),
	    T(test_needs_reset_refuses_status_bits),
	    T(test_config_every_offset_and_size),
	    T(test_no_config_space),
	    T(test_control_odd_accesses),
	    cmocka_unit_test_setup_teardown(test_reset_while_worker_runs, setup_polling, teardown),
	    cmocka_unit_test_setup_teardown(test_needs_reset_stops_every_queue, setup_two_queues,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_reset_during_flood, setup_polling, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
