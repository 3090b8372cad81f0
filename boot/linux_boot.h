/*
 * Loading a Linux bzImage into guest RAM by the 64-bit boot protocol: kernel, initrd, command
 * line, device tree (setup_data), boot_params, boot page tables and GDT.
 */
#ifndef KVMINI_LINUX_BOOT_H
#define KVMINI_LINUX_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/guest_mem.h"

struct linux_boot_args {
	const char *kernel_path;
	const char *initrd_path; /* NULL for none */
	const char *cmdline;
	const void *dtb; /* NULL for none */
	size_t dtb_size;
	uint64_t acpi_rsdp; /* guest-physical address of the RSDP, 0 for no ACPI */
};

struct linux_boot_entry {
	uint64_t rip;	      /* the 64-bit entry point */
	uint64_t boot_params; /* for RSI */
};

/*
 * Reads the files and lays everything out in guest memory. Every failure is the user's input
 * (missing, unreadable, not a bzImage, too big for --mem...) and gets a one-line reason.
 */
int linux_boot_load(const struct guest_mem *gm, const struct linux_boot_args *args,
		    struct linux_boot_entry *entry, struct err *err);

/* Reads a whole file for the loader; exposed for tests. Returns 0 or -1 with err set. */
int boot_read_file(const char *what, const char *path, uint64_t max, uint8_t **data, size_t *size,
		   struct err *err);

#endif
