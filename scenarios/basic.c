// SPDX-License-Identifier: GPL-2.0
/* Category "basic": steady cgroups with and without LLC-aligned cpusets. */
#include <ktstr/util.h>
#include <ktstr/scenario.h>

static const struct ktstr_scenario scenarios[] = {
	{
		.name = "cgroup_steady",
		.description = "two cgroups of SpinWait workers, no cpusets",
		.nr_cgroups = 2,
	},
	{
		.name = "cgroup_cpuset_llc_steady",
		.description = "two cgroups, each confined to its own LLC",
		.min_llcs = 2,
		.required_flags = KTSTR_F(LLC),
		.nr_cgroups = 2,
		.partition = KTSTR_PARTITION(LLC_ALIGNED),
	},
	{
		.name = "cgroup_cpuset_cross_llc_steady",
		.description = "two cgroups split half an LLC off the LLC boundary, so one spans two LLCs",
		.min_llcs = 2,
		.nr_cgroups = 2,
		.partition = KTSTR_PARTITION(SPLIT_MISALIGNED),
	},
};

const struct ktstr_scenario_table ktstr_scenario_basic = {
	"basic", scenarios, KTSTR_ARRAY_SIZE(scenarios)
};
