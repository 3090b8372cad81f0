/*
 * bench/net: the virtio-net device path without a guest, against using the tap directly, in
 * the same run and on the same tap.
 *
 * Everything happens inside a network namespace this program makes for itself (no frame can
 * leave it): one tap, "kvbench0", brought up, and an AF_PACKET socket on it as the host side
 * (a sink for transmitted frames, a source for received ones). Frames use the local
 * experimental EtherType 0x88B5, so the host's IP stack ignores them.
 *
 *   native tx: one thread writes header+frame to the tap fd; the sink counts what arrives.
 *   kvmini tx: this program plays the guest driver on a fake TX ring (header+frame chains,
 *              kicking only when asked); kvmini's TX worker writes them to the tap.
 *   native rx: the source sends frames out of the tap; one thread reads the tap fd.
 *   kvmini rx: the same source; kvmini's RX worker reads the tap into the fake RX ring's
 *              buffers; the driver reaps and reposts them.
 *
 * Frames per second and MB/s of frames delivered, median of interleaved runs; the ratio is
 * kvmini over native.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "bench/bench.h"
#include "devices/tap.h"
#include "platform/layout.h"
#include "virtio/mmio.h"
#include "virtio/net.h"

#define TAP	  "kvbench0"
#define ETHERTYPE 0x88B5
#define RAM	  (64ULL << 20)
#define QSIZE	  256
#define DESC	  0x10000ULL
#define AVAIL	  0x20000ULL
#define USED	  0x30000ULL
#define HDRS	  0x40000ULL
#define BUFS	  0x100000ULL /* 2 KiB per buffer */
#define BUFSZ	  2048
#define RUN_NS	  300000000ULL

static void die(const char *what)
{
	fprintf(stderr, "bench/net: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int ifindex;
static atomic_bool stop_aux;
static atomic_ullong aux_frames;

/* The frame every side sends: broadcast, our EtherType, a counting payload. */
static void make_frame(uint8_t *f, size_t len)
{
	memset(f, 0xFF, 6);
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x01", 6);
	f[12] = ETHERTYPE >> 8;
	f[13] = ETHERTYPE & 0xFF;
	for (size_t i = 14; i < len; i++)
		f[i] = (uint8_t)i;
}

static int packet_socket(void)
{
	int s = socket(AF_PACKET, SOCK_RAW, htons(ETHERTYPE));
	if (s < 0)
		die("AF_PACKET socket");
	struct sockaddr_ll a = {
	    .sll_family = AF_PACKET, .sll_protocol = htons(ETHERTYPE), .sll_ifindex = ifindex};
	if (bind(s, (struct sockaddr *)&a, sizeof(a)))
		die("bind AF_PACKET");
	int big = 8 << 20;
	setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
	return s;
}

/* Host side of TX: counts frames arriving on the tap from "the guest". */
static void *sink(void *arg)
{
	int s = *(int *)arg;
	uint8_t buf[2048];
	while (!atomic_load(&stop_aux)) {
		struct pollfd p = {.fd = s, .events = POLLIN};
		if (poll(&p, 1, 20) <= 0)
			continue;
		while (recv(s, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			atomic_fetch_add(&aux_frames, 1);
	}
	return NULL;
}

struct source_arg {
	int s;
	size_t len;
};

/* Host side of RX: sends frames out of the tap as fast as they go. */
static void *source(void *arg)
{
	struct source_arg *a = arg;
	uint8_t f[2048];
	make_frame(f, a->len);
	struct sockaddr_ll to = {.sll_family = AF_PACKET,
				 .sll_protocol = htons(ETHERTYPE),
				 .sll_ifindex = ifindex,
				 .sll_halen = 6};
	memset(to.sll_addr, 0xFF, 6);
	while (!atomic_load(&stop_aux)) {
		if (sendto(a->s, f, a->len, 0, (struct sockaddr *)&to, sizeof(to)) < 0 &&
		    errno == ENOBUFS)
			sched_yield();
	}
	return NULL;
}

static void setup_namespace(void)
{
	if (unshare(CLONE_NEWNET))
		die("unshare(CLONE_NEWNET) (run as root)");
}

static void link_up(void)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", TAP);
	if (ioctl(s, SIOCGIFFLAGS, &ifr))
		die("SIOCGIFFLAGS");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr))
		die("SIOCSIFFLAGS");
	ifr.ifr_qlen = 10000; /* a deeper tap queue, so bursts wait instead of dropping */
	ioctl(s, SIOCSIFTXQLEN, &ifr);
	close(s);
	ifindex = (int)if_nametoindex(TAP);
}

/* The fake guest: a virtio-net transport over a small guest RAM with two rings per queue. */
struct ring {
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t avail_idx, used_seen;
	uint64_t base; /* guest address of this queue's area */
};

struct guest {
	struct guest_mem gm;
	struct virtio_mmio t;
	struct ring rx, tx;
};

static void mmio_w(struct guest *g, uint64_t off, uint32_t v)
{
	virtio_mmio_bus_ops.write(&g->t, off, &v, 4);
}

static void ring_setup(struct guest *g, struct ring *r, unsigned q, uint64_t base)
{
	r->base = base;
	r->desc = gm_ptr(&g->gm, base + DESC, 16 * QSIZE);
	r->avail = gm_ptr(&g->gm, base + AVAIL, 6 + 2 * QSIZE);
	r->used = gm_ptr(&g->gm, base + USED, 6 + 8 * QSIZE);
	r->avail_idx = r->used_seen = 0;
	memset(r->desc, 0, 16 * QSIZE);
	memset(r->avail, 0, 6 + 2 * QSIZE);
	memset(r->used, 0, 6 + 8 * QSIZE);
	mmio_w(g, VIRTIO_MMIO_QUEUE_SEL, q);
	mmio_w(g, VIRTIO_MMIO_QUEUE_NUM, QSIZE);
	mmio_w(g, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)(base + DESC));
	mmio_w(g, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)(base + AVAIL));
	mmio_w(g, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)(base + USED));
	mmio_w(g, VIRTIO_MMIO_QUEUE_READY, 1);
}

static void bring_up(struct guest *g)
{
	mmio_w(g, VIRTIO_MMIO_STATUS, 0);
	mmio_w(g, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	mmio_w(g, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	uint64_t f = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_NET_F_MRG_RXBUF);
	mmio_w(g, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	mmio_w(g, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
	mmio_w(g, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	mmio_w(g, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
	uint32_t s =
	    VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK;
	mmio_w(g, VIRTIO_MMIO_STATUS, s);
	ring_setup(g, &g->rx, NET_RXQ, 0);
	ring_setup(g, &g->tx, NET_TXQ, 0x800000);
	mmio_w(g, VIRTIO_MMIO_STATUS, s | VIRTIO_CONFIG_S_DRIVER_OK);
}

static void publish(struct ring *r, uint16_t head)
{
	r->avail->ring[r->avail_idx % QSIZE] = head;
	r->avail_idx++;
	__atomic_store_n(&r->avail->idx, r->avail_idx, __ATOMIC_RELEASE);
}

static void kick(struct guest *g, struct ring *r, unsigned q)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!(__atomic_load_n(&r->used->flags, __ATOMIC_ACQUIRE) & VRING_USED_F_NO_NOTIFY))
		eventfd_write(g->t.queues[q].notify_fd, 1);
}

/* Waits for the device's interrupt (the irq eventfd), as a guest would. */
static void wait_irq(struct guest *g)
{
	struct pollfd p = {.fd = g->t.irq_fd, .events = POLLIN};
	poll(&p, 1, 20);
	eventfd_t v;
	eventfd_read(g->t.irq_fd, &v);
}

static double native_tx(int tap_fd, size_t len, int sink_s)
{
	uint8_t f[NET_HDR_LEN + 2048] = {0};
	make_frame(f + NET_HDR_LEN, len);
	pthread_t th;
	atomic_store(&stop_aux, false);
	atomic_store(&aux_frames, 0);
	pthread_create(&th, NULL, sink, &sink_s);
	uint64_t t0 = now_ns();
	while (now_ns() - t0 < RUN_NS)
		if (write(tap_fd, f, NET_HDR_LEN + len) < 0 && errno == EAGAIN)
			sched_yield();
	usleep(20000); /* let the sink drain what is in flight */
	uint64_t n = atomic_load(&aux_frames);
	atomic_store(&stop_aux, true);
	pthread_join(th, NULL);
	return (double)n * 1e9 / RUN_NS;
}

static double kvmini_tx(struct guest *g, size_t len, int sink_s)
{
	bring_up(g);
	struct ring *r = &g->tx;
	/* One chain per slot: header then frame, from the TX half of guest RAM. */
	for (uint16_t s = 0; s < QSIZE / 2; s++) {
		uint64_t hdr = 0x800000 + HDRS + 16ULL * s, buf = 0x800000 + BUFS + BUFSZ * s;
		memset(gm_ptr(&g->gm, hdr, NET_HDR_LEN), 0, NET_HDR_LEN);
		make_frame(gm_ptr(&g->gm, buf, len), len);
		r->desc[2 * s] =
		    (struct vring_desc){hdr, NET_HDR_LEN, VRING_DESC_F_NEXT, 2 * s + 1};
		r->desc[2 * s + 1] = (struct vring_desc){buf, (uint32_t)len, 0, 0};
	}
	pthread_t th;
	atomic_store(&stop_aux, false);
	atomic_store(&aux_frames, 0);
	pthread_create(&th, NULL, sink, &sink_s);
	for (uint16_t s = 0; s < QSIZE / 2; s++)
		publish(r, 2 * s);
	kick(g, r, NET_TXQ);
	uint64_t t0 = now_ns();
	while (now_ns() - t0 < RUN_NS) {
		uint16_t used = __atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE);
		if (used == r->used_seen) {
			wait_irq(g);
			continue;
		}
		for (; r->used_seen != used; r->used_seen++)
			publish(r, (uint16_t)r->used->ring[r->used_seen % QSIZE].id);
		kick(g, r, NET_TXQ);
	}
	usleep(20000);
	uint64_t n = atomic_load(&aux_frames);
	atomic_store(&stop_aux, true);
	pthread_join(th, NULL);
	mmio_w(g, VIRTIO_MMIO_STATUS, 0);
	return (double)n * 1e9 / RUN_NS;
}

/* Leaves the tap empty for the next run. */
static void drain(int tap_fd)
{
	static uint8_t buf[NET_HDR_LEN + 65536];
	while (read(tap_fd, buf, sizeof(buf)) > 0)
		;
}

static double native_rx(int tap_fd, size_t len, int src_s)
{
	uint8_t buf[NET_HDR_LEN + 65536];
	struct source_arg a = {src_s, len};
	pthread_t th;
	atomic_store(&stop_aux, false);
	pthread_create(&th, NULL, source, &a);
	uint64_t n = 0, t0 = now_ns();
	while (now_ns() - t0 < RUN_NS) {
		if (read(tap_fd, buf, sizeof(buf)) > 0) {
			n++;
		} else {
			struct pollfd p = {.fd = tap_fd, .events = POLLIN};
			poll(&p, 1, 20);
		}
	}
	atomic_store(&stop_aux, true);
	pthread_join(th, NULL);
	drain(tap_fd);
	return (double)n * 1e9 / RUN_NS;
}

static double kvmini_rx(struct guest *g, int tap_fd, size_t len, int src_s)
{
	bring_up(g);
	struct ring *r = &g->rx;
	for (uint16_t s = 0; s < QSIZE; s++) {
		r->desc[s] =
		    (struct vring_desc){BUFS + BUFSZ * (uint64_t)s, BUFSZ, VRING_DESC_F_WRITE, 0};
		publish(r, s);
	}
	kick(g, r, NET_RXQ);
	struct source_arg a = {src_s, len};
	pthread_t th;
	atomic_store(&stop_aux, false);
	pthread_create(&th, NULL, source, &a);
	uint64_t n = 0, t0 = now_ns();
	while (now_ns() - t0 < RUN_NS) {
		uint16_t used = __atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE);
		if (used == r->used_seen) {
			wait_irq(g);
			continue;
		}
		/* Every frame here fits one 2 KiB buffer: one used entry per frame. */
		for (; r->used_seen != used; r->used_seen++, n++)
			publish(r, (uint16_t)r->used->ring[r->used_seen % QSIZE].id);
		kick(g, r, NET_RXQ);
	}
	atomic_store(&stop_aux, true);
	pthread_join(th, NULL);
	mmio_w(g, VIRTIO_MMIO_STATUS, 0);
	drain(tap_fd);
	return (double)n * 1e9 / RUN_NS;
}

int main(void)
{
	setup_namespace();
	struct tap tap;
	struct err err;
	if (tap_open(&tap, TAP, NET_HDR_LEN, &err)) {
		fprintf(stderr, "bench/net: %s\n", err.msg);
		return 1;
	}
	link_up();
	int sink_s = packet_socket(), src_s = packet_socket();

	struct guest g;
	memset(&g, 0, sizeof(g));
	struct virtio_net net;
	if (gm_alloc(&g.gm, RAM) ||
	    virtio_net_init(&net, &tap_backend_ops, &tap, TAP, NULL, 1500) ||
	    virtio_mmio_init(&g.t, &virtio_net_ops, &net, &g.gm, VIRTIO_MMIO_BASE, VIRTIO_FIRST_GSI,
			     2, QSIZE, 0, &err) ||
	    virtio_mmio_spawn_workers(&g.t, NULL, NULL, &err)) {
		fprintf(stderr, "bench/net: set-up failed\n");
		return 1;
	}

	printf("bench/net: tap %s in a private network namespace; frames delivered per second, "
	       "median of %d interleaved runs of %.1f s\n",
	       TAP, REPS, RUN_NS / 1e9);
	printf("%-4s %6s %12s %12s %10s %10s %7s\n", "dir", "frame", "native fps", "kvmini fps",
	       "native MB/s", "kvmini MB/s", "ratio");
	static const size_t sizes[] = {64, 1500};
	for (int dir = 0; dir < 2; dir++) {
		for (size_t i = 0; i < 2; i++) {
			size_t len = sizes[i];
			double nat[REPS], kvm[REPS];
			for (int r = 0; r < REPS; r++) {
				nat[r] = dir ? native_rx(tap.fd, len, src_s)
					     : native_tx(tap.fd, len, sink_s);
				kvm[r] = dir ? kvmini_rx(&g, tap.fd, len, src_s)
					     : kvmini_tx(&g, len, sink_s);
			}
			double n = median(nat), k = median(kvm);
			printf("%-4s %6zu %12.0f %12.0f %10.1f %10.1f %6.0f%%\n", dir ? "rx" : "tx",
			       len, n, k, n * (double)len / 1e6, k * (double)len / 1e6,
			       100.0 * k / n);
		}
	}
	virtio_mmio_destroy(&g.t);
	virtio_net_destroy(&net);
	tap_close(&tap);
	return 0;
}
