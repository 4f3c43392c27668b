// SPDX-License-Identifier: GPL-2.0
/*
 * Category "cpuset": cpusets that overlap, appear, disappear, shrink, grow
 * and swap while the workers run (ops and steps, ops.h).
 */
#include <ktstr/util.h>
#include <ktstr/scenario.h>

#define HALF	KTSTR_HOLD_FRAC_INIT(0.5)
#define THIRD	KTSTR_HOLD_FRAC_INIT(0.34)

/* Two cgroups of default workers, no cpusets. */
static const struct ktstr_cgroup_def two_plain[] = {
	{ .name = "cg_0" }, { .name = "cg_1" },
};
static const struct ktstr_backdrop bd_two_plain = { .defs = two_plain, .nr_defs = 2 };

/* Two cgroups on disjoint halves. */
static const struct ktstr_cgroup_def two_disjoint[] = {
	{ .name = "cg_0", .cpuset = KTSTR_SPEC_DISJOINT(0, 2) },
	{ .name = "cg_1", .cpuset = KTSTR_SPEC_DISJOINT(1, 2) },
};
static const struct ktstr_backdrop bd_two_disjoint = { .defs = two_disjoint, .nr_defs = 2 };

/* Two cgroups on NUMA nodes 0 and 1. */
static const struct ktstr_cgroup_def two_numa[] = {
	{ .name = "cg_0", .cpuset = KTSTR_SPEC_NUMA(0) },
	{ .name = "cg_1", .cpuset = KTSTR_SPEC_NUMA(1) },
};
static const struct ktstr_backdrop bd_two_numa = { .defs = two_numa, .nr_defs = 2 };

static const struct ktstr_op apply_ops[] = {
	{ .kind = KTSTR_OP_SET_CPUSET, .cgroup = "cg_0", .cpuset = KTSTR_SPEC_DISJOINT(0, 2) },
	{ .kind = KTSTR_OP_SET_CPUSET, .cgroup = "cg_1", .cpuset = KTSTR_SPEC_DISJOINT(1, 2) },
};
static const struct ktstr_step apply_steps[] = {
	{ .name = "no cpusets", .hold = HALF },
	{ .name = "apply", .ops = apply_ops, .nr_ops = 2, .hold = HALF },
};

static const struct ktstr_op clear_ops[] = {
	{ .kind = KTSTR_OP_CLEAR_CPUSET, .cgroup = "cg_0" },
	{ .kind = KTSTR_OP_CLEAR_CPUSET, .cgroup = "cg_1" },
};
static const struct ktstr_step clear_steps[] = {
	{ .name = "disjoint", .hold = HALF },
	{ .name = "clear", .ops = clear_ops, .nr_ops = 2, .hold = HALF },
};

static const struct ktstr_op shrink_ops[] = {
	{ .kind = KTSTR_OP_SET_CPUSET, .cgroup = "cg_0", .cpuset = KTSTR_SPEC_RANGE(0.0, 0.25) },
	{ .kind = KTSTR_OP_SET_CPUSET, .cgroup = "cg_1", .cpuset = KTSTR_SPEC_RANGE(0.5, 0.75) },
};
static const struct ktstr_op grow_ops[] = {
	{ .kind = KTSTR_OP_SET_CPUSET, .cgroup = "cg_0", .cpuset = KTSTR_SPEC_RANGE(0.0, 0.5) },
	{ .kind = KTSTR_OP_SET_CPUSET, .cgroup = "cg_1", .cpuset = KTSTR_SPEC_RANGE(0.5, 1.0) },
};
static const struct ktstr_step resize_steps[] = {
	{ .name = "disjoint", .hold = THIRD },
	{ .name = "shrink", .ops = shrink_ops, .nr_ops = 2, .hold = THIRD },
	{ .name = "grow", .ops = grow_ops, .nr_ops = 2, .hold = THIRD },
};

static const struct ktstr_op swap_ops[] = {
	{ .kind = KTSTR_OP_SWAP_CPUSETS, .cgroup = "cg_0", .cgroup2 = "cg_1" },
};
static const struct ktstr_step swap_steps[] = {
	{ .name = "before", .hold = HALF },
	{ .name = "swapped", .ops = swap_ops, .nr_ops = 1, .hold = HALF },
};

static const struct ktstr_scenario scenarios[] = {
	{
		.name = "cgroup_cpuset_overlap_steady",
		.description = "three cgroups whose cpusets overlap by 50% with the next",
		.min_cpus = 3,
		.nr_cgroups = 3,
		.partition = KTSTR_OVERLAP(0.5),
	},
	{
		.name = "cgroup_cpuset_apply_midrun",
		.description = "disjoint cpusets applied to two running cgroups half way",
		.min_cpus = 2,
		.backdrop = &bd_two_plain, .steps = apply_steps, .nr_steps = 2,
	},
	{
		.name = "cgroup_cpuset_clear_midrun",
		.description = "disjoint cpusets of two running cgroups cleared half way",
		.min_cpus = 2,
		.backdrop = &bd_two_disjoint, .steps = clear_steps, .nr_steps = 2,
	},
	{
		.name = "cgroup_cpuset_resize",
		.description = "cpusets shrunk to a quarter each, then grown back to halves",
		.min_cpus = 4,
		.backdrop = &bd_two_disjoint, .steps = resize_steps, .nr_steps = 3,
	},
	{
		.name = "cgroup_cpuset_numa_swap",
		.description = "two cgroups on two NUMA nodes swap their cpusets half way",
		.min_nodes = 2,
		.backdrop = &bd_two_numa, .steps = swap_steps, .nr_steps = 2,
	},
	{
		.name = "cgroup_cpuset_swap_disjoint",
		.description = "two cgroups on disjoint halves swap their cpusets half way",
		.min_cpus = 2,
		.backdrop = &bd_two_disjoint, .steps = swap_steps, .nr_steps = 2,
	},
};

const struct ktstr_scenario_table ktstr_scenario_cpuset = {
	"cpuset", scenarios, KTSTR_ARRAY_SIZE(scenarios)
};
