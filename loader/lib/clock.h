/* SPDX-License-Identifier: GPL-2.0 */
/* Seconds, as doubles: monotonic for intervals, wall-clock for lines
 * others compare with their own clocks; and nanoseconds. */
#ifndef FLOWLET_CLOCK_H
#define FLOWLET_CLOCK_H

#include <time.h>

static inline double clock_seconds(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline unsigned long long clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static inline double monotonic_seconds(void)
{
	return clock_seconds(CLOCK_MONOTONIC);
}

static inline double wall_seconds(void)
{
	return clock_seconds(CLOCK_REALTIME);
}

#endif /* FLOWLET_CLOCK_H */
