// SPDX-License-Identifier: GPL-2.0
/*
 * ktstr's checks over one cgroup's worker reports (ktstr 0.4.9 assert.rs):
 * progress, fairness spread, gap, cpuset isolation, throughput parity,
 * wake-latency benchmarks, iteration rate, migration ratio, NUMA page
 * locality. The kernel-precise part is in assert_kernel.c.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assert_priv.h"

static double off_cpu_pct(const struct ktstr_report *r)
{
	if (!r->wall_time_ns)
		return 0.0;
	return 100.0 * (double)r->off_cpu_ns / (double)r->wall_time_ns;
}

/* The comm of @pid from the module's records, or NULL. */
static const char *comm_of(const struct ktstr_assert_cgroup_in *in, pid_t pid)
{
	for (size_t i = 0; i < in->nr_krecs; i++)
		if (in->krecs[i].pid == pid && in->krecs[i].comm[0])
			return in->krecs[i].comm;
	return NULL;
}

#define TASK(buf, in, r)	\
	ktstr__task_name(buf, sizeof(buf), comm_of(in, (r)->pid), (r)->pid)

static int check_progress(const struct ktstr_assert_cgroup_in *in,
			  const char *cg, struct ktstr_assert_result *r)
{
	int ret = 0;

	for (size_t i = 0; i < in->nr_reports && !ret; i++) {
		const struct ktstr_report *w = &in->reports[i];
		char who[48], how[64];

		if (!w->work_units && !w->iterations) {
			ret = ktstr__detail_comm(r, KTSTR_DETAIL_STUCK, cg, w->pid,
				comm_of(in, w->pid), -1, w->wall_time_ns,
				"%s in cgroup %s made no progress (0 work units) in %llums",
				TASK(who, in, w), cg,
				(unsigned long long)(w->wall_time_ns / NSEC_PER_MSEC));
		} else if (!w->reported || w->exit_kind != KTSTR_EXIT_EXITED ||
			   w->exit_code || w->work_error) {
			ktstr_report_exit_str(w, how, sizeof(how));
			ret = ktstr__detail_comm(r, KTSTR_DETAIL_STUCK, cg, w->pid,
				comm_of(in, w->pid), -1, 0,
				"%s in cgroup %s did not end cleanly: %s%s, work error %d",
				TASK(who, in, w), cg, how,
				w->reported ? "" : " (no report)", w->work_error);
		}
	}
	return ret;
}

static int check_gap(const struct ktstr_assert *cfg,
		     const struct ktstr_assert_cgroup_in *in, const char *cg,
		     struct ktstr_assert_result *r)
{
	int ret = 0;

	for (size_t i = 0; i < in->nr_reports && !ret; i++) {
		const struct ktstr_report *w = &in->reports[i];
		char who[48];

		if (w->max_gap_ns <= cfg->max_gap_ms * NSEC_PER_MSEC)
			continue;
		ret = ktstr__detail_comm(r, KTSTR_DETAIL_GAP, cg, w->pid,
			comm_of(in, w->pid), w->max_gap_cpu, w->max_gap_ns,
			"%s in cgroup %s: stuck %llums on cpu%d at +%llums (threshold %llums)",
			TASK(who, in, w), cg,
			(unsigned long long)(w->max_gap_ns / NSEC_PER_MSEC),
			w->max_gap_cpu,
			(unsigned long long)(w->max_gap_at_ns / NSEC_PER_MSEC),
			(unsigned long long)cfg->max_gap_ms);
	}
	return ret;
}

static int check_isolation(const struct ktstr_assert_cgroup_in *in,
			   const char *cg, struct ktstr_assert_result *r)
{
	int ret = 0;

	for (size_t i = 0; i < in->nr_reports && !ret; i++) {
		const struct ktstr_report *w = &in->reports[i];
		struct ktstr_cpuset out;
		char who[48], bad[256], exp[256];

		if (ktstr_cpuset_subset(&w->cpus_used, in->cpuset))
			continue;
		ktstr_cpuset_andnot(&out, &w->cpus_used, in->cpuset);
		ktstr_cpulist_format(&out, bad, sizeof(bad));
		ktstr_cpulist_format(in->cpuset, exp, sizeof(exp));
		ret = ktstr__detail_comm(r, KTSTR_DETAIL_ISOLATION, cg, w->pid,
			comm_of(in, w->pid), ktstr_cpuset_first(&out), 0,
			"%s in cgroup %s ran on unexpected CPUs {%s} (cpuset %s)",
			TASK(who, in, w), cg, bad, exp);
	}
	return ret;
}

/* work_units per CPU second; -1 when the worker used no CPU time. */
static double work_rate(const struct ktstr_report *w)
{
	if (!w->cpu_time_ns)
		return -1;
	return (double)w->work_units * NSEC_PER_SEC / (double)w->cpu_time_ns;
}

static int check_throughput(const struct ktstr_assert *cfg,
			    const struct ktstr_assert_cgroup_in *in,
			    const char *cg, struct ktstr_assert_result *r)
{
	double *rates;
	size_t n = 0;
	int ret = 0;

	rates = calloc(in->nr_reports + 1, sizeof(*rates));
	if (!rates)
		return -ENOMEM;
	for (size_t i = 0; i < in->nr_reports && !ret; i++) {
		const struct ktstr_report *w = &in->reports[i];
		double rate = work_rate(w);
		char who[48];

		if (rate < 0)
			continue;
		rates[n++] = rate;
		if (KTSTR_ASSERT_ISSET(cfg, min_work_rate) &&
		    rate < cfg->min_work_rate)
			ret = ktstr__detail_comm(r, KTSTR_DETAIL_BENCHMARK, cg,
				w->pid, comm_of(in, w->pid), -1, w->cpu_time_ns,
				"%s in cgroup %s: work rate %.1f/cpu-s below floor %.1f/cpu-s",
				TASK(who, in, w), cg, rate, cfg->min_work_rate);
	}
	if (!ret && KTSTR_ASSERT_ISSET(cfg, max_throughput_cv) && n >= 2) {
		double cv = ktstr_cv(rates, n);

		if (cv > cfg->max_throughput_cv)
			ret = ktstr__detail(r, KTSTR_DETAIL_BENCHMARK, cg, -1, -1, 0,
				"cgroup %s: throughput cv=%.3f over %zu workers (threshold %.3f)",
				cg, cv, n, cfg->max_throughput_cv);
	}
	free(rates);
	return ret;
}

static int check_iter_rate(const struct ktstr_assert *cfg,
			   const struct ktstr_assert_cgroup_in *in,
			   const char *cg, struct ktstr_assert_result *r)
{
	int ret = 0;

	for (size_t i = 0; i < in->nr_reports && !ret; i++) {
		const struct ktstr_report *w = &in->reports[i];
		double rate;
		char who[48];

		if (!w->wall_time_ns)
			continue;
		rate = (double)w->iterations * NSEC_PER_SEC / (double)w->wall_time_ns;
		if (rate < cfg->min_iteration_rate)
			ret = ktstr__detail_comm(r, KTSTR_DETAIL_BENCHMARK, cg,
				w->pid, comm_of(in, w->pid), -1, w->wall_time_ns,
				"%s in cgroup %s: iteration rate %.1f/s below floor %.1f/s",
				TASK(who, in, w), cg, rate, cfg->min_iteration_rate);
	}
	return ret;
}

/* All wake samples of the cgroup (caller frees); *n set. */
static uint64_t *wake_samples(const struct ktstr_assert_cgroup_in *in, size_t *n)
{
	size_t total = 0, k = 0;
	uint64_t *v;

	for (size_t i = 0; i < in->nr_reports; i++)
		total += in->reports[i].wake.nr <= KTSTR_WAKE_SAMPLES ?
			 in->reports[i].wake.nr : KTSTR_WAKE_SAMPLES;
	v = malloc((total ? total : 1) * sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < in->nr_reports; i++) {
		const struct ktstr_reservoir *rv = &in->reports[i].wake;
		uint32_t m = rv->nr <= KTSTR_WAKE_SAMPLES ? rv->nr : KTSTR_WAKE_SAMPLES;

		memcpy(v + k, rv->samples, m * sizeof(*v));
		k += m;
	}
	*n = k;
	return v;
}

static void worker_stats(const struct ktstr_assert_cgroup_in *in,
			 struct ktstr_cgroup_stats *s, const char *cg)
{
	struct ktstr_cpuset cpus;
	size_t nshare = 0, ndelay = 0;
	double sum = 0, delay_sum = 0;

	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", cg);
	s->max_gap_cpu = -1;
	s->max_wait_pid = -1;
	s->max_wait_cpu = -1;
	s->workers = (int)in->nr_reports;
	ktstr_cpuset_zero(&cpus);
	for (size_t i = 0; i < in->nr_reports; i++) {
		const struct ktstr_report *w = &in->reports[i];

		ktstr_cpuset_or(&cpus, &cpus, &w->cpus_used);
		if (w->wall_time_ns) {
			double p = off_cpu_pct(w);

			if (!nshare || p < s->min_off_cpu_pct)
				s->min_off_cpu_pct = p;
			if (!nshare || p > s->max_off_cpu_pct)
				s->max_off_cpu_pct = p;
			sum += p;
			nshare++;
		}
		if (w->max_gap_ns / NSEC_PER_MSEC > s->max_gap_ms ||
		    (s->max_gap_cpu < 0 && w->max_gap_ns)) {
			s->max_gap_ms = w->max_gap_ns / NSEC_PER_MSEC;
			s->max_gap_cpu = w->max_gap_cpu;
		}
		s->migrations += w->nr_migrations;
		s->iterations += w->iterations;
		s->work_units += w->work_units;
		if (w->schedstat_ok) {
			double d = (double)w->sched_run_delay_ns / NSEC_PER_USEC;

			delay_sum += d;
			if (d > s->worst_run_delay_us)
				s->worst_run_delay_us = d;
			ndelay++;
		}
	}
	s->cpus = ktstr_cpuset_count(&cpus);
	if (nshare) {
		s->avg_off_cpu_pct = sum / (double)nshare;
		s->spread = s->max_off_cpu_pct - s->min_off_cpu_pct;
	}
	if (s->iterations)
		s->migration_ratio = (double)s->migrations / (double)s->iterations;
	if (in->nr_reports)
		s->iterations_per_worker = (double)s->iterations / (double)in->nr_reports;
	if (ndelay)
		s->mean_run_delay_us = delay_sum / (double)ndelay;
	if (in->pages_total)
		s->page_locality = (double)in->pages_local / (double)in->pages_total;
}

/* Spread check over reports with a wall time (ktstr: at least 2 workers). */
static int check_spread(const struct ktstr_assert *cfg,
			const struct ktstr_assert_cgroup_in *in,
			const struct ktstr_cgroup_stats *s, const char *cg,
			struct ktstr_assert_result *r)
{
	const struct ktstr_report *lo = NULL, *hi = NULL;
	char wlo[48], whi[48];
	size_t n = 0;

	for (size_t i = 0; i < in->nr_reports; i++) {
		const struct ktstr_report *w = &in->reports[i];

		if (!w->wall_time_ns)
			continue;
		n++;
		if (!lo || off_cpu_pct(w) < off_cpu_pct(lo))
			lo = w;
		if (!hi || off_cpu_pct(w) > off_cpu_pct(hi))
			hi = w;
	}
	if (n < 2 || s->spread <= cfg->max_spread_pct)
		return 0;
	return ktstr__detail_comm(r, KTSTR_DETAIL_UNFAIR, cg, hi->pid,
		comm_of(in, hi->pid), -1, hi->off_cpu_ns,
		"unfair cgroup %s: spread=%.1f%% (%.1f-%.1f%%) %zu workers on %d cpus (threshold %.1f%%): %s least, %s most off-CPU",
		cg, s->spread, s->min_off_cpu_pct, s->max_off_cpu_pct,
		in->nr_reports, s->cpus, cfg->max_spread_pct,
		TASK(wlo, in, lo), TASK(whi, in, hi));
}

/* The report of @pid in @in, or NULL. */
static const struct ktstr_report *report_of(const struct ktstr_assert_cgroup_in *in,
					    pid_t pid)
{
	for (size_t i = 0; i < in->nr_reports; i++)
		if (in->reports[i].pid == pid)
			return &in->reports[i];
	return NULL;
}

/* The SCHED_FIFO hog of @w's RtStarvation pair (group index 0), or NULL. */
static const struct ktstr_report *rt_hog(const struct ktstr_assert_cgroup_in *in,
					 const struct ktstr_report *w)
{
	if (w->kind != KTSTR_WORK_RT_STARVATION)
		return NULL;
	for (size_t i = 0; i < in->nr_reports; i++) {
		const struct ktstr_report *h = &in->reports[i];

		if (h->kind == KTSTR_WORK_RT_STARVATION && h->group == w->group &&
		    h->group_idx == 0)
			return h;
	}
	return NULL;
}

/*
 * A failure of a worker of an RtStarvation pair names the pair's hog: in
 * its message ("[RtStarvation victim of hog comm[pid] (SCHED_FIFO)]", or
 * "[RtStarvation hog (SCHED_FIFO)]" for the hog itself; a hog the kernel
 * kept SCHED_OTHER says so) and as its cause_pid. Details of other
 * workers, and of no worker, are left as they are.
 */
static int name_rt_hogs(const struct ktstr_assert_cgroup_in *in,
			struct ktstr_assert_result *r)
{
	for (size_t i = 0; i < r->nr_details; i++) {
		struct ktstr_assert_detail *d = &r->details[i];
		const struct ktstr_report *w, *hog;
		char who[48], policy[96];
		char *msg;
		int n;

		if (d->pid <= 0 || d->kind == KTSTR_DETAIL_SKIP)
			continue;
		w = report_of(in, d->pid);
		hog = w ? rt_hog(in, w) : NULL;
		if (!hog)
			continue;
		if (hog->policy_error)
			snprintf(policy, sizeof(policy), "left SCHED_OTHER: %s",
				 strerror(-hog->policy_error));
		else
			snprintf(policy, sizeof(policy), "SCHED_FIFO");
		if (hog == w)
			n = asprintf(&msg, "%s [RtStarvation hog (%s)]", d->message, policy);
		else
			n = asprintf(&msg, "%s [RtStarvation victim of hog %s (%s)]",
				     d->message, TASK(who, in, hog), policy);
		if (n < 0)
			return -ENOMEM;
		free(d->message);
		d->message = msg;
		d->cause_pid = hog->pid;
	}
	return 0;
}

int ktstr_assert_cgroup(const struct ktstr_assert *cfg,
			const struct ktstr_assert_cgroup_in *in,
			struct ktstr_assert_result *res)
{
	struct ktstr_assert_result r;
	struct ktstr_cgroup_stats s;
	const char *cg;
	int ret = 0;

	if (!cfg || !in || !res || (!in->reports && in->nr_reports) ||
	    (!in->krecs && in->nr_krecs))
		return -EINVAL;
	cg = in->name ? in->name : "";
	ktstr_assert_result_init(&r);
	if (!in->nr_reports) {
		ret = ktstr__detail(&r, KTSTR_DETAIL_SKIP, cg, -1, -1, 0,
				    "cgroup %s: no reports", cg);
		goto out;
	}
	ktstr_assert_result_pass(&r);
	worker_stats(in, &s, cg);

	if (KTSTR_ASSERT_ISSET(cfg, not_stuck) && cfg->not_stuck)
		ret = check_progress(in, cg, &r);
	if (!ret && KTSTR_ASSERT_ISSET(cfg, max_spread_pct))
		ret = check_spread(cfg, in, &s, cg, &r);
	if (!ret && KTSTR_ASSERT_ISSET(cfg, max_gap_ms))
		ret = check_gap(cfg, in, cg, &r);
	if (!ret && KTSTR_ASSERT_ISSET(cfg, isolation) && cfg->isolation &&
	    in->cpuset)
		ret = check_isolation(in, cg, &r);
	if (!ret && (KTSTR_ASSERT_ISSET(cfg, max_throughput_cv) ||
		     KTSTR_ASSERT_ISSET(cfg, min_work_rate)))
		ret = check_throughput(cfg, in, cg, &r);
	if (!ret) {
		size_t n = 0;
		uint64_t *v = wake_samples(in, &n);

		if (!v) {
			ret = -ENOMEM;
		} else if (n) {
			double *d = malloc(n * sizeof(*d));
			uint64_t p99;

			if (!d) {
				ret = -ENOMEM;
			} else {
				for (size_t i = 0; i < n; i++)
					d[i] = (double)v[i];
				s.wake_latency_cv = ktstr_cv(d, n);
				free(d);
			}
			p99 = ktstr_percentile_nearest(v, n, 99.0);
			s.p99_wake_latency_us = p99 / NSEC_PER_USEC;
			s.median_wake_latency_us =
				ktstr_percentile_nearest(v, n, 50.0) / NSEC_PER_USEC;
			if (!ret && KTSTR_ASSERT_ISSET(cfg, max_p99_wake_latency_ns) &&
			    p99 > cfg->max_p99_wake_latency_ns)
				ret = ktstr__detail(&r, KTSTR_DETAIL_BENCHMARK, cg,
					-1, -1, p99,
					"cgroup %s: p99 wake latency %lluus over %zu samples (threshold %lluus)",
					cg, (unsigned long long)(p99 / NSEC_PER_USEC), n,
					(unsigned long long)(cfg->max_p99_wake_latency_ns /
							     NSEC_PER_USEC));
			if (!ret && KTSTR_ASSERT_ISSET(cfg, max_wake_latency_cv) &&
			    n >= 2 && s.wake_latency_cv > cfg->max_wake_latency_cv)
				ret = ktstr__detail(&r, KTSTR_DETAIL_BENCHMARK, cg,
					-1, -1, 0,
					"cgroup %s: wake latency cv=%.3f over %zu samples (threshold %.3f)",
					cg, s.wake_latency_cv, n,
					cfg->max_wake_latency_cv);
		}
		free(v);
	}
	if (!ret && KTSTR_ASSERT_ISSET(cfg, min_iteration_rate))
		ret = check_iter_rate(cfg, in, cg, &r);
	if (!ret && KTSTR_ASSERT_ISSET(cfg, max_migration_ratio) &&
	    s.iterations && s.migration_ratio > cfg->max_migration_ratio)
		ret = ktstr__detail(&r, KTSTR_DETAIL_MIGRATION, cg, -1, -1, 0,
			"cgroup %s: migration ratio %.4f (%llu migrations / %llu iterations) (threshold %.4f)",
			cg, s.migration_ratio, (unsigned long long)s.migrations,
			(unsigned long long)s.iterations, cfg->max_migration_ratio);
	if (!ret && KTSTR_ASSERT_ISSET(cfg, min_page_locality) &&
	    in->pages_total && s.page_locality < cfg->min_page_locality)
		ret = ktstr__detail(&r, KTSTR_DETAIL_PAGE_LOCALITY, cg, -1, -1, 0,
			"cgroup %s: page locality %.3f (%llu of %llu pages on the cpuset's nodes) (threshold %.3f)",
			cg, s.page_locality, (unsigned long long)in->pages_local,
			(unsigned long long)in->pages_total, cfg->min_page_locality);
	if (!ret)
		ret = ktstr__assert_kernel_cgroup(cfg, in, &s, &r);
	if (!ret)
		ret = name_rt_hogs(in, &r);
	if (!ret)
		ret = ktstr__add_cgroup_stats(&r, &s);
out:
	if (!ret)
		ret = ktstr_assert_result_merge(res, &r);
	ktstr_assert_result_free(&r);
	return ret;
}
