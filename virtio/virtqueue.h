/*
 * A split virtqueue (virtio 1.2, section 2.7) seen from the device side, independent of any
 * device. Everything read from guest memory is validated here, once: a device only ever sees
 * a chain as readable and writable iovecs that lie wholly inside guest RAM.
 */
#ifndef KVMINI_VIRTQUEUE_H
#define KVMINI_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include <linux/virtio_ring.h>

#include "core/guest_mem.h"
#include "core/iov.h"

#define VIRTQ_MAX_SIZE 1024 /* the largest queue any kvmini device offers */
#define VIRTQ_MAX_SEGS 1024 /* buffers in one chain, direct and indirect together */

/* Why a queue stopped: each is a driver bug or a hostile guest, never a device fault. */
enum virtq_error {
	VQ_OK = 0,
	VQ_ERR_AVAIL_IDX,	 /* avail idx ran more than the queue size ahead */
	VQ_ERR_HEAD,		 /* head index >= queue size */
	VQ_ERR_NEXT,		 /* next index outside its table */
	VQ_ERR_LOOP,		 /* chain longer than its table: a loop */
	VQ_ERR_INDIRECT_FEATURE, /* INDIRECT_DESC used without being negotiated */
	VQ_ERR_INDIRECT_NESTED,	 /* indirect inside indirect */
	VQ_ERR_INDIRECT_POS,	 /* indirect not at the head, or with NEXT set */
	VQ_ERR_INDIRECT_LEN,	 /* table length 0 or not a multiple of 16 */
	VQ_ERR_ADDR,		 /* a buffer or table outside guest RAM (or wrapping) */
	VQ_ERR_ORDER,		 /* a readable buffer after a writable one */
	VQ_ERR_TOO_LONG,	 /* more than VIRTQ_MAX_SEGS buffers or 4 GiB in one chain */
	VQ_ERR_NO_STATUS,	 /* the device found no writable byte to put its answer in */
};

const char *virtq_error_str(enum virtq_error e);

struct virtq {
	const struct guest_mem *mem;
	uint16_t size;
	bool event_idx; /* VIRTIO_RING_F_EVENT_IDX negotiated */
	bool indirect;	/* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t last_avail;	 /* next avail entry to consume */
	uint16_t used_idx;	 /* our copy of used->idx */
	uint16_t signalled_used; /* used_idx when we last decided about an interrupt */
	bool signalled_valid;
	enum virtq_error error; /* set once the queue is broken; it stays so until reset */
};

/* One popped chain: readable buffers first (out), then writable ones (in). */
struct virtq_elem {
	uint16_t head;
	uint16_t nout, nin;
	uint32_t out_len, in_len; /* total bytes of each kind */
	struct iovec iov[VIRTQ_MAX_SEGS];
};

/*
 * Checks the ring addresses (alignment, wholly in RAM) and attaches the queue to them.
 * Returns 0, or -1 if the driver's set-up is unusable.
 */
int virtq_init(struct virtq *vq, const struct guest_mem *mem, uint16_t size, uint64_t desc,
	       uint64_t avail, uint64_t used, bool event_idx, bool indirect);

/*
 * Takes the next available chain. Returns 1 with elem filled, 0 when the ring is empty, or -1
 * when the queue is (now) broken: the device must then signal DEVICE_NEEDS_RESET. A malformed
 * chain whose head is valid has already been completed with length 0, so every popped head
 * is completed exactly once; a bad avail index or head leaves nothing to complete.
 */
int virtq_pop(struct virtq *vq, struct virtq_elem *elem);

/*
 * For a device that cannot answer a well-formed chain (no room for its status): completes it
 * with length 0 and breaks the queue, exactly as virtq_pop does for a malformed one.
 */
void virtq_fail(struct virtq *vq, uint16_t head, enum virtq_error e);

/*
 * Gives back the last n chains popped, uncompleted, as if they had not been taken: the next
 * pops take them again, read and validated afresh (net RX, short of buffers for a frame).
 * Only chains popped and not yet completed can be given back; n is capped at those.
 */
void virtq_unpop(struct virtq *vq, uint16_t n);

/* Completes n chains and publishes them with one index update (a merged net frame). */
void virtq_push_batch(struct virtq *vq, const uint16_t *heads, const uint32_t *written, unsigned n);

/* The driver's current available index. */
uint16_t virtq_avail_idx(const struct virtq *vq);

/* Completes a chain, `written` bytes having been put into its writable buffers. */
void virtq_push(struct virtq *vq, uint16_t head, uint32_t written);

/* Whether the driver wants an interrupt for what was pushed since the last call. */
bool virtq_should_interrupt(struct virtq *vq);

/* Asks the driver for notifications (kicks) or asks it not to send them, e.g. while polling. */
void virtq_set_notify(struct virtq *vq, bool enable);

/* True when the driver has made chains available that we have not popped. */
bool virtq_has_avail(const struct virtq *vq);

#endif
