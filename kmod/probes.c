// SPDX-License-Identifier: GPL-2.0
/*
 * probes.c - the scheduler tracepoint probes of ktstr.ko.
 *
 * The sched tracepoints are not exported to modules, so they are found by
 * name with for_each_kernel_tracepoint() and attached with
 * tracepoint_probe_register(). Each probe's prototype is checked against
 * the kernel's TP_PROTO at build time (the sizeof() operand is never
 * evaluated, so no unexported symbol is referenced).
 *
 * Probe context: preemption off, and for switch/wakeup/migrate an rq lock
 * held with IRQs off; sched_process_free runs from an RCU callback. So a
 * probe never sleeps, allocates, prints or wakes anyone up directly.
 *
 * Time edges come from the scheduler itself where it keeps them
 * (se.sum_exec_runtime, sched_info.run_delay/last_queued, se.exec_start),
 * so run and wait agree with /proc/<pid>/schedstat by construction; the
 * probe's own monotonic clock only stamps events and drives the watchdog.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sched/clock.h>
#include <linux/tracepoint.h>
#include <linux/sched/task.h>
#include <linux/build_bug.h>
#include <trace/events/sched.h>
#include <trace/events/cgroup.h>
#include "ktstr.h"

#ifdef KTSTR_SWITCH_HAS_PREV_STATE
#define KTSTR_SWITCH_PROTO	bool preempt, struct task_struct *prev, \
				struct task_struct *next, unsigned int prev_state
#else
#define KTSTR_SWITCH_PROTO	bool preempt, struct task_struct *prev, \
				struct task_struct *next
#endif

/*
 * The CPU went from idle to a task or back (or its state is not known
 * yet, right after the probes were attached): the only place the switch
 * probe reads the clock for an untracked pair.
 */
static void ktstr_cpu_busy_slow(struct task_struct *prev, int next_busy)
{
	struct ktstr_cpu *c = this_cpu_ptr(&ktstr_cpus);
	u64 now;

	write_seqcount_begin(&c->seq);
	/* Not known yet: the CPU was in prev's state since the attach. */
	if (c->busy < 0)
		c->busy = !is_idle_task(prev);
	if (c->busy != next_busy) {
		now = ktstr_now();
		if (next_busy)
			c->busy_since = now;
		else
			c->busy_ns += now - c->busy_since;
		c->busy = next_busy;
	}
	write_seqcount_end(&c->seq);
}

static void ktstr_switch_out(struct ktstr_task *t, struct task_struct *p, bool runnable,
			     int cpu, u64 now)
{
	struct ktstr_sess_cpu *sc = this_cpu_ptr(t->sess->pcpu);
	u64 sum, delta = 0;
	bool voluntary;

	raw_spin_lock(&t->lock);
	if (unlikely(t->task != p))
		goto out;
	sum = READ_ONCE(p->se.sum_exec_runtime);
	if (sum > t->sum_exec_mark)
		delta = sum - t->sum_exec_mark;
	t->sum_exec_mark = sum;
	/*
	 * __schedule() has already bumped nvcsw or nivcsw for this switch:
	 * which one moved is the kernel's own classification (a blocking
	 * task with a signal pending counts as voluntary yet stays runnable).
	 */
	voluntary = p->nvcsw != t->nvcsw_seen;
	t->nvcsw_seen = p->nvcsw;
#ifdef CONFIG_SCHED_INFO
	/* The slice's arrival added its wait to run_delay: settle with it. */
	ktstr_acct_settle_wait(&t->acct, &t->last_wait, READ_ONCE(p->sched_info.run_delay),
			       &t->run_delay_mark);
#endif
	ktstr_acct_switch_out(&t->acct, now, delta, voluntary, runnable, cpu);
	ktstr_mark_runnable(t);
	sc->tracked_run_ns += delta;
out:
	raw_spin_unlock(&t->lock);
}

static void ktstr_switch_in(struct ktstr_task *t, struct task_struct *p, int cpu, u64 now)
{
	struct ktstr_sess_cpu *sc = this_cpu_ptr(t->sess->pcpu);
	u64 wait;

	raw_spin_lock(&t->lock);
	if (unlikely(t->task != p))
		goto out;
#ifdef CONFIG_SCHED_INFO
	/*
	 * The open stretch ends now on the clock last_queued was taken on:
	 * rq_clock(), i.e. sched_clock_cpu() of this CPU. se.exec_start is
	 * rq_clock_task(), which IRQ and paravirt steal time accounting hold
	 * back: with either on, it would shorten every wait.
	 */
	wait = ktstr_wait_from_sched_info(READ_ONCE(p->sched_info.run_delay),
					  READ_ONCE(p->sched_info.last_queued),
					  sched_clock_cpu(cpu), &t->run_delay_mark);
#else
	wait = ktstr_acct_cur_wait(&t->acct, now);
#endif
	t->sum_exec_mark = READ_ONCE(p->se.sum_exec_runtime);
	ktstr_acct_note_cpu(&t->acct, t->cpus, &t->nr_cpus, cpu);
	if (wait > sc->max_wait_ns) {
		sc->max_wait_ns = wait;
		sc->max_wait_pid = t->pid;
	}
	if (ktstr_acct_late_starving(&t->acct, wait, READ_ONCE(t->sess->starve_threshold_ns)))
		ktstr_event_push(KTSTR_EV_STARVE_BEGIN, t, t->acct.wait_cpu, now, wait,
				 t->acct.wait_start);
	ktstr_last_wait_note(&t->last_wait, &t->acct, wait);
	if (ktstr_acct_switch_in(&t->acct, now, wait, cpu))
		ktstr_event_push(KTSTR_EV_STARVE_END, t, cpu, now, wait, t->acct.wait_start);
out:
	raw_spin_unlock(&t->lock);
}

/* Does session @s track @p (whose records hang on @head)? */
static bool ktstr_session_has(struct hlist_head *head, struct task_struct *p,
			      struct ktstr_session *s)
{
	struct ktstr_task *t;

	hlist_for_each_entry_rcu(t, head, hnode)
		if (READ_ONCE(t->task) == p && t->sess == s)
			return true;
	return false;
}

/*
 * The slow path of sched_switch: the CPU changed between idle and busy,
 * or prev or next may be tracked. Out of line and called last, so the
 * fast path is a leaf without a stack frame.
 */
static noinline void ktstr_switch_slow(bool preempt, struct task_struct *prev,
				       struct task_struct *next, int next_busy)
{
	struct hlist_head *hp, *hn;
	int cpu = smp_processor_id();
	struct ktstr_task *t;
	bool runnable;
	u64 now;

	if (this_cpu_read(ktstr_cpus.busy) != next_busy)
		ktstr_cpu_busy_slow(prev, next_busy);
	hp = ktstr_table_head(prev);
	hn = ktstr_table_head(next);
	if (!hp && !hn)
		return;
	now = ktstr_now();
	/*
	 * Not prev_state: kernels before the try_to_block_task() fix pass a
	 * stale value when a signal kept the task runnable; __state is what
	 * __schedule() left.
	 */
	runnable = preempt || task_is_running(prev);
	if (hp) {
		hlist_for_each_entry_rcu(t, hp, hnode) {
			if (READ_ONCE(t->task) != prev)
				continue;
			ktstr_hit(t->sess, KTSTR_HIT_SWITCH);
			ktstr_switch_out(t, prev, runnable, cpu, now);
		}
	}
	if (hn) {
		hlist_for_each_entry_rcu(t, hn, hnode) {
			if (READ_ONCE(t->task) != next)
				continue;
			/* One hit per switch and session, as the stats say. */
			if (!hp || !ktstr_session_has(hp, prev, t->sess))
				ktstr_hit(t->sess, KTSTR_HIT_SWITCH);
			ktstr_switch_in(t, next, cpu, now);
		}
	}
}

/*
 * The hot path of the module: every context switch of the machine comes
 * here while a session tracks. For an untracked pair on a CPU that stays
 * busy (or idle) it is one per-CPU increment, one per-CPU compare and two
 * filter bit tests: no call, no stack frame, no clock read.
 */
static void ktstr_probe_switch(void *data, KTSTR_SWITCH_PROTO)
{
	int next_busy = !is_idle_task(next);

	this_cpu_inc(ktstr_cpus.nr_switches);
	if (unlikely(this_cpu_read(ktstr_cpus.busy) != next_busy ||
		     ktstr_maybe_tracked(prev) || ktstr_maybe_tracked(next)))
		ktstr_switch_slow(preempt, prev, next, next_busy);
}

static noinline void ktstr_wakeup_slow(struct task_struct *p, enum ktstr_hit h)
{
	struct hlist_head *head = ktstr_table_head(p);
	struct ktstr_task *t;
	unsigned long flags;
	u64 now = 0;

	if (!head)
		return;
	hlist_for_each_entry_rcu(t, head, hnode) {
		if (READ_ONCE(t->task) != p)
			continue;
		ktstr_hit(t->sess, h);
		if (!now)
			now = ktstr_now();
		raw_spin_lock_irqsave(&t->lock, flags);
		if (t->task == p) {
			ktstr_acct_wakeup(&t->acct, now, task_cpu(p));
			ktstr_mark_runnable(t);
		}
		raw_spin_unlock_irqrestore(&t->lock, flags);
	}
}

static void ktstr_probe_wakeup(void *data, struct task_struct *p)
{
	if (unlikely(ktstr_maybe_tracked(p)))
		ktstr_wakeup_slow(p, KTSTR_HIT_WAKEUP);
}

static void ktstr_probe_wakeup_new(void *data, struct task_struct *p)
{
	if (unlikely(ktstr_maybe_tracked(p)))
		ktstr_wakeup_slow(p, KTSTR_HIT_WAKEUP_NEW);
}

static noinline void ktstr_migrate_slow(struct task_struct *p, int dest_cpu)
{
	struct hlist_head *head = ktstr_table_head(p);
	struct ktstr_task *t;
	unsigned long flags;

	if (!head)
		return;
	hlist_for_each_entry_rcu(t, head, hnode) {
		if (READ_ONCE(t->task) != p)
			continue;
		ktstr_hit(t->sess, KTSTR_HIT_MIGRATE);
		raw_spin_lock_irqsave(&t->lock, flags);
		if (t->task == p)
			ktstr_acct_migrate(&t->acct, task_cpu(p), dest_cpu);
		raw_spin_unlock_irqrestore(&t->lock, flags);
	}
}

static void ktstr_probe_migrate(void *data, struct task_struct *p, int dest_cpu)
{
	if (unlikely(ktstr_maybe_tracked(p)))
		ktstr_migrate_slow(p, dest_cpu);
}

/*
 * The child goes to every session that tracks its parent with "follow",
 * then to every session whose rule (every task, a cgroup) takes it.
 */
static void ktstr_probe_fork(void *data, struct task_struct *parent, struct task_struct *child)
{
	struct hlist_head *head = ktstr_table_head(parent);
	struct ktstr_task *t;

	if (head) {
		hlist_for_each_entry_rcu(t, head, hnode) {
			if (READ_ONCE(t->task) != parent)
				continue;
			if (!READ_ONCE(t->follow))
				continue;
			ktstr_hit(t->sess, KTSTR_HIT_FORK);
			ktstr_table_insert(t->sess, child, true, true);
		}
	}
	ktstr_sessions_fork(child);
}

#ifdef KTSTR_EXIT_HAS_GROUP_DEAD
#define KTSTR_EXIT_PROTO	struct task_struct *p, bool group_dead
#else
#define KTSTR_EXIT_PROTO	struct task_struct *p
#endif

static void ktstr_probe_exit(void *data, KTSTR_EXIT_PROTO)
{
	struct hlist_head *head = ktstr_table_head(p);
	struct ktstr_task *t;
	unsigned long flags;

	if (likely(!head))
		return;
	hlist_for_each_entry_rcu(t, head, hnode) {
		if (READ_ONCE(t->task) != p)
			continue;
		ktstr_hit(t->sess, KTSTR_HIT_EXIT);
		raw_spin_lock_irqsave(&t->lock, flags);
		if (t->task == p) {
			ktstr_acct_exit(&t->acct, ktstr_now(), p->exit_code);
			ktstr_task_sync(t, p);
		}
		raw_spin_unlock_irqrestore(&t->lock, flags);
	}
}

static void ktstr_probe_free(void *data, struct task_struct *p)
{
	struct hlist_head *head = ktstr_table_head(p);
	struct ktstr_task *t;
	bool any = false;

	if (likely(!head))
		return;
	hlist_for_each_entry_rcu(t, head, hnode) {
		if (READ_ONCE(t->task) != p)
			continue;
		ktstr_hit(t->sess, KTSTR_HIT_FREE);
		any = true;
	}
	if (any)
		ktstr_table_retire(NULL, p, KTSTR_TASK_FREED);
}

/*
 * cgroup_attach_task fires once per migration with the leader; with
 * @threadgroup the whole process moved.
 */
static void ktstr_probe_attach(void *data, struct cgroup *dst, const char *path,
			       struct task_struct *task, bool threadgroup)
{
	ktstr_sessions_attach(dst, task, threadgroup);
}

static_assert(sizeof(register_trace_sched_switch(ktstr_probe_switch, NULL)) == sizeof(int));
static_assert(sizeof(register_trace_sched_wakeup(ktstr_probe_wakeup, NULL)) == sizeof(int));
static_assert(sizeof(register_trace_sched_wakeup_new(ktstr_probe_wakeup_new, NULL)) ==
	      sizeof(int));
static_assert(sizeof(register_trace_sched_migrate_task(ktstr_probe_migrate, NULL)) ==
	      sizeof(int));
static_assert(sizeof(register_trace_sched_process_fork(ktstr_probe_fork, NULL)) == sizeof(int));
static_assert(sizeof(register_trace_sched_process_exit(ktstr_probe_exit, NULL)) == sizeof(int));
static_assert(sizeof(register_trace_sched_process_free(ktstr_probe_free, NULL)) == sizeof(int));
static_assert(sizeof(register_trace_cgroup_attach_task(ktstr_probe_attach, NULL)) ==
	      sizeof(int));

/*
 * @optional: the kernel may lack the tracepoint; @on_demand: attached only
 * while a session tracks a cgroup (ktstr_probes_attach_cgroup()), not by
 * ktstr_probes_attach().
 */
struct ktstr_tp {
	const char *name;
	void *probe;
	bool optional;
	bool on_demand;
	struct tracepoint *tp;
	bool attached;
};

/*
 * Attach order matters: fork and free first, so that no tracked task can
 * be created or freed unseen once the others fire.
 */
static struct ktstr_tp ktstr_tps[] = {
	{ "sched_process_free",	ktstr_probe_free },
	{ "sched_process_fork",	ktstr_probe_fork },
	{ "sched_process_exit",	ktstr_probe_exit },
	{ "sched_wakeup",	ktstr_probe_wakeup },
	{ "sched_wakeup_new",	ktstr_probe_wakeup_new },
	{ "sched_migrate_task",	ktstr_probe_migrate },
	{ "sched_switch",	ktstr_probe_switch },
	{ "cgroup_attach_task",	ktstr_probe_attach, true, true },
};

#define KTSTR_TP_CGROUP		(ARRAY_SIZE(ktstr_tps) - 1)

static void ktstr_tp_match(struct tracepoint *tp, void *priv)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ktstr_tps); i++)
		if (!strcmp(tp->name, ktstr_tps[i].name))
			ktstr_tps[i].tp = tp;
}

/**
 * ktstr_probes_lookup() - find the tracepoints by name
 *
 * Return: 0, or -ENOENT if a required tracepoint does not exist.
 */
int ktstr_probes_lookup(void)
{
	unsigned int i;

	for_each_kernel_tracepoint(ktstr_tp_match, NULL);
	for (i = 0; i < ARRAY_SIZE(ktstr_tps); i++) {
		if (ktstr_tps[i].tp || ktstr_tps[i].optional)
			continue;
		pr_err("tracepoint %s not found\n", ktstr_tps[i].name);
		return -ENOENT;
	}
	return 0;
}

bool ktstr_probes_have_attach(void)
{
	return ktstr_tps[KTSTR_TP_CGROUP].tp;
}

/**
 * ktstr_probes_attach_cgroup() - register the cgroup_attach_task probe,
 * wanted only while a session tracks a cgroup (no other session needs to
 * see migrations between cgroups). Process context, caller serialises.
 *
 * Return: 0 (also when the kernel has no such tracepoint, or it is
 * attached already), or the registration's error.
 */
int ktstr_probes_attach_cgroup(void)
{
	struct ktstr_tp *tp = &ktstr_tps[KTSTR_TP_CGROUP];
	int ret;

	if (!tp->tp || tp->attached)
		return 0;
	ret = tracepoint_probe_register(tp->tp, tp->probe, NULL);
	if (ret) {
		pr_err("cannot attach to %s: %d\n", tp->name, ret);
		return ret;
	}
	tp->attached = true;
	return 0;
}

/**
 * ktstr_probes_detach_cgroup() - unregister the cgroup_attach_task probe.
 * Process context, caller serialises. A call in flight may still finish;
 * the module stays until ktstr_probes_detach() has waited for it.
 */
void ktstr_probes_detach_cgroup(void)
{
	struct ktstr_tp *tp = &ktstr_tps[KTSTR_TP_CGROUP];

	if (!tp->attached)
		return;
	WARN_ON_ONCE(tracepoint_probe_unregister(tp->tp, tp->probe, NULL));
	tp->attached = false;
}

/**
 * ktstr_probes_detach() - unregister every attached probe and wait until
 * no probe runs any more. Process context.
 */
void ktstr_probes_detach(void)
{
	int i;

	for (i = ARRAY_SIZE(ktstr_tps) - 1; i >= 0; i--) {
		if (!ktstr_tps[i].attached)
			continue;
		WARN_ON_ONCE(tracepoint_probe_unregister(ktstr_tps[i].tp, ktstr_tps[i].probe,
							 NULL));
		ktstr_tps[i].attached = false;
	}
	tracepoint_synchronize_unregister();
}

/**
 * ktstr_probes_attach() - register the probes but the on-demand one.
 * Process context (sleeps).
 *
 * Return: 0, or the error of the first registration that failed (the ones
 * done before it are undone).
 */
int ktstr_probes_attach(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(ktstr_tps); i++) {
		if (!ktstr_tps[i].tp || ktstr_tps[i].on_demand)
			continue;
		ret = tracepoint_probe_register(ktstr_tps[i].tp, ktstr_tps[i].probe, NULL);
		if (ret) {
			pr_err("cannot attach to %s: %d\n", ktstr_tps[i].name, ret);
			ktstr_probes_detach();
			return ret;
		}
		ktstr_tps[i].attached = true;
	}
	return 0;
}
