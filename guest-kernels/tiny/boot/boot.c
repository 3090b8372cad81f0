#include "boot/boot.h"
#include "lib/string.h"

#define MAPPED_LIMIT	   (4ULL << 30)
#define CMDLINE_MAX	   2047 /* what our header's cmdline_size promises */
#define SETUP_DATA_MAX_LEN 64	/* more nodes than any loader makes: assume a loop */

bool phys_ok(u64 addr, u64 len)
{
	return addr < MAPPED_LIMIT && len <= MAPPED_LIMIT - addr;
}

const char *boot_cmdline(const struct boot_params *bp)
{
	static char buf[CMDLINE_MAX + 1];
	u64 addr = bp->hdr.cmd_line_ptr | (u64)bp->ext_cmd_line_ptr << 32;

	/* Copy a byte at a time: the loader need not have NUL-terminated it within bounds. */
	if (!addr || !phys_ok(addr, 1))
		return "";
	const char *src = (const char *)(uintptr_t)addr;
	size_t n = 0;
	while (n < CMDLINE_MAX && phys_ok(addr + n, 1) && src[n]) {
		buf[n] = src[n];
		n++;
	}
	buf[n] = '\0';
	return buf;
}

unsigned boot_e820_count(const struct boot_params *bp)
{
	unsigned n = bp->e820_entries;

	return n < ARRAY_SIZE(bp->e820_table) ? n : ARRAY_SIZE(bp->e820_table);
}

const char *e820_type_name(u32 type)
{
	switch (type) {
	case E820_TYPE_RAM:
		return "usable";
	case E820_TYPE_RESERVED:
		return "reserved";
	case E820_TYPE_ACPI:
		return "ACPI data";
	case E820_TYPE_NVS:
		return "ACPI NVS";
	case E820_TYPE_UNUSABLE:
		return "unusable";
	case E820_TYPE_PMEM:
		return "persistent";
	default:
		return "unknown";
	}
}

u64 boot_ram_bytes(const struct boot_params *bp)
{
	u64 sum = 0;

	for (unsigned i = 0; i < boot_e820_count(bp); i++) {
		if (bp->e820_table[i].type == E820_TYPE_RAM)
			sum += bp->e820_table[i].size;
	}
	return sum;
}

int boot_find_setup_data(const struct boot_params *bp, u32 type, const void **data, u32 *len,
			 const char **err)
{
	u64 addr = bp->hdr.setup_data;

	for (int n = 0; addr; n++) {
		if (n == SETUP_DATA_MAX_LEN) {
			*err = "setup_data chain too long or looping";
			return -1;
		}
		if (!phys_ok(addr, sizeof(struct setup_data))) {
			*err = "setup_data node outside the low 4 GiB";
			return -1;
		}
		const struct setup_data *sd = (const struct setup_data *)(uintptr_t)addr;
		if (!phys_ok(addr + sizeof(*sd), sd->len)) {
			*err = "setup_data payload outside the low 4 GiB";
			return -1;
		}
		if (sd->type == type) {
			*data = sd->data;
			*len = sd->len;
			return 1;
		}
		addr = sd->next;
	}
	return 0;
}

const char *boot_dt(const struct boot_params *bp, struct fdt *fdt)
{
	const void *blob;
	u32 len;
	const char *err = NULL;

	switch (boot_find_setup_data(bp, SETUP_DTB, &blob, &len, &err)) {
	case 1:
		return fdt_init(fdt, blob, len);
	case 0:
		return "no device tree (SETUP_DTB) in setup_data";
	default:
		return err;
	}
}
