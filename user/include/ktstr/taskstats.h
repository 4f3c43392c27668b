/* SPDX-License-Identifier: GPL-2.0 */
/*
 * taskstats: the kernel's per-task delay accounting over generic netlink
 * (the TASKSTATS family), a third witness beside ktstr.ko and the BPF
 * collector. Needs CAP_NET_ADMIN. Same conventions as dev.h: 0 or -errno,
 * never prints; ktstr_taskstats_last_error() says why in one line.
 */
#ifndef KTSTR_TASKSTATS_H
#define KTSTR_TASKSTATS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An open TASKSTATS netlink socket. Opaque. */
struct ktstr_taskstats;

/**
 * struct ktstr_ts_sample - what ktstr reads from struct taskstats
 * @version:		the kernel's TASKSTATS_VERSION
 * @cpu_count:		times the task was scheduled in (sched_info.pcount)
 * @cpu_delay_total:	ns runnable but waiting (sched_info.run_delay)
 * @cpu_run_real_total:	ns on CPU as utime + stime: tick-sampled, coarse
 * @cpu_run_virtual_total: ns on CPU as se.sum_exec_runtime: exact, what
 *			/proc/<pid>/schedstat shows first (use this one)
 * @nvcsw:		voluntary context switches
 * @nivcsw:		involuntary context switches
 */
struct ktstr_ts_sample {
	uint32_t version;
	uint64_t cpu_count;
	uint64_t cpu_delay_total;
	uint64_t cpu_run_real_total;
	uint64_t cpu_run_virtual_total;
	uint64_t nvcsw;
	uint64_t nivcsw;
};

/*
 * Connect and resolve the TASKSTATS family. -ENOENT if the kernel has no
 * taskstats (CONFIG_TASKSTATS off), -errno from the socket otherwise.
 */
int ktstr_taskstats_open(struct ktstr_taskstats **out);
void ktstr_taskstats_close(struct ktstr_taskstats *ts);
/*
 * Stats of one thread (TASKSTATS_CMD_ATTR_PID). -ESRCH if there is no such
 * task, -EPERM without CAP_NET_ADMIN, -EPROTO if the kernel's reply is
 * malformed or too old to hold the fields above.
 */
int ktstr_taskstats_get(struct ktstr_taskstats *ts, pid_t pid, struct ktstr_ts_sample *out);

/*
 * Decode a TASKSTATS_TYPE_STATS payload of len bytes (pure): copies
 * min(len, sizeof(struct taskstats)) and checks that the kernel's struct
 * version is known and the payload reaches nivcsw. 0 or -EPROTO.
 */
int ktstr_taskstats_parse(const void *payload, size_t len, struct ktstr_ts_sample *out);

const char *ktstr_taskstats_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_TASKSTATS_H */
