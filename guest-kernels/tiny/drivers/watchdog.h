/*
 * A deadline for waits on a device: the local APIC timer sets a flag that wait loops test next
 * to their own condition. So a device that never answers turns into a FAIL line instead of a
 * guest asleep in hlt forever. On its way to the deadline the timer wakes the guest every
 * WATCHDOG_NUDGE_MS to look for lost wakeups (irq_check_lost in arch/irq.h), as a driver's
 * timeout would; watchdog_arm_quiet does without, for windows whose VM exits are counted.
 */
#ifndef TINY_DRIVERS_WATCHDOG_H
#define TINY_DRIVERS_WATCHDOG_H

#include "lib/types.h"

#define WATCHDOG_VECTOR	  0xec /* Linux's LOCAL_TIMER_VECTOR */
#define WATCHDOG_NUDGE_MS 100

/* Starts (or restarts) the count-down; apic_init must have run. Returns -1 if it cannot. */
int watchdog_arm(u32 ms);
/* The same, one timer interrupt at the deadline and none before it. */
int watchdog_arm_quiet(u32 ms);
void watchdog_stop(void);
bool watchdog_fired(void);

#endif
