/*
 * The backend under virtio-net, and its one implementation: a Linux tap device, opened with
 * IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, so each read or write is one Ethernet frame preceded by
 * a virtio-net header, and checksum and segmentation offloads pass through to the host stack.
 * Created if it does not exist. An ops table, as for disks, so tests can put another backend
 * (a socket pair, a faulty one) under the real device code.
 */
#ifndef KVMINI_TAP_H
#define KVMINI_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "core/err.h"

/*
 * What virtio-net asks of its backend `be`. A frame is always the virtio-net header followed
 * by the Ethernet frame, and moves whole or not at all. Calls never block, wait_writable aside.
 */
struct net_backend_ops {
	const char *kind; /* names the backend in messages: "read from the tap failed" */
	/*
	 * Reads one waiting frame into buf, which has room for the largest. Returns its length,
	 * 0 when no frame waits, or -errno when the backend failed (-EPIPE: it has gone).
	 */
	ssize_t (*recv)(void *be, void *buf, size_t len);
	/*
	 * Writes one frame from iov (iovcnt <= IOV_MAX). Returns 0, or -errno: -EAGAIN when the
	 * backend's queue is full, -EIO when its link is down (this frame is lost, the backend
	 * is fine), anything else when the backend failed.
	 */
	int (*send)(void *be, const struct iovec *iov, unsigned iovcnt);
	/* Waits at most timeout_ms for room to send a frame. */
	void (*wait_writable)(void *be, int timeout_ms);
	/* A file descriptor that is readable while a frame waits, for the RX worker to sleep on. */
	int (*rx_fd)(void *be);
	/* Whether the backend can take frames whose checksum or segmentation is still to do. */
	bool (*offloads)(void *be);
	/*
	 * After feature negotiation, with the negotiated virtio-net features: lets the host hand
	 * the guest the offloaded frames the driver accepted (VIRTIO_NET_F_GUEST_*), and no
	 * others. Returns 0 or -errno. Called only when offloads() is true.
	 */
	int (*set_offload)(void *be, uint64_t features);
};

struct tap {
	int fd; /* non-blocking */
	char name[16];
	bool offloads; /* TUNSETOFFLOAD works: guest-side CSUM/TSO can be offered */
};

/*
 * The tap as a backend (be is a struct tap). It works on any descriptor that moves one frame
 * per read or write: tests use it on a SOCK_SEQPACKET socket, with offloads false. Its system
 * calls on the data path are read, writev and poll, all the net workers' sandbox allows.
 */
extern const struct net_backend_ops tap_backend_ops;

/* Returns 0, or -1 with a one-line reason (busy, not permitted, no /dev/net/tun). */
int tap_open(struct tap *t, const char *name, unsigned vnet_hdr_len, struct err *err);
void tap_close(struct tap *t);

#endif
