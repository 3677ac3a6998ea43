/* NT time (100 ns ticks since 1601-01-01 UTC, MS-DTYP 2.3.3) <-> timespec. */
#include <stdint.h>
#include <time.h>

#include "vfs/vfs.h"

#define TICKS_PER_SEC 10000000ull
#define NSEC_PER_TICK 100

uint64_t nttime_from_timespec(const struct timespec *ts)
{
	/* seconds between 1601 and the timespec, in unsigned arithmetic */
	int64_t epoch_sec = (int64_t)(NTTIME_UNIX_EPOCH / TICKS_PER_SEC);
	uint64_t max_sec = (UINT64_MAX - TICKS_PER_SEC) / TICKS_PER_SEC;
	uint64_t sec;

	/* Dates before 1601 cannot be expressed; clamp rather than wrap. */
	if (ts->tv_sec < -epoch_sec)
		return 0;
	sec = (uint64_t)ts->tv_sec + (uint64_t)epoch_sec;
	if (sec > max_sec)
		return UINT64_MAX;
	return sec * TICKS_PER_SEC + (uint64_t)(ts->tv_nsec / NSEC_PER_TICK);
}

struct timespec nttime_to_timespec(uint64_t nt)
{
	int64_t epoch_sec = (int64_t)(NTTIME_UNIX_EPOCH / TICKS_PER_SEC);
	struct timespec ts;

	/* NTTIME_UNIX_EPOCH is a whole number of seconds, so splitting nt
	 * first keeps everything unsigned and tv_nsec in [0, 1e9). */
	ts.tv_sec = (time_t)((int64_t)(nt / TICKS_PER_SEC) - epoch_sec);
	ts.tv_nsec = (long)(nt % TICKS_PER_SEC) * NSEC_PER_TICK;
	return ts;
}

uint64_t nttime_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return nttime_from_timespec(&ts);
}
