// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of user/lib/taskstats.c: the payload decoder (pure), and
 * the live TASKSTATS reply for this very process against its own
 * /proc/self/task/<tid>/schedstat (skipped without CAP_NET_ADMIN or
 * without taskstats in the running kernel).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

#include <cmocka.h>
#include <linux/taskstats.h>

#include <ktstr/taskstats.h>

static void test_parse_full(void **state)
{
	struct taskstats st = { 0 };
	struct ktstr_ts_sample s;

	(void)state;
	st.version = TASKSTATS_VERSION;
	st.cpu_count = 7;
	st.cpu_delay_total = 1000;
	st.cpu_run_real_total = 2000;
	st.cpu_run_virtual_total = 3000;
	st.nvcsw = 5;
	st.nivcsw = 2;
	assert_int_equal(ktstr_taskstats_parse(&st, sizeof(st), &s), 0);
	assert_int_equal(s.version, TASKSTATS_VERSION);
	assert_int_equal(s.cpu_count, 7);
	assert_int_equal(s.cpu_delay_total, 1000);
	assert_int_equal(s.cpu_run_real_total, 2000);
	assert_int_equal(s.cpu_run_virtual_total, 3000);
	assert_int_equal(s.nvcsw, 5);
	assert_int_equal(s.nivcsw, 2);
}

/* A newer kernel's longer struct: the known prefix is read, the tail ignored. */
static void test_parse_longer(void **state)
{
	unsigned char buf[sizeof(struct taskstats) + 64];
	struct taskstats *st = (struct taskstats *)buf;
	struct ktstr_ts_sample s;

	(void)state;
	memset(buf, 0xff, sizeof(buf));
	memset(st, 0, sizeof(*st));
	st->version = TASKSTATS_VERSION + 2;
	st->nivcsw = 9;
	assert_int_equal(ktstr_taskstats_parse(buf, sizeof(buf), &s), 0);
	assert_int_equal(s.version, TASKSTATS_VERSION + 2);
	assert_int_equal(s.nivcsw, 9);
}

static void test_parse_short(void **state)
{
	struct taskstats st = { 0 };
	struct ktstr_ts_sample s;

	(void)state;
	st.version = TASKSTATS_VERSION;
	/* Stops just before the end of nivcsw. */
	assert_int_equal(ktstr_taskstats_parse(&st, offsetof(struct taskstats, nivcsw) + 4, &s),
			 -EPROTO);
	assert_int_equal(ktstr_taskstats_parse(&st, 2, &s), -EPROTO);
	assert_int_equal(ktstr_taskstats_parse(&st, 0, &s), -EPROTO);
	assert_non_null(strstr(ktstr_taskstats_last_error(), "payload"));
}

static void test_parse_bad_version(void **state)
{
	struct taskstats st = { 0 };
	struct ktstr_ts_sample s;

	(void)state;
	st.version = 0;
	assert_int_equal(ktstr_taskstats_parse(&st, sizeof(st), &s), -EPROTO);
	st.version = 1;
	assert_int_equal(ktstr_taskstats_parse(&st, sizeof(st), &s), -EPROTO);
	assert_int_equal(ktstr_taskstats_parse(NULL, sizeof(st), &s), -EINVAL);
	assert_int_equal(ktstr_taskstats_parse(&st, sizeof(st), NULL), -EINVAL);
}

static int read_schedstat(pid_t tid, uint64_t *run, uint64_t *wait, uint64_t *pcount)
{
	char path[64];
	unsigned long long a, b, c;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", tid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	n = fscanf(f, "%llu %llu %llu", &a, &b, &c);
	fclose(f);
	if (n != 3)
		return -EINVAL;
	*run = a;
	*wait = b;
	*pcount = c;
	return 0;
}

static uint64_t absdiff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

/* Burn some CPU so that the numbers are not all tiny. */
static void spin_ms(unsigned int ms)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &t);
	while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

static void test_live_self(void **state)
{
	pid_t tid = (pid_t)syscall(SYS_gettid);
	struct ktstr_taskstats *ts;
	struct ktstr_ts_sample s;
	uint64_t run0, wait0, pc0, run1, wait1, pc1;
	int r, tries;

	(void)state;
	r = ktstr_taskstats_open(&ts);
	if (r == -ENOENT || r == -EPERM || r == -EACCES) {
		printf("# SKIP taskstats unavailable: %s\n", ktstr_taskstats_last_error());
		skip();
	}
	assert_int_equal(r, 0);
	spin_ms(50);
	r = ktstr_taskstats_get(ts, tid, &s);
	if (r == -EPERM) {
		ktstr_taskstats_close(ts);
		printf("# SKIP %s\n", ktstr_taskstats_last_error());
		skip();
	}
	assert_int_equal(r, 0);
	assert_true(s.version >= 2);
	assert_true(s.cpu_run_virtual_total >= 40 * 1000000ULL);

	/*
	 * The same moment: a sample between two schedstat reads that agree
	 * on pcount saw no switch, so cpu_count must equal it exactly.
	 */
	for (tries = 0; tries < 50; tries++) {
		assert_int_equal(read_schedstat(tid, &run0, &wait0, &pc0), 0);
		assert_int_equal(ktstr_taskstats_get(ts, tid, &s), 0);
		assert_int_equal(read_schedstat(tid, &run1, &wait1, &pc1), 0);
		if (pc0 == pc1)
			break;
	}
	assert_true(tries < 50);
	printf("# taskstats v%u: run %llu ns (schedstat %llu..%llu; tick-based real %llu), "
	       "wait %llu ns (%llu), cpu_count %llu (pcount %llu), nvcsw %llu, nivcsw %llu\n",
	       s.version, (unsigned long long)s.cpu_run_virtual_total,
	       (unsigned long long)run0, (unsigned long long)run1,
	       (unsigned long long)s.cpu_run_real_total,
	       (unsigned long long)s.cpu_delay_total, (unsigned long long)wait0,
	       (unsigned long long)s.cpu_count, (unsigned long long)pc0,
	       (unsigned long long)s.nvcsw, (unsigned long long)s.nivcsw);
	assert_int_equal(s.cpu_count, pc0);
	/*
	 * Run within 1% + 4 ms of schedstat (it moved while we read it).
	 * cpu_run_virtual_total is se.sum_exec_runtime, what schedstat shows;
	 * cpu_run_real_total is utime + stime, sampled at the tick.
	 */
	assert_true(absdiff(s.cpu_run_virtual_total, run0) <= run0 / 100 + 4000000ULL);
	assert_true(s.cpu_run_virtual_total >= run0);
	assert_true(s.cpu_run_virtual_total <= run1);
	/* No switch in between: the wait cannot have moved. */
	assert_true(absdiff(s.cpu_delay_total, wait0) <= wait0 / 100 + 4000000ULL);
	/* pcount counts switch-ins; every switch-out is one of nvcsw/nivcsw. */
	assert_true(s.nvcsw + s.nivcsw + 1 >= s.cpu_count);
	ktstr_taskstats_close(ts);
}

static void test_live_no_such_pid(void **state)
{
	struct ktstr_taskstats *ts;
	struct ktstr_ts_sample s;
	int r;

	(void)state;
	r = ktstr_taskstats_open(&ts);
	if (r < 0)
		skip();
	r = ktstr_taskstats_get(ts, 0x3ffffff0, &s);
	ktstr_taskstats_close(ts);
	if (r == -EPERM)
		skip();
	assert_int_equal(r, -ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_full),
		cmocka_unit_test(test_parse_longer),
		cmocka_unit_test(test_parse_short),
		cmocka_unit_test(test_parse_bad_version),
		cmocka_unit_test(test_live_self),
		cmocka_unit_test(test_live_no_such_pid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
