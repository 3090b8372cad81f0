#include "vmm/cpuid.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#define CPUID_MAX_ENTRIES 4096

static size_t cpuid_bytes(uint32_t nent)
{
	return sizeof(struct kvm_cpuid2) + nent * sizeof(struct kvm_cpuid_entry2);
}

struct kvm_cpuid2 *cpuid_supported(int kvm_fd, struct err *err)
{
	for (uint32_t nent = 64; nent <= CPUID_MAX_ENTRIES; nent *= 2) {
		struct kvm_cpuid2 *c = calloc(1, cpuid_bytes(nent));
		if (!c)
			break;
		c->nent = nent;
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		int e = errno;
		free(c);
		if (e != E2BIG) {
			err_set(err, "KVM_GET_SUPPORTED_CPUID failed: %s", strerror(e));
			return NULL;
		}
	}
	err_set(err, "KVM_GET_SUPPORTED_CPUID: more than %d entries or out of memory",
		CPUID_MAX_ENTRIES);
	return NULL;
}

void cpuid_complete(struct kvm_cpuid2 *c, bool tsc_deadline)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];
		if (e->function != 1)
			continue;
		e->ecx |= CPUID_1_ECX_HYPERVISOR;
		if (tsc_deadline)
			e->ecx |= CPUID_1_ECX_TSC_DEADLINE;
	}
}

struct kvm_cpuid2 *cpuid_copy(const struct kvm_cpuid2 *base)
{
	struct kvm_cpuid2 *c = malloc(cpuid_bytes(base->nent));
	if (c)
		memcpy(c, base, cpuid_bytes(base->nent));
	return c;
}

void cpuid_set_apic_id(struct kvm_cpuid2 *c, uint32_t apic_id)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];
		if (e->function == 1)
			e->ebx = (e->ebx & 0x00FFFFFF) | (apic_id << 24);
		else if (e->function == 0xB || e->function == 0x1F)
			e->edx = apic_id;
	}
}
