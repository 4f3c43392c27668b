// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the Assert engine's kernel-precise checks on hand-made
 * /dev/ktstr task records and events: longest wait per task and per
 * cgroup, wait-share fairness, kernel isolation, exact migrations,
 * starvation events.
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

#include <ktstr/assert.h>
#include <ktstr/collector.h>

#define MS	1000000ULL

static void fake(struct ktstr_report *r, int pid)
{
	memset(r, 0, sizeof(*r));
	r->magic = KTSTR_REPORT_MAGIC;
	r->size = sizeof(*r);
	r->pid = pid;
	r->work_units = r->iterations = 1000;
	r->wall_time_ns = r->cpu_time_ns = 1000000000ULL;
	r->max_gap_ns = 5 * MS;
	r->reported = r->completed = true;
	r->exit_kind = KTSTR_EXIT_EXITED;
	ktstr_cpuset_set(&r->cpus_used, 0);
}

static void krec(struct ktstr_task_rec *k, int pid, const char *comm)
{
	memset(k, 0, sizeof(*k));
	k->pid = k->tgid = pid;
	snprintf(k->comm, sizeof(k->comm), "%s", comm);
	k->last_cpu = 0;
	k->max_wait_cpu = 0;
	k->run_ns = 900 * MS;
	k->wait_ns = 100 * MS;
	k->max_wait_ns = 10 * MS;
	k->nr_runs = 100;
	k->cpus[0] = 1;		/* cpu0 */
	k->nr_cpus = 1;
}

static bool has_msg(const struct ktstr_assert_result *r, const char *s)
{
	for (size_t i = 0; i < r->nr_details; i++)
		if (strstr(r->details[i].message, s))
			return true;
	return false;
}

/* Kernel-only config: nothing from the worker checks. */
static void kcfg(struct ktstr_assert *a)
{
	ktstr_assert_none(a);
}

static enum ktstr_verdict run(const struct ktstr_assert *a,
			      const struct ktstr_task_rec *k, size_t nk,
			      const struct ktstr_cpuset *set,
			      struct ktstr_assert_result *res)
{
	struct ktstr_report r[4];
	struct ktstr_assert_cgroup_in in;

	for (int i = 0; i < 4; i++)
		fake(&r[i], i < (int)nk ? k[i].pid : 9000 + i);
	memset(&in, 0, sizeof(in));
	in.name = "kcg";
	in.cpuset = set;
	in.reports = r;
	in.nr_reports = nk ? nk : 1;
	in.krecs = k;
	in.nr_krecs = nk;
	ktstr_assert_result_free(res);
	assert_int_equal(ktstr_assert_cgroup(a, &in, res), 0);
	return res->verdict;
}

static void test_max_wait(void **state)
{
	struct ktstr_assert_result res;
	struct ktstr_task_rec k[2];
	struct ktstr_assert a;

	(void)state;
	ktstr_assert_result_init(&res);
	kcfg(&a);
	KTSTR_ASSERT_SET(&a, max_wait_ms, 1000);
	krec(&k[0], 4242, "stress");
	krec(&k[1], 4243, "stress");
	k[0].max_wait_cpu = 3;

	k[0].max_wait_ns = 1000 * MS;			/* at the limit */
	assert_int_equal(run(&a, k, 2, NULL, &res), KTSTR_VERDICT_PASS);
	k[0].max_wait_ns = 1000 * MS - 1;		/* below */
	assert_int_equal(run(&a, k, 2, NULL, &res), KTSTR_VERDICT_PASS);
	k[0].max_wait_ns = 1000 * MS + 1;		/* above */
	assert_int_equal(run(&a, k, 2, NULL, &res), KTSTR_VERDICT_FAIL);
	assert_int_equal(res.nr_details, 1);
	assert_int_equal(res.details[0].kind, KTSTR_DETAIL_WAIT);
	assert_int_equal(res.details[0].pid, 4242);
	assert_int_equal(res.details[0].cpu, 3);
	assert_string_equal(res.details[0].comm, "stress");
	assert_string_equal(res.details[0].cgroup, "kcg");
	assert_int_equal(res.details[0].duration_ns, 1000 * MS + 1);
	assert_true(has_msg(&res, "stress[4242] in cgroup kcg waited 1000.0ms runnable on cpu3 (threshold 1000ms)"));

	/* Stats: the longest wait with its task and CPU. */
	assert_true(res.cgroups[0].has_kernel);
	assert_int_equal(res.cgroups[0].kernel_tasks, 2);
	assert_int_equal(res.cgroups[0].max_wait_pid, 4242);
	assert_int_equal(res.cgroups[0].max_wait_cpu, 3);
	assert_string_equal(res.cgroups[0].max_wait_comm, "stress");
	assert_int_equal(res.cgroups[0].total_wait_ns, 200 * MS);
	assert_int_equal(res.stats.worst_max_wait_pid, 4242);
	assert_string_equal(res.stats.worst_max_wait_cgroup, "kcg");

	/* A wait still in progress at the snapshot counts, on its CPU. */
	k[0].max_wait_ns = 10 * MS;
	k[1].cur_wait_ns = 1500 * MS;
	k[1].last_cpu = 1;
	assert_int_equal(run(&a, k, 2, NULL, &res), KTSTR_VERDICT_FAIL);
	assert_true(has_msg(&res, "stress[4243] in cgroup kcg waited 1500.0ms runnable on cpu1"));

	/* Not set: not checked. */
	KTSTR_ASSERT_UNSET(&a, max_wait_ms);
	assert_int_equal(run(&a, k, 2, NULL, &res), KTSTR_VERDICT_PASS);
	ktstr_assert_result_free(&res);
}

/*
 * A backend that cannot back a check: the check is reported as not judged
 * (a SKIP detail), never passed on the zeros of its records nor failed.
 */
static void test_unjudged(void **state)
{
	struct ktstr_assert_result res, run_res;
	struct ktstr_task_rec k[2];
	struct ktstr_assert a, b;

	(void)state;
	ktstr_assert_result_init(&res);
	ktstr_assert_result_init(&run_res);
	kcfg(&a);
	KTSTR_ASSERT_SET(&a, fail_on_starvation, true);
	KTSTR_ASSERT_SET(&a, max_wait_ms, 1000);
	KTSTR_ASSERT_SET(&a, kernel_isolation, true);
	KTSTR_ASSERT_SET(&a, max_kernel_migration_ratio, 0.5);
	KTSTR_ASSERT_SET(&a, max_cgroup_wait_ms, 5000);

	/* The module measures everything: nothing removed, nothing said. */
	b = a;
	assert_int_equal(ktstr_assert_unjudged(&b, KTSTR_HAS_ALL, "module", "kcg", &res), 0);
	assert_int_equal(b.has, a.has);
	assert_int_equal(res.nr_details, 0);

	/* bpf: no watchdog, but starvation is judged from the longest wait. */
	b = a;
	assert_int_equal(ktstr_assert_unjudged(&b, KTSTR_HAS_ALL & ~KTSTR_HAS_WATCHDOG,
					       "bpf", "kcg", &res), 0);
	assert_int_equal(b.has, a.has);
	assert_int_equal(res.nr_details, 0);

	/* A watchdog alone (no longest wait) still judges starvation. */
	b = a;
	assert_int_equal(ktstr_assert_unjudged(&b, KTSTR_HAS_WATCHDOG | KTSTR_HAS_CPUS |
					       KTSTR_HAS_MIGRATIONS, "w", "kcg", &res), 1);
	assert_true(KTSTR_ASSERT_ISSET(&b, fail_on_starvation));
	assert_false(KTSTR_ASSERT_ISSET(&b, max_wait_ms));
	ktstr_assert_result_free(&res);
	ktstr_assert_result_init(&res);

	/* taskstats: four checks not judged, the wait total still is. */
	b = a;
	assert_int_equal(ktstr_assert_unjudged(&b, 0, "taskstats", "kcg", &res), 4);
	assert_int_equal(res.nr_details, 4);
	assert_true(has_msg(&res, "cgroup kcg: max_wait_ms not judged: backend taskstats "
				  "records no longest wait"));
	assert_true(has_msg(&res, "kernel_isolation not judged"));
	assert_true(has_msg(&res, "max_kernel_migration_ratio not judged"));
	assert_true(has_msg(&res, "cgroup kcg: fail_on_starvation not judged: backend taskstats "
				  "records no starvation episodes nor longest wait"));
	assert_true(KTSTR_ASSERT_ISSET(&b, max_cgroup_wait_ms));
	assert_int_equal(res.verdict, KTSTR_VERDICT_SKIP);

	/* A 5 s wait the backend could not have seen fails nothing... */
	krec(&k[0], 500, "w");
	krec(&k[1], 501, "w");
	k[0].max_wait_ns = 5000 * MS;
	k[0].nr_starvations = 1;
	assert_int_equal(run(&b, k, 2, NULL, &run_res), KTSTR_VERDICT_PASS);
	/* ...and merged, the result passes with the reasons kept. */
	assert_int_equal(ktstr_assert_result_merge(&res, &run_res), 0);
	assert_int_equal(res.verdict, KTSTR_VERDICT_PASS);
	assert_int_equal(res.nr_details, 4);
	/* A boolean check set to false is dropped without a word. */
	ktstr_assert_result_free(&res);
	ktstr_assert_result_init(&res);
	kcfg(&b);
	KTSTR_ASSERT_SET(&b, kernel_isolation, false);
	assert_int_equal(ktstr_assert_unjudged(&b, 0, "taskstats", "kcg", &res), 0);
	assert_int_equal(res.nr_details, 0);
	assert_false(KTSTR_ASSERT_ISSET(&b, kernel_isolation));
	assert_int_equal(ktstr_assert_unjudged(NULL, 0, "x", "kcg", &res), -EINVAL);
	ktstr_assert_result_free(&res);
	ktstr_assert_result_free(&run_res);
}

static void test_cgroup_wait(void **state)
{
	struct ktstr_assert_result res;
	struct ktstr_task_rec k[2];
	struct ktstr_assert a;

	(void)state;
	ktstr_assert_result_init(&res);
	kcfg(&a);
	krec(&k[0], 100, "a");
	krec(&k[1], 101, "b");
	k[1].wait_ns = 300 * MS;	/* total 400 ms */
	k[1].max_wait_ns = 40 * MS;
	k[1].max_wait_cpu = 2;
	KTSTR_ASSERT_SET(&a, max_cgroup_wait_ms, 400);
	assert_int_equal(run(&a, k, 2, NULL, &res), KTSTR_VERDICT_PASS);
	KTSTR_ASSERT_SET(&a, max_cgroup_wait_ms, 401);
	assert_int_equal(run(&a, k, 2, NULL, &res), KTSTR_VERDICT_PASS);
	KTSTR_ASSERT_SET(&a, max_cgroup_wait_ms, 399);
	assert_int_equal(run(&a, k, 2, NULL, &res), KTSTR_VERDICT_FAIL);
	assert_true(has_msg(&res, "cgroup kcg: total runnable wait 400.0ms over 2 tasks (threshold 399ms); longest b[101] 40.0ms on cpu2"));
	ktstr_assert_result_free(&res);
}

static void test_wait_spread(void **state)
{
	struct ktstr_assert_result res;
	struct ktstr_task_rec k[3];
	struct ktstr_assert a;

	(void)state;
	ktstr_assert_result_init(&res);
	kcfg(&a);
	krec(&k[0], 200, "w");		/* 100/1000: 10% */
	krec(&k[1], 201, "w");
	k[1].wait_ns = 300 * MS;	/* 300/1000: 30% */
	k[1].run_ns = 700 * MS;
	krec(&k[2], 202, "w");
	k[2].wait_ns = 200 * MS;	/* 20% */
	k[2].run_ns = 800 * MS;
	KTSTR_ASSERT_SET(&a, max_wait_spread_pct, 20.0);
	assert_int_equal(run(&a, k, 3, NULL, &res), KTSTR_VERDICT_PASS);
	assert_true(res.cgroups[0].wait_spread == 20.0);
	KTSTR_ASSERT_SET(&a, max_wait_spread_pct, 20.1);
	assert_int_equal(run(&a, k, 3, NULL, &res), KTSTR_VERDICT_PASS);
	KTSTR_ASSERT_SET(&a, max_wait_spread_pct, 19.9);
	assert_int_equal(run(&a, k, 3, NULL, &res), KTSTR_VERDICT_FAIL);
	assert_int_equal(res.details[0].kind, KTSTR_DETAIL_UNFAIR);
	assert_true(has_msg(&res, "unfair wait share in cgroup kcg: spread=20.0% (10.0-30.0%) 3 tasks (threshold 19.9%): w[200] least (100.0ms), w[201] most (300.0ms) waiting"));
	/* One task: not checked. */
	KTSTR_ASSERT_SET(&a, max_wait_spread_pct, 0.0);
	assert_int_equal(run(&a, &k[1], 1, NULL, &res), KTSTR_VERDICT_PASS);
	ktstr_assert_result_free(&res);
}

static void test_kernel_isolation(void **state)
{
	struct ktstr_assert_result res;
	struct ktstr_task_rec k[2];
	struct ktstr_cpuset set;
	struct ktstr_assert a;

	(void)state;
	ktstr_assert_result_init(&res);
	kcfg(&a);
	KTSTR_ASSERT_SET(&a, kernel_isolation, true);
	ktstr_cpuset_zero(&set);
	ktstr_cpuset_set_range(&set, 0, 3);
	krec(&k[0], 300, "iso");
	krec(&k[1], 301, "iso");
	k[0].cpus[0] = 0xf;		/* 0-3: inside */
	k[1].cpus[0] = 0x21;		/* 0 and 5 */
	assert_int_equal(run(&a, k, 2, &set, &res), KTSTR_VERDICT_FAIL);
	assert_int_equal(res.nr_details, 1);
	assert_int_equal(res.details[0].kind, KTSTR_DETAIL_KERNEL_ISOLATION);
	assert_int_equal(res.details[0].pid, 301);
	assert_int_equal(res.details[0].cpu, 5);
	assert_true(has_msg(&res, "iso[301] in cgroup kcg ran on cpu 5 outside its cpuset 0-3"));
	/* A high CPU in the second word too. */
	k[1].cpus[0] = 0x1;
	k[1].cpus[1] = 0x1;		/* cpu64 */
	assert_int_equal(run(&a, k, 2, &set, &res), KTSTR_VERDICT_FAIL);
	assert_int_equal(res.details[0].cpu, 64);
	k[1].cpus[1] = 0;
	assert_int_equal(run(&a, k, 2, &set, &res), KTSTR_VERDICT_PASS);
	/* No cpuset: not checked. */
	k[1].cpus[0] = 0x21;
	assert_int_equal(run(&a, k, 2, NULL, &res), KTSTR_VERDICT_PASS);
	ktstr_assert_result_free(&res);
}

static void test_kernel_migrations(void **state)
{
	struct ktstr_assert_result res;
	struct ktstr_task_rec k[2];
	struct ktstr_assert a;

	(void)state;
	ktstr_assert_result_init(&res);
	kcfg(&a);
	krec(&k[0], 400, "m");
	krec(&k[1], 401, "m");
	k[0].nr_migrations = 15;
	k[1].nr_migrations = 5;		/* 20 / 200 runs = 0.1 */
	KTSTR_ASSERT_SET(&a, max_kernel_migration_ratio, 0.1);
	assert_int_equal(run(&a, k, 2, NULL, &res), KTSTR_VERDICT_PASS);
	assert_int_equal(res.cgroups[0].kernel_migrations, 20);
	assert_true(res.cgroups[0].kernel_migration_ratio == 0.1);
	KTSTR_ASSERT_SET(&a, max_kernel_migration_ratio, 0.11);
	assert_int_equal(run(&a, k, 2, NULL, &res), KTSTR_VERDICT_PASS);
	KTSTR_ASSERT_SET(&a, max_kernel_migration_ratio, 0.09);
	assert_int_equal(run(&a, k, 2, NULL, &res), KTSTR_VERDICT_FAIL);
	assert_true(has_msg(&res, "cgroup kcg: kernel migration ratio 0.1000 (20 migrations / 200 runs)"));
	ktstr_assert_result_free(&res);
}

static void test_no_kernel_data(void **state)
{
	struct ktstr_assert_result res;
	struct ktstr_assert a;

	(void)state;
	ktstr_assert_result_init(&res);
	ktstr_assert_defaults(&a);
	/* Defaults with no records: only the worker checks, no kernel stats. */
	assert_int_equal(run(&a, NULL, 0, NULL, &res), KTSTR_VERDICT_PASS);
	assert_false(res.cgroups[0].has_kernel);
	assert_int_equal(res.stats.worst_max_wait_pid, -1);
	ktstr_assert_result_free(&res);
}

/* Without records, the k_* fields of reports with has_krec are used. */
static void test_report_fallback(void **state)
{
	struct ktstr_assert_result res;
	struct ktstr_assert_cgroup_in in;
	struct ktstr_report r[2];
	struct ktstr_assert a;

	(void)state;
	ktstr_assert_result_init(&res);
	ktstr_assert_defaults(&a);
	fake(&r[0], 500);
	fake(&r[1], 501);
	r[1].has_krec = true;
	r[1].k_max_wait_ns = 1200 * MS;
	r[1].k_max_wait_cpu = 1;
	r[1].k_wait_ns = 1300 * MS;
	memset(&in, 0, sizeof(in));
	in.name = "fb";
	in.reports = r;
	in.nr_reports = 2;
	assert_int_equal(ktstr_assert_cgroup(&a, &in, &res), 0);
	assert_int_equal(res.verdict, KTSTR_VERDICT_FAIL);
	assert_int_equal(res.cgroups[0].kernel_tasks, 1);
	assert_true(has_msg(&res, "worker[501] in cgroup fb waited 1200.0ms runnable on cpu1"));
	ktstr_assert_result_free(&res);
}

static const char *name_of(uint64_t id, void *arg)
{
	(void)arg;
	return id == 77 ? "cg_starved" : NULL;
}

static struct ktstr_event ev(uint32_t type, int pid, const char *comm, int cpu,
			     uint64_t wait_ns, uint64_t start, uint64_t cgid)
{
	struct ktstr_event e;

	memset(&e, 0, sizeof(e));
	e.type = type;
	e.pid = e.tgid = pid;
	e.cpu = cpu;
	e.wait_ns = wait_ns;
	e.wait_start_ns = start;
	e.cgroup_id = cgid;
	snprintf(e.comm, sizeof(e.comm), "%s", comm);
	return e;
}

static void test_starvation_events(void **state)
{
	struct ktstr_assert_result res;
	struct ktstr_event e[4];
	struct ktstr_assert a;

	(void)state;
	ktstr_assert_defaults(&a);
	ktstr_assert_result_init(&res);
	e[0] = ev(KTSTR_EV_STARVE_BEGIN, 777, "victim", 2, 1100 * MS, 5000, 77);
	e[1] = ev(KTSTR_EV_STARVE_END, 777, "victim", 2, 2500 * MS, 5000, 77);
	e[2] = ev(KTSTR_EV_STARVE_BEGIN, 778, "other", 0, 1050 * MS, 9000, 12);

	/* No events: nothing changes. */
	assert_int_equal(ktstr_assert_events(&a, e, 0, name_of, NULL, &res), 0);
	assert_int_equal(res.verdict, KTSTR_VERDICT_SKIP);

	assert_int_equal(ktstr_assert_events(&a, e, 3, name_of, NULL, &res), 0);
	assert_int_equal(res.verdict, KTSTR_VERDICT_FAIL);
	assert_int_equal(res.nr_details, 2);
	assert_int_equal(res.stats.starvation_events, 2);
	assert_int_equal(res.details[0].kind, KTSTR_DETAIL_STARVATION);
	assert_int_equal(res.details[0].pid, 777);
	assert_int_equal(res.details[0].cpu, 2);
	assert_string_equal(res.details[0].comm, "victim");
	assert_string_equal(res.details[0].cgroup, "cg_starved");
	assert_int_equal(res.details[0].duration_ns, 2500 * MS);
	assert_string_equal(res.details[0].message,
		"victim[777] starved on cpu2 in cgroup cg_starved: runnable 2500.0ms without running");
	/* Unknown cgroup and an episode still open. */
	assert_string_equal(res.details[1].message,
		"other[778] starved on cpu0 in cgroup 12: runnable 1050.0ms without running (so far)");
	ktstr_assert_result_free(&res);

	/* Turned off: counted, not failed. */
	KTSTR_ASSERT_SET(&a, fail_on_starvation, false);
	assert_int_equal(ktstr_assert_events(&a, e, 3, NULL, NULL, &res), 0);
	assert_int_equal(res.verdict, KTSTR_VERDICT_PASS);
	assert_int_equal(res.nr_details, 0);
	assert_int_equal(res.stats.starvation_events, 2);
	ktstr_assert_result_free(&res);
	assert_int_equal(ktstr_assert_events(&a, NULL, 1, NULL, NULL, &res), -EINVAL);
}

/* The starvation verdict from the records alone: no event needed. */
static void test_starvation_records(void **state)
{
	struct ktstr_assert_result res;
	struct ktstr_task_rec k[2];
	struct ktstr_assert a;

	(void)state;
	ktstr_assert_result_init(&res);
	kcfg(&a);
	krec(&k[0], 500, "victim");
	krec(&k[1], 501, "fine");
	k[0].nr_starvations = 2;
	k[0].max_starve_ns = 1500 * MS;
	k[0].max_starve_cpu = 1;
	k[1].max_starve_cpu = -1;
	/* Not asked for: counted only. */
	assert_int_equal(run(&a, k, 2, NULL, &res), KTSTR_VERDICT_PASS);
	assert_int_equal(res.cgroups[0].starvations, 2);
	KTSTR_ASSERT_SET(&a, fail_on_starvation, true);
	assert_int_equal(run(&a, k, 2, NULL, &res), KTSTR_VERDICT_FAIL);
	assert_int_equal(res.nr_details, 1);
	assert_int_equal(res.details[0].kind, KTSTR_DETAIL_STARVATION);
	assert_int_equal(res.details[0].pid, 500);
	assert_int_equal(res.details[0].cpu, 1);
	assert_int_equal(res.details[0].duration_ns, 1500 * MS);
	assert_string_equal(res.details[0].message,
		"victim[500] starved on cpu1 in cgroup kcg: runnable 1500.0ms without running (2 episodes)");
	k[0].nr_starvations = 0;
	assert_int_equal(run(&a, k, 2, NULL, &res), KTSTR_VERDICT_PASS);
	ktstr_assert_result_free(&res);
}

static void test_kernel_stats_merge(void **state)
{
	struct ktstr_assert_result x, y;
	struct ktstr_task_rec k[2];
	struct ktstr_assert a;

	(void)state;
	ktstr_assert_none(&a);
	ktstr_assert_result_init(&x);
	ktstr_assert_result_init(&y);
	krec(&k[0], 600, "first");
	k[0].max_wait_ns = 50 * MS;
	k[0].max_wait_cpu = 1;
	k[0].nr_starvations = 1;
	krec(&k[1], 601, "second");
	k[1].max_wait_ns = 80 * MS;
	k[1].max_wait_cpu = 6;
	k[1].nr_migrations = 4;
	run(&a, &k[0], 1, NULL, &x);
	run(&a, &k[1], 1, NULL, &y);
	assert_int_equal(ktstr_assert_result_merge(&x, &y), 0);
	assert_int_equal(x.stats.worst_max_wait_ns, 80 * MS);
	assert_int_equal(x.stats.worst_max_wait_pid, 601);
	assert_int_equal(x.stats.worst_max_wait_cpu, 6);
	assert_string_equal(x.stats.worst_max_wait_comm, "second");
	assert_int_equal(x.stats.total_wait_ns, 200 * MS);
	assert_int_equal(x.stats.total_kernel_migrations, 4);
	assert_int_equal(x.stats.total_starvations, 1);
	ktstr_assert_result_free(&x);
	ktstr_assert_result_free(&y);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_max_wait),
		cmocka_unit_test(test_unjudged),
		cmocka_unit_test(test_cgroup_wait),
		cmocka_unit_test(test_wait_spread),
		cmocka_unit_test(test_kernel_isolation),
		cmocka_unit_test(test_kernel_migrations),
		cmocka_unit_test(test_no_kernel_data),
		cmocka_unit_test(test_report_fallback),
		cmocka_unit_test(test_starvation_events),
		cmocka_unit_test(test_starvation_records),
		cmocka_unit_test(test_kernel_stats_merge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
