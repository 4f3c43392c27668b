/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collector.h - what the BPF collector's two halves share: the per-task
 * value of the `tasks` map (written by ktstr_collect.bpf.c, read by
 * collector.c; compiled in with KTSTR_BPF_INTERNAL, and u32/u64/s32
 * typedefs, on the user side), plus the user-side API of collector.c,
 * which is all that user/lib/collect/backend_bpf.c sees.
 *
 * The accounting itself is kmod/ktstr_acct.h, the very state machine the
 * module runs, compiled into the BPF program: so both tracers classify
 * every event the same way and differ only in how they are hooked.
 */
#ifndef KTSTR_BPF_COLLECTOR_H
#define KTSTR_BPF_COLLECTOR_H

#if defined(__bpf__) || defined(KTSTR_BPF_INTERNAL)
#ifdef __bpf__
/*
 * clang 14 (Debian 12) crashes lowering ctlz for BPF; ktstr_hist_slot()
 * only needs the bit length of a non-zero value, so count it by halves.
 */
static __always_inline int ktstr_bpf_clzll(unsigned long long v)
{
	int n = 0;

	if (!(v >> 32)) { n += 32; v <<= 32; }
	if (!(v >> 48)) { n += 16; v <<= 16; }
	if (!(v >> 56)) { n += 8; v <<= 8; }
	if (!(v >> 60)) { n += 4; v <<= 4; }
	if (!(v >> 62)) { n += 2; v <<= 2; }
	if (!(v >> 63)) n += 1;
	return n;
}
#define __builtin_clzll ktstr_bpf_clzll
#endif
#include "ktstr_acct.h"

/* Default number of task records (the map is preallocated). */
#define KTSTR_BPF_CAPACITY	8192

/**
 * struct ktstr_bpf_task - one tracked task, value of the `tasks` map (key: pid)
 * @acct:		the module's accounting state machine
 * @pending:		1 from KTSTR track until the task iterator set it up
 * @follow:		children it forks are tracked too
 * @pid:		thread id
 * @tgid:		thread group id
 * @nr_cpus:		distinct CPUs it ran on
 * @__pad:		0
 * @start_time:		task start time: with @pid, tells a reused pid apart
 * @cgroup_id:		cgroup v2 id when tracking began
 * @sum_exec_mark:	se.sum_exec_runtime already counted
 * @run_delay_mark:	sched_info.run_delay (+ open wait) already counted
 * @nvcsw_seen:		nvcsw at the last switch-out
 * @kern:		kernel totals at the last sync (sum_exec, run_delay,
 *			pcount, nvcsw, nivcsw, nr_migrations)
 * @comm:		task name
 * @cpus:		bitmap of CPUs it ran on
 */
struct ktstr_bpf_task {
	struct ktstr_acct acct;
	__u32 pending;
	__u32 follow;
	__s32 pid;
	__s32 tgid;
	__u32 nr_cpus;
	__u32 __pad;
	__u64 start_time;
	__u64 cgroup_id;
	__u64 sum_exec_mark;
	__u64 run_delay_mark;
	__u64 nvcsw_seen;
	__u64 kern[6];
	char comm[KTSTR_COMM_LEN];
	__u64 cpus[KTSTR_MAX_CPUS / 64];
};

enum ktstr_bpf_kern {
	KTSTR_BPF_K_SUM_EXEC,
	KTSTR_BPF_K_RUN_DELAY,
	KTSTR_BPF_K_PCOUNT,
	KTSTR_BPF_K_NVCSW,
	KTSTR_BPF_K_NIVCSW,
	KTSTR_BPF_K_MIGRATIONS,
};
#endif /* __bpf__ || KTSTR_BPF_INTERNAL */

#ifndef __bpf__
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <linux/ktstr.h>
#include <ktstr/error.h>

struct ktstr_bpf;

/*
 * Load the collector (capacity task records, 0 for the default) and attach
 * its programs. -EPERM without CAP_BPF/CAP_PERFMON (or CAP_SYS_ADMIN),
 * -ENOTSUP when ktstr was built without BPF, other -errno from libbpf.
 */
int ktstr_bpf_open(struct ktstr_bpf **out, unsigned int capacity);
void ktstr_bpf_close(struct ktstr_bpf *b);
/* Track one thread from now on; follow: its future children too. */
int ktstr_bpf_track_pid(struct ktstr_bpf *b, pid_t pid, bool follow);
/*
 * Every record, in the module's format (malloc()ed, caller frees);
 * dropped (optional): tasks not tracked because the map was full.
 */
int ktstr_bpf_snapshot(struct ktstr_bpf *b, struct ktstr_task_rec **recs, size_t *n,
		       unsigned long long *dropped);
/* Forget every task (tracked or recorded) and the dropped count. */
int ktstr_bpf_reset(struct ktstr_bpf *b);
/* Tasks not tracked because the map was full, so far. */
unsigned long long ktstr_bpf_dropped(const struct ktstr_bpf *b);
/* One-line description of the last failure ("" if none). */
const char *ktstr_bpf_last_error(void);
#endif

#endif /* KTSTR_BPF_COLLECTOR_H */
