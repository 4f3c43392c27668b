// SPDX-License-Identifier: GPL-2.0
/*
 * Category "advanced": load imbalance between cgroups, with and without
 * cpusets, changing while the workers run.
 */
#include <ktstr/util.h>
#include <ktstr/scenario.h>

#define HALF	KTSTR_HOLD_FRAC_INIT(0.5)
#define THIRD	KTSTR_HOLD_FRAC_INIT(0.34)
#define QUARTER	KTSTR_HOLD_FRAC_INIT(0.25)
#define LOOSE	{ .has = KTSTR_A_HAS(max_spread_pct), .max_spread_pct = 35.0 }

static const struct ktstr_work spin = { .kind = KTSTR_WORK_SPIN_WAIT };
static const struct ktstr_work bursty = {
	.kind = KTSTR_WORK_BURSTY, .bursty = { .burst_ms = 50, .sleep_ms = 100 },
};
static const struct ktstr_workload heavy_wl = {
	.work = { .kind = KTSTR_WORK_SPIN_WAIT }, .nr_workers = 8,
	.mem = { .mode = KTSTR_MPOL_NONE },
};

/* cgroup_exhaust_reuse: create, remove, then create the same names again. */
static const struct ktstr_op create_ops[] = {
	{ .kind = KTSTR_OP_ADD_CGROUP, .cgroup = "cg_0" },
	{ .kind = KTSTR_OP_SPAWN, .cgroup = "cg_0" },
	{ .kind = KTSTR_OP_ADD_CGROUP, .cgroup = "cg_1" },
	{ .kind = KTSTR_OP_SPAWN, .cgroup = "cg_1" },
};
static const struct ktstr_op remove_ops[] = {
	{ .kind = KTSTR_OP_REMOVE_CGROUP, .cgroup = "cg_0" },
	{ .kind = KTSTR_OP_REMOVE_CGROUP, .cgroup = "cg_1" },
};
static const struct ktstr_cgroup_def keep[] = { { .name = "cg_keep" } };
static const struct ktstr_backdrop bd_keep = { .defs = keep, .nr_defs = 1 };
static const struct ktstr_step reuse_steps[] = {
	{ .name = "create", .ops = create_ops, .nr_ops = 4, .hold = THIRD },
	{ .name = "remove", .ops = remove_ops, .nr_ops = 2, .hold = THIRD },
	{ .name = "reuse", .ops = create_ops, .nr_ops = 4, .hold = THIRD },
};

/* Heavy and light cgroups on disjoint halves. */
static const struct ktstr_cgroup_def heavy_light_split[] = {
	{ .name = "cg_0", .cpuset = KTSTR_SPEC_DISJOINT(0, 2), .nr_workers = 8 },
	{ .name = "cg_1", .cpuset = KTSTR_SPEC_DISJOINT(1, 2), .nr_workers = 1 },
};
static const struct ktstr_backdrop bd_heavy_light_split = { .defs = heavy_light_split, .nr_defs = 2 };
static const struct ktstr_op swap_ops[] = {
	{ .kind = KTSTR_OP_SWAP_CPUSETS, .cgroup = "cg_0", .cgroup2 = "cg_1" },
};
static const struct ktstr_step shift_steps[] = {
	{ .name = "before", .hold = HALF },
	{ .name = "shifted", .ops = swap_ops, .nr_ops = 1, .hold = HALF },
};
static const struct ktstr_op widen_ops[] = {
	{ .kind = KTSTR_OP_CLEAR_CPUSET, .cgroup = "cg_0" },
};
static const struct ktstr_step change_steps[] = {
	{ .name = "split", .hold = HALF },
	{ .name = "heavy unconfined", .ops = widen_ops, .nr_ops = 1, .hold = HALF },
};

/* A light cgroup, then a heavy one added. */
static const struct ktstr_cgroup_def light[] = { { .name = "cg_0", .nr_workers = 1 } };
static const struct ktstr_backdrop bd_light = { .defs = light, .nr_defs = 1 };
static const struct ktstr_op add_heavy[] = {
	{ .kind = KTSTR_OP_ADD_CGROUP, .cgroup = "cg_1" },
	{ .kind = KTSTR_OP_SPAWN, .cgroup = "cg_1", .work = &spin, .nr_workers = 8 },
};
static const struct ktstr_step add_imb_steps[] = {
	{ .name = "light", .hold = HALF },
	{ .name = "+heavy", .ops = add_heavy, .nr_ops = 2, .hold = HALF },
};

/* Workers moved between cgroups that have no cpuset. */
static const struct ktstr_cgroup_def mig_defs[] = {
	{ .name = "cg_0" }, { .name = "cg_1", .no_workers = true },
};
static const struct ktstr_backdrop bd_mig = { .defs = mig_defs, .nr_defs = 2 };
static const struct ktstr_op to1[] = {
	{ .kind = KTSTR_OP_MOVE_ALL_TASKS, .cgroup = "cg_0", .cgroup2 = "cg_1" },
};
static const struct ktstr_op to0[] = {
	{ .kind = KTSTR_OP_MOVE_ALL_TASKS, .cgroup = "cg_1", .cgroup2 = "cg_0" },
};
static const struct ktstr_step mig_steps[] = {
	{ .name = "cg_0", .hold = THIRD },
	{ .name = "cg_1", .ops = to1, .nr_ops = 1, .hold = THIRD },
	{ .name = "back", .ops = to0, .nr_ops = 1, .hold = THIRD },
};

/* Load that comes and goes: a heavy cgroup's workers stopped and respawned. */
static const struct ktstr_cgroup_def osc_defs[] = {
	{ .name = "cg_0", .nr_workers = 1 }, { .name = "cg_1", .workload = &heavy_wl },
};
static const struct ktstr_backdrop bd_osc = { .defs = osc_defs, .nr_defs = 2 };
static const struct ktstr_op osc_stop[] = { { .kind = KTSTR_OP_STOP_CGROUP, .cgroup = "cg_1" } };
static const struct ktstr_op osc_spawn[] = {
	{ .kind = KTSTR_OP_SPAWN, .cgroup = "cg_1", .work = &spin, .nr_workers = 4 },
};
/*
 * Fixed phases, whatever --duration says: a phase must be long enough for
 * every worker it spawns to run before it is stopped.
 */
static const struct ktstr_step osc_steps[] = {
	{ .name = "heavy", .hold = KTSTR_HOLD_FIXED_INIT(300) },
	{ .name = "quiet", .ops = osc_stop, .nr_ops = 1, .hold = KTSTR_HOLD_FIXED_INIT(200) },
	{ .name = "heavy again", .ops = osc_spawn, .nr_ops = 1, .hold = KTSTR_HOLD_FIXED_INIT(300) },
	{ .name = "quiet again", .ops = osc_stop, .nr_ops = 1, .hold = KTSTR_HOLD_FIXED_INIT(200) },
};

/* Nested cgroups without cpusets, unequal load. */
static const struct ktstr_cgroup_def nested_no_ctrl[] = {
	{ .name = "outer/cg_0", .nr_workers = 4 }, { .name = "outer/cg_1", .nr_workers = 1 },
};
static const struct ktstr_step nested_steps[] = {
	{ .name = "steady", .defs = nested_no_ctrl, .nr_defs = 2, .hold = KTSTR_HOLD_FULL },
};

/* Bursty load shifting from one cgroup to another. */
static const struct ktstr_cgroup_def bshift_defs[] = {
	{ .name = "cg_0", .work = &bursty, .nr_workers = 4 }, { .name = "cg_1", .nr_workers = 1 },
};
static const struct ktstr_backdrop bd_bshift = { .defs = bshift_defs, .nr_defs = 2 };
static const struct ktstr_op bshift_ops[] = {
	{ .kind = KTSTR_OP_STOP_CGROUP, .cgroup = "cg_0" },
	{ .kind = KTSTR_OP_SPAWN, .cgroup = "cg_1", .work = &bursty, .nr_workers = 4 },
};
static const struct ktstr_step bshift_steps[] = {
	{ .name = "bursty in cg_0", .hold = HALF },
	{ .name = "bursty in cg_1", .ops = bshift_ops, .nr_ops = 2, .hold = HALF },
};

static const struct ktstr_scenario scenarios[] = {
	{
		.name = "cgroup_idle_overloaded",
		.description = "a nearly idle cgroup next to one with four workers per CPU",
		.nr_cgroups = 2,
		.nr_works = 2, .works = {
			{ .cgs = KTSTR_CG(0), .work = "Bursty{burst_ms=5,sleep_ms=200}", .workers = 1 },
			{ .cgs = KTSTR_CG(1), .workers = -4 },
		},
		.assert = LOOSE,
	},
	{
		.name = "cgroup_all_loaded",
		.description = "four cgroups of one worker per CPU each",
		.nr_cgroups = 4,
		.nr_works = 1, .works = { { .workers = -1 } },
		.assert = LOOSE,
	},
	{
		.name = "cgroup_llc_overflow",
		.description = "LLC-aligned cgroups, one with four workers per CPU of its LLC",
		.min_llcs = 2,
		.nr_cgroups = 2,
		.partition = KTSTR_PARTITION(LLC_ALIGNED),
		.nr_works = 2, .works = {
			{ .cgs = KTSTR_CG(0), .workers = -4 },
			{ .cgs = KTSTR_CG(1) },
		},
		.assert = LOOSE,
	},
	{
		.name = "cgroup_load_imbalance",
		.description = "a heavy cgroup of 16 workers next to a light one of 1",
		.nr_cgroups = 2,
		.nr_works = 2, .works = {
			{ .cgs = KTSTR_CG(0), .workers = 16 },
			{ .cgs = KTSTR_CG(1), .workers = 1 },
		},
		.assert = LOOSE,
	},
	{
		.name = "cgroup_exhaust_reuse",
		.description = "cgroups created, removed, then created again under the same names",
		.backdrop = &bd_keep, .steps = reuse_steps, .nr_steps = 3,
		/* Incarnations of one name differ in how long they ran. */
		.assert = { .has = KTSTR_A_HAS(max_spread_pct), .max_spread_pct = 100.0 },
	},
	{
		.name = "cgroup_cpuset_workload_imbalance",
		.description = "disjoint halves, four workers per CPU on one, one worker on the other",
		.min_cpus = 2,
		.nr_cgroups = 2,
		.partition = KTSTR_PARTITION(SPLIT_HALF),
		.nr_works = 2, .works = {
			{ .cgs = KTSTR_CG(0), .workers = -4 },
			{ .cgs = KTSTR_CG(1), .workers = 1 },
		},
		.assert = LOOSE,
	},
	{
		.name = "cgroup_cpuset_load_shift",
		.description = "heavy and light cgroups on disjoint halves swap cpusets half way",
		.min_cpus = 2,
		.backdrop = &bd_heavy_light_split, .steps = shift_steps, .nr_steps = 2,
		.assert = LOOSE,
	},
	{
		.name = "cgroup_add_load_imbalance",
		.description = "a heavy cgroup of 8 workers added next to a light one half way",
		.backdrop = &bd_light, .steps = add_imb_steps, .nr_steps = 2,
		.assert = LOOSE,
	},
	{
		.name = "cgroup_imbalance_mixed_workload",
		.description = "8 SpinWait, 2 Mixed and 2 Bursty workers in three cgroups",
		.nr_cgroups = 3,
		.nr_works = 3, .works = {
			{ .cgs = KTSTR_CG(0), .workers = 8 },
			{ .cgs = KTSTR_CG(1), .work = "Mixed", .workers = 2 },
			{ .cgs = KTSTR_CG(2), .work = "Bursty", .workers = 2 },
		},
		.assert = LOOSE,
	},
	{
		.name = "cgroup_multicpu_pin",
		.description = "each cgroup's workers pinned to a pair of CPUs",
		.min_cpus = 2,
		.nr_cgroups = 2,
		.nr_works = 1, .works = { { .affinity = KTSTR_SCENARIO_AFF_PAIR } },
	},
	{
		.name = "cgroup_no_ctrl_task_migration",
		.description = "all workers moved between two cgroups without cpusets, and back",
		.required_flags = KTSTR_F(NO_CTRL),
		.backdrop = &bd_mig, .steps = mig_steps, .nr_steps = 3,
	},
	{
		.name = "cgroup_cpuset_change_imbalance",
		.description = "the heavy one of two split cgroups loses its cpuset half way",
		.min_cpus = 2,
		.backdrop = &bd_heavy_light_split, .steps = change_steps, .nr_steps = 2,
		.assert = LOOSE,
	},
	{
		.name = "cgroup_load_oscillation",
		.description = "a heavy cgroup's workers stopped and respawned while a light one runs",
		.backdrop = &bd_osc, .steps = osc_steps, .nr_steps = 4,
		.assert = LOOSE,
	},
	{
		.name = "nested_cgroup_no_ctrl",
		.description = "nested cgroups without cpusets, 4 and 1 workers",
		.required_flags = KTSTR_F(NO_CTRL),
		.steps = nested_steps, .nr_steps = 1,
		.assert = LOOSE,
	},
	{
		.name = "cgroup_io_compute_imbalance",
		.description = "IoSyncWrite workers next to four SpinWait workers per CPU",
		.nr_cgroups = 2,
		.nr_works = 2, .works = {
			{ .cgs = KTSTR_CG(0), .work = "IoSyncWrite" },
			{ .cgs = KTSTR_CG(1), .workers = -4 },
		},
		.assert = LOOSE,
	},
	{
		.name = "cgroup_4way_load_imbalance",
		.description = "four cgroups of 1, 2, 4 and 8 workers",
		.nr_cgroups = 4,
		.nr_works = 4, .works = {
			{ .cgs = KTSTR_CG(0), .workers = 1 },
			{ .cgs = KTSTR_CG(1), .workers = 2 },
			{ .cgs = KTSTR_CG(2), .workers = 4 },
			{ .cgs = KTSTR_CG(3), .workers = 8 },
		},
		.assert = LOOSE,
	},
	{
		.name = "cgroup_cpuset_overlap_imbalance",
		.description = "two cgroups on 50%-overlapping cpusets, 8 and 1 workers",
		.min_cpus = 3,
		.nr_cgroups = 2,
		.partition = KTSTR_OVERLAP(0.5),
		.nr_works = 2, .works = {
			{ .cgs = KTSTR_CG(0), .workers = 8 },
			{ .cgs = KTSTR_CG(1), .workers = 1 },
		},
		.assert = LOOSE,
	},
	{
		.name = "cgroup_cpuset_overlap_load_imbalance",
		.description = "three cgroups on 50%-overlapping cpusets, 1, 4 and 8 workers",
		.min_cpus = 3,
		.nr_cgroups = 3,
		.partition = KTSTR_OVERLAP(0.5),
		.nr_works = 3, .works = {
			{ .cgs = KTSTR_CG(0), .workers = 1 },
			{ .cgs = KTSTR_CG(1), .workers = 4 },
			{ .cgs = KTSTR_CG(2), .workers = 8 },
		},
		.assert = LOOSE,
	},
	{
		.name = "cgroup_bursty_imbalance",
		.description = "8 Bursty workers next to one SpinWait worker",
		.nr_cgroups = 2,
		.nr_works = 2, .works = {
			{ .cgs = KTSTR_CG(0), .work = "Bursty", .workers = 8 },
			{ .cgs = KTSTR_CG(1), .workers = 1 },
		},
		.assert = LOOSE,
	},
	{
		.name = "cgroup_bursty_load_shift",
		.description = "Bursty load moves from one cgroup to the other half way",
		.backdrop = &bd_bshift, .steps = bshift_steps, .nr_steps = 2,
		.assert = LOOSE,
	},
};

const struct ktstr_scenario_table ktstr_scenario_advanced = {
	"advanced", scenarios, KTSTR_ARRAY_SIZE(scenarios)
};
