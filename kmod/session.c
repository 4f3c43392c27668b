// SPDX-License-Identifier: GPL-2.0
/*
 * session.c - the tracking session of ktstr.ko.
 *
 * One session per module. The probes are attached only while a session
 * runs: it starts with the first track request and ends with a reset or
 * the last close of /dev/ktstr, so an idle module costs the scheduler
 * nothing. What is tracked: explicit pids (optionally with their future
 * children), one cgroup v2 subtree (tasks in it now, forked in it, or
 * moved into it), or every task.
 */
#include <linux/pid.h>
#include <linux/sched/signal.h>
#include <linux/rcupdate.h>
#include <linux/err.h>
#include <linux/irq_work.h>
#include "ktstr.h"

#define KTSTR_NSEC_PER_MS	1000000ULL

struct ktstr_session ktstr_sess = {
	.lock = __MUTEX_INITIALIZER(ktstr_sess.lock),
};

static void ktstr_session_defaults(void)
{
	ktstr_sess.starve_threshold_ns = 1000 * KTSTR_NSEC_PER_MS;
	ktstr_sess.scan_interval_ns = 0;
}

int ktstr_session_init(void)
{
	ktstr_session_defaults();
	return 0;
}

void ktstr_session_exit(void)
{
	mutex_lock(&ktstr_sess.lock);
	ktstr_session_reset();
	mutex_unlock(&ktstr_sess.lock);
}

/**
 * ktstr_should_track_child() - does a new task belong to the session by
 * rule (track-all or the tracked cgroup)? Called from the fork probe.
 * @parent: the forking task
 * @child: the new task, not yet running
 *
 * Return: true to track @child.
 */
bool ktstr_should_track_child(struct task_struct *parent, struct task_struct *child)
{
	struct cgroup *root;
	bool in;

	if (READ_ONCE(ktstr_sess.track_all))
		return true;
	root = READ_ONCE(ktstr_sess.cgrp);
	if (!root)
		return false;
	rcu_read_lock();
	in = cgroup_is_descendant(task_dfl_cgroup(child), root);
	rcu_read_unlock();
	return in;
}

/* Caller holds ktstr_sess.lock. */
static int ktstr_session_start(void)
{
	int ret;

	if (ktstr_sess.active)
		return 0;
	ktstr_table_clear();
	ktstr_events_clear();
	ret = ktstr_probes_attach();
	if (ret)
		return ret;
	ktstr_sess.active = true;
	ktstr_watchdog_start();
	return 0;
}

/**
 * ktstr_session_reset() - end the session: detach the probes, forget every
 * record and event, restore the default settings.
 *
 * Caller holds ktstr_sess.lock. Process context.
 */
void ktstr_session_reset(void)
{
	if (ktstr_sess.active) {
		ktstr_watchdog_stop();
		ktstr_probes_detach();
		ktstr_sess.active = false;
	}
	WRITE_ONCE(ktstr_sess.track_all, false);
	if (ktstr_sess.cgrp) {
		cgroup_put(ktstr_sess.cgrp);
		WRITE_ONCE(ktstr_sess.cgrp, NULL);
	}
	ktstr_table_clear();
	ktstr_events_clear();
	ktstr_session_defaults();
}

/* Track every thread that matches. Caller holds ktstr_sess.lock. */
static void ktstr_track_existing(struct cgroup *cgrp)
{
	struct task_struct *g, *p;

	rcu_read_lock();
	for_each_process_thread(g, p) {
		if (p->flags & PF_EXITING)
			continue;
		if (cgrp && !cgroup_is_descendant(task_dfl_cgroup(p), cgrp))
			continue;
		ktstr_table_insert(p, false, false);
	}
	rcu_read_unlock();
}

static int ktstr_track_pid(pid_t nr, bool follow)
{
	struct task_struct *p;
	int ret = 0;

	if (nr <= 0)
		return -EINVAL;
	/*
	 * Found through the pid hash under RCU, the task's free callback
	 * (queued after the pid is detached) cannot run before we are done:
	 * sched_process_free will see the record we insert.
	 */
	rcu_read_lock();
	p = pid_task(find_vpid(nr), PIDTYPE_PID);
	if (!p || (p->flags & PF_EXITING))
		ret = -ESRCH;
	else if (!ktstr_table_insert(p, follow, false))
		ret = -ENOSPC;
	rcu_read_unlock();
	return ret;
}

static int ktstr_track_cgroup(int fd)
{
	struct cgroup *cgrp;

	if (ktstr_sess.cgrp)
		return -EBUSY;
	cgrp = cgroup_get_from_fd(fd);
	if (IS_ERR(cgrp))
		return PTR_ERR(cgrp);
	WRITE_ONCE(ktstr_sess.cgrp, cgrp);
	ktstr_track_existing(cgrp);
	return 0;
}

/**
 * ktstr_session_track() - add tasks to the session, starting it if needed
 * @tr: the request, already copied from userspace
 *
 * Return: 0 or a negative errno (-EINVAL for a malformed request, -ESRCH
 * for no such task, -ENOSPC when the table is full, -EBUSY for a second
 * cgroup, -EBADF for a bad cgroup fd).
 */
int ktstr_session_track(const struct ktstr_track *tr)
{
	int ret;

	if (tr->flags & ~KTSTR_TRACK_FLAGS_ALL || tr->__pad)
		return -EINVAL;
	if (tr->mode < KTSTR_TRACK_PID || tr->mode > KTSTR_TRACK_ALL)
		return -EINVAL;

	mutex_lock(&ktstr_sess.lock);
	ret = ktstr_session_start();
	if (ret)
		goto out;
	switch (tr->mode) {
	case KTSTR_TRACK_PID:
		ret = ktstr_track_pid(tr->pid, tr->flags & KTSTR_TRACK_FOLLOW_FORK);
		break;
	case KTSTR_TRACK_CGROUP:
		ret = ktstr_track_cgroup(tr->cgroup_fd);
		break;
	case KTSTR_TRACK_ALL:
		WRITE_ONCE(ktstr_sess.track_all, true);
		ktstr_track_existing(NULL);
		break;
	}
out:
	mutex_unlock(&ktstr_sess.lock);
	return ret;
}

/**
 * ktstr_session_untrack() - stop updating a task's record (it stays readable)
 * @nr: thread id in the caller's pid namespace
 *
 * Return: 0, -EINVAL for a bad pid, -ESRCH if there is no such task or it
 * is not tracked.
 */
int ktstr_session_untrack(pid_t nr)
{
	struct task_struct *p;
	int ret = -ESRCH;

	if (nr <= 0)
		return -EINVAL;
	mutex_lock(&ktstr_sess.lock);
	rcu_read_lock();
	p = pid_task(find_vpid(nr), PIDTYPE_PID);
	if (p && ktstr_sess.active && ktstr_table_retire(p, KTSTR_TASK_UNTRACKED))
		ret = 0;
	rcu_read_unlock();
	mutex_unlock(&ktstr_sess.lock);
	return ret;
}

/**
 * ktstr_session_config() - change the session settings
 * @cfg: the request, already copied from userspace
 *
 * Return: 0 or -EINVAL for a value out of range.
 */
int ktstr_session_config(const struct ktstr_config *cfg)
{
	u64 thr = cfg->starve_threshold_ns, scan = cfg->scan_interval_ns;

	if (cfg->flags)
		return -EINVAL;
	if (thr && (thr < KTSTR_NSEC_PER_MS || thr > 3600000 * KTSTR_NSEC_PER_MS))
		return -EINVAL;
	if (scan && (scan < KTSTR_NSEC_PER_MS || scan > 10000 * KTSTR_NSEC_PER_MS))
		return -EINVAL;
	mutex_lock(&ktstr_sess.lock);
	if (thr)
		WRITE_ONCE(ktstr_sess.starve_threshold_ns, thr);
	WRITE_ONCE(ktstr_sess.scan_interval_ns, scan);
	mutex_unlock(&ktstr_sess.lock);
	return 0;
}
