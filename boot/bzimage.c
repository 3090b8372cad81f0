#include "boot/bzimage.h"

#include <string.h>

int bzimage_parse(const uint8_t *buf, size_t size, struct bzimage *out, struct err *err)
{
	memset(out, 0, sizeof(*out));
	if (size == 0)
		return err_set(err, "is empty (0 bytes); pass a Linux bzImage");
	/* The header as of protocol 2.15 ends at 0x26C (after kernel_info_offset). */
	_Static_assert(BZ_HEADER_OFFSET + sizeof(struct setup_header) == 0x26C, "header size");
	if (size < 0x26C)
		return err_set(err, "is too small to be a bzImage (%zu bytes)", size);

	struct setup_header hdr;
	memcpy(&hdr, buf + BZ_HEADER_OFFSET, sizeof(hdr));
	if (hdr.header != BZ_HDRS_MAGIC)
		return err_set(err, "is not a bzImage (no \"HdrS\" setup header at 0x202); pass "
				    "arch/x86/boot/bzImage, not vmlinux or a compressed file");
	if (hdr.boot_flag != BZ_BOOT_FLAG)
		return err_set(err, "has a bad boot flag 0x%04x (want 0xAA55); not a bzImage",
			       hdr.boot_flag);
	if (hdr.version < BZ_MIN_VERSION)
		return err_set(
		    err, "uses boot protocol %u.%02u; kvmini needs 2.12 or later (Linux 3.8+)",
		    hdr.version >> 8, hdr.version & 0xff);
	if (!(hdr.xloadflags & XLF_KERNEL_64))
		return err_set(err, "has no 64-bit entry point (XLF_KERNEL_64 unset): build an "
				    "x86_64 kernel");
	if (!(hdr.loadflags & LOADED_HIGH))
		return err_set(err, "is a zImage that loads at 0x10000; kvmini needs a bzImage");

	/* The header says how long it is: the jump at 0x200 skips over it. */
	size_t hdr_len = 0x202 + buf[0x201] - BZ_HEADER_OFFSET;
	if (hdr_len > sizeof(hdr))
		hdr_len = sizeof(hdr);
	unsigned setup_sects = hdr.setup_sects ? hdr.setup_sects : 4;
	size_t setup_size = (size_t)(setup_sects + 1) * 512;
	if (size <= setup_size)
		return err_set(
		    err,
		    "is truncated: its %zu-byte setup part leaves no kernel (file is %zu "
		    "bytes)",
		    setup_size, size);
	size_t kernel_size = size - setup_size;
	uint64_t declared = (uint64_t)hdr.syssize * 16;
	if (declared > kernel_size)
		return err_set(err, "is truncated: header says %llu kernel bytes, file has %zu",
			       (unsigned long long)declared, kernel_size);
	if (kernel_size <= BZ_ENTRY64_OFFSET)
		return err_set(err, "is truncated: no code at the 64-bit entry offset 0x200");

	out->hdr = hdr;
	out->hdr_len = hdr_len;
	out->setup_size = setup_size;
	out->kernel = buf + setup_size;
	out->kernel_size = kernel_size;
	return 0;
}

uint64_t bzimage_load_size(const struct bzimage *bz)
{
	uint64_t need = bz->hdr.init_size;
	return need > bz->kernel_size ? need : bz->kernel_size;
}
