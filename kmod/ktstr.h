/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktstr.h - internal interfaces of ktstr.ko.
 *
 * The module is split by job:
 *   main.c	module parameters, init and exit
 *   session.c	sessions (one per open file): start, stop, what to track
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
#include <linux/wait.h>
#include <linux/irq_work.h>
#include <linux/timer.h>
#include <linux/pid_namespace.h>
#include <linux/seqlock.h>
#include <linux/hash.h>
#include <linux/cache.h>
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

struct ktstr_session;

/**
 * struct ktstr_task - one record of a session's task table
 * @hnode:	link in the task -> record hash while the task is tracked
 * @sess:	the session the record belongs to
 * @ready:	set (release) once the record is initialised; the pool slot
 *		is claimed a moment before that
 * @lock:	serialises everything below; taken with IRQs off, from probes
 * @task:	the task, NULL once it is freed or untracked; a record holds
 *		no reference: sched_process_free retires it under @lock first
 * @follow:	children of this task are tracked too
 * @pid:	thread id (the session's pid namespace)
 * @tgid:	thread group id (same)
 * @cgroup_id:	cgroup v2 id when tracking began
 * @start_time:	task start time (monotonic ns)
 * @comm:	last known name
 * @sum_exec_mark: se.sum_exec_runtime at the last switch-in (or track)
 * @run_delay_mark: sched_info.run_delay accounted so far
 * @last_wait:	the wait of the last switch-in, trued up at switch-out
 * @nvcsw_seen:	nvcsw at the last switch-out (or track)
 * @kern:	the kern_* cross-check values, frozen when @task goes away
 * @acct:	the accounting state machine
 * @nr_cpus:	bits set in @cpus
 * @cpus:	CPUs the task ran on
 */
struct ktstr_task {
	struct hlist_node hnode;
	struct ktstr_session *sess;
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
	struct ktstr_last_wait last_wait;
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
 * struct ktstr_cpu - module-wide per-CPU counters, written only by their
 * own CPU from the sched_switch probe (rq lock held, IRQs off), read
 * racily by snapshots (the busy fields inside @seq); they run while any
 * session tracks
 * @nr_switches:	context switches seen
 * @busy:		1 running a task, 0 idle, -1 not known yet; the probe
 *			compares it with the next task without @seq (its own
 *			CPU is the only writer) and takes the slow path, which
 *			reads the clock, only when it changes
 * @seq:		guards @busy_ns, @busy_since and writes of @busy
 * @busy_ns:		time spent running tasks, stretches that ended
 * @busy_since:		start of the busy stretch in progress
 */
struct ktstr_cpu {
	u64 nr_switches;
	int busy;
	seqcount_t seq;
	u64 busy_ns;
	u64 busy_since;
};

DECLARE_PER_CPU_ALIGNED(struct ktstr_cpu, ktstr_cpus);

/**
 * struct ktstr_sess_cpu - a session's per-CPU counters, written by their
 * own CPU from probes, read racily by snapshots
 * @switches_base:	ktstr_cpu.nr_switches when the session started
 * @busy_base:		ktstr_cpu busy time when the session started
 * @max_wait_ns:	longest wait of the session's tasks that ended here
 * @max_wait_pid:	its task (session's pid namespace)
 * @tracked_run_ns:	time this CPU ran the session's tasks
 * @hits:		probe calls that touched the session's tasks
 */
struct ktstr_sess_cpu {
	u64 switches_base;
	u64 busy_base;
	u64 max_wait_ns;
	pid_t max_wait_pid;
	u64 tracked_run_ns;
	u64 hits[KTSTR_NR_HITS];
};

/**
 * struct ktstr_ring - a session's event queue
 * @lock:	guards every field below
 * @slots:	the events, a power of two of them
 * @mask:	number of slots - 1
 * @head:	next to write
 * @tail:	next to read
 * @seq:	events produced, lost ones included
 * @lost:	events not queued because the ring was full
 */
struct ktstr_ring {
	raw_spinlock_t lock;
	struct ktstr_event *slots;
	u32 mask;
	u64 head;
	u64 tail;
	u64 seq;
	u64 lost;
};

/* main.c: module parameters */
extern unsigned int ktstr_capacity;
extern unsigned int ktstr_event_slots;
extern unsigned int ktstr_max_sessions;

/**
 * struct ktstr_session - one open file of /dev/ktstr
 * @lock:		serialises ioctls of the session: start, stop, track,
 *			config, snapshots
 * @read_lock:		serialises readers of the event queue
 * @rule_node:		in the list of sessions with a tracking rule (every
 *			task, or a cgroup) that the fork and cgroup probes walk
 * @active:		tracking: the session holds a reference on the probes
 * @closing:		being stopped: no record may be added any more
 * @on_rules:		@rule_node is linked
 * @track_all:		every task is tracked
 * @cgrp:		tracked subtree, holds a reference
 * @pid_ns:		the opener's pid namespace, pids are reported in it
 * @starve_threshold_ns: starvation threshold
 * @scan_interval_ns:	watchdog period, 0 for threshold / 4
 * @capacity:		records this session can hold
 * @event_size:		size of an event record returned by read()
 * @pool:		the records, @capacity of them while active
 * @used:		records handed out (may pass @capacity by failed claims)
 * @dropped:		tasks not tracked because @pool was full
 * @retired:		records whose task is gone or untracked
 * @runnable:		bitmap over @pool: records that may be runnable (set
 *			when one becomes runnable, cleared by the scan once it
 *			is not); the watchdog visits only these
 * @pcpu:		per-CPU counters
 * @ring:		the event queue
 * @wq:			readers waiting for events
 * @wake_work:		wakes @wq from probe context
 * @timer:		the watchdog scan
 * @scan_running:	@timer re-arms itself
 * @nr_scans:		watchdog scans done (whole passes)
 * @scan_cursor:	where a pass cut short by its budget resumes
 * @scan_visits:	records the watchdog looked at
 * @scan_ns:		time spent in scan ticks (the scan's own clock)
 * @scan_max_ns:	longest scan tick, written by the timer only
 */
struct ktstr_session {
	struct mutex lock;		/* see above */
	struct mutex read_lock;		/* see above */
	struct list_head rule_node;
	bool active;
	bool closing;
	bool on_rules;
	bool track_all;
	struct cgroup *cgrp;
	struct pid_namespace *pid_ns;
	u64 starve_threshold_ns;
	u64 scan_interval_ns;
	u32 capacity;
	u32 event_size;
	struct ktstr_task *pool;
	unsigned long *runnable;
	struct ktstr_sess_cpu __percpu *pcpu;
	/* Written on every insert and retire: off the lines probes read. */
	atomic_t used ____cacheline_aligned_in_smp;
	atomic64_t dropped;
	atomic64_t retired;
	struct ktstr_ring ring ____cacheline_aligned_in_smp;
	wait_queue_head_t wq;
	struct irq_work wake_work;
	struct timer_list timer;
	bool scan_running;
	atomic64_t nr_scans;
	u32 scan_cursor;
	atomic64_t scan_visits;
	atomic64_t scan_ns;
	u64 scan_max_ns;
};

/**
 * ktstr_mark_runnable() - tell the watchdog a record may be runnable
 * @t: the record, locked, its state just set
 *
 * The bit is cleared under the same lock by the scan, so a record that is
 * runnable always has its bit set.
 */
static inline void ktstr_mark_runnable(struct ktstr_task *t)
{
	unsigned long idx = t - t->sess->pool;

	if (t->acct.state == KTSTR_STATE_RUNNABLE && !test_bit(idx, t->sess->runnable))
		set_bit(idx, t->sess->runnable);
}

/* session.c */
struct ktstr_session *ktstr_session_open(void);
void ktstr_session_release(struct ktstr_session *s);
int ktstr_session_track(struct ktstr_session *s, const struct ktstr_track *tr);
int ktstr_session_untrack(struct ktstr_session *s, pid_t pid);
int ktstr_session_config(struct ktstr_session *s, const struct ktstr_config *cfg);
void ktstr_session_reset(struct ktstr_session *s);
unsigned int ktstr_sessions_tracking(void);
void ktstr_sessions_fork(struct task_struct *child);
void ktstr_sessions_attach(struct cgroup *dst, struct task_struct *task, bool threadgroup);

/* probes.c */
int ktstr_probes_lookup(void);
int ktstr_probes_attach(void);
void ktstr_probes_detach(void);
bool ktstr_probes_have_attach(void);
int ktstr_probes_attach_cgroup(void);
void ktstr_probes_detach_cgroup(void);

/*
 * table.c: the filter in front of the task hash. A clear bit means that no
 * session tracks a task whose pointer hashes there; bits are only set
 * while any session tracks, so the probes read it without a lock.
 */
#define KTSTR_FILTER_SHIFT	14
extern unsigned long ktstr_filter[BITS_TO_LONGS(1U << KTSTR_FILTER_SHIFT)];

/**
 * ktstr_maybe_tracked() - the probes' "is this task tracked" test
 * @p: a task
 *
 * Inline and branch-free up to its one memory load, so an untracked task
 * costs a probe a multiply and a bit test; a set bit sends the probe to
 * its slow path, which walks the hash chain (a false positive costs that
 * walk, never a wrong answer).
 *
 * Return: false if no session tracks @p; true if one may.
 */
static __always_inline bool ktstr_maybe_tracked(const struct task_struct *p)
{
	return test_bit(hash_ptr(p, KTSTR_FILTER_SHIFT), ktstr_filter);
}

/* table.c: the hash, task pointer -> records, read by the probes */
extern struct hlist_head *ktstr_buckets;
extern unsigned int ktstr_hash_bits;

/**
 * ktstr_table_head() - the hash chain that holds the records of @p
 * @p: the task
 *
 * Inline, so a probe's slow path reaches the chain without a call. Call
 * with preemption off or under rcu_read_lock(), and walk the chain with
 * hlist_for_each_entry_rcu().
 *
 * Return: the chain, or NULL if @p is surely not tracked by any session.
 */
static inline struct hlist_head *ktstr_table_head(const struct task_struct *p)
{
	if (!ktstr_maybe_tracked(p))
		return NULL;
	return &ktstr_buckets[hash_ptr(p, ktstr_hash_bits)];
}

int ktstr_table_init(void);
void ktstr_table_exit(void);
void ktstr_table_clear_filter(void);
int ktstr_pool_alloc(struct ktstr_session *s);
void ktstr_pool_free(struct ktstr_session *s);
void ktstr_pool_unhash(struct ktstr_session *s);
struct ktstr_task *ktstr_table_insert(struct ktstr_session *s, struct task_struct *p,
				      bool follow, bool from_fork);
unsigned int ktstr_table_retire(struct ktstr_session *s, struct task_struct *p, u32 why);
u32 ktstr_table_used(struct ktstr_session *s);
struct ktstr_task *ktstr_table_at(struct ktstr_session *s, u32 idx);
u64 ktstr_table_live(struct ktstr_session *s);
void ktstr_task_fill_rec(struct ktstr_task *t, struct ktstr_task_rec *rec, u64 now);
void ktstr_task_sync(struct ktstr_task *t, struct task_struct *p);

/* per-CPU counters, owned by table.c */
void ktstr_cpus_clear(void);
u64 ktstr_cpu_busy_ns(int cpu, u64 now);

/* watchdog.c */
int ktstr_ring_init(struct ktstr_session *s);
void ktstr_ring_exit(struct ktstr_session *s);
void ktstr_watchdog_start(struct ktstr_session *s);
void ktstr_watchdog_stop(struct ktstr_session *s);
void ktstr_events_clear(struct ktstr_session *s);
void ktstr_event_push(u32 type, struct ktstr_task *t, s32 cpu, u64 now,
		      u64 wait, u64 wait_start);
ssize_t ktstr_events_read(struct ktstr_session *s, char __user *buf, size_t count,
			  bool nonblock);
__poll_t ktstr_events_poll(struct ktstr_session *s, struct file *file,
			   struct poll_table_struct *wait);
u64 ktstr_events_lost(struct ktstr_session *s);
u64 ktstr_events_queued(struct ktstr_session *s);
u64 ktstr_scan_period(struct ktstr_session *s);

/* dev.c */
int ktstr_dev_init(void);
void ktstr_dev_exit(void);

static inline void ktstr_hit(struct ktstr_session *s, enum ktstr_hit h)
{
	BUILD_BUG_ON(sizeof_field(struct ktstr_stats, hits) < KTSTR_NR_HITS * sizeof(u64));
	this_cpu_inc(s->pcpu->hits[h]);
}

static inline u64 ktstr_now(void)
{
	return ktime_get_mono_fast_ns();
}

#endif /* KTSTR_H */
