// SPDX-License-Identifier: GPL-2.0
/*
 * The scenario registry: the category tables of scenarios/<category>.c in catalogue
 * order, lookup and filtering, and what a scenario needs from the machine
 * (skip reasons, cpusets of its cgroups, workloads of its works).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ktstr/util.h>
#include <ktstr/collector.h>
#include <ktstr/scenario.h>
#include "util/ktstr_error.h"

static const struct ktstr_scenario_table *const tables[] = {
	&ktstr_scenario_basic, &ktstr_scenario_cpuset, &ktstr_scenario_affinity,
	&ktstr_scenario_sched_class, &ktstr_scenario_dynamic, &ktstr_scenario_nested,
	&ktstr_scenario_stall, &ktstr_scenario_stress, &ktstr_scenario_advanced,
	&ktstr_scenario_interaction, &ktstr_scenario_performance, &ktstr_scenario_kernel,
};
#define NR_TABLES	((int)(KTSTR_ARRAY_SIZE(tables)))

/*
 * The tables leave .category to their file; the registry hands out copies
 * that carry it, built once.
 */
static struct ktstr_scenario *all;
static int nr_all = -1;

static void build(void)
{
	int n = 0, k = 0;

	if (nr_all >= 0)
		return;
	for (int t = 0; t < NR_TABLES; t++)
		n += tables[t]->nr;
	all = calloc(n, sizeof(*all));
	if (!all) {
		nr_all = 0;
		return;
	}
	for (int t = 0; t < NR_TABLES; t++)
		for (int i = 0; i < tables[t]->nr; i++) {
			all[k] = tables[t]->scenarios[i];
			all[k].category = tables[t]->category;
			k++;
		}
	nr_all = n;
}

int ktstr_scenario_count(void)
{
	build();
	return nr_all;
}

const struct ktstr_scenario *ktstr_scenario_at(int i)
{
	build();
	return i >= 0 && i < nr_all ? &all[i] : NULL;
}

const struct ktstr_scenario *ktstr_scenario_find(const char *name)
{
	build();
	if (!name)
		return NULL;
	for (int i = 0; i < nr_all; i++)
		if (!strcmp(all[i].name, name))
			return &all[i];
	return NULL;
}

const char *ktstr_scenario_category(int i)
{
	return i >= 0 && i < NR_TABLES ? tables[i]->category : NULL;
}

bool ktstr_scenario_match(const struct ktstr_scenario *s, const char *filter)
{
	if (!s)
		return false;
	if (!filter || !*filter)
		return true;
	if (!strncmp(filter, "category:", 9))
		return !strcasecmp(s->category, filter + 9);
	return strstr(s->name, filter) || !strcasecmp(s->category, filter);
}

int ktstr_scenario_select(const char *const *names, int nr_names, const char *filter,
			  const struct ktstr_scenario ***out)
{
	const struct ktstr_scenario **sel = calloc(ktstr_scenario_count() + 1, sizeof(*sel));
	int nsel = 0;

	*out = sel;
	if (!sel)
		return -ENOMEM;
	for (int i = 0; i < ktstr_scenario_count(); i++) {
		const struct ktstr_scenario *s = ktstr_scenario_at(i);
		bool named = !nr_names;

		for (int k = 0; k < nr_names && !named; k++)
			named = !strcmp(names[k], s->name);
		if (named && ktstr_scenario_match(s, filter))
			sel[nsel++] = s;
	}
	return nsel;
}

#define say(why, len, ...) ktstr_errorf_buf(why, len, -ENOSPC, __VA_ARGS__)

int ktstr_scenario_nr_cgroups(const struct ktstr_scenario *s,
			      const struct ktstr_topo *topo)
{
	if (s->nr_cgroups == KTSTR_CGROUP_PER_CPU)
		return topo ? ktstr_cpuset_count(&topo->usable) : 0;
	return s->nr_cgroups;
}

/* A step or the backdrop of @s has a restart_scheduler op. */
static bool restarts_scheduler(const struct ktstr_scenario *s)
{
	const struct ktstr_backdrop *b = s->backdrop;

	for (size_t i = 0; b && i < b->nr_ops; i++)
		if (b->ops[i].kind == KTSTR_OP_RESTART_SCHEDULER)
			return true;
	for (size_t i = 0; i < s->nr_steps; i++)
		for (size_t j = 0; j < s->steps[i].nr_ops; j++)
			if (s->steps[i].ops[j].kind == KTSTR_OP_RESTART_SCHEDULER)
				return true;
	return false;
}

int ktstr_scenario_skip_reason(const struct ktstr_scenario *s,
			       const struct ktstr_topo *topo,
			       const struct ktstr_collector *collector,
			       pid_t sched_pid, bool sched_owned, char *why, size_t len)
{
	unsigned int lacks;
	int cpus;

	if (!s || !topo)
		return -EINVAL;
	cpus = ktstr_cpuset_count(&topo->usable);
	if (s->needs_kernel && !collector)
		return say(why, len, "needs kernel records (no collector: load ktstr.ko, or --backend bpf)");
	lacks = s->needs_kernel & KTSTR_HAS_ALL & ~ktstr_collector_has(collector);
	if (lacks)
		return say(why, len, "needs %s, which the %s collector does not record",
			   ktstr_has_name(lacks), ktstr_collector_name(collector));
	if (s->needs_sched && !sched_pid)
		return say(why, len, "needs an scx scheduler (--scheduler or --sched-pid)");
	if (!sched_owned && restarts_scheduler(s))
		return say(why, len,
			   "restarts the scheduler: needs one ktstr run started (--scheduler)");
	if (cpus < s->min_cpus)
		return say(why, len, "not enough CPUs: needs %d usable, have %d",
			   s->min_cpus, cpus);
	if (topo->nr_llcs < s->min_llcs)
		return say(why, len, "not enough LLCs: needs %d, have %d",
			   s->min_llcs, topo->nr_llcs);
	if (topo->nr_nodes < s->min_nodes)
		return say(why, len, "not enough NUMA nodes: needs %d, have %d",
			   s->min_nodes, topo->nr_nodes);
	if (s->nr_cgroups > KTSTR_SCENARIO_MAX_CGROUPS ||
	    ktstr_scenario_nr_cgroups(s, topo) > KTSTR_SCENARIO_MAX_CGROUPS)
		return say(why, len, "more than %d cgroups", KTSTR_SCENARIO_MAX_CGROUPS);
	return 0;
}

/* The usable CPUs in topology order. */
static int usable_order(const struct ktstr_topo *topo, int *cpus)
{
	int n = 0;

	for (int i = 0; i < topo->nr_cpus; i++)
		if (ktstr_cpuset_test(&topo->usable, topo->order[i]))
			cpus[n++] = topo->order[i];
	return n;
}

/* Usable CPUs [a, b) by position in topology order. */
static void positions(const int *order, int a, int b, struct ktstr_cpuset *out)
{
	ktstr_cpuset_zero(out);
	for (int i = a; i < b; i++)
		ktstr_cpuset_set(out, order[i]);
}

/* Split positions [a, b) into @n nearly equal consecutive runs. */
static void split_range(const int *order, int a, int b, int n,
			struct ktstr_cpuset *sets)
{
	for (int i = 0; i < n; i++)
		positions(order, a + (b - a) * i / n, a + (b - a) * (i + 1) / n,
			  &sets[i]);
}

int ktstr_scenario_cpusets(const struct ktstr_scenario *s,
			   const struct ktstr_topo *topo,
			   struct ktstr_cpuset *sets, int *nr, char *why,
			   size_t len)
{
	int order[KTSTR_MAX_CPUS];
	int n, ncpu, cut, ret = 0;

	if (!s || !topo || !sets || !nr)
		return -EINVAL;
	n = ktstr_scenario_nr_cgroups(s, topo);
	*nr = n;
	if (n < 0 || n > KTSTR_SCENARIO_MAX_CGROUPS)
		return -EINVAL;
	for (int i = 0; i < n; i++)
		ktstr_cpuset_zero(&sets[i]);
	ncpu = usable_order(topo, order);

	switch (s->partition.kind) {
	case KTSTR_PART_NONE:
		return 0;
	case KTSTR_PART_LLC_ALIGNED:
		if (topo->nr_llcs < n)
			return say(why, len, "not enough LLCs: needs %d, have %d",
				   n, topo->nr_llcs);
		for (int i = 0; i < n; i++) {
			ktstr_topo_llc_cpuset(topo, i, &sets[i]);
			ktstr_cpuset_and(&sets[i], &sets[i], &topo->usable);
		}
		break;
	case KTSTR_PART_SPLIT_HALF:
		if (ncpu < n)
			return say(why, len, "not enough CPUs: needs %d usable, have %d",
				   n, ncpu);
		ret = ktstr_topo_split(topo, n, sets);
		break;
	case KTSTR_PART_SPLIT_MISALIGNED:
		/* Cut half an LLC past the even split, so a set spans two LLCs. */
		if (topo->nr_llcs < 2)
			return say(why, len, "not enough LLCs: needs 2, have %d",
				   topo->nr_llcs);
		if (n != 2 || ncpu < 3)
			return say(why, len, "not enough CPUs: needs 3 usable, have %d",
				   ncpu);
		cut = ncpu / 2 + ncpu / (2 * topo->nr_llcs);
		if (cut >= ncpu)
			cut = ncpu - 1;
		positions(order, 0, cut, &sets[0]);
		positions(order, cut, ncpu, &sets[1]);
		break;
	case KTSTR_PART_OVERLAP:
		if (s->partition.frac < 0 || s->partition.frac >= 1)
			return -EINVAL;
		ret = ktstr_topo_overlap(topo, n, s->partition.frac, sets);
		break;
	case KTSTR_PART_UNEVEN:
		if (s->partition.frac <= 0 || s->partition.frac >= 1 || n < 2)
			return -EINVAL;
		cut = (int)(ncpu * s->partition.frac);
		if (cut >= ncpu)
			cut = ncpu - 1;
		if (cut < 1 || ncpu - cut < n - 1)
			return say(why, len, "not enough CPUs: needs %d usable, have %d",
				   n, ncpu);
		positions(order, 0, cut, &sets[0]);
		split_range(order, cut, ncpu, n - 1, &sets[1]);
		break;
	case KTSTR_PART_HOLDBACK:
		if (s->partition.frac <= 0 || s->partition.frac >= 1)
			return -EINVAL;
		cut = ncpu - (int)(ncpu * s->partition.frac + 0.5);
		if (cut < n || cut == ncpu)
			return say(why, len, "not enough CPUs: holding back %.0f%% of %d "
				   "leaves too few for %d cgroups",
				   s->partition.frac * 100, ncpu, n);
		split_range(order, 0, cut, n, sets);
		break;
	default:
		return -EINVAL;
	}
	if (ret == -ERANGE)
		return say(why, len, "not enough CPUs for %d cgroups: have %d usable",
			   n, ncpu);
	if (ret)
		return ret;
	for (int i = 0; i < n; i++)
		if (ktstr_cpuset_empty(&sets[i]))
			return say(why, len, "not enough CPUs: cg_%d would have none", i);
	return 0;
}

int ktstr_scenario_workload(const struct ktstr_scenario_work *w, int per_cgroup,
			    int cgroup_cpus, const struct ktstr_work *override,
			    struct ktstr_workload *wl, char *why, size_t len)
{
	int ret, n;

	if (!w || !wl)
		return -EINVAL;
	ret = ktstr_workload_init(wl, KTSTR_WORK_SPIN_WAIT, 1);
	if (ret)
		return ret;
	if (w->work) {
		ret = ktstr_work_parse(w->work, &wl->work);
		if (ret)
			return ktstr_errorf_buf(why, len, -EINVAL, "work '%s': %s", w->work,
						ktstr_last_error());
	} else if (override) {
		wl->work = *override;
	}
	if (w->workers > 0)
		n = w->workers;
	else if (w->workers < 0)
		n = -w->workers * (cgroup_cpus > 0 ? cgroup_cpus : 1);
	else
		n = per_cgroup > 0 ? per_cgroup : KTSTR_CTX_WORKERS_PER_CGROUP;
	/* Round to the type's group size or fixed count. */
	n = ktstr_work_dfl_workers(&wl->work, n);
	wl->nr_workers = n;
	wl->sched.policy = w->policy;
	wl->sched.prio = w->prio;
	wl->set_nice = w->set_nice;
	wl->nice = w->nice;
	ret = ktstr_work_check(&wl->work, n);
	if (ret)
		return ktstr_errorf_buf(why, len, -EINVAL, "%s x%d: %s",
					w->work ? w->work : "SpinWait", n, ktstr_last_error());
	return 0;
}

int ktstr_scenario_validate(const struct ktstr_scenario *s, int per_cgroup,
			    char *why, size_t len)
{
	struct ktstr_workload wl;
	int ret;

	if (!s || !s->name || !s->description)
		return say(why, len, "unnamed or undescribed scenario"), -EINVAL;
	if (s->nr_works < 0 || s->nr_works > KTSTR_SCENARIO_MAX_WORKS)
		return say(why, len, "%s: bad nr_works", s->name), -EINVAL;
	if (s->steps || s->custom)
		return 0;
	if (s->nr_cgroups == 0 || s->nr_cgroups < KTSTR_CGROUP_PER_CPU ||
	    s->nr_cgroups > KTSTR_SCENARIO_MAX_CGROUPS)
		return say(why, len, "%s: bad cgroup count %d", s->name,
			   s->nr_cgroups), -EINVAL;
	for (int i = 0; i < s->nr_works; i++) {
		const struct ktstr_scenario_work *w = &s->works[i];

		if (s->nr_cgroups > 0 && (w->cgs >> s->nr_cgroups))
			return say(why, len, "%s: work %d names a cgroup past cg_%d",
				   s->name, i, s->nr_cgroups - 1), -EINVAL;
		/* Per-CPU counts checked with one and with four CPUs. */
		for (int cpus = 1; cpus <= 4; cpus += 3) {
			ret = ktstr_scenario_workload(w, per_cgroup, cpus, NULL,
						      &wl, why, len);
			if (ret)
				return ret;
		}
	}
	return 0;
}

void ktstr_run_opts_init(struct ktstr_run_opts *o)
{
	if (!o)
		return;
	memset(o, 0, sizeof(*o));
	o->duration_ms = KTSTR_CTX_DURATION_MS;
	o->workers = KTSTR_CTX_WORKERS_PER_CGROUP;
	o->settle_ms = KTSTR_CTX_SETTLE_MS;
}

void ktstr_scenario_assert(const struct ktstr_scenario *s,
			   const struct ktstr_run_opts *o,
			   struct ktstr_assert *cfg)
{
	ktstr_assert_resolve(cfg, o ? o->sched_assert : NULL,
			     s ? &s->assert : NULL);
	if (o && o->relax_assert)
		ktstr_assert_relax(cfg, o->relax_assert);
}
