// SPDX-License-Identifier: GPL-2.0
/*
 * Lock and priority groups: MutexContention (a process-shared robust
 * pthread mutex in MAP_SHARED memory), PriorityInversion (low holds a
 * priority-inheritance mutex, medium spins, high waits for it) and
 * RtStarvation (a SCHED_FIFO hog next to a normal worker).
 *
 * Robust mutexes: a member SIGKILLed while holding the lock hands
 * EOWNERDEAD to the next one instead of deadlocking the group. Lock waits
 * are bounded to 10 ms so the stop flag is still checked.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

#include "work_types.h"

#define US	1000ULL

struct lock_shm {
	pthread_mutex_t m;
};

size_t ktstr_lock_shm_size(const struct ktstr_work *w)
{
	(void)w;
	return sizeof(struct lock_shm);
}

static int init_mutex(void *shm, bool pi)
{
	struct lock_shm *s = shm;
	pthread_mutexattr_t a;
	int ret;

	ret = pthread_mutexattr_init(&a);
	if (ret)
		return -ret;
	ret = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	if (!ret)
		ret = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	if (!ret && pi)
		ret = pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
	if (!ret)
		ret = pthread_mutex_init(&s->m, &a);
	pthread_mutexattr_destroy(&a);
	return -ret;
}

int ktstr_mutex_shm_init(void *shm, const struct ktstr_work *w)
{
	(void)w;
	return init_mutex(shm, false);
}

int ktstr_pi_shm_init(void *shm, const struct ktstr_work *w)
{
	(void)w;
	return init_mutex(shm, true);
}

/* Lock with 10 ms attempts; false if stopped first. Records the wait. */
static bool lock(struct ktstr_work_ctx *wc, pthread_mutex_t *m)
{
	uint64_t t0 = ktstr_now_ns();

	while (!ktstr_work_stop(wc)) {
		struct timespec ts;
		int ret;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += KTSTR_STOP_SLICE_NS;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		ret = pthread_mutex_timedlock(m, &ts);
		if (ret == EOWNERDEAD) {
			pthread_mutex_consistent(m);
			ret = 0;
		}
		if (!ret) {
			ktstr_work_wake(wc, ktstr_now_ns() - t0);
			return true;
		}
		if (ret != ETIMEDOUT && ret != EINTR)
			return false;
	}
	return false;
}

int ktstr_run_mutex_contention(struct ktstr_work_ctx *wc)
{
	const struct ktstr_work *w = wc->work;
	struct lock_shm *s = wc->group_shm;

	while (!ktstr_work_stop(wc)) {
		if (!lock(wc, &s->m))
			break;
		ktstr_work_spin(w->mutex_contention.hold_iters);
		pthread_mutex_unlock(&s->m);
		ktstr_work_spin(w->mutex_contention.work_iters);
		ktstr_work_progress(wc, 1);
	}
	return 0;
}

int ktstr_run_priority_inversion(struct ktstr_work_ctx *wc)
{
	const struct ktstr_work *w = wc->work;
	struct lock_shm *s = wc->group_shm;
	int role = wc->group_idx;	/* 0 low, 1 medium, 2 high */
	uint64_t hold = w->priority_inversion.hold_us * US;
	uint64_t burst = w->priority_inversion.burst_us * US;
	uint64_t pause = w->priority_inversion.sleep_us * US;

	if (w->priority_inversion.rt) {
		struct ktstr_sched sc = { .policy = KTSTR_SCHED_FIFO, .prio = 10 + 10 * role };

		wc->report->policy_error = ktstr_set_policy(&sc);
	} else if (role < 2 && setpriority(PRIO_PROCESS, 0, role == 0 ? 10 : 5)) {
		wc->report->nice_error = -errno;
	}
	while (!ktstr_work_stop(wc)) {
		switch (role) {
		case 0:
			if (!lock(wc, &s->m))
				break;
			ktstr_work_spin_for(wc, hold, false);
			pthread_mutex_unlock(&s->m);
			ktstr_work_progress(wc, 1);
			ktstr_work_sleep(wc, pause);
			break;
		case 1:
			if (ktstr_work_spin_for(wc, burst, false))
				ktstr_work_progress(wc, 1);
			ktstr_work_sleep(wc, pause);
			break;
		default:
			ktstr_work_sleep(wc, pause);
			if (!lock(wc, &s->m))
				break;
			pthread_mutex_unlock(&s->m);
			ktstr_work_progress(wc, 1);
			break;
		}
	}
	return 0;
}

int ktstr_run_rt_starvation(struct ktstr_work_ctx *wc)
{
	const struct ktstr_work *w = wc->work;
	uint64_t iters = w->rt_starvation.spin_iters;

	if (wc->group_idx == 0) {
		struct ktstr_sched sc = {
			.policy = KTSTR_SCHED_FIFO, .prio = (int)w->rt_starvation.rt_prio,
		};

		/* Without CAP_SYS_NICE the hog stays normal; the report says so. */
		wc->report->policy_error = ktstr_set_policy(&sc);
	}
	while (!ktstr_work_stop(wc)) {
		ktstr_work_spin(iters);
		ktstr_work_progress(wc, iters);
	}
	return 0;
}
