/*
 * Test-only fault injection: drop every Nth interrupt raised on one GSI, as an emulated CPU
 * that loses interrupts would, so that the tiny guest's lost-wakeup fallback can be shown to
 * find each one (tests/integration/test_lost_wakeups.c). Off (every == 0) unless the test
 * build kvmini-testhooks sets it from KVMINI_TEST_DROP_IRQ=GSI:N (vmm/testhooks.c), before
 * any device thread starts; the release kvmini never does.
 */
#ifndef KVMINI_CORE_TESTHOOK_H
#define KVMINI_CORE_TESTHOOK_H

#include <stdatomic.h>
#include <stdbool.h>

struct test_irq_drop {
	unsigned gsi, every;
	atomic_uint raised, dropped;
};
extern struct test_irq_drop test_irq_drop;

/* Called where an interrupt is raised on gsi: true if this one is to be dropped. */
static inline bool test_irq_dropped(unsigned gsi)
{
	if (!test_irq_drop.every || gsi != test_irq_drop.gsi)
		return false;
	if (atomic_fetch_add(&test_irq_drop.raised, 1) % test_irq_drop.every !=
	    test_irq_drop.every - 1)
		return false;
	atomic_fetch_add(&test_irq_drop.dropped, 1);
	return true;
}

#endif
