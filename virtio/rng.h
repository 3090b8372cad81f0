/*
 * virtio-rng, the entropy device (virtio 1.2, section 5.4): one request queue, no config space,
 * no device-specific features. The driver makes device-writable buffers available; the device
 * fills them from the host kernel's getrandom(2) and says in the used length how many bytes it
 * wrote: at most RNG_MAX_PER_CHAIN per chain, always from the start of the first buffer.
 *
 * A chain that breaks the driver's rules (5.4.6.1: a device-readable buffer, or no writable
 * byte at all) is completed with length 0 and nothing written, and the queue goes on, as
 * virtio-net does with a misdirected buffer: a driver must read the used length (5.4.6.1), so
 * it learns it got nothing. Buffers outside guest RAM never reach the device: virtq_pop
 * completes such a chain empty and the device asks for a reset.
 */
#ifndef KVMINI_VIRTIO_RNG_H
#define KVMINI_VIRTIO_RNG_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/err.h"
#include "virtio/device.h"

#define RNG_QUEUE_SIZE	  64
#define RNG_MAX_PER_CHAIN (64u << 10)

struct virtio_rng {
	/* getrandom(2), or a test's stand-in; called on the queue's worker thread. */
	ssize_t (*source)(void *buf, size_t len, unsigned flags);
	/* Counters for --verbose; they survive a device reset. */
	atomic_ullong bytes;	/* random bytes given to the guest */
	atomic_ullong rejected; /* chains completed empty because they broke the driver's rules */
	atomic_ullong failures; /* source errors (a chain then gets what was read before) */
};

extern const struct virtio_device_ops virtio_rng_ops;

/*
 * Set-up, on the main thread: makes sure the host's random pool is initialised, so that the
 * worker's non-blocking getrandom never has to wait. Returns 0, or -1 with err set.
 */
int virtio_rng_init(struct virtio_rng *r, struct err *err);

/*
 * Fills one popped chain's writable buffers and returns the used length: the bytes written,
 * contiguous from the first writable byte. 0 for a chain that breaks the rules. Exposed for
 * tests.
 */
uint32_t virtio_rng_request(struct virtio_rng *r, const struct virtq_elem *elem);

#endif
