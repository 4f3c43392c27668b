/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The scenario context and its helpers: what ktstr's guide calls Ctx,
 * dfl_wl(), setup_cgroups(), spawn_diverse() and collect_all(), so that a
 * custom scenario reads almost line for line like the guide's Rust:
 *
 *	static int my_custom_scenario(const struct ktstr_ctx *ctx,
 *				      struct ktstr_result *res)
 *	{
 *		struct ktstr_workload wl = ktstr_dfl_wl(ctx);
 *		KTSTR_CGROUP_GUARD(guard);
 *		struct ktstr_handle *handles;
 *		int ret;
 *
 *		ret = ktstr_setup_cgroups(ctx, 2, &wl, &handles, &guard);
 *		if (ret)
 *			return ret;
 *		// Custom logic: resize cpusets, move workers, etc.
 *		ktstr_sleep_ms(ctx->duration_ms);
 *		return ktstr_collect_all(handles, guard.nr_handles, &ctx->assert, res);
 *	}
 *
 * Ownership: handles from ktstr_setup_cgroups() belong to the cgroup group
 * (the guard); destroying it stops and frees the workers first, then
 * removes the cgroups newest first. Handles from ktstr_spawn_diverse()
 * belong to the caller (ktstr_handles_free()), because the caller created
 * those cgroups.
 *
 * Conventions: functions return 0 (or a count) on success and a negative
 * errno on failure; they never print.
 */
#ifndef KTSTR_CTX_H
#define KTSTR_CTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <ktstr/cgroup.h>
#include <ktstr/topo.h>
#include <ktstr/worker.h>
#include <ktstr/workload.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ktstr's defaults (its test macro and Assert release defaults). */
#define KTSTR_CTX_DURATION_MS		2000
#define KTSTR_CTX_WORKERS_PER_CGROUP	2
#define KTSTR_CTX_SETTLE_MS		500
#define KTSTR_ASSERT_MAX_GAP_MS		2000
#define KTSTR_ASSERT_MAX_SPREAD_PCT	15.0

/* Longest cgroup name a handle or group keeps (relative to the parent). */
#define KTSTR_CTX_NAME_MAX		64
/* Size of ktstr_result.details; failures past it are counted, not listed. */
#define KTSTR_RESULT_DETAILS_MAX	4096

struct ktstr_dev;

/*
 * Assert configuration. A placeholder for the Assert engine (a later
 * issue): plain values, no merging of layers yet. The checks that
 * ktstr_collect_all() (through ktstr_check_reports()) runs with it:
 *  - not stuck: every worker made progress (work units or iterations) and
 *    ended cleanly (its own report, exit 0);
 *  - gap: no worker's longest gap between progress checkpoints is above
 *    max_gap_ms ("stuck Xms on cpuY");
 *  - spread: within one cgroup of at least two workers, the off-CPU
 *    percentage (off_cpu_ns / wall_time_ns) of the most and the least
 *    delayed worker differ by at most max_spread_pct points (fairness).
 * A limit of 0 turns its check off.
 */
struct ktstr_assert_cfg {
	uint64_t max_gap_ms;		/* KTSTR_ASSERT_MAX_GAP_MS */
	double max_spread_pct;		/* KTSTR_ASSERT_MAX_SPREAD_PCT */
};

void ktstr_assert_cfg_init(struct ktstr_assert_cfg *cfg);

/*
 * What a scenario receives; the guide's Ctx. Fill it with ktstr_ctx_init()
 * and change fields before running the scenario; helpers only read it.
 */
struct ktstr_ctx {
	/*
	 * Cgroup operations: the cgroup v2 manager on real runs, the no-op
	 * double (ktstr_cgroup_noop_new()) in host-only tests. Not const:
	 * the operations update the manager's record of what it created.
	 */
	struct ktstr_cgroups *cgroups;
	/* CPU topology; may be NULL for scenarios that do not use it. */
	const struct ktstr_topo *topo;
	uint64_t duration_ms;
	int workers_per_cgroup;
	/* The scx scheduler's pid for liveness checks; 0 on the default
	 * (EEVDF) scheduler, which has no userspace process. */
	pid_t sched_pid;
	/* Wait after cgroup creation so the scheduler can settle. */
	uint64_t settle_ms;
	/* Work type replacing SpinWait in ktstr_dfl_wl(); NULL: none. */
	const struct ktstr_work *work_type_override;
	struct ktstr_assert_cfg assert;
	/* Wait for the scheduler's BPF map write before starting (scx
	 * scenarios; the helpers here do not wait yet). */
	bool wait_for_map_write;
	/*
	 * An open /dev/ktstr, or NULL. When set, spawned workers are tracked
	 * and ktstr_collect_all() merges the module's records into their
	 * reports. Optional: everything works without the module.
	 */
	struct ktstr_dev *dev;
};

/*
 * The defaults (2000 ms, 2 workers per cgroup, 500 ms settle, default
 * assert config, no scheduler, no override, no device) with @cgroups and
 * @topo (may be NULL). -EINVAL if @ctx or @cgroups is NULL.
 */
int ktstr_ctx_init(struct ktstr_ctx *ctx, struct ktstr_cgroups *cgroups,
		   const struct ktstr_topo *topo);

/* Sleep @ms milliseconds, resuming after signals. */
void ktstr_sleep_ms(uint64_t ms);

/*
 * The default workload: SpinWait, or the override, with
 * ctx->workers_per_cgroup workers (adjusted to the type's fixed count or
 * group size, ktstr_work_dfl_workers()); everything else inherited.
 */
struct ktstr_workload ktstr_dfl_wl(const struct ktstr_ctx *ctx);

/* One cgroup's workers. */
struct ktstr_handle {
	char cgroup[KTSTR_CTX_NAME_MAX];	/* relative to the parent */
	enum ktstr_work_kind kind;
	struct ktstr_workers *workers;		/* NULL once freed */
	struct ktstr_dev *dev;			/* ctx->dev at spawn time */
};

/* Stop and free the workers of @n handles, then the array. NULL: no-op. */
void ktstr_handles_free(struct ktstr_handle *handles, int n);

/*
 * Cgroups created through it, removed in reverse order on destruction,
 * after the workers of its handles are stopped (a populated cgroup cannot
 * be removed). Zero-initialised is valid and empty.
 */
struct ktstr_cgroup_group {
	struct ktstr_cgroups *cg;
	char **names;
	int nr, cap;
	struct ktstr_handle *handles;	/* owned; from ktstr_setup_cgroups() */
	int nr_handles;
};

#define KTSTR_CGROUP_GROUP_INIT	{ 0 }

/* Empty group on @cg. */
void ktstr_cgroup_group_init(struct ktstr_cgroup_group *g,
			     struct ktstr_cgroups *cg);
/* Create cgroup @name and remember it for removal. */
int ktstr_cgroup_group_add(struct ktstr_cgroup_group *g, const char *name);
/*
 * Free the handles (stopping their workers), remove the cgroups newest
 * first, free the memory and leave @g empty. Keeps going after a failed
 * removal; returns the first error. Idempotent.
 */
int ktstr_cgroup_group_destroy(struct ktstr_cgroup_group *g);
/* For __attribute__((cleanup)): destroy, ignoring the error. */
void ktstr_cgroup_group_cleanup(struct ktstr_cgroup_group *g);

/* A group destroyed when @name goes out of scope (the guide's _guard). */
#define KTSTR_CGROUP_GUARD(name)					\
	struct ktstr_cgroup_group name					\
	__attribute__((cleanup(ktstr_cgroup_group_cleanup))) =		\
		KTSTR_CGROUP_GROUP_INIT

/*
 * Create @n cgroups "cg_0".."cg_<n-1>" in @group (which must be empty;
 * it is bound to ctx->cgroups), wait ctx->settle_ms, then for each one
 * spawn @wl's workers, move them in, and start them. *@handles points to
 * the @n handles, owned by @group (also group->handles, group->nr_handles).
 * On failure what was set up stays in @group for its destruction.
 */
int ktstr_setup_cgroups(const struct ktstr_ctx *ctx, int n,
			const struct ktstr_workload *wl,
			struct ktstr_handle **handles,
			struct ktstr_cgroup_group *group);

/*
 * Spawn and start workers in the existing cgroups @names[0..n-1], rotating
 * SpinWait, Bursty{burst 50 ms, sleep 100 ms}, IoSyncWrite, Mixed,
 * YieldHeavy: ctx->workers_per_cgroup workers each, except IoSyncWrite
 * which always has 2. *@handles (n entries) is the caller's to free with
 * ktstr_handles_free(); on failure nothing is left running.
 */
int ktstr_spawn_diverse(const struct ktstr_ctx *ctx, const char *const *names,
			int n, struct ktstr_handle **handles);

/* Outcome of the checks. */
struct ktstr_result {
	bool pass;
	int nr_cgroups;		/* report sets checked */
	int nr_workers;
	int nr_failures;	/* all failures, listed or not */
	int nr_stuck;		/* no progress or unclean end */
	int nr_gap;		/* gap above max_gap_ms */
	int nr_unfair;		/* spread above max_spread_pct */
	int nr_krecs;		/* reports with a /dev/ktstr record merged */
	/* One line per failure, naming the worker pid and the cgroup. */
	char details[KTSTR_RESULT_DETAILS_MAX];
	bool truncated;		/* some failures did not fit in details */
};

/* Empty, passing result. */
void ktstr_result_init(struct ktstr_result *res);

/*
 * Run the checks of @cfg on the reports of one cgroup (@cgroup names it in
 * the details) and add the outcome to @res (ktstr_result_init() it first).
 * Pure: no processes, no I/O. -EINVAL on NULL pointers or n < 0.
 */
int ktstr_check_reports(const struct ktstr_report *reports, int n,
			const char *cgroup, const struct ktstr_assert_cfg *cfg,
			struct ktstr_result *res);

/*
 * Stop the workers of @n handles, collect their reports, merge the
 * /dev/ktstr records when a handle has a device, and check each handle's
 * reports with @cfg (NULL: defaults) into @res. Returns 0 when the checks
 * ran (see res->pass), -errno when they could not; the workers stay
 * allocated (reports readable) until their owner frees them.
 */
int ktstr_collect_all(struct ktstr_handle *handles, int n,
		      const struct ktstr_assert_cfg *cfg,
		      struct ktstr_result *res);

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_CTX_H */
