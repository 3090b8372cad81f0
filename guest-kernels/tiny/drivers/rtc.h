/*
 * The PC's MC146818 CMOS RTC, driven as Linux's rtc-cmos and mc146818 library drive it: the
 * index port, then the data port; the time read only while UIP is clear, and re-read when
 * the seconds changed under the reader (mc146818_avoid_UIP); the time set between SET and its
 * clearing, in whatever format register B selects. The node ("motorola,mc146818") gives the
 * ports, which must be the PC's, and the interrupt.
 */
#ifndef TINY_DRIVERS_RTC_H
#define TINY_DRIVERS_RTC_H

#include "lib/fdt.h"
#include "lib/types.h"

#define RTC_INDEX_PORT 0x70
#define RTC_DATA_PORT  0x71

#define RTC_SECONDS	  0x00
#define RTC_SECONDS_ALARM 0x01
#define RTC_MINUTES	  0x02
#define RTC_MINUTES_ALARM 0x03
#define RTC_HOURS	  0x04
#define RTC_HOURS_ALARM	  0x05
#define RTC_DAY_OF_MONTH  0x07
#define RTC_MONTH	  0x08
#define RTC_YEAR	  0x09
#define RTC_REG_A	  0x0a
#define RTC_REG_B	  0x0b
#define RTC_REG_C	  0x0c
#define RTC_REG_D	  0x0d
#define RTC_CENTURY	  0x32 /* as kvmini's FADT names it */

#define RTC_A_UIP	0x80
#define RTC_B_SET	0x80
#define RTC_B_PIE	0x40
#define RTC_B_AIE	0x20
#define RTC_B_UIE	0x10
#define RTC_B_DM_BINARY 0x04
#define RTC_B_24H	0x02
#define RTC_C_IRQF	0x80
#define RTC_C_PF	0x40
#define RTC_C_AF	0x20
#define RTC_C_UF	0x10
#define RTC_D_VRT	0x80
#define RTC_ALARM_ANY	0xff

struct rtc_time {
	unsigned year, mon, mday, hour, min, sec; /* full year, month 1-12 */
};

/* The node of the RTC, or -1 with *why set: none, or not at I/O 0x70 with two ports. */
int rtc_find(struct fdt *fdt, const char **why);

u8 cmos_read(u8 index);
void cmos_write(u8 index, u8 v);

/*
 * The time, in either format and either hour mode, read between UIP checks as Linux does.
 * Returns false if UIP never cleared (after many polls). *retries: the reads begun again.
 */
bool rtc_read_time(struct rtc_time *t, unsigned *retries);

/* Sets the time in the format register B selects: SET, the fields, SET cleared. */
void rtc_set_time(const struct rtc_time *t);

s64 rtc_time_to_unix(const struct rtc_time *t);
void rtc_unix_to_time(s64 secs, struct rtc_time *t);

#endif
