/* What every benchmark here shares: a monotonic clock and the median of interleaved runs. */
#ifndef KVMINI_BENCH_H
#define KVMINI_BENCH_H

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "core/clock.h"

#define REPS 5 /* runs per measurement, interleaved with the baseline's */

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Sorts v in place. */
static inline double median(double *v)
{
	qsort(v, REPS, sizeof(double), cmp_double);
	return v[REPS / 2];
}

#endif
