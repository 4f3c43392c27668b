/* SPDX-License-Identifier: GPL-2.0 */
/* Private to worker*.c: the child side and per-worker setup. */
#ifndef KTSTR_LIB_WORKER_PRIV_H
#define KTSTR_LIB_WORKER_PRIV_H

#include <ktstr/worker.h>
#include <ktstr/workload.h>

/* Shared (MAP_SHARED) per-worker state the runner can see live. */
struct ktstr_worker_live {
	volatile int stop;		/* used in entry 0 only: the set's stop */
	int __pad;
	volatile uint64_t iterations;
	char __align[48];	/* one cache line each */
};

/* Nice, policy, affinity (@aff empty: none) and memory policy. */
void ktstr_worker_apply(const struct ktstr_workload *wl,
			const struct ktstr_cpuset *aff, struct ktstr_report *r);
/* The child after its start byte: run the work, fill @r. */
void ktstr_worker_run(const struct ktstr_workload *wl, struct ktstr_work_ctx *wc);

#endif
