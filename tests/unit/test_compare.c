// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for `ktstr compare` (user/lib/results/compare.c): pairing, polarity,
 * the dual gate, verdict changes, missing metrics, unpaired scenarios,
 * kernel source mismatch, exit codes, gate parsing, input checks, output.
 * Every run is built here with json_pack.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include <ktstr/compare.h>
#include <ktstr/util.h>

/* ---- building runs ---- */

/* A cgroup with the workers' figures and no kernel object. */
static json_t *cg(const char *name, double spread, int gap, int migr, int iter, int p99)
{
	return json_pack("{s:s, s:i, s:i, s:f, s:i, s:i, s:i, s:i}", "name", name,
			 "workers", 2, "cpus", 1, "spread_pct", spread, "max_gap_ms", gap,
			 "migrations", migr, "iterations", iter, "p99_wake_latency_us", p99);
}

/* @c with a module "kernel" object; returns @c. */
static json_t *with_kernel(json_t *c, json_int_t max_wait, json_int_t total, double wspread,
			   int kmigr, int starv)
{
	json_object_set_new(c, "kernel", json_pack(
		"{s:i, s:I, s:I, s:f, s:i, s:i, s:s}", "tasks", 2, "max_wait_ns", max_wait,
		"total_wait_ns", total, "wait_spread_pct", wspread, "migrations", kmigr,
		"starvations", starv, "source", "module"));
	return c;
}

/* A result; steals @cgroups (an array). */
static json_t *result(const char *name, const char *verdict, const char *ksrc, json_t *cgroups)
{
	return json_pack("{s:s, s:s, s:s, s:f, s:b, s:b, s:s, s:s, s:[], s:o}", "name", name,
			 "category", "basic", "verdict", verdict, "seconds", 1.0,
			 "expect_fail", 0, "kernel", !strcmp(ksrc, "module"),
			 "kernel_source", ksrc, "reason", "", "details", "cgroups", cgroups);
}

/* A whole run; steals @results (an array). */
static json_t *run(const char *ksrc, json_t *results)
{
	return json_pack("{s:i, s:i, s:i, s:i, s:b, s:s, s:o}", "version", 1,
			 "duration_ms", 1000, "workers", 2, "settle_ms", 500,
			 "kernel_module", !strcmp(ksrc, "module"), "kernel_source", ksrc,
			 "results", results);
}

/* A one-scenario run "s" whose one cgroup cg_0 has a max_gap_ms of @gap. */
static json_t *gap_run(int gap)
{
	return run("none", json_pack("[o]", result("s", "PASS", "none",
			json_pack("[o]", cg("cg_0", 1.0, gap, 0, 1000, 0)))));
}

static const struct ktstr_compare_row *find_row(const struct ktstr_compare *c,
						const char *scenario,
						enum ktstr_compare_row_kind kind, int metric)
{
	for (size_t i = 0; i < c->nr_rows; i++) {
		const struct ktstr_compare_row *r = &c->rows[i];

		if (!strcmp(r->scenario, scenario) && r->kind == kind &&
		    (kind != KTSTR_CMP_ROW_METRIC || (int)r->metric == metric))
			return r;
	}
	return NULL;
}

static const struct ktstr_compare_row *metric_row(const struct ktstr_compare *c,
						  const char *scenario, int metric)
{
	return find_row(c, scenario, KTSTR_CMP_ROW_METRIC, metric);
}

/* Compare @a with @b under the default gates (or @g) into @c; frees a and b. */
static void compare(json_t *a, json_t *b, const struct ktstr_compare_gates *g,
		    struct ktstr_compare *c)
{
	struct ktstr_compare_gates def;

	assert_non_null(a);
	assert_non_null(b);
	ktstr_compare_gates_init(&def);
	assert_int_equal(ktstr_compare_runs(a, b, g ? g : &def, c), 0);
	json_decref(a);
	json_decref(b);
}

/* The change of max_gap_ms between runs of one cgroup with gaps @a and @b. */
static enum ktstr_compare_change gap_change(int a, int b, const struct ktstr_compare_gates *g)
{
	const struct ktstr_compare_row *r;
	enum ktstr_compare_change ch;
	struct ktstr_compare c;

	compare(gap_run(a), gap_run(b), g, &c);
	r = metric_row(&c, "s", KTSTR_CMP_MAX_GAP_MS);
	assert_non_null(r);
	assert_true(r->a == a && r->b == b && r->delta == b - a);
	ch = r->change;
	ktstr_compare_free(&c);
	return ch;
}

/* ---- the tests ---- */

static void test_pairing(void **state)
{
	const struct ktstr_compare_row *r;
	struct ktstr_compare c;
	json_t *a, *b;

	(void)state;
	/* B has another order, lacks s2 and dup's second run, adds s4. */
	a = run("none", json_pack("[o, o, o, o, o]",
		result("s1", "PASS", "none", json_pack("[o, o]",
			cg("cg_0", 1.0, 40, 0, 100, 0), cg("cg_1", 1.0, 50, 0, 100, 0))),
		result("s2", "PASS", "none", json_array()),
		result("s3", "PASS", "none", json_pack("[o]", cg("cg_0", 1.0, 40, 0, 100, 0))),
		result("dup", "PASS", "none", json_array()),
		result("dup", "FAIL", "none", json_array())));
	/* cg_2 only in B: its 5000 ms gap must not count, cg_1 only in A likewise. */
	b = run("none", json_pack("[o, o, o, o]",
		result("s3", "PASS", "none", json_pack("[o]", cg("cg_0", 1.0, 400, 0, 100, 0))),
		result("dup", "PASS", "none", json_array()),
		result("s1", "PASS", "none", json_pack("[o, o]",
			cg("cg_0", 1.0, 45, 0, 100, 0), cg("cg_2", 1.0, 5000, 0, 100, 0))),
		result("s4", "PASS", "none", json_array())));
	compare(a, b, NULL, &c);

	assert_int_equal(c.paired, 3);		/* s1, s3, the first dup */
	assert_int_equal(c.only_a, 2);		/* s2, the second dup */
	assert_int_equal(c.only_b, 1);		/* s4 */
	r = metric_row(&c, "s1", KTSTR_CMP_MAX_GAP_MS);
	assert_non_null(r);
	assert_true(r->a == 40 && r->b == 45);	/* over cg_0 only */
	assert_int_equal(r->change, KTSTR_CMP_UNCHANGED);
	r = metric_row(&c, "s3", KTSTR_CMP_MAX_GAP_MS);
	assert_non_null(r);
	assert_int_equal(r->change, KTSTR_CMP_REGRESSED);
	assert_non_null(find_row(&c, "s2", KTSTR_CMP_ROW_ONLY_A, 0));
	assert_non_null(find_row(&c, "s4", KTSTR_CMP_ROW_ONLY_B, 0));
	/* The first dup (PASS) paired with B's: no verdict change. */
	assert_null(find_row(&c, "dup", KTSTR_CMP_ROW_VERDICT, 0));
	assert_non_null(find_row(&c, "dup", KTSTR_CMP_ROW_ONLY_A, 0));
	/* A's order, then B's extras. */
	assert_string_equal(c.rows[0].scenario, "s1");
	assert_string_equal(c.rows[c.nr_rows - 1].scenario, "s4");
	assert_int_equal(c.regressed, 1);
	assert_int_equal(c.unchanged, 2);
	ktstr_compare_free(&c);
	assert_null(c.rows);
	assert_int_equal(c.nr_rows, 0);
}

static void test_polarity(void **state)
{
	const struct ktstr_compare_row *r;
	struct ktstr_compare c;
	json_t *a, *b;

	(void)state;
	assert_false(ktstr_compare_higher_is_better(KTSTR_CMP_MAX_GAP_MS));
	assert_false(ktstr_compare_higher_is_better(KTSTR_CMP_STARVATIONS));
	assert_true(ktstr_compare_higher_is_better(KTSTR_CMP_ITERATIONS));
	/* Lower is better: a higher gap regresses, a lower one improves. */
	assert_int_equal(gap_change(100, 300, NULL), KTSTR_CMP_REGRESSED);
	assert_int_equal(gap_change(300, 100, NULL), KTSTR_CMP_IMPROVED);

	/* iterations: summed, higher is better; others: the worst cgroup. */
	a = run("none", json_pack("[o, o]",
		result("fewer", "PASS", "none", json_pack("[o, o]",
			cg("cg_0", 2.0, 10, 5, 1000, 70), cg("cg_1", 9.0, 30, 3, 1000, 50))),
		result("more", "PASS", "none", json_pack("[o]", cg("cg_0", 1.0, 10, 0, 1000, 0)))));
	b = run("none", json_pack("[o, o]",
		result("fewer", "PASS", "none", json_pack("[o, o]",
			cg("cg_0", 2.0, 10, 5, 800, 70), cg("cg_1", 9.0, 30, 3, 800, 50))),
		result("more", "PASS", "none", json_pack("[o]", cg("cg_0", 1.0, 10, 0, 1500, 0)))));
	compare(a, b, NULL, &c);
	r = metric_row(&c, "fewer", KTSTR_CMP_ITERATIONS);
	assert_non_null(r);
	assert_true(r->a == 2000 && r->b == 1600 && r->rel_pct == -20.0);
	assert_int_equal(r->change, KTSTR_CMP_REGRESSED);
	r = metric_row(&c, "more", KTSTR_CMP_ITERATIONS);
	assert_non_null(r);
	assert_int_equal(r->change, KTSTR_CMP_IMPROVED);
	r = metric_row(&c, "fewer", KTSTR_CMP_SPREAD_PCT);
	assert_non_null(r);
	assert_true(r->a == 9.0);
	r = metric_row(&c, "fewer", KTSTR_CMP_MAX_GAP_MS);
	assert_true(r && r->a == 30);
	r = metric_row(&c, "fewer", KTSTR_CMP_MIGRATIONS);
	assert_true(r && r->a == 5);
	r = metric_row(&c, "fewer", KTSTR_CMP_P99_WAKE_US);
	assert_true(r && r->a == 70);
	assert_int_equal(c.regressed, 1);
	assert_int_equal(c.improved, 1);
	ktstr_compare_free(&c);
}

static void test_dual_gate(void **state)
{
	struct ktstr_compare_gates g;

	(void)state;
	/* max_gap_ms gates: 100 ms and 25%. */
	assert_int_equal(gap_change(1000, 1090, NULL), KTSTR_CMP_UNCHANGED); /* neither */
	assert_int_equal(gap_change(1000, 1200, NULL), KTSTR_CMP_UNCHANGED); /* abs only */
	assert_int_equal(gap_change(10, 90, NULL), KTSTR_CMP_UNCHANGED);     /* rel only */
	assert_int_equal(gap_change(1000, 850, NULL), KTSTR_CMP_UNCHANGED);  /* abs only, better */
	assert_int_equal(gap_change(10, 0, NULL), KTSTR_CMP_UNCHANGED);      /* rel only, better */
	assert_int_equal(gap_change(100, 250, NULL), KTSTR_CMP_REGRESSED);   /* both */
	assert_int_equal(gap_change(400, 500, NULL), KTSTR_CMP_REGRESSED);   /* both reached */
	assert_int_equal(gap_change(401, 500, NULL), KTSTR_CMP_UNCHANGED);   /* 99 ms */
	assert_int_equal(gap_change(500, 100, NULL), KTSTR_CMP_IMPROVED);
	assert_int_equal(gap_change(0, 100, NULL), KTSTR_CMP_REGRESSED);     /* from 0: +inf% */
	assert_int_equal(gap_change(0, 0, NULL), KTSTR_CMP_UNCHANGED);

	/* An override moves the line. */
	ktstr_compare_gates_init(&g);
	assert_int_equal(ktstr_compare_gate_parse(&g, "max_gap_ms=10,10", NULL, 0), 0);
	assert_int_equal(gap_change(1000, 1200, &g), KTSTR_CMP_REGRESSED);
	assert_int_equal(gap_change(100, 105, &g), KTSTR_CMP_UNCHANGED);
	/* Gates of 0: any change counts, no change does not. */
	assert_int_equal(ktstr_compare_gate_parse(&g, "max_gap_ms=0,0", NULL, 0), 0);
	assert_int_equal(gap_change(100, 101, &g), KTSTR_CMP_REGRESSED);
	assert_int_equal(gap_change(100, 100, &g), KTSTR_CMP_UNCHANGED);
}

/* Kernel metrics: one new starvation regresses; 4.9 more spread points do not. */
static void test_kernel_gates(void **state)
{
	const struct ktstr_compare_row *r;
	struct ktstr_compare c;
	json_t *a, *b;

	(void)state;
	a = run("module", json_pack("[o]", result("k", "PASS", "module", json_pack("[o]",
		with_kernel(cg("cg_0", 4.0, 10, 0, 100, 0), 5000000, 90000000, 10.0, 3, 0)))));
	b = run("module", json_pack("[o]", result("k", "PASS", "module", json_pack("[o]",
		with_kernel(cg("cg_0", 8.9, 10, 0, 100, 0), 14000000, 90000000, 20.0, 3, 1)))));
	compare(a, b, NULL, &c);
	r = metric_row(&c, "k", KTSTR_CMP_STARVATIONS);
	assert_true(r && r->a == 0 && r->b == 1 && isinf(r->rel_pct) && r->rel_pct > 0);
	assert_int_equal(r->change, KTSTR_CMP_REGRESSED);
	r = metric_row(&c, "k", KTSTR_CMP_SPREAD_PCT);
	assert_true(r && r->change == KTSTR_CMP_UNCHANGED);
	r = metric_row(&c, "k", KTSTR_CMP_WAIT_SPREAD_PCT);
	assert_true(r && r->change == KTSTR_CMP_REGRESSED);		/* +10 points, +100% */
	r = metric_row(&c, "k", KTSTR_CMP_MAX_WAIT_NS);
	assert_true(r && r->change == KTSTR_CMP_UNCHANGED);		/* +9 ms < 10 ms */
	r = metric_row(&c, "k", KTSTR_CMP_KERNEL_MIGRATIONS);
	assert_true(r && r->a == 3 && r->change == KTSTR_CMP_UNCHANGED);
	r = metric_row(&c, "k", KTSTR_CMP_MIGRATIONS);
	assert_true(r && r->a == 0);					/* the workers' own */
	assert_int_equal(c.ksrc_mismatch, 0);
	ktstr_compare_free(&c);
}

static void test_verdict_change(void **state)
{
	const struct ktstr_compare_row *r;
	struct ktstr_compare c;
	json_t *a, *b;

	(void)state;
	/* Same figures: only the verdicts move. SKIP rows hide huge changes. */
	a = run("none", json_pack("[o, o, o, o]",
		result("broke", "PASS", "none", json_pack("[o]", cg("cg_0", 1, 10, 0, 100, 0))),
		result("fixed", "FAIL", "none", json_pack("[o]", cg("cg_0", 1, 10, 0, 100, 0))),
		result("skip_a", "SKIP", "none", json_pack("[o]", cg("cg_0", 1, 10, 0, 100, 0))),
		result("skip_b", "PASS", "none", json_pack("[o]", cg("cg_0", 1, 10, 0, 100, 0)))));
	b = run("none", json_pack("[o, o, o, o]",
		result("broke", "FAIL", "none", json_pack("[o]", cg("cg_0", 1, 10, 0, 100, 0))),
		result("fixed", "PASS", "none", json_pack("[o]", cg("cg_0", 1, 10, 0, 100, 0))),
		result("skip_a", "PASS", "none", json_pack("[o]", cg("cg_0", 1, 9999, 0, 1, 0))),
		result("skip_b", "SKIP", "none", json_pack("[o]", cg("cg_0", 1, 9999, 0, 1, 0)))));
	compare(a, b, NULL, &c);
	r = find_row(&c, "broke", KTSTR_CMP_ROW_VERDICT, 0);
	assert_non_null(r);
	assert_int_equal(r->change, KTSTR_CMP_REGRESSED);
	assert_string_equal(r->verdict_a, "PASS");
	assert_string_equal(r->verdict_b, "FAIL");
	r = find_row(&c, "fixed", KTSTR_CMP_ROW_VERDICT, 0);
	assert_non_null(r);
	assert_int_equal(r->change, KTSTR_CMP_IMPROVED);
	r = find_row(&c, "skip_a", KTSTR_CMP_ROW_SKIPPED, 0);
	assert_true(r && r->change == KTSTR_CMP_NOT_COMPARED);
	assert_null(metric_row(&c, "skip_a", KTSTR_CMP_MAX_GAP_MS));
	assert_null(metric_row(&c, "skip_b", KTSTR_CMP_MAX_GAP_MS));
	assert_non_null(find_row(&c, "skip_b", KTSTR_CMP_ROW_SKIPPED, 0));
	assert_int_equal(c.paired, 4);
	assert_int_equal(c.regressed, 1);
	assert_int_equal(c.improved, 1);
	assert_int_equal(c.unchanged, 0);
	assert_int_equal(c.not_compared, 2);
	assert_int_equal(ktstr_compare_exit_code(&c), 1);
	ktstr_compare_free(&c);
}

static void test_missing_metrics(void **state)
{
	const struct ktstr_compare_row *r;
	struct ktstr_compare c;
	json_t *a, *b, *bc, *ac, *ts_a, *ts_b;

	(void)state;
	/* B's cgroup lacks p99 and the kernel object; A's iterations are null. */
	ac = with_kernel(cg("cg_0", 1.0, 10, 0, 100, 0), 1000, 2000, 1.0, 0, 0);
	json_object_set_new(ac, "iterations", json_null());
	bc = cg("cg_0", 1.0, 900, 0, 100, 0);
	json_object_del(bc, "p99_wake_latency_us");
	a = run("module", json_pack("[o, o]", result("m", "PASS", "module", json_pack("[o]", ac)),
				    result("none", "PASS", "module", json_array())));
	b = run("module", json_pack("[o, o]", result("m", "PASS", "module", json_pack("[o]", bc)),
				    result("none", "PASS", "module", json_array())));
	compare(a, b, NULL, &c);
	assert_null(metric_row(&c, "m", KTSTR_CMP_P99_WAKE_US));
	assert_null(metric_row(&c, "m", KTSTR_CMP_ITERATIONS));
	assert_non_null(metric_row(&c, "m", KTSTR_CMP_SPREAD_PCT));
	for (int m = 0; m < KTSTR_CMP__COUNT; m++) {
		if (ktstr_compare_is_kernel(m))
			assert_null(metric_row(&c, "m", m));
		assert_null(metric_row(&c, "none", m));		/* no cgroups at all */
	}
	r = metric_row(&c, "m", KTSTR_CMP_MAX_GAP_MS);
	assert_true(r && r->change == KTSTR_CMP_REGRESSED);
	assert_int_equal(c.unchanged, 1);
	ktstr_compare_free(&c);

	/* Both from taskstats: nulls are skipped, total_wait_ns compared. */
	ts_a = with_kernel(cg("cg_0", 1.0, 10, 0, 100, 0), 0, 100000000, 1.0, 0, 0);
	ts_b = with_kernel(cg("cg_0", 1.0, 10, 0, 100, 0), 0, 900000000, 1.0, 0, 0);
	for (int i = 0; i < 2; i++) {
		json_t *k = json_object_get(i ? ts_b : ts_a, "kernel");

		json_object_set_new(k, "max_wait_ns", json_null());
		json_object_set_new(k, "migrations", json_null());
		json_object_set_new(k, "starvations", json_null());
		json_object_set_new(k, "source", json_string("taskstats"));
	}
	a = run("taskstats", json_pack("[o]", result("t", "PASS", "taskstats",
						     json_pack("[o]", ts_a))));
	b = run("taskstats", json_pack("[o]", result("t", "PASS", "taskstats",
						     json_pack("[o]", ts_b))));
	compare(a, b, NULL, &c);
	assert_null(metric_row(&c, "t", KTSTR_CMP_MAX_WAIT_NS));
	assert_null(metric_row(&c, "t", KTSTR_CMP_KERNEL_MIGRATIONS));
	assert_null(metric_row(&c, "t", KTSTR_CMP_STARVATIONS));
	r = metric_row(&c, "t", KTSTR_CMP_TOTAL_WAIT_NS);
	assert_true(r && r->change == KTSTR_CMP_REGRESSED);
	assert_non_null(metric_row(&c, "t", KTSTR_CMP_WAIT_SPREAD_PCT));
	ktstr_compare_free(&c);
}

static json_t *ksrc_run(const char *top, const char *ksrc, json_int_t total_wait)
{
	return run(top, json_pack("[o]", result("k", "PASS", ksrc, json_pack("[o]",
		with_kernel(cg("cg_0", 1.0, 10, 0, 100, 0), 1000, total_wait, 1.0, 0, 0)))));
}

static void test_kernel_source_mismatch(void **state)
{
	struct ktstr_compare c;
	char note[256];

	(void)state;
	/* Module vs taskstats: a 10x total wait is not compared, the rest is. */
	compare(ksrc_run("module", "module", 100000000),
		ksrc_run("taskstats", "taskstats", 1000000000), NULL, &c);
	for (int m = 0; m < KTSTR_CMP__COUNT; m++)
		if (ktstr_compare_is_kernel(m))
			assert_null(metric_row(&c, "k", m));
	assert_non_null(metric_row(&c, "k", KTSTR_CMP_MAX_GAP_MS));
	assert_int_equal(c.ksrc_mismatch, 1);
	assert_int_equal(c.regressed, 0);
	assert_true(ktstr_compare_ksrc_note(&c, note, sizeof(note)) > 0);
	assert_non_null(strstr(note, "different sources (A: module, B: taskstats)"));
	assert_null(strchr(note, '\n'));
	ktstr_compare_free(&c);

	/* Same run-level source, one scenario fell back: said with a count. */
	compare(ksrc_run("module", "module", 100000000),
		ksrc_run("module", "taskstats", 1000000000), NULL, &c);
	assert_null(metric_row(&c, "k", KTSTR_CMP_TOTAL_WAIT_NS));
	assert_true(ktstr_compare_ksrc_note(&c, note, sizeof(note)) > 0);
	assert_non_null(strstr(note, "of 1 paired scenarios"));
	ktstr_compare_free(&c);

	/* Same source: compared, no note. */
	compare(ksrc_run("module", "module", 100000000),
		ksrc_run("module", "module", 1000000000), NULL, &c);
	assert_non_null(metric_row(&c, "k", KTSTR_CMP_TOTAL_WAIT_NS));
	assert_true(metric_row(&c, "k", KTSTR_CMP_TOTAL_WAIT_NS)->change == KTSTR_CMP_REGRESSED);
	assert_int_equal(ktstr_compare_ksrc_note(&c, note, sizeof(note)), 0);
	assert_string_equal(note, "");
	ktstr_compare_free(&c);
}

static void test_exit_code(void **state)
{
	struct ktstr_compare c;

	(void)state;
	compare(gap_run(100), gap_run(100), NULL, &c);		/* unchanged */
	assert_int_equal(ktstr_compare_exit_code(&c), 0);
	ktstr_compare_free(&c);
	compare(gap_run(500), gap_run(100), NULL, &c);		/* improved */
	assert_int_equal(c.improved, 1);
	assert_int_equal(ktstr_compare_exit_code(&c), 0);
	ktstr_compare_free(&c);
	compare(gap_run(100), gap_run(500), NULL, &c);		/* regressed */
	assert_int_equal(ktstr_compare_exit_code(&c), 1);
	ktstr_compare_free(&c);
	/* Nothing paired: nothing regressed. */
	compare(gap_run(100), run("none", json_array()), NULL, &c);
	assert_int_equal(c.only_a, 1);
	assert_int_equal(ktstr_compare_exit_code(&c), 0);
	ktstr_compare_free(&c);
	assert_int_equal(KTSTR_COMPARE_EXIT_USAGE, 2);
}

static void test_gate_parse(void **state)
{
	static const char *const bad[] = {
		"", "max_gap_ms", "=1,2", "nosuch=1,2", "Max_gap_ms=1,2", "max_gap_ms=1",
		"max_gap_ms=1,2,3", "max_gap_ms=-1,2", "max_gap_ms=1,-2", "max_gap_ms=+1,2",
		"max_gap_ms=0x10,2", "max_gap_ms=inf,2", "max_gap_ms=nan,2", "max_gap_ms= 1,2",
		"max_gap_ms=1 ,2", "max_gap_ms=1e3,2", "max_gap_ms=1,", "max_gap_ms=,2",
		"max_gap_ms=1..2,3", "max_gap_ms=.,3", "max_gap_ms=1,2%%", "max_gap_ms=1,%",
		"max_gap_ms=99999999999999999999,2", "max_gap_ms=1,9999999", "max_gap_ms==1,2",
		"max_gap_ms=1,2 ",
	};
	struct ktstr_compare_gates g, before;
	char why[256];

	(void)state;
	ktstr_compare_gates_init(&g);
	assert_true(g.gate[KTSTR_CMP_SPREAD_PCT].abs == 5 &&
		    g.gate[KTSTR_CMP_SPREAD_PCT].rel_pct == 25);
	assert_true(g.gate[KTSTR_CMP_MAX_WAIT_NS].abs == 10000000);
	assert_true(g.gate[KTSTR_CMP_STARVATIONS].abs == 1 &&
		    g.gate[KTSTR_CMP_STARVATIONS].rel_pct == 0);
	assert_true(g.gate[KTSTR_CMP_ITERATIONS].abs == 0 &&
		    g.gate[KTSTR_CMP_ITERATIONS].rel_pct == 10);

	assert_int_equal(ktstr_compare_gate_parse(&g, "max_gap_ms=50,10", why, sizeof(why)), 0);
	assert_true(g.gate[KTSTR_CMP_MAX_GAP_MS].abs == 50 &&
		    g.gate[KTSTR_CMP_MAX_GAP_MS].rel_pct == 10);
	assert_int_equal(ktstr_compare_gate_parse(&g, "spread_pct=2.5,12.5%", why, sizeof(why)),
			 0);
	assert_true(g.gate[KTSTR_CMP_SPREAD_PCT].abs == 2.5 &&
		    g.gate[KTSTR_CMP_SPREAD_PCT].rel_pct == 12.5);
	assert_int_equal(ktstr_compare_gate_parse(&g, "kernel_migrations=0,.5", why, sizeof(why)),
			 0);
	assert_true(g.gate[KTSTR_CMP_KERNEL_MIGRATIONS].rel_pct == 0.5);
	assert_int_equal(ktstr_compare_gate_parse(&g, "p99_wake_latency_us=7.,0", why,
						  sizeof(why)), 0);
	assert_true(g.gate[KTSTR_CMP_P99_WAKE_US].abs == 7);

	for (size_t i = 0; i < KTSTR_ARRAY_SIZE(bad); i++) {
		before = g;
		why[0] = '\0';
		if (ktstr_compare_gate_parse(&g, bad[i], why, sizeof(why)) != -EINVAL)
			fail_msg("gate '%s' was accepted", bad[i]);
		assert_memory_equal(&g, &before, sizeof(g));
		assert_non_null(strstr(why, "--gate"));
		assert_null(strchr(why, '\n'));
	}
	assert_int_equal(ktstr_compare_gate_parse(&g, "nosuch=1,2", why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "unknown metric 'nosuch'"));
	assert_int_equal(ktstr_compare_gate_parse(&g, NULL, NULL, 0), -EINVAL);
	for (int m = 0; m < KTSTR_CMP__COUNT; m++)
		assert_int_equal(ktstr_compare_metric_find(ktstr_compare_metric_name(m)), m);
	assert_int_equal(ktstr_compare_metric_find("kernel"), -ENOENT);
}

static void expect_bad_run(json_t *j, const char *what)
{
	char why[256] = "";

	assert_non_null(j);
	assert_int_equal(ktstr_compare_check_run(j, why, sizeof(why)), -EINVAL);
	if (!strstr(why, what))
		fail_msg("'%s' does not say '%s'", why, what);
	json_decref(j);
}

static void test_check_run(void **state)
{
	struct ktstr_compare_gates g;
	struct ktstr_compare c;
	json_t *good = gap_run(10), *bad;

	(void)state;
	assert_int_equal(ktstr_compare_check_run(good, NULL, 0), 0);
	expect_bad_run(json_pack("[]"), "not a JSON object");
	expect_bad_run(json_pack("{s:[]}", "results"), "no \"version\"");
	expect_bad_run(json_pack("{s:i, s:[]}", "version", 2, "results"), "\"version\"");
	expect_bad_run(json_pack("{s:s, s:[]}", "version", "1", "results"), "\"version\"");
	expect_bad_run(json_pack("{s:i}", "version", 1), "\"results\"");
	expect_bad_run(json_pack("{s:i, s:[i]}", "version", 1, "results", 3), "results[0]");
	expect_bad_run(json_pack("{s:i, s:[{s:s}]}", "version", 1, "results", "verdict", "PASS"),
		       "\"name\"");
	expect_bad_run(json_pack("{s:i, s:[{s:s, s:s}]}", "version", 1, "results", "name", "x",
				 "verdict", "OK"), "PASS, FAIL or SKIP");
	expect_bad_run(json_pack("{s:i, s:[{s:s, s:s, s:i}]}", "version", 1, "results",
				 "name", "x", "verdict", "PASS", "cgroups", 1), "cgroups");
	bad = json_deep_copy(good);
	json_object_set_new(json_array_get(json_object_get(json_array_get(
		json_object_get(bad, "results"), 0), "cgroups"), 0), "max_gap_ms",
		json_string("10"));
	expect_bad_run(bad, "max_gap_ms is not a number");

	/* ktstr_compare_runs() checks too. */
	ktstr_compare_gates_init(&g);
	bad = json_pack("{s:i, s:[]}", "version", 2, "results");
	assert_int_equal(ktstr_compare_runs(good, bad, &g, &c), -EINVAL);
	assert_int_equal(c.nr_rows, 0);
	json_decref(bad);
	json_decref(good);
}

/* A run of `--repeat N`: scenario "s" N times with these max_gap_ms. */
static json_t *repeat_run(const int *gaps, int n, const char *verdict_last)
{
	json_t *res = json_array(), *r;

	for (int i = 0; i < n; i++)
		json_array_append_new(res, result("s", i == n - 1 && verdict_last ?
						  verdict_last : "PASS", "none",
			json_pack("[o]", cg("cg_0", 1.0, gaps[i], 0, 1000, 0))));
	r = run("none", res);
	json_object_set_new(r, "repeat", json_integer(n));
	return r;
}

static void test_samples(void **state)
{
	static const int quiet[] = { 100, 110, 105, 95, 100 };
	static const int slow[] = { 300, 320, 310, 290, 305 };
	static const int noisy[] = { 100, 400, 120, 90, 380 };
	const struct ktstr_compare_row *r;
	struct ktstr_compare c;

	(void)state;
	/* Two runs of the same code: no regression, however the samples fall. */
	compare(repeat_run(quiet, 5, NULL), repeat_run(quiet + 1, 4, NULL), NULL, &c);
	assert_int_equal(c.paired, 1);
	assert_int_equal(c.regressed, 0);
	r = find_row(&c, "s", KTSTR_CMP_ROW_METRIC, KTSTR_CMP_MAX_GAP_MS);
	assert_non_null(r);
	assert_true(r->n_a == 5 && r->n_b == 4);
	assert_true(r->a == 100 && r->b == 102.5);	/* medians */
	assert_true(r->spread_a == 15 && r->spread_b == 15);
	ktstr_compare_free(&c);
	/* A real slowdown: medians 100 -> 305, far past the spread: regressed. */
	compare(repeat_run(quiet, 5, NULL), repeat_run(slow, 5, NULL), NULL, &c);
	r = find_row(&c, "s", KTSTR_CMP_ROW_METRIC, KTSTR_CMP_MAX_GAP_MS);
	assert_true(r && r->a == 100 && r->b == 305);
	assert_int_equal(r->change, KTSTR_CMP_REGRESSED);
	assert_int_equal(c.regressed, 1);
	ktstr_compare_free(&c);
	/*
	 * The gates alone would call 100 -> 380 a regression, but A's own
	 * samples spread over 310 ms: within the noise, unchanged.
	 */
	compare(repeat_run(noisy, 5, NULL), repeat_run((const int[]){ 380, 390, 400, 370, 385 },
						  5, NULL), NULL, &c);
	r = find_row(&c, "s", KTSTR_CMP_ROW_METRIC, KTSTR_CMP_MAX_GAP_MS);
	assert_true(r && r->a == 120 && r->b == 385 && r->spread_a == 310);
	assert_int_equal(r->change, KTSTR_CMP_UNCHANGED);
	ktstr_compare_free(&c);
	/* One failed sample makes the side FAIL: a verdict regression. */
	compare(repeat_run(quiet, 5, NULL), repeat_run(quiet, 5, "FAIL"), NULL, &c);
	r = find_row(&c, "s", KTSTR_CMP_ROW_VERDICT, 0);
	assert_non_null(r);
	assert_int_equal(r->change, KTSTR_CMP_REGRESSED);
	ktstr_compare_free(&c);
}

static void test_format(void **state)
{
	struct ktstr_compare_row r;
	struct ktstr_compare c;
	char line[256];

	(void)state;
	memset(&r, 0, sizeof(r));
	snprintf(r.scenario, sizeof(r.scenario), "s");
	r.kind = KTSTR_CMP_ROW_METRIC;
	r.change = KTSTR_CMP_REGRESSED;
	r.metric = KTSTR_CMP_MAX_GAP_MS;
	r.a = 40;
	r.b = 180;
	r.delta = 140;
	r.rel_pct = 350;
	ktstr_compare_row_format(&r, line, sizeof(line));
	assert_string_equal(line, "REGRESSED s max_gap_ms 40 ms -> 180 ms (+140 ms, +350.0%)");
	r.change = KTSTR_CMP_IMPROVED;
	r.metric = KTSTR_CMP_SPREAD_PCT;
	r.a = 12.5;
	r.b = 2.3;
	r.delta = -10.2;
	r.rel_pct = -82;
	ktstr_compare_row_format(&r, line, sizeof(line));
	assert_string_equal(line, "IMPROVED s spread_pct 12.5% -> 2.3% (-10.2 pts, -82.0%)");
	/* Waits in ms, never raw ns; medians and spreads of repeated runs. */
	r.change = KTSTR_CMP_REGRESSED;
	r.metric = KTSTR_CMP_MAX_WAIT_NS;
	r.a = 3000000;
	r.b = 25000000;
	r.delta = 22000000;
	r.rel_pct = 733.3;
	r.n_a = r.n_b = 5;
	r.spread_a = 400000;
	r.spread_b = 1200000;
	ktstr_compare_row_format(&r, line, sizeof(line));
	assert_string_equal(line, "REGRESSED s max_wait_ns 3.0 ms -> 25.0 ms (+22.0 ms, +733.3%; "
			    "medians of 5/5 samples, spread 0.4 ms/1.2 ms)");
	r.n_a = r.n_b = 1;
	r.spread_a = r.spread_b = 0;
	r.change = KTSTR_CMP_REGRESSED;
	r.metric = KTSTR_CMP_STARVATIONS;
	r.a = 0;
	r.b = 2;
	r.delta = 2;
	r.rel_pct = INFINITY;
	ktstr_compare_row_format(&r, line, sizeof(line));
	assert_string_equal(line, "REGRESSED s starvations 0 -> 2 (+2, +inf%)");
	r.kind = KTSTR_CMP_ROW_VERDICT;
	snprintf(r.verdict_a, sizeof(r.verdict_a), "PASS");
	snprintf(r.verdict_b, sizeof(r.verdict_b), "FAIL");
	ktstr_compare_row_format(&r, line, sizeof(line));
	assert_string_equal(line, "REGRESSED s verdict PASS -> FAIL");
	r.kind = KTSTR_CMP_ROW_SKIPPED;
	snprintf(r.verdict_b, sizeof(r.verdict_b), "SKIP");
	ktstr_compare_row_format(&r, line, sizeof(line));
	assert_string_equal(line, "NOT-COMPARED s (SKIP in B)");
	snprintf(r.verdict_a, sizeof(r.verdict_a), "SKIP");
	snprintf(r.verdict_b, sizeof(r.verdict_b), "PASS");
	ktstr_compare_row_format(&r, line, sizeof(line));
	assert_string_equal(line, "NOT-COMPARED s (SKIP in A)");
	snprintf(r.verdict_b, sizeof(r.verdict_b), "SKIP");
	ktstr_compare_row_format(&r, line, sizeof(line));
	assert_string_equal(line, "NOT-COMPARED s (SKIP in A and B)");
	r.kind = KTSTR_CMP_ROW_ONLY_A;
	ktstr_compare_row_format(&r, line, sizeof(line));
	assert_string_equal(line, "ONLY-IN-A s");
	r.kind = KTSTR_CMP_ROW_ONLY_B;
	ktstr_compare_row_format(&r, line, sizeof(line));
	assert_string_equal(line, "ONLY-IN-B s");

	compare(gap_run(100), gap_run(500), NULL, &c);
	ktstr_compare_summary_format(&c, line, sizeof(line));
	assert_string_equal(line,
			    "compare: 1 scenarios paired, 1 regressed, 0 improved, 0 unchanged");
	c.not_compared = 2;
	c.only_b = 3;
	ktstr_compare_summary_format(&c, line, sizeof(line));
	assert_string_equal(line, "compare: 1 scenarios paired, 1 regressed, 0 improved, "
			    "0 unchanged, 2 not compared (SKIP); 0 only in A, 3 only in B");
	ktstr_compare_free(&c);
}

static void test_json(void **state)
{
	struct ktstr_compare_gates g;
	struct ktstr_compare c;
	json_t *j, *rows, *row;

	(void)state;
	ktstr_compare_gates_init(&g);
	compare(gap_run(0), gap_run(500), &g, &c);
	j = ktstr_compare_to_json(&c, &g);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "version")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "summary"),
							    "regressed")), 1);
	assert_true(json_real_value(json_object_get(json_object_get(json_object_get(j, "gates"),
		"max_gap_ms"), "abs")) == 100);
	rows = json_object_get(j, "rows");
	assert_int_equal(json_array_size(rows), c.nr_rows);	/* unchanged rows too */
	for (size_t i = 0; i < json_array_size(rows); i++) {
		row = json_array_get(rows, i);
		if (strcmp(json_string_value(json_object_get(row, "metric")), "max_gap_ms"))
			continue;
		assert_string_equal(json_string_value(json_object_get(row, "change")),
				    "regressed");
		assert_true(json_real_value(json_object_get(row, "b")) == 500);
		assert_true(json_is_null(json_object_get(row, "rel_pct")));	/* from 0 */
	}
	json_decref(j);
	ktstr_compare_free(&c);
}

static void test_load(void **state)
{
	char dir[] = "/tmp/test_compare.XXXXXX", path[64], why[256];
	json_t *j = NULL;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/run.json", dir);
	assert_int_equal(ktstr_compare_load(path, &j, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "cannot read"));
	assert_int_equal(ktstr_compare_load(dir, &j, why, sizeof(why)), -EISDIR);

	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"version\": 1, \"results\": [", f);
	fclose(f);
	assert_int_equal(ktstr_compare_load(path, &j, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "not valid JSON"));
	assert_null(j);

	/* JSON, but not a run this reads. */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"version\": 2, \"results\": []}", f);
	fclose(f);
	assert_int_equal(ktstr_compare_load(path, &j, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "\"version\" (want 1)"));
	assert_null(j);

	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"version\": 1, \"results\": []}", f);
	fclose(f);
	assert_int_equal(ktstr_compare_load(path, &j, why, sizeof(why)), 0);
	assert_non_null(j);
	json_decref(j);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pairing),
		cmocka_unit_test(test_polarity),
		cmocka_unit_test(test_dual_gate),
		cmocka_unit_test(test_kernel_gates),
		cmocka_unit_test(test_verdict_change),
		cmocka_unit_test(test_missing_metrics),
		cmocka_unit_test(test_kernel_source_mismatch),
		cmocka_unit_test(test_exit_code),
		cmocka_unit_test(test_gate_parse),
		cmocka_unit_test(test_check_run),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
