/* The CPUID a vCPU sees: what KVM supports on this host, plus the vCPU's own APIC id. */
#ifndef KVMINI_CPUID_H
#define KVMINI_CPUID_H

#include <stdint.h>

#include <linux/kvm.h>

#include "vmm/err.h"

/* KVM_GET_SUPPORTED_CPUID, growing the buffer while KVM says E2BIG. Free with free(). */
struct kvm_cpuid2 *cpuid_supported(int kvm_fd, struct err *err);

/* A copy of base, for one vCPU. Free with free(). */
struct kvm_cpuid2 *cpuid_copy(const struct kvm_cpuid2 *base);

/*
 * Puts the initial APIC id where the guest reads it: leaf 1 EBX[31:24] and the x2APIC id in EDX
 * of every subleaf of the topology leaves 0xB and 0x1F. The device tree's cpu reg must match.
 */
void cpuid_set_apic_id(struct kvm_cpuid2 *c, uint32_t apic_id);

#endif
