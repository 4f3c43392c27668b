// SPDX-License-Identifier: GPL-2.0
/*
 * Ops and steps, the executing part: the state of one execution (cgroups
 * created, worker sets, payloads, failures), the dispatch of each op to
 * its handler (cgroup ops in ops_cgroup.c, payload ops in ops_payload.c),
 * the setup of cgroup definitions, abortable holds and the teardown.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ktstr/clock.h>
#include <ktstr/dev.h>
#include <ktstr/ops.h>
#include <ktstr/sched_ext.h>

#include "ops_priv.h"
#include "sched_priv.h"

#define OPS_SLEEP_SLICE_MS	20

/*
 * Room for element @nr of the array @arr (@size-byte elements, room for
 * *@cap): @arr itself, or a larger copy (doubling, from @first) with *@cap
 * updated. NULL when out of memory; @arr is then left as it was.
 */
void *ops_grow(void *arr, int nr, int *cap, size_t size, int first)
{
	int c = *cap ? *cap * 2 : first;
	void *tmp;

	if (nr < *cap)
		return arr;
	tmp = realloc(arr, size * c);
	if (tmp)
		*cap = c;
	return tmp;
}

void ops_run_init(struct ops_run *run, const struct ktstr_ctx *ctx)
{
	memset(run, 0, sizeof(*run));
	run->ctx = ctx;
	run->step = -1;
	run->seed = (unsigned int)getpid() ^ (unsigned int)time(NULL);
}


void ops_run_failure(struct ops_run *run, enum ktstr_detail_kind kind,
		     const char *fmt, ...)
{
	struct ops_failure *fails;
	char line[512], *nl;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* Details are one line. */
	while ((nl = strchr(line, '\n')))
		*nl = ' ';
	fails = ops_grow(run->fails, run->nr_fails, &run->cap_fails, sizeof(*fails), 4);
	if (!fails)
		return;
	run->fails = fails;
	run->fails[run->nr_fails].message = strdup(line);
	if (!run->fails[run->nr_fails].message)
		return;
	run->fails[run->nr_fails++].kind = kind;
}

/* ---- time ---- */

void ops_nap_ms(uint64_t ms)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ms / 1000),
		.tv_nsec = (long)(ms % 1000) * 1000000L,
	};

	nanosleep(&ts, NULL);	/* a signal only shortens it */
}


int ops_run_sched_check(struct ops_run *run)
{
	/* ctx->scx follows the scheduler to its new pid after a restart. */
	int ret = sched_check(run->ctx->scx, run->ctx->sched_pid);

	if (ret)
		ops_run_failure(run, KTSTR_DETAIL_SCHEDULER_DIED, "%s", ktstr_last_error());
	return ret;
}

int ops_run_sleep(struct ops_run *run, uint64_t ms)
{
	uint64_t end = (ktstr_now_ns() / 1000000) + ms;

	for (;;) {
		uint64_t now;
		int ret;

		if (ktstr_ops_aborted())
			return ops_fail(-EINTR, "aborted");
		ret = ops_run_sched_check(run);
		if (ret)
			return ret;
		now = (ktstr_now_ns() / 1000000);
		if (now >= end)
			return 0;
		ops_nap_ms(end - now < OPS_SLEEP_SLICE_MS ? end - now :
		       OPS_SLEEP_SLICE_MS);
	}
}

/* ---- cgroups ---- */







/* ---- workers ---- */






/* ---- payloads ---- */





/* ---- ops ---- */

/* ---- the scheduler ---- */

static int restart_scheduler(struct ops_run *run)
{
	struct ktstr_scx *scx = run->ctx->scx;
	char why[512];
	int ret;

	if (!scx)
		return ops_fail(-EOPNOTSUPP,
				"restart_scheduler: no scheduler started by this run (--scheduler)");
	ret = ktstr_scx_restart(scx, 0, why, sizeof(why));
	if (ret) {
		why[strcspn(why, "\n")] = '\0';
		ops_run_failure(run, KTSTR_DETAIL_SCHEDULER_DIED,
				"scheduler restart failed: %s", why);
		return ops_fail(ret, "restart_scheduler: %s", why);
	}
	return 0;
}


int ops_run_op(struct ops_run *run, const struct ktstr_op *op)
{
	int ret = ops_op_check_fields(op);

	if (ret)
		return ret;
	/* One handler per kind; the compiler names a kind left out. */
	switch (op->kind) {
	case KTSTR_OP_ADD_CGROUP:
		return ops_op_add_cgroup(run, op);
	case KTSTR_OP_REMOVE_CGROUP:
		return ops_op_remove_cgroup(run, op);
	case KTSTR_OP_SET_CPUSET:
		return ops_op_set_cpuset(run, op);
	case KTSTR_OP_CLEAR_CPUSET:
		return ops_op_clear_cpuset(run, op);
	case KTSTR_OP_SWAP_CPUSETS:
		return ops_op_swap_cpusets(run, op);
	case KTSTR_OP_SPAWN:
		return ops_op_spawn(run, op);
	case KTSTR_OP_STOP_CGROUP:
		return ops_op_stop_cgroup(run, op);
	case KTSTR_OP_SET_AFFINITY:
		return ops_op_set_affinity(run, op);
	case KTSTR_OP_SPAWN_HOST:
		return ops_op_spawn_host(run, op);
	case KTSTR_OP_MOVE_ALL_TASKS:
		return ops_op_move_all_tasks(run, op);
	case KTSTR_OP_FREEZE:
	case KTSTR_OP_UNFREEZE:
		return ops_op_freeze(run, op);
	case KTSTR_OP_RUN_PAYLOAD:
		return ops_op_run_payload(run, op);
	case KTSTR_OP_WAIT_PAYLOAD:
		return ops_op_wait_payload(run, op);
	case KTSTR_OP_KILL_PAYLOAD:
		return ops_op_kill_payload(run, op);
	case KTSTR_OP_RESTART_SCHEDULER:
		return restart_scheduler(run);
	case KTSTR_OP_NR:
		break;
	}
	return ops_fail(-EINVAL, "unknown op kind %d", (int)op->kind);
}

/* ---- definitions ---- */

static int def_workload(struct ops_run *run, const struct ktstr_cgroup_def *d,
			const struct ops_cg *c, struct ktstr_workload *wl)
{
	int ret;

	*wl = d->workload ? *d->workload : ktstr_dfl_wl(run->ctx);
	ops_override_work(run, wl, d->work, d->nr_workers);
	if (d->sched.policy != KTSTR_SCHED_INHERIT)
		wl->sched = d->sched;
	if (d->affinity.kind != KTSTR_AFF_INHERIT) {
		ret = ops_affinity_resolve(run->ctx->topo, &d->affinity,
					   c->has_cpuset ? &c->cpus : NULL,
					   &wl->affinity);
		if (ret)
			return ops_fail_prefix(ret, "affinity of %s", d->name);
	}
	return 0;
}

int ops_run_defs(struct ops_run *run, const struct ktstr_cgroup_def *defs,
		 size_t n)
{
	struct ktstr_workload wl;
	int ret;

	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		ret = ops_add_cg(run, defs[i].name, &defs[i].cpuset);
		if (ret)
			return ret;
	}
	ret = ops_run_sleep(run, run->ctx->settle_ms);
	if (ret)
		return ret;
	for (size_t i = 0; i < n; i++) {
		struct ops_cg *c;

		if (defs[i].no_workers)
			continue;
		c = ops_lookup_req(run, defs[i].name);
		if (!c)
			return -ENOENT;
		ret = def_workload(run, &defs[i], c, &wl);
		if (ret)
			return ret;
		ret = ops_spawn(run, c->name, &wl);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- teardown ---- */

int ops_run_teardown(struct ops_run *run, struct ktstr_assert_result *res)
{
	struct ktstr_cgroups *cg = run->ctx->cgroups;
	int err = 0, ret;

	for (int i = 0; i < run->nr_pls; i++)
		ops_payload_kill(&run->pls[i]);
	for (int i = run->nr_cgs - 1; i >= 0; i--)
		if (run->cgs[i].live && run->cgs[i].frozen &&
		    !ktstr_cgroup_unfreeze(cg, run->cgs[i].name))
			run->cgs[i].frozen = false;
	/*
	 * Collect first: ktstr_collect_assert() reads the taskstats of every
	 * worker (when used) before it stops any, then stops them all, which
	 * the cgroups' removal needs.
	 */
	ktstr_assert_result_init(res);
	if (run->nr_handles) {
		const struct ktstr_cpuset **sets;

		sets = calloc(run->nr_handles, sizeof(*sets));
		if (!sets)
			ret = -ENOMEM;
		else {
			for (int i = 0; i < run->nr_handles; i++)
				sets[i] = run->hcpus[i].unbounded ? NULL :
					  &run->hcpus[i].cpus;
			ret = ktstr_collect_assert(run->handles, run->nr_handles,
						   &run->ctx->assert,
						   (const struct ktstr_cpuset *const *)sets,
						   res);
			free(sets);
		}
		if (ret < 0) {
			ktstr_assert_result_free(res);
			ops_run_failure(run, KTSTR_DETAIL_OTHER,
					"collecting reports: %s", strerror(-ret));
			err = ret;
		}
	} else {
		/* Nothing to judge: the run itself decides. */
		ktstr_assert_result_pass(res);
	}
	for (int i = 0; i < run->nr_handles; i++)
		if (run->handles[i].workers)
			ktstr_handle_stop(&run->handles[i], 0);
	/* Step cgroups were created after the backdrop's: newest first
	 * removes them, then the backdrop's. */
	for (int i = run->nr_cgs - 1; i >= 0; i--) {
		if (!run->cgs[i].live)
			continue;
		ret = ktstr_cgroup_remove(cg, run->cgs[i].name);
		if (ret) {
			ops_run_failure(run, KTSTR_DETAIL_OTHER,
					"remove cgroup %s: %s", run->cgs[i].name,
					ktstr_last_error());
			if (!err)
				err = ret;
		}
		run->cgs[i].live = false;
	}
	for (int i = 0; i < run->nr_fails; i++)
		ktstr_assert_result_fail(res, run->fails[i].kind, "%s",
					 run->fails[i].message);

	ktstr_handles_free(run->handles, run->nr_handles);
	run->handles = NULL;
	free(run->hcpus);
	run->hcpus = NULL;
	run->nr_handles = run->cap_handles = 0;
	for (int i = 0; i < run->nr_cgs; i++)
		free(run->cgs[i].name);
	free(run->cgs);
	run->cgs = NULL;
	run->nr_cgs = run->cap_cgs = 0;
	for (int i = 0; i < run->nr_pls; i++) {
		free(run->pls[i].name);
		free(run->pls[i].cgroup);
	}
	free(run->pls);
	run->pls = NULL;
	run->nr_pls = run->cap_pls = 0;
	for (int i = 0; i < run->nr_fails; i++)
		free(run->fails[i].message);
	free(run->fails);
	run->fails = NULL;
	run->nr_fails = run->cap_fails = 0;
	return err;
}
