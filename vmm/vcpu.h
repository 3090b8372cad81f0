/* A vCPU: its KVM fd, its shared kvm_run page, its thread and the exit dispatch loop. */
#ifndef KVMINI_VCPU_H
#define KVMINI_VCPU_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "core/err.h"
#include "vmm/exit_stats.h"
#include "vmm/kvm_stats.h"

struct vm;

struct vcpu {
	struct vm *vm;
	unsigned id; /* also its APIC id */
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started; /* guarded by vm->lock */
	struct kvm_stats kstats;
	struct vcpu_exit_counts counts;
};

int vcpu_create(struct vm *vm, unsigned id, struct vcpu *vcpu, struct err *err);
void vcpu_destroy(struct vcpu *vcpu);

/* Puts the vCPU in the 64-bit boot protocol's entry state. */
int vcpu_set_boot_state(struct vcpu *vcpu, uint64_t rip, uint64_t boot_params, struct err *err);

/* Thread control; vcpu_kick is called with vm->lock held. */
int vcpu_start(struct vcpu *vcpu, struct err *err);
void vcpu_kick(struct vcpu *vcpu);
void vcpu_join(struct vcpu *vcpu);

/* The general and system registers, for triple-fault and internal-error reports. */
void vcpu_format_regs(struct vcpu *vcpu, char *buf, size_t len);

#endif
