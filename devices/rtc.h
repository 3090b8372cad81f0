/*
 * An MC146818 CMOS real-time clock, as every PC has one: an index port (bit 7 of the byte
 * written there is the NMI mask, stored and otherwise ignored) and a data port reaching 128
 * bytes of CMOS (platform/layout.h: RTC_PORT, RTC_IRQ).
 *
 * - The time registers (seconds, minutes, hours, day of week, day of month, month, year, and
 *   the century at 0x32, as ACPI's FADT names it) show the host's CLOCK_REALTIME in UTC plus
 *   an offset, in BCD or binary and in 12- or 24-hour form as register B selects. A guest's
 *   write to them moves only that offset, for this run; the host clock is never touched.
 * - Register A: UIP is set for the 244 us (8 cycles of the 32.768 kHz time base) before
 *   each second's update, as the chip does; the divider bits DV (only 010 runs the clock; 11x
 *   holds it in reset, and the first update then comes 500 ms after it is released) and the
 *   periodic rate RS are stored.
 * - Register B: SET freezes the time registers (they keep what they showed, and take writes)
 *   until it is cleared, and clears UIE; PIE, AIE and UIE enable the interrupts; DM and 24/12
 *   select the format; SQWE and DSE are stored only.
 * - Register C: PF, AF and UF are set by the periodic tick, an alarm match (a hour, minute or
 *   second alarm byte of 0xC0-0xFF matches anything) and every update; IRQF when an enabled
 *   flag is set. Reading C returns and clears them all and lowers the line. Register D
 *   reads 0x80 (VRT: the battery is good).
 * - 0x0E-0x7F (114 bytes, the century among them) are plain storage, zero at start.
 *
 * The interrupt line (an ISA edge) is high while IRQF is set, as the chip's IRQ pin is low;
 * so however fast the periodic rate, at most one event is ever pending. Time is kept lazily:
 * the flags are brought up to date whenever the guest touches a register that depends on
 * them, and a timer thread (rtc_start) does so when an enabled interrupt is due. That thread
 * sleeps until the next event that can raise the line, and not at all while the line is
 * high or no interrupt is enabled, so even at 8192 Hz it wakes at most twice per interrupt
 * the guest takes. Time values the chip would not produce (hour 25, month 13, a BCD digit
 * above 9) are taken arithmetically when the clock restarts from them (hour 24 is the next
 * day's midnight); month is clamped to 1-12, year and century to 0-99. The day of week is
 * derived from the date (1 = Sunday). Out-of-range is impossible for the index: it is 7 bits.
 */
#ifndef KVMINI_RTC_H
#define KVMINI_RTC_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/machine.h"
#include "devices/bus.h"

#define RTC_NPORTS    2 /* index, data */
#define RTC_CMOS_SIZE 128

/* CMOS offsets (names after Linux's mc146818rtc.h). */
enum {
	RTC_SECONDS = 0x00,
	RTC_SECONDS_ALARM = 0x01,
	RTC_MINUTES = 0x02,
	RTC_MINUTES_ALARM = 0x03,
	RTC_HOURS = 0x04,
	RTC_HOURS_ALARM = 0x05,
	RTC_DAY_OF_WEEK = 0x06,
	RTC_DAY_OF_MONTH = 0x07,
	RTC_MONTH = 0x08,
	RTC_YEAR = 0x09,
	RTC_REG_A = 0x0A,
	RTC_REG_B = 0x0B,
	RTC_REG_C = 0x0C,
	RTC_REG_D = 0x0D,
	RTC_NVRAM_START = 0x0E,
	RTC_CENTURY = 0x32,
};

#define RTC_A_UIP	0x80
#define RTC_A_DV_MASK	0x70
#define RTC_A_DV_32KHZ	0x20 /* the one time base that keeps time */
#define RTC_A_RS_MASK	0x0F
#define RTC_B_SET	0x80
#define RTC_B_PIE	0x40
#define RTC_B_AIE	0x20
#define RTC_B_UIE	0x10
#define RTC_B_SQWE	0x08
#define RTC_B_DM_BINARY 0x04
#define RTC_B_24H	0x02
#define RTC_B_DSE	0x01
#define RTC_C_IRQF	0x80
#define RTC_C_PF	0x40
#define RTC_C_AF	0x20
#define RTC_C_UF	0x10
#define RTC_D_VRT	0x80

#define RTC_ALARM_DONT_CARE 0xC0 /* an alarm byte with both top bits set matches anything */

/* What a BIOS leaves: 32.768 kHz, 1024 Hz periodic rate; 24-hour BCD, no interrupts. */
#define RTC_A_DEFAULT 0x26
#define RTC_B_DEFAULT RTC_B_24H

/* The host clock the RTC follows: ns since the epoch, UTC (CLOCK_REALTIME). Tests inject one. */
struct rtc_clock {
	int64_t (*now_ns)(void *ctx);
	void *ctx;
};

struct rtc {
	pthread_mutex_t lock;
	pthread_cond_t wake; /* the timer thread's; CLOCK_MONOTONIC */
	struct irq_line irq;
	struct rtc_clock clock;

	uint8_t index; /* 0-127 */
	bool nmi_masked;
	/* Stored bytes. The time registers here count only while the clock is stopped (SET, or
	 * the divider not running); registers C and D are not stored. */
	uint8_t cmos[RTC_CMOS_SIZE];
	int64_t offset; /* guest time minus host time, in 32.768 kHz ticks */
	int64_t seen;	/* the guest tick up to which the flags account for every event */
	uint8_t flags;	/* PF, AF, UF */
	bool irq_level;

	pthread_t thread;
	bool started, initialised, stop; /* initialised: the thread has run thread_init */
	int64_t thread_deadline; /* host ns the thread sleeps until; INT64_MAX: until woken */
	void (*thread_init)(void *ctx);
	void *thread_ctx;

	atomic_ullong irqs;    /* rising edges of the line */
	atomic_ullong wakeups; /* passes of the timer thread */
};

extern const struct bus_device_ops rtc_ops;

/* clock NULL: the host's CLOCK_REALTIME. */
void rtc_init(struct rtc *r, struct irq_line irq, const struct rtc_clock *clock);
/* The index and data ports, RTC_NPORTS from base. */
int rtc_register(struct rtc *r, struct bus *pio, uint64_t base);

/*
 * Starts the timer thread, which first calls thread_init(ctx) (the sandbox) if given, and
 * returns once it has. Without the thread, interrupts are only raised when the guest touches
 * the device or rtc_poll runs.
 */
int rtc_start(struct rtc *r, void (*thread_init)(void *ctx), void *ctx, struct err *err);
/* Stops and joins the thread, if started. */
void rtc_destroy(struct rtc *r);

/* Brings the flags and the line up to the clock: what the timer thread does when it wakes. */
void rtc_poll(struct rtc *r);
/* When, in host CLOCK_REALTIME ns, the line may next rise by itself; INT64_MAX for never. */
int64_t rtc_next_event_ns(struct rtc *r);
/* The guest's clock minus the host's, in whole seconds (rounded toward minus infinity). */
int64_t rtc_offset_seconds(const struct rtc *r);

#endif
