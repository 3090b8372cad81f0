#include "drivers/watchdog.h"
#include "arch/apic.h"

static volatile bool fired;
static bool registered;

static void watchdog_irq(void *ctx)
{
	(void)ctx;
	fired = true;
}

int watchdog_arm(u32 ms)
{
	if (!registered) {
		if (irq_register(WATCHDOG_VECTOR, watchdog_irq, NULL))
			return -1;
		registered = true;
	}
	fired = false;
	return lapic_timer_oneshot(WATCHDOG_VECTOR, ms);
}

void watchdog_stop(void)
{
	lapic_timer_stop();
	fired = false;
}

bool watchdog_fired(void)
{
	return fired;
}
