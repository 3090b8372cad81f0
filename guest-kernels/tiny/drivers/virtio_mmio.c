#include "drivers/virtio_mmio.h"
#include "arch/apic.h"
#include "arch/irq.h"
#include "arch/io.h"
#include "boot/boot.h"
#include "lib/heap.h"
#include "lib/printf.h"
#include "lib/string.h"

#define VIRTIO_MMIO_VERSION_2 2

int virtio_mmio_next_node(struct fdt *fdt, int node, int *depth)
{
	while ((node = fdt_next_node(fdt, node, depth)) >= 0) {
		u32 len;
		const u8 *val = fdt_getprop(fdt, node, "compatible", &len);

		/* The first string is enough: nobody lists virtio,mmio as a fallback. */
		if (val && len >= 12 && !strcmp((const char *)val, "virtio,mmio"))
			return node;
	}
	return -1;
}

u32 vio_read(const struct virtio_mmio_dev *d, u32 off)
{
	return mmio_read32(d->base + off);
}

void vio_write(const struct virtio_mmio_dev *d, u32 off, u32 val)
{
	mmio_write32(d->base + off, val);
}

/* The node's first reg address, in the parent's #address-cells (1 or 2, default 2). */
static bool node_reg(struct fdt *fdt, int node, u64 *addr)
{
	u32 ac = 2, cells[2];

	fdt_getprop_u32(fdt, fdt_parent(fdt, node), "#address-cells", &ac);
	if ((ac != 1 && ac != 2) || fdt_read_cells(fdt, node, "reg", cells, 2) < (int)ac)
		return false;
	*addr = ac == 1 ? cells[0] : (u64)cells[0] << 32 | cells[1];
	return phys_ok(*addr, VIRTIO_MMIO_CONFIG + 0x100);
}

const char *virtio_mmio_probe(struct virtio_mmio_dev *d, struct fdt *fdt, int node)
{
	memset(d, 0, sizeof(*d));
	d->node = node;
	if (!node_reg(fdt, node, &d->base))
		return "no usable reg";
	if (vio_read(d, VIRTIO_MMIO_MAGIC_VALUE) != VIRTIO_MMIO_MAGIC)
		return "bad MagicValue";
	if (vio_read(d, VIRTIO_MMIO_VERSION) != VIRTIO_MMIO_VERSION_2)
		return "not a version 2 (modern) virtio-mmio device";
	d->device_id = vio_read(d, VIRTIO_MMIO_DEVICE_ID);
	return NULL;
}

u8 vio_get_status(const struct virtio_mmio_dev *d)
{
	return (u8)vio_read(d, VIRTIO_MMIO_STATUS);
}

void vio_add_status(const struct virtio_mmio_dev *d, u8 bits)
{
	vio_write(d, VIRTIO_MMIO_STATUS, vio_get_status(d) | bits);
}

int vio_reset(struct virtio_mmio_dev *d)
{
	vio_write(d, VIRTIO_MMIO_STATUS, 0);
	d->needs_reset = false;
	d->nvqs = 0;
	d->negotiated = 0;
	/* The spec lets a device take its time; kvmini resets within the register write. */
	return vio_get_status(d) ? -1 : 0;
}

const char *vio_negotiate(struct virtio_mmio_dev *d, u64 wanted)
{
	vio_write(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	d->features = (u64)vio_read(d, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	vio_write(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	d->features |= vio_read(d, VIRTIO_MMIO_DEVICE_FEATURES);
	if (!(d->features & (1ULL << VIRTIO_F_VERSION_1)))
		return "device does not offer VIRTIO_F_VERSION_1";

	d->negotiated = d->features & wanted;
	vio_write(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	vio_write(d, VIRTIO_MMIO_DRIVER_FEATURES, (u32)(d->negotiated >> 32));
	vio_write(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	vio_write(d, VIRTIO_MMIO_DRIVER_FEATURES, (u32)d->negotiated);
	vio_add_status(d, VIRTIO_CONFIG_S_FEATURES_OK);
	if (!(vio_get_status(d) & VIRTIO_CONFIG_S_FEATURES_OK))
		return "device refused our features (FEATURES_OK did not stick)";
	return NULL;
}

const char *vio_setup_vq(struct virtio_mmio_dev *d, unsigned index, struct virtqueue *vq,
			 u16 max_num, void (*callback)(struct virtqueue *), void *priv)
{
	if (d->nvqs >= VIRTIO_MMIO_MAX_VQS)
		return "too many queues";
	vio_write(d, VIRTIO_MMIO_QUEUE_SEL, index);
	if (vio_read(d, VIRTIO_MMIO_QUEUE_READY))
		return "queue already set up";
	u32 num_max = vio_read(d, VIRTIO_MMIO_QUEUE_NUM_MAX);
	if (!num_max)
		return "queue not available (QueueNumMax 0)";
	u16 num = max_num;
	while (num > num_max)
		num >>= 1;
	if (!num || vq_alloc(vq, max_num))
		return "no memory for the rings";

	vq_init(vq, index, d->base + VIRTIO_MMIO_QUEUE_NOTIFY, num,
		vio_has(d, VIRTIO_RING_F_INDIRECT_DESC), vio_has(d, VIRTIO_RING_F_EVENT_IDX),
		callback, priv);
	vio_write(d, VIRTIO_MMIO_QUEUE_NUM, num);
	vio_write(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (u32)vq_desc_addr(vq));
	vio_write(d, VIRTIO_MMIO_QUEUE_DESC_HIGH, (u32)(vq_desc_addr(vq) >> 32));
	vio_write(d, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (u32)vq_avail_addr(vq));
	vio_write(d, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (u32)(vq_avail_addr(vq) >> 32));
	vio_write(d, VIRTIO_MMIO_QUEUE_USED_LOW, (u32)vq_used_addr(vq));
	vio_write(d, VIRTIO_MMIO_QUEUE_USED_HIGH, (u32)(vq_used_addr(vq) >> 32));
	vio_write(d, VIRTIO_MMIO_QUEUE_READY, 1);
	/* One read at set-up, not per request: a refused queue is better found now. */
	if (!vio_read(d, VIRTIO_MMIO_QUEUE_READY))
		return "device refused the queue (QueueReady stayed 0)";
	d->vqs[d->nvqs++] = vq;
	return NULL;
}

u32 vio_config_read32(const struct virtio_mmio_dev *d, u32 off)
{
	return vio_read(d, VIRTIO_MMIO_CONFIG + off);
}

u64 vio_config_read64(const struct virtio_mmio_dev *d, u32 off)
{
	u32 gen, lo, hi;

	do {
		gen = vio_read(d, VIRTIO_MMIO_CONFIG_GENERATION);
		lo = vio_config_read32(d, off);
		hi = vio_config_read32(d, off + 4);
	} while (gen != vio_read(d, VIRTIO_MMIO_CONFIG_GENERATION));
	return (u64)hi << 32 | lo;
}

void vio_interrupt(void *dev)
{
	struct virtio_mmio_dev *d = dev;
	u32 status = vio_read(d, VIRTIO_MMIO_INTERRUPT_STATUS);

	/* Acknowledge first: an edge for a completion after this point comes as a new interrupt. */
	vio_write(d, VIRTIO_MMIO_INTERRUPT_ACK, status);
	d->irqs++;
	if (status & VIRTIO_MMIO_INT_CONFIG) {
		d->config_irqs++;
		if (vio_get_status(d) & VIRTIO_CONFIG_S_NEEDS_RESET)
			d->needs_reset = true;
	}
	if (status & VIRTIO_MMIO_INT_VRING) {
		for (unsigned i = 0; i < d->nvqs; i++)
			vq_interrupt(d->vqs[i]);
	}
}

/* For the lost-wakeup fallback: InterruptStatus is read without acknowledging anything. */
static bool vio_irq_pending(void *dev)
{
	const struct virtio_mmio_dev *d = dev;

	return vio_read(d, VIRTIO_MMIO_INTERRUPT_STATUS) != 0;
}

void vio_poll_interrupt(struct virtio_mmio_dev *d)
{
	if (vio_irq_pending(d))
		vio_interrupt(d);
}

const char *vio_request_irq(struct virtio_mmio_dev *d, struct fdt *fdt)
{
	if (d->irq_requested)
		return NULL;
	const char *err = irq_request_dt(fdt, d->node, vio_interrupt, d);
	if (!err) {
		d->irq_requested = true;
		irq_set_probe(vio_interrupt, d, vio_irq_pending);
	}
	return err;
}

int virtio_probe_all(struct boot_params *bp, const char *who, const struct virtio_driver *drv,
		     void *ctx, int max)
{
	static struct fdt fdt;
	const char *err = boot_dt(bp, &fdt);
	int n = 0, depth = 0;

	if (!err)
		err = apic_init(&fdt);
	if (err) {
		printf("%s: %s\n", who, err);
		return -1;
	}
	heap_init(bp);
	for (int node = virtio_mmio_next_node(&fdt, -1, &depth); node >= 0 && n < max;
	     node = virtio_mmio_next_node(&fdt, node, &depth)) {
		struct virtio_mmio_dev *d = drv->slot(ctx, n);
		const char *name = fdt_node_name(&fdt, node);

		err = virtio_mmio_probe(d, &fdt, node);
		if (!err && d->device_id != drv->device_id)
			continue; /* another kind of device, or a placeholder (0) */
		if (!err)
			err = drv->init(ctx, n, &fdt);
		if (err) {
			printf("%s: %s: %s\n", who, name, err);
			return -1;
		}
		n++;
	}
	return n;
}
