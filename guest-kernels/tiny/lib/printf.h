#ifndef TINY_LIB_PRINTF_H
#define TINY_LIB_PRINTF_H

#include "lib/types.h"

/*
 * Supported: %s %c %d %i %u %x %X %p %% with the l, ll and z length modifiers, a width
 * (digits or *), and the '0' and '-' flags. Output of printf goes to the UART.
 */
__attribute__((format(printf, 1, 2))) int printf(const char *fmt, ...);
int vprintf(const char *fmt, va_list ap);
__attribute__((format(printf, 3, 4))) int snprintf(char *buf, size_t size, const char *fmt, ...);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
