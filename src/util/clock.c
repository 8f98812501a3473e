/*
 * clock.c - the monotonic clock, for timeouts, back-offs and probes: it
 * never goes back when the wall clock is set.
 */
#include <time.h>

#include "util/util.h"

int64_t
mono_us(void)
{
	struct timespec	ts;

	/* CLOCK_MONOTONIC cannot fail on Linux for a valid pointer. */
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
mono_ms(void)
{
	return mono_us() / 1000;
}
