/*
 * test=exits dev=ide|vblk op=read|write size=BYTES count=N order=seq|rand [seed=S] [multi=N]
 * [start=SECTOR] [warmup=W] [qd=Q] [idle=1] [nprobe=K]: the workload examples/exit_compare.c
 * counts, the same on either disk.
 *
 * N requests of BYTES each: sequential from sector `start` (default 0), or at random
 * positions aligned to BYTES drawn by a PRNG seeded with S (default 1). Writes store
 * pattern_byte(S, sector, offset) (blk_common.h), so every path leaves the same image.
 *
 * Queue depth Q (default 1; virtio only, ATA PIO has one command at a time): as fio with
 * iodepth=Q over io_uring drives Linux, the guest keeps Q requests in flight; it queues a
 * batch (all Q at first, then every slot that completed) with one kick at most, after the
 * last of the batch (blk-mq's bd->last), waits for at least one completion (an interrupt, or
 * with vpoll=1 polling the used ring), reaps every completion there is and refills.
 *
 * Everything else happens outside the measurement: the device is set up (for IDE with
 * multi=N, SET MULTIPLE MODE first), positions and write data are prepared, the empty
 * calibration window 255 is opened and closed (after warmup=W reads of the first request's
 * sectors, default 0, so that a device polling after each request is already polling), and
 * only then window 1 is opened around exactly the N requests; nothing in it touches a
 * device but the requests (no printing). The guest's own polling checks (vblk poll_check)
 * are kept out of it.
 *
 * Then, on request, two more windows. nprobe=K (virtio only): window 2 writes QueueNotify K
 * times with nothing new in the ring; whether KVM counts a notify its ioeventfd handles among
 * its exits differs between hosts, and this window shows it (right after window 1, so that a
 * polling device is still polling and no notify wakes its thread). idle=1: window 3 lasts
 * exactly as long as window 1 (by the TSC); the guest spins in it with interrupts off and
 * touches no device, as a polling driver spins, so every exit in it is the host's (timer
 * ticks, preemption of the vCPU thread): background. After the windows, two lines:
 *
 *   exits: dev=D op=O size=B count=N bytes=N*B checksum=0xC ok
 *   exits: driver: K kicks, S kicks skipped, I interrupts   (virtio only)
 *
 * where C is the blk checksum of all data read or written, in request order, and the
 * driver's counts are for window 1. On failure: "exits: FAIL why" and status 1.
 */
#include "scenarios/scenario.h"
#include "scenarios/blk_common.h"
#include "scenarios/ide_common.h"
#include "arch/cpu.h"
#include "arch/io.h"
#include "drivers/watchdog.h"
#include "lib/cmdline.h"
#include "lib/heap.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "guest_abi.h"

#define WINDOW		   1
#define WINDOW_PROBE	   2
#define WINDOW_IDLE	   3
#define WINDOW_CALIBRATION KVMINI_MARKER_CALIBRATION
#define MAX_BYTES	   (VBLK_MAX_BYTES) /* per request: 256 KiB */
#define MAX_TOTAL	   (64ULL << 20)    /* all requests' data is kept in RAM */

/* splitmix64: a few multiplies per draw, plenty for spreading requests over a disk. */
static u64 prng_next(u64 *state)
{
	u64 z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int fail(const char *fmt, ...)
{
	va_list ap;

	printf("exits: FAIL ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return 1;
}

static bool get_word(const char *key, const char *a, const char *b, char *out, size_t len)
{
	if (cmdline_get(key, out, len) < 0)
		return false;
	return !strcmp(out, a) || !strcmp(out, b);
}

/* A request in flight: which one (its index) in which request slot. */
struct slot {
	struct vblk_req req;
	u64 i;
	bool busy;
};

static struct slot slots[BLK_MAX_QD];
static unsigned nslots;

static bool any_done(void *arg)
{
	(void)arg;
	for (unsigned s = 0; s < nslots; s++) {
		if (slots[s].busy && slots[s].req.done)
			return true;
	}
	return false;
}

static unsigned kicks(const struct virtio_blk *b, bool skipped)
{
	unsigned n = 0;

	for (unsigned i = 0; i < b->nvqs; i++)
		n += skipped ? b->vqs[i].kicks_skipped : b->vqs[i].kicks;
	return n;
}

/*
 * The virtio requests at queue depth qd, inside window 1. Returns ~0 or the index of the
 * request that failed, with *vstatus its status (-1: it never completed).
 */
static u64 vblk_requests(struct virtio_blk *b, bool write, const u64 *pos, u8 *data, u64 count,
			 u32 size, unsigned qd, int *vstatus, u32 *used_len)
{
	u32 type = write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
	u64 next = 0, finished = 0;
	unsigned idle = qd;

	while (finished < count) {
		/* Refill every free slot as one batch: at most one kick, after its last. */
		unsigned want = count - next < idle ? (unsigned)(count - next) : idle, m = 0;

		for (unsigned s = 0; s < qd && m < want; s++) {
			if (slots[s].busy)
				continue;
			m++;
			slots[s].i = next;
			slots[s].busy = true;
			if (vblk_queue(b, &slots[s].req, type, pos[next], data + next * size, size,
				       m == want)) {
				*vstatus = -1;
				return next;
			}
			next++;
		}
		idle -= m;
		if (!vblk_wait(b, any_done, NULL)) {
			*vstatus = -1;
			for (unsigned s = 0; s < qd; s++) {
				if (slots[s].busy)
					return slots[s].i;
			}
			return next;
		}
		for (unsigned s = 0; s < qd; s++) {
			struct slot *x = &slots[s];

			if (!x->busy || !x->req.done)
				continue;
			if (x->req.status != VIRTIO_BLK_S_OK ||
			    x->req.used_len != (write ? 1 : size + 1)) {
				*vstatus = x->req.status;
				*used_len = x->req.used_len;
				return x->i;
			}
			x->busy = false;
			idle++;
			finished++;
		}
	}
	return ~0ULL;
}

int scenario_exits(struct boot_params *bp)
{
	char dev[8], op[8], order[8];
	u64 size, count, seed, start, warmup, qd, idle, nprobe;
	struct vblk_opts opts;
	struct virtio_blk *b = NULL;
	struct ata_port *ap = NULL;
	u64 capacity;

	if (!get_word("dev", "ide", "vblk", dev, sizeof(dev)))
		return fail("need dev=ide or dev=vblk");
	if (!get_word("op", "read", "write", op, sizeof(op)))
		return fail("need op=read or op=write");
	if (cmdline_get("order", order, sizeof(order)) == -1)
		memcpy(order, "seq", 4);
	else if (!get_word("order", "seq", "rand", order, sizeof(order)))
		return fail("need order=seq or order=rand");
	if (blk_get_num("exits", "size", 4096, VBLK_SECTOR, MAX_BYTES, &size) ||
	    blk_get_num("exits", "count", 1, 1, 1000000, &count) ||
	    blk_get_num("exits", "seed", BLK_DEFAULT_S, 0, ~0ULL, &seed) ||
	    blk_get_num("exits", "start", 0, 0, ~0ULL, &start) ||
	    blk_get_num("exits", "warmup", 0, 0, 1000, &warmup) ||
	    blk_get_num("exits", "qd", 1, 1, BLK_MAX_QD, &qd) ||
	    blk_get_num("exits", "idle", 0, 0, 1, &idle) ||
	    blk_get_num("exits", "nprobe", 0, 0, 100000, &nprobe))
		return 1;
	if (size % VBLK_SECTOR)
		return fail("size=%llu is not a whole number of sectors", size);
	if (size * count > MAX_TOTAL)
		return fail("size*count above %llu bytes", MAX_TOTAL);
	bool write = !strcmp(op, "write"), ide = !strcmp(dev, "ide");
	u32 nsec = (u32)(size / VBLK_SECTOR);

	if (ide && (qd != 1 || nprobe))
		return fail("qd= and nprobe= are for dev=vblk: ATA PIO runs one command at a time");

	/* Set-up, outside any window. */
	if (ide) {
		ap = &ide_port;
		if (ide_setup(bp, "exits", ap))
			return 1;
		capacity = ap->n_sectors;
	} else {
		int n = blk_setup(bp, "exits", blk_disks, &opts);

		if (n < 0)
			return 1;
		b = &blk_disks[0];
		/*
		 * Completions by interrupt, or with vpoll=1 by polling the used ring: then the
		 * poll loop's own checks for pending interrupts would be exits, so only on a hang.
		 */
		b->opts.poll_check = 1u << 20;
		capacity = b->capacity;
	}
	if (nsec > capacity)
		return fail("size=%llu is larger than the disk", size);

	u64 *pos = heap_alloc(count * sizeof(u64));
	u8 *data = heap_alloc(count * size);
	if (!pos || !data)
		return fail("out of memory for %llu requests of %llu bytes", count, size);
	u64 state = seed, places = capacity / nsec;
	for (u64 i = 0; i < count; i++) {
		if (!strcmp(order, "seq")) {
			pos[i] = start + i * nsec;
			if (pos[i] + nsec > capacity)
				return fail("request %llu at sector %llu is past the end (%llu)", i,
					    pos[i], capacity);
		} else {
			pos[i] = prng_next(&state) % places * nsec;
		}
		if (write)
			pattern_fill(data + i * size, seed, pos[i], nsec);
	}
	u64 failed = ~0ULL;
	unsigned err = 0;
	int vstatus = 0;
	u32 used_len = 0;

	u8 *scratch = warmup ? heap_alloc(size) : NULL;
	if (warmup && !scratch)
		return fail("out of memory for the warm-up buffer");
	for (u64 i = 0; i < warmup; i++) {
		bool bad;

		if (ide) {
			bad = ata_rw(ap, false, pos[0], nsec, scratch) != 0;
		} else {
			int st = vblk_rw(b, VIRTIO_BLK_T_IN, pos[0], scratch, (u32)size);
			bad = st != VIRTIO_BLK_S_OK;
		}
		if (bad)
			return fail("warm-up read %llu of sector %llu+%u", i, pos[0], nsec);
	}
	nslots = (unsigned)qd;
	unsigned irqs0 = 0, kicks0 = 0, skipped0 = 0;
	if (b) {
		irqs0 = b->vdev.irqs;
		kicks0 = kicks(b, false);
		skipped0 = kicks(b, true);
	}
	watchdog_arm_quiet(60000 + (u32)(count / 10)); /* outside the window; no nudges in it */
	outb(WINDOW_CALIBRATION, KVMINI_MARKER_PORT);
	outb(0, KVMINI_MARKER_PORT);
	u64 t0 = rdtsc();
	outb(WINDOW, KVMINI_MARKER_PORT);
	if (ide) {
		for (u64 i = 0; i < count; i++) {
			err = ata_rw(ap, write, pos[i], nsec, data + i * size);
			if (err) {
				failed = i;
				break;
			}
		}
	} else {
		failed = vblk_requests(b, write, pos, data, count, (u32)size, (unsigned)qd,
				       &vstatus, &used_len);
	}
	outb(0, KVMINI_MARKER_PORT);
	u64 ticks = rdtsc() - t0;
	unsigned irqs = 0, nkicks = 0, skipped = 0;
	if (b) {
		irqs = b->vdev.irqs - irqs0;
		nkicks = kicks(b, false) - kicks0;
		skipped = kicks(b, true) - skipped0;
	}
	if (nprobe && failed == ~0ULL) {
		/* Notifies with nothing new in the ring: the device finds no work and moves on. */
		outb(WINDOW_PROBE, KVMINI_MARKER_PORT);
		for (u64 i = 0; i < nprobe; i++)
			vq_notify(&b->vqs[0]);
		outb(0, KVMINI_MARKER_PORT);
	}
	if (idle && failed == ~0ULL) {
		/*
		 * Background: as long as window 1 took, spinning as a polling driver does, with
		 * interrupts off (none is due: the watchdog is a minute away) and no device access.
		 */
		outb(WINDOW_IDLE, KVMINI_MARKER_PORT);
		u64 t1 = rdtsc();
		while (rdtsc() - t1 < ticks)
			cpu_relax();
		outb(0, KVMINI_MARKER_PORT);
	}
	watchdog_stop();

	if (failed != ~0ULL) {
		char why[96];

		if (ide)
			ata_err_string(err, &ap->result, why, sizeof(why));
		else if (vstatus < 0)
			snprintf(why, sizeof(why), "%s", vblk_wait_failure(b));
		else
			snprintf(why, sizeof(why), "status %d (%s), used length %u", vstatus,
				 vblk_status_name(vstatus), used_len);
		return fail("request %llu (%s of sector %llu+%u): %s", failed, op, pos[failed],
			    nsec, why);
	}
	/* Make writes durable, as a real workload would, now that the count is taken. */
	if (write) {
		if (ide) {
			ide_watchdog();
			err = ata_flush(ap);
			if (err)
				return fail("flush: error mask 0x%x", err);
		} else {
			blk_watchdog();
			vstatus = vblk_rw(b, VIRTIO_BLK_T_FLUSH, 0, NULL, 0);
			if (vstatus != VIRTIO_BLK_S_OK)
				return fail("flush: status %d", vstatus);
		}
	}
	struct blk_csum c = {0, 0};
	blk_csum_add(&c, data, count * size);
	printf("exits: dev=%s op=%s size=%llu count=%llu bytes=%llu checksum=0x%08x ok\n", dev, op,
	       size, count, size * count, blk_csum_value(&c));
	if (b)
		printf("exits: driver: %u kicks, %u kicks skipped, %u interrupts\n", nkicks,
		       skipped, irqs);
	return 0;
}
