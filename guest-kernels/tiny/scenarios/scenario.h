/*
 * A scenario is one test the guest can run, chosen by test=NAME on the command line. It
 * returns the status byte the VM exits with (unless exit=N overrides it). To add one: write
 * scenarios/<name>.c defining the function, declare it below, and add a row to registry.c.
 */
#ifndef TINY_SCENARIOS_SCENARIO_H
#define TINY_SCENARIOS_SCENARIO_H

#include <asm/bootparam.h>
#include "lib/types.h"

struct scenario {
	const char *name;
	int (*run)(struct boot_params *bp);
};

extern const struct scenario scenarios[];
extern const size_t scenario_count;

const struct scenario *scenario_find(const char *name);

int scenario_hello(struct boot_params *bp);
int scenario_idle(struct boot_params *bp);
int scenario_acpi(struct boot_params *bp);
int scenario_triple_fault(struct boot_params *bp);
int scenario_echo(struct boot_params *bp);
int scenario_reset(struct boot_params *bp);
int scenario_i8042(struct boot_params *bp);
int scenario_panic(struct boot_params *bp);
int scenario_unclaimed(struct boot_params *bp);
int scenario_serial_irq(struct boot_params *bp);
int scenario_bad_fetch(struct boot_params *bp);
int scenario_exception(struct boot_params *bp);
int scenario_blk_rw(struct boot_params *bp);
int scenario_blk_read(struct boot_params *bp);
int scenario_blk_id(struct boot_params *bp);
int scenario_blk_ro(struct boot_params *bp);
int scenario_blk_flush_wait(struct boot_params *bp);
int scenario_blk_hostile(struct boot_params *bp);
int scenario_blk_exits(struct boot_params *bp);
int scenario_mmio_hostile(struct boot_params *bp);
int scenario_ide_rw(struct boot_params *bp);
int scenario_ide_read(struct boot_params *bp);
int scenario_ide_id(struct boot_params *bp);
int scenario_ide_errors(struct boot_params *bp);
int scenario_exits(struct boot_params *bp);
int scenario_net_ping(struct boot_params *bp);
int scenario_net_flood(struct boot_params *bp);
int scenario_rng(struct boot_params *bp);
int scenario_rtc(struct boot_params *bp);
int scenario_spew(struct boot_params *bp);

#endif
