// SPDX-License-Identifier: GPL-2.0
/*
 * session.c - the tracking sessions of ktstr.ko.
 *
 * Every open file of /dev/ktstr is a session (the perf_event model): its
 * own tracked set, records, settings, watchdog and event queue. A session
 * starts tracking with its first successful track request and stops with
 * a reset or when its file is closed. The probes are one set, attached
 * while at least one session tracks, so an idle module costs the scheduler
 * nothing; each event goes to the records of the sessions that track the
 * task (one hash holds them all), so an untracked task costs the same
 * whatever the number of sessions.
 *
 * What a session tracks: explicit pids (optionally with their future
 * children), one cgroup v2 subtree (tasks in it now, forked in it, or
 * moved into it), or every task. Sessions with such a rule are on an RCU
 * list that the fork and cgroup-attach probes walk.
 *
 * Locking: ktstr_global_lock (a mutex) serialises the session count, the
 * rule list and attaching or detaching the probes; a session's own mutex
 * serialises its ioctls. Order: session lock, then the global lock.
 */
#include <linux/pid.h>
#include <linux/sched/signal.h>
#include <linux/rcupdate.h>
#include <linux/rculist.h>
#include <linux/err.h>
#include <linux/slab.h>
#include <linux/irq_work.h>
#include "ktstr.h"

#define KTSTR_NSEC_PER_MS	1000000ULL
#define KTSTR_CAPACITY_MIN	16U

static DEFINE_MUTEX(ktstr_global_lock);
static LIST_HEAD(ktstr_rule_sessions);
static unsigned int ktstr_nr_open;	/* under ktstr_global_lock */
static unsigned int ktstr_nr_tracking;	/* under ktstr_global_lock */
static unsigned int ktstr_nr_cgroup;	/* sessions tracking a cgroup, same */

/*
 * The cgroup_attach_task probe is attached while a session tracks a
 * cgroup: the others take no task by migration, so they need no call on
 * every move between cgroups. Called with the session's lock held.
 */
static int ktstr_cgroup_probe_get(void)
{
	int ret = 0;

	mutex_lock(&ktstr_global_lock);
	if (!ktstr_nr_cgroup)
		ret = ktstr_probes_attach_cgroup();
	if (!ret)
		ktstr_nr_cgroup++;
	mutex_unlock(&ktstr_global_lock);
	return ret;
}

/* Caller holds ktstr_global_lock. */
static void ktstr_cgroup_probe_put(void)
{
	if (!--ktstr_nr_cgroup)
		ktstr_probes_detach_cgroup();
}

static void ktstr_session_defaults(struct ktstr_session *s)
{
	s->starve_threshold_ns = 1000 * KTSTR_NSEC_PER_MS;
	s->scan_interval_ns = 0;
	s->capacity = ktstr_capacity;
	s->event_size = sizeof(struct ktstr_event);
}

/**
 * ktstr_sessions_tracking() - sessions that track (the probes are attached
 * while this is not 0)
 *
 * Return: the number of tracking sessions.
 */
unsigned int ktstr_sessions_tracking(void)
{
	return READ_ONCE(ktstr_nr_tracking);
}

/**
 * ktstr_session_open() - a new session for an open file
 *
 * Process context. The records are allocated only when the session starts
 * tracking.
 *
 * Return: the session, or ERR_PTR(-EBUSY) when max_sessions files are open
 * already, ERR_PTR(-ENOMEM).
 */
struct ktstr_session *ktstr_session_open(void)
{
	struct ktstr_session *s;
	int ret;

	mutex_lock(&ktstr_global_lock);
	if (ktstr_nr_open >= ktstr_max_sessions) {
		mutex_unlock(&ktstr_global_lock);
		return ERR_PTR(-EBUSY);
	}
	ktstr_nr_open++;
	mutex_unlock(&ktstr_global_lock);

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s) {
		ret = -ENOMEM;
		goto err_count;
	}
	mutex_init(&s->lock);
	mutex_init(&s->read_lock);
	INIT_LIST_HEAD(&s->rule_node);
	ktstr_session_defaults(s);
	s->pcpu = alloc_percpu(struct ktstr_sess_cpu);
	if (!s->pcpu) {
		ret = -ENOMEM;
		goto err_free;
	}
	ret = ktstr_ring_init(s);
	if (ret)
		goto err_pcpu;
	s->pid_ns = get_pid_ns(task_active_pid_ns(current));
	return s;

err_pcpu:
	free_percpu(s->pcpu);
err_free:
	kfree(s);
err_count:
	mutex_lock(&ktstr_global_lock);
	ktstr_nr_open--;
	mutex_unlock(&ktstr_global_lock);
	return ERR_PTR(ret);
}

/* Caller holds s->lock. */
static int ktstr_session_start(struct ktstr_session *s)
{
	u64 now = ktstr_now();
	int cpu, ret;

	if (s->active)
		return 0;
	ret = ktstr_pool_alloc(s);
	if (ret)
		return ret;
	mutex_lock(&ktstr_global_lock);
	if (!ktstr_nr_tracking) {
		ktstr_table_clear_filter();
		ktstr_cpus_clear();
		ret = ktstr_probes_attach();
		if (ret) {
			mutex_unlock(&ktstr_global_lock);
			ktstr_pool_free(s);
			return ret;
		}
	}
	WRITE_ONCE(ktstr_nr_tracking, ktstr_nr_tracking + 1);
	mutex_unlock(&ktstr_global_lock);
	/* Per-CPU numbers count from now: the module-wide ones are the base. */
	for_each_possible_cpu(cpu) {
		struct ktstr_sess_cpu *sc = per_cpu_ptr(s->pcpu, cpu);

		memset(sc, 0, sizeof(*sc));
		sc->switches_base = READ_ONCE(per_cpu_ptr(&ktstr_cpus, cpu)->nr_switches);
		sc->busy_base = ktstr_cpu_busy_ns(cpu, now);
	}
	WRITE_ONCE(s->closing, false);
	s->active = true;
	ktstr_watchdog_start(s);
	return 0;
}

/*
 * Caller holds s->lock. Stops tracking: no record is added once @closing
 * is seen, the watchdog stops, the records leave the hash, and after a
 * grace period (or the probes' detach) no probe holds one any more. With
 * @clear, the queued events are dropped once the watchdog is stopped, so
 * the queue holds the STARVE_END of every episode the stop closes (and
 * any episode that began and ended while the records were unhashed).
 */
static void ktstr_session_stop(struct ktstr_session *s, bool clear)
{
	bool last;

	if (!s->active)
		return;
	WRITE_ONCE(s->closing, true);
	mutex_lock(&ktstr_global_lock);
	if (s->on_rules) {
		list_del_rcu(&s->rule_node);
		s->on_rules = false;
	}
	if (s->cgrp)
		ktstr_cgroup_probe_put();
	mutex_unlock(&ktstr_global_lock);
	/* Probes that saw the session before @closing are done after this. */
	synchronize_rcu();
	ktstr_watchdog_stop(s);
	if (clear)
		ktstr_events_clear(s);
	ktstr_pool_unhash(s);

	mutex_lock(&ktstr_global_lock);
	WRITE_ONCE(ktstr_nr_tracking, ktstr_nr_tracking - 1);
	last = !ktstr_nr_tracking;
	if (last)
		ktstr_probes_detach();	/* waits for in-flight probes */
	mutex_unlock(&ktstr_global_lock);
	if (!last)
		synchronize_rcu();	/* no probe walks our records any more */
	irq_work_sync(&s->wake_work);
	ktstr_pool_free(s);
	WRITE_ONCE(s->track_all, false);
	if (s->cgrp) {
		cgroup_put(s->cgrp);
		WRITE_ONCE(s->cgrp, NULL);
	}
	s->active = false;
}

/**
 * ktstr_session_reset() - end the session's tracking: detach its probe
 * reference, forget its records and events, restore the default settings.
 * The file stays open and may track again.
 * @s: the session, locked by the caller
 *
 * A task that was starving gets its STARVE_END (the episode ends for the
 * session): those are the events the queue holds after the reset.
 *
 * Process context.
 */
void ktstr_session_reset(struct ktstr_session *s)
{
	if (s->active)
		ktstr_session_stop(s, true);
	else
		ktstr_events_clear(s);
	ktstr_session_defaults(s);
}

/**
 * ktstr_session_release() - the file is closed: stop and free the session
 * @s: the session; no ioctl or read of it can run any more
 */
void ktstr_session_release(struct ktstr_session *s)
{
	mutex_lock(&s->lock);
	ktstr_session_stop(s, false);
	mutex_unlock(&s->lock);
	ktstr_ring_exit(s);
	put_pid_ns(s->pid_ns);
	free_percpu(s->pcpu);
	mutex_destroy(&s->read_lock);
	mutex_destroy(&s->lock);
	kfree(s);
	mutex_lock(&ktstr_global_lock);
	ktstr_nr_open--;
	mutex_unlock(&ktstr_global_lock);
}

/* Does session @s take @p by its rule? Under RCU. */
static bool ktstr_rule_takes(struct ktstr_session *s, struct task_struct *p)
{
	struct cgroup *root;

	if (READ_ONCE(s->track_all))
		return true;
	root = READ_ONCE(s->cgrp);
	return root && cgroup_is_descendant(task_dfl_cgroup(p), root);
}

/**
 * ktstr_sessions_fork() - a new task goes to every session whose rule
 * (every task, or the tracked cgroup) takes it. Called from the fork probe.
 * @child: the new task, not yet running
 */
void ktstr_sessions_fork(struct task_struct *child)
{
	struct ktstr_session *s;

	if (list_empty(&ktstr_rule_sessions))
		return;
	rcu_read_lock();
	list_for_each_entry_rcu(s, &ktstr_rule_sessions, rule_node) {
		if (!ktstr_rule_takes(s, child))
			continue;
		ktstr_hit(s, KTSTR_HIT_FORK);
		ktstr_table_insert(s, child, false, true);
	}
	rcu_read_unlock();
}

/* A task that is exiting is not moved, yet the tracepoint fires for it. */
static bool ktstr_task_trackable(struct task_struct *p)
{
	return pid_alive(p) && !(READ_ONCE(p->flags) & PF_EXITING);
}

/**
 * ktstr_sessions_attach() - tasks moved into a cgroup go to the sessions
 * that track a subtree holding it. Called from the cgroup_attach_task
 * probe.
 * @dst:	the destination cgroup
 * @task:	the task moved (the leader if @threadgroup)
 * @threadgroup: the whole process moved
 *
 * Exiting tasks are skipped: one that already passed sched_process_free
 * must never get a record.
 */
void ktstr_sessions_attach(struct cgroup *dst, struct task_struct *task, bool threadgroup)
{
	struct ktstr_session *s;
	struct task_struct *t;
	struct cgroup *root;

	if (list_empty(&ktstr_rule_sessions))
		return;
	rcu_read_lock();
	list_for_each_entry_rcu(s, &ktstr_rule_sessions, rule_node) {
		root = READ_ONCE(s->cgrp);
		if (!root || !cgroup_is_descendant(dst, root))
			continue;
		ktstr_hit(s, KTSTR_HIT_ATTACH);
		if (!threadgroup) {
			if (ktstr_task_trackable(task))
				ktstr_table_insert(s, task, false, false);
			continue;
		}
		for_each_thread(task, t)
			if (ktstr_task_trackable(t))
				ktstr_table_insert(s, t, false, false);
	}
	rcu_read_unlock();
}

/* Put the session on the rule list. Caller holds s->lock. */
static void ktstr_rules_add(struct ktstr_session *s)
{
	mutex_lock(&ktstr_global_lock);
	if (!s->on_rules) {
		list_add_tail_rcu(&s->rule_node, &ktstr_rule_sessions);
		s->on_rules = true;
	}
	mutex_unlock(&ktstr_global_lock);
}

/* Track every thread that matches. Caller holds s->lock. */
static void ktstr_track_existing(struct ktstr_session *s, struct cgroup *cgrp)
{
	struct task_struct *g, *p;

	/*
	 * The rule is published before the walk (the fork probe sees it for
	 * a task forked after the walk passed its parent), and the walk
	 * happens after (a task forked before is on the list).
	 */
	smp_mb();
	rcu_read_lock();
	for_each_process_thread(g, p) {
		if (p->flags & PF_EXITING)
			continue;
		if (cgrp && !cgroup_is_descendant(task_dfl_cgroup(p), cgrp))
			continue;
		ktstr_table_insert(s, p, false, false);
	}
	rcu_read_unlock();
}

static int ktstr_track_pid(struct ktstr_session *s, pid_t nr, bool follow)
{
	struct task_struct *p;
	int ret = 0;

	/*
	 * Found through the pid hash under RCU, the task's free callback
	 * (queued after the pid is detached) cannot run before we are done:
	 * sched_process_free will see the record we insert.
	 */
	rcu_read_lock();
	p = pid_task(find_vpid(nr), PIDTYPE_PID);
	if (!p || (p->flags & PF_EXITING))
		ret = -ESRCH;
	else if (!ktstr_table_insert(s, p, follow, false))
		ret = -ENOSPC;
	rcu_read_unlock();
	return ret;
}

/**
 * ktstr_session_track() - add tasks to a session, starting it if needed
 * @s: the session
 * @tr: the request, already copied from userspace
 *
 * A request that fails leaves the session as it was: one that tracked
 * nothing before is stopped again (no probe stays attached for it).
 *
 * Return: 0 or a negative errno (-EINVAL for a malformed request, -ESRCH
 * for no such task, -ENOSPC when the table is full, -EBUSY for a second
 * cgroup, -EBADF for a bad cgroup fd, -EINTR on a fatal signal).
 */
int ktstr_session_track(struct ktstr_session *s, const struct ktstr_track *tr)
{
	struct cgroup *cgrp = NULL;
	bool was_active;
	int ret;

	if (tr->flags & ~KTSTR_TRACK_FLAGS_ALL || tr->__pad)
		return -EINVAL;
	if (tr->mode < KTSTR_TRACK_PID || tr->mode > KTSTR_TRACK_ALL)
		return -EINVAL;
	if (tr->mode == KTSTR_TRACK_PID && tr->pid <= 0)
		return -EINVAL;

	if (mutex_lock_killable(&s->lock))
		return -EINTR;
	if (tr->mode == KTSTR_TRACK_CGROUP) {
		if (s->cgrp) {
			ret = -EBUSY;
			goto out;
		}
		cgrp = cgroup_get_from_fd(tr->cgroup_fd);
		if (IS_ERR(cgrp)) {
			ret = PTR_ERR(cgrp);
			goto out;
		}
	}
	was_active = s->active;
	ret = ktstr_session_start(s);
	if (ret) {
		if (cgrp)
			cgroup_put(cgrp);
		goto out;
	}
	switch (tr->mode) {
	case KTSTR_TRACK_PID:
		ret = ktstr_track_pid(s, tr->pid, tr->flags & KTSTR_TRACK_FOLLOW_FORK);
		break;
	case KTSTR_TRACK_CGROUP:
		ret = ktstr_cgroup_probe_get();
		if (ret) {
			cgroup_put(cgrp);
			break;
		}
		WRITE_ONCE(s->cgrp, cgrp);
		ktstr_rules_add(s);
		ktstr_track_existing(s, cgrp);
		break;
	case KTSTR_TRACK_ALL:
		WRITE_ONCE(s->track_all, true);
		ktstr_rules_add(s);
		ktstr_track_existing(s, NULL);
		break;
	}
	if (ret && !was_active)
		ktstr_session_stop(s, false);
out:
	mutex_unlock(&s->lock);
	return ret;
}

/**
 * ktstr_session_untrack() - stop updating a task's record in a session (it
 * stays readable)
 * @s: the session
 * @nr: thread id in the caller's pid namespace
 *
 * Return: 0, -EINVAL for a bad pid, -ESRCH if there is no such task or the
 * session does not track it, -EINTR on a fatal signal.
 */
int ktstr_session_untrack(struct ktstr_session *s, pid_t nr)
{
	struct task_struct *p;
	int ret = -ESRCH;

	if (nr <= 0)
		return -EINVAL;
	if (mutex_lock_killable(&s->lock))
		return -EINTR;
	rcu_read_lock();
	p = pid_task(find_vpid(nr), PIDTYPE_PID);
	if (p && s->active && ktstr_table_retire(s, p, KTSTR_TASK_UNTRACKED))
		ret = 0;
	rcu_read_unlock();
	mutex_unlock(&s->lock);
	return ret;
}

/**
 * ktstr_session_config() - change a session's settings
 * @s: the session
 * @cfg: the request, already copied from userspace
 *
 * Return: 0, -EINVAL for a value out of range, -EBUSY for a capacity
 * change of a session that tracks, -EINTR on a fatal signal.
 */
int ktstr_session_config(struct ktstr_session *s, const struct ktstr_config *cfg)
{
	u64 thr = cfg->starve_threshold_ns, scan = cfg->scan_interval_ns;
	int ret = 0;

	if (cfg->flags || cfg->__pad)
		return -EINVAL;
	if (thr && (thr < KTSTR_NSEC_PER_MS || thr > 3600000 * KTSTR_NSEC_PER_MS))
		return -EINVAL;
	if (scan && (scan < KTSTR_NSEC_PER_MS || scan > 10000 * KTSTR_NSEC_PER_MS))
		return -EINVAL;
	if (cfg->capacity && (cfg->capacity < KTSTR_CAPACITY_MIN ||
			      cfg->capacity > ktstr_capacity))
		return -EINVAL;
	if (mutex_lock_killable(&s->lock))
		return -EINTR;
	if (cfg->capacity && cfg->capacity != s->capacity && s->active) {
		ret = -EBUSY;
		goto out;
	}
	if (cfg->capacity)
		s->capacity = cfg->capacity;
	if (thr)
		WRITE_ONCE(s->starve_threshold_ns, thr);
	WRITE_ONCE(s->scan_interval_ns, scan);
out:
	mutex_unlock(&s->lock);
	return ret;
}
