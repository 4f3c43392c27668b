// SPDX-License-Identifier: GPL-2.0
/* Category "interaction": cpusets, imbalance and cgroup changes combined. */
#include <ktstr/util.h>
#include <ktstr/scenario.h>

#define HALF	KTSTR_HOLD_FRAC_INIT(0.5)
#define THIRD	KTSTR_HOLD_FRAC_INIT(0.34)
#define LOOSE	{ .has = KTSTR_A_HAS(max_spread_pct), .max_spread_pct = 35.0 }

static const struct ktstr_work spin = { .kind = KTSTR_WORK_SPIN_WAIT };

static const struct ktstr_cgroup_def two_plain[] = { { .name = "cg_0" }, { .name = "cg_1" } };
static const struct ktstr_backdrop bd_two_plain = { .defs = two_plain, .nr_defs = 2 };
static const struct ktstr_op set_ops[] = {
	{ .kind = KTSTR_OP_SET_CPUSET, .cgroup = "cg_0", .cpuset = KTSTR_SPEC_DISJOINT(0, 2) },
	{ .kind = KTSTR_OP_SET_CPUSET, .cgroup = "cg_1", .cpuset = KTSTR_SPEC_DISJOINT(1, 2) },
};
static const struct ktstr_op clear_ops[] = {
	{ .kind = KTSTR_OP_CLEAR_CPUSET, .cgroup = "cg_0" },
	{ .kind = KTSTR_OP_CLEAR_CPUSET, .cgroup = "cg_1" },
};
static const struct ktstr_step cpuset_change_steps[] = {
	{ .name = "no cpusets", .hold = THIRD },
	{ .name = "split", .ops = set_ops, .nr_ops = 2, .hold = THIRD },
	{ .name = "cleared", .ops = clear_ops, .nr_ops = 2, .hold = THIRD },
};

static const struct ktstr_cgroup_def half0[] = {
	{ .name = "cg_0", .cpuset = KTSTR_SPEC_DISJOINT(0, 2) },
};
static const struct ktstr_backdrop bd_half0 = { .defs = half0, .nr_defs = 1 };
static const struct ktstr_op add_half1[] = {
	{ .kind = KTSTR_OP_ADD_CGROUP, .cgroup = "cg_1", .cpuset = KTSTR_SPEC_DISJOINT(1, 2) },
	{ .kind = KTSTR_OP_SPAWN, .cgroup = "cg_1" },
};
static const struct ktstr_op remove_1[] = { { .kind = KTSTR_OP_REMOVE_CGROUP, .cgroup = "cg_1" } };
static const struct ktstr_step add_remove_steps[] = {
	{ .name = "one", .hold = THIRD },
	{ .name = "+cg_1", .ops = add_half1, .nr_ops = 2, .hold = THIRD },
	{ .name = "-cg_1", .ops = remove_1, .nr_ops = 1, .hold = THIRD },
};

static const struct ktstr_cgroup_def imb[] = {
	{ .name = "cg_0", .nr_workers = 8 }, { .name = "cg_1", .nr_workers = 1 },
};
static const struct ktstr_backdrop bd_imb = { .defs = imb, .nr_defs = 2 };
static const struct ktstr_op add_2[] = {
	{ .kind = KTSTR_OP_ADD_CGROUP, .cgroup = "cg_2" },
	{ .kind = KTSTR_OP_SPAWN, .cgroup = "cg_2", .work = &spin, .nr_workers = 2 },
};
static const struct ktstr_step add_during_steps[] = {
	{ .name = "imbalanced", .hold = HALF },
	{ .name = "+cg_2", .ops = add_2, .nr_ops = 2, .hold = HALF },
};

static const struct ktstr_cgroup_def nested_imb[] = {
	{ .name = "outer/cg_0", .nr_workers = 8 }, { .name = "outer/cg_1", .nr_workers = 1 },
};
static const struct ktstr_step nested_steps[] = {
	{ .name = "steady", .defs = nested_imb, .nr_defs = 2, .hold = KTSTR_HOLD_FULL },
};

static const struct ktstr_scenario scenarios[] = {
	{
		.name = "cgroup_cpuset_imbalance_combined",
		.description = "disjoint halves: 8 SpinWait plus Bursty on one, one worker on the other",
		.min_cpus = 2,
		.nr_cgroups = 2,
		.partition = KTSTR_PARTITION(SPLIT_HALF),
		.nr_works = 3, .works = {
			{ .cgs = KTSTR_CG(0), .workers = 8 },
			{ .cgs = KTSTR_CG(0), .work = "Bursty", .workers = 2 },
			{ .cgs = KTSTR_CG(1), .workers = 1 },
		},
		.assert = { .has = KTSTR_A_HAS(max_spread_pct), .max_spread_pct = 100.0 },
	},
	{
		.name = "cgroup_cpuset_overlap_imbalance_combined",
		.description = "three 50%-overlapping cgroups running SpinWait, Mixed and Bursty",
		.min_cpus = 3,
		.nr_cgroups = 3,
		.partition = KTSTR_OVERLAP(0.5),
		.nr_works = 3, .works = {
			{ .cgs = KTSTR_CG(0), .workers = 8 },
			{ .cgs = KTSTR_CG(1), .work = "Mixed", .workers = 2 },
			{ .cgs = KTSTR_CG(2), .work = "Bursty", .workers = 2 },
		},
		.assert = LOOSE,
	},
	{
		.name = "cgroup_no_ctrl_imbalance",
		.description = "no cpusets, 8 and 1 workers",
		.required_flags = KTSTR_F(NO_CTRL),
		.nr_cgroups = 2,
		.nr_works = 2, .works = {
			{ .cgs = KTSTR_CG(0), .workers = 8 },
			{ .cgs = KTSTR_CG(1), .workers = 1 },
		},
		.assert = LOOSE,
	},
	{
		.name = "cgroup_no_ctrl_cpuset_change",
		.description = "cgroups without cpusets get disjoint ones, then lose them",
		.required_flags = KTSTR_F(NO_CTRL),
		.min_cpus = 2,
		.backdrop = &bd_two_plain, .steps = cpuset_change_steps, .nr_steps = 3,
	},
	{
		.name = "cgroup_no_ctrl_load_imbalance",
		.description = "no cpusets, three cgroups of 1, 4 and 8 Mixed workers",
		.required_flags = KTSTR_F(NO_CTRL),
		.nr_cgroups = 3,
		.nr_works = 3, .works = {
			{ .cgs = KTSTR_CG(0), .work = "Mixed", .workers = 1 },
			{ .cgs = KTSTR_CG(1), .work = "Mixed", .workers = 4 },
			{ .cgs = KTSTR_CG(2), .work = "Mixed", .workers = 8 },
		},
		.assert = LOOSE,
	},
	{
		.name = "cgroup_cpuset_multicpu_pin",
		.description = "disjoint cpusets with workers pinned to pairs of their CPUs",
		.min_cpus = 4,
		.nr_cgroups = 2,
		.partition = KTSTR_PARTITION(SPLIT_HALF),
		.nr_works = 1, .works = { { .affinity = KTSTR_SCENARIO_AFF_PAIR } },
	},
	{
		.name = "cgroup_cpuset_add_remove",
		.description = "a cgroup on the other half added, then removed, next to a split one",
		.min_cpus = 2,
		.backdrop = &bd_half0, .steps = add_remove_steps, .nr_steps = 3,
	},
	{
		.name = "cgroup_add_during_imbalance",
		.description = "a third cgroup added while 8 and 1 workers run",
		.backdrop = &bd_imb, .steps = add_during_steps, .nr_steps = 2,
		.assert = LOOSE,
	},
	{
		.name = "nested_cgroup_imbalance",
		.description = "nested cgroups of 8 and 1 workers",
		.steps = nested_steps, .nr_steps = 1,
		.assert = LOOSE,
	},
};

const struct ktstr_scenario_table ktstr_scenario_interaction = {
	"interaction", scenarios, KTSTR_ARRAY_SIZE(scenarios)
};
