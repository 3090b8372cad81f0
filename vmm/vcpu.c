#include "vmm/vcpu.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "boot/cpu_state.h"
#include "vmm/cli.h"
#include "vmm/cpuid.h"
#include "vmm/sandbox.h"
#include "vmm/vm.h"

/* Sent to a vCPU thread to make KVM_RUN return; its handler does nothing. */
#define VCPU_KICK_SIGNAL SIGUSR1
/* Unclaimed accesses shown one by one with --verbose before going quiet. */
#define UNCLAIMED_SHOWN 64

int vcpu_create(struct vm *vm, unsigned id, struct vcpu *vcpu, struct err *err)
{
	memset(vcpu, 0, sizeof(*vcpu));
	vcpu->kstats.fd = -1;
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (vcpu->fd < 0)
		return err_set(err, "KVM_CREATE_VCPU %u failed: %s", id, strerror(errno));
	vcpu->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		vcpu->run = NULL;
		return err_set(err, "cannot map vCPU %u's kvm_run: %s", id, strerror(errno));
	}
	struct kvm_cpuid2 *cpuid = cpuid_copy(vm->cpuid);
	if (!cpuid)
		return err_set(err, "out of memory");
	cpuid_set_apic_id(cpuid, id);
	/* Exit statistics are optional: without them kvmini still counts its own exits. */
	struct err ignore;
	kvm_stats_open(&vcpu->kstats, vcpu->fd, &ignore);
	int rc = ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid);
	free(cpuid);
	if (rc < 0)
		return err_set(err, "KVM_SET_CPUID2 on vCPU %u failed: %s", id, strerror(errno));
	/* Other vCPUs stay in KVM's wait-for-SIPI state until the guest starts them. */
	return 0;
}

void vcpu_destroy(struct vcpu *vcpu)
{
	kvm_stats_close(&vcpu->kstats);
	if (vcpu->run)
		munmap(vcpu->run, vcpu->vm->run_size);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
}

int vcpu_set_boot_state(struct vcpu *vcpu, uint64_t rip, uint64_t boot_params, struct err *err)
{
	struct kvm_sregs sregs;
	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0)
		return err_set(err, "KVM_GET_SREGS failed: %s", strerror(errno));
	boot_set_sregs(&sregs);
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) < 0)
		return err_set(err, "KVM_SET_SREGS failed: %s", strerror(errno));
	struct kvm_regs regs;
	boot_set_regs(&regs, rip, boot_params);
	if (ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0)
		return err_set(err, "KVM_SET_REGS failed: %s", strerror(errno));
	return 0;
}

static void report_unclaimed(struct vcpu *vcpu, struct bus *bus, bool is_write, uint64_t addr,
			     const void *data, unsigned size)
{
	struct vm *vm = vcpu->vm;
	unsigned long long n = atomic_load(&bus->unclaimed);
	if (!vm->verbose || n > UNCLAIMED_SHOWN)
		return;
	uint64_t val = 0;
	memcpy(&val, data, size < sizeof(val) ? size : sizeof(val));
	vm_log(vm, "vCPU %u: unclaimed %s %s 0x%llx size %u%s 0x%llx%s", vcpu->id, bus->name,
	       is_write ? "write" : "read", (unsigned long long)addr, size,
	       is_write ? " value" : " ->", (unsigned long long)val,
	       n == UNCLAIMED_SHOWN ? " (further unclaimed accesses are only counted)" : "");
}

/* Counted before dispatch, so a marker write that opens a window is not inside it. */
static const struct bus_range *count_exit(struct vcpu *vcpu, enum uexit_kind kind,
					  atomic_ullong *per_dev, const struct bus *bus,
					  uint64_t addr, unsigned size)
{
	const struct bus_range *r = size ? bus_find(bus, addr, size) : NULL;
	size_t idx = r ? (size_t)(r - bus->ranges) : BUS_MAX_RANGES;
	atomic_fetch_add_explicit(&vcpu->counts.kind[kind], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&per_dev[idx], 1, memory_order_relaxed);
	return r;
}

/* --trace-exits: one line per user-space exit, decoded down to the device register. */
static void trace_exit(struct vcpu *vcpu, const char *kind, uint64_t addr, const char *arrow,
		       const void *data, unsigned size, unsigned count, const struct bus_range *r,
		       bool write)
{
	uint64_t val = 0;
	memcpy(&val, data, size < sizeof(val) ? size : sizeof(val));
	char what[48];
	if (count > 1)
		snprintf(what, sizeof(what), "x%u (%u bytes)", count, count * size);
	else
		snprintf(what, sizeof(what), "%s 0x%0*llx", arrow, (int)size * 2,
			 (unsigned long long)val);
	const char *reg =
	    r && r->ops->reg_name ? r->ops->reg_name(r->opaque, addr - r->base, write) : NULL;
	char cpu[16] = "";
	if (vcpu->vm->ncpus > 1)
		snprintf(cpu, sizeof(cpu), "cpu%u ", vcpu->id);
	fprintf(stderr, "%s%-6s 0x%-8llx %-22s %s%s%s\n", cpu, kind, (unsigned long long)addr, what,
		r ? r->name : "(unclaimed)", reg ? ": " : "", reg ? reg : "");
}

static const char *pio_kind(bool out, unsigned size, unsigned count)
{
	static const char *const names[2][2][3] = {
	    {{"IN", "INW", "INL"}, {"INSB", "INSW", "INSL"}},
	    {{"OUT", "OUTW", "OUTL"}, {"OUTSB", "OUTSW", "OUTSL"}},
	};
	unsigned s = size == 4 ? 2 : size == 2 ? 1 : 0;
	return names[out][count > 1][s];
}

static void handle_pio(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct bus *bus = &vcpu->vm->pio;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;
	const struct bus_range *r =
	    count_exit(vcpu, UEXIT_PIO, vcpu->counts.pio_dev, bus, run->io.port, run->io.size);
	bus_dispatch_string(bus, r, run->io.port, data, run->io.size, run->io.count, out);
	if (!r)
		report_unclaimed(vcpu, bus, out, run->io.port, data, run->io.size);
	if (vcpu->vm->trace_exits)
		trace_exit(vcpu, pio_kind(out, run->io.size, run->io.count), run->io.port,
			   out ? "<-" : "->", data, run->io.size, run->io.count, r, out);
}

static void handle_mmio(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct bus *bus = &vcpu->vm->mmio;
	unsigned len = run->mmio.len <= sizeof(run->mmio.data) ? run->mmio.len : 0;
	const struct bus_range *r =
	    count_exit(vcpu, UEXIT_MMIO, vcpu->counts.mmio_dev, bus, run->mmio.phys_addr, len);
	if (len)
		bus_dispatch(bus, r, run->mmio.phys_addr, run->mmio.data, len, run->mmio.is_write);
	if (!r)
		report_unclaimed(vcpu, bus, run->mmio.is_write, run->mmio.phys_addr, run->mmio.data,
				 len);
	if (vcpu->vm->trace_exits)
		trace_exit(vcpu, run->mmio.is_write ? "MMIO W" : "MMIO R", run->mmio.phys_addr,
			   run->mmio.is_write ? "<-" : "->", run->mmio.data, len, 1, r,
			   run->mmio.is_write);
}

void vcpu_format_regs(struct vcpu *vcpu, char *buf, size_t len)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0 || ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0) {
		snprintf(buf, len, "  (registers unavailable: %s)", strerror(errno));
		return;
	}
	snprintf(
	    buf, len,
	    "  vCPU %u: rip %016llx rflags %08llx\n"
	    "  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n"
	    "  rsi %016llx rdi %016llx rsp %016llx rbp %016llx\n"
	    "  r8  %016llx r9  %016llx r10 %016llx r11 %016llx\n"
	    "  r12 %016llx r13 %016llx r14 %016llx r15 %016llx\n"
	    "  cs %04x (base %llx l %u) ss %04x cr0 %llx cr2 %llx cr3 %llx cr4 %llx efer %llx\n"
	    "  gdt %llx/%x idt %llx/%x",
	    vcpu->id, r.rip, r.rflags, r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rsp, r.rbp, r.r8,
	    r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, s.cs.selector, s.cs.base, s.cs.l,
	    s.ss.selector, s.cr0, s.cr2, s.cr3, s.cr4, s.efer, s.gdt.base, s.gdt.limit, s.idt.base,
	    s.idt.limit);
}

/* Ends the VM with a report that carries this vCPU's registers. */
static void exit_with_regs(struct vcpu *vcpu, int status, const char *what)
{
	char regs[1024], reason[1536];
	vcpu_format_regs(vcpu, regs, sizeof(regs));
	snprintf(reason, sizeof(reason), "%s\n%s", what, regs);
	vm_request_exit(vcpu->vm, status, reason);
}

static void handle_internal_error(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	char what[256];
	int n = snprintf(what, sizeof(what), "KVM internal error, suberror %u%s",
			 run->internal.suberror,
			 run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION
			     ? " (instruction emulation failed)"
			     : "");
	for (uint32_t i = 0; i < run->internal.ndata && i < 4 && n < (int)sizeof(what) - 24; i++)
		n += snprintf(what + n, sizeof(what) - n, " data[%u]=%llx", i,
			      (unsigned long long)run->internal.data[i]);
	exit_with_regs(vcpu, KVMINI_EXIT_KVM_ERROR, what);
}

static void handle_system_event(struct vcpu *vcpu)
{
	switch (vcpu->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
	case KVM_SYSTEM_EVENT_RESET:
		vm_request_exit(vcpu->vm, KVMINI_EXIT_OK, "guest reset or powered off");
		break;
	default: {
		char what[64];
		snprintf(what, sizeof(what), "guest system event %u", vcpu->run->system_event.type);
		exit_with_regs(vcpu, KVMINI_EXIT_KVM_ERROR, what);
	}
	}
}

/* Returns false when the run loop should stop. */
static bool handle_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	char what[128];
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		handle_pio(vcpu);
		return true;
	case KVM_EXIT_MMIO:
		handle_mmio(vcpu);
		return true;
	case KVM_EXIT_INTR:
		atomic_fetch_add_explicit(&vcpu->counts.kind[UEXIT_OTHER], 1, memory_order_relaxed);
		return true;
	case KVM_EXIT_SHUTDOWN:
		exit_with_regs(vcpu, KVMINI_EXIT_TRIPLE_FAULT, "guest triple fault");
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		handle_system_event(vcpu);
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		handle_internal_error(vcpu);
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(what, sizeof(what), "VM entry failed, hardware reason 0x%llx",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		exit_with_regs(vcpu, KVMINI_EXIT_KVM_ERROR, what);
		return false;
	default:
		/*
		 * With the in-kernel irqchip HLT never reaches user space; anything else is a bug.
		 */
		snprintf(what, sizeof(what), "unhandled KVM exit reason %u", run->exit_reason);
		exit_with_regs(vcpu, KVMINI_EXIT_KVM_ERROR, what);
		return false;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	struct vm *vm = vcpu->vm;
	sigset_t kick;
	sigemptyset(&kick);
	sigaddset(&kick, VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);

	/* Confined before the first guest instruction, and run only once all threads are. */
	sandbox_enter(vm->sandbox, SANDBOX_VCPU, vcpu->fd);
	pthread_mutex_lock(&vm->lock);
	while (!vm->go && !vm->exiting)
		pthread_cond_wait(&vm->go_cond, &vm->lock);
	pthread_mutex_unlock(&vm->lock);

	for (;;) {
		if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				pthread_mutex_lock(&vm->lock);
				bool stop = vm->exiting;
				if (!stop)
					vcpu->run->immediate_exit = 0;
				pthread_mutex_unlock(&vm->lock);
				if (stop)
					break;
				continue;
			}
			char what[128];
			snprintf(what, sizeof(what), "KVM_RUN failed on vCPU %u: %s", vcpu->id,
				 strerror(errno));
			vm_request_exit(vm, KVMINI_EXIT_FAILURE, what);
			break;
		}
		if (!handle_exit(vcpu))
			break;
	}
	return NULL;
}

static void kick_handler(int sig)
{
	(void)sig;
}

int vcpu_start(struct vcpu *vcpu, struct err *err)
{
	struct sigaction sa = {.sa_handler = kick_handler};
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: KVM_RUN must return EINTR. */
	sigaction(VCPU_KICK_SIGNAL, &sa, NULL);
	int rc = pthread_create(&vcpu->thread, NULL, vcpu_thread, vcpu);
	if (rc)
		return err_set(err, "cannot start vCPU %u thread: %s", vcpu->id, strerror(rc));
	vcpu->started = true;
	return 0;
}

void vcpu_kick(struct vcpu *vcpu)
{
	if (!vcpu->started)
		return;
	/*
	 * immediate_exit closes the race with a thread that is about to enter KVM_RUN: KVM
	 * returns EINTR at once instead of running the guest. The signal covers one inside it.
	 */
	vcpu->run->immediate_exit = 1;
	pthread_kill(vcpu->thread, VCPU_KICK_SIGNAL);
}

void vcpu_join(struct vcpu *vcpu)
{
	if (vcpu->started)
		pthread_join(vcpu->thread, NULL);
	vcpu->started = false;
}
