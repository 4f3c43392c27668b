// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of user/lib/collect/taskstats.c: the payload and message
 * decoders (pure), the taskstats backend's bookkeeping of exit records
 * (which tracked task a record belongs to, drop counting; pure, offline),
 * the live TASKSTATS reply for this very process against its own
 * /proc/self/task/<tid>/schedstat, and live exit records of a child
 * (the live ones are skipped without CAP_NET_ADMIN, without taskstats in
 * the running kernel, or outside the initial pid namespace).
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
#include <sys/wait.h>

#include <cmocka.h>
#include <linux/taskstats.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <ktstr/collector.h>
#include "collect/backend_priv.h"
#include <ktstr/taskstats.h>

static void test_parse_full(void **state)
{
	struct taskstats st = { 0 };
	struct ktstr_taskstats_sample s;

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
	struct ktstr_taskstats_sample s;

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
	struct ktstr_taskstats_sample s;

	(void)state;
	st.version = TASKSTATS_VERSION;
	/* Stops just before the end of nivcsw. */
	assert_int_equal(ktstr_taskstats_parse(&st, offsetof(struct taskstats, nivcsw) + 4, &s),
			 -EPROTO);
	assert_int_equal(ktstr_taskstats_parse(&st, 2, &s), -EPROTO);
	assert_int_equal(ktstr_taskstats_parse(&st, 0, &s), -EPROTO);
	assert_non_null(strstr(ktstr_last_error(), "payload"));
}

static void test_parse_bad_version(void **state)
{
	struct taskstats st = { 0 };
	struct ktstr_taskstats_sample s;

	(void)state;
	st.version = 0;
	assert_int_equal(ktstr_taskstats_parse(&st, sizeof(st), &s), -EPROTO);
	st.version = 1;
	assert_int_equal(ktstr_taskstats_parse(&st, sizeof(st), &s), -EPROTO);
	assert_int_equal(ktstr_taskstats_parse(NULL, sizeof(st), &s), -EINVAL);
	assert_int_equal(ktstr_taskstats_parse(&st, sizeof(st), NULL), -EINVAL);
}

/* The identity fields: pid, ppid, exit status, comm; tgid from version 12. */
static void test_parse_ident(void **state)
{
	struct taskstats st = { 0 };
	struct ktstr_taskstats_sample s;

	(void)state;
	st.version = TASKSTATS_VERSION;
	st.ac_pid = 1234;
	st.ac_ppid = 1200;
	st.ac_exitcode = 7 << 8;
	st.ac_btime = 1700000000;
	memset(st.ac_comm, 'x', sizeof(st.ac_comm));	/* not terminated */
	st.ac_tgid = 1230;
	assert_int_equal(ktstr_taskstats_parse(&st, sizeof(st), &s), 0);
	assert_int_equal(s.pid, 1234);
	assert_int_equal(s.ppid, 1200);
	assert_int_equal(s.tgid, 1230);
	assert_int_equal(s.exit_code, 7 << 8);
	assert_int_equal(s.btime, 1700000000);
	assert_int_equal(strlen(s.comm), KTSTR_TASKSTATS_COMM_LEN - 1);
	st.version = 11;
	assert_int_equal(ktstr_taskstats_parse(&st, sizeof(st), &s), 0);
	assert_int_equal(s.tgid, 0);
	/* Version 12 but cut before ac_tgid: no tgid either. */
	st.version = 12;
	assert_int_equal(ktstr_taskstats_parse(&st, offsetof(struct taskstats, ac_tgid), &s), 0);
	assert_int_equal(s.tgid, 0);
}

/* A TASKSTATS_CMD_NEW message as the kernel builds one at exit. */
static struct nl_msg *exit_msg(const struct taskstats *st, bool with_pid, bool with_tgid)
{
	struct nl_msg *m = nlmsg_alloc();
	struct nlattr *nest;

	assert_non_null(m);
	assert_non_null(genlmsg_put(m, 0, 17, 0x20, 0, 0, TASKSTATS_CMD_NEW, 1));
	if (with_pid) {
		nest = nla_nest_start(m, TASKSTATS_TYPE_AGGR_PID);
		assert_int_equal(nla_put_u32(m, TASKSTATS_TYPE_PID, st->ac_pid), 0);
		assert_int_equal(nla_put(m, TASKSTATS_TYPE_STATS, sizeof(*st), st), 0);
		nla_nest_end(m, nest);
	}
	if (with_tgid) {
		nest = nla_nest_start(m, TASKSTATS_TYPE_AGGR_TGID);
		assert_int_equal(nla_put_u32(m, TASKSTATS_TYPE_TGID, st->ac_tgid), 0);
		assert_int_equal(nla_put(m, TASKSTATS_TYPE_STATS, sizeof(*st), st), 0);
		nla_nest_end(m, nest);
	}
	return m;
}

static void test_decode_msg(void **state)
{
	struct taskstats st = { 0 };
	struct ktstr_taskstats_sample s;
	struct nlmsghdr *h;
	struct nl_msg *m;

	(void)state;
	st.version = TASKSTATS_VERSION;
	st.ac_pid = 501;
	st.ac_tgid = 500;
	st.ac_ppid = 400;
	st.ac_exitcode = 3 << 8;
	st.cpu_run_virtual_total = 200000000;
	st.nvcsw = 4;
	m = exit_msg(&st, true, true);
	h = nlmsg_hdr(m);
	assert_int_equal(ktstr_taskstats_decode(h, h->nlmsg_len, &s), 0);
	assert_int_equal(s.pid, 501);
	assert_int_equal(s.tgid, 500);
	assert_int_equal(s.ppid, 400);
	assert_int_equal(s.exit_code, 3 << 8);
	assert_int_equal(s.cpu_run_virtual_total, 200000000);
	assert_int_equal(s.nvcsw, 4);
	/* Cut short: the header says more than there is. */
	assert_int_equal(ktstr_taskstats_decode(h, h->nlmsg_len - 8, &s), -EPROTO);
	assert_int_equal(ktstr_taskstats_decode(h, 4, &s), -EPROTO);
	nlmsg_free(m);
	/* Only the group's record: nothing to read. */
	m = exit_msg(&st, false, true);
	h = nlmsg_hdr(m);
	assert_int_equal(ktstr_taskstats_decode(h, h->nlmsg_len, &s), -ENOMSG);
	nlmsg_free(m);
	/* The version check of the payload still applies. */
	st.version = 1;
	m = exit_msg(&st, true, false);
	h = nlmsg_hdr(m);
	assert_int_equal(ktstr_taskstats_decode(h, h->nlmsg_len, &s), -EPROTO);
	nlmsg_free(m);
}

/* Pids no real task has (above PID_MAX_LIMIT), so /proc scans find none. */
#define P0	0x3ffff000

static struct ktstr_taskstats_sample rec(pid_t pid, pid_t ppid, pid_t tgid, uint64_t run, int status)
{
	struct ktstr_taskstats_sample x = { 0 };

	x.version = TASKSTATS_VERSION;
	x.pid = pid;
	x.ppid = ppid;
	x.tgid = tgid;
	x.exit_code = (uint32_t)status;
	x.cpu_run_virtual_total = run;
	x.cpu_delay_total = run / 10;
	x.cpu_count = 3;
	x.nvcsw = 2;
	x.nivcsw = 1;
	snprintf(x.comm, sizeof(x.comm), "t%d", pid - P0);
	return x;
}

static const struct ktstr_task_rec *by_pid(const struct ktstr_task_rec *r, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (r[i].pid == pid)
			return &r[i];
	return NULL;
}

/*
 * P0 tracked with follow (base run 100), P0+9 tracked without. Exit
 * records: P0+1 child of P0; P0+2 grandchild (its record before its
 * parent's); P0+3 a thread of P0; P0+4 a stranger; P0+5 child of P0+9
 * (not followed); then P0 itself.
 */
static void test_book_attribution(void **state)
{
	struct ktstr_taskstats_sample base = rec(P0, 1, P0, 100, 0), x;
	struct ktstr_task_rec *r = NULL;
	const struct ktstr_task_rec *t;
	void *st = ktstr_taskstats_book_new();
	size_t n = 0;

	(void)state;
	assert_non_null(st);
	assert_int_equal(ktstr_taskstats_book_track(st, P0, true, &base), 0);
	assert_int_equal(ktstr_taskstats_book_track(st, P0 + 9, false, &base), 0);
	x = rec(P0 + 2, P0 + 1, P0 + 2, 20000, 2 << 8);
	assert_int_equal(ktstr_taskstats_book_exit(st, &x), 0);	/* parent unknown yet */
	x = rec(P0 + 1, P0, P0 + 1, 200000000, 1 << 8);
	assert_int_equal(ktstr_taskstats_book_exit(st, &x), 1);
	x = rec(P0 + 3, 1, P0, 5000, 0);
	assert_int_equal(ktstr_taskstats_book_exit(st, &x), 1);
	x = rec(P0 + 4, 1, P0 + 4, 5000, 0);
	assert_int_equal(ktstr_taskstats_book_exit(st, &x), 0);
	x = rec(P0 + 5, P0 + 9, P0 + 5, 5000, 0);
	assert_int_equal(ktstr_taskstats_book_exit(st, &x), 0);
	x = rec(P0, 1, P0, 1100, 9);	/* killed by SIGKILL */
	assert_int_equal(ktstr_taskstats_book_exit(st, &x), 1);

	assert_int_equal(ktstr_backend_taskstats.snapshot(st, &r, &n), 0);
	assert_int_equal(n, 4);	/* P0, P0+1, P0+2, P0+3; P0+9 never read */
	t = by_pid(r, n, P0);
	assert_non_null(t);
	assert_int_equal(t->run_ns, 1000);	/* from its baseline */
	assert_int_equal(t->exit_code, 9);
	assert_int_equal(t->state, KTSTR_STATE_DEAD);
	assert_true(t->flags & KTSTR_TASK_EXITED);
	assert_true(t->flags & KTSTR_TASK_FREED);
	assert_false(t->flags & KTSTR_TASK_FROM_FORK);
	t = by_pid(r, n, P0 + 1);
	assert_non_null(t);
	assert_int_equal(t->run_ns, 200000000);	/* from its start */
	assert_int_equal(t->wait_ns, 20000000);
	assert_int_equal(t->nr_runs, 3);
	assert_int_equal(t->nr_voluntary, 2);
	assert_int_equal(t->nr_involuntary, 1);
	assert_int_equal(t->exit_code, 1 << 8);
	assert_int_equal(t->tgid, P0 + 1);
	assert_string_equal(t->comm, "t1");
	assert_true(t->flags & KTSTR_TASK_FROM_FORK);
	t = by_pid(r, n, P0 + 2);
	assert_non_null(t);
	assert_int_equal(t->exit_code, 2 << 8);
	t = by_pid(r, n, P0 + 3);
	assert_non_null(t);
	assert_int_equal(t->tgid, P0);
	assert_null(by_pid(r, n, P0 + 4));
	assert_null(by_pid(r, n, P0 + 5));
	free(r);

	/* P0 is gone: a new task with its pid is not its child's parent. */
	x = rec(P0 + 6, P0, P0 + 6, 5000, 0);
	assert_int_equal(ktstr_taskstats_book_exit(st, &x), 0);
	/* Nor is a second record of P0+1 (a reused pid) P0+1's. */
	x = rec(P0 + 1, 1, P0 + 1, 5000, 0);
	assert_int_equal(ktstr_taskstats_book_exit(st, &x), 0);
	assert_int_equal(ktstr_backend_taskstats_dropped(st), 0);
	ktstr_backend_taskstats.close(st);
}

/* Records that came before a task was tracked are not its children's. */
static void test_book_before_track(void **state)
{
	struct ktstr_taskstats_sample base = rec(P0 + 20, 1, P0 + 20, 0, 0), x;
	struct ktstr_task_rec *r = NULL;
	void *st = ktstr_taskstats_book_new();
	size_t n = 0;

	(void)state;
	x = rec(P0 + 21, P0 + 20, P0 + 21, 5000, 0);
	assert_int_equal(ktstr_taskstats_book_exit(st, &x), 0);
	x = rec(P0 + 20, 1, P0 + 20, 5000, 0);	/* an earlier P0+20 */
	assert_int_equal(ktstr_taskstats_book_exit(st, &x), 0);
	assert_int_equal(ktstr_taskstats_book_track(st, P0 + 20, true, &base), 0);
	x = rec(P0 + 22, P0 + 20, P0 + 22, 5000, 0);
	assert_int_equal(ktstr_taskstats_book_exit(st, &x), 1);
	assert_int_equal(ktstr_backend_taskstats.snapshot(st, &r, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].pid, P0 + 22);
	free(r);
	ktstr_backend_taskstats.close(st);
}

/* Overflows of the exit socket are the backend's dropped count. */
static void test_book_dropped(void **state)
{
	void *st = ktstr_taskstats_book_new();

	(void)state;
	assert_int_equal(ktstr_backend_taskstats_dropped(st), 0);
	ktstr_taskstats_book_overrun(st, 2);
	ktstr_taskstats_book_overrun(st, 1);
	assert_int_equal(ktstr_backend_taskstats_dropped(st), 3);
	assert_int_equal(ktstr_backend_taskstats_dropped(NULL), 0);
	ktstr_backend_taskstats.close(st);
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
/* Burn @ms of this thread's CPU time (not wall time: the host may be busy). */
static void spin_ms(unsigned int ms)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	do
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

static void test_live_self(void **state)
{
	pid_t tid = (pid_t)syscall(SYS_gettid);
	struct ktstr_taskstats *ts;
	struct ktstr_taskstats_sample s;
	uint64_t run0, wait0, pc0, run1, wait1, pc1;
	int r, tries;

	(void)state;
	r = ktstr_taskstats_open(&ts);
	if (r == -ENOENT || r == -EPERM || r == -EACCES) {
		printf("# SKIP taskstats unavailable: %s\n", ktstr_last_error());
		skip();
	}
	assert_int_equal(r, 0);
	spin_ms(50);
	r = ktstr_taskstats_get(ts, tid, &s);
	if (r == -EPERM) {
		ktstr_taskstats_close(ts);
		printf("# SKIP %s\n", ktstr_last_error());
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
	struct ktstr_taskstats_sample s;
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

/* An open handle listening for exits, or NULL (the test is skipped). */
static struct ktstr_taskstats *listener(size_t rcvbuf)
{
	struct ktstr_taskstats *ts;
	int r;

	if (ktstr_taskstats_open(&ts) < 0) {
		printf("# SKIP taskstats unavailable: %s\n", ktstr_last_error());
		return NULL;
	}
	r = ktstr_taskstats_listen(ts, rcvbuf);
	if (r == -EPERM || r == -EINVAL || r == -EACCES) {
		printf("# SKIP %s\n", ktstr_last_error());
		ktstr_taskstats_close(ts);
		return NULL;
	}
	assert_int_equal(r, 0);
	assert_true(ktstr_taskstats_listening(ts));
	assert_int_equal(ktstr_taskstats_listen(ts, rcvbuf), -EBUSY);
	return ts;
}

struct catch {
	pid_t pid;
	int seen;
	struct ktstr_taskstats_sample x;
};

static int catch_pid(const struct ktstr_taskstats_sample *x, void *arg)
{
	struct catch *c = arg;

	if (x->pid == c->pid) {
		c->x = *x;
		c->seen++;
	}
	return 0;
}

/* A child that spins 30 ms and exits 5: its record, reaped, is in the socket. */
static void test_live_exit_record(void **state)
{
	struct ktstr_taskstats *ts = listener(0);
	struct catch c = { 0 };
	uint64_t own = 0;
	int p[2], status, r;

	(void)state;
	if (!ts)
		skip();
	assert_int_equal(pipe(p), 0);
	c.pid = fork();
	assert_true(c.pid >= 0);
	if (!c.pid) {
		struct timespec t;

		spin_ms(30);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
		own = (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
		_exit(write(p[1], &own, sizeof(own)) == sizeof(own) ? 5 : 6);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &own, sizeof(own)), sizeof(own));
	close(p[0]);
	assert_int_equal(waitpid(c.pid, &status, 0), c.pid);
	r = ktstr_taskstats_drain(ts, catch_pid, &c);
	assert_true(r >= 1);
	assert_int_equal(c.seen, 1);
	printf("# exit record of %d: status 0x%x, ppid %d, comm %s, run %llu ns "
	       "(own clock %llu), runs %llu, vol %llu, invol %llu, overruns %llu\n",
	       c.pid, c.x.exit_code, c.x.ppid, c.x.comm,
	       (unsigned long long)c.x.cpu_run_virtual_total, (unsigned long long)own,
	       (unsigned long long)c.x.cpu_count, (unsigned long long)c.x.nvcsw,
	       (unsigned long long)c.x.nivcsw,
	       (unsigned long long)ktstr_taskstats_overruns(ts));
	assert_int_equal(c.x.exit_code, (uint32_t)status);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 5);
	assert_int_equal(c.x.ppid, getpid());
	/* Nothing more for it. */
	c.seen = 0;
	assert_true(ktstr_taskstats_drain(ts, catch_pid, &c) >= 0);
	assert_int_equal(c.seen, 0);
	ktstr_taskstats_close(ts);
}

/* A receive buffer too small for a burst of exits: counted, not fatal. */
static void test_live_overrun(void **state)
{
	struct ktstr_taskstats *ts = listener(1);
	struct catch c = { .pid = -1 };

	(void)state;
	if (!ts)
		skip();
	for (int i = 0; i < 64; i++) {
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (!pid)
			_exit(0);
		assert_int_equal(waitpid(pid, NULL, 0), pid);
	}
	assert_true(ktstr_taskstats_drain(ts, catch_pid, &c) >= 0);
	printf("# 64 exits into a minimal buffer: %llu overruns\n",
	       (unsigned long long)ktstr_taskstats_overruns(ts));
	assert_true(ktstr_taskstats_overruns(ts) >= 1);
	ktstr_taskstats_close(ts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_full),
		cmocka_unit_test(test_parse_longer),
		cmocka_unit_test(test_parse_short),
		cmocka_unit_test(test_parse_bad_version),
		cmocka_unit_test(test_parse_ident),
		cmocka_unit_test(test_decode_msg),
		cmocka_unit_test(test_book_attribution),
		cmocka_unit_test(test_book_before_track),
		cmocka_unit_test(test_book_dropped),
		cmocka_unit_test(test_live_self),
		cmocka_unit_test(test_live_no_such_pid),
		cmocka_unit_test(test_live_exit_record),
		cmocka_unit_test(test_live_overrun),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
