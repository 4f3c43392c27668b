/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Run-to-run comparison of two `ktstr run --json` files (docs/run-json.md),
 * A the baseline and B the candidate: scenarios paired by name, cgroups by
 * name within a scenario, per metric A, B, the change and a judgement with
 * dual gates: a metric regresses (or improves) only when its absolute
 * change reaches the metric's absolute gate AND its relative change reaches
 * the relative gate, in the metric's bad (good) direction. A PASS that
 * became a FAIL is a regression whatever the gates say. docs/compare.md.
 *
 * Everything here but ktstr_compare_load() is pure: no I/O, no printing.
 * Functions return 0 (or a count) on success and a negative errno on
 * failure.
 */
#ifndef KTSTR_COMPARE_H
#define KTSTR_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/* The metrics compared, worst over a scenario's paired cgroups. */
enum ktstr_compare_metric {
	KTSTR_CMP_SPREAD_PCT,		/* cgroups[].spread_pct, max */
	KTSTR_CMP_MAX_GAP_MS,		/* cgroups[].max_gap_ms, max */
	KTSTR_CMP_MIGRATIONS,		/* cgroups[].migrations, max */
	KTSTR_CMP_P99_WAKE_US,		/* cgroups[].p99_wake_latency_us, max */
	KTSTR_CMP_ITERATIONS,		/* cgroups[].iterations, sum; higher is better */
	KTSTR_CMP_MAX_WAIT_NS,		/* cgroups[].kernel.max_wait_ns, max */
	KTSTR_CMP_TOTAL_WAIT_NS,	/* cgroups[].kernel.total_wait_ns, max */
	KTSTR_CMP_WAIT_SPREAD_PCT,	/* cgroups[].kernel.wait_spread_pct, max */
	KTSTR_CMP_KERNEL_MIGRATIONS,	/* cgroups[].kernel.migrations, max */
	KTSTR_CMP_STARVATIONS,		/* cgroups[].kernel.starvations, max */
	KTSTR_CMP__COUNT,
};

/* Both must be reached for a change to count: abs in the metric's unit. */
struct ktstr_compare_gate {
	double abs;
	double rel_pct;			/* percent of A's value */
};

struct ktstr_compare_gates {
	struct ktstr_compare_gate gate[KTSTR_CMP__COUNT];
};

enum ktstr_compare_row_kind {
	KTSTR_CMP_ROW_METRIC,		/* one metric of a paired scenario */
	KTSTR_CMP_ROW_VERDICT,		/* PASS -> FAIL or FAIL -> PASS */
	KTSTR_CMP_ROW_SKIPPED,		/* SKIP on either side: not compared */
	KTSTR_CMP_ROW_ONLY_A,		/* a scenario B does not have */
	KTSTR_CMP_ROW_ONLY_B,		/* a scenario A does not have */
};

enum ktstr_compare_change {
	KTSTR_CMP_UNCHANGED,
	KTSTR_CMP_REGRESSED,
	KTSTR_CMP_IMPROVED,
	KTSTR_CMP_NOT_COMPARED,		/* SKIPPED, ONLY_A and ONLY_B rows */
};

#define KTSTR_CMP_NAME_MAX	128

struct ktstr_compare_row {
	enum ktstr_compare_row_kind kind;
	enum ktstr_compare_change change;
	char scenario[KTSTR_CMP_NAME_MAX];
	/* METRIC rows: rel_pct is +-INFINITY when a is 0 and b is not. */
	enum ktstr_compare_metric metric;
	double a, b, delta, rel_pct;
	/* VERDICT and SKIPPED rows: "PASS", "FAIL" or "SKIP". */
	char verdict_a[8], verdict_b[8];
	/*
	 * Runs of `ktstr run --repeat N`: a and b are the medians of n_a and
	 * n_b samples, spread_a and spread_b their max - min. A change is
	 * judged only past max(spread_a, spread_b), the run-to-run noise.
	 * 1, 1 and 0, 0 for single runs.
	 */
	int n_a, n_b;
	double spread_a, spread_b;
};

struct ktstr_compare {
	struct ktstr_compare_row *rows;
	size_t nr_rows, cap_rows;
	/*
	 * Scenarios: paired = regressed + improved + unchanged + not_compared.
	 * One with a regressed row is regressed, else one with an improved
	 * row is improved.
	 */
	int paired, regressed, improved, unchanged, not_compared;
	int only_a, only_b;
	/* The runs' top-level kernel_source ("module", "taskstats", "none"). */
	char ksrc_a[16], ksrc_b[16];
	/* Paired scenarios whose kernel metrics were skipped: sources differ. */
	int ksrc_mismatch;
};

/* Exit status of `ktstr compare` for bad usage or unusable input files. */
#define KTSTR_COMPARE_EXIT_USAGE	2

/**
 * ktstr_compare_metric_name() - the metric's name, as in --gate and JSON.
 * @m: the metric.
 *
 * Return: "spread_pct", "max_gap_ms", ..., or "?" for an unknown value.
 */
const char *ktstr_compare_metric_name(enum ktstr_compare_metric m);

/**
 * ktstr_compare_metric_find() - the metric of a name.
 * @name: as returned by ktstr_compare_metric_name().
 *
 * Return: the metric, or -ENOENT when no metric has that name.
 */
int ktstr_compare_metric_find(const char *name);

/**
 * ktstr_compare_higher_is_better() - the metric's polarity.
 * @m: the metric.
 *
 * Return: true when a higher value is better (iterations), false when a
 * lower one is (every other metric).
 */
bool ktstr_compare_higher_is_better(enum ktstr_compare_metric m);

/**
 * ktstr_compare_is_kernel() - whether the metric comes from the "kernel"
 * object of a cgroup (skipped when the runs' kernel sources differ).
 * @m: the metric.
 *
 * Return: true for the kernel metrics.
 */
bool ktstr_compare_is_kernel(enum ktstr_compare_metric m);

/**
 * ktstr_compare_gates_init() - the default gates of every metric.
 * @g: filled with the defaults of docs/compare.md.
 */
void ktstr_compare_gates_init(struct ktstr_compare_gates *g);

/**
 * ktstr_compare_gate_parse() - apply one "METRIC=ABS,REL" override.
 * @g: the gates; changed only on success.
 * @spec: a metric name, '=', then two plain non-negative decimals (no
 *        sign, blanks, exponent, hex, inf or nan) separated by one comma;
 *        REL is a percentage and may end with '%'.
 * @why: one line saying what is wrong, on failure (may be NULL).
 * @len: size of @why.
 *
 * Return: 0, or -EINVAL with the reason in @why.
 */
int ktstr_compare_gate_parse(struct ktstr_compare_gates *g, const char *spec,
			     char *why, size_t len);

struct json_t;

/**
 * ktstr_compare_check_run() - check that a JSON value is a run we can
 * compare: an object with "version" 1 and a "results" array of objects,
 * each with a string "name", a "verdict" of PASS, FAIL or SKIP and, when
 * present, a "cgroups" array of objects with a string "name".
 * @run: the parsed file.
 * @why: one line saying what is wrong, on failure (may be NULL).
 * @len: size of @why.
 *
 * Return: 0, or -EINVAL with the reason in @why.
 */
int ktstr_compare_check_run(const struct json_t *run, char *why, size_t len);

/**
 * ktstr_compare_load() - read and check one run file.
 * @path: the file written by `ktstr run --json`.
 * @out: the parsed run (a new reference) on success.
 * @why: one line saying what is wrong, on failure (may be NULL).
 * @len: size of @why.
 *
 * Return: 0, -errno when the file cannot be read, or -EINVAL when it is
 * not JSON or not a run (ktstr_compare_check_run()).
 */
int ktstr_compare_load(const char *path, struct json_t **out, char *why, size_t len);

/**
 * ktstr_compare_runs() - compare run B against run A.
 * @a: the baseline run, checked by ktstr_compare_check_run().
 * @b: the candidate run, checked likewise.
 * @g: the gates.
 * @out: the rows and counts (owned: ktstr_compare_free()). Rows come in
 *       A's scenario order, then the scenarios only B has.
 *
 * Scenarios pair by name (the k-th occurrence in A with the k-th in B);
 * within a pair, a metric is taken over the cgroups whose name both sides
 * have, and is skipped when either side lacks it. Kernel metrics are also
 * skipped when the two scenarios' kernel_source differ.
 *
 * Return: 0, -EINVAL on unchecked input, or -ENOMEM (@out is then empty).
 */
int ktstr_compare_runs(const struct json_t *a, const struct json_t *b,
		       const struct ktstr_compare_gates *g, struct ktstr_compare *out);

/**
 * ktstr_compare_free() - free the rows of a comparison and empty it.
 * @c: the comparison; NULL is a no-op.
 */
void ktstr_compare_free(struct ktstr_compare *c);

/**
 * ktstr_compare_exit_code() - the exit status of `ktstr compare` for a
 * comparison that was made.
 * @c: the comparison.
 *
 * Return: 1 when any scenario regressed, else 0.
 */
int ktstr_compare_exit_code(const struct ktstr_compare *c);

/**
 * ktstr_compare_change_name() - "REGRESSED", "IMPROVED", "UNCHANGED" or
 * "NOT-COMPARED".
 * @c: the change.
 *
 * Return: the name (static).
 */
const char *ktstr_compare_change_name(enum ktstr_compare_change c);

/**
 * ktstr_compare_row_format() - one row as one line, without newline:
 * "REGRESSED s max_gap_ms 40 -> 180 (+140, +350.0%)",
 * "REGRESSED s verdict PASS -> FAIL", "NOT-COMPARED s (SKIP in B)",
 * "ONLY-IN-A s".
 * @r: the row.
 * @buf: where to write (snprintf semantics).
 * @len: size of @buf.
 *
 * Return: the length of the whole line, as snprintf().
 */
int ktstr_compare_row_format(const struct ktstr_compare_row *r, char *buf, size_t len);

/**
 * ktstr_compare_summary_format() - the summary line, without newline:
 * "compare: N scenarios paired, R regressed, I improved, U unchanged",
 * then ", S not compared (SKIP)" and "; X only in A, Y only in B" when
 * they are not 0.
 * @c: the comparison.
 * @buf: where to write (snprintf semantics).
 * @len: size of @buf.
 *
 * Return: the length of the whole line, as snprintf().
 */
int ktstr_compare_summary_format(const struct ktstr_compare *c, char *buf, size_t len);

/**
 * ktstr_compare_ksrc_note() - the line saying that kernel figures come
 * from different sources, without newline.
 * @c: the comparison.
 * @buf: where to write (snprintf semantics).
 * @len: size of @buf.
 *
 * Return: 0 and @buf empty when the sources agree, else the line's length.
 */
int ktstr_compare_ksrc_note(const struct ktstr_compare *c, char *buf, size_t len);

/**
 * ktstr_compare_to_json() - the comparison as JSON: "version", "gates",
 * "kernel_sources", "summary" and every row (unchanged ones included).
 * @c: the comparison.
 * @g: the gates it was made with.
 *
 * Return: a new reference, or NULL when out of memory.
 */
struct json_t *ktstr_compare_to_json(const struct ktstr_compare *c,
				     const struct ktstr_compare_gates *g);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_COMPARE_H */
