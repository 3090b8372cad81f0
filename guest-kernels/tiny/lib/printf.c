#include "lib/printf.h"
#include "lib/string.h"
#include "drivers/uart.h"

/* Where formatted characters go: the UART, or a bounded buffer for snprintf. */
struct sink {
	char *buf;
	size_t size;
	size_t len;
};

static void emit(struct sink *s, char c)
{
	if (!s->buf)
		uart_putc(c);
	else if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

static void emit_padded(struct sink *s, const char *str, size_t len, int width, bool left, char pad)
{
	int fill = width > (int)len ? width - (int)len : 0;

	/* Zero padding goes after a sign so "-0042" comes out, not "00-42". */
	if (pad == '0' && len && str[0] == '-') {
		emit(s, '-');
		str++;
		len--;
	}
	if (!left) {
		while (fill-- > 0)
			emit(s, pad);
	}
	while (len--)
		emit(s, *str++);
	while (fill-- > 0)
		emit(s, ' ');
}

/* Formats v into the end of buf[24] and returns where the digits start. */
static char *format_u64(char *end, u64 v, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";

	*--end = '\0';
	do {
		*--end = digits[v % base];
		v /= base;
	} while (v);
	return end;
}

static void format(struct sink *s, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			emit(s, *fmt);
			continue;
		}
		fmt++;

		bool left = false;
		char pad = ' ';
		for (;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '0')
				pad = '0';
			else
				break;
		}
		if (left)
			pad = ' ';

		int width = 0;
		if (*fmt == '*') {
			width = va_arg(ap, int);
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');

		int longs = 0;
		while (*fmt == 'l') {
			longs++;
			fmt++;
		}
		if (*fmt == 'z') {
			longs = 1;
			fmt++;
		}

		char tmp[24];
		char *str;
		u64 v;
		switch (*fmt) {
		case 'c':
			tmp[0] = (char)va_arg(ap, int);
			emit_padded(s, tmp, 1, width, left, ' ');
			break;
		case 's':
			str = va_arg(ap, char *);
			if (!str)
				str = "(null)";
			emit_padded(s, str, strlen(str), width, left, ' ');
			break;
		case 'd':
		case 'i': {
			s64 sv = longs ? va_arg(ap, long long) : va_arg(ap, int);
			str = format_u64(tmp + sizeof(tmp), sv < 0 ? -(u64)sv : (u64)sv, 10, false);
			if (sv < 0)
				*--str = '-';
			emit_padded(s, str, strlen(str), width, left, pad);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
			v = longs ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned int);
			str = format_u64(tmp + sizeof(tmp), v, *fmt == 'u' ? 10 : 16, *fmt == 'X');
			emit_padded(s, str, strlen(str), width, left, pad);
			break;
		case 'p':
			str =
			    format_u64(tmp + sizeof(tmp), (uintptr_t)va_arg(ap, void *), 16, false);
			*--str = 'x';
			*--str = '0';
			emit_padded(s, str, strlen(str), width, left, ' ');
			break;
		case '%':
			emit(s, '%');
			break;
		case '\0':
			return;
		default:
			/* Show the unknown conversion rather than silently dropping it. */
			emit(s, '%');
			emit(s, *fmt);
			break;
		}
	}
}

int vprintf(const char *fmt, va_list ap)
{
	struct sink s = {0};

	format(&s, fmt, ap);
	return (int)s.len;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	/* A dummy byte keeps the sink in buffer mode when the caller passes size 0. */
	char dummy;
	struct sink s = {.buf = size ? buf : &dummy, .size = size};

	format(&s, fmt, ap);
	if (size)
		buf[s.len < size ? s.len : size - 1] = '\0';
	return (int)s.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
