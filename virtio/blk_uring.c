#include "virtio/blk_uring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "devices/disk_uring.h"

/* A request in flight. Its iovecs stay here, and are advanced here, until it completes. */
struct blk_slot {
	uint16_t head;
	bool write, flush;
	uint8_t *status;
	uint32_t used_len; /* what the chain reports when it succeeds */
	uint64_t off;	   /* of what is still to move */
	size_t left;
	unsigned n;
	struct iovec *iov;
	/* Last, so a small request touches only the first page of its slot. */
	struct iovec iov_store[VIRTQ_MAX_SEGS];
};

struct blk_uring_queue {
	struct disk_uring ring;
	struct virtio_blk *b;
	struct virtq *vq; /* where completions go: the queue being served */
	bool discard;	  /* quiescing: completions are dropped, not reported */
	unsigned nfree;
	uint16_t free[BLK_URING_DEPTH];
	struct blk_slot slots[BLK_URING_DEPTH];
};

int virtio_blk_use_uring(struct virtio_blk *b, struct err *err)
{
	for (unsigned i = 0; i < b->nqueues; i++) {
		/* About 1 MiB of address space; only the slots in use are ever touched. */
		struct blk_uring_queue *u = calloc(1, sizeof(*u));
		if (!u)
			return err_set(err, "out of memory for io_uring queue state");
		if (disk_uring_init(&u->ring, b->disk, BLK_URING_DEPTH, err)) {
			free(u);
			return -1;
		}
		u->b = b;
		for (unsigned s = 0; s < BLK_URING_DEPTH; s++)
			u->free[u->nfree++] = (uint16_t)(BLK_URING_DEPTH - 1 - s);
		b->uring[i] = u;
	}
	return 0;
}

void virtio_blk_destroy(struct virtio_blk *b)
{
	for (unsigned i = 0; i < BLK_MAX_QUEUES; i++) {
		if (!b->uring[i])
			continue;
		disk_uring_destroy(&b->uring[i]->ring);
		free(b->uring[i]);
		b->uring[i] = NULL;
	}
}

static bool start(struct blk_uring_queue *u, struct blk_slot *s)
{
	uint64_t tag = (uint64_t)(s - u->slots);
	if (s->flush)
		return disk_uring_fdatasync(&u->ring, tag);
	return s->write ? disk_uring_writev(&u->ring, s->iov, s->n, s->off, tag)
			: disk_uring_readv(&u->ring, s->iov, s->n, s->off, tag);
}

/* Moves a slot's iovecs past `done` bytes, after a short transfer. */
static void advance(struct blk_slot *s, size_t done)
{
	s->off += done;
	s->left -= done;
	while (s->n && done >= s->iov->iov_len) {
		done -= s->iov->iov_len;
		s->iov++;
		s->n--;
	}
	if (done) {
		s->iov->iov_base = (uint8_t *)s->iov->iov_base + done;
		s->iov->iov_len -= done;
	}
}

static void finish(struct blk_uring_queue *u, struct blk_slot *s, uint8_t status)
{
	*s->status = status;
	virtq_push(u->vq, s->head, status == VIRTIO_BLK_S_OK ? s->used_len : 1);
	u->free[u->nfree++] = (uint16_t)(s - u->slots);
}

/* One completion from the ring: finish the request, or go on with the rest of a short one. */
static void completed(void *ctx, uint64_t tag, int res)
{
	struct blk_uring_queue *u = ctx;
	struct blk_slot *s = &u->slots[tag];
	if (u->discard) {
		u->free[u->nfree++] = (uint16_t)tag;
		return;
	}
	if (res < 0 || (!s->flush && res == 0)) {
		finish(u, s, VIRTIO_BLK_S_IOERR); /* a 0-byte transfer is EOF: never success */
		return;
	}
	if (!s->flush && (size_t)res < s->left) {
		/* Short: the rest goes back on the ring (there is room: this slot's own). */
		advance(s, (size_t)res);
		start(u, s);
		return;
	}
	struct disk *d = u->b->disk;
	if (s->write && virtio_blk_write_through(u->b) && d->ops->flush(d)) {
		finish(u, s, VIRTIO_BLK_S_IOERR);
		return;
	}
	finish(u, s, VIRTIO_BLK_S_OK);
}

/*
 * Submission fails only for want of kernel memory (-EAGAIN, -ENOMEM): the host's trouble, not
 * the guest's. The requests stay prepared; try again shortly rather than lose them.
 */
static void submit(struct blk_uring_queue *u)
{
	while (disk_uring_submit(&u->ring) < 0) {
		struct timespec ms = {.tv_nsec = 1000000};
		nanosleep(&ms, NULL);
	}
}

void virtio_blk_uring_handle(struct virtio_blk *b, unsigned q, struct virtq *vq,
			     struct virtq_elem *elem)
{
	struct blk_uring_queue *u = b->uring[q];
	u->b = b; /* the device and ring served now: completions below finish against them */
	u->vq = vq;
	disk_uring_reap(&u->ring, completed, u);
	for (unsigned n = 0; n < vq->size && u->nfree && virtq_pop(vq, elem) > 0; n++) {
		struct blk_slot *s = &u->slots[u->free[u->nfree - 1]];
		struct blk_rw rw;
		enum blk_route route = virtio_blk_route(b, elem, &rw, s->iov_store);
		if (route == BLK_NOW) {
			uint32_t written;
			if (virtio_blk_request(b, elem, &written)) {
				virtq_fail(vq, elem->head, VQ_ERR_NO_STATUS);
				break;
			}
			virtq_push(vq, elem->head, written);
			continue;
		}
		u->nfree--;
		s->head = elem->head;
		s->status = rw.status;
		s->flush = route == BLK_FLUSH;
		s->write = !s->flush && rw.write;
		s->used_len = s->flush || s->write ? 1 : (uint32_t)rw.len + 1;
		s->off = rw.off;
		s->left = rw.len;
		s->n = rw.n;
		s->iov = s->iov_store;
		start(u, s); /* cannot fail: a free slot is a free place on the ring */
	}
	/*
	 * Reads from the page cache complete inside the submit: finish them in this pass. Any
	 * rest of a short transfer that this puts back on the ring goes in at once.
	 */
	do
		submit(u);
	while (disk_uring_reap(&u->ring, completed, u) && u->ring.pending);
}

int virtio_blk_uring_fd(void *dev, unsigned q)
{
	struct virtio_blk *b = dev;
	struct blk_uring_queue *u = b->uring[q];
	return u && u->ring.inflight ? u->ring.event_fd : -1;
}

bool virtio_blk_uring_ready(void *dev, unsigned q)
{
	struct virtio_blk *b = dev;
	struct blk_uring_queue *u = b->uring[q];
	return u && disk_uring_ready(&u->ring);
}

void virtio_blk_uring_quiesce(void *dev, unsigned q)
{
	struct virtio_blk *b = dev;
	struct blk_uring_queue *u = b->uring[q];
	if (!u)
		return;
	/*
	 * The session ends (reset or shutdown): wait out every transfer, which may still be
	 * writing guest RAM, and drop them; the driver has given up on them.
	 */
	u->discard = true;
	disk_uring_drain(&u->ring, completed, u);
	u->discard = false;
}
