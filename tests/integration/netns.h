/*
 * The host side of test_net's network namespaces, in plain C (sockets, ioctls and one
 * rtnetlink message: no iproute2 or iputils needed). Everything acts on the calling
 * process's current network namespace, which fresh_netns replaces with an empty one. Any
 * failure of a set-up step fails the current cmocka test; the functions that measure
 * (host_ping, if_stat, run_cmd...) return what they found instead.
 *
 * Also here: the tiny guest's flood payload and checksum (scenarios/net_flood.c), recomputed
 * independently on the host.
 */
#ifndef KVMINI_TEST_NETNS_H
#define KVMINI_TEST_NETNS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/*
 * cmocka set-up for each test (s unused): a network namespace of its own (unshare), with IPv6
 * off by default so the guest sees less chatter. Returns 0, or -1 if unshare failed.
 */
int fresh_netns(void **s);

/* A persistent tap with kvmini's flags, as `ip tuntap add NAME mode tap vnet_hdr` makes it. */
void tap_create(const char *name);

/* *sa as an AF_INET address ip (dotted quad), port 0. */
void set_sin(struct sockaddr *sa, const char *ip);

/* Address /24, MTU, up: `ip addr add IP/24 dev NAME; ip link set NAME mtu MTU up`. */
void if_config(const char *name, const char *ip, int mtu);

/* tap_create, then if_config: a tap ready before kvmini opens it. */
void tap_ready(const char *name, const char *ip, int mtu);

/* A permanent ARP entry (`ip neigh add IP lladdr MAC dev NAME`): no resolution delay. */
void neigh_add(const char *name, const char *ip, const char *mac);

/*
 * `ip link del NAME`: one RTM_DELLINK, and its acknowledgement. Returns 0, the kernel's
 * negative errno, or -1 when there is no such interface or no answer.
 */
int link_del(const char *name);

/*
 * One counter of /proc/net/dev (this namespace's) for interface name: field 0 is rx_bytes,
 * 11 tx_dropped. 0 when the interface is not listed.
 */
unsigned long long if_stat(const char *name, int field);

/* A UDP socket bound to ip:port (port 0: any). */
int udp_socket(const char *ip, int port);

/* "quit" from `from` to the guest's discard port at `to`: ends a serving scenario (lib/net.h). */
void send_quit(const char *from, const char *to);

/* The Internet checksum (RFC 1071) of len bytes; 0 over data that carries a correct one. */
uint16_t inet_csum(const void *data, size_t len);

/*
 * The host pings dst: `count` ICMP echo requests from a raw socket, each given 2 s for its
 * reply, which must carry the same id, sequence number and 56 bytes of data. Returns the good
 * replies.
 */
int host_ping(const char *dst, int count);

/*
 * Runs argv (argv[0] a path; stdin and stdout /dev/null) to its end within timeout_ms, killed
 * by PID after that. Returns its exit status, 128 + the signal that ended it, or -1 on timeout.
 */
int run_cmd(const char *const argv[], int timeout_ms);

/* The path of iputils' ping, or NULL when it is not installed. */
const char *iputils_ping(void);

/* The guest's running checksum: s1 += w, s2 += s1 over little-endian 64-bit words. */
struct csum {
	uint64_t s1, s2;
};

void csum_add(struct csum *c, uint64_t w);
/* The 32-bit value the guest prints. */
uint32_t csum_value(const struct csum *c);

/* The payload of flood frame seq, len bytes, into buf. */
void flood_payload(uint8_t *buf, uint32_t seq, uint32_t len);

/* Adds len bytes of buf to c, a short last word zero-padded, as the guest does. */
void flood_csum(struct csum *c, const uint8_t *buf, uint32_t len);

#endif
