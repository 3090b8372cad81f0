/*
 * The virtio-mmio transport, version 2 (virtio 1.2, 4.2.2), as Linux's virtio_mmio.c drives
 * it: devices found as "virtio,mmio" nodes in the device tree, status and feature negotiation
 * through the registers, queues set up between FEATURES_OK and DRIVER_OK, and an interrupt
 * handler that reads InterruptStatus, acknowledges it and then looks at the rings (vm_interrupt).
 */
#ifndef TINY_DRIVERS_VIRTIO_MMIO_H
#define TINY_DRIVERS_VIRTIO_MMIO_H

#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include "drivers/virtio_ring.h"
#include "lib/fdt.h"
#include "lib/types.h"

#define VIRTIO_MMIO_MAGIC   0x74726976 /* "virt" */
#define VIRTIO_MMIO_MAX_VQS 4

struct virtio_mmio_dev {
	u64 base;
	int node; /* its device-tree node */
	u32 device_id;
	u64 features;	/* offered by the device */
	u64 negotiated; /* what we accepted (FEATURES_OK stuck) */
	struct virtqueue *vqs[VIRTIO_MMIO_MAX_VQS];
	unsigned nvqs;
	bool irq_requested;
	/* Written by the interrupt handler. */
	volatile bool needs_reset; /* DEVICE_NEEDS_RESET seen after a config interrupt */
	volatile unsigned irqs, config_irqs;
};

/*
 * The next "virtio,mmio" node after node (-1: the first), or -1; *depth carries the walk's
 * nesting level from call to call, as with fdt_next_node.
 */
int virtio_mmio_next_node(struct fdt *fdt, int node, int *depth);

/*
 * vm_probe: takes the node's first reg range, checks MagicValue and Version 2, reads DeviceID
 * (0 is a placeholder without a device). Returns NULL or why the node is unusable.
 */
const char *virtio_mmio_probe(struct virtio_mmio_dev *d, struct fdt *fdt, int node);

struct boot_params;

/* What a driver tells virtio_probe_all about itself. */
struct virtio_driver {
	u32 device_id; /* VIRTIO_ID_* */
	/* Slot n's device, zeroed: where the probe records what it finds. */
	struct virtio_mmio_dev *(*slot)(void *ctx, int n);
	/* Brings up slot n once its node has been found to hold this kind of device. */
	const char *(*init)(void *ctx, int n, struct fdt *fdt);
};

/*
 * Linux's virtio_mmio platform probe for one driver: sets up the interrupt controllers and
 * the heap, then probes every virtio,mmio node in device-tree order and initialises those of
 * drv's kind, up to max. Returns how many, or -1 after printing `who: node: why`.
 */
int virtio_probe_all(struct boot_params *bp, const char *who, const struct virtio_driver *drv,
		     void *ctx, int max);

u32 vio_read(const struct virtio_mmio_dev *d, u32 off);
void vio_write(const struct virtio_mmio_dev *d, u32 off, u32 val);

u8 vio_get_status(const struct virtio_mmio_dev *d);
/* Linux's virtio_add_status: read, OR in bits, write. */
void vio_add_status(const struct virtio_mmio_dev *d, u8 bits);
/* Writes 0 and checks the device reads back 0 (reset done). Returns -1 if not. */
int vio_reset(struct virtio_mmio_dev *d);

/*
 * Reads the device's features, writes back those in `wanted` that it offers, sets
 * FEATURES_OK and checks that it stuck. VERSION_1 is required. Returns NULL or why not.
 */
const char *vio_negotiate(struct virtio_mmio_dev *d, u64 wanted);
static inline bool vio_has(const struct virtio_mmio_dev *d, unsigned bit)
{
	return d->negotiated & (1ULL << bit);
}

/*
 * vm_setup_vq: queue `index` with up to max_num entries (the device's QueueNumMax caps it),
 * rings zeroed, registers written, QueueReady set and read back. Returns NULL or why not.
 */
const char *vio_setup_vq(struct virtio_mmio_dev *d, unsigned index, struct virtqueue *vq,
			 u16 max_num, void (*callback)(struct virtqueue *), void *priv);

/* Device config space; 8-byte fields are read as two words, retried on a generation change. */
u32 vio_config_read32(const struct virtio_mmio_dev *d, u32 off);
u64 vio_config_read64(const struct virtio_mmio_dev *d, u32 off);

/* Routes the node's interrupt to vio_interrupt (once per device). Returns NULL or why not. */
const char *vio_request_irq(struct virtio_mmio_dev *d, struct fdt *fdt);
void vio_interrupt(void *dev);
/*
 * For a driver that polls: runs vio_interrupt if InterruptStatus is not 0, so a config change
 * is seen without waiting for its interrupt.
 */
void vio_poll_interrupt(struct virtio_mmio_dev *d);

#endif
