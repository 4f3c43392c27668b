// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the HTML report: the kind of each input, one bar per data
 * point in every plot, escaping of names taken from tasks, and a compare of
 * two runs marking the regression.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ktstr/report.h>

/* The page for @n inputs, as a string (caller frees). */
static char *page(const json_t **docs, size_t n, int *ret)
{
	struct ktstr_report_input in[4];
	char *buf = NULL, why[256];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	for (size_t i = 0; i < n; i++) {
		in[i].name = "in.json";
		in[i].doc = docs[i];
	}
	*ret = ktstr_report_html(f, in, n, why, sizeof(why));
	fclose(f);
	return buf;
}

/* data-bars of the @nth <svg> and how many rect.bar it really holds. */
static void svg_bars(const char *html, int nth, int *claimed, int *drawn)
{
	const char *s = html, *end;

	for (int i = 0; i <= nth; i++) {
		s = strstr(s, "<svg ");
		assert_non_null(s);
		s++;
	}
	end = strstr(s, "</svg>");
	assert_non_null(end);
	assert_int_equal(sscanf(strstr(s, "data-bars=\""), "data-bars=\"%d\"", claimed), 1);
	*drawn = 0;
	for (const char *p = s; (p = strstr(p, "<rect class=\"bar")) && p < end; p++)
		(*drawn)++;
}

static int count(const char *html, const char *needle)
{
	int n = 0;

	for (const char *p = html; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static json_t *task(const char *comm, int pid, json_int_t max_wait, int starv,
		    int first, int last)
{
	json_t *h = json_array();

	for (int b = 0; b < 32; b++)
		json_array_append_new(h, json_integer(b >= first && b <= last ? b + 1 : 0));
	return json_pack("{s:s, s:i, s:I, s:i, s:i, s:o}", "comm", comm, "pid", pid,
			 "max_wait_ns", max_wait, "nr_starvations", starv, "nr_wake_waits",
			 10, "hist", h);
}

static json_t *stat_doc(void)
{
	json_t *bounds = json_array(), *tasks, *cpus;

	for (int b = 0; b < 32; b++)
		json_array_append_new(bounds, json_pack("[I, I]", b ? (json_int_t)1024 << (b - 1) : 0,
							 (json_int_t)1024 << b));
	tasks = json_pack("[o, o, o]", task("worker", 10, 5000000, 0, 4, 9),
			  task("worker", 11, 900000000, 1, 6, 7),
			  task("<script>", 12, 100, 0, 0, 0));
	cpus = json_pack("[{s:i, s:I, s:i}, {s:i, s:I, s:i}]", "cpu", 0, "busy_ns",
			 (json_int_t)1000000000, "nr_switches", 5, "cpu", 1, "busy_ns",
			 (json_int_t)500000000, "nr_switches", 7);
	return json_pack("{s:i, s:[s], s:i, s:I, s:I, s:o, s:o, s:o, s:[]}", "version", 1,
			 "command", "true", "exit_status", 0, "elapsed_ns",
			 (json_int_t)2000000000, "starve_threshold_ns", (json_int_t)200000000,
			 "hist_bounds_ns", bounds, "tasks", tasks, "cpus", cpus, "starvations");
}

static json_t *run_doc(int workers, double max_wait_ms)
{
	json_t *k = json_pack("{s:i, s:f, s:i, s:s, s:f, s:f, s:i, s:i, s:s}", "tasks", 2,
			      "max_wait_ns", max_wait_ms * 1e6, "max_wait_pid", 42,
			      "max_wait_comm", "SpinWait", "total_wait_ns", max_wait_ms * 2e6,
			      "wait_spread_pct", 1.0, "migrations", 0, "starvations", 0,
			      "source", "module");
	json_t *cg = json_pack("{s:s, s:i, s:i, s:f, s:i, s:i, s:i, s:i, s:o}", "name", "cg_0",
			       "workers", workers, "cpus", 1, "spread_pct", 1.0, "max_gap_ms", 10,
			       "migrations", 0, "iterations", 1000, "p99_wake_latency_us", 10,
			       "kernel", k);

	return json_pack("{s:i, s:i, s:i, s:i, s:b, s:s, s:[{s:s, s:s, s:s, s:f, s:b, s:b, "
			 "s:s, s:s, s:[], s:[o]}], s:{s:i, s:i, s:i, s:i}}",
			 "version", 1, "duration_ms", 1000, "workers", workers, "settle_ms", 500,
			 "kernel_module", 1, "kernel_source", "module", "results",
			 "name", "cgroup_steady", "category", "basic", "verdict", "PASS",
			 "seconds", 1.5, "expect_fail", 0, "kernel", 1, "kernel_source",
			 "module", "reason", "", "details", "cgroups", cg, "summary", "total", 1,
			 "passed", 1, "failed", 0, "skipped", 0);
}

static void test_kinds(void **state)
{
	json_t *s = stat_doc(), *r = run_doc(2, 5), *g, *x = json_pack("{s:i}", "a", 1);

	(void)state;
	g = json_pack("{s:i, s:[{s:s, s:s, s:s, s:f, s:s}]}", "version", 1, "results",
		      "scenario", "a", "topology", "tiny-2llc", "verdict", "PASS",
		      "seconds", 1.0, "reason", "");
	assert_int_equal(ktstr_report_kind_of(s), KTSTR_REPORT_STAT);
	assert_int_equal(ktstr_report_kind_of(r), KTSTR_REPORT_RUN);
	assert_int_equal(ktstr_report_kind_of(g), KTSTR_REPORT_GAUNTLET);
	assert_int_equal(ktstr_report_kind_of(x), KTSTR_REPORT_UNKNOWN);
	json_decref(s);
	json_decref(r);
	json_decref(g);
	json_decref(x);
}

static void test_stat_plots(void **state)
{
	const json_t *docs[1];
	json_t *s = stat_doc();
	int ret, claimed, drawn;
	char *html;

	(void)state;
	docs[0] = s;
	html = page(docs, 1, &ret);
	assert_int_equal(ret, 0);
	/* All tasks: buckets 0..9 non-empty range -> 10 bars. */
	svg_bars(html, 0, &claimed, &drawn);
	assert_int_equal(claimed, 10);
	assert_int_equal(drawn, 10);
	/* "worker" (2 tasks): buckets 4..9 -> 6 bars. */
	svg_bars(html, 1, &claimed, &drawn);
	assert_int_equal(claimed, 6);
	assert_int_equal(drawn, 6);
	/* "<script>": bucket 0 alone. */
	svg_bars(html, 2, &claimed, &drawn);
	assert_int_equal(claimed, 1);
	assert_int_equal(drawn, 1);
	/* Longest waits: 3 tasks, the starved one marked. */
	svg_bars(html, 3, &claimed, &drawn);
	assert_int_equal(claimed, 3);
	assert_int_equal(drawn, 3);
	assert_int_equal(count(html, "rect class=\"bar mark\""), 1);
	assert_non_null(strstr(html, "1 starvation episode"));
	/* Per CPU: 2 bars. */
	svg_bars(html, 4, &claimed, &drawn);
	assert_int_equal(claimed, 2);
	assert_int_equal(drawn, 2);
	assert_int_equal(count(html, "<svg "), 5);
	/* A task's name is text, never markup; nothing is fetched. */
	assert_null(strstr(html, "<script>"));
	assert_non_null(strstr(html, "&lt;script&gt;"));
	assert_null(strstr(html, "http"));
	free(html);
	json_decref(s);
}

static void test_compare_two_runs(void **state)
{
	json_t *a = run_doc(2, 5), *b = run_doc(2, 50);
	const json_t *docs[2] = { a, b };
	int ret;
	char *html = page(docs, 2, &ret);

	(void)state;
	assert_int_equal(ret, 0);
	assert_non_null(strstr(html, "<h2>Compare: "));
	/* max_wait_ns 5 ms -> 50 ms is past its gates: a regression row. */
	assert_true(count(html, "<tr class=\"REGRESSED\">") >= 1);
	assert_non_null(strstr(html, "max_wait_ns"));
	free(html);
	/* The same run twice: a compare with no regression. */
	docs[1] = a;
	html = page(docs, 2, &ret);
	assert_int_equal(count(html, "<tr class=\"REGRESSED\">"), 0);
	free(html);
	json_decref(a);
	json_decref(b);
}

static void test_unknown_input(void **state)
{
	json_t *x = json_pack("{s:i}", "a", 1);
	const json_t *docs[1] = { x };
	int ret;

	(void)state;
	free(page(docs, 1, &ret));
	assert_int_equal(ret, -EINVAL);
	json_decref(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_stat_plots),
		cmocka_unit_test(test_compare_two_runs),
		cmocka_unit_test(test_unknown_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
