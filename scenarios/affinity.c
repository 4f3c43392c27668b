// SPDX-License-Identifier: GPL-2.0
/* Category "affinity": worker CPU affinity within and across cgroups. */
#include <ktstr/util.h>
#include <ktstr/scenario.h>

#define QUARTER	KTSTR_HOLD_FRAC_INIT(0.25)

static const struct ktstr_cgroup_def two_plain[] = {
	{ .name = "cg_0" }, { .name = "cg_1" },
};
static const struct ktstr_backdrop bd_two_plain = { .defs = two_plain, .nr_defs = 2 };

/* A new random subset of CPUs for every worker of both cgroups. */
static const struct ktstr_op shuffle_ops[] = {
	{ .kind = KTSTR_OP_SET_AFFINITY, .cgroup = "cg_0",
	  .affinity = { .kind = KTSTR_AFF_RANDOM } },
	{ .kind = KTSTR_OP_SET_AFFINITY, .cgroup = "cg_1",
	  .affinity = { .kind = KTSTR_AFF_RANDOM } },
};
static const struct ktstr_step change_steps[] = {
	{ .name = "random 1", .ops = shuffle_ops, .nr_ops = 2, .hold = QUARTER },
	{ .name = "random 2", .ops = shuffle_ops, .nr_ops = 2, .hold = QUARTER },
	{ .name = "random 3", .ops = shuffle_ops, .nr_ops = 2, .hold = QUARTER },
	{ .name = "random 4", .ops = shuffle_ops, .nr_ops = 2, .hold = QUARTER },
};

static const struct ktstr_scenario scenarios[] = {
	{
		.name = "cgroup_affinity_inherit",
		.description = "Mixed workers inheriting the cgroup's CPUs",
		.nr_cgroups = 2,
		.nr_works = 1, .works = { { .work = "Mixed" } },
	},
	{
		.name = "cgroup_affinity_random",
		.description = "each worker bound to a random half of the CPUs",
		.min_cpus = 2,
		.nr_cgroups = 2,
		.nr_works = 1, .works = { { .affinity = KTSTR_SCENARIO_AFF_RANDOM } },
	},
	{
		.name = "cgroup_affinity_spanning",
		.description = "workers bound to the CPUs of the other cgroup's cpuset",
		.min_cpus = 2,
		.nr_cgroups = 2,
		.partition = KTSTR_PARTITION(SPLIT_HALF),
		.nr_works = 1, .works = { { .affinity = KTSTR_SCENARIO_AFF_CROSS_CGROUP } },
		/* The cpuset wins: the kernel runs them where both allow. */
	},
	{
		.name = "cgroup_affinity_pinned",
		.description = "each worker pinned to a single CPU, round robin",
		.nr_cgroups = 2,
		.nr_works = 1, .works = { { .affinity = KTSTR_SCENARIO_AFF_SINGLE_CPU } },
	},
	{
		.name = "cgroup_cpuset_llc_affinity",
		.description = "LLC-aligned cpusets with workers bound to their LLC",
		.min_llcs = 2,
		.nr_cgroups = 2,
		.partition = KTSTR_PARTITION(LLC_ALIGNED),
		.nr_works = 1, .works = { { .affinity = KTSTR_SCENARIO_AFF_LLC } },
	},
	{
		.name = "cgroup_affinity_change",
		.description = "worker affinities randomised four times during the run",
		.min_cpus = 2,
		.backdrop = &bd_two_plain, .steps = change_steps, .nr_steps = 4,
	},
};

const struct ktstr_scenario_table ktstr_scenario_affinity = {
	"affinity", scenarios, KTSTR_ARRAY_SIZE(scenarios)
};
