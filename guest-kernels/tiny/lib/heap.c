#include "lib/heap.h"
#include "boot/boot.h"

extern char _end[]; /* tiny.ld: end of .bss, page-aligned */

static u64 next, limit;

void heap_init(const struct boot_params *bp)
{
	u64 start = (u64)(uintptr_t)_end;

	if (limit)
		return;
	for (unsigned i = 0; i < boot_e820_count(bp); i++) {
		const struct boot_e820_entry *e = &bp->e820_table[i];

		if (e->type == E820_TYPE_RAM && e->addr <= start && start < e->addr + e->size) {
			next = start;
			limit = e->addr + e->size;
		}
	}
	/* Only the low 4 GiB is mapped. */
	if (limit > (4ULL << 30))
		limit = 4ULL << 30;
}

void *heap_alloc(u64 bytes)
{
	u64 size = (bytes + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);

	if (!size || size > limit - next)
		return NULL;
	void *p = (void *)(uintptr_t)next;
	next += size;
	return p;
}
