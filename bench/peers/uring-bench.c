/*
 * uring-bench: one block workload through io_uring with O_DIRECT, for bench/peers (runs in the
 * L2 guest of the nested-SVM rig, statically linked against Debian's liburing; the same
 * binary under every VMM).
 *
 *   uring-bench NAME DEV rand|seqread|seqwrite BS QD COUNT irq|poll
 *
 * rand: BS-byte reads at random BS-aligned offsets over the whole device (a fixed LCG, so
 * every run reads the same blocks); seqread/seqwrite: BS-byte reads or writes at consecutive
 * offsets from 0, wrapping at the device's end. Keeps QD requests in flight until COUNT have
 * completed, each checked for a full BS bytes. poll: the ring is set up with
 * IORING_SETUP_IOPOLL, so completions are found by polling the device's poll queue
 * (virtio_blk.poll_queues=N), never by interrupt.
 * Prints one line, "PEERS: result NAME n=COUNT bytes=B us=T bad=K", timed with
 * CLOCK_MONOTONIC around the I/O only, and exits 0 only if every request completed in full.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define MAX_QD 256

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int die(const char *what, int err)
{
	fprintf(stderr, "uring-bench: %s: %s\n", what, strerror(err));
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 8) {
		fprintf(stderr,
			"usage: uring-bench NAME DEV rand|seqread|seqwrite BS QD COUNT irq|poll\n");
		return 2;
	}
	const char *name = argv[1], *dev = argv[2], *kind = argv[3];
	unsigned long bs = strtoul(argv[4], NULL, 0);
	unsigned qd = (unsigned)atoi(argv[5]), count = (unsigned)atoi(argv[6]);
	int rnd = !strcmp(kind, "rand"), wr = !strcmp(kind, "seqwrite");
	int poll = !strcmp(argv[7], "poll");
	if (!qd || qd > MAX_QD || !count || bs < 512 || bs % 512 || bs > (16ul << 20) ||
	    (!rnd && !wr && strcmp(kind, "seqread")) || (!poll && strcmp(argv[7], "irq"))) {
		fprintf(stderr, "uring-bench: bad arguments\n");
		return 2;
	}
	int fd = open(dev, (wr ? O_WRONLY : O_RDONLY) | O_DIRECT);
	if (fd < 0)
		return die(dev, errno);
	uint64_t bytes;
	if (ioctl(fd, BLKGETSIZE64, &bytes))
		return die("BLKGETSIZE64", errno);
	uint64_t nblocks = bytes / bs;
	if (!nblocks)
		return die("device size", EINVAL);

	uint8_t *buf;
	int rc = posix_memalign((void **)&buf, 4096, (size_t)qd * bs);
	if (rc)
		return die("posix_memalign", rc);
	/* Faulted in (and, for writes, filled) now, not while timing. */
	for (size_t i = 0; i < (size_t)qd * bs; i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	struct io_uring ring;
	rc = io_uring_queue_init(qd, &ring, poll ? IORING_SETUP_IOPOLL : 0);
	if (rc < 0)
		return die("io_uring_queue_init", -rc);

	uint64_t rng = 0x6b766d696e69ull; /* "kvmini" */
	uint64_t seq = 0;
	unsigned submitted = 0, done = 0, bad = 0;
	uint64_t t0 = now_ns();
	while (done < count) {
		/* Keep the queue full: one buffer slot per request in flight, named by user_data. */
		unsigned queued = 0;
		while (submitted < count && submitted - done < qd) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
			if (!sqe)
				break;
			uint64_t blk;
			if (rnd) {
				rng = rng * 6364136223846793005ull + 1442695040888963407ull;
				blk = (rng >> 17) % nblocks;
			} else {
				blk = seq++ % nblocks;
			}
			unsigned slot = submitted % qd;
			if (wr)
				io_uring_prep_write(sqe, fd, buf + (size_t)slot * bs, (unsigned)bs,
						    blk * bs);
			else
				io_uring_prep_read(sqe, fd, buf + (size_t)slot * bs, (unsigned)bs,
						   blk * bs);
			io_uring_sqe_set_data64(sqe, slot);
			submitted++;
			queued++;
		}
		if (queued && (rc = io_uring_submit(&ring)) < 0)
			break;
		struct io_uring_cqe *cqe;
		if ((rc = io_uring_wait_cqe(&ring, &cqe)) < 0)
			break;
		do {
			if (cqe->res < 0 || (unsigned long)cqe->res != bs)
				bad++;
			io_uring_cqe_seen(&ring, cqe);
			done++;
		} while (io_uring_peek_cqe(&ring, &cqe) == 0);
	}
	uint64_t t1 = now_ns();
	if (rc < 0)
		return die("io_uring", -rc);
	printf("PEERS: result %s n=%u bytes=%llu us=%llu bad=%u\n", name, count,
	       (unsigned long long)count * bs, (unsigned long long)((t1 - t0) / 1000), bad);
	io_uring_queue_exit(&ring);
	close(fd);
	return bad ? 1 : 0;
}
