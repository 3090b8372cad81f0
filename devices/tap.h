/*
 * A Linux tap device as a network backend: opened with IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, so
 * each read or write is one Ethernet frame preceded by a virtio-net header, and checksum and
 * segmentation offloads pass through to the host stack. Created if it does not exist.
 */
#ifndef KVMINI_TAP_H
#define KVMINI_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "core/err.h"

struct tap {
	int fd; /* non-blocking */
	char name[16];
	bool offloads; /* TUNSETOFFLOAD works: guest-side CSUM/TSO can be offered */
};

/* Returns 0, or -1 with a one-line reason (busy, not permitted, no /dev/net/tun). */
int tap_open(struct tap *t, const char *name, unsigned vnet_hdr_len, struct err *err);
void tap_close(struct tap *t);

/* Which offloads the host may hand us (TUN_F_* flags), after feature negotiation. */
int tap_set_offload(struct tap *t, unsigned tun_flags);

#endif
