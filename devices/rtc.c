#include "devices/rtc.h"

#include <errno.h>
#include <string.h>
#include <time.h>

/*
 * Time is counted in ticks of the chip's 32.768 kHz time base: the UIP window (73 ticks) and
 * every periodic rate (a power of two of ticks) are exact in them, and a tick count of any
 * year up to 9999 fits an int64_t easily.
 */
#define TICKS 32768
/*
 * UIP is on for the last 73 ticks of each second: the datasheet's 244 us warning plus the
 * 1984 us update cycle of a 32.768 kHz time base, during which the time registers change. (A
 * window of the 244 us alone is shorter than a few VM exits on a slow host, so a guest that
 * polls A can miss it every second.)
 */
#define UIP_TICKS  73
#define NS_PER_SEC 1000000000LL
#define DAY	   86400

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
	return a - floor_div(a, b) * b;
}

static int64_t ns_to_ticks(int64_t ns)
{
	return floor_div(ns, NS_PER_SEC) * TICKS + floor_mod(ns, NS_PER_SEC) * TICKS / NS_PER_SEC;
}

/* The first ns at or after tick t: ns_to_ticks() of it is t. Saturates (centuries away). */
static int64_t ticks_to_ns(int64_t t)
{
	int64_t s = floor_div(t, TICKS);
	if (s >= INT64_MAX / NS_PER_SEC - 1)
		return INT64_MAX - 1;
	if (s <= INT64_MIN / NS_PER_SEC + 1)
		return INT64_MIN + 1;
	return s * NS_PER_SEC + (floor_mod(t, TICKS) * NS_PER_SEC + TICKS - 1) / TICKS;
}

/* ---- the calendar (proleptic Gregorian, days since 1970-01-01; H. Hinnant's algorithms) ---- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = floor_div(y, 400);
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = floor_div(z, 146097);
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* ---- register formats ---- */

static bool binary(const struct rtc *r)
{
	return r->cmos[RTC_REG_B] & RTC_B_DM_BINARY;
}

/* v is 0-99. */
static uint8_t enc(const struct rtc *r, unsigned v)
{
	return (uint8_t)(binary(r) ? v : (v / 10) << 4 | v % 10);
}

/* Any byte: a BCD digit above 9 counts for what it is (0x1A is 20). */
static unsigned dec(const struct rtc *r, uint8_t b)
{
	return binary(r) ? b : (b >> 4) * 10u + (b & 15u);
}

static uint8_t enc_hour(const struct rtc *r, unsigned h)
{
	if (r->cmos[RTC_REG_B] & RTC_B_24H)
		return enc(r, h);
	unsigned h12 = h % 12 ? h % 12 : 12;
	return (uint8_t)(enc(r, h12) | (h >= 12 ? 0x80 : 0));
}

static unsigned dec_hour(const struct rtc *r, uint8_t b)
{
	if (r->cmos[RTC_REG_B] & RTC_B_24H)
		return dec(r, b);
	return dec(r, b & 0x7F) % 12 + (b & 0x80 ? 12 : 0);
}

static bool is_time_reg(unsigned i)
{
	return i == RTC_SECONDS || i == RTC_MINUTES || i == RTC_HOURS || i == RTC_DAY_OF_WEEK ||
	       i == RTC_DAY_OF_MONTH || i == RTC_MONTH || i == RTC_YEAR || i == RTC_CENTURY;
}

/* The time registers for guest second s, written into cmos (indices as the chip's). */
static void encode_time(const struct rtc *r, int64_t s, uint8_t *cmos)
{
	int64_t days = floor_div(s, DAY), sod = s - days * DAY, y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	y = floor_mod(y, 10000); /* past 9999-12-31 the chip's counters would roll over */
	cmos[RTC_SECONDS] = enc(r, (unsigned)(sod % 60));
	cmos[RTC_MINUTES] = enc(r, (unsigned)(sod / 60 % 60));
	cmos[RTC_HOURS] = enc_hour(r, (unsigned)(sod / 3600));
	cmos[RTC_DAY_OF_WEEK] = (uint8_t)(floor_mod(days + 4, 7) + 1); /* 1970-01-01: Thursday */
	cmos[RTC_DAY_OF_MONTH] = enc(r, d);
	cmos[RTC_MONTH] = enc(r, m);
	cmos[RTC_YEAR] = enc(r, (unsigned)(y % 100));
	cmos[RTC_CENTURY] = enc(r, (unsigned)(y / 100));
}

static unsigned clamp(unsigned v, unsigned lo, unsigned hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* The guest second the time registers in cmos name; see rtc.h for values out of range. */
static int64_t decode_time(const struct rtc *r, const uint8_t *cmos)
{
	int64_t y =
	    clamp(dec(r, cmos[RTC_CENTURY]), 0, 99) * 100 + clamp(dec(r, cmos[RTC_YEAR]), 0, 99);
	unsigned m = clamp(dec(r, cmos[RTC_MONTH]), 1, 12);
	int64_t days = days_from_civil(y, m, 1) + dec(r, cmos[RTC_DAY_OF_MONTH]) - 1;
	return days * DAY + dec_hour(r, cmos[RTC_HOURS]) * 3600 + dec(r, cmos[RTC_MINUTES]) * 60 +
	       dec(r, cmos[RTC_SECONDS]);
}

/* ---- time and events ---- */

static int64_t host_ticks(const struct rtc *r)
{
	return ns_to_ticks(r->clock.now_ns(r->clock.ctx));
}

static bool divider_running(const struct rtc *r)
{
	return (r->cmos[RTC_REG_A] & RTC_A_DV_MASK) == RTC_A_DV_32KHZ;
}

/* The time registers count: the divider runs and SET is clear. */
static bool running(const struct rtc *r)
{
	return divider_running(r) && !(r->cmos[RTC_REG_B] & RTC_B_SET);
}

/* The periodic interrupt's period in ticks (RS 1 and 2 repeat RS 8 and 9), 0 for none. */
static int64_t period(const struct rtc *r)
{
	unsigned rs = r->cmos[RTC_REG_A] & RTC_A_RS_MASK;
	if (!divider_running(r) || rs == 0)
		return 0;
	return rs <= 2 ? (int64_t)64 << rs : (int64_t)1 << (rs - 1);
}

/* The value (0..max-1) whose encoding an alarm byte is, -1 for any, -2 for none. */
static int alarm_value(const struct rtc *r, uint8_t b, unsigned max, bool hour)
{
	if ((b & RTC_ALARM_DONT_CARE) == RTC_ALARM_DONT_CARE)
		return -1;
	for (unsigned v = 0; v < max; v++)
		if ((hour ? enc_hour(r, v) : enc(r, v)) == b)
			return (int)v;
	return -2;
}

/* The first guest second after `after` whose update the alarm matches; INT64_MAX for none. */
static int64_t next_alarm(const struct rtc *r, int64_t after)
{
	int hh = alarm_value(r, r->cmos[RTC_HOURS_ALARM], 24, true);
	int mm = alarm_value(r, r->cmos[RTC_MINUTES_ALARM], 60, false);
	int ss = alarm_value(r, r->cmos[RTC_SECONDS_ALARM], 60, false);
	if (hh == -2 || mm == -2 || ss == -2)
		return INT64_MAX;
	int64_t start = after + 1, day = floor_div(start, DAY);
	int64_t sod = start - day * DAY;
	/* Each minute from the start's, a day and a bit: the first that matches. */
	for (int64_t min = sod / 60; min < sod / 60 + 24 * 60 + 1; min++) {
		int64_t h = min / 60 % 24, mi = min % 60;
		if ((hh >= 0 && h != hh) || (mm >= 0 && mi != mm))
			continue;
		int64_t s = day * DAY + min * 60 + (ss >= 0 ? ss : 0);
		if (s < start && ss < 0)
			s = start; /* any second: the first one left in this minute */
		if (s >= start)
			return s;
	}
	return INT64_MAX;
}

static void update_line(struct rtc *r)
{
	bool level = r->flags & r->cmos[RTC_REG_B] & (RTC_C_PF | RTC_C_AF | RTC_C_UF);
	if (level == r->irq_level)
		return;
	r->irq_level = level;
	if (level)
		atomic_fetch_add(&r->irqs, 1);
	irq_line_set(&r->irq, level);
}

/* Accounts for every event between r->seen and the host tick `host`, and drives the line. */
static void advance(struct rtc *r, int64_t host)
{
	int64_t now = host + r->offset;
	if (now > r->seen) {
		int64_t p = period(r);
		if (p && floor_div(now, p) > floor_div(r->seen, p))
			r->flags |= RTC_C_PF;
		int64_t s0 = floor_div(r->seen, TICKS), s1 = floor_div(now, TICKS);
		if (running(r) && s1 > s0) {
			r->flags |= RTC_C_UF;
			if (next_alarm(r, s0) <= s1)
				r->flags |= RTC_C_AF;
		}
	}
	r->seen = now; /* also when the host clock went back: events resume from here */
	update_line(r);
}

/* The guest tick of the next event that would raise the line, INT64_MAX for none. */
static int64_t next_event_tick(const struct rtc *r)
{
	if (r->irq_level)
		return INT64_MAX; /* nothing can happen until the guest reads C */
	uint8_t b = r->cmos[RTC_REG_B];
	int64_t next = INT64_MAX, p = period(r), sec = floor_div(r->seen, TICKS);
	if ((b & RTC_B_PIE) && p)
		next = (floor_div(r->seen, p) + 1) * p;
	if (running(r) && (b & RTC_B_UIE) && (sec + 1) * TICKS < next)
		next = (sec + 1) * TICKS;
	if (running(r) && (b & RTC_B_AIE)) {
		int64_t s = next_alarm(r, sec);
		if (s != INT64_MAX && s * TICKS < next)
			next = s * TICKS;
	}
	return next;
}

static int64_t next_event_ns_locked(const struct rtc *r)
{
	int64_t t = next_event_tick(r);
	return t == INT64_MAX ? INT64_MAX : ticks_to_ns(t - r->offset);
}

/* After a change to what the thread waits for: wake it if it would now sleep too long. */
static void rearm(struct rtc *r)
{
	if (r->started && next_event_ns_locked(r) < r->thread_deadline)
		pthread_cond_signal(&r->wake);
}

/* The guest's clock is now at guest tick t (host tick `host`); no event for the jump. */
static void set_clock(struct rtc *r, int64_t host, int64_t t)
{
	r->offset = t - host;
	r->seen = t;
}

/*
 * After a write to A or B: a clock that stopped keeps showing its time in the registers; one
 * that starts again counts on from them, keeping its phase within the second, or half a second
 * before the first update when the divider was stopped (as the chip's datasheet says).
 */
static void restart_or_freeze(struct rtc *r, int64_t host, bool was_running, bool divider_was)
{
	bool now_running = running(r);
	int64_t t = host + r->offset;
	if (was_running && !now_running) {
		encode_time(r, floor_div(t, TICKS), r->cmos);
	} else if (!was_running && now_running) {
		int64_t phase = divider_was ? floor_mod(t, TICKS) : TICKS / 2;
		set_clock(r, host, decode_time(r, r->cmos) * TICKS + phase);
	}
}

/* ---- the registers ---- */

static uint8_t read_data(struct rtc *r)
{
	unsigned i = r->index;
	int64_t host = host_ticks(r);
	switch (i) {
	case RTC_REG_A: {
		int64_t t = host + r->offset;
		bool uip = running(r) && floor_mod(t, TICKS) >= TICKS - UIP_TICKS;
		return (uint8_t)((r->cmos[RTC_REG_A] & ~RTC_A_UIP) | (uip ? RTC_A_UIP : 0));
	}
	case RTC_REG_C: {
		advance(r, host);
		uint8_t v = r->flags | (r->irq_level ? RTC_C_IRQF : 0);
		r->flags = 0;
		update_line(r);
		rearm(r);
		return v;
	}
	case RTC_REG_D:
		return RTC_D_VRT;
	default:
		if (is_time_reg(i) && running(r)) {
			uint8_t now[RTC_CMOS_SIZE];
			encode_time(r, floor_div(host + r->offset, TICKS), now);
			return now[i];
		}
		return r->cmos[i];
	}
}

static void write_data(struct rtc *r, uint8_t v)
{
	unsigned i = r->index;
	int64_t host = host_ticks(r);
	advance(r, host); /* events up to now count under the old settings */
	bool was_running = running(r), divider_was = divider_running(r);
	switch (i) {
	case RTC_REG_A:
		r->cmos[i] = v & (uint8_t)~RTC_A_UIP; /* UIP is read-only */
		restart_or_freeze(r, host, was_running, divider_was);
		break;
	case RTC_REG_B:
		if (v & RTC_B_SET)
			v &= (uint8_t)~RTC_B_UIE; /* as the chip does */
		r->cmos[i] = v;
		restart_or_freeze(r, host, was_running, divider_was);
		break;
	case RTC_REG_C:
	case RTC_REG_D:
		return; /* read-only */
	default:
		if (is_time_reg(i) && was_running) {
			/* The clock keeps running from the new value, in the same phase. */
			int64_t t = host + r->offset;
			uint8_t now[RTC_CMOS_SIZE];
			encode_time(r, floor_div(t, TICKS), now);
			now[i] = v;
			set_clock(r, host, decode_time(r, now) * TICKS + floor_mod(t, TICKS));
		} else {
			r->cmos[i] = v;
		}
		if (i >= RTC_NVRAM_START && !is_time_reg(i))
			return; /* plain storage: nothing to re-time */
		break;
	}
	update_line(r);
	rearm(r);
}

/* Each byte of an access is its own access to the port it falls on, in address order. */
static void rtc_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
	struct rtc *r = opaque;
	uint8_t *d = data;
	pthread_mutex_lock(&r->lock);
	for (unsigned k = 0; k < size; k++) {
		uint64_t port = offset + k;
		/* The index port is write-only: reads float high, as QEMU's do. */
		d[k] = port == 1 ? read_data(r) : 0xFF;
	}
	pthread_mutex_unlock(&r->lock);
}

static void rtc_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
	struct rtc *r = opaque;
	const uint8_t *d = data;
	pthread_mutex_lock(&r->lock);
	for (unsigned k = 0; k < size; k++) {
		uint64_t port = offset + k;
		if (port == 0) {
			r->index = d[k] & 0x7F;
			r->nmi_masked = d[k] & 0x80;
		} else if (port == 1) {
			write_data(r, d[k]);
		}
	}
	pthread_mutex_unlock(&r->lock);
}

static const char *rtc_reg_name(void *opaque, uint64_t offset, bool write)
{
	(void)opaque;
	(void)write;
	return offset == 0 ? "CMOS index" : "CMOS data";
}

const struct bus_device_ops rtc_ops = {
    .read = rtc_read,
    .write = rtc_write,
    .reg_name = rtc_reg_name,
};

/* ---- set-up, the timer thread ---- */

static int64_t host_realtime_ns(void *ctx)
{
	(void)ctx;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

void rtc_init(struct rtc *r, struct irq_line irq, const struct rtc_clock *clock)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->wake, &ca);
	pthread_condattr_destroy(&ca);
	r->irq = irq;
	r->clock = clock ? *clock : (struct rtc_clock){.now_ns = host_realtime_ns};
	r->cmos[RTC_REG_A] = RTC_A_DEFAULT;
	r->cmos[RTC_REG_B] = RTC_B_DEFAULT;
	r->seen = host_ticks(r);
	r->thread_deadline = INT64_MAX;
	atomic_init(&r->irqs, 0);
	atomic_init(&r->wakeups, 0);
}

int rtc_register(struct rtc *r, struct bus *pio, uint64_t base)
{
	return bus_register(pio, base, RTC_NPORTS, "rtc", &rtc_ops, r);
}

static void *rtc_thread(void *arg)
{
	struct rtc *r = arg;
	if (r->thread_init)
		r->thread_init(r->thread_ctx);
	pthread_mutex_lock(&r->lock);
	r->initialised = true;
	pthread_cond_broadcast(&r->wake); /* rtc_start waits for it */
	while (!r->stop) {
		int64_t now = r->clock.now_ns(r->clock.ctx);
		advance(r, ns_to_ticks(now));
		int64_t next = next_event_ns_locked(r);
		r->thread_deadline = next;
		atomic_fetch_add(&r->wakeups, 1);
		if (next == INT64_MAX) {
			pthread_cond_wait(&r->wake, &r->lock);
			continue;
		}
		/* A deadline on the monotonic clock: a host clock step costs one early wake-up. */
		int64_t wait = next > now ? next - now : 0;
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		int64_t ns = ts.tv_nsec + wait % NS_PER_SEC;
		ts.tv_sec += (time_t)(wait / NS_PER_SEC + ns / NS_PER_SEC);
		ts.tv_nsec = (long)(ns % NS_PER_SEC);
		pthread_cond_timedwait(&r->wake, &r->lock, &ts);
	}
	r->thread_deadline = INT64_MAX;
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

int rtc_start(struct rtc *r, void (*thread_init)(void *ctx), void *ctx, struct err *err)
{
	r->thread_init = thread_init;
	r->thread_ctx = ctx;
	int rc = pthread_create(&r->thread, NULL, rtc_thread, r);
	if (rc)
		return err_set(err, "cannot start the RTC's timer thread: %s", strerror(rc));
	/* Not before it has run thread_init: confined before the guest runs, as every thread. */
	pthread_mutex_lock(&r->lock);
	r->started = true;
	while (!r->initialised)
		pthread_cond_wait(&r->wake, &r->lock);
	pthread_mutex_unlock(&r->lock);
	return 0;
}

void rtc_destroy(struct rtc *r)
{
	pthread_mutex_lock(&r->lock);
	bool started = r->started;
	r->stop = true;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
	if (started)
		pthread_join(r->thread, NULL);
	r->started = false;
	pthread_cond_destroy(&r->wake);
	pthread_mutex_destroy(&r->lock);
}

void rtc_poll(struct rtc *r)
{
	pthread_mutex_lock(&r->lock);
	advance(r, host_ticks(r));
	pthread_mutex_unlock(&r->lock);
}

int64_t rtc_next_event_ns(struct rtc *r)
{
	pthread_mutex_lock(&r->lock);
	int64_t ns = next_event_ns_locked(r);
	pthread_mutex_unlock(&r->lock);
	return ns;
}

int64_t rtc_offset_seconds(const struct rtc *r)
{
	pthread_mutex_t *lock = (pthread_mutex_t *)&r->lock; /* reading, under the lock */
	pthread_mutex_lock(lock);
	int64_t s = floor_div(r->offset, TICKS);
	pthread_mutex_unlock(lock);
	return s;
}
