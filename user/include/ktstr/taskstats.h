/* SPDX-License-Identifier: GPL-2.0 */
/*
 * taskstats: the kernel's per-task delay accounting over generic netlink
 * (the TASKSTATS family), a third witness beside ktstr.ko and the BPF
 * collector. Needs CAP_NET_ADMIN. Same conventions as dev.h: 0 or -errno,
 * never prints; ktstr_last_error() says why in one line.
 *
 * Two ways in: TASKSTATS_CMD_GET for one live thread (ktstr_taskstats_get),
 * and the exit notifications (ktstr_taskstats_listen): a second socket
 * registered with TASKSTATS_CMD_ATTR_REGISTER_CPUMASK for every possible
 * CPU, to which the kernel sends each exiting thread's final struct
 * taskstats (TASKSTATS_TYPE_AGGR_PID) from do_exit().
 */
#ifndef KTSTR_TASKSTATS_H
#define KTSTR_TASKSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <ktstr/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/**
 * DOC: struct ktstr_taskstats
 *
 * An open TASKSTATS netlink socket (and, once listening, the exit
 * socket). Opaque.
 */
struct ktstr_taskstats;

/**
 * DOC: KTSTR_TASKSTATS_COMM_LEN
 *
 * KTSTR_TASKSTATS_COMM_LEN is the size of ac_comm of struct taskstats
 * (TS_COMM_LEN).
 */
#define KTSTR_TASKSTATS_COMM_LEN	32

/**
 * struct ktstr_taskstats_sample - what ktstr reads from struct taskstats
 * @version:		the kernel's TASKSTATS_VERSION
 * @pid:		ac_pid: the thread (initial pid namespace)
 * @ppid:		ac_ppid: thread group id of its real parent
 * @tgid:		ac_tgid: its thread group id (struct version >= 12), or 0
 * @exit_code:		ac_exitcode: wait(2)-style status; valid in exit records
 * @btime:		ac_btime: start time, seconds since 1970
 * @comm:		ac_comm, NUL-terminated
 * @cpu_count:		times the task was scheduled in (sched_info.pcount)
 * @cpu_delay_total:	ns runnable but waiting (sched_info.run_delay)
 * @cpu_run_real_total:	ns on CPU as utime + stime: tick-sampled, coarse
 * @cpu_run_virtual_total: ns on CPU as se.sum_exec_runtime: exact, what
 *			/proc/<pid>/schedstat shows first (use this one)
 * @nvcsw:		voluntary context switches
 * @nivcsw:		involuntary context switches
 */
struct ktstr_taskstats_sample {
	uint32_t version;
	int32_t pid;
	int32_t ppid;
	int32_t tgid;
	uint32_t exit_code;
	uint32_t btime;
	char comm[KTSTR_TASKSTATS_COMM_LEN];
	uint64_t cpu_count;
	uint64_t cpu_delay_total;
	uint64_t cpu_run_real_total;
	uint64_t cpu_run_virtual_total;
	uint64_t nvcsw;
	uint64_t nivcsw;
};

/**
 * ktstr_taskstats_open() - open a TASKSTATS socket
 * @out: the socket on success, NULL on failure
 *
 * Connects and resolves the TASKSTATS family.
 *
 * Return: 0; -ENOENT if the kernel has no taskstats (CONFIG_TASKSTATS
 * off), -errno from the socket otherwise (-EINVAL for a NULL @out).
 */
int ktstr_taskstats_open(struct ktstr_taskstats **out);
/**
 * ktstr_taskstats_close() - close the socket
 * @ts: the socket; NULL is a no-op
 *
 * Deregisters the exit socket when listening.
 */
void ktstr_taskstats_close(struct ktstr_taskstats *ts);
/**
 * ktstr_taskstats_get() - stats of one live thread
 * @ts: the socket
 * @pid: the thread (TASKSTATS_CMD_ATTR_PID)
 * @out: receives its stats
 *
 * Return: 0; -ESRCH if there is no such task, -EPERM without
 * CAP_NET_ADMIN, -EPROTO if the kernel's reply is malformed or too old to
 * hold the fields of struct ktstr_taskstats_sample, or another -errno.
 */
int ktstr_taskstats_get(struct ktstr_taskstats *ts, pid_t pid, struct ktstr_taskstats_sample *out);

/**
 * ktstr_taskstats_parse() - decode a struct taskstats payload
 * @payload: a TASKSTATS_TYPE_STATS payload
 * @len: its size in bytes
 * @out: receives the fields
 *
 * Pure: copies min(@len, sizeof(struct taskstats)) and checks that the
 * kernel's struct version is known and the payload reaches nivcsw.
 *
 * Return: 0 or -EPROTO.
 */
int ktstr_taskstats_parse(const void *payload, size_t len, struct ktstr_taskstats_sample *out);

/**
 * ktstr_taskstats_decode() - decode one whole TASKSTATS message
 * @msg: the message: struct nlmsghdr, genlmsghdr and the attributes
 * @len: its size in bytes
 * @out: receives the fields
 *
 * Pure. The message holds TASKSTATS_TYPE_AGGR_PID { PID, STATS }, as a
 * GET reply or an exit record.
 *
 * Return: 0; -ENOMSG if it has no AGGR_PID (nothing to read), -EPROTO if
 * it is malformed or its struct fails ktstr_taskstats_parse().
 */
int ktstr_taskstats_decode(const void *msg, size_t len, struct ktstr_taskstats_sample *out);

/**
 * DOC: KTSTR_TASKSTATS_EXIT_RCVBUF
 *
 * KTSTR_TASKSTATS_EXIT_RCVBUF is the receive buffer of the exit socket
 * when ktstr_taskstats_listen() gets 0.
 */
#define KTSTR_TASKSTATS_EXIT_RCVBUF	(8U << 20)

/**
 * ktstr_taskstats_listen() - start receiving exit records
 * @ts: the socket
 * @rcvbuf: receive buffer of the exit socket in bytes
 *	(0: KTSTR_TASKSTATS_EXIT_RCVBUF; beyond rmem_max with CAP_NET_ADMIN)
 *
 * Opens a second socket, sets its receive buffer to @rcvbuf bytes and
 * registers it for all possible CPUs (/sys/devices/system/cpu/possible).
 * Records queue in the socket until ktstr_taskstats_drain().
 * ktstr_taskstats_close() deregisters.
 *
 * Return: 0; -EINVAL outside the initial pid and user namespaces (the
 * kernel's rule), -EBUSY if already listening, or another -errno.
 */
int ktstr_taskstats_listen(struct ktstr_taskstats *ts, size_t rcvbuf);
/**
 * ktstr_taskstats_listening() - whether exit records are being received
 * @ts: the socket
 *
 * Return: true after a successful ktstr_taskstats_listen(); false
 * otherwise and for NULL.
 */
bool ktstr_taskstats_listening(const struct ktstr_taskstats *ts);

/**
 * typedef ktstr_taskstats_exit_fn - called for each exit record
 * @s: the record
 * @arg: the caller's argument
 *
 * Return: 0 to go on; a negative return stops the drain.
 */
typedef int (*ktstr_taskstats_exit_fn)(const struct ktstr_taskstats_sample *s, void *arg);

/**
 * ktstr_taskstats_drain() - hand over the exit records queued so far
 * @ts: the socket
 * @fn: called for each record
 * @arg: @fn's argument
 *
 * Hands every exit record queued so far to @fn, without blocking. A
 * receive buffer that overflowed (ENOBUFS: the kernel dropped records)
 * and records that could not be decoded are counted in
 * ktstr_taskstats_overruns(), and the drain goes on.
 *
 * Return: the number of records, or -errno.
 */
int ktstr_taskstats_drain(struct ktstr_taskstats *ts, ktstr_taskstats_exit_fn fn, void *arg);
/**
 * ktstr_taskstats_overruns() - exit records lost since listen
 * @ts: the socket
 *
 * Return: overflows and undecodable exit records since listen (each lost
 * >= 1 exit); 0 for NULL.
 */
uint64_t ktstr_taskstats_overruns(const struct ktstr_taskstats *ts);

/**
 * ktstr_taskstats_book_new() - an offline taskstats backend state
 *
 * The taskstats backend's bookkeeping (backend_taskstats.c), exposed for
 * the unit tests. An offline state has no socket: its snapshots scan
 * /proc but read no live task, and only the exit records fed in by hand
 * (ktstr_taskstats_book_exit()) count. Use
 * ktstr_backend_taskstats.snapshot/.close on it.
 *
 * Return: the state, or NULL when out of memory.
 */
void *ktstr_taskstats_book_new(void);
/**
 * ktstr_taskstats_book_track() - track a task in an offline state
 * @st: a state from ktstr_taskstats_book_new()
 * @pid: the task
 * @follow: and its children
 * @base: its stats when tracking starts (what ktstr_taskstats_get()
 *	would give)
 *
 * Return: 0; -EINVAL for a NULL pointer or @pid <= 0, -ENOMEM.
 */
int ktstr_taskstats_book_track(void *st, pid_t pid, bool follow, const struct ktstr_taskstats_sample *base);
/**
 * ktstr_taskstats_book_exit() - feed an exit record to an offline state
 * @st: a state from ktstr_taskstats_book_new()
 * @ex: the exit record
 *
 * A record that belongs to no tracked task is kept until the end of the
 * next snapshot, for a parent that turns up later.
 *
 * Return: 1 if the record belongs to a tracked task, or to a child
 * (transitively, or a thread) of one tracked with follow, else 0;
 * -EINVAL for a NULL pointer, -ENOMEM.
 */
int ktstr_taskstats_book_exit(void *st, const struct ktstr_taskstats_sample *ex);
/**
 * ktstr_taskstats_book_overrun() - count lost exit records in a state
 * @st: a state from ktstr_taskstats_book_new(); NULL is a no-op
 * @n: how many overruns to add to its dropped count
 */
void ktstr_taskstats_book_overrun(void *st, uint64_t n);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_TASKSTATS_H */
