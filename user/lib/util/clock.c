// SPDX-License-Identifier: GPL-2.0
/* The library's one clock and one sleep (ktstr/clock.h). */
#include <errno.h>
#include <time.h>

#include <ktstr/clock.h>

#define NSEC_PER_SEC	1000000000ULL

uint64_t ktstr_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

void ktstr_sleep_ms(uint64_t ms)
{
	uint64_t until = ktstr_now_ns() + ms * 1000000ULL;
	struct timespec ts = {
		.tv_sec = (time_t)(until / NSEC_PER_SEC),
		.tv_nsec = (long)(until % NSEC_PER_SEC),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}
