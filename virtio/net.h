/*
 * virtio-net (virtio 1.2, section 5.1) over a network backend (devices/tap.h: the tap).
 * Queue 0 receives, queue 1 transmits, each on its own worker thread: TX wakes on its kick,
 * RX on the backend having a frame and on the driver adding buffers. A frame that cannot be
 * delivered or sent is dropped and counted, never a crash or a spin.
 */
#ifndef KVMINI_VIRTIO_NET_H
#define KVMINI_VIRTIO_NET_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <linux/virtio_net.h>

#include "devices/tap.h"
#include "virtio/device.h"

#define NET_RXQ	       0
#define NET_TXQ	       1
#define NET_QUEUE_SIZE 256
#define NET_HDR_LEN    ((unsigned)sizeof(struct virtio_net_hdr_mrg_rxbuf)) /* 12 */
#define NET_MAX_FRAME  (65535 + 14) /* a GSO frame: IP's 64 KiB plus Ethernet */
#define NET_MAX_CHAINS 64	    /* receive buffers one frame may span */

struct virtio_net {
	const struct net_backend_ops *be_ops; /* the only way to the backend */
	void *be;
	bool offloads; /* the backend takes offloaded frames: GUEST_CSUM/TSO are offered */
	const char *name;
	struct virtio_net_config config;
	uint64_t features; /* negotiated */

	/* Receive side, owned by the RX worker. */
	uint8_t *rx_buf;
	size_t rx_len;
	bool rx_pending;   /* a frame read from the backend, waiting for guest buffers */
	bool backend_dead; /* the backend failed (tap deleted?): stop using it */
	/* TX worker: the backend stayed full; drop without waiting until it drains. */
	bool tx_congested;

	atomic_ullong rx_frames, tx_frames, rx_bytes, tx_bytes;
	atomic_ullong rx_dropped; /* frames the guest had no (or too small) buffers for */
	atomic_ullong tx_dropped; /* malformed or oversized chains, or the tap refused */
	atomic_bool error_reported;
	char error[160];
};

extern const struct virtio_device_ops virtio_net_ops;

/*
 * Over the backend be (e.g. &tap_backend_ops and a struct tap). mac NULL derives a stable one
 * from name; mtu 0 means 1500. Returns 0, or -1 out of memory.
 */
int virtio_net_init(struct virtio_net *n, const struct net_backend_ops *be_ops, void *be,
		    const char *name, const uint8_t *mac, unsigned mtu);
void virtio_net_destroy(struct virtio_net *n);

/* "02:6b:76:xx:xx:xx", a locally administered address that stays the same for a name. */
void virtio_net_derive_mac(const char *name, uint8_t mac[6]);

#endif
