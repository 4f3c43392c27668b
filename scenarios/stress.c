// SPDX-License-Identifier: GPL-2.0
/*
 * Category "stress": oversubscription, partial and uneven cpusets, host
 * contention, many cgroups, churn of forks, nice values, affinities and
 * policies, page faults and mutex contention.
 */
#include <ktstr/util.h>
#include <ktstr/scenario.h>

#define QUARTER	KTSTR_HOLD_FRAC_INIT(0.25)
#define HALF	KTSTR_HOLD_FRAC_INIT(0.5)

/* Oversubscribed cgroups: fairness is judged ktstr's release way (35%). */
#define OVERSUBSCRIBED { .has = KTSTR_A_HAS(max_spread_pct), .max_spread_pct = 35.0 }

static const struct ktstr_cgroup_def two[] = { { .name = "cg_0" }, { .name = "cg_1" } };
static const struct ktstr_backdrop bd_two = { .defs = two, .nr_defs = 2 };

static const struct ktstr_work spin = { .kind = KTSTR_WORK_SPIN_WAIT };
static const struct ktstr_op host_ops[] = {
	{ .kind = KTSTR_OP_SPAWN_HOST, .work = &spin, .nr_workers = 2 },
};
static const struct ktstr_step host_steps[] = {
	{ .name = "host contention", .ops = host_ops, .nr_ops = 1, .hold = KTSTR_HOLD_FULL },
};

/* Every 200 ms another work type joins in a cgroup of its own. */
static const struct ktstr_work bursty = {
	.kind = KTSTR_WORK_BURSTY, .bursty = { .burst_ms = 50, .sleep_ms = 100 },
};
static const struct ktstr_work yield = { .kind = KTSTR_WORK_YIELD_HEAVY };
static const struct ktstr_work mixed = { .kind = KTSTR_WORK_MIXED, .mixed = { .spin_iters = 1024 } };
static const struct ktstr_op add_bursty[] = {
	{ .kind = KTSTR_OP_ADD_CGROUP, .cgroup = "cg_bursty" },
	{ .kind = KTSTR_OP_SPAWN, .cgroup = "cg_bursty", .work = &bursty, .nr_workers = 2 },
};
static const struct ktstr_op add_yield[] = {
	{ .kind = KTSTR_OP_ADD_CGROUP, .cgroup = "cg_yield" },
	{ .kind = KTSTR_OP_SPAWN, .cgroup = "cg_yield", .work = &yield, .nr_workers = 2 },
};
static const struct ktstr_op add_mixed[] = {
	{ .kind = KTSTR_OP_ADD_CGROUP, .cgroup = "cg_mixed" },
	{ .kind = KTSTR_OP_SPAWN, .cgroup = "cg_mixed", .work = &mixed, .nr_workers = 2 },
};
static const struct ktstr_cgroup_def spin_one[] = { { .name = "cg_spin" } };
static const struct ktstr_backdrop bd_spin = { .defs = spin_one, .nr_defs = 1 };
static const struct ktstr_step variety_steps[] = {
	{ .name = "spin", .hold = QUARTER },
	{ .name = "+bursty", .ops = add_bursty, .nr_ops = 2, .hold = QUARTER },
	{ .name = "+yield", .ops = add_yield, .nr_ops = 2, .hold = QUARTER },
	{ .name = "+mixed", .ops = add_mixed, .nr_ops = 2, .hold = QUARTER },
};

/* Two LLC-aligned cgroups whose cpusets are swapped every 100 ms. */
static const struct ktstr_cgroup_def two_llc[] = {
	{ .name = "cg_0", .cpuset = KTSTR_SPEC_LLC(0) },
	{ .name = "cg_1", .cpuset = KTSTR_SPEC_LLC(1) },
};
static const struct ktstr_backdrop bd_two_llc = { .defs = two_llc, .nr_defs = 2 };
static const struct ktstr_op flip_ops[] = {
	{ .kind = KTSTR_OP_SWAP_CPUSETS, .cgroup = "cg_0", .cgroup2 = "cg_1" },
};
static const struct ktstr_step race_steps[] = {
	{ .name = "flip", .ops = flip_ops, .nr_ops = 1,
	  .hold = KTSTR_HOLD_LOOP_INIT(100) },
};

static const struct ktstr_scenario scenarios[] = {
	{
		.name = "cgroup_partial_cpus_steady",
		.description = "two cgroups sharing two thirds of the CPUs, a third held back",
		.min_cpus = 3,
		.nr_cgroups = 2,
		.partition = KTSTR_HOLDBACK(0.33),
	},
	{
		.name = "cgroup_uneven_steady",
		.description = "one cgroup gets 75% of the CPUs, the other 25%",
		.min_cpus = 2,
		.nr_cgroups = 2,
		.partition = KTSTR_UNEVEN(0.75),
	},
	{
		.name = "cgroup_oversubscribed",
		.description = "two cgroups of 32 Mixed workers each",
		.nr_cgroups = 2,
		.nr_works = 1, .works = { { .work = "Mixed", .workers = 32 } },
		/* 32 runnable per CPU on small machines: waits of seconds are expected. */
		.assert = {
			.has = KTSTR_A_HAS(max_spread_pct) | KTSTR_A_HAS(max_wait_ms),
			.max_spread_pct = 35.0, .max_wait_ms = 5000,
		},
		.starve_ms = 5000,
	},
	{
		.name = "host_cgroup_contention",
		.description = "two cgroups of workers plus spinners in the runner's own cgroup",
		.backdrop = &bd_two, .steps = host_steps, .nr_steps = 1,
	},
	{
		.name = "cgroup_per_cpu",
		.description = "one cgroup per usable CPU, each confined to its CPU",
		.min_cpus = 2,
		.nr_cgroups = KTSTR_CGROUP_PER_CPU,
		.partition = KTSTR_PARTITION(SPLIT_HALF),
	},
	{
		.name = "cgroup_dsq_contention",
		.description = "Bursty workers against workers pinned to single CPUs",
		.nr_cgroups = 2,
		.nr_works = 2, .works = {
			{ .cgs = KTSTR_CG(0), .work = "Bursty" },
			{ .cgs = KTSTR_CG(1), .affinity = KTSTR_SCENARIO_AFF_SINGLE_CPU },
		},
	},
	{
		.name = "cgroup_workload_variety",
		.description = "five cgroups running SpinWait, Bursty, IoSyncWrite, Mixed and YieldHeavy",
		.nr_cgroups = 5,
		.nr_works = 5, .works = {
			{ .cgs = KTSTR_CG(0), .work = "SpinWait" },
			{ .cgs = KTSTR_CG(1), .work = "Bursty{burst_ms=50,sleep_ms=100}" },
			{ .cgs = KTSTR_CG(2), .work = "IoSyncWrite" },
			{ .cgs = KTSTR_CG(3), .work = "Mixed" },
			{ .cgs = KTSTR_CG(4), .work = "YieldHeavy" },
		},
	},
	{
		.name = "cgroup_cpuset_workload_variety",
		.description = "the five work types of cgroup_workload_variety on disjoint cpusets",
		.min_cpus = 5,
		.nr_cgroups = 5,
		.partition = KTSTR_PARTITION(SPLIT_HALF),
		.nr_works = 5, .works = {
			{ .cgs = KTSTR_CG(0), .work = "SpinWait" },
			{ .cgs = KTSTR_CG(1), .work = "Bursty{burst_ms=50,sleep_ms=100}" },
			{ .cgs = KTSTR_CG(2), .work = "IoSyncWrite" },
			{ .cgs = KTSTR_CG(3), .work = "Mixed" },
			{ .cgs = KTSTR_CG(4), .work = "YieldHeavy" },
		},
	},
	{
		.name = "cgroup_dynamic_workload_variety",
		.description = "Bursty, YieldHeavy and Mixed cgroups join a SpinWait one, one by one",
		.backdrop = &bd_spin, .steps = variety_steps, .nr_steps = 4,
	},
	{
		.name = "cgroup_cpuset_cross_llc_race",
		.description = "two LLC-aligned cgroups swap cpusets every 100 ms",
		.min_llcs = 2,
		.backdrop = &bd_two_llc, .steps = race_steps, .nr_steps = 1,
	},
	{
		.name = "fork_exit_churn",
		.description = "ForkExit workers: a fork and an exit per iteration",
		.nr_cgroups = 2,
		.nr_works = 1, .works = { { .work = "ForkExit" } },
	},
	{
		.name = "nice_sweep",
		.description = "NiceSweep workers cycling through nice values",
		.nr_cgroups = 2,
		.nr_works = 1, .works = { { .work = "NiceSweep" } },
		/* Nice values make unequal shares on purpose. */
		.assert = { .has = KTSTR_A_HAS(max_spread_pct), .max_spread_pct = 100.0 },
	},
	{
		.name = "affinity_churn",
		.description = "AffinityChurn workers changing their own affinity",
		.nr_cgroups = 2,
		.nr_works = 1, .works = { { .work = "AffinityChurn" } },
	},
	{
		.name = "policy_churn",
		.description = "PolicyChurn workers cycling through scheduling policies",
		.nr_cgroups = 2,
		.nr_works = 1, .works = { { .work = "PolicyChurn" } },
		.assert = { .has = KTSTR_A_HAS(max_spread_pct), .max_spread_pct = 100.0 },
	},
	{
		.name = "page_fault_churn",
		.description = "PageFaultChurn workers faulting pages in and out",
		.nr_cgroups = 2,
		.nr_works = 1, .works = { { .work = "PageFaultChurn" } },
	},
	{
		.name = "mutex_contention_light",
		.description = "four workers sharing one mutex, short hold",
		.nr_cgroups = 1,
		.nr_works = 1, .works = {
			{ .work = "MutexContention{contenders=4,hold_iters=64,work_iters=4096}" },
		},
		/* Who wins the lock is partly luck: ktstr's loose spread. */
		.assert = OVERSUBSCRIBED,
	},
	{
		.name = "mutex_contention_heavy",
		.description = "eight workers sharing one mutex, long hold",
		.nr_cgroups = 1,
		.nr_works = 1, .works = {
			{ .work = "MutexContention{contenders=8,hold_iters=65536,work_iters=1024}" },
		},
		/* Who holds the lock longest is luck, not fairness. */
		.assert = { .has = KTSTR_A_HAS(max_spread_pct), .max_spread_pct = 100.0 },
	},
};

const struct ktstr_scenario_table ktstr_scenario_stress = {
	"stress", scenarios, KTSTR_ARRAY_SIZE(scenarios)
};
