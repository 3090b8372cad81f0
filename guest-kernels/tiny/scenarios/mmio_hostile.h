/*
 * test=mmio-hostile (see mmio_hostile.c): what its files share. mmio_hostile.c holds the
 * set-up, the helpers below and the cases in the order they run; each mmio_hostile_*.c holds
 * the cases of one group of rules. Every name they share starts with mh_.
 */
#ifndef TINY_SCENARIOS_MMIO_HOSTILE_H
#define TINY_SCENARIOS_MMIO_HOSTILE_H

#include "scenarios/blk_common.h"

#define WHO	"mmio-hostile"
#define NOT_RAM 0xe0000000ULL /* in the 3-4 GiB MMIO hole, never RAM */
#define FILL	0xa5
#define NREQS	8 /* reads in flight at a reset, 8 sectors each: the disk needs 64 */
#define REQ_LEN 4096

#define S_ACK	      VIRTIO_CONFIG_S_ACKNOWLEDGE
#define S_DRIVER      VIRTIO_CONFIG_S_DRIVER
#define S_FEATURES_OK VIRTIO_CONFIG_S_FEATURES_OK
#define S_DRIVER_OK   VIRTIO_CONFIG_S_DRIVER_OK
#define S_NEEDS_RESET VIRTIO_CONFIG_S_NEEDS_RESET
#define S_FAILED      VIRTIO_CONFIG_S_FAILED
#define S_SETUP	      (S_ACK | S_DRIVER | S_FEATURES_OK)
#define S_LIVE	      (S_SETUP | S_DRIVER_OK)

#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))

extern struct virtio_blk *mh_blk;      /* disk 0, the device under abuse */
extern struct virtio_mmio_dev *mh_dev; /* its transport */
extern u64 mh_capacity;		       /* capacity=N: what config space must say (0: not checked) */
extern u32 mh_case_ms;		       /* case=MS: the bound of every wait */
extern u64 mh_ram_end;		       /* end of the highest RAM range below 4 GiB */
extern u16 mh_qnum;		       /* queue 0's size as the driver sets it up */
extern u8 *mh_table;		       /* a zeroed page: valid RAM, wrong place for a ring */
extern u8 *mh_bufs[NREQS];	       /* reads in flight at a reset; [0] for mh_prime */

static inline u32 rd(u32 off)
{
	return vio_read(mh_dev, off);
}

static inline void wr(u32 off, u32 val)
{
	vio_write(mh_dev, off, val);
}

static inline u32 status(void)
{
	return rd(VIRTIO_MMIO_STATUS);
}

static inline struct virtqueue *vq0(void)
{
	return &mh_blk->vqs[0];
}

static inline u64 pa(const void *p)
{
	return (u64)(uintptr_t)p;
}

/* Every byte of p still FILL: nothing was written there. */
static inline bool all_fill(const u8 *p, u32 len)
{
	for (u32 i = 0; i < len; i++) {
		if (p[i] != FILL)
			return false;
	}
	return true;
}

/* What a case says of its probe kick. */
static inline const char *served_str(bool served)
{
	return served ? "kick SERVED" : "kick not served";
}

/* Queue registers as written: QueueNum and the three ring addresses. */
struct ring_regs {
	u32 num;
	u64 desc, avail, used;
};

/*
 * A read forgotten as soon as it completed: a device that later rebuilt the live queue with
 * fresh indices would take its ring entry again and write mh_bufs[0], which the good read
 * notices. Without it such a device would pass, since re-serving every old entry catches it
 * up.
 */
const char *mh_prime(void);

/*
 * Ends a case: ok only if the device also answers the good read (reinit says how). Whatever
 * happened, the next case starts from a device that works.
 */
void mh_conclude(const char *name, bool ok, bool reinit, const char *desc);

/* A case whose set-up failed is reported as a FAIL line; its caller returns. */
bool mh_setup_failed(const char *name, const char *err);

/* Sleeps quiet=MS whatever comes in: the time a device gets to do what it must not do. */
void mh_quiet(void);

/* Puts a read of sector 0 on vq and kicks, whatever the ring's notification state says. */
void mh_post_probe(struct virtqueue *vq);

/* Did the device touch anything of the probe, or the used ring beyond used0? */
bool mh_probe_served(const struct virtqueue *vq, u16 used0);

/* Kick and wait: true if the device served the probe though it must not. */
bool mh_kick_served(void);

/* Status 0 without any of vio_reset's checks on the result; the driver forgets its queues. */
void mh_raw_reset(void);

/* All 64 DeviceFeatures bits; DriverFeatures set to f. */
u64 mh_device_features(void);
void mh_driver_features(u64 f);

/* The queue registers that describe vq as the driver set it up. */
struct ring_regs mh_ring_of(const struct virtqueue *vq);

/* QueueSel 0, then every queue register but QueueReady. */
void mh_queue_regs(struct ring_regs r);

/* Queue 0's address registers read back as r's. */
bool mh_regs_read_back(struct ring_regs r);

/* Queue 0's rings cleared for a set-up by hand (no interrupts asked for, no ring features). */
void mh_ring_init(void);

/* Reset .. FEATURES_OK and queue 0 set up and ready: just before DRIVER_OK. */
const char *mh_setup_to_ready(void);

/* Set up, serving, primed; then the caller meddles and checks. */
const char *mh_live(void);

/* The cases, in the order they run (mmio_hostile.c lists them). */
void mh_case_rearm_size3(void);
void mh_case_rearm_size0(void);
void mh_case_rearm_size_big(void);
void mh_case_rearm_desc_misaligned(void);
void mh_case_rearm_avail_misaligned(void);
void mh_case_rearm_used_misaligned(void);
void mh_case_rearm_desc_not_ram(void);
void mh_case_rearm_used_past_ram(void);
void mh_case_rearm_good(void);
void mh_case_setup_while_needs_reset(void);
void mh_case_driver_ok_without_features_ok(void);
void mh_case_driver_without_ack(void);
void mh_case_features_ok_without_driver(void);
void mh_case_features_without_version_1(void);
void mh_case_features_not_offered(void);
void mh_case_clear_after_driver_ok(void);
void mh_case_clear_and_add_failed(void);
void mh_case_clear_during_setup(void);
void mh_case_ready0_after_driver_ok(void);
void mh_case_num_after_driver_ok(void);
void mh_case_addrs_after_driver_ok(void);
void mh_case_queue_sel(void);
void mh_case_kick_nonexistent(void);
void mh_case_kick_never_ready(void);
void mh_case_kick_made_unready(void);
void mh_case_needs_reset_live(void);
void mh_case_reset_in_flight(void);
void mh_case_reset_clears(void);
void mh_case_config_reads(void);
void mh_case_config_writes(void);
void mh_case_ctrl_reads(void);
void mh_case_ctrl_writes(void);

#endif
