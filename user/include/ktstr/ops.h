/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ops and steps: ktstr's data-driven scenario language (its Op, CpusetSpec,
 * CgroupDef, Step, HoldSpec and Backdrop) on top of ctx.h.
 *
 * A scenario is a sequence of steps. Each step runs its ops, then sets up
 * its cgroup definitions (create the cgroup, set its cpuset, spawn and start
 * its workers, wait ctx->settle_ms), then holds (sleeps) for its hold. A
 * backdrop holds definitions and ops set up once before the first step and
 * kept across all of them. At the end every payload is killed, the workers
 * of every cgroup stopped and judged through ktstr_collect_assert() into
 * one typed result (assert.h: details and per-cgroup stats), and the
 * cgroups removed: step cgroups newest first, then the backdrop's, newest
 * first.
 *
 *	static const struct ktstr_cgroup_def defs[] = {
 *		{ .name = "cg_0", .cpuset = KTSTR_SPEC_DISJOINT(0, 2) },
 *		{ .name = "cg_1", .cpuset = KTSTR_SPEC_DISJOINT(1, 2) },
 *	};
 *	static const struct ktstr_op swap[] = {
 *		{ .kind = KTSTR_OP_SWAP_CPUSETS, .cgroup = "cg_0", .cgroup2 = "cg_1" },
 *	};
 *	static const struct ktstr_step steps[] = {
 *		{ .defs = defs, .nr_defs = 2, .hold = KTSTR_HOLD_FRAC_INIT(0.5) },
 *		{ .ops = swap, .nr_ops = 1, .hold = KTSTR_HOLD_FRAC_INIT(0.5) },
 *	};
 *	struct ktstr_assert_result res;
 *
 *	ret = ktstr_execute_steps(ctx, NULL, steps, 2, &res);
 *	...
 *	ktstr_assert_result_free(&res);
 *
 * Cgroup names are relative to the run's parent cgroup (ctx->cgroups), as
 * in cgroup.h. Ops name cgroups created by this execution (defs or
 * ADD_CGROUP); a name is looked up among the steps' live cgroups first
 * (newest first), then among the backdrop's. Creating a name that is live
 * is an error (-EEXIST).
 *
 * Conventions: functions return 0 (or a count) on success and a negative
 * errno on failure; they never print. ktstr_last_error() describes the
 * last failure in the calling thread.
 */
#ifndef KTSTR_OPS_H
#define KTSTR_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <ktstr/cgroup.h>
#include <ktstr/cpulist.h>
#include <ktstr/ctx.h>
#include <ktstr/topo.h>
#include <ktstr/workload.h>
#include <ktstr/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/* ---- cpuset specs ---- */

enum ktstr_cpuset_kind {
	KTSTR_CPUSET_NONE,	/* no cpuset (zero value) */
	KTSTR_CPUSET_LLC,	/* allowed CPUs of LLC .index */
	KTSTR_CPUSET_NUMA,	/* allowed CPUs of NUMA node index .index */
	KTSTR_CPUSET_RANGE,	/* usable CPUs [.start_frac, .end_frac) */
	KTSTR_CPUSET_DISJOINT,	/* part .index of ktstr_topo_split(.of) */
	KTSTR_CPUSET_OVERLAP,	/* part .index of ktstr_topo_overlap(.of, .frac) */
	KTSTR_CPUSET_EXACT,	/* cpu list .exact ("0-3,6"), must be allowed */
};

/*
 * Which CPUs; resolved against ctx->topo when used. Fractions apply to the
 * usable CPUs (topo.h) in topology order.
 */
struct ktstr_cpuset_spec {
	enum ktstr_cpuset_kind kind;
	int index;		/* LLC, NUMA, DISJOINT, OVERLAP */
	int of;			/* DISJOINT, OVERLAP: number of parts */
	double start_frac;	/* RANGE */
	double end_frac;	/* RANGE */
	double frac;		/* OVERLAP: shared fraction, 0 <= frac < 1 */
	const char *exact;	/* EXACT */
};

/* Initialisers: `.cpuset = KTSTR_SPEC_LLC(0)`; cast for a value:
 * `(struct ktstr_cpuset_spec)KTSTR_SPEC_LLC(0)`. */
#define KTSTR_SPEC_NONE		{ .kind = KTSTR_CPUSET_NONE }
#define KTSTR_SPEC_LLC(i)	{ .kind = KTSTR_CPUSET_LLC, .index = (i) }
#define KTSTR_SPEC_NUMA(n)	{ .kind = KTSTR_CPUSET_NUMA, .index = (n) }
#define KTSTR_SPEC_RANGE(s, e)	{ .kind = KTSTR_CPUSET_RANGE,		\
				  .start_frac = (s), .end_frac = (e) }
#define KTSTR_SPEC_DISJOINT(i, n) { .kind = KTSTR_CPUSET_DISJOINT,	\
				  .index = (i), .of = (n) }
#define KTSTR_SPEC_OVERLAP(i, n, f) { .kind = KTSTR_CPUSET_OVERLAP,	\
				  .index = (i), .of = (n), .frac = (f) }
#define KTSTR_SPEC_EXACT(s)	{ .kind = KTSTR_CPUSET_EXACT, .exact = (s) }

/**
 * ktstr_cpuset_spec_resolve_topo() - the CPUs a spec names on a topology
 * @topo: the topology
 * @spec: the spec; NONE gives the usable CPUs
 * @out: receives the CPUs (non-empty)
 *
 * Return: 0; -EINVAL for a malformed spec (negative index, of < 1, index
 * >= of, bad fractions, bad cpu list, NULL pointers); -ENOSPC when the
 * machine is too small (no such LLC/node, fewer usable CPUs than parts,
 * CPUs not allowed, empty result): ktstr_last_error() then starts with
 * "not enough CPUs" / "not enough LLCs" / "not enough NUMA nodes" and a
 * scenario should be skipped with it.
 */
int ktstr_cpuset_spec_resolve_topo(const struct ktstr_topo *topo,
				   const struct ktstr_cpuset_spec *spec,
				   struct ktstr_cpuset *out);
/**
 * ktstr_cpuset_spec_resolve() - ktstr_cpuset_spec_resolve_topo() on ctx->topo
 * @ctx: the scenario's context
 * @spec: the spec
 * @out: receives the CPUs
 *
 * Return: as ktstr_cpuset_spec_resolve_topo(); -ENODEV with a NULL
 * topology.
 */
int ktstr_cpuset_spec_resolve(const struct ktstr_ctx *ctx,
			      const struct ktstr_cpuset_spec *spec,
			      struct ktstr_cpuset *out);

/**
 * ktstr_cpuset_spec_str() - a spec as text
 * @spec: the spec
 * @buf: receives "none", "llc:1", "numa:0", "range:0.25-0.75",
 *	"disjoint:0/2", "overlap:1/3@0.50", "exact:0-3"
 * @len: size of @buf
 *
 * Return: the length of the whole text, as snprintf().
 */
int ktstr_cpuset_spec_str(const struct ktstr_cpuset_spec *spec, char *buf,
			  size_t len);

/*
 * Worker affinity as a spec (workload.h's kinds). The pool is .cpus
 * resolved when its kind is not NONE, else the cgroup's cpuset, else the
 * usable CPUs. INHERIT: none set. EXACT, LLC_ALIGNED, CROSS_CGROUP: the
 * pool. SINGLE_CPU: the .cpu-th CPU of the pool (-ENOSPC past its end).
 * RANDOM: .count CPUs of the pool per worker (0: half the pool, >= 1).
 */
struct ktstr_affinity_spec {
	enum ktstr_affinity_kind kind;
	struct ktstr_cpuset_spec cpus;
	int cpu;
	int count;
};

/* ---- cgroup definitions ---- */

/*
 * A cgroup with its cpuset and workers (ktstr's CgroupDef). Zero fields
 * take the defaults.
 */
struct ktstr_cgroup_def {
	const char *name;			/* required */
	struct ktstr_cpuset_spec cpuset;	/* NONE: no cpuset written */
	/* Base workload copied as is; NULL: ktstr_dfl_wl(ctx). */
	const struct ktstr_workload *workload;
	/* Override the base's work type; NULL: keep. */
	const struct ktstr_work *work;
	/* Override the worker count; 0: keep (or ktstr_work_dfl_workers()
	 * of the overriding work type). */
	int nr_workers;
	/* Applied when its policy is not KTSTR_SCHED_INHERIT. */
	struct ktstr_sched sched;
	/* Applied when its kind is not KTSTR_AFF_INHERIT. */
	struct ktstr_affinity_spec affinity;
	/* Create the cgroup (and cpuset) only. */
	bool no_workers;
};

/* ---- ops ---- */

enum ktstr_op_kind {
	KTSTR_OP_ADD_CGROUP,	/* create .cgroup (with .cpuset unless NONE) */
	KTSTR_OP_REMOVE_CGROUP,	/* stop .cgroup's workers, remove it */
	KTSTR_OP_SET_CPUSET,	/* .cgroup's cpuset := .cpuset */
	KTSTR_OP_CLEAR_CPUSET,	/* .cgroup's cpuset cleared */
	KTSTR_OP_SWAP_CPUSETS,	/* exchange the cpusets of .cgroup, .cgroup2 */
	KTSTR_OP_SPAWN,		/* .nr_workers of .work into .cgroup, started */
	KTSTR_OP_STOP_CGROUP,	/* stop .cgroup's workers (reports kept) */
	KTSTR_OP_SET_AFFINITY,	/* .affinity on .cgroup's running workers */
	KTSTR_OP_SPAWN_HOST,	/* workers in the runner's cgroup (contention) */
	KTSTR_OP_MOVE_ALL_TASKS,/* move .cgroup's tasks to .cgroup2 */
	KTSTR_OP_FREEZE,	/* cgroup.freeze = 1 on .cgroup */
	KTSTR_OP_UNFREEZE,	/* cgroup.freeze = 0 on .cgroup */
	KTSTR_OP_RUN_PAYLOAD,	/* fork/exec .argv as payload .payload,
				 * in .cgroup when set */
	KTSTR_OP_WAIT_PAYLOAD,	/* wait for .payload (.timeout_ms); a non-zero
				 * exit, a signal or the timeout fail */
	KTSTR_OP_KILL_PAYLOAD,	/* SIGKILL .payload's process group, reap */
	KTSTR_OP_RESTART_SCHEDULER, /* stop the run's sched_ext scheduler,
				     * start it again (ctx->scx) */
	KTSTR_OP_NR
};

#define KTSTR_PAYLOAD_WAIT_MS	10000	/* WAIT_PAYLOAD default timeout */

struct ktstr_op {
	enum ktstr_op_kind kind;
	const char *cgroup;			/* target; SWAP/MOVE: the first */
	const char *cgroup2;			/* SWAP: second; MOVE: destination */
	struct ktstr_cpuset_spec cpuset;	/* ADD_CGROUP, SET_CPUSET */
	const struct ktstr_work *work;		/* SPAWN(_HOST); NULL: ctx default */
	int nr_workers;				/* SPAWN(_HOST); 0: ctx default */
	struct ktstr_affinity_spec affinity;	/* SET_AFFINITY, SPAWN(_HOST) */
	const char *payload;			/* payload name (RUN/WAIT/KILL) */
	/* RUN: NULL-terminated argv; NULL: { .payload, NULL } (a path). */
	const char *const *argv;
	uint64_t timeout_ms;			/* WAIT: 0: KTSTR_PAYLOAD_WAIT_MS */
};

/**
 * ktstr_op_kind_name() - the name of an op kind
 * @kind: the kind
 *
 * Return: "add_cgroup", "swap_cpusets", ...; NULL when out of range.
 */
const char *ktstr_op_kind_name(enum ktstr_op_kind kind);

/**
 * ktstr_op_str() - an op as one line
 * @op: the op
 * @buf: receives the line, such as "set_cpuset cg_0 llc:1"
 * @len: size of @buf
 *
 * Return: the length of the whole line, as snprintf().
 */
int ktstr_op_str(const struct ktstr_op *op, char *buf, size_t len);

/* ---- holds ---- */

enum ktstr_hold_kind {
	KTSTR_HOLD_FRAC,	/* .frac of ctx->duration_ms, 0 < frac */
	KTSTR_HOLD_FIXED,	/* .ms, > 0 */
	/*
	 * Set up once, then repeat the step's ops every .interval_ms (> 0)
	 * for .ms, or .frac of the duration when .ms is 0 and .frac > 0, or
	 * the whole duration.
	 */
	KTSTR_HOLD_LOOP,
};

struct ktstr_hold {
	enum ktstr_hold_kind kind;
	double frac;
	uint64_t ms;
	uint64_t interval_ms;
};

#define KTSTR_HOLD_FRAC_INIT(f)	{ .kind = KTSTR_HOLD_FRAC, .frac = (f) }
#define KTSTR_HOLD_FULL		KTSTR_HOLD_FRAC_INIT(1.0)
#define KTSTR_HOLD_FIXED_INIT(m) { .kind = KTSTR_HOLD_FIXED, .ms = (m) }
#define KTSTR_HOLD_LOOP_INIT(i)	{ .kind = KTSTR_HOLD_LOOP, .interval_ms = (i) }

/**
 * ktstr_hold_validate() - is a hold well formed
 * @hold: the hold
 *
 * Return: 0, or -EINVAL: FIXED 0, FRAC non-finite or <= 0, LOOP interval 0
 * or a bad .frac, unknown kind.
 */
int ktstr_hold_validate(const struct ktstr_hold *hold);

/**
 * ktstr_hold_ms() - how long a hold lasts
 * @hold: the hold
 * @duration_ms: the scenario's duration
 *
 * Return: the hold's length in ms, 0 if it is invalid.
 */
uint64_t ktstr_hold_ms(const struct ktstr_hold *hold, uint64_t duration_ms);

/* ---- steps ---- */

struct ktstr_step {
	const char *name;			/* optional, for messages */
	const struct ktstr_op *ops;		/* run first */
	size_t nr_ops;
	const struct ktstr_cgroup_def *defs;	/* then set up */
	size_t nr_defs;
	struct ktstr_hold hold;
};

/* Cgroups, workers and payloads that live across all steps. */
struct ktstr_backdrop {
	const struct ktstr_cgroup_def *defs;	/* set up first */
	size_t nr_defs;
	const struct ktstr_op *ops;		/* then run, once */
	size_t nr_ops;
};

/**
 * ktstr_steps_check() - check a scenario's steps without touching anything
 * @ctx: the scenario's context
 * @backdrop: its backdrop; NULL for none
 * @steps: its steps
 * @nr_steps: how many
 *
 * Checks holds, op fields (required names, known kinds, argv for RUN) and
 * every cpuset and affinity spec resolved on ctx->topo (when a spec needs
 * it).
 *
 * Return: 0; -ENOSPC: skip (see ktstr_cpuset_spec_resolve()), -EINVAL: a
 * broken scenario; ktstr_last_error() names the step and the op or def.
 */
int ktstr_steps_check(const struct ktstr_ctx *ctx,
		      const struct ktstr_backdrop *backdrop,
		      const struct ktstr_step *steps, size_t nr_steps);

/**
 * ktstr_execute_steps() - run a scenario of ops and steps
 * @ctx: the scenario's context
 * @backdrop: what lives across the steps; NULL for none
 * @steps: the steps
 * @nr_steps: how many
 * @res: receives the merged outcome (see below)
 *
 * ktstr_steps_check() first (its error returned with nothing created),
 * then the backdrop, then each step (ops, defs, hold). During holds, and
 * between steps, the scheduler is checked for life (ctx->scx when ktstr
 * started it, which also notices sched_ext ejecting it, else ctx->sched_pid
 * when non-zero): if it is gone the run stops with a SCHEDULER_DIED failure
 * (the scheduler's summary, or "scheduler process died (pid N)"). Then
 * everything is torn down (see the top of this file), also on every error
 * path.
 *
 * @res is initialised here (ktstr_assert_result_init(); the caller frees
 * it with ktstr_assert_result_free(), on every return) and holds the
 * merged outcome:
 *  - the checks of ktstr_collect_assert() (with ctx->assert) over each
 *    worker set spawned (by defs, SPAWN or SPAWN_HOST), judged as its own
 *    cgroup entry with its typed details and per-cgroup stats, against the
 *    CPUs its cgroup allowed: the union of every cpuset the cgroup had
 *    while the set lived (none, so no isolation check, when it was ever
 *    without one, or for host workers). Kernel figures come from
 *    ctx->collector (see ctx.h);
 *  - failures of the run itself, one detail each: SCHEDULER_DIED for a
 *    dead scheduler, OTHER for a payload failure, an op or setup error,
 *    an abort, a cgroup that could not be removed.
 * A run that spawned no workers and had no failure is a PASS.
 *
 * Return: 0 when the scenario ran to the end (res->verdict is the
 * verdict; a dead scheduler gives 0 and a FAIL); -ENOSPC to skip (nothing
 * was created; @res is a SKIP with the reason); -EINVAL for a broken
 * scenario (nothing created; a FAIL with the reason); -EINTR when aborted
 * by ktstr_ops_abort(); another -errno when an op or a setup failed (the
 * message says which). On errors other than -ENOSPC @res is a FAIL that
 * still holds what was collected.
 */
int ktstr_execute_steps(const struct ktstr_ctx *ctx,
			const struct ktstr_backdrop *backdrop,
			const struct ktstr_step *steps, size_t nr_steps,
			struct ktstr_assert_result *res);

/**
 * ktstr_execute_defs() - one step with some defs and the full hold
 * @ctx: the scenario's context
 * @defs: the cgroups to set up
 * @nr_defs: how many
 * @res: as ktstr_execute_steps()'s
 *
 * ktstr's execute_defs.
 *
 * Return: as ktstr_execute_steps().
 */
int ktstr_execute_defs(const struct ktstr_ctx *ctx,
		       const struct ktstr_cgroup_def *defs, size_t nr_defs,
		       struct ktstr_assert_result *res);

/**
 * ktstr_ops_abort() - ask running (and later) executions to stop
 *
 * Holds end early, the run is torn down and ktstr_execute_steps() returns
 * -EINTR. Async-signal-safe (sets a flag), for SIGINT/SIGTERM handlers.
 * The flag stays set until ktstr_ops_abort_reset().
 */
void ktstr_ops_abort(void);

/**
 * ktstr_ops_aborted() - is the abort flag set
 *
 * Return: true after ktstr_ops_abort(), until ktstr_ops_abort_reset().
 */
bool ktstr_ops_aborted(void);

/**
 * ktstr_ops_abort_reset() - clear the abort flag
 */
void ktstr_ops_abort_reset(void);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_OPS_H */
