/*
 * Counting VM exits two ways: KVM's per-vCPU statistics (every exit, including those KVM
 * handles itself) and kvmini's own count of exits that reached user space, by kind and by
 * device. Samples are taken at marker windows (devices/marker.h) and for the whole run.
 */
#ifndef KVMINI_EXIT_STATS_H
#define KVMINI_EXIT_STATS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "devices/bus.h"
#include "vmm/kvm_stats.h"

enum uexit_kind { UEXIT_PIO, UEXIT_MMIO, UEXIT_OTHER, UEXIT_KINDS };

/* Written only by its own vCPU thread; read by whoever samples. */
struct vcpu_exit_counts {
	atomic_ullong kind[UEXIT_KINDS];
	atomic_ullong pio_dev[BUS_MAX_RANGES + 1]; /* by bus range; the last is "unclaimed" */
	atomic_ullong mmio_dev[BUS_MAX_RANGES + 1];
};

struct exit_sample {
	uint64_t kvm[KVM_STATS_MAX];
	uint64_t user[UEXIT_KINDS];
	uint64_t pio_dev[BUS_MAX_RANGES + 1];
	uint64_t mmio_dev[BUS_MAX_RANGES + 1];
	uint64_t notifies; /* virtio QueueNotify writes, all caught by ioeventfds */
	uint64_t requests; /* virtio chains completed */
	uint64_t ns;
};

#define EXIT_MAX_WINDOWS 64

struct exit_window {
	unsigned id;
	struct exit_sample delta;
};

/* One vCPU's counters, handed to the statistics once, before the vCPU first runs. */
struct exit_source {
	const struct vcpu_exit_counts *counts;
	const struct kvm_stats *kstats;
};

/*
 * Measurement reads only counters the data path increments (each vCPU's, each virtio
 * queue's): it never reaches into the VM's structures.
 */
struct exit_stats {
	const struct bus *pio, *mmio; /* device names for the report */
	struct exit_source *vcpus;
	unsigned nvcpus, max_vcpus;
	bool have_kvm; /* KVM binary stats available on every vCPU */
	void (*virtio_counts)(void *ctx, uint64_t *notifies, uint64_t *requests);
	void *virtio_ctx;
	pthread_mutex_t lock;
	int open_id; /* -1: no window open */
	struct exit_sample open_sample;
	struct exit_window windows[EXIT_MAX_WINDOWS];
	unsigned nwindows;
	struct exit_sample start;
};

/* Returns -1 if out of memory. */
int exit_stats_init(struct exit_stats *s, const struct bus *pio, const struct bus *mmio,
		    unsigned max_vcpus);
void exit_stats_add_vcpu(struct exit_stats *s, const struct vcpu_exit_counts *counts,
			 const struct kvm_stats *kstats);
void exit_stats_destroy(struct exit_stats *s);

/* Sums every vCPU's counters and the virtio counters now. */
void exit_stats_sample(struct exit_stats *s, struct exit_sample *out);

/* The marker device's callback: open window `value`, or close the open one when 0. */
void exit_stats_mark(void *ctx, uint8_t value);

/*
 * Prints one `exit-stats: window=ID key=value ...` line per window and one for the whole run.
 * With a calibration window (255), other windows also get net values: raw minus the
 * calibration, i.e. without the closing marker write's own exit.
 */
void exit_stats_report(struct exit_stats *s, FILE *f);

#endif
