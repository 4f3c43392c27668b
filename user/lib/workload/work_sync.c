// SPDX-License-Identifier: GPL-2.0
/*
 * Futex-based groups in MAP_SHARED memory (so no FUTEX_PRIVATE_FLAG):
 *  - chains: FutexPingPong (2 members) and WakeChain (depth members) pass a
 *    token around a ring, each member waiting on its own futex word;
 *  - fans: FutexFanOut, FanOutCompute and ThunderingHerd, where member 0
 *    bumps a generation word and wakes every other member at once.
 * Every wait has a 10 ms timeout so a lost wakeup or a stopped peer can
 * only delay the stop check, never block it. The waker stores its
 * CLOCK_MONOTONIC time next to the word; the woken member records
 * now - that time as its wake latency.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/syscall.h>

#include "work_types.h"

static void futex_wait(_Atomic uint32_t *addr, uint32_t val)
{
	struct timespec ts = { 0, KTSTR_STOP_SLICE_NS };

	syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAIT, val, &ts, NULL, 0);
}

static void futex_wake(_Atomic uint32_t *addr, int n)
{
	syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAKE, n, NULL, NULL, 0);
}

/* ---- chains ---- */

struct chain_slot {
	_Atomic uint32_t seq;
	uint32_t __pad;
	_Atomic uint64_t ts;
	char __line[48];
};

static int chain_depth(const struct ktstr_work *w)
{
	return w->kind == KTSTR_WORK_WAKE_CHAIN ? (int)w->wake_chain.depth : 2;
}

size_t ktstr_chain_shm_size(const struct ktstr_work *w)
{
	return sizeof(struct chain_slot) * chain_depth(w);
}

static void chain_pass(struct chain_slot *s)
{
	atomic_store(&s->ts, ktstr_now_ns());
	atomic_fetch_add(&s->seq, 1);
	futex_wake(&s->seq, 1);
}

int ktstr_run_chain(struct ktstr_work_ctx *wc)
{
	const struct ktstr_work *w = wc->work;
	struct chain_slot *slots = wc->group_shm;
	int depth = chain_depth(w), me = wc->group_idx;
	struct chain_slot *mine = &slots[me], *next = &slots[(me + 1) % depth];
	uint64_t iters = w->kind == KTSTR_WORK_WAKE_CHAIN ? w->wake_chain.work_per_hop
							   : w->futex_ping_pong.spin_iters;
	uint32_t seen = 0;

	if (me == 0) {
		ktstr_work_spin(iters);
		chain_pass(next);
	}
	while (!ktstr_work_stop(wc)) {
		uint32_t cur = atomic_load(&mine->seq);
		uint64_t now;

		if (cur == seen) {
			futex_wait(&mine->seq, cur);
			continue;
		}
		seen = cur;
		now = ktstr_now_ns();
		if (now >= atomic_load(&mine->ts))
			ktstr_work_wake(wc, now - atomic_load(&mine->ts));
		ktstr_work_spin(iters);
		ktstr_work_progress(wc, iters);
		chain_pass(next);
	}
	return 0;
}

/* ---- fans ---- */

struct fan {
	_Atomic uint32_t gen;
	_Atomic uint32_t done;
	_Atomic uint64_t ts;
};

size_t ktstr_fan_shm_size(const struct ktstr_work *w)
{
	(void)w;
	return sizeof(struct fan);
}

/* c = a * b on n x n matrices, abandoned on stop; false if stopped. */
static bool matmul(struct ktstr_work_ctx *wc, const double *a, const double *b,
		   double *c, int n)
{
	for (int i = 0; i < n; i++) {
		if (ktstr_work_stop(wc))
			return false;
		for (int j = 0; j < n; j++) {
			double s = 0;

			for (int k = 0; k < n; k++)
				s += a[i * n + k] * b[k * n + j];
			c[i * n + j] = s;
		}
	}
	return true;
}

static int fan_leader(struct ktstr_work_ctx *wc, struct fan *f, int followers)
{
	const struct ktstr_work *w = wc->work;
	bool barrier = w->kind != KTSTR_WORK_THUNDERING_HERD;

	while (!ktstr_work_stop(wc)) {
		uint64_t units = 1;

		switch (w->kind) {
		case KTSTR_WORK_FUTEX_FAN_OUT:
			ktstr_work_spin(w->futex_fan_out.spin_iters);
			units = w->futex_fan_out.spin_iters;
			break;
		case KTSTR_WORK_FAN_OUT_COMPUTE:
			ktstr_work_sleep(wc, w->fan_out_compute.sleep_usec * 1000ULL);
			break;
		default:
			ktstr_work_sleep(wc, w->thundering_herd.interval_us * 1000ULL);
			break;
		}
		atomic_store(&f->done, 0);
		atomic_store(&f->ts, ktstr_now_ns());
		atomic_fetch_add(&f->gen, 1);
		futex_wake(&f->gen, INT_MAX);
		ktstr_work_progress(wc, units);
		/* Wait for the round to finish; a stopped member costs 10 ms. */
		while (barrier && !ktstr_work_stop(wc)) {
			uint32_t d = atomic_load(&f->done);

			if ((int)d >= followers)
				break;
			futex_wait(&f->done, d);
		}
	}
	return 0;
}

int ktstr_run_fan(struct ktstr_work_ctx *wc)
{
	const struct ktstr_work *w = wc->work;
	struct fan *f = wc->group_shm;
	int followers = wc->group_size - 1;
	double *m = NULL;
	int n = 0;
	uint32_t seen = 0;

	if (wc->group_idx == 0)
		return fan_leader(wc, f, followers);
	if (w->kind == KTSTR_WORK_FAN_OUT_COMPUTE) {
		/* Three n x n matrices of doubles fill the footprint. */
		n = (int)sqrt((double)w->fan_out_compute.cache_footprint_kb * 1024 / 24);
		if (n < 2)
			n = 2;
		m = malloc(sizeof(double) * 3 * n * n);
		if (!m)
			return -ENOMEM;
		for (int i = 0; i < 2 * n * n; i++)
			m[i] = (double)(i % 7) * 0.5;
	}
	while (!ktstr_work_stop(wc)) {
		uint32_t cur = atomic_load(&f->gen);
		uint64_t now, ts;

		if (cur == seen) {
			futex_wait(&f->gen, cur);
			continue;
		}
		seen = cur;
		now = ktstr_now_ns();
		ts = atomic_load(&f->ts);
		if (now >= ts)
			ktstr_work_wake(wc, now - ts);
		if (w->kind == KTSTR_WORK_FAN_OUT_COMPUTE) {
			for (uint64_t op = 0; op < w->fan_out_compute.operations; op++) {
				if (!matmul(wc, m, m + n * n, m + 2 * n * n, n))
					break;
				ktstr_work_progress(wc, 1);
			}
		} else if (w->kind == KTSTR_WORK_FUTEX_FAN_OUT) {
			ktstr_work_spin(w->futex_fan_out.spin_iters);
			ktstr_work_progress(wc, w->futex_fan_out.spin_iters);
		} else {
			ktstr_work_progress(wc, 1);
		}
		if ((int)atomic_fetch_add(&f->done, 1) + 1 >= followers)
			futex_wake(&f->done, 1);
	}
	free(m);
	return 0;
}
