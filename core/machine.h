/*
 * What a device may ask of the machine it is plugged into, as small callback tables so devices
 * can be unit-tested without KVM.
 */
#ifndef KVMINI_MACHINE_H
#define KVMINI_MACHINE_H

#include <stddef.h>
#include <stdint.h>

/* An interrupt line into the platform's interrupt controllers (a GSI). */
struct irq_line {
	void (*set_level)(void *ctx, unsigned gsi, int level);
	void *ctx;
	unsigned gsi;
};

static inline void irq_line_set(const struct irq_line *l, int level)
{
	if (l->set_level)
		l->set_level(l->ctx, l->gsi, level);
}

/*
 * Where a device's output goes (the console, for a UART). write must return at once whatever
 * the far end does: it runs on a vCPU thread, often under the device's lock, so it may queue
 * or drop bytes but never wait for a reader. A NULL write discards.
 */
struct byte_sink {
	void (*write)(void *ctx, const uint8_t *buf, size_t len);
	void *ctx;
};

static inline void byte_sink_write(const struct byte_sink *s, const uint8_t *buf, size_t len)
{
	if (s->write)
		s->write(s->ctx, buf, len);
}

/* What a device, or the console, tells the machine: the VM is to end, and why. */
enum machine_event {
	MACHINE_RESET,	    /* the guest reset the machine (i8042 0xFE) */
	MACHINE_POWEROFF,   /* the guest powered off (ACPI S5) */
	MACHINE_PANIC,	    /* the guest kernel panicked (pvpanic) */
	MACHINE_GUEST_EXIT, /* the guest asked for exit status `value` (the test-exit port) */
	MACHINE_USER_QUIT,  /* the user pressed Ctrl-A x */
	MACHINE_SIGNAL,	    /* kvmini received signal `value` */
};

/*
 * The first event ends the VM; the machine (vmm/vm.c) turns it into kvmini's exit status, in
 * one place (vmm/exit_status.h). `value` is the event's number, where it has one, else 0.
 */
struct machine_ctl {
	void (*event)(void *ctx, enum machine_event ev, int value, const char *reason);
	void *ctx;
};

static inline void machine_event(const struct machine_ctl *m, enum machine_event ev, int value,
				 const char *reason)
{
	m->event(m->ctx, ev, value, reason);
}

#endif
