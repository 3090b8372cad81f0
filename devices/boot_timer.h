/*
 * The boot timer, in the spirit of Firecracker's: the tiny guest writes this port with its
 * very first instructions (guest-kernels/tiny/arch/entry.S, header.S), and kvmini timestamps
 * the first write with its own process CPU time (CLOCK_PROCESS_CPUTIME_ID, every thread since
 * exec) and CLOCK_MONOTONIC, before anything else is done. bench/start reads them.
 *
 * KVMINI_BOOT_TIMER in kvmini's environment, read once at set-up:
 *   unset       record only (--verbose reports the CPU time at the end);
 *   "1"         also write "kvmini: boot timer: cpu_ns=C monotonic_ns=M" to stderr at once;
 *   "exit"      write that line and end the VM (status 0), as QEMU's isa-debug-exit would.
 * Later writes are ignored; reads return 0.
 */
#ifndef KVMINI_BOOT_TIMER_H
#define KVMINI_BOOT_TIMER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/machine.h"
#include "devices/bus.h"

enum boot_timer_mode { BOOT_TIMER_QUIET, BOOT_TIMER_REPORT, BOOT_TIMER_EXIT };

struct boot_timer {
	atomic_bool fired;
	uint64_t cpu_ns, monotonic_ns; /* at the first write; valid once fired */
	enum boot_timer_mode mode;
	int report_fd; /* where BOOT_TIMER_REPORT and _EXIT write their line */
	struct machine_ctl machine;
};

/* The mode KVMINI_BOOT_TIMER's value names (NULL: quiet); -1 if it names none. */
int boot_timer_mode_parse(const char *value);

int boot_timer_register(struct boot_timer *t, struct bus *pio, uint64_t port,
			enum boot_timer_mode mode, int report_fd, struct machine_ctl machine);

#endif
