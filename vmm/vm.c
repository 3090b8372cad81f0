#include "vmm/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/testhook.h"
#include "platform/layout.h"
#include "vmm/cli.h"
#include "vmm/cpuid.h"
#include "vmm/sandbox.h"
#include "vmm/vcpu.h"

void vm_log(const struct vm *vm, const char *fmt, ...)
{
	if (!vm->verbose)
		return;
	va_list ap;
	va_start(ap, fmt);
	fputs("kvmini: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int kvm_check_caps(int kvm_fd, struct err *err)
{
	static const struct {
		int cap;
		const char *name;
	} required[] = {
	    {KVM_CAP_USER_MEMORY, "USER_MEMORY"},
	    {KVM_CAP_IRQCHIP, "IRQCHIP"},
	    {KVM_CAP_PIT2, "PIT2"},
	    {KVM_CAP_SET_TSS_ADDR, "SET_TSS_ADDR"},
	    {KVM_CAP_EXT_CPUID, "EXT_CPUID"},
	    {KVM_CAP_IMMEDIATE_EXIT, "IMMEDIATE_EXIT"},
	    {KVM_CAP_IRQ_INJECT_STATUS, "IRQ_INJECT_STATUS"},
	    {KVM_CAP_IOEVENTFD, "IOEVENTFD"},
	    {KVM_CAP_IRQFD, "IRQFD"},
	};
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (ioctl(kvm_fd, KVM_CHECK_EXTENSION, required[i].cap) <= 0)
			return err_set(err, "this KVM lacks KVM_CAP_%s, which kvmini needs",
				       required[i].name);
	return 0;
}

/* x86 set-up that must precede the first vCPU: TSS and identity map, then irqchip, then PIT. */
static int vm_create_platform(struct vm *vm, struct err *err)
{
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR) < 0)
		return err_set(err, "KVM_SET_TSS_ADDR failed: %s", strerror(errno));
	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0) {
		uint64_t addr = KVM_IDENTITY_MAP_ADDR;
		if (ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &addr) < 0)
			return err_set(err, "KVM_SET_IDENTITY_MAP_ADDR failed: %s",
				       strerror(errno));
	}
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP) < 0)
		return err_set(err, "KVM_CREATE_IRQCHIP failed: %s", strerror(errno));
	/* The dummy speaker keeps port 0x61 in the kernel, so PIT-based calibration never exits. */
	struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		return err_set(err, "KVM_CREATE_PIT2 failed: %s", strerror(errno));
	return 0;
}

static int vm_map_memory(struct vm *vm, uint64_t mem_size, struct err *err)
{
	int rc = gm_alloc(&vm->mem, mem_size);
	if (rc)
		return err_set(err, "cannot reserve %llu MiB of guest RAM: %s; lower --mem",
			       (unsigned long long)(mem_size >> 20), strerror(-rc));
	for (int i = 0; i < vm->mem.nregions; i++) {
		const struct gm_region *r = &vm->mem.regions[i];
		struct kvm_userspace_memory_region region = {
		    .slot = (uint32_t)i,
		    .guest_phys_addr = r->gpa,
		    .memory_size = r->size,
		    .userspace_addr = (uintptr_t)r->hva,
		};
		if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
			return err_set(err, "KVM_SET_USER_MEMORY_REGION failed: %s",
				       strerror(errno));
		vm_log(vm, "RAM slot %d: guest 0x%llx-0x%llx", i, (unsigned long long)r->gpa,
		       (unsigned long long)(r->gpa + r->size - 1));
	}
	return 0;
}

int vm_create(struct vm *vm, uint64_t mem_size, unsigned ncpus, bool verbose, struct err *err)
{
	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = -1;
	vm->verbose = verbose;
	pthread_mutex_init(&vm->lock, NULL);
	pthread_cond_init(&vm->exited, NULL);
	pthread_cond_init(&vm->go_cond, NULL);
	bus_init(&vm->pio, "pio");
	bus_init(&vm->mmio, "mmio");

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		return err_set(err,
			       "cannot open /dev/kvm: %s; enable KVM (kvm_intel/kvm_amd) and get "
			       "read-write access (the kvm group)",
			       strerror(errno));
	int api = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_VERSION)
		return err_set(err, "/dev/kvm speaks API %d, kvmini needs %d", api,
			       KVM_API_VERSION);
	if (kvm_check_caps(vm->kvm_fd, err))
		return -1;
	int max_cpus = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (max_cpus <= 0)
		max_cpus = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	if (max_cpus > 0 && ncpus > (unsigned)max_cpus)
		return err_set(err, "this KVM allows at most %d vCPUs; lower --cpus", max_cpus);

	do
		vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	while (vm->vm_fd < 0 && errno == EINTR);
	if (vm->vm_fd < 0)
		return err_set(err, "KVM_CREATE_VM failed: %s", strerror(errno));
	int run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size <= 0)
		return err_set(err, "KVM_GET_VCPU_MMAP_SIZE failed: %s", strerror(errno));
	vm->run_size = (size_t)run_size;
	vm_log(vm, "KVM API %d, VM created, up to %d vCPUs", api, max_cpus);

	if (vm_create_platform(vm, err) || vm_map_memory(vm, mem_size, err))
		return -1;
	vm->cpuid = cpuid_supported(vm->kvm_fd, err);
	if (!vm->cpuid)
		return -1;
	cpuid_complete(vm->cpuid,
		       ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) > 0);

	vm->vcpus = calloc(ncpus, sizeof(*vm->vcpus));
	if (!vm->vcpus || exit_stats_init(&vm->stats, &vm->pio, &vm->mmio, ncpus))
		return err_set(err, "out of memory");
	for (unsigned i = 0; i < ncpus; i++) {
		vm->ncpus = i + 1; /* so vm_destroy also cleans up a half-made vCPU */
		if (vcpu_create(vm, i, &vm->vcpus[i], err))
			return -1;
		exit_stats_add_vcpu(&vm->stats, &vm->vcpus[i].counts, &vm->vcpus[i].kstats);
	}
	return 0;
}

void vm_destroy(struct vm *vm)
{
	exit_stats_destroy(&vm->stats);
	for (unsigned i = 0; i < vm->ncpus; i++)
		vcpu_destroy(&vm->vcpus[i]);
	free(vm->vcpus);
	free(vm->cpuid);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	gm_free(&vm->mem);
	pthread_cond_destroy(&vm->exited);
	pthread_cond_destroy(&vm->go_cond);
	pthread_mutex_destroy(&vm->lock);
}

void vm_request_exit(struct vm *vm, int status, const char *reason)
{
	pthread_mutex_lock(&vm->lock);
	if (!vm->exiting) {
		vm->exiting = true;
		vm->exit_status = status;
		snprintf(vm->exit_reason, sizeof(vm->exit_reason), "%s", reason);
		for (unsigned i = 0; i < vm->ncpus; i++)
			vcpu_kick(&vm->vcpus[i]);
		pthread_cond_broadcast(&vm->exited);
		pthread_cond_broadcast(&vm->go_cond);
	}
	pthread_mutex_unlock(&vm->lock);
}

int vm_run(struct vm *vm)
{
	exit_stats_sample(&vm->stats, &vm->stats.start);
	pthread_mutex_lock(&vm->lock);
	for (unsigned i = 0; i < vm->ncpus && !vm->exiting; i++) {
		struct err err;
		if (vcpu_start(&vm->vcpus[i], &err)) {
			pthread_mutex_unlock(&vm->lock);
			vm_request_exit(vm, KVMINI_EXIT_FAILURE, err.msg);
			pthread_mutex_lock(&vm->lock);
		}
	}
	pthread_mutex_unlock(&vm->lock);
	/* Queue and console threads are confined already, vCPUs before they wait for go. */
	if (vm->sandbox)
		sandbox_lockdown(vm->sandbox);
	pthread_mutex_lock(&vm->lock);
	vm->go = true;
	pthread_cond_broadcast(&vm->go_cond);
	while (!vm->exiting)
		pthread_cond_wait(&vm->exited, &vm->lock);
	pthread_mutex_unlock(&vm->lock);
	for (unsigned i = 0; i < vm->ncpus; i++)
		vcpu_join(&vm->vcpus[i]);
	return vm->exit_status;
}

/* A device's or the console's event ends the VM, with the status vmm/exit_status.h maps it to. */
static void vm_machine_event(void *ctx, enum machine_event ev, int value, const char *reason)
{
	vm_request_exit(ctx, exit_status_for(ev, value), reason);
}

struct machine_ctl vm_machine_ctl(struct vm *vm)
{
	return (struct machine_ctl){.event = vm_machine_event, .ctx = vm};
}

static void vm_set_irq(void *ctx, unsigned gsi, int level)
{
	struct vm *vm = ctx;
	struct kvm_irq_level irq = {.irq = gsi, .level = (uint32_t)level};
	if (level && test_irq_dropped(gsi))
		return;
	/* KVM_IRQ_LINE only fails for a bad GSI, which is a kvmini bug, not the guest's doing. */
	if (ioctl(vm->vm_fd, KVM_IRQ_LINE_STATUS, &irq) < 0)
		fprintf(stderr, "kvmini: KVM_IRQ_LINE_STATUS(%u) failed: %s\n", gsi,
			strerror(errno));
}

struct irq_line vm_irq_line(struct vm *vm, unsigned gsi)
{
	return (struct irq_line){.set_level = vm_set_irq, .ctx = vm, .gsi = gsi};
}

int vm_ioeventfd(struct vm *vm, uint64_t addr, uint32_t len, uint64_t datamatch, int fd,
		 struct err *err)
{
	struct kvm_ioeventfd io = {
	    .datamatch = datamatch,
	    .addr = addr,
	    .len = len,
	    .fd = fd,
	    .flags = KVM_IOEVENTFD_FLAG_DATAMATCH,
	};
	if (ioctl(vm->vm_fd, KVM_IOEVENTFD, &io) < 0)
		return err_set(err, "KVM_IOEVENTFD at 0x%llx failed: %s", (unsigned long long)addr,
			       strerror(errno));
	return 0;
}

int vm_irqfd(struct vm *vm, unsigned gsi, int fd, struct err *err)
{
	struct kvm_irqfd irqfd = {.fd = (uint32_t)fd, .gsi = gsi};
	if (ioctl(vm->vm_fd, KVM_IRQFD, &irqfd) < 0)
		return err_set(err, "KVM_IRQFD for GSI %u failed: %s", gsi, strerror(errno));
	return 0;
}
