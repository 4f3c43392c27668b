/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktstr.h - internal interfaces of ktstr.ko.
 *
 * The module is split by job:
 *   main.c	module parameters, init and exit
 *   session.c	the tracking session: start, stop, what to track
 *   probes.c	tracepoint lookup, registration and the probe functions
 *   table.c	the task table: preallocated records, task -> record hash
 *   watchdog.c	the starvation scan and the event queue
 *   dev.c	/dev/ktstr: ioctls, read, poll
 * include/uapi/linux/ktstr.h is the only contract with userspace.
 */
#ifndef KTSTR_H
#define KTSTR_H

#include <linux/types.h>
#include <linux/spinlock.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/cgroup.h>
#include <linux/atomic.h>
#include <linux/timekeeping.h>
#include <linux/percpu.h>
#include <linux/poll.h>
#include <linux/ktstr.h>

#include "ktstr_acct.h"

#define KTSTR_CPU_WORDS		BITS_TO_LONGS(KTSTR_MAX_CPUS)

/* Indexes of struct ktstr_stats.hits */
enum ktstr_hit {
	KTSTR_HIT_SWITCH,
	KTSTR_HIT_WAKEUP,
	KTSTR_HIT_WAKEUP_NEW,
	KTSTR_HIT_MIGRATE,
	KTSTR_HIT_FORK,
	KTSTR_HIT_EXIT,
	KTSTR_HIT_FREE,
	KTSTR_HIT_ATTACH,
	KTSTR_NR_HITS,
};

/**
 * struct ktstr_task - one record of the task table
 * @hnode:	link in the task -> record hash while the task is tracked
 * @ready:	set (release) once the record is initialised; the pool slot
 *		is claimed a moment before that
 * @lock:	serialises everything below; taken with IRQs off, from probes
 * @task:	the task, NULL once it is freed or untracked; a record holds
 *		no reference: sched_process_free retires it under @lock first
 * @follow:	children of this task are tracked too
 * @pid:	thread id (initial pid namespace)
 * @tgid:	thread group id
 * @cgroup_id:	cgroup v2 id when tracking began
 * @start_time:	task start time (boot-based ns)
 * @comm:	last known name
 * @sum_exec_mark: se.sum_exec_runtime at the last switch-in (or track)
 * @run_delay_mark: sched_info.run_delay accounted so far
 * @nvcsw_seen:	nvcsw at the last switch-out (or track)
 * @kern:	the kern_* cross-check values, frozen when @task goes away
 * @acct:	the accounting state machine
 * @nr_cpus:	bits set in @cpus
 * @cpus:	CPUs the task ran on
 */
struct ktstr_task {
	struct hlist_node hnode;
	bool ready;
	raw_spinlock_t lock;
	struct task_struct *task;
	bool follow;
	pid_t pid;
	pid_t tgid;
	u64 cgroup_id;
	u64 start_time;
	char comm[TASK_COMM_LEN];
	u64 sum_exec_mark;
	u64 run_delay_mark;
	unsigned long nvcsw_seen;
	struct {
		u64 sum_exec;
		u64 run_delay;
		u64 pcount;
		u64 nvcsw;
		u64 nivcsw;
		u64 nr_migrations;
	} kern;
	struct ktstr_acct acct;
	u32 nr_cpus;
	unsigned long cpus[KTSTR_CPU_WORDS];
};

/**
 * struct ktstr_cpu - per-CPU counters, written only by their own CPU from
 * the sched_switch probe (rq lock held, IRQs off), read racily by snapshots
 */
struct ktstr_cpu {
	u64 nr_switches;
	u64 busy_ns;
	u64 busy_since;
	int busy;		/* 1 running a task, 0 idle, -1 not known yet */
	u64 max_wait_ns;
	pid_t max_wait_pid;
	u64 tracked_run_ns;
	u64 hits[KTSTR_NR_HITS];
};

extern struct ktstr_cpu __percpu *ktstr_cpu_pcpu;

/* main.c: module parameters */
extern unsigned int ktstr_capacity;
extern unsigned int ktstr_event_slots;

/* session.c */
struct ktstr_session {
	struct mutex lock;	/* serialises session changes and snapshots */
	bool active;		/* probes attached */
	bool track_all;
	struct cgroup *cgrp;	/* tracked subtree, holds a reference */
	u64 starve_threshold_ns;
	u64 scan_interval_ns;
};
extern struct ktstr_session ktstr_sess;

int ktstr_session_init(void);
void ktstr_session_exit(void);
int ktstr_session_track(const struct ktstr_track *tr);
int ktstr_session_untrack(pid_t pid);
int ktstr_session_config(const struct ktstr_config *cfg);
void ktstr_session_reset(void);
bool ktstr_should_track_child(struct task_struct *parent, struct task_struct *child);

/* probes.c */
int ktstr_probes_lookup(void);
int ktstr_probes_attach(void);
void ktstr_probes_detach(void);
bool ktstr_probes_have_attach(void);

/* table.c */
int ktstr_table_init(void);
void ktstr_table_exit(void);
void ktstr_table_clear(void);
struct ktstr_task *ktstr_table_find(struct task_struct *p);
struct ktstr_task *ktstr_table_insert(struct task_struct *p, bool follow, bool from_fork);
bool ktstr_table_retire(struct task_struct *p, u32 why);
u32 ktstr_table_used(void);
struct ktstr_task *ktstr_table_at(u32 idx);
u64 ktstr_table_dropped(void);
u64 ktstr_table_live(void);
void ktstr_task_fill_rec(struct ktstr_task *t, struct ktstr_task_rec *rec, u64 now);
void ktstr_task_sync(struct ktstr_task *t, struct task_struct *p);

/* per-CPU counters, owned by table.c */
void ktstr_cpus_clear(void);

/* watchdog.c */
int ktstr_watchdog_init(void);
void ktstr_watchdog_exit(void);
void ktstr_watchdog_start(void);
void ktstr_watchdog_stop(void);
void ktstr_events_clear(void);
void ktstr_event_push(u32 type, struct ktstr_task *t, s32 cpu, u64 now,
		      u64 wait, u64 wait_start);
ssize_t ktstr_events_read(char __user *buf, size_t count, bool nonblock);
__poll_t ktstr_events_poll(struct file *file, struct poll_table_struct *wait);
u64 ktstr_events_lost(void);
u64 ktstr_events_queued(void);
u64 ktstr_watchdog_scans(void);
u64 ktstr_scan_period(void);

/* dev.c */
int ktstr_dev_init(void);
void ktstr_dev_exit(void);

static inline u64 ktstr_now(void)
{
	return ktime_get_mono_fast_ns();
}

#endif /* KTSTR_H */
