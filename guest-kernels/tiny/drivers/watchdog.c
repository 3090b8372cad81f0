#include "drivers/watchdog.h"
#include "arch/apic.h"
#include "arch/irq.h"

static volatile bool fired;
static bool registered, nudging;
static u32 left_ms; /* of the deadline, after the one-shot that is running */
static u32 shot_ms; /* the one-shot that is running */

static int arm_next(void)
{
	shot_ms = nudging && left_ms > WATCHDOG_NUDGE_MS ? WATCHDOG_NUDGE_MS : left_ms;
	left_ms -= shot_ms;
	return lapic_timer_oneshot(WATCHDOG_VECTOR, shot_ms);
}

static void watchdog_irq(void *ctx)
{
	(void)ctx;
	/* Pending from a one-shot that start() replaced: not this deadline's. */
	if (lapic_timer_running())
		return;
	if (nudging)
		irq_check_lost(shot_ms);
	if (!left_ms)
		fired = true;
	else
		arm_next();
}

static int start(u32 ms, bool nudge)
{
	if (!registered) {
		if (irq_register(WATCHDOG_VECTOR, watchdog_irq, NULL))
			return -1;
		registered = true;
	}
	if (!ms)
		return -1;
	fired = false;
	nudging = nudge;
	left_ms = ms;
	return arm_next();
}

int watchdog_arm(u32 ms)
{
	return start(ms, true);
}

int watchdog_arm_quiet(u32 ms)
{
	return start(ms, false);
}

void watchdog_stop(void)
{
	lapic_timer_stop();
	fired = false;
	left_ms = 0;
}

bool watchdog_fired(void)
{
	return fired;
}
