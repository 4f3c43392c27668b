/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktstr_acct.h - the per-task accounting state machine.
 *
 * Pure logic on plain numbers: the probes extract what they need from the
 * task_struct (the scheduler's own clock edges, the kernel's switch
 * counters) and feed it here. Nothing here touches kernel objects, so the
 * same code is compiled into the host unit tests (tests/unit/test_acct.c)
 * through a small shim that provides u32/u64/s32/bool.
 *
 * Callers serialise access to one struct ktstr_acct (struct ktstr_task's
 * raw spinlock in the module).
 */
#ifndef KTSTR_ACCT_H
#define KTSTR_ACCT_H

#include <linux/ktstr.h>

/**
 * struct ktstr_acct - what the module knows about one tracked task
 * @state:		enum ktstr_task_state
 * @flags:		KTSTR_TASK_* bits
 * @woken:		the current wait began with a wakeup (not a preemption)
 * @last_cpu:		CPU it last ran on, -1 before the first run
 * @wait_cpu:		CPU whose runqueue it waits on while RUNNABLE
 * @max_wait_cpu:	CPU of the longest wait, -1 if none
 * @exit_code:		exit status once KTSTR_TASK_EXITED is set
 * @wait_start:		monotonic time the current wait began (watchdog clock)
 * @first_seen:		monotonic time tracking began
 * @last_seen:		monotonic time of the last event
 * @run_ns:		run time while tracked
 * @wait_ns:		runqueue wait while tracked
 * @max_wait_ns:	longest wait that ended in a run
 * @max_wait_at:	monotonic time the longest wait ended
 * @nr_runs:		switch-ins
 * @nr_voluntary:	voluntary switch-outs
 * @nr_involuntary:	involuntary switch-outs
 * @nr_wakeups:		sched_wakeup and sched_wakeup_new events
 * @nr_migrations:	real CPU changes
 * @nr_starvations:	starvation episodes reported
 * @max_starve_ns:	longest ended starvation episode (its whole wait)
 * @max_starve_start:	when that episode's wait began
 * @max_starve_cpu:	CPU it waited on in that episode, -1 if none
 * @wake_wait_ns:	sum of wake-to-run latencies in @hist
 * @nr_wake_waits:	number of wake-to-run latencies in @hist
 * @hist:		log2 histogram of wake-to-run latency
 */
struct ktstr_acct {
	u32 state;
	u32 flags;
	bool woken;
	s32 last_cpu;
	s32 wait_cpu;
	s32 max_wait_cpu;
	s32 exit_code;
	u64 wait_start;
	u64 first_seen;
	u64 last_seen;
	u64 run_ns;
	u64 wait_ns;
	u64 max_wait_ns;
	u64 max_wait_at;
	u64 nr_runs;
	u64 nr_voluntary;
	u64 nr_involuntary;
	u64 nr_wakeups;
	u64 nr_migrations;
	u64 nr_starvations;
	u64 max_starve_ns;
	u64 max_starve_start;
	s32 max_starve_cpu;
	u64 wake_wait_ns;
	u64 nr_wake_waits;
	u32 hist[KTSTR_HIST_BUCKETS];
};

/**
 * struct ktstr_last_wait - the wait that ended at the last switch-in, until
 * ktstr_acct_settle_wait() trues it up (module only: the BPF collector
 * keeps its own clock edges)
 * @ns:		as measured
 * @max:	it became the longest wait
 * @hist:	it went into the wake-latency histogram
 */
struct ktstr_last_wait {
	u64 ns;
	bool max;
	bool hist;
};

/**
 * ktstr_hist_slot() - histogram bucket of a wake-to-run latency
 * @ns: latency in nanoseconds
 *
 * Bucket 0 holds latencies below 1024 ns, bucket b holds
 * [2^(b-1) KiB-ns, 2^b KiB-ns), the last bucket everything above.
 *
 * Return: the bucket index, 0 .. KTSTR_HIST_BUCKETS - 1.
 */
static inline u32 ktstr_hist_slot(u64 ns)
{
	u64 v = ns >> 10;
	u32 slot;

	if (!v)
		return 0;
	slot = 64 - __builtin_clzll(v);
	return slot < KTSTR_HIST_BUCKETS ? slot : KTSTR_HIST_BUCKETS - 1;
}

/**
 * ktstr_acct_init() - start tracking
 * @a:		zeroed accounting
 * @now:	monotonic time
 * @runnable:	the task is queued but not running right now
 * @cpu:	its CPU
 */
static inline void ktstr_acct_init(struct ktstr_acct *a, u64 now, bool runnable, s32 cpu)
{
	a->state = runnable ? KTSTR_STATE_RUNNABLE : KTSTR_STATE_UNKNOWN;
	a->last_cpu = -1;
	a->max_wait_cpu = -1;
	a->max_starve_cpu = -1;
	a->wait_cpu = cpu;
	a->wait_start = now;
	a->first_seen = now;
	a->last_seen = now;
}

/**
 * ktstr_acct_wakeup() - sched_wakeup or sched_wakeup_new
 * @a:		accounting
 * @now:	monotonic time
 * @cpu:	CPU whose runqueue the task was put on
 *
 * A task that is RUNNING was woken between set_current_state() and
 * schedule() (ttwu_runnable): it never left the CPU, so no wait begins.
 * A task already RUNNABLE keeps the start of its wait.
 */
static inline void ktstr_acct_wakeup(struct ktstr_acct *a, u64 now, s32 cpu)
{
	a->nr_wakeups++;
	a->last_seen = now;
	if (a->state == KTSTR_STATE_RUNNING || a->state == KTSTR_STATE_RUNNABLE)
		return;
	a->state = KTSTR_STATE_RUNNABLE;
	a->woken = true;
	a->wait_start = now;
	a->wait_cpu = cpu;
}

/**
 * ktstr_acct_switch_out() - the task left the CPU (sched_switch, prev side)
 * @a:		accounting
 * @now:	monotonic time
 * @run_delta:	CPU time of the slice that just ended (scheduler clock)
 * @voluntary:	the kernel counted this switch in nvcsw (else nivcsw)
 * @runnable:	the task stays queued (preempted or yielded)
 * @cpu:	the CPU it left
 */
static inline void ktstr_acct_switch_out(struct ktstr_acct *a, u64 now, u64 run_delta,
					 bool voluntary, bool runnable, s32 cpu)
{
	a->run_ns += run_delta;
	if (voluntary)
		a->nr_voluntary++;
	else
		a->nr_involuntary++;
	a->last_seen = now;
	a->last_cpu = cpu;
	if (a->flags & KTSTR_TASK_EXITED) {
		a->state = KTSTR_STATE_DEAD;
	} else if (runnable) {
		a->state = KTSTR_STATE_RUNNABLE;
		a->woken = false;
		a->wait_start = now;
		a->wait_cpu = cpu;
	} else {
		a->state = KTSTR_STATE_SLEEPING;
	}
}

/**
 * ktstr_acct_starve_done() - a starvation episode ends
 * @a:		accounting, with KTSTR_TASK_STARVING set
 * @wait:	the whole wait of the episode
 *
 * Keeps the longest episode in the record, so a verdict needs no event.
 */
static inline void ktstr_acct_starve_done(struct ktstr_acct *a, u64 wait)
{
	a->flags &= ~KTSTR_TASK_STARVING;
	if (wait > a->max_starve_ns) {
		a->max_starve_ns = wait;
		a->max_starve_start = a->wait_start;
		a->max_starve_cpu = a->wait_cpu;
	}
}

/**
 * ktstr_acct_switch_in() - the task got a CPU (sched_switch, next side)
 * @a:		accounting
 * @now:	monotonic time
 * @wait:	runqueue wait that ends here (scheduler clock), 0 if none
 * @cpu:	the CPU it runs on
 *
 * Return: true if a starvation episode ended with this run; the caller
 * reports it with @wait as the episode's total.
 */
static inline bool ktstr_acct_switch_in(struct ktstr_acct *a, u64 now, u64 wait, s32 cpu)
{
	bool starve_end = a->flags & KTSTR_TASK_STARVING;

	if (starve_end)
		ktstr_acct_starve_done(a, wait);
	a->wait_ns += wait;
	if (wait > a->max_wait_ns) {
		a->max_wait_ns = wait;
		a->max_wait_at = now;
		a->max_wait_cpu = cpu;
	}
	if (a->state == KTSTR_STATE_RUNNABLE && a->woken) {
		a->hist[ktstr_hist_slot(wait)]++;
		a->wake_wait_ns += wait;
		a->nr_wake_waits++;
	}
	a->woken = false;
	a->flags &= ~KTSTR_TASK_STARVING;
	a->state = KTSTR_STATE_RUNNING;
	a->nr_runs++;
	a->last_cpu = cpu;
	a->last_seen = now;
	return starve_end;
}

#define KTSTR_CPU_WORD_BITS	(8 * sizeof(unsigned long))

/**
 * ktstr_acct_note_cpu() - remember a CPU the task ran on
 * @a:		accounting
 * @cpus:	bitmap of KTSTR_MAX_CPUS bits (unsigned long words)
 * @nr_cpus:	bits set in @cpus
 * @cpu:	the CPU it runs on now
 *
 * The record has room for KTSTR_MAX_CPUS CPUs; a CPU beyond (kernels are
 * built with NR_CPUS up to 8192) is not counted, and the record says so
 * with KTSTR_TASK_CPUS_TRUNCATED instead of pretending to be complete.
 */
static inline void ktstr_acct_note_cpu(struct ktstr_acct *a, unsigned long *cpus,
				       u32 *nr_cpus, s32 cpu)
{
	unsigned long bit;

	if (cpu < 0 || cpu >= KTSTR_MAX_CPUS) {
		a->flags |= KTSTR_TASK_CPUS_TRUNCATED;
		return;
	}
	bit = 1UL << (cpu % KTSTR_CPU_WORD_BITS);
	if (cpus[cpu / KTSTR_CPU_WORD_BITS] & bit)
		return;
	cpus[cpu / KTSTR_CPU_WORD_BITS] |= bit;
	(*nr_cpus)++;
}

/**
 * ktstr_acct_migrate() - sched_migrate_task
 * @a:		accounting
 * @from:	task_cpu() before the move
 * @to:		destination CPU
 *
 * The tracepoint fires in set_task_cpu() before its own "CPU changed"
 * check, so a call with @from == @to is not a migration.
 *
 * Return: true if it counted as a migration.
 */
static inline bool ktstr_acct_migrate(struct ktstr_acct *a, s32 from, s32 to)
{
	if (from == to)
		return false;
	a->nr_migrations++;
	if (a->state == KTSTR_STATE_RUNNABLE)
		a->wait_cpu = to;
	return true;
}

/**
 * ktstr_acct_exit() - sched_process_exit: the task is exiting
 * @a:		accounting
 * @now:	monotonic time
 * @code:	its exit_code (wait(2) status)
 */
static inline void ktstr_acct_exit(struct ktstr_acct *a, u64 now, s32 code)
{
	a->flags |= KTSTR_TASK_EXITED;
	a->exit_code = code;
	a->last_seen = now;
}

/**
 * ktstr_acct_cur_wait() - the wait in progress
 * @a:		accounting
 * @now:	monotonic time
 *
 * Return: how long the task has been runnable without running, 0 if it
 * is not waiting.
 */
static inline u64 ktstr_acct_cur_wait(const struct ktstr_acct *a, u64 now)
{
	if (a->state != KTSTR_STATE_RUNNABLE || now < a->wait_start)
		return 0;
	return now - a->wait_start;
}

/**
 * ktstr_acct_check_starving() - watchdog test for one task
 * @a:		accounting
 * @now:	monotonic time
 * @threshold:	starvation threshold
 *
 * Reports each episode once: the flag stays set until the task runs.
 *
 * Return: true if a new starvation episode begins now.
 */
static inline bool ktstr_acct_check_starving(struct ktstr_acct *a, u64 now, u64 threshold)
{
	if (a->flags & KTSTR_TASK_STARVING)
		return false;
	if (ktstr_acct_cur_wait(a, now) < threshold || a->state != KTSTR_STATE_RUNNABLE)
		return false;
	a->flags |= KTSTR_TASK_STARVING;
	a->nr_starvations++;
	return true;
}

/**
 * ktstr_acct_late_starving() - a wait that ends past the threshold unseen
 * @a:		accounting, still RUNNABLE (before ktstr_acct_switch_in())
 * @wait:	the wait that ends now
 * @threshold:	starvation threshold
 *
 * The watchdog scan can miss an episode that began and ended between two
 * scans; the switch-in catches it so no episode goes unreported.
 *
 * Return: true if the episode must be reported now (BEGIN, then END).
 */
static inline bool ktstr_acct_late_starving(struct ktstr_acct *a, u64 wait, u64 threshold)
{
	if (a->state != KTSTR_STATE_RUNNABLE || (a->flags & KTSTR_TASK_STARVING) ||
	    wait < threshold)
		return false;
	a->flags |= KTSTR_TASK_STARVING;
	a->nr_starvations++;
	return true;
}

/**
 * ktstr_acct_to_rec() - the accounting's part of the userspace record
 * @a:		accounting
 * @rec:	output; identity, CPUs, kernel cross-check values and the
 *		wait in progress are the caller's (module or BPF collector)
 * @now:	snapshot time: an open starvation episode counts as the
 *		longest if it is, with its wait so far
 */
static inline void ktstr_acct_to_rec(const struct ktstr_acct *a, struct ktstr_task_rec *rec,
				     u64 now)
{
	unsigned int i;
	u64 open;

	rec->state = a->state;
	rec->flags = a->flags;
	rec->last_cpu = a->last_cpu;
	rec->max_wait_cpu = a->max_wait_cpu;
	rec->exit_code = a->exit_code;
	rec->first_seen_ns = a->first_seen;
	rec->last_seen_ns = a->last_seen;
	rec->run_ns = a->run_ns;
	rec->wait_ns = a->wait_ns;
	rec->max_wait_ns = a->max_wait_ns;
	rec->max_wait_at_ns = a->max_wait_at;
	rec->nr_runs = a->nr_runs;
	rec->nr_voluntary = a->nr_voluntary;
	rec->nr_involuntary = a->nr_involuntary;
	rec->nr_wakeups = a->nr_wakeups;
	rec->nr_migrations = a->nr_migrations;
	rec->nr_starvations = a->nr_starvations;
	rec->max_starve_ns = a->max_starve_ns;
	rec->max_starve_start_ns = a->max_starve_start;
	rec->max_starve_cpu = a->max_starve_cpu;
	rec->wake_wait_ns = a->wake_wait_ns;
	rec->nr_wake_waits = a->nr_wake_waits;
	for (i = 0; i < KTSTR_HIST_BUCKETS; i++)
		rec->hist[i] = a->hist[i];
	if (a->flags & KTSTR_TASK_STARVING) {
		open = ktstr_acct_cur_wait(a, now);
		if (open > rec->max_starve_ns) {
			rec->max_starve_ns = open;
			rec->max_starve_start_ns = a->wait_start;
			rec->max_starve_cpu = a->wait_cpu;
		}
	}
}

/**
 * ktstr_wait_from_sched_info() - the wait that ends at a switch-in
 * @run_delay:	the task's sched_info.run_delay now
 * @last_queued: its sched_info.last_queued now (0 if not queued)
 * @now:	the clock last_queued was read from (rq_clock(), i.e.
 *		sched_clock_cpu() of the CPU), now
 * @mark:	in: run_delay already accounted; out: updated
 *
 * The scheduler adds each queued stretch to run_delay when the task is
 * dequeued (a migration splits a wait in two) or when it arrives on the
 * CPU, which happens just after the sched_switch tracepoint. So the wait
 * that ends here is what run_delay gained since the last switch-in plus
 * the stretch still open (now - last_queued), both ends on one clock. The
 * mark remembers what the kernel will have added after arrival, so the
 * few nanoseconds between the tracepoint and the arrival are carried to
 * the next wait and totals telescope exactly to run_delay.
 *
 * Return: the wait in nanoseconds.
 */
static inline u64 ktstr_wait_from_sched_info(u64 run_delay, u64 last_queued,
					     u64 now, u64 *mark)
{
	u64 open = 0;
	u64 total;

	if (last_queued && now > last_queued)
		open = now - last_queued;
	total = run_delay + open;
	/* Never move the mark back: what was counted stays counted. */
	if (total <= *mark)
		return 0;
	open = total - *mark;
	*mark = total;
	return open;
}

/**
 * ktstr_last_wait_note() - remember where a wait goes, before
 * ktstr_acct_switch_in() accounts it
 * @lw:		the last wait
 * @a:		accounting, not yet switched in
 * @wait:	the wait that ends now
 */
static inline void ktstr_last_wait_note(struct ktstr_last_wait *lw, const struct ktstr_acct *a,
					u64 wait)
{
	lw->ns = wait;
	lw->max = wait > a->max_wait_ns;
	lw->hist = a->state == KTSTR_STATE_RUNNABLE && a->woken;
}

/**
 * ktstr_acct_settle_wait() - true the last wait up with what the kernel
 * added to run_delay for it
 * @a:		accounting
 * @lw:		the last wait (ktstr_last_wait_note())
 * @run_delay:	the task's sched_info.run_delay now; it has arrived on its
 *		CPU since its last switch-in (call at its switch-out)
 * @mark:	in: run_delay accounted so far; out: @run_delay if it was more
 *
 * The switch-in ends the open stretch on sched_clock_cpu() at the
 * tracepoint, while the kernel ends it on rq_clock(), read a little
 * earlier in __schedule(): the measured wait is a few hundred ns (more
 * under emulation) longer than what run_delay gains. That excess would be
 * carried to the next wait, but the task's totals would stay ahead of
 * schedstat until then (for its last wait, for ever). So at switch-out,
 * when run_delay holds this stretch, the excess is taken back from the
 * last wait: the total, and the longest wait and the histogram if it went
 * there. A longest wait within the excess of the one it replaced is not
 * restored (the old value is not kept).
 */
static inline void ktstr_acct_settle_wait(struct ktstr_acct *a, struct ktstr_last_wait *lw,
					  u64 run_delay, u64 *mark)
{
	u64 over;

	if (*mark <= run_delay)
		return;
	over = *mark - run_delay;
	*mark = run_delay;
	/* Only the last wait's own end can be ahead; anything more stays. */
	if (over > lw->ns)
		over = lw->ns;
	a->wait_ns -= over;
	if (lw->max)
		a->max_wait_ns -= over;
	if (lw->hist) {
		a->hist[ktstr_hist_slot(lw->ns)]--;
		a->hist[ktstr_hist_slot(lw->ns - over)]++;
		a->wake_wait_ns -= over;
	}
	lw->ns -= over;
	lw->max = false;
	lw->hist = false;
}

#endif /* KTSTR_ACCT_H */
