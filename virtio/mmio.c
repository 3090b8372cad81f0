#include "virtio/mmio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "core/testhook.h"
#include "virtio/worker.h"

/* Features the transport and the virtqueue core implement for every device. */
#define TRANSPORT_FEATURES                                                                         \
	((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_RING_F_EVENT_IDX) |                        \
	 (1ULL << VIRTIO_RING_F_INDIRECT_DESC))

static uint64_t offered_features(const struct virtio_mmio *t)
{
	return t->ops->features(t->dev) | TRANSPORT_FEATURES;
}

static bool negotiated(const struct virtio_mmio *t, unsigned bit)
{
	return t->driver_features & (1ULL << bit);
}

static void raise_irq(struct virtio_mmio *t, unsigned bits)
{
	atomic_fetch_or(&t->interrupt_status, bits);
	if (t->irq_fd >= 0 && !test_irq_dropped(t->irq))
		eventfd_write(t->irq_fd, 1);
}

/* Callers hold t->lock. */
static void set_needs_reset_locked(struct virtio_mmio *t, const char *why)
{
	atomic_fetch_add(&t->resets_requested, 1);
	snprintf(t->error, sizeof(t->error), "%s", why);
	if (t->status & VIRTIO_CONFIG_S_NEEDS_RESET)
		return;
	t->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	/* From now on no queue is serviced, until the driver resets the device. */
	atomic_store(&t->halted, true);
	/* Once DRIVER_OK is set, the driver must hear of it by a config-change interrupt. */
	if (t->status & VIRTIO_CONFIG_S_DRIVER_OK)
		raise_irq(t, VIRTIO_MMIO_INT_CONFIG);
}

void virtio_mmio_needs_reset(struct virtio_mmio *t, const char *why)
{
	pthread_mutex_lock(&t->lock);
	set_needs_reset_locked(t, why);
	pthread_mutex_unlock(&t->lock);
}

/*
 * Of `kicks` just read from q's eventfd, counts those not counted before and returns how many
 * that is. Callers hold count_lock.
 *
 * Kick accounting has no second source of truth: every guest write to QueueNotify adds 1 to
 * the queue's eventfd, and whoever reads the eventfd adds what it read to q->notifies. A
 * sampler (exit statistics, from another thread) must not swallow a kick the worker still
 * needs to see, so it puts back what it read and remembers it as already counted
 * (q->credited); the worker's next read subtracts that.
 */
static uint64_t count_kicks(struct virtio_mmio_queue *q, uint64_t kicks)
{
	uint64_t fresh = kicks > q->credited ? kicks - q->credited : 0;
	q->notifies += fresh;
	return fresh;
}

uint64_t virtio_mmio_take_kicks(struct virtio_mmio_queue *q)
{
	eventfd_t kicks = 0;
	pthread_mutex_lock(&q->count_lock);
	if (eventfd_read(q->notify_fd, &kicks) == 0)
		q->credited -= kicks - count_kicks(q, kicks); /* consumed: no longer put back */
	pthread_mutex_unlock(&q->count_lock);
	return kicks;
}

void virtio_mmio_set_adaptive_poll(struct virtio_mmio *t, unsigned max_us)
{
	for (unsigned i = 0; i < t->nqueues; i++)
		t->queues[i].poll_max_ns = t->queues[i].poll_us ? 0 : (uint64_t)max_us * 1000;
}

uint64_t virtio_mmio_notifies(struct virtio_mmio_queue *q)
{
	eventfd_t kicks = 0;
	pthread_mutex_lock(&q->count_lock);
	if (eventfd_read(q->notify_fd, &kicks) == 0 && kicks) {
		q->credited += count_kicks(q, kicks);
		eventfd_write(q->notify_fd, kicks); /* still the worker's to see */
	}
	uint64_t n = q->notifies;
	pthread_mutex_unlock(&q->count_lock);
	return n;
}

void virtio_mmio_used(struct virtio_mmio *t, struct virtio_mmio_queue *q)
{
	if (virtq_should_interrupt(&q->vq))
		raise_irq(t, VIRTIO_MMIO_INT_VRING);
}

/* Status transitions, in the order a driver makes them (virtio 1.2, 3.1.1). */
static int enter_features_ok(struct virtio_mmio *t)
{
	uint64_t offered = offered_features(t);
	/* Only what was offered, and never the legacy interface. */
	if ((t->driver_features & ~offered) || !negotiated(t, VIRTIO_F_VERSION_1))
		return -1;
	return 0;
}

/*
 * The device goes live: workers start on the ready queues. If that fails, DRIVER_OK does not
 * stick and the device asks for a reset; a worker already started sees `halted` and serves
 * nothing (it is joined by the reset, which must not happen here, under t->lock).
 */
static int enter_driver_ok(struct virtio_mmio *t)
{
	if (t->ops->activate(t->dev, t->driver_features)) {
		set_needs_reset_locked(t, "device refused activation");
		return -1;
	}
	for (unsigned i = 0; i < t->nqueues; i++) {
		struct virtio_mmio_queue *q = &t->queues[i];
		if (q->ready && vq_worker_start(q)) {
			set_needs_reset_locked(t, "cannot start a queue worker thread");
			return -1;
		}
	}
	return 0;
}

/*
 * The device status state machine (virtio 1.2, 2.1 and 3.1.1), one row per bit a driver may
 * set, in the order they are applied when one write sets several:
 * - a bit sticks only when every bit in `requires` is already set and `enter` (if any)
 *   agrees; otherwise it reads back clear;
 * - while DEVICE_NEEDS_RESET is set, only bits with `after_needs_reset` are taken, so a device
 *   that asked for a reset never goes live until the driver writes 0;
 * - a write that would clear a set bit is ignored whole (only 0, a reset, clears bits);
 * - DEVICE_NEEDS_RESET itself is the device's to set, never the driver's.
 */
static const struct status_step {
	uint32_t bit;
	uint32_t requires;
	bool after_needs_reset;
	int (*enter)(struct virtio_mmio *t); /* -1: the bit does not stick */
} status_steps[] = {
    {VIRTIO_CONFIG_S_ACKNOWLEDGE, 0, false, NULL},
    {VIRTIO_CONFIG_S_DRIVER, VIRTIO_CONFIG_S_ACKNOWLEDGE, false, NULL},
    {VIRTIO_CONFIG_S_FEATURES_OK, VIRTIO_CONFIG_S_DRIVER, false, enter_features_ok},
    {VIRTIO_CONFIG_S_DRIVER_OK, VIRTIO_CONFIG_S_FEATURES_OK, false, enter_driver_ok},
    {VIRTIO_CONFIG_S_FAILED, 0, true, NULL},
};

static void device_reset(struct virtio_mmio *t)
{
	/* Workers first, without t->lock: they may be taking it to report an error. */
	vq_workers_stop(t);
	t->ops->reset(t->dev);
	pthread_mutex_lock(&t->lock);
	t->status = 0;
	t->dev_features_sel = t->drv_features_sel = t->queue_sel = 0;
	t->driver_features = 0;
	atomic_store(&t->interrupt_status, 0);
	atomic_store(&t->halted, false);
	for (unsigned i = 0; i < t->nqueues; i++) {
		struct virtio_mmio_queue *q = &t->queues[i];
		q->num = 0;
		q->ready = false;
		q->desc = q->driver = q->device = 0;
		memset(&q->vq, 0, sizeof(q->vq));
		virtio_mmio_take_kicks(q); /* kicks of the old session: counted, not served */
	}
	pthread_mutex_unlock(&t->lock);
}

/* Called with ctl_lock held, not lock. */
static void write_status(struct virtio_mmio *t, uint32_t val)
{
	if (val == 0) {
		device_reset(t);
		return;
	}
	pthread_mutex_lock(&t->lock);
	/* A driver never clears bits except by reset; such a write is ignored. */
	uint32_t keep = t->status & ~VIRTIO_CONFIG_S_NEEDS_RESET;
	if ((val & keep) == keep) {
		uint32_t add = val & ~t->status;
		for (size_t i = 0; i < sizeof(status_steps) / sizeof(status_steps[0]); i++) {
			const struct status_step *s = &status_steps[i];
			if (!(add & s->bit) || (t->status & s->requires) != s->requires)
				continue;
			if ((t->status & VIRTIO_CONFIG_S_NEEDS_RESET) && !s->after_needs_reset)
				continue;
			if (!s->enter || s->enter(t) == 0)
				t->status |= s->bit;
		}
	}
	pthread_mutex_unlock(&t->lock);
}

/*
 * The control registers (virtio 1.2, 4.2.2) as a table of rules: whether the driver may read
 * each one, and when a write takes effect. Every access that breaks a rule is harmless: a
 * read gives 0, a write is ignored. Registers are 32 bits wide and aligned (4.2.2.2); an
 * access of any other size or alignment, or to an offset not listed, also reads 0 and is
 * ignored. The device-specific configuration space from 0x100 is handled apart.
 */
enum write_rule {
	WR_NEVER,    /* read-only */
	WR_ALWAYS,   /* selectors, QueueNotify, InterruptACK, Status (its own state machine) */
	WR_FEATURES, /* DriverFeatures: after DRIVER, until FEATURES_OK */
	WR_QUEUE,    /* queue set-up: after FEATURES_OK, until DRIVER_OK, never in NEEDS_RESET,
			and only for a queue that exists (4.2.3.2) */
};

static const struct reg_rule {
	uint16_t off;
	const char *name; /* as the spec names it, for --trace-exits */
	bool readable;
	enum write_rule write;
} reg_rules[] = {
    {VIRTIO_MMIO_MAGIC_VALUE, "MagicValue", true, WR_NEVER},
    {VIRTIO_MMIO_VERSION, "Version", true, WR_NEVER},
    {VIRTIO_MMIO_DEVICE_ID, "DeviceID", true, WR_NEVER},
    {VIRTIO_MMIO_VENDOR_ID, "VendorID", true, WR_NEVER},
    {VIRTIO_MMIO_DEVICE_FEATURES, "DeviceFeatures", true, WR_NEVER},
    {VIRTIO_MMIO_DEVICE_FEATURES_SEL, "DeviceFeaturesSel", false, WR_ALWAYS},
    {VIRTIO_MMIO_DRIVER_FEATURES, "DriverFeatures", false, WR_FEATURES},
    {VIRTIO_MMIO_DRIVER_FEATURES_SEL, "DriverFeaturesSel", false, WR_ALWAYS},
    {VIRTIO_MMIO_QUEUE_SEL, "QueueSel", false, WR_ALWAYS},
    {VIRTIO_MMIO_QUEUE_NUM_MAX, "QueueNumMax", true, WR_NEVER},
    {VIRTIO_MMIO_QUEUE_NUM, "QueueNum", false, WR_QUEUE},
    {VIRTIO_MMIO_QUEUE_READY, "QueueReady", true, WR_QUEUE},
    {VIRTIO_MMIO_QUEUE_NOTIFY, "QueueNotify", false, WR_ALWAYS},
    {VIRTIO_MMIO_INTERRUPT_STATUS, "InterruptStatus", true, WR_NEVER},
    {VIRTIO_MMIO_INTERRUPT_ACK, "InterruptACK", false, WR_ALWAYS},
    {VIRTIO_MMIO_STATUS, "Status", true, WR_ALWAYS},
    {VIRTIO_MMIO_QUEUE_DESC_LOW, "QueueDescLow", true, WR_QUEUE},
    {VIRTIO_MMIO_QUEUE_DESC_HIGH, "QueueDescHigh", true, WR_QUEUE},
    {VIRTIO_MMIO_QUEUE_AVAIL_LOW, "QueueDriverLow", true, WR_QUEUE},
    {VIRTIO_MMIO_QUEUE_AVAIL_HIGH, "QueueDriverHigh", true, WR_QUEUE},
    {VIRTIO_MMIO_QUEUE_USED_LOW, "QueueDeviceLow", true, WR_QUEUE},
    {VIRTIO_MMIO_QUEUE_USED_HIGH, "QueueDeviceHigh", true, WR_QUEUE},
    {VIRTIO_MMIO_SHM_SEL, "SHMSel", false, WR_ALWAYS},
    {VIRTIO_MMIO_SHM_LEN_LOW, "SHMLenLow", true, WR_NEVER},
    {VIRTIO_MMIO_SHM_LEN_HIGH, "SHMLenHigh", true, WR_NEVER},
    {VIRTIO_MMIO_SHM_BASE_LOW, "SHMBaseLow", true, WR_NEVER},
    {VIRTIO_MMIO_SHM_BASE_HIGH, "SHMBaseHigh", true, WR_NEVER},
    {VIRTIO_MMIO_CONFIG_GENERATION, "ConfigGeneration", true, WR_NEVER},
};

static const struct reg_rule *reg_rule(uint64_t off)
{
	for (size_t i = 0; i < sizeof(reg_rules) / sizeof(reg_rules[0]); i++)
		if (reg_rules[i].off == off)
			return &reg_rules[i];
	return NULL;
}

static struct virtio_mmio_queue *selected_queue(struct virtio_mmio *t)
{
	return t->queue_sel < t->nqueues ? &t->queues[t->queue_sel] : NULL;
}

/* Whether a write under `rule` takes effect now. Callers hold t->lock. */
static bool write_allowed(struct virtio_mmio *t, enum write_rule rule)
{
	uint32_t s = t->status;
	switch (rule) {
	case WR_ALWAYS:
		return true;
	case WR_FEATURES:
		return (s & VIRTIO_CONFIG_S_DRIVER) && !(s & VIRTIO_CONFIG_S_FEATURES_OK);
	case WR_QUEUE:
		return selected_queue(t) && (s & VIRTIO_CONFIG_S_FEATURES_OK) &&
		       !(s & (VIRTIO_CONFIG_S_DRIVER_OK | VIRTIO_CONFIG_S_NEEDS_RESET));
	case WR_NEVER:
		break;
	}
	return false;
}

/*
 * QueueReady=1 (re)builds the queue from its registers, with fresh indices, also on a queue
 * that is already ready. A queue that cannot be built is left not ready and empty, never
 * half-initialised, and the device asks for a reset. No worker runs before DRIVER_OK, so
 * nothing else looks at q->vq here.
 */
static void set_queue_ready(struct virtio_mmio *t, struct virtio_mmio_queue *q, uint32_t val)
{
	q->ready = false;
	memset(&q->vq, 0, sizeof(q->vq));
	if (!val)
		return;
	if (q->num == 0 || q->num > t->queue_max ||
	    virtq_init(&q->vq, t->mem, (uint16_t)q->num, q->desc, q->driver, q->device,
		       negotiated(t, VIRTIO_RING_F_EVENT_IDX),
		       negotiated(t, VIRTIO_RING_F_INDIRECT_DESC))) {
		memset(&q->vq, 0, sizeof(q->vq));
		char why[96];
		snprintf(why, sizeof(why), "queue %u: bad size %u or ring address", q->index,
			 q->num);
		set_needs_reset_locked(t, why);
		return;
	}
	q->ready = true;
}

static void set_addr_half(uint64_t *reg, uint32_t val, bool high)
{
	*reg =
	    high ? (*reg & 0xFFFFFFFFULL) | ((uint64_t)val << 32) : (*reg & ~0xFFFFFFFFULL) | val;
}

/* The value of a readable register. Callers hold t->lock. */
static uint32_t read_reg(struct virtio_mmio *t, uint64_t off)
{
	struct virtio_mmio_queue *q = selected_queue(t);
	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return 2;
	case VIRTIO_MMIO_DEVICE_ID:
		return t->ops->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_MMIO_VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return t->dev_features_sel < 2
			   ? (uint32_t)(offered_features(t) >> (32 * t->dev_features_sel))
			   : 0;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return q ? t->queue_max : 0; /* 0: no such queue */
	case VIRTIO_MMIO_QUEUE_READY:
		return q ? q->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return atomic_load(&t->interrupt_status);
	case VIRTIO_MMIO_STATUS:
		return t->status;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
		return q ? (uint32_t)q->desc : 0;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		return q ? (uint32_t)(q->desc >> 32) : 0;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
		return q ? (uint32_t)q->driver : 0;
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		return q ? (uint32_t)(q->driver >> 32) : 0;
	case VIRTIO_MMIO_QUEUE_USED_LOW:
		return q ? (uint32_t)q->device : 0;
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		return q ? (uint32_t)(q->device >> 32) : 0;
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
	case VIRTIO_MMIO_SHM_BASE_LOW:
	case VIRTIO_MMIO_SHM_BASE_HIGH:
		return 0xFFFFFFFF; /* no shared memory regions (4.2.2) */
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return t->config_generation;
	default:
		return 0;
	}
}

/* The effect of a write reg_rules allowed (Status aside). Callers hold t->lock. */
static void write_reg(struct virtio_mmio *t, uint64_t off, uint32_t val)
{
	struct virtio_mmio_queue *q = selected_queue(t);
	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		t->dev_features_sel = val;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		t->drv_features_sel = val;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (t->drv_features_sel < 2) {
			unsigned shift = 32 * t->drv_features_sel;
			t->driver_features = (t->driver_features & ~(0xFFFFFFFFULL << shift)) |
					     ((uint64_t)val << shift);
		}
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		t->queue_sel = val;
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		/*
		 * Reached only without a matching ioeventfd (tests, or a queue index that does not
		 * exist, which is ignored). A kick on a queue that is not ready wakes nobody.
		 */
		if (val < t->nqueues)
			eventfd_write(t->queues[val].notify_fd, 1);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		atomic_fetch_and(&t->interrupt_status, ~val);
		break;
	case VIRTIO_MMIO_QUEUE_NUM:
		q->num = val;
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		set_queue_ready(t, q, val);
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		set_addr_half(&q->desc, val, off == VIRTIO_MMIO_QUEUE_DESC_HIGH);
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		set_addr_half(&q->driver, val, off == VIRTIO_MMIO_QUEUE_AVAIL_HIGH);
		break;
	case VIRTIO_MMIO_QUEUE_USED_LOW:
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		set_addr_half(&q->device, val, off == VIRTIO_MMIO_QUEUE_USED_HIGH);
		break;
	}
}

/* The rule for a control-register access, or NULL when it is not a 32-bit aligned one. */
static const struct reg_rule *control_access(uint64_t offset, unsigned size)
{
	return size == 4 && !(offset & 3) ? reg_rule(offset) : NULL;
}

/*
 * A read of the device's config space, at any offset and of any size: an access wholly
 * inside it reads the bytes as the device holds them; one that reaches past its end reads
 * all 0 (data is zeroed already). No lock: the bytes never change while the guest runs.
 */
static void read_config(const struct virtio_mmio *t, uint64_t off, void *data, unsigned size)
{
	uint32_t len = t->ops->config_size;
	if (off < len && size <= len - off)
		memcpy(data, (const uint8_t *)t->ops->config(t->dev) + off, size);
}

static void mmio_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
	struct virtio_mmio *t = opaque;
	memset(data, 0, size);
	if (offset >= VIRTIO_MMIO_CONFIG) {
		read_config(t, offset - VIRTIO_MMIO_CONFIG, data, size);
		return;
	}
	const struct reg_rule *r = control_access(offset, size);
	if (!r || !r->readable)
		return;
	pthread_mutex_lock(&t->lock);
	uint32_t v = read_reg(t, offset);
	pthread_mutex_unlock(&t->lock);
	memcpy(data, &v, 4);
}

static void mmio_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
	struct virtio_mmio *t = opaque;
	/* Config space is read-only for every kvmini device. */
	const struct reg_rule *r =
	    offset < VIRTIO_MMIO_CONFIG ? control_access(offset, size) : NULL;
	if (!r || r->write == WR_NEVER)
		return;
	uint32_t val;
	memcpy(&val, data, 4);
	if (offset == VIRTIO_MMIO_STATUS) {
		pthread_mutex_lock(&t->ctl_lock);
		write_status(t, val);
		pthread_mutex_unlock(&t->ctl_lock);
		return;
	}
	pthread_mutex_lock(&t->lock);
	if (write_allowed(t, r->write))
		write_reg(t, offset, val);
	pthread_mutex_unlock(&t->lock);
}

static const char *mmio_reg_name(void *opaque, uint64_t offset, bool write)
{
	(void)opaque;
	(void)write;
	if (offset >= VIRTIO_MMIO_CONFIG)
		return "config space";
	const struct reg_rule *r = reg_rule(offset);
	return r ? r->name : NULL;
}

const struct bus_device_ops virtio_mmio_bus_ops = {
    .read = mmio_read, .write = mmio_write, .reg_name = mmio_reg_name};

int virtio_mmio_init(struct virtio_mmio *t, const struct virtio_device_ops *ops, void *dev,
		     const struct guest_mem *mem, uint64_t base, unsigned irq, unsigned nqueues,
		     uint16_t queue_max, unsigned poll_us, struct err *err)
{
	memset(t, 0, sizeof(*t));
	t->ops = ops;
	t->dev = dev;
	t->mem = mem;
	t->base = base;
	t->irq = irq;
	t->nqueues = nqueues;
	t->queue_max = queue_max;
	t->stop_fd = -1;
	pthread_mutex_init(&t->ctl_lock, NULL);
	pthread_mutex_init(&t->lock, NULL);
	t->irq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	t->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	t->queues = calloc(nqueues, sizeof(*t->queues));
	if (t->irq_fd < 0 || t->stop_fd < 0 || !t->queues)
		return err_set(err, "%s: cannot create eventfds: %s", ops->name, strerror(errno));
	/* Every queue in a state destroy can undo before anything can fail. */
	for (unsigned i = 0; i < nqueues; i++) {
		struct virtio_mmio_queue *q = &t->queues[i];
		q->t = t;
		q->index = i;
		q->poll_us = poll_us;
		q->notify_fd = -1;
		pthread_mutex_init(&q->count_lock, NULL);
		pthread_mutex_init(&q->park_lock, NULL);
		pthread_cond_init(&q->park_cond, NULL);
	}
	for (unsigned i = 0; i < nqueues; i++) {
		struct virtio_mmio_queue *q = &t->queues[i];
		q->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		q->elem = malloc(sizeof(*q->elem));
		if (q->notify_fd < 0 || !q->elem)
			return err_set(err, "%s: cannot create queue %u: %s", ops->name, i,
				       strerror(errno));
	}
	return 0;
}

int virtio_mmio_spawn_workers(struct virtio_mmio *t,
			      void (*thread_init)(void *ctx, struct virtio_mmio_queue *q),
			      void *ctx, struct err *err)
{
	t->thread_init = thread_init;
	t->thread_ctx = ctx;
	int rc = vq_workers_spawn(t);
	if (rc)
		return err_set(err, "%s: cannot create its queue threads: %s", t->ops->name,
			       strerror(rc));
	return 0;
}

void virtio_mmio_destroy(struct virtio_mmio *t)
{
	if (t->queues) {
		vq_workers_join(t);
		for (unsigned i = 0; i < t->nqueues; i++) {
			if (t->queues[i].notify_fd >= 0)
				close(t->queues[i].notify_fd);
			pthread_mutex_destroy(&t->queues[i].count_lock);
			pthread_mutex_destroy(&t->queues[i].park_lock);
			pthread_cond_destroy(&t->queues[i].park_cond);
			free(t->queues[i].elem);
		}
	}
	free(t->queues);
	t->queues = NULL;
	if (t->irq_fd >= 0)
		close(t->irq_fd);
	if (t->stop_fd >= 0)
		close(t->stop_fd);
	t->irq_fd = t->stop_fd = -1;
	pthread_mutex_destroy(&t->lock);
	pthread_mutex_destroy(&t->ctl_lock);
}

int virtio_mmio_register(struct virtio_mmio *t, struct bus *mmio)
{
	return bus_register(mmio, t->base, VIRTIO_MMIO_SIZE, t->ops->name, &virtio_mmio_bus_ops, t);
}
