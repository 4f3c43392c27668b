// SPDX-License-Identifier: GPL-2.0
/* Category "dynamic": cgroups created and removed while workers run. */
#include <ktstr/util.h>
#include <ktstr/scenario.h>

#define HALF	KTSTR_HOLD_FRAC_INIT(0.5)

static const struct ktstr_cgroup_def one[] = { { .name = "cg_0" } };
static const struct ktstr_backdrop bd_one = { .defs = one, .nr_defs = 1 };
static const struct ktstr_cgroup_def two[] = { { .name = "cg_0" }, { .name = "cg_1" } };
static const struct ktstr_backdrop bd_two = { .defs = two, .nr_defs = 2 };

static const struct ktstr_op add_ops[] = {
	{ .kind = KTSTR_OP_ADD_CGROUP, .cgroup = "cg_1" },
	{ .kind = KTSTR_OP_SPAWN, .cgroup = "cg_1" },
};
static const struct ktstr_step add_steps[] = {
	{ .name = "one cgroup", .hold = HALF },
	{ .name = "added", .ops = add_ops, .nr_ops = 2, .hold = HALF },
};

static const struct ktstr_op remove_ops[] = {
	{ .kind = KTSTR_OP_REMOVE_CGROUP, .cgroup = "cg_1" },
};
static const struct ktstr_step remove_steps[] = {
	{ .name = "two cgroups", .hold = HALF },
	{ .name = "removed", .ops = remove_ops, .nr_ops = 1, .hold = HALF },
};

/* Each loop turn replaces the churn cgroup with a fresh one. */
static const struct ktstr_cgroup_def churn_def[] = { { .name = "churn" } };
static const struct ktstr_op churn_ops[] = {
	{ .kind = KTSTR_OP_REMOVE_CGROUP, .cgroup = "churn" },
	{ .kind = KTSTR_OP_ADD_CGROUP, .cgroup = "churn" },
	{ .kind = KTSTR_OP_SPAWN, .cgroup = "churn" },
};
static const struct ktstr_step churn_steps[] = {
	{ .name = "churn", .defs = churn_def, .nr_defs = 1,
	  .hold = KTSTR_HOLD_FRAC_INIT(0.1) },
	{ .name = "loop", .ops = churn_ops, .nr_ops = 3,
	  .hold = { .kind = KTSTR_HOLD_LOOP, .interval_ms = 250, .frac = 0.9 } },
};

static const struct ktstr_scenario scenarios[] = {
	{
		.name = "cgroup_add_midrun",
		.description = "a second cgroup with workers added half way",
		.backdrop = &bd_one, .steps = add_steps, .nr_steps = 2,
	},
	{
		.name = "cgroup_remove_midrun",
		.description = "one of two cgroups removed (workers stopped) half way",
		.backdrop = &bd_two, .steps = remove_steps, .nr_steps = 2,
	},
	{
		.name = "cgroup_rapid_churn",
		.description = "a cgroup with workers replaced every 250 ms next to a steady one",
		.backdrop = &bd_one, .steps = churn_steps, .nr_steps = 2,
		/* Incarnations of one name differ in how long they ran. */
		.assert = { .has = KTSTR_A_HAS(max_spread_pct), .max_spread_pct = 100.0 },
	},
};

const struct ktstr_scenario_table ktstr_scenario_dynamic = {
	"dynamic", scenarios, KTSTR_ARRAY_SIZE(scenarios)
};
