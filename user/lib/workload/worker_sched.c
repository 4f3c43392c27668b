// SPDX-License-Identifier: GPL-2.0
/*
 * Per-worker scheduling setup, applied by the worker itself after its
 * cgroup move: nice, policy (sched_setattr for every policy so DEADLINE
 * works without libc support), affinity and NUMA memory policy
 * (set_mempolicy, no libnuma).
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include <ktstr/worker.h>

#include "work_types.h"
#include "worker_priv.h"

/* struct sched_attr from the kernel ABI (SCHED_ATTR_SIZE_VER0). */
struct kt_sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
};

#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE	6
#endif
#ifndef SCHED_BATCH
#define SCHED_BATCH	3
#endif
#ifndef SCHED_IDLE
#define SCHED_IDLE	5
#endif
/* Keep the nice value across policy changes (SCHED_FLAG_KEEP_PARAMS would
 * also keep the priority, which FIFO/RR must set). */

int ktstr_set_policy(const struct ktstr_sched *s)
{
	struct kt_sched_attr a;

	if (s->policy == KTSTR_SCHED_INHERIT)
		return 0;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.sched_nice = getpriority(PRIO_PROCESS, 0);
	switch (s->policy) {
	case KTSTR_SCHED_NORMAL: a.sched_policy = SCHED_OTHER; break;
	case KTSTR_SCHED_BATCH: a.sched_policy = SCHED_BATCH; break;
	case KTSTR_SCHED_IDLE: a.sched_policy = SCHED_IDLE; break;
	case KTSTR_SCHED_FIFO: a.sched_policy = SCHED_FIFO; break;
	case KTSTR_SCHED_RR: a.sched_policy = SCHED_RR; break;
	case KTSTR_SCHED_DEADLINE:
		a.sched_policy = SCHED_DEADLINE;
		a.sched_nice = 0;
		a.sched_runtime = s->dl_runtime_ns;
		a.sched_deadline = s->dl_deadline_ns;
		a.sched_period = s->dl_period_ns;
		break;
	default:
		return -EINVAL;
	}
	if (s->policy == KTSTR_SCHED_FIFO || s->policy == KTSTR_SCHED_RR) {
		a.sched_priority = s->prio;
		a.sched_nice = 0;
	}
	if (syscall(SYS_sched_setattr, 0, &a, 0))
		return -errno;
	return 0;
}

static int set_affinity(const struct ktstr_cpuset *cpus)
{
	cpu_set_t set;

	ktstr_cpuset_to_cpu_set(cpus, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

static int set_mempolicy_(const struct ktstr_mempolicy *m)
{
	unsigned long mask[KTSTR_CPUSET_WORDS];
	unsigned long maxnode = 0;
	int mode = (int)m->mode | (int)m->flags;

	if (m->mode == KTSTR_MPOL_NONE)
		return 0;
	_Static_assert(sizeof(mask) == sizeof(m->nodes.bits), "node mask size");
	memcpy(mask, m->nodes.bits, sizeof(mask));
	if (!ktstr_cpuset_empty(&m->nodes))
		maxnode = ktstr_cpuset_last(&m->nodes) + 2;
	if (m->mode == KTSTR_MPOL_DEFAULT || m->mode == KTSTR_MPOL_LOCAL)
		maxnode = 0;
	if (syscall(SYS_set_mempolicy, mode, maxnode ? mask : NULL, maxnode))
		return -errno;
	return 0;
}

void ktstr_worker_apply(const struct ktstr_workload *wl,
			const struct ktstr_cpuset *aff, struct ktstr_report *r)
{
	if (wl->set_nice && setpriority(PRIO_PROCESS, 0, wl->nice))
		r->nice_error = -errno;
	r->policy_error = ktstr_set_policy(&wl->sched);
	if (!ktstr_cpuset_empty(aff))
		r->affinity_error = set_affinity(aff);
	r->mempolicy_error = set_mempolicy_(&wl->mem);
}
