// SPDX-License-Identifier: GPL-2.0
/*
 * table.c - the task tables of ktstr.ko.
 *
 * Each session has its own pool of records, allocated when it starts
 * tracking and handed out in order, never freed one by one: the records
 * of exited tasks stay readable until the session stops, and a probe
 * never allocates. One hash, shared by every session, maps a live
 * task_struct pointer to its records (one per session that tracks it), so
 * the probes do one lookup whatever the number of sessions. Lookups are
 * lockless under RCU (probes run with preemption off); inserts and
 * removals take a striped bucket lock with IRQs off, since
 * sched_process_free runs from an RCU callback.
 *
 * Records are keyed by task pointer, not pid: a pid can be reused before
 * sched_process_free, the pointer cannot.
 */
#include <linux/vmalloc.h>
#include <linux/hash.h>
#include <linux/percpu.h>
#include <linux/rculist.h>
#include <linux/log2.h>
#include <linux/sched/cputime.h>
#include <linux/string.h>
#include "ktstr.h"

#define KTSTR_HASH_LOCKS	256
/*
 * A bitmap of hashed task pointers (ktstr_maybe_tracked()), small enough
 * to stay in cache: most scheduler events are about untracked tasks, and
 * a clear bit answers "not tracked" without touching the (large, cold)
 * hash buckets. Bits are only set, never cleared while a session tracks:
 * a stale bit costs one bucket walk, never a wrong answer. It is read by
 * every probe call and written only when a task is first tracked, so it
 * has cache lines of its own, as do the read-mostly hash geometry and the
 * bucket locks (written on every insert and free of a tracked task).
 */
unsigned long ktstr_filter[BITS_TO_LONGS(1U << KTSTR_FILTER_SHIFT)] ____cacheline_aligned;

struct hlist_head *ktstr_buckets __read_mostly;
unsigned int ktstr_hash_bits __read_mostly;
static raw_spinlock_t bucket_locks[KTSTR_HASH_LOCKS] ____cacheline_aligned_in_smp;

DEFINE_PER_CPU_ALIGNED(struct ktstr_cpu, ktstr_cpus);

static inline unsigned int bucket_of(const struct task_struct *p)
{
	return hash_ptr(p, ktstr_hash_bits);
}

static inline unsigned int filter_of(const struct task_struct *p)
{
	return hash_ptr(p, KTSTR_FILTER_SHIFT);
}

static inline raw_spinlock_t *lock_of(unsigned int b)
{
	return &bucket_locks[b & (KTSTR_HASH_LOCKS - 1)];
}

/**
 * ktstr_table_init() - allocate the hash, reset the module-wide per-CPU
 * counters
 *
 * The hash has two buckets per record of one full session; sessions that
 * track the same tasks share chains.
 *
 * Return: 0 or -ENOMEM.
 */
int ktstr_table_init(void)
{
	unsigned int i;

	ktstr_hash_bits = ilog2(roundup_pow_of_two(ktstr_capacity)) + 1;
	ktstr_buckets = vzalloc(array_size(1U << ktstr_hash_bits, sizeof(*ktstr_buckets)));
	if (!ktstr_buckets)
		return -ENOMEM;
	for (i = 0; i < KTSTR_HASH_LOCKS; i++)
		raw_spin_lock_init(&bucket_locks[i]);
	ktstr_cpus_clear();
	return 0;
}

void ktstr_table_exit(void)
{
	vfree(ktstr_buckets);
}

/**
 * ktstr_table_clear_filter() - forget every filter bit
 *
 * Only with the probes detached (no session tracking).
 */
void ktstr_table_clear_filter(void)
{
	bitmap_zero(ktstr_filter, 1U << KTSTR_FILTER_SHIFT);
}

/**
 * ktstr_pool_alloc() - give a session its records
 * @s: the session, not tracking yet
 *
 * Return: 0 or -ENOMEM.
 */
int ktstr_pool_alloc(struct ktstr_session *s)
{
	s->pool = vzalloc(array_size(s->capacity, sizeof(*s->pool)));
	if (!s->pool)
		return -ENOMEM;
	s->runnable = vzalloc(array_size(BITS_TO_LONGS(s->capacity), sizeof(long)));
	if (!s->runnable) {
		vfree(s->pool);
		s->pool = NULL;
		return -ENOMEM;
	}
	s->scan_cursor = 0;
	atomic64_set(&s->scan_visits, 0);
	atomic_set(&s->used, 0);
	atomic64_set(&s->dropped, 0);
	atomic64_set(&s->retired, 0);
	return 0;
}

/**
 * ktstr_pool_free() - free a session's records
 * @s: the session; its records are unhashed and no probe can see them
 *     any more (a grace period passed)
 */
void ktstr_pool_free(struct ktstr_session *s)
{
	vfree(s->runnable);
	s->runnable = NULL;
	vfree(s->pool);
	s->pool = NULL;
	atomic_set(&s->used, 0);
}

/**
 * ktstr_task_sync() - copy the ids, the name and the kernel's own counters
 * of @p into its record
 * @t: the record, locked (or not yet published), @t->sess set
 * @p: its task, alive
 *
 * The ids are read again while the task still has its pid: a thread that
 * execs takes its leader's pid (de_thread()), so the tid tracked first is
 * stale after that.
 */
void ktstr_task_sync(struct ktstr_task *t, struct task_struct *p)
{
	if (pid_alive(p)) {
		t->pid = __task_pid_nr_ns(p, PIDTYPE_PID, t->sess->pid_ns);
		t->tgid = __task_pid_nr_ns(p, PIDTYPE_TGID, t->sess->pid_ns);
	}
	memcpy(t->comm, p->comm, TASK_COMM_LEN);
	t->comm[TASK_COMM_LEN - 1] = '\0';
	t->kern.sum_exec = READ_ONCE(p->se.sum_exec_runtime);
#ifdef CONFIG_SCHED_INFO
	t->kern.run_delay = READ_ONCE(p->sched_info.run_delay);
	t->kern.pcount = READ_ONCE(p->sched_info.pcount);
#endif
	t->kern.nvcsw = READ_ONCE(p->nvcsw);
	t->kern.nivcsw = READ_ONCE(p->nivcsw);
	t->kern.nr_migrations = READ_ONCE(p->se.nr_migrations);
}

static void ktstr_task_setup(struct ktstr_session *s, struct ktstr_task *t,
			     struct task_struct *p, bool follow, bool from_fork)
{
	bool queued = task_is_running(p) && !READ_ONCE(p->on_cpu) && !from_fork;

	raw_spin_lock_init(&t->lock);
	t->sess = s;
	t->follow = follow;
	/* Pids as the opener sees them (0 when the task is outside). */
	t->pid = __task_pid_nr_ns(p, PIDTYPE_PID, s->pid_ns);
	t->tgid = __task_pid_nr_ns(p, PIDTYPE_TGID, s->pid_ns);
	t->start_time = p->start_time;
	rcu_read_lock();
	t->cgroup_id = cgroup_id(task_dfl_cgroup(p));
	rcu_read_unlock();
	/* Count from now on: the marks are the kernel's totals so far. */
	t->sum_exec_mark = READ_ONCE(p->se.sum_exec_runtime);
#ifdef CONFIG_SCHED_INFO
	t->run_delay_mark = READ_ONCE(p->sched_info.run_delay);
#endif
	t->nvcsw_seen = READ_ONCE(p->nvcsw);
	ktstr_acct_init(&t->acct, ktstr_now(), queued, task_cpu(p));
	if (from_fork)
		t->acct.flags |= KTSTR_TASK_FROM_FORK;
	ktstr_mark_runnable(t);
	ktstr_task_sync(t, p);
	/* Publish: lockless readers compare ->task after finding the node. */
	smp_store_release(&t->task, p);
	/* Pairs with the acquire in ktstr_table_at(): the record is whole. */
	smp_store_release(&t->ready, true);
}

/**
 * ktstr_table_insert() - start tracking a task in a session
 * @s:		the session
 * @p:		the task; the caller keeps it from being freed (RCU read side,
 *		or it is a child not yet running)
 * @follow:	track its future children too
 * @from_fork:	@p was just forked: tracked from its first instant
 *
 * Never sleeps nor allocates: callable from the fork and cgroup probes. A
 * session that is stopping takes no new record.
 *
 * Return: the record (also when @p was tracked already), or NULL when the
 * pool is full (counted as dropped) or the session is stopping.
 */
struct ktstr_task *ktstr_table_insert(struct ktstr_session *s, struct task_struct *p,
				      bool follow, bool from_fork)
{
	unsigned int b = bucket_of(p);
	struct ktstr_task *t;
	unsigned long flags;
	int idx;

	raw_spin_lock_irqsave(lock_of(b), flags);
	if (READ_ONCE(s->closing)) {
		t = NULL;
		goto out;
	}
	hlist_for_each_entry(t, &ktstr_buckets[b], hnode) {
		if (t->task == p && t->sess == s) {
			t->follow |= follow;
			goto out;
		}
	}
	idx = atomic_fetch_add_unless(&s->used, 1, s->capacity);
	if (idx >= s->capacity) {
		atomic64_inc(&s->dropped);
		t = NULL;
		goto out;
	}
	t = &s->pool[idx];
	ktstr_task_setup(s, t, p, follow, from_fork);
	set_bit(filter_of(p), ktstr_filter);
	/* The filter bit is visible before the node: hlist_add_head_rcu releases. */
	hlist_add_head_rcu(&t->hnode, &ktstr_buckets[b]);
out:
	raw_spin_unlock_irqrestore(lock_of(b), flags);
	return t;
}

/*
 * A record stops being tracked (untrack, reset) in the middle of a
 * starvation episode: the episode ends for the session now, with its
 * STARVE_END, as the task would have had it when it ran. @t->lock held.
 */
static void ktstr_starve_close(struct ktstr_task *t)
{
	u64 now, wait;

	if (!(t->acct.flags & KTSTR_TASK_STARVING))
		return;
	now = ktstr_now();
	wait = ktstr_acct_cur_wait(&t->acct, now);
	ktstr_acct_starve_done(&t->acct, wait);
	ktstr_event_push(KTSTR_EV_STARVE_END, t, t->acct.wait_cpu, now, wait,
			 t->acct.wait_start);
}

/* Unhash one record: bucket lock of its task held. */
static void ktstr_retire_one(struct ktstr_task *t, struct task_struct *p, u32 why)
{
	raw_spin_lock(&t->lock);
	ktstr_task_sync(t, p);
	t->acct.flags |= why;
	if (why == KTSTR_TASK_FREED)
		t->acct.state = KTSTR_STATE_DEAD;
	if (why == KTSTR_TASK_UNTRACKED)
		ktstr_starve_close(t);
	WRITE_ONCE(t->task, NULL);
	raw_spin_unlock(&t->lock);
	hlist_del_rcu(&t->hnode);
	atomic64_inc(&t->sess->retired);
}

/**
 * ktstr_table_retire() - stop tracking a task, keep its records
 * @s:		the session, or NULL for every session
 * @p:		the task
 * @why:	KTSTR_TASK_FREED or KTSTR_TASK_UNTRACKED
 *
 * Called from sched_process_free (RCU callback) or the untrack ioctl. The
 * kernel counters are frozen at their last value first, while @p is alive.
 *
 * Return: the number of records retired.
 */
unsigned int ktstr_table_retire(struct ktstr_session *s, struct task_struct *p, u32 why)
{
	unsigned int b = bucket_of(p), n = 0;
	struct hlist_node *tmp;
	struct ktstr_task *t;
	unsigned long flags;

	raw_spin_lock_irqsave(lock_of(b), flags);
	hlist_for_each_entry_safe(t, tmp, &ktstr_buckets[b], hnode) {
		if (t->task != p || (s && t->sess != s))
			continue;
		ktstr_retire_one(t, p, why);
		n++;
	}
	raw_spin_unlock_irqrestore(lock_of(b), flags);
	return n;
}

/**
 * ktstr_pool_unhash() - take every record of a stopping session out of the
 * hash
 * @s: the session, @s->closing set and a grace period passed since, so no
 *     record can be added any more
 *
 * A task in the middle of a starvation episode gets its STARVE_END, as
 * on untrack. The records stay as they are otherwise; ktstr_pool_free()
 * frees them after the next grace period.
 */
void ktstr_pool_unhash(struct ktstr_session *s)
{
	u32 i, n = ktstr_table_used(s);

	for (i = 0; i < n; i++) {
		struct ktstr_task *t = ktstr_table_at(s, i);
		struct task_struct *p = READ_ONCE(t->task);
		unsigned int b;
		unsigned long flags;

		/* ->task only ever goes to NULL, under the bucket lock of p. */
		if (!p)
			continue;
		b = bucket_of(p);
		raw_spin_lock_irqsave(lock_of(b), flags);
		if (t->task == p) {
			raw_spin_lock(&t->lock);
			ktstr_starve_close(t);
			WRITE_ONCE(t->task, NULL);
			raw_spin_unlock(&t->lock);
			hlist_del_rcu(&t->hnode);
		}
		raw_spin_unlock_irqrestore(lock_of(b), flags);
		if (!(i & 255))
			cond_resched();
	}
}

/**
 * ktstr_table_used() - records handed out by a session
 * @s: the session
 *
 * Return: the number of records in use.
 */
u32 ktstr_table_used(struct ktstr_session *s)
{
	if (!s->pool)
		return 0;
	return min_t(u32, atomic_read(&s->used), s->capacity);
}

/**
 * ktstr_table_at() - record by index, for scans and snapshots
 * @s: the session
 * @idx: below ktstr_table_used()
 *
 * Waits for a record whose slot was claimed to be initialised: the
 * inserter holds a bucket lock with IRQs off from claim to publish, so it
 * is running on another CPU and finishes within nanoseconds.
 *
 * Return: the record, or NULL if @idx is out of range.
 */
struct ktstr_task *ktstr_table_at(struct ktstr_session *s, u32 idx)
{
	struct ktstr_task *t;

	if (idx >= ktstr_table_used(s))
		return NULL;
	t = &s->pool[idx];
	/* Pairs with the release in ktstr_task_setup(). */
	while (!smp_load_acquire(&t->ready))
		cpu_relax();
	return t;
}

/**
 * ktstr_table_live() - records of a session whose task is still tracked
 * @s: the session
 *
 * Return: the number of live records.
 */
u64 ktstr_table_live(struct ktstr_session *s)
{
	return ktstr_table_used(s) - atomic64_read(&s->retired);
}

/**
 * ktstr_task_fill_rec() - the userspace view of a record
 * @t:		the record
 * @rec:	zeroed output
 * @now:	snapshot time (monotonic)
 *
 * Takes @t->lock: the record is consistent as of one instant.
 */
void ktstr_task_fill_rec(struct ktstr_task *t, struct ktstr_task_rec *rec, u64 now)
{
	const struct ktstr_acct *a = &t->acct;
	struct task_struct *p;
	unsigned long flags;
	unsigned int i;

	raw_spin_lock_irqsave(&t->lock, flags);
	p = t->task;
	if (p)
		ktstr_task_sync(t, p);
	ktstr_acct_to_rec(a, rec, now);
	rec->pid = t->pid;
	rec->tgid = t->tgid;
	rec->nr_cpus = t->nr_cpus;
	memcpy(rec->comm, t->comm, sizeof(rec->comm));
	rec->cgroup_id = t->cgroup_id;
	rec->start_time_ns = t->start_time;
	/* Include the slice in progress, as far as the kernel has counted it. */
	if (p && a->state == KTSTR_STATE_RUNNING && t->kern.sum_exec > t->sum_exec_mark)
		rec->run_ns += t->kern.sum_exec - t->sum_exec_mark;
	rec->cur_wait_ns = p ? ktstr_acct_cur_wait(a, now) : 0;
	rec->kern_sum_exec_ns = t->kern.sum_exec;
	rec->kern_run_delay_ns = t->kern.run_delay;
	rec->kern_pcount = t->kern.pcount;
	rec->kern_nvcsw = t->kern.nvcsw;
	rec->kern_nivcsw = t->kern.nivcsw;
	rec->kern_nr_migrations = t->kern.nr_migrations;
	for (i = 0; i < KTSTR_MAX_CPUS / 64; i++) {
#if BITS_PER_LONG == 64
		rec->cpus[i] = t->cpus[i];
#else
		rec->cpus[i] = t->cpus[2 * i] | ((u64)t->cpus[2 * i + 1] << 32);
#endif
	}
	raw_spin_unlock_irqrestore(&t->lock, flags);
}

/* Only with the probes detached. */
void ktstr_cpus_clear(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct ktstr_cpu *c = per_cpu_ptr(&ktstr_cpus, cpu);

		memset(c, 0, sizeof(*c));
		seqcount_init(&c->seq);
		c->busy = -1;
		c->busy_since = ktstr_now();
	}
}

/**
 * ktstr_cpu_busy_ns() - busy time of a CPU since the probes were attached,
 * the stretch in progress included
 * @cpu:	the CPU
 * @now:	monotonic time
 *
 * The counters are written by their own CPU inside a seqcount, so the
 * busy flag, its start and the sum are read as one.
 *
 * Return: nanoseconds the CPU ran a non-idle task.
 */
u64 ktstr_cpu_busy_ns(int cpu, u64 now)
{
	const struct ktstr_cpu *c = per_cpu_ptr(&ktstr_cpus, cpu);
	unsigned int seq;
	u64 busy, since;
	int on;

	do {
		seq = read_seqcount_begin(&c->seq);
		since = c->busy_since;
		on = c->busy;
		busy = c->busy_ns;
	} while (read_seqcount_retry(&c->seq, seq));
	if (on == 1 && now > since)
		busy += now - since;
	return busy;
}
