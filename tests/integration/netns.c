/*
 * The host side of test_net's private network namespaces: namespace set-up, taps and their
 * configuration, neighbour entries, link deletion, interface counters, UDP sockets, host
 * pings, and the tiny guest's flood pattern recomputed on the host. See netns.h.
 */
#include "netns.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/clock.h"

/* The tiny guest's flood pattern and checksum (scenarios/net_flood.c). */
#define PATTERN_A 0x9e3779b97f4a7c15ULL
#define PATTERN_B 0xbf58476d1ce4e5b9ULL

/* ---- the host side of the namespace ---- */

/* Each test's set-up: a namespace of its own, with IPv6 off so the guest sees less chatter. */
int fresh_netns(void **s)
{
	(void)s;
	if (unshare(CLONE_NEWNET))
		return -1;
	/* /proc/sys/net belongs to the namespace of whoever opens it: this one. */
	int fd = open("/proc/sys/net/ipv6/conf/default/disable_ipv6", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "1", 1) < 0) {
		}
		close(fd);
	}
	return 0;
}

static void ifreq_for(struct ifreq *ifr, const char *name)
{
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
}

/* A persistent tap with kvmini's flags, as `ip tuntap add NAME mode tap vnet_hdr` makes it. */
void tap_create(const char *name)
{
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	struct ifreq ifr;
	ifreq_for(&ifr, name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	assert_int_equal(ioctl(fd, TUNSETIFF, &ifr), 0);
	assert_int_equal(ioctl(fd, TUNSETPERSIST, 1), 0);
	close(fd);
}

void set_sin(struct sockaddr *sa, const char *ip)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)sa;
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, ip, &sin->sin_addr), 1);
}

/* Address /24, MTU, up: `ip addr add IP/24 dev NAME; ip link set NAME mtu MTU up`. */
void if_config(const char *name, const char *ip, int mtu)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	struct ifreq ifr;
	ifreq_for(&ifr, name);
	ifr.ifr_mtu = mtu;
	assert_int_equal(ioctl(s, SIOCSIFMTU, &ifr), 0);
	ifreq_for(&ifr, name);
	set_sin(&ifr.ifr_addr, ip);
	assert_int_equal(ioctl(s, SIOCSIFADDR, &ifr), 0);
	ifreq_for(&ifr, name);
	set_sin(&ifr.ifr_netmask, "255.255.255.0");
	assert_int_equal(ioctl(s, SIOCSIFNETMASK, &ifr), 0);
	ifreq_for(&ifr, name);
	assert_int_equal(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	assert_int_equal(ioctl(s, SIOCSIFFLAGS, &ifr), 0);
	close(s);
}

void tap_ready(const char *name, const char *ip, int mtu)
{
	tap_create(name);
	if_config(name, ip, mtu);
}

/* A permanent ARP entry (`ip neigh add IP lladdr MAC dev NAME`): no resolution delay. */
void neigh_add(const char *name, const char *ip, const char *mac)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	struct arpreq r;
	memset(&r, 0, sizeof(r));
	set_sin(&r.arp_pa, ip);
	r.arp_ha.sa_family = ARPHRD_ETHER;
	unsigned m[6];
	assert_int_equal(sscanf(mac, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]),
			 6);
	for (int i = 0; i < 6; i++)
		r.arp_ha.sa_data[i] = (char)m[i];
	r.arp_flags = ATF_COM | ATF_PERM;
	snprintf(r.arp_dev, sizeof(r.arp_dev), "%s", name);
	assert_int_equal(ioctl(s, SIOCSARP, &r), 0);
	close(s);
}

/* `ip link del NAME`: one RTM_DELLINK, and its acknowledgement. */
int link_del(const char *name)
{
	unsigned idx = if_nametoindex(name);
	if (!idx)
		return -1;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	assert_true(fd >= 0);
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = RTM_DELLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.nh.nlmsg_seq = 1;
	req.ifi.ifi_family = AF_UNSPEC;
	req.ifi.ifi_index = (int)idx;
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	int rc = -1;
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel, sizeof(kernel)) ==
	    (ssize_t)sizeof(req)) {
		char buf[512];
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		const struct nlmsghdr *nh = (const void *)buf;
		if (n >= (ssize_t)(NLMSG_HDRLEN + sizeof(struct nlmsgerr)) &&
		    nh->nlmsg_type == NLMSG_ERROR)
			rc = ((const struct nlmsgerr *)NLMSG_DATA(nh))->error;
	}
	close(fd);
	return rc;
}

/* One counter of /proc/net/dev (this namespace's): field 0 is rx_bytes, 11 tx_dropped. */
unsigned long long if_stat(const char *name, int field)
{
	FILE *f = fopen("/proc/self/net/dev", "r");
	assert_non_null(f);
	char line[512], want[32];
	unsigned long long v = 0;
	snprintf(want, sizeof(want), "%s:", name);
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, want);
		if (!p)
			continue;
		p += strlen(want);
		for (int i = 0; i <= field; i++)
			v = strtoull(p, &p, 10);
	}
	fclose(f);
	return v;
}

int udp_socket(const char *ip, int port)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	struct sockaddr_in a;
	set_sin((struct sockaddr *)&a, ip);
	a.sin_port = htons((uint16_t)port);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	return s;
}

/* "quit" to the guest's discard port ends a serving scenario (lib/net.h). */
void send_quit(const char *from, const char *to)
{
	int s = udp_socket(from, 0);
	struct sockaddr_in a;
	set_sin((struct sockaddr *)&a, to);
	a.sin_port = htons(9);
	assert_int_equal(sendto(s, "quit", 4, 0, (struct sockaddr *)&a, sizeof(a)), 4);
	close(s);
}

uint16_t inet_csum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * The host pings: `count` ICMP echo requests from a raw socket, each given 2 s for its reply,
 * which must carry the same id, sequence number and 56 bytes of data. Returns the good replies.
 */
int host_ping(const char *dst, int count)
{
	int s = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	assert_true(s >= 0);
	struct sockaddr_in to;
	set_sin((struct sockaddr *)&to, dst);
	uint16_t id = (uint16_t)(getpid() ^ 0x4b56);
	int good = 0;
	for (int seq = 1; seq <= count; seq++) {
		uint8_t req[8 + 56];
		memset(req, 0, sizeof(req));
		req[0] = 8; /* echo request */
		req[4] = (uint8_t)(id >> 8);
		req[5] = (uint8_t)id;
		req[6] = (uint8_t)(seq >> 8);
		req[7] = (uint8_t)seq;
		for (int i = 8; i < (int)sizeof(req); i++)
			req[i] = (uint8_t)(seq * 31 + i);
		uint16_t c = inet_csum(req, sizeof(req));
		req[2] = (uint8_t)(c >> 8);
		req[3] = (uint8_t)c;
		assert_int_equal(sendto(s, req, sizeof(req), 0, (struct sockaddr *)&to, sizeof(to)),
				 sizeof(req));
		long long end = now_ms() + 2000;
		for (;;) {
			long long left = end - now_ms();
			struct pollfd p = {.fd = s, .events = POLLIN};
			if (left <= 0 || poll(&p, 1, (int)left) <= 0)
				break;
			uint8_t buf[2048];
			struct sockaddr_in from;
			socklen_t fl = sizeof(from);
			ssize_t n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
			if (n < 20 || from.sin_addr.s_addr != to.sin_addr.s_addr)
				continue;
			size_t ihl = (size_t)(buf[0] & 0xf) * 4;
			const uint8_t *ic = buf + ihl;
			size_t ilen = (size_t)n - ihl;
			/* A raw ICMP socket sees every ICMP packet: ours is a reply with our id. */
			if (ilen < 8 || ic[0] != 0 || (ic[4] << 8 | ic[5]) != id)
				continue;
			if ((ic[6] << 8 | ic[7]) == seq && ilen == sizeof(req) &&
			    !memcmp(ic + 8, req + 8, sizeof(req) - 8) && inet_csum(ic, ilen) == 0)
				good++;
			break;
		}
	}
	close(s);
	return good;
}

/* Runs argv to its end within timeout_ms (killed by PID after that). Its exit status. */
int run_cmd(const char *const argv[], int timeout_ms)
{
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(null, 1);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	long long end = now_ms() + timeout_ms;
	int st;
	while (waitpid(pid, &st, WNOHANG) != pid) {
		if (now_ms() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -1;
		}
		usleep(5000);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

const char *iputils_ping(void)
{
	static const char *const paths[] = {"/usr/bin/ping", "/bin/ping"};
	for (unsigned i = 0; i < 2; i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

/* ---- the flood pattern, as the guest computes it ---- */

void csum_add(struct csum *c, uint64_t w)
{
	c->s1 += w;
	c->s2 += c->s1;
}

uint32_t csum_value(const struct csum *c)
{
	return (uint32_t)(c->s2 ^ (c->s2 >> 32));
}

/* The payload of frame seq, len bytes, into buf (byte by byte: the host is not in a hurry). */
void flood_payload(uint8_t *buf, uint32_t seq, uint32_t len)
{
	for (uint32_t off = 0; off < len; off += 8) {
		uint64_t w = off == 0 ? (uint64_t)seq | (uint64_t)len << 32
				      : (((uint64_t)seq << 32) | (off / 8)) * PATTERN_A + PATTERN_B;
		for (uint32_t k = 0; k < 8 && off + k < len; k++)
			buf[off + k] = (uint8_t)(w >> (8 * k));
	}
}

void flood_csum(struct csum *c, const uint8_t *buf, uint32_t len)
{
	for (uint32_t off = 0; off < len; off += 8) {
		uint64_t w = 0;
		for (uint32_t k = 0; k < 8 && off + k < len; k++)
			w |= (uint64_t)buf[off + k] << (8 * k);
		csum_add(c, w);
	}
}
