#include "virtio/net.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <linux/virtio_ids.h>

#define F(bit) (1ULL << (bit))

static bool has(const struct virtio_net *n, unsigned bit)
{
	return n->features & F(bit);
}

static uint64_t net_features(void *dev)
{
	struct virtio_net *n = dev;
	uint64_t f = F(VIRTIO_NET_F_MAC) | F(VIRTIO_NET_F_STATUS) | F(VIRTIO_NET_F_MRG_RXBUF) |
		     F(VIRTIO_NET_F_MTU) | F(VIRTIO_NET_F_CSUM) | F(VIRTIO_NET_F_HOST_TSO4) |
		     F(VIRTIO_NET_F_HOST_TSO6);
	/* Frames the host stack may hand the guest still needing a checksum or segmentation. */
	if (n->offloads)
		f |= F(VIRTIO_NET_F_GUEST_CSUM) | F(VIRTIO_NET_F_GUEST_TSO4) |
		     F(VIRTIO_NET_F_GUEST_TSO6);
	return f;
}

static const void *net_config(void *dev)
{
	struct virtio_net *n = dev;
	return &n->config;
}

static int net_activate(void *dev, uint64_t features)
{
	struct virtio_net *n = dev;
	n->features = features;
	/* The backend hands the guest only the offloaded frames its driver accepted. */
	if (n->offloads && n->be_ops->set_offload(n->be, features))
		return -1;
	return 0;
}

static void net_reset(void *dev)
{
	struct virtio_net *n = dev;
	n->features = 0;
	n->rx_pending = false;
	n->tx_congested = false;
}

/* The backend went away or broke: say so once, then drop quietly. op: "read from". */
static void backend_failed(struct virtio_net *n, const char *op, int e)
{
	n->backend_dead = true;
	if (!atomic_exchange(&n->error_reported, true)) {
		snprintf(n->error, sizeof(n->error), "%s: %s the %s failed: %s; network link down",
			 n->name, op, n->be_ops->kind, strerror(e));
		fprintf(stderr, "kvmini: %s\n", n->error);
	}
}

/* The largest frame (after the header) the driver may send or be sent. */
static size_t frame_limit(const struct virtio_net *n)
{
	if (has(n, VIRTIO_NET_F_HOST_TSO4) || has(n, VIRTIO_NET_F_HOST_TSO6) ||
	    has(n, VIRTIO_NET_F_GUEST_TSO4) || has(n, VIRTIO_NET_F_GUEST_TSO6))
		return NET_MAX_FRAME;
	return (size_t)n->config.mtu + 14 + 4; /* Ethernet header and a VLAN tag */
}

#define TX_WAIT_MS 10 /* how long a frame may wait for room in a full backend */

/*
 * One frame to the backend. A backend whose queue is full gets one short wait; if it is
 * still full the frame is dropped, and so is every frame after it, without waiting, until a
 * send succeeds again. So a backend that stops draining costs a queue worker at most
 * TX_WAIT_MS per pass, and never holds up a reset or shutdown that waits for the worker.
 */
static bool send_frame(struct virtio_net *n, const struct iovec *iov, unsigned cnt)
{
	int rc = n->be_ops->send(n->be, iov, cnt);
	if (rc == -EAGAIN && !n->tx_congested) {
		n->be_ops->wait_writable(n->be, TX_WAIT_MS);
		rc = n->be_ops->send(n->be, iov, cnt);
	}
	switch (rc) {
	case 0:
		n->tx_congested = false;
		return true;
	case -EAGAIN: /* still full: this frame and those after it go without waiting */
		n->tx_congested = true;
		return false;
	case -EIO: /* the link is down: this frame is lost, not the device */
		return false;
	default:
		backend_failed(n, "write to", -rc);
		return false;
	}
}

static void tx(struct virtio_net *n, struct virtq *vq, struct virtq_elem *e)
{
	for (unsigned k = 0; k < vq->size && virtq_pop(vq, e) > 0; k++) {
		/* Drop, count, go on: a transmit chain is all device-readable, header first. */
		size_t frame = e->out_len >= NET_HDR_LEN ? e->out_len - NET_HDR_LEN : 0;
		bool ok = !e->nin && e->out_len >= NET_HDR_LEN && frame <= frame_limit(n) &&
			  !n->backend_dead && e->nout <= IOV_MAX;
		if (ok)
			ok = send_frame(n, e->iov, e->nout);
		if (ok) {
			atomic_fetch_add(&n->tx_frames, 1);
			atomic_fetch_add(&n->tx_bytes, frame);
		} else {
			atomic_fetch_add(&n->tx_dropped, 1);
		}
		virtq_push(vq, e->head, 0);
	}
}

/* Reads one frame from the backend into rx_buf; false when there is none (or it broke). */
static bool read_frame(struct virtio_net *n)
{
	for (;;) {
		ssize_t r = n->be_ops->recv(n->be, n->rx_buf, NET_HDR_LEN + NET_MAX_FRAME);
		if (r < 0)
			backend_failed(n, "read from", (int)-r);
		if (r <= 0)
			return false;
		if ((size_t)r <= NET_HDR_LEN) { /* a header with no frame: nothing to deliver */
			atomic_fetch_add(&n->rx_dropped, 1);
			continue;
		}
		n->rx_len = (size_t)r;
		n->rx_pending = true;
		return true;
	}
}

/* Drops the pending frame; the chains popped for it go back empty (completed, length 0). */
static bool drop_frame(struct virtio_net *n, struct virtq *vq, const uint16_t *heads,
		       unsigned chains)
{
	for (unsigned i = 0; i < chains; i++)
		virtq_push(vq, heads[i], 0);
	atomic_fetch_add(&n->rx_dropped, 1);
	n->rx_pending = false;
	return true;
}

/* Where the header's num_buffers bytes (10-11) are in a chain: they may straddle buffers. */
static void find_num_buffers(const struct virtq_elem *e, uint8_t *at[2])
{
	size_t pos = offsetof(struct virtio_net_hdr_mrg_rxbuf, num_buffers);
	unsigned k = 0;
	for (unsigned i = 0; i < e->nin && k < 2; i++) {
		const struct iovec *v = &e->iov[e->nout + i];
		while (pos < v->iov_len && k < 2)
			at[k++] = (uint8_t *)v->iov_base + pos++;
		pos -= v->iov_len;
	}
}

/*
 * Puts the pending frame into as many receive chains as it needs (one without MRG_RXBUF),
 * then completes them together. Returns false when the guest has not posted enough buffers:
 * the chains are given back, nothing is completed, and the frame waits.
 */
static bool deliver(struct virtio_net *n, struct virtq *vq, struct virtq_elem *e)
{
	bool merge = has(n, VIRTIO_NET_F_MRG_RXBUF);
	uint16_t heads[NET_MAX_CHAINS];
	uint32_t lens[NET_MAX_CHAINS];
	uint8_t *num_buffers[2] = {NULL, NULL};
	uint16_t chains = 0;
	size_t off = 0;
	while (off < n->rx_len) {
		if (chains == NET_MAX_CHAINS) {
			/* Buffers too small for this frame: it is dropped, they go back for the next. */
			virtq_unpop(vq, chains);
			return drop_frame(n, vq, heads, 0);
		}
		if (virtq_pop(vq, e) <= 0) {
			/* Give back what we took, completing nothing. */
			virtq_unpop(vq, chains);
			return false;
		}
		heads[chains] = e->head;
		lens[chains] = 0;
		chains++;
		/* A readable buffer, or a first chain without room for the header, is malformed. */
		if (e->nout || (chains == 1 && e->in_len < NET_HDR_LEN))
			return drop_frame(n, vq, heads, chains);
		if (!merge && e->in_len < n->rx_len) {
			virtq_unpop(vq, 1); /* fine for a smaller frame; this one is dropped */
			return drop_frame(n, vq, heads, 0);
		}
		size_t take = n->rx_len - off < e->in_len ? n->rx_len - off : e->in_len;
		iov_from_buf(e->iov + e->nout, e->nin, 0, n->rx_buf + off, take);
		if (chains == 1)
			find_num_buffers(e, num_buffers);
		lens[chains - 1] = (uint32_t)take;
		off += take;
	}
	*num_buffers[0] = (uint8_t)chains;
	*num_buffers[1] = (uint8_t)(chains >> 8);
	/* All buffers of a frame become used together (5.1.6.4.2): one index update. */
	virtq_push_batch(vq, heads, lens, chains);
	atomic_fetch_add(&n->rx_frames, 1);
	atomic_fetch_add(&n->rx_bytes, n->rx_len - NET_HDR_LEN);
	n->rx_pending = false;
	return true;
}

static void rx(struct virtio_net *n, struct virtq *vq, struct virtq_elem *e)
{
	/* At most a queue's worth of frames a call: a flood from the host side is batched too. */
	for (unsigned k = 0; k < vq->size && !n->backend_dead && !vq->error; k++) {
		if (!n->rx_pending && !read_frame(n))
			return;
		if (n->rx_len - NET_HDR_LEN > frame_limit(n)) {
			atomic_fetch_add(&n->rx_dropped, 1); /* bigger than the driver agreed to */
			n->rx_pending = false;
			continue;
		}
		if (!deliver(n, vq, e))
			return; /* no buffers: wait for the driver's kick, not the backend */
	}
}

static void net_handle_queue(void *dev, unsigned q, struct virtq *vq, struct virtq_elem *e)
{
	struct virtio_net *n = dev;
	if (q == NET_TXQ)
		tx(n, vq, e);
	else
		rx(n, vq, e);
}

static int net_queue_fd(void *dev, unsigned q)
{
	struct virtio_net *n = dev;
	/* Watch the backend only while a frame could go somewhere: never spin on it. */
	return q == NET_RXQ && !n->rx_pending && !n->backend_dead ? n->be_ops->rx_fd(n->be) : -1;
}

const struct virtio_device_ops virtio_net_ops = {
    .name = "virtio-net",
    .device_id = VIRTIO_ID_NET,
    .config_size = sizeof(struct virtio_net_config),
    .features = net_features,
    .config = net_config,
    .activate = net_activate,
    .handle_queue = net_handle_queue,
    .reset = net_reset,
    .queue_fd = net_queue_fd,
};

void virtio_net_derive_mac(const char *name, uint8_t mac[6])
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (const char *p = name; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	mac[0] = 0x02; /* locally administered, unicast */
	mac[1] = 0x6b;
	mac[2] = 0x76;
	mac[3] = (uint8_t)(h >> 16);
	mac[4] = (uint8_t)(h >> 8);
	mac[5] = (uint8_t)h;
}

int virtio_net_init(struct virtio_net *n, const struct net_backend_ops *be_ops, void *be,
		    const char *name, const uint8_t *mac, unsigned mtu)
{
	memset(n, 0, sizeof(*n));
	n->be_ops = be_ops;
	n->be = be;
	n->offloads = be_ops->offloads(be);
	n->name = name;
	n->rx_buf = malloc(NET_HDR_LEN + NET_MAX_FRAME);
	if (!n->rx_buf)
		return -1;
	if (mac)
		memcpy(n->config.mac, mac, 6);
	else
		virtio_net_derive_mac(name, n->config.mac);
	n->config.status = VIRTIO_NET_S_LINK_UP;
	n->config.max_virtqueue_pairs = 1;
	n->config.mtu = (uint16_t)(mtu ? mtu : 1500);
	return 0;
}

void virtio_net_destroy(struct virtio_net *n)
{
	free(n->rx_buf);
	n->rx_buf = NULL;
}
