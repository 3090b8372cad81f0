#include "lib/net.h"
#include "arch/irq.h"
#include "lib/cmdline.h"
#include "lib/net_clock.h"
#include "lib/printf.h"
#include "lib/string.h"

#define ARP_LEN		 28
#define ARPOP_REQUEST	 1
#define ARPOP_REPLY	 2
#define IPPROTO_ICMP	 1
#define IPPROTO_UDP	 17
#define ICMP_ECHOREPLY	 0
#define ICMP_ECHO	 8
#define IP_TTL		 64
#define ARP_RETRY_MS	 200
#define WATCHDOG_DEFAULT 20000

static struct virtio_net nics[VNET_MAX_NICS];
static const u8 broadcast[ETH_ALEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

u16 net_csum(const void *data, u32 len)
{
	const u8 *p = data;
	u64 sum = 0;

	/*
	 * The one's complement sum does not care about byte order (RFC 1071, 2(B)): add native
	 * 32-bit words, fold, and the result is stored natively too.
	 */
	for (; len >= 4; p += 4, len -= 4) {
		u32 w;

		__builtin_memcpy(&w, p, 4);
		sum += w;
	}
	if (len >= 2) {
		u16 w;

		__builtin_memcpy(&w, p, 2);
		sum += w;
		p += 2;
		len -= 2;
	}
	if (len)
		sum += *p; /* little-endian: a last odd byte is the low half of its word */
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (u16)~sum;
}

static void put_csum(u8 *p, u16 c)
{
	__builtin_memcpy(p, &c, 2);
}

const char *net_parse_ip(const char *s, u32 *ip)
{
	u32 v = 0;

	for (int i = 0; i < 4; i++) {
		u64 part;

		if (i && *s++ != '.')
			return NULL;
		if (*s < '0' || *s > '9')
			return NULL;
		s = parse_u64(s, &part);
		if (!s || part > 255)
			return NULL;
		v = v << 8 | (u32)part;
	}
	*ip = v;
	return s;
}

/* The index-th address of a comma-separated list in key=, or false. */
static bool list_ip(const char *key, unsigned index, u32 *ip)
{
	char buf[160];
	const char *p = buf;

	if (cmdline_get(key, buf, sizeof(buf)) < 0)
		return false;
	for (unsigned i = 0;; i++) {
		p = net_parse_ip(p, ip);
		if (!p || (*p && *p != ','))
			return false;
		if (i == index)
			return true;
		if (!*p++)
			return false;
	}
}

/* Ethernet header in front of a frame; returns where its payload goes. */
static u8 *eth_header(u8 *f, const u8 *dst, const u8 *src, u16 type)
{
	memcpy(f, dst, ETH_ALEN);
	memcpy(f + ETH_ALEN, src, ETH_ALEN);
	put_be16(f + 12, type);
	return f + ETH_HLEN;
}

/* An IPv4 header without options: DF clear, checksum filled in. */
static void ip_header(struct net_if *ifc, u8 *ip, u8 proto, u32 dst, u32 payload_len)
{
	ip[0] = 0x45;
	ip[1] = 0;
	put_be16(ip + 2, (u16)(IP_HLEN + payload_len));
	put_be16(ip + 4, ifc->ip_id++);
	put_be16(ip + 6, 0);
	ip[8] = IP_TTL;
	ip[9] = proto;
	put_be16(ip + 10, 0);
	put_be32(ip + 12, ifc->ip);
	put_be32(ip + 16, dst);
	put_csum(ip + 10, net_csum(ip, IP_HLEN));
}

/* Short frames are padded with zeros to the Ethernet minimum. */
static int submit(struct net_if *ifc, u8 *f, u32 len)
{
	if (len < ETH_ZLEN) {
		memset(f + len, 0, ETH_ZLEN - len);
		len = ETH_ZLEN;
	}
	return vnet_tx_submit(ifc->nic, f, len);
}

static int send_arp(struct net_if *ifc, u16 op, const u8 *dst_mac, const u8 *target_mac,
		    u32 target_ip)
{
	u8 *f = vnet_tx_buf(ifc->nic);

	if (!f)
		return -1;
	u8 *a = eth_header(f, dst_mac, ifc->nic->mac, ETH_P_ARP);
	put_be16(a, 1); /* Ethernet */
	put_be16(a + 2, ETH_P_IP);
	a[4] = ETH_ALEN;
	a[5] = 4;
	put_be16(a + 6, op);
	memcpy(a + 8, ifc->nic->mac, ETH_ALEN);
	put_be32(a + 14, ifc->ip);
	memcpy(a + 18, target_mac, ETH_ALEN);
	put_be32(a + 24, target_ip);
	return submit(ifc, f, ETH_HLEN + ARP_LEN);
}

static void arp_input(struct net_if *ifc, const u8 *a, u32 len)
{
	if (len < ARP_LEN || get_be16(a) != 1 || get_be16(a + 2) != ETH_P_IP || a[4] != ETH_ALEN ||
	    a[5] != 4) {
		ifc->ignored++;
		return;
	}
	u16 op = get_be16(a + 6);
	u32 sender = get_be32(a + 14), target = get_be32(a + 24);

	/* Like Linux, learn the peer from its requests to us as well as from replies. */
	if (sender == ifc->peer && target == ifc->ip &&
	    (op == ARPOP_REPLY || op == ARPOP_REQUEST) && !ifc->peer_known) {
		memcpy(ifc->peer_mac, a + 8, ETH_ALEN);
		ifc->peer_known = true;
	}
	if (op == ARPOP_REQUEST && target == ifc->ip) {
		ifc->arp_answered++;
		send_arp(ifc, ARPOP_REPLY, a + 8, a + 8, sender);
	} else if (op != ARPOP_REPLY) {
		ifc->ignored++;
	}
}

/* An echo reply to a request, to whoever sent it (the frame's source MAC, as a router would). */
static void echo_answer(struct net_if *ifc, const u8 *req_eth, u32 src, const u8 *icmp, u32 ilen)
{
	u8 *f = vnet_tx_buf(ifc->nic);

	if (!f || ETH_HLEN + IP_HLEN + ilen > ifc->nic->max_frame)
		return;
	u8 *ip = eth_header(f, req_eth + ETH_ALEN, ifc->nic->mac, ETH_P_IP);
	u8 *ic = ip + IP_HLEN;

	memcpy(ic, icmp, ilen);
	ic[0] = ICMP_ECHOREPLY;
	ic[1] = 0;
	put_be16(ic + 2, 0);
	put_csum(ic + 2, net_csum(ic, ilen));
	ip_header(ifc, ip, IPPROTO_ICMP, src, ilen);
	ifc->echo_answered++;
	submit(ifc, f, ETH_HLEN + IP_HLEN + ilen);
}

static void icmp_input(struct net_if *ifc, const u8 *eth, u32 src, const u8 *ic, u32 ilen)
{
	if (ilen < ICMP_HLEN || net_csum(ic, ilen)) {
		ifc->bad++;
		return;
	}
	if (ic[0] == ICMP_ECHO && ic[1] == 0)
		echo_answer(ifc, eth, src, ic, ilen);
	else if (ic[0] == ICMP_ECHOREPLY && ifc->on_echo)
		ifc->on_echo(ifc, get_be16(ic + 4), get_be16(ic + 6), ic + ICMP_HLEN,
			     ilen - ICMP_HLEN);
	else
		ifc->ignored++;
}

static void udp_input(struct net_if *ifc, u32 src, u8 *u, u32 len)
{
	u16 ulen = get_be16(u + 4), dport = get_be16(u + 2);

	if (len < UDP_HLEN || ulen < UDP_HLEN || ulen > len) {
		ifc->bad++;
		return;
	}
	/* The checksum is not verified: it costs a pass over the data, and scenarios check it. */
	if (dport == NET_QUIT_PORT && ulen - UDP_HLEN >= 4 && !memcmp(u + UDP_HLEN, "quit", 4))
		ifc->quit = true;
	else if (dport == ifc->udp_port && ifc->udp_port && ifc->on_udp)
		ifc->on_udp(ifc, src, get_be16(u), u + UDP_HLEN, ulen - UDP_HLEN);
	else
		ifc->ignored++;
}

static void ip_input(struct net_if *ifc, const u8 *eth, u8 *ip, u32 len)
{
	if (len < IP_HLEN || ip[0] >> 4 != 4) {
		ifc->bad++;
		return;
	}
	u32 ihl = (ip[0] & 0xf) * 4u, total = get_be16(ip + 2);

	if (ihl < IP_HLEN || total < ihl || total > len || net_csum(ip, ihl)) {
		ifc->bad++;
		return;
	}
	/* Not for us, or a fragment (MF set or an offset): ours never are. */
	if (get_be32(ip + 16) != ifc->ip || (get_be16(ip + 6) & 0x3fff)) {
		ifc->ignored++;
		return;
	}
	u32 src = get_be32(ip + 12);

	if (ip[9] == IPPROTO_ICMP)
		icmp_input(ifc, eth, src, ip + ihl, total - ihl);
	else if (ip[9] == IPPROTO_UDP)
		udp_input(ifc, src, ip + ihl, total - ihl);
	else
		ifc->ignored++;
}

/* The receive handler vnet_rx_poll calls with each frame. */
static void eth_input(void *ctx, struct virtio_net *n, u8 *f, u32 len)
{
	struct net_if *ifc = ctx;

	(void)n;
	/* Ours or broadcast; the host's IPv6 multicast chatter is not for us. */
	if (memcmp(f, ifc->nic->mac, ETH_ALEN) && memcmp(f, broadcast, ETH_ALEN)) {
		ifc->ignored++;
		return;
	}
	u16 type = get_be16(f + 12);

	if (type == ETH_P_ARP)
		arp_input(ifc, f + ETH_HLEN, len - ETH_HLEN);
	else if (type == ETH_P_IP)
		ip_input(ifc, f, f + ETH_HLEN, len - ETH_HLEN);
	else
		ifc->ignored++;
}

int net_setup(struct boot_params *bp, const char *who, struct net_if *ifs, unsigned max)
{
	struct vnet_opts o;
	u64 wd = WATCHDOG_DEFAULT;

	vnet_opts_from_cmdline(&o);
	int n = vnet_probe_all(bp, who, &o, nics, max < VNET_MAX_NICS ? (int)max : VNET_MAX_NICS);

	if (n < 0)
		return -1;
	if (!n) {
		printf("%s: no virtio-net device (kvmini --net tap=NAME)\n", who);
		return -1;
	}
	if (net_clock_start()) {
		printf("%s: cannot start the clock (LAPIC timer)\n", who);
		return -1;
	}
	cmdline_get_u64("watchdog", &wd);
	net_watchdog_arm(wd > 0xffffffffu ? 0xffffffffu : (u32)wd);
	for (int i = 0; i < n; i++) {
		struct net_if *ifc = &ifs[i];

		memset(ifc, 0, sizeof(*ifc));
		ifc->nic = &nics[i];
		ifc->index = (unsigned)i;
		if (!list_ip("ip", (unsigned)i, &ifc->ip) ||
		    !list_ip("peer", (unsigned)i, &ifc->peer)) {
			printf("%s: nic %d: no address: give ip=A.B.C.D[,...] and "
			       "peer=A.B.C.D[,...]\n",
			       who, i);
			return -1;
		}
		ifc->ip_id = (u16)(0x100 * (i + 1));
		if (!nics[i].link_up)
			printf("%s: nic %d: link is down\n", who, i);
		/* Frames that came before we were ready: the interrupt may already be spent. */
		nics[i].rx_scheduled = true;
	}
	return n;
}

void net_poll(struct net_if *ifs, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (ifs[i].nic->rx_scheduled)
			vnet_rx_poll(ifs[i].nic, eth_input, &ifs[i]);
	}
}

const char *net_failure(struct net_if *ifs, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const char *why = vnet_failure(ifs[i].nic);

		if (why)
			return why;
	}
	return NULL;
}

static bool rx_work(struct net_if *ifs, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (ifs[i].nic->rx_scheduled)
			return true;
	}
	return false;
}

void net_idle(struct net_if *ifs, unsigned n)
{
	unsigned long flags = irq_save();
	u64 t = net_clock_ticks();

	/* Evaluated with interrupts off: an interrupt after the test wakes the hlt instead. */
	while (!rx_work(ifs, n) && net_clock_ticks() == t && !net_failure(ifs, n))
		wait_for_irq();
	irq_restore(flags);
}

bool net_resolve(struct net_if *ifs, unsigned n, struct net_if *ifc, u32 timeout_ms)
{
	u64 end = net_clock_ms() + timeout_ms, next = 0;

	while (!ifc->peer_known) {
		u64 now = net_clock_ms();

		if (now >= end || net_failure(ifs, n))
			return false;
		if (now >= next) {
			if (send_arp(ifc, ARPOP_REQUEST, broadcast, (const u8[ETH_ALEN]){0},
				     ifc->peer))
				return false;
			next = now + ARP_RETRY_MS;
		}
		net_poll(ifs, n);
		if (!ifc->peer_known)
			net_idle(ifs, n);
	}
	return true;
}

int net_send_echo(struct net_if *ifc, u16 id, u16 seq, const u8 *data, u32 len)
{
	u8 *f = vnet_tx_buf(ifc->nic);

	if (!f)
		return -1;
	u8 *ip = eth_header(f, ifc->peer_mac, ifc->nic->mac, ETH_P_IP);
	u8 *ic = ip + IP_HLEN;

	ic[0] = ICMP_ECHO;
	ic[1] = 0;
	put_be16(ic + 2, 0);
	put_be16(ic + 4, id);
	put_be16(ic + 6, seq);
	memcpy(ic + ICMP_HLEN, data, len);
	put_csum(ic + 2, net_csum(ic, ICMP_HLEN + len));
	ip_header(ifc, ip, IPPROTO_ICMP, ifc->peer, ICMP_HLEN + len);
	return submit(ifc, f, ETH_HLEN + IP_HLEN + ICMP_HLEN + len);
}

u8 *net_udp_buf(struct net_if *ifc)
{
	u8 *f = vnet_tx_buf(ifc->nic);

	return f ? f + NET_UDP_OFF : NULL;
}

int net_udp_send(struct net_if *ifc, u8 *data, u32 len, u16 sport, u16 dport)
{
	u8 *f = data - NET_UDP_OFF;
	u8 *ip = eth_header(f, ifc->peer_mac, ifc->nic->mac, ETH_P_IP);
	u8 *u = ip + IP_HLEN;

	put_be16(u, sport);
	put_be16(u + 2, dport);
	put_be16(u + 4, (u16)(UDP_HLEN + len));
	put_be16(u + 6, 0); /* no checksum */
	ip_header(ifc, ip, IPPROTO_UDP, ifc->peer, UDP_HLEN + len);
	return submit(ifc, f, NET_UDP_OFF + len);
}
