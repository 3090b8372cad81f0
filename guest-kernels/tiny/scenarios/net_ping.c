/*
 * test=net-ping ip=A.B.C.D[,...] peer=A.B.C.D[,...] [count=N] [serve=SECONDS] [watchdog=MS]
 *
 * On each NIC in turn: resolves the peer by ARP, sends N (default 3) ICMP echo requests to it
 * one at a time (id 0x6b00 + NIC, seq 1..N, 56 bytes of data), waits up to a second for each
 * reply and checks its id, seq and data, then prints "net-ping: nic I: K/N replies ok". Every
 * NIC answers ARP and echo requests all along. Then it serves for SECONDS (default 3) or until
 * a "quit" datagram arrives (lib/net.h), prints what it answered, and exits 0 if every reply
 * was right, else 1.
 */
#include "scenarios/scenario.h"
#include "lib/cmdline.h"
#include "lib/net.h"
#include "lib/net_clock.h"
#include "lib/printf.h"
#include "lib/string.h"

#define PING_DATA	56 /* iputils' default */
#define PING_ID_BASE	0x6b00
#define PING_TIMEOUT_MS 1000
#define ARP_TIMEOUT_MS	3000

struct ping {
	u16 id, seq;
	u8 data[PING_DATA];
	bool answered, ok;
};

static struct net_if ifs[VNET_MAX_NICS];

static void ping_data(u8 *d, u16 seq)
{
	for (unsigned i = 0; i < PING_DATA; i++)
		d[i] = (u8)(seq * 7 + i);
}

static void on_echo(struct net_if *ifc, u16 id, u16 seq, const u8 *data, u32 len)
{
	struct ping *p = ifc->priv;

	if (!p || id != p->id || seq != p->seq || p->answered)
		return; /* a late reply to an earlier request, or not ours */
	p->answered = true;
	p->ok = len == PING_DATA && !memcmp(data, p->data, PING_DATA);
	if (!p->ok)
		printf("net-ping: nic %u: reply %u has the wrong data (%u bytes)\n", ifc->index,
		       seq, len);
}

static void print_ip(u32 ip)
{
	printf("%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
}

static void print_mac(const u8 *m)
{
	printf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* Pings ifs[i]'s peer `count` times; returns the replies that were right. */
static unsigned ping_peer(unsigned n, unsigned i, unsigned count)
{
	struct net_if *ifc = &ifs[i];
	static struct ping p;
	unsigned good = 0;

	if (!net_resolve(ifs, n, ifc, ARP_TIMEOUT_MS)) {
		printf("net-ping: nic %u: no ARP reply from ", i);
		print_ip(ifc->peer);
		printf("%s%s\n", net_failure(ifs, n) ? ": " : "",
		       net_failure(ifs, n) ? net_failure(ifs, n) : "");
		return 0;
	}
	printf("net-ping: nic %u: mac ", i);
	print_mac(ifc->nic->mac);
	printf(" mtu %u ip ", ifc->nic->mtu);
	print_ip(ifc->ip);
	printf(", peer ");
	print_ip(ifc->peer);
	printf(" is at ");
	print_mac(ifc->peer_mac);
	printf("\n");

	ifc->priv = &p;
	for (unsigned s = 1; s <= count; s++) {
		p.id = (u16)(PING_ID_BASE + i);
		p.seq = (u16)s;
		p.answered = p.ok = false;
		ping_data(p.data, p.seq);
		if (net_send_echo(ifc, p.id, p.seq, p.data, PING_DATA))
			break;
		u64 end = net_clock_ms() + PING_TIMEOUT_MS;
		for (;;) {
			net_poll(ifs, n);
			if (p.answered || net_clock_ms() >= end || net_failure(ifs, n))
				break;
			net_idle(ifs, n);
		}
		if (p.ok)
			good++;
		else if (!p.answered)
			printf("net-ping: nic %u: no reply to seq %u\n", i, s);
	}
	ifc->priv = NULL;
	return good;
}

static bool quit_asked(unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (ifs[i].quit)
			return true;
	}
	return false;
}

int scenario_net_ping(struct boot_params *bp)
{
	u64 count = 3, serve = 3, wd = 20000;
	int n = net_setup(bp, "net-ping", ifs, VNET_MAX_NICS);
	bool all_ok = true;

	if (n < 0)
		return 1;
	cmdline_get_u64("count", &count);
	cmdline_get_u64("serve", &serve);
	cmdline_get_u64("watchdog", &wd);
	if (count > 1000 || serve > 3600) {
		printf("net-ping: count (at most 1000) or serve (at most 3600 s) out of range\n");
		return 1;
	}
	for (unsigned i = 0; i < (unsigned)n; i++) {
		ifs[i].on_echo = on_echo;
		unsigned good = ping_peer((unsigned)n, i, (unsigned)count);

		printf("net-ping: nic %u: %u/%llu replies ok\n", i, good, count);
		all_ok = all_ok && good == count;
	}

	/* The host pings us now: answer until the time is up or it says quit. */
	printf("net-ping: serving for %llu s\n", serve);
	net_watchdog_arm((u32)(serve * 1000 + wd));
	u64 end = net_clock_ms() + serve * 1000;
	while (net_clock_ms() < end && !quit_asked((unsigned)n) && !net_failure(ifs, (unsigned)n)) {
		net_poll(ifs, (unsigned)n);
		net_idle(ifs, (unsigned)n);
	}
	const char *why = net_failure(ifs, (unsigned)n);
	if (why) {
		printf("net-ping: %s\n", why);
		all_ok = false;
	}
	/* The last replies may still be in the ring: the VM ends when we return. */
	for (unsigned i = 0; i < (unsigned)n; i++)
		vnet_tx_drain(ifs[i].nic);
	for (unsigned i = 0; i < (unsigned)n; i++)
		printf("net-ping: nic %u: answered %u ARP requests, %u echo requests%s\n", i,
		       ifs[i].arp_answered, ifs[i].echo_answered, ifs[i].quit ? "; quit" : "");
	return all_ok ? 0 : 1;
}
