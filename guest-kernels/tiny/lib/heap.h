/*
 * Page-aligned memory for drivers and scenarios: a bump allocator over the RAM after the
 * image. Never freed and not zeroed: zeroing costs PVM time, so callers clear only what the
 * device must see clean (the rings). Keeping big buffers out of .bss keeps boot cheap too,
 * since entry.S clears .bss one emulated store at a time.
 */
#ifndef TINY_LIB_HEAP_H
#define TINY_LIB_HEAP_H

#include <asm/bootparam.h>
#include "lib/types.h"

#define PAGE_SIZE 4096ULL

/* Finds the usable e820 range holding the end of the image. Idempotent. */
void heap_init(const struct boot_params *bp);

/* bytes rounded up to whole pages, page-aligned; NULL when RAM runs out. */
void *heap_alloc(u64 bytes);

#endif
