/*
 * Reports what the loader handed over: e820 map, device tree, command line. Tests compare
 * the summary lines with what kvmini was asked to provide.
 */
#include "scenarios/scenario.h"
#include "boot/boot.h"
#include "lib/cmdline.h"
#include "lib/fdt.h"
#include "lib/printf.h"
#include "lib/string.h"

struct dt_stats {
	unsigned nodes;
	unsigned cpus;
};

static bool count_node(void *ctx, const char *name, int depth)
{
	struct dt_stats *st = ctx;

	st->nodes++;
	printf("dt: %*s%s\n", depth * 2, "", depth ? name : "/");
	return true;
}

static bool count_cpu(void *ctx, const char *name, const u8 *val, u32 len, int depth)
{
	struct dt_stats *st = ctx;

	(void)depth;
	if (!strcmp(name, "device_type") && fdt_prop_is(val, len, "cpu"))
		st->cpus++;
	return true;
}

static void print_e820(const struct boot_params *bp)
{
	for (unsigned i = 0; i < boot_e820_count(bp); i++) {
		const struct boot_e820_entry *e = &bp->e820_table[i];

		printf("e820: [mem 0x%016llx-0x%016llx] %s\n", e->addr, e->addr + e->size - 1,
		       e820_type_name(e->type));
	}
}

int scenario_hello(struct boot_params *bp)
{
	struct dt_stats st = {0};
	const struct fdt_visitor v = {.begin_node = count_node, .prop = count_cpu, .ctx = &st};
	const void *blob = NULL;
	u32 len = 0;
	const char *err = NULL;
	struct fdt fdt;

	print_e820(bp);

	/* Walk (and list) the tree first, but report on it after the fixed lines. */
	int found = boot_find_setup_data(bp, SETUP_DTB, &blob, &len, &err);
	if (found == 1) {
		err = fdt_init(&fdt, blob, len);
		if (!err)
			err = fdt_walk(&fdt, &v);
	}

	printf("cmdline: %s\n", cmdline_string());
	printf("ram: %llu MiB\n", (boot_ram_bytes(bp) + (512 << 10)) >> 20);
	if (found == 0) {
		printf("dtb: missing\n");
		return 1;
	}
	if (err) {
		printf("dtb: bad (%s)\n", err);
		return 1;
	}
	printf("cpus: %u\n", st.cpus);
	printf("dtb: %u nodes\n", st.nodes);
	printf("hello: done\n");
	return 0;
}
