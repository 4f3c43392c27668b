// SPDX-License-Identifier: GPL-2.0
/*
 * Assert results: verdict, typed details, per-cgroup stats, ktstr's merge
 * (pass is AND, details concatenated, counters summed, worst-of for the
 * rest), the human format and JSON.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "assert_priv.h"

static const char *const kind_names[KTSTR_DETAIL__COUNT] = {
	[KTSTR_DETAIL_STUCK] = "stuck",
	[KTSTR_DETAIL_UNFAIR] = "unfair",
	[KTSTR_DETAIL_GAP] = "gap",
	[KTSTR_DETAIL_ISOLATION] = "isolation",
	[KTSTR_DETAIL_BENCHMARK] = "benchmark",
	[KTSTR_DETAIL_MIGRATION] = "migration",
	[KTSTR_DETAIL_PAGE_LOCALITY] = "page_locality",
	[KTSTR_DETAIL_STARVATION] = "starvation",
	[KTSTR_DETAIL_WAIT] = "wait",
	[KTSTR_DETAIL_KERNEL_ISOLATION] = "kernel_isolation",
	[KTSTR_DETAIL_SCHEDULER_DIED] = "scheduler_died",
	[KTSTR_DETAIL_SKIP] = "skip",
	[KTSTR_DETAIL_OTHER] = "other",
};

const char *ktstr_detail_kind_name(enum ktstr_detail_kind k)
{
	if ((int)k < 0 || k >= KTSTR_DETAIL__COUNT)
		return "other";
	return kind_names[k];
}

const char *ktstr_verdict_name(enum ktstr_verdict v)
{
	switch (v) {
	case KTSTR_VERDICT_PASS:
		return "PASS";
	case KTSTR_VERDICT_FAIL:
		return "FAIL";
	default:
		return "SKIP";
	}
}

const char *ktstr__task_name(char *buf, size_t len, const char *comm, pid_t pid)
{
	snprintf(buf, len, "%s[%d]", comm && *comm ? comm : "worker", (int)pid);
	return buf;
}

static void stats_init(struct ktstr_scenario_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->worst_gap_cpu = -1;
	s->worst_max_wait_pid = -1;
	s->worst_max_wait_cpu = -1;
}

void ktstr_assert_result_init(struct ktstr_assert_result *r)
{
	if (!r)
		return;
	memset(r, 0, sizeof(*r));
	r->verdict = KTSTR_VERDICT_SKIP;
	stats_init(&r->stats);
}

void ktstr_assert_result_free(struct ktstr_assert_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nr_details; i++)
		free(r->details[i].message);
	free(r->details);
	free(r->cgroups);
	ktstr_assert_result_init(r);
}

void ktstr__verdict(struct ktstr_assert_result *r, enum ktstr_verdict v)
{
	if (v > r->verdict)
		r->verdict = v;
}

void ktstr_assert_result_pass(struct ktstr_assert_result *r)
{
	if (r)
		ktstr__verdict(r, KTSTR_VERDICT_PASS);
}

bool ktstr_assert_result_passed(const struct ktstr_assert_result *r)
{
	return r && r->verdict != KTSTR_VERDICT_FAIL;
}

size_t ktstr_assert_result_count(const struct ktstr_assert_result *r,
				 enum ktstr_detail_kind kind)
{
	size_t n = 0;

	if (!r)
		return 0;
	for (size_t i = 0; i < r->nr_details; i++)
		n += r->details[i].kind == kind;
	return n;
}

int ktstr_assert_result_add(struct ktstr_assert_result *r,
			    const struct ktstr_assert_detail *d)
{
	struct ktstr_assert_detail *nd;

	if (!r || !d)
		return -EINVAL;
	if (r->nr_details == r->cap_details) {
		size_t cap = r->cap_details ? 2 * r->cap_details : 8;

		nd = realloc(r->details, cap * sizeof(*nd));
		if (!nd)
			return -ENOMEM;
		r->details = nd;
		r->cap_details = cap;
	}
	nd = &r->details[r->nr_details];
	*nd = *d;
	nd->comm[sizeof(nd->comm) - 1] = '\0';
	nd->cgroup[sizeof(nd->cgroup) - 1] = '\0';
	nd->message = strdup(d->message ? d->message : "");
	if (!nd->message)
		return -ENOMEM;
	/* One line each. */
	for (char *p = nd->message; *p; p++)
		if (*p == '\n')
			*p = ' ';
	r->nr_details++;
	ktstr__verdict(r, d->kind == KTSTR_DETAIL_SKIP ? KTSTR_VERDICT_SKIP :
					 KTSTR_VERDICT_FAIL);
	return 0;
}

static int vdetail(struct ktstr_assert_result *r, enum ktstr_detail_kind kind,
		   const char *cgroup, pid_t pid, const char *comm, int cpu,
		   uint64_t duration_ns, const char *fmt, va_list ap)
{
	struct ktstr_assert_detail d;
	char *msg;
	int ret;

	if (!r || !fmt)
		return -EINVAL;
	if (vasprintf(&msg, fmt, ap) < 0)
		return -ENOMEM;
	memset(&d, 0, sizeof(d));
	d.kind = kind;
	d.message = msg;
	d.pid = pid;
	d.cpu = cpu;
	d.duration_ns = duration_ns;
	d.cause_pid = -1;
	if (comm)
		snprintf(d.comm, sizeof(d.comm), "%s", comm);
	if (cgroup)
		snprintf(d.cgroup, sizeof(d.cgroup), "%s", cgroup);
	ret = ktstr_assert_result_add(r, &d);
	free(msg);
	return ret;
}

int ktstr__detail(struct ktstr_assert_result *r, enum ktstr_detail_kind kind,
		  const char *cgroup, pid_t pid, int cpu, uint64_t duration_ns,
		  const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vdetail(r, kind, cgroup, pid, NULL, cpu, duration_ns, fmt, ap);
	va_end(ap);
	return ret;
}

int ktstr__detail_comm(struct ktstr_assert_result *r,
		       enum ktstr_detail_kind kind, const char *cgroup,
		       pid_t pid, const char *comm, int cpu,
		       uint64_t duration_ns, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vdetail(r, kind, cgroup, pid, comm, cpu, duration_ns, fmt, ap);
	va_end(ap);
	return ret;
}

int ktstr_assert_result_skip(struct ktstr_assert_result *r, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vdetail(r, KTSTR_DETAIL_SKIP, NULL, -1, NULL, -1, 0, fmt, ap);
	va_end(ap);
	return ret;
}

int ktstr_assert_result_fail(struct ktstr_assert_result *r,
			     enum ktstr_detail_kind kind, const char *fmt, ...)
{
	va_list ap;
	int ret;

	if (kind == KTSTR_DETAIL_SKIP)
		kind = KTSTR_DETAIL_OTHER;
	va_start(ap, fmt);
	ret = vdetail(r, kind, NULL, -1, NULL, -1, 0, fmt, ap);
	va_end(ap);
	if (r)
		ktstr__verdict(r, KTSTR_VERDICT_FAIL);
	return ret;
}

/* ---- stats ---- */

static double min_nonzero(double a, double b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

#define MAXF(f)	do { if (src->f > dst->f) dst->f = src->f; } while (0)

static void stats_merge(struct ktstr_scenario_stats *dst,
			const struct ktstr_scenario_stats *src)
{
	dst->total_workers += src->total_workers;
	dst->total_cpus += src->total_cpus;
	dst->total_migrations += src->total_migrations;
	dst->total_iterations += src->total_iterations;
	MAXF(worst_spread);
	/* Gap and its CPU together, from the same cgroup. */
	if (src->worst_gap_ms > dst->worst_gap_ms ||
	    (dst->worst_gap_cpu < 0 && src->worst_gap_cpu >= 0 &&
	     src->worst_gap_ms == dst->worst_gap_ms)) {
		dst->worst_gap_ms = src->worst_gap_ms;
		dst->worst_gap_cpu = src->worst_gap_cpu;
	}
	MAXF(worst_migration_ratio);
	MAXF(worst_p99_wake_latency_us);
	MAXF(worst_median_wake_latency_us);
	MAXF(worst_wake_latency_cv);
	MAXF(worst_mean_run_delay_us);
	MAXF(worst_run_delay_us);
	dst->worst_page_locality = min_nonzero(dst->worst_page_locality,
					       src->worst_page_locality);
	dst->worst_iterations_per_worker =
		min_nonzero(dst->worst_iterations_per_worker,
			    src->worst_iterations_per_worker);
	if (src->worst_max_wait_ns > dst->worst_max_wait_ns) {
		dst->worst_max_wait_ns = src->worst_max_wait_ns;
		dst->worst_max_wait_pid = src->worst_max_wait_pid;
		dst->worst_max_wait_cpu = src->worst_max_wait_cpu;
		memcpy(dst->worst_max_wait_comm, src->worst_max_wait_comm,
		       sizeof(dst->worst_max_wait_comm));
		memcpy(dst->worst_max_wait_cgroup, src->worst_max_wait_cgroup,
		       sizeof(dst->worst_max_wait_cgroup));
	}
	dst->total_wait_ns += src->total_wait_ns;
	dst->total_kernel_migrations += src->total_kernel_migrations;
	MAXF(worst_kernel_migration_ratio);
	MAXF(worst_wait_spread);
	dst->total_starvations += src->total_starvations;
	dst->starvation_events += src->starvation_events;
}

static void cgroup_to_scenario(const struct ktstr_cgroup_stats *c,
			       struct ktstr_scenario_stats *s)
{
	stats_init(s);
	s->total_workers = c->workers;
	s->total_cpus = c->cpus;
	s->total_migrations = c->migrations;
	s->total_iterations = c->iterations;
	s->worst_spread = c->spread;
	s->worst_gap_ms = c->max_gap_ms;
	s->worst_gap_cpu = c->max_gap_cpu;
	s->worst_migration_ratio = c->migration_ratio;
	s->worst_p99_wake_latency_us = c->p99_wake_latency_us;
	s->worst_median_wake_latency_us = c->median_wake_latency_us;
	s->worst_wake_latency_cv = c->wake_latency_cv;
	s->worst_mean_run_delay_us = c->mean_run_delay_us;
	s->worst_run_delay_us = c->worst_run_delay_us;
	s->worst_page_locality = c->page_locality;
	s->worst_iterations_per_worker = c->iterations_per_worker;
	if (c->has_kernel) {
		s->worst_max_wait_ns = c->max_wait_ns;
		s->worst_max_wait_pid = c->max_wait_pid;
		s->worst_max_wait_cpu = c->max_wait_cpu;
		memcpy(s->worst_max_wait_comm, c->max_wait_comm,
		       sizeof(s->worst_max_wait_comm));
		memcpy(s->worst_max_wait_cgroup, c->name,
		       sizeof(s->worst_max_wait_cgroup) < sizeof(c->name) ?
		       sizeof(s->worst_max_wait_cgroup) : sizeof(c->name));
		s->worst_max_wait_cgroup[sizeof(s->worst_max_wait_cgroup) - 1] = '\0';
		s->total_wait_ns = c->total_wait_ns;
		s->total_kernel_migrations = c->kernel_migrations;
		s->worst_kernel_migration_ratio = c->kernel_migration_ratio;
		s->worst_wait_spread = c->wait_spread;
		s->total_starvations = c->starvations;
	}
}

static int push_cgroup(struct ktstr_assert_result *r,
		       const struct ktstr_cgroup_stats *s)
{
	if (r->nr_cgroups == r->cap_cgroups) {
		size_t cap = r->cap_cgroups ? 2 * r->cap_cgroups : 4;
		struct ktstr_cgroup_stats *n;

		n = realloc(r->cgroups, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		r->cgroups = n;
		r->cap_cgroups = cap;
	}
	r->cgroups[r->nr_cgroups++] = *s;
	return 0;
}

int ktstr__add_cgroup_stats(struct ktstr_assert_result *r,
			    const struct ktstr_cgroup_stats *s)
{
	struct ktstr_scenario_stats ss;
	int ret = push_cgroup(r, s);

	if (ret)
		return ret;
	cgroup_to_scenario(s, &ss);
	stats_merge(&r->stats, &ss);
	return 0;
}

int ktstr_assert_result_merge(struct ktstr_assert_result *dst,
			      const struct ktstr_assert_result *src)
{
	int ret;

	if (!dst || !src)
		return -EINVAL;
	if (dst == src)
		return -EINVAL;
	for (size_t i = 0; i < src->nr_details; i++) {
		ret = ktstr_assert_result_add(dst, &src->details[i]);
		if (ret)
			return ret;
	}
	for (size_t i = 0; i < src->nr_cgroups; i++) {
		ret = push_cgroup(dst, &src->cgroups[i]);
		if (ret)
			return ret;
	}
	stats_merge(&dst->stats, &src->stats);
	/* A SKIP detail must not lower a PASS, a FAIL stays a FAIL. */
	ktstr__verdict(dst, src->verdict);
	return 0;
}

/* ---- arithmetic ---- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t ktstr_percentile_nearest(uint64_t *v, size_t n, double p)
{
	double rank;
	size_t idx;

	if (!v || !n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_u64);
	if (p <= 0)
		return v[0];
	if (p >= 100)
		return v[n - 1];
	rank = ceil((double)n * p / 100.0);
	idx = rank < 1 ? 0 : (size_t)rank - 1;
	if (idx >= n)
		idx = n - 1;
	return v[idx];
}

double ktstr_cv(const double *v, size_t n)
{
	double mean = 0, var = 0;

	if (!v || n < 2)
		return 0;
	for (size_t i = 0; i < n; i++)
		mean += v[i];
	mean /= (double)n;
	if (mean == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		var += (v[i] - mean) * (v[i] - mean);
	var /= (double)n;
	return sqrt(var) / mean;
}

/* ---- human format ---- */

static void fmt_cgroup(FILE *f, const struct ktstr_cgroup_stats *c)
{
	fprintf(f, "  %s: workers=%d cpus=%d off_cpu=%.1f%% (%.1f-%.1f%%) spread=%.1f%% gap=%llums",
		c->name, c->workers, c->cpus, c->avg_off_cpu_pct,
		c->min_off_cpu_pct, c->max_off_cpu_pct, c->spread,
		(unsigned long long)c->max_gap_ms);
	if (c->max_gap_cpu >= 0)
		fprintf(f, "@cpu%d", c->max_gap_cpu);
	fprintf(f, " migrations=%llu ratio=%.4f iterations=%llu",
		(unsigned long long)c->migrations, c->migration_ratio,
		(unsigned long long)c->iterations);
	if (c->p99_wake_latency_us || c->median_wake_latency_us)
		fprintf(f, " wake p99=%lluus median=%lluus cv=%.2f",
			(unsigned long long)c->p99_wake_latency_us,
			(unsigned long long)c->median_wake_latency_us,
			c->wake_latency_cv);
	if (c->mean_run_delay_us > 0 || c->worst_run_delay_us > 0)
		fprintf(f, " run_delay mean=%.0fus worst=%.0fus",
			c->mean_run_delay_us, c->worst_run_delay_us);
	if (c->page_locality > 0)
		fprintf(f, " page_locality=%.3f", c->page_locality);
	if (c->has_kernel) {
		char who[KTSTR_COMM_LEN + 16];

		fprintf(f, " | kernel: tasks=%d max_wait=%.1fms", c->kernel_tasks,
			(double)c->max_wait_ns / NSEC_PER_MSEC);
		if (c->max_wait_pid > 0)
			fprintf(f, " (%s on cpu%d)",
				ktstr__task_name(who, sizeof(who),
						 c->max_wait_comm, c->max_wait_pid),
				c->max_wait_cpu);
		fprintf(f, " total_wait=%.1fms wait_spread=%.1f%% migrations=%llu ratio=%.4f starvations=%llu",
			(double)c->total_wait_ns / NSEC_PER_MSEC, c->wait_spread,
			(unsigned long long)c->kernel_migrations,
			c->kernel_migration_ratio,
			(unsigned long long)c->starvations);
	}
	fputc('\n', f);
}

int ktstr_assert_result_format(const struct ktstr_assert_result *r, FILE *f)
{
	const struct ktstr_scenario_stats *s;

	if (!r || !f)
		return -EINVAL;
	s = &r->stats;
	for (size_t i = 0; i < r->nr_details; i++)
		fprintf(f, "  [%s] %s\n", ktstr_detail_kind_name(r->details[i].kind),
			r->details[i].message);
	if (!r->nr_cgroups && !s->starvation_events)
		return 0;
	fprintf(f, "--- stats ---\n");
	for (size_t i = 0; i < r->nr_cgroups; i++)
		fmt_cgroup(f, &r->cgroups[i]);
	fprintf(f, "  total: workers=%d cpus=%d migrations=%llu iterations=%llu worst: spread=%.1f%% gap=%llums",
		s->total_workers, s->total_cpus,
		(unsigned long long)s->total_migrations,
		(unsigned long long)s->total_iterations, s->worst_spread,
		(unsigned long long)s->worst_gap_ms);
	if (s->worst_gap_cpu >= 0)
		fprintf(f, "@cpu%d", s->worst_gap_cpu);
	fprintf(f, " migration_ratio=%.4f", s->worst_migration_ratio);
	if (s->worst_p99_wake_latency_us)
		fprintf(f, " wake_p99=%lluus",
			(unsigned long long)s->worst_p99_wake_latency_us);
	if (s->worst_max_wait_ns || s->starvation_events || s->total_wait_ns) {
		char who[KTSTR_COMM_LEN + 16];

		fprintf(f, " | kernel: max_wait=%.1fms",
			(double)s->worst_max_wait_ns / NSEC_PER_MSEC);
		if (s->worst_max_wait_pid > 0)
			fprintf(f, " (%s on cpu%d in %s)",
				ktstr__task_name(who, sizeof(who),
						 s->worst_max_wait_comm,
						 s->worst_max_wait_pid),
				s->worst_max_wait_cpu, s->worst_max_wait_cgroup);
		fprintf(f, " total_wait=%.1fms starvation_events=%llu",
			(double)s->total_wait_ns / NSEC_PER_MSEC,
			(unsigned long long)s->starvation_events);
	}
	fputc('\n', f);
	return 0;
}

int ktstr_assert_result_snprint(const struct ktstr_assert_result *r,
				char *buf, size_t len)
{
	char *text = NULL;
	size_t sz = 0;
	FILE *f;
	int ret;

	if (!r)
		return -EINVAL;
	f = open_memstream(&text, &sz);
	if (!f)
		return -ENOMEM;
	ret = ktstr_assert_result_format(r, f);
	if (fclose(f) || ret) {
		free(text);
		return ret ? ret : -ENOMEM;
	}
	if (buf && len)
		snprintf(buf, len, "%s", text);
	free(text);
	return (int)sz;
}

/* ---- JSON ---- */

static int jset(json_t *o, const char *k, json_t *v)
{
	return v ? json_object_set_new(o, k, v) : -1;
}

static json_t *ju(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static json_t *cgroup_json(const struct ktstr_cgroup_stats *c)
{
	json_t *o = json_object();
	int err = 0;

	if (!o)
		return NULL;
	err |= jset(o, "name", json_string(c->name));
	err |= jset(o, "workers", json_integer(c->workers));
	err |= jset(o, "cpus", json_integer(c->cpus));
	err |= jset(o, "avg_off_cpu_pct", json_real(c->avg_off_cpu_pct));
	err |= jset(o, "min_off_cpu_pct", json_real(c->min_off_cpu_pct));
	err |= jset(o, "max_off_cpu_pct", json_real(c->max_off_cpu_pct));
	err |= jset(o, "spread", json_real(c->spread));
	err |= jset(o, "max_gap_ms", ju(c->max_gap_ms));
	err |= jset(o, "max_gap_cpu", json_integer(c->max_gap_cpu));
	err |= jset(o, "migrations", ju(c->migrations));
	err |= jset(o, "migration_ratio", json_real(c->migration_ratio));
	err |= jset(o, "p99_wake_latency_us", ju(c->p99_wake_latency_us));
	err |= jset(o, "median_wake_latency_us", ju(c->median_wake_latency_us));
	err |= jset(o, "wake_latency_cv", json_real(c->wake_latency_cv));
	err |= jset(o, "iterations", ju(c->iterations));
	err |= jset(o, "work_units", ju(c->work_units));
	err |= jset(o, "iterations_per_worker", json_real(c->iterations_per_worker));
	err |= jset(o, "mean_run_delay_us", json_real(c->mean_run_delay_us));
	err |= jset(o, "worst_run_delay_us", json_real(c->worst_run_delay_us));
	err |= jset(o, "page_locality", json_real(c->page_locality));
	if (c->has_kernel) {
		json_t *k = json_object();

		if (!k || jset(o, "kernel", k)) {
			json_decref(o);
			return NULL;
		}
		err |= jset(k, "tasks", json_integer(c->kernel_tasks));
		err |= jset(k, "max_wait_ns", ju(c->max_wait_ns));
		err |= jset(k, "max_wait_pid", json_integer(c->max_wait_pid));
		err |= jset(k, "max_wait_cpu", json_integer(c->max_wait_cpu));
		err |= jset(k, "max_wait_comm", json_string(c->max_wait_comm));
		err |= jset(k, "total_wait_ns", ju(c->total_wait_ns));
		err |= jset(k, "wait_spread", json_real(c->wait_spread));
		err |= jset(k, "migrations", ju(c->kernel_migrations));
		err |= jset(k, "migration_ratio", json_real(c->kernel_migration_ratio));
		err |= jset(k, "starvations", ju(c->starvations));
	}
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *stats_json(const struct ktstr_scenario_stats *s)
{
	json_t *o = json_object();
	int err = 0;

	if (!o)
		return NULL;
	err |= jset(o, "total_workers", json_integer(s->total_workers));
	err |= jset(o, "total_cpus", json_integer(s->total_cpus));
	err |= jset(o, "total_migrations", ju(s->total_migrations));
	err |= jset(o, "total_iterations", ju(s->total_iterations));
	err |= jset(o, "worst_spread", json_real(s->worst_spread));
	err |= jset(o, "worst_gap_ms", ju(s->worst_gap_ms));
	err |= jset(o, "worst_gap_cpu", json_integer(s->worst_gap_cpu));
	err |= jset(o, "worst_migration_ratio", json_real(s->worst_migration_ratio));
	err |= jset(o, "worst_p99_wake_latency_us", ju(s->worst_p99_wake_latency_us));
	err |= jset(o, "worst_median_wake_latency_us", ju(s->worst_median_wake_latency_us));
	err |= jset(o, "worst_wake_latency_cv", json_real(s->worst_wake_latency_cv));
	err |= jset(o, "worst_mean_run_delay_us", json_real(s->worst_mean_run_delay_us));
	err |= jset(o, "worst_run_delay_us", json_real(s->worst_run_delay_us));
	err |= jset(o, "worst_page_locality", json_real(s->worst_page_locality));
	err |= jset(o, "worst_iterations_per_worker", json_real(s->worst_iterations_per_worker));
	err |= jset(o, "worst_max_wait_ns", ju(s->worst_max_wait_ns));
	err |= jset(o, "worst_max_wait_pid", json_integer(s->worst_max_wait_pid));
	err |= jset(o, "worst_max_wait_cpu", json_integer(s->worst_max_wait_cpu));
	err |= jset(o, "worst_max_wait_comm", json_string(s->worst_max_wait_comm));
	err |= jset(o, "worst_max_wait_cgroup", json_string(s->worst_max_wait_cgroup));
	err |= jset(o, "total_wait_ns", ju(s->total_wait_ns));
	err |= jset(o, "total_kernel_migrations", ju(s->total_kernel_migrations));
	err |= jset(o, "worst_kernel_migration_ratio", json_real(s->worst_kernel_migration_ratio));
	err |= jset(o, "worst_wait_spread", json_real(s->worst_wait_spread));
	err |= jset(o, "total_starvations", ju(s->total_starvations));
	err |= jset(o, "starvation_events", ju(s->starvation_events));
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

struct json_t *ktstr_assert_result_to_json(const struct ktstr_assert_result *r)
{
	json_t *o, *details, *cgroups;
	int err = 0;

	if (!r)
		return NULL;
	o = json_object();
	details = json_array();
	cgroups = json_array();
	if (!o || !details || !cgroups)
		goto fail;
	err |= jset(o, "verdict", json_string(ktstr_verdict_name(r->verdict)));
	err |= json_object_set(o, "details", details);
	err |= json_object_set(o, "cgroups", cgroups);
	for (size_t i = 0; i < r->nr_details && !err; i++) {
		const struct ktstr_assert_detail *d = &r->details[i];
		json_t *j = json_object();

		if (!j || json_array_append_new(details, j)) {
			err = 1;
			break;
		}
		err |= jset(j, "kind", json_string(ktstr_detail_kind_name(d->kind)));
		err |= jset(j, "message", json_string(d->message));
		err |= jset(j, "pid", json_integer(d->pid));
		err |= jset(j, "cpu", json_integer(d->cpu));
		err |= jset(j, "comm", json_string(d->comm));
		err |= jset(j, "cgroup", json_string(d->cgroup));
		err |= jset(j, "duration_ns", ju(d->duration_ns));
	}
	for (size_t i = 0; i < r->nr_cgroups && !err; i++)
		err |= json_array_append_new(cgroups, cgroup_json(&r->cgroups[i])) ? 1 : 0;
	err |= jset(o, "stats", stats_json(&r->stats));
	if (err)
		goto fail;
	json_decref(details);
	json_decref(cgroups);
	return o;
fail:
	json_decref(o);
	json_decref(details);
	json_decref(cgroups);
	return NULL;
}
