/*
 * The sandbox's filters, without KVM: a forked child confines itself as one thread kind and
 * then does what that kind does (allowed) or what it never does (trapped: one line naming the
 * kind and the call on stderr, exit status 6). The allowlist sizes docs/security.md reports
 * are checked here too, so the page cannot drift from the code.
 */
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <time.h>

#include "devices/rtc.h"
#include "vmm/sandbox.h"

#define EXIT_SANDBOX 6

struct child {
	int status;
	char err[512];
};

/* Runs fn in a child confined as kind (or not, when !enabled); collects its stderr. */
static void in_child(bool enabled, enum sandbox_kind kind, void (*fn)(void), struct child *c)
{
	int pipefd[2];
	assert_int_equal(pipe(pipefd), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pipefd[1], STDERR_FILENO);
		close(pipefd[0]);
		struct sandbox sb;
		struct err err;
		if (sandbox_init(&sb, enabled, false, &err))
			_exit(99);
		sandbox_enter(&sb, kind, -1);
		fn();
		_exit(0); /* no atexit handlers (LeakSanitizer's would need /proc) */
	}
	close(pipefd[1]);
	size_t n = 0;
	ssize_t r;
	while ((r = read(pipefd[0], c->err + n, sizeof(c->err) - 1 - n)) > 0)
		n += (size_t)r;
	c->err[n] = 0;
	close(pipefd[0]);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	c->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void open_socket(void)
{
	socket(AF_INET, SOCK_STREAM, 0);
}

static void map_executable(void)
{
	mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

/*
 * Opening a file: trapped by seccomp in the release build. Sanitizer builds allow openat (for
 * their runtimes), so there Landlock must refuse it: exit 21.
 */
#define OPEN_REFUSED 21
static bool sanitizer_build(void)
{
	return strcmp(KVMINI_TEST_SANITIZER, "") != 0;
}

static void open_file(void)
{
	_exit(open("/etc/hostname", O_RDONLY) >= 0 ? 20 : OPEN_REFUSED);
}

/*
 * open(O_CREAT) and nothing else: mkstemp would also call getrandom, which no worker but the
 * rng's may, and the child would die of that instead of the open under test.
 */
static void create_file(void)
{
	char path[64];
	snprintf(path, sizeof(path), "/tmp/kvmini-sandbox-%d", (int)getpid());
	int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	if (fd >= 0)
		unlink(path);
	_exit(fd >= 0 ? 20 : OPEN_REFUSED);
}

/* What a blk worker does: disk I/O on an fd it already has, eventfds, poll, memory. */
static int blk_fd = -1, blk_efd = -1;

static void blk_io(void)
{
	char buf[4096];
	memset(buf, 0x5a, sizeof(buf));
	struct iovec iov = {buf, sizeof(buf)};
	if (pwritev(blk_fd, &iov, 1, 0) != (ssize_t)sizeof(buf) ||
	    preadv(blk_fd, &iov, 1, 0) != (ssize_t)sizeof(buf) || fdatasync(blk_fd) ||
	    fallocate(blk_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096))
		_exit(10);
	if (eventfd_write(blk_efd, 1))
		_exit(11);
	struct pollfd p = {.fd = blk_efd, .events = POLLIN};
	if (poll(&p, 1, 0) != 1)
		_exit(12);
	eventfd_t v;
	if (eventfd_read(blk_efd, &v))
		_exit(13);
	void *m = malloc(1 << 20); /* the allocator may map: never executable */
	free(m);
}

/* What an rng worker does: getrandom into guest buffers (never blocking), eventfds, poll. */
static int rng_efd = -1;

static void rng_work(void)
{
	uint8_t buf[65536];
	if (getrandom(buf, sizeof(buf), GRND_NONBLOCK) <= 0)
		_exit(10);
	if (eventfd_write(rng_efd, 1))
		_exit(11);
	struct pollfd p = {.fd = rng_efd, .events = POLLIN};
	if (poll(&p, 1, 0) != 1)
		_exit(12);
	eventfd_t v;
	if (eventfd_read(rng_efd, &v))
		_exit(13);
}

/*
 * What the RTC's timer thread does: sleep on a condition variable against the monotonic
 * clock, read the host's clock, bring the device up to date and raise its line (an ioctl).
 */
static int rtc_efd = -1, rtc_raised;

static void rtc_irq(void *ctx, unsigned gsi, int level)
{
	(void)ctx;
	struct kvm_irq_level l = {.irq = gsi, .level = (uint32_t)level};
	ioctl(rtc_efd, KVM_IRQ_LINE_STATUS, &l); /* not a VM: ENOTTY, but let through */
	rtc_raised += level;
}

static void rtc_timer_work(void)
{
	struct rtc r;
	rtc_init(&r, (struct irq_line){.set_level = rtc_irq, .gsi = 8}, NULL);
	const uint8_t a[2] = {RTC_REG_A, RTC_A_DV_32KHZ | 3}, b[2] = {RTC_REG_B, RTC_B_PIE};
	rtc_ops.write(&r, 0, a, 2);
	rtc_ops.write(&r, 0, b, 2);
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_t c;
	pthread_cond_init(&c, &ca);
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += 2000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&m);
	pthread_cond_timedwait(&c, &m, &ts);
	pthread_mutex_unlock(&m);
	rtc_poll(&r);
	rtc_destroy(&r);
	_exit(rtc_raised == 1 ? 0 : 10);
}

/* Not even a poll (read is out too, but sanitizer builds allow it for their runtimes). */
static void rtc_poll_fd(void)
{
	struct pollfd p = {.fd = rtc_efd, .events = POLLIN};
	poll(&p, 1, 0);
}

/* The rng worker's own calls are all it may make: no file, no disk write, no socket. */
static void disk_write(void)
{
	struct iovec iov = {"x", 1};
	_exit(pwritev(rng_efd, &iov, 1, 0) < 0 ? 20 : 21);
}

static void test_allowlist_sizes(void **s)
{
	(void)s;
	/* As docs/security.md reports them, next to Firecracker's ~27 for a vCPU. */
	assert_int_equal(sandbox_allowed_count(SANDBOX_VCPU), 25);
	assert_int_equal(sandbox_allowed_count(SANDBOX_BLK), 26);
	assert_int_equal(sandbox_allowed_count(SANDBOX_NET_RX), 22);
	assert_int_equal(sandbox_allowed_count(SANDBOX_NET_TX), 22);
	assert_int_equal(sandbox_allowed_count(SANDBOX_RNG), 22);
	assert_int_equal(sandbox_allowed_count(SANDBOX_CONSOLE), 22);
	assert_int_equal(sandbox_allowed_count(SANDBOX_CONSOLE_OUT), 20);
	assert_int_equal(sandbox_allowed_count(SANDBOX_MAIN), 24);
	assert_int_equal(sandbox_allowed_count(SANDBOX_RTC), 19);
}

static void test_forbidden_call_is_reported(void **s)
{
	(void)s;
	struct child c;
	in_child(true, SANDBOX_NET_TX, open_socket, &c);
	assert_int_equal(c.status, EXIT_SANDBOX);
	assert_string_equal(c.err, "kvmini: sandbox: net TX worker made a forbidden syscall: "
				   "socket (run with --no-sandbox to debug)\n");
}

static void test_no_executable_memory(void **s)
{
	(void)s;
	struct child c;
	in_child(true, SANDBOX_VCPU, map_executable, &c);
	assert_int_equal(c.status, EXIT_SANDBOX);
	assert_non_null(strstr(c.err, "vCPU made a forbidden syscall: mmap"));
}

static void test_no_file_opened(void **s)
{
	(void)s;
	struct child c;
	in_child(true, SANDBOX_CONSOLE, open_file, &c);
	if (sanitizer_build()) {
		assert_int_equal(c.status, OPEN_REFUSED);
	} else {
		assert_int_equal(c.status, EXIT_SANDBOX);
		assert_non_null(strstr(c.err, "console made a forbidden syscall: open"));
	}
}

static void test_blk_worker_can_work(void **s)
{
	(void)s;
	char path[] = "/tmp/kvmini-sandbox-XXXXXX";
	blk_fd = mkstemp(path);
	blk_efd = eventfd(0, EFD_NONBLOCK);
	assert_true(blk_fd >= 0 && blk_efd >= 0);
	assert_int_equal(ftruncate(blk_fd, 1 << 16), 0);
	struct child c;
	in_child(true, SANDBOX_BLK, blk_io, &c);
	if (c.status != 0)
		fail_msg("status %d, stderr: %s", c.status, c.err);
	/* Creating a file is not among a worker's calls, and the check is not vacuous. */
	in_child(true, SANDBOX_BLK, create_file, &c);
	if (c.status != (sanitizer_build() ? OPEN_REFUSED : EXIT_SANDBOX))
		fail_msg("creating a file: status %d, stderr: %s", c.status, c.err);
	close(blk_fd);
	close(blk_efd);
	unlink(path);
}

static void test_rng_worker_can_work(void **s)
{
	(void)s;
	rng_efd = eventfd(0, EFD_NONBLOCK);
	assert_true(rng_efd >= 0);
	struct child c;
	in_child(true, SANDBOX_RNG, rng_work, &c);
	if (c.status != 0)
		fail_msg("status %d, stderr: %s", c.status, c.err);
	in_child(true, SANDBOX_RNG, disk_write, &c);
	assert_int_equal(c.status, EXIT_SANDBOX);
	assert_string_equal(c.err, "kvmini: sandbox: rng worker made a forbidden syscall: "
				   "pwritev (run with --no-sandbox to debug)\n");
	in_child(true, SANDBOX_RNG, open_socket, &c);
	assert_int_equal(c.status, EXIT_SANDBOX);
	in_child(true, SANDBOX_RNG, create_file, &c);
	assert_int_equal(c.status, sanitizer_build() ? OPEN_REFUSED : EXIT_SANDBOX);
	close(rng_efd);
}

/* The RTC's timer: only the common calls and its interrupt; not even a poll. */
static void test_rtc_timer_can_work(void **s)
{
	(void)s;
	rtc_efd = eventfd(1, EFD_NONBLOCK);
	assert_true(rtc_efd >= 0);
	struct child c;
	in_child(true, SANDBOX_RTC, rtc_timer_work, &c);
	if (c.status != 0)
		fail_msg("status %d, stderr: %s", c.status, c.err);
	in_child(true, SANDBOX_RTC, rtc_poll_fd, &c);
	assert_int_equal(c.status, EXIT_SANDBOX);
	assert_string_equal(c.err, "kvmini: sandbox: rtc timer made a forbidden syscall: "
				   "poll (run with --no-sandbox to debug)\n");
	in_child(true, SANDBOX_RTC, open_socket, &c);
	assert_int_equal(c.status, EXIT_SANDBOX);
	close(rtc_efd);
}

static void test_disabled_confines_nothing(void **s)
{
	(void)s;
	struct child c;
	in_child(false, SANDBOX_NET_TX, open_socket, &c);
	assert_int_equal(c.status, 0);
	assert_non_null(strstr(c.err, "sandbox off (--no-sandbox)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_allowlist_sizes),
	    cmocka_unit_test(test_forbidden_call_is_reported),
	    cmocka_unit_test(test_no_executable_memory),
	    cmocka_unit_test(test_no_file_opened),
	    cmocka_unit_test(test_blk_worker_can_work),
	    cmocka_unit_test(test_rng_worker_can_work),
	    cmocka_unit_test(test_rtc_timer_can_work),
	    cmocka_unit_test(test_disabled_confines_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
