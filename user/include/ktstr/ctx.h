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

/**
 * DOC: scenario defaults
 *
 * ktstr's defaults (its test macro and Assert release defaults):
 * KTSTR_CTX_DURATION_MS, KTSTR_CTX_WORKERS_PER_CGROUP and
 * KTSTR_CTX_SETTLE_MS are what ktstr_ctx_init() sets;
 * KTSTR_ASSERT_MAX_GAP_MS and KTSTR_ASSERT_MAX_SPREAD_PCT are the Assert
 * defaults of <ktstr/assert.h> under ktstr's names.
 */
#define KTSTR_CTX_DURATION_MS		2000
#define KTSTR_CTX_WORKERS_PER_CGROUP	2
#define KTSTR_CTX_SETTLE_MS		500
#define KTSTR_ASSERT_MAX_GAP_MS		KTSTR_ASSERT_DFL_MAX_GAP_MS
#define KTSTR_ASSERT_MAX_SPREAD_PCT	KTSTR_ASSERT_DFL_MAX_SPREAD_PCT

/**
 * DOC: scenario limits
 *
 * KTSTR_CTX_MAX_CGROUPS: most cgroups ktstr_setup_cgroups() creates, and
 * most ktstr_spawn_diverse() fills, in one call; more is -E2BIG, before
 * anything is created. Their workers together are bounded by
 * KTSTR_WORKERS_MAX (<ktstr/workload.h>).
 *
 * KTSTR_CTX_NAME_MAX: longest cgroup name a handle or group keeps
 * (relative to the parent).
 *
 * KTSTR_RESULT_DETAILS_MAX: size of ktstr_result.details; failures past it
 * are counted, not listed.
 */
#define KTSTR_CTX_MAX_CGROUPS		1024
#define KTSTR_CTX_NAME_MAX		64
#define KTSTR_RESULT_DETAILS_MAX	4096

struct ktstr_collector;
struct ktstr_scx;

/**
 * struct ktstr_ctx - what a scenario receives; the guide's Ctx
 * @cgroups: cgroup operations: the cgroup v2 manager on real runs, the
 *	no-op double (ktstr_cgroup_noop_new()) in host-only tests. Not const:
 *	the operations update the manager's record of what it created.
 * @topo: CPU topology; may be NULL for scenarios that do not use it
 * @duration_ms: how long the scenario runs, in ms (default
 *	KTSTR_CTX_DURATION_MS); the scenario waits it, the helpers here do
 *	not read it
 * @workers_per_cgroup: workers in each cgroup, for ktstr_dfl_wl() and
 *	ktstr_spawn_diverse() (default KTSTR_CTX_WORKERS_PER_CGROUP)
 * @sched_pid: the scx scheduler's pid for liveness checks; 0 on the
 *	default (EEVDF) scheduler, which has no userspace process
 * @scx: the sched_ext scheduler this run started (ktstr run --scheduler),
 *	or NULL: the one KTSTR_OP_RESTART_SCHEDULER restarts. Its pid
 *	replaces @sched_pid after a restart.
 * @settle_ms: wait after cgroup creation so the scheduler can settle
 * @work_type_override: work type replacing SpinWait in ktstr_dfl_wl();
 *	NULL: none
 * @assert: the assert configuration: struct ktstr_assert of
 *	<ktstr/assert.h> (optional thresholds, merged in layers). It holds
 *	the resolved config the scenario's workers are judged with;
 *	ktstr_ctx_init() sets the default layer (ktstr_assert_defaults()).
 * @wait_for_map_write: wait for the scheduler's BPF map write before
 *	starting (scx scenarios; the helpers here do not wait yet)
 * @collector: the kernel's view of the workers: an open collector
 *	(<ktstr/collector.h>: the module, BPF or taskstats), or NULL for
 *	userspace checks only. When set, spawned workers are tracked on it
 *	(unless it already tracks their cgroup subtree) and
 *	ktstr_collect_all() judges its records with the reports: what its
 *	records lack (ktstr_collector_has()) is reported as not judged,
 *	never passed.
 * @starve_ms: starvation threshold in ms: a worker runnable without
 *	running for longer has starved. 0 (ktstr_ctx_init()) keeps the
 *	collector's (KTSTR_STARVE_MS_DEFAULT, 1000 ms, which a victim of an
 *	RT-throttled FIFO hog, waiting ~950 ms a second, never reaches).
 *	When set, the helpers set it on @collector before they track the
 *	workers (KTSTR_STARVE_MS_MIN..KTSTR_STARVE_MS_MAX, else they fail
 *	with -EINVAL).
 *
 * Fill it with ktstr_ctx_init() and change fields before running the
 * scenario; helpers only read it.
 */
struct ktstr_ctx {
	struct ktstr_cgroups *cgroups;
	const struct ktstr_topo *topo;
	uint64_t duration_ms;
	int workers_per_cgroup;
	pid_t sched_pid;
	struct ktstr_scx *scx;
	uint64_t settle_ms;
	const struct ktstr_work *work_type_override;
	struct ktstr_assert assert;
	bool wait_for_map_write;
	struct ktstr_collector *collector;
	uint64_t starve_ms;
};

/**
 * ktstr_ctx_init() - fill a context with ktstr's defaults
 * @ctx: the context to fill
 * @cgroups: the cgroup operations it uses
 * @topo: the CPU topology; may be NULL
 *
 * The defaults: 2000 ms, 2 workers per cgroup, 500 ms settle, default
 * assert config, no scheduler, no override, no device; with @cgroups and
 * @topo.
 *
 * Return: 0, or -EINVAL if @ctx or @cgroups is NULL.
 */
int ktstr_ctx_init(struct ktstr_ctx *ctx, struct ktstr_cgroups *cgroups,
		   const struct ktstr_topo *topo);

/**
 * ktstr_dfl_wl() - the default workload of a context
 * @ctx: the context
 *
 * SpinWait, or ctx->work_type_override, with ctx->workers_per_cgroup
 * workers (adjusted to the type's fixed count or group size,
 * ktstr_work_dfl_workers()); everything else inherited.
 *
 * Return: the workload. A workers_per_cgroup <= 0 (or above
 * KTSTR_WORKERS_MAX) gives nr_workers -EINVAL (-E2BIG), which
 * ktstr_setup_cgroups() refuses with that error.
 */
struct ktstr_workload ktstr_dfl_wl(const struct ktstr_ctx *ctx);

/**
 * struct ktstr_handle - one cgroup's workers
 * @cgroup: the cgroup's name, relative to the parent
 * @kind: the workers' work type
 * @workers: the workers; NULL once freed
 * @collector: ctx->collector at spawn time: the workers are tracked there
 */
struct ktstr_handle {
	char cgroup[KTSTR_CTX_NAME_MAX];
	enum ktstr_work_kind kind;
	struct ktstr_workers *workers;
	struct ktstr_collector *collector;
};

/**
 * ktstr_handles_free() - stop and free the workers of handles, then the array
 * @handles: the array; NULL is a no-op
 * @n: how many handles
 */
void ktstr_handles_free(struct ktstr_handle *handles, int n);

/**
 * ktstr_handle_stop() - stop one handle's workers
 * @h: the handle
 * @timeout_ms: passed to ktstr_workers_stop()
 *
 * Stops @h's workers with ktstr_workers_stop(@timeout_ms). Their records
 * stay with the collector (every collector keeps the records of tasks
 * that exited).
 *
 * Return: ktstr_workers_stop()'s count, or -EINVAL.
 */
int ktstr_handle_stop(struct ktstr_handle *h, unsigned int timeout_ms);

/**
 * ktstr_handle_track() - track one handle's workers on its collector
 * @h: the handle
 *
 * Tracks the workers of @h on @h->collector (no-op without one, or when
 * it already tracks their cgroup subtree), with their future children.
 * Call it after spawning and before starting them.
 *
 * Return: 0 or -errno.
 */
int ktstr_handle_track(struct ktstr_handle *h);

/**
 * struct ktstr_cgroup_group - cgroups removed together, newest first
 * @cg: the cgroup operations the cgroups were created with
 * @names: the names of the cgroups created through it, in creation order
 * @nr: how many names
 * @cap: room allocated in @names
 * @handles: owned; from ktstr_setup_cgroups()
 * @nr_handles: how many handles
 *
 * Cgroups created through it are removed in reverse order on destruction,
 * after the workers of its handles are stopped (a populated cgroup cannot
 * be removed). Zero-initialised is valid and empty.
 */
struct ktstr_cgroup_group {
	struct ktstr_cgroups *cg;
	char **names;
	int nr, cap;
	struct ktstr_handle *handles;
	int nr_handles;
};

/**
 * DOC: KTSTR_CGROUP_GROUP_INIT
 *
 * KTSTR_CGROUP_GROUP_INIT initialises a struct ktstr_cgroup_group empty
 * (zero-initialised).
 */
#define KTSTR_CGROUP_GROUP_INIT	{ 0 }

/**
 * ktstr_cgroup_group_init() - an empty group
 * @g: the group
 * @cg: the cgroup operations it creates and removes with
 */
void ktstr_cgroup_group_init(struct ktstr_cgroup_group *g,
			     struct ktstr_cgroups *cg);
/**
 * ktstr_cgroup_group_add() - create a cgroup in a group
 * @g: the group
 * @name: the cgroup, relative to the parent
 *
 * Creates cgroup @name and remembers it for removal.
 *
 * Return: 0; -EINVAL on NULL (or a group without cgroup operations),
 * -ENOMEM, or the error of ktstr_cgroup_create().
 */
int ktstr_cgroup_group_add(struct ktstr_cgroup_group *g, const char *name);
/**
 * ktstr_cgroup_group_destroy() - stop the workers, remove the cgroups
 * @g: the group
 *
 * Frees the handles (stopping their workers), removes the cgroups newest
 * first, frees the memory and leaves @g empty. Keeps going after a failed
 * removal. Idempotent.
 *
 * Return: 0, or the first error.
 */
int ktstr_cgroup_group_destroy(struct ktstr_cgroup_group *g);
/**
 * ktstr_cgroup_group_cleanup() - destroy a group, ignoring the error
 * @g: the group
 *
 * For __attribute__((cleanup)).
 */
void ktstr_cgroup_group_cleanup(struct ktstr_cgroup_group *g);

/**
 * KTSTR_CGROUP_GUARD() - a group destroyed at the end of its scope
 * @name: the variable
 *
 * Declares a struct ktstr_cgroup_group @name, empty, destroyed when @name
 * goes out of scope (the guide's _guard).
 */
#define KTSTR_CGROUP_GUARD(name)					\
	struct ktstr_cgroup_group name					\
	__attribute__((cleanup(ktstr_cgroup_group_cleanup))) =		\
		KTSTR_CGROUP_GROUP_INIT

/**
 * ktstr_setup_cgroups() - create cgroups and start a workload in each
 * @ctx: the context
 * @n: how many cgroups
 * @wl: the workload of each cgroup
 * @handles: receives the @n handles
 * @group: the group that owns the cgroups and the handles
 *
 * Creates @n cgroups "cg_0".."cg_<n-1>" in @group (which must be empty;
 * it is bound to ctx->cgroups), waits ctx->settle_ms, then for each one
 * spawns @wl's workers, moves them in, and starts them. *@handles points
 * to the @n handles, owned by @group (also group->handles,
 * group->nr_handles). On failure what was set up stays in @group for its
 * destruction.
 *
 * Checked before any cgroup is created: NULL pointers and @n < 1 are
 * -EINVAL, @n > KTSTR_CTX_MAX_CGROUPS is -E2BIG; @wl must pass
 * ktstr_workload_check() (its error: -EINVAL for nr_workers <= 0, -E2BIG
 * above KTSTR_WORKERS_MAX; ktstr_last_error() says why), and @n *
 * wl->nr_workers above KTSTR_WORKERS_MAX is -E2BIG. A non-empty @group
 * is -EBUSY.
 *
 * Return: 0 or -errno.
 */
int ktstr_setup_cgroups(const struct ktstr_ctx *ctx, int n,
			const struct ktstr_workload *wl,
			struct ktstr_handle **handles,
			struct ktstr_cgroup_group *group);

/**
 * ktstr_spawn_diverse() - start a different workload in each cgroup
 * @ctx: the context
 * @names: the existing cgroups, relative to the parent
 * @n: how many cgroups
 * @handles: receives the @n handles
 *
 * Spawns and starts workers in the existing cgroups @names[0..n-1],
 * rotating SpinWait, Bursty{burst 50 ms, sleep 100 ms}, IoSyncWrite,
 * Mixed, YieldHeavy: ctx->workers_per_cgroup workers each, except
 * IoSyncWrite which always has 2. *@handles (n entries) is the caller's
 * to free with ktstr_handles_free(); on failure nothing is left running.
 *
 * Checked before anything is spawned: NULL pointers (also any of
 * @names[0..n-1]), @n < 1 and ctx->workers_per_cgroup < 1 are -EINVAL;
 * @n > KTSTR_CTX_MAX_CGROUPS, and workers above KTSTR_WORKERS_MAX in all,
 * are -E2BIG.
 *
 * Return: 0 or -errno.
 */
int ktstr_spawn_diverse(const struct ktstr_ctx *ctx, const char *const *names,
			int n, struct ktstr_handle **handles);

/**
 * DOC: KTSTR_RESULT_FAILURES_MAX
 *
 * KTSTR_RESULT_FAILURES_MAX is the size of ktstr_result.failures: the
 * first ones are kept, the rest counted.
 */
#define KTSTR_RESULT_FAILURES_MAX	32

/**
 * struct ktstr_result_failure - one failure, typed
 * @kind: KTSTR_DETAIL_STUCK, _GAP, _STARVATION, ...
 * @pid: the task that failed
 * @cpu: where (the gap's, the wait's CPU)
 * @comm: its comm, "" when unknown
 * @cgroup: the cgroup judged
 * @duration_ns: the gap, the wait, the wall time
 * @cause_pid: the task that caused it, when known: an RtStarvation
 *	worker's hog
 *
 * The fields of a struct ktstr_assert_detail without its allocated
 * message (the message is the matching line of ktstr_result.details).
 * Fixed size, plain data. Fields that do not apply to a kind are -1 (pid,
 * cpu, cause_pid), "" (comm, cgroup) or 0 (duration_ns).
 */
struct ktstr_result_failure {
	enum ktstr_detail_kind kind;
	pid_t pid;
	int cpu;
	char comm[KTSTR_COMM_LEN];
	char cgroup[KTSTR_ASSERT_NAME_MAX];
	uint64_t duration_ns;
	pid_t cause_pid;
};

/**
 * struct ktstr_result - outcome of the checks, flattened
 * @pass: no failure (a skip passes)
 * @nr_cgroups: report sets checked
 * @nr_workers: workers checked
 * @nr_failures: all failures, listed or not
 * @nr_stuck: no progress or unclean end
 * @nr_gap: gap above max_gap_ms
 * @nr_unfair: off-CPU or wait-share spread above the limit
 * @nr_krecs: reports with a collector record merged
 * @nr_kernel: starvation, wait, kernel isolation failures
 * @nr_skipped: skip reasons (not failures, not listed)
 * @details: one line per failure, naming the task (comm[pid]) and the
 *	cgroup
 * @truncated: some failures did not fit in @details
 * @nr_typed: entries of @failures in use
 * @failures: the same failures, typed (see below)
 *
 * A fixed-size summary of a struct ktstr_assert_result (the full result,
 * with typed details and stats, is what ktstr_collect_assert() gives).
 * No allocation: a caller copies it and frees nothing.
 *
 * Every failure is counted (nr_failures) and, in order, given a line in
 * @details while the text fits (@truncated once one did not) and a typed
 * entry in @failures while there is room (the first
 * KTSTR_RESULT_FAILURES_MAX; nr_typed < nr_failures when some were left
 * out). failures[i] and the i-th line of @details describe the same
 * failure. Skips are counted in nr_skipped only.
 */
struct ktstr_result {
	bool pass;
	int nr_cgroups;
	int nr_workers;
	int nr_failures;
	int nr_stuck;
	int nr_gap;
	int nr_unfair;
	int nr_krecs;
	int nr_kernel;
	int nr_skipped;
	char details[KTSTR_RESULT_DETAILS_MAX];
	bool truncated;
	int nr_typed;
	struct ktstr_result_failure failures[KTSTR_RESULT_FAILURES_MAX];
};

/**
 * ktstr_result_init() - an empty, passing result
 * @res: the result
 */
void ktstr_result_init(struct ktstr_result *res);

/**
 * ktstr_result_add_assert() - add the outcome of a full result
 * @res: the flattened result added to
 * @ar: the full result
 *
 * Adds to @res the failure details of @ar as lines (counted by kind), its
 * cgroups and workers.
 *
 * Return: 0, or -EINVAL on NULL.
 */
int ktstr_result_add_assert(struct ktstr_result *res,
			    const struct ktstr_assert_result *ar);

/**
 * ktstr_check_reports() - check the reports of one cgroup
 * @reports: the reports
 * @n: how many
 * @cgroup: names the cgroup in the details
 * @cfg: the checks to run
 * @res: the outcome is added here (ktstr_result_init() it first)
 *
 * Runs the checks of @cfg on the reports of one cgroup and adds the
 * outcome to @res. Pure: no processes, no I/O. Same as
 * ktstr_assert_cgroup() without cpuset or kernel records, flattened.
 *
 * Return: 0, or -EINVAL on NULL pointers or n < 0.
 */
int ktstr_check_reports(const struct ktstr_report *reports, int n,
			const char *cgroup, const struct ktstr_assert *cfg,
			struct ktstr_result *res);

/**
 * ktstr_collect_assert() - stop the workers and judge them
 * @handles: the handles
 * @n: how many
 * @cfg: the checks; NULL: the defaults
 * @cpusets: when non-NULL, @cpusets[i] is handle i's expected cpuset
 *	(NULL entries for none)
 * @out: the outcome (ktstr_assert_result_init() it first)
 *
 * Stops the workers of @n handles and collects their reports. For each
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
 * it. The workers stay allocated until their owner frees them.
 *
 * Return: 0 when the checks ran (see out->verdict), -errno when they
 * could not.
 */
int ktstr_collect_assert(struct ktstr_handle *handles, int n,
			 const struct ktstr_assert *cfg,
			 const struct ktstr_cpuset *const *cpusets,
			 struct ktstr_assert_result *out);

/**
 * ktstr_collect_all() - stop the workers and judge them, flattened
 * @handles: the handles
 * @n: how many
 * @cfg: the checks; NULL: the defaults
 * @res: the outcome (initialised here)
 *
 * ktstr_collect_assert() without cpusets, flattened into @res.
 *
 * Return: as ktstr_collect_assert().
 */
int ktstr_collect_all(struct ktstr_handle *handles, int n,
		      const struct ktstr_assert *cfg,
		      struct ktstr_result *res);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_CTX_H */
