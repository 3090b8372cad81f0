#include "core/guest_mem.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#define HUGE_2M (2ULL << 20)

void gm_layout(struct guest_mem *gm, uint64_t ram_size)
{
	memset(gm, 0, sizeof(*gm));
	gm->ram_size = ram_size;
	uint64_t low = ram_size < GM_MMIO_HOLE_START ? ram_size : GM_MMIO_HOLE_START;
	gm->regions[0] = (struct gm_region){.gpa = 0, .size = low};
	gm->nregions = 1;
	if (ram_size > low) {
		gm->regions[1] = (struct gm_region){.gpa = GM_4G, .size = ram_size - low};
		gm->nregions = 2;
	}
}

int gm_alloc(struct guest_mem *gm, uint64_t ram_size)
{
	gm_layout(gm, ram_size);
	/*
	 * Over-allocate by 2 MiB and align by hand: KVM can back the guest with huge pages only
	 * when host and guest addresses agree modulo 2 MiB.
	 */
	size_t len = ram_size + HUGE_2M;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	gm->mapping = p;
	gm->mapping_size = len;
	uint8_t *base = (uint8_t *)(((uintptr_t)p + HUGE_2M - 1) & ~(uintptr_t)(HUGE_2M - 1));
	madvise(base, ram_size, MADV_HUGEPAGE); /* best effort */
	uint64_t off = 0;
	for (int i = 0; i < gm->nregions; i++) {
		gm->regions[i].hva = base + off;
		off += gm->regions[i].size;
	}
	return 0;
}

void gm_free(struct guest_mem *gm)
{
	if (gm->mapping)
		munmap(gm->mapping, gm->mapping_size);
	gm->mapping = NULL;
}

void *gm_ptr(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	for (int i = 0; i < gm->nregions; i++) {
		const struct gm_region *r = &gm->regions[i];
		/* Written as subtractions so no sum can wrap around 2^64. */
		if (gpa < r->gpa || gpa - r->gpa >= r->size)
			continue;
		uint64_t off = gpa - r->gpa;
		if (len > r->size - off || r->hva == NULL)
			return NULL;
		return r->hva + off;
	}
	return NULL;
}

bool gm_write(const struct guest_mem *gm, uint64_t gpa, const void *src, uint64_t len)
{
	void *dst = gm_ptr(gm, gpa, len);
	if (!dst)
		return false;
	memcpy(dst, src, len);
	return true;
}

bool gm_read(const struct guest_mem *gm, uint64_t gpa, void *dst, uint64_t len)
{
	const void *src = gm_ptr(gm, gpa, len);
	if (!src)
		return false;
	memcpy(dst, src, len);
	return true;
}

uint64_t gm_low_end(const struct guest_mem *gm)
{
	return gm->regions[0].size;
}
