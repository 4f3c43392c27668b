// SPDX-License-Identifier: GPL-2.0
/*
 * The worker side: helpers work functions call (stop check, progress
 * checkpoints, wake latencies, sliced sleep) and the measured run of one
 * work function that fills the report.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

#include <ktstr/worker.h>

#include "work_types.h"
#include "worker_priv.h"

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

uint64_t ktstr_work_rand(struct ktstr_work_ctx *wc)
{
	uint64_t x = wc->rng ? wc->rng : 0x9e3779b97f4a7c15ULL;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	wc->rng = x;
	return x;
}

bool ktstr_work_stop(const struct ktstr_work_ctx *wc)
{
	return wc->stop_flag && *wc->stop_flag;
}

void ktstr_work_spin(uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++)
		__asm__ __volatile__("" : : "r"(i) : "memory");
}

void ktstr_work_progress(struct ktstr_work_ctx *wc, uint64_t units)
{
	struct ktstr_report *r = wc->report;
	uint64_t now = ktstr_now_ns();
	uint64_t gap = now - wc->last_cp_ns;
	int cpu = sched_getcpu();

	r->work_units += units;
	r->iterations++;
	if (wc->live_iters)
		*wc->live_iters = r->iterations;
	if (gap > r->max_gap_ns) {
		r->max_gap_ns = gap;
		r->max_gap_at_ns = now - r->start_ns;
		r->max_gap_cpu = cpu;
	}
	wc->last_cp_ns = now;
	if (cpu < 0)
		return;
	if (cpu < KTSTR_MAX_CPUS)
		ktstr_cpuset_set(&r->cpus_used, cpu);
	if (wc->last_cpu >= 0 && cpu != wc->last_cpu) {
		if (r->nr_migrations < KTSTR_REPORT_MAX_MIGRATIONS) {
			struct ktstr_migration *m = &r->migrations[r->nr_migrations];

			m->at_ns = now - r->start_ns;
			m->from_cpu = wc->last_cpu;
			m->to_cpu = cpu;
		} else {
			r->migrations_dropped++;
		}
		r->nr_migrations++;
	}
	wc->last_cpu = cpu;
}

void ktstr_work_wake(struct ktstr_work_ctx *wc, uint64_t ns)
{
	ktstr_reservoir_add(&wc->report->wake, ns, &wc->rng);
}

bool ktstr_work_sleep(struct ktstr_work_ctx *wc, uint64_t ns)
{
	uint64_t end = ktstr_now_ns() + ns;

	for (;;) {
		uint64_t now = ktstr_now_ns(), target;
		struct timespec ts;

		if (ktstr_work_stop(wc))
			return false;
		if (now >= end)
			break;
		target = end - now > KTSTR_STOP_SLICE_NS ? now + KTSTR_STOP_SLICE_NS : end;
		ts.tv_sec = target / 1000000000ULL;
		ts.tv_nsec = target % 1000000000ULL;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		if (target == end) {
			now = ktstr_now_ns();
			if (now >= end) {
				ktstr_work_wake(wc, now - end);
				break;
			}
		}
	}
	return true;
}

/* /proc/self/schedstat: on-CPU ns, run-queue wait ns, timeslices. */
static bool read_schedstat(uint64_t v[3])
{
	unsigned long long a, b, c;
	FILE *f = fopen("/proc/self/schedstat", "re");
	int n;

	if (!f)
		return false;
	n = fscanf(f, "%llu %llu %llu", &a, &b, &c);
	fclose(f);
	if (n != 3)
		return false;
	v[0] = a;
	v[1] = b;
	v[2] = c;
	return true;
}

void ktstr_worker_run(const struct ktstr_workload *wl, struct ktstr_work_ctx *wc)
{
	const struct ktstr_work_type *t = ktstr_work_type(wl->work.kind);
	struct ktstr_report *r = wc->report;
	uint64_t ss0[3], ss1[3], cpu0, end;
	struct rusage ru;
	bool ss_ok;

	ss_ok = read_schedstat(ss0);
	r->start_ns = ktstr_now_ns();
	cpu0 = thread_cpu_ns();
	wc->last_cp_ns = r->start_ns;
	wc->last_cpu = sched_getcpu();
	if (wc->last_cpu >= 0 && wc->last_cpu < KTSTR_MAX_CPUS)
		ktstr_cpuset_set(&r->cpus_used, wc->last_cpu);

	r->work_error = t->run(wc);

	end = ktstr_now_ns();
	r->cpu_time_ns = thread_cpu_ns() - cpu0;
	r->wall_time_ns = end - r->start_ns;
	r->off_cpu_ns = r->wall_time_ns > r->cpu_time_ns ?
			r->wall_time_ns - r->cpu_time_ns : 0;
	r->completed = ktstr_work_stop(wc) && !r->work_error;
	if (ss_ok && read_schedstat(ss1)) {
		r->schedstat_ok = true;
		r->sched_run_ns = ss1[0] - ss0[0];
		r->sched_run_delay_ns = ss1[1] - ss0[1];
		r->sched_pcount = ss1[2] - ss0[2];
	}
	if (!getrusage(RUSAGE_SELF, &ru)) {
		r->nvcsw = ru.ru_nvcsw;
		r->nivcsw = ru.ru_nivcsw;
		r->minflt = ru.ru_minflt;
		r->majflt = ru.ru_majflt;
	}
}
