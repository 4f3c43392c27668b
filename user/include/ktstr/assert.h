/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Assert engine: ktstr's checks over worker reports, plus checks that
 * only the kernel module can back (/dev/ktstr task records and starvation
 * events). See docs/assert.md.
 *
 * Configuration (struct ktstr_assert): every threshold is optional; a field
 * counts only when its bit is set in @has (KTSTR_ASSERT_SET()). Three layers
 * are merged with ktstr_assert_merge(), the last set value winning:
 *	ktstr_assert_defaults() -> the scheduler's -> the scenario's.
 *
 * Results (struct ktstr_assert_result): a verdict with typed details and
 * per-cgroup statistics. Start with ktstr_assert_result_init() (the empty
 * result, the identity of merging), run ktstr_assert_cgroup() once per
 * cgroup and ktstr_assert_events() once per session: each merges its
 * outcome into the result. Merging is ktstr's: the verdict is the worst of
 * Fail > Pass > Skip (pass is AND), details are concatenated, counters are
 * summed, and the rest is worst-of.
 *
 * Conventions: functions return 0 on success and a negative errno on
 * failure (-EINVAL, -ENOMEM); they never print except the *_format()
 * functions writing to the FILE given.
 */
#ifndef KTSTR_ASSERT_H
#define KTSTR_ASSERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <linux/ktstr.h>
#include <ktstr/cpulist.h>
#include <ktstr/worker.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

struct json_t;

/* ktstr's release defaults, and ours for the kernel checks. */
#define KTSTR_ASSERT_DFL_MAX_GAP_MS	2000
#define KTSTR_ASSERT_DFL_MAX_SPREAD_PCT	15.0
#define KTSTR_ASSERT_DFL_MAX_WAIT_MS	1000

/* One bit per field of struct ktstr_assert (names match the fields). */
enum ktstr_assert_field {
	/* ktstr's checks, over worker reports */
	KTSTR_AF_not_stuck,		/* bool: every worker progressed, ended cleanly */
	KTSTR_AF_max_gap_ms,		/* longest gap between checkpoints */
	KTSTR_AF_max_spread_pct,	/* off-CPU% max - min in a cgroup */
	KTSTR_AF_isolation,		/* bool: cpus_used within the cpuset */
	KTSTR_AF_max_throughput_cv,	/* CV of work_units / cpu_s */
	KTSTR_AF_min_work_rate,		/* floor of work_units / cpu_s, per worker */
	KTSTR_AF_max_p99_wake_latency_ns, /* nearest-rank p99 over the cgroup */
	KTSTR_AF_max_wake_latency_cv,	/* CV over the cgroup's samples */
	KTSTR_AF_min_iteration_rate,	/* floor of iterations / wall_s, per worker */
	KTSTR_AF_max_migration_ratio,	/* sum migrations / sum iterations */
	KTSTR_AF_min_page_locality,	/* fraction of pages on the cpuset's nodes */
	/* kernel-precise checks, from /dev/ktstr */
	KTSTR_AF_fail_on_starvation,	/* bool: a STARVE_BEGIN event fails */
	KTSTR_AF_max_wait_ms,		/* longest single runnable wait, per task */
	KTSTR_AF_max_cgroup_wait_ms,	/* total runnable wait of the cgroup's tasks */
	KTSTR_AF_max_wait_spread_pct,	/* wait share max - min in a cgroup */
	KTSTR_AF_kernel_isolation,	/* bool: CPUs the kernel ran each task on */
	KTSTR_AF_max_kernel_migration_ratio, /* sum nr_migrations / sum nr_runs */
	KTSTR_AF__COUNT
};

#define KTSTR_ASSERT_BIT(f)	(1ULL << (f))

/* The bits of ktstr's checks over worker reports (not_stuck..min_page_locality). */
#define KTSTR_ASSERT_WORKER_CHECKS \
	(KTSTR_ASSERT_BIT(KTSTR_AF_fail_on_starvation) - 1)

struct ktstr_assert {
	uint64_t has;			/* KTSTR_ASSERT_BIT(KTSTR_AF_*) */

	bool not_stuck;
	bool isolation;
	bool fail_on_starvation;
	bool kernel_isolation;
	uint64_t max_gap_ms;
	double max_spread_pct;
	double max_throughput_cv;
	double min_work_rate;		/* work units per CPU second */
	uint64_t max_p99_wake_latency_ns;
	double max_wake_latency_cv;
	double min_iteration_rate;	/* iterations per wall second */
	double max_migration_ratio;
	double min_page_locality;	/* 0..1 */

	uint64_t max_wait_ms;
	uint64_t max_cgroup_wait_ms;
	double max_wait_spread_pct;
	double max_kernel_migration_ratio;
};

/* Set field @name of *@a to @v and mark it set: KTSTR_ASSERT_SET(&a, max_gap_ms, 5000). */
#define KTSTR_ASSERT_SET(a, name, v)					\
	((a)->name = (v), (a)->has |= KTSTR_ASSERT_BIT(KTSTR_AF_##name))
#define KTSTR_ASSERT_UNSET(a, name)					\
	((a)->has &= ~KTSTR_ASSERT_BIT(KTSTR_AF_##name))
#define KTSTR_ASSERT_ISSET(a, name)					\
	(((a)->has & KTSTR_ASSERT_BIT(KTSTR_AF_##name)) != 0)

/**
 * ktstr_assert_none() - a configuration with nothing set
 * @a: filled (ktstr's Assert::NO_OVERRIDES)
 */
void ktstr_assert_none(struct ktstr_assert *a);

/**
 * ktstr_assert_defaults() - the default layer
 * @a: filled: not_stuck, max_gap_ms 2000, max_spread_pct 15,
 *	fail_on_starvation, max_wait_ms 1000
 *
 * The kernel checks apply only to cgroups (and sessions) that have
 * /dev/ktstr data.
 */
void ktstr_assert_defaults(struct ktstr_assert *a);

/**
 * ktstr_assert_merge() - lay one configuration over another
 * @dst: the lower layer, updated
 * @src: every field set here overrides @dst's (the last set wins)
 */
void ktstr_assert_merge(struct ktstr_assert *dst, const struct ktstr_assert *src);

/**
 * ktstr_assert_relax() - loosen a configuration, never tighten it
 * @dst: updated for every field set in both
 * @src: the looser limits
 *
 * An upper limit (max_*) takes the larger value, a floor (min_*) the
 * smaller, a boolean check stays on only if both have it on. Never turns a
 * check on: for checks that are noise where the run happens (emulated
 * CPUs), while a scenario that asks for a looser limit keeps it.
 */
void ktstr_assert_relax(struct ktstr_assert *dst, const struct ktstr_assert *src);

/**
 * ktstr_assert_resolve() - the layers of a run, merged
 * @out: receives defaults -> @sched -> @scenario
 * @sched: the scheduler's layer; NULL for none
 * @scenario: the scenario's layer; NULL for none
 */
void ktstr_assert_resolve(struct ktstr_assert *out,
			  const struct ktstr_assert *sched,
			  const struct ktstr_assert *scenario);

/**
 * ktstr_assert_field_name() - the name of a field
 * @f: the field
 *
 * Return: "max_gap_ms", ...; NULL when @f is out of range.
 */
const char *ktstr_assert_field_name(enum ktstr_assert_field f);

/**
 * ktstr_assert_field_lookup() - a field by name
 * @name: the name
 *
 * Return: the field (an enum ktstr_assert_field), or -ENOENT.
 */
int ktstr_assert_field_lookup(const char *name);

/**
 * ktstr_assert_set_str() - set a field from text
 * @a: the configuration
 * @name: the field's name ("max_gap_ms")
 * @value: its value ("5000"; booleans take true/false/1/0/yes/no/on/off)
 *
 * Return: 0, -ENOENT for an unknown name, -EINVAL for a bad value.
 */
int ktstr_assert_set_str(struct ktstr_assert *a, const char *name,
			 const char *value);

/**
 * ktstr_assert_unset_str() - clear a field by name (back to "not set")
 * @a: the configuration
 * @name: the field's name
 *
 * Return: 0, or -ENOENT for an unknown name.
 */
int ktstr_assert_unset_str(struct ktstr_assert *a, const char *name);

/**
 * ktstr_assert_format() - a configuration as text, for `ktstr show-thresholds`
 * @a: the configuration
 * @buf: receives one line "name = value\n" per set field, in enum order
 *	(truncated, always NUL-terminated when @len > 0)
 * @len: size of @buf
 *
 * Return: the length the whole text needs, like snprintf().
 */
int ktstr_assert_format(const struct ktstr_assert *a, char *buf, size_t len);

/**
 * ktstr_assert_to_json() - a configuration as JSON
 * @a: the configuration
 *
 * Return: {"max_gap_ms": 2000, ...} with the set fields only, or NULL
 * when out of memory.
 */
struct json_t *ktstr_assert_to_json(const struct ktstr_assert *a);

/* ---- inputs ---- */

/* One cgroup's evidence. */
struct ktstr_assert_cgroup_in {
	const char *name;			/* as shown in messages */
	const struct ktstr_cpuset *cpuset;	/* expected CPUs; NULL: none */
	const struct ktstr_report *reports;
	size_t nr_reports;
	/*
	 * The module's records of this cgroup's workers (may be 0). Without
	 * them, the kernel checks use the k_* fields of reports that have
	 * has_krec set (their comm is then unknown: "worker").
	 */
	const struct ktstr_task_rec *krecs;
	size_t nr_krecs;
	/* NUMA pages (numa_maps) on the cpuset's nodes and in total; 0 total:
	 * not measured, min_page_locality not checked. */
	uint64_t pages_local;
	uint64_t pages_total;
};

/* ---- results ---- */

enum ktstr_verdict {
	KTSTR_VERDICT_SKIP = 0,		/* merge: Fail > Pass > Skip */
	KTSTR_VERDICT_PASS = 1,
	KTSTR_VERDICT_FAIL = 2,
};

enum ktstr_detail_kind {
	KTSTR_DETAIL_STUCK,		/* no progress, unclean end, gap */
	KTSTR_DETAIL_UNFAIR,		/* off-CPU or wait-share spread */
	KTSTR_DETAIL_GAP,		/* longest checkpoint gap */
	KTSTR_DETAIL_ISOLATION,
	KTSTR_DETAIL_BENCHMARK,		/* throughput, wake latency, rates */
	KTSTR_DETAIL_MIGRATION,
	KTSTR_DETAIL_PAGE_LOCALITY,
	KTSTR_DETAIL_STARVATION,	/* /dev/ktstr STARVE_BEGIN */
	KTSTR_DETAIL_WAIT,		/* /dev/ktstr runnable wait */
	KTSTR_DETAIL_KERNEL_ISOLATION,
	KTSTR_DETAIL_SCHEDULER_DIED,
	KTSTR_DETAIL_SKIP,		/* the reason of a skip */
	KTSTR_DETAIL_OTHER,
	KTSTR_DETAIL__COUNT
};

/**
 * ktstr_detail_kind_name() - the name of a detail kind
 * @k: the kind
 *
 * Return: "stuck", "unfair", "gap", ... (lower case, stable: used in JSON).
 */
const char *ktstr_detail_kind_name(enum ktstr_detail_kind k);

/**
 * ktstr_verdict_name() - the name of a verdict
 * @v: the verdict
 *
 * Return: "PASS", "FAIL" or "SKIP".
 */
const char *ktstr_verdict_name(enum ktstr_verdict v);

#define KTSTR_ASSERT_NAME_MAX	64

struct ktstr_assert_detail {
	enum ktstr_detail_kind kind;
	char *message;				/* owned; one line, no '\n' */
	/* What the message names, when it applies (else -1 / "" / 0). */
	pid_t pid;
	int cpu;
	char comm[KTSTR_COMM_LEN];
	char cgroup[KTSTR_ASSERT_NAME_MAX];
	uint64_t duration_ns;
	/*
	 * The task that caused it, when the checks know (else <= 0): for a
	 * worker of an RtStarvation pair, the pair's SCHED_FIFO hog (group
	 * index 0), which the message names too ("[RtStarvation victim of
	 * hog comm[pid] (SCHED_FIFO)]", or "[RtStarvation hog ...]" on the
	 * hog's own failure).
	 */
	pid_t cause_pid;
};

/* One cgroup's numbers (ktstr's CgroupStats plus the kernel's). */
struct ktstr_cgroup_stats {
	char name[KTSTR_ASSERT_NAME_MAX];
	int workers;
	int cpus;				/* distinct CPUs used */
	double avg_off_cpu_pct, min_off_cpu_pct, max_off_cpu_pct;
	double spread;				/* max - min off-CPU% */
	uint64_t max_gap_ms;
	int max_gap_cpu;			/* -1: none */
	uint64_t migrations;			/* userspace-seen */
	double migration_ratio;			/* migrations / iterations */
	uint64_t p99_wake_latency_us;
	uint64_t median_wake_latency_us;
	double wake_latency_cv;
	uint64_t iterations;
	uint64_t work_units;
	double iterations_per_worker;
	double mean_run_delay_us;		/* schedstat, per worker */
	double worst_run_delay_us;
	double page_locality;			/* 0: not measured */
	/* /dev/ktstr; has_kernel false: none of these are set. */
	bool has_kernel;
	int kernel_tasks;
	uint64_t max_wait_ms;			/* longest single wait */
	uint64_t max_wait_ns;
	pid_t max_wait_pid;
	int max_wait_cpu;
	char max_wait_comm[KTSTR_COMM_LEN];
	uint64_t total_wait_ns;
	double wait_spread;			/* wait-share max - min (%) */
	uint64_t kernel_migrations;
	double kernel_migration_ratio;		/* migrations / runs */
	uint64_t starvations;			/* records' nr_starvations */
};

/* ktstr's ScenarioStats: totals (summed) and worst-of across cgroups. */
struct ktstr_scenario_stats {
	int total_workers;
	int total_cpus;
	uint64_t total_migrations;
	uint64_t total_iterations;
	double worst_spread;
	uint64_t worst_gap_ms;
	int worst_gap_cpu;			/* taken with worst_gap_ms */
	double worst_migration_ratio;
	uint64_t worst_p99_wake_latency_us;
	uint64_t worst_median_wake_latency_us;
	double worst_wake_latency_cv;
	double worst_mean_run_delay_us;
	double worst_run_delay_us;
	double worst_page_locality;		/* lowest non-zero */
	double worst_iterations_per_worker;	/* lowest non-zero */
	/* kernel */
	uint64_t worst_max_wait_ns;		/* with pid/comm/cpu/cgroup */
	pid_t worst_max_wait_pid;
	int worst_max_wait_cpu;
	char worst_max_wait_comm[KTSTR_COMM_LEN];
	char worst_max_wait_cgroup[KTSTR_ASSERT_NAME_MAX];
	uint64_t total_wait_ns;
	uint64_t total_kernel_migrations;
	double worst_kernel_migration_ratio;
	double worst_wait_spread;
	uint64_t total_starvations;		/* records' counts */
	uint64_t starvation_events;		/* STARVE_BEGIN events seen */
};

struct ktstr_assert_result {
	enum ktstr_verdict verdict;
	struct ktstr_assert_detail *details;
	size_t nr_details, cap_details;
	struct ktstr_cgroup_stats *cgroups;
	size_t nr_cgroups, cap_cgroups;
	struct ktstr_scenario_stats stats;
};

/**
 * ktstr_assert_result_init() - the empty result
 * @r: filled: SKIP with nothing in it (merging it changes nothing)
 */
void ktstr_assert_result_init(struct ktstr_assert_result *r);

/**
 * ktstr_assert_result_free() - free what a result owns and leave it empty
 * @r: the result; NULL is a no-op
 */
void ktstr_assert_result_free(struct ktstr_assert_result *r);

/**
 * ktstr_assert_result_pass() - merge a PASS (an empty detail list)
 * @r: the result
 */
void ktstr_assert_result_pass(struct ktstr_assert_result *r);

/**
 * ktstr_assert_result_skip() - merge a SKIP with its reason (a SKIP detail)
 * @r: the result
 * @fmt: printf format of the reason
 *
 * Return: 0, or -ENOMEM.
 */
__attribute__((format(printf, 2, 3)))
int ktstr_assert_result_skip(struct ktstr_assert_result *r, const char *fmt, ...);

/**
 * ktstr_assert_result_fail() - merge a FAIL with one detail
 * @r: the result
 * @kind: the detail's kind (pid and cpu -1, no cgroup)
 * @fmt: printf format of its message
 *
 * Return: 0, or -ENOMEM.
 */
__attribute__((format(printf, 3, 4)))
int ktstr_assert_result_fail(struct ktstr_assert_result *r,
			     enum ktstr_detail_kind kind, const char *fmt, ...);

/**
 * ktstr_assert_result_add() - add a detail
 * @r: the result; its verdict becomes FAIL unless the kind is SKIP
 * @d: the detail, copied
 *
 * Return: 0, or -ENOMEM.
 */
int ktstr_assert_result_add(struct ktstr_assert_result *r,
			    const struct ktstr_assert_detail *d);

/**
 * ktstr_assert_result_merge() - ktstr's merge of one result into another
 * @dst: updated: verdict worst-of (Fail > Pass > Skip), details and
 *	per-cgroup stats appended (copied), counters summed, worst-of for the
 *	rest (gap ms and cpu together)
 * @src: unchanged
 *
 * Return: 0, or -ENOMEM.
 */
int ktstr_assert_result_merge(struct ktstr_assert_result *dst,
			      const struct ktstr_assert_result *src);

/**
 * ktstr_assert_result_passed() - did a result not fail
 * @r: the result
 *
 * Return: true unless its verdict is FAIL.
 */
bool ktstr_assert_result_passed(const struct ktstr_assert_result *r);

/**
 * ktstr_assert_result_count() - how many details of a kind a result has
 * @r: the result
 * @kind: the kind
 *
 * Return: the count.
 */
size_t ktstr_assert_result_count(const struct ktstr_assert_result *r,
				 enum ktstr_detail_kind kind);

/**
 * ktstr_assert_cgroup() - judge one cgroup
 * @cfg: the checks
 * @in: the cgroup's evidence
 * @r: receives the outcome (PASS, FAIL with details, or SKIP "no reports"
 *	when the cgroup has no report) and the cgroup's stats, merged
 *
 * Pure: no processes, no I/O.
 *
 * Return: 0, or -ENOMEM.
 */
int ktstr_assert_cgroup(const struct ktstr_assert *cfg,
			const struct ktstr_assert_cgroup_in *in,
			struct ktstr_assert_result *r);
/**
 * ktstr_assert_unjudged() - drop the kernel checks a collector cannot back
 * @cfg: the checks; those the records cannot back are removed
 * @has: what the records carry (KTSTR_HAS_* of <ktstr/collector.h>: what
 *	the collector that made them measures)
 * @backend: the collector's name, for the message
 * @cgroup: the cgroup's name, for the message
 * @r: receives a SKIP detail for each removed check that was set: "cgroup
 *	CG: max_wait_ms not judged: backend B records no longest wait"
 *	(counted, never a pass on zeros, never a failure)
 *
 * fail_on_starvation needs a watchdog or a longest wait
 * (KTSTR_HAS_STARVATION: either bit; the BPF collector's records carry
 * their longest wait as the starvation), max_wait_ms a longest wait,
 * kernel_isolation the CPUs, and max_kernel_migration_ratio migrations;
 * the wait totals and wait shares every collector has. Call it before
 * ktstr_assert_cgroup() with the same @cfg.
 *
 * Return: the number of checks removed, or -errno.
 */
int ktstr_assert_unjudged(struct ktstr_assert *cfg, unsigned int has,
			  const char *backend, const char *cgroup,
			  struct ktstr_assert_result *r);
/**
 * ktstr_assert_events() - judge a session's kernel events
 * @cfg: the checks: with fail_on_starvation set, each STARVE_BEGIN becomes
 *	a STARVATION detail naming comm[pid], CPU, cgroup and the wait
 * @events: the events
 * @nr: how many
 * @cgroup_name: maps a cgroup id to a name (NULL, or returning NULL:
 *	"cgroup <id>")
 * @arg: @cgroup_name's argument
 * @r: receives the details, or a PASS when no event fails
 *
 * Return: 0, or -ENOMEM.
 */
int ktstr_assert_events(const struct ktstr_assert *cfg,
			const struct ktstr_event *events, size_t nr,
			const char *(*cgroup_name)(uint64_t cgroup_id, void *arg),
			void *arg, struct ktstr_assert_result *r);

/**
 * ktstr_assert_result_format() - a result in ktstr's human format
 * @r: the result
 * @f: receives one "  [kind] message" line per detail, then "--- stats ---"
 *	and one line per cgroup, then the worst-of line
 *
 * Return: 0, or -EINVAL for a NULL argument.
 */
int ktstr_assert_result_format(const struct ktstr_assert_result *r, FILE *f);

/**
 * ktstr_assert_result_snprint() - ktstr_assert_result_format()'s text in a buffer
 * @r: the result
 * @buf: receives the text
 * @len: size of @buf
 *
 * Return: the length of the whole text, as snprintf(); -EINVAL or -ENOMEM.
 */
int ktstr_assert_result_snprint(const struct ktstr_assert_result *r,
				char *buf, size_t len);

/**
 * ktstr_assert_result_to_json() - a result as JSON
 * @r: the result
 *
 * Return: {"verdict": "FAIL", "details": [...], "cgroups": [...],
 * "stats": {...}}, or NULL when out of memory.
 */
struct json_t *ktstr_assert_result_to_json(const struct ktstr_assert_result *r);

/* ---- arithmetic, exposed for tests and other reporters ---- */

/**
 * ktstr_percentile_nearest() - a percentile, nearest rank
 * @v: the values, sorted in place
 * @n: how many
 * @p: the percentile, 0..100
 *
 * Return: sorted[ceil(n * p / 100) - 1]; 0 if @n is 0.
 */
uint64_t ktstr_percentile_nearest(uint64_t *v, size_t n, double p);

/**
 * ktstr_cv() - coefficient of variation
 * @v: the values
 * @n: how many
 *
 * Return: population stddev / mean; 0 when @n < 2 or the mean is 0.
 */
double ktstr_cv(const double *v, size_t n);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_ASSERT_H */
