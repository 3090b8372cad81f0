/*
 * uring-read: 4 KiB random O_DIRECT reads through io_uring, for the rig's Linux exit counts
 * (tests/rig/scenarios/linux-uring.sh). Runs inside the L2 Linux guest, statically linked
 * against Debian's liburing.
 *
 *   uring-read DEV QD COUNT irq|poll WINDOW IDLE
 *
 * Keeps QD reads in flight until COUNT have completed, each checked for a full 4096 bytes.
 * With `poll`, the ring is set up with IORING_SETUP_IOPOLL: completions are found by
 * polling the device's queue (virtio_blk.poll_queues=N gives virtio-blk one), never by
 * interrupt. The I/O runs inside kvmini's --exit-stats window WINDOW, opened and closed by
 * writing the marker port (through /dev/port); then an idle window IDLE of the same length measures the exits
 * that happen anyway (timer ticks), so that the counts can be taken net of them. Everything
 * else the program does (start-up, page faults, setting up the ring) is outside both.
 * Prints one line, "uring-read: ...", and exits 0 only if every read completed in full.
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

#define MARKER_PORT 0x510 /* platform/guest_abi.h: KVMINI_MARKER_PORT */
#define BS	    4096
#define MAX_QD	    256

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* One byte to the marker port through /dev/port: the guest kernel has no ioperm(). */
static int port_fd = -1;
static void mark(int window)
{
	uint8_t b = (uint8_t)window;
	if (pwrite(port_fd, &b, 1, MARKER_PORT) != 1)
		perror("uring-read: /dev/port");
}

static int die(const char *what, int err)
{
	fprintf(stderr, "uring-read: %s: %s\n", what, strerror(err));
	return 1;
}

/* The next random block: a 64-bit LCG, so every run reads the same blocks. */
static uint64_t next_block(uint64_t *state, uint64_t nblocks)
{
	*state = *state * 6364136223846793005ull + 1442695040888963407ull;
	return (*state >> 17) % nblocks;
}

int main(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "usage: uring-read DEV QD COUNT irq|poll WINDOW IDLE\n");
		return 2;
	}
	const char *dev = argv[1];
	unsigned qd = (unsigned)atoi(argv[2]), count = (unsigned)atoi(argv[3]);
	int poll = !strcmp(argv[4], "poll");
	int window = atoi(argv[5]), idle = atoi(argv[6]);
	if (!qd || qd > MAX_QD || !count || (!poll && strcmp(argv[4], "irq")) || window < 1 ||
	    window > 254 || idle < 1 || idle > 254) {
		fprintf(stderr, "uring-read: bad arguments\n");
		return 2;
	}
	int fd = open(dev, O_RDONLY | O_DIRECT);
	if (fd < 0)
		return die(dev, errno);
	uint64_t bytes;
	if (ioctl(fd, BLKGETSIZE64, &bytes))
		return die("BLKGETSIZE64", errno);
	uint64_t nblocks = bytes / BS;
	if (!nblocks)
		return die("device size", EINVAL);
	port_fd = open("/dev/port", O_WRONLY);
	if (port_fd < 0)
		return die("/dev/port", errno);

	static uint8_t buf[MAX_QD][BS] __attribute__((aligned(BS)));
	memset(buf, 0, sizeof(buf)); /* faulted in now, not inside the window */
	struct io_uring ring;
	int rc = io_uring_queue_init(qd, &ring, poll ? IORING_SETUP_IOPOLL : 0);
	if (rc < 0)
		return die("io_uring_queue_init", -rc);

	uint64_t rng = 0x6b766d696e69ull; /* "kvmini" */
	unsigned submitted = 0, done = 0, bad = 0;
	mark(window);
	uint64_t t0 = now_ns();
	while (done < count) {
		/* Keep the queue full: one slot per read in flight, named by its user_data. */
		unsigned queued = 0;
		while (submitted < count && submitted - done < qd) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
			if (!sqe)
				break;
			unsigned slot = submitted % qd;
			io_uring_prep_read(sqe, fd, buf[slot], BS, next_block(&rng, nblocks) * BS);
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
			if (cqe->res != BS)
				bad++;
			io_uring_cqe_seen(&ring, cqe);
			done++;
		} while (io_uring_peek_cqe(&ring, &cqe) == 0);
	}
	uint64_t t1 = now_ns();
	mark(0);
	if (rc < 0)
		return die("io_uring", -rc);

	/* The idle window: as long as the I/O took, nothing but the clock. */
	uint64_t len = t1 - t0;
	struct timespec ts = {(time_t)(len / 1000000000u), (long)(len % 1000000000u)};
	mark(idle);
	nanosleep(&ts, NULL);
	mark(0);

	printf("uring-read: %s %u reads of %d bytes at QD %u (%s) in %llu us, %u short or failed\n",
	       dev, count, BS, qd, poll ? "poll" : "irq", (unsigned long long)(len / 1000), bad);
	io_uring_queue_exit(&ring);
	close(fd);
	return bad ? 1 : 0;
}
