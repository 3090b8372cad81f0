/* The kernel command line: space-separated words, each "key" or "key=value", as in Linux. */
#ifndef TINY_LIB_CMDLINE_H
#define TINY_LIB_CMDLINE_H

#include "lib/types.h"

/* Remembers the command line for the getters below; NULL means empty. */
void cmdline_set(const char *cmdline);
const char *cmdline_string(void);

/*
 * Copies the value of the last word with this key into buf (a bare "key" has an empty value).
 * Returns the value's length, -1 when the key is absent, -2 when the value does not fit (buf
 * then holds as much as fits).
 */
int cmdline_get(const char *key, char *buf, size_t size);

/* As cmdline_get, for a number parse_u64 accepts; -3 when the value is not a number. */
int cmdline_get_u64(const char *key, u64 *out);

#endif
