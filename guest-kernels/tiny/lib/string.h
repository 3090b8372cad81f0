#ifndef TINY_LIB_STRING_H
#define TINY_LIB_STRING_H

#include "lib/types.h"

/* The compiler may emit calls to these four even with -ffreestanding. */
void *memset(void *s, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);

size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

/*
 * Parses a decimal or 0x-prefixed hexadecimal number. Returns the first unparsed character,
 * or NULL when there are no digits or the value overflows 64 bits.
 */
const char *parse_u64(const char *s, u64 *out);

#endif
