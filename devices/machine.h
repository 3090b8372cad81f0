/*
 * What a device may ask of the machine it is plugged into, as small callback tables so devices
 * can be unit-tested without KVM.
 */
#ifndef KVMINI_MACHINE_H
#define KVMINI_MACHINE_H

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
