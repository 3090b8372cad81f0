/*
 * test=rtc [now=UNIX_SECONDS] [slack=S] [watchdog=MS]: the CMOS RTC ("motorola,mc146818" in
 * the device tree), driven as Linux's rtc-cmos drives it. Each check prints `rtc: CHECK: ok
 * (WHAT)` or `rtc: CHECK: FAIL (WHY)`, then `rtc: N/M checks ok`; exit 0 only if all are ok.
 *
 * - dt: the node is at I/O 0x70 (2 ports) and interrupts on IOAPIC pin 8, an edge;
 * - regs: a BIOS's settings: A 0x26 (32.768 kHz, 1024 Hz), B 0x02 (24-hour BCD), D 0x80;
 * - read-bcd: the time, read between UIP checks, is the host's `now=` (UTC) to within
 *   -2..+slack seconds (default 10);
 * - uip: UIP comes on before an update and the seconds change only once it is off again;
 * - binary: BCD, 24-hour binary and 12-hour binary read back to back name the same time;
 * - set-time: 2001-09-09 01:46:40 set under SET reads back;
 * - nvram: 0x0e-0x7f (less the century at 0x32) hold what was written; the century is 20;
 * - uie-irq: the update-ended interrupt arrives through the IOAPIC, C shows IRQF and UF and
 *   reading it lowers the line (one interrupt per update);
 * - offset-kept: the clock runs on from the time set;
 * - alarm-irq: an alarm two seconds ahead, hour and minute "don't care", interrupts with AF.
 *
 * The guest leaves the clock set to 2001: kvmini's --verbose report shows the offset, and the
 * host's own clock is untouched (the integration test checks both).
 */
#include "scenarios/scenario.h"
#include "arch/apic.h"
#include "arch/irq.h"
#include "boot/boot.h"
#include "drivers/rtc.h"
#include "drivers/watchdog.h"
#include "lib/cmdline.h"
#include "lib/printf.h"

#define SET_TIME 1000000000 /* 2001-09-09 01:46:40 UTC */

static unsigned checks, passed;
static volatile unsigned irqs;
static volatile u8 last_c;

static void result(const char *check, bool ok, const char *what)
{
	checks++;
	passed += ok;
	printf("rtc: %s: %s (%s)\n", check, ok ? "ok" : "FAIL", what);
}

/* As rtc-cmos's cmos_interrupt: read C (which clears it and lowers the line). */
static void rtc_irq(void *ctx)
{
	(void)ctx;
	last_c = cmos_read(RTC_REG_C);
	irqs++;
}

static bool read_unix(s64 *secs, unsigned *retries)
{
	struct rtc_time t;

	if (!rtc_read_time(&t, retries))
		return false;
	*secs = rtc_time_to_unix(&t);
	return true;
}

static void fmt_time(char *buf, size_t size, s64 secs)
{
	struct rtc_time t;

	rtc_unix_to_time(secs, &t);
	snprintf(buf, size, "%04u-%02u-%02u %02u:%02u:%02u UTC", t.year, t.mon, t.mday, t.hour,
		 t.min, t.sec);
}

static void check_dt(struct fdt *fdt, int node)
{
	u32 irq[2];
	char why[96];
	bool ok = fdt_read_cells(fdt, node, "interrupts", irq, 2) == 2 && irq[0] == 8 &&
		  irq[1] == DT_IRQ_EDGE_RISING;

	snprintf(why, sizeof(why), "%s: I/O 0x70, 2 ports, interrupts <%u %u>",
		 fdt_node_name(fdt, node), ok ? irq[0] : 0, ok ? irq[1] : 0);
	result("dt", ok, why);
}

static void check_regs(void)
{
	u8 a = cmos_read(RTC_REG_A) & (u8)~RTC_A_UIP, b = cmos_read(RTC_REG_B);
	u8 d = cmos_read(RTC_REG_D);
	char why[64];

	snprintf(why, sizeof(why), "A 0x%x, B 0x%x, D 0x%x", a, b, d);
	result("regs", a == 0x26 && b == RTC_B_24H && d == RTC_D_VRT, why);
}

static void check_read_bcd(bool have_now, u64 now, u64 slack)
{
	s64 t = 0;
	unsigned retries;
	char why[120], when[40];

	if (!read_unix(&t, &retries)) {
		result("read-bcd", false, "UIP never cleared");
		return;
	}
	fmt_time(when, sizeof(when), t);
	if (!have_now) {
		snprintf(why, sizeof(why), "%s; not compared: no now= given", when);
		result("read-bcd", true, why);
		return;
	}
	s64 diff = t - (s64)now;

	snprintf(why, sizeof(why), "%s, now%s%lld s, %u UIP retries", when, diff < 0 ? "" : "+",
		 (long long)diff, retries);
	result("read-bcd", diff >= -2 && diff <= (s64)slack, why);
}

/*
 * Polls A until UIP is on, then until it is off again: the seconds change at that point. UIP is
 * on for 2.2 ms of each second, and each poll here is four VM exits: on a host where exits are
 * slow, a poll can step over the window. So up to three updates are watched; one that went by
 * unseen is reported, not failed.
 */
static void check_uip(void)
{
	unsigned polls = 0, high = 0, unseen = 0;
	u8 before = 0, after = 0;
	char why[112];

	for (unsigned update = 0; update < 3 && !high; update++) {
		u8 start = cmos_read(RTC_SECONDS);
		bool on = false;
		while (!on && polls < 1200000) {
			polls++;
			before = cmos_read(RTC_SECONDS);
			on = cmos_read(RTC_REG_A) & RTC_A_UIP;
			if (!on && before != start)
				break; /* this update went by between two polls */
		}
		if (!on) {
			unseen++;
			continue;
		}
		while (polls < 2400000 && (cmos_read(RTC_REG_A) & RTC_A_UIP)) {
			polls++;
			high++;
		}
		after = cmos_read(RTC_SECONDS);
	}
	unsigned b = (before >> 4) * 10u + (before & 15u), a = (after >> 4) * 10u + (after & 15u);
	bool ok = high > 0 && a == (b + 1) % 60;

	snprintf(why, sizeof(why), "UIP seen on %u reads; seconds %u -> %u across it; %u unseen",
		 high, b, a, unseen);
	result("uip", ok, why);
}

/* The same time in BCD, then 24-hour binary, then 12-hour binary, read back to back. */
static void check_binary(void)
{
	s64 t1 = 0, t2 = 0, t3 = 0;
	unsigned retries;
	char why[120];
	bool ok = read_unix(&t1, &retries);

	cmos_write(RTC_REG_B, RTC_B_24H | RTC_B_DM_BINARY);
	ok = ok && read_unix(&t2, &retries);
	u8 sec = cmos_read(RTC_SECONDS);

	/* 12-hour binary: hour byte 1-12 with the PM bit. */
	cmos_write(RTC_REG_B, RTC_B_DM_BINARY);
	u8 hour = cmos_read(RTC_HOURS);
	ok = ok && read_unix(&t3, &retries);
	cmos_write(RTC_REG_B, RTC_B_24H | RTC_B_DM_BINARY);
	unsigned h24 = (unsigned)(t3 % 86400 / 3600);
	bool hour_ok = (hour & 0x7f) >= 1 && (hour & 0x7f) <= 12 && !!(hour & 0x80) == (h24 >= 12);

	ok = ok && sec < 60 && t2 - t1 >= 0 && t2 - t1 <= 2 && t3 - t2 >= 0 && t3 - t2 <= 2;
	snprintf(why, sizeof(why), "24-hour binary +%lld s, 12-hour binary +%lld s, hour byte 0x%x",
		 (long long)(t2 - t1), (long long)(t3 - t1), hour);
	result("binary", ok && hour_ok, why);
}

static void check_set_time(void)
{
	struct rtc_time t;
	s64 got = 0;
	unsigned retries;
	char why[96], when[40];

	rtc_unix_to_time(SET_TIME, &t);
	rtc_set_time(&t);
	bool ok = read_unix(&got, &retries);

	fmt_time(when, sizeof(when), got);
	snprintf(why, sizeof(why), "set 2001-09-09 01:46:40 UTC, read %s", when);
	result("set-time", ok && got >= SET_TIME && got <= SET_TIME + 2, why);
}

static void check_nvram(void)
{
	unsigned bad = 0;
	char why[96];

	for (unsigned i = 0x0e; i < 0x80; i++)
		if (i != RTC_CENTURY)
			cmos_write((u8)i, (u8)(i * 7 + 3));
	for (unsigned i = 0x0e; i < 0x80; i++)
		if (i != RTC_CENTURY && cmos_read((u8)i) != (u8)(i * 7 + 3))
			bad++;
	u8 century = cmos_read(RTC_CENTURY);

	snprintf(why, sizeof(why), "113 bytes written and read back, %u wrong; century %u", bad,
		 century);
	result("nvram", bad == 0 && century == 20, why);
}

/* Waits, asleep, for the next interrupt: false if the watchdog fired first. */
static bool wait_irq(unsigned seen, u32 ms)
{
	if (watchdog_arm(ms))
		return false;
	wait_event(irqs != seen || watchdog_fired());
	watchdog_stop();
	return irqs != seen;
}

static void check_uie(void)
{
	char why[96];

	(void)cmos_read(RTC_REG_C); /* flags of updates gone by: an enable would raise at once */
	unsigned seen = irqs;
	cmos_write(RTC_REG_B, RTC_B_24H | RTC_B_DM_BINARY | RTC_B_UIE);
	bool got = wait_irq(seen, 3000);
	u8 c = last_c;
	/* Another update, another interrupt: the handler's read of C lowered the line. */
	bool again = got && wait_irq(irqs, 3000);

	cmos_write(RTC_REG_B, RTC_B_24H | RTC_B_DM_BINARY);
	snprintf(why, sizeof(why), "%u interrupt(s), C 0x%x", irqs - seen, c);
	result("uie-irq", got && again && (c & (RTC_C_IRQF | RTC_C_UF)) == (RTC_C_IRQF | RTC_C_UF),
	       why);
}

static void check_offset_kept(void)
{
	s64 t = 0;
	unsigned retries;
	char why[96], when[40];
	bool ok = read_unix(&t, &retries);

	fmt_time(when, sizeof(when), t);
	snprintf(why, sizeof(why), "%s, %lld s after the time set", when,
		 (long long)(t - SET_TIME));
	result("offset-kept", ok && t >= SET_TIME + 1 && t <= SET_TIME + 15, why);
}

static void check_alarm(void)
{
	char why[96];
	u8 sec = cmos_read(RTC_SECONDS); /* binary */
	u8 when = (u8)((sec + 2) % 60);

	cmos_write(RTC_HOURS_ALARM, RTC_ALARM_ANY);
	cmos_write(RTC_MINUTES_ALARM, RTC_ALARM_ANY);
	cmos_write(RTC_SECONDS_ALARM, when);
	(void)cmos_read(RTC_REG_C);
	unsigned seen = irqs;
	cmos_write(RTC_REG_B, RTC_B_24H | RTC_B_DM_BINARY | RTC_B_AIE);
	bool got = wait_irq(seen, 4000);
	u8 c = last_c, at = cmos_read(RTC_SECONDS);

	cmos_write(RTC_REG_B, RTC_B_24H | RTC_B_DM_BINARY);
	snprintf(why, sizeof(why), "alarm at second %u, interrupt at %u, C 0x%x", when, at, c);
	result("alarm-irq",
	       got && (c & (RTC_C_IRQF | RTC_C_AF)) == (RTC_C_IRQF | RTC_C_AF) &&
		   (at == when || at == (when + 1) % 60),
	       why);
}

int scenario_rtc(struct boot_params *bp)
{
	u64 now = 0, slack = 10;
	int rc = cmdline_get_u64("now", &now);
	bool have_now = rc >= 0;

	if ((rc < 0 && rc != -1) || cmdline_get_u64("slack", &slack) < -1) {
		printf("rtc: bad now= or slack= (want a number)\n");
		return 1;
	}
	struct fdt fdt;
	const char *err = boot_dt(bp, &fdt);
	int node = -1;

	if (!err)
		err = apic_init(&fdt);
	if (!err)
		node = rtc_find(&fdt, &err);
	if (!err)
		err = irq_request_dt(&fdt, node, rtc_irq, NULL);
	if (err) {
		printf("rtc: %s\n", err);
		return 1;
	}
	check_dt(&fdt, node);
	check_regs();
	check_read_bcd(have_now, now, slack);
	check_uip();
	check_binary();
	check_set_time();
	check_nvram();
	check_uie();
	check_offset_kept();
	check_alarm();
	printf("rtc: %u/%u checks ok\n", passed, checks);
	return passed == checks ? 0 : 1;
}
