/*
 * virtio-net on fake rings over the tap backend with a SOCK_SEQPACKET socket standing in for
 * the tap (one frame per message, like a tap fd): the header passes through, MRG_RXBUF spreads
 * a frame over several buffers, and malformed chains, missing buffers and oversized frames
 * are dropped, counted and survived. A scripted backend checks the rest of the backend
 * contract: a link that is down, a backend that fails, offloads.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <linux/virtio_config.h>

#include "virtio/mmio.h"
#include "virtio/net.h"
#include "vring_fake.h"

#define QSIZE 64
#define HDR   NET_HDR_LEN

struct fix {
	struct fake_ring rx, tx;
	struct virtq rxq, txq;
	struct virtq_elem elem;
	struct virtio_net net;
	struct tap tap; /* the device's side of a socket pair, as a tap */
	int peer;	/* the host side of the "tap" */
};

static int setup_features(void **state, uint64_t features)
{
	struct fix *f = calloc(1, sizeof(*f));
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv))
		return -1;
	f->tap = (struct tap){.fd = sv[0]};
	f->peer = sv[1];
	if (fr_init(&f->rx, QSIZE) || fr_init(&f->tx, QSIZE) ||
	    virtio_net_init(&f->net, &tap_backend_ops, &f->tap, "tap-test", NULL, 1500))
		return -1;
	f->net.features = features;
	if (virtq_init(&f->rxq, &f->rx.gm, QSIZE, FR_DESC, FR_AVAIL, FR_USED, false, true) ||
	    virtq_init(&f->txq, &f->tx.gm, QSIZE, FR_DESC, FR_AVAIL, FR_USED, false, true))
		return -1;
	*state = f;
	return 0;
}

#define F(b) (1ULL << (b))
#define MRG  F(VIRTIO_NET_F_MRG_RXBUF)

static int setup(void **state)
{
	return setup_features(state, MRG);
}

static int setup_nomrg(void **state)
{
	return setup_features(state, 0);
}

static int setup_tso(void **state)
{
	return setup_features(state, MRG | F(VIRTIO_NET_F_HOST_TSO4) | F(VIRTIO_NET_F_CSUM));
}

static int teardown(void **state)
{
	struct fix *f = *state;
	close(f->tap.fd);
	close(f->peer);
	virtio_net_destroy(&f->net);
	fr_free(&f->rx);
	fr_free(&f->tx);
	free(f);
	return 0;
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static void run_tx(struct fix *f)
{
	virtio_net_ops.handle_queue(&f->net, NET_TXQ, &f->txq, &f->elem);
}

static void run_rx(struct fix *f)
{
	virtio_net_ops.handle_queue(&f->net, NET_RXQ, &f->rxq, &f->elem);
}

/* One TX chain: header + frame, optionally split into two frame buffers. */
static void post_tx(struct fix *f, uint16_t d, size_t frame, bool split)
{
	uint8_t *hdr = fr_ptr(&f->tx, FR_DATA);
	memset(hdr, 0, HDR);
	hdr[0] = 0x55; /* a flag byte the device must pass through untouched */
	fill(fr_ptr(&f->tx, FR_DATA + 0x100), frame, 3);
	fr_desc(&f->tx, d, FR_DATA, HDR, VRING_DESC_F_NEXT, d + 1);
	if (split) {
		fr_desc(&f->tx, d + 1, FR_DATA + 0x100, 10, VRING_DESC_F_NEXT, d + 2);
		fr_desc(&f->tx, d + 2, FR_DATA + 0x100 + 10, (uint32_t)(frame - 10), 0, 0);
	} else {
		fr_desc(&f->tx, d + 1, FR_DATA + 0x100, (uint32_t)frame, 0, 0);
	}
	fr_publish(&f->tx, d);
}

static void test_tx(void **state)
{
	struct fix *f = *state;
	post_tx(f, 0, 60, false);
	post_tx(f, 3, 1514, true);
	run_tx(f);
	assert_int_equal(fr_used_idx(&f->tx), 2);
	assert_int_equal(fr_used(&f->tx, 0).len, 0); /* TX writes nothing back */
	uint8_t buf[2048], want[2048];
	fill(want, sizeof(want), 3);
	assert_int_equal(recv(f->peer, buf, sizeof(buf), 0), HDR + 60);
	assert_int_equal(buf[0], 0x55);
	assert_memory_equal(buf + HDR, want, 60);
	assert_int_equal(recv(f->peer, buf, sizeof(buf), 0), HDR + 1514);
	assert_memory_equal(buf + HDR, want, 1514);
	assert_int_equal(atomic_load(&f->net.tx_frames), 2);
}

/*
 * A backend that stops draining (its queue full) costs one short wait, then frames are
 * dropped and counted without waiting, until a write succeeds again: a full queue of TX chains
 * is answered in well under a second, so a reset or shutdown never waits on the tap.
 */
static void test_tx_backend_full_drops_quickly(void **state)
{
	struct fix *f = *state;
	uint8_t junk[HDR + 1000] = {0};
	while (send(f->tap.fd, junk, sizeof(junk), MSG_DONTWAIT) > 0) /* fill the "tap" */
		;
	for (uint16_t d = 0; d < QSIZE - 1; d += 2)
		post_tx(f, d, 60, false);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	run_tx(f);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
	assert_int_equal(fr_used_idx(&f->tx), QSIZE / 2); /* every chain completed */
	assert_int_equal(atomic_load(&f->net.tx_dropped), QSIZE / 2);
	assert_true(ms < 200);
	/* Drained: the next frame goes out again. */
	uint8_t buf[2048];
	while (recv(f->peer, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	post_tx(f, 0, 60, false);
	run_tx(f);
	assert_int_equal(atomic_load(&f->net.tx_frames), 1);
	assert_false(f->net.tx_congested);
}

static void test_tx_malformed(void **state)
{
	struct fix *f = *state;
	/* A writable buffer in a transmit chain. */
	fr_desc(&f->tx, 0, FR_DATA, HDR, VRING_DESC_F_NEXT, 1);
	fr_desc(&f->tx, 1, FR_DATA + 0x100, 60, VRING_DESC_F_WRITE, 0);
	fr_publish(&f->tx, 0);
	/* A chain shorter than the header. */
	fr_desc(&f->tx, 2, FR_DATA, 8, 0, 0);
	fr_publish(&f->tx, 2);
	/* A frame larger than the MTU allows (no TSO negotiated). */
	post_tx(f, 3, 9000, false);
	/* And a good one after them all. */
	post_tx(f, 6, 100, false);
	run_tx(f);
	assert_int_equal(fr_used_idx(&f->tx), 4); /* every chain completed */
	assert_int_equal(atomic_load(&f->net.tx_dropped), 3);
	assert_int_equal(atomic_load(&f->net.tx_frames), 1);
	assert_int_equal(f->txq.error, VQ_OK); /* dropped, not a broken device */
	uint8_t buf[16384];
	assert_int_equal(recv(f->peer, buf, sizeof(buf), 0), HDR + 100);
	assert_int_equal(recv(f->peer, buf, sizeof(buf), 0), -1); /* nothing else went out */
}

static void test_tx_jumbo_with_tso(void **state)
{
	struct fix *f = *state;
	post_tx(f, 0, 9000, false);
	run_tx(f);
	assert_int_equal(atomic_load(&f->net.tx_frames), 1);
	uint8_t buf[16384];
	assert_int_equal(recv(f->peer, buf, sizeof(buf), 0), HDR + 9000);
}

/* n receive chains of `size` bytes each, one writable buffer per chain. */
static void post_rx(struct fix *f, unsigned n, uint32_t size)
{
	for (unsigned i = 0; i < n; i++) {
		uint16_t d = (uint16_t)(f->rx.avail_idx % QSIZE);
		fr_desc(&f->rx, d, FR_DATA + d * 0x10000ULL, size, VRING_DESC_F_WRITE, 0);
		fr_publish(&f->rx, d);
	}
}

static void inject(struct fix *f, size_t frame, uint8_t seed)
{
	static uint8_t buf[HDR + 70000];
	memset(buf, 0, HDR);
	buf[0] = 0x02; /* DATA_VALID, passed through */
	fill(buf + HDR, frame, seed);
	assert_int_equal(send(f->peer, buf, HDR + frame, 0), (ssize_t)(HDR + frame));
}

static void test_rx_merge(void **state)
{
	struct fix *f = *state;
	post_rx(f, 4, 512);
	inject(f, 1500, 9); /* 1512 bytes with the header: three 512-byte buffers */
	run_rx(f);
	assert_int_equal(fr_used_idx(&f->rx), 3);
	struct vring_used_elem u[3] = {fr_used(&f->rx, 0), fr_used(&f->rx, 1), fr_used(&f->rx, 2)};
	assert_int_equal(u[0].len, 512);
	assert_int_equal(u[1].len, 512);
	assert_int_equal(u[2].len, HDR + 1500 - 1024);
	struct virtio_net_hdr_mrg_rxbuf *h = fr_ptr(&f->rx, FR_DATA + u[0].id * 0x10000ULL);
	assert_int_equal(h->num_buffers, 3);
	assert_int_equal(h->hdr.flags, 0x02);
	uint8_t got[1500], want[1500];
	fill(want, sizeof(want), 9);
	size_t off = 0;
	for (int i = 0; i < 3; i++) {
		const uint8_t *p = fr_ptr(&f->rx, FR_DATA + u[i].id * 0x10000ULL);
		size_t skip = i == 0 ? HDR : 0, n = u[i].len - skip;
		memcpy(got + off, p + skip, n);
		off += n;
	}
	assert_int_equal(off, sizeof(got));
	assert_memory_equal(got, want, sizeof(got));
	assert_int_equal(atomic_load(&f->net.rx_frames), 1);
}

static void test_rx_no_buffers_waits(void **state)
{
	struct fix *f = *state;
	inject(f, 100, 1);
	inject(f, 200, 2);
	run_rx(f);
	/* Taken from the tap but held: no buffers, so nothing completed, nothing dropped... */
	assert_int_equal(fr_used_idx(&f->rx), 0);
	assert_true(f->net.rx_pending);
	assert_int_equal(atomic_load(&f->net.rx_dropped), 0);
	/* ...and the worker stops watching the tap (no spinning on a readable fd). */
	assert_int_equal(virtio_net_ops.queue_fd(&f->net, NET_RXQ), -1);
	/* The driver posts buffers (and kicks): both frames arrive, in order. */
	post_rx(f, 2, 1536);
	run_rx(f);
	assert_int_equal(fr_used_idx(&f->rx), 2);
	assert_int_equal(fr_used(&f->rx, 0).len, HDR + 100);
	assert_int_equal(fr_used(&f->rx, 1).len, HDR + 200);
	assert_false(f->net.rx_pending);
}

static void test_rx_partial_buffers_given_back(void **state)
{
	struct fix *f = *state;
	post_rx(f, 1, 512);
	inject(f, 1400, 4); /* needs three 512-byte buffers, only one posted */
	run_rx(f);
	assert_int_equal(fr_used_idx(&f->rx), 0);
	assert_int_equal(f->rxq.last_avail, 0); /* the one buffer was given back */
	post_rx(f, 2, 512);
	run_rx(f);
	assert_int_equal(fr_used_idx(&f->rx), 3);
	assert_int_equal(virtio_net_ops.queue_fd(&f->net, NET_RXQ), f->tap.fd);
}

static void test_rx_nomrg_too_small(void **state)
{
	struct fix *f = *state;
	post_rx(f, 1, 1000);
	inject(f, 1500, 5); /* does not fit one 1000-byte buffer: dropped */
	inject(f, 500, 6);  /* fits */
	run_rx(f);
	assert_int_equal(atomic_load(&f->net.rx_dropped), 1);
	assert_int_equal(fr_used_idx(&f->rx), 1);
	struct vring_used_elem u = fr_used(&f->rx, 0);
	assert_int_equal(u.len, HDR + 500);
	struct virtio_net_hdr_mrg_rxbuf *h = fr_ptr(&f->rx, FR_DATA + u.id * 0x10000ULL);
	assert_int_equal(h->num_buffers, 1); /* VERSION_1 always has the field */
}

static void test_rx_oversize(void **state)
{
	struct fix *f = *state;
	post_rx(f, 8, 4096);
	inject(f, 9000, 7); /* above MTU 1500 without TSO/MTU change */
	inject(f, 60, 8);
	run_rx(f);
	assert_int_equal(atomic_load(&f->net.rx_dropped), 1);
	assert_int_equal(fr_used_idx(&f->rx), 1);
	assert_int_equal(fr_used(&f->rx, 0).len, HDR + 60);
}

static void test_rx_malformed_chain(void **state)
{
	struct fix *f = *state;
	/* A readable receive buffer, then a chain too small for the header. */
	fr_desc(&f->rx, 0, FR_DATA, 1536, 0, 0);
	fr_publish(&f->rx, 0);
	fr_desc(&f->rx, 1, FR_DATA + 0x10000, 8, VRING_DESC_F_WRITE, 0);
	fr_publish(&f->rx, 1);
	post_rx(f, 1, 1536);
	inject(f, 100, 1);
	inject(f, 100, 2);
	inject(f, 100, 3);
	run_rx(f);
	/* Both bad chains completed empty (their frames dropped); the third frame delivered. */
	assert_int_equal(fr_used_idx(&f->rx), 3);
	assert_int_equal(fr_used(&f->rx, 0).len, 0);
	assert_int_equal(fr_used(&f->rx, 1).len, 0);
	assert_int_equal(fr_used(&f->rx, 2).len, HDR + 100);
	assert_int_equal(atomic_load(&f->net.rx_dropped), 2);
	assert_int_equal(f->rxq.error, VQ_OK);
}

static void test_backend_gone(void **state)
{
	struct fix *f = *state;
	close(f->peer);
	f->peer = socket(AF_UNIX, SOCK_DGRAM, 0); /* so teardown has something to close */
	post_rx(f, 2, 1536);
	run_rx(f); /* EOF: the link is down, once, with a message */
	assert_true(f->net.backend_dead);
	assert_int_equal(virtio_net_ops.queue_fd(&f->net, NET_RXQ), -1);
	post_tx(f, 0, 60, false);
	run_tx(f); /* transmits are completed and dropped, not stuck */
	assert_int_equal(fr_used_idx(&f->tx), 1);
	assert_int_equal(atomic_load(&f->net.tx_dropped), 1);
	assert_non_null(strstr(f->net.error, "tap-test"));
}

/* A scripted backend: each call answers as the test says and is counted. */
struct script_be {
	int send_rc;
	ssize_t recv_rc;
	bool offloads;
	int offload_rc;
	unsigned sends, waits, offload_calls;
	uint64_t offload_features;
};

static ssize_t script_recv(void *be, void *buf, size_t len)
{
	(void)buf;
	(void)len;
	return ((struct script_be *)be)->recv_rc;
}

static int script_send(void *be, const struct iovec *iov, unsigned iovcnt)
{
	(void)iov;
	(void)iovcnt;
	struct script_be *s = be;
	s->sends++;
	return s->send_rc;
}

static void script_wait_writable(void *be, int timeout_ms)
{
	(void)timeout_ms;
	((struct script_be *)be)->waits++;
}

static int script_rx_fd(void *be)
{
	(void)be;
	return 99;
}

static bool script_offloads(void *be)
{
	return ((struct script_be *)be)->offloads;
}

static int script_set_offload(void *be, uint64_t features)
{
	struct script_be *s = be;
	s->offload_calls++;
	s->offload_features = features;
	return s->offload_rc;
}

static const struct net_backend_ops script_ops = {
    .kind = "script",
    .recv = script_recv,
    .send = script_send,
    .wait_writable = script_wait_writable,
    .rx_fd = script_rx_fd,
    .offloads = script_offloads,
    .set_offload = script_set_offload,
};

/* f's device again, over the scripted backend be. */
static void use_script(struct fix *f, struct script_be *be)
{
	virtio_net_destroy(&f->net);
	assert_int_equal(virtio_net_init(&f->net, &script_ops, be, "script-test", NULL, 1500), 0);
	f->net.features = MRG;
}

/* A link that is down loses the frame, not the backend: the next frame goes out. */
static void test_tx_link_down(void **state)
{
	struct fix *f = *state;
	struct script_be be = {.send_rc = -EIO};
	use_script(f, &be);
	post_tx(f, 0, 60, false);
	run_tx(f);
	assert_int_equal(atomic_load(&f->net.tx_dropped), 1);
	assert_false(f->net.backend_dead);
	assert_int_equal(be.waits, 0);
	be.send_rc = 0;
	post_tx(f, 2, 60, false);
	run_tx(f);
	assert_int_equal(atomic_load(&f->net.tx_frames), 1);
	assert_int_equal(fr_used_idx(&f->tx), 2);
}

/* A full backend: one wait for the first frame, none for those after, until a send works. */
static void test_tx_congestion_waits_once(void **state)
{
	struct fix *f = *state;
	struct script_be be = {.send_rc = -EAGAIN};
	use_script(f, &be);
	for (uint16_t d = 0; d < 8; d += 2)
		post_tx(f, d, 60, false);
	run_tx(f);
	assert_int_equal(be.waits, 1);
	assert_int_equal(be.sends, 4 + 1); /* the first frame tried twice */
	assert_true(f->net.tx_congested);
	assert_int_equal(atomic_load(&f->net.tx_dropped), 4);
	be.send_rc = 0;
	post_tx(f, 8, 60, false);
	run_tx(f);
	assert_false(f->net.tx_congested);
	assert_int_equal(be.waits, 1);
	assert_int_equal(atomic_load(&f->net.tx_frames), 1);
}

/* A send that fails otherwise ends the backend: said once, then every frame is dropped. */
static void test_tx_backend_fails(void **state)
{
	struct fix *f = *state;
	struct script_be be = {.send_rc = -ENOBUFS};
	use_script(f, &be);
	post_tx(f, 0, 60, false);
	post_tx(f, 2, 60, false);
	run_tx(f);
	assert_true(f->net.backend_dead);
	assert_int_equal(be.sends, 1); /* the second frame never reached it */
	assert_int_equal(atomic_load(&f->net.tx_dropped), 2);
	assert_int_equal(fr_used_idx(&f->tx), 2);
	assert_non_null(strstr(f->net.error, "script-test: write to the script failed"));
}

/* A receive that fails ends the backend too; RX stops watching it. */
static void test_rx_backend_fails(void **state)
{
	struct fix *f = *state;
	struct script_be be = {.recv_rc = -EIO};
	use_script(f, &be);
	assert_int_equal(virtio_net_ops.queue_fd(&f->net, NET_RXQ), 99);
	post_rx(f, 1, 1536);
	run_rx(f);
	assert_true(f->net.backend_dead);
	assert_int_equal(virtio_net_ops.queue_fd(&f->net, NET_RXQ), -1);
	assert_int_equal(fr_used_idx(&f->rx), 0);
	assert_non_null(strstr(f->net.error, "read from the script failed"));
}

/* Guest offloads are offered only over a backend that takes them, and given it at activation. */
static void test_offloads(void **state)
{
	struct fix *f = *state;
	const uint64_t guest =
	    F(VIRTIO_NET_F_GUEST_CSUM) | F(VIRTIO_NET_F_GUEST_TSO4) | F(VIRTIO_NET_F_GUEST_TSO6);
	struct script_be be = {.offloads = true};
	use_script(f, &be);
	assert_int_equal(virtio_net_ops.features(&f->net) & guest, guest);
	uint64_t feat = MRG | F(VIRTIO_NET_F_GUEST_CSUM) | F(VIRTIO_NET_F_GUEST_TSO4);
	assert_int_equal(virtio_net_ops.activate(&f->net, feat), 0);
	assert_int_equal(be.offload_calls, 1);
	assert_int_equal(be.offload_features, feat);
	be.offload_rc = -EINVAL; /* the backend refuses: so does the device */
	assert_int_not_equal(virtio_net_ops.activate(&f->net, feat), 0);
	struct script_be plain = {.offloads = false};
	use_script(f, &plain);
	assert_int_equal(virtio_net_ops.features(&f->net) & guest, 0);
	assert_int_equal(virtio_net_ops.activate(&f->net, MRG), 0);
	assert_int_equal(plain.offload_calls, 0);
}

/* Counts the device's passes over a queue, to see a worker that spins. */
static atomic_int passes;
static void counting_handle_queue(void *dev, unsigned q, struct virtq *vq, struct virtq_elem *e)
{
	atomic_fetch_add(&passes, 1);
	virtio_net_ops.handle_queue(dev, q, vq, e);
}

static void wr(struct virtio_mmio *t, uint64_t off, uint32_t v)
{
	virtio_mmio_bus_ops.write(t, off, &v, 4);
}

/*
 * The transport over f's net device and f->rx's RAM, brought up by a driver with `feat`: the
 * RX queue on f->rx's ring and, with tx_ring, the TX queue on a second ring at tx_ring in the
 * same RAM (its avail ring 0x10000 and used ring 0x20000 above it).
 */
static void transport_up(struct fix *f, struct virtio_mmio *t, const struct virtio_device_ops *ops,
			 uint64_t feat, uint64_t tx_ring)
{
	struct err err;
	assert_int_equal(
	    virtio_mmio_init(t, ops, &f->net, &f->rx.gm, 0xD0000000, 16, 2, QSIZE, 0, &err), 0);
	assert_int_equal(virtio_mmio_spawn_workers(t, NULL, NULL, &err), 0);
	wr(t, VIRTIO_MMIO_STATUS, 1);
	wr(t, VIRTIO_MMIO_STATUS, 3);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)feat);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(feat >> 32));
	wr(t, VIRTIO_MMIO_STATUS, 11);
	const uint64_t rings[2][3] = {{FR_DESC, FR_AVAIL, FR_USED},
				      {tx_ring, tx_ring + 0x10000, tx_ring + 0x20000}};
	for (unsigned q = 0; q < (tx_ring ? 2u : 1u); q++) {
		wr(t, VIRTIO_MMIO_QUEUE_SEL, q);
		wr(t, VIRTIO_MMIO_QUEUE_NUM, QSIZE);
		wr(t, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)rings[q][0]);
		wr(t, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)rings[q][1]);
		wr(t, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)rings[q][2]);
		wr(t, VIRTIO_MMIO_QUEUE_READY, 1);
	}
	wr(t, VIRTIO_MMIO_STATUS, 15);
	uint32_t status;
	virtio_mmio_bus_ops.read(t, VIRTIO_MMIO_STATUS, &status, 4);
	assert_int_equal(status, 15);
	f->net.features = feat;
}

/*
 * A frame that needs more receive buffers than the driver has posted: the RX worker must
 * sleep until the driver posts more (and kicks), not spin over the same buffers.
 */
static void test_rx_short_of_buffers_sleeps(void **state)
{
	struct fix *f = *state;
	struct virtio_device_ops ops = virtio_net_ops;
	ops.handle_queue = counting_handle_queue;
	struct virtio_mmio t;
	transport_up(f, &t, &ops,
		     (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_NET_F_MRG_RXBUF) |
			 (1ULL << VIRTIO_RING_F_EVENT_IDX),
		     0);
	post_rx(f, 1, 512); /* a 1500-byte frame needs three */
	wr(&t, VIRTIO_MMIO_QUEUE_NOTIFY, NET_RXQ);
	inject(f, 1500, 7);
	usleep(200000);
	int idle = atomic_load(&passes);
	assert_true(idle < 20); /* a spinning worker makes millions of passes in 200 ms */
	assert_int_equal(fr_used_idx(&f->rx), 0);
	/* The driver posts two more buffers and kicks: the frame arrives, all three together. */
	post_rx(f, 2, 512);
	wr(&t, VIRTIO_MMIO_QUEUE_NOTIFY, NET_RXQ);
	for (int i = 0; i < 2000 && fr_used_idx(&f->rx) != 3; i++)
		usleep(1000);
	assert_int_equal(fr_used_idx(&f->rx), 3);
	wr(&t, VIRTIO_MMIO_STATUS, 0);
	virtio_mmio_destroy(&t);
}

static uint64_t thread_cpu_ns(pthread_t th)
{
	clockid_t cid;
	struct timespec ts;
	if (pthread_getcpuclockid(th, &cid) || clock_gettime(cid, &ts))
		return UINT64_MAX;
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * virtio-net halted by a broken TX queue (DEVICE_NEEDS_RESET stops every queue), with frames
 * waiting on the "tap": the RX worker must neither deliver them nor spin on the readable fd
 * (it would, were the tap watched for a queue that may not be served).
 */
static void test_halted_rx_does_not_spin(void **state)
{
	struct fix *f = *state;
	struct virtio_mmio t;
	const uint64_t tx_ring = 0x800000; /* above every RX buffer post_rx places */
	transport_up(f, &t, &virtio_net_ops, 1ULL << VIRTIO_F_VERSION_1, tx_ring);
	/* Break TX with a head out of range. */
	struct vring_avail *txa = gm_ptr(&f->rx.gm, tx_ring + 0x10000, 6 + 2ULL * QSIZE);
	txa->ring[0] = QSIZE + 1;
	__atomic_store_n(&txa->idx, 1, __ATOMIC_RELEASE);
	wr(&t, VIRTIO_MMIO_QUEUE_NOTIFY, NET_TXQ);
	for (int i = 0; i < 5000 && !atomic_load(&t.halted); i++)
		usleep(1000);
	assert_true(atomic_load(&t.halted));
	/* Frames arrive; RX has a buffer posted and is kicked. */
	for (int i = 0; i < 4; i++)
		inject(f, 64, (uint8_t)i);
	post_rx(f, 1, 2048);
	wr(&t, VIRTIO_MMIO_QUEUE_NOTIFY, NET_RXQ);
	usleep(20000);
	uint64_t before = thread_cpu_ns(t.queues[NET_RXQ].thread);
	usleep(300000);
	uint64_t used_ns = thread_cpu_ns(t.queues[NET_RXQ].thread) - before;
	assert_true(used_ns < 30000000ULL); /* a spinning worker would use ~300 ms */
	assert_int_equal(fr_used_idx(&f->rx), 0);
	assert_int_equal(atomic_load(&f->net.rx_frames), 0);
	wr(&t, VIRTIO_MMIO_STATUS, 0);
	virtio_mmio_destroy(&t);
}

static void test_config_and_mac(void **state)
{
	struct fix *f = *state;
	struct virtio_net_config c;
	assert_int_equal(virtio_net_ops.config_size, sizeof(c));
	memcpy(&c, virtio_net_ops.config(&f->net), sizeof(c));
	assert_int_equal(c.status, VIRTIO_NET_S_LINK_UP);
	assert_int_equal(c.mtu, 1500);
	uint8_t a[6], b[6];
	virtio_net_derive_mac("tap0", a);
	virtio_net_derive_mac("tap0", b);
	assert_memory_equal(a, b, 6);  /* stable */
	assert_int_equal(a[0] & 3, 2); /* locally administered unicast */
	virtio_net_derive_mac("tap1", b);
	assert_memory_not_equal(a, b, 6);
	virtio_net_derive_mac("tap-test", a);
	assert_memory_equal(c.mac, a, 6);
	uint64_t feat = virtio_net_ops.features(&f->net);
	assert_true(feat & MRG);
	assert_false(feat & F(VIRTIO_NET_F_GUEST_TSO4)); /* no tap offloads behind a socket */
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_tx),
	    T(test_tx_malformed),
	    T(test_tx_backend_full_drops_quickly),
	    cmocka_unit_test_setup_teardown(test_tx_jumbo_with_tso, setup_tso, teardown),
	    T(test_rx_merge),
	    T(test_rx_no_buffers_waits),
	    T(test_rx_partial_buffers_given_back),
	    cmocka_unit_test_setup_teardown(test_rx_nomrg_too_small, setup_nomrg, teardown),
	    T(test_rx_oversize),
	    T(test_rx_malformed_chain),
	    T(test_backend_gone),
	    T(test_tx_link_down),
	    T(test_tx_congestion_waits_once),
	    T(test_tx_backend_fails),
	    T(test_rx_backend_fails),
	    T(test_offloads),
	    T(test_rx_short_of_buffers_sleeps),
	    T(test_halted_rx_does_not_spin),
	    T(test_config_and_mac),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
