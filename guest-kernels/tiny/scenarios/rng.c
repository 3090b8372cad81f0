/*
 * test=rng [watchdog=MS]: the first virtio-rng of the device tree (kvmini --rng), driven as
 * Linux's virtio-rng driver does, one read at a time. Each check prints `rng: CHECK: ok
 * (WHAT)` or `rng: CHECK: FAIL (WHY)`, then `rng: N/M checks ok`; exit 0 only if all are ok.
 *
 * - read-64: four reads of 64 bytes: used length 64 each, none all zero, no two alike;
 * - read-4096: one read of a page: used length 4096, not all zero;
 * - bound: one 128 KiB buffer: the device gives 64 KiB (its bound per request), from the
 *   start, and leaves the rest as it was;
 * - readable: a device-readable buffer breaks the driver's rules (5.4.6.1): completed with
 *   used length 0, the buffer untouched, and the device still serves the next read.
 *
 * Only the bytes a check needs are cleared or scanned: the emulated guest CPU is slow.
 */
#include "scenarios/scenario.h"
#include "drivers/virtio_rng.h"
#include "drivers/watchdog.h"
#include "lib/cmdline.h"
#include "lib/heap.h"
#include "lib/printf.h"
#include "lib/string.h"

#define BOUND  (64u << 10) /* kvmini's RNG_MAX_PER_CHAIN */
#define MARK   0xA5
#define MARGIN 32

static struct virtio_rng rng;
static unsigned checks, passed;

static void result(const char *check, bool ok, const char *what)
{
	checks++;
	passed += ok;
	printf("rng: %s: %s (%s)\n", check, ok ? "ok" : "FAIL", what);
}

static unsigned count_byte(const u8 *p, u32 len, u8 b)
{
	unsigned n = 0;

	for (u32 i = 0; i < len; i++)
		n += p[i] == b;
	return n;
}

static void check_read_64(u8 *buf)
{
	char why[96];
	u32 got;

	memset(buf, 0, 4 * 64);
	for (unsigned i = 0; i < 4; i++) {
		const char *err = vrng_read(&rng, buf + 64 * i, 64, &got);

		if (err) {
			result("read-64", false, err);
			return;
		}
		if (got != 64) {
			snprintf(why, sizeof(why), "read %u: used length %u, want 64", i, got);
			result("read-64", false, why);
			return;
		}
		if (count_byte(buf + 64 * i, 64, 0) == 64) {
			snprintf(why, sizeof(why), "read %u: all 64 bytes zero", i);
			result("read-64", false, why);
			return;
		}
	}
	for (unsigned i = 0; i < 4; i++) {
		for (unsigned j = i + 1; j < 4; j++) {
			if (!memcmp(buf + 64 * i, buf + 64 * j, 64)) {
				snprintf(why, sizeof(why), "reads %u and %u are the same", i, j);
				result("read-64", false, why);
				return;
			}
		}
	}
	result("read-64", true, "4 reads, used length 64 each, none all zero, no two alike");
}

static void check_read_4096(u8 *page)
{
	char why[96];
	u32 got;

	memset(page, 0, 4096);
	const char *err = vrng_read(&rng, page, 4096, &got);
	unsigned zeros = count_byte(page, 4096, 0);

	if (err)
		snprintf(why, sizeof(why), "%s", err);
	else if (got != 4096)
		snprintf(why, sizeof(why), "used length %u, want 4096", got);
	else if (zeros > 4096 / 64)
		snprintf(why, sizeof(why), "%u of 4096 bytes zero", zeros);
	else
		snprintf(why, sizeof(why), "used length 4096, %u zero bytes", zeros);
	result("read-4096", !err && got == 4096 && zeros <= 4096 / 64, why);
}

/* Marks just around the bound: before it they must change, after it they must stay. */
static void check_bound(u8 *big)
{
	char why[96];
	u32 got;

	memset(big + BOUND - MARGIN, MARK, 2 * MARGIN);
	const char *err = vrng_read(&rng, big, 2 * BOUND, &got);
	unsigned before = count_byte(big + BOUND - MARGIN, MARGIN, MARK);
	unsigned after = count_byte(big + BOUND, MARGIN, MARK);
	bool ok = !err && got == BOUND && before < MARGIN && after == MARGIN;

	if (err)
		snprintf(why, sizeof(why), "%s", err);
	else
		snprintf(why, sizeof(why),
			 "a %u-byte buffer got %u bytes; %u of the %u after them changed",
			 2 * BOUND, got, MARGIN - after, MARGIN);
	result("bound", ok, why);
}

static void check_readable(u8 *buf)
{
	struct vq_sg sg = {(u64)(uintptr_t)buf, 64, false};
	char why[96];
	u32 got, next;

	memset(buf, MARK, 64);
	const char *err = vrng_read_sg(&rng, &sg, 1, &got);
	unsigned kept = count_byte(buf, 64, MARK);

	if (!err)
		err = vrng_read(&rng, buf + 64, 64, &next);
	if (err)
		snprintf(why, sizeof(why), "%s", err);
	else
		snprintf(why, sizeof(why), "used length %u, %u of 64 bytes kept; next read %u", got,
			 kept, next);
	result("readable", !err && got == 0 && kept == 64 && next == 64, why);
}

int scenario_rng(struct boot_params *bp)
{
	u64 ms;
	int rc = cmdline_get_u64("watchdog", &ms);

	if (rc == -1)
		ms = 20000;
	if ((rc < 0 && rc != -1) || ms == 0 || ms > 500000) {
		printf("rng: bad watchdog= (want 1-500000)\n");
		return 1;
	}
	int n = vrng_probe(bp, "rng", &rng);

	if (n == 0)
		printf("rng: no virtio-rng in the device tree (kvmini --rng)\n");
	if (n <= 0)
		return 1;
	if (watchdog_arm((u32)ms)) {
		printf("rng: cannot arm the watchdog\n");
		return 1;
	}
	printf("rng: device at 0x%llx, queue of %u\n", rng.vdev.base, rng.vq.num);
	u8 *small = heap_alloc(4096), *page = heap_alloc(4096), *big = heap_alloc(2 * BOUND);

	if (!small || !page || !big) {
		printf("rng: out of memory\n");
		return 1;
	}
	check_read_64(small);
	check_read_4096(page);
	check_bound(big);
	check_readable(small + 1024);
	watchdog_stop();
	printf("rng: %u/%u checks ok, %u reads\n", passed, checks, rng.completed);
	return passed == checks ? 0 : 1;
}
