/*
 * Parsing and checking a bzImage's setup header (Linux boot protocol, Documentation/x86/boot.rst).
 */
#ifndef KVMINI_BZIMAGE_H
#define KVMINI_BZIMAGE_H

#include <stddef.h>
#include <stdint.h>

#include <asm/bootparam.h>

#include "core/err.h"

#define BZ_HEADER_OFFSET  0x1F1
#define BZ_HDRS_MAGIC	  0x53726448 /* "HdrS" */
#define BZ_BOOT_FLAG	  0xAA55
#define BZ_MIN_VERSION	  0x020C /* 2.12: xloadflags, so we can tell a 64-bit entry exists */
#define BZ_ENTRY64_OFFSET 0x200	 /* the 64-bit entry, from the start of the protected-mode part */

struct bzimage {
	struct setup_header hdr; /* as found in the file */
	size_t hdr_len;		 /* bytes of header the file defines, from 0x1F1 */
	size_t setup_size;	 /* real-mode part: (setup_sects + 1) * 512 */
	const uint8_t *kernel;	 /* protected-mode part, inside the caller's buffer */
	size_t kernel_size;
};

/*
 * Checks a whole bzImage file held in buf and describes it in out. Returns 0, or -1 with a
 * one-line reason (wrong magic, old protocol, no 64-bit entry, truncated...) in err.
 */
int bzimage_parse(const uint8_t *buf, size_t size, struct bzimage *out, struct err *err);

/* Memory the kernel needs from its load address: init_size, but never less than its file part. */
uint64_t bzimage_load_size(const struct bzimage *bz);

#endif
