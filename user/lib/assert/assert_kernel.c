// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel-precise checks from /dev/ktstr: the longest runnable wait per task
 * and per cgroup, wait-share fairness, isolation from the CPUs the kernel
 * actually ran each task on, exact migrations, and starvation events.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ktstr/util.h>
#include <ktstr/collector.h>

#include "assert_priv.h"

/* One task's kernel numbers, from a record or a report's k_* fields. */
struct ktask {
	pid_t pid;
	char comm[KTSTR_COMM_LEN];
	uint64_t wait_ns, run_ns;
	uint64_t max_wait_ns;		/* max(longest ended wait, current) */
	int max_wait_cpu;
	uint64_t migrations, runs, starvations;
	uint64_t max_starve_ns;		/* longest starvation episode */
	int max_starve_cpu;
	struct ktstr_cpuset cpus;
};

static void from_krec(struct ktask *t, const struct ktstr_task_rec *k)
{
	memset(t, 0, sizeof(*t));
	t->pid = k->pid;
	memcpy(t->comm, k->comm, sizeof(t->comm));
	t->comm[sizeof(t->comm) - 1] = '\0';
	t->wait_ns = k->wait_ns + k->cur_wait_ns;
	t->run_ns = k->run_ns;
	t->max_wait_ns = k->max_wait_ns;
	t->max_wait_cpu = k->max_wait_cpu;
	if (k->cur_wait_ns > t->max_wait_ns) {
		/* Still waiting at the snapshot: where it is queued. */
		t->max_wait_ns = k->cur_wait_ns;
		t->max_wait_cpu = k->last_cpu;
	}
	t->migrations = k->nr_migrations;
	t->runs = k->nr_runs;
	t->starvations = k->nr_starvations;
	t->max_starve_ns = k->max_starve_ns;
	t->max_starve_cpu = k->max_starve_cpu;
	for (size_t w = 0; w < KTSTR_CPUSET_WORDS && w < KTSTR_MAX_CPUS / 64; w++)
		t->cpus.bits[w] = k->cpus[w];
}

static void from_report(struct ktask *t, const struct ktstr_report *r)
{
	memset(t, 0, sizeof(*t));
	t->pid = r->pid;
	snprintf(t->comm, sizeof(t->comm), "worker");
	t->wait_ns = r->k_wait_ns;
	t->run_ns = r->k_run_ns;
	t->max_wait_ns = r->k_max_wait_ns;
	t->max_wait_cpu = r->k_max_wait_cpu;
	t->migrations = r->k_nr_migrations;
	t->runs = r->k_switches;
	t->starvations = r->k_nr_starvations;
	t->max_starve_ns = r->k_max_starve_ns;
	t->max_starve_cpu = r->k_max_starve_cpu;
	t->cpus = r->k_cpus;
}

static double wait_share(const struct ktask *t)
{
	uint64_t d = t->wait_ns + t->run_ns;

	return d ? 100.0 * (double)t->wait_ns / (double)d : 0.0;
}

#define WHO(buf, t)	ktstr__task_name(buf, sizeof(buf), (t)->comm, (t)->pid)

/* One cgroup's tasks as the checks below see them. */
struct kview {
	const char *cg;			/* its name */
	const struct ktask *t;
	size_t n;
	size_t nshare;			/* tasks with wait or run time */
	const struct ktask *lo, *hi;	/* least and most wait share */
	const struct ktask *longest;	/* the longest single wait */
	uint64_t runs;
};

/* The cgroup's kernel statistics into @s, and the tasks that stand out. */
static void kview_tally(struct kview *v, struct ktstr_cgroup_stats *s)
{
	s->has_kernel = true;
	s->kernel_tasks = (int)v->n;
	for (size_t i = 0; i < v->n; i++) {
		const struct ktask *k = &v->t[i];

		s->total_wait_ns += k->wait_ns;
		s->kernel_migrations += k->migrations;
		s->starvations += k->starvations;
		v->runs += k->runs;
		if (!v->longest || k->max_wait_ns > v->longest->max_wait_ns)
			v->longest = k;
		if (k->wait_ns + k->run_ns) {
			v->nshare++;
			if (!v->lo || wait_share(k) < wait_share(v->lo))
				v->lo = k;
			if (!v->hi || wait_share(k) > wait_share(v->hi))
				v->hi = k;
		}
	}
	s->max_wait_ns = v->longest->max_wait_ns;
	s->max_wait_ms = v->longest->max_wait_ns / NSEC_PER_MSEC;
	s->max_wait_pid = v->longest->pid;
	s->max_wait_cpu = v->longest->max_wait_cpu;
	memcpy(s->max_wait_comm, v->longest->comm, sizeof(s->max_wait_comm));
	if (v->nshare >= 2)
		s->wait_spread = wait_share(v->hi) - wait_share(v->lo);
	if (v->runs)
		s->kernel_migration_ratio = (double)s->kernel_migrations / (double)v->runs;
}

/*
 * Per task: starvation from the records (each counts its own episodes and
 * keeps the longest, so the verdict does not depend on who read the
 * events), then the longest wait.
 */
static int check_tasks(const struct ktstr_assert *cfg, const struct kview *v,
		       struct ktstr_assert_result *r)
{
	char who[48];
	int ret = 0;

	if (KTSTR_ASSERT_ISSET(cfg, fail_on_starvation) && cfg->fail_on_starvation) {
		for (size_t i = 0; i < v->n && !ret; i++) {
			const struct ktask *k = &v->t[i];

			if (!k->starvations)
				continue;
			ret = ktstr__detail_comm(r, KTSTR_DETAIL_STARVATION, v->cg, k->pid,
				k->comm, k->max_starve_cpu, k->max_starve_ns,
				"%s starved on cpu%d in cgroup %s: runnable %.1fms without running (%llu episode%s)",
				WHO(who, k), k->max_starve_cpu, v->cg,
				(double)k->max_starve_ns / NSEC_PER_MSEC,
				(unsigned long long)k->starvations,
				k->starvations == 1 ? "" : "s");
		}
	}
	if (!ret && KTSTR_ASSERT_ISSET(cfg, max_wait_ms)) {
		for (size_t i = 0; i < v->n && !ret; i++) {
			const struct ktask *k = &v->t[i];

			if (k->max_wait_ns <= cfg->max_wait_ms * NSEC_PER_MSEC)
				continue;
			ret = ktstr__detail_comm(r, KTSTR_DETAIL_WAIT, v->cg, k->pid,
				k->comm, k->max_wait_cpu, k->max_wait_ns,
				"%s in cgroup %s waited %.1fms runnable on cpu%d (threshold %llums)",
				WHO(who, k), v->cg,
				(double)k->max_wait_ns / NSEC_PER_MSEC,
				k->max_wait_cpu,
				(unsigned long long)cfg->max_wait_ms);
		}
	}
	return ret;
}

/* The cgroup as a whole: its total wait, and how evenly it was shared. */
static int check_wait_totals(const struct ktstr_assert *cfg, const struct kview *v,
			     const struct ktstr_cgroup_stats *s,
			     struct ktstr_assert_result *r)
{
	const struct ktask *longest = v->longest, *lo = v->lo, *hi = v->hi;
	char who[48], who2[48];
	int ret = 0;

	if (KTSTR_ASSERT_ISSET(cfg, max_cgroup_wait_ms) &&
	    s->total_wait_ns > cfg->max_cgroup_wait_ms * NSEC_PER_MSEC)
		ret = ktstr__detail_comm(r, KTSTR_DETAIL_WAIT, v->cg, longest->pid,
			longest->comm, longest->max_wait_cpu, s->total_wait_ns,
			"cgroup %s: total runnable wait %.1fms over %zu tasks (threshold %llums); longest %s %.1fms on cpu%d",
			v->cg, (double)s->total_wait_ns / NSEC_PER_MSEC, v->n,
			(unsigned long long)cfg->max_cgroup_wait_ms,
			WHO(who, longest),
			(double)longest->max_wait_ns / NSEC_PER_MSEC,
			longest->max_wait_cpu);
	if (!ret && KTSTR_ASSERT_ISSET(cfg, max_wait_spread_pct) && v->nshare >= 2 &&
	    s->wait_spread > cfg->max_wait_spread_pct)
		ret = ktstr__detail_comm(r, KTSTR_DETAIL_UNFAIR, v->cg, hi->pid,
			hi->comm, hi->max_wait_cpu, hi->wait_ns,
			"unfair wait share in cgroup %s: spread=%.1f%% (%.1f-%.1f%%) %zu tasks (threshold %.1f%%): %s least (%.1fms), %s most (%.1fms) waiting",
			v->cg, s->wait_spread, wait_share(lo), wait_share(hi), v->nshare,
			cfg->max_wait_spread_pct, WHO(who, lo),
			(double)lo->wait_ns / NSEC_PER_MSEC, WHO(who2, hi),
			(double)hi->wait_ns / NSEC_PER_MSEC);
	return ret;
}

/* Every task ran only on its cgroup's CPUs (@cpuset), by its own record. */
static int check_isolation(const struct kview *v, const struct ktstr_cpuset *cpuset,
			   struct ktstr_assert_result *r)
{
	char who[48];
	int ret = 0;

	for (size_t i = 0; i < v->n && !ret; i++) {
		const struct ktask *k = &v->t[i];
		struct ktstr_cpuset out;
		char bad[256], exp[256];

		if (ktstr_cpuset_subset(&k->cpus, cpuset))
			continue;
		ktstr_cpuset_andnot(&out, &k->cpus, cpuset);
		ktstr_cpulist_format(&out, bad, sizeof(bad));
		ktstr_cpulist_format(cpuset, exp, sizeof(exp));
		ret = ktstr__detail_comm(r, KTSTR_DETAIL_KERNEL_ISOLATION,
			v->cg, k->pid, k->comm, ktstr_cpuset_first(&out), 0,
			"%s in cgroup %s ran on cpu %s outside its cpuset %s (kernel record)",
			WHO(who, k), v->cg, bad, exp);
	}
	return ret;
}

int ktstr__assert_kernel_cgroup(const struct ktstr_assert *cfg,
				const struct ktstr_assert_cgroup_in *in,
				struct ktstr_cgroup_stats *s,
				struct ktstr_assert_result *r)
{
	struct kview v = { .cg = in->name ? in->name : "" };
	struct ktask *t;
	size_t n = 0;
	int ret = 0;

	t = calloc(in->nr_krecs + in->nr_reports + 1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	if (in->nr_krecs) {
		for (size_t i = 0; i < in->nr_krecs; i++)
			from_krec(&t[n++], &in->krecs[i]);
	} else {
		for (size_t i = 0; i < in->nr_reports; i++)
			if (in->reports[i].has_krec)
				from_report(&t[n++], &in->reports[i]);
	}
	if (!n)
		goto out;
	v.t = t;
	v.n = n;
	kview_tally(&v, s);

	ret = check_tasks(cfg, &v, r);
	if (!ret)
		ret = check_wait_totals(cfg, &v, s, r);
	if (!ret && KTSTR_ASSERT_ISSET(cfg, kernel_isolation) &&
	    cfg->kernel_isolation && in->cpuset)
		ret = check_isolation(&v, in->cpuset, r);
	if (!ret && KTSTR_ASSERT_ISSET(cfg, max_kernel_migration_ratio) && v.runs &&
	    s->kernel_migration_ratio > cfg->max_kernel_migration_ratio)
		ret = ktstr__detail(r, KTSTR_DETAIL_MIGRATION, v.cg, -1, -1, 0,
			"cgroup %s: kernel migration ratio %.4f (%llu migrations / %llu runs) (threshold %.4f)",
			v.cg, s->kernel_migration_ratio,
			(unsigned long long)s->kernel_migrations,
			(unsigned long long)v.runs, cfg->max_kernel_migration_ratio);
out:
	free(t);
	return ret;
}

int ktstr_assert_events(const struct ktstr_assert *cfg,
			const struct ktstr_event *events, size_t nr,
			const char *(*cgroup_name)(uint64_t cgroup_id, void *arg),
			void *arg, struct ktstr_assert_result *res)
{
	struct ktstr_assert_result r;
	bool fail;
	int ret = 0;

	if (!cfg || !res || (!events && nr))
		return -EINVAL;
	if (!nr)
		return 0;
	fail = KTSTR_ASSERT_ISSET(cfg, fail_on_starvation) && cfg->fail_on_starvation;
	ktstr_assert_result_init(&r);
	ktstr_assert_result_pass(&r);
	for (size_t i = 0; i < nr && !ret; i++) {
		const struct ktstr_event *ev = &events[i];
		const char *name = NULL;
		char comm[KTSTR_COMM_LEN], who[48], idbuf[40];
		uint64_t dur = ev->wait_ns;
		bool ended = false;

		if (ev->type != KTSTR_EV_STARVE_BEGIN)
			continue;
		r.stats.starvation_events++;
		if (!fail)
			continue;
		/* The whole episode when its END is there too. */
		for (size_t j = i + 1; j < nr; j++) {
			const struct ktstr_event *e = &events[j];

			if (e->type == KTSTR_EV_STARVE_END && e->pid == ev->pid &&
			    e->wait_start_ns == ev->wait_start_ns) {
				dur = e->wait_ns > dur ? e->wait_ns : dur;
				ended = true;
				break;
			}
		}
		if (cgroup_name)
			name = cgroup_name(ev->cgroup_id, arg);
		if (!name) {
			snprintf(idbuf, sizeof(idbuf), "cgroup %llu",
				 (unsigned long long)ev->cgroup_id);
			name = idbuf;
		}
		memcpy(comm, ev->comm, sizeof(comm));
		comm[sizeof(comm) - 1] = '\0';
		ret = ktstr__detail_comm(&r, KTSTR_DETAIL_STARVATION, name,
			ev->pid, comm, ev->cpu, dur,
			"%s starved on cpu%d in %s%s: runnable %.1fms without running%s",
			ktstr__task_name(who, sizeof(who), comm, ev->pid), ev->cpu,
			name == idbuf ? "" : "cgroup ", name,
			(double)dur / NSEC_PER_MSEC,
			ended ? "" : " (so far)");
	}
	if (!ret)
		ret = ktstr_assert_result_merge(res, &r);
	ktstr_assert_result_free(&r);
	return ret;
}

int ktstr_assert_unjudged(struct ktstr_assert *cfg, unsigned int has,
			  const char *backend, const char *cgroup,
			  struct ktstr_assert_result *r)
{
	static const struct {
		enum ktstr_assert_field f;
		unsigned int need;	/* any of these bits */
		const char *name, *what;
	} tab[] = {
		{ KTSTR_AF_fail_on_starvation, KTSTR_HAS_STARVATION,
		  "fail_on_starvation", "starvation episodes nor longest wait" },
		{ KTSTR_AF_max_wait_ms, KTSTR_HAS_MAX_WAIT,
		  "max_wait_ms", "longest wait" },
		{ KTSTR_AF_kernel_isolation, KTSTR_HAS_CPUS,
		  "kernel_isolation", "CPUs a task ran on" },
		{ KTSTR_AF_max_kernel_migration_ratio, KTSTR_HAS_MIGRATIONS,
		  "max_kernel_migration_ratio", "migrations" },
	};
	int removed = 0, ret;

	if (!cfg || !r)
		return -EINVAL;
	for (size_t i = 0; i < KTSTR_ARRAY_SIZE(tab); i++) {
		uint64_t bit = KTSTR_ASSERT_BIT(tab[i].f);
		bool on = (cfg->has & bit) != 0;

		if (!on || (has & tab[i].need))
			continue;
		/* A boolean check set to false asks for nothing. */
		if (tab[i].f == KTSTR_AF_fail_on_starvation)
			on = cfg->fail_on_starvation;
		else if (tab[i].f == KTSTR_AF_kernel_isolation)
			on = cfg->kernel_isolation;
		cfg->has &= ~bit;
		if (!on)
			continue;
		ret = ktstr__detail(r, KTSTR_DETAIL_SKIP, cgroup, -1, -1, 0,
				    "cgroup %s: %s not judged: backend %s records no %s",
				    cgroup ? cgroup : "", tab[i].name,
				    backend ? backend : "?", tab[i].what);
		if (ret)
			return ret;
		removed++;
	}
	return removed;
}
