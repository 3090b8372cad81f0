#include "boot/boot_params.h"

#include <string.h>

#include "platform/layout.h"

static unsigned add_entry(struct boot_e820_entry *tab, unsigned n, unsigned max, uint64_t addr,
			  uint64_t size, uint32_t type)
{
	if (n < max && size)
		tab[n++] = (struct boot_e820_entry){.addr = addr, .size = size, .type = type};
	return n;
}

unsigned bp_e820(const struct guest_mem *gm, struct boot_e820_entry *tab, unsigned max)
{
	unsigned n = 0;
	uint64_t low_end = gm_low_end(gm);
	n = add_entry(tab, n, max, 0, BOOT_EBDA_START, E820_TYPE_RAM);
	/* Linux looks for firmware tables here; marking it reserved keeps it from being reused. */
	n = add_entry(tab, n, max, BOOT_EBDA_START, BOOT_LOW_MEM_END - BOOT_EBDA_START,
		      E820_TYPE_RESERVED);
	/* 0xA0000-0xFFFFF is the legacy VGA/BIOS hole: left out, as on a PC. */
	if (low_end > BOOT_KERNEL_ADDR)
		n = add_entry(tab, n, max, BOOT_KERNEL_ADDR, low_end - BOOT_KERNEL_ADDR,
			      E820_TYPE_RAM);
	for (int i = 1; i < gm->nregions; i++)
		n = add_entry(tab, n, max, gm->regions[i].gpa, gm->regions[i].size, E820_TYPE_RAM);
	return n;
}

size_t bp_cmdline_max(const struct setup_header *hdr)
{
	size_t max = hdr->cmdline_size;
	return max < BOOT_CMDLINE_MAX - 1 ? max : BOOT_CMDLINE_MAX - 1;
}

int bp_place_initrd(const struct guest_mem *gm, const struct setup_header *hdr, uint64_t lowest,
		    uint64_t size, uint64_t *gpa, struct err *err)
{
	uint64_t top = (uint64_t)hdr->initrd_addr_max + 1;
	if (top > gm_low_end(gm))
		top = gm_low_end(gm);
	lowest = (lowest + BOOT_PAGE_SIZE - 1) & ~(uint64_t)(BOOT_PAGE_SIZE - 1);
	if (size == 0)
		return err_set(err, "is empty; drop --initrd or pass a cpio archive");
	if (top < lowest || size > top - lowest)
		return err_set(err,
			       "(%llu KiB) does not fit between the kernel and the %llu MiB limit "
			       "below it; raise --mem",
			       (unsigned long long)(size >> 10), (unsigned long long)(top >> 20));
	*gpa = (top - size) & ~(uint64_t)(BOOT_PAGE_SIZE - 1);
	return 0;
}

void bp_fill(struct boot_params *bp, const struct bzimage *bz, const struct guest_mem *gm,
	     const struct bp_args *args)
{
	memset(bp, 0, sizeof(*bp));
	/* The protocol: copy the kernel's header as the file defines it, then fill in fields. */
	memcpy(&bp->hdr, &bz->hdr, bz->hdr_len);
	struct setup_header *h = &bp->hdr;
	h->type_of_loader = 0xFF; /* "undefined" loader id: kvmini has none assigned */
	h->vid_mode = 0xFFFF;	  /* "normal" */
	h->code32_start = BOOT_KERNEL_ADDR;
	h->cmd_line_ptr = (uint32_t)args->cmdline_gpa;
	bp->ext_cmd_line_ptr = (uint32_t)(args->cmdline_gpa >> 32);
	h->ramdisk_image = (uint32_t)args->initrd_gpa;
	h->ramdisk_size = (uint32_t)args->initrd_size;
	bp->ext_ramdisk_image = (uint32_t)(args->initrd_gpa >> 32);
	bp->ext_ramdisk_size = (uint32_t)(args->initrd_size >> 32);
	h->setup_data = args->setup_data_gpa;
	bp->acpi_rsdp_addr = args->acpi_rsdp_gpa; /* read by kernels of boot protocol 2.14+ */
	bp->e820_entries = (uint8_t)bp_e820(gm, bp->e820_table, E820_MAX_ENTRIES_ZEROPAGE);
}
