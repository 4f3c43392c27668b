// SPDX-License-Identifier: GPL-2.0
/* Category "stall": load that a broken scheduler would stall on. */
#include <ktstr/scenario.h>

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
		.nr_cgroups = 2,
	},
};

const struct ktstr_scn_table ktstr_scn_stall = {
	"stall", scenarios, sizeof(scenarios) / sizeof(scenarios[0])
};
