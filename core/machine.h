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

/* Ending the VM: the first request wins and fixes kvmini's exit status. */
struct machine_ctl {
	void (*request_exit)(void *ctx, int status, const char *reason);
	void *ctx;
};

static inline void machine_request_exit(const struct machine_ctl *m, int status, const char *reason)
{
	m->request_exit(m->ctx, status, reason);
}

#endif
