// SPDX-License-Identifier: GPL-2.0
/* Category "performance": cache-heavy and wake-heavy work under imbalance. */
#include <ktstr/util.h>
#include <ktstr/scenario.h>

static const struct ktstr_scenario scenarios[] = {
	{
		.name = "cache_pressure_imbalance",
		.description = "CachePressure workers, 4 in one cgroup and 1 in the other",
		.nr_cgroups = 2,
		.nr_works = 2, .works = {
			{ .cgs = KTSTR_CG(0), .work = "CachePressure", .workers = 4 },
			{ .cgs = KTSTR_CG(1), .work = "CachePressure", .workers = 1 },
		},
		.assert = { .has = KTSTR_A_HAS(max_spread_pct), .max_spread_pct = 35.0 },
	},
	{
		.name = "cache_yield_wake_affine",
		.description = "CacheYield workers: touch a cache footprint, yield, repeat",
		.nr_cgroups = 2,
		.nr_works = 1, .works = { { .work = "CacheYield" } },
	},
	{
		.name = "cache_pipe_io_compute_imbalance",
		.description = "CachePipe pairs next to four SpinWait workers",
		.nr_cgroups = 2,
		.nr_works = 2, .works = {
			{ .cgs = KTSTR_CG(0), .work = "CachePipe" },
			{ .cgs = KTSTR_CG(1), .workers = 4 },
		},
		.assert = { .has = KTSTR_A_HAS(max_spread_pct), .max_spread_pct = 35.0 },
	},
	{
		.name = "fan_out_wake",
		.description = "FutexFanOut: one messenger wakes four receivers",
		.nr_cgroups = 1,
		.nr_works = 1, .works = { { .work = "FutexFanOut" } },
		/* Messenger and receivers differ in off-CPU time by design. */
		.assert = { .has = KTSTR_A_HAS(max_spread_pct), .max_spread_pct = 100.0 },
	},
	{
		.name = "fan_out_compute",
		.description = "FanOutCompute: one messenger hands work to four computing workers",
		.nr_cgroups = 1,
		.nr_works = 1, .works = { { .work = "FanOutCompute" } },
		.assert = { .has = KTSTR_A_HAS(max_spread_pct), .max_spread_pct = 100.0 },
	},
};

const struct ktstr_scenario_table ktstr_scenario_performance = {
	"performance", scenarios, KTSTR_ARRAY_SIZE(scenarios)
};
