/*
 * A split virtqueue laid out in real (small) guest RAM, with helpers a test uses as the
 * "driver": write descriptors, publish heads, read what the device put in the used ring.
 */
#ifndef KVMINI_TEST_VRING_FAKE_H
#define KVMINI_TEST_VRING_FAKE_H

#include <stdint.h>
#include <string.h>

#include <linux/virtio_ring.h>

#include "core/guest_mem.h"

#define FR_RAM	    (16ULL << 20)
#define FR_DESC	    0x10000ULL
#define FR_AVAIL    0x20000ULL
#define FR_USED	    0x30000ULL
#define FR_INDIRECT 0x40000ULL	/* room for indirect tables */
#define FR_DATA	    0x100000ULL /* buffers from here up */

struct fake_ring {
	struct guest_mem gm;
	uint16_t size;
	uint16_t avail_idx;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
};

static inline int fr_init(struct fake_ring *f, uint16_t size)
{
	memset(f, 0, sizeof(*f));
	if (gm_alloc(&f->gm, FR_RAM))
		return -1;
	f->size = size;
	f->desc = gm_ptr(&f->gm, FR_DESC, 16ULL * size);
	f->avail = gm_ptr(&f->gm, FR_AVAIL, 6 + 2ULL * size);
	f->used = gm_ptr(&f->gm, FR_USED, 6 + 8ULL * size);
	return 0;
}

static inline void fr_free(struct fake_ring *f)
{
	gm_free(&f->gm);
}

static inline void *fr_ptr(struct fake_ring *f, uint64_t gpa)
{
	return gm_ptr(&f->gm, gpa, 1);
}

static inline void fr_desc(struct fake_ring *f, uint16_t i, uint64_t addr, uint32_t len,
			   uint16_t flags, uint16_t next)
{
	f->desc[i] = (struct vring_desc){.addr = addr, .len = len, .flags = flags, .next = next};
}

/* An entry of an indirect table at FR_INDIRECT + table_off. */
static inline void fr_indirect(struct fake_ring *f, uint64_t table, uint16_t i, uint64_t addr,
			       uint32_t len, uint16_t flags, uint16_t next)
{
	struct vring_desc *t = gm_ptr(&f->gm, table, 16ULL * (i + 1));
	t[i] = (struct vring_desc){.addr = addr, .len = len, .flags = flags, .next = next};
}

/* Both rings back to zero, as a driver leaves them for a fresh session after a reset. */
static inline void fr_clear(struct fake_ring *f)
{
	memset(f->avail, 0, 6 + 2ULL * f->size);
	memset(f->used, 0, 6 + 8ULL * f->size);
	f->avail_idx = 0;
}

static inline void fr_publish(struct fake_ring *f, uint16_t head)
{
	f->avail->ring[f->avail_idx % f->size] = head;
	f->avail_idx++;
	__atomic_store_n(&f->avail->idx, f->avail_idx, __ATOMIC_RELEASE);
}

static inline uint16_t fr_used_idx(struct fake_ring *f)
{
	return __atomic_load_n(&f->used->idx, __ATOMIC_ACQUIRE);
}

static inline struct vring_used_elem fr_used(struct fake_ring *f, uint16_t i)
{
	struct vring_used_elem *e = &f->used->ring[i % f->size];
	return (struct vring_used_elem){.id = __atomic_load_n(&e->id, __ATOMIC_RELAXED),
					.len = __atomic_load_n(&e->len, __ATOMIC_RELAXED)};
}

static inline uint16_t fr_used_flags(struct fake_ring *f)
{
	return __atomic_load_n(&f->used->flags, __ATOMIC_ACQUIRE);
}

/* The driver's used_event (after the avail ring) and the device's avail_event. */
static inline uint16_t *fr_used_event(struct fake_ring *f)
{
	return &f->avail->ring[f->size];
}

static inline uint16_t *fr_avail_event(struct fake_ring *f)
{
	return (uint16_t *)&f->used->ring[f->size];
}

#endif
