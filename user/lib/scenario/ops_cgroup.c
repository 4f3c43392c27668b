// SPDX-License-Identifier: GPL-2.0
/*
 * The cgroup ops of an execution: cgroups added and removed, their
 * cpusets, worker sets spawned into them or the host, affinities, tasks
 * moved, freezing; and the helpers the cgroup definitions use too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ktstr/collector.h>
#include <ktstr/dev.h>
#include <ktstr/ops.h>

#include "ops_priv.h"

static bool is_under(const char *name, const char *top)
{
	size_t n = strlen(top);

	return !strcmp(name, top) || (!strncmp(name, top, n) && name[n] == '/');
}

/* Step cgroups first (newest first), then the backdrop's. */
static struct ops_cg *lookup(struct ops_run *run, const char *name)
{
	for (int pass = 0; pass < 2; pass++)
		for (int i = run->nr_cgs - 1; i >= 0; i--) {
			struct ops_cg *c = &run->cgs[i];

			if (!c->live || (pass == 0) != (c->owner >= 0))
				continue;
			if (!strcmp(c->name, name))
				return c;
		}
	return NULL;
}

struct ops_cg *ops_lookup_req(struct ops_run *run, const char *name)
{
	struct ops_cg *c = lookup(run, name);

	if (!c)
		ops_fail(-ENOENT, "unknown cgroup %s", name);
	return c;
}

int ops_add_cg(struct ops_run *run, const char *name,
		  const struct ktstr_cpuset_spec *spec)
{
	struct ktstr_cpuset cpus;
	struct ops_cg *c;
	int ret;

	if (!ops_name_ok(name))
		return ops_fail(-EINVAL, "bad cgroup name \"%s\"", name ? name : "");
	if (lookup(run, name))
		return ops_fail(-EEXIST, "cgroup %s already exists", name);
	if (spec->kind != KTSTR_CPUSET_NONE) {
		ret = ktstr_cpuset_spec_resolve(run->ctx, spec, &cpus);
		if (ret)
			return ops_fail_prefix(ret, "cpuset of %s", name);
	}
	c = ops_grow(run->cgs, run->nr_cgs, &run->cap_cgs, sizeof(*c), 8);
	if (!c)
		return ops_fail(-ENOMEM, "out of memory");
	run->cgs = c;
	c = &run->cgs[run->nr_cgs];
	memset(c, 0, sizeof(*c));
	c->name = strdup(name);
	if (!c->name)
		return ops_fail(-ENOMEM, "out of memory");
	ret = ktstr_cgroup_create(run->ctx->cgroups, name);
	if (ret) {
		free(c->name);
		return ops_fail(ret, "create %s: %s", name,
				ktstr_last_error());
	}
	c->owner = run->step;
	c->live = true;
	run->nr_cgs++;
	if (spec->kind != KTSTR_CPUSET_NONE) {
		ret = ktstr_cgroup_set_cpuset(run->ctx->cgroups, name, &cpus);
		if (ret)
			return ops_fail(ret, "set cpuset of %s: %s", name,
					ktstr_last_error());
		c->has_cpuset = true;
		c->cpus = cpus;
	}
	return 0;
}

/* Worker set CPUs: add what cgroup @c allows now (NULL: the host). */
static void hcpus_add(struct ops_hcpus *hc, const struct ops_cg *c)
{
	if (!c || !c->has_cpuset)
		hc->unbounded = true;
	else
		ktstr_cpuset_or(&hc->cpus, &hc->cpus, &c->cpus);
}

static int set_cpus(struct ops_run *run, struct ops_cg *c, bool has,
		    const struct ktstr_cpuset *cpus)
{
	int ret;

	if (has) {
		ret = ktstr_cgroup_set_cpuset(run->ctx->cgroups, c->name, cpus);
	} else {
		ret = ktstr_cgroup_clear_cpuset(run->ctx->cgroups, c->name);
		/*
		 * The kernel refuses an empty cpuset.cpus on a populated
		 * cgroup (-ENOSPC, v2 too): widen it to every allowed CPU,
		 * which is what "no cpuset" means for its tasks.
		 */
		if (ret == -ENOSPC && run->ctx->topo)
			ret = ktstr_cgroup_set_cpuset(run->ctx->cgroups, c->name,
						  &run->ctx->topo->allowed);
	}
	if (ret)
		return ops_fail(ret, "%s cpuset of %s: %s", has ? "set" : "clear",
				c->name, ktstr_last_error());
	c->has_cpuset = has;
	if (has)
		c->cpus = *cpus;
	else
		ktstr_cpuset_zero(&c->cpus);
	for (int i = 0; i < run->nr_handles; i++)
		if (run->handles[i].workers &&
		    is_under(run->handles[i].cgroup, c->name))
			hcpus_add(&run->hcpus[i], c);
	return 0;
}

int ops_spawn(struct ops_run *run, const char *cgroup,
		 const struct ktstr_workload *wl)
{
	struct ktstr_spawn_opts o = { 0 };
	struct ktstr_handle *h;
	int ret;

	ret = ktstr_workload_check(wl);
	if (ret)
		return ops_fail(ret, "workload for %s: %s",
				cgroup ? cgroup : "host", ktstr_last_error());
	{
		/* Two arrays, one capacity: it grows once both have. */
		int cap_h = run->cap_handles, cap_c = run->cap_handles;
		struct ops_hcpus *hc;

		h = ops_grow(run->handles, run->nr_handles, &cap_h, sizeof(*h), 8);
		if (!h)
			return ops_fail(-ENOMEM, "out of memory");
		run->handles = h;
		hc = ops_grow(run->hcpus, run->nr_handles, &cap_c, sizeof(*hc), 8);
		if (!hc)
			return ops_fail(-ENOMEM, "out of memory");
		run->hcpus = hc;
		run->cap_handles = cap_h;
	}
	h = &run->handles[run->nr_handles];
	memset(h, 0, sizeof(*h));
	memset(&run->hcpus[run->nr_handles], 0, sizeof(run->hcpus[0]));
	hcpus_add(&run->hcpus[run->nr_handles],
		  cgroup ? lookup(run, cgroup) : NULL);
	snprintf(h->cgroup, sizeof(h->cgroup), "%s", cgroup ? cgroup : "host");
	h->kind = wl->work.kind;
	h->collector = run->ctx->collector;
	if (cgroup) {
		o.cg = run->ctx->cgroups;
		o.cgroup = cgroup;
	}
	ret = ktstr_workers_spawn(wl, &o, &h->workers);
	if (ret) {
		h->workers = NULL;
		return ops_fail(ret, "spawn workers in %s: %s", h->cgroup,
				ktstr_last_error());
	}
	run->nr_handles++;
	ret = ktstr_handle_track(h);
	if (ret)
		return ops_fail(ret, "track workers in %s: %s", h->cgroup,
				ktstr_last_error());
	ret = ktstr_workers_start(h->workers);
	if (ret)
		return ops_fail(ret, "start workers in %s: %s", h->cgroup,
				ktstr_last_error());
	return 0;
}

static void stop_under(struct ops_run *run, const char *name)
{
	for (int i = 0; i < run->nr_handles; i++)
		if (run->handles[i].workers && is_under(run->handles[i].cgroup, name))
			ktstr_handle_stop(&run->handles[i], 0);
}

static int set_affinity(struct ops_run *run, struct ops_cg *c,
			const struct ktstr_affinity_spec *spec)
{
	struct ktstr_affinity aff;
	int ret;

	ret = ops_affinity_resolve(run->ctx->topo, spec,
				   c->has_cpuset ? &c->cpus : NULL, &aff);
	if (ret)
		return ops_fail_prefix(ret, "affinity of %s", c->name);
	if (aff.kind == KTSTR_AFF_INHERIT) {
		/* Back to everything: the cgroup's cpuset decides. */
		ktstr_cpuset_zero(&aff.cpus);
		ktstr_cpuset_set_range(&aff.cpus, 0, KTSTR_MAX_CPUS - 1);
	}
	for (int i = 0; i < run->nr_handles; i++) {
		struct ktstr_handle *h = &run->handles[i];

		if (!h->workers || strcmp(h->cgroup, c->name))
			continue;
		for (int w = 0; w < ktstr_workers_count(h->workers); w++) {
			struct ktstr_cpuset set = aff.cpus;
			cpu_set_t cs;

			if (aff.kind == KTSTR_AFF_RANDOM) {
				int n = ktstr_cpuset_count(&aff.cpus), cpu;

				ktstr_cpuset_zero(&set);
				for (int k = 0; k < aff.count; ) {
					int pick = rand_r(&run->seed) % n, j = 0;

					ktstr_cpuset_for_each(cpu, &aff.cpus)
						if (j++ == pick)
							break;
					if (!ktstr_cpuset_test(&set, cpu)) {
						ktstr_cpuset_set(&set, cpu);
						k++;
					}
				}
			}
			ktstr_cpuset_to_cpu_set(&set, &cs);
			if (sched_setaffinity(ktstr_workers_pid(h->workers, w),
					      sizeof(cs), &cs) && errno != ESRCH)
				return ops_fail(-errno, "set affinity of pid %d in %s: %s",
						(int)ktstr_workers_pid(h->workers, w),
						c->name, strerror(errno));
		}
	}
	return 0;
}

/* An op's or a definition's work type and worker count over @wl's. */
void ops_override_work(const struct ops_run *run, struct ktstr_workload *wl,
			  const struct ktstr_work *work, int nr_workers)
{
	if (work) {
		wl->work = *work;
		wl->nr_workers = ktstr_work_dfl_workers(work, run->ctx->workers_per_cgroup);
	}
	if (nr_workers)
		wl->nr_workers = nr_workers;
}

static int op_workload(struct ops_run *run, const struct ktstr_op *op,
		       const struct ops_cg *c, struct ktstr_workload *wl)
{
	int ret;

	*wl = ktstr_dfl_wl(run->ctx);
	ops_override_work(run, wl, op->work, op->nr_workers);
	ret = ops_affinity_resolve(run->ctx->topo, &op->affinity,
				   c && c->has_cpuset ? &c->cpus : NULL,
				   &wl->affinity);
	if (ret)
		return ops_fail_prefix(ret, "affinity");
	return 0;
}

/* ---- the cgroup ops ---- */

int ops_op_add_cgroup(struct ops_run *run, const struct ktstr_op *op)
{
	return ops_add_cg(run, op->cgroup, &op->cpuset);
}

int ops_op_remove_cgroup(struct ops_run *run, const struct ktstr_op *op)
{
	struct ktstr_cgroups *cg = run->ctx->cgroups;
	struct ops_cg *a = ops_lookup_req(run, op->cgroup);
	int ret;

	if (!a)
		return -ENOENT;
	for (int i = 0; i < run->nr_pls; i++)
		if (run->pls[i].pid > 0 && run->pls[i].cgroup &&
		    is_under(run->pls[i].cgroup, a->name))
			ops_payload_kill(&run->pls[i]);
	for (int i = run->nr_cgs - 1; i >= 0; i--) {
		struct ops_cg *c = &run->cgs[i];

		if (c->live && c->frozen && is_under(c->name, a->name) &&
		    !ktstr_cgroup_unfreeze(cg, c->name))
			c->frozen = false;
	}
	stop_under(run, a->name);
	ret = ktstr_cgroup_remove(cg, a->name);
	if (ret)
		return ops_fail(ret, "remove %s: %s", a->name, ktstr_last_error());
	for (int i = 0; i < run->nr_cgs; i++)
		if (run->cgs[i].live && is_under(run->cgs[i].name, a->name))
			run->cgs[i].live = false;
	return 0;
}

int ops_op_set_cpuset(struct ops_run *run, const struct ktstr_op *op)
{
	struct ops_cg *a = ops_lookup_req(run, op->cgroup);
	struct ktstr_cpuset cpus;
	int ret;

	if (!a)
		return -ENOENT;
	ret = ktstr_cpuset_spec_resolve(run->ctx, &op->cpuset, &cpus);
	if (ret)
		return ops_fail_prefix(ret, "cpuset of %s", a->name);
	return set_cpus(run, a, true, &cpus);
}

int ops_op_clear_cpuset(struct ops_run *run, const struct ktstr_op *op)
{
	struct ops_cg *a = ops_lookup_req(run, op->cgroup);

	if (!a)
		return -ENOENT;
	return set_cpus(run, a, false, NULL);
}

int ops_op_swap_cpusets(struct ops_run *run, const struct ktstr_op *op)
{
	struct ops_cg *a = ops_lookup_req(run, op->cgroup);
	struct ops_cg *b = a ? ops_lookup_req(run, op->cgroup2) : NULL;
	struct ktstr_cpuset ca, cb;
	bool ha, hb;
	int ret;

	if (!a || !b)
		return -ENOENT;
	ca = a->cpus;
	cb = b->cpus;
	ha = a->has_cpuset;
	hb = b->has_cpuset;
	ret = set_cpus(run, a, hb, &cb);
	if (!ret)
		ret = set_cpus(run, b, ha, &ca);
	return ret;
}

int ops_op_spawn(struct ops_run *run, const struct ktstr_op *op)
{
	struct ops_cg *a = ops_lookup_req(run, op->cgroup);
	struct ktstr_workload wl;
	int ret;

	if (!a)
		return -ENOENT;
	ret = op_workload(run, op, a, &wl);
	if (ret)
		return ret;
	return ops_spawn(run, a->name, &wl);
}

int ops_op_stop_cgroup(struct ops_run *run, const struct ktstr_op *op)
{
	struct ops_cg *a = ops_lookup_req(run, op->cgroup);

	if (!a)
		return -ENOENT;
	for (int i = 0; i < run->nr_handles; i++)
		if (!strcmp(run->handles[i].cgroup, a->name))
			ktstr_handle_stop(&run->handles[i], 0);
	return 0;
}

int ops_op_set_affinity(struct ops_run *run, const struct ktstr_op *op)
{
	struct ops_cg *a = ops_lookup_req(run, op->cgroup);

	if (!a)
		return -ENOENT;
	return set_affinity(run, a, &op->affinity);
}

int ops_op_spawn_host(struct ops_run *run, const struct ktstr_op *op)
{
	struct ktstr_workload wl;
	int ret = op_workload(run, op, NULL, &wl);

	if (ret)
		return ret;
	return ops_spawn(run, NULL, &wl);
}

int ops_op_move_all_tasks(struct ops_run *run, const struct ktstr_op *op)
{
	struct ops_cg *a = ops_lookup_req(run, op->cgroup);
	struct ops_cg *b = a ? ops_lookup_req(run, op->cgroup2) : NULL;
	int ret;

	if (!a || !b)
		return -ENOENT;
	ret = ktstr_cgroup_move_all(run->ctx->cgroups, a->name, b->name);
	if (ret < 0)
		return ops_fail(ret, "move tasks %s -> %s: %s", a->name, b->name,
				ktstr_last_error());
	for (int i = 0; i < run->nr_handles; i++)
		if (!strcmp(run->handles[i].cgroup, a->name)) {
			snprintf(run->handles[i].cgroup, sizeof(run->handles[i].cgroup), "%s",
				 b->name);
			hcpus_add(&run->hcpus[i], b);
		}
	for (int i = 0; i < run->nr_pls; i++) {
		struct ops_payload *p = &run->pls[i];

		if (p->pid > 0 && p->cgroup && !strcmp(p->cgroup, a->name)) {
			char *s = strdup(b->name);

			if (s) {
				free(p->cgroup);
				p->cgroup = s;
			}
		}
	}
	return 0;
}

/* KTSTR_OP_FREEZE and KTSTR_OP_UNFREEZE. */
int ops_op_freeze(struct ops_run *run, const struct ktstr_op *op)
{
	struct ops_cg *a = ops_lookup_req(run, op->cgroup);
	bool freeze = op->kind == KTSTR_OP_FREEZE;
	int ret;

	if (!a)
		return -ENOENT;
	ret = freeze ? ktstr_cgroup_freeze(run->ctx->cgroups, a->name) :
		       ktstr_cgroup_unfreeze(run->ctx->cgroups, a->name);
	if (ret)
		return ops_fail(ret, "%s %s: %s", freeze ? "freeze" : "unfreeze", a->name,
				ktstr_last_error());
	a->frozen = freeze;
	return 0;
}
