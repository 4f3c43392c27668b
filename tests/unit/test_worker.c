// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for workers: reservoir sampling, report merging with
 * /dev/ktstr records, exit descriptions, and real forked workers on the
 * host (no cgroup: the no-op double) that must make progress, honour the
 * two-phase start, stop, report, and leave no process behind, including
 * workers that crash or ignore the stop request.
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <ktstr/cgroup.h>
#include <ktstr/worker.h>

static void test_reservoir_small(void **state)
{
	static struct ktstr_reservoir r;
	uint64_t rng = 1;

	(void)state;
	memset(&r, 0, sizeof(r));
	for (uint64_t v = 1; v <= 100; v++)
		ktstr_reservoir_add(&r, v, &rng);
	/* Below capacity every value is kept, in order. */
	assert_int_equal(r.nr, 100);
	assert_int_equal(r.total, 100);
	assert_int_equal(r.sum_ns, 5050);
	assert_int_equal(r.max_ns, 100);
	for (int i = 0; i < 100; i++)
		assert_int_equal(r.samples[i], i + 1);
	assert_int_equal(ktstr_reservoir_percentile(&r, 50), 50);
	assert_int_equal(ktstr_reservoir_percentile(&r, 99), 99);
	assert_int_equal(ktstr_reservoir_percentile(&r, 100), 100);
	assert_int_equal(ktstr_reservoir_percentile(&r, 0), 1);
}

static void test_reservoir_uniform(void **state)
{
	static struct ktstr_reservoir r;
	const uint64_t n = 200000;
	uint64_t rng = 42, first_half = 0;
	double mean = 0;

	(void)state;
	memset(&r, 0, sizeof(r));
	for (uint64_t v = 0; v < n; v++)
		ktstr_reservoir_add(&r, v, &rng);
	assert_int_equal(r.nr, KTSTR_WAKE_SAMPLES);
	assert_int_equal(r.total, n);
	assert_int_equal(r.max_ns, n - 1);
	for (uint32_t i = 0; i < r.nr; i++) {
		assert_true(r.samples[i] < n);
		mean += r.samples[i];
		first_half += r.samples[i] < n / 2;
	}
	mean /= r.nr;
	/*
	 * A uniform sample of 1024 from 0..n-1: mean n/2 with standard error
	 * n/sqrt(12*1024) ~ 0.009 n; 5 sigma is 0.045 n. A reservoir that
	 * kept only the first or last values would be off by ~0.5 n.
	 */
	assert_true(mean > 0.455 * n && mean < 0.545 * n);
	assert_true(first_half > 1024 * 0.42 && first_half < 1024 * 0.58);
	/* Samples are distinct values (each offered once). */
	for (uint32_t i = 1; i < 64; i++)
		for (uint32_t j = 0; j < i; j++)
			assert_true(r.samples[i] != r.samples[j]);
	uint64_t p50 = ktstr_reservoir_percentile(&r, 50);

	assert_true(p50 > 0.44 * n && p50 < 0.56 * n);
}

static void test_merge_krecs(void **state)
{
	static struct ktstr_report rep[3];
	static struct ktstr_task_rec recs[4];

	(void)state;
	memset(rep, 0, sizeof(rep));
	memset(recs, 0, sizeof(recs));
	rep[0].pid = 100;
	rep[1].pid = 200;
	rep[2].pid = 300;
	/* Two records for pid 200: the newer one (reused pid) wins. */
	recs[0] = (struct ktstr_task_rec){ .pid = 200, .start_time_ns = 10, .run_ns = 1 };
	recs[1] = (struct ktstr_task_rec){
		.pid = 200, .start_time_ns = 20, .run_ns = 5000, .wait_ns = 700,
		.max_wait_ns = 300, .max_wait_at_ns = 1234, .max_wait_cpu = 3,
		.nr_voluntary = 7, .nr_involuntary = 2, .nr_migrations = 4,
		.nr_wakeups = 6, .nr_starvations = 1,
	};
	recs[1].cpus[0] = 0x9;		/* CPUs 0 and 3 */
	recs[1].cpus[1] = 0x1;		/* CPU 64 */
	recs[2] = (struct ktstr_task_rec){ .pid = 100, .start_time_ns = 5, .run_ns = 42 };
	recs[3] = (struct ktstr_task_rec){ .pid = 999, .run_ns = 77 };

	assert_int_equal(ktstr_reports_merge_krecs(rep, 3, recs, 4), 2);
	assert_true(rep[0].has_krec);
	assert_int_equal(rep[0].k_run_ns, 42);
	assert_true(rep[1].has_krec);
	assert_int_equal(rep[1].k_run_ns, 5000);
	assert_int_equal(rep[1].k_wait_ns, 700);
	assert_int_equal(rep[1].k_max_wait_ns, 300);
	assert_int_equal(rep[1].k_max_wait_at_ns, 1234);
	assert_int_equal(rep[1].k_max_wait_cpu, 3);
	assert_int_equal(rep[1].k_switches, 9);
	assert_int_equal(rep[1].k_nr_migrations, 4);
	assert_int_equal(rep[1].k_nr_wakeups, 6);
	assert_int_equal(rep[1].k_nr_starvations, 1);
	assert_true(ktstr_cpuset_test(&rep[1].k_cpus, 0));
	assert_true(ktstr_cpuset_test(&rep[1].k_cpus, 3));
	assert_true(ktstr_cpuset_test(&rep[1].k_cpus, 64));
	assert_int_equal(ktstr_cpuset_count(&rep[1].k_cpus), 3);
	assert_false(rep[2].has_krec);
	assert_int_equal(ktstr_report_merge_krec(NULL, recs), -EINVAL);
}

static void test_exit_str(void **state)
{
	static struct ktstr_report r;
	char buf[64];

	(void)state;
	r.exit_kind = KTSTR_EXIT_EXITED;
	r.exit_code = 3;
	ktstr_report_exit_str(&r, buf, sizeof(buf));
	assert_string_equal(buf, "exited 3");
	r.exit_kind = KTSTR_EXIT_CRASHED;
	r.exit_signal = SIGSEGV;
	ktstr_report_exit_str(&r, buf, sizeof(buf));
	assert_string_equal(buf, "crashed: SIGSEGV");
	r.exit_kind = KTSTR_EXIT_TIMED_OUT;
	ktstr_report_exit_str(&r, buf, sizeof(buf));
	assert_string_equal(buf, "timed out");
}

static bool gone(pid_t pid)
{
	return kill(pid, 0) < 0 && errno == ESRCH;
}

/*
 * What run() saw, for checks that must not depend on the host's load:
 * when each worker was first seen making progress, when the stop was
 * asked, and the span from just before the start byte to the stop's
 * return (no worker's wall time can exceed it).
 */
static struct {
	uint64_t first_seen_ns[64];
	uint64_t stop_ns;
	uint64_t span_ns;
} seen;

/* A clean run's stop deadline: generous, since only a busy host needs it. */
#define CLEAN_STOP_MS	30000
/* How long run() waits for every worker's first progress on a busy host. */
#define PROGRESS_WAIT_NS	(30 * 1000000000ULL)

/*
 * Run @wl through the no-op cgroup double until every worker has shown
 * @min_iters iterations and has run @ms since it was first seen making
 * progress (at most PROGRESS_WAIT_NS), then stop it; returns the handle
 * stopped. On an idle host that is @ms; on a busy one it takes as long
 * as the workers need, so the checks test the workers, not the machine.
 */
static struct ktstr_workers *run_until(const struct ktstr_workload *wl, int ms,
				       uint64_t min_iters, unsigned int stop_timeout_ms)
{
	struct ktstr_cgroups *cg = ktstr_cgroup_noop_new();
	struct ktstr_spawn_opts o = { .cg = cg, .cgroup = "cg_0", .seed = 7 };
	struct ktstr_workers *h;
	uint64_t t0, last = 0;
	int n;

	assert_non_null(cg);
	assert_int_equal(ktstr_workers_spawn(wl, &o, &h), 0);
	n = ktstr_workers_count(h);
	assert_int_equal(n, wl->nr_workers);
	assert_in_range(n, 1, 64);
	/* Every worker was moved into the cgroup before it started. */
	assert_int_equal(ktstr_cgroup_noop_nr_calls(cg), n);
	for (int i = 0; i < n; i++) {
		char want[64];

		snprintf(want, sizeof(want), "move_task cg_0 %d", ktstr_workers_pid(h, i));
		assert_string_equal(ktstr_cgroup_noop_call(cg, i), want);
	}
	/* Two-phase start: nothing runs before the start byte. */
	nanosleep(&(struct timespec){ 0, 20000000 }, NULL);
	assert_int_equal(ktstr_workers_iterations(h), 0);
	memset(&seen, 0, sizeof(seen));
	t0 = ktstr_now_ns();
	assert_int_equal(ktstr_workers_start(h), 0);
	assert_int_equal(ktstr_workers_start(h), -EALREADY);
	for (;;) {
		uint64_t now = ktstr_now_ns();
		int waiting = 0;

		for (int i = 0; i < n; i++) {
			if (seen.first_seen_ns[i])
				continue;
			if (ktstr_workers_worker_iterations(h, i) >= min_iters) {
				seen.first_seen_ns[i] = now;
				if (now > last)
					last = now;
			} else {
				waiting++;
			}
		}
		if (!waiting && now - last >= (uint64_t)ms * 1000000ULL)
			break;
		if (now - t0 > PROGRESS_WAIT_NS) {
			print_message("# %d of %d workers without %llu iterations after %llu s\n",
				      waiting, n, (unsigned long long)min_iters,
				      (unsigned long long)(PROGRESS_WAIT_NS / 1000000000ULL));
			break;
		}
		nanosleep(&(struct timespec){ 0, 2000000 }, NULL);
	}
	seen.stop_ns = ktstr_now_ns();
	ktstr_workers_stop(h, stop_timeout_ms);
	seen.span_ns = ktstr_now_ns() - t0;
	for (int i = 0; i < n; i++)
		assert_true(gone(ktstr_workers_pid(h, i)));
	ktstr_cgroup_destroy(cg);
	return h;
}

static struct ktstr_workers *run(const struct ktstr_workload *wl, int ms,
				 unsigned int stop_timeout_ms)
{
	return run_until(wl, ms, 1, stop_timeout_ms);
}

/* A failed check of worker @i names the type, the worker, and what it got. */
#define EXPECT(cond, fmt, ...)							\
	do {									\
		if (!(cond))							\
			fail_msg("%s worker %d: expected %s: " fmt,		\
				 ktstr_work_name(kind), i, #cond, __VA_ARGS__);	\
	} while (0)

static void check_clean_run(enum ktstr_work_kind kind, int nr, bool wakes)
{
	const struct ktstr_report *r;
	struct ktstr_workload wl;
	struct ktstr_workers *h;
	int n;

	assert_int_equal(ktstr_workload_init(&wl, kind, nr), 0);
	/* Two iterations each: a paired worker has then been woken by its peer. */
	h = run_until(&wl, 100, 2, CLEAN_STOP_MS);
	r = ktstr_workers_reports(h, &n);
	assert_int_equal(n, nr);
	for (int i = 0; i < n; i++) {
		/* Its wall time spans at least from its first seen progress
		 * to the stop, at most run()'s own span. */
		uint64_t lo = seen.stop_ns - seen.first_seen_ns[i];
		char exit_str[64];

		ktstr_report_exit_str(&r[i], exit_str, sizeof(exit_str));
		EXPECT(r[i].reported, "not reported (%s)", exit_str);
		EXPECT(r[i].completed, "work_error %d, %s", r[i].work_error, exit_str);
		EXPECT(r[i].exit_kind == KTSTR_EXIT_EXITED && r[i].exit_code == 0, "%s", exit_str);
		EXPECT(r[i].pid == ktstr_workers_pid(h, i), "pid %d, worker pid %d",
		       (int)r[i].pid, (int)ktstr_workers_pid(h, i));
		EXPECT(r[i].index == i, "index %d", r[i].index);
		EXPECT(r[i].kind == (int)kind, "kind %d", r[i].kind);
		EXPECT(r[i].work_units > 0, "%llu", (unsigned long long)r[i].work_units);
		EXPECT(r[i].iterations >= 2, "%llu", (unsigned long long)r[i].iterations);
		EXPECT(r[i].wall_time_ns >= lo, "wall %llu ns < %llu ns from first progress to stop",
		       (unsigned long long)r[i].wall_time_ns, (unsigned long long)lo);
		EXPECT(r[i].wall_time_ns <= seen.span_ns, "wall %llu ns > %llu ns start to stop",
		       (unsigned long long)r[i].wall_time_ns, (unsigned long long)seen.span_ns);
		EXPECT(r[i].off_cpu_ns == r[i].wall_time_ns - r[i].cpu_time_ns ||
		       r[i].cpu_time_ns > r[i].wall_time_ns,
		       "off %llu, wall %llu, cpu %llu", (unsigned long long)r[i].off_cpu_ns,
		       (unsigned long long)r[i].wall_time_ns, (unsigned long long)r[i].cpu_time_ns);
		EXPECT(!ktstr_cpuset_empty(&r[i].cpus_used), "%s", "no CPU");
		EXPECT(r[i].max_gap_ns > 0 && r[i].max_gap_ns < r[i].wall_time_ns,
		       "max gap %llu ns, wall %llu ns", (unsigned long long)r[i].max_gap_ns,
		       (unsigned long long)r[i].wall_time_ns);
		if (wakes)
			EXPECT(r[i].wake.total > 0 && r[i].wake.nr > 0, "wake total %llu, nr %llu",
			       (unsigned long long)r[i].wake.total,
			       (unsigned long long)r[i].wake.nr);
	}
	ktstr_workers_free(h);
}

static void test_run_spin_wait(void **state)
{
	const struct ktstr_report *r;
	struct ktstr_workload wl;
	struct ktstr_workers *h;
	int n;

	(void)state;
	check_clean_run(KTSTR_WORK_SPIN_WAIT, 2, false);
	/* A spinner is on the CPU most of the time. */
	ktstr_workload_init(&wl, KTSTR_WORK_SPIN_WAIT, 1);
	h = run(&wl, 100, 0);
	r = ktstr_workers_reports(h, &n);
	assert_true(r[0].cpu_time_ns > 0);
	assert_true(r[0].cpu_time_ns <= r[0].wall_time_ns + 10000000ULL);
	assert_int_equal(r[0].work_units, r[0].iterations * 1024);
	ktstr_workers_free(h);
}

static void test_run_pairs(void **state)
{
	(void)state;
	check_clean_run(KTSTR_WORK_PIPE_IO, 2, true);
	check_clean_run(KTSTR_WORK_FUTEX_PING_PONG, 4, true);
	check_clean_run(KTSTR_WORK_MUTEX_CONTENTION, 4, true);
	check_clean_run(KTSTR_WORK_TIMER_LATENCY, 1, true);
	check_clean_run(KTSTR_WORK_FORK_EXIT, 1, true);
}

static void test_single_cpu_affinity(void **state)
{
	const struct ktstr_report *r;
	struct ktstr_workload wl;
	struct ktstr_workers *h;
	cpu_set_t cs;
	int n, cpu = -1;

	(void)state;
	sched_getaffinity(0, sizeof(cs), &cs);
	for (int c = CPU_SETSIZE - 1; c >= 0; c--)
		if (CPU_ISSET(c, &cs)) {
			cpu = c;
			break;
		}
	ktstr_workload_init(&wl, KTSTR_WORK_SPIN_WAIT, 2);
	wl.affinity.kind = KTSTR_AFF_SINGLE_CPU;
	wl.affinity.cpu = cpu;
	h = run(&wl, 50, 0);
	r = ktstr_workers_reports(h, &n);
	for (int i = 0; i < n; i++) {
		assert_int_equal(r[i].affinity_error, 0);
		assert_int_equal(ktstr_cpuset_count(&r[i].cpus_used), 1);
		assert_true(ktstr_cpuset_test(&r[i].cpus_used, cpu));
		assert_int_equal(r[i].nr_migrations, 0);
	}
	ktstr_workers_free(h);
}

static int crash_fn(struct ktstr_work_ctx *wc, void *arg)
{
	(void)arg;
	ktstr_work_progress(wc, 1);
	raise(SIGSEGV);
	return 0;
}

static int hang_fn(struct ktstr_work_ctx *wc, void *arg)
{
	sigset_t all;

	(void)arg;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		ktstr_work_progress(wc, 1);
		pause();
	}
	return 0;
}

static int fail_fn(struct ktstr_work_ctx *wc, void *arg)
{
	ktstr_work_progress(wc, *(int *)arg);
	return -EIO;
}

static void test_crash_hang_error(void **state)
{
	const struct ktstr_report *r;
	struct ktstr_workload wl;
	struct ktstr_workers *h;
	uint64_t t0, t1;
	int n, five = 5;

	(void)state;
	ktstr_workload_init(&wl, KTSTR_WORK_CUSTOM, 1);
	wl.work.custom.fn = crash_fn;
	h = run(&wl, 30, 0);
	r = ktstr_workers_reports(h, &n);
	assert_false(r[0].reported);
	assert_int_equal(r[0].exit_kind, KTSTR_EXIT_CRASHED);
	assert_int_equal(r[0].exit_signal, SIGSEGV);
	assert_int_equal(r[0].pid, ktstr_workers_pid(h, 0));
	ktstr_workers_free(h);

	/* A worker ignoring the stop is killed at the deadline, not waited on. */
	wl.work.custom.fn = hang_fn;
	t0 = ktstr_now_ns();
	h = run(&wl, 30, 300);
	t1 = ktstr_now_ns();
	r = ktstr_workers_reports(h, &n);
	assert_false(r[0].reported);
	assert_int_equal(r[0].exit_kind, KTSTR_EXIT_TIMED_OUT);
	/* hang_fn never returns: any bound shows the kill; a wide one
	 * does not depend on the host's load. */
	assert_true(t1 - t0 < 60000000000ULL);
	assert_true(t1 - t0 > 300000000ULL);
	ktstr_workers_free(h);

	/* A work function's error is reported, and the worker exits cleanly. */
	wl.work.custom.fn = fail_fn;
	wl.work.custom.arg = &five;
	h = run(&wl, 30, 0);
	r = ktstr_workers_reports(h, &n);
	assert_true(r[0].reported);
	assert_int_equal(r[0].work_error, -EIO);
	assert_false(r[0].completed);
	assert_int_equal(r[0].work_units, 5);
	assert_int_equal(r[0].exit_kind, KTSTR_EXIT_EXITED);
	ktstr_workers_free(h);
}

static void test_spawn_refuses(void **state)
{
	struct ktstr_workload wl;
	struct ktstr_workers *h = (void *)1;

	(void)state;
	ktstr_workload_init(&wl, KTSTR_WORK_PIPE_IO, 3);
	assert_int_equal(ktstr_workers_spawn(&wl, NULL, &h), -EINVAL);
	assert_null(h);
	assert_non_null(strstr(ktstr_last_error(), "groups of 2"));
	/* The message is the last call's: gone after a success. */
	ktstr_workload_init(&wl, KTSTR_WORK_SPIN_WAIT, 1);
	assert_int_equal(ktstr_workers_spawn(&wl, NULL, &h), 0);
	assert_string_equal(ktstr_last_error(), "");
	assert_int_equal(ktstr_workers_start(h), 0);
	assert_int_equal(ktstr_workers_start(h), -EALREADY);
	assert_string_not_equal(ktstr_last_error(), "");
	assert_true(ktstr_workers_stop(h, CLEAN_STOP_MS) >= 0);
	assert_string_equal(ktstr_last_error(), "");
	ktstr_workers_free(h);
}

static void test_stop_before_start(void **state)
{
	const struct ktstr_report *r;
	struct ktstr_workload wl;
	struct ktstr_workers *h;
	int n;

	(void)state;
	ktstr_workload_init(&wl, KTSTR_WORK_SPIN_WAIT, 2);
	assert_int_equal(ktstr_workers_spawn(&wl, NULL, &h), 0);
	assert_int_equal(ktstr_workers_stop(h, 1000), 0);
	r = ktstr_workers_reports(h, &n);
	for (int i = 0; i < n; i++) {
		assert_false(r[i].reported);
		assert_int_equal(r[i].exit_kind, KTSTR_EXIT_EXITED);
		assert_int_equal(r[i].work_units, 0);
		assert_true(gone(r[i].pid));
	}
	ktstr_workers_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reservoir_small),
		cmocka_unit_test(test_reservoir_uniform),
		cmocka_unit_test(test_merge_krecs),
		cmocka_unit_test(test_exit_str),
		cmocka_unit_test(test_spawn_refuses),
		cmocka_unit_test(test_run_spin_wait),
		cmocka_unit_test(test_run_pairs),
		cmocka_unit_test(test_single_cpu_affinity),
		cmocka_unit_test(test_crash_hang_error),
		cmocka_unit_test(test_stop_before_start),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
