/*
 * virtio-blk (virtio 1.2, 5.2) over virtio-mmio, as Linux's virtio_blk.c drives it: every
 * request is header (device-readable) + data + status byte (device-writable), added to a queue
 * in one go, kicked only when the device wants a kick, and completed by interrupt (or, with
 * vpoll=1, by polling the used ring like Linux's poll queues).
 *
 * Command-line knobs (for tests): vindirect=0 and veventidx=0 refuse INDIRECT_DESC and
 * EVENT_IDX, vpoll=1 polls instead of taking interrupts, vqueues=N uses up to N queues when
 * the device offers MQ (Linux would use one per CPU, so 1 by default).
 */
#ifndef TINY_DRIVERS_VIRTIO_BLK_H
#define TINY_DRIVERS_VIRTIO_BLK_H

#include <asm/bootparam.h>
#include <linux/virtio_blk.h>
#include "drivers/virtio_mmio.h"
#include "lib/fdt.h"
#include "lib/types.h"

#define VBLK_MAX_DISKS	8
#define VBLK_MAX_QUEUES 4
#define VBLK_QUEUE_SIZE 128 /* min(QueueNumMax, this) */
#define VBLK_SECTOR	512
#define VBLK_MAX_SEGS	64 /* data segments (one per page) in one request */
#define VBLK_MAX_BYTES	(VBLK_MAX_SEGS * 4096)

struct vblk_opts {
	bool indirect, event_idx, poll;
	unsigned queues;
	/*
	 * Polling: look for pending interrupts (the watchdog, a config change) every this many
	 * polls. Each look is eight local APIC reads, VM exits KVM handles itself.
	 */
	unsigned poll_check;
};

/* One request: what the device reads (hdr) and writes (status) live here, in guest RAM. */
struct vblk_req {
	struct virtio_blk_outhdr hdr;
	u8 status;
	volatile bool done;
	u32 used_len; /* bytes the device says it wrote, status byte included */
};

struct virtio_blk {
	struct virtio_mmio_dev vdev;
	unsigned index; /* disk number: order in the device tree */
	struct fdt *fdt;
	struct vblk_opts opts;
	u64 capacity; /* 512-byte sectors */
	u32 blk_size, seg_max;
	u16 num_queues; /* offered by the device */
	bool ro;
	struct virtqueue vqs[VBLK_MAX_QUEUES];
	unsigned nvqs, next_vq;
	unsigned batch_queues; /* queues a batch (vblk_queue) added to and not yet kicked */
	unsigned completed;
};

/* Options from the command line (see above). */
void vblk_opts_from_cmdline(struct vblk_opts *o);

/*
 * Finds every virtio-blk in the device tree (device tree, interrupt controllers and heap set
 * up on the way) and initialises each with vblk_init. Returns how many, or -1 after printing
 * why (prefixed with `who`).
 */
int vblk_probe_all(struct boot_params *bp, const char *who, const struct vblk_opts *o,
		   struct virtio_blk *disks, int max);

/*
 * Full (re)initialisation, Linux's order: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK,
 * queues, interrupt, DRIVER_OK. Split in three for tests that meddle in between. Each returns
 * NULL or why it failed.
 */
const char *vblk_init(struct virtio_blk *b);
const char *vblk_init_features(struct virtio_blk *b); /* reset .. FEATURES_OK, config */
const char *vblk_init_queues(struct virtio_blk *b);
const char *vblk_init_finish(struct virtio_blk *b); /* DRIVER_OK */

/*
 * Queues a request of `type` on the next queue (round robin): header, data split at page
 * boundaries (device-writable for IN and GET_ID), status. Sleeps while the queue is full.
 * Kicks if the device wants it. Returns 0, or -1 after printing why not.
 */
int vblk_submit(struct virtio_blk *b, struct vblk_req *r, u32 type, u64 sector, void *buf, u32 len);
/*
 * The same as one of a batch, as blk-mq hands virtio_blk requests with bd->last: only the last
 * of a batch kicks (if the device wants it), for every request the batch queued on its queue.
 * The last ends the batch on every queue it used (vqueues=N spreads it round robin).
 */
int vblk_queue(struct virtio_blk *b, struct vblk_req *r, u32 type, u64 sector, void *buf, u32 len,
	       bool last);
/* The same for a hand-made scatter list (hostile tests); r's hdr/status are not touched. */
int vblk_submit_sg(struct virtio_blk *b, unsigned q, struct vblk_req *r, const struct vq_sg *sg,
		   unsigned n);

/*
 * Sleeps (interrupts) or polls the used rings until cond(arg) holds. Returns false instead
 * when the device asked for a reset, a ring broke, or the watchdog fired (see watchdog.h).
 */
bool vblk_wait(struct virtio_blk *b, bool (*cond)(void *arg), void *arg);
bool vblk_wait_req(struct virtio_blk *b, struct vblk_req *r);
/* Reaps completions without waiting (what the interrupt handler does, for polling). */
void vblk_poll(struct virtio_blk *b);

/* Submit and wait: the status byte, or -1 (message printed) if it never completed. */
int vblk_rw(struct virtio_blk *b, u32 type, u64 sector, void *buf, u32 len);
/* GET_ID: the serial, NUL-terminated (up to 20 bytes). Status as vblk_rw. */
int vblk_get_id(struct virtio_blk *b, char serial[VIRTIO_BLK_ID_BYTES + 1]);

const char *vblk_status_name(int status);
/* Why the last wait failed, for messages. */
const char *vblk_wait_failure(const struct virtio_blk *b);

#endif
