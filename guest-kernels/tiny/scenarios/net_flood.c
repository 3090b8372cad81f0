/*
 * test=net-flood dir=tx|rx count=N size=BYTES ip=A.B.C.D peer=A.B.C.D [port=P] [nic=I]
 *
 * N UDP frames of BYTES each (the whole Ethernet frame from its header, FCS not counted:
 * 60..MTU+14), port P (default 5001) to port P, on NIC I (default 0). Frame k carries the
 * flood pattern with sequence number k (below).
 *   tx: resolves the peer by ARP, sends the N frames, waits until the device has taken all of
 *       them, prints "net-flood: tx N frames of BYTES bytes checksum 0xC".
 *   rx: prints "net-flood: rx ready", then takes N frames from the peer, which must arrive in
 *       order, each BYTES long and carrying the pattern, then prints
 *       "net-flood: rx N frames of BYTES bytes checksum 0xC".
 * Either way it ends with "net-flood: nic I: driver rx R (M merged, D dropped, S split), tx T"
 * (S: receive polls that found a merged frame only partly used, see drivers/virtio_net.c).
 *
 * The pattern: the UDP payload (L = BYTES - 42 bytes) is a run of little-endian 64-bit words,
 * the last one cut short when L is not a multiple of 8:
 *   word 0 = k | L << 32,
 *   word i = ((k << 32) | i) * PATTERN_A + PATTERN_B   (mod 2^64, i >= 1),
 * so the next word is one add away. The checksum runs over every payload word of every frame
 * in order (a cut-short word zero-padded): s1 += w, s2 += s1 (mod 2^64, from 0), and the value
 * is (u32)(s2 ^ (s2 >> 32)), the virtio-blk scenarios' checksum.
 */
#include "scenarios/scenario.h"
#include "lib/cmdline.h"
#include "lib/net.h"
#include "lib/net_clock.h"
#include "lib/printf.h"
#include "lib/string.h"

#define PATTERN_A	0x9e3779b97f4a7c15ULL
#define PATTERN_B	0xbf58476d1ce4e5b9ULL
#define DEFAULT_PORT	5001
#define ARP_TIMEOUT_MS	3000
#define FLOOD_MIN_FRAME 60
#define FLOOD_MAX_COUNT 100000

struct flood {
	u32 count, size, len; /* frames, frame bytes, payload bytes */
	u32 next;	      /* rx: the sequence number due */
	u64 s1, s2;
	bool failed;
};

static struct net_if ifs[VNET_MAX_NICS];
static struct flood fl;

static u64 first_word(const struct flood *f, u32 seq)
{
	return (u64)seq | (u64)f->len << 32;
}

static u64 tail_mask(u32 len)
{
	return len % 8 ? (1ULL << (8 * (len % 8))) - 1 : ~0ULL;
}

/*
 * Writes frame seq's payload (whole words: the buffer has room past its end). The sums live in
 * locals: stores through a byte pointer could alias `fl`, and every memory access is dear to
 * PVM's emulator.
 */
static void fill(struct flood *f, u8 *d, u32 seq)
{
	u32 words = (f->len + 7) / 8;
	u64 w = ((u64)seq << 32) * PATTERN_A + PATTERN_B, s1 = f->s1, s2 = f->s2;

	put_le64(d, first_word(f, seq));
	s1 += first_word(f, seq);
	s2 += s1;
	for (u32 i = 1; i < words - 1; i++) {
		w += PATTERN_A;
		put_le64(d + 8 * i, w);
		s1 += w;
		s2 += s1;
	}
	w += PATTERN_A;
	put_le64(d + 8 * (words - 1), w);
	s1 += w & tail_mask(f->len);
	s2 += s1;
	f->s1 = s1;
	f->s2 = s2;
}

/* Checks a received payload against frame seq's; false at the first difference. */
static bool check(struct flood *f, const u8 *d, u32 seq)
{
	u32 words = f->len / 8, rest = f->len % 8;
	u64 w = ((u64)seq << 32) * PATTERN_A + PATTERN_B, s1 = f->s1, s2 = f->s2;

	if (get_le64(d) != first_word(f, seq))
		return false;
	s1 += first_word(f, seq);
	s2 += s1;
	for (u32 i = 1; i < words; i++) {
		w += PATTERN_A;
		if (get_le64(d + 8 * i) != w)
			return false;
		s1 += w;
		s2 += s1;
	}
	if (rest) {
		u64 got = 0;

		w += PATTERN_A;
		memcpy(&got, d + 8 * words, rest); /* never read past the frame */
		if (got != (w & tail_mask(f->len)))
			return false;
		s1 += got;
		s2 += s1;
	}
	f->s1 = s1;
	f->s2 = s2;
	return true;
}

static void on_udp(struct net_if *ifc, u32 src, u16 sport, u8 *data, u32 len)
{
	struct flood *f = ifc->priv;

	(void)sport;
	if (f->failed || f->next == f->count || src != ifc->peer)
		return;
	u32 seq = len >= 8 ? (u32)get_le64(data) : ~0u;

	if (len != f->len || seq != f->next) {
		printf(
		    "net-flood: frame %u: got %u payload bytes with sequence %u, want %u with %u\n",
		    f->next, len, seq, f->len, f->next);
		f->failed = true;
		return;
	}
	if (!check(f, data, seq)) {
		printf("net-flood: frame %u: payload differs from the pattern\n", seq);
		f->failed = true;
		return;
	}
	f->next++;
}

static bool get_opt(const char *key, u64 dflt, u64 lo, u64 hi, u64 *out)
{
	*out = dflt;
	int r = cmdline_get_u64(key, out);

	if (r == -1 && dflt != ~0ULL)
		return true;
	if (r < 0 || *out < lo || *out > hi) {
		printf("net-flood: %s= wants a number in %llu..%llu\n", key, lo, hi);
		return false;
	}
	return true;
}

static int flood_tx(unsigned n, struct net_if *ifc, u16 port)
{
	if (!net_resolve(ifs, n, ifc, ARP_TIMEOUT_MS)) {
		printf("net-flood: no ARP reply from the peer%s%s\n",
		       net_failure(ifs, n) ? ": " : "",
		       net_failure(ifs, n) ? net_failure(ifs, n) : "");
		return 1;
	}
	for (u32 seq = 0; seq < fl.count; seq++) {
		u8 *d = net_udp_buf(ifc);

		if (!d)
			return 1;
		fill(&fl, d, seq);
		if (net_udp_send(ifc, d, fl.len, port, port))
			return 1;
		/* Keep answering (the peer may ARP for us) without waiting for anything. */
		net_poll(ifs, n);
	}
	if (vnet_tx_drain(ifc->nic))
		return 1;
	printf("net-flood: tx %u frames of %u bytes checksum 0x%08x\n", fl.count, fl.size,
	       (u32)(fl.s2 ^ (fl.s2 >> 32)));
	return 0;
}

static int flood_rx(unsigned n, struct net_if *ifc, u16 port)
{
	ifc->priv = &fl;
	ifc->udp_port = port;
	ifc->on_udp = on_udp;
	printf("net-flood: rx ready\n");
	while (fl.next < fl.count && !fl.failed && !net_failure(ifs, n)) {
		net_poll(ifs, n);
		if (fl.next < fl.count && !fl.failed)
			net_idle(ifs, n);
	}
	if (fl.failed)
		return 1;
	if (fl.next < fl.count) {
		printf("net-flood: rx: %u of %u frames, then: %s\n", fl.next, fl.count,
		       net_failure(ifs, n));
		return 1;
	}
	/* Replies to ARP or pings the host sent meanwhile must not die in the ring. */
	vnet_tx_drain(ifc->nic);
	printf("net-flood: rx %u frames of %u bytes checksum 0x%08x\n", fl.count, fl.size,
	       (u32)(fl.s2 ^ (fl.s2 >> 32)));
	return 0;
}

int scenario_net_flood(struct boot_params *bp)
{
	char dir[8];
	u64 count, size, port, nic;
	int n = net_setup(bp, "net-flood", ifs, VNET_MAX_NICS);

	if (n < 0)
		return 1;
	if (cmdline_get("dir", dir, sizeof(dir)) < 0 || (strcmp(dir, "tx") && strcmp(dir, "rx"))) {
		printf("net-flood: dir= must be tx or rx\n");
		return 1;
	}
	if (!get_opt("nic", 0, 0, (u64)n - 1, &nic))
		return 1;
	struct net_if *ifc = &ifs[nic];

	if (!get_opt("count", ~0ULL, 1, FLOOD_MAX_COUNT, &count) ||
	    !get_opt("size", ~0ULL, FLOOD_MIN_FRAME, ifc->nic->max_frame, &size) ||
	    !get_opt("port", DEFAULT_PORT, 1, 65535, &port))
		return 1;
	memset(&fl, 0, sizeof(fl));
	fl.count = (u32)count;
	fl.size = (u32)size;
	fl.len = (u32)size - NET_UDP_OFF;

	int rc = !strcmp(dir, "tx") ? flood_tx((unsigned)n, ifc, (u16)port)
				    : flood_rx((unsigned)n, ifc, (u16)port);
	const struct virtio_net *v = ifc->nic;

	printf("net-flood: nic %llu: driver rx %u (%u merged, %u dropped, %u split), tx %u\n", nic,
	       v->rx_frames, v->rx_merged, v->rx_dropped, v->rx_split, v->tx_frames);
	return rc;
}
