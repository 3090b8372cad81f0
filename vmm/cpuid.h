/* The CPUID a vCPU sees: what KVM supports on this host, plus the vCPU's own APIC id. */
#ifndef KVMINI_CPUID_H
#define KVMINI_CPUID_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "core/err.h"

/* KVM_GET_SUPPORTED_CPUID, growing the buffer while KVM says E2BIG. Free with free(). */
struct kvm_cpuid2 *cpuid_supported(int kvm_fd, struct err *err);

#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID_1_ECX_HYPERVISOR	 (1u << 31)

/*
 * What KVM supports but does not report, and what a VMM must say itself: the hypervisor bit
 * (so the guest looks for KVM's paravirtual leaves and kvm-clock) and, when the in-kernel
 * LAPIC emulates it (KVM_CAP_TSC_DEADLINE_TIMER), the TSC-deadline timer. Linux booted from a
 * device tree, with no PIT timer entry, oopses in check_timer() without them.
 */
void cpuid_complete(struct kvm_cpuid2 *c, bool tsc_deadline);

/* A copy of base, for one vCPU. Free with free(). */
struct kvm_cpuid2 *cpuid_copy(const struct kvm_cpuid2 *base);

/*
 * Puts the initial APIC id where the guest reads it: leaf 1 EBX[31:24] and the x2APIC id in EDX
 * of every subleaf of the topology leaves 0xB and 0x1F. The device tree's cpu reg must match.
 */
void cpuid_set_apic_id(struct kvm_cpuid2 *c, uint32_t apic_id);

#endif
