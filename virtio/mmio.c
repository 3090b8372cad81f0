#include "virtio/mmio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

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
	if (t->irq_fd >= 0)
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

uint64_t virtio_mmio_take_kicks(struct virtio_mmio_queue *q)
{
	eventfd_t kicks = 0;
	pthread_mutex_lock(&q->count_lock);
	if (eventfd_read(q->notify_fd, &kicks) == 0)
		q->notifies += kicks;
	pthread_mutex_unlock(&q->count_lock);
	return kicks;
}

/* The eventfd's counter without consuming it: the kernel shows it in fdinfo (hex). */
static uint64_t pending_kicks(int fd)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	FILE *f = fopen(path, "r");
	uint64_t v = 0;
	if (!f)
		return 0;
	while (fgets(buf, sizeof(buf), f))
		if (!strncmp(buf, "eventfd-count:", 14))
			v = strtoull(buf + 14, NULL, 16);
	fclose(f);
	return v;
}

uint64_t virtio_mmio_notifies(struct virtio_mmio_queue *q)
{
	pthread_mutex_lock(&q->count_lock);
	uint64_t n = q->notifies + pending_kicks(q->notify_fd);
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

static int enter_driver_ok(struct virtio_mmio *t)
{
	if (t->ops->activate(t->dev, t->driver_features)) {
		set_needs_reset_locked(t, "device refused activation");
		return 0;
	}
	for (unsigned i = 0; i < t->nqueues; i++) {
		struct virtio_mmio_queue *q = &t->queues[i];
		if (q->ready && vq_worker_start(q)) {
			set_needs_reset_locked(t, "cannot start a queue worker thread");
			break;
		}
	}
	return 0;
}

static const struct status_step {
	uint32_t bit;
	uint32_t requires;
	int (*enter)(struct virtio_mmio *t); /* -1: the bit does not stick */
} status_steps[] = {
    {VIRTIO_CONFIG_S_ACKNOWLEDGE, 0, NULL},
    {VIRTIO_CONFIG_S_DRIVER, VIRTIO_CONFIG_S_ACKNOWLEDGE, NULL},
    {VIRTIO_CONFIG_S_FEATURES_OK, VIRTIO_CONFIG_S_DRIVER, enter_features_ok},
    {VIRTIO_CONFIG_S_DRIVER_OK, VIRTIO_CONFIG_S_FEATURES_OK, enter_driver_ok},
    {VIRTIO_CONFIG_S_FAILED, 0, NULL},
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
			if (!s->enter || s->enter(t) == 0)
				t->status |= s->bit;
		}
	}
	pthread_mutex_unlock(&t->lock);
}

/* Queue set-up is allowed only between FEATURES_OK and DRIVER_OK (4.2.3.2). */
static bool queue_setup_open(const struct virtio_mmio *t)
{
	return (t->status & VIRTIO_CONFIG_S_FEATURES_OK) &&
	       !(t->status & (VIRTIO_CONFIG_S_DRIVER_OK | VIRTIO_CONFIG_S_NEEDS_RESET));
}

static struct virtio_mmio_queue *selected_queue(struct virtio_mmio *t)
{
	return t->queue_sel < t->nqueues ? &t->queues[t->queue_sel] : NULL;
}

static void set_queue_ready(struct virtio_mmio *t, struct virtio_mmio_queue *q, uint32_t val)
{
	if (!val) {
		q->ready = false;
		return;
	}
	if (q->num > t->queue_max ||
	    virtq_init(&q->vq, t->mem, (uint16_t)q->num, q->desc, q->driver, q->device,
		       negotiated(t, VIRTIO_RING_F_EVENT_IDX),
		       negotiated(t, VIRTIO_RING_F_INDIRECT_DESC))) {
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

static void write_queue_reg(struct virtio_mmio *t, uint64_t off, uint32_t val)
{
	struct virtio_mmio_queue *q = selected_queue(t);
	if (!q || !queue_setup_open(t))
		return;
	switch (off) {
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
		return 0xFFFFFFFF; /* no shared memory regions */
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return t->config_generation;
	default:
		return 0; /* write-only or reserved */
	}
}

static void write_reg(struct virtio_mmio *t, uint64_t off, uint32_t val)
{
	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		t->dev_features_sel = val;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		t->drv_features_sel = val;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		/* Features are fixed once FEATURES_OK is set. */
		if ((t->status & VIRTIO_CONFIG_S_DRIVER) &&
		    !(t->status & VIRTIO_CONFIG_S_FEATURES_OK) && t->drv_features_sel < 2) {
			unsigned shift = 32 * t->drv_features_sel;
			t->driver_features = (t->driver_features & ~(0xFFFFFFFFULL << shift)) |
					     ((uint64_t)val << shift);
		}
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		t->queue_sel = val;
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		/* Reached only without a matching ioeventfd (tests, or a bad queue index). */
		if (val < t->nqueues)
			eventfd_write(t->queues[val].notify_fd, 1);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		atomic_fetch_and(&t->interrupt_status, ~val);
		break;
	default:
		write_queue_reg(t, off, val);
		break;
	}
}

static void mmio_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
	struct virtio_mmio *t = opaque;
	memset(data, 0, size);
	if (offset >= VIRTIO_MMIO_CONFIG) {
		uint64_t off = offset - VIRTIO_MMIO_CONFIG;
		if (off < t->ops->config_size && size <= t->ops->config_size - off)
			t->ops->config_read(t->dev, (uint32_t)off, data, size);
		return;
	}
	/* Control registers are 32-bit, aligned (4.2.2.2); anything else reads as 0. */
	if (size != 4 || (offset & 3))
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
	if (offset >= VIRTIO_MMIO_CONFIG || size != 4 || (offset & 3))
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
	write_reg(t, offset, val);
	pthread_mutex_unlock(&t->lock);
}

static const char *mmio_reg_name(void *opaque, uint64_t offset, bool write)
{
	(void)opaque;
	(void)write;
	static const struct {
		uint64_t off;
		const char *name;
	} names[] = {
	    {VIRTIO_MMIO_MAGIC_VALUE, "MagicValue"},
	    {VIRTIO_MMIO_VERSION, "Version"},
	    {VIRTIO_MMIO_DEVICE_ID, "DeviceID"},
	    {VIRTIO_MMIO_VENDOR_ID, "VendorID"},
	    {VIRTIO_MMIO_DEVICE_FEATURES, "DeviceFeatures"},
	    {VIRTIO_MMIO_DEVICE_FEATURES_SEL, "DeviceFeaturesSel"},
	    {VIRTIO_MMIO_DRIVER_FEATURES, "DriverFeatures"},
	    {VIRTIO_MMIO_DRIVER_FEATURES_SEL, "DriverFeaturesSel"},
	    {VIRTIO_MMIO_QUEUE_SEL, "QueueSel"},
	    {VIRTIO_MMIO_QUEUE_NUM_MAX, "QueueNumMax"},
	    {VIRTIO_MMIO_QUEUE_NUM, "QueueNum"},
	    {VIRTIO_MMIO_QUEUE_READY, "QueueReady"},
	    {VIRTIO_MMIO_QUEUE_NOTIFY, "QueueNotify"},
	    {VIRTIO_MMIO_INTERRUPT_STATUS, "InterruptStatus"},
	    {VIRTIO_MMIO_INTERRUPT_ACK, "InterruptACK"},
	    {VIRTIO_MMIO_STATUS, "Status"},
	    {VIRTIO_MMIO_QUEUE_DESC_LOW, "QueueDescLow"},
	    {VIRTIO_MMIO_QUEUE_DESC_HIGH, "QueueDescHigh"},
	    {VIRTIO_MMIO_QUEUE_AVAIL_LOW, "QueueDriverLow"},
	    {VIRTIO_MMIO_QUEUE_AVAIL_HIGH, "QueueDriverHigh"},
	    {VIRTIO_MMIO_QUEUE_USED_LOW, "QueueDeviceLow"},
	    {VIRTIO_MMIO_QUEUE_USED_HIGH, "QueueDeviceHigh"},
	    {VIRTIO_MMIO_CONFIG_GENERATION, "ConfigGeneration"},
	};
	if (offset >= VIRTIO_MMIO_CONFIG)
		return "config space";
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].off == offset)
			return names[i].name;
	return NULL;
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
	for (unsigned i = 0; i < nqueues; i++) {
		struct virtio_mmio_queue *q = &t->queues[i];
		q->t = t;
		q->index = i;
		q->poll_us = poll_us;
		pthread_mutex_init(&q->count_lock, NULL);
		q->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		q->elem = malloc(sizeof(*q->elem));
		if (q->notify_fd < 0 || !q->elem)
			return err_set(err, "%s: cannot create queue %u: %s", ops->name, i,
				       strerror(errno));
	}
	return 0;
}

void virtio_mmio_destroy(struct virtio_mmio *t)
{
	if (t->queues) {
		vq_workers_stop(t);
		for (unsigned i = 0; i < t->nqueues; i++) {
			if (t->queues[i].notify_fd >= 0)
				close(t->queues[i].notify_fd);
			pthread_mutex_destroy(&t->queues[i].count_lock);
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
