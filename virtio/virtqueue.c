#include "virtio/virtqueue.h"

#include <string.h>

/*
 * Guest RAM is shared with an agent ThreadSanitizer cannot see: the guest orders one device's
 * use of a buffer before another's through its own CPU, ioeventfds and irqfds. Model that
 * as one happens-before token for all of guest memory, acquired when a chain is taken and
 * released when one is completed, so TSan reports real host races, not the guest's reuse.
 */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define KVMINI_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define KVMINI_TSAN 1
#endif
#ifdef KVMINI_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define GUEST_ACQUIRE(mem) __tsan_acquire((void *)(mem))
#define GUEST_RELEASE(mem) __tsan_release((void *)(mem))
#else
#define GUEST_ACQUIRE(mem) ((void)(mem))
#define GUEST_RELEASE(mem) ((void)(mem))
#endif

/*
 * Guest-shared fields are read exactly once into locals (the guest may change them at any
 * moment), with acquire on the index that publishes entries and release on the one we
 * publish, so a driver on another CPU sees entries before the index that covers them.
 */
#define LOAD_ONCE(x)	    __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define LOAD_ACQUIRE(x)	    __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define STORE_ONCE(x, v)    __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define STORE_RELEASE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELEASE)
#define FULL_BARRIER()	    __atomic_thread_fence(__ATOMIC_SEQ_CST)

static const char *const error_names[] = {
    [VQ_OK] = "ok",
    [VQ_ERR_AVAIL_IDX] = "available index ran more than the queue size ahead",
    [VQ_ERR_HEAD] = "head index out of range",
    [VQ_ERR_NEXT] = "next index out of range",
    [VQ_ERR_LOOP] = "descriptor chain loops",
    [VQ_ERR_INDIRECT_FEATURE] = "indirect descriptor without INDIRECT_DESC",
    [VQ_ERR_INDIRECT_NESTED] = "nested indirect descriptor",
    [VQ_ERR_INDIRECT_POS] = "indirect descriptor not alone at the head",
    [VQ_ERR_INDIRECT_LEN] = "indirect table length not a non-zero multiple of 16",
    [VQ_ERR_ADDR] = "buffer outside guest RAM",
    [VQ_ERR_ORDER] = "readable buffer after a writable one",
    [VQ_ERR_TOO_LONG] = "chain has too many buffers or bytes",
    [VQ_ERR_NO_STATUS] = "request has no writable status byte",
};

const char *virtq_error_str(enum virtq_error e)
{
	return (unsigned)e < sizeof(error_names) / sizeof(error_names[0]) ? error_names[e] : "?";
}

int virtq_init(struct virtq *vq, const struct guest_mem *mem, uint16_t size, uint64_t desc,
	       uint64_t avail, uint64_t used, bool event_idx, bool indirect)
{
	memset(vq, 0, sizeof(*vq));
	if (size == 0 || size > VIRTQ_MAX_SIZE || (size & (size - 1)))
		return -1;
	/* Alignments from the spec (2.7.2): 16 for the table, 2 for avail, 4 for used. */
	if ((desc & 15) || (avail & 1) || (used & 3))
		return -1;
	/* Both rings include their trailing event field, used with EVENT_IDX. */
	vq->desc = gm_ptr(mem, desc, 16ULL * size);
	vq->avail = gm_ptr(mem, avail, 4 + 2ULL * size + 2);
	vq->used = gm_ptr(mem, used, 4 + 8ULL * size + 2);
	if (!vq->desc || !vq->avail || !vq->used)
		return -1;
	vq->mem = mem;
	vq->size = size;
	vq->event_idx = event_idx;
	vq->indirect = indirect;
	/* Indexes start at 0 on a fresh or reset queue (2.7.13); the driver zeroed the rings. */
	return 0;
}

static int fail(struct virtq *vq, enum virtq_error e)
{
	vq->error = e;
	return -1;
}

/* Completes a malformed chain with nothing written, then breaks the queue. */
static int fail_chain(struct virtq *vq, uint16_t head, enum virtq_error e)
{
	virtq_push(vq, head, 0);
	return fail(vq, e);
}

void virtq_fail(struct virtq *vq, uint16_t head, enum virtq_error e)
{
	fail_chain(vq, head, e);
}

int virtq_pop(struct virtq *vq, struct virtq_elem *elem)
{
	if (vq->error)
		return -1;
	uint16_t avail_idx = LOAD_ACQUIRE(vq->avail->idx);
	uint16_t pending = (uint16_t)(avail_idx - vq->last_avail);
	if (pending == 0)
		return 0;
	if (pending > vq->size)
		return fail(vq, VQ_ERR_AVAIL_IDX);
	uint16_t head = LOAD_ONCE(vq->avail->ring[vq->last_avail % vq->size]);
	vq->last_avail++;
	if (head >= vq->size)
		return fail(vq, VQ_ERR_HEAD);

	elem->head = head;
	elem->nout = elem->nin = 0;
	uint64_t out_len = 0, in_len = 0;
	const struct vring_desc *table = vq->desc;
	unsigned table_size = vq->size, i = head, visited = 0;
	bool in_indirect = false;
	unsigned nsegs = 0;
	for (;;) {
		struct vring_desc d;
		memcpy(&d, &table[i], sizeof(d)); /* one snapshot; the guest may be writing */
		if (d.flags & VRING_DESC_F_INDIRECT) {
			if (!vq->indirect)
				return fail_chain(vq, head, VQ_ERR_INDIRECT_FEATURE);
			if (in_indirect)
				return fail_chain(vq, head, VQ_ERR_INDIRECT_NESTED);
			if (visited || (d.flags & VRING_DESC_F_NEXT))
				return fail_chain(vq, head, VQ_ERR_INDIRECT_POS);
			if (d.len == 0 || d.len % sizeof(struct vring_desc) ||
			    d.len / sizeof(struct vring_desc) > VIRTQ_MAX_SEGS)
				return fail_chain(vq, head, VQ_ERR_INDIRECT_LEN);
			table = gm_ptr(vq->mem, d.addr, d.len);
			if (!table)
				return fail_chain(vq, head, VQ_ERR_ADDR);
			table_size = d.len / sizeof(struct vring_desc);
			in_indirect = true;
			i = 0;
			visited = 0;
			continue;
		}
		if (d.len) {
			void *p = gm_ptr(vq->mem, d.addr, d.len);
			if (!p)
				return fail_chain(vq, head, VQ_ERR_ADDR);
			if (nsegs == VIRTQ_MAX_SEGS)
				return fail_chain(vq, head, VQ_ERR_TOO_LONG);
			elem->iov[nsegs++] = (struct iovec){.iov_base = p, .iov_len = d.len};
			if (d.flags & VRING_DESC_F_WRITE) {
				elem->nin++;
				in_len += d.len;
			} else {
				if (elem->nin)
					return fail_chain(vq, head, VQ_ERR_ORDER);
				elem->nout++;
				out_len += d.len;
			}
			if (out_len > UINT32_MAX || in_len > UINT32_MAX)
				return fail_chain(vq, head, VQ_ERR_TOO_LONG);
		}
		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
		if (d.next >= table_size)
			return fail_chain(vq, head, VQ_ERR_NEXT);
		/* A chain can visit each entry of its table once; any more is a loop. */
		if (++visited >= table_size)
			return fail_chain(vq, head, VQ_ERR_LOOP);
		i = d.next;
	}
	elem->out_len = (uint32_t)out_len;
	elem->in_len = (uint32_t)in_len;
	GUEST_ACQUIRE(vq->mem);
	return 1;
}

void virtq_unpop(struct virtq *vq, uint16_t n)
{
	/* Every chain popped is completed exactly once, so this many are still out. */
	uint16_t outstanding = (uint16_t)(vq->last_avail - vq->used_idx);
	vq->last_avail = (uint16_t)(vq->last_avail - (n < outstanding ? n : outstanding));
}

void virtq_push_batch(struct virtq *vq, const uint16_t *heads, const uint32_t *written, unsigned n)
{
	GUEST_RELEASE(vq->mem);
	for (unsigned i = 0; i < n; i++) {
		struct vring_used_elem *e =
		    &vq->used->ring[(uint16_t)(vq->used_idx + i) % vq->size];
		STORE_ONCE(e->id, heads[i]);
		STORE_ONCE(e->len, written[i]);
	}
	/* One index update: the driver sees all n or none. */
	vq->used_idx = (uint16_t)(vq->used_idx + n);
	STORE_RELEASE(vq->used->idx, vq->used_idx);
}

void virtq_push(struct virtq *vq, uint16_t head, uint32_t written)
{
	virtq_push_batch(vq, &head, &written, 1);
}

/* The driver's used_event sits after the avail ring; our avail_event after the used ring. */
static uint16_t *used_event(const struct virtq *vq)
{
	return &vq->avail->ring[vq->size];
}

static uint16_t *avail_event(const struct virtq *vq)
{
	return (uint16_t *)&vq->used->ring[vq->size];
}

bool virtq_should_interrupt(struct virtq *vq)
{
	/* Our used->idx store must be visible before we read the driver's suppression state. */
	FULL_BARRIER();
	uint16_t old = vq->signalled_used, now = vq->used_idx;
	bool valid = vq->signalled_valid;
	vq->signalled_used = now;
	vq->signalled_valid = true;
	if (old == now && valid)
		return false;
	if (!vq->event_idx)
		return !(LOAD_ONCE(vq->avail->flags) & VRING_AVAIL_F_NO_INTERRUPT);
	return !valid || vring_need_event(LOAD_ONCE(*used_event(vq)), now, old);
}

void virtq_set_notify(struct virtq *vq, bool enable)
{
	if (vq->event_idx) {
		/*
		 * Enabled: kick us for anything the driver publishes after what it has published
		 * now (normally all consumed; a device short of buffers, like net RX waiting for a
		 * frame's worth, leaves some and still needs the next kick). Disabled:
		 * an event index half the index space away. "Just behind us" is not enough: a
		 * driver that publishes a batch [old, new) we have partly consumed already would
		 * find last_avail - 1 inside its batch and kick.
		 */
		STORE_ONCE(*avail_event(vq), enable ? LOAD_ACQUIRE(vq->avail->idx)
						    : (uint16_t)(vq->last_avail + 0x8000));
	} else {
		STORE_ONCE(vq->used->flags, enable ? 0 : VRING_USED_F_NO_NOTIFY);
	}
	/* Callers re-check for work after enabling; the driver must see the flag first. */
	FULL_BARRIER();
}

uint16_t virtq_avail_idx(const struct virtq *vq)
{
	return LOAD_ACQUIRE(vq->avail->idx);
}

bool virtq_has_avail(const struct virtq *vq)
{
	return LOAD_ACQUIRE(vq->avail->idx) != vq->last_avail;
}
