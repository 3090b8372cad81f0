#include "lib/net_clock.h"
#include "arch/apic.h"
#include "arch/irq.h"

static volatile u64 ticks;
static u64 watchdog_at; /* in ticks; 0: none */
static bool started;

/*
 * One-shot and re-armed here rather than the APIC's periodic mode: apic.c has only the
 * one-shot interface, and a tick late by the handler's few instructions does not matter.
 */
static void tick(void *ctx)
{
	(void)ctx;
	ticks++;
	/* The lost-wakeup probes read device registers (VM exits): every 100 ms is enough. */
	if (ticks % (100 / NET_TICK_MS) == 0)
		irq_check_lost(100);
	lapic_timer_oneshot(NET_CLOCK_VECTOR, NET_TICK_MS);
}

int net_clock_start(void)
{
	if (started)
		return 0;
	if (irq_register(NET_CLOCK_VECTOR, tick, NULL) ||
	    lapic_timer_oneshot(NET_CLOCK_VECTOR, NET_TICK_MS))
		return -1;
	started = true;
	return 0;
}

u64 net_clock_ticks(void)
{
	return ticks;
}

u64 net_clock_ms(void)
{
	return ticks * NET_TICK_MS;
}

void net_watchdog_arm(u32 ms)
{
	watchdog_at = ms ? ticks + (ms + NET_TICK_MS - 1) / NET_TICK_MS : 0;
}

bool net_watchdog_fired(void)
{
	return watchdog_at && ticks >= watchdog_at;
}
