// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the module's accounting state machine
 * (kmod/ktstr_acct.h) and of the ABI layout (include/uapi/linux/ktstr.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "kshim.h"
#include "ktstr_acct.h"

static void test_hist_slot_bounds(void **state)
{
	(void)state;
	assert_int_equal(ktstr_hist_slot(0), 0);
	assert_int_equal(ktstr_hist_slot(1023), 0);
	assert_int_equal(ktstr_hist_slot(1024), 1);
	assert_int_equal(ktstr_hist_slot(2047), 1);
	assert_int_equal(ktstr_hist_slot(2048), 2);
	assert_int_equal(ktstr_hist_slot(1000000), 10);		/* 976 KiB-ns */
	assert_int_equal(ktstr_hist_slot(1ULL << 40), 31);
	assert_int_equal(ktstr_hist_slot(~0ULL), KTSTR_HIST_BUCKETS - 1);
}

static void test_hist_slot_monotonic(void **state)
{
	u32 prev = 0;

	(void)state;
	for (u64 ns = 1; ns < (1ULL << 42); ns = ns * 3 / 2 + 1) {
		u32 s = ktstr_hist_slot(ns);

		assert_true(s >= prev);
		assert_true(s < KTSTR_HIST_BUCKETS);
		prev = s;
	}
}

static void test_wakeup_switch_cycle(void **state)
{
	struct ktstr_acct a = {0};

	(void)state;
	ktstr_acct_init(&a, 100, false, 0);
	assert_int_equal(a.state, KTSTR_STATE_UNKNOWN);

	ktstr_acct_wakeup(&a, 1000, 1);
	assert_int_equal(a.state, KTSTR_STATE_RUNNABLE);
	assert_int_equal(a.wait_cpu, 1);
	assert_int_equal(ktstr_acct_cur_wait(&a, 1500), 500);

	assert_false(ktstr_acct_switch_in(&a, 3000, 2000, 1));
	assert_int_equal(a.state, KTSTR_STATE_RUNNING);
	assert_int_equal(a.wait_ns, 2000);
	assert_int_equal(a.max_wait_ns, 2000);
	assert_int_equal(a.max_wait_cpu, 1);
	assert_int_equal(a.nr_wake_waits, 1);
	assert_int_equal(a.hist[ktstr_hist_slot(2000)], 1);
	assert_int_equal(ktstr_acct_cur_wait(&a, 5000), 0);

	ktstr_acct_switch_out(&a, 9000, 6000, true, false, 1);
	assert_int_equal(a.state, KTSTR_STATE_SLEEPING);
	assert_int_equal(a.run_ns, 6000);
	assert_int_equal(a.nr_voluntary, 1);
	assert_int_equal(a.nr_involuntary, 0);
	assert_int_equal(a.nr_runs, 1);
	assert_int_equal(a.nr_wakeups, 1);
}

static void test_preemption_wait_not_in_wake_hist(void **state)
{
	struct ktstr_acct a = {0};
	u32 sum = 0;

	(void)state;
	ktstr_acct_init(&a, 0, false, 0);
	ktstr_acct_wakeup(&a, 10, 0);
	ktstr_acct_switch_in(&a, 20, 10, 0);
	ktstr_acct_switch_out(&a, 100, 80, false, true, 0);	/* preempted */
	assert_int_equal(a.state, KTSTR_STATE_RUNNABLE);
	assert_int_equal(a.nr_involuntary, 1);
	ktstr_acct_switch_in(&a, 5000, 4900, 0);
	assert_int_equal(a.wait_ns, 4910);
	assert_int_equal(a.max_wait_ns, 4900);
	for (int i = 0; i < KTSTR_HIST_BUCKETS; i++)
		sum += a.hist[i];
	assert_int_equal(sum, 1);		/* only the wake-up wait */
	assert_int_equal(a.nr_wake_waits, 1);
	assert_int_equal(a.wake_wait_ns, 10);
}

static void test_wakeup_while_running_is_ignored(void **state)
{
	struct ktstr_acct a = {0};

	(void)state;
	ktstr_acct_init(&a, 0, false, 0);
	ktstr_acct_wakeup(&a, 10, 0);
	ktstr_acct_switch_in(&a, 20, 0, 0);
	/* ttwu_runnable: woken between set_current_state() and schedule() */
	ktstr_acct_wakeup(&a, 30, 0);
	assert_int_equal(a.state, KTSTR_STATE_RUNNING);
	assert_int_equal(ktstr_acct_cur_wait(&a, 1000000000), 0);
	assert_int_equal(a.nr_wakeups, 2);
}

static void test_second_wakeup_keeps_first_stamp(void **state)
{
	struct ktstr_acct a = {0};

	(void)state;
	ktstr_acct_init(&a, 0, false, 0);
	ktstr_acct_wakeup(&a, 100, 0);
	ktstr_acct_wakeup(&a, 900, 0);
	assert_int_equal(ktstr_acct_cur_wait(&a, 1000), 900);
}

static void test_migration_counts_only_real_moves(void **state)
{
	struct ktstr_acct a = {0};

	(void)state;
	ktstr_acct_init(&a, 0, false, 0);
	assert_false(ktstr_acct_migrate(&a, 1, 1));
	assert_int_equal(a.nr_migrations, 0);
	ktstr_acct_wakeup(&a, 10, 1);
	assert_true(ktstr_acct_migrate(&a, 1, 3));
	assert_int_equal(a.nr_migrations, 1);
	assert_int_equal(a.wait_cpu, 3);	/* it now waits on CPU 3 */
}

static void test_starvation_reported_once_per_episode(void **state)
{
	struct ktstr_acct a = {0};
	const u64 thr = 1000000;

	(void)state;
	ktstr_acct_init(&a, 0, false, 0);
	ktstr_acct_wakeup(&a, 0, 0);
	assert_false(ktstr_acct_check_starving(&a, thr - 1, thr));
	assert_true(ktstr_acct_check_starving(&a, thr, thr));
	assert_false(ktstr_acct_check_starving(&a, 2 * thr, thr));
	assert_int_equal(a.nr_starvations, 1);
	assert_true(a.flags & KTSTR_TASK_STARVING);

	assert_true(ktstr_acct_switch_in(&a, 3 * thr, 3 * thr, 0));	/* END */
	assert_false(a.flags & KTSTR_TASK_STARVING);
	ktstr_acct_switch_out(&a, 3 * thr + 5, 5, false, true, 0);
	assert_true(ktstr_acct_check_starving(&a, 5 * thr, thr));	/* new episode */
	assert_int_equal(a.nr_starvations, 2);
}

static void test_late_starvation_caught_at_switch_in(void **state)
{
	struct ktstr_acct a = {0};
	const u64 thr = 1000000;

	(void)state;
	ktstr_acct_init(&a, 0, false, 0);
	ktstr_acct_wakeup(&a, 0, 0);
	/* The scan never ran: the switch-in sees a wait past the threshold. */
	assert_false(ktstr_acct_late_starving(&a, thr - 1, thr));
	assert_true(ktstr_acct_late_starving(&a, thr, thr));
	assert_int_equal(a.nr_starvations, 1);
	assert_true(ktstr_acct_switch_in(&a, thr, thr, 0));	/* END follows */
	/* An episode the scan already reported is not reported twice. */
	ktstr_acct_switch_out(&a, thr + 1, 1, false, true, 0);
	assert_true(ktstr_acct_check_starving(&a, 3 * thr, thr));
	assert_false(ktstr_acct_late_starving(&a, 3 * thr, thr));
	assert_int_equal(a.nr_starvations, 2);
	/* A running task has no wait to report. */
	ktstr_acct_switch_in(&a, 3 * thr, 2 * thr, 0);
	assert_false(ktstr_acct_late_starving(&a, 5 * thr, thr));
}

static void test_sleeping_task_never_starves(void **state)
{
	struct ktstr_acct a = {0};

	(void)state;
	ktstr_acct_init(&a, 0, false, 0);
	ktstr_acct_wakeup(&a, 0, 0);
	ktstr_acct_switch_in(&a, 10, 10, 0);
	ktstr_acct_switch_out(&a, 20, 10, true, false, 0);
	assert_false(ktstr_acct_check_starving(&a, 1ULL << 40, 1000));
}

static void test_exit_then_switch_out_is_dead(void **state)
{
	struct ktstr_acct a = {0};

	(void)state;
	ktstr_acct_init(&a, 0, false, 0);
	ktstr_acct_wakeup(&a, 0, 0);
	ktstr_acct_switch_in(&a, 10, 10, 0);
	ktstr_acct_exit(&a, 50, 3 << 8);
	ktstr_acct_switch_out(&a, 60, 50, true, false, 0);
	assert_int_equal(a.state, KTSTR_STATE_DEAD);
	assert_int_equal(a.exit_code, 3 << 8);
	assert_true(a.flags & KTSTR_TASK_EXITED);
}

static void test_wait_from_sched_info_telescopes(void **state)
{
	u64 mark = 1000;

	(void)state;
	/* Queued at 5000, picked at 5400: run_delay will gain 400. */
	assert_int_equal(ktstr_wait_from_sched_info(1000, 5000, 5400, &mark), 400);
	assert_int_equal(mark, 1400);
	/*
	 * The kernel actually added 410 at arrival (rq clock a bit ahead of
	 * exec_start); the next wait of 300 picks up the 10 ns difference.
	 */
	assert_int_equal(ktstr_wait_from_sched_info(1410, 9000, 9300, &mark), 310);
	assert_int_equal(mark, 1710);
	/* A wait split by a migration: 250 already in run_delay + 50 open. */
	assert_int_equal(ktstr_wait_from_sched_info(1710 + 250, 20000, 20050, &mark), 300);
	/* Not queued (last_queued 0): only what run_delay gained counts. */
	assert_int_equal(ktstr_wait_from_sched_info(2010, 0, 30000, &mark), 0);
	/* A clock step backwards never moves the mark back. */
	mark = 5000;
	assert_int_equal(ktstr_wait_from_sched_info(4000, 0, 0, &mark), 0);
	assert_int_equal(mark, 5000);
}

/*
 * The switch-in ends a wait on a clock read after the kernel's rq_clock():
 * the measured wait is longer than what run_delay gains at arrival. At
 * switch-out the excess is taken back, so the totals equal run_delay.
 */
static void test_settle_wait_equals_run_delay(void **state)
{
	struct ktstr_last_wait lw = {0};
	struct ktstr_acct a = {0};
	u64 mark = 1000, w;

	(void)state;
	ktstr_acct_init(&a, 0, false, 0);
	ktstr_acct_wakeup(&a, 100, 0);
	/* Queued at 5000, picked at 7100 by our clock: 2100 measured. */
	w = ktstr_wait_from_sched_info(1000, 5000, 7100, &mark);
	assert_int_equal(w, 2100);
	ktstr_last_wait_note(&lw, &a, w);
	ktstr_acct_switch_in(&a, 7100, w, 0);
	assert_int_equal(a.hist[ktstr_hist_slot(2100)], 1);
	/* The kernel ended it at rq_clock 6000: run_delay gained 1000. */
	ktstr_acct_settle_wait(&a, &lw, 2000, &mark);
	assert_int_equal(mark, 2000);
	assert_int_equal(a.wait_ns, 1000);
	assert_int_equal(a.max_wait_ns, 1000);
	assert_int_equal(a.wake_wait_ns, 1000);
	assert_int_equal(a.hist[ktstr_hist_slot(2100)], 0);
	assert_int_equal(a.hist[ktstr_hist_slot(1000)], 1);
	/* Settled once: a second switch-out changes nothing. */
	ktstr_acct_settle_wait(&a, &lw, 2000, &mark);
	assert_int_equal(a.wait_ns, 1000);
	/* A preemption wait (no wakeup): total and max, not the histogram. */
	ktstr_acct_switch_out(&a, 8000, 0, false, true, 0);
	w = ktstr_wait_from_sched_info(2000, 8000, 11500, &mark);
	assert_int_equal(w, 3500);
	ktstr_last_wait_note(&lw, &a, w);
	ktstr_acct_switch_in(&a, 11500, w, 0);
	ktstr_acct_settle_wait(&a, &lw, 2000 + 3000, &mark);
	assert_int_equal(a.wait_ns, 1000 + 3000);
	assert_int_equal(a.max_wait_ns, 3000);
	assert_int_equal(a.nr_wake_waits, 1);
	assert_int_equal(a.wake_wait_ns, 1000);
	assert_int_equal(mark, 5000);
	/* The kernel ahead of us (carried as before): nothing to take back. */
	ktstr_acct_settle_wait(&a, &lw, 5100, &mark);
	assert_int_equal(mark, 5000);
	assert_int_equal(a.wait_ns, 4000);
}

/* The record keeps each starvation episode's count and the longest one. */
static void test_starve_longest_in_record(void **state)
{
	struct ktstr_acct a = {0};
	struct ktstr_task_rec rec;

	(void)state;
	ktstr_acct_init(&a, 0, false, 0);
	/* Episode 1: 1500 ns of wait on cpu 1, threshold 1000. */
	ktstr_acct_wakeup(&a, 100, 1);
	assert_true(ktstr_acct_check_starving(&a, 1200, 1000));
	assert_true(ktstr_acct_switch_in(&a, 1600, 1500, 1));
	assert_int_equal(a.max_starve_ns, 1500);
	assert_int_equal(a.max_starve_start, 100);
	assert_int_equal(a.max_starve_cpu, 1);
	/* Episode 2, shorter: the longest stays. */
	ktstr_acct_switch_out(&a, 2000, 400, false, true, 1);
	assert_true(ktstr_acct_late_starving(&a, 1100, 1000));
	assert_true(ktstr_acct_switch_in(&a, 3100, 1100, 1));
	assert_int_equal(a.max_starve_ns, 1500);
	assert_int_equal(a.nr_starvations, 2);
	/* Episode 3 still open at the snapshot and longer: it is reported. */
	ktstr_acct_switch_out(&a, 4000, 900, false, true, 0);
	assert_true(ktstr_acct_check_starving(&a, 5100, 1000));
	memset(&rec, 0, sizeof(rec));
	ktstr_acct_to_rec(&a, &rec, 6000);
	assert_int_equal(rec.nr_starvations, 3);
	assert_int_equal(rec.max_starve_ns, 2000);
	assert_int_equal(rec.max_starve_start_ns, 4000);
	assert_int_equal(rec.max_starve_cpu, 0);
	/* A wait that never crossed the threshold is no episode. */
	ktstr_acct_switch_in(&a, 6100, 2100, 0);
	ktstr_acct_switch_out(&a, 7000, 100, false, true, 0);
	ktstr_acct_switch_in(&a, 7500, 500, 0);
	assert_int_equal(a.max_starve_ns, 2100);
	assert_int_equal(a.nr_starvations, 3);
}

/*
 * The record's CPU set has room for KTSTR_MAX_CPUS CPUs; Debian builds
 * NR_CPUS=8192, so a task on a higher CPU must flag the set as truncated
 * instead of losing the CPU silently (or writing past the bitmap).
 */
static void test_cpus_truncated_beyond_max(void **state)
{
	unsigned long cpus[KTSTR_MAX_CPUS / (8 * sizeof(unsigned long)) + 1];
	struct ktstr_acct a = {0};
	u32 nr = 0;

	(void)state;
	memset(cpus, 0, sizeof(cpus));
	ktstr_acct_init(&a, 0, false, 0);
	ktstr_acct_note_cpu(&a, cpus, &nr, 0);
	ktstr_acct_note_cpu(&a, cpus, &nr, 0);
	ktstr_acct_note_cpu(&a, cpus, &nr, 65);
	ktstr_acct_note_cpu(&a, cpus, &nr, KTSTR_MAX_CPUS - 1);
	assert_int_equal(nr, 3);
	assert_false(a.flags & KTSTR_TASK_CPUS_TRUNCATED);
	assert_int_equal(cpus[0], 1);
	assert_int_equal(cpus[65 / (8 * sizeof(unsigned long))],
			 1UL << (65 % (8 * sizeof(unsigned long))));

	ktstr_acct_note_cpu(&a, cpus, &nr, KTSTR_MAX_CPUS);
	ktstr_acct_note_cpu(&a, cpus, &nr, 8191);
	assert_int_equal(nr, 3);
	assert_true(a.flags & KTSTR_TASK_CPUS_TRUNCATED);
	/* Nothing written past the record's bitmap. */
	assert_int_equal(cpus[KTSTR_MAX_CPUS / (8 * sizeof(unsigned long))], 0);

	/* The flag reaches the userspace record. */
	{
		struct ktstr_task_rec rec;

		memset(&rec, 0, sizeof(rec));
		ktstr_acct_to_rec(&a, &rec, 0);
		assert_true(rec.flags & KTSTR_TASK_CPUS_TRUNCATED);
		assert_int_equal(sizeof(rec.cpus) * 8, KTSTR_MAX_CPUS);
	}
}

static void test_acct_to_rec_copies_every_counter(void **state)
{
	struct ktstr_acct a = {0};
	struct ktstr_task_rec rec;

	(void)state;
	memset(&rec, 0xff, sizeof(rec));
	ktstr_acct_init(&a, 5, false, 1);
	ktstr_acct_wakeup(&a, 10, 1);
	ktstr_acct_switch_in(&a, 3000, 2990, 1);
	ktstr_acct_migrate(&a, 1, 0);
	ktstr_acct_switch_out(&a, 9000, 6000, false, true, 0);
	ktstr_acct_to_rec(&a, &rec, 9000);
	assert_int_equal(rec.state, KTSTR_STATE_RUNNABLE);
	assert_int_equal(rec.max_starve_ns, 0);
	assert_int_equal(rec.max_starve_cpu, -1);
	assert_int_equal(rec.first_seen_ns, 5);
	assert_int_equal(rec.last_seen_ns, 9000);
	assert_int_equal(rec.run_ns, 6000);
	assert_int_equal(rec.wait_ns, 2990);
	assert_int_equal(rec.max_wait_ns, 2990);
	assert_int_equal(rec.max_wait_at_ns, 3000);
	assert_int_equal(rec.max_wait_cpu, 1);
	assert_int_equal(rec.last_cpu, 0);
	assert_int_equal(rec.nr_runs, 1);
	assert_int_equal(rec.nr_voluntary, 0);
	assert_int_equal(rec.nr_involuntary, 1);
	assert_int_equal(rec.nr_wakeups, 1);
	assert_int_equal(rec.nr_migrations, 1);
	assert_int_equal(rec.nr_wake_waits, 1);
	assert_int_equal(rec.wake_wait_ns, 2990);
	assert_int_equal(rec.hist[ktstr_hist_slot(2990)], 1);
	assert_int_equal(rec.hist[0], 0);
}

/* The ABI must not depend on the compiler's choices: fixed sizes, no holes. */
static void test_abi_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct ktstr_version), 48);
	assert_int_equal(sizeof(struct ktstr_config), 32);
	assert_int_equal(sizeof(struct ktstr_track), 24);
	assert_int_equal(sizeof(struct ktstr_snapshot), 48);
	assert_int_equal(sizeof(struct ktstr_event), 88);
	assert_int_equal(sizeof(struct ktstr_cpu_rec), 88);
	assert_int_equal(sizeof(struct ktstr_stats), 208);
	assert_int_equal(sizeof(struct ktstr_task_rec), 552);
	assert_int_equal(sizeof(struct ktstr_api), 32);
	/* ABI 1.1 and 1.2 only appended: the first published prefixes are unchanged. */
	assert_int_equal(offsetof(struct ktstr_version, size), KTSTR_VERSION_SIZE_VER0);
	assert_int_equal(offsetof(struct ktstr_config, capacity), KTSTR_CONFIG_SIZE_VER0);
	assert_int_equal(offsetof(struct ktstr_snapshot, rec_size), KTSTR_SNAPSHOT_SIZE_VER0);
	assert_int_equal(offsetof(struct ktstr_stats, size), KTSTR_STATS_SIZE_VER0);
	assert_int_equal(offsetof(struct ktstr_stats, scan_ns), 192);
	assert_int_equal(sizeof(struct ktstr_task_rec), KTSTR_TASK_REC_SIZE_VER0);
	assert_int_equal(sizeof(struct ktstr_cpu_rec), KTSTR_CPU_REC_SIZE_VER0);
	assert_int_equal(sizeof(struct ktstr_event), KTSTR_EVENT_SIZE_VER0);
	assert_int_equal(offsetof(struct ktstr_task_rec, max_starve_ns), 232);
	assert_int_equal(offsetof(struct ktstr_task_rec, comm), 32);
	assert_int_equal(offsetof(struct ktstr_task_rec, cgroup_id), 48);
	assert_int_equal(offsetof(struct ktstr_task_rec, hist), 296);
	assert_int_equal(offsetof(struct ktstr_task_rec, cpus), 424);
	assert_int_equal(sizeof(struct ktstr_task_rec) % 8, 0);
	/* The ioctl size field holds 14 bits. */
	assert_true(sizeof(struct ktstr_snapshot) < (1 << 14));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hist_slot_bounds),
		cmocka_unit_test(test_hist_slot_monotonic),
		cmocka_unit_test(test_wakeup_switch_cycle),
		cmocka_unit_test(test_preemption_wait_not_in_wake_hist),
		cmocka_unit_test(test_wakeup_while_running_is_ignored),
		cmocka_unit_test(test_second_wakeup_keeps_first_stamp),
		cmocka_unit_test(test_migration_counts_only_real_moves),
		cmocka_unit_test(test_starvation_reported_once_per_episode),
		cmocka_unit_test(test_late_starvation_caught_at_switch_in),
		cmocka_unit_test(test_sleeping_task_never_starves),
		cmocka_unit_test(test_exit_then_switch_out_is_dead),
		cmocka_unit_test(test_wait_from_sched_info_telescopes),
		cmocka_unit_test(test_settle_wait_equals_run_delay),
		cmocka_unit_test(test_cpus_truncated_beyond_max),
		cmocka_unit_test(test_acct_to_rec_copies_every_counter),
		cmocka_unit_test(test_starve_longest_in_record),
		cmocka_unit_test(test_abi_layout),
	};

	return cmocka_run_group_tests_name("acct", tests, NULL, NULL);
}
