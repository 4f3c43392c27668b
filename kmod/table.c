// SPDX-License-Identifier: GPL-2.0
/*
 * table.c - the task table of ktstr.ko.
 *
 * Records come from a pool preallocated at load time (ktstr_capacity
 * entries) and are handed out in order, never freed one by one: the
 * records of exited tasks stay readable until the session is cleared, and
 * a probe never allocates. A fixed hash maps a live task_struct pointer to
 * its record. Lookups are lockless under RCU (probes run with preemption
 * off); inserts and removals take a striped bucket lock with IRQs off,
 * since sched_process_free runs from an RCU callback.
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
 * A bitmap of hashed task pointers, small enough to stay in cache: most
 * scheduler events are about untracked tasks, and a clear bit answers
 * "not tracked" without touching the (large, cold) hash buckets. Bits are
 * only set, never cleared before the session ends: a stale bit costs one
 * bucket walk, never a wrong answer.
 */
#define KTSTR_FILTER_SHIFT	14
static DECLARE_BITMAP(filter, 1U << KTSTR_FILTER_SHIFT);

static struct ktstr_task *pool;
static atomic_t pool_used;
static atomic64_t pool_dropped;
static atomic64_t pool_retired;

static struct hlist_head *buckets;
static unsigned int hash_bits;
static raw_spinlock_t bucket_locks[KTSTR_HASH_LOCKS];

struct ktstr_cpu __percpu *ktstr_cpu_pcpu;

static inline unsigned int bucket_of(const struct task_struct *p)
{
	return hash_ptr(p, hash_bits);
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
 * ktstr_table_init() - allocate the pool and the hash
 *
 * Return: 0 or -ENOMEM.
 */
int ktstr_table_init(void)
{
	unsigned int i;

	hash_bits = ilog2(roundup_pow_of_two(ktstr_capacity)) + 1;
	pool = vzalloc(array_size(ktstr_capacity, sizeof(*pool)));
	if (!pool)
		return -ENOMEM;
	buckets = vzalloc(array_size(1U << hash_bits, sizeof(*buckets)));
	if (!buckets)
		goto err_free_pool;
	ktstr_cpu_pcpu = alloc_percpu(struct ktstr_cpu);
	if (!ktstr_cpu_pcpu)
		goto err_free_buckets;
	for (i = 0; i < KTSTR_HASH_LOCKS; i++)
		raw_spin_lock_init(&bucket_locks[i]);
	ktstr_cpus_clear();
	return 0;

err_free_buckets:
	vfree(buckets);
err_free_pool:
	vfree(pool);
	return -ENOMEM;
}

void ktstr_table_exit(void)
{
	free_percpu(ktstr_cpu_pcpu);
	vfree(buckets);
	vfree(pool);
}

/**
 * ktstr_table_clear() - forget every record
 *
 * Only with the probes detached and a grace period passed (no reader left).
 */
void ktstr_table_clear(void)
{
	u32 used = min_t(u32, atomic_read(&pool_used), ktstr_capacity);

	bitmap_zero(filter, 1U << KTSTR_FILTER_SHIFT);
	memset(buckets, 0, sizeof(*buckets) << hash_bits);
	memset(pool, 0, array_size(used, sizeof(*pool)));
	atomic_set(&pool_used, 0);
	atomic64_set(&pool_dropped, 0);
	atomic64_set(&pool_retired, 0);
	ktstr_cpus_clear();
}

/**
 * ktstr_table_find() - the record of a tracked task
 * @p: the task
 *
 * Call with preemption off or under rcu_read_lock().
 *
 * Return: the record, or NULL if @p is not tracked.
 */
struct ktstr_task *ktstr_table_find(struct task_struct *p)
{
	struct ktstr_task *t;

	if (!test_bit(filter_of(p), filter))
		return NULL;
	hlist_for_each_entry_rcu(t, &buckets[bucket_of(p)], hnode)
		if (READ_ONCE(t->task) == p)
			return t;
	return NULL;
}

/**
 * ktstr_task_sync() - copy the name and the kernel's own counters of @p
 * into its record
 * @t: the record, locked (or not yet published)
 * @p: its task, alive
 */
void ktstr_task_sync(struct ktstr_task *t, struct task_struct *p)
{
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

static void ktstr_task_setup(struct ktstr_task *t, struct task_struct *p,
			     bool follow, bool from_fork)
{
	bool queued = task_is_running(p) && !READ_ONCE(p->on_cpu) && !from_fork;

	raw_spin_lock_init(&t->lock);
	t->follow = follow;
	t->pid = p->pid;
	t->tgid = p->tgid;
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
	ktstr_task_sync(t, p);
	/* Publish: lockless readers compare ->task after finding the node. */
	smp_store_release(&t->task, p);
	smp_store_release(&t->ready, true);
}

/**
 * ktstr_table_insert() - start tracking a task
 * @p:		the task; the caller keeps it from being freed (RCU read side,
 *		or it is a child not yet running)
 * @follow:	track its future children too
 * @from_fork:	@p was just forked: tracked from its first instant
 *
 * Never sleeps nor allocates: callable from the fork and cgroup probes.
 *
 * Return: the record (also when @p was tracked already), or NULL when the
 * pool is full (counted as dropped).
 */
struct ktstr_task *ktstr_table_insert(struct task_struct *p, bool follow, bool from_fork)
{
	unsigned int b = bucket_of(p);
	struct ktstr_task *t;
	unsigned long flags;
	int idx;

	raw_spin_lock_irqsave(lock_of(b), flags);
	hlist_for_each_entry(t, &buckets[b], hnode) {
		if (t->task == p) {
			t->follow |= follow;
			goto out;
		}
	}
	idx = atomic_fetch_add_unless(&pool_used, 1, ktstr_capacity);
	if (idx >= ktstr_capacity) {
		atomic64_inc(&pool_dropped);
		t = NULL;
		goto out;
	}
	t = &pool[idx];
	ktstr_task_setup(t, p, follow, from_fork);
	set_bit(filter_of(p), filter);
	/* The filter bit is visible before the node: hlist_add_head_rcu releases. */
	hlist_add_head_rcu(&t->hnode, &buckets[b]);
out:
	raw_spin_unlock_irqrestore(lock_of(b), flags);
	return t;
}

/**
 * ktstr_table_retire() - stop tracking a task, keep its record
 * @p:		the task
 * @why:	KTSTR_TASK_FREED or KTSTR_TASK_UNTRACKED
 *
 * Called from sched_process_free (RCU callback) or the untrack ioctl. The
 * kernel counters are frozen at their last value first, while @p is alive.
 *
 * Return: true if @p was tracked.
 */
bool ktstr_table_retire(struct task_struct *p, u32 why)
{
	unsigned int b = bucket_of(p);
	struct ktstr_task *t, *found = NULL;
	unsigned long flags;

	raw_spin_lock_irqsave(lock_of(b), flags);
	hlist_for_each_entry(t, &buckets[b], hnode) {
		if (t->task == p) {
			found = t;
			break;
		}
	}
	if (found) {
		raw_spin_lock(&found->lock);
		ktstr_task_sync(found, p);
		found->acct.flags |= why;
		if (why == KTSTR_TASK_FREED)
			found->acct.state = KTSTR_STATE_DEAD;
		WRITE_ONCE(found->task, NULL);
		raw_spin_unlock(&found->lock);
		hlist_del_rcu(&found->hnode);
		atomic64_inc(&pool_retired);
	}
	raw_spin_unlock_irqrestore(lock_of(b), flags);
	return found;
}

u32 ktstr_table_used(void)
{
	return min_t(u32, atomic_read(&pool_used), ktstr_capacity);
}

/**
 * ktstr_table_at() - record by index, for scans and snapshots
 * @idx: below ktstr_table_used()
 *
 * Waits for a record whose slot was claimed to be initialised: the
 * inserter holds a bucket lock with IRQs off from claim to publish, so it
 * is running on another CPU and finishes within nanoseconds.
 *
 * Return: the record, or NULL if @idx is out of range.
 */
struct ktstr_task *ktstr_table_at(u32 idx)
{
	struct ktstr_task *t;

	if (idx >= ktstr_table_used())
		return NULL;
	t = &pool[idx];
	while (!smp_load_acquire(&t->ready))
		cpu_relax();
	return t;
}

u64 ktstr_table_dropped(void)
{
	return atomic64_read(&pool_dropped);
}

u64 ktstr_table_live(void)
{
	return ktstr_table_used() - atomic64_read(&pool_retired);
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
	ktstr_acct_to_rec(a, rec);
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
		struct ktstr_cpu *c = per_cpu_ptr(ktstr_cpu_pcpu, cpu);

		memset(c, 0, sizeof(*c));
		c->busy = -1;
		c->busy_since = ktstr_now();
	}
}
