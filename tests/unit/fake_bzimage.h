/* Builds synthetic bzImage files in memory for the loader's tests. */
#ifndef KVMINI_TEST_FAKE_BZIMAGE_H
#define KVMINI_TEST_FAKE_BZIMAGE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <asm/bootparam.h>

#define FAKE_SETUP_SECTS 1
#define FAKE_SETUP_SIZE	 ((FAKE_SETUP_SECTS + 1) * 512)

/*
 * A well-formed image: protocol 2.15, 64-bit entry, kernel_len bytes of protected-mode code
 * filled with a counting pattern. Returns a malloc'd buffer of *size bytes.
 */
static inline uint8_t *fake_bzimage(size_t kernel_len, size_t *size)
{
	*size = FAKE_SETUP_SIZE + kernel_len;
	uint8_t *img = calloc(1, *size);
	struct setup_header *h = (struct setup_header *)(img + 0x1F1);
	h->setup_sects = FAKE_SETUP_SECTS;
	h->syssize = (uint32_t)(kernel_len / 16); /* in 16-byte paragraphs */
	h->boot_flag = 0xAA55;
	h->header = 0x53726448;
	h->version = 0x020F;
	h->loadflags = LOADED_HIGH;
	h->code32_start = 0x100000;
	h->initrd_addr_max = 0x7FFFFFFF;
	h->kernel_alignment = 0x200000;
	h->xloadflags = XLF_KERNEL_64;
	h->cmdline_size = 2047;
	h->init_size = (uint32_t)(kernel_len + 0x10000);
	/* The 2-byte jump at 0x200 skips the header: its offset byte says where the header ends. */
	img[0x200] = 0xEB;
	img[0x201] = (uint8_t)(0x26C - 0x202);
	for (size_t i = 0; i < kernel_len; i++)
		img[FAKE_SETUP_SIZE + i] = (uint8_t)(i * 7 + 3);
	return img;
}

static inline struct setup_header *fake_hdr(uint8_t *img)
{
	return (struct setup_header *)(img + 0x1F1);
}

#endif
