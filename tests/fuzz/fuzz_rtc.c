/*
 * libFuzzer target for the CMOS RTC (devices/rtc.c) on the PIO bus as the board registers it,
 * with a clock the input moves (forward by microseconds to hours, or back), and the rules it
 * must keep whatever the guest writes, checked after every step:
 *
 * - the line is only driven on a change; it is high exactly when an enabled flag is set; it
 *   falls only when C is read or B written; a read of C shows IRQF exactly when the line was
 *   high, and leaves it low;
 * - no spinning: the next event the timer thread would sleep until lies in the future (or is
 *   "never", always while the line is high), and reaching it raises the line or moves the next
 *   event later;
 * - D reads 0x80; A reads back what was written (bits 0-6) with UIP only while the clock runs;
 *   B reads back what was written, less UIE when SET was; NVRAM and the alarm bytes read back
 *   what was written;
 * - while the clock runs its registers are valid in the selected format (BCD digits, ranges,
 *   the day within its month, 12-hour bytes 1-12 with the PM bit) and advance with the clock,
 *   by timegm's reckoning; while SET or the divider stops it, they hold what they showed when
 *   it stopped and what the guest wrote since.
 *
 * Input format (seeds: tests/fuzz/make_rtc_seeds.py writes corpus/rtc):
 *   byte 0   the host clock's start: 2024-01-01 plus byte * 7777777 ns
 *   then steps until the input ends (a truncated step is dropped), each an op byte and its
 *   operands; op & 7:
 *     0 index  one byte to port 0x70
 *     1 write  one byte to port 0x71
 *     2 read   port 0x71
 *     3 word   op bit 3: a 16-bit write (2 bytes) at 0x70, else a 16-bit read; op bit 4: at
 *              0x71 instead (not wholly the RTC's: unclaimed)
 *     4 clock  two bytes n: op bits 3-4 the unit (1 us, 1 ms, 1 s, 1 h), bit 5 backwards
 *              (kept within 1970 to 2096)
 *     5 poll   what the timer thread does; op bit 3: first move the clock to the next event
 *     6 wide   size 4 or 8 (op bit 3) at offset 0 or 1 (bit 4) straight through the ops; a
 *              write (bit 5) takes 8 bytes
 *     7 string a count byte (count + 1, up to 16) and bytes, rep outsb to 0x70 (op bit 3:
 *              0x71); op bit 4: rep insb from 0x71 instead
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "devices/bus.h"
#include "devices/rtc.h"
#include "platform/layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NS_PER_SEC 1000000000LL

static void fail(const char *rule, const char *where)
{
	fprintf(stderr, "fuzz_rtc: rule broken: %s (%s)\n", rule, where);
	abort();
}

/* ---- the fake machine ---- */

static int64_t clock_ns;
static int level, falls_allowed;
static bool repeated, fell, rose;

static int64_t fake_now(void *ctx)
{
	(void)ctx;
	return clock_ns;
}

static void set_level(void *ctx, unsigned gsi, int l)
{
	(void)ctx;
	if (gsi != RTC_IRQ)
		fail("the RTC drives IRQ 8 only", "irq");
	if (l == level)
		repeated = true;
	if (!l)
		fell = true;
	else
		rose = true;
	level = l;
}

/* ---- the device and its shadow ---- */

static struct bus pio;
static struct rtc rtc;

static struct {
	uint8_t index;
	bool nmi;
	uint8_t a, b;		      /* as written (A less UIP; B less UIE under SET) */
	uint8_t bytes[RTC_CMOS_SIZE]; /* NVRAM and alarms as written; time while stopped */
	bool stopped_valid;	      /* bytes[] holds the stopped clock's registers */
	bool have_run;		      /* last_secs/last_ns are a reading of the running clock */
	int64_t last_secs, last_ns;
} sh;

static bool is_time(unsigned i)
{
	return i == RTC_SECONDS || i == RTC_MINUTES || i == RTC_HOURS || i == RTC_DAY_OF_WEEK ||
	       i == RTC_DAY_OF_MONTH || i == RTC_MONTH || i == RTC_YEAR || i == RTC_CENTURY;
}

static bool stored(unsigned i)
{
	return i >= RTC_NVRAM_START ? i != RTC_CENTURY : i == 1 || i == 3 || i == 5;
}

static bool running(void)
{
	return (sh.a & RTC_A_DV_MASK) == RTC_A_DV_32KHZ && !(sh.b & RTC_B_SET);
}

static bool enabled_flag_set(void)
{
	return rtc.flags & rtc.cmos[RTC_REG_B] & (RTC_C_PF | RTC_C_AF | RTC_C_UF);
}

/* A register read the way a guest does, leaving the index as the guest left it. */
static uint8_t peek(uint8_t i)
{
	uint8_t v = 0, idx = (uint8_t)(i | (rtc.nmi_masked ? 0x80 : 0));
	bus_write(&pio, RTC_PORT, &idx, 1);
	bus_read(&pio, RTC_PORT + 1, &v, 1);
	idx = (uint8_t)(sh.index | (rtc.nmi_masked ? 0x80 : 0));
	bus_write(&pio, RTC_PORT, &idx, 1);
	return v;
}

static bool bcd_ok(uint8_t v)
{
	return (v & 15) <= 9 && (v >> 4) <= 9;
}

static unsigned val(uint8_t v, bool bin)
{
	return bin ? v : (v >> 4) * 10u + (v & 15u);
}

/* The running clock's registers: valid in the format B selects, and the second they name. */
static int64_t check_running_time(const char *where)
{
	bool bin = sh.b & RTC_B_DM_BINARY, h24 = sh.b & RTC_B_24H;
	uint8_t t[RTC_CMOS_SIZE];
	for (unsigned i = 0; i < RTC_CMOS_SIZE; i++)
		if (is_time(i))
			t[i] = peek((uint8_t)i);
	for (unsigned i = 0; i < RTC_CMOS_SIZE; i++)
		if (is_time(i) && i != RTC_DAY_OF_WEEK && i != RTC_HOURS && !bin && !bcd_ok(t[i]))
			fail("BCD registers hold BCD digits", where);
	unsigned sec = val(t[RTC_SECONDS], bin), min = val(t[RTC_MINUTES], bin);
	unsigned mday = val(t[RTC_DAY_OF_MONTH], bin), mon = val(t[RTC_MONTH], bin);
	unsigned year = val(t[RTC_YEAR], bin), century = val(t[RTC_CENTURY], bin);
	unsigned hour;
	if (h24) {
		if (!bin && !bcd_ok(t[RTC_HOURS]))
			fail("BCD registers hold BCD digits", where);
		hour = val(t[RTC_HOURS], bin);
		if (hour > 23)
			fail("a 24-hour hour is 0-23", where);
	} else {
		uint8_t h = t[RTC_HOURS] & 0x7F;
		if ((!bin && !bcd_ok(h)) || val(h, bin) < 1 || val(h, bin) > 12)
			fail("a 12-hour hour is 1-12 with the PM bit", where);
		hour = val(h, bin) % 12 + (t[RTC_HOURS] & 0x80 ? 12 : 0);
	}
	if (sec > 59 || min > 59 || mon < 1 || mon > 12 || mday < 1 || year > 99 || century > 99)
		fail("the time registers are in range", where);
	struct tm tm = {.tm_sec = (int)sec,
			.tm_min = (int)min,
			.tm_hour = (int)hour,
			.tm_mday = (int)mday,
			.tm_mon = (int)mon - 1,
			.tm_year = (int)(century * 100 + year) - 1900};
	int64_t s = (int64_t)timegm(&tm);
	if (tm.tm_mday != (int)mday)
		fail("the day of the month exists in its month", where);
	if (t[RTC_DAY_OF_WEEK] != tm.tm_wday + 1)
		fail("the day of the week follows the date (1 = Sunday)", where);
	return s;
}

static void check_state(const char *where)
{
	if (repeated)
		fail("the line is only driven on a change of level", where);
	if (level != rtc.irq_level || level != enabled_flag_set())
		fail("the line is high exactly when an enabled flag is set", where);
	if (fell && !falls_allowed)
		fail("the line falls only on a read of C or a write of B", where);
	fell = false;
	if (peek(RTC_REG_D) != RTC_D_VRT)
		fail("D reads 0x80", where);
	uint8_t a = peek(RTC_REG_A);
	if ((a & 0x7F) != sh.a || ((a & RTC_A_UIP) && !running()))
		fail("A reads back as written, UIP only while the clock runs", where);
	if (peek(RTC_REG_B) != sh.b)
		fail("B reads back as written (less UIE under SET)", where);
	/* The byte the guest has selected (all 114 at the end: every read is a bus access). */
	if (stored(sh.index) && peek(sh.index) != sh.bytes[sh.index])
		fail("NVRAM and the alarm bytes hold what was written", where);
	if (rtc.index != sh.index || rtc.nmi_masked != sh.nmi)
		fail("the index byte is the index, and bit 7 the NMI mask", where);
	if (!running()) {
		sh.have_run = false;
		if (!sh.stopped_valid) {
			for (unsigned i = 0; i < RTC_CMOS_SIZE; i++)
				if (is_time(i))
					sh.bytes[i] = peek((uint8_t)i);
			sh.stopped_valid = true;
		}
		for (unsigned i = 0; i < RTC_CMOS_SIZE; i++)
			if (is_time(i) && peek((uint8_t)i) != sh.bytes[i])
				fail("a stopped clock keeps its registers", where);
		return;
	}
	sh.stopped_valid = false;
	int64_t s = check_running_time(where);
	/* With nothing written since, the clock moved as the host's did (to the second), unless
	 * it went past 9999-12-31 and started again at year 0. */
	if (sh.have_run) {
		int64_t d = clock_ns - sh.last_ns;
		int64_t fl = d / NS_PER_SEC - (d % NS_PER_SEC < 0), moved = s - sh.last_secs;
		if ((moved < fl - 1 || moved > fl + 1) && llabs(moved - fl) < 300000000000LL)
			fail("the running clock advances with the host's", where);
	}
	sh.have_run = true;
	sh.last_secs = s;
	sh.last_ns = clock_ns;
}

/* ---- steps ---- */

static void data_write(uint8_t v)
{
	unsigned i = sh.index;
	bool was_running = running();
	falls_allowed |= i == RTC_REG_B;
	switch (i) {
	case RTC_REG_A:
		sh.a = v & 0x7F;
		sh.have_run = false;
		break;
	case RTC_REG_B:
		sh.b = (v & RTC_B_SET) ? v & (uint8_t)~RTC_B_UIE : v;
		sh.have_run = false;
		break;
	case RTC_REG_C:
	case RTC_REG_D:
		break;
	default:
		if (stored(i))
			sh.bytes[i] = v;
		else if (is_time(i)) {
			sh.have_run = false;
			if (!running())
				sh.bytes[i] = v;
		}
		break;
	}
	if (!was_running && running())
		sh.stopped_valid = false; /* a new stop takes a new snapshot */
}

/* The shadow's part of one byte of a write at port offset off (0 index, 1 data). */
static void byte_write(unsigned off, uint8_t v)
{
	if (off == 0) {
		sh.index = v & 0x7F;
		sh.nmi = v & 0x80;
	} else if (off == 1) {
		data_write(v);
	}
}

/* One byte of a read, checked: C shows IRQF exactly when the line was or went high. */
static void byte_read(unsigned off, uint8_t v, bool was_high, const char *where)
{
	if (off == 0 && v != 0xFF)
		fail("the index port reads all ones", where);
	if (off >= 2 && v != 0xFF)
		fail("bytes past the data port read all ones", where);
	if (off == 1 && sh.index == RTC_REG_C) {
		falls_allowed = 1;
		if (!!(v & RTC_C_IRQF) != (was_high || rose) || (v & 0x0F))
			fail("C shows IRQF exactly when the line was high, no low bits", where);
		if (level)
			fail("reading C lowers the line", where);
	}
}

/*
 * An access straight through the ops: each byte is its own access, in address order. A
 * write's effect on the shadow is applied byte by byte as the device would.
 */
static void access(unsigned off, unsigned size, bool write, uint8_t *buf, const char *where)
{
	bool was_high = level;
	rose = false;
	if (write) {
		for (unsigned k = 0; k < size; k++)
			byte_write(off + k, buf[k]);
		rtc_ops.write(&rtc, off, buf, size);
		return;
	}
	rtc_ops.read(&rtc, off, buf, size);
	for (unsigned k = 0; k < size; k++)
		byte_read(off + k, buf[k], was_high, where);
}

static void setup(uint8_t seed)
{
	bus_init(&pio, "pio");
	struct tm tm = {.tm_year = 124, .tm_mday = 1};
	clock_ns = (int64_t)timegm(&tm) * NS_PER_SEC + seed * 7777777LL;
	level = 0;
	repeated = fell = false;
	struct rtc_clock c = {.now_ns = fake_now};
	rtc_init(&rtc, (struct irq_line){.set_level = set_level, .gsi = RTC_IRQ}, &c);
	if (rtc_register(&rtc, &pio, RTC_PORT))
		abort();
	memset(&sh, 0, sizeof(sh));
	sh.a = RTC_A_DEFAULT;
	sh.b = RTC_B_DEFAULT;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t units[4] = {1000, 1000000, NS_PER_SEC, 3600 * NS_PER_SEC};
	if (size < 1)
		return 0;
	setup(data[0]);
	check_state("start");
	size_t i = 1;
	while (i < size) {
		uint8_t op = data[i++], buf[32];
		char where[64];
		snprintf(where, sizeof(where), "step at byte %zu, op 0x%02x", i - 1, op);
		falls_allowed = 0;
		switch (op & 7) {
		case 0:
		case 1:
			if (i >= size)
				goto out;
			buf[0] = data[i++];
			access(op & 7, 1, true, buf, where);
			break;
		case 2:
			access(1, 1, false, buf, where);
			break;
		case 3: {
			unsigned port = RTC_PORT + ((op >> 4) & 1);
			bool write = op & 8;
			if (write) {
				if (i + 2 > size)
					goto out;
				memcpy(buf, data + i, 2);
				i += 2;
			}
			const struct bus_range *r = bus_find(&pio, port, 2);
			if ((r != NULL) != (port == RTC_PORT))
				fail("the bus gives the RTC only accesses wholly inside it", where);
			if (r)
				access(0, 2, write, buf, where);
			break;
		}
		case 4: {
			if (i + 2 > size)
				goto out;
			int64_t n = data[i] | data[i + 1] << 8;
			i += 2;
			int64_t d = n * units[(op >> 3) & 3];
			clock_ns += (op & 0x20) ? -d : d;
			/* A host clock within a century or so of now, as any host's is. */
			if (clock_ns < 0)
				clock_ns = 0;
			if (clock_ns > 4 * NS_PER_SEC * 1000000000LL)
				clock_ns = 4 * NS_PER_SEC * 1000000000LL;
			break;
		}
		case 5: {
			if (op & 8) {
				int64_t next = rtc_next_event_ns(&rtc);
				if (next == INT64_MAX)
					break;
				clock_ns = next;
				rtc_poll(&rtc);
				if (!level && rtc_next_event_ns(&rtc) <= next)
					fail("reaching the next event raises the line or moves it "
					     "on",
					     where);
			} else {
				rtc_poll(&rtc);
			}
			/* Up to date now: what the timer thread sleeps until lies ahead, or is
			 * "never", always while the line is high. */
			int64_t next = rtc_next_event_ns(&rtc);
			if (next != INT64_MAX && (next <= clock_ns || level))
				fail("the next event lies ahead, none while the line is high",
				     where);
			break;
		}
		case 6: {
			unsigned sz = (op & 8) ? 8 : 4, off = (op >> 4) & 1;
			bool write = op & 0x20;
			if (write) {
				if (i + 8 > size)
					goto out;
				memcpy(buf, data + i, 8);
				i += 8;
			}
			access(off, sz, write, buf, where);
			break;
		}
		case 7: {
			if (i >= size)
				goto out;
			unsigned count = (data[i++] & 15) + 1;
			bool in = op & 0x10;
			unsigned off = in ? 1 : (op >> 3) & 1;
			if (!in) {
				if (i + count > size)
					goto out;
				memcpy(buf, data + i, count);
				i += count;
			}
			for (unsigned k = 0; k < count; k++)
				access(off, 1, !in, buf + k, where);
			break;
		}
		}
		check_state(where);
	}
out:
	for (unsigned k = 0; k < RTC_CMOS_SIZE; k++)
		if (stored(k) && peek((uint8_t)k) != sh.bytes[k])
			fail("NVRAM and the alarm bytes hold what was written", "the end");
	rtc_destroy(&rtc);
	return 0;
}
