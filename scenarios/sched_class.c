// SPDX-License-Identifier: GPL-2.0
/* Category "sched_class": scheduling policies side by side with normal work. */
#include <ktstr/util.h>
#include <ktstr/scenario.h>

/*
 * Policies that by design wait behind others (SCHED_IDLE) are not judged
 * for fairness across classes, long gaps or long runnable waits.
 */
#define LENIENT_CLASSES {						\
	.has = KTSTR_A_HAS(max_spread_pct) | KTSTR_A_HAS(max_gap_ms) |	\
	       KTSTR_A_HAS(fail_on_starvation) | KTSTR_A_HAS(max_wait_ms),	\
	.max_spread_pct = 100.0, .max_gap_ms = 3600000,			\
	.fail_on_starvation = false, .max_wait_ms = 3600000,		\
}

static const struct ktstr_scenario scenarios[] = {
	{
		.name = "sched_batch",
		.description = "SCHED_BATCH workers next to normal ones",
		.nr_cgroups = 2,
		.nr_works = 2, .works = {
			{ .cgs = KTSTR_CG(0), .policy = KTSTR_SCHED_BATCH },
			{ .cgs = KTSTR_CG(1), .policy = KTSTR_SCHED_NORMAL },
		},
	},
	{
		.name = "sched_idle",
		.description = "SCHED_IDLE workers next to one normal worker",
		.nr_cgroups = 2,
		.nr_works = 2, .works = {
			{ .cgs = KTSTR_CG(0), .policy = KTSTR_SCHED_IDLE },
			{ .cgs = KTSTR_CG(1), .workers = 1, .policy = KTSTR_SCHED_NORMAL },
		},
		.assert = LENIENT_CLASSES,
	},
	{
		.name = "sched_fifo",
		.description = "one SCHED_FIFO(1) Bursty 500/250 ms worker next to normal ones",
		.nr_cgroups = 2,
		.nr_works = 2, .works = {
			{ .cgs = KTSTR_CG(0), .work = "Bursty{burst_ms=500,sleep_ms=250}",
			  .workers = 1, .policy = KTSTR_SCHED_FIFO, .prio = 1 },
			{ .cgs = KTSTR_CG(1) },
		},
	},
	{
		.name = "sched_rr",
		.description = "two SCHED_RR(1) Bursty workers next to normal ones",
		.nr_cgroups = 2,
		.nr_works = 2, .works = {
			{ .cgs = KTSTR_CG(0), .work = "Bursty{burst_ms=500,sleep_ms=250}",
			  .workers = 2, .policy = KTSTR_SCHED_RR, .prio = 1 },
			{ .cgs = KTSTR_CG(1) },
		},
	},
	{
		.name = "sched_mixed",
		.description = "normal, batch, idle and FIFO workers in four cgroups",
		.nr_cgroups = 4,
		.nr_works = 4, .works = {
			{ .cgs = KTSTR_CG(0), .policy = KTSTR_SCHED_NORMAL },
			{ .cgs = KTSTR_CG(1), .policy = KTSTR_SCHED_BATCH },
			{ .cgs = KTSTR_CG(2), .policy = KTSTR_SCHED_IDLE },
			{ .cgs = KTSTR_CG(3), .work = "Bursty{burst_ms=50,sleep_ms=100}",
			  .workers = 1, .policy = KTSTR_SCHED_FIFO, .prio = 1 },
		},
		.assert = LENIENT_CLASSES,
	},
	{
		.name = "cgroup_pipe_io",
		.description = "PipeIo pairs in two cgroups",
		.nr_cgroups = 2,
		.nr_works = 1, .works = { { .work = "PipeIo" } },
	},
};

const struct ktstr_scenario_table ktstr_scenario_sched_class = {
	"sched_class", scenarios, KTSTR_ARRAY_SIZE(scenarios)
};
