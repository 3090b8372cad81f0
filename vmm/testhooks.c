/*
 * Linked into kvmini-testhooks only: KVMINI_TEST_DROP_IRQ=GSI:N drops every Nth interrupt
 * raised on GSI (core/testhook.h), and kvmini says how many it dropped when it ends.
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/testhook.h"

static void report(void)
{
	fprintf(stderr, "kvmini: test hook: dropped %u of %u interrupts on GSI %u\n",
		atomic_load(&test_irq_drop.dropped), atomic_load(&test_irq_drop.raised),
		test_irq_drop.gsi);
}

__attribute__((constructor)) static void test_hooks_init(void)
{
	const char *s = getenv("KVMINI_TEST_DROP_IRQ");
	unsigned gsi, every;
	if (!s || sscanf(s, "%u:%u", &gsi, &every) != 2 || !every)
		return;
	test_irq_drop.gsi = gsi;
	test_irq_drop.every = every;
	atexit(report);
}
