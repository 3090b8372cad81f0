#include "scenarios/scenario.h"
#include "lib/string.h"

const struct scenario scenarios[] = {
    {"hello", scenario_hello},
    {"idle", scenario_idle},
    {"acpi", scenario_acpi},
    {"triple-fault", scenario_triple_fault},
    {"echo", scenario_echo},
    {"reset", scenario_reset},
    {"i8042", scenario_i8042},
    {"panic", scenario_panic},
    {"unclaimed", scenario_unclaimed},
    {"serial-irq", scenario_serial_irq},
    {"bad-fetch", scenario_bad_fetch},
    {"exception", scenario_exception},
    {"blk-rw", scenario_blk_rw},
    {"blk-read", scenario_blk_read},
    {"blk-id", scenario_blk_id},
    {"blk-ro", scenario_blk_ro},
    {"blk-flush-wait", scenario_blk_flush_wait},
    {"blk-hostile", scenario_blk_hostile},
    {"blk-exits", scenario_blk_exits},
    {"mmio-hostile", scenario_mmio_hostile},
    {"ide-rw", scenario_ide_rw},
    {"ide-read", scenario_ide_read},
    {"ide-id", scenario_ide_id},
    {"ide-errors", scenario_ide_errors},
    {"exits", scenario_exits},
    {"net-ping", scenario_net_ping},
    {"net-flood", scenario_net_flood},
    {"rng", scenario_rng},
    {"rtc", scenario_rtc},
    {"spew", scenario_spew},
};

const size_t scenario_count = ARRAY_SIZE(scenarios);

const struct scenario *scenario_find(const char *name)
{
	for (size_t i = 0; i < scenario_count; i++) {
		if (!strcmp(scenarios[i].name, name))
			return &scenarios[i];
	}
	return NULL;
}
