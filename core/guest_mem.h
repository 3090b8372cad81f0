/* Guest physical memory: the RAM layout and the one checked guest-address accessor. */
#ifndef KVMINI_GUEST_MEM_H
#define KVMINI_GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform/layout.h"

/* RAM below the MMIO hole, and what does not fit there from 4 GiB up (platform/layout.h). */
#define GM_MAX_REGIONS 2

struct gm_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *hva;
};

struct guest_mem {
	uint64_t ram_size; /* what the user asked for */
	void *mapping;	   /* one host mapping backs all regions */
	size_t mapping_size;
	int nregions;
	struct gm_region regions[GM_MAX_REGIONS];
};

/* Split ram_size into regions around the MMIO hole; no host memory is touched. */
void gm_layout(struct guest_mem *gm, uint64_t ram_size);

/* gm_layout() plus an anonymous, 2 MiB aligned host mapping. Returns -errno. */
int gm_alloc(struct guest_mem *gm, uint64_t ram_size);
void gm_free(struct guest_mem *gm);

/*
 * The only way host code reaches guest memory: a host pointer to [gpa, gpa+len) when that
 * range lies wholly inside one RAM region, otherwise NULL. Overflow-safe for any gpa/len
 * a guest can supply.
 */
void *gm_ptr(const struct guest_mem *gm, uint64_t gpa, uint64_t len);

/* Copy helpers built on gm_ptr(); false when the range is not RAM. */
bool gm_write(const struct guest_mem *gm, uint64_t gpa, const void *src, uint64_t len);
bool gm_read(const struct guest_mem *gm, uint64_t gpa, void *dst, uint64_t len);

/* End of RAM below the hole (the low region's end). */
uint64_t gm_low_end(const struct guest_mem *gm);

#endif
