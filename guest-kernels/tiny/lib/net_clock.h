/*
 * A clock for the network scenarios: the local APIC timer, re-armed every NET_TICK_MS from its
 * own interrupt, counts milliseconds. Protocol waits (an ARP or echo reply), the serve period
 * and a watchdog all read it, and its tick wakes every wait_event, so no wait can outlast its
 * deadline by more than a tick. It takes the LAPIC timer: do not use drivers/watchdog.c with it.
 */
#ifndef TINY_LIB_NET_CLOCK_H
#define TINY_LIB_NET_CLOCK_H

#include "lib/types.h"

#define NET_CLOCK_VECTOR 0xed /* next to the watchdog's 0xec */
#define NET_TICK_MS	 10

/* Starts ticking; apic_init must have run. Returns -1 if it cannot. Idempotent. */
int net_clock_start(void);
/* Milliseconds since net_clock_start, in NET_TICK_MS steps. */
u64 net_clock_ms(void);
/* The tick count: waits compare it to notice that time moved. */
u64 net_clock_ticks(void);

/* A deadline for the whole scenario, ms from now (0: none); checked by every driver wait. */
void net_watchdog_arm(u32 ms);
bool net_watchdog_fired(void);

#endif
