/*
 * KVM's binary statistics for one vCPU (KVM_GET_STATS_FD): the kernel's own exit counters,
 * including exits it handles without user space (ioeventfd writes, HLT, interrupts).
 */
#ifndef KVMINI_KVM_STATS_H
#define KVMINI_KVM_STATS_H

#include <stdint.h>

#include "core/err.h"

#define KVM_STATS_MAX 16

/* The counters kvmini reports, when the host has them (PVM leaves io_exits at 0). */
extern const char *const kvm_stat_names[];
extern const unsigned kvm_stat_count;

struct kvm_stats {
	int fd;
	uint64_t data_offset;
	int64_t
	    offset[KVM_STATS_MAX]; /* of each kvm_stat_names entry in the data block; -1: absent */
};

/* Opens the stats of a vCPU. Returns 0, or -1 when the host has no binary stats. */
int kvm_stats_open(struct kvm_stats *s, int vcpu_fd, struct err *err);
void kvm_stats_close(struct kvm_stats *s);

/* Current values, in kvm_stat_names order; absent ones read 0. */
void kvm_stats_read(const struct kvm_stats *s, uint64_t *values);

#endif
