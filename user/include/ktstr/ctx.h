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

#include <ktstr/clock.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <ktstr/assert.h>
#include <ktstr/cgroup.h>
#include <ktstr/topo.h>
#include <ktstr/worker.h>
#include <ktstr/workload.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/* ktstr's defaults (its test macro and Assert release defaults). */
#define KTSTR_CTX_DURATION_MS		2000
#define KTSTR_CTX_WORKERS_PER_CGROUP	2
#define KTSTR_CTX_SETTLE_MS		500
#define KTSTR_ASSERT_MAX_GAP_MS		KTSTR_ASSERT_DFL_MAX_GAP_MS
#define KTSTR_ASSERT_MAX_SPREAD_PCT	KTSTR_ASSERT_DFL_MAX_SPREAD_PCT

/*
 * Most cgroups ktstr_setup_cgroups() creates, and most ktstr_spawn_diverse()
 * fills, in one call; more is -E2BIG, before anything is created. Their
 * workers together are bounded by KTSTR_WORKERS_MAX (<ktstr/workload.h>).
 */
#define KTSTR_CTX_MAX_CGROUPS		1024

/* Longest cgroup name a handle or group keeps (relative to the parent). */
#define KTSTR_CTX_NAME_MAX		64
/* Size of ktstr_result.details; failures past it are counted, not listed. */
#define KTSTR_RESULT_DETAILS_MAX	4096

struct ktstr_collector;
struct ktstr_scx;

/*
 * Assert configuration: struct ktstr_assert of <ktstr/assert.h> (optional
 * thresholds, merged in layers). ctx->assert holds the resolved config the
 * scenario's workers are judged with; ktstr_ctx_init() sets the default
 * layer (ktstr_assert_defaults()).
 */

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
	/*
	 * The sched_ext scheduler this run started (ktstr run --scheduler),
	 * or NULL: the one KTSTR_OP_RESTART_SCHEDULER restarts. Its pid
	 * replaces @sched_pid after a restart.
	 */
	struct ktstr_scx *scx;
	/* Wait after cgroup creation so the scheduler can settle. */
	uint64_t settle_ms;
	/* Work type replacing SpinWait in ktstr_dfl_wl(); NULL: none. */
	const struct ktstr_work *work_type_override;
	struct ktstr_assert assert;
	/* Wait for the scheduler's BPF map write before starting (scx
	 * scenarios; the helpers here do not wait yet). */
	bool wait_for_map_write;
	/*
	 * The kernel's view of the workers: an open collector
	 * (<ktstr/collector.h>: the module, BPF or taskstats), or NULL for
	 * userspace checks only. When set, spawned workers are tracked on it
	 * (unless it already tracks their cgroup subtree) and
	 * ktstr_collect_all() judges its records with the reports: what
	 * its records lack (ktstr_collector_has()) is reported as not
	 * judged, never passed.
	 */
	struct ktstr_collector *collector;
	/*
	 * Starvation threshold in ms: a worker runnable without running for
	 * longer has starved. 0 (ktstr_ctx_init()) keeps the collector's
	 * (KTSTR_STARVE_MS_DEFAULT, 1000 ms, which a victim of an
	 * RT-throttled FIFO hog, waiting ~950 ms a second, never reaches).
	 * When set, the helpers set it on @collector before they track the
	 * workers (KTSTR_STARVE_MS_MIN..KTSTR_STARVE_MS_MAX, else they fail
	 * with -EINVAL).
	 */
	uint64_t starve_ms;
};

/*
 * The defaults (2000 ms, 2 workers per cgroup, 500 ms settle, default
 * assert config, no scheduler, no override, no device) with @cgroups and
 * @topo (may be NULL). -EINVAL if @ctx or @cgroups is NULL.
 */
int ktstr_ctx_init(struct ktstr_ctx *ctx, struct ktstr_cgroups *cgroups,
		   const struct ktstr_topo *topo);


/*
 * The default workload: SpinWait, or the override, with
 * ctx->workers_per_cgroup workers (adjusted to the type's fixed count or
 * group size, ktstr_work_dfl_workers()); everything else inherited.
 * A workers_per_cgroup <= 0 (or above KTSTR_WORKERS_MAX) gives nr_workers
 * -EINVAL (-E2BIG), which ktstr_setup_cgroups() refuses with that error.
 */
struct ktstr_workload ktstr_dfl_wl(const struct ktstr_ctx *ctx);

/* One cgroup's workers. */
struct ktstr_handle {
	char cgroup[KTSTR_CTX_NAME_MAX];	/* relative to the parent */
	enum ktstr_work_kind kind;
	struct ktstr_workers *workers;		/* NULL once freed */
	/* ctx->collector at spawn time: the workers are tracked there. */
	struct ktstr_collector *collector;
};

/* Stop and free the workers of @n handles, then the array. NULL: no-op. */
void ktstr_handles_free(struct ktstr_handle *handles, int n);

/*
 * Stop @h's workers: ktstr_workers_stop(@timeout_ms). Their records stay
 * with the collector (every collector keeps the records of tasks that
 * exited). Returns ktstr_workers_stop()'s count, or -EINVAL.
 */
int ktstr_handle_stop(struct ktstr_handle *h, unsigned int timeout_ms);

/*
 * Track the workers of @h on @h->collector (no-op without one, or when it
 * already tracks their cgroup subtree), with their future children.
 * Call it after spawning and before starting them. 0 or -errno.
 */
int ktstr_handle_track(struct ktstr_handle *h);

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
 *
 * Checked before any cgroup is created: NULL pointers and @n < 1 are
 * -EINVAL, @n > KTSTR_CTX_MAX_CGROUPS is -E2BIG; @wl must pass
 * ktstr_workload_check() (its error: -EINVAL for nr_workers <= 0, -E2BIG
 * above KTSTR_WORKERS_MAX; ktstr_last_error() says why), and @n *
 * wl->nr_workers above KTSTR_WORKERS_MAX is -E2BIG. A non-empty @group
 * is -EBUSY.
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
 * Checked before anything is spawned: NULL pointers (also any of
 * @names[0..n-1]), @n < 1 and ctx->workers_per_cgroup < 1 are -EINVAL;
 * @n > KTSTR_CTX_MAX_CGROUPS, and workers above KTSTR_WORKERS_MAX in all,
 * are -E2BIG.
 */
int ktstr_spawn_diverse(const struct ktstr_ctx *ctx, const char *const *names,
			int n, struct ktstr_handle **handles);

/* Size of ktstr_result.failures: the first ones are kept, the rest counted. */
#define KTSTR_RESULT_FAILURES_MAX	32

/*
 * One failure, typed: the fields of a struct ktstr_assert_detail without
 * its allocated message (the message is the matching line of
 * ktstr_result.details). Fixed size, plain data. Fields that do not apply
 * to a kind are -1 (pid, cpu, cause_pid), "" (comm, cgroup) or 0
 * (duration_ns).
 */
struct ktstr_result_failure {
	enum ktstr_detail_kind kind;	/* KTSTR_DETAIL_STUCK, _GAP, _STARVATION, ... */
	pid_t pid;			/* the task that failed */
	int cpu;			/* where (the gap's, the wait's CPU) */
	char comm[KTSTR_COMM_LEN];	/* its comm, "" when unknown */
	char cgroup[KTSTR_ASSERT_NAME_MAX];	/* the cgroup judged */
	uint64_t duration_ns;		/* the gap, the wait, the wall time */
	pid_t cause_pid;		/* the task that caused it, when known: an
					 * RtStarvation worker's hog */
};

/*
 * Outcome of the checks, flattened: a fixed-size summary of a struct
 * ktstr_assert_result (the full result, with typed details and stats, is
 * what ktstr_collect_assert() gives). No allocation: a caller copies it
 * and frees nothing.
 *
 * Every failure is counted (nr_failures) and, in order, given a line in
 * @details while the text fits (@truncated once one did not) and a typed
 * entry in @failures while there is room (the first
 * KTSTR_RESULT_FAILURES_MAX; nr_typed < nr_failures when some were left
 * out). failures[i] and the i-th line of @details describe the same
 * failure. Skips are counted in nr_skipped only.
 */
struct ktstr_result {
	bool pass;		/* no failure (a skip passes) */
	int nr_cgroups;		/* report sets checked */
	int nr_workers;
	int nr_failures;	/* all failures, listed or not */
	int nr_stuck;		/* no progress or unclean end */
	int nr_gap;		/* gap above max_gap_ms */
	int nr_unfair;		/* off-CPU or wait-share spread above the limit */
	int nr_krecs;		/* reports with a collector record merged */
	int nr_kernel;		/* starvation, wait, kernel isolation failures */
	int nr_skipped;		/* skip reasons (not failures, not listed) */
	/* One line per failure, naming the task (comm[pid]) and the cgroup. */
	char details[KTSTR_RESULT_DETAILS_MAX];
	bool truncated;		/* some failures did not fit in details */
	/* The same failures, typed (see above). */
	int nr_typed;
	struct ktstr_result_failure failures[KTSTR_RESULT_FAILURES_MAX];
};

/* Empty, passing result. */
void ktstr_result_init(struct ktstr_result *res);

/*
 * Add the outcome of a full result to @res: its failure details as lines
 * (counted by kind), its cgroups and workers. -EINVAL on NULL.
 */
int ktstr_result_add_assert(struct ktstr_result *res,
			    const struct ktstr_assert_result *ar);

/*
 * Run the checks of @cfg on the reports of one cgroup (@cgroup names it in
 * the details) and add the outcome to @res (ktstr_result_init() it first).
 * Pure: no processes, no I/O. -EINVAL on NULL pointers or n < 0.
 * Same as ktstr_assert_cgroup() without cpuset or kernel records, flattened.
 */
int ktstr_check_reports(const struct ktstr_report *reports, int n,
			const char *cgroup, const struct ktstr_assert *cfg,
			struct ktstr_result *res);

/*
 * Stop the workers of @n handles and collect their reports. For each
 * handle with a collector: snapshot its records (once per collector),
 * merge them into the reports (ktstr_reports_merge_krecs()) and hand the
 * handle's cgroup the records of its workers; the checks those records
 * cannot back (ktstr_assert_unjudged() with ktstr_collector_has()) are
 * reported as not judged, and a cgroup whose collector has no longest
 * wait gets none in its stats (max_wait_ns 0, max_wait_pid and
 * max_wait_cpu -1). Starvation comes from the records: the module's
 * watchdog counts episodes, the BPF collector's longest wait stands for
 * one (ktstr_collector_snapshot()). Events pending on a collector that has
 * them are read (consumed) and counted; they judge only when its records
 * could not be read. Then judge each handle's cgroup with
 * ktstr_assert_cgroup() (@cpusets[i], when @cpusets is non-NULL, is handle
 * i's expected cpuset, NULL entries for none), all merged into @out
 * (ktstr_assert_result_init() it first). @cfg NULL: the defaults. A @cfg
 * with none of the worker-level checks set (KTSTR_ASSERT_WORKER_CHECKS)
 * falls back to the not-starved check, as the guide's collect_all() does:
 * not_stuck (every worker made progress and ended cleanly) is added to
 * it. Returns 0 when the checks ran (see out->verdict), -errno when they
 * could not; the workers stay allocated until their owner frees them.
 */
int ktstr_collect_assert(struct ktstr_handle *handles, int n,
			 const struct ktstr_assert *cfg,
			 const struct ktstr_cpuset *const *cpusets,
			 struct ktstr_assert_result *out);

/*
 * ktstr_collect_assert() without cpusets, flattened into @res (which is
 * initialised here). Returns as ktstr_collect_assert().
 */
int ktstr_collect_all(struct ktstr_handle *handles, int n,
		      const struct ktstr_assert *cfg,
		      struct ktstr_result *res);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_CTX_H */
