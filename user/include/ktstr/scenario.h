/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The scenario catalogue: named, categorised scenarios, each judged pass,
 * fail or skip. ktstr's 81 scenarios in its 11 categories (basic, cpuset,
 * affinity, sched_class, dynamic, nested, stall, stress, advanced,
 * interaction, performance), plus ours in category "kernel", which only the
 * module's exact accounting (/dev/ktstr) can judge.
 *
 * A scenario is data where it can be: a number of cgroups cg_0..cg_<n-1>,
 * a CPU partition among them, and the work each one runs (the "steady"
 * form). Scenarios that change things mid-run are code: a custom function
 * receiving the context (ctx.h) and filling a result.
 *
 * Conventions: functions return 0 (or a count) on success and a negative
 * errno on failure; they never print.
 */
#ifndef KTSTR_SCENARIO_H
#define KTSTR_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <ktstr/assert.h>
#include <ktstr/ctx.h>
#include <ktstr/flags.h>
#include <ktstr/ops.h>
#include <ktstr/sched_ext.h>
#include <ktstr/topo.h>
#include <ktstr/workload.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/* ---- the scenario description ---- */

/* How the usable CPUs are shared among the cgroups (ktstr's CpusetPartition). */
enum ktstr_partition_kind {
	KTSTR_PART_NONE,		/* no cpusets */
	KTSTR_PART_LLC_ALIGNED,		/* cg_i gets LLC i */
	KTSTR_PART_SPLIT_HALF,		/* disjoint, equal, whole cores */
	KTSTR_PART_SPLIT_MISALIGNED,	/* cut half an LLC off the LLC boundary */
	KTSTR_PART_OVERLAP,		/* equal sets sharing @frac with the next */
	KTSTR_PART_UNEVEN,		/* cg_0 gets @frac, the others the rest */
	KTSTR_PART_HOLDBACK,		/* @frac of the CPUs stay unused */
};

struct ktstr_partition {
	enum ktstr_partition_kind kind;
	double frac;
};

/* Initializers for the fractional kinds: .partition = KTSTR_OVERLAP(0.5). */
#define KTSTR_OVERLAP(f)	{ .kind = KTSTR_PART_OVERLAP, .frac = (f) }
#define KTSTR_UNEVEN(f)		{ .kind = KTSTR_PART_UNEVEN, .frac = (f) }
#define KTSTR_HOLDBACK(f)	{ .kind = KTSTR_PART_HOLDBACK, .frac = (f) }
#define KTSTR_PARTITION(k)	{ .kind = KTSTR_PART_##k }

/* Worker affinity inside a cgroup, resolved against its CPUs at run time. */
enum ktstr_scenario_affinity {
	KTSTR_SCENARIO_AFF_INHERIT,	/* the cpuset decides */
	KTSTR_SCENARIO_AFF_SINGLE_CPU,	/* each worker pinned to one CPU, round robin */
	KTSTR_SCENARIO_AFF_RANDOM,	/* a random half of the cgroup's CPUs */
	KTSTR_SCENARIO_AFF_LLC,		/* the CPUs of the LLC of the cgroup's first CPU */
	KTSTR_SCENARIO_AFF_CROSS_CGROUP, /* the next cgroup's CPUs */
	KTSTR_SCENARIO_AFF_PAIR,	/* two CPUs per cgroup (multi-CPU pin) */
	KTSTR_SCENARIO_AFF_FIRST_CPU,	/* every worker on the cgroup's first CPU */
};

#define KTSTR_SCENARIO_MAX_WORKS	8
#define KTSTR_SCENARIO_MAX_CGROUPS	32
/* Bit for cg_<i> in ktstr_scenario_work.cgs. */
#define KTSTR_CG(i)		(1U << (i))

/* One group of workers in one or more of the scenario's cgroups. */
struct ktstr_scenario_work {
	/* Work spec for ktstr_work_parse(): "Bursty{burst_ms=500,sleep_ms=250}";
	 * NULL: SpinWait, or the run's work-type override. */
	const char *work;
	/* KTSTR_CG(i) bits; 0: every cgroup. */
	uint32_t cgs;
	/* Workers per cgroup; 0: the run's --workers (rounded to the group
	 * size, or the type's fixed count). Negative: -n workers per CPU of
	 * the cgroup (oversubscription). */
	int workers;
	enum ktstr_sched_policy policy;
	int prio;			/* FIFO/RR priority */
	bool set_nice;
	int nice;
	enum ktstr_scenario_affinity affinity;
};

/**
 * typedef ktstr_scenario_custom_fn - a custom scenario
 * @ctx: what it may use: cgroups under the run's parent, workers
 * @cfg: the merged thresholds its checks are made with
 * @res: where its checks go (initialised by the runner)
 *
 * It sets things up through @ctx, runs for about ctx->duration_ms
 * (ktstr_scenario_sleep()) and merges its checks into @res.
 *
 * Return: 0, -errno on a setup error, or -ENOSPC to be skipped (after
 * ktstr_assert_result_skip() with the reason).
 */
typedef int (*ktstr_scenario_custom_fn)(const struct ktstr_ctx *ctx,
					const struct ktstr_assert *cfg,
					struct ktstr_assert_result *res);

/**
 * typedef ktstr_scenario_check_fn - an extra check of a steady scenario
 * @cfg: the merged thresholds
 * @recs: the module's records of its workers
 * @nr: how many
 * @res: where the check's details go
 *
 * Called only when /dev/ktstr is open.
 *
 * Return: 0, or -errno when the check could not be made.
 */
typedef int (*ktstr_scenario_check_fn)(const struct ktstr_assert *cfg,
				       const struct ktstr_task_rec *recs, size_t nr,
				       struct ktstr_assert_result *res);

/* ktstr_scenario.needs_kernel: records of any collector. */
#define KTSTR_NEEDS_RECORDS	(1u << 31)

/* Cgroup count meaning "one per usable CPU". */
#define KTSTR_CGROUP_PER_CPU	(-1)

struct ktstr_scenario {
	const char *name;
	const char *category;
	const char *description;

	/* Topology needs; unmet ones make the scenario SKIP with the reason. */
	int min_cpus;			/* usable CPUs */
	int min_llcs;
	int min_nodes;
	/*
	 * Kernel records it cannot run without: a collector (ktstr run
	 * --backend) whose records carry these KTSTR_HAS_* bits
	 * (<ktstr/collector.h>); KTSTR_NEEDS_RECORDS alone: any collector.
	 * 0: none (userspace checks suffice).
	 */
	unsigned int needs_kernel;
	bool needs_sched;		/* an scx scheduler (--sched-pid) */
	/*
	 * Scheduler flags (flags.h, KTSTR_F() bits) it needs / cannot run
	 * with; judged when the run names its flags (ktstr run --flags,
	 * --flag-profiles), a SKIP with the reason otherwise.
	 */
	uint32_t required_flags;
	uint32_t excluded_flags;

	/* The steady form. */
	int nr_cgroups;
	struct ktstr_partition partition;
	int nr_works;
	struct ktstr_scenario_work works[KTSTR_SCENARIO_MAX_WORKS];

	/*
	 * Ops and steps (ops.h) instead of the steady form: the backdrop's
	 * cgroups live across the steps.
	 */
	const struct ktstr_backdrop *backdrop;
	const struct ktstr_step *steps;
	size_t nr_steps;

	/* Code instead of the steady form; NULL: steady or steps. */
	ktstr_scenario_custom_fn custom;
	/* Extra kernel check after a steady run; NULL: none. */
	ktstr_scenario_check_fn check;

	/* Assert overrides: the scenario layer (ktstr_assert_resolve()). */
	struct ktstr_assert assert;
	/* Starvation threshold for the module, ms; 0: the module's. */
	uint64_t starve_ms;

	/*
	 * The scenario must fail, for the right reason: it PASSes only when
	 * the checks fail with at least one detail of @expect_kind naming a
	 * task of the scenario, and no failing detail of a kind outside
	 * @expect_kind and @expect_allow (KTSTR_DETAIL_BIT()s); it FAILs
	 * otherwise ("expected failure not detected").
	 */
	bool expect_fail;
	enum ktstr_detail_kind expect_kind;
	uint32_t expect_allow;
};

#define KTSTR_DETAIL_BIT(k)	(1U << (k))

/* The scenario layer's usual overrides, as initialisers of .assert. */
#define KTSTR_A_HAS(f)		KTSTR_ASSERT_BIT(KTSTR_AF_##f)

/* One category of the catalogue (one scenarios/<category>.c). */
struct ktstr_scenario_table {
	const char *category;
	const struct ktstr_scenario *scenarios;
	int nr;
};

extern const struct ktstr_scenario_table ktstr_scenario_basic, ktstr_scenario_cpuset,
	ktstr_scenario_affinity, ktstr_scenario_sched_class, ktstr_scenario_dynamic,
	ktstr_scenario_nested, ktstr_scenario_stall, ktstr_scenario_stress,
	ktstr_scenario_advanced, ktstr_scenario_interaction, ktstr_scenario_performance,
	ktstr_scenario_kernel;

/* ---- the registry ---- */

/**
 * ktstr_scenario_count() - how many scenarios the catalogue has
 *
 * Return: the count.
 */
int ktstr_scenario_count(void);

/**
 * ktstr_scenario_at() - one scenario of the catalogue
 * @i: its index, in category order then table order
 *
 * Return: the scenario, NULL if @i is out of range.
 */
const struct ktstr_scenario *ktstr_scenario_at(int i);

/**
 * ktstr_scenario_find() - a scenario by its exact name
 * @name: the name
 *
 * Return: the scenario, NULL when there is none.
 */
const struct ktstr_scenario *ktstr_scenario_find(const char *name);

/**
 * ktstr_scenario_category() - one category of the catalogue
 * @i: its index, in catalogue order
 *
 * Return: its name, NULL past the last.
 */
const char *ktstr_scenario_category(int i);

/**
 * ktstr_scenario_match() - does a filter match a scenario
 * @s: the scenario
 * @filter: a substring of its name, its category, or "category:NAME"; NULL
 *	or "" matches everything
 *
 * Return: true when it matches.
 */
bool ktstr_scenario_match(const struct ktstr_scenario *s, const char *filter);

/**
 * ktstr_scenario_select() - the scenarios a command line names
 * @names: scenario names; all of them when @nr_names is 0
 * @nr_names: how many
 * @filter: as ktstr_scenario_match(); NULL for none
 * @out: receives a NULL-terminated array, in catalogue order, the caller
 *	frees
 *
 * Return: how many were selected, or -ENOMEM.
 */
int ktstr_scenario_select(const char *const *names, int nr_names, const char *filter,
			  const struct ktstr_scenario ***out);

/**
 * ktstr_scenario_skip_reason() - why a scenario cannot run here
 * @s: the scenario
 * @topo: the machine
 * @collector: the run's collector, NULL for none (a scenario that needs
 *	kernel records, or fields its records lack, cannot run)
 * @sched_pid: the scx scheduler's pid, 0: none
 * @sched_owned: the run started that scheduler itself (so can restart it)
 * @why: receives the reason
 * @len: size of @why
 *
 * Return: 0 if it can run, -ENOSPC (the reason in @why) if not.
 */
int ktstr_scenario_skip_reason(const struct ktstr_scenario *s,
			       const struct ktstr_topo *topo,
			       const struct ktstr_collector *collector,
			       pid_t sched_pid, bool sched_owned, char *why, size_t len);
/**
 * ktstr_scenario_cpusets() - the CPUs of each of a scenario's cgroups
 * @s: the scenario; its partition decides
 * @topo: the machine
 * @sets: receives one set per cgroup (empty for KTSTR_PART_NONE)
 * @n: receives the resolved cgroup count (KTSTR_CGROUP_PER_CPU expanded)
 * @why: receives the reason of a failure
 * @len: size of @why
 *
 * Return: 0; -ENOSPC with the reason when the topology is too small (some
 * set would be empty), -EINVAL for a bad partition.
 */
int ktstr_scenario_cpusets(const struct ktstr_scenario *s,
			   const struct ktstr_topo *topo,
			   struct ktstr_cpuset *sets, int *n, char *why,
			   size_t len);
/**
 * ktstr_scenario_nr_cgroups() - how many cgroups a scenario has here
 * @s: the scenario
 * @topo: the machine
 *
 * Return: the count, KTSTR_CGROUP_PER_CPU expanded.
 */
int ktstr_scenario_nr_cgroups(const struct ktstr_scenario *s,
			      const struct ktstr_topo *topo);
/**
 * ktstr_scenario_workload() - the workload of one work of a scenario
 * @w: the work
 * @per_cgroup: the run's default worker count per cgroup
 * @cgroup_cpus: the cgroup's CPU count (for per-CPU counts)
 * @override: the run's work type instead of @w's; NULL for none
 * @wl: receives the workload
 * @why: receives the reason of a failure
 * @len: size of @why
 *
 * Return: 0, or -EINVAL with @why when the spec or count is invalid.
 */
int ktstr_scenario_workload(const struct ktstr_scenario_work *w, int per_cgroup,
			    int cgroup_cpus, const struct ktstr_work *override,
			    struct ktstr_workload *wl, char *why, size_t len);
/**
 * ktstr_scenario_validate() - is a steady scenario well formed
 * @s: the scenario
 * @per_cgroup: the default worker count per cgroup
 * @why: receives the reason of a failure
 * @len: size of @why
 *
 * Every work must parse and its worker count fit the type (group sizes,
 * fixed counts).
 *
 * Return: 0, or -EINVAL with the reason.
 */
int ktstr_scenario_validate(const struct ktstr_scenario *s, int per_cgroup,
			    char *why, size_t len);

/* ---- running ---- */

/* Where a run's kernel figures (per-task runnable wait) come from. */
enum ktstr_kernel_source {
	KTSTR_KSRC_NONE,	/* userspace checks only */
	KTSTR_KSRC_MODULE,	/* /dev/ktstr: records and starvation events */
	/*
	 * The kernel's taskstats (generic netlink): per worker run time,
	 * wait time, runs and context switches; no longest single wait,
	 * CPUs, migrations or events, so the checks needing them are
	 * reported as not judged (ktstr_assert_unjudged()).
	 */
	KTSTR_KSRC_TASKSTATS,
	/*
	 * The BPF collector: the module's records without its watchdog;
	 * starvation from each worker's longest wait at the snapshot.
	 */
	KTSTR_KSRC_BPF,
};

/**
 * ktstr_kernel_source_name() - the name of a kernel source
 * @k: the source
 *
 * Return: "none", "module", "taskstats" or "bpf" (stable: used in JSON).
 */
const char *ktstr_kernel_source_name(enum ktstr_kernel_source k);

/* What one scenario run produced. */
struct ktstr_outcome {
	char name[128];			/* "scenario" or "scenario/profile" */
	char category[32];
	enum ktstr_verdict verdict;
	double seconds;
	bool expect_fail;
	bool used_dev;			/* kernel_source is the module */
	enum ktstr_kernel_source kernel_source;	/* what backed the kernel checks */
	char reason[256];		/* skip reason / one-line cause of the verdict */
	/* The checks: details and per-cgroup stats (owned; ktstr_outcome_free()). */
	struct ktstr_assert_result res;
};

/**
 * ktstr_outcome_init() - an empty outcome
 * @o: the outcome
 */
void ktstr_outcome_init(struct ktstr_outcome *o);

/**
 * ktstr_outcome_free() - free what an outcome owns (its checks)
 * @o: the outcome
 */
void ktstr_outcome_free(struct ktstr_outcome *o);

/* Options of one run of the catalogue. */
struct ktstr_run_opts {
	uint64_t duration_ms;		/* per scenario */
	int workers;			/* per cgroup */
	uint64_t settle_ms;
	const struct ktstr_work *work_override;
	const struct ktstr_topo *topo;
	struct ktstr_cgroups *cgroups;	/* set up by the caller */
	/*
	 * Who measures the workers (<ktstr/collector.h>), NULL: userspace
	 * checks only. Reset and given each scenario's threshold before it
	 * runs; the module tracks the run's cgroup subtree, the others each
	 * worker's pid. If that fails, the scenario is judged without it.
	 */
	struct ktstr_collector *collector;
	/* Scheduler layer of the assert config (NULL: none). */
	const struct ktstr_assert *sched_assert;
	/*
	 * Applied last with ktstr_assert_relax() (NULL: none): loosens a limit
	 * over every layer, the scenario's too, but never tightens one, for
	 * checks that are noise where the run happens (e.g. fairness over
	 * short runs on emulated CPUs).
	 */
	const struct ktstr_assert *relax_assert;
	pid_t sched_pid;		/* scx scheduler, 0: none */
	/*
	 * The sched_ext scheduler the run started (ktstr run --scheduler),
	 * NULL: none. Its pid is the scenarios' sched_pid; steady holds and
	 * custom sleeps poll it every KTSTR_SCX_POLL_MS, a death or an
	 * error exit fails the scenario with a SCHEDULER_DIED detail (its
	 * summary), and STARVATION details name it.
	 */
	struct ktstr_scx *scx;
};

#define KTSTR_SCX_POLL_MS	200

/**
 * ktstr_run_opts_init() - the run options' defaults
 * @o: filled: 2000 ms, 2 workers, 500 ms settle, nothing else
 */
void ktstr_run_opts_init(struct ktstr_run_opts *o);

/**
 * ktstr_scenario_assert() - the assert configuration of a scenario in a run
 * @s: the scenario
 * @o: the run's options
 * @cfg: receives the defaults, then the scheduler layer, then the
 *	scenario's overrides (the last value set wins)
 */
void ktstr_scenario_assert(const struct ktstr_scenario *s,
			   const struct ktstr_run_opts *o,
			   struct ktstr_assert *cfg);

/**
 * ktstr_scenario_run() - run one scenario and judge it
 * @s: the scenario
 * @o: the run's options
 * @out: receives the verdict and the checks
 *
 * Everything the scenario created is gone when it returns, either way.
 *
 * Return: 0 when @out holds a verdict (PASS, FAIL or SKIP), -EINTR when
 * the run was aborted (ktstr_scenario_abort()).
 */
int ktstr_scenario_run(const struct ktstr_scenario *s,
		       const struct ktstr_run_opts *o,
		       struct ktstr_outcome *out);

/**
 * ktstr_scenario_abort() - ask the running scenario to stop soon
 *
 * Async-signal-safe: meant for SIGINT/SIGTERM handlers.
 */
void ktstr_scenario_abort(void);

/**
 * ktstr_scenario_aborted() - was the run aborted
 *
 * Return: true after ktstr_scenario_abort().
 */
bool ktstr_scenario_aborted(void);

/**
 * ktstr_scenario_sleep() - sleep in a custom scenario
 * @ms: how long, slept in slices
 *
 * Return: true if the whole sleep happened; false, early, when the run is
 * aborted or its scheduler died.
 */
bool ktstr_scenario_sleep(uint64_t ms);

/* ---- results as JSON (docs/run-json.md) ---- */

#define KTSTR_RUN_JSON_VERSION	1

struct json_t;
/**
 * ktstr_outcomes_to_json() - a whole run as JSON
 * @o: the outcomes
 * @n: how many
 * @opts: the run's options
 *
 * Return: {"version":1,...,"results":[...],"summary":{...}} (the caller
 * owns it), or NULL when out of memory.
 */
struct json_t *ktstr_outcomes_to_json(const struct ktstr_outcome *o, int n,
				      const struct ktstr_run_opts *opts);

/**
 * ktstr_outcome_from_json() - one "results" entry read back
 * @j: the entry
 * @o: receives the fields the format defines
 *
 * Return: 0, -EINVAL for an entry that is not one, -ENOMEM.
 */
int ktstr_outcome_from_json(const struct json_t *j, struct ktstr_outcome *o);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_SCENARIO_H */
