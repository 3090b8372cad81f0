/*
 * The console's output buffer: bytes keep their order, what does not fit is dropped and
 * counted, a flush delivers the rest, and stopping is bounded even when the reader never reads
 * (the writer sits in a blocking write() on a full pipe).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/clock.h"
#include "vmm/outbuf.h"

static struct outbuf *new_buf(size_t cap)
{
	struct err err;
	struct outbuf *o = outbuf_new(cap, &err);
	assert_non_null(o);
	return o;
}

static void start(struct outbuf *o, int fd)
{
	struct err err;
	assert_int_equal(outbuf_start(o, fd, NULL, &err), 0);
}

/* Reads exactly len bytes (the pipe holds them all by now) and nothing more. */
static void expect_pipe(int fd, const void *want, size_t len)
{
	char *got = malloc(len + 1);
	assert_non_null(got);
	int fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK); /* the test's own read end */
	size_t n = 0;
	while (n < len) {
		ssize_t r = read(fd, got + n, len - n);
		assert_true(r > 0);
		n += (size_t)r;
	}
	assert_memory_equal(got, want, len);
	assert_int_equal(read(fd, got, 1), -1); /* nothing beyond */
	assert_int_equal(errno, EAGAIN);
	fcntl(fd, F_SETFL, fl);
	free(got);
}

/*
 * Fills the pipe to the brim with '#' and returns how many bytes that took; the write end's
 * flags are left as they were (blocking, as stdout is, unless the test chose otherwise).
 */
static size_t fill_pipe(int wfd)
{
	int fl = fcntl(wfd, F_GETFL);
	fcntl(wfd, F_SETFL, fl | O_NONBLOCK);
	char junk[4096];
	memset(junk, '#', sizeof(junk));
	size_t total = 0;
	ssize_t n;
	while ((n = write(wfd, junk, sizeof(junk))) > 0 || (n < 0 && errno == EINTR))
		total += n > 0 ? (size_t)n : 0;
	/* A partly free last page still takes small writes: fill it byte by byte. */
	while ((n = write(wfd, junk, 1)) > 0 || (n < 0 && errno == EINTR))
		total += n > 0 ? (size_t)n : 0;
	assert_int_equal(errno, EAGAIN);
	fcntl(wfd, F_SETFL, fl);
	return total;
}

/*
 * Reads back exactly the filler: the writer under test may add its bytes behind it the moment
 * there is room, and those must stay for the test to check.
 */
static void drain_filler(int rfd, size_t len)
{
	char junk[4096];
	while (len) {
		ssize_t n = read(rfd, junk, len < sizeof(junk) ? len : sizeof(junk));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		assert_true(n > 0);
		for (ssize_t i = 0; i < n; i++)
			assert_int_equal(junk[i], '#');
		len -= (size_t)n;
	}
}

/* Full: the bytes that fit stay, in order; the rest are dropped and counted, not blocked on. */
static void test_drop_and_count_when_full(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	struct outbuf *o = new_buf(16);
	outbuf_put(o, "0123456789", 10); /* no writer yet: nothing leaves the buffer */
	outbuf_put(o, "abcdefghij", 10);
	assert_int_equal(outbuf_dropped(o), 4);
	outbuf_put(o, "Z", 1);
	assert_int_equal(outbuf_dropped(o), 5);
	start(o, p[1]);
	assert_int_equal(outbuf_stop(o, 2000, 2000), 5);
	expect_pipe(p[0], "0123456789abcdef", 16);
	assert_int_equal(outbuf_error(o), 0);
	outbuf_free(o);
	close(p[0]);
	close(p[1]);
}

/* Many puts that wrap around a small ring come out whole and in order. */
static void test_order_across_wraparound(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	struct outbuf *o = new_buf(16);
	start(o, p[1]);
	char want[700];
	for (size_t i = 0; i < sizeof(want); i++)
		want[i] = (char)('A' + i % 53);
	/* 7 does not divide 16, so chunks straddle the end of the ring at every offset. */
	for (size_t i = 0; i < sizeof(want); i += 7) {
		outbuf_put(o, want + i, 7);
		assert_true(outbuf_flush(o, 5000));
	}
	assert_int_equal(outbuf_stop(o, 2000, 2000), 0);
	expect_pipe(p[0], want, sizeof(want));
	outbuf_free(o);
	close(p[0]);
	close(p[1]);
}

/* The reader never reads: stop still returns in bounded time, and counts what was lost. */
static void test_stop_bounded_when_reader_stalls(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	fill_pipe(p[1]);
	struct outbuf *o = new_buf(64);
	start(o, p[1]);
	for (int i = 0; i < 10; i++)
		outbuf_put(o, "0123456789", 10); /* 100 bytes; the writer blocks on the first */
	assert_false(outbuf_flush(o, 50));
	long long t0 = now_ms();
	uint64_t dropped = outbuf_stop(o, 5000, 100);
	long long took = now_ms() - t0;
	/* 36 never fit the buffer; the 64 that did could not be written either. */
	assert_int_equal(dropped, 100);
	assert_true(took >= 90); /* it did wait for the flush */
	/* The flush time plus a kick; far from a blocked-for-ever writer. */
	if (took > 600)
		fail_msg("outbuf_stop took %lld ms", took);
	outbuf_free(o);
	close(p[0]);
	close(p[1]);
}

/* A reader that catches up gets everything: a slow reader is not a lost one. */
static void test_slow_reader_gets_everything(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	size_t filler = fill_pipe(p[1]);
	struct outbuf *o = new_buf(64);
	start(o, p[1]);
	outbuf_put(o, "hello", 5);
	assert_false(outbuf_flush(o, 50)); /* the writer is stuck in write() */
	drain_filler(p[0], filler);
	assert_true(outbuf_flush(o, 5000));
	assert_int_equal(outbuf_stop(o, 2000, 2000), 0);
	expect_pipe(p[0], "hello", 5);
	outbuf_free(o);
	close(p[0]);
	close(p[1]);
}

/* Someone else made the fd non-blocking (it is shared): wait for room, never spin or drop. */
static void test_nonblocking_fd_waits_for_room(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	size_t filler = fill_pipe(p[1]);
	struct outbuf *o = new_buf(64);
	start(o, p[1]);
	outbuf_put(o, "world", 5);
	assert_false(outbuf_flush(o, 50));
	drain_filler(p[0], filler);
	assert_true(outbuf_flush(o, 5000));
	expect_pipe(p[0], "world", 5);
	/* And a reader that never comes back still cannot hold the stop up. */
	fill_pipe(p[1]);
	outbuf_put(o, "lost", 4);
	long long t0 = now_ms();
	assert_int_equal(outbuf_stop(o, 5000, 100), 4);
	assert_true(now_ms() - t0 < 600);
	outbuf_free(o);
	close(p[0]);
	close(p[1]);
}

/* The reader is gone: bytes are counted as dropped and the error kept for the report. */
static void test_write_error_counts_as_dropped(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN); /* as kvmini does */
	int p[2];
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	struct outbuf *o = new_buf(64);
	start(o, p[1]);
	outbuf_put(o, "nobody", 6);
	assert_true(outbuf_flush(o, 5000)); /* gone from the buffer, if not delivered */
	assert_int_equal(outbuf_stop(o, 1000, 1000), 6);
	assert_int_equal(outbuf_error(o), EPIPE);
	outbuf_free(o);
	close(p[1]);
}

/* The sink a UART gets is the buffer's put. */
static void test_sink(void **state)
{
	(void)state;
	struct outbuf *o = new_buf(4);
	struct byte_sink s = outbuf_sink(o);
	byte_sink_write(&s, (const uint8_t *)"abcdef", 6);
	assert_int_equal(outbuf_dropped(o), 2);
	/* Never started: stopping drops what is buffered, at once. */
	assert_int_equal(outbuf_stop(o, 1000, 1000), 6);
	outbuf_free(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_drop_and_count_when_full),
	    cmocka_unit_test(test_order_across_wraparound),
	    cmocka_unit_test(test_stop_bounded_when_reader_stalls),
	    cmocka_unit_test(test_slow_reader_gets_everything),
	    cmocka_unit_test(test_nonblocking_fd_waits_for_room),
	    cmocka_unit_test(test_write_error_counts_as_dropped),
	    cmocka_unit_test(test_sink),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
