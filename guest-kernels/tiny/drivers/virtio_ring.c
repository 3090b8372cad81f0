#include "drivers/virtio_ring.h"
#include "arch/io.h"
#include "lib/heap.h"
#include "lib/string.h"

/*
 * Linux's virtio barriers with weak_barriers (virtio-mmio): x86 keeps stores in order and
 * loads in order, so wmb/rmb only stop the compiler; the full barrier that orders our
 * stores before later loads of device-written fields is a locked instruction.
 */
#define virtio_wmb() __asm__ volatile("" ::: "memory")
#define virtio_rmb() __asm__ volatile("" ::: "memory")
#define virtio_mb()  __asm__ volatile("lock; orq $0, (%%rsp)" ::: "memory", "cc")

#define READ_ONCE(x)	 (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

/* The event fields sit just past each ring (2.7.10). */
static volatile u16 *used_event(struct virtqueue *vq)
{
	return &vq->avail->ring[vq->num];
}

static volatile u16 *avail_event(struct virtqueue *vq)
{
	return (volatile u16 *)&vq->used->ring[vq->num];
}

/* Linux's vring_init layout with the page alignment virtio-mmio uses for the used ring. */
static u64 avail_offset(u16 num)
{
	return 16ULL * num;
}

static u64 used_offset(u16 num)
{
	return (avail_offset(num) + 6 + 2ULL * num + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

static u64 ring_bytes(u16 num)
{
	return used_offset(num) + 6 + 8ULL * num;
}

int vq_alloc(struct virtqueue *vq, u16 max_num)
{
	if (vq->ring_mem)
		return 0;
	if (!max_num || max_num > VQ_MAX_NUM || (max_num & (max_num - 1)))
		return -1;
	vq->ring_mem = heap_alloc(ring_bytes(max_num));
	vq->indir = heap_alloc((u64)max_num * VQ_MAX_INDIRECT * sizeof(struct vring_desc));
	if (!vq->ring_mem || !vq->indir)
		return -1;
	vq->max_num = max_num;
	return 0;
}

void vq_init(struct virtqueue *vq, unsigned index, u64 notify_addr, u16 num, bool indirect,
	     bool event_idx, void (*callback)(struct virtqueue *), void *priv)
{
	u8 *mem = vq->ring_mem;

	/* The device reads whatever is there: the driver must hand over zeroed rings. */
	memset(mem, 0, ring_bytes(num));
	vq->index = index;
	vq->notify_addr = notify_addr;
	vq->num = num;
	vq->indirect = indirect;
	vq->event_idx = event_idx;
	vq->callback = callback;
	vq->priv = priv;
	vq->desc = (struct vring_desc *)mem;
	vq->avail = (struct vring_avail *)(mem + avail_offset(num));
	vq->used = (struct vring_used *)(mem + used_offset(num));
	vq->free_head = 0;
	vq->num_free = num;
	vq->avail_idx_shadow = vq->last_used_idx = vq->num_added = 0;
	vq->avail_flags_shadow = 0;
	vq->event_triggered = vq->broken = false;
	vq->kicks = vq->kicks_skipped = 0;
	for (u16 i = 0; i < num; i++) {
		vq->data[i] = NULL;
		vq->next[i] = (u16)(i + 1);
		vq->ndescs[i] = 0;
	}
	/* No callback? Tell the device not to bother us (Linux, __vring_new_virtqueue). */
	if (!callback) {
		vq->avail_flags_shadow |= VRING_AVAIL_F_NO_INTERRUPT;
		if (!event_idx)
			vq->avail->flags = vq->avail_flags_shadow;
	}
}

u64 vq_desc_addr(const struct virtqueue *vq)
{
	return (u64)(uintptr_t)vq->desc;
}

u64 vq_avail_addr(const struct virtqueue *vq)
{
	return (u64)(uintptr_t)vq->avail;
}

u64 vq_used_addr(const struct virtqueue *vq)
{
	return (u64)(uintptr_t)vq->used;
}

static bool use_indirect(const struct virtqueue *vq, unsigned n)
{
	return vq->indirect && n > 1 && n <= VQ_MAX_INDIRECT;
}

unsigned vq_descs_needed(const struct virtqueue *vq, unsigned n)
{
	return use_indirect(vq, n) ? 1 : n;
}

static void publish(struct virtqueue *vq, u16 head)
{
	vq->avail->ring[vq->avail_idx_shadow & (vq->num - 1)] = head;
	/* Descriptors and the ring entry must be visible before the index that covers them. */
	virtio_wmb();
	vq->avail_idx_shadow++;
	WRITE_ONCE(vq->avail->idx, vq->avail_idx_shadow);
	vq->num_added++;
	/* The kick decision compares 16-bit indices: never let that many pile up unkicked. */
	if (vq->num_added == 0xffff)
		vq_kick(vq);
}

static u16 desc_flags(const struct vq_sg *sg, bool last)
{
	return (u16)((sg->write ? VRING_DESC_F_WRITE : 0) | (last ? 0 : VRING_DESC_F_NEXT));
}

int vq_add(struct virtqueue *vq, const struct vq_sg *sg, unsigned n, void *data)
{
	if (vq->broken || !n || !data || n > vq->num)
		return -2;
	unsigned needed = vq_descs_needed(vq, n);
	if (vq->num_free < needed)
		return -1;

	u16 head = vq->free_head, i = head;
	if (use_indirect(vq, n)) {
		struct vring_desc *table = vq->indir + (u64)head * VQ_MAX_INDIRECT;

		for (unsigned k = 0; k < n; k++)
			table[k] = (struct vring_desc){.addr = sg[k].addr,
						       .len = sg[k].len,
						       .flags = desc_flags(&sg[k], k == n - 1),
						       .next = (u16)(k + 1)};
		vq->desc[head] = (struct vring_desc){
		    .addr = (u64)(uintptr_t)table,
		    .len = (u32)(n * sizeof(*table)),
		    .flags = VRING_DESC_F_INDIRECT,
		};
		i = vq->next[head];
	} else {
		for (unsigned k = 0; k < n; k++) {
			vq->desc[i] = (struct vring_desc){.addr = sg[k].addr,
							  .len = sg[k].len,
							  .flags = desc_flags(&sg[k], k == n - 1),
							  .next = vq->next[i]};
			i = vq->next[i];
		}
	}
	vq->free_head = i;
	vq->num_free = (u16)(vq->num_free - needed);
	vq->ndescs[head] = (u16)needed;
	vq->data[head] = data;
	publish(vq, head);
	return 0;
}

void vq_publish_raw(struct virtqueue *vq, u16 head)
{
	publish(vq, head);
}

bool vq_kick_prepare(struct virtqueue *vq)
{
	/* Our avail index must be visible before we read the device's suppression state. */
	virtio_mb();
	u16 new_idx = vq->avail_idx_shadow, old = (u16)(new_idx - vq->num_added);
	bool needs;

	vq->num_added = 0;
	if (vq->event_idx)
		needs = vring_need_event(READ_ONCE(*avail_event(vq)), new_idx, old);
	else
		needs = !(READ_ONCE(vq->used->flags) & VRING_USED_F_NO_NOTIFY);
	if (needs)
		vq->kicks++;
	else
		vq->kicks_skipped++;
	return needs;
}

void vq_notify(struct virtqueue *vq)
{
	mmio_write32(vq->notify_addr, vq->index);
}

bool vq_kick(struct virtqueue *vq)
{
	bool needs = vq_kick_prepare(vq);

	if (needs)
		vq_notify(vq);
	return needs;
}

bool vq_more_used(const struct virtqueue *vq)
{
	return vq->last_used_idx != READ_ONCE(vq->used->idx);
}

static void detach(struct virtqueue *vq, u16 head)
{
	u16 i = head;

	for (u16 n = vq->ndescs[head]; n > 1; n--)
		i = vq->next[i];
	vq->next[i] = vq->free_head;
	vq->free_head = head;
	vq->num_free = (u16)(vq->num_free + vq->ndescs[head]);
	vq->ndescs[head] = 0;
	vq->data[head] = NULL;
}

void *vq_get_buf(struct virtqueue *vq, u32 *len)
{
	if (vq->broken || !vq_more_used(vq))
		return NULL;
	/* Read the entry only after the index that says it is there. */
	virtio_rmb();
	const struct vring_used_elem *e = &vq->used->ring[vq->last_used_idx & (vq->num - 1)];
	u32 id = READ_ONCE(e->id);

	*len = READ_ONCE(e->len);
	/* A head we never gave out, or gave back twice: Linux's BAD_RING. */
	if (id >= vq->num || !vq->data[id]) {
		vq->broken = true;
		return NULL;
	}
	void *data = vq->data[id];
	detach(vq, (u16)id);
	vq->last_used_idx++;
	/* Ask for an interrupt at the next entry, ordered before we next read used->idx. */
	if (!(vq->avail_flags_shadow & VRING_AVAIL_F_NO_INTERRUPT)) {
		WRITE_ONCE(*used_event(vq), vq->last_used_idx);
		virtio_mb();
	}
	return data;
}

void vq_disable_cb(struct virtqueue *vq)
{
	if (vq->avail_flags_shadow & VRING_AVAIL_F_NO_INTERRUPT)
		return;
	vq->avail_flags_shadow |= VRING_AVAIL_F_NO_INTERRUPT;
	/* The device already interrupted and will not again until used_event moves. */
	if (vq->event_triggered)
		return;
	if (vq->event_idx)
		WRITE_ONCE(*used_event(vq), 0); /* Linux's own "hack": far behind used->idx */
	else
		WRITE_ONCE(vq->avail->flags, vq->avail_flags_shadow);
}

bool vq_enable_cb(struct virtqueue *vq)
{
	vq->event_triggered = false;
	if (vq->avail_flags_shadow & VRING_AVAIL_F_NO_INTERRUPT) {
		vq->avail_flags_shadow &= (u16)~VRING_AVAIL_F_NO_INTERRUPT;
		if (!vq->event_idx)
			WRITE_ONCE(vq->avail->flags, vq->avail_flags_shadow);
	}
	u16 last = vq->last_used_idx;
	WRITE_ONCE(*used_event(vq), last);
	/* Then look again: an entry used before the device saw used_event gets no interrupt. */
	virtio_mb();
	return last == READ_ONCE(vq->used->idx);
}

bool vq_interrupt(struct virtqueue *vq)
{
	if (!vq_more_used(vq))
		return false;
	if (vq->broken)
		return true;
	if (vq->event_idx)
		vq->event_triggered = true;
	if (vq->callback)
		vq->callback(vq);
	return true;
}
