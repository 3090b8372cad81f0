#include "devices/boot_timer.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void boot_timer_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
	(void)opaque;
	(void)offset;
	memset(data, 0, size);
}

static void boot_timer_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
	struct boot_timer *t = opaque;
	(void)offset;
	(void)data;
	(void)size;
	/* The clocks first: nothing kvmini does about the write belongs in the measurement. */
	uint64_t cpu = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	uint64_t mono = now_ns(CLOCK_MONOTONIC);
	if (atomic_exchange(&t->fired, true))
		return;
	t->cpu_ns = cpu;
	t->monotonic_ns = mono;
	if (t->mode == BOOT_TIMER_QUIET)
		return;
	char line[96];
	int n = snprintf(line, sizeof(line), "kvmini: boot timer: cpu_ns=%llu monotonic_ns=%llu\n",
			 (unsigned long long)cpu, (unsigned long long)mono);
	if (write(t->report_fd, line, (size_t)n) != n) {
		/* Nobody to tell: the bench that asked for the line would time out. */
	}
	if (t->mode == BOOT_TIMER_EXIT)
		machine_event(&t->machine, MACHINE_GUEST_EXIT, 0, "the guest wrote the boot timer");
}

static const struct bus_device_ops boot_timer_ops = {.read = boot_timer_read,
						     .write = boot_timer_write};

int boot_timer_mode_parse(const char *value)
{
	if (!value)
		return BOOT_TIMER_QUIET;
	if (!strcmp(value, "1"))
		return BOOT_TIMER_REPORT;
	if (!strcmp(value, "exit"))
		return BOOT_TIMER_EXIT;
	return -1;
}

int boot_timer_register(struct boot_timer *t, struct bus *pio, uint64_t port,
			enum boot_timer_mode mode, int report_fd, struct machine_ctl machine)
{
	atomic_init(&t->fired, false);
	t->cpu_ns = t->monotonic_ns = 0;
	t->mode = mode;
	t->report_fd = report_fd;
	t->machine = machine;
	return bus_register(pio, port, 1, "boot-timer", &boot_timer_ops, t);
}
