#include "drivers/virtio_net.h"
#include "arch/apic.h"
#include "arch/irq.h"
#include "boot/boot.h"
#include "lib/cmdline.h"
#include "lib/heap.h"
#include "lib/net_clock.h"
#include "lib/printf.h"
#include "lib/string.h"

#define F(bit)	   (1ULL << (bit))
#define CFG(field) ((u32) __builtin_offsetof(struct virtio_net_config, field))
#define RXQ	   0
#define TXQ	   1
/*
 * Two bytes before the header in each 64-byte aligned buffer we own: then the Ethernet header
 * starts at 14, the IP header at 28 and a UDP payload at 56, all aligned (Linux's NET_IP_ALIGN).
 */
#define IP_ALIGN   2
#define FRAME_OFF  (IP_ALIGN + VNET_HDR_LEN)
#define ROUND64(x) (((x) + 63) & ~63u)

static bool cmdline_flag(const char *key, bool dflt)
{
	u64 v;

	return cmdline_get_u64(key, &v) >= 0 ? v != 0 : dflt;
}

void vnet_opts_from_cmdline(struct vnet_opts *o)
{
	u64 rxbuf = VNET_RXBUF_DEFAULT, rxbufs = 0;

	o->indirect = cmdline_flag("vindirect", true);
	o->event_idx = cmdline_flag("veventidx", true);
	o->mrg = cmdline_flag("vmrg", true);
	cmdline_get_u64("vrxbuf", &rxbuf);
	cmdline_get_u64("vrxbufs", &rxbufs);
	o->rxbufs = rxbufs > VNET_QUEUE_SIZE ? VNET_QUEUE_SIZE : (unsigned)rxbufs;
	o->rxbuf = rxbuf < VNET_RXBUF_MIN   ? VNET_RXBUF_MIN
		   : rxbuf > VNET_RXBUF_MAX ? VNET_RXBUF_MAX
					    : (unsigned)rxbuf;
}

/* Device config fields are read at their own width (virtio 1.2, 4.2.2.2). */
static u8 cfg_read8(const struct virtio_net *n, u32 off)
{
	return *(volatile u8 *)(uintptr_t)(n->vdev.base + VIRTIO_MMIO_CONFIG + off);
}

static u16 cfg_read16(const struct virtio_net *n, u32 off)
{
	return *(volatile u16 *)(uintptr_t)(n->vdev.base + VIRTIO_MMIO_CONFIG + off);
}

/* The MAC is six byte fields: read them all within one config generation. */
static void read_mac(struct virtio_net *n)
{
	u32 gen;

	do {
		gen = vio_read(&n->vdev, VIRTIO_MMIO_CONFIG_GENERATION);
		for (u32 i = 0; i < 6; i++)
			n->mac[i] = cfg_read8(n, CFG(mac) + i);
	} while (gen != vio_read(&n->vdev, VIRTIO_MMIO_CONFIG_GENERATION));
}

static void rx_done(struct virtqueue *vq)
{
	struct virtio_net *n = vq->priv;

	/* virtnet_napi_schedule: no more interrupts until the poll has run. */
	vq_disable_cb(vq);
	n->rx_scheduled = true;
}

static void tx_done(struct virtqueue *vq)
{
	struct virtio_net *n = vq->priv;

	/* skb_xmit_done: the waiter reaps; we only wanted to wake it. */
	vq_disable_cb(vq);
	n->tx_wake = true;
}

static const char *alloc_buffers(struct virtio_net *n)
{
	if (n->rx_mem)
		return NULL; /* a re-initialisation keeps the memory */
	/* Without MRG_RXBUF a buffer must hold the largest frame kvmini may deliver. */
	u32 rx_len = n->opts.mrg ? n->opts.rxbuf : VNET_HDR_LEN + n->max_frame + 4;
	n->rx_stride = ROUND64(IP_ALIGN + rx_len);
	n->rx_mem = heap_alloc((u64)VNET_QUEUE_SIZE * n->rx_stride);
	n->asm_buf = heap_alloc(FRAME_OFF + n->max_frame + 4);
	/* 8 spare bytes: a writer may store whole words past the frame's end. */
	n->tx_slot_len = ROUND64(FRAME_OFF + n->max_frame + 8);
	n->tx_mem = heap_alloc((u64)VNET_QUEUE_SIZE * n->tx_slot_len);
	n->tx_free = heap_alloc(VNET_QUEUE_SIZE * sizeof(u8 *));
	if (!n->rx_mem || !n->asm_buf || !n->tx_mem || !n->tx_free)
		return "out of memory for buffers";
	n->rx_buf_len = rx_len;
	return NULL;
}

static int post_rx(struct virtio_net *n, u8 *buf)
{
	struct vq_sg sg = {(u64)(uintptr_t)buf, n->rx_buf_len, true};

	return vq_add(&n->rxq, &sg, 1, buf);
}

/* try_fill_recv at start-up: every descriptor gets a buffer. */
static const char *fill_rx(struct virtio_net *n)
{
	unsigned count =
	    n->opts.rxbufs && n->opts.rxbufs < n->rxq.num ? n->opts.rxbufs : n->rxq.num;

	for (unsigned i = 0; i < count; i++) {
		u8 *buf = n->rx_mem + (u64)i * n->rx_stride + IP_ALIGN;

		if (post_rx(n, buf))
			return "cannot post receive buffers";
	}
	/* The device has not started yet; DRIVER_OK starts it and it reads the ring then. */
	return NULL;
}

static void init_tx_slots(struct virtio_net *n)
{
	/* Each frame is header + data: two descriptors, or one indirect table. */
	n->tx_nslots = n->txq.num / vq_descs_needed(&n->txq, 2);
	n->tx_nfree = 0;
	for (unsigned i = 0; i < n->tx_nslots; i++)
		n->tx_free[n->tx_nfree++] = n->tx_mem + (u64)i * n->tx_slot_len;
}

const char *vnet_init(struct virtio_net *n)
{
	struct virtio_mmio_dev *d = &n->vdev;
	u64 wanted = F(VIRTIO_F_VERSION_1) | F(VIRTIO_NET_F_MAC) | F(VIRTIO_NET_F_STATUS) |
		     F(VIRTIO_NET_F_MTU);
	const char *err;

	if (n->opts.mrg)
		wanted |= F(VIRTIO_NET_F_MRG_RXBUF);
	if (n->opts.indirect)
		wanted |= F(VIRTIO_RING_F_INDIRECT_DESC);
	if (n->opts.event_idx)
		wanted |= F(VIRTIO_RING_F_EVENT_IDX);
	if (vio_reset(d))
		return "device did not reset (Status not 0 after writing 0)";
	vio_add_status(d, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	vio_add_status(d, VIRTIO_CONFIG_S_DRIVER);
	err = vio_negotiate(d, wanted);
	if (err)
		goto fail;
	n->opts.mrg = vio_has(d, VIRTIO_NET_F_MRG_RXBUF);
	if (vio_has(d, VIRTIO_NET_F_MAC)) {
		read_mac(n);
	} else {
		/* Linux picks a random one; a fixed locally administered address will do. */
		static const u8 fallback[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
		memcpy(n->mac, fallback, 6);
		n->mac[5] = (u8)(n->mac[5] + n->index);
	}
	n->mtu = vio_has(d, VIRTIO_NET_F_MTU) ? cfg_read16(n, CFG(mtu)) : 1500;
	if (n->mtu < 68) {
		err = "device MTU below the IPv4 minimum of 68";
		goto fail;
	}
	n->link_up =
	    !vio_has(d, VIRTIO_NET_F_STATUS) || (cfg_read16(n, CFG(status)) & VIRTIO_NET_S_LINK_UP);
	n->max_frame = VNET_ETH_HLEN + n->mtu;
	err = alloc_buffers(n);
	if (err)
		goto fail;

	/* vm_find_vqs: the interrupt first, then receive and transmit queues. */
	err = vio_request_irq(d, n->fdt);
	if (!err)
		err = vio_setup_vq(d, RXQ, &n->rxq, VNET_QUEUE_SIZE, rx_done, n);
	if (!err)
		err = vio_setup_vq(d, TXQ, &n->txq, VNET_QUEUE_SIZE, tx_done, n);
	if (err)
		goto fail;
	vq_disable_cb(&n->txq); /* completions are reaped when a slot is wanted */
	init_tx_slots(n);
	n->asm_left = 0;
	n->rx_scheduled = n->tx_wake = false;
	err = fill_rx(n);
	if (err)
		goto fail;
	vio_add_status(d, VIRTIO_CONFIG_S_DRIVER_OK);
	if (vio_get_status(d) & VIRTIO_CONFIG_S_NEEDS_RESET) {
		err = "device set DEVICE_NEEDS_RESET at DRIVER_OK";
		goto fail;
	}
	/* Buffers posted before DRIVER_OK: the device looks at the ring as it starts. */
	vq_kick(&n->rxq);
	return NULL;
fail:
	vio_add_status(d, VIRTIO_CONFIG_S_FAILED);
	return err;
}

struct vnet_probe {
	struct virtio_net *nics;
	const struct vnet_opts *opts;
};

static struct virtio_mmio_dev *vnet_slot(void *ctx, int n)
{
	struct virtio_net *nic = &((struct vnet_probe *)ctx)->nics[n];

	memset(nic, 0, sizeof(*nic));
	return &nic->vdev;
}

static const char *vnet_probe_init(void *ctx, int n, struct fdt *fdt)
{
	struct vnet_probe *p = ctx;
	struct virtio_net *nic = &p->nics[n];

	nic->index = (unsigned)n;
	nic->fdt = fdt;
	nic->opts = *p->opts;
	return vnet_init(nic);
}

int vnet_probe_all(struct boot_params *bp, const char *who, const struct vnet_opts *o,
		   struct virtio_net *nics, int max)
{
	static const struct virtio_driver drv = {VIRTIO_ID_NET, vnet_slot, vnet_probe_init};
	struct vnet_probe p = {nics, o};

	return virtio_probe_all(bp, who, &drv, &p, max);
}

const char *vnet_failure(const struct virtio_net *n)
{
	if (n->vdev.needs_reset)
		return "device needs a reset (DEVICE_NEEDS_RESET)";
	if (n->rxq.broken || n->txq.broken)
		return "device returned a bad used entry";
	if (net_watchdog_fired())
		return "no answer before the watchdog fired";
	return NULL;
}

/* free_old_xmit_skbs: every slot the device has finished with goes back on the stack. */
static void reap_tx(struct virtio_net *n)
{
	u8 *slot;
	u32 len;

	while ((slot = vq_get_buf(&n->txq, &len)))
		n->tx_free[n->tx_nfree++] = slot;
}

/*
 * Sleeps until the device completes another transmission (or the wait must give up). With
 * interrupts off between the check and hlt, a completion cannot slip past unnoticed.
 */
static bool wait_tx(struct virtio_net *n)
{
	unsigned long flags = irq_save();
	bool ok = true;

	n->tx_wake = false;
	/* virtqueue_enable_cb false: more came in meanwhile, reap them without sleeping. */
	if (vq_enable_cb(&n->txq)) {
		while (!n->tx_wake && !vnet_failure(n))
			wait_for_irq();
	}
	vq_disable_cb(&n->txq);
	if (vnet_failure(n))
		ok = false;
	irq_restore(flags);
	reap_tx(n);
	return ok;
}

u8 *vnet_tx_buf(struct virtio_net *n)
{
	reap_tx(n);
	while (!n->tx_nfree) {
		if (!wait_tx(n)) {
			printf("virtio-net: nic %u: no transmit buffer: %s\n", n->index,
			       vnet_failure(n));
			return NULL;
		}
	}
	return n->tx_free[--n->tx_nfree] + FRAME_OFF;
}

int vnet_tx_submit(struct virtio_net *n, u8 *frame, u32 len)
{
	u8 *hdr = frame - VNET_HDR_LEN;
	/* No offloads: flags 0, GSO_NONE, and num_buffers is the device's field. */
	struct vq_sg sg[2] = {
	    {(u64)(uintptr_t)hdr, VNET_HDR_LEN, false},
	    {(u64)(uintptr_t)frame, len, false},
	};

	memset(hdr, 0, VNET_HDR_LEN);
	if (len > n->max_frame || vq_add(&n->txq, sg, 2, hdr - IP_ALIGN)) {
		/* Never for want of descriptors: each slot has its own. */
		printf("virtio-net: nic %u: cannot queue a %u-byte frame\n", n->index, len);
		n->tx_free[n->tx_nfree++] = hdr - IP_ALIGN;
		return -1;
	}
	n->tx_frames++;
	if (vq_kick_prepare(&n->txq))
		vq_notify(&n->txq);
	return 0;
}

int vnet_send(struct virtio_net *n, const void *frame, u32 len)
{
	u8 *buf = vnet_tx_buf(n);

	if (!buf)
		return -1;
	memcpy(buf, frame, len);
	return vnet_tx_submit(n, buf, len);
}

int vnet_tx_drain(struct virtio_net *n)
{
	reap_tx(n);
	while (n->tx_nfree < n->tx_nslots) {
		if (!wait_tx(n)) {
			printf("virtio-net: nic %u: %u frames never sent: %s\n", n->index,
			       n->tx_nslots - n->tx_nfree, vnet_failure(n));
			return -1;
		}
	}
	return 0;
}

/*
 * One used receive buffer (receive_mergeable). The first buffer of a frame carries the header
 * with num_buffers; that many buffers, in used-ring order, hold the frame. A frame in one
 * buffer is handed over in place; a longer one is copied together first. Its later buffers
 * may not be in the used ring yet (kvmini publishes them one by one): asm_left carries the
 * frame over to the next poll, where Linux would drop it.
 */
static void rx_one(struct virtio_net *n, u8 *buf, u32 len, vnet_rx_fn fn, void *ctx,
		   unsigned *frames)
{
	u8 *data = buf;
	u32 dlen = len;

	if (!n->asm_left) {
		const struct virtio_net_hdr_mrg_rxbuf *h = (const void *)buf;
		u16 nb = n->opts.mrg ? h->num_buffers : 1;

		if (len < VNET_HDR_LEN || !nb) {
			n->rx_dropped++;
			return;
		}
		data += VNET_HDR_LEN;
		dlen -= VNET_HDR_LEN;
		if (nb == 1) {
			if (dlen < VNET_ETH_HLEN || dlen > n->max_frame + 4) {
				n->rx_dropped++;
				return;
			}
			n->rx_frames++;
			(*frames)++;
			fn(ctx, n, data, dlen);
			return;
		}
		n->asm_left = nb;
		n->asm_len = 0;
		n->asm_bad = false;
		n->rx_merged++;
	}
	/* At FRAME_OFF the copy is aligned like a frame in one buffer. */
	if (n->asm_len + dlen > n->max_frame + 4)
		n->asm_bad = true;
	if (!n->asm_bad) {
		memcpy(n->asm_buf + FRAME_OFF + n->asm_len, data, dlen);
		n->asm_len += dlen;
	}
	if (--n->asm_left)
		return;
	if (n->asm_bad || n->asm_len < VNET_ETH_HLEN) {
		n->rx_dropped++;
		return;
	}
	n->rx_frames++;
	(*frames)++;
	fn(ctx, n, n->asm_buf + FRAME_OFF, n->asm_len);
}

unsigned vnet_rx_poll(struct virtio_net *n, vnet_rx_fn fn, void *ctx)
{
	unsigned frames = 0, posted = 0;
	u8 *buf;
	u32 len;

	n->rx_scheduled = false;
	for (;;) {
		while ((buf = vq_get_buf(&n->rxq, &len))) {
			rx_one(n, buf, len, fn, ctx, &frames);
			/* Handled (or copied): the buffer can take another frame right away. */
			if (!post_rx(n, buf))
				posted++;
		}
		/*
		 * Without EVENT_IDX kick_prepare says yes whenever kicks are on: only after adding.
		 */
		if (posted && vq_kick_prepare(&n->rxq))
			vq_notify(&n->rxq);
		posted = 0;
		/* virtqueue_napi_complete: interrupts back on, then one more look. */
		if (n->rxq.broken || vq_enable_cb(&n->rxq))
			break;
		vq_disable_cb(&n->rxq);
	}
	if (n->asm_left)
		n->rx_split++;
	return frames;
}
