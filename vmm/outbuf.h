/*
 * A bounded output buffer with its own writer thread: producers (a vCPU, through the UART's
 * byte sink) append under a short lock and never wait; the writer alone calls write() on the
 * file descriptor, so a reader that stops reading stalls only the writer. When the buffer is
 * full, new bytes are dropped and counted. outbuf_stop() gives the writer a bounded time to
 * flush and then makes it give up, even in the middle of a blocked write().
 *
 * The fd is used as it is: it is never switched to O_NONBLOCK, since stdout's file
 * description is usually shared with the user's shell. To end a blocked write() the writer is
 * sent OUTBUF_KICK_SIGNAL, whose handler (installed by outbuf_start) does nothing.
 */
#ifndef KVMINI_OUTBUF_H
#define KVMINI_OUTBUF_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/machine.h"
#include "core/err.h"

#define OUTBUF_KICK_SIGNAL SIGUSR2

struct sandbox;

struct outbuf {
	const struct sandbox *sandbox; /* the writer confines itself with it (may be NULL) */
	pthread_mutex_t lock;
	pthread_cond_t more;	/* writer: data to write, or stopping */
	pthread_cond_t changed; /* others: data written, or the writer ended */
	uint8_t *buf;
	size_t cap;
	size_t head; /* where the oldest unwritten byte is */
	size_t len;  /* bytes waiting */
	uint64_t dropped;
	uint64_t written; /* bytes the writer has handed to fd */
	int error;	  /* errno of the first failed write, 0 if none */
	int fd;
	bool stopping; /* write what is left, then end */
	bool abandon;  /* end now, written or not */
	bool done;     /* the writer has left its loop */
	bool started;
	bool stuck; /* the writer never ended: leave its memory alone */
	pthread_t thread;
};

/*
 * A buffer of cap bytes; nothing is written until outbuf_start. It lives on the heap so that a
 * writer stuck for good inside the kernel (an uninterruptible write) can be left with memory
 * that stays valid until the process exits.
 */
struct outbuf *outbuf_new(size_t cap, struct err *err);

/* Starts the writer thread on fd (the caller keeps fd open until outbuf_stop returns). */
int outbuf_start(struct outbuf *o, int fd, const struct sandbox *sb, struct err *err);

/* Appends what fits, drops and counts the rest. Never blocks beyond the buffer's own lock. */
void outbuf_put(struct outbuf *o, const void *data, size_t len);

/* Waits up to timeout_ms for everything appended so far to be written; true if it was. */
bool outbuf_flush(struct outbuf *o, int timeout_ms);

/*
 * Lets the writer flush for up to timeout_ms, or until it has written nothing for stall_ms,
 * then ends it; whatever is still buffered then counts as dropped. Returns within about
 * min(timeout_ms, stall_ms) + 200 ms when the reader reads nothing, timeout_ms + 200 ms at
 * most. Returns the total number of bytes dropped. Call once.
 */
uint64_t outbuf_stop(struct outbuf *o, int timeout_ms, int stall_ms);

uint64_t outbuf_dropped(struct outbuf *o);
int outbuf_error(struct outbuf *o);

/* Frees the buffer, stopping a writer still running without waiting; NULL is fine. */
void outbuf_free(struct outbuf *o);

/* The buffer as a device's output sink. */
struct byte_sink outbuf_sink(struct outbuf *o);

#endif
