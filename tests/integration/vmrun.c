#include "vmrun.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/clock.h"

/*
 * Lost wakeups: the tiny guest prints "tiny: lost wakeups: N" when interrupts it waited for
 * never came and its timer fallback took them instead (guest-kernels/tiny/arch/irq.h). On a
 * correct host that is a bug, ours or KVM's: the test that ran the guest fails. Where the
 * host is known to lose them (KVMINI_TEST_LOST_WAKEUPS=report: the nested-SVM rig), each is
 * printed and counted instead, and the suite prints its total when it ends.
 */
static unsigned long lost_total;
bool vmrun_lost_wakeups_made;

static void report_lost_total(void)
{
	printf("lost wakeups: %lu\n", lost_total);
}

unsigned long vmrun_lost_wakeups(const char *out)
{
	const char *p = strstr(out, "tiny: lost wakeups: ");
	return p ? strtoul(p + strlen("tiny: lost wakeups: "), NULL, 10) : 0;
}

bool vmrun_lost_wakeups_reported(void)
{
	const char *mode = getenv("KVMINI_TEST_LOST_WAKEUPS");
	return mode && !strcmp(mode, "report");
}

static void check_lost_wakeups(const char *out)
{
	static bool registered;
	if (!registered) {
		atexit(report_lost_total);
		registered = true;
	}
	unsigned long n = vmrun_lost_wakeups(out);
	if (!n || vmrun_lost_wakeups_made)
		return;
	lost_total += n;
	if (vmrun_lost_wakeups_reported()) {
		printf("vmrun: the guest lost %lu wakeup(s): interrupts that never came\n", n);
		return;
	}
	fail_msg("the guest lost %lu wakeup(s): interrupts that never came, taken by its timer "
		 "fallback instead (KVMINI_TEST_LOST_WAKEUPS=report only counts them)",
		 n);
}

static void append(char *buf, size_t cap, size_t *len, int fd, bool *open_)
{
	char tmp[4096];
	ssize_t n = read(fd, tmp, sizeof(tmp));
	if (n <= 0) {
		if (n == 0 || (errno != EINTR && errno != EAGAIN))
			*open_ = false;
		return;
	}
	size_t room = cap - 1 - *len;
	size_t take = (size_t)n < room ? (size_t)n : room;
	memcpy(buf + *len, tmp, take);
	*len += take;
	buf[*len] = '\0';
}

/*
 * A VM that outlives its time: where each of its threads is, from /proc (state, kernel wait
 * channel, kernel stack when readable), so a hang in a test log says whether kvmini was
 * spinning, waiting for the guest, or stuck inside the host kernel.
 */
static void dump_threads(pid_t pid)
{
	char path[128], buf[2048];
	for (int tid = pid; tid < pid + 64; tid++) {
		snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = 0;
		fclose(f);
		const char *rp = strrchr(buf, ')');
		printf("vmrun: pid %d thread %d state %c", pid, tid, rp && rp[1] ? rp[2] : '?');
		snprintf(path, sizeof(path), "/proc/%d/task/%d/wchan", pid, tid);
		if ((f = fopen(path, "r"))) {
			n = fread(buf, 1, 127, f);
			buf[n] = 0;
			printf(" wchan %s", buf);
			fclose(f);
		}
		printf("\n");
		snprintf(path, sizeof(path), "/proc/%d/task/%d/stack", pid, tid);
		if ((f = fopen(path, "r"))) {
			while (fgets(buf, sizeof(buf), f))
				printf("vmrun:   %s", buf);
			fclose(f);
		}
	}
}

static void reap(pid_t pid, long long deadline, struct vm_result *r)
{
	int st = 0;
	long long give_up = deadline + 20000;
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			break;
		if (now_ms() > deadline && !r->timed_out) {
			r->timed_out = true;
			kill(pid, SIGKILL); /* our own child, by PID */
		}
		/* SIGKILL cannot end a task stuck in the kernel: report it rather than hang. */
		if (now_ms() > give_up) {
			printf("vmrun: pid %d still alive 20 s after SIGKILL\n", pid);
			dump_threads(pid);
			r->status = -1;
			return;
		}
		usleep(2000);
	}
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void vmrun(const char *const argv[], const char *input, struct vm_result *r)
{
	memset(r, 0, sizeof(*r));
	int out[2], err[2], in[2];
	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC) || pipe2(in, O_CLOEXEC))
		abort();
	pid_t pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		close_range(3, ~0U, 0); /* kvmini as a user starts it: no stray fds */
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	close(in[0]);
	if (input) {
		/* Small inputs fit the pipe buffer; a dead child must not SIGPIPE the test. */
		signal(SIGPIPE, SIG_IGN);
		if (write(in[1], input, strlen(input)) < 0) {
		}
	}
	close(in[1]);

	long long deadline = now_ms() + VMRUN_TIMEOUT_MS;
	bool out_open = true, err_open = true, termed = false;
	while (out_open || err_open) {
		struct pollfd fds[2] = {{.fd = out_open ? out[0] : -1, .events = POLLIN},
					{.fd = err_open ? err[0] : -1, .events = POLLIN}};
		long long left = deadline - now_ms();
		if (left <= 0 && !termed) {
			/*
			 * Out of time: say where kvmini's threads are, then SIGTERM, which kvmini
			 * handles like any ending (its --exit-stats show how far the guest got),
			 * and read its last words for up to 3 s before SIGKILL.
			 */
			r->timed_out = true;
			printf("vmrun: timed out after %d ms:", VMRUN_TIMEOUT_MS);
			for (const char *const *a = argv; *a; a++)
				printf(" %s", *a);
			printf("\n");
			dump_threads(pid);
			kill(pid, SIGTERM); /* our own child, by PID */
			termed = true;
			deadline = now_ms() + 3000;
			continue;
		}
		if (left <= 0) {
			kill(pid, SIGKILL);
			break;
		}
		if (poll(fds, 2, (int)left) < 0 && errno != EINTR)
			break;
		if (fds[0].revents)
			append(r->out, sizeof(r->out), &r->out_len, out[0], &out_open);
		if (fds[1].revents)
			append(r->err, sizeof(r->err), &r->err_len, err[0], &err_open);
	}
	close(out[0]);
	close(err[0]);
	reap(pid, deadline + 5000, r);
	check_lost_wakeups(r->out);
}

void vmrun_pty(const char *const argv[], struct pty_run *p, struct vm_result *r)
{
	memset(r, 0, sizeof(*r));
	int master, slave;
	if (openpty(&master, &slave, NULL, NULL, NULL) < 0)
		abort();
	/* A typical interactive terminal: canonical input, echo, signals, output processing. */
	struct termios t;
	tcgetattr(slave, &t);
	t.c_lflag |= ICANON | ECHO | ISIG | IEXTEN;
	t.c_iflag |= ICRNL;
	t.c_oflag |= OPOST | ONLCR;
	tcsetattr(slave, TCSANOW, &t);
	tcgetattr(slave, &p->before);

	pid_t pid = fork();
	if (pid == 0) {
		close(master);
		setsid();
		ioctl(slave, TIOCSCTTY, 0);
		dup2(slave, 0);
		dup2(slave, 1);
		dup2(slave, 2);
		if (slave > 2)
			close(slave);
		close_range(3, ~0U, 0); /* kvmini as a user starts it: no stray fds */
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	long long deadline = now_ms() + VMRUN_TIMEOUT_MS;
	bool open_ = true, sent = false, sent2 = false;
	size_t mark = 0; /* where the output stood when the first keys went out */
	while (open_) {
		long long left = deadline - now_ms();
		if (left <= 0) {
			r->timed_out = true;
			kill(pid, SIGKILL);
			break;
		}
		struct pollfd fd = {.fd = master, .events = POLLIN};
		if (poll(&fd, 1, (int)(left < 50 ? left : 50)) < 0 && errno != EINTR)
			break;
		if (fd.revents & POLLIN)
			append(r->out, sizeof(r->out), &r->out_len, master, &open_);
		else if (fd.revents & (POLLHUP | POLLERR))
			open_ = false; /* the child closed its side: it has exited */
		if (!sent && strstr(r->out, p->ready)) {
			sent = true;
			tcgetattr(slave, &p->during);
			if (p->keys && write(master, p->keys, strlen(p->keys)) < 0) {
			}
			if (p->sig)
				kill(pid, p->sig);
			mark = r->out_len;
		}
		if (sent && !sent2 && p->ready2 && strstr(r->out + mark, p->ready2)) {
			sent2 = true;
			if (write(master, p->keys2, strlen(p->keys2)) < 0) {
			}
		}
		/* With our slave fd open, HUP never comes: stop once the child is gone. */
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			while (poll(&fd, 1, 0) > 0 && (fd.revents & POLLIN) && open_)
				append(r->out, sizeof(r->out), &r->out_len, master, &open_);
			tcgetattr(slave, &p->after);
			close(master);
			close(slave);
			return;
		}
	}
	reap(pid, deadline + 5000, r);
	tcgetattr(slave, &p->after);
	close(master);
	close(slave);
}

void vm_bg_start(const char *const argv[], struct vm_bg *bg)
{
	memset(bg, 0, sizeof(*bg));
	int out[2];
	if (pipe2(out, O_CLOEXEC))
		abort();
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		dup2(null, 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		close_range(3, ~0U, 0); /* kvmini as a user starts it: no stray fds */
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	bg->pid = pid;
	bg->fd = out[0];
	bg->open_ = true;
	bg->deadline = now_ms() + VMRUN_TIMEOUT_MS;
}

bool vm_bg_wait_for(struct vm_bg *bg, const char *needle, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;
	while (!strstr(bg->out, needle)) {
		long long left = end - now_ms();
		if (!bg->open_ || left <= 0)
			return false;
		struct pollfd fd = {.fd = bg->fd, .events = POLLIN};
		if (poll(&fd, 1, (int)left) < 0 && errno != EINTR)
			return false;
		if (fd.revents)
			append(bg->out, sizeof(bg->out), &bg->out_len, bg->fd, &bg->open_);
	}
	return true;
}

int vm_bg_stop(struct vm_bg *bg, int sig)
{
	struct vm_result r;
	memset(&r, 0, sizeof(r));
	if (sig)
		kill(bg->pid, sig); /* our own child, by PID */
	reap(bg->pid, bg->deadline, &r);
	while (bg->open_) {
		struct pollfd fd = {.fd = bg->fd, .events = POLLIN};
		if (poll(&fd, 1, 1000) <= 0)
			break;
		append(bg->out, sizeof(bg->out), &bg->out_len, bg->fd, &bg->open_);
	}
	close(bg->fd);
	bg->fd = -1;
	check_lost_wakeups(bg->out);
	return r.status;
}

/*
 * Each suite's output goes to a file or pipe in CI and in the rig: line-buffer it, so a suite
 * that is killed (a hang, a timeout) still shows how far it got.
 */
__attribute__((constructor)) static void line_buffered_stdout(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

unsigned long test_io_sectors(unsigned long want)
{
	const char *cap = getenv("KVMINI_TEST_IO_SECTORS");
	unsigned long n = cap ? strtoul(cap, NULL, 10) : 0;
	return n && n < want ? n : want;
}

size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

bool vmrun_kvm_usable(char *why, size_t len)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "cannot open /dev/kvm: %s", strerror(errno));
		return false;
	}
	close(fd);
	return true;
}

int vmrun_skip(const char *what, const char *why)
{
	printf("\n********************************************************\n"
	       "*** SKIPPED: %s did not run\n"
	       "*** %s\n"
	       "********************************************************\n",
	       what, why);
	return 77;
}
