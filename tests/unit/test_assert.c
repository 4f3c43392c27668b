// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the Assert engine's configuration, ktstr's worker checks
 * and result merging, on hand-made reports: each threshold at, just below
 * and just above its limit.
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
#include <jansson.h>

#include <ktstr/assert.h>

#define MS	1000000ULL

/* A worker that ran cleanly for 1 s of wall and 1 s of CPU - off. */
static void fake(struct ktstr_report *r, int pid, double off_pct)
{
	memset(r, 0, sizeof(*r));
	r->magic = KTSTR_REPORT_MAGIC;
	r->size = sizeof(*r);
	r->pid = pid;
	r->work_units = 1000;
	r->iterations = 1000;
	r->wall_time_ns = 1000000000ULL;
	r->off_cpu_ns = (uint64_t)(off_pct * 10000000.0 + 0.5);
	r->cpu_time_ns = r->wall_time_ns - r->off_cpu_ns;
	r->max_gap_ns = 5 * MS;
	r->max_gap_cpu = 0;
	r->reported = true;
	r->completed = true;
	r->exit_kind = KTSTR_EXIT_EXITED;
	ktstr_cpuset_set(&r->cpus_used, 0);
}

static struct ktstr_assert_cgroup_in cin(const char *name,
					 const struct ktstr_report *r, size_t n)
{
	struct ktstr_assert_cgroup_in in;

	memset(&in, 0, sizeof(in));
	in.name = name;
	in.reports = r;
	in.nr_reports = n;
	return in;
}

/* Verdict of @cfg on @n reports of cgroup "cg"; *res kept for inspection. */
static enum ktstr_verdict run(const struct ktstr_assert *cfg,
			      const struct ktstr_report *r, size_t n,
			      struct ktstr_assert_result *res)
{
	struct ktstr_assert_cgroup_in in = cin("cg", r, n);

	ktstr_assert_result_free(res);
	assert_int_equal(ktstr_assert_cgroup(cfg, &in, res), 0);
	return res->verdict;
}

static bool has_msg(const struct ktstr_assert_result *r, const char *s)
{
	for (size_t i = 0; i < r->nr_details; i++)
		if (strstr(r->details[i].message, s))
			return true;
	return false;
}

/* ---- configuration ---- */

static void test_defaults(void **state)
{
	struct ktstr_assert a;

	(void)state;
	ktstr_assert_defaults(&a);
	assert_int_equal(a.has, KTSTR_ASSERT_BIT(KTSTR_AF_not_stuck) |
			 KTSTR_ASSERT_BIT(KTSTR_AF_max_gap_ms) |
			 KTSTR_ASSERT_BIT(KTSTR_AF_max_spread_pct) |
			 KTSTR_ASSERT_BIT(KTSTR_AF_fail_on_starvation) |
			 KTSTR_ASSERT_BIT(KTSTR_AF_max_wait_ms));
	assert_true(a.not_stuck);
	assert_int_equal(a.max_gap_ms, 2000);
	assert_true(a.max_spread_pct == 15.0);
	assert_true(a.fail_on_starvation);
	assert_int_equal(a.max_wait_ms, 1000);
	ktstr_assert_none(&a);
	assert_int_equal(a.has, 0);
}

static void test_merge_cfg(void **state)
{
	struct ktstr_assert dfl, sched, scen, out;

	(void)state;
	ktstr_assert_defaults(&dfl);
	ktstr_assert_none(&sched);
	ktstr_assert_none(&scen);
	KTSTR_ASSERT_SET(&sched, max_gap_ms, 5000);
	KTSTR_ASSERT_SET(&sched, max_spread_pct, 30.0);
	KTSTR_ASSERT_SET(&sched, isolation, true);
	KTSTR_ASSERT_SET(&scen, max_gap_ms, 3000);
	KTSTR_ASSERT_SET(&scen, isolation, false);
	/* A value without its bit is not set: it must not override. */
	scen.max_spread_pct = 99.0;
	scen.not_stuck = false;

	ktstr_assert_resolve(&out, &sched, &scen);
	assert_int_equal(out.max_gap_ms, 3000);		/* last set wins */
	assert_true(out.max_spread_pct == 30.0);	/* scheduler's */
	assert_true(KTSTR_ASSERT_ISSET(&out, isolation));
	assert_false(out.isolation);			/* set to false wins */
	assert_true(out.not_stuck);			/* default kept */
	assert_int_equal(out.max_wait_ms, 1000);
	assert_false(KTSTR_ASSERT_ISSET(&out, max_throughput_cv));

	/* Order matters: scenario then scheduler gives the scheduler's. */
	out = dfl;
	ktstr_assert_merge(&out, &scen);
	ktstr_assert_merge(&out, &sched);
	assert_int_equal(out.max_gap_ms, 5000);
	assert_true(out.isolation);

	/* NULL layers are skipped. */
	ktstr_assert_resolve(&out, NULL, NULL);
	assert_int_equal(out.has, dfl.has);
	assert_int_equal(out.max_gap_ms, 2000);
}

static void test_cfg_text(void **state)
{
	struct ktstr_assert a;
	char buf[512], small[16];
	json_t *j;
	int n;

	(void)state;
	assert_int_equal(ktstr_assert_field_lookup("max_wait_ms"), KTSTR_AF_max_wait_ms);
	assert_int_equal(ktstr_assert_field_lookup("nope"), -ENOENT);
	assert_string_equal(ktstr_assert_field_name(KTSTR_AF_min_page_locality),
			    "min_page_locality");
	assert_null(ktstr_assert_field_name(KTSTR_AF__COUNT));

	ktstr_assert_none(&a);
	assert_int_equal(ktstr_assert_set_str(&a, "max_gap_ms", "2500"), 0);
	assert_int_equal(ktstr_assert_set_str(&a, "isolation", "yes"), 0);
	assert_int_equal(ktstr_assert_set_str(&a, "max_throughput_cv", "0.25"), 0);
	assert_int_equal(ktstr_assert_set_str(&a, "max_gap_ms", "-1"), -EINVAL);
	assert_int_equal(ktstr_assert_set_str(&a, "max_gap_ms", "12x"), -EINVAL);
	assert_int_equal(ktstr_assert_set_str(&a, "isolation", "maybe"), -EINVAL);
	assert_int_equal(ktstr_assert_set_str(&a, "bogus", "1"), -ENOENT);
	assert_int_equal(a.max_gap_ms, 2500);
	assert_true(a.isolation);

	n = ktstr_assert_format(&a, buf, sizeof(buf));
	assert_string_equal(buf, "max_gap_ms = 2500\nisolation = true\n"
			    "max_throughput_cv = 0.25\n");
	assert_int_equal(n, (int)strlen(buf));
	/* Truncated but NUL-terminated, returning the full length. */
	assert_int_equal(ktstr_assert_format(&a, small, sizeof(small)), n);
	assert_int_equal(strlen(small), sizeof(small) - 1);

	assert_int_equal(ktstr_assert_unset_str(&a, "isolation"), 0);
	ktstr_assert_format(&a, buf, sizeof(buf));
	assert_null(strstr(buf, "isolation"));

	j = ktstr_assert_to_json(&a);
	assert_non_null(j);
	assert_int_equal(json_object_size(j), 2);
	assert_int_equal(json_integer_value(json_object_get(j, "max_gap_ms")), 2500);
	assert_true(json_real_value(json_object_get(j, "max_throughput_cv")) == 0.25);
	json_decref(j);
}

/* ---- worker checks ---- */

static void test_not_stuck(void **state)
{
	struct ktstr_assert_result res;
	struct ktstr_assert a;
	struct ktstr_report r[2];

	(void)state;
	ktstr_assert_result_init(&res);
	ktstr_assert_defaults(&a);
	fake(&r[0], 10, 50);
	fake(&r[1], 11, 50);
	assert_int_equal(run(&a, r, 2, &res), KTSTR_VERDICT_PASS);
	assert_int_equal(res.nr_details, 0);

	r[1].work_units = 0;
	r[1].iterations = 0;
	assert_int_equal(run(&a, r, 2, &res), KTSTR_VERDICT_FAIL);
	assert_int_equal(ktstr_assert_result_count(&res, KTSTR_DETAIL_STUCK), 1);
	assert_true(has_msg(&res, "worker[11] in cgroup cg made no progress (0 work units)"));
	assert_int_equal(res.details[0].pid, 11);
	assert_string_equal(res.details[0].cgroup, "cg");

	/* Iterations alone count as progress. */
	r[1].iterations = 1;
	assert_int_equal(run(&a, r, 2, &res), KTSTR_VERDICT_PASS);

	/* A crash is not a clean end. */
	r[1].exit_kind = KTSTR_EXIT_CRASHED;
	r[1].exit_signal = 11;
	assert_int_equal(run(&a, r, 2, &res), KTSTR_VERDICT_FAIL);
	assert_true(has_msg(&res, "worker[11] in cgroup cg did not end cleanly"));

	/* Not set: not checked. */
	KTSTR_ASSERT_UNSET(&a, not_stuck);
	assert_int_equal(run(&a, r, 2, &res), KTSTR_VERDICT_PASS);
	ktstr_assert_result_free(&res);
}

static void test_gap(void **state)
{
	struct ktstr_assert_result res;
	struct ktstr_assert a;
	struct ktstr_report r[1];

	(void)state;
	ktstr_assert_result_init(&res);
	ktstr_assert_none(&a);
	KTSTR_ASSERT_SET(&a, max_gap_ms, 2000);
	fake(&r[0], 20, 10);
	r[0].max_gap_cpu = 3;
	r[0].max_gap_at_ns = 700 * MS;

	r[0].max_gap_ns = 2000 * MS;		/* at the limit */
	assert_int_equal(run(&a, r, 1, &res), KTSTR_VERDICT_PASS);
	r[0].max_gap_ns = 2000 * MS - 1;	/* below */
	assert_int_equal(run(&a, r, 1, &res), KTSTR_VERDICT_PASS);
	r[0].max_gap_ns = 2000 * MS + 1;	/* above */
	assert_int_equal(run(&a, r, 1, &res), KTSTR_VERDICT_FAIL);
	assert_int_equal(res.nr_details, 1);
	assert_int_equal(res.details[0].kind, KTSTR_DETAIL_GAP);
	assert_int_equal(res.details[0].cpu, 3);
	assert_int_equal(res.details[0].duration_ns, 2000 * MS + 1);
	assert_true(has_msg(&res, "worker[20] in cgroup cg: stuck 2000ms on cpu3 at +700ms (threshold 2000ms)"));
	assert_int_equal(res.cgroups[0].max_gap_ms, 2000);
	assert_int_equal(res.cgroups[0].max_gap_cpu, 3);
	ktstr_assert_result_free(&res);
}

static void test_spread(void **state)
{
	struct ktstr_assert_result res;
	struct ktstr_assert a;
	struct ktstr_report r[3];

	(void)state;
	ktstr_assert_result_init(&res);
	ktstr_assert_none(&a);
	KTSTR_ASSERT_SET(&a, max_spread_pct, 15.0);
	fake(&r[0], 30, 40.0);
	fake(&r[1], 31, 55.0);			/* spread exactly 15 */
	fake(&r[2], 32, 45.0);
	assert_int_equal(run(&a, r, 3, &res), KTSTR_VERDICT_PASS);
	assert_true(res.cgroups[0].spread == 15.0);
	assert_true(res.cgroups[0].min_off_cpu_pct == 40.0);
	assert_true(res.cgroups[0].max_off_cpu_pct == 55.0);
	assert_true(res.cgroups[0].avg_off_cpu_pct > 46.66 &&
		    res.cgroups[0].avg_off_cpu_pct < 46.67);
	fake(&r[1], 31, 54.99);			/* below */
	assert_int_equal(run(&a, r, 3, &res), KTSTR_VERDICT_PASS);
	fake(&r[1], 31, 55.01);			/* above */
	assert_int_equal(run(&a, r, 3, &res), KTSTR_VERDICT_FAIL);
	assert_int_equal(ktstr_assert_result_count(&res, KTSTR_DETAIL_UNFAIR), 1);
	assert_true(has_msg(&res, "unfair cgroup cg: spread=15.0% (40.0-55.0%) 3 workers on 1 cpus (threshold 15.0%): worker[30] least, worker[31] most off-CPU"));

	/* One worker: not checked, however the limit. */
	KTSTR_ASSERT_SET(&a, max_spread_pct, 0.0);
	assert_int_equal(run(&a, &r[1], 1, &res), KTSTR_VERDICT_PASS);
	/* Two workers, one without a wall time: still only one share. */
	r[0].wall_time_ns = 0;
	assert_int_equal(run(&a, r, 2, &res), KTSTR_VERDICT_PASS);
	ktstr_assert_result_free(&res);
}

static void test_isolation(void **state)
{
	struct ktstr_assert_result res;
	struct ktstr_assert_cgroup_in in;
	struct ktstr_cpuset set;
	struct ktstr_assert a;
	struct ktstr_report r[2];

	(void)state;
	ktstr_assert_result_init(&res);
	ktstr_assert_none(&a);
	KTSTR_ASSERT_SET(&a, isolation, true);
	ktstr_cpuset_zero(&set);
	ktstr_cpuset_set_range(&set, 0, 1);
	fake(&r[0], 40, 10);
	fake(&r[1], 41, 10);
	ktstr_cpuset_set(&r[0].cpus_used, 1);
	ktstr_cpuset_set(&r[1].cpus_used, 2);
	in = cin("iso", r, 2);
	in.cpuset = &set;
	assert_int_equal(ktstr_assert_cgroup(&a, &in, &res), 0);
	assert_int_equal(res.verdict, KTSTR_VERDICT_FAIL);
	assert_int_equal(res.nr_details, 1);
	assert_int_equal(res.details[0].kind, KTSTR_DETAIL_ISOLATION);
	assert_int_equal(res.details[0].pid, 41);
	assert_int_equal(res.details[0].cpu, 2);
	assert_true(has_msg(&res, "worker[41] in cgroup iso ran on unexpected CPUs {2} (cpuset 0-1)"));
	assert_int_equal(res.cgroups[0].cpus, 3);

	/* Without a cpuset, or turned off: not checked. */
	ktstr_assert_result_free(&res);
	in.cpuset = NULL;
	assert_int_equal(ktstr_assert_cgroup(&a, &in, &res), 0);
	assert_int_equal(res.verdict, KTSTR_VERDICT_PASS);
	ktstr_assert_result_free(&res);
	in.cpuset = &set;
	KTSTR_ASSERT_SET(&a, isolation, false);
	assert_int_equal(ktstr_assert_cgroup(&a, &in, &res), 0);
	assert_int_equal(res.verdict, KTSTR_VERDICT_PASS);
	ktstr_assert_result_free(&res);
}

static void test_throughput(void **state)
{
	struct ktstr_assert_result res;
	struct ktstr_assert a;
	struct ktstr_report r[2];

	(void)state;
	ktstr_assert_result_init(&res);
	/* 1000 and 3000 units per CPU second: mean 2000, stddev 1000. */
	fake(&r[0], 50, 0);
	fake(&r[1], 51, 0);
	r[1].work_units = 3000;

	ktstr_assert_none(&a);
	KTSTR_ASSERT_SET(&a, max_throughput_cv, 0.5);
	assert_int_equal(run(&a, r, 2, &res), KTSTR_VERDICT_PASS);
	KTSTR_ASSERT_SET(&a, max_throughput_cv, 0.51);
	assert_int_equal(run(&a, r, 2, &res), KTSTR_VERDICT_PASS);
	KTSTR_ASSERT_SET(&a, max_throughput_cv, 0.49);
	assert_int_equal(run(&a, r, 2, &res), KTSTR_VERDICT_FAIL);
	assert_int_equal(res.details[0].kind, KTSTR_DETAIL_BENCHMARK);
	assert_true(has_msg(&res, "throughput cv=0.500 over 2 workers"));
	/* One worker: no CV. */
	assert_int_equal(run(&a, r, 1, &res), KTSTR_VERDICT_PASS);

	ktstr_assert_none(&a);
	KTSTR_ASSERT_SET(&a, min_work_rate, 1000.0);
	assert_int_equal(run(&a, r, 2, &res), KTSTR_VERDICT_PASS);
	KTSTR_ASSERT_SET(&a, min_work_rate, 999.9);
	assert_int_equal(run(&a, r, 2, &res), KTSTR_VERDICT_PASS);
	KTSTR_ASSERT_SET(&a, min_work_rate, 1000.1);
	assert_int_equal(run(&a, r, 2, &res), KTSTR_VERDICT_FAIL);
	assert_int_equal(res.nr_details, 1);
	assert_int_equal(res.details[0].pid, 50);
	assert_true(has_msg(&res, "worker[50] in cgroup cg: work rate 1000.0/cpu-s below floor 1000.1/cpu-s"));
	ktstr_assert_result_free(&res);
}

static void test_percentile_cv(void **state)
{
	uint64_t v[100];
	double d[2] = { 1.0, 3.0 }, one = 5.0, zeros[3] = { 0, 0, 0 };

	(void)state;
	for (int i = 0; i < 100; i++)
		v[i] = (uint64_t)(100 - i);		/* unsorted 100..1 */
	assert_int_equal(ktstr_percentile_nearest(v, 100, 99.0), 99);
	assert_int_equal(ktstr_percentile_nearest(v, 100, 50.0), 50);
	assert_int_equal(ktstr_percentile_nearest(v, 100, 100.0), 100);
	assert_int_equal(ktstr_percentile_nearest(v, 100, 1.0), 1);
	/* n = 10: ceil(9.9) = 10th; n = 7: ceil(6.93) = 7th; n = 1: it. */
	assert_int_equal(ktstr_percentile_nearest(v, 10, 99.0), 10);
	assert_int_equal(ktstr_percentile_nearest(v, 10, 50.0), 5);
	assert_int_equal(ktstr_percentile_nearest(v, 7, 99.0), 7);
	assert_int_equal(ktstr_percentile_nearest(v, 1, 99.0), 1);
	assert_int_equal(ktstr_percentile_nearest(v, 0, 99.0), 0);

	assert_true(ktstr_cv(d, 2) == 0.5);
	assert_true(ktstr_cv(&one, 1) == 0.0);
	assert_true(ktstr_cv(zeros, 3) == 0.0);
}

static void test_wake_latency(void **state)
{
	struct ktstr_assert_result res;
	struct ktstr_assert a;
	struct ktstr_report *r;

	(void)state;
	r = calloc(2, sizeof(*r));
	assert_non_null(r);
	ktstr_assert_result_init(&res);
	fake(&r[0], 60, 0);
	fake(&r[1], 61, 0);
	/* 1..100 us over two workers: p99 = 99 us, median 50 us. */
	for (int i = 0; i < 50; i++) {
		r[0].wake.samples[i] = (uint64_t)(2 * i + 1) * 1000;
		r[1].wake.samples[i] = (uint64_t)(2 * i + 2) * 1000;
	}
	r[0].wake.nr = r[1].wake.nr = 50;
	r[0].wake.total = r[1].wake.total = 50;

	ktstr_assert_none(&a);
	KTSTR_ASSERT_SET(&a, max_p99_wake_latency_ns, 99000);
	assert_int_equal(run(&a, r, 2, &res), KTSTR_VERDICT_PASS);
	assert_int_equal(res.cgroups[0].p99_wake_latency_us, 99);
	assert_int_equal(res.cgroups[0].median_wake_latency_us, 50);
	KTSTR_ASSERT_SET(&a, max_p99_wake_latency_ns, 99001);
	assert_int_equal(run(&a, r, 2, &res), KTSTR_VERDICT_PASS);
	KTSTR_ASSERT_SET(&a, max_p99_wake_latency_ns, 98999);
	assert_int_equal(run(&a, r, 2, &res), KTSTR_VERDICT_FAIL);
	assert_true(has_msg(&res, "cgroup cg: p99 wake latency 99us over 100 samples"));

	/* CV over samples: {1000, 3000} -> 0.5. */
	r[0].wake.nr = r[1].wake.nr = 1;
	r[0].wake.samples[0] = 1000;
	r[1].wake.samples[0] = 3000;
	ktstr_assert_none(&a);
	KTSTR_ASSERT_SET(&a, max_wake_latency_cv, 0.5);
	assert_int_equal(run(&a, r, 2, &res), KTSTR_VERDICT_PASS);
	assert_true(res.cgroups[0].wake_latency_cv == 0.5);
	KTSTR_ASSERT_SET(&a, max_wake_latency_cv, 0.49);
	assert_int_equal(run(&a, r, 2, &res), KTSTR_VERDICT_FAIL);
	assert_true(has_msg(&res, "wake latency cv=0.500 over 2 samples"));
	/* One sample: no CV. */
	assert_int_equal(run(&a, r, 1, &res), KTSTR_VERDICT_PASS);
	ktstr_assert_result_free(&res);
	free(r);
}

static void test_rates_and_ratios(void **state)
{
	struct ktstr_assert_result res;
	struct ktstr_assert_cgroup_in in;
	struct ktstr_assert a;
	struct ktstr_report r[2];

	(void)state;
	ktstr_assert_result_init(&res);
	fake(&r[0], 70, 0);		/* 1000 iterations in 1 s */
	fake(&r[1], 71, 0);
	r[0].nr_migrations = 4;
	r[1].nr_migrations = 6;		/* 10 / 2000 = 0.005 */

	ktstr_assert_none(&a);
	KTSTR_ASSERT_SET(&a, min_iteration_rate, 1000.0);
	assert_int_equal(run(&a, r, 2, &res), KTSTR_VERDICT_PASS);
	KTSTR_ASSERT_SET(&a, min_iteration_rate, 999.5);
	assert_int_equal(run(&a, r, 2, &res), KTSTR_VERDICT_PASS);
	KTSTR_ASSERT_SET(&a, min_iteration_rate, 1000.5);
	assert_int_equal(run(&a, r, 2, &res), KTSTR_VERDICT_FAIL);
	assert_int_equal(res.nr_details, 2);
	assert_true(has_msg(&res, "worker[71] in cgroup cg: iteration rate 1000.0/s below floor 1000.5/s"));

	ktstr_assert_none(&a);
	KTSTR_ASSERT_SET(&a, max_migration_ratio, 0.005);
	assert_int_equal(run(&a, r, 2, &res), KTSTR_VERDICT_PASS);
	assert_true(res.cgroups[0].migration_ratio == 0.005);
	assert_int_equal(res.cgroups[0].migrations, 10);
	assert_int_equal(res.cgroups[0].iterations, 2000);
	KTSTR_ASSERT_SET(&a, max_migration_ratio, 0.0051);
	assert_int_equal(run(&a, r, 2, &res), KTSTR_VERDICT_PASS);
	KTSTR_ASSERT_SET(&a, max_migration_ratio, 0.0049);
	assert_int_equal(run(&a, r, 2, &res), KTSTR_VERDICT_FAIL);
	assert_int_equal(res.details[0].kind, KTSTR_DETAIL_MIGRATION);
	assert_true(has_msg(&res, "migration ratio 0.0050 (10 migrations / 2000 iterations)"));

	ktstr_assert_none(&a);
	in = cin("numa", r, 2);
	in.pages_local = 90;
	in.pages_total = 100;
	KTSTR_ASSERT_SET(&a, min_page_locality, 0.9);
	ktstr_assert_result_free(&res);
	assert_int_equal(ktstr_assert_cgroup(&a, &in, &res), 0);
	assert_int_equal(res.verdict, KTSTR_VERDICT_PASS);
	assert_true(res.cgroups[0].page_locality == 0.9);
	KTSTR_ASSERT_SET(&a, min_page_locality, 0.89);
	ktstr_assert_result_free(&res);
	assert_int_equal(ktstr_assert_cgroup(&a, &in, &res), 0);
	assert_int_equal(res.verdict, KTSTR_VERDICT_PASS);
	KTSTR_ASSERT_SET(&a, min_page_locality, 0.91);
	ktstr_assert_result_free(&res);
	assert_int_equal(ktstr_assert_cgroup(&a, &in, &res), 0);
	assert_int_equal(res.verdict, KTSTR_VERDICT_FAIL);
	assert_int_equal(res.details[0].kind, KTSTR_DETAIL_PAGE_LOCALITY);
	/* Not measured: not checked. */
	in.pages_total = 0;
	ktstr_assert_result_free(&res);
	assert_int_equal(ktstr_assert_cgroup(&a, &in, &res), 0);
	assert_int_equal(res.verdict, KTSTR_VERDICT_PASS);
	ktstr_assert_result_free(&res);
}

static void test_skip(void **state)
{
	struct ktstr_assert_result res, other;
	struct ktstr_assert_cgroup_in in = cin("empty", NULL, 0);
	struct ktstr_assert a;
	struct ktstr_report r[1];

	(void)state;
	ktstr_assert_defaults(&a);
	ktstr_assert_result_init(&res);
	assert_int_equal(ktstr_assert_cgroup(&a, &in, &res), 0);
	assert_int_equal(res.verdict, KTSTR_VERDICT_SKIP);
	assert_int_equal(res.nr_details, 1);
	assert_int_equal(res.details[0].kind, KTSTR_DETAIL_SKIP);
	assert_true(has_msg(&res, "cgroup empty: no reports"));
	assert_true(ktstr_assert_result_passed(&res));

	/* Skip then pass: pass. */
	fake(&r[0], 80, 0);
	in = cin("full", r, 1);
	assert_int_equal(ktstr_assert_cgroup(&a, &in, &res), 0);
	assert_int_equal(res.verdict, KTSTR_VERDICT_PASS);

	/* Then fail: fail, whatever comes after. */
	ktstr_assert_result_init(&other);
	assert_int_equal(ktstr_assert_result_fail(&other, KTSTR_DETAIL_SCHEDULER_DIED,
						  "scheduler process died unexpectedly"), 0);
	assert_int_equal(ktstr_assert_result_merge(&res, &other), 0);
	assert_int_equal(res.verdict, KTSTR_VERDICT_FAIL);
	assert_false(ktstr_assert_result_passed(&res));
	assert_int_equal(ktstr_assert_cgroup(&a, &in, &res), 0);
	assert_int_equal(res.verdict, KTSTR_VERDICT_FAIL);
	ktstr_assert_result_free(&other);
	ktstr_assert_result_free(&res);
	assert_int_equal(res.verdict, KTSTR_VERDICT_SKIP);
	assert_int_equal(ktstr_assert_cgroup(NULL, &in, &res), -EINVAL);
}

/* ---- result merging ---- */

static void test_result_merge(void **state)
{
	struct ktstr_assert_result a, b, all;
	struct ktstr_assert cfg;
	struct ktstr_assert_cgroup_in in;
	struct ktstr_report ra[2], rb[3];

	(void)state;
	ktstr_assert_defaults(&cfg);
	ktstr_assert_result_init(&a);
	ktstr_assert_result_init(&b);
	ktstr_assert_result_init(&all);

	/* a: 2 workers, gap 100 ms on cpu1, spread 10, locality 0.9 */
	fake(&ra[0], 1, 10);
	fake(&ra[1], 2, 20);
	ra[0].max_gap_ns = 100 * MS;
	ra[0].max_gap_cpu = 1;
	ra[1].max_gap_ns = 50 * MS;
	ra[1].max_gap_cpu = 7;
	ra[0].nr_migrations = 3;
	in = cin("a", ra, 2);
	in.pages_local = 9;
	in.pages_total = 10;
	assert_int_equal(ktstr_assert_cgroup(&cfg, &in, &a), 0);
	assert_int_equal(a.verdict, KTSTR_VERDICT_PASS);

	/* b: 3 workers, one stuck, gap 300 ms on cpu5, spread 5 */
	fake(&rb[0], 3, 10);
	fake(&rb[1], 4, 15);
	fake(&rb[2], 5, 12);
	rb[1].max_gap_ns = 300 * MS;
	rb[1].max_gap_cpu = 5;
	rb[2].work_units = rb[2].iterations = 0;
	rb[0].nr_migrations = 2;
	in = cin("b", rb, 3);
	in.pages_local = 1;
	in.pages_total = 2;
	assert_int_equal(ktstr_assert_cgroup(&cfg, &in, &b), 0);
	assert_int_equal(b.verdict, KTSTR_VERDICT_FAIL);

	assert_int_equal(ktstr_assert_result_merge(&all, &a), 0);
	assert_int_equal(all.verdict, KTSTR_VERDICT_PASS);
	assert_int_equal(ktstr_assert_result_merge(&all, &b), 0);
	assert_int_equal(all.verdict, KTSTR_VERDICT_FAIL);	/* AND */
	assert_int_equal(all.nr_details, b.nr_details);
	assert_int_equal(all.nr_cgroups, 2);
	assert_string_equal(all.cgroups[0].name, "a");
	assert_string_equal(all.cgroups[1].name, "b");
	assert_int_equal(all.stats.total_workers, 5);		/* sums */
	assert_int_equal(all.stats.total_migrations, 5);
	assert_int_equal(all.stats.total_iterations, 4000);
	assert_true(all.stats.worst_spread == 10.0);		/* max */
	assert_int_equal(all.stats.worst_gap_ms, 300);		/* together */
	assert_int_equal(all.stats.worst_gap_cpu, 5);
	assert_true(all.stats.worst_page_locality == 0.5);	/* lowest */

	/* Merging a again keeps b's gap with b's CPU; details concatenate. */
	assert_int_equal(ktstr_assert_result_merge(&all, &b), 0);
	assert_int_equal(ktstr_assert_result_merge(&all, &a), 0);
	assert_int_equal(all.stats.worst_gap_ms, 300);
	assert_int_equal(all.stats.worst_gap_cpu, 5);
	assert_int_equal(all.nr_details, 2 * b.nr_details);
	assert_int_equal(all.stats.total_workers, 10);
	assert_int_equal(all.nr_cgroups, 4);
	assert_string_equal(all.details[0].message, b.details[0].message);
	/* src unchanged, independent copies. */
	assert_ptr_not_equal(all.details[0].message, b.details[0].message);

	/* Lowest non-zero locality: a zero (unmeasured) does not win. */
	{
		struct ktstr_assert_result z;
		struct ktstr_report rz[1];

		ktstr_assert_result_init(&z);
		fake(&rz[0], 9, 0);
		in = cin("z", rz, 1);
		assert_int_equal(ktstr_assert_cgroup(&cfg, &in, &z), 0);
		assert_true(z.stats.worst_page_locality == 0.0);
		assert_int_equal(ktstr_assert_result_merge(&all, &z), 0);
		assert_true(all.stats.worst_page_locality == 0.5);
		ktstr_assert_result_free(&z);
	}
	assert_int_equal(ktstr_assert_result_merge(&all, &all), -EINVAL);
	ktstr_assert_result_free(&a);
	ktstr_assert_result_free(&b);
	ktstr_assert_result_free(&all);
}

static void test_result_format_json(void **state)
{
	struct ktstr_assert_result res;
	struct ktstr_assert cfg;
	struct ktstr_assert_cgroup_in in;
	struct ktstr_report r[2];
	char buf[4096];
	json_t *j;

	(void)state;
	ktstr_assert_defaults(&cfg);
	ktstr_assert_result_init(&res);
	fake(&r[0], 90, 10);
	fake(&r[1], 91, 10);
	r[1].max_gap_ns = 2500 * MS;
	r[1].max_gap_cpu = 2;
	in = cin("cg_0", r, 2);
	assert_int_equal(ktstr_assert_cgroup(&cfg, &in, &res), 0);
	assert_true(ktstr_assert_result_snprint(&res, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "  [gap] worker[91] in cgroup cg_0: stuck 2500ms on cpu2"));
	assert_non_null(strstr(buf, "\n--- stats ---\n  cg_0: workers=2 cpus=1 "));
	assert_non_null(strstr(buf, "gap=2500ms@cpu2"));
	assert_true(strstr(buf, "[gap]") < strstr(buf, "--- stats ---"));

	j = ktstr_assert_result_to_json(&res);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "verdict")), "FAIL");
	assert_int_equal(json_array_size(json_object_get(j, "details")), 1);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(json_object_get(j, "details"), 0), "kind")), "gap");
	assert_int_equal(json_integer_value(json_object_get(
		json_array_get(json_object_get(j, "details"), 0), "pid")), 91);
	assert_int_equal(json_array_size(json_object_get(j, "cgroups")), 1);
	assert_int_equal(json_integer_value(json_object_get(
		json_object_get(j, "stats"), "worst_gap_ms")), 2500);
	json_decref(j);
	assert_string_equal(ktstr_verdict_name(KTSTR_VERDICT_SKIP), "SKIP");
	assert_string_equal(ktstr_detail_kind_name(KTSTR_DETAIL_KERNEL_ISOLATION),
			    "kernel_isolation");
	ktstr_assert_result_free(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_merge_cfg),
		cmocka_unit_test(test_cfg_text),
		cmocka_unit_test(test_not_stuck),
		cmocka_unit_test(test_gap),
		cmocka_unit_test(test_spread),
		cmocka_unit_test(test_isolation),
		cmocka_unit_test(test_throughput),
		cmocka_unit_test(test_percentile_cv),
		cmocka_unit_test(test_wake_latency),
		cmocka_unit_test(test_rates_and_ratios),
		cmocka_unit_test(test_skip),
		cmocka_unit_test(test_result_merge),
		cmocka_unit_test(test_result_format_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
