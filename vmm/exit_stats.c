#include "vmm/exit_stats.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "devices/marker.h"

int exit_stats_init(struct exit_stats *s, const struct bus *pio, const struct bus *mmio,
		    unsigned max_vcpus)
{
	memset(s, 0, sizeof(*s));
	s->vcpus = calloc(max_vcpus ? max_vcpus : 1, sizeof(*s->vcpus));
	if (!s->vcpus)
		return -1;
	s->pio = pio;
	s->mmio = mmio;
	s->max_vcpus = max_vcpus;
	s->open_id = -1;
	pthread_mutex_init(&s->lock, NULL);
	return 0;
}

void exit_stats_add_vcpu(struct exit_stats *s, const struct vcpu_exit_counts *counts,
			 const struct kvm_stats *kstats)
{
	if (s->nvcpus == s->max_vcpus)
		return;
	s->vcpus[s->nvcpus++] = (struct exit_source){counts, kstats};
	s->have_kvm = true;
	for (unsigned i = 0; i < s->nvcpus; i++)
		s->have_kvm &= s->vcpus[i].kstats->fd >= 0;
}

void exit_stats_destroy(struct exit_stats *s)
{
	if (!s->vcpus)
		return;
	pthread_mutex_destroy(&s->lock);
	free(s->vcpus);
	s->vcpus = NULL;
}

void exit_stats_sample(struct exit_stats *s, struct exit_sample *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < s->nvcpus; i++) {
		const struct vcpu_exit_counts *c = s->vcpus[i].counts;
		uint64_t kv[KVM_STATS_MAX];
		kvm_stats_read(s->vcpus[i].kstats, kv);
		for (unsigned k = 0; k < kvm_stat_count; k++)
			out->kvm[k] += kv[k];
		for (unsigned k = 0; k < UEXIT_KINDS; k++)
			out->user[k] += atomic_load_explicit(&c->kind[k], memory_order_relaxed);
		for (unsigned d = 0; d <= BUS_MAX_RANGES; d++) {
			out->pio_dev[d] +=
			    atomic_load_explicit(&c->pio_dev[d], memory_order_relaxed);
			out->mmio_dev[d] +=
			    atomic_load_explicit(&c->mmio_dev[d], memory_order_relaxed);
		}
	}
	if (s->virtio_counts)
		s->virtio_counts(s->virtio_ctx, &out->notifies, &out->requests);
	out->ns = now_ns();
}

static void sample_sub(struct exit_sample *d, const struct exit_sample *a,
		       const struct exit_sample *b)
{
	for (unsigned k = 0; k < KVM_STATS_MAX; k++)
		d->kvm[k] = a->kvm[k] - b->kvm[k];
	for (unsigned k = 0; k < UEXIT_KINDS; k++)
		d->user[k] = a->user[k] - b->user[k];
	for (unsigned k = 0; k <= BUS_MAX_RANGES; k++) {
		d->pio_dev[k] = a->pio_dev[k] - b->pio_dev[k];
		d->mmio_dev[k] = a->mmio_dev[k] - b->mmio_dev[k];
	}
	d->notifies = a->notifies - b->notifies;
	d->requests = a->requests - b->requests;
	d->ns = a->ns - b->ns;
}

/* Callers hold s->lock. */
static void close_window(struct exit_stats *s)
{
	if (s->open_id < 0)
		return;
	struct exit_sample now;
	exit_stats_sample(s, &now);
	if (s->nwindows < EXIT_MAX_WINDOWS) {
		struct exit_window *w = &s->windows[s->nwindows++];
		w->id = (unsigned)s->open_id;
		sample_sub(&w->delta, &now, &s->open_sample);
	}
	s->open_id = -1;
}

void exit_stats_mark(void *ctx, uint8_t value)
{
	struct exit_stats *s = ctx;
	pthread_mutex_lock(&s->lock);
	close_window(s);
	if (value) {
		s->open_id = value;
		exit_stats_sample(s, &s->open_sample);
	}
	pthread_mutex_unlock(&s->lock);
}

static void print_sample(FILE *f, struct exit_stats *s, const char *label, const char *extra,
			 const struct exit_sample *d)
{
	fprintf(f, "exit-stats: window=%s%s", label, extra);
	if (s->have_kvm)
		for (unsigned k = 0; k < kvm_stat_count; k++)
			fprintf(f, " kvm.%s=%llu", kvm_stat_names[k],
				(unsigned long long)d->kvm[k]);
	fprintf(
	    f, " user.exits=%llu user.pio=%llu user.mmio=%llu user.other=%llu",
	    (unsigned long long)(d->user[UEXIT_PIO] + d->user[UEXIT_MMIO] + d->user[UEXIT_OTHER]),
	    (unsigned long long)d->user[UEXIT_PIO], (unsigned long long)d->user[UEXIT_MMIO],
	    (unsigned long long)d->user[UEXIT_OTHER]);
	for (size_t r = 0; r < s->pio->nranges; r++)
		if (d->pio_dev[r])
			fprintf(f, " pio.%s@%llx=%llu", s->pio->ranges[r].name,
				(unsigned long long)s->pio->ranges[r].base,
				(unsigned long long)d->pio_dev[r]);
	if (d->pio_dev[BUS_MAX_RANGES])
		fprintf(f, " pio.unclaimed=%llu", (unsigned long long)d->pio_dev[BUS_MAX_RANGES]);
	for (size_t r = 0; r < s->mmio->nranges; r++)
		if (d->mmio_dev[r])
			fprintf(f, " mmio.%s@%llx=%llu", s->mmio->ranges[r].name,
				(unsigned long long)s->mmio->ranges[r].base,
				(unsigned long long)d->mmio_dev[r]);
	if (d->mmio_dev[BUS_MAX_RANGES])
		fprintf(f, " mmio.unclaimed=%llu", (unsigned long long)d->mmio_dev[BUS_MAX_RANGES]);
	fprintf(f, " virtio.notifies=%llu virtio.requests=%llu time_us=%llu\n",
		(unsigned long long)d->notifies, (unsigned long long)d->requests,
		(unsigned long long)(d->ns / 1000));
}

/* The human-readable table: one column per window (net when calibrated) and the run. */
#define TABLE_COLS 8

struct column {
	char label[16];
	struct exit_sample v;
};

static void table_row(FILE *f, const char *name, const struct column *c, unsigned n,
		      uint64_t (*get)(const struct exit_sample *, size_t), size_t arg)
{
	fprintf(f, "  %-26s", name);
	for (unsigned i = 0; i < n; i++)
		fprintf(f, " %12llu", (unsigned long long)get(&c[i].v, arg));
	fputc('\n', f);
}

static uint64_t get_kvm(const struct exit_sample *v, size_t k)
{
	return v->kvm[k];
}
static uint64_t get_user(const struct exit_sample *v, size_t k)
{
	return k == UEXIT_KINDS ? v->user[UEXIT_PIO] + v->user[UEXIT_MMIO] + v->user[UEXIT_OTHER]
				: v->user[k];
}
static uint64_t get_pio_dev(const struct exit_sample *v, size_t r)
{
	return v->pio_dev[r];
}
static uint64_t get_mmio_dev(const struct exit_sample *v, size_t r)
{
	return v->mmio_dev[r];
}
static uint64_t get_notifies(const struct exit_sample *v, size_t unused)
{
	(void)unused;
	return v->notifies;
}
static uint64_t get_requests(const struct exit_sample *v, size_t unused)
{
	(void)unused;
	return v->requests;
}
static uint64_t get_time_us(const struct exit_sample *v, size_t unused)
{
	(void)unused;
	return v->ns / 1000;
}

/* Device rows for one bus: only devices that took an exit in some column. */
static void device_rows(FILE *f, const struct bus *bus, bool pio, const struct column *c,
			unsigned n)
{
	for (size_t r = 0; r <= BUS_MAX_RANGES; r++) {
		if (r < BUS_MAX_RANGES && r >= bus->nranges)
			continue;
		bool any = false;
		for (unsigned i = 0; i < n; i++)
			any |= (pio ? c[i].v.pio_dev[r] : c[i].v.mmio_dev[r]) != 0;
		if (!any)
			continue;
		char name[48];
		if (r == BUS_MAX_RANGES)
			snprintf(name, sizeof(name), "  %s unclaimed", pio ? "pio" : "mmio");
		else
			snprintf(name, sizeof(name), "  %s %s@%llx", pio ? "pio" : "mmio",
				 bus->ranges[r].name, (unsigned long long)bus->ranges[r].base);
		table_row(f, name, c, n, pio ? get_pio_dev : get_mmio_dev, r);
	}
}

static void print_table(FILE *f, struct exit_stats *s, const struct column *c, unsigned n,
			bool calibrated)
{
	fprintf(f, "kvmini: VM exits%s\n  %-26s",
		calibrated ? " (windows net of the marker's own)" : "", "");
	for (unsigned i = 0; i < n; i++)
		fprintf(f, " %12s", c[i].label);
	fputc('\n', f);
	if (s->have_kvm)
		for (size_t k = 0; k < kvm_stat_count; k++) {
			char name[40];
			snprintf(name, sizeof(name), k ? "  kvm %s" : "all exits (KVM)",
				 kvm_stat_names[k]);
			table_row(f, name, c, n, get_kvm, k);
		}
	table_row(f, "exits to kvmini", c, n, get_user, UEXIT_KINDS);
	table_row(f, "  port I/O", c, n, get_user, UEXIT_PIO);
	device_rows(f, s->pio, true, c, n);
	table_row(f, "  MMIO", c, n, get_user, UEXIT_MMIO);
	device_rows(f, s->mmio, false, c, n);
	table_row(f, "virtio notifies (in KVM)", c, n, get_notifies, 0);
	table_row(f, "virtio requests", c, n, get_requests, 0);
	table_row(f, "time (us)", c, n, get_time_us, 0);
}

void exit_stats_report(struct exit_stats *s, FILE *f)
{
	pthread_mutex_lock(&s->lock);
	close_window(s);
	const struct exit_sample *cal = NULL;
	for (unsigned i = 0; i < s->nwindows; i++)
		if (s->windows[i].id == MARKER_CALIBRATION)
			cal = &s->windows[i].delta;
	struct column cols[TABLE_COLS];
	unsigned ncols = 0;
	for (unsigned i = 0; i < s->nwindows && ncols + 1 < TABLE_COLS; i++) {
		const struct exit_window *w = &s->windows[i];
		if (w->id == MARKER_CALIBRATION)
			continue;
		snprintf(cols[ncols].label, sizeof(cols[ncols].label), "window %u", w->id);
		cols[ncols].v = w->delta;
		if (cal) {
			sample_sub(&cols[ncols].v, &w->delta, cal);
			cols[ncols].v.ns = w->delta.ns;
		}
		ncols++;
	}
	struct exit_sample now;
	exit_stats_sample(s, &now);
	snprintf(cols[ncols].label, sizeof(cols[ncols].label), "whole run");
	sample_sub(&cols[ncols].v, &now, &s->start);
	ncols++;
	print_table(f, s, cols, ncols, cal != NULL);

	/* The same numbers, one line per window, for scripts (examples/exit_compare.c). */
	for (unsigned i = 0; i < s->nwindows; i++) {
		const struct exit_window *w = &s->windows[i];
		char label[16];
		snprintf(label, sizeof(label), "%u", w->id);
		print_sample(f, s, label, " net=0", &w->delta);
		if (cal && w->id != MARKER_CALIBRATION) {
			struct exit_sample net;
			sample_sub(&net, &w->delta, cal);
			net.ns = w->delta.ns;
			print_sample(f, s, label, " net=1", &net);
		}
	}
	print_sample(f, s, "run", " net=0", &cols[ncols - 1].v);
	pthread_mutex_unlock(&s->lock);
}
