// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the work-type registry: every ktstr name is found (in any
 * case), unknown names are refused, defaults match ktstr's, parameters
 * parse and are range-checked, and grouped types refuse worker counts that
 * do not fit their groups.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>

#include <cmocka.h>

#include <ktstr/workload.h>
#include <ktstr/util.h>

static const char *const names[] = {
	"SpinWait", "YieldHeavy", "Mixed", "IoSyncWrite", "Bursty", "PipeIo",
	"FutexPingPong", "CachePressure", "CacheYield", "CachePipe",
	"FutexFanOut", "Sequence", "ForkExit", "NiceSweep", "AffinityChurn",
	"PolicyChurn", "FanOutCompute", "PageFaultChurn", "MutexContention",
	"Custom", "WakeChain", "ThunderingHerd", "TimerLatency",
	"PriorityInversion", "RtStarvation",
};

static void test_every_name_found(void **state)
{
	(void)state;
	assert_int_equal(KTSTR_ARRAY_SIZE(names), KTSTR_WORK_NR);
	for (int k = 0; k < KTSTR_WORK_NR; k++) {
		struct ktstr_work w;
		char lower[64], upper[64];
		size_t i;

		assert_string_equal(ktstr_work_name(k), names[k]);
		assert_int_equal(ktstr_work_by_name(names[k], &w), 0);
		assert_int_equal(w.kind, k);
		for (i = 0; names[k][i]; i++) {
			lower[i] = tolower((unsigned char)names[k][i]);
			upper[i] = toupper((unsigned char)names[k][i]);
		}
		lower[i] = upper[i] = '\0';
		assert_int_equal(ktstr_work_by_name(lower, &w), 0);
		assert_int_equal(w.kind, k);
		assert_int_equal(ktstr_work_by_name(upper, &w), 0);
		assert_int_equal(w.kind, k);
		assert_non_null(ktstr_work_help(k));
	}
	assert_null(ktstr_work_name(KTSTR_WORK_NR));
	assert_null(ktstr_work_name(-1));
}

static void test_unknown_refused(void **state)
{
	struct ktstr_work w;

	(void)state;
	assert_int_equal(ktstr_work_by_name("spin_wait", &w), -ENOENT);
	assert_non_null(strstr(ktstr_last_error(), "spin_wait"));
	assert_int_equal(ktstr_work_by_name("CpuSpin", &w), -ENOENT);
	assert_int_equal(ktstr_work_by_name("", &w), -ENOENT);
	assert_int_equal(ktstr_work_by_name("SpinWaitX", &w), -ENOENT);
	assert_int_equal(ktstr_work_by_name(NULL, &w), -EINVAL);
}

static void test_defaults(void **state)
{
	struct ktstr_work w;

	(void)state;
	ktstr_work_by_name("Bursty", &w);
	assert_int_equal(w.bursty.burst_ms, 50);
	assert_int_equal(w.bursty.sleep_ms, 100);
	ktstr_work_by_name("FutexFanOut", &w);
	assert_int_equal(w.futex_fan_out.fan_out, 4);
	assert_int_equal(w.futex_fan_out.spin_iters, 1024);
	ktstr_work_by_name("FanOutCompute", &w);
	assert_int_equal(w.fan_out_compute.cache_footprint_kb, 256);
	assert_int_equal(w.fan_out_compute.operations, 5);
	assert_int_equal(w.fan_out_compute.sleep_usec, 100);
	ktstr_work_by_name("PageFaultChurn", &w);
	assert_int_equal(w.page_fault_churn.region_kb, 4096);
	assert_int_equal(w.page_fault_churn.touches_per_cycle, 256);
	assert_int_equal(w.page_fault_churn.spin_iters, 64);
	ktstr_work_by_name("MutexContention", &w);
	assert_int_equal(w.mutex_contention.contenders, 4);
	assert_int_equal(w.mutex_contention.hold_iters, 256);
	assert_int_equal(w.mutex_contention.work_iters, 1024);
	ktstr_work_by_name("CachePressure", &w);
	assert_int_equal(w.cache_pressure.size_kb, 32);
	assert_int_equal(w.cache_pressure.stride, 64);
	ktstr_work_by_name("NiceSweep", &w);
	assert_int_equal(w.nice_sweep.spin_iters, 512);
	ktstr_work_by_name("Sequence", &w);
	assert_true(w.sequence.nr_phases >= 1);
	/* Every default is within its own range. */
	for (int k = 0; k < KTSTR_WORK_NR; k++) {
		const struct ktstr_work_param *p;

		for (int i = 0; (p = ktstr_work_param(k, i)); i++) {
			assert_true(p->def >= p->min && p->def <= p->max);
			assert_true(p->offset + sizeof(uint64_t) <= sizeof(struct ktstr_work));
		}
	}
}

static void test_group_sizes(void **state)
{
	static const struct { const char *name; int gs; } want[] = {
		{ "SpinWait", 1 }, { "PipeIo", 2 }, { "FutexPingPong", 2 },
		{ "CachePipe", 2 }, { "FutexFanOut", 5 }, { "FanOutCompute", 5 },
		{ "MutexContention", 4 }, { "WakeChain", 4 }, { "ThunderingHerd", 9 },
		{ "PriorityInversion", 3 }, { "RtStarvation", 2 }, { "IoSyncWrite", 1 },
	};
	struct ktstr_work w;

	(void)state;
	for (size_t i = 0; i < KTSTR_ARRAY_SIZE(want); i++) {
		assert_int_equal(ktstr_work_by_name(want[i].name, &w), 0);
		assert_int_equal(ktstr_work_group_size(&w), want[i].gs);
	}
	/* Group size follows the parameter. */
	ktstr_work_by_name("FutexFanOut", &w);
	w.futex_fan_out.fan_out = 2;
	assert_int_equal(ktstr_work_group_size(&w), 3);
	assert_int_equal(ktstr_work_check(&w, 6), 0);
	assert_int_equal(ktstr_work_check(&w, 4), -EINVAL);
	assert_non_null(strstr(ktstr_last_error(), "groups of 3"));

	ktstr_work_by_name("PipeIo", &w);
	assert_int_equal(ktstr_work_check(&w, 2), 0);
	assert_int_equal(ktstr_work_check(&w, 8), 0);
	assert_int_equal(ktstr_work_check(&w, 3), -EINVAL);
	assert_non_null(strstr(ktstr_last_error(), "PipeIo"));
	assert_int_equal(ktstr_work_check(&w, 0), -EINVAL);
	assert_int_equal(ktstr_work_dfl_workers(&w, 3), 4);
	assert_int_equal(ktstr_work_dfl_workers(&w, 4), 4);

	ktstr_work_by_name("IoSyncWrite", &w);
	assert_int_equal(ktstr_work_fixed_workers(&w), 2);
	assert_int_equal(ktstr_work_dfl_workers(&w, 8), 2);
	assert_int_equal(ktstr_work_check(&w, 2), 0);
	assert_int_equal(ktstr_work_check(&w, 4), -EINVAL);
	assert_non_null(strstr(ktstr_last_error(), "always runs 2"));

	ktstr_work_by_name("SpinWait", &w);
	assert_int_equal(ktstr_work_check(&w, 7), 0);
	assert_int_equal(ktstr_work_dfl_workers(&w, 7), 7);

	/* Custom needs a function. */
	ktstr_work_by_name("Custom", &w);
	assert_int_equal(ktstr_work_check(&w, 1), -EINVAL);
}

static void test_parse(void **state)
{
	struct ktstr_work w;

	(void)state;
	assert_int_equal(ktstr_work_parse("bursty{burst_ms=20,sleep_ms=10}", &w), 0);
	assert_int_equal(w.kind, KTSTR_WORK_BURSTY);
	assert_int_equal(w.bursty.burst_ms, 20);
	assert_int_equal(w.bursty.sleep_ms, 10);
	assert_int_equal(ktstr_work_parse("WakeChain{depth=3}", &w), 0);
	assert_int_equal(w.wake_chain.depth, 3);
	assert_int_equal(w.wake_chain.work_per_hop, 1024);
	assert_int_equal(ktstr_work_group_size(&w), 3);
	assert_int_equal(ktstr_work_parse("Sequence{spin=5,io=7,sleep=3}", &w), 0);
	assert_int_equal(w.sequence.nr_phases, 3);
	assert_int_equal(w.sequence.phases[0].kind, KTSTR_PHASE_SPIN);
	assert_int_equal(w.sequence.phases[1].kind, KTSTR_PHASE_IO);
	assert_int_equal(w.sequence.phases[1].ms, 7);
	assert_int_equal(w.sequence.phases[2].kind, KTSTR_PHASE_SLEEP);

	assert_int_equal(ktstr_work_parse("Bursty{burst_ms=0}", &w), -ERANGE);
	assert_int_equal(ktstr_work_parse("Bursty{nope=1}", &w), -EINVAL);
	assert_non_null(strstr(ktstr_last_error(), "nope"));
	assert_int_equal(ktstr_work_parse("Bursty{burst_ms=x}", &w), -EINVAL);
	assert_int_equal(ktstr_work_parse("Bursty{burst_ms=-1}", &w), -EINVAL);
	assert_int_equal(ktstr_work_parse("Bursty{burst_ms=1", &w), -EINVAL);
	assert_int_equal(ktstr_work_parse("Sequence{walk=1}", &w), -EINVAL);
	assert_int_equal(ktstr_work_parse("Custom", &w), -EINVAL);
	assert_int_equal(ktstr_work_parse("Nope{a=1}", &w), -ENOENT);
}

static void test_workload_check(void **state)
{
	struct ktstr_workload wl;

	(void)state;
	assert_int_equal(ktstr_workload_init(&wl, KTSTR_WORK_SPIN_WAIT, 2), 0);
	assert_int_equal(wl.mem.mode, KTSTR_MPOL_NONE);
	assert_int_equal(ktstr_workload_check(&wl), 0);
	wl.sched.policy = KTSTR_SCHED_FIFO;
	assert_int_equal(ktstr_workload_check(&wl), -EINVAL);	/* prio 0 */
	wl.sched.prio = 50;
	assert_int_equal(ktstr_workload_check(&wl), 0);
	wl.sched.policy = KTSTR_SCHED_DEADLINE;
	wl.sched.dl_runtime_ns = 2000000;
	wl.sched.dl_deadline_ns = 1000000;
	assert_int_equal(ktstr_workload_check(&wl), -EINVAL);	/* runtime > deadline */
	wl.sched.dl_deadline_ns = wl.sched.dl_period_ns = 10000000;
	assert_int_equal(ktstr_workload_check(&wl), 0);
	wl.set_nice = true;
	wl.nice = 20;
	assert_int_equal(ktstr_workload_check(&wl), -EINVAL);
	wl.nice = -20;
	assert_int_equal(ktstr_workload_check(&wl), 0);
	wl.affinity.kind = KTSTR_AFF_EXACT;
	assert_int_equal(ktstr_workload_check(&wl), -EINVAL);	/* empty set */
	ktstr_cpuset_set(&wl.affinity.cpus, 0);
	assert_int_equal(ktstr_workload_check(&wl), 0);
	wl.affinity.kind = KTSTR_AFF_RANDOM;
	wl.affinity.count = 2;
	assert_int_equal(ktstr_workload_check(&wl), -EINVAL);	/* 2 from 1 */
	wl.affinity.count = 1;
	assert_int_equal(ktstr_workload_check(&wl), 0);
	wl.mem.mode = KTSTR_MPOL_BIND;
	assert_int_equal(ktstr_workload_check(&wl), -EINVAL);	/* no nodes */
	ktstr_cpuset_set(&wl.mem.nodes, 0);
	assert_int_equal(ktstr_workload_check(&wl), 0);
	wl.nr_workers = 0;
	assert_int_equal(ktstr_workload_check(&wl), -EINVAL);
}

/* Worker counts are bounded both ways; the last error tells of the last call. */
static void test_worker_bounds_and_error(void **state)
{
	struct ktstr_work w;

	(void)state;
	ktstr_work_by_name("SpinWait", &w);
	assert_int_equal(ktstr_work_dfl_workers(&w, 0), -EINVAL);
	assert_int_equal(ktstr_work_dfl_workers(&w, -1), -EINVAL);
	assert_int_equal(ktstr_work_dfl_workers(&w, INT_MAX), -E2BIG);
	ktstr_work_by_name("IoSyncWrite", &w);
	assert_int_equal(ktstr_work_dfl_workers(&w, 0), -EINVAL);
	ktstr_work_by_name("PipeIo", &w);
	assert_int_equal(ktstr_work_dfl_workers(&w, KTSTR_WORKERS_MAX), KTSTR_WORKERS_MAX);
	assert_int_equal(ktstr_work_check(&w, KTSTR_WORKERS_MAX), 0);
	assert_int_equal(ktstr_work_check(&w, KTSTR_WORKERS_MAX + 2), -E2BIG);
	assert_non_null(strstr(ktstr_last_error(), "at most"));
	assert_int_equal(ktstr_work_check(&w, INT_MAX - 1), -E2BIG);

	assert_int_equal(ktstr_work_check(&w, 3), -EINVAL);
	assert_string_not_equal(ktstr_last_error(), "");
	assert_int_equal(ktstr_work_check(&w, 2), 0);
	assert_string_equal(ktstr_last_error(), "");
	assert_int_equal(ktstr_work_parse("NoSuchType", &w), -ENOENT);
	assert_int_equal(ktstr_work_parse("Bursty{burst_ms=5}", &w), 0);
	assert_string_equal(ktstr_last_error(), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_name_found),
		cmocka_unit_test(test_unknown_refused),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_group_sizes),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_workload_check),
		cmocka_unit_test(test_worker_bounds_and_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
