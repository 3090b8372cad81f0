/* The one clock kvmini measures with: CLOCK_MONOTONIC in nanoseconds. */
#ifndef KVMINI_CLOCK_H
#define KVMINI_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline long long now_ms(void)
{
	return (long long)(now_ns() / 1000000);
}

#endif
