#include "vmm/exit_stats.h"

#include <string.h>
#include <time.h>

#include "devices/marker.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void exit_stats_init(struct exit_stats *s, struct vm *vm)
{
	memset(s, 0, sizeof(*s));
	s->vm = vm;
	s->open_id = -1;
	pthread_mutex_init(&s->lock, NULL);
	s->have_kvm = vm->ncpus > 0;
	for (unsigned i = 0; i < vm->ncpus; i++)
		s->have_kvm &= vm->vcpus[i].kstats.fd >= 0;
}

void exit_stats_destroy(struct exit_stats *s)
{
	pthread_mutex_destroy(&s->lock);
}

void exit_stats_sample(struct exit_stats *s, struct exit_sample *out)
{
	memset(out, 0, sizeof(*out));
	struct vm *vm = s->vm;
	for (unsigned i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		uint64_t kv[KVM_STATS_MAX];
		kvm_stats_read(&v->kstats, kv);
		for (unsigned k = 0; k < kvm_stat_count; k++)
			out->kvm[k] += kv[k];
		for (unsigned k = 0; k < UEXIT_KINDS; k++)
			out->user[k] +=
			    atomic_load_explicit(&v->counts.kind[k], memory_order_relaxed);
		for (unsigned d = 0; d <= BUS_MAX_RANGES; d++) {
			out->pio_dev[d] +=
			    atomic_load_explicit(&v->counts.pio_dev[d], memory_order_relaxed);
			out->mmio_dev[d] +=
			    atomic_load_explicit(&v->counts.mmio_dev[d], memory_order_relaxed);
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
	struct vm *vm = s->vm;
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
	for (size_t r = 0; r < vm->pio.nranges; r++)
		if (d->pio_dev[r])
			fprintf(f, " pio.%s@%llx=%llu", vm->pio.ranges[r].name,
				(unsigned long long)vm->pio.ranges[r].base,
				(unsigned long long)d->pio_dev[r]);
	if (d->pio_dev[BUS_MAX_RANGES])
		fprintf(f, " pio.unclaimed=%llu", (unsigned long long)d->pio_dev[BUS_MAX_RANGES]);
	for (size_t r = 0; r < vm->mmio.nranges; r++)
		if (d->mmio_dev[r])
			fprintf(f, " mmio.%s@%llx=%llu", vm->mmio.ranges[r].name,
				(unsigned long long)vm->mmio.ranges[r].base,
				(unsigned long long)d->mmio_dev[r]);
	if (d->mmio_dev[BUS_MAX_RANGES])
		fprintf(f, " mmio.unclaimed=%llu", (unsigned long long)d->mmio_dev[BUS_MAX_RANGES]);
	fprintf(f, " virtio.notifies=%llu virtio.requests=%llu time_us=%llu\n",
		(unsigned long long)d->notifies, (unsigned long long)d->requests,
		(unsigned long long)(d->ns / 1000));
}

void exit_stats_report(struct exit_stats *s, FILE *f)
{
	pthread_mutex_lock(&s->lock);
	close_window(s);
	const struct exit_sample *cal = NULL;
	for (unsigned i = 0; i < s->nwindows; i++)
		if (s->windows[i].id == MARKER_CALIBRATION)
			cal = &s->windows[i].delta;
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
	struct exit_sample now, run;
	exit_stats_sample(s, &now);
	sample_sub(&run, &now, &s->start);
	print_sample(f, s, "run", " net=0", &run);
	pthread_mutex_unlock(&s->lock);
}
