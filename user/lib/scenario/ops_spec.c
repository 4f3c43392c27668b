// SPDX-License-Identifier: GPL-2.0
/*
 * Ops and steps, the pure part: cpuset and affinity specs resolved on a
 * topology, holds, op names, the error message and the abort flag.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ktstr/ops.h>

#include "ops_priv.h"
#include "util/ktstr_error.h"

int ops_fail_prefix(int err, const char *fmt, ...)
{
	const char *old = ktstr_last_error();
	char pre[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	return ktstr_errorf(err, "%s: %s", pre, old[0] ? old : strerror(-err));
}

/* ---- abort ---- */

static volatile sig_atomic_t ops_abort_flag;

void ktstr_ops_abort(void)
{
	ops_abort_flag = 1;
}

bool ktstr_ops_aborted(void)
{
	return ops_abort_flag != 0;
}

void ktstr_ops_abort_reset(void)
{
	ops_abort_flag = 0;
}

/* ---- cpuset specs ---- */

static bool frac_ok(double f)
{
	return isfinite(f) && f >= 0.0 && f <= 1.0;
}

static int spec_parts(const struct ktstr_topo *topo,
		      const struct ktstr_cpuset_spec *spec,
		      struct ktstr_cpuset *out)
{
	struct ktstr_cpuset *parts;
	int usable = ktstr_cpuset_count(&topo->usable);
	int ret;

	if (spec->of < 1 || spec->index < 0 || spec->index >= spec->of)
		return ops_fail(-EINVAL, "cpuset %s: part %d of %d",
				spec->kind == KTSTR_CPUSET_DISJOINT ?
				"disjoint" : "overlap", spec->index, spec->of);
	if (spec->kind == KTSTR_CPUSET_OVERLAP &&
	    (!isfinite(spec->frac) || spec->frac < 0.0 || spec->frac >= 1.0))
		return ops_fail(-EINVAL, "cpuset overlap: fraction %g not in [0, 1)",
				spec->frac);
	if (usable < spec->of)
		return ops_fail(-ENOSPC,
				"not enough CPUs: %d parts need %d CPUs, %d usable",
				spec->of, spec->of, usable);
	parts = calloc(spec->of, sizeof(*parts));
	if (!parts)
		return ops_fail(-ENOMEM, "out of memory");
	if (spec->kind == KTSTR_CPUSET_DISJOINT)
		ret = ktstr_topo_split(topo, spec->of, parts);
	else
		ret = ktstr_topo_overlap(topo, spec->of, spec->frac, parts);
	if (!ret)
		*out = parts[spec->index];
	free(parts);
	if (ret == -ERANGE)
		return ops_fail(-ENOSPC, "not enough CPUs: %d parts, %d usable",
				spec->of, usable);
	if (ret)
		return ops_fail(ret, "cpuset %s %d/%d: %s",
				spec->kind == KTSTR_CPUSET_DISJOINT ?
				"disjoint" : "overlap", spec->index, spec->of,
				ktstr_last_error());
	return 0;
}

int ktstr_cpuset_spec_resolve_topo(const struct ktstr_topo *topo,
				   const struct ktstr_cpuset_spec *spec,
				   struct ktstr_cpuset *out)
{
	int ret;

	if (!spec || !out)
		return ops_fail(-EINVAL, "NULL cpuset spec");
	ktstr_cpuset_zero(out);
	if (!topo)
		return ops_fail(-ENODEV, "cpuset spec needs a topology");

	switch (spec->kind) {
	case KTSTR_CPUSET_NONE:
		*out = topo->usable;
		break;
	case KTSTR_CPUSET_LLC:
		if (spec->index < 0)
			return ops_fail(-EINVAL, "cpuset llc: index %d",
					spec->index);
		if (spec->index >= topo->nr_llcs)
			return ops_fail(-ENOSPC,
					"not enough LLCs: llc %d needs %d, have %d",
					spec->index, spec->index + 1,
					topo->nr_llcs);
		ret = ktstr_topo_llc_cpuset(topo, spec->index, out);
		if (ret)
			return ops_fail(ret, "cpuset llc %d: %s", spec->index,
					ktstr_last_error());
		if (ktstr_cpuset_empty(out))
			return ops_fail(-ENOSPC,
					"not enough CPUs: llc %d has no allowed CPU",
					spec->index);
		return 0;
	case KTSTR_CPUSET_NUMA:
		if (spec->index < 0)
			return ops_fail(-EINVAL, "cpuset numa: index %d",
					spec->index);
		if (spec->index >= topo->nr_nodes)
			return ops_fail(-ENOSPC,
					"not enough NUMA nodes: node %d needs %d, have %d",
					spec->index, spec->index + 1,
					topo->nr_nodes);
		ret = ktstr_topo_numa_cpuset(topo, spec->index, out);
		if (ret)
			return ops_fail(ret, "cpuset numa %d: %s", spec->index,
					ktstr_last_error());
		if (ktstr_cpuset_empty(out))
			return ops_fail(-ENOSPC,
					"not enough CPUs: NUMA node %d has no allowed CPU",
					spec->index);
		return 0;
	case KTSTR_CPUSET_RANGE:
		if (!frac_ok(spec->start_frac) || !frac_ok(spec->end_frac) ||
		    spec->start_frac >= spec->end_frac)
			return ops_fail(-EINVAL, "cpuset range %g-%g: need 0 <= start < end <= 1",
					spec->start_frac, spec->end_frac);
		ret = ktstr_topo_range(topo, spec->start_frac, spec->end_frac, out);
		if (ret == -ERANGE || (!ret && ktstr_cpuset_empty(out)))
			return ops_fail(-ENOSPC, "not enough CPUs: no usable CPU");
		if (ret)
			return ops_fail(ret, "cpuset range: %s",
					ktstr_last_error());
		return 0;
	case KTSTR_CPUSET_DISJOINT:
	case KTSTR_CPUSET_OVERLAP:
		return spec_parts(topo, spec, out);
	case KTSTR_CPUSET_EXACT:
		if (!spec->exact)
			return ops_fail(-EINVAL, "cpuset exact: no cpu list");
		ret = ktstr_cpulist_parse(spec->exact, KTSTR_MAX_CPUS, out);
		if (ret)
			return ops_fail(-EINVAL, "cpuset exact \"%s\": %s",
					spec->exact, ktstr_last_error());
		if (!ktstr_cpuset_subset(out, &topo->allowed)) {
			char have[256];

			ktstr_cpulist_format(&topo->allowed, have, sizeof(have));
			ktstr_cpuset_zero(out);
			return ops_fail(-ENOSPC,
					"not enough CPUs: exact %s not within the allowed CPUs %s",
					spec->exact, have);
		}
		return 0;
	default:
		return ops_fail(-EINVAL, "unknown cpuset kind %d", (int)spec->kind);
	}
	if (ktstr_cpuset_empty(out))
		return ops_fail(-ENOSPC, "not enough CPUs: no usable CPU");
	return 0;
}

int ktstr_cpuset_spec_resolve(const struct ktstr_ctx *ctx,
			      const struct ktstr_cpuset_spec *spec,
			      struct ktstr_cpuset *out)
{
	if (!ctx)
		return ops_fail(-EINVAL, "NULL context");
	return ktstr_cpuset_spec_resolve_topo(ctx->topo, spec, out);
}

int ktstr_cpuset_spec_str(const struct ktstr_cpuset_spec *spec, char *buf,
			  size_t len)
{
	if (!spec)
		return snprintf(buf, len, "(null)");
	switch (spec->kind) {
	case KTSTR_CPUSET_NONE:
		return snprintf(buf, len, "none");
	case KTSTR_CPUSET_LLC:
		return snprintf(buf, len, "llc:%d", spec->index);
	case KTSTR_CPUSET_NUMA:
		return snprintf(buf, len, "numa:%d", spec->index);
	case KTSTR_CPUSET_RANGE:
		return snprintf(buf, len, "range:%.2f-%.2f", spec->start_frac,
				spec->end_frac);
	case KTSTR_CPUSET_DISJOINT:
		return snprintf(buf, len, "disjoint:%d/%d", spec->index, spec->of);
	case KTSTR_CPUSET_OVERLAP:
		return snprintf(buf, len, "overlap:%d/%d@%.2f", spec->index,
				spec->of, spec->frac);
	case KTSTR_CPUSET_EXACT:
		return snprintf(buf, len, "exact:%s",
				spec->exact ? spec->exact : "(null)");
	}
	return snprintf(buf, len, "kind:%d", (int)spec->kind);
}

/* ---- affinity specs ---- */

int ops_affinity_resolve(const struct ktstr_topo *topo,
			 const struct ktstr_affinity_spec *spec,
			 const struct ktstr_cpuset *pool_cg,
			 struct ktstr_affinity *out)
{
	struct ktstr_cpuset pool;
	int n, ret;

	memset(out, 0, sizeof(*out));
	out->kind = spec->kind;
	if (spec->kind == KTSTR_AFF_INHERIT)
		return 0;
	if (spec->kind < KTSTR_AFF_INHERIT || spec->kind > KTSTR_AFF_CROSS_CGROUP)
		return ops_fail(-EINVAL, "unknown affinity kind %d", (int)spec->kind);
	if (spec->cpus.kind != KTSTR_CPUSET_NONE) {
		ret = ktstr_cpuset_spec_resolve_topo(topo, &spec->cpus, &pool);
		if (ret)
			return ret;
	} else if (pool_cg && !ktstr_cpuset_empty(pool_cg)) {
		pool = *pool_cg;
	} else if (topo) {
		pool = topo->usable;
	} else {
		return ops_fail(-ENODEV, "affinity needs a topology or a cpuset");
	}
	n = ktstr_cpuset_count(&pool);
	if (!n)
		return ops_fail(-ENOSPC, "not enough CPUs: empty affinity pool");

	switch (spec->kind) {
	case KTSTR_AFF_SINGLE_CPU: {
		int cpu, i = 0;

		if (spec->cpu < 0)
			return ops_fail(-EINVAL, "affinity single cpu: index %d",
					spec->cpu);
		if (spec->cpu >= n)
			return ops_fail(-ENOSPC,
					"not enough CPUs: affinity cpu %d of %d",
					spec->cpu, n);
		ktstr_cpuset_for_each(cpu, &pool)
			if (i++ == spec->cpu)
				break;
		out->kind = KTSTR_AFF_SINGLE_CPU;
		out->cpu = cpu;
		ktstr_cpuset_zero(&out->cpus);
		ktstr_cpuset_set(&out->cpus, cpu);
		return 0;
	}
	case KTSTR_AFF_RANDOM:
		if (spec->count < 0)
			return ops_fail(-EINVAL, "affinity random: count %d",
					spec->count);
		if (spec->count > n)
			return ops_fail(-ENOSPC,
					"not enough CPUs: affinity random %d of %d",
					spec->count, n);
		out->cpus = pool;
		out->count = spec->count ? spec->count : (n / 2 ? n / 2 : 1);
		return 0;
	default:
		out->cpus = pool;
		return 0;
	}
}

/* ---- holds ---- */

int ktstr_hold_validate(const struct ktstr_hold *hold)
{
	if (!hold)
		return ops_fail(-EINVAL, "NULL hold");
	switch (hold->kind) {
	case KTSTR_HOLD_FRAC:
		if (!isfinite(hold->frac) || hold->frac <= 0.0)
			return ops_fail(-EINVAL, "hold: fraction %g must be finite and > 0",
					hold->frac);
		return 0;
	case KTSTR_HOLD_FIXED:
		if (!hold->ms)
			return ops_fail(-EINVAL, "hold: fixed 0 ms");
		return 0;
	case KTSTR_HOLD_LOOP:
		if (!hold->interval_ms)
			return ops_fail(-EINVAL, "hold: loop interval 0 ms");
		if (!isfinite(hold->frac) || hold->frac < 0.0)
			return ops_fail(-EINVAL, "hold: loop fraction %g", hold->frac);
		return 0;
	}
	return ops_fail(-EINVAL, "hold: unknown kind %d", (int)hold->kind);
}

uint64_t ktstr_hold_ms(const struct ktstr_hold *hold, uint64_t duration_ms)
{
	if (!hold)
		return 0;
	switch (hold->kind) {
	case KTSTR_HOLD_FRAC:
		if (!isfinite(hold->frac) || hold->frac <= 0.0)
			return 0;
		return (uint64_t)llround(hold->frac * (double)duration_ms);
	case KTSTR_HOLD_FIXED:
		return hold->ms;
	case KTSTR_HOLD_LOOP:
		if (!hold->interval_ms || !isfinite(hold->frac) || hold->frac < 0.0)
			return 0;
		if (hold->ms)
			return hold->ms;
		if (hold->frac > 0.0)
			return (uint64_t)llround(hold->frac * (double)duration_ms);
		return duration_ms;
	}
	return 0;
}

/* ---- ops ---- */

static const char *const op_names[KTSTR_OP_NR] = {
	[KTSTR_OP_ADD_CGROUP] = "add_cgroup",
	[KTSTR_OP_REMOVE_CGROUP] = "remove_cgroup",
	[KTSTR_OP_SET_CPUSET] = "set_cpuset",
	[KTSTR_OP_CLEAR_CPUSET] = "clear_cpuset",
	[KTSTR_OP_SWAP_CPUSETS] = "swap_cpusets",
	[KTSTR_OP_SPAWN] = "spawn",
	[KTSTR_OP_STOP_CGROUP] = "stop_cgroup",
	[KTSTR_OP_SET_AFFINITY] = "set_affinity",
	[KTSTR_OP_SPAWN_HOST] = "spawn_host",
	[KTSTR_OP_MOVE_ALL_TASKS] = "move_all_tasks",
	[KTSTR_OP_FREEZE] = "freeze",
	[KTSTR_OP_UNFREEZE] = "unfreeze",
	[KTSTR_OP_RUN_PAYLOAD] = "run_payload",
	[KTSTR_OP_WAIT_PAYLOAD] = "wait_payload",
	[KTSTR_OP_KILL_PAYLOAD] = "kill_payload",
	[KTSTR_OP_RESTART_SCHEDULER] = "restart_scheduler",
};

const char *ktstr_op_kind_name(enum ktstr_op_kind kind)
{
	if ((int)kind < 0 || kind >= KTSTR_OP_NR)
		return NULL;
	return op_names[kind];
}

static const char *nz(const char *s)
{
	return s ? s : "(null)";
}

int ktstr_op_str(const struct ktstr_op *op, char *buf, size_t len)
{
	const char *name;
	char spec[96];

	if (!op)
		return snprintf(buf, len, "(null)");
	name = ktstr_op_kind_name(op->kind);
	if (!name)
		return snprintf(buf, len, "op:%d", (int)op->kind);
	switch (op->kind) {
	case KTSTR_OP_ADD_CGROUP:
		if (op->cpuset.kind == KTSTR_CPUSET_NONE)
			return snprintf(buf, len, "%s %s", name, nz(op->cgroup));
		/* fallthrough */
	case KTSTR_OP_SET_CPUSET:
		ktstr_cpuset_spec_str(&op->cpuset, spec, sizeof(spec));
		return snprintf(buf, len, "%s %s %s", name, nz(op->cgroup), spec);
	case KTSTR_OP_SWAP_CPUSETS:
	case KTSTR_OP_MOVE_ALL_TASKS:
		return snprintf(buf, len, "%s %s %s", name, nz(op->cgroup),
				nz(op->cgroup2));
	case KTSTR_OP_SPAWN:
	case KTSTR_OP_SPAWN_HOST:
		return snprintf(buf, len, "%s%s%s %s x%d", name,
				op->kind == KTSTR_OP_SPAWN ? " " : "",
				op->kind == KTSTR_OP_SPAWN ? nz(op->cgroup) : "",
				op->work ? nz(ktstr_work_name(op->work->kind)) :
				"default", op->nr_workers);
	case KTSTR_OP_RUN_PAYLOAD:
	case KTSTR_OP_WAIT_PAYLOAD:
	case KTSTR_OP_KILL_PAYLOAD:
		return snprintf(buf, len, "%s %s%s%s", name, nz(op->payload),
				op->cgroup ? " in " : "",
				op->cgroup ? op->cgroup : "");
	case KTSTR_OP_RESTART_SCHEDULER:
		return snprintf(buf, len, "%s", name);
	default:
		return snprintf(buf, len, "%s %s", name, nz(op->cgroup));
	}
}

static bool name_ok(const char *s)
{
	return s && s[0] && s[0] != '/' && strlen(s) < KTSTR_CTX_NAME_MAX &&
	       !strstr(s, "..");
}

int ops_op_check_fields(const struct ktstr_op *op)
{
	const char *name = ktstr_op_kind_name(op->kind);

	if (!name)
		return ops_fail(-EINVAL, "unknown op kind %d", (int)op->kind);
	switch (op->kind) {
	case KTSTR_OP_SWAP_CPUSETS:
	case KTSTR_OP_MOVE_ALL_TASKS:
		if (!name_ok(op->cgroup2))
			return ops_fail(-EINVAL, "%s: bad or missing second cgroup",
					name);
		/* fallthrough */
	case KTSTR_OP_ADD_CGROUP:
	case KTSTR_OP_REMOVE_CGROUP:
	case KTSTR_OP_SET_CPUSET:
	case KTSTR_OP_CLEAR_CPUSET:
	case KTSTR_OP_SPAWN:
	case KTSTR_OP_STOP_CGROUP:
	case KTSTR_OP_SET_AFFINITY:
	case KTSTR_OP_FREEZE:
	case KTSTR_OP_UNFREEZE:
		if (!name_ok(op->cgroup))
			return ops_fail(-EINVAL, "%s: bad or missing cgroup name",
					name);
		break;
	case KTSTR_OP_RUN_PAYLOAD:
		if (!op->argv && !op->payload)
			return ops_fail(-EINVAL, "%s: no program", name);
		if (op->argv && !op->argv[0])
			return ops_fail(-EINVAL, "%s: empty argv", name);
		/* fallthrough */
	case KTSTR_OP_WAIT_PAYLOAD:
	case KTSTR_OP_KILL_PAYLOAD:
		if (!op->payload || !op->payload[0])
			return ops_fail(-EINVAL, "%s: no payload name", name);
		if (op->cgroup && !name_ok(op->cgroup))
			return ops_fail(-EINVAL, "%s: bad cgroup name", name);
		break;
	default:
		break;
	}
	if (op->kind == KTSTR_OP_SET_CPUSET && op->cpuset.kind == KTSTR_CPUSET_NONE)
		return ops_fail(-EINVAL, "%s: no cpuset (use clear_cpuset)", name);
	if ((op->kind == KTSTR_OP_SPAWN || op->kind == KTSTR_OP_SPAWN_HOST) &&
	    op->nr_workers < 0)
		return ops_fail(-EINVAL, "%s: %d workers", name, op->nr_workers);
	return 0;
}

bool ops_name_ok(const char *s)
{
	return name_ok(s);
}
