/*
 * A KVM virtual machine: its file descriptors, guest RAM, the two buses devices sit on, the
 * vCPUs, and how the run ends (first exit request wins).
 */
#ifndef KVMINI_VM_H
#define KVMINI_VM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "devices/bus.h"
#include "core/machine.h"
#include "core/err.h"
#include "vmm/exit_stats.h"
#include "core/guest_mem.h"

struct vcpu;

struct sandbox;

struct vm {
	int kvm_fd;
	int vm_fd;
	size_t run_size; /* mmap size of each vCPU's struct kvm_run */
	bool verbose;
	bool trace_exits; /* print every user-space exit */
	struct guest_mem mem;
	struct bus pio;
	struct bus mmio;
	struct kvm_cpuid2 *cpuid; /* what KVM supports; each vCPU gets a copy */
	unsigned ncpus;
	struct vcpu *vcpus;
	struct exit_stats stats;

	/* Set before vm_run(): every thread confines itself with it; NULL runs unconfined. */
	const struct sandbox *sandbox;

	pthread_mutex_t lock;
	pthread_cond_t exited;
	pthread_cond_t go_cond; /* vCPUs wait, confined, until every thread is (vm->go) */
	bool go;
	bool exiting;
	int exit_status;
	char exit_reason[2048];
};

/*
 * Opens /dev/kvm, checks the API, creates the VM with its in-kernel irqchip and PIT in the
 * order KVM requires, maps guest RAM and creates the vCPUs. Returns 0 or -1 with err set.
 */
int vm_create(struct vm *vm, uint64_t mem_size, unsigned ncpus, bool verbose, struct err *err);
void vm_destroy(struct vm *vm);

/* Starts every vCPU thread, waits for an exit request, stops the vCPUs; returns the status. */
int vm_run(struct vm *vm);

/* Ends the run with this status unless another request came first. Any thread may call it. */
void vm_request_exit(struct vm *vm, int status, const char *reason);

/*
 * Routes a guest write of `datamatch` (len bytes) at MMIO addr to an eventfd inside KVM, so it
 * costs no exit to user space; and an eventfd to a GSI (KVM_IRQFD), so a device thread can
 * interrupt the guest without a vCPU's help.
 */
int vm_ioeventfd(struct vm *vm, uint64_t addr, uint32_t len, uint64_t datamatch, int fd,
		 struct err *err);
int vm_irqfd(struct vm *vm, unsigned gsi, int fd, struct err *err);

/* Callback tables for devices. */
struct machine_ctl vm_machine_ctl(struct vm *vm);
struct irq_line vm_irq_line(struct vm *vm, unsigned gsi);

/* --verbose diagnostics on stderr. */
void vm_log(const struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
