// SPDX-License-Identifier: GPL-2.0
/*
 * Ops and steps, the sequence: checking a scenario before it touches
 * anything, then the backdrop, each step (ops, definitions, hold) with the
 * scheduler's liveness checked in between, and the teardown.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <ktstr/ops.h>

#include "ops_priv.h"

static int check_spec(const struct ktstr_ctx *ctx,
		      const struct ktstr_cpuset_spec *spec)
{
	struct ktstr_cpuset out;

	if (spec->kind == KTSTR_CPUSET_NONE)
		return 0;
	return ktstr_cpuset_spec_resolve(ctx, spec, &out);
}

static int check_aff(const struct ktstr_ctx *ctx,
		     const struct ktstr_affinity_spec *aff)
{
	struct ktstr_affinity out;
	struct ktstr_cpuset any;

	if (aff->kind == KTSTR_AFF_INHERIT)
		return 0;
	/* The cgroup's cpuset is not known yet: check against a pool of
	 * every CPU when no topology is there to give the usable ones. */
	ktstr_cpuset_zero(&any);
	if (!ctx->topo)
		ktstr_cpuset_set_range(&any, 0, KTSTR_MAX_CPUS - 1);
	if (aff->kind == KTSTR_AFF_SINGLE_CPU || aff->kind == KTSTR_AFF_RANDOM) {
		/* Their index/count depends on the pool: only the spec. */
		struct ktstr_affinity_spec s = *aff;

		s.kind = KTSTR_AFF_EXACT;
		if (aff->cpu < 0 || aff->count < 0)
			return ops_fail(-EINVAL, "affinity: negative cpu or count");
		return ops_affinity_resolve(ctx->topo, &s, ctx->topo ? NULL : &any,
					    &out);
	}
	return ops_affinity_resolve(ctx->topo, aff, ctx->topo ? NULL : &any, &out);
}

static int check_work(const struct ktstr_work *w, int nr)
{
	if (!w && !nr)
		return 0;
	if (nr < 0)
		return ops_fail(-EINVAL, "%d workers", nr);
	if (w && ktstr_work_check(w, nr ? nr : ktstr_work_dfl_workers(w, 1)))
		return ops_fail(-EINVAL, "%s", ktstr_last_error());
	return 0;
}

static int check_defs(const struct ktstr_ctx *ctx,
		      const struct ktstr_cgroup_def *defs, size_t n)
{
	int ret;

	if (n && !defs)
		return ops_fail(-EINVAL, "NULL defs");
	for (size_t i = 0; i < n; i++) {
		const struct ktstr_cgroup_def *d = &defs[i];

		if (!ops_name_ok(d->name))
			return ops_fail(-EINVAL, "def %zu: bad cgroup name \"%s\"",
					i, d->name ? d->name : "");
		ret = check_spec(ctx, &d->cpuset);
		if (!ret)
			ret = check_aff(ctx, &d->affinity);
		if (!ret && !d->no_workers)
			ret = check_work(d->work, d->nr_workers);
		if (ret)
			return ops_fail_prefix(ret, "def %s", d->name);
	}
	return 0;
}

static int check_ops(const struct ktstr_ctx *ctx, const struct ktstr_op *ops,
		     size_t n)
{
	char what[160];
	int ret;

	if (n && !ops)
		return ops_fail(-EINVAL, "NULL ops");
	for (size_t i = 0; i < n; i++) {
		const struct ktstr_op *op = &ops[i];

		ret = ops_op_check_fields(op);
		if (!ret && (op->kind == KTSTR_OP_ADD_CGROUP ||
			     op->kind == KTSTR_OP_SET_CPUSET))
			ret = check_spec(ctx, &op->cpuset);
		if (!ret && (op->kind == KTSTR_OP_SPAWN ||
			     op->kind == KTSTR_OP_SPAWN_HOST ||
			     op->kind == KTSTR_OP_SET_AFFINITY))
			ret = check_aff(ctx, &op->affinity);
		if (!ret && (op->kind == KTSTR_OP_SPAWN ||
			     op->kind == KTSTR_OP_SPAWN_HOST))
			ret = check_work(op->work, op->nr_workers);
		if (ret) {
			ktstr_op_str(op, what, sizeof(what));
			return ops_fail_prefix(ret, "op %zu (%s)", i, what);
		}
	}
	return 0;
}

int ktstr_steps_check(const struct ktstr_ctx *ctx,
		      const struct ktstr_backdrop *backdrop,
		      const struct ktstr_step *steps, size_t nr_steps)
{
	int ret;

	if (!ctx || !ctx->cgroups)
		return ops_fail(-EINVAL, "NULL context or cgroups");
	if (nr_steps && !steps)
		return ops_fail(-EINVAL, "NULL steps");
	if (backdrop) {
		ret = check_defs(ctx, backdrop->defs, backdrop->nr_defs);
		if (!ret)
			ret = check_ops(ctx, backdrop->ops, backdrop->nr_ops);
		if (ret)
			return ops_fail_prefix(ret, "backdrop");
	}
	for (size_t i = 0; i < nr_steps; i++) {
		const struct ktstr_step *s = &steps[i];

		ret = ktstr_hold_validate(&s->hold);
		if (!ret)
			ret = check_ops(ctx, s->ops, s->nr_ops);
		if (!ret)
			ret = check_defs(ctx, s->defs, s->nr_defs);
		if (ret)
			return ops_fail_prefix(ret, "step %zu%s%s%s", i,
					       s->name ? " (" : "",
					       s->name ? s->name : "",
					       s->name ? ")" : "");
	}
	return 0;
}

static int run_ops(struct ops_run *run, const struct ktstr_op *ops, size_t n,
		   const char *where)
{
	char what[160];

	for (size_t i = 0; i < n; i++) {
		int ret;

		if (ktstr_ops_aborted())
			return ops_fail(-EINTR, "aborted");
		ret = ops_run_op(run, &ops[i]);
		if (ret == -EINTR || ret == -ESRCH)
			return ret;
		if (ret) {
			ktstr_op_str(&ops[i], what, sizeof(what));
			return ops_fail_prefix(ret, "%s op %zu (%s)", where, i, what);
		}
	}
	return 0;
}

static int run_step(struct ops_run *run, const struct ktstr_step *s,
		    const char *where)
{
	uint64_t total, interval, done;
	int ret;

	ret = run_ops(run, s->ops, s->nr_ops, where);
	if (ret)
		return ret;
	ret = ops_run_defs(run, s->defs, s->nr_defs);
	if (ret)
		return ret == -EINTR || ret == -ESRCH ? ret :
		       ops_fail_prefix(ret, "%s", where);
	total = ktstr_hold_ms(&s->hold, run->ctx->duration_ms);
	if (s->hold.kind != KTSTR_HOLD_LOOP)
		return ops_run_sleep(run, total);
	/* Loop: set up once (above), then the ops again every interval. */
	interval = s->hold.interval_ms;
	for (done = 0; done < total; ) {
		uint64_t nap = total - done < interval ? total - done : interval;

		ret = ops_run_sleep(run, nap);
		if (ret)
			return ret;
		done += nap;
		if (done >= total)
			break;
		ret = run_ops(run, s->ops, s->nr_ops, where);
		if (ret)
			return ret;
	}
	return 0;
}

int ktstr_execute_steps(const struct ktstr_ctx *ctx,
			const struct ktstr_backdrop *backdrop,
			const struct ktstr_step *steps, size_t nr_steps,
			struct ktstr_assert_result *res)
{
	struct ops_run run;
	char where[96];
	int ret, tret;

	if (!res)
		return ops_fail(-EINVAL, "NULL result");
	ktstr_assert_result_init(res);
	ret = ktstr_steps_check(ctx, backdrop, steps, nr_steps);
	if (!ret && ktstr_ops_aborted())
		ret = ops_fail(-EINTR, "aborted");
	if (ret) {
		/* Nothing was created: the message says why (skip or bug). */
		if (ret == -ENOSPC)
			ktstr_assert_result_skip(res, "%s", ktstr_last_error());
		else
			ktstr_assert_result_fail(res, KTSTR_DETAIL_OTHER, "%s",
						 ktstr_last_error());
		return ret;
	}

	ops_run_init(&run, ctx);
	if (backdrop) {
		ret = ops_run_defs(&run, backdrop->defs, backdrop->nr_defs);
		if (ret && ret != -EINTR && ret != -ESRCH)
			ops_fail_prefix(ret, "backdrop");
		if (!ret)
			ret = run_ops(&run, backdrop->ops, backdrop->nr_ops,
				      "backdrop");
	}
	for (size_t i = 0; !ret && i < nr_steps; i++) {
		ret = ops_run_sched_check(&run);
		if (ret)
			break;
		run.step = (int)i;
		snprintf(where, sizeof(where), "step %zu%s%s%s", i,
			 steps[i].name ? " (" : "",
			 steps[i].name ? steps[i].name : "",
			 steps[i].name ? ")" : "");
		ret = run_step(&run, &steps[i], where);
	}
	if (!ret)
		ret = ops_run_sched_check(&run);

	if (ret == -EINTR)
		ops_run_failure(&run, KTSTR_DETAIL_OTHER, "aborted");
	else if (ret && ret != -ESRCH)
		ops_run_failure(&run, KTSTR_DETAIL_OTHER, "%s",
				ktstr_last_error());
	{
		/* Keep the run's message over teardown's. */
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", ktstr_last_error());
		tret = ops_run_teardown(&run, res);
		if (ret)
			ops_fail(ret, "%s", msg);
	}
	/* A dead scheduler is a verdict (res), not an error. */
	if (ret == -ESRCH)
		ret = 0;
	if (!ret && tret)
		ret = tret;
	return ret;
}

int ktstr_execute_defs(const struct ktstr_ctx *ctx,
		       const struct ktstr_cgroup_def *defs, size_t nr_defs,
		       struct ktstr_assert_result *res)
{
	struct ktstr_step step = {
		.defs = defs,
		.nr_defs = nr_defs,
		.hold = KTSTR_HOLD_FULL,
	};

	return ktstr_execute_steps(ctx, NULL, &step, 1, res);
}
