/* Fixed-width types for the tiny guest, kernel style (u64 is unsigned long long, as in the
 * boot_params UAPI, so one printf length modifier fits both). */
#ifndef TINY_LIB_TYPES_H
#define TINY_LIB_TYPES_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s32 s32;
typedef __s64 s64;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
