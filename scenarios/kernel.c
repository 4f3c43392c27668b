// SPDX-License-Identifier: GPL-2.0
/*
 * Category "kernel": scenarios only kernel records can judge (the module's
 * exact accounting, or the BPF collector's; each names what its records
 * must carry, and taskstats runs the one it can). Userspace sees a worker
 * that made progress; the kernel records show how long it sat runnable,
 * on which CPUs it really ran and how long each wakeup waited for a CPU.
 */
#include <errno.h>
#include <stdio.h>

#include <ktstr/util.h>
#include <ktstr/collector.h>
#include <ktstr/dev.h>
#include <ktstr/scenario.h>

#define MS	1000000ULL

/* Default p99 wake-to-run bound when the scenario layer sets none. */
#define FANOUT_P99_DFL_NS	(100 * MS)

/*
 * p99 of the wake-to-run latency of @recs from the module's per-task
 * log2 histograms: the upper bound of the bucket holding the 99th
 * percentile of all their wakeups.
 */
static int check_fanout_p99(const struct ktstr_assert *cfg,
			    const struct ktstr_task_rec *recs, size_t nr,
			    struct ktstr_assert_result *res)
{
	uint64_t limit = KTSTR_ASSERT_ISSET(cfg, max_p99_wake_latency_ns) ?
			 cfg->max_p99_wake_latency_ns : FANOUT_P99_DFL_NS;
	uint64_t counts[KTSTR_HIST_BUCKETS] = { 0 }, total = 0, seen = 0;
	uint64_t lo = 0, hi = 0;
	unsigned int b;

	for (size_t i = 0; i < nr; i++)
		for (b = 0; b < KTSTR_HIST_BUCKETS; b++) {
			counts[b] += recs[i].hist[b];
			total += recs[i].hist[b];
		}
	if (!total)
		return ktstr_assert_result_fail(res, KTSTR_DETAIL_BENCHMARK,
			"no wakeup of the %zu fan-out tasks in the module's histograms", nr);
	for (b = 0; b < KTSTR_HIST_BUCKETS; b++) {
		seen += counts[b];
		if (seen * 100 >= total * 99)
			break;
	}
	if (b >= KTSTR_HIST_BUCKETS)
		b = KTSTR_HIST_BUCKETS - 1;
	ktstr_hist_bucket_bounds(b, &lo, &hi);
	/* The bucket's lower bound is what the latency surely reached. */
	if (lo > limit)
		return ktstr_assert_result_fail(res, KTSTR_DETAIL_BENCHMARK,
			"p99 wake-to-run latency >= %llu us (kernel histogram, %llu wakeups "
			"of %zu tasks) above %llu us",
			(unsigned long long)(lo / 1000), (unsigned long long)total, nr,
			(unsigned long long)(limit / 1000));
	ktstr_assert_result_pass(res);
	return 0;
}

static const struct ktstr_scenario scenarios[] = {
	{
		.name = "rt_hog_starves_cgroup",
		.description = "a SCHED_FIFO hog on one CPU starves a normal cgroup pinned there; "
			       "the collector must report the starvation naming the starved task",
		.needs_kernel = KTSTR_HAS_MAX_WAIT,
		.nr_cgroups = 2,
		.nr_works = 2, .works = {
			{ .cgs = KTSTR_CG(0), .workers = 1, .policy = KTSTR_SCHED_FIFO,
			  .prio = 1, .affinity = KTSTR_SCENARIO_AFF_FIRST_CPU },
			{ .cgs = KTSTR_CG(1), .workers = 1, .policy = KTSTR_SCHED_NORMAL,
			  .affinity = KTSTR_SCENARIO_AFF_FIRST_CPU },
		},
		.starve_ms = 200,
		.expect_fail = true,
		.expect_kind = KTSTR_DETAIL_STARVATION,
		/* The starved task's long wait and gap are the same failure. */
		.expect_allow = KTSTR_DETAIL_BIT(KTSTR_DETAIL_WAIT) |
				KTSTR_DETAIL_BIT(KTSTR_DETAIL_GAP) |
				KTSTR_DETAIL_BIT(KTSTR_DETAIL_STUCK),
	},
	{
		.name = "wake_latency_fanout",
		.description = "one messenger wakes four receivers; the p99 wake-to-run latency "
			       "from the kernel records' histograms stays bounded",
		.needs_kernel = KTSTR_HAS_HIST,
		.nr_cgroups = 1,
		.nr_works = 1, .works = { { .work = "FutexFanOut" } },
		.check = check_fanout_p99,
		.assert = {
			.has = KTSTR_A_HAS(max_spread_pct) | KTSTR_A_HAS(max_p99_wake_latency_ns),
			.max_spread_pct = 100.0, .max_p99_wake_latency_ns = 100 * MS,
		},
	},
	{
		.name = "kernel_isolation_cpuset",
		.description = "every CPU the kernel ran each worker on lies in its cgroup's cpuset",
		.needs_kernel = KTSTR_HAS_CPUS,
		.min_cpus = 2,
		.nr_cgroups = 2,
		.partition = KTSTR_PARTITION(SPLIT_HALF),
		.assert = {
			.has = KTSTR_A_HAS(kernel_isolation) | KTSTR_A_HAS(isolation),
			.kernel_isolation = true, .isolation = true,
		},
	},
	{
		.name = "wait_fairness",
		.description = "four SpinWait workers in one cgroup share the runnable wait evenly",
		.needs_kernel = KTSTR_NEEDS_RECORDS,
		.nr_cgroups = 1,
		.nr_works = 1, .works = { { .workers = 4 } },
		.assert = {
			/*
			 * A starved or favoured worker shows ~100%; 1 s runs under
			 * emulation were seen up to 31% (load balancing over a short
			 * window), so 45% leaves room and still catches a victim.
			 */
			.has = KTSTR_A_HAS(max_wait_spread_pct), .max_wait_spread_pct = 45.0,
		},
	},
};

const struct ktstr_scenario_table ktstr_scenario_kernel = {
	"kernel", scenarios, KTSTR_ARRAY_SIZE(scenarios)
};
