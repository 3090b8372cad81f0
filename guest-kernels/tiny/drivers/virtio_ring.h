/*
 * The driver side of a split virtqueue (virtio 1.2, 2.7), shaped like Linux's virtio_ring.c
 * so the tiny guest makes the same ring accesses, kicks and interrupt requests a Linux guest
 * would: buffers go in as one scatter list (as an indirect table when negotiated and more than
 * one entry), the avail index is published after the entries, a kick is sent only when the
 * device asked for one (virtqueue_kick_prepare), and interrupts are re-enabled the way
 * virtqueue_enable_cb does it.
 *
 * Not re-entrant: callers run it with interrupts disabled, or from the interrupt handler.
 */
#ifndef TINY_DRIVERS_VIRTIO_RING_H
#define TINY_DRIVERS_VIRTIO_RING_H

#include <linux/virtio_ring.h>
#include "lib/types.h"

#define VQ_MAX_NUM	256
#define VQ_MAX_INDIRECT 32 /* entries of one indirect table: header, data pages, status */

/* One buffer of a request, in the order the device will see it. */
struct vq_sg {
	u64 addr;
	u32 len;
	bool write; /* device-writable (VRING_DESC_F_WRITE) */
};

struct virtqueue {
	/* Fixed by vq_alloc. */
	u16 max_num;
	void *ring_mem;		  /* descriptor table, avail ring, then used ring on its own page */
	struct vring_desc *indir; /* VQ_MAX_INDIRECT entries for each head */

	/* Set by vq_init at each (re)initialisation. */
	unsigned index;	 /* queue number on the device */
	u64 notify_addr; /* QueueNotify register: written with index */
	u16 num;
	bool indirect, event_idx;
	void (*callback)(struct virtqueue *vq); /* NULL: polled, no interrupts asked for */
	void *priv;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;

	u16 free_head, num_free;
	u16 avail_idx_shadow, avail_flags_shadow;
	u16 last_used_idx;
	u16 num_added;	      /* added since the last kick_prepare */
	bool event_triggered; /* an interrupt came: no need to suppress the next */
	bool broken;	      /* the device returned a head we never gave it */

	void *data[VQ_MAX_NUM]; /* token of each outstanding head */
	u16 next[VQ_MAX_NUM];	/* free list and chain links (Linux's desc_extra) */
	u16 ndescs[VQ_MAX_NUM]; /* descriptors a head occupies */

	unsigned kicks, kicks_skipped; /* kick_prepare said yes / no */
};

/* Reserves page-aligned memory for a queue of up to max_num (a power of 2) entries, once. */
int vq_alloc(struct virtqueue *vq, u16 max_num);

/*
 * Clears the rings and every index for a fresh queue of num entries (a power of 2, at most
 * max_num). A NULL callback asks the device for no interrupts, as Linux does for poll queues.
 */
void vq_init(struct virtqueue *vq, unsigned index, u64 notify_addr, u16 num, bool indirect,
	     bool event_idx, void (*callback)(struct virtqueue *), void *priv);

/* Guest-physical addresses of the three parts, for the transport's queue registers. */
u64 vq_desc_addr(const struct virtqueue *vq);
u64 vq_avail_addr(const struct virtqueue *vq);
u64 vq_used_addr(const struct virtqueue *vq);

/*
 * virtqueue_add_sgs: makes sg[0..n) available with token data (non-NULL). Returns 0, -1 when
 * there are not enough free descriptors now (wait for completions), or -2 when it can never
 * fit or the queue is broken.
 */
int vq_add(struct virtqueue *vq, const struct vq_sg *sg, unsigned n, void *data);
/* How many descriptors an n-entry request takes. */
unsigned vq_descs_needed(const struct virtqueue *vq, unsigned n);

/* virtqueue_kick_prepare / virtqueue_notify / virtqueue_kick. */
bool vq_kick_prepare(struct virtqueue *vq);
void vq_notify(struct virtqueue *vq);
bool vq_kick(struct virtqueue *vq);

/* virtqueue_get_buf: the next completed token (its used length in *len), or NULL. */
void *vq_get_buf(struct virtqueue *vq, u32 *len);
bool vq_more_used(const struct virtqueue *vq);

/* virtqueue_disable_cb / virtqueue_enable_cb (false: more came in, reap again). */
void vq_disable_cb(struct virtqueue *vq);
bool vq_enable_cb(struct virtqueue *vq);

/* vring_interrupt: runs the callback if the device used anything. */
bool vq_interrupt(struct virtqueue *vq);

/*
 * For hostile tests only: makes `head` available exactly as vq_add would, for descriptors
 * the caller wrote into vq->desc by hand. The queue's bookkeeping no longer matches the ring
 * afterwards, so the caller must re-initialise the device before using the queue again.
 */
void vq_publish_raw(struct virtqueue *vq, u16 head);

#endif
