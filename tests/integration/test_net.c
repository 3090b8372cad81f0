/*
 * virtio-net under KVM, end to end: the tiny guest's virtio-net driver and IPv4 stack against
 * kvmini's device and a tap, with this process on the host side of the tap.
 *
 * Safety: every test runs in a network namespace of its own, made by unshare(CLONE_NEWNET) in
 * its set-up (the previous one goes away with its last user). It holds only the taps, their
 * host addresses (10.0.2.1/24, 10.0.3.1/24) and the guest's (10.0.x.2): no other interface is
 * up and there is no route out, so nothing reaches a real network. Every VM is bounded by a
 * timeout and ended by its PID. Without /dev/kvm, /dev/net/tun or the right to make a
 * namespace, the binary reports SKIPPED (77).
 *
 * The host side (netns.c) is plain C (sockets and ioctls, one rtnetlink message), so the tests
 * need no iproute2 or iputils; when iputils' ping is installed, test (a) also runs it.
 *
 * Taps are made persistent and configured (up, address, MTU) before kvmini opens them, as an
 * administrator would with `ip tuntap add`: a tap that is still down when the guest first
 * transmits returns EIO to kvmini's write. Tests (e) and (f) let kvmini create the tap.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <libfdt.h>

#include "core/clock.h"
#include "guest.h"
#include "netns.h"
#include "pattern.h"

#define TAP0	   "kvnet0"
#define TAP1	   "kvnet1"
#define HOST0	   "10.0.2.1"
#define GUEST0	   "10.0.2.2"
#define HOST1	   "10.0.3.1"
#define GUEST1	   "10.0.3.2"
#define GUEST_MAC0 "02:00:0a:00:02:02"
#define FLOOD_PORT 5001
#define UDP_OFF	   42 /* Ethernet + IPv4 + UDP headers: the flood payload is size - 42 */

static struct vm_bg bg; /* the VM of a test that works beside it (start_guest) */

/* ---- VMs ---- */

static void bg_expect(const char *needle)
{
	if (!vm_bg_wait_for(&bg, needle, VMRUN_TIMEOUT_MS)) {
		int st = vm_bg_stop(&bg, SIGKILL);
		fail_msg("no '%s' (status %d); output:\n%s", needle, st, bg.out);
	}
}

static int bg_finish(void)
{
	return vm_bg_stop(&bg, 0);
}

static unsigned long count_in(const char *s, const char *needle)
{
	unsigned long n = 0;
	for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* The number after `key` in s (the first occurrence), or -1. */
static long number_after(const char *s, const char *key)
{
	const char *p = strstr(s, key);
	return p ? strtol(p + strlen(key), NULL, 0) : -1;
}

/* kvmini's --verbose line "virtio-net TAP: rx R frames (D dropped), tx T frames (D dropped)". */
struct dev_counts {
	long rx, rx_dropped, tx, tx_dropped;
};

static struct dev_counts device_counts(const char *err, const char *tap)
{
	char key[64];
	struct dev_counts c = {-1, -1, -1, -1};
	snprintf(key, sizeof(key), "virtio-net %s: rx ", tap);
	const char *p = strstr(err, key);
	if (!p || sscanf(p + strlen(key), "%ld frames (%ld dropped), tx %ld frames (%ld dropped)",
			 &c.rx, &c.rx_dropped, &c.tx, &c.tx_dropped) != 4)
		fail_msg("no '%s...' counters:\n%s", key, err);
	return c;
}

/* net-flood's last line "net-flood: nic I: driver rx R (M merged, D dropped), tx T". */
struct drv_counts {
	long rx, merged, dropped, split, tx;
};

static struct drv_counts driver_counts(const char *out)
{
	struct drv_counts c = {-1, -1, -1, -1, -1};
	const char *p = strstr(out, ": driver rx ");
	if (!p || sscanf(p, ": driver rx %ld (%ld merged, %ld dropped, %ld split), tx %ld", &c.rx,
			 &c.merged, &c.dropped, &c.split, &c.tx) != 5)
		fail_msg("no driver counters in:\n%s", out);
	return c;
}

/* (a) The guest pings the host, the host pings the guest, and the guest ends when told. */
static void test_ping_both_ways(void **s)
{
	(void)s;
	tap_ready(TAP0, HOST0, 1500);
	start_guest(&bg, "test=net-ping ip=" GUEST0 " peer=" HOST0 " count=3 serve=20", "--net",
		    "tap=" TAP0 ",mac=" GUEST_MAC0, NULL);
	bg_expect("net-ping: serving for 20 s");
	expect_in(bg.out, "net-ping: nic 0: mac " GUEST_MAC0 " mtu 1500 ip " GUEST0 ", peer " HOST0
			  " is at ");
	expect_in(bg.out, "net-ping: nic 0: 3/3 replies ok\n");

	int good = host_ping(GUEST0, 4);
	const char *ping = iputils_ping();
	int ping_status = 0;
	if (ping) {
		const char *argv[] = {ping, "-c", "2", "-W", "2", "-i", "0.2", GUEST0, NULL};
		ping_status = run_cmd(argv, 10000);
	} else {
		printf("test_net: no iputils ping here; the raw-socket ping stands in for it\n");
	}
	send_quit(HOST0, GUEST0);
	int status = bg_finish();
	if (good != 4 || ping_status != 0)
		fail_msg("host ping: %d/4 replies, iputils ping status %d; guest output:\n%s", good,
			 ping_status, bg.out);
	assert_int_equal(status, 0);
	long answered = number_after(bg.out, "net-ping: nic 0: answered ");
	const char *p = strstr(bg.out, "ARP requests, ");
	long echoes = p ? strtol(p + strlen("ARP requests, "), NULL, 10) : -1;
	if (answered < 0 || echoes != 4 + (ping ? 2 : 0) ||
	    !strstr(bg.out, "echo requests; quit\n"))
		fail_msg("the guest should have answered %d echo requests and quit:\n%s",
			 4 + (ping ? 2 : 0), bg.out);
}

/* The guest's "net-flood: tx|rx N frames of S bytes checksum 0xC" line: C, or fail. */
static uint32_t flood_line(const char *out, const char *dir, int count, int size)
{
	char key[96];
	snprintf(key, sizeof(key), "net-flood: %s %d frames of %d bytes checksum ", dir, count,
		 size);
	const char *p = strstr(out, key);
	if (!p)
		fail_msg("no '%s...' line; output:\n%s", key, out);
	return (uint32_t)strtoul(p + strlen(key), NULL, 16);
}

/*
 * Guest to host: the guest sends `count` frames of `size`; a UDP socket takes them (with room
 * for all: it is read after the VM ends), checks each against the pattern and the checksum.
 */
static void flood_tx(int size, int count, int mtu, const char *words)
{
	char cmdline[256], net[96];
	tap_ready(TAP0, HOST0, mtu);
	int sock = udp_socket(HOST0, FLOOD_PORT);
	int big = 256 << 20;
	assert_int_equal(setsockopt(sock, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)), 0);
	snprintf(cmdline, sizeof(cmdline),
		 "test=net-flood dir=tx count=%d size=%d ip=" GUEST0 " peer=" HOST0 " %s", count,
		 size, words);
	snprintf(net, sizeof(net), "tap=" TAP0 ",mac=" GUEST_MAC0 ",mtu=%d", mtu);
	long long t0 = now_ms();
	run_guest(cmdline, "--net", net, "--verbose", NULL);
	long long t1 = now_ms();
	expect_status(0);
	uint32_t guest_sum = flood_line(res.out, "tx", count, size);

	uint32_t len = (uint32_t)(size - UDP_OFF);
	uint8_t *want = malloc(len), *got = malloc(len + 1);
	assert_non_null(want);
	assert_non_null(got);
	struct csum c = {0, 0};
	for (int seq = 0; seq < count; seq++) {
		struct pollfd p = {.fd = sock, .events = POLLIN};
		if (poll(&p, 1, 2000) != 1)
			fail_msg("host got %d of %d frames; kvmini said:\n%s", seq, count, res.err);
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(sock, got, len + 1, 0, (struct sockaddr *)&from, &fl);
		flood_payload(want, (uint32_t)seq, len);
		if (n != (ssize_t)len || ntohs(from.sin_port) != FLOOD_PORT ||
		    memcmp(got, want, len))
			fail_msg("frame %d: %zd bytes from port %u, want %u bytes of the pattern",
				 seq, n, ntohs(from.sin_port), len);
		flood_csum(&c, got, len);
	}
	struct pollfd p = {.fd = sock, .events = POLLIN};
	assert_int_equal(poll(&p, 1, 0), 0); /* and nothing more */
	close(sock);
	free(want);
	free(got);
	assert_int_equal(csum_value(&c), guest_sum);
	/* All the guest's frames (the flood and its ARP request) went through, none dropped. */
	struct dev_counts dc = device_counts(res.err, TAP0);
	struct drv_counts gc = driver_counts(res.out);
	if (dc.tx != gc.tx || dc.tx < count + 1 || dc.tx_dropped || gc.dropped)
		fail_msg("kvmini tx %ld (%ld dropped), guest tx %ld:\n%s\n%s", dc.tx, dc.tx_dropped,
			 gc.tx, res.out, res.err);
	printf("  tx %d x %d bytes%s%s: %lld ms for the VM\n", count, size, *words ? ", " : "",
	       words, t1 - t0);
}

/*
 * Host to guest: once the guest says it is ready, a UDP socket sends `count` frames of `size`
 * (the guest's MAC is a permanent neighbour entry, so none waits for ARP). The tap's queue
 * holds 500 frames, so counts stay below that and nothing is dropped even if the guest is slow.
 */
static void flood_rx(int size, int count, int mtu, const char *words)
{
	char cmdline[256], net[96];
	tap_ready(TAP0, HOST0, mtu);
	neigh_add(TAP0, GUEST0, GUEST_MAC0);
	snprintf(cmdline, sizeof(cmdline),
		 "test=net-flood dir=rx count=%d size=%d ip=" GUEST0 " peer=" HOST0 " %s", count,
		 size, words);
	snprintf(net, sizeof(net), "tap=" TAP0 ",mac=" GUEST_MAC0 ",mtu=%d", mtu);
	long long t0 = now_ms();
	start_guest(&bg, cmdline, "--net", net, "--verbose", NULL);
	bg_expect("net-flood: rx ready\n");

	int sock = udp_socket(HOST0, FLOOD_PORT);
	struct sockaddr_in to;
	set_sin((struct sockaddr *)&to, GUEST0);
	to.sin_port = htons(FLOOD_PORT);
	uint32_t len = (uint32_t)(size - UDP_OFF);
	uint8_t *buf = malloc(len);
	assert_non_null(buf);
	struct csum c = {0, 0};
	for (int seq = 0; seq < count; seq++) {
		flood_payload(buf, (uint32_t)seq, len);
		flood_csum(&c, buf, len);
		assert_int_equal(sendto(sock, buf, len, 0, (struct sockaddr *)&to, sizeof(to)),
				 (ssize_t)len);
	}
	free(buf);
	close(sock);
	char done[96];
	snprintf(done, sizeof(done), "net-flood: rx %d frames of %d bytes", count, size);
	bool ok = vm_bg_wait_for(&bg, done, VMRUN_TIMEOUT_MS);
	unsigned long long dropped = if_stat(TAP0, 11);
	int status = bg_finish();
	long long t1 = now_ms();
	if (!ok || status != 0)
		fail_msg("status %d, tap dropped %llu; output:\n%s", status, dropped, bg.out);
	assert_int_equal(flood_line(bg.out, "rx", count, size), csum_value(&c));
	struct drv_counts gc = driver_counts(bg.out);
	printf("  rx %d x %d bytes%s%s: %lld ms for the VM; guest merged %ld, split %ld\n", count,
	       size, *words ? ", " : "", words, t1 - t0, gc.merged, gc.split);
}

/* (b) Both directions at 64, 1500 and 9000-byte frames (the last on a 9000-byte MTU). */
static void test_flood_tx_64(void **s)
{
	(void)s;
	flood_tx(64, 300, 1500, "");
}

static void test_flood_tx_1500(void **s)
{
	(void)s;
	flood_tx(1500, 200, 1500, "");
}

static void test_flood_tx_9000(void **s)
{
	(void)s;
	flood_tx(9000, 50, 9000, "");
}

static void test_flood_rx_64(void **s)
{
	(void)s;
	flood_rx(64, 300, 1500, "");
}

static void test_flood_rx_1500(void **s)
{
	(void)s;
	flood_rx(1500, 200, 1500, "");
}

static void test_flood_rx_9000(void **s)
{
	(void)s;
	flood_rx(9000, 50, 9000, "");
	/* 9012 bytes with the header: five 2 KiB buffers merged for every frame. */
	if (driver_counts(bg.out).merged < 50)
		fail_msg("frames were not merged from several buffers:\n%s", bg.out);
}

/* The guest really compares: one flipped byte in frame 3 ends it with status 1. */
static void test_flood_rx_detects_corruption(void **s)
{
	(void)s;
	tap_ready(TAP0, HOST0, 1500);
	neigh_add(TAP0, GUEST0, GUEST_MAC0);
	start_guest(&bg, "test=net-flood dir=rx count=10 size=700 ip=" GUEST0 " peer=" HOST0,
		    "--net", "tap=" TAP0 ",mac=" GUEST_MAC0, NULL);
	bg_expect("net-flood: rx ready\n");
	int sock = udp_socket(HOST0, FLOOD_PORT);
	struct sockaddr_in to;
	set_sin((struct sockaddr *)&to, GUEST0);
	to.sin_port = htons(FLOOD_PORT);
	uint8_t buf[700 - UDP_OFF];
	for (uint32_t seq = 0; seq < 10; seq++) {
		flood_payload(buf, seq, sizeof(buf));
		if (seq == 3)
			buf[sizeof(buf) - 1] ^= 0x20; /* in the cut-short last word */
		assert_int_equal(
		    sendto(sock, buf, sizeof(buf), 0, (struct sockaddr *)&to, sizeof(to)),
		    (ssize_t)sizeof(buf));
	}
	close(sock);
	bg_expect("net-flood: frame 3: payload differs from the pattern\n");
	assert_int_equal(bg_finish(), 1);
}

/* The largest frame a 1500-byte MTU allows, both ways. */
static void test_flood_full_mtu(void **s)
{
	(void)s;
	flood_tx(1514, 50, 1500, "");
	fresh_netns(NULL);
	flood_rx(1514, 50, 1500, "");
}

/*
 * Driver variants on the receive path: small buffers (a 9000-byte frame in 36 of them), no
 * MRG_RXBUF at all (whole-frame buffers), and neither EVENT_IDX nor INDIRECT_DESC.
 */
static void test_flood_rx_variants(void **s)
{
	(void)s;
	flood_rx(9000, 20, 9000, "vrxbuf=256");
	if (driver_counts(bg.out).merged < 20)
		fail_msg("no merged frames:\n%s", bg.out);
	fresh_netns(NULL);
	flood_rx(1500, 100, 1500, "vmrg=0");
	assert_int_equal(driver_counts(bg.out).merged, 0);
	fresh_netns(NULL);
	flood_rx(1500, 100, 1500, "veventidx=0 vindirect=0");
	fresh_netns(NULL);
	flood_tx(1500, 100, 1500, "veventidx=0 vindirect=0");
}

/* (c) Two NICs, two taps, two subnets: each pings its own host address and is pinged. */
static void test_two_nics(void **s)
{
	(void)s;
	tap_ready(TAP0, HOST0, 1500);
	tap_ready(TAP1, HOST1, 1500);
	start_guest(
	    &bg, "test=net-ping ip=" GUEST0 "," GUEST1 " peer=" HOST0 "," HOST1 " count=2 serve=20",
	    "--net", "tap=" TAP0, "--net", "tap=" TAP1, "--verbose", NULL);
	bg_expect("net-ping: serving for 20 s");
	expect_in(bg.out, "net-ping: nic 0: 2/2 replies ok\n");
	expect_in(bg.out, "net-ping: nic 1: 2/2 replies ok\n");
	int good0 = host_ping(GUEST0, 2), good1 = host_ping(GUEST1, 2);
	/* Each address lives on its own NIC: the other subnet's tap sees none of it. */
	send_quit(HOST1, GUEST1);
	int status = bg_finish();
	if (good0 != 2 || good1 != 2 || status != 0)
		fail_msg("host pings %d/2 and %d/2, status %d; output:\n%s", good0, good1, status,
			 bg.out);
	expect_in(bg.out, "net-ping: nic 0: answered ");
	expect_in(bg.out, "2 echo requests\n");
	expect_in(bg.out, "2 echo requests; quit\n");
	/* kvmini's counters name both taps, and each carried traffic. */
	expect_in(bg.out, "virtio-net " TAP0 ": rx ");
	expect_in(bg.out, "virtio-net " TAP1 ": rx ");
	/* Derived MACs differ per tap name. */
	const char *m0 = strstr(bg.out, "nic 0: mac "), *m1 = strstr(bg.out, "nic 1: mac ");
	assert_non_null(m0);
	assert_non_null(m1);
	assert_true(strncmp(m0 + 11, m1 + 11, 17) != 0);
}

/* A flood on the second NIC while the first is there too. */
static void test_two_nics_flood(void **s)
{
	(void)s;
	tap_ready(TAP0, HOST0, 1500);
	tap_ready(TAP1, HOST1, 1500);
	int sock = udp_socket(HOST1, FLOOD_PORT);
	run_guest("test=net-flood dir=tx nic=1 count=30 size=600 ip=" GUEST0 "," GUEST1
		  " peer=" HOST0 "," HOST1,
		  "--net", "tap=" TAP0, "--net", "tap=" TAP1, NULL);
	expect_status(0);
	uint32_t guest_sum = flood_line(res.out, "tx", 30, 600);
	struct csum c = {0, 0};
	uint8_t got[600];
	for (int i = 0; i < 30; i++) {
		struct pollfd p = {.fd = sock, .events = POLLIN};
		assert_int_equal(poll(&p, 1, 2000), 1);
		ssize_t n = recv(sock, got, sizeof(got), 0);
		assert_int_equal(n, 600 - UDP_OFF);
		flood_csum(&c, got, (uint32_t)n);
	}
	close(sock);
	assert_int_equal(csum_value(&c), guest_sum);
}

/* (d) The tap deleted under a running VM: one line from kvmini, and the guest carries on. */
static void test_tap_deleted(void **s)
{
	(void)s;
	tap_ready(TAP0, HOST0, 1500);
	start_guest(&bg, "test=net-ping ip=" GUEST0 " peer=" HOST0 " count=2 serve=3", "--net",
		    "tap=" TAP0, NULL);
	bg_expect("net-ping: serving for 3 s");
	assert_int_equal(link_del(TAP0), 0);
	assert_int_equal(if_nametoindex(TAP0), 0);
	bg_expect("network link down\n");
	int status = bg_finish();
	if (status != 0)
		fail_msg("status %d; output:\n%s", status, bg.out);
	/* The scenario ran to its end after the tap went, and the error came once. */
	expect_in(bg.out, "net-ping: nic 0: 2/2 replies ok\n");
	const char *err = strstr(bg.out, "kvmini: " TAP0 ": ");
	assert_non_null(err);
	assert_non_null(strstr(err, "net-ping: nic 0: answered "));
	assert_int_equal(count_in(bg.out, "network link down"), 1);
}

/* (e) A second kvmini on a tap the first holds: status 2 and one line; the first carries on. */
static void test_busy_tap(void **s)
{
	(void)s;
	/* kvmini creates this tap, down and without an address: this guest only listens. */
	start_guest(&bg, "test=net-flood dir=rx count=1 size=100 ip=" GUEST0 " peer=" HOST0,
		    "--net", "tap=" TAP0 ",mac=" GUEST_MAC0, NULL);
	bg_expect("net-flood: rx ready\n");
	run_guest("test=hello", "--net", "tap=" TAP0, NULL);
	expect_one_line_error("busy");

	/* The host side of the first one's tap, set up now, and one frame to end it. */
	if_config(TAP0, HOST0, 1500);
	neigh_add(TAP0, GUEST0, GUEST_MAC0);
	int sock = udp_socket(HOST0, FLOOD_PORT);
	uint8_t buf[100 - UDP_OFF];
	flood_payload(buf, 0, sizeof(buf));
	struct sockaddr_in to;
	set_sin((struct sockaddr *)&to, GUEST0);
	to.sin_port = htons(FLOOD_PORT);
	assert_int_equal(sendto(sock, buf, sizeof(buf), 0, (struct sockaddr *)&to, sizeof(to)),
			 (ssize_t)sizeof(buf));
	close(sock);
	bg_expect("net-flood: rx 1 frames of 100 bytes");
	assert_int_equal(bg_finish(), 0);
}

/* (f) The NIC's device-tree node follows the disks'; --verbose counts frames both ways. */
static void test_dtb_and_counters(void **s)
{
	(void)s;
	char img[64], dtb[] = "/tmp/kvmini-net-dtb-XXXXXX";
	assert_int_equal(blank_image(img, sizeof(img), "net"), 0);
	int fd = mkstemp(dtb);
	assert_true(fd >= 0);
	close(fd);

	/* Taps that kvmini creates: nothing is sent on them. */
	run_guest("test=hello", "--disk", img, "--net", "tap=" TAP0 ",mac=02:00:00:00:00:42",
		  "--net", "tap=" TAP1 ",mtu=9000", "--dump-dtb", dtb, "--verbose", NULL);
	expect_status(0);
	expect_out("dt:   virtio_mmio@d0000200\n");
	expect_out("dt:   virtio_mmio@d0000400\n");
	expect_err("virtio-net " TAP0 " at 0xd0000200, GSI 17: mac 02:00:00:00:00:42, "
		   "mtu 1500");
	expect_err("virtio-net " TAP1 " at 0xd0000400, GSI 18: mac 02:6b:76:");
	expect_err("virtio-net " TAP0 ": rx 0 frames (0 dropped), tx 0 frames (0 dropped)");

	/* The disk first, then the NICs, on the I/O APIC's GSIs from 16. */
	expect_virtio_mmio_nodes(dtb, 3, 16);
	unlink(img);
	unlink(dtb);

	/* With traffic: kvmini's counters match what the guest's driver did. */
	fresh_netns(NULL);
	tap_ready(TAP0, HOST0, 1500);
	neigh_add(TAP0, GUEST0, GUEST_MAC0);
	int sink = udp_socket(HOST0, FLOOD_PORT);
	run_guest("test=net-flood dir=tx count=25 size=200 ip=" GUEST0 " peer=" HOST0, "--net",
		  "tap=" TAP0 ",mac=" GUEST_MAC0, "--verbose", NULL);
	close(sink);
	expect_status(0);
	struct dev_counts dc = device_counts(res.err, TAP0);
	struct drv_counts gc = driver_counts(res.out);
	/* Every frame the guest queued was sent (it waits for that); all it got came via kvmini. */
	if (gc.tx != dc.tx || gc.tx < 26 || dc.rx < gc.rx || gc.rx < 1 || dc.rx_dropped ||
	    dc.tx_dropped)
		fail_msg("guest tx %ld rx %ld, kvmini tx %ld rx %ld:\n%s\n%s", gc.tx, gc.rx, dc.tx,
			 dc.rx, res.out, res.err);
}

static bool usable(char *why, size_t len)
{
	if (!vmrun_kvm_usable(why, len))
		return false;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "cannot open /dev/net/tun: %s", strerror(errno));
		return false;
	}
	close(fd);
	/* Test the namespace right here: every test runs in one of its own. */
	if (unshare(CLONE_NEWNET)) {
		snprintf(why, len, "cannot make a network namespace (unshare -n): %s",
			 strerror(errno));
		return false;
	}
	return true;
}

#define NET_TEST(f) cmocka_unit_test_setup(f, fresh_netns)

int main(void)
{
	char why[160];
	if (!usable(why, sizeof(why)))
		return vmrun_skip("virtio-net integration tests", why);
	const struct CMUnitTest tests[] = {
	    NET_TEST(test_ping_both_ways),   NET_TEST(test_flood_tx_64),
	    NET_TEST(test_flood_tx_1500),    NET_TEST(test_flood_tx_9000),
	    NET_TEST(test_flood_rx_64),	     NET_TEST(test_flood_rx_1500),
	    NET_TEST(test_flood_rx_9000),    NET_TEST(test_flood_rx_detects_corruption),
	    NET_TEST(test_flood_full_mtu),   NET_TEST(test_flood_rx_variants),
	    NET_TEST(test_two_nics),	     NET_TEST(test_two_nics_flood),
	    NET_TEST(test_tap_deleted),	     NET_TEST(test_busy_tap),
	    NET_TEST(test_dtb_and_counters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
