// SPDX-License-Identifier: GPL-2.0
/* Category "nested": workers in cgroups two levels below the run's parent. */
#include <ktstr/util.h>
#include <ktstr/scenario.h>

#define HALF	KTSTR_HOLD_FRAC_INIT(0.5)

static const struct ktstr_cgroup_def nested_two[] = {
	{ .name = "outer/cg_0" }, { .name = "outer/cg_1" },
};
static const struct ktstr_step steady_steps[] = {
	{ .name = "steady", .defs = nested_two, .nr_defs = 2, .hold = KTSTR_HOLD_FULL },
};

static const struct ktstr_cgroup_def move_defs[] = {
	{ .name = "outer/cg_0" }, { .name = "outer/cg_1", .no_workers = true },
};
static const struct ktstr_backdrop bd_move = { .defs = move_defs, .nr_defs = 2 };
static const struct ktstr_op move_ops[] = {
	{ .kind = KTSTR_OP_MOVE_ALL_TASKS, .cgroup = "outer/cg_0", .cgroup2 = "outer/cg_1" },
};
static const struct ktstr_step move_steps[] = {
	{ .name = "in cg_0", .hold = HALF },
	{ .name = "moved to cg_1", .ops = move_ops, .nr_ops = 1, .hold = HALF },
};

static const struct ktstr_cgroup_def churn_bd[] = { { .name = "outer/steady" } };
static const struct ktstr_backdrop bd_churn = { .defs = churn_bd, .nr_defs = 1 };
static const struct ktstr_cgroup_def churn_def[] = { { .name = "outer/churn" } };
static const struct ktstr_op churn_ops[] = {
	{ .kind = KTSTR_OP_REMOVE_CGROUP, .cgroup = "outer/churn" },
	{ .kind = KTSTR_OP_ADD_CGROUP, .cgroup = "outer/churn" },
	{ .kind = KTSTR_OP_SPAWN, .cgroup = "outer/churn" },
};
static const struct ktstr_step churn_steps[] = {
	{ .name = "churn", .defs = churn_def, .nr_defs = 1,
	  .hold = KTSTR_HOLD_FRAC_INIT(0.1) },
	{ .name = "loop", .ops = churn_ops, .nr_ops = 3,
	  .hold = { .kind = KTSTR_HOLD_LOOP, .interval_ms = 250, .frac = 0.9 } },
};

static const struct ktstr_cgroup_def cpuset_defs[] = {
	{ .name = "outer", .cpuset = KTSTR_SPEC_RANGE(0.0, 1.0), .no_workers = true },
	{ .name = "outer/cg_0", .cpuset = KTSTR_SPEC_DISJOINT(0, 2) },
	{ .name = "outer/cg_1", .cpuset = KTSTR_SPEC_DISJOINT(1, 2) },
};
static const struct ktstr_step cpuset_steps[] = {
	{ .name = "steady", .defs = cpuset_defs, .nr_defs = 3, .hold = KTSTR_HOLD_FULL },
};

static const struct ktstr_scenario scenarios[] = {
	{
		.name = "nested_cgroup_steady",
		.description = "two cgroups of workers inside one outer cgroup",
		.steps = steady_steps, .nr_steps = 1,
	},
	{
		.name = "nested_cgroup_task_move",
		.description = "all workers moved between two sibling nested cgroups half way",
		.backdrop = &bd_move, .steps = move_steps, .nr_steps = 2,
	},
	{
		.name = "nested_cgroup_rapid_churn",
		.description = "a nested cgroup with workers replaced every 250 ms",
		.backdrop = &bd_churn, .steps = churn_steps, .nr_steps = 2,
		/* Incarnations of one name differ in how long they ran. */
		.assert = { .has = KTSTR_A_HAS(max_spread_pct), .max_spread_pct = 100.0 },
	},
	{
		.name = "nested_cgroup_cpuset",
		.description = "an outer cpuset split between two nested cgroups",
		.min_cpus = 2,
		.steps = cpuset_steps, .nr_steps = 1,
	},
};

const struct ktstr_scenario_table ktstr_scenario_nested = {
	"nested", scenarios, KTSTR_ARRAY_SIZE(scenarios)
};
