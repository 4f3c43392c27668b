// SPDX-License-Identifier: GPL-2.0
/*
 * Work types of one independent worker: spinning, yielding, bursts, cache
 * walks, a periodic timer, phase sequences and the user's Custom function.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "work_types.h"

#define MS	1000000ULL
#define US	1000ULL

int ktstr_run_spin_wait(struct ktstr_work_ctx *wc)
{
	while (!ktstr_work_stop(wc)) {
		ktstr_work_spin(KTSTR_SPIN_CHUNK);
		ktstr_work_progress(wc, KTSTR_SPIN_CHUNK);
	}
	return 0;
}

/* sched_yield() timed: how long until the scheduler gave the CPU back. */
static void timed_yield(struct ktstr_work_ctx *wc)
{
	uint64_t t0 = ktstr_now_ns();

	sched_yield();
	ktstr_work_wake(wc, ktstr_now_ns() - t0);
}

int ktstr_run_yield_heavy(struct ktstr_work_ctx *wc)
{
	while (!ktstr_work_stop(wc)) {
		timed_yield(wc);
		ktstr_work_progress(wc, 1);
	}
	return 0;
}

int ktstr_run_mixed(struct ktstr_work_ctx *wc)
{
	uint64_t iters = wc->work->mixed.spin_iters;

	while (!ktstr_work_stop(wc)) {
		ktstr_work_spin(iters);
		timed_yield(wc);
		ktstr_work_progress(wc, iters);
	}
	return 0;
}

bool ktstr_work_spin_for(struct ktstr_work_ctx *wc, uint64_t ns, bool count)
{
	uint64_t end = ktstr_now_ns() + ns;

	while (ktstr_now_ns() < end) {
		if (ktstr_work_stop(wc))
			return false;
		ktstr_work_spin(KTSTR_SPIN_CHUNK);
		if (count)
			ktstr_work_progress(wc, KTSTR_SPIN_CHUNK);
	}
	return true;
}

int ktstr_run_bursty(struct ktstr_work_ctx *wc)
{
	while (!ktstr_work_stop(wc)) {
		if (!ktstr_work_spin_for(wc, wc->work->bursty.burst_ms * MS, true))
			break;
		ktstr_work_sleep(wc, wc->work->bursty.sleep_ms * MS);
	}
	return 0;
}

/* One pass over the buffer, one touch every @stride bytes; returns touches. */
static uint64_t walk(volatile unsigned char *buf, size_t len, size_t stride)
{
	uint64_t n = 0;

	for (size_t i = 0; i < len; i += stride, n++)
		buf[i]++;
	return n;
}

static int run_cache(struct ktstr_work_ctx *wc, uint64_t size_kb, uint64_t stride,
		     bool yield)
{
	size_t len = size_kb * 1024;
	unsigned char *buf = calloc(1, len);

	if (!buf)
		return -ENOMEM;
	while (!ktstr_work_stop(wc)) {
		uint64_t n = walk(buf, len, stride);

		if (yield)
			timed_yield(wc);
		ktstr_work_progress(wc, n);
	}
	free(buf);
	return 0;
}

int ktstr_run_cache_pressure(struct ktstr_work_ctx *wc)
{
	return run_cache(wc, wc->work->cache_pressure.size_kb,
			 wc->work->cache_pressure.stride, false);
}

int ktstr_run_cache_yield(struct ktstr_work_ctx *wc)
{
	return run_cache(wc, wc->work->cache_yield.size_kb,
			 wc->work->cache_yield.stride, true);
}

int ktstr_run_timer_latency(struct ktstr_work_ctx *wc)
{
	uint64_t period = wc->work->timer_latency.interval_us * US;
	uint64_t next = ktstr_now_ns() + period;

	while (!ktstr_work_stop(wc)) {
		uint64_t now = ktstr_now_ns();

		/* ktstr_work_sleep() records the oversleep past @next. */
		if (!ktstr_work_sleep(wc, next > now ? next - now : 0))
			break;
		now = ktstr_now_ns();
		ktstr_work_progress(wc, 1);
		next += period;
		/* Far behind (a long preemption): restart the grid from now. */
		if (now >= next)
			next = now + period;
	}
	return 0;
}

int ktstr_run_sequence(struct ktstr_work_ctx *wc)
{
	const struct ktstr_work *w = wc->work;
	char *buf = NULL;
	int fd = -1, ret = 0;

	while (!ktstr_work_stop(wc) && !ret) {
		for (uint64_t p = 0; p < w->sequence.nr_phases && !ktstr_work_stop(wc); p++) {
			uint64_t ns = w->sequence.phases[p].ms * MS, end = ktstr_now_ns() + ns;

			switch (w->sequence.phases[p].kind) {
			case KTSTR_PHASE_SPIN:
				ktstr_work_spin_for(wc, ns, true);
				break;
			case KTSTR_PHASE_SLEEP:
				if (ktstr_work_sleep(wc, ns))
					ktstr_work_progress(wc, 1);
				break;
			case KTSTR_PHASE_YIELD:
				while (ktstr_now_ns() < end && !ktstr_work_stop(wc)) {
					timed_yield(wc);
					ktstr_work_progress(wc, 1);
				}
				break;
			case KTSTR_PHASE_IO:
				if (fd < 0) {
					fd = ktstr_io_open(wc);
					buf = calloc(1, 4096);
					if (fd < 0 || !buf) {
						ret = fd < 0 ? fd : -ENOMEM;
						break;
					}
				}
				while (ktstr_now_ns() < end && !ktstr_work_stop(wc)) {
					ret = ktstr_io_write_sync(fd, buf, 4096, 1 << 20);
					if (ret)
						break;
					ktstr_work_progress(wc, 1);
				}
				break;
			}
		}
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

int ktstr_run_custom(struct ktstr_work_ctx *wc)
{
	if (!wc->work->custom.fn)
		return -EINVAL;
	return wc->work->custom.fn(wc, wc->work->custom.arg);
}
