// SPDX-License-Identifier: GPL-2.0
/* Category "stall": load that a broken scheduler would stall on. */
#include <ktstr/util.h>
#include <ktstr/scenario.h>

static const struct ktstr_cgroup_def two[] = { { .name = "cg_0" }, { .name = "cg_1" } };
static const struct ktstr_backdrop bd_two = { .defs = two, .nr_defs = 2 };
/* Stop the scheduler half way (every task falls back to the default
 * class), start it again; the gap and stuck checks span the switch. */
static const struct ktstr_op restart_ops[] = {
	{ .kind = KTSTR_OP_RESTART_SCHEDULER },
};
static const struct ktstr_step restart_steps[] = {
	{ .name = "before", .hold = KTSTR_HOLD_FRAC_INIT(0.5) },
	{ .name = "restarted", .ops = restart_ops, .nr_ops = 1,
	  .hold = KTSTR_HOLD_FRAC_INIT(0.5) },
};

static const struct ktstr_scenario scenarios[] = {
	{
		.name = "stall_detect",
		.description = "one cgroup overloaded four workers per CPU next to a normal one; "
			       "no worker may stall",
		.nr_cgroups = 2,
		.nr_works = 2, .works = {
			{ .cgs = KTSTR_CG(0), .workers = -4 },
			{ .cgs = KTSTR_CG(1) },
		},
		/* Fairness across 4x oversubscription is not the point here. */
		.assert = { .has = KTSTR_A_HAS(max_spread_pct), .max_spread_pct = 35.0 },
	},
	{
		.name = "stall_recovery",
		.description = "workers keep progressing across an scx scheduler restart",
		.needs_sched = true,
		.backdrop = &bd_two, .steps = restart_steps, .nr_steps = 2,
	},
};

const struct ktstr_scenario_table ktstr_scenario_stall = {
	"stall", scenarios, KTSTR_ARRAY_SIZE(scenarios)
};
