#include "devices/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
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

int tap_set_offload(struct tap *t, unsigned tun_flags)
{
	return ioctl(t->fd, TUNSETOFFLOAD, tun_flags) < 0 ? -errno : 0;
}
