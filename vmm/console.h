/*
 * The terminal as the guest's serial console: stdin feeds the UART (raw mode when it is a tty),
 * Ctrl-A x ends the VM, and SIGINT/SIGTERM/SIGHUP/SIGQUIT end it with 128+signal. The terminal
 * is restored on every way out, including a crash of kvmini itself.
 *
 * Output goes through a bounded buffer and its own writer thread (vmm/outbuf.h): a stdout that
 * nobody reads stalls only that thread, never a vCPU or the shutdown. Bytes that do not fit are
 * dropped and counted; at the end what is left gets a bounded time to drain, and any loss is
 * reported in one line on stderr.
 */
#ifndef KVMINI_CONSOLE_H
#define KVMINI_CONSOLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/machine.h"
#include "devices/serial.h"
#include "core/err.h"
#include "vmm/outbuf.h"

#define CONSOLE_ESCAPE 0x01 /* Ctrl-A */
/* Room for a burst of guest output while the terminal catches up (a whole Linux boot log). */
#define CONSOLE_OUT_BUF (256u << 10)
/*
 * How long the end waits for buffered output: at most CONSOLE_FLUSH_MS, and only
 * CONSOLE_STALL_MS once stdout takes nothing; well inside the second a SIGTERM may take.
 */
#define CONSOLE_FLUSH_MS 300
#define CONSOLE_STALL_MS 100

struct sandbox;

struct console {
	int in_fd;
	struct serial *serial;
	struct outbuf *out; /* guest output on its way to out_fd */
	struct machine_ctl machine;
	int sig_fd;   /* signalfd for the signals that end the VM */
	int stop_fd;  /* eventfd: console_stop() */
	int space_fd; /* eventfd: the guest drained the UART's RX FIFO */
	bool in_eof;
	bool escape; /* the previous byte was Ctrl-A */
	uint8_t pending[256];
	size_t npending;
	pthread_t thread;
	bool started;
	const struct sandbox *sandbox;
};

/*
 * Blocks the ending signals in the calling thread (call it before any other thread exists, so
 * all threads inherit the mask) and installs the crash handlers that restore the terminal.
 */
int console_block_signals(struct err *err);

/*
 * Raw mode on in_fd if it is a terminal; then a thread moves input to the UART, and the UART's
 * output goes to out_fd through the buffer. Both threads confine themselves with sb
 * (vmm/sandbox.h) first.
 */
int console_start(struct console *c, int in_fd, int out_fd, struct serial *serial,
		  struct machine_ctl machine, const struct sandbox *sb, struct err *err);
/*
 * Stops the input thread, detaches the UART, flushes the output for at most CONSOLE_FLUSH_MS
 * (CONSOLE_STALL_MS if stdout takes nothing), reports on stderr how many bytes were dropped if
 * any, and restores the terminal.
 */
void console_stop(struct console *c);

/* Puts the terminal back as it was; safe to call more than once and from a signal handler. */
void console_restore_tty(void);

/*
 * Escape processing for Ctrl-A sequences, exposed for tests: appends guest-bound bytes to out
 * and returns true when the input asked to end the VM (Ctrl-A x).
 */
bool console_filter(bool *escape, const uint8_t *in, size_t n, uint8_t *out, size_t *nout);

#endif
