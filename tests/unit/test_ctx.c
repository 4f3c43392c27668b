// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the scenario context and the guide's helpers, against the
 * no-op cgroup double (workers are real processes, cgroups are not), and
 * for the checks of collect_all on hand-made reports.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ktstr/ktstr.h>

/* Index of the first recorded call equal to @s at or after @from, or -1. */
static int find_call(struct ktstr_cgroups *cg, const char *s, int from)
{
	for (int i = from; i < ktstr_cgroup_noop_nr_calls(cg); i++)
		if (!strcmp(ktstr_cgroup_noop_call(cg, i), s))
			return i;
	return -1;
}

static int count_prefix(struct ktstr_cgroups *cg, const char *prefix)
{
	int n = 0;

	for (int i = 0; i < ktstr_cgroup_noop_nr_calls(cg); i++)
		n += !strncmp(ktstr_cgroup_noop_call(cg, i), prefix, strlen(prefix));
	return n;
}

static void new_ctx(struct ktstr_ctx *ctx, struct ktstr_cgroups **cg)
{
	*cg = ktstr_cgroup_noop_new();
	assert_non_null(*cg);
	assert_int_equal(ktstr_ctx_init(ctx, *cg, NULL), 0);
	ctx->settle_ms = 0;
	ctx->workers_per_cgroup = 1;
}

static void test_ctx_defaults(void **state)
{
	struct ktstr_cgroups *cg = ktstr_cgroup_noop_new();
	struct ktstr_ctx ctx;

	(void)state;
	assert_int_equal(ktstr_ctx_init(&ctx, NULL, NULL), -EINVAL);
	assert_int_equal(ktstr_ctx_init(&ctx, cg, NULL), 0);
	assert_ptr_equal(ctx.cgroups, cg);
	assert_int_equal(ctx.duration_ms, 2000);
	assert_int_equal(ctx.workers_per_cgroup, 2);
	assert_int_equal(ctx.settle_ms, 500);
	assert_int_equal(ctx.sched_pid, 0);
	assert_null(ctx.work_type_override);
	assert_null(ctx.collector);
	assert_false(ctx.wait_for_map_write);
	assert_int_equal(ctx.assert.max_gap_ms, 2000);
	assert_true(ctx.assert.max_spread_pct == 15.0);
	ktstr_cgroup_destroy(cg);
}

static void test_dfl_wl(void **state)
{
	struct ktstr_cgroups *cg;
	struct ktstr_workload wl;
	struct ktstr_work io;
	struct ktstr_ctx ctx;

	(void)state;
	new_ctx(&ctx, &cg);
	ctx.workers_per_cgroup = 3;
	wl = ktstr_dfl_wl(&ctx);
	assert_int_equal(wl.work.kind, KTSTR_WORK_SPIN_WAIT);
	assert_int_equal(wl.nr_workers, 3);

	/* The override replaces SpinWait, with its own worker rules. */
	assert_int_equal(ktstr_work_init(&io, KTSTR_WORK_IO_SYNC_WRITE), 0);
	ctx.work_type_override = &io;
	wl = ktstr_dfl_wl(&ctx);
	assert_int_equal(wl.work.kind, KTSTR_WORK_IO_SYNC_WRITE);
	assert_int_equal(wl.nr_workers, 2);
	ktstr_cgroup_destroy(cg);
}

static void test_setup_cgroups(void **state)
{
	struct ktstr_handle *handles;
	struct ktstr_cgroup_group g = KTSTR_CGROUP_GROUP_INIT;
	struct ktstr_cgroups *cg;
	struct ktstr_workload wl;
	struct ktstr_ctx ctx;
	int c0, c1, c2, r0, r1, r2;

	(void)state;
	new_ctx(&ctx, &cg);
	wl = ktstr_dfl_wl(&ctx);
	assert_int_equal(ktstr_setup_cgroups(&ctx, 3, &wl, &handles, &g), 0);
	assert_int_equal(g.nr, 3);
	assert_int_equal(g.nr_handles, 3);
	assert_ptr_equal(handles, g.handles);
	c0 = find_call(cg, "create cg_0", 0);
	c1 = find_call(cg, "create cg_1", 0);
	c2 = find_call(cg, "create cg_2", 0);
	assert_true(c0 >= 0 && c1 > c0 && c2 > c1);
	assert_int_equal(count_prefix(cg, "create "), 3);
	for (int i = 0; i < 3; i++) {
		char want[64];

		snprintf(want, sizeof(want), "cg_%d", i);
		assert_string_equal(handles[i].cgroup, want);
		assert_int_equal(ktstr_workers_count(handles[i].workers), 1);
		snprintf(want, sizeof(want), "move_task cg_%d %d", i,
			 ktstr_workers_pid(handles[i].workers, 0));
		assert_true(find_call(cg, want, 0) > c2);
	}
	assert_int_equal(count_prefix(cg, "remove "), 0);

	/* Destruction removes newest first, and only once. */
	assert_int_equal(ktstr_cgroup_group_destroy(&g), 0);
	r2 = find_call(cg, "remove cg_2", 0);
	r1 = find_call(cg, "remove cg_1", 0);
	r0 = find_call(cg, "remove cg_0", 0);
	assert_true(r2 > c2 && r1 == r2 + 1 && r0 == r1 + 1);
	assert_int_equal(g.nr, 0);
	assert_null(g.handles);
	assert_int_equal(ktstr_cgroup_group_destroy(&g), 0);
	assert_int_equal(count_prefix(cg, "remove "), 3);
	ktstr_cgroup_destroy(cg);
}

static void guarded_scope(const struct ktstr_ctx *ctx, int *nr_created)
{
	KTSTR_CGROUP_GUARD(guard);
	struct ktstr_workload wl = ktstr_dfl_wl(ctx);
	struct ktstr_handle *handles;

	assert_int_equal(ktstr_setup_cgroups(ctx, 2, &wl, &handles, &guard), 0);
	*nr_created = count_prefix(ctx->cgroups, "create ");
	assert_int_equal(count_prefix(ctx->cgroups, "remove "), 0);
}

static void test_guard(void **state)
{
	struct ktstr_cgroups *cg;
	struct ktstr_ctx ctx;
	int created = 0, r1;

	(void)state;
	new_ctx(&ctx, &cg);
	guarded_scope(&ctx, &created);
	assert_int_equal(created, 2);
	r1 = find_call(cg, "remove cg_1", 0);
	assert_true(r1 >= 0);
	assert_int_equal(find_call(cg, "remove cg_0", 0), r1 + 1);
	ktstr_cgroup_destroy(cg);
}

static void test_spawn_diverse(void **state)
{
	static const enum ktstr_work_kind want[] = {
		KTSTR_WORK_SPIN_WAIT, KTSTR_WORK_BURSTY, KTSTR_WORK_IO_SYNC_WRITE,
		KTSTR_WORK_MIXED, KTSTR_WORK_YIELD_HEAVY, KTSTR_WORK_SPIN_WAIT,
	};
	const char *names[] = { "a", "b", "c", "d", "e", "f" };
	struct ktstr_handle *h;
	struct ktstr_cgroups *cg;
	struct ktstr_result res;
	struct ktstr_ctx ctx;

	(void)state;
	new_ctx(&ctx, &cg);
	ctx.workers_per_cgroup = 3;
	assert_int_equal(ktstr_spawn_diverse(&ctx, names, 6, &h), 0);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(h[i].kind, want[i]);
		assert_string_equal(h[i].cgroup, names[i]);
		assert_int_equal(ktstr_workers_count(h[i].workers),
				 want[i] == KTSTR_WORK_IO_SYNC_WRITE ? 2 : 3);
	}
	/* spawn_diverse moves into existing cgroups; it creates none. */
	assert_int_equal(count_prefix(cg, "create "), 0);
	assert_int_equal(count_prefix(cg, "move_task c "), 2);
	assert_int_equal(count_prefix(cg, "move_task a "), 3);

	/* The whole path: stop, collect, check. Only progress and a clean
	 * end are asserted; fairness on a loaded host is not ours to judge. */
	ktstr_sleep_ms(100);
	/* 17 workers on a possibly busy host: up to 30 s more for each to
	 * show progress, so the check tests the workers, not the load (an
	 * idle host does not wait). */
	for (int t = 0, idle = 1; idle && t < 3000; t++) {
		idle = 0;
		for (int i = 0; i < 6; i++)
			for (int k = 0; k < ktstr_workers_count(h[i].workers); k++)
				idle += !ktstr_workers_worker_iterations(h[i].workers, k);
		if (idle)
			ktstr_sleep_ms(10);
	}
	assert_int_equal(ktstr_collect_all(h, 6, NULL, &res), 0);
	assert_int_equal(res.nr_cgroups, 6);
	assert_int_equal(res.nr_workers, 17);
	if (res.nr_stuck)
		fail_msg("expected no stuck worker, got %d:\n%s", res.nr_stuck, res.details);
	ktstr_handles_free(h, 6);
	ktstr_cgroup_destroy(cg);
}

/*
 * The guide's collect_all(): with no worker-level check configured it
 * falls back to assert_not_starved(), so workers that never ran (spawned,
 * not started) fail as stuck; with a check configured, only that check.
 */
static void idle_handle(struct ktstr_handle *h, struct ktstr_cgroups *cg,
			const char *name, const struct ktstr_ctx *ctx)
{
	struct ktstr_workload wl = ktstr_dfl_wl(ctx);
	struct ktstr_spawn_opts o = { .cg = cg, .cgroup = name };

	memset(h, 0, sizeof(*h));
	snprintf(h->cgroup, sizeof(h->cgroup), "%s", name);
	h->kind = wl.work.kind;
	assert_int_equal(ktstr_workers_spawn(&wl, &o, &h->workers), 0);
}

static void test_collect_all_fallback(void **state)
{
	struct ktstr_handle *h = calloc(1, sizeof(*h));
	struct ktstr_assert none, gap_only;
	struct ktstr_cgroups *cg;
	struct ktstr_result res;
	struct ktstr_ctx ctx;

	(void)state;
	assert_non_null(h);
	new_ctx(&ctx, &cg);
	ktstr_assert_none(&none);
	idle_handle(h, cg, "idle", &ctx);
	assert_int_equal(ktstr_collect_all(h, 1, &none, &res), 0);
	assert_false(res.pass);
	assert_int_equal(res.nr_workers, ktstr_workers_count(h[0].workers));
	assert_int_equal(res.nr_stuck, res.nr_workers);
	assert_true(res.nr_workers > 0);
	assert_non_null(strstr(res.details, "in cgroup idle"));
	ktstr_handles_free(h, 1);

	/* A worker-level check configured: no fallback, the idle workers
	 * have no gap past 60 s, so they pass. */
	h = calloc(1, sizeof(*h));
	assert_non_null(h);
	ktstr_assert_none(&gap_only);
	KTSTR_ASSERT_SET(&gap_only, max_gap_ms, 60000);
	idle_handle(h, cg, "idle2", &ctx);
	assert_int_equal(ktstr_collect_all(h, 1, &gap_only, &res), 0);
	assert_int_equal(res.nr_stuck, 0);
	assert_true(res.pass);
	ktstr_handles_free(h, 1);
	ktstr_cgroup_destroy(cg);
}

/* A report of a worker that ran cleanly for 1 s with @off_pct off-CPU. */
static void fake(struct ktstr_report *r, int pid, double off_pct)
{
	memset(r, 0, sizeof(*r));
	r->magic = KTSTR_REPORT_MAGIC;
	r->size = sizeof(*r);
	r->pid = pid;
	r->work_units = 1000;
	r->iterations = 1000;
	r->wall_time_ns = 1000000000ULL;
	r->off_cpu_ns = (uint64_t)(off_pct * 10000000.0);
	r->cpu_time_ns = r->wall_time_ns - r->off_cpu_ns;
	r->max_gap_ns = 5000000ULL;
	r->reported = true;
	r->completed = true;
	r->exit_kind = KTSTR_EXIT_EXITED;
	ktstr_cpuset_set(&r->cpus_used, 0);
}

static void test_check_pass(void **state)
{
	struct ktstr_assert cfg;
	struct ktstr_result res;
	struct ktstr_report r[3];

	(void)state;
	ktstr_assert_defaults(&cfg);
	ktstr_result_init(&res);
	fake(&r[0], 100, 50.0);
	fake(&r[1], 101, 55.0);
	fake(&r[2], 102, 60.0);
	assert_int_equal(ktstr_check_reports(r, 3, "cg_0", &cfg, &res), 0);
	assert_true(res.pass);
	assert_int_equal(res.nr_failures, 0);
	assert_int_equal(res.nr_workers, 3);
	assert_int_equal(res.nr_cgroups, 1);
	assert_string_equal(res.details, "");
	assert_int_equal(ktstr_check_reports(NULL, 1, "x", &cfg, &res), -EINVAL);
}

static void test_check_stuck(void **state)
{
	struct ktstr_assert cfg;
	struct ktstr_result res;
	struct ktstr_report r[2];

	(void)state;
	ktstr_assert_defaults(&cfg);
	ktstr_result_init(&res);
	fake(&r[0], 200, 50.0);
	fake(&r[1], 201, 50.0);
	r[1].work_units = 0;
	r[1].iterations = 0;
	assert_int_equal(ktstr_check_reports(r, 2, "cg_1", &cfg, &res), 0);
	assert_false(res.pass);
	assert_int_equal(res.nr_stuck, 1);
	assert_int_equal(res.nr_failures, 1);
	assert_non_null(strstr(res.details, "worker[201] in cgroup cg_1 made no progress"));
	assert_null(strstr(res.details, "worker[200]"));
}

static void test_check_gap_and_exit(void **state)
{
	struct ktstr_assert cfg;
	struct ktstr_result res;
	struct ktstr_report r[2];

	(void)state;
	ktstr_assert_defaults(&cfg);
	ktstr_result_init(&res);
	fake(&r[0], 300, 50.0);
	fake(&r[1], 301, 50.0);
	r[0].max_gap_ns = 2500000000ULL;
	r[0].max_gap_cpu = 1;
	r[1].exit_kind = KTSTR_EXIT_CRASHED;
	r[1].exit_signal = 11;
	assert_int_equal(ktstr_check_reports(r, 2, "g", &cfg, &res), 0);
	assert_false(res.pass);
	assert_int_equal(res.nr_gap, 1);
	assert_int_equal(res.nr_stuck, 1);
	assert_non_null(strstr(res.details, "worker[300] in cgroup g: stuck 2500ms on cpu1"));
	assert_non_null(strstr(res.details, "worker[301] in cgroup g did not end cleanly"));

	/* An unset limit turns the gap check off. */
	KTSTR_ASSERT_UNSET(&cfg, max_gap_ms);
	ktstr_result_init(&res);
	assert_int_equal(ktstr_check_reports(r, 1, "g", &cfg, &res), 0);
	assert_true(res.pass);
}

static void test_check_spread(void **state)
{
	struct ktstr_assert cfg;
	struct ktstr_result res;
	struct ktstr_report r[3];

	(void)state;
	ktstr_assert_defaults(&cfg);
	ktstr_result_init(&res);
	fake(&r[0], 400, 40.0);
	fake(&r[1], 401, 70.0);
	fake(&r[2], 402, 50.0);
	assert_int_equal(ktstr_check_reports(r, 3, "cg_0", &cfg, &res), 0);
	assert_false(res.pass);
	assert_int_equal(res.nr_unfair, 1);
	assert_int_equal(res.nr_stuck, 0);
	assert_non_null(strstr(res.details, "unfair cgroup cg_0: spread=30.0%"));
	assert_non_null(strstr(res.details, "worker[400] least, worker[401] most"));

	/* Within the limit, or a single worker: fair. */
	cfg.max_spread_pct = 35.0;
	ktstr_result_init(&res);
	assert_int_equal(ktstr_check_reports(r, 3, "cg_0", &cfg, &res), 0);
	assert_true(res.pass);
	cfg.max_spread_pct = 15.0;
	ktstr_result_init(&res);
	assert_int_equal(ktstr_check_reports(&r[1], 1, "cg_0", &cfg, &res), 0);
	assert_true(res.pass);

	/* Results accumulate over cgroups. */
	assert_int_equal(ktstr_check_reports(r, 3, "cg_1", &cfg, &res), 0);
	assert_int_equal(res.nr_cgroups, 2);
	assert_int_equal(res.nr_workers, 4);
	assert_false(res.pass);
}

static void test_details_truncate(void **state)
{
	struct ktstr_assert cfg;
	struct ktstr_result res;
	struct ktstr_report r;

	(void)state;
	ktstr_assert_defaults(&cfg);
	ktstr_result_init(&res);
	fake(&r, 1, 0.0);
	r.work_units = r.iterations = 0;
	for (int i = 0; i < 200; i++)
		ktstr_check_reports(&r, 1, "a-rather-long-cgroup-name/for/truncation", &cfg, &res);
	assert_int_equal(res.nr_failures, 200);
	assert_true(res.truncated);
	assert_true(strlen(res.details) < sizeof(res.details));
	assert_int_equal(res.details[strlen(res.details) - 1], '\n');
}

/*
 * Bounds: a runaway n or worker count fails with -E2BIG, a non-positive
 * one with -EINVAL, before any cgroup is created or worker spawned.
 */
static void test_setup_cgroups_bounds(void **state)
{
	struct ktstr_handle *handles;
	struct ktstr_cgroup_group g = KTSTR_CGROUP_GROUP_INIT;
	struct ktstr_cgroups *cg;
	struct ktstr_workload wl;
	struct ktstr_ctx ctx;
	const struct { int n, nr_workers, want; } cases[] = {
		{ INT_MAX, 1, -E2BIG },
		{ KTSTR_CTX_MAX_CGROUPS + 1, 1, -E2BIG },
		{ 0, 1, -EINVAL },
		{ -1, 1, -EINVAL },
		{ INT_MIN, 1, -EINVAL },
		{ 1, 0, -EINVAL },
		{ 1, -3, -EINVAL },
		{ 1, INT_MAX, -E2BIG },
		{ 1, KTSTR_WORKERS_MAX + 1, -E2BIG },
		{ KTSTR_CTX_MAX_CGROUPS, KTSTR_WORKERS_MAX / KTSTR_CTX_MAX_CGROUPS + 1, -E2BIG },
	};

	(void)state;
	new_ctx(&ctx, &cg);
	for (size_t i = 0; i < KTSTR_ARRAY_SIZE(cases); i++) {
		int ret;

		wl = ktstr_dfl_wl(&ctx);
		wl.nr_workers = cases[i].nr_workers;
		ret = ktstr_setup_cgroups(&ctx, cases[i].n, &wl, &handles, &g);
		if (ret != cases[i].want || ktstr_cgroup_noop_nr_calls(cg) != 0)
			fail_msg("setup_cgroups(n %d, %d workers): want %d and no cgroup call, got %d and %d calls",
				 cases[i].n, cases[i].nr_workers, cases[i].want, ret,
				 ktstr_cgroup_noop_nr_calls(cg));
		assert_int_equal(ktstr_cgroup_group_destroy(&g), 0);
	}

	/* workers_per_cgroup <= 0 is an error, not one worker. */
	for (int per = 0; per >= -2; per -= 2) {
		ctx.workers_per_cgroup = per;
		wl = ktstr_dfl_wl(&ctx);
		assert_int_equal(wl.nr_workers, -EINVAL);
		assert_int_equal(ktstr_setup_cgroups(&ctx, 2, &wl, &handles, &g), -EINVAL);
		assert_int_equal(ktstr_cgroup_noop_nr_calls(cg), 0);
		ktstr_cgroup_group_destroy(&g);
	}
	ctx.workers_per_cgroup = INT_MAX;
	wl = ktstr_dfl_wl(&ctx);
	assert_int_equal(wl.nr_workers, -E2BIG);
	ktstr_cgroup_destroy(cg);
}

static void test_spawn_diverse_bounds(void **state)
{
	static const char *names[KTSTR_CTX_MAX_CGROUPS + 1];
	struct ktstr_handle *handles = (struct ktstr_handle *)&handles;
	struct ktstr_cgroups *cg;
	struct ktstr_ctx ctx;

	(void)state;
	for (int i = 0; i <= KTSTR_CTX_MAX_CGROUPS; i++)
		names[i] = "x";
	new_ctx(&ctx, &cg);
	assert_int_equal(ktstr_spawn_diverse(&ctx, names, KTSTR_CTX_MAX_CGROUPS + 1, &handles), -E2BIG);
	assert_int_equal(ktstr_spawn_diverse(&ctx, names, 0, &handles), -EINVAL);
	assert_int_equal(ktstr_spawn_diverse(&ctx, names, -5, &handles), -EINVAL);
	ctx.workers_per_cgroup = 0;
	assert_int_equal(ktstr_spawn_diverse(&ctx, names, 1, &handles), -EINVAL);
	ctx.workers_per_cgroup = -1;
	assert_int_equal(ktstr_spawn_diverse(&ctx, names, 1, &handles), -EINVAL);
	ctx.workers_per_cgroup = KTSTR_WORKERS_MAX;
	assert_int_equal(ktstr_spawn_diverse(&ctx, names, 2, &handles), -E2BIG);
	ctx.workers_per_cgroup = 1;
	names[1] = NULL;
	assert_int_equal(ktstr_spawn_diverse(&ctx, names, 3, &handles), -EINVAL);
	/* Nothing was spawned or moved. */
	assert_int_equal(ktstr_cgroup_noop_nr_calls(cg), 0);
	ktstr_cgroup_destroy(cg);
}

/* struct ktstr_result carries each failure typed, not only as a line. */
static void test_result_typed(void **state)
{
	struct ktstr_assert cfg;
	struct ktstr_result res;
	static struct ktstr_report r[KTSTR_RESULT_FAILURES_MAX + 8];
	const int nr = KTSTR_RESULT_FAILURES_MAX + 8;

	(void)state;
	ktstr_assert_defaults(&cfg);
	ktstr_result_init(&res);
	assert_int_equal(res.nr_typed, 0);
	fake(&r[0], 300, 50.0);
	r[0].max_gap_ns = 2500000000ULL;
	r[0].max_gap_cpu = 1;
	fake(&r[1], 301, 50.0);
	r[1].work_units = r[1].iterations = 0;
	assert_int_equal(ktstr_check_reports(r, 2, "g", &cfg, &res), 0);
	assert_int_equal(res.nr_failures, 2);
	assert_int_equal(res.nr_typed, 2);
	/* In the order of the lines: the stuck worker (progress is checked
	 * first), then the gap. */
	assert_int_equal(res.failures[0].kind, KTSTR_DETAIL_STUCK);
	assert_int_equal(res.failures[0].pid, 301);
	assert_int_equal(res.failures[0].cpu, -1);
	assert_string_equal(res.failures[0].cgroup, "g");
	assert_int_equal(res.failures[0].duration_ns, 1000000000ULL);
	assert_int_equal(res.failures[0].cause_pid, -1);
	assert_int_equal(res.failures[1].kind, KTSTR_DETAIL_GAP);
	assert_int_equal(res.failures[1].pid, 300);
	assert_int_equal(res.failures[1].cpu, 1);
	assert_int_equal(res.failures[1].duration_ns, 2500000000ULL);
	assert_true(strstr(res.details, "worker[301]") < strstr(res.details, "worker[300]"));

	/* Past KTSTR_RESULT_FAILURES_MAX: counted, the first ones typed. */
	for (int i = 0; i < nr; i++) {
		fake(&r[i], 1000 + i, 50.0);
		r[i].work_units = r[i].iterations = 0;
	}
	KTSTR_ASSERT_UNSET(&cfg, max_spread_pct);
	ktstr_result_init(&res);
	assert_int_equal(ktstr_check_reports(r, nr, "many", &cfg, &res), 0);
	assert_int_equal(res.nr_failures, nr);
	assert_int_equal(res.nr_typed, KTSTR_RESULT_FAILURES_MAX);
	for (int i = 0; i < KTSTR_RESULT_FAILURES_MAX; i++) {
		if (res.failures[i].pid != 1000 + i || res.failures[i].kind != KTSTR_DETAIL_STUCK)
			fail_msg("failures[%d]: expected STUCK pid %d, got kind %d pid %d", i,
				 1000 + i, res.failures[i].kind, (int)res.failures[i].pid);
	}
}

/* A failure in an RtStarvation pair names the pair's SCHED_FIFO hog. */
static void test_rt_starvation_names_hog(void **state)
{
	struct ktstr_assert cfg;
	struct ktstr_result res;
	struct ktstr_report r[4];

	(void)state;
	ktstr_assert_defaults(&cfg);
	KTSTR_ASSERT_UNSET(&cfg, max_spread_pct);
	/* The threshold a starvation scenario would set (the default 2 s
	 * misses an RT-throttled victim's ~950 ms). */
	KTSTR_ASSERT_SET(&cfg, max_gap_ms, 500);
	for (int i = 0; i < 4; i++) {
		fake(&r[i], 500 + i, 50.0);
		r[i].kind = KTSTR_WORK_RT_STARVATION;
		r[i].group = i / 2;
		r[i].group_idx = i % 2;
	}
	/* Pair 1's victim (503) starves behind its hog (502). */
	r[3].max_gap_ns = 950000000ULL;
	r[3].max_gap_cpu = 0;
	ktstr_result_init(&res);
	assert_int_equal(ktstr_check_reports(r, 4, "rt", &cfg, &res), 0);
	assert_int_equal(res.nr_failures, 1);
	if (!strstr(res.details, "worker[503] in cgroup rt: stuck 950ms") ||
	    !strstr(res.details, "[RtStarvation victim of hog worker[502] (SCHED_FIFO)]"))
		fail_msg("expected worker[503] stuck, victim of hog worker[502]; got: %s",
			 res.details);
	assert_int_equal(res.failures[0].pid, 503);
	assert_int_equal(res.failures[0].cause_pid, 502);

	/* The hog's own failure says it is the hog, and a hog the kernel
	 * kept SCHED_OTHER says that too. */
	r[3].max_gap_ns = 5000000ULL;
	r[0].work_units = r[0].iterations = 0;
	r[0].policy_error = -EPERM;
	ktstr_result_init(&res);
	assert_int_equal(ktstr_check_reports(r, 4, "rt", &cfg, &res), 0);
	assert_int_equal(res.nr_failures, 1);
	if (!strstr(res.details, "worker[500] in cgroup rt made no progress") ||
	    !strstr(res.details, "[RtStarvation hog (left SCHED_OTHER: "))
		fail_msg("expected worker[500] stuck as the hog left SCHED_OTHER; got: %s",
			 res.details);
	assert_int_equal(res.failures[0].cause_pid, 500);

	/* Other work types: no role. */
	for (int i = 0; i < 4; i++)
		r[i].kind = KTSTR_WORK_SPIN_WAIT;
	ktstr_result_init(&res);
	assert_int_equal(ktstr_check_reports(r, 4, "rt", &cfg, &res), 0);
	assert_null(strstr(res.details, "RtStarvation"));
	assert_int_equal(res.failures[0].cause_pid, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctx_defaults),
		cmocka_unit_test(test_dfl_wl),
		cmocka_unit_test(test_setup_cgroups),
		cmocka_unit_test(test_setup_cgroups_bounds),
		cmocka_unit_test(test_result_typed),
		cmocka_unit_test(test_rt_starvation_names_hog),
		cmocka_unit_test(test_spawn_diverse_bounds),
		cmocka_unit_test(test_guard),
		cmocka_unit_test(test_spawn_diverse),
		cmocka_unit_test(test_collect_all_fallback),
		cmocka_unit_test(test_check_pass),
		cmocka_unit_test(test_check_stuck),
		cmocka_unit_test(test_check_gap_and_exit),
		cmocka_unit_test(test_check_spread),
		cmocka_unit_test(test_details_truncate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
