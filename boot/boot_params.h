/* Filling the zero page (struct boot_params): e820 map, command line, initrd, setup_data. */
#ifndef KVMINI_BOOT_PARAMS_H
#define KVMINI_BOOT_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include <asm/bootparam.h>

#include "boot/bzimage.h"
#include "core/err.h"
#include "core/guest_mem.h"

#define E820_TYPE_RAM	   1
#define E820_TYPE_RESERVED 2

/* The guest's memory map: conventional memory, the EBDA, then RAM around the MMIO hole. */
unsigned bp_e820(const struct guest_mem *gm, struct boot_e820_entry *tab, unsigned max);

/* Longest command line the kernel accepts (cmdline_size), bounded by kvmini's buffer. */
size_t bp_cmdline_max(const struct setup_header *hdr);

/*
 * Chooses where the initrd goes: as high as possible (page aligned) but below both
 * initrd_addr_max and the top of low RAM, and above `lowest` (the end of the kernel).
 */
int bp_place_initrd(const struct guest_mem *gm, const struct setup_header *hdr, uint64_t lowest,
		    uint64_t size, uint64_t *gpa, struct err *err);

struct bp_args {
	uint64_t cmdline_gpa;
	uint64_t initrd_gpa, initrd_size;
	uint64_t setup_data_gpa; /* first node of the setup_data chain, 0 for none */
	uint64_t acpi_rsdp_gpa;	 /* 0 for none (the kernel then scans the BIOS area itself) */
};

/* A zero page holding the kernel's own header plus what the loader fills in. */
void bp_fill(struct boot_params *bp, const struct bzimage *bz, const struct guest_mem *gm,
	     const struct bp_args *args);

#endif
