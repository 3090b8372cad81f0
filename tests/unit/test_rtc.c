/*
 * The MC146818 CMOS RTC against its register model, on a clock the test sets (struct
 * rtc_clock), through the PIO bus as a guest reaches it: formats, UIP, setting the time (an
 * offset, never the host clock), SET, the divider, the three interrupts and register C,
 * NVRAM, the index port and its NMI bit, every access size. The last tests run the timer
 * thread on the real clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "devices/bus.h"
#include "devices/rtc.h"
#include "platform/layout.h"

#define NS  1000000000LL
#define US  1000LL
#define MS  1000000LL
#define IDX RTC_PORT
#define DAT (RTC_PORT + 1)

static struct bus pio;
static struct rtc rtc;
static int64_t fake_ns;
static int level, rises, repeats;

static int64_t fake_now(void *ctx)
{
	(void)ctx;
	return fake_ns;
}

static void set_level(void *ctx, unsigned gsi, int l)
{
	(void)ctx;
	assert_int_equal(gsi, RTC_IRQ);
	if (l == level)
		repeats++;
	rises += l && !level;
	level = l;
}

/* 2024-02-29 13:45:30 UTC (a Thursday) and `ns` into that second. */
static int64_t t0(int64_t ns)
{
	struct tm tm = {
	    .tm_year = 124, .tm_mon = 1, .tm_mday = 29, .tm_hour = 13, .tm_min = 45, .tm_sec = 30};
	return (int64_t)timegm(&tm) * NS + ns;
}

static int setup(void **state)
{
	(void)state;
	fake_ns = t0(250 * MS);
	level = rises = repeats = 0;
	bus_init(&pio, "pio");
	struct rtc_clock clock = {.now_ns = fake_now};
	rtc_init(&rtc, (struct irq_line){.set_level = set_level, .gsi = RTC_IRQ}, &clock);
	assert_int_equal(rtc_register(&rtc, &pio, RTC_PORT), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rtc_destroy(&rtc);
	assert_int_equal(repeats, 0); /* the line is only driven on a change */
	return 0;
}

static void wr(uint8_t idx, uint8_t v)
{
	assert_non_null(bus_write(&pio, IDX, &idx, 1));
	assert_non_null(bus_write(&pio, DAT, &v, 1));
}

static uint8_t rd(uint8_t idx)
{
	uint8_t v = 0;
	assert_non_null(bus_write(&pio, IDX, &idx, 1));
	assert_non_null(bus_read(&pio, DAT, &v, 1));
	return v;
}

/* The time registers against a broken-down time, in the encoding given. */
static void expect_time(const struct tm *tm, bool bin, bool h24)
{
	unsigned century = (unsigned)(tm->tm_year + 1900) / 100, year = (unsigned)tm->tm_year % 100;
#define E(v) ((uint8_t)(bin ? (v) : ((v) / 10) << 4 | (v) % 10))
	assert_int_equal(rd(RTC_SECONDS), E((unsigned)tm->tm_sec));
	assert_int_equal(rd(RTC_MINUTES), E((unsigned)tm->tm_min));
	unsigned h = (unsigned)tm->tm_hour;
	if (h24)
		assert_int_equal(rd(RTC_HOURS), E(h));
	else
		assert_int_equal(rd(RTC_HOURS), E(h % 12 ? h % 12 : 12) | (h >= 12 ? 0x80 : 0));
	assert_int_equal(rd(RTC_DAY_OF_WEEK), tm->tm_wday + 1);
	assert_int_equal(rd(RTC_DAY_OF_MONTH), E((unsigned)tm->tm_mday));
	assert_int_equal(rd(RTC_MONTH), E((unsigned)tm->tm_mon + 1));
	assert_int_equal(rd(RTC_YEAR), E(year));
	assert_int_equal(rd(RTC_CENTURY), E(century));
#undef E
}

static void expect_at(int64_t secs, bool bin, bool h24)
{
	time_t t = (time_t)secs;
	struct tm tm;
	gmtime_r(&t, &tm);
	expect_time(&tm, bin, h24);
}

/*
 * PF is set at the periodic rate whether or not PIE is (as on the chip): tests about the other
 * flags select no rate, so that C shows only what they look at.
 */
static void no_periodic(void)
{
	wr(RTC_REG_A, RTC_A_DV_32KHZ);
	(void)rd(RTC_REG_C); /* and no PF from before (the real clock may have moved) */
}

/* Sets the time as Linux's mc146818_set_time does: SET, every field, SET cleared. */
static void set_time_bcd(unsigned century, unsigned year, unsigned mon, unsigned mday,
			 unsigned hour, unsigned min, unsigned sec)
{
#define B(v) ((uint8_t)(((v) / 10) << 4 | (v) % 10))
	uint8_t b = rd(RTC_REG_B);
	wr(RTC_REG_B, b | RTC_B_SET);
	wr(RTC_SECONDS, B(sec));
	wr(RTC_MINUTES, B(min));
	wr(RTC_HOURS, B(hour));
	wr(RTC_DAY_OF_MONTH, B(mday));
	wr(RTC_MONTH, B(mon));
	wr(RTC_YEAR, B(year));
	wr(RTC_CENTURY, B(century));
	wr(RTC_REG_B, b & (uint8_t)~RTC_B_SET);
#undef B
}

/* Power-on state: 24-hour BCD, 32.768 kHz and 1024 Hz, battery good, no flags. */
static void test_defaults_bcd_24h(void **state)
{
	(void)state;
	assert_int_equal(rd(RTC_REG_A), RTC_A_DEFAULT);
	assert_int_equal(rd(RTC_REG_B), RTC_B_24H);
	assert_int_equal(rd(RTC_REG_C), 0);
	assert_int_equal(rd(RTC_REG_D), RTC_D_VRT);
	assert_int_equal(rd(RTC_SECONDS), 0x30);
	assert_int_equal(rd(RTC_MINUTES), 0x45);
	assert_int_equal(rd(RTC_HOURS), 0x13);
	assert_int_equal(rd(RTC_DAY_OF_WEEK), 5); /* Thursday; 1 is Sunday */
	assert_int_equal(rd(RTC_DAY_OF_MONTH), 0x29);
	assert_int_equal(rd(RTC_MONTH), 0x02);
	assert_int_equal(rd(RTC_YEAR), 0x24);
	assert_int_equal(rd(RTC_CENTURY), 0x20);
	assert_int_equal(rtc_next_event_ns(&rtc), INT64_MAX); /* no interrupt enabled */
	assert_int_equal(level, 0);
}

/* DM and 24/12 change how the running clock reads, at once. */
static void test_binary_and_12h(void **state)
{
	(void)state;
	int64_t s = t0(0) / NS;
	wr(RTC_REG_B, RTC_B_DM_BINARY | RTC_B_24H);
	expect_at(s, true, true);
	assert_int_equal(rd(RTC_HOURS), 13);
	wr(RTC_REG_B, RTC_B_DM_BINARY);
	expect_at(s, true, false);
	assert_int_equal(rd(RTC_HOURS), 0x81); /* 1 PM */
	wr(RTC_REG_B, 0);
	expect_at(s, false, false);
	/* Midnight and noon in 12-hour form: 12 AM and 12 PM. */
	fake_ns = t0(0) + (10 * 3600 + 14 * 60 + 30) * NS; /* 00:00:00 the next day */
	assert_int_equal(rd(RTC_HOURS), 0x12);
	expect_at(fake_ns / NS, false, false);
	fake_ns += 12 * 3600 * NS;
	assert_int_equal(rd(RTC_HOURS), 0x92);
	wr(RTC_REG_B, RTC_B_DM_BINARY);
	assert_int_equal(rd(RTC_HOURS), 0x8C);
}

/*
 * UIP is set exactly for the last 73 ticks (2227.8 us: 244 us of warning, then the 1984 us
 * update cycle of a 32.768 kHz time base) before each new second, and not under SET.
 */
static void test_uip_window(void **state)
{
	(void)state;
	fake_ns = t0(997772216); /* tick 32694 */
	assert_int_equal(rd(RTC_REG_A) & RTC_A_UIP, 0);
	assert_int_equal(rd(RTC_SECONDS), 0x30);
	fake_ns = t0(997772217); /* tick 32695: 2227.8 us to go */
	assert_int_equal(rd(RTC_REG_A), RTC_A_DEFAULT | RTC_A_UIP);
	assert_int_equal(rd(RTC_SECONDS), 0x30);
	fake_ns = t0(NS - 1);
	assert_int_equal(rd(RTC_REG_A) & RTC_A_UIP, RTC_A_UIP);
	fake_ns = t0(NS); /* the update: the new second, UIP clear */
	assert_int_equal(rd(RTC_REG_A) & RTC_A_UIP, 0);
	assert_int_equal(rd(RTC_SECONDS), 0x31);
	/* Linux's mc146818_avoid_UIP loop reads A until UIP is clear: at most 2.3 ms away. */
	fake_ns = t0(NS + 999800000);
	assert_int_equal(rd(RTC_REG_A) & RTC_A_UIP, RTC_A_UIP);
	wr(RTC_REG_B, RTC_B_24H | RTC_B_SET);
	assert_int_equal(rd(RTC_REG_A), RTC_A_DEFAULT); /* no updates, no UIP */
	/* A write cannot set UIP. */
	wr(RTC_REG_A, RTC_A_DEFAULT | RTC_A_UIP);
	assert_int_equal(rd(RTC_REG_A), RTC_A_DEFAULT);
}

/* A set time is an offset from the host's clock: it runs on, and the host clock is left alone. */
static void test_set_time_offset(void **state)
{
	(void)state;
	struct timespec host0, host1;
	clock_gettime(CLOCK_REALTIME, &host0);
	int64_t before = fake_ns;
	set_time_bcd(20, 1, 9, 9, 1, 46, 40); /* 2001-09-09 01:46:40 UTC = 1000000000 */
	assert_int_equal(fake_ns, before);    /* the device only reads its clock */
	expect_at(1000000000, false, true);
	assert_int_equal(rd(RTC_DAY_OF_WEEK), 1); /* a Sunday */
	assert_int_equal(rtc_offset_seconds(&rtc), 1000000000 - t0(0) / NS);
	fake_ns += 5 * NS;
	expect_at(1000000005, false, true);
	/* A write while the clock runs sets that field alone, and the clock runs on from it. */
	wr(RTC_MINUTES, 0x59);
	expect_at(1000000005 + 13 * 60, false, true);
	fake_ns += 60 * NS;
	assert_int_equal(rd(RTC_HOURS), 0x02);
	assert_int_equal(rd(RTC_MINUTES), 0x00);
	clock_gettime(CLOCK_REALTIME, &host1);
	/* The host's clock did not jump (a generous bound: the test takes milliseconds). */
	assert_true(host1.tv_sec >= host0.tv_sec && host1.tv_sec - host0.tv_sec < 60);
	assert_true(host1.tv_sec > 1600000000);
	/* Setting it back to the host's time gives a zero offset. */
	int64_t now_s = fake_ns / NS;
	time_t t = (time_t)now_s;
	struct tm tm;
	gmtime_r(&t, &tm);
	set_time_bcd(20, (unsigned)tm.tm_year % 100, (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday,
		     (unsigned)tm.tm_hour, (unsigned)tm.tm_min, (unsigned)tm.tm_sec);
	assert_int_equal(rtc_offset_seconds(&rtc), 0);
}

/* SET stops updates: the registers keep their time and take writes; clearing it resumes. */
static void test_set_freezes(void **state)
{
	(void)state;
	no_periodic();
	fake_ns = t0(700 * MS);
	wr(RTC_REG_B, RTC_B_24H | RTC_B_SET | RTC_B_UIE);
	assert_int_equal(rd(RTC_REG_B), RTC_B_24H | RTC_B_SET); /* SET clears UIE */
	fake_ns += 10 * NS;
	expect_at(t0(0) / NS, false, true);
	assert_int_equal(rd(RTC_REG_C), 0); /* no update ended while frozen */
	wr(RTC_SECONDS, 0x00);
	assert_int_equal(rd(RTC_SECONDS), 0x00);
	fake_ns += 3 * NS;
	assert_int_equal(rd(RTC_SECONDS), 0x00);
	/* Resumed in the same phase: 300 ms to the next update, not a whole second. */
	wr(RTC_REG_B, RTC_B_24H);
	assert_int_equal(rd(RTC_SECONDS), 0x00);
	fake_ns += 299 * MS;
	assert_int_equal(rd(RTC_SECONDS), 0x00);
	fake_ns += 2 * MS;
	assert_int_equal(rd(RTC_SECONDS), 0x01);
	assert_int_equal(rd(RTC_MINUTES), 0x45);
	assert_int_equal(rd(RTC_REG_C), RTC_C_UF);
}

/* DV 11x holds the divider in reset; 010 again starts it, the first update 500 ms later. */
static void test_divider_reset(void **state)
{
	(void)state;
	fake_ns = t0(100 * MS);
	wr(RTC_REG_A, 0x70 | 6);
	fake_ns += 5 * NS;
	assert_int_equal(rd(RTC_SECONDS), 0x30);
	assert_int_equal(rd(RTC_REG_A), 0x76); /* no UIP */
	wr(RTC_REG_B, RTC_B_24H | RTC_B_PIE);
	fake_ns += 3 * NS;
	rtc_poll(&rtc);
	assert_int_equal(level, 0); /* no periodic interrupt while the divider is held */
	wr(RTC_REG_A, RTC_A_DEFAULT);
	fake_ns += 499 * MS;
	assert_int_equal(rd(RTC_SECONDS), 0x30);
	fake_ns += 2 * MS;
	assert_int_equal(rd(RTC_SECONDS), 0x31);
	/* Any other DV value stops the clock too (only 010 keeps time). */
	wr(RTC_REG_A, 0x06);
	fake_ns += 2 * NS;
	assert_int_equal(rd(RTC_SECONDS), 0x31);
}

/*
 * Linux's mc146818_set_time: SET, the divider held in reset (A | 0x60), the fields, B back,
 * then A back; the clock starts from the fields, its first update 500 ms later (why Linux
 * writes the time 500 ms into a second).
 */
static void test_linux_set_time(void **state)
{
	(void)state;
	fake_ns = t0(123 * MS);
	uint8_t b = rd(RTC_REG_B), a = rd(RTC_REG_A);
	wr(RTC_REG_B, b | RTC_B_SET);
	wr(RTC_REG_A, a | 0x60);
	wr(RTC_SECONDS, 0x40);
	wr(RTC_MINUTES, 0x46);
	wr(RTC_HOURS, 0x01);
	wr(RTC_DAY_OF_MONTH, 0x09);
	wr(RTC_MONTH, 0x09);
	wr(RTC_YEAR, 0x01);
	wr(RTC_CENTURY, 0x20);
	fake_ns += 3 * NS;
	wr(RTC_REG_B, b);
	fake_ns += 2 * NS;
	assert_int_equal(rd(RTC_SECONDS), 0x40); /* still held by the divider */
	wr(RTC_REG_A, a);
	expect_at(1000000000, false, true);
	fake_ns += 499 * MS;
	assert_int_equal(rd(RTC_SECONDS), 0x40);
	fake_ns += 2 * MS;
	expect_at(1000000001, false, true);
}

/* The update-ended interrupt: once a second, UF and IRQF in C, read-to-clear, the line follows. */
static void test_update_interrupt(void **state)
{
	(void)state;
	no_periodic();
	fake_ns = t0(600 * MS);
	assert_int_equal(rd(RTC_REG_C), 0);
	wr(RTC_REG_B, RTC_B_24H | RTC_B_UIE);
	/* The next event is the next update, 400 ms away (to the tick). */
	int64_t next = rtc_next_event_ns(&rtc);
	assert_int_equal(next, t0(NS));
	fake_ns = next - 1;
	rtc_poll(&rtc);
	assert_int_equal(level, 0);
	fake_ns = next;
	rtc_poll(&rtc);
	assert_int_equal(level, 1);
	assert_int_equal(rises, 1);
	/* Pending: nothing further to wait for until C is read, however long. */
	assert_int_equal(rtc_next_event_ns(&rtc), INT64_MAX);
	fake_ns += 5 * NS;
	rtc_poll(&rtc);
	assert_int_equal(rises, 1);
	assert_int_equal(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_UF);
	assert_int_equal(level, 0);
	assert_int_equal(rd(RTC_REG_C), 0);
	assert_int_equal(rtc_next_event_ns(&rtc), t0(7 * NS));
	/* An access brings the flags up to date too, without the thread. */
	fake_ns = t0(7 * NS + 1);
	assert_int_equal(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_UF);
	assert_int_equal(rises, 2);
	assert_int_equal(level, 0);
}

/* A flag already set raises the line as soon as its enable is set, and clearing it lowers. */
static void test_enable_with_flag_pending(void **state)
{
	(void)state;
	no_periodic();
	fake_ns += 2 * NS;
	rtc_poll(&rtc);
	assert_int_equal(level, 0);
	wr(RTC_REG_B, RTC_B_24H | RTC_B_UIE);
	assert_int_equal(level, 1);
	wr(RTC_REG_B, RTC_B_24H);
	assert_int_equal(level, 0);
	assert_int_equal(rd(RTC_REG_C), RTC_C_UF); /* flags set, but IRQF only when enabled */
	assert_int_equal(rises, 1);
}

/* The periodic interrupt at every rate of register A; coalesced into one pending event. */
static void test_periodic(void **state)
{
	(void)state;
	static const int64_t hz[16] = {0,   256, 128, 8192, 4096, 2048, 1024, 512,
				       256, 128, 64,  32,   16,	  8,	4,    2};
	fake_ns = t0(0);
	wr(RTC_REG_B, RTC_B_24H | RTC_B_PIE);
	for (unsigned rs = 0; rs < 16; rs++) {
		wr(RTC_REG_A, (uint8_t)(RTC_A_DV_32KHZ | rs));
		(void)rd(RTC_REG_C);
		int64_t next = rtc_next_event_ns(&rtc);
		if (!hz[rs]) {
			assert_int_equal(next, INT64_MAX);
			continue;
		}
		/* On the second, the next tick is one period away (to the ns, rounded up). */
		assert_int_equal(next, t0((NS + hz[rs] - 1) / hz[rs]));
	}
	/* 8192 Hz: one rise however many periods pass while C goes unread. */
	wr(RTC_REG_A, RTC_A_DV_32KHZ | 3);
	(void)rd(RTC_REG_C);
	rises = 0;
	fake_ns = t0(122071);
	rtc_poll(&rtc);
	assert_int_equal(level, 1);
	fake_ns = t0(100 * MS);
	rtc_poll(&rtc);
	assert_int_equal(rises, 1);
	assert_int_equal(rtc_next_event_ns(&rtc), INT64_MAX);
	assert_int_equal(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_PF);
	assert_int_equal(level, 0);
	/* The next tick after 100 ms: tick 3277 rounds up to 3280, 100.098 ms. */
	assert_int_equal(rtc_next_event_ns(&rtc), t0(100097657));
	/* SET stops updates, not the divider: periodic interrupts go on. */
	wr(RTC_REG_B, RTC_B_24H | RTC_B_PIE | RTC_B_SET);
	fake_ns = t0(101 * MS);
	rtc_poll(&rtc);
	assert_int_equal(level, 1);
	assert_int_equal(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_PF);
}

/* The alarm: hour, minute and second bytes against the time, 0xC0-0xFF matching anything. */
static void test_alarm(void **state)
{
	(void)state;
	no_periodic();
	fake_ns = t0(500 * MS); /* 13:45:30.5 */
	wr(RTC_HOURS_ALARM, 0x13);
	wr(RTC_MINUTES_ALARM, 0x45);
	wr(RTC_SECONDS_ALARM, 0x33);
	wr(RTC_REG_B, RTC_B_24H | RTC_B_AIE);
	assert_int_equal(rtc_next_event_ns(&rtc), t0(3 * NS));
	fake_ns = t0(2 * NS + 999 * MS);
	assert_int_equal(rd(RTC_REG_C), RTC_C_UF); /* updates, but no match yet */
	fake_ns = t0(3 * NS);
	rtc_poll(&rtc);
	assert_int_equal(level, 1);
	assert_int_equal(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_AF | RTC_C_UF);
	/* Next: the same time tomorrow. */
	assert_int_equal(rtc_next_event_ns(&rtc), t0((3 + 86400) * NS));
	/* Seconds don't-care: every second of 13:46. */
	wr(RTC_MINUTES_ALARM, 0x46);
	wr(RTC_SECONDS_ALARM, 0xC0);
	assert_int_equal(rtc_next_event_ns(&rtc), t0(30 * NS));
	fake_ns = t0(31 * NS + 10 * MS);
	assert_int_equal(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_AF | RTC_C_UF);
	assert_int_equal(rtc_next_event_ns(&rtc), t0(32 * NS));
	/* All three don't-care (0xFF): every update. */
	wr(RTC_HOURS_ALARM, 0xFF);
	wr(RTC_MINUTES_ALARM, 0xD5);
	assert_int_equal(rtc_next_event_ns(&rtc), t0(32 * NS));
	/* A byte the clock never shows (seconds 0x60): never, so no wake-up either. */
	wr(RTC_SECONDS_ALARM, 0x60);
	assert_int_equal(rtc_next_event_ns(&rtc), INT64_MAX);
	fake_ns = t0(3600 * NS);
	assert_int_equal(rd(RTC_REG_C), RTC_C_UF);
	/* 12-hour binary: 1 PM is 0x81; the match is on the bytes as the clock shows them. */
	wr(RTC_REG_B, RTC_B_DM_BINARY | RTC_B_AIE);
	wr(RTC_HOURS_ALARM, 0x82);
	wr(RTC_MINUTES_ALARM, 0);
	wr(RTC_SECONDS_ALARM, 5);
	fake_ns = t0(0);
	rtc_poll(&rtc);
	(void)rd(RTC_REG_C);
	assert_int_equal(rtc_next_event_ns(&rtc), t0((14 * 60 + 35) * NS)); /* 14:00:05 */
	/* The alarm is checked at updates only: a match with the current second waits a day. */
	wr(RTC_REG_B, RTC_B_24H | RTC_B_AIE);
	wr(RTC_HOURS_ALARM, 0x13);
	wr(RTC_MINUTES_ALARM, 0x45);
	wr(RTC_SECONDS_ALARM, 0x30);
	assert_int_equal(rtc_next_event_ns(&rtc), t0(86400 * NS));
}

/* A clock that has missed many updates reports one UF, and AF if any of them matched. */
static void test_alarm_across_a_gap(void **state)
{
	(void)state;
	no_periodic();
	wr(RTC_HOURS_ALARM, 0x14);
	wr(RTC_MINUTES_ALARM, 0x00);
	wr(RTC_SECONDS_ALARM, 0x00);
	fake_ns = t0(3 * 3600 * NS);
	assert_int_equal(rd(RTC_REG_C), RTC_C_AF | RTC_C_UF);
	fake_ns += 3600 * NS;
	assert_int_equal(rd(RTC_REG_C), RTC_C_UF);
}

/* The host clock stepping back or forward: the RTC follows it, and its schedule stays sane. */
static void test_host_clock_steps(void **state)
{
	(void)state;
	no_periodic();
	wr(RTC_REG_B, RTC_B_24H | RTC_B_UIE);
	(void)rd(RTC_REG_C);
	fake_ns -= 3600 * NS;
	expect_at(t0(0) / NS - 3600, false, true);
	rtc_poll(&rtc);
	int64_t next = rtc_next_event_ns(&rtc);
	assert_true(next > fake_ns && next <= fake_ns + NS);
	fake_ns = next;
	rtc_poll(&rtc);
	assert_int_equal(level, 1);
	assert_int_equal(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_UF);
	fake_ns += 86400 * NS;
	rtc_poll(&rtc);
	assert_int_equal(rises, 2);
}

/* 0x0E-0x7F: 114 bytes of plain storage (the century among them, which the clock owns). */
static void test_nvram(void **state)
{
	(void)state;
	no_periodic();
	for (unsigned i = RTC_NVRAM_START; i < RTC_CMOS_SIZE; i++)
		if (i != RTC_CENTURY)
			wr((uint8_t)i, (uint8_t)(i * 7 + 3));
	for (unsigned i = RTC_NVRAM_START; i < RTC_CMOS_SIZE; i++)
		if (i != RTC_CENTURY)
			assert_int_equal(rd((uint8_t)i), (uint8_t)(i * 7 + 3));
	assert_int_equal(rd(RTC_CENTURY), 0x20);
	/* C and D are read-only; writing them changes nothing. */
	wr(RTC_REG_C, 0xF0);
	wr(RTC_REG_D, 0x00);
	assert_int_equal(rd(RTC_REG_C), 0);
	assert_int_equal(rd(RTC_REG_D), RTC_D_VRT);
	/* Alarm bytes are stored as written. */
	wr(RTC_SECONDS_ALARM, 0xAB);
	assert_int_equal(rd(RTC_SECONDS_ALARM), 0xAB);
	assert_int_equal(rd(0x7F), (uint8_t)(0x7F * 7 + 3));
	assert_int_equal(rtc_next_event_ns(&rtc), INT64_MAX);
}

/* Index bit 7 is the NMI mask, kept apart: every byte selects one of the 128 registers. */
static void test_index_and_nmi(void **state)
{
	(void)state;
	wr(0x40, 0x5A);
	uint8_t v = 0xC0; /* index 0x40, NMI masked */
	bus_write(&pio, IDX, &v, 1);
	assert_true(rtc.nmi_masked);
	assert_int_equal(rtc.index, 0x40);
	bus_read(&pio, DAT, &v, 1);
	assert_int_equal(v, 0x5A);
	v = 0xFF;
	bus_write(&pio, IDX, &v, 1);
	assert_int_equal(rtc.index, 0x7F);
	v = 0x8B; /* register B, NMI masked */
	bus_write(&pio, IDX, &v, 1);
	bus_read(&pio, DAT, &v, 1);
	assert_int_equal(v, RTC_B_24H);
	v = 0x0B;
	bus_write(&pio, IDX, &v, 1);
	assert_false(rtc.nmi_masked);
	/* The index port reads as all ones (it is write-only); the index stays. */
	bus_read(&pio, IDX, &v, 1);
	assert_int_equal(v, 0xFF);
	assert_int_equal(rtc.index, 0x0B);
}

/* Wider accesses are byte accesses in address order; the bus refuses what leaves the range. */
static void test_access_sizes(void **state)
{
	(void)state;
	uint16_t w = 0x6640; /* index 0x40, then 0x66 into it */
	assert_non_null(bus_write(&pio, IDX, &w, 2));
	assert_int_equal(rd(0x40), 0x66);
	w = 0;
	assert_non_null(bus_read(&pio, IDX, &w, 2));
	assert_int_equal(w, 0x66FF);
	/* 4 bytes at 0x70 or 2 at 0x71 are not wholly the RTC's: unclaimed, all ones. */
	uint32_t l = 0x12345678;
	assert_null(bus_write(&pio, IDX, &l, 4));
	assert_null(bus_read(&pio, IDX, &l, 4));
	assert_int_equal(l, 0xFFFFFFFF);
	assert_null(bus_write(&pio, DAT, &w, 2));
	assert_int_equal(rd(0x40), 0x66);
	/* Straight through the ops, 8 bytes at either offset: only the two ports act. */
	uint64_t q = 0x1122334455667740ULL;
	rtc_ops.write(&rtc, 0, &q, 8);
	assert_int_equal(rd(0x40), 0x77);
	q = 0;
	rtc_ops.read(&rtc, 0, &q, 8);
	assert_int_equal(q, 0xFFFFFFFFFFFF77FFULL);
	rtc_ops.read(&rtc, 1, &q, 8);
	assert_int_equal(q, 0xFFFFFFFFFFFFFF77ULL);
	rtc_ops.write(&rtc, 1, &q, 8); /* 0x77 to register 0x40 again, the rest dropped */
	assert_int_equal(rd(0x40), 0x77);
	/* String I/O: each element is its own access. */
	uint8_t pairs[4] = {0x41, 0x42, 0x41, 0x42};
	bus_dispatch_string(&pio, bus_find(&pio, IDX, 1), IDX, pairs, 1, 1, true);
	uint8_t vals[3] = {1, 2, 3};
	bus_dispatch_string(&pio, bus_find(&pio, DAT, 1), DAT, vals, 1, 3, true);
	assert_int_equal(rd(0x41), 3);
	assert_string_equal(rtc_ops.reg_name(&rtc, 0, true), "CMOS index");
}

/* Rollovers: a century, and past 9999 (the chip's counters wrap; the century byte too). */
static void test_rollovers(void **state)
{
	(void)state;
	fake_ns = t0(0);
	set_time_bcd(20, 99, 12, 31, 23, 59, 59);
	fake_ns += NS;
	assert_int_equal(rd(RTC_YEAR), 0x00);
	assert_int_equal(rd(RTC_CENTURY), 0x21);
	assert_int_equal(rd(RTC_MONTH), 0x01);
	assert_int_equal(rd(RTC_DAY_OF_MONTH), 0x01);
	assert_int_equal(rd(RTC_DAY_OF_WEEK), 6); /* 2100-01-01: a Friday */
	set_time_bcd(99, 99, 12, 31, 23, 59, 59);
	fake_ns += NS;
	assert_int_equal(rd(RTC_YEAR), 0x00);
	assert_int_equal(rd(RTC_CENTURY), 0x00);
	/* 2100 is no leap year; 2000 was. */
	set_time_bcd(21, 0, 2, 28, 23, 59, 59);
	fake_ns += NS;
	assert_int_equal(rd(RTC_MONTH), 0x03);
	set_time_bcd(20, 0, 2, 28, 23, 59, 59);
	fake_ns += NS;
	assert_int_equal(rd(RTC_MONTH), 0x02);
	assert_int_equal(rd(RTC_DAY_OF_MONTH), 0x29);
}

/* Values the chip never shows are taken arithmetically, or clamped (month, year, century). */
static void test_odd_values(void **state)
{
	(void)state;
	fake_ns = t0(0);
	set_time_bcd(20, 24, 2, 29, 25, 0, 0); /* hour 25: 01:00 the next day */
	assert_int_equal(rd(RTC_HOURS), 0x01);
	assert_int_equal(rd(RTC_DAY_OF_MONTH), 0x01);
	assert_int_equal(rd(RTC_MONTH), 0x03);
	set_time_bcd(20, 24, 13, 1, 0, 0, 0); /* month 13: December */
	assert_int_equal(rd(RTC_MONTH), 0x12);
	/* Bad BCD digits and binary bytes up to 0xFF: no crash, some time within 0000-9999. */
	wr(RTC_REG_B, RTC_B_24H | RTC_B_SET);
	for (unsigned i = 0; i < 10; i++)
		wr((uint8_t)i, 0xFF);
	wr(RTC_CENTURY, 0xFF);
	wr(RTC_REG_B, RTC_B_24H | RTC_B_DM_BINARY);
	assert_true(rd(RTC_MONTH) >= 1 && rd(RTC_MONTH) <= 12);
	assert_true(rd(RTC_CENTURY) <= 99);
	wr(RTC_REG_B, RTC_B_24H | RTC_B_SET);
	wr(RTC_REG_B, RTC_B_24H);
	assert_true(rd(RTC_SECONDS) <= 0x59);
	/* A 12-hour byte of 0 is midnight or noon by its PM bit, as hour 12 is. */
	set_time_bcd(20, 24, 1, 1, 0, 0, 0);
	wr(RTC_REG_B, RTC_B_SET);
	wr(RTC_HOURS, 0x80);
	wr(RTC_REG_B, 0);
	assert_int_equal(rd(RTC_HOURS), 0x92);
}

/* ---- the timer thread, on the real clock ---- */

static atomic_int t_rises, t_level;

static void count_level(void *ctx, unsigned gsi, int l)
{
	(void)ctx;
	(void)gsi;
	if (l && !atomic_load(&t_level))
		atomic_fetch_add(&t_rises, 1);
	atomic_store(&t_level, l);
}

static atomic_int thread_inits;

static void thread_init(void *ctx)
{
	assert_ptr_equal(ctx, &rtc);
	atomic_fetch_add(&thread_inits, 1);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, ms % 1000 * 1000000};
	nanosleep(&ts, NULL);
}

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

static int thread_setup(void **state)
{
	(void)state;
	atomic_store(&t_rises, 0);
	atomic_store(&t_level, 0);
	atomic_store(&thread_inits, 0);
	bus_init(&pio, "pio");
	rtc_init(&rtc, (struct irq_line){.set_level = count_level, .gsi = RTC_IRQ}, NULL);
	assert_int_equal(rtc_register(&rtc, &pio, RTC_PORT), 0);
	struct err err = {{0}};
	assert_int_equal(rtc_start(&rtc, thread_init, &rtc, &err), 0);
	return 0;
}

static int thread_teardown(void **state)
{
	(void)state;
	int64_t t = mono_ns();
	rtc_destroy(&rtc);
	assert_true(mono_ns() - t < 100 * MS); /* joined at once, whatever it was waiting for */
	return 0;
}

/* The host's own time, and the update interrupt within a second, raised by the thread. */
static void test_thread_update_interrupt(void **state)
{
	(void)state;
	no_periodic();
	struct timespec host;
	clock_gettime(CLOCK_REALTIME, &host);
	uint8_t min = rd(RTC_MINUTES);
	unsigned want = ((unsigned)host.tv_sec / 60) % 60;
	assert_true(min == ((want / 10) << 4 | want % 10) ||
		    min == (((want + 1) % 60 / 10) << 4 | (want + 1) % 60 % 10));
	wr(RTC_REG_B, RTC_B_24H | RTC_B_UIE);
	int64_t t = mono_ns();
	while (!atomic_load(&t_level) && mono_ns() - t < 2 * NS)
		sleep_ms(5);
	assert_int_equal(atomic_load(&t_level), 1);
	assert_int_equal(atomic_load(&thread_inits), 1); /* first thing on the thread */
	assert_int_equal(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_UF);
	assert_int_equal(atomic_load(&t_level), 0);
	/* Idle with the line high: the thread does not wake at all. */
	while (!atomic_load(&t_level) && mono_ns() - t < 3 * NS)
		sleep_ms(5);
	unsigned long long w = atomic_load(&rtc.wakeups);
	sleep_ms(1500);
	assert_int_equal(atomic_load(&rtc.wakeups), w);
}

/*
 * 8192 Hz unread: one interrupt, a thread asleep. Then read as a guest's handler would: the
 * thread wakes at most twice per interrupt, and the interrupts come at no more than the rate.
 */
static void test_thread_fast_periodic_does_not_spin(void **state)
{
	(void)state;
	wr(RTC_REG_A, RTC_A_DV_32KHZ | 3);
	wr(RTC_REG_B, RTC_B_24H | RTC_B_PIE);
	sleep_ms(200);
	assert_int_equal(atomic_load(&t_rises), 1);
	unsigned long long w0 = atomic_load(&rtc.wakeups);
	assert_true(w0 <= 3);
	int64_t t = mono_ns();
	unsigned reads = 0;
	while (mono_ns() - t < 200 * MS) {
		if (atomic_load(&t_level)) {
			assert_int_equal(rd(RTC_REG_C) & (RTC_C_IRQF | RTC_C_PF),
					 RTC_C_IRQF | RTC_C_PF);
			reads++;
		}
		sched_yield();
	}
	int rises = atomic_load(&t_rises);
	unsigned long long w = atomic_load(&rtc.wakeups) - w0;
	print_message("  8192 Hz for 200 ms: %d interrupts, %u taken, %llu thread wake-ups\n",
		      rises, reads, w);
	assert_true(rises >= 2 && rises <= 8192 / 5 + 2);
	assert_true(w <= 2ULL * (unsigned)rises + 2);
	/* Stopped while it waits for a deadline: teardown checks the join is prompt. */
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_defaults_bcd_24h),
	    T(test_binary_and_12h),
	    T(test_uip_window),
	    T(test_set_time_offset),
	    T(test_set_freezes),
	    T(test_divider_reset),
	    T(test_linux_set_time),
	    T(test_update_interrupt),
	    T(test_enable_with_flag_pending),
	    T(test_periodic),
	    T(test_alarm),
	    T(test_alarm_across_a_gap),
	    T(test_host_clock_steps),
	    T(test_nvram),
	    T(test_index_and_nmi),
	    T(test_access_sizes),
	    T(test_rollovers),
	    T(test_odd_values),
	    cmocka_unit_test_setup_teardown(test_thread_update_interrupt, thread_setup,
					    thread_teardown),
	    cmocka_unit_test_setup_teardown(test_thread_fast_periodic_does_not_spin, thread_setup,
					    thread_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
