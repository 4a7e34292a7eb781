#define _GNU_SOURCE
#include "clock.h"

#include <errno.h>
#include <time.h>

static double seconds(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double clock_mono_s(void)
{
	return seconds(CLOCK_MONOTONIC);
}

double clock_wall_s(void)
{
	return seconds(CLOCK_REALTIME);
}

void clock_sleep_until_wall(double t)
{
	double d = t - clock_wall_s();
	if (d > 0) {
		struct timespec ts = { (time_t)d, (long)((d - (double)(time_t)d) * 1e9) };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
}
