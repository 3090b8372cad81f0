#include "devices/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int tap_open(struct tap *t, const char *name, unsigned vnet_hdr_len, struct err *err)
{
	memset(t, 0, sizeof(*t));
	t->fd = -1;
	if (strlen(name) >= IFNAMSIZ)
		return err_set(err, "tap name '%s' is longer than %d characters", name,
			       IFNAMSIZ - 1);
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, "cannot open /dev/net/tun: %s; load the tun module%s",
			       strerror(errno), errno == EACCES ? " or run as root" : "");
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;
		close(fd);
		if (e == EBUSY)
			return err_set(err,
				       "tap '%s' is busy (another process has it open); stop it or "
				       "pick another name",
				       name);
		if (e == EPERM || e == EACCES)
			return err_set(err,
				       "not permitted to open tap '%s'; run as root or give it to "
				       "this user (ip tuntap add %s mode tap user $USER)",
				       name, name);
		return err_set(err, "cannot open tap '%s': %s", name, strerror(e));
	}
	int len = (int)vnet_hdr_len;
	if (ioctl(fd, TUNSETVNETHDRSZ, &len) < 0) {
		int e = errno;
		close(fd);
		return err_set(err, "tap '%s': cannot set the virtio-net header size: %s", name,
			       strerror(e));
	}
	t->fd = fd;
	snprintf(t->name, sizeof(t->name), "%s", ifr.ifr_name);
	/* Offloads are optional: probe them now, so we offer only what the tap accepts. */
	t->offloads = ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) == 0;
	ioctl(fd, TUNSETOFFLOAD, 0);
	return 0;
}

void tap_close(struct tap *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

static ssize_t tap_recv(void *be, void *buf, size_t len)
{
	struct tap *t = be;
	for (;;) {
		ssize_t r = read(t->fd, buf, len);
		if (r > 0)
			return r;
		if (r == 0)
			return -EPIPE; /* end of file: the other end is gone */
		if (errno == EINTR)
			continue;
		return errno == EAGAIN ? 0 : -errno;
	}
}

static int tap_send(void *be, const struct iovec *iov, unsigned iovcnt)
{
	struct tap *t = be;
	for (;;) {
		if (writev(t->fd, iov, (int)iovcnt) >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

static void tap_wait_writable(void *be, int timeout_ms)
{
	struct tap *t = be;
	struct pollfd p = {.fd = t->fd, .events = POLLOUT};
	poll(&p, 1, timeout_ms);
}

static int tap_rx_fd(void *be)
{
	struct tap *t = be;
	return t->fd;
}

static bool tap_offloads(void *be)
{
	struct tap *t = be;
	return t->offloads;
}

#define F(bit) (1ULL << (bit))

/* Segmentation offloads need checksum offload (virtio 1.2, 5.1.3.1; TUNSETOFFLOAD too). */
static int tap_set_offload(void *be, uint64_t features)
{
	struct tap *t = be;
	unsigned tun = 0;
	if (features & F(VIRTIO_NET_F_GUEST_CSUM)) {
		tun |= TUN_F_CSUM;
		if (features & F(VIRTIO_NET_F_GUEST_TSO4))
			tun |= TUN_F_TSO4;
		if (features & F(VIRTIO_NET_F_GUEST_TSO6))
			tun |= TUN_F_TSO6;
	}
	return ioctl(t->fd, TUNSETOFFLOAD, tun) < 0 ? -errno : 0;
}

const struct net_backend_ops tap_backend_ops = {
    .kind = "tap",
    .recv = tap_recv,
    .send = tap_send,
    .wait_writable = tap_wait_writable,
    .rx_fd = tap_rx_fd,
    .offloads = tap_offloads,
    .set_offload = tap_set_offload,
};
