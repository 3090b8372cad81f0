#include "vmm/sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <linux/landlock.h>
#include <seccomp.h>

#include "vmm/cli.h"
#include "vmm/console.h"

/*
 * Sanitizer builds (tests only) run their runtime inside our threads: allocator, shadow
 * memory, thread bookkeeping and, for ASan, LeakSanitizer at exit, which stops the world from a
 * thread it clones, reads /proc and ptraces. They get the extra calls below, and the main
 * thread no Landlock (LeakSanitizer must open /proc/self/maps). The release build has none
 * of this.
 */
#if defined(__SANITIZE_ADDRESS__)
#define ASAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN_BUILD 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define TSAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TSAN_BUILD 1
#endif
#endif
#if defined(ASAN_BUILD) || defined(TSAN_BUILD)
#define SANITIZER_BUILD 1
#endif

/*
 * What every kind may call, whatever it does: memory (glibc's allocator maps, grows and
 * trims arenas; never executable, see the mmap/mprotect rules), futexes for locks, time,
 * signals (the vCPU kick's handler returns through rt_sigreturn), and ending the thread or
 * the process. write is allowed on every kind (fds are all opened during set-up, and the
 * SIGSYS report itself writes to stderr).
 */
static const int common_calls[] = {
    SCMP_SYS(futex),	       SCMP_SYS(exit),
    SCMP_SYS(exit_group),      SCMP_SYS(rt_sigreturn),
    SCMP_SYS(rt_sigprocmask),  SCMP_SYS(madvise),
    SCMP_SYS(munmap),	       SCMP_SYS(brk),
    SCMP_SYS(clock_gettime),   SCMP_SYS(clock_nanosleep),
    SCMP_SYS(nanosleep),       SCMP_SYS(sched_yield),
    SCMP_SYS(restart_syscall), SCMP_SYS(getpid),
    SCMP_SYS(gettid),	       SCMP_SYS(write),
};

/*
 * Each kind's own calls, beyond the common ones. ioctl (by request and fd, add_ioctls) and
 * tgkill (only to kvmini's own threads, kicks_threads) are added as rules on their arguments.
 */
static const int main_calls[] = {
    /* Waits for the vCPUs, then tears down: joins, closes, unmaps, reports on stderr. */
    SCMP_SYS(read),
    SCMP_SYS(pread64),
    SCMP_SYS(close),
};
static const int vcpu_calls[] = {
    /* KVM_RUN and its exits: PIO/MMIO to devices, IDE's disk I/O, eventfd kicks and irqfds,
     * exit statistics from the KVM stats fds. */
    SCMP_SYS(read), SCMP_SYS(pread64), SCMP_SYS(preadv), SCMP_SYS(pwritev), SCMP_SYS(fdatasync),
};
static const int console_calls[] = {
    /* stdin to the UART, the ending signals through a signalfd, eventfds. */
    SCMP_SYS(read),
    SCMP_SYS(poll),
};
static const int console_out_calls[] = {
    /* The guest's console output to stdout, waiting for room; kicked out of a stuck write. */
    SCMP_SYS(poll),
};
static const int blk_calls[] = {
    /* The disk image (read, write, flush, discard and write-zeroes), eventfds, poll; with
     * aio=io_uring, io_uring_enter on the queue's ring, which was locked at set-up to read,
     * write and flush that image only (devices/disk_uring.c). */
    SCMP_SYS(read),	 SCMP_SYS(poll),      SCMP_SYS(preadv),		SCMP_SYS(pwritev),
    SCMP_SYS(fdatasync), SCMP_SYS(fallocate), SCMP_SYS(io_uring_enter),
};
static const int net_calls[] = {
    /* One frame per read (RX) or writev (TX) on the tap, eventfds, poll. */
    SCMP_SYS(read),
    SCMP_SYS(writev),
    SCMP_SYS(poll),
};
static const int rng_calls[] = {
    /* getrandom into the guest's buffers (never blocking), eventfds, poll. */
    SCMP_SYS(read),
    SCMP_SYS(poll),
    SCMP_SYS(getrandom),
};

/* Kinds that end the VM or stop the console's writer: they signal kvmini's own threads. */
static bool kicks_threads(enum sandbox_kind kind)
{
	return kind == SANDBOX_MAIN || kind == SANDBOX_VCPU || kind == SANDBOX_CONSOLE;
}
#ifdef SANITIZER_BUILD
static const int sanitizer_calls[] = {
    SCMP_SYS(sigaltstack),
    SCMP_SYS(prctl),
    SCMP_SYS(getrlimit),
    SCMP_SYS(prlimit64),
    SCMP_SYS(openat),
    SCMP_SYS(open),
    SCMP_SYS(close),
    SCMP_SYS(read),
    SCMP_SYS(readlink),
    SCMP_SYS(getdents64),
    SCMP_SYS(getdents),
    SCMP_SYS(lseek),
    SCMP_SYS(fstat),
    SCMP_SYS(newfstatat),
    SCMP_SYS(clone),
    SCMP_SYS(clone3),
    SCMP_SYS(ptrace),
    SCMP_SYS(wait4),
    SCMP_SYS(waitid),
    SCMP_SYS(kill),
    SCMP_SYS(tgkill),
    SCMP_SYS(rt_sigaction),
    SCMP_SYS(sched_getaffinity),
    SCMP_SYS(getppid),
    SCMP_SYS(pipe2),
    SCMP_SYS(dup2),
    SCMP_SYS(mremap),
    SCMP_SYS(setrlimit),
};
#endif

/* Each kind: its name in messages, its thread's name (comm, as ps shows it), its own calls. */
#define LIST(a) a, sizeof(a) / sizeof(a[0])
static const struct kind {
	const char *name, *comm;
	const int *calls;
	size_t ncalls;
} kinds[SANDBOX_KINDS] = {
    [SANDBOX_MAIN] = {"main thread", "kvmini", LIST(main_calls)},
    [SANDBOX_VCPU] = {"vCPU", "kvmini-vcpu", LIST(vcpu_calls)},
    [SANDBOX_CONSOLE] = {"console", "kvmini-console", LIST(console_calls)},
    [SANDBOX_CONSOLE_OUT] = {"console output", "kvmini-con-out", LIST(console_out_calls)},
    [SANDBOX_BLK] = {"blk worker", "kvmini-blk", LIST(blk_calls)},
    [SANDBOX_NET_RX] = {"net RX worker", "kvmini-net-rx", LIST(net_calls)},
    [SANDBOX_NET_TX] = {"net TX worker", "kvmini-net-tx", LIST(net_calls)},
    [SANDBOX_RNG] = {"rng worker", "kvmini-rng", LIST(rng_calls)},
    /* The RTC's timer: sleeps on a condition variable (futex, the common calls) and raises
     * IRQ 8 (KVM_IRQ_LINE_STATUS, add_ioctls); nothing else. */
    [SANDBOX_RTC] = {"rtc timer", "kvmini-rtc", NULL, 0},
};

const char *sandbox_kind_name(enum sandbox_kind kind)
{
	return (unsigned)kind < SANDBOX_KINDS ? kinds[kind].name : "?";
}

unsigned sandbox_allowed_count(enum sandbox_kind kind)
{
	/* On top of the lists: mmap and mprotect (never executable), ioctl (by argument; for
	 * every kind at least the terminal's), tgkill where the kind kicks threads, and fcntl
	 * (F_OFD_SETLK only) on main. */
	return (unsigned)(sizeof(common_calls) / sizeof(common_calls[0]) + kinds[kind].ncalls + 3 +
			  kicks_threads(kind) + (kind == SANDBOX_MAIN));
}

/* Syscall names for the SIGSYS report, resolved before any filter (the handler can't). */
#define MAX_SYSCALL 512
static const char *syscall_names[MAX_SYSCALL];
static __thread const char *thread_kind = "thread";

static void put(char **p, const char *end, const char *s)
{
	while (*s && *p < end)
		*(*p)++ = *s++;
}

/* Async-signal-safe: a static table, a stack buffer, write(2), exit_group(2). */
static void sigsys_handler(int sig, siginfo_t *info, void *uctx)
{
	(void)sig;
	(void)uctx;
	/* Only one report; a second trap (in this handler, or another thread's) just ends. */
	static atomic_flag reporting = ATOMIC_FLAG_INIT;
	if (atomic_flag_test_and_set(&reporting))
		syscall(SYS_exit_group, KVMINI_EXIT_SANDBOX);
	int nr = info->si_syscall;
	const char *name = nr >= 0 && nr < MAX_SYSCALL ? syscall_names[nr] : NULL;
	char num[24] = "syscall ", digits[12];
	if (!name) {
		unsigned v = (unsigned)nr, k = 0;
		do
			digits[k++] = (char)('0' + v % 10);
		while ((v /= 10) && k < sizeof(digits));
		char *q = num + 8;
		while (k)
			*q++ = digits[--k];
		*q = 0;
		name = num;
	}
	char msg[200], *p = msg;
	const char *end = msg + sizeof(msg);
	put(&p, end, "kvmini: sandbox: ");
	put(&p, end, thread_kind);
	put(&p, end, " made a forbidden syscall: ");
	put(&p, end, name);
	put(&p, end, " (run with --no-sandbox to debug)\n");
	/* Raw system calls: a sanitizer's wrappers around write or _exit may not be safe here. */
	syscall(SYS_write, STDERR_FILENO, msg, (size_t)(p - msg));
#ifndef TSAN_BUILD
	console_restore_tty(); /* under TSan its termios calls are intercepted: left out */
#endif
	syscall(SYS_exit_group, KVMINI_EXIT_SANDBOX);
}

#ifdef TSAN_BUILD
/*
 * ThreadSanitizer defers signals it considers asynchronous, SIGSYS among them, to the thread's
 * next interceptor call: a trapped thread could run on without reporting. Under TSan the
 * handler goes to the kernel directly. It never returns (it _exits), but the kernel still
 * wants a restorer for the signal frame: rt_sigreturn.
 */
void kvmini_sigreturn(void);
__asm__(".text\n"
	".type kvmini_sigreturn, @function\n"
	"kvmini_sigreturn:\n"
	"\tmov $15, %eax\n"
	"\tsyscall\n");

struct kernel_sigaction {
	void (*handler)(int, siginfo_t *, void *);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

static int install_sigsys_handler(void)
{
	struct kernel_sigaction ksa = {.handler = sigsys_handler,
				       .flags = SA_SIGINFO | SA_NODEFER | 0x04000000 /* RESTORER */,
				       .restorer = kvmini_sigreturn};
	return (int)syscall(SYS_rt_sigaction, SIGSYS, &ksa, NULL, sizeof(ksa.mask));
}
#else
static int install_sigsys_handler(void)
{
	/* SA_NODEFER: a trap inside the handler re-enters it (and ends) rather than kill us. */
	struct sigaction sa = {.sa_sigaction = sigsys_handler, .sa_flags = SA_SIGINFO | SA_NODEFER};
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGSYS, &sa, NULL);
}
#endif

#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif

/* Our own copy of the attribute, so newer ABIs' fields can be set with older headers. */
struct ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
};

/*
 * The one Landlock ruleset every thread restricts itself with, made during set-up: every
 * file-system access right the kernel's ABI knows handled and none granted, so from then on
 * no file can be opened, created, removed or executed; TCP bind and connect too (ABI 4).
 * Made once, so confining a thread needs no new fd (RLIMIT_NOFILE is down to the fds in use
 * by then). Sets sb->landlock_fd, or -1 and *abi 0 when the kernel has no Landlock.
 */
static int make_ruleset(struct sandbox *sb, long *abi)
{
	sb->landlock_fd = -1;
	*abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (*abi < 0) {
		*abi = 0;
		return errno == ENOSYS || errno == EOPNOTSUPP ? 0 : -1;
	}
	struct ruleset_attr attr = {.handled_access_fs = (1ULL << 13) - 1}; /* ABI 1: 13 rights */
	size_t size = sizeof(attr.handled_access_fs);
	if (*abi >= 2)
		attr.handled_access_fs |= 1ULL << 13; /* REFER */
	if (*abi >= 3)
		attr.handled_access_fs |= 1ULL << 14; /* TRUNCATE */
	if (*abi >= 5)
		attr.handled_access_fs |= 1ULL << 15; /* IOCTL_DEV (on files opened later) */
	if (*abi >= 4) {
		attr.handled_access_net = 3; /* BIND_TCP, CONNECT_TCP */
		size = sizeof(attr);
	}
	sb->landlock_fd = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0); /* CLOEXEC */
	return sb->landlock_fd < 0 ? -1 : 0;
}

int sandbox_init(struct sandbox *sb, bool enabled, bool core, struct err *err)
{
	memset(sb, 0, sizeof(*sb));
	sb->enabled = enabled;
	sb->core = core;
	sb->vm_fd = sb->tty_fd = sb->landlock_fd = -1;
	if (!enabled) {
		fprintf(stderr, "kvmini: sandbox off (--no-sandbox): a guest that breaks a device "
				"gets everything kvmini can do\n");
		return 0;
	}
	long abi;
	if (make_ruleset(sb, &abi))
		return err_set(err, "cannot create the sandbox's Landlock ruleset: %s",
			       strerror(errno));
	if (!abi)
		fprintf(stderr, "kvmini: sandbox: this kernel has no Landlock; file-system access "
				"is confined by seccomp alone\n");
	for (int nr = 0; nr < MAX_SYSCALL; nr++)
		syscall_names[nr] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
	if (install_sigsys_handler())
		return err_set(err, "cannot install the sandbox's SIGSYS handler: %s",
			       strerror(errno));
	return 0;
}

static void fatal(enum sandbox_kind kind, const char *what, int e)
{
	console_restore_tty();
	fprintf(stderr,
		"kvmini: sandbox: cannot confine the %s: %s: %s (run with --no-sandbox to go "
		"without)\n",
		sandbox_kind_name(kind), what, strerror(e));
	_exit(KVMINI_EXIT_FAILURE);
}

/* Every capability out of every set of this thread. */
static int drop_capabilities(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];
	if (syscall(SYS_capget, &hdr, data))
		return -1;
	bool any = false;
	for (int i = 0; i < 2; i++)
		any |= data[i].effective || data[i].permitted || data[i].inheritable;
	if (!any)
		return 0;
	/*
	 * The bounding set only matters across execve, which no_new_privs and seccomp already
	 * rule out; emptying it needs CAP_SETPCAP, which a kvmini given only CAP_NET_ADMIN (for
	 * its taps) does not have. So: emptied when we can, and the real sets always.
	 */
	if (data[CAP_TO_INDEX(CAP_SETPCAP)].effective & CAP_TO_MASK(CAP_SETPCAP))
		for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
			if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL)
				return -1;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	memset(data, 0, sizeof(data));
	return (int)syscall(SYS_capset, &hdr, data);
}

/* An argument comparison, every field named (clang's -Wmissing-field-initializers). */
#define ARG(n, cmp, a, b)                                                                          \
	((struct scmp_arg_cmp){.arg = (n), .op = (cmp), .datum_a = (a), .datum_b = (b)})

static int allow(scmp_filter_ctx ctx, int nr)
{
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
}

/* ioctl(fd, request): the kernel compares the low 32 bits of request, so do we. */
static int allow_ioctl(scmp_filter_ctx ctx, int fd, unsigned long request)
{
	if (fd < 0)
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
					ARG(1, SCMP_CMP_MASKED_EQ, 0xFFFFFFFFu, request));
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2,
				ARG(0, SCMP_CMP_EQ, (uint64_t)fd, 0),
				ARG(1, SCMP_CMP_MASKED_EQ, 0xFFFFFFFFu, request));
}

static int add_ioctls(scmp_filter_ctx ctx, const struct sandbox *sb, enum sandbox_kind kind,
		      int own_fd)
{
	int rc = 0;
	/*
	 * Putting the terminal back, from any thread that ends kvmini: unread keys flushed, the
	 * saved settings set (glibc reads them back first).
	 */
	if (sb->tty_fd >= 0) {
		rc |= allow_ioctl(ctx, sb->tty_fd, TCFLSH);
		rc |= allow_ioctl(ctx, sb->tty_fd, TCGETS);
		rc |= allow_ioctl(ctx, sb->tty_fd, TCSETS);
	}
	switch (kind) {
	case SANDBOX_VCPU:
		rc |= allow_ioctl(ctx, own_fd, KVM_RUN);
		rc |= allow_ioctl(ctx, own_fd, KVM_GET_REGS);
		rc |= allow_ioctl(ctx, own_fd, KVM_GET_SREGS);
		rc |= allow_ioctl(ctx, sb->vm_fd, KVM_IRQ_LINE_STATUS);
		for (unsigned i = 0; i < sb->ntaps; i++)
			rc |= allow_ioctl(ctx, sb->tap_fds[i], TUNSETOFFLOAD);
		break;
	case SANDBOX_CONSOLE:
	case SANDBOX_RTC:
		rc |= allow_ioctl(ctx, sb->vm_fd, KVM_IRQ_LINE_STATUS);
		break;
	default:
		break;
	}
	return rc;
}

static scmp_filter_ctx build_filter(const struct sandbox *sb, enum sandbox_kind kind, int own_fd)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx)
		return NULL;
	/*
	 * A call through another ABI (int 0x80, x32) would by default kill only the calling
	 * thread, silently, and leave the rest waiting for it forever: end the whole process.
	 */
	int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	for (size_t i = 0; i < sizeof(common_calls) / sizeof(common_calls[0]); i++)
		rc |= allow(ctx, common_calls[i]);
	for (size_t i = 0; i < kinds[kind].ncalls; i++)
		rc |= allow(ctx, kinds[kind].calls[i]);
	/* Kicking a vCPU out of KVM_RUN, or the console writer out of write(): our own only. */
	if (kicks_threads(kind))
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
				       ARG(0, SCMP_CMP_EQ, (uint64_t)getpid(), 0));
	/* Teardown lets go of the disks' locks before closing them (devices/disk.c). */
	if (kind == SANDBOX_MAIN)
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
				       ARG(1, SCMP_CMP_EQ, F_OFD_SETLK, 0));
	/* Memory may be mapped and protected, never made executable. */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
			       ARG(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
			       ARG(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	rc |= add_ioctls(ctx, sb, kind, own_fd);
#ifdef SANITIZER_BUILD
	for (size_t i = 0; i < sizeof(sanitizer_calls) / sizeof(sanitizer_calls[0]); i++)
		rc |= allow(ctx, sanitizer_calls[i]);
#endif
	if (rc) {
		seccomp_release(ctx);
		return NULL;
	}
	return ctx;
}

void sandbox_enter(const struct sandbox *sb, enum sandbox_kind kind, int own_fd)
{
	prctl(PR_SET_NAME, kinds[kind].comm, 0, 0, 0);
	if (!sb || !sb->enabled)
		return;
	thread_kind = sandbox_kind_name(kind);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		fatal(kind, "no_new_privs", errno);
	if (drop_capabilities())
		fatal(kind, "dropping capabilities", errno);
	/* Sanitizer builds: LeakSanitizer reads /proc from the main thread at exit. */
	bool skip_landlock = sb->landlock_fd < 0;
#ifdef SANITIZER_BUILD
	skip_landlock |= kind == SANDBOX_MAIN;
#endif
	if (!skip_landlock && syscall(SYS_landlock_restrict_self, sb->landlock_fd, 0))
		fatal(kind, "Landlock", errno);
	scmp_filter_ctx ctx = build_filter(sb, kind, own_fd);
	if (!ctx)
		fatal(kind, "building the seccomp filter", ENOMEM);
	int rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc)
		fatal(kind, "loading the seccomp filter", -rc);
#ifdef KVMINI_TEST_HOOKS
	/*
	 * Test builds only: KVMINI_TEST_FORBIDDEN=KIND makes that thread do what an exploit's
	 * next step might, open a socket (harmless should the filter ever let it through).
	 */
	const char *want = getenv("KVMINI_TEST_FORBIDDEN");
	if (want && !strcmp(want, thread_kind))
		syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
#endif
}

/* The highest fd open: /proc/self/fd lists them; without /proc, each is asked in turn. */
static int highest_fd(void)
{
	int top = 2;
	DIR *d = opendir("/proc/self/fd");
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			int fd = atoi(e->d_name); /* "." and ".." give 0 */
			if (fd > top && fd != dirfd(d))
				top = fd;
		}
		closedir(d);
		return top;
	}
	struct rlimit lim;
	rlim_t max =
	    getrlimit(RLIMIT_NOFILE, &lim) || lim.rlim_cur > 1 << 20 ? 1 << 20 : lim.rlim_cur;
	for (rlim_t fd = 3; fd < max; fd++)
		if (fcntl((int)fd, F_GETFD) >= 0)
			top = (int)fd;
	return top;
}

void sandbox_lockdown(const struct sandbox *sb)
{
	if (!sb->enabled)
		return;
	/* Nothing is opened from now on: no fd above the highest in use. */
	int top = highest_fd();
	struct rlimit nofile = {(rlim_t)top + 1, (rlim_t)top + 1};
	if (setrlimit(RLIMIT_NOFILE, &nofile))
		fatal(SANDBOX_MAIN, "RLIMIT_NOFILE", errno);
	if (!sb->core) {
		struct rlimit none = {0, 0};
		if (setrlimit(RLIMIT_CORE, &none))
			fatal(SANDBOX_MAIN, "RLIMIT_CORE", errno);
	}
	if (sb->guest_ram && madvise(sb->guest_ram, sb->guest_ram_size, MADV_DONTDUMP))
		fatal(SANDBOX_MAIN, "MADV_DONTDUMP on guest RAM", errno);
	sandbox_enter(sb, SANDBOX_MAIN, -1);
}
