/*
 * A deadline for waits on a device: the local APIC timer fires once and sets a flag that wait
 * loops test next to their own condition. So a device that never answers turns into a FAIL
 * line instead of a guest asleep in hlt forever.
 */
#ifndef TINY_DRIVERS_WATCHDOG_H
#define TINY_DRIVERS_WATCHDOG_H

#include "lib/types.h"

#define WATCHDOG_VECTOR 0xec /* Linux's LOCAL_TIMER_VECTOR */

/* Starts (or restarts) the count-down; apic_init must have run. Returns -1 if it cannot. */
int watchdog_arm(u32 ms);
void watchdog_stop(void);
bool watchdog_fired(void);

#endif
