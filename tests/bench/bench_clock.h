/* SPDX-License-Identifier: ISC */
/* The benchmarks' clock: monotonic seconds, for the time a piece of work took. */
#ifndef CORDON_BENCH_CLOCK_H
#define CORDON_BENCH_CLOCK_H

#include <time.h>

static inline double
bench_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
