#include "vmm/console.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "vmm/exit_status.h"
#include "vmm/sandbox.h"

/*
 * The saved terminal state is process-global on purpose: the crash handlers and atexit() that
 * restore it cannot be handed a pointer.
 */
static struct termios saved_tty;
static volatile sig_atomic_t tty_saved_fd = -1;

void console_restore_tty(void)
{
	int fd = tty_saved_fd;
	if (fd < 0)
		return;
	/*
	 * TCSAFLUSH would first wait for the terminal to take all pending output, for ever if
	 * nobody reads it; so drop unread input (keys meant for the guest must not reach the
	 * shell) and switch at once.
	 */
	tcflush(fd, TCIFLUSH);
	tcsetattr(fd, TCSANOW, &saved_tty);
}

static void crash_handler(int sig)
{
	console_restore_tty();
	signal(sig, SIG_DFL);
	raise(sig);
}

static const int ending_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

int console_block_signals(struct err *err)
{
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(ending_signals) / sizeof(ending_signals[0]); i++)
		sigaddset(&set, ending_signals[i]);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL))
		return err_set(err, "cannot block signals");
	static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
	for (size_t i = 0; i < sizeof(crash_signals) / sizeof(crash_signals[0]); i++)
		signal(crash_signals[i], crash_handler);
	/* A terminal that went away must not kill kvmini before it can clean up. */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static int make_raw(int fd)
{
	if (!isatty(fd))
		return 0;
	if (tcgetattr(fd, &saved_tty) < 0)
		return -1;
	struct termios raw = saved_tty;
	cfmakeraw(&raw);
	/* Keep output processing so kvmini's own messages still start at column 0. */
	raw.c_oflag |= OPOST;
	tty_saved_fd = fd;
	atexit(console_restore_tty);
	return tcsetattr(fd, TCSAFLUSH, &raw);
}

bool console_filter(bool *escape, const uint8_t *in, size_t n, uint8_t *out, size_t *nout)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t b = in[i];
		if (*escape) {
			*escape = false;
			if (b == 'x' || b == 'X')
				return true;
			if (b == CONSOLE_ESCAPE)
				out[(*nout)++] = b;
			/* Any other key after Ctrl-A is swallowed, as in QEMU and screen. */
			continue;
		}
		if (b == CONSOLE_ESCAPE)
			*escape = true;
		else
			out[(*nout)++] = b;
	}
	return false;
}

static void feed_guest(struct console *c)
{
	size_t n = serial_receive(c->serial, c->pending, c->npending);
	memmove(c->pending, c->pending + n, c->npending - n);
	c->npending -= n;
}

static void drained(void *ctx)
{
	struct console *c = ctx;
	uint64_t one = 1;
	if (write(c->space_fd, &one, sizeof(one)) < 0) {
		/* The counter is saturated only if nobody reads it: nothing to do. */
	}
}

/* Returns false when the console should stop. */
static bool read_input(struct console *c)
{
	uint8_t buf[sizeof(c->pending) / 2];
	/* Never read more than there is room for: input waits in the kernel, not lost here. */
	size_t room = sizeof(c->pending) - c->npending;
	ssize_t n = read(c->in_fd, buf, room < sizeof(buf) ? room : sizeof(buf));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	if (n == 0) {
		c->in_eof = true;
		return true;
	}
	if (console_filter(&c->escape, buf, (size_t)n, c->pending, &c->npending)) {
		machine_event(&c->machine, MACHINE_USER_QUIT, 0, "Ctrl-A x pressed");
		return false;
	}
	feed_guest(c);
	return true;
}

static void *console_thread(void *arg)
{
	struct console *c = arg;
	sandbox_enter(c->sandbox, SANDBOX_CONSOLE, -1);
	for (;;) {
		struct pollfd fds[4] = {
		    {.fd = c->stop_fd, .events = POLLIN},
		    {.fd = c->sig_fd, .events = POLLIN},
		    {.fd = c->space_fd, .events = POLLIN},
		    /* Read more only when what we hold has gone to the guest. */
		    {.fd = (c->in_eof || c->npending) ? -1 : c->in_fd, .events = POLLIN},
		};
		if (poll(fds, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[0].revents)
			break;
		if (fds[1].revents) {
			struct signalfd_siginfo si;
			if (read(c->sig_fd, &si, sizeof(si)) == sizeof(si)) {
				char why[64];
				snprintf(why, sizeof(why), "ended by signal %u (%s)", si.ssi_signo,
					 strsignal((int)si.ssi_signo));
				machine_event(&c->machine, MACHINE_SIGNAL, (int)si.ssi_signo, why);
				break;
			}
		}
		if (fds[2].revents) {
			uint64_t v;
			if (read(c->space_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				break;
			feed_guest(c);
		}
		if (fds[3].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (!read_input(c))
				break;
		} else if (fds[3].revents & POLLNVAL) {
			c->in_eof = true;
		}
	}
	return NULL;
}

int console_start(struct console *c, int in_fd, int out_fd, struct serial *serial,
		  struct machine_ctl machine, const struct sandbox *sb, struct err *err)
{
	memset(c, 0, sizeof(*c));
	c->sandbox = sb;
	c->in_fd = in_fd;
	c->serial = serial;
	c->machine = machine;
	c->sig_fd = c->stop_fd = c->space_fd = -1;

	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(ending_signals) / sizeof(ending_signals[0]); i++)
		sigaddset(&set, ending_signals[i]);
	c->sig_fd = signalfd(-1, &set, SFD_CLOEXEC);
	c->stop_fd = eventfd(0, EFD_CLOEXEC);
	c->space_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->sig_fd < 0 || c->stop_fd < 0 || c->space_fd < 0)
		return err_set(err, "cannot create console event fds: %s", strerror(errno));
	if (make_raw(in_fd) < 0)
		return err_set(err, "cannot put the terminal in raw mode: %s", strerror(errno));

	c->out = outbuf_new(CONSOLE_OUT_BUF, err);
	if (!c->out || outbuf_start(c->out, out_fd, sb, err))
		return -1;
	serial_set_output(serial, outbuf_sink(c->out));

	pthread_mutex_lock(&serial->lock);
	serial->rx_drained = drained;
	serial->rx_drained_ctx = c;
	pthread_mutex_unlock(&serial->lock);

	int rc = pthread_create(&c->thread, NULL, console_thread, c);
	if (rc)
		return err_set(err, "cannot start the console thread: %s", strerror(rc));
	c->started = true;
	return 0;
}

void console_stop(struct console *c)
{
	if (c->started) {
		uint64_t one = 1;
		if (write(c->stop_fd, &one, sizeof(one)) == sizeof(one))
			pthread_join(c->thread, NULL);
		c->started = false;
	}
	if (c->serial) {
		pthread_mutex_lock(&c->serial->lock);
		c->serial->rx_drained = NULL;
		pthread_mutex_unlock(&c->serial->lock);
		serial_set_output(c->serial, (struct byte_sink){0});
	}
	/* Before the terminal is restored, so the guest's last words still come out raw. */
	if (c->out) {
		uint64_t dropped = outbuf_stop(c->out, CONSOLE_FLUSH_MS, CONSOLE_STALL_MS);
		int e = outbuf_error(c->out);
		if (dropped) {
			char why[128];
			if (e)
				snprintf(why, sizeof(why), "writing stdout failed: %s",
					 strerror(e));
			else
				snprintf(why, sizeof(why), "stdout was not being read");
			fprintf(stderr,
				"kvmini: console: %llu bytes of guest output dropped (%s)\n",
				(unsigned long long)dropped, why);
		}
		outbuf_free(c->out);
		c->out = NULL;
	}
	console_restore_tty();
	int *fds[] = {&c->sig_fd, &c->stop_fd, &c->space_fd};
	for (size_t i = 0; i < 3; i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}
