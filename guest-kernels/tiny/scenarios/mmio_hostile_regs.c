/*
 * test=mmio-hostile, the register access rules (R10): config space read and written with
 * every access size at every offset, and control registers with any access but an aligned
 * 32-bit one.
 */
#include "scenarios/mmio_hostile.h"
#include "arch/io.h"
#include "lib/printf.h"
#include "lib/string.h"

/*
 * Control registers end where config space begins. The sweeps go CFG_PAST bytes beyond config
 * space with accesses of up to 8 bytes, which must stay inside the device's 0x200-byte window
 * (kvmini's, QEMU's and Linux's usual size), or they would reach whatever lies next.
 */
#define CTRL_END   VIRTIO_MMIO_CONFIG
#define CFG_SIZE   ((u32)sizeof(struct virtio_blk_config))
#define CFG_PAST   8
#define CFG_OFF(f) ((u32) __builtin_offsetof(struct virtio_blk_config, f))
_Static_assert(CTRL_END + CFG_SIZE + CFG_PAST + 8 <= 0x200, "sweep leaves the device window");

static u8 cfg[CFG_SIZE];
static char what[200];

/* An access of exactly `size` bytes (one instruction) at offset off of the device. */
static u64 acc_read(u32 off, unsigned size)
{
	u64 a = mh_dev->base + off;

	switch (size) {
	case 1:
		return mmio_read8(a);
	case 2:
		return mmio_read16(a);
	case 4:
		return mmio_read32(a);
	default:
		return mmio_read64(a);
	}
}

static void acc_write(u32 off, unsigned size, u64 val)
{
	u64 a = mh_dev->base + off;

	switch (size) {
	case 1:
		mmio_write8(a, (u8)val);
		break;
	case 2:
		mmio_write16(a, (u16)val);
		break;
	case 4:
		mmio_write32(a, (u32)val);
		break;
	default:
		mmio_write64(a, val);
		break;
	}
}
/* ---- R10: access sizes and config space ---- */

static u64 image_value(u32 off, unsigned size)
{
	u64 val = 0;

	for (unsigned i = size; i--;)
		val = val << 8 | cfg[off + i];
	return val;
}

static void read_image(u8 *img)
{
	for (u32 i = 0; i < CFG_SIZE; i++)
		img[i] = (u8)acc_read(CTRL_END + i, 1);
}

static const unsigned sizes[] = {1, 2, 4, 8};

void mh_case_config_reads(void)
{
	const char *name = "config space reads of every size and offset";
	const char *err = vblk_init(mh_blk);
	unsigned n = 0;

	if (mh_setup_failed(name, err))
		return;
	read_image(cfg);
	u64 cap = image_value(CFG_OFF(capacity), 8), blk = image_value(CFG_OFF(blk_size), 4);
	u64 cap4 = vio_config_read64(mh_dev, CFG_OFF(capacity)), cap8 = acc_read(CTRL_END, 8);
	if (cap != cap4 || cap != cap8 || (mh_capacity && cap != mh_capacity) ||
	    blk != VBLK_SECTOR) {
		snprintf(what, sizeof(what),
			 "capacity %llu (4-byte halves %llu, one 8-byte read %llu, want %llu), "
			 "blk_size %llu",
			 cap, cap4, cap8, mh_capacity, blk);
		mh_conclude(name, false, true, what);
		return;
	}
	for (unsigned s = 0; s < ARRAY_SIZE(sizes); s++) {
		unsigned size = sizes[s];
		for (u32 off = 0; off < CFG_SIZE + CFG_PAST; off++, n++) {
			bool inside = off + size <= CFG_SIZE;
			u64 want = inside ? image_value(off, size) : 0,
			    got = acc_read(CTRL_END + off, size);
			if (got != want) {
				snprintf(what, sizeof(what),
					 "%u-byte read at 0x%x (%s): 0x%llx, want 0x%llx", size,
					 CTRL_END + off, inside ? "inside" : "not wholly inside",
					 got, want);
				mh_conclude(name, false, true, what);
				return;
			}
		}
	}
	snprintf(what, sizeof(what),
		 "%u reads: capacity %llu, blk_size %llu, 0 past the %u bytes of config", n, cap,
		 blk, CFG_SIZE);
	mh_conclude(name, true, false, what);
}

void mh_case_config_writes(void)
{
	const char *name = "config space writes of every size and offset";
	static u8 after[CFG_SIZE];
	static const u64 vals[] = {~0ULL, 0};
	const char *err = mh_live();
	unsigned n = 0;

	if (mh_setup_failed(name, err))
		return;
	read_image(cfg);
	for (unsigned k = 0; k < ARRAY_SIZE(vals); k++) {
		for (unsigned s = 0; s < ARRAY_SIZE(sizes); s++) {
			for (u32 off = 0; off < CFG_SIZE + CFG_PAST; off++, n++)
				acc_write(CTRL_END + off, sizes[s], vals[k]);
		}
	}
	read_image(after);
	u32 st = status();
	long diff = -1;
	for (u32 i = 0; i < CFG_SIZE && diff < 0; i++) {
		if (after[i] != cfg[i])
			diff = (long)i;
	}
	if (diff >= 0)
		snprintf(what, sizeof(what), "%u writes: config byte 0x%lx now 0x%02x, was 0x%02x",
			 n, diff, after[diff], cfg[diff]);
	else
		snprintf(what, sizeof(what), "%u writes: config unchanged, Status 0x%02x", n, st);
	mh_conclude(name, diff < 0 && st == S_LIVE, false, what);
}

/* Control registers take only aligned 32-bit accesses; everything else is what we try. */
static bool odd_access(u32 off, unsigned size)
{
	return size != 4 || (off & 3);
}

void mh_case_ctrl_reads(void)
{
	const char *name = "control register reads of other sizes or unaligned";
	const char *err = vblk_init(mh_blk);
	unsigned n = 0;

	if (mh_setup_failed(name, err))
		return;
	for (unsigned s = 0; s < ARRAY_SIZE(sizes); s++) {
		for (u32 off = 0; off < CTRL_END; off++) {
			if (!odd_access(off, sizes[s]))
				continue;
			n++;
			u64 got = acc_read(off, sizes[s]);
			if (got) {
				snprintf(what, sizeof(what), "%u-byte read at 0x%x: 0x%llx, want 0",
					 sizes[s], off, got);
				mh_conclude(name, false, true, what);
				return;
			}
		}
	}
	snprintf(what, sizeof(what), "%u reads, all 0", n);
	mh_conclude(name, true, false, what);
}

void mh_case_ctrl_writes(void)
{
	const char *name = "control register writes of other sizes or unaligned";
	/* 0 would reset through Status or select queue 0; all ones would set every bit. */
	static const u64 vals[] = {0, ~0ULL};
	const char *err = mh_live();
	unsigned n = 0;

	if (mh_setup_failed(name, err))
		return;
	struct ring_regs r = mh_ring_of(vq0());
	for (unsigned k = 0; k < ARRAY_SIZE(vals); k++) {
		for (unsigned s = 0; s < ARRAY_SIZE(sizes); s++) {
			for (u32 off = 0; off < CTRL_END; off++) {
				if (odd_access(off, sizes[s])) {
					acc_write(off, sizes[s], vals[k]);
					n++;
				}
			}
		}
	}
	/* Status, QueueSel (queue 0's registers still visible) and the queue itself as before. */
	u32 st = status(), ready = rd(VIRTIO_MMIO_QUEUE_READY);
	bool same = mh_regs_read_back(r);

	snprintf(what, sizeof(what), "%u writes: Status 0x%02x, QueueReady %u, queue 0 %s", n, st,
		 ready, same ? "unchanged" : "CHANGED or not selected");
	mh_conclude(name, st == S_LIVE && ready == 1 && same, false, what);
}
