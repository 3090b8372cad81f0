#include "virtio/rng.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <linux/virtio_ids.h>

static uint64_t rng_features(void *dev)
{
	(void)dev;
	return 0; /* 5.4.3: none */
}

static int rng_activate(void *dev, uint64_t features)
{
	(void)dev;
	(void)features;
	return 0;
}

static void rng_reset(void *dev)
{
	(void)dev; /* no driver-visible state beyond the queue, which the transport owns */
}

/*
 * Fills [buf, buf + len) from the source; returns the bytes written, fewer only when the
 * source failed. GRND_NONBLOCK: the pool was initialised at set-up (virtio_rng_init) and
 * never goes back, so getrandom cannot block here; the flag makes sure that, whatever the
 * kernel does, a guest's request never puts the worker to sleep (a reset or shutdown waits
 * for it). Interrupted or short reads are simply continued.
 */
static size_t fill(struct virtio_rng *r, uint8_t *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = r->source(buf + done, len - done, GRND_NONBLOCK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || (size_t)n > len - done) {
			atomic_fetch_add(&r->failures, 1);
			break;
		}
		done += (size_t)n;
	}
	return done;
}

uint32_t virtio_rng_request(struct virtio_rng *r, const struct virtq_elem *elem)
{
	/* The driver MUST NOT make readable buffers available (5.4.6.1); a chain with no
	 * writable byte cannot get the one byte a device must give (5.4.6.2). */
	if (elem->nout || elem->in_len == 0) {
		atomic_fetch_add(&r->rejected, 1);
		return 0;
	}
	/*
	 * The used length is what was written, from the first writable byte on (2.7.8.2); the
	 * device may fill less than the whole buffer (5.4.6.2). Bounded per chain, so one
	 * request of a few GiB cannot keep the worker busy.
	 */
	size_t want = elem->in_len < RNG_MAX_PER_CHAIN ? elem->in_len : RNG_MAX_PER_CHAIN;
	size_t done = 0;
	for (unsigned i = 0; i < elem->nin && done < want; i++) {
		const struct iovec *v = &elem->iov[elem->nout + i];
		size_t len = v->iov_len < want - done ? v->iov_len : want - done;
		size_t got = fill(r, v->iov_base, len);
		done += got;
		if (got < len)
			break; /* the source failed: report what is there, contiguous */
	}
	atomic_fetch_add(&r->bytes, done);
	return (uint32_t)done; /* <= RNG_MAX_PER_CHAIN */
}

static void rng_handle_queue(void *dev, unsigned q, struct virtq *vq, struct virtq_elem *elem)
{
	(void)q;
	for (unsigned n = 0; n < vq->size && virtq_pop(vq, elem) > 0; n++)
		virtq_push(vq, elem->head, virtio_rng_request(dev, elem));
}

/* No config space (5.4.4): none is given, so every config read is 0. */
const struct virtio_device_ops virtio_rng_ops = {
    .name = "virtio-rng",
    .device_id = VIRTIO_ID_RNG,
    .features = rng_features,
    .activate = rng_activate,
    .handle_queue = rng_handle_queue,
    .reset = rng_reset,
};

static ssize_t host_getrandom(void *buf, size_t len, unsigned flags)
{
	return getrandom(buf, len, flags);
}

int virtio_rng_init(struct virtio_rng *r, struct err *err)
{
	memset(r, 0, sizeof(*r));
	r->source = host_getrandom;
	/*
	 * A blocking read of one byte returns once the host's pool is initialised; from then on
	 * getrandom never blocks. This waits only on a host that has just booted (Linux 5.4 and
	 * later seed the pool within about a second when asked), before any guest code runs: no
	 * guest can make it wait.
	 */
	uint8_t byte;
	ssize_t n;
	do
		n = getrandom(&byte, 1, 0);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		return err_set(err, "--rng: the host's getrandom(2) does not work: %s",
			       n < 0 ? strerror(errno) : "no byte returned");
	return 0;
}
