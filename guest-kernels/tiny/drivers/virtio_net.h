/*
 * virtio-net (virtio 1.2, 5.1) over virtio-mmio, as Linux's virtio_net.c drives it with
 * mergeable receive buffers: queue 0 receives, queue 1 transmits; the receive queue is kept
 * full of fixed-size buffers, a frame the device spreads over several of them (num_buffers in
 * the header of the first) is put back together, and each consumed buffer is posted again. An
 * interrupt only schedules the receive work (NAPI): the caller runs vnet_rx_poll, which reaps,
 * hands frames over, refills, and turns interrupts back on. Transmit completions are reaped
 * when a buffer is needed; their interrupt is asked for only while waiting for room.
 *
 * Features: VERSION_1, MAC, STATUS, MTU, MRG_RXBUF, and the ring's INDIRECT_DESC and EVENT_IDX.
 * No checksum or segmentation offloads: every frame is complete, with its checksums, both ways.
 *
 * Command-line knobs (for tests): vindirect=0 / veventidx=0 refuse INDIRECT_DESC / EVENT_IDX
 * (as for virtio-blk), vmrg=0 refuses MRG_RXBUF (then every receive buffer holds a whole
 * frame), vrxbuf=BYTES sets the mergeable buffer size (256-4096, default 2048), vrxbufs=N keeps
 * only N receive buffers posted (default: the whole queue).
 */
#ifndef TINY_DRIVERS_VIRTIO_NET_H
#define TINY_DRIVERS_VIRTIO_NET_H

#include <asm/bootparam.h>
#include <linux/virtio_net.h>
#include "drivers/virtio_mmio.h"
#include "lib/fdt.h"
#include "lib/types.h"

#define VNET_MAX_NICS	   4
#define VNET_QUEUE_SIZE	   128 /* min(QueueNumMax, this) for each queue */
#define VNET_HDR_LEN	   12 /* struct virtio_net_hdr_mrg_rxbuf: always this size with VERSION_1 */
#define VNET_ETH_HLEN	   14
#define VNET_RXBUF_DEFAULT 2048
#define VNET_RXBUF_MIN	   256 /* kvmini merges at most 64 buffers: 9018 bytes need 36 of these */
#define VNET_RXBUF_MAX	   4096

struct vnet_opts {
	bool indirect, event_idx, mrg;
	unsigned rxbuf;	 /* bytes per mergeable receive buffer */
	unsigned rxbufs; /* receive buffers kept posted; 0: one per descriptor */
};

struct virtio_net {
	struct virtio_mmio_dev vdev;
	unsigned index; /* NIC number: order among the virtio-net nodes of the device tree */
	struct fdt *fdt;
	struct vnet_opts opts;
	u8 mac[6];
	u16 mtu;       /* config.mtu with VIRTIO_NET_F_MTU, else 1500 */
	bool link_up;  /* config.status with VIRTIO_NET_F_STATUS, else assumed */
	u32 max_frame; /* the longest frame (from the Ethernet header) we send or accept */
	struct virtqueue rxq, txq;

	/* Receive: buffers of rx_buf_len, each posted as one device-writable descriptor. */
	u8 *rx_mem;
	u32 rx_buf_len, rx_stride;
	u8 *asm_buf; /* a frame spread over several buffers, put back together */
	u32 asm_len;
	u16 asm_left;		    /* buffers of the frame still to come */
	bool asm_bad;		    /* too long: consume its buffers, deliver nothing */
	volatile bool rx_scheduled; /* set by the interrupt: run vnet_rx_poll */

	/* Transmit: slots of tx_slot_len, each header + frame; free ones on a stack. */
	u8 *tx_mem;
	u32 tx_slot_len;
	u8 **tx_free;
	unsigned tx_nfree, tx_nslots;
	volatile bool tx_wake; /* set by the interrupt while we wait for room */

	/* Statistics. */
	unsigned rx_frames, rx_merged, rx_dropped, tx_frames;
	unsigned rx_split; /* polls that found a merged frame only partly in the used ring */
};

/* Options from the command line (see above). */
void vnet_opts_from_cmdline(struct vnet_opts *o);

/*
 * Finds every virtio-net node in the device tree (device tree, interrupt controllers and heap
 * set up on the way) and initialises each with vnet_init. Returns how many, or -1 after
 * printing why (prefixed with `who`).
 */
int vnet_probe_all(struct boot_params *bp, const char *who, const struct vnet_opts *o,
		   struct virtio_net *nics, int max);

/*
 * Linux's order: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK, config (MAC, MTU,
 * status), queues and interrupt, receive buffers, DRIVER_OK. Returns NULL or why not.
 */
const char *vnet_init(struct virtio_net *n);

/*
 * Transmit. vnet_tx_buf returns room for one frame of up to max_frame bytes (reaping finished
 * sends, and sleeping while none is free); vnet_tx_submit queues it (len bytes from the
 * Ethernet header on) and kicks if the device wants a kick. vnet_send copies a frame. Each
 * returns NULL / -1 only when the device needs a reset, a ring broke or the clock's watchdog
 * fired (see lib/net_clock.h), after printing why.
 */
u8 *vnet_tx_buf(struct virtio_net *n);
int vnet_tx_submit(struct virtio_net *n, u8 *frame, u32 len);
int vnet_send(struct virtio_net *n, const void *frame, u32 len);
/* Sleeps until the device has finished every frame queued so far. Returns -1 as above. */
int vnet_tx_drain(struct virtio_net *n);

/*
 * Receive (NAPI poll): hands every complete frame the device has used to fn (frame from the
 * Ethernet header, len bytes; valid only during the call), posts the buffers again, kicks if
 * needed and re-enables the interrupt. fn may transmit. Returns the frames handed over.
 */
typedef void (*vnet_rx_fn)(void *ctx, struct virtio_net *n, u8 *frame, u32 len);
unsigned vnet_rx_poll(struct virtio_net *n, vnet_rx_fn fn, void *ctx);

/* Why this NIC cannot go on (DEVICE_NEEDS_RESET, a broken ring), or NULL. */
const char *vnet_failure(const struct virtio_net *n);

#endif
