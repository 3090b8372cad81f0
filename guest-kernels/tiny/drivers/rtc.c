#include "drivers/rtc.h"
#include "arch/io.h"

/* Each poll is a VM exit: about 10 us under PVM, so this is seconds, well past 244 us of UIP. */
#define UIP_POLLS 200000

int rtc_find(struct fdt *fdt, const char **why)
{
	int node = fdt_node_by_compatible(fdt, "motorola,mc146818");
	u32 reg[3];

	if (node < 0) {
		*why = "no motorola,mc146818 node in the device tree";
		return -1;
	}
	/* ISA reg = <space port length>, space 1 being I/O. */
	if (fdt_read_cells(fdt, node, "reg", reg, 3) < 3 || reg[0] != 1 ||
	    reg[1] != RTC_INDEX_PORT || reg[2] != 2) {
		*why = "the RTC node is not at I/O 0x70, 2 ports";
		return -1;
	}
	return node;
}

u8 cmos_read(u8 index)
{
	outb(index, RTC_INDEX_PORT);
	return inb(RTC_DATA_PORT);
}

void cmos_write(u8 index, u8 v)
{
	outb(index, RTC_INDEX_PORT);
	outb(v, RTC_DATA_PORT);
}

static unsigned from_bcd(u8 v, bool bin)
{
	return bin ? v : (v >> 4) * 10u + (v & 15u);
}

static u8 to_bcd(unsigned v, bool bin)
{
	return (u8)(bin ? v : (v / 10) << 4 | v % 10);
}

/* The fields as read, in the order mc146818_get_time_callback reads them. */
static void read_fields(u8 sec, u8 *f)
{
	f[0] = sec;
	f[1] = cmos_read(RTC_MINUTES);
	f[2] = cmos_read(RTC_HOURS);
	f[3] = cmos_read(RTC_DAY_OF_MONTH);
	f[4] = cmos_read(RTC_MONTH);
	f[5] = cmos_read(RTC_YEAR);
	f[6] = cmos_read(RTC_CENTURY);
	f[7] = cmos_read(RTC_REG_B);
}

bool rtc_read_time(struct rtc_time *t, unsigned *retries)
{
	u8 f[8];

	*retries = 0;
	for (unsigned i = 0; i < UIP_POLLS; i++) {
		u8 sec = cmos_read(RTC_SECONDS);

		if (cmos_read(RTC_REG_A) & RTC_A_UIP) {
			++*retries;
			continue;
		}
		if (sec != cmos_read(RTC_SECONDS)) {
			++*retries;
			continue;
		}
		read_fields(sec, f);
		/* UIP set now: the values above may be garbage; so may a changed second. */
		if ((cmos_read(RTC_REG_A) & RTC_A_UIP) || sec != cmos_read(RTC_SECONDS)) {
			++*retries;
			continue;
		}
		bool bin = f[7] & RTC_B_DM_BINARY;
		unsigned hour = from_bcd(f[2] & 0x7f, bin);

		if (!(f[7] & RTC_B_24H))
			hour = hour % 12 + (f[2] & 0x80 ? 12 : 0);
		t->sec = from_bcd(f[0], bin);
		t->min = from_bcd(f[1], bin);
		t->hour = hour;
		t->mday = from_bcd(f[3], bin);
		t->mon = from_bcd(f[4], bin);
		t->year = from_bcd(f[6], bin) * 100 + from_bcd(f[5], bin);
		return true;
	}
	return false;
}

void rtc_set_time(const struct rtc_time *t)
{
	u8 b = cmos_read(RTC_REG_B);
	bool bin = b & RTC_B_DM_BINARY;
	unsigned hour = t->hour;
	u8 hour_byte;

	if (b & RTC_B_24H)
		hour_byte = to_bcd(hour, bin);
	else
		hour_byte = (u8)(to_bcd(hour % 12 ? hour % 12 : 12, bin) | (hour >= 12 ? 0x80 : 0));
	cmos_write(RTC_REG_B, b | RTC_B_SET);
	cmos_write(RTC_YEAR, to_bcd(t->year % 100, bin));
	cmos_write(RTC_MONTH, to_bcd(t->mon, bin));
	cmos_write(RTC_DAY_OF_MONTH, to_bcd(t->mday, bin));
	cmos_write(RTC_HOURS, hour_byte);
	cmos_write(RTC_MINUTES, to_bcd(t->min, bin));
	cmos_write(RTC_SECONDS, to_bcd(t->sec, bin));
	cmos_write(RTC_CENTURY, to_bcd(t->year / 100, bin));
	cmos_write(RTC_REG_B, b & (u8)~RTC_B_SET);
}

/* Days since 1970-01-01 (H. Hinnant's algorithm; years from 1 on are enough here). */
static s64 days_from_civil(s64 y, unsigned m, unsigned d)
{
	y -= m <= 2;
	s64 era = y / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (s64)doe - 719468;
}

s64 rtc_time_to_unix(const struct rtc_time *t)
{
	return days_from_civil(t->year, t->mon, t->mday) * 86400 + t->hour * 3600 + t->min * 60 +
	       t->sec;
}

void rtc_unix_to_time(s64 secs, struct rtc_time *t)
{
	s64 z = secs / 86400 + 719468, sod = secs % 86400; /* secs >= 0 */
	s64 era = z / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	t->mday = doy - (153 * mp + 2) / 5 + 1;
	t->mon = mp < 10 ? mp + 3 : mp - 9;
	t->year = (unsigned)((s64)yoe + era * 400 + (t->mon <= 2));
	t->hour = (unsigned)(sod / 3600);
	t->min = (unsigned)(sod / 60 % 60);
	t->sec = (unsigned)(sod % 60);
}
