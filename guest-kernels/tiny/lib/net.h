/*
 * A tiny IPv4 stack over virtio-net for the network scenarios: Ethernet II, ARP (answers
 * requests for our address, resolves the one peer we talk to), IPv4 without options or
 * fragments, ICMP echo (answers requests, hands replies to the scenario) and UDP (one port per
 * interface handed to the scenario; checksums sent as 0, which IPv4 allows). Everything else
 * is counted and ignored. Addresses are host-order u32 (10.0.2.2 is 0x0a000202).
 *
 * A UDP datagram "quit" to port 9 (discard) sets `quit` on the interface: the host's way to
 * end a serving scenario early.
 */
#ifndef TINY_LIB_NET_H
#define TINY_LIB_NET_H

#include <asm/bootparam.h>
#include "drivers/virtio_net.h"
#include "lib/types.h"

#define ETH_ALEN      6
#define ETH_HLEN      14
#define ETH_ZLEN      60 /* shortest Ethernet frame, FCS not counted: we pad to it */
#define ETH_P_IP      0x0800
#define ETH_P_ARP     0x0806
#define IP_HLEN	      20
#define UDP_HLEN      8
#define ICMP_HLEN     8
#define NET_UDP_OFF   (ETH_HLEN + IP_HLEN + UDP_HLEN) /* 42: a UDP payload in a frame */
#define NET_QUIT_PORT 9

struct net_if;

typedef void (*net_udp_fn)(struct net_if *ifc, u32 src, u16 sport, u8 *data, u32 len);
typedef void (*net_echo_fn)(struct net_if *ifc, u16 id, u16 seq, const u8 *data, u32 len);

struct net_if {
	struct virtio_net *nic;
	unsigned index;
	u32 ip, peer;
	u8 peer_mac[ETH_ALEN];
	bool peer_known;
	u16 ip_id;
	u16 udp_port;	     /* datagrams to this port go to on_udp (0: none) */
	net_udp_fn on_udp;   /* may be NULL */
	net_echo_fn on_echo; /* echo replies addressed to us; may be NULL */
	void *priv;	     /* the scenario's */
	volatile bool quit;  /* "quit" arrived on NET_QUIT_PORT */
	/* What the stack did with what it received. */
	unsigned arp_answered, echo_answered, ignored, bad;
};

/*
 * Finds the NICs (vnet_probe_all with the command-line options), starts the clock, arms the
 * watchdog (watchdog=MS, default 20000) and gives interface i the i-th address of ip= and of
 * peer= (comma-separated lists, e.g. ip=10.0.2.2,10.0.3.2). Every NIC needs both. Returns the
 * number of interfaces (at least 1), or -1 after printing why.
 */
int net_setup(struct boot_params *bp, const char *who, struct net_if *ifs, unsigned max);

/* Runs the receive work of every NIC that has some; handlers transmit as needed. */
void net_poll(struct net_if *ifs, unsigned n);
/* Sleeps until a NIC has receive work, the clock ticks, or a NIC fails. */
void net_idle(struct net_if *ifs, unsigned n);
/* The first NIC's failure (vnet_failure), or NULL. */
const char *net_failure(struct net_if *ifs, unsigned n);

/* ARPs for ifc->peer every 200 ms until it answers; false after timeout_ms. */
bool net_resolve(struct net_if *ifs, unsigned n, struct net_if *ifc, u32 timeout_ms);

/* An ICMP echo request to the peer (resolved) with len bytes of data. */
int net_send_echo(struct net_if *ifc, u16 id, u16 seq, const u8 *data, u32 len);

/*
 * UDP to the peer (resolved): net_udp_buf gives room for up to mtu - 28 bytes of payload in a
 * transmit buffer, net_udp_send adds the headers in front and queues the frame.
 */
u8 *net_udp_buf(struct net_if *ifc);
int net_udp_send(struct net_if *ifc, u8 *data, u32 len, u16 sport, u16 dport);

/* The Internet checksum (RFC 1071) of len bytes, ready to store as is. */
u16 net_csum(const void *data, u32 len);

/* Parses "a.b.c.d"; returns the first character after it, or NULL. */
const char *net_parse_ip(const char *s, u32 *ip);

/* Big-endian fields at any alignment. */
static inline u16 get_be16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}

static inline u32 get_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static inline void put_be16(u8 *p, u16 v)
{
	p[0] = (u8)(v >> 8);
	p[1] = (u8)v;
}

static inline void put_be32(u8 *p, u32 v)
{
	p[0] = (u8)(v >> 24);
	p[1] = (u8)(v >> 16);
	p[2] = (u8)(v >> 8);
	p[3] = (u8)v;
}

/* Little-endian 64-bit words at any alignment (the flood payload). */
static inline u64 get_le64(const u8 *p)
{
	u64 v;

	__builtin_memcpy(&v, p, 8);
	return v;
}

static inline void put_le64(u8 *p, u64 v)
{
	__builtin_memcpy(p, &v, 8);
}

#endif
