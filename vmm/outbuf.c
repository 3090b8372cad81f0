#include "vmm/outbuf.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmm/sandbox.h"

/* After outbuf_stop's flush time: how long it keeps kicking a writer that does not end. */
#define OUTBUF_KICK_MS	     200
#define OUTBUF_KICK_EVERY_MS 10

static struct timespec after_ms(long ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static bool passed(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec || (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

struct outbuf *outbuf_new(size_t cap, struct err *err)
{
	if (!cap) {
		err_set(err, "an output buffer needs room for at least one byte");
		return NULL;
	}
	struct outbuf *o = calloc(1, sizeof(*o));
	uint8_t *buf = malloc(cap);
	if (!o || !buf) {
		free(o);
		free(buf);
		err_set(err, "out of memory for a %zu-byte output buffer", cap);
		return NULL;
	}
	o->buf = buf;
	o->cap = cap;
	o->fd = -1;
	pthread_mutex_init(&o->lock, NULL);
	/* Deadlines are on the monotonic clock: a wall-clock step must not stretch a flush. */
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&o->more, &ca);
	pthread_cond_init(&o->changed, &ca);
	pthread_condattr_destroy(&ca);
	return o;
}

/* Callers hold the lock. */
static void consume(struct outbuf *o, size_t n)
{
	o->head = (o->head + n) % o->cap;
	o->len -= n;
	pthread_cond_broadcast(&o->changed);
}

void outbuf_put(struct outbuf *o, const void *data, size_t len)
{
	const uint8_t *src = data;
	pthread_mutex_lock(&o->lock);
	size_t take = len < o->cap - o->len ? len : o->cap - o->len;
	size_t tail = (o->head + o->len) % o->cap;
	size_t first = take < o->cap - tail ? take : o->cap - tail;
	memcpy(o->buf + tail, src, first);
	memcpy(o->buf, src + first, take - first);
	o->len += take;
	/* The newest bytes are the ones dropped: the output stays in order up to the gap. */
	o->dropped += len - take;
	if (take)
		pthread_cond_signal(&o->more);
	pthread_mutex_unlock(&o->lock);
}

static void kick_handler(int sig)
{
	(void)sig; /* only here to make a blocked write() or poll() return EINTR */
}

static void *writer(void *arg)
{
	struct outbuf *o = arg;
	sandbox_enter(o->sandbox, SANDBOX_CONSOLE_OUT, -1);
	sigset_t kick;
	sigemptyset(&kick);
	sigaddset(&kick, OUTBUF_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);

	bool wait_writable = false;
	pthread_mutex_lock(&o->lock);
	for (;;) {
		while (!o->len && !o->stopping)
			pthread_cond_wait(&o->more, &o->lock);
		if (o->abandon || !o->len)
			break;
		if (wait_writable) {
			/* Someone set O_NONBLOCK: wait for room rather than spin or drop. */
			pthread_mutex_unlock(&o->lock);
			struct pollfd p = {.fd = o->fd, .events = POLLOUT};
			poll(&p, 1, -1);
			pthread_mutex_lock(&o->lock);
			wait_writable = false;
			continue;
		}
		size_t chunk = o->cap - o->head < o->len ? o->cap - o->head : o->len;
		const uint8_t *p = o->buf + o->head;
		/*
		 * Unlocked: producers only fill free space, and these bytes stay put until head
		 * moves past them, which only this thread does.
		 */
		pthread_mutex_unlock(&o->lock);
		ssize_t n = write(o->fd, p, chunk);
		int e = errno;
		pthread_mutex_lock(&o->lock);
		if (o->stuck)
			break; /* outbuf_stop gave up on us and has counted these bytes as lost */
		if (n > 0) {
			o->written += (uint64_t)n;
			consume(o, (size_t)n);
		} else if (n < 0 && e == EAGAIN) {
			wait_writable = true;
		} else if (n < 0 && e == EINTR) {
			/* Kicked (or a stray signal): the loop looks at abandon again. */
		} else {
			/* The reader is gone (EPIPE, EBADF, ...): these bytes never will be. */
			if (!o->error)
				o->error = n < 0 ? e : EIO;
			o->dropped += chunk;
			consume(o, chunk);
		}
	}
	o->done = true;
	pthread_cond_broadcast(&o->changed);
	pthread_mutex_unlock(&o->lock);
	return NULL;
}

int outbuf_start(struct outbuf *o, int fd, const struct sandbox *sb, struct err *err)
{
	o->sandbox = sb;
	/* No SA_RESTART: the kick must end a blocked write() instead of restarting it. */
	struct sigaction sa = {.sa_handler = kick_handler};
	sigemptyset(&sa.sa_mask);
	if (sigaction(OUTBUF_KICK_SIGNAL, &sa, NULL) < 0)
		return err_set(err, "cannot install the output writer's signal: %s",
			       strerror(errno));
	o->fd = fd;
	int rc = pthread_create(&o->thread, NULL, writer, o);
	if (rc)
		return err_set(err, "cannot start the output writer thread: %s", strerror(rc));
	o->started = true;
	return 0;
}

bool outbuf_flush(struct outbuf *o, int timeout_ms)
{
	struct timespec deadline = after_ms(timeout_ms);
	pthread_mutex_lock(&o->lock);
	while (o->len && !o->done &&
	       pthread_cond_timedwait(&o->changed, &o->lock, &deadline) != ETIMEDOUT)
		;
	bool empty = !o->len;
	pthread_mutex_unlock(&o->lock);
	return empty;
}

static const struct timespec *earlier(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec) ? a : b;
}

uint64_t outbuf_stop(struct outbuf *o, int timeout_ms, int stall_ms)
{
	pthread_mutex_lock(&o->lock);
	if (o->started) {
		o->stopping = true;
		pthread_cond_signal(&o->more);
		/* A reader that takes nothing at all gets stall_ms, not the whole timeout. */
		struct timespec deadline = after_ms(timeout_ms), stall = after_ms(stall_ms);
		uint64_t seen = o->written;
		while (!o->done && !passed(&deadline) && !passed(&stall)) {
			pthread_cond_timedwait(&o->changed, &o->lock, earlier(&deadline, &stall));
			if (o->written != seen) {
				seen = o->written;
				stall = after_ms(stall_ms);
			}
		}
		if (!o->done) {
			/*
			 * The reader is not keeping up (or not reading at all) and the writer may
			 * sit in write() for ever. The signal makes it return; it is sent again
			 * and again, since one that lands just before the writer enters write() is
			 * lost.
			 */
			o->abandon = true;
			struct timespec give_up = after_ms(OUTBUF_KICK_MS);
			while (!o->done && !passed(&give_up)) {
				pthread_kill(o->thread, OUTBUF_KICK_SIGNAL);
				struct timespec t = after_ms(OUTBUF_KICK_EVERY_MS);
				pthread_cond_timedwait(&o->changed, &o->lock, &t);
			}
		}
	}
	/* Whatever was not written by now never will be. */
	o->dropped += o->len;
	consume(o, o->len);
	uint64_t dropped = o->dropped;
	bool started = o->started, done = o->done;
	o->started = false;
	/* A writer in an uninterruptible write: let it be, with its memory (see outbuf_new). */
	o->stuck = started && !done;
	pthread_mutex_unlock(&o->lock);
	if (started && done)
		pthread_join(o->thread, NULL);
	else if (started)
		pthread_detach(o->thread);
	return dropped;
}

uint64_t outbuf_dropped(struct outbuf *o)
{
	pthread_mutex_lock(&o->lock);
	uint64_t n = o->dropped;
	pthread_mutex_unlock(&o->lock);
	return n;
}

int outbuf_error(struct outbuf *o)
{
	pthread_mutex_lock(&o->lock);
	int e = o->error;
	pthread_mutex_unlock(&o->lock);
	return e;
}

void outbuf_free(struct outbuf *o)
{
	if (o && o->started)
		outbuf_stop(o, 0, 0);
	if (!o || o->stuck)
		return;
	pthread_cond_destroy(&o->more);
	pthread_cond_destroy(&o->changed);
	pthread_mutex_destroy(&o->lock);
	free(o->buf);
	free(o);
}

static void sink_write(void *ctx, const uint8_t *buf, size_t len)
{
	outbuf_put(ctx, buf, len);
}

struct byte_sink outbuf_sink(struct outbuf *o)
{
	return (struct byte_sink){.write = sink_write, .ctx = o};
}
