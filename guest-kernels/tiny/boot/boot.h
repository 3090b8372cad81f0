/* Reading what the loader left in boot_params (the zero page). */
#ifndef TINY_BOOT_BOOT_H
#define TINY_BOOT_BOOT_H

#include <asm/bootparam.h>
#include "lib/fdt.h"
#include "lib/types.h"

/* Not in the UAPI headers any more; values from the ACPI spec as Linux uses them. */
#define E820_TYPE_RAM	   1
#define E820_TYPE_RESERVED 2
#define E820_TYPE_ACPI	   3
#define E820_TYPE_NVS	   4
#define E820_TYPE_UNUSABLE 5
#define E820_TYPE_PMEM	   7

/* The loader maps only the low 4 GiB, so anything else would fault: check first. */
bool phys_ok(u64 addr, u64 len);

/* A NUL-terminated copy of the command line ("" when there is none), at most 2047 chars. */
const char *boot_cmdline(const struct boot_params *bp);

/* e820_entries clamped to the table size, so a bad count cannot walk off the zero page. */
unsigned boot_e820_count(const struct boot_params *bp);
const char *e820_type_name(u32 type);
/* Sum of usable (type 1) RAM. */
u64 boot_ram_bytes(const struct boot_params *bp);

/*
 * Walks the hdr.setup_data chain for the first node of this type. Returns 1 with data/len
 * filled when found, 0 when the chain ends without one, -1 with *err set when the chain is
 * malformed (unmapped node, too long or looping).
 */
int boot_find_setup_data(const struct boot_params *bp, u32 type, const void **data, u32 *len,
			 const char **err);

/* Finds the SETUP_DTB device tree and checks its header. Returns NULL, or what is wrong. */
const char *boot_dt(const struct boot_params *bp, struct fdt *fdt);

#endif
