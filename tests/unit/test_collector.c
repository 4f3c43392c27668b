// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the collector interface (<ktstr/collector.h>) over fake
 * tracers: what every collector gives alike (threshold, starvation from
 * the records without a watchdog, refusals), and the Assert engine judging
 * a scenario's workers from records whatever their source, through
 * ktstr_setup_cgroups() and ktstr_collect_assert() on the no-op cgroups.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ktstr/ktstr.h>
#include <ktstr/util.h>

#include "collect/backend_priv.h"
#include "util/ktstr_error.h"

#define MS	1000000ULL

/* The fake tracer: records for the pids it was told to track. */
static struct {
	pid_t pids[16];
	int nr;
	uint64_t max_wait_ns;	/* every record's longest wait */
	uint64_t starve_ns;	/* last threshold given to a watchdog */
	int resets;
	int reset_err;		/* reset fails with it (0: succeeds)... */
	const char *reset_msg;	/* ...saying this (NULL: saying nothing) */
} fk;

static int fk_open(void **st)
{
	*st = &fk;
	return 0;
}

static void fk_close(void *st)
{
	(void)st;
}

static int fk_track(void *st, pid_t pid, bool follow)
{
	(void)st, (void)follow;
	if (fk.nr == (int)KTSTR_ARRAY_SIZE(fk.pids))
		return -ENOSPC;
	fk.pids[fk.nr++] = pid;
	return 0;
}

static int fk_reset(void *st)
{
	(void)st;
	if (fk.reset_err && fk.reset_msg)
		return ktstr_errorf(fk.reset_err, "%s", fk.reset_msg);
	if (fk.reset_err)
		return fk.reset_err;
	fk.nr = 0;
	fk.resets++;
	return 0;
}

static int fk_set_starve(void *st, uint64_t ns)
{
	(void)st;
	fk.starve_ns = ns;
	return 0;
}

static int fk_snapshot(void *st, struct ktstr_task_rec **recs, size_t *n)
{
	struct ktstr_task_rec *r = calloc(fk.nr ? fk.nr : 1, sizeof(*r));

	(void)st;
	if (!r)
		return -ENOMEM;
	for (int i = 0; i < fk.nr; i++) {
		r[i].pid = r[i].tgid = fk.pids[i];
		snprintf(r[i].comm, sizeof(r[i].comm), "fake");
		r[i].run_ns = 100 * MS;
		r[i].wait_ns = fk.max_wait_ns;
		r[i].nr_runs = 10;
		r[i].max_wait_ns = fk.max_wait_ns;
		r[i].max_wait_cpu = 1;
		r[i].last_cpu = 1;
		r[i].cpus[0] = 2;
		r[i].nr_cpus = 1;
		r[i].start_time_ns = 1;
	}
	*recs = r;
	*n = (size_t)fk.nr;
	return 0;
}

/* The BPF collector's shape: all fields, no watchdog, no cgroups. */
static const struct ktstr_backend be_bpf = {
	.name = "bpf", .has = KTSTR_HAS_ALL & ~KTSTR_HAS_WATCHDOG,
	.open = fk_open, .close = fk_close, .track_pid = fk_track,
	.reset = fk_reset, .snapshot = fk_snapshot,
};

/* The module's shape (its watchdog counts episodes itself). */
static const struct ktstr_backend be_mod = {
	.name = "module", .has = KTSTR_HAS_ALL,
	.open = fk_open, .close = fk_close, .track_pid = fk_track,
	.reset = fk_reset, .set_starve_ns = fk_set_starve,
	.snapshot = fk_snapshot,
};

/* taskstats' shape: totals only. */
static const struct ktstr_backend be_ts = {
	.name = "taskstats", .has = 0,
	.open = fk_open, .close = fk_close, .track_pid = fk_track,
	.reset = fk_reset, .snapshot = fk_snapshot,
};

static struct ktstr_collector *wrap(const struct ktstr_backend *be)
{
	struct ktstr_collector *c = ktstr__collector_wrap(be, &fk);

	assert_non_null(c);
	memset(&fk, 0, sizeof(fk));
	return c;
}

static void test_open_refuses(void **state)
{
	struct ktstr_collector *c = (struct ktstr_collector *)1;

	(void)state;
	assert_int_equal(ktstr_collector_open("nope", &c), -EINVAL);
	assert_null(c);
	assert_non_null(strstr(ktstr_last_error(), "unknown collector 'nope'"));
	assert_int_equal(ktstr_collector_open(NULL, NULL), -EINVAL);
	assert_true(ktstr_collector_known("module"));
	assert_true(ktstr_collector_known("bpf"));
	assert_true(ktstr_collector_known("taskstats"));
	assert_false(ktstr_collector_known("auto"));
	assert_false(ktstr_collector_known(NULL));
	/* NULL collectors: errors, never a crash. */
	assert_int_equal(ktstr_collector_track_pid(NULL, 1, false), -EINVAL);
	assert_int_equal(ktstr_collector_snapshot(NULL, NULL, NULL), -EINVAL);
	assert_int_equal(ktstr_collector_reset(NULL), -EINVAL);
	assert_int_equal(ktstr_collector_has(NULL), 0);
	assert_string_equal(ktstr_collector_name(NULL), "");
	assert_null(ktstr_collector_dev(NULL));
	ktstr_collector_close(NULL);
}

/*
 * A failing backend's own message is what ktstr_last_error() says; one
 * that says nothing gets a line naming it, never an older message about
 * something else.
 */
static void test_backend_message(void **state)
{
	struct ktstr_collector *c = wrap(&be_mod);

	(void)state;
	assert_int_equal(ktstr_collector_set_starve_ms(c, 0), -EINVAL);
	assert_non_null(strstr(ktstr_last_error(), "out of range"));
	fk.reset_err = -EIO;
	assert_int_equal(ktstr_collector_reset(c), -EIO);
	assert_string_equal(ktstr_last_error(), "module: reset: Input/output error");
	fk.reset_msg = "fake: the tracer is gone";
	assert_int_equal(ktstr_collector_reset(c), -EIO);
	assert_string_equal(ktstr_last_error(), "fake: the tracer is gone");
	fk.reset_err = 0;
	assert_int_equal(ktstr_collector_reset(c), 0);
	/* A success keeps the last failure's message (<ktstr/error.h>). */
	assert_string_equal(ktstr_last_error(), "fake: the tracer is gone");
	ktstr_collector_close(c);
}

static void test_threshold(void **state)
{
	struct ktstr_collector *c = wrap(&be_mod);

	(void)state;
	assert_int_equal(ktstr_collector_starve_ns(c), KTSTR_STARVE_MS_DEFAULT * MS);
	assert_int_equal(ktstr_collector_set_starve_ms(c, 0), -EINVAL);
	assert_int_equal(ktstr_collector_set_starve_ms(c, KTSTR_STARVE_MS_MAX + 1), -EINVAL);
	assert_non_null(strstr(ktstr_last_error(), "out of range"));
	assert_int_equal(fk.starve_ns, 0);	/* refused before the tracer */
	assert_int_equal(ktstr_collector_set_starve_ms(c, 200), 0);
	assert_int_equal(fk.starve_ns, 200 * MS);	/* the watchdog got it */
	assert_int_equal(ktstr_collector_starve_ns(c), 200 * MS);
	ktstr_collector_close(c);
}

/* Without a watchdog, the longest wait above the threshold is the episode. */
static void test_starvation_from_waits(void **state)
{
	struct ktstr_collector *c = wrap(&be_bpf);
	struct ktstr_task_rec *r;
	size_t n;

	(void)state;
	assert_int_equal(ktstr_collector_set_starve_ms(c, 200), 0);
	assert_int_equal(ktstr_collector_track_pid(c, 4242, true), 0);
	fk.max_wait_ns = 950 * MS;
	assert_int_equal(ktstr_collector_snapshot(c, &r, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].nr_starvations, 1);
	assert_int_equal(r[0].max_starve_ns, 950 * MS);
	assert_int_equal(r[0].max_starve_cpu, 1);
	free(r);
	/* At the threshold is not above it. */
	fk.max_wait_ns = 200 * MS;
	assert_int_equal(ktstr_collector_snapshot(c, &r, &n), 0);
	assert_int_equal(r[0].nr_starvations, 0);
	free(r);
	/* No events without a watchdog, and no cgroup tracking. */
	assert_int_equal(ktstr_collector_read_events(c, NULL, 0, 0), -EOPNOTSUPP);
	assert_non_null(strstr(ktstr_last_error(), "no watchdog"));
	assert_int_equal(ktstr_collector_track_cgroup_fd(c, 0, true), -EOPNOTSUPP);
	assert_false(ktstr_collector_tracks_cgroup(c));
	ktstr_collector_close(c);

	/* The module's records are its watchdog's: left as they are. */
	c = wrap(&be_mod);
	assert_int_equal(ktstr_collector_track_pid(c, 4242, true), 0);
	fk.max_wait_ns = 5000 * MS;
	assert_int_equal(ktstr_collector_snapshot(c, &r, &n), 0);
	assert_int_equal(r[0].nr_starvations, 0);
	free(r);
	ktstr_collector_close(c);
}

/*
 * A scenario's workers judged from a collector's records: @be measures
 * them with a @wait_ms longest wait each; the threshold is 200 ms.
 */
static void judge(const struct ktstr_backend *be, uint64_t wait_ms,
		  struct ktstr_assert_result *out)
{
	struct ktstr_cgroups *cg = ktstr_cgroup_noop_new();
	struct ktstr_handle *h = NULL;
	struct ktstr_workload wl;
	struct ktstr_assert cfg;
	struct ktstr_ctx ctx;

	KTSTR_CGROUP_GUARD(group);
	assert_non_null(cg);
	assert_int_equal(ktstr_ctx_init(&ctx, cg, NULL), 0);
	ctx.settle_ms = 0;
	ctx.workers_per_cgroup = 1;
	ctx.starve_ms = 200;
	ctx.collector = wrap(be);
	ktstr_workload_init(&wl, KTSTR_WORK_SPIN_WAIT, 2);
	assert_int_equal(ktstr_setup_cgroups(&ctx, 1, &wl, &h, &group), 0);
	/* Every worker was tracked on the collector, by pid. */
	assert_int_equal(fk.nr, 2);
	for (int i = 0; i < 2; i++)
		assert_int_equal(fk.pids[i], ktstr_workers_pid(h[0].workers, i));
	assert_int_equal(ktstr_collector_starve_ns(ctx.collector), 200 * MS);
	fk.max_wait_ns = wait_ms * MS;
	ktstr_sleep_ms(50);
	ktstr_assert_defaults(&cfg);
	KTSTR_ASSERT_SET(&cfg, fail_on_starvation, true);
	KTSTR_ASSERT_SET(&cfg, max_wait_ms, 10000);
	ktstr_assert_result_init(out);
	assert_int_equal(ktstr_collect_assert(h, 1, &cfg, NULL, out), 0);
	ktstr_cgroup_group_destroy(&group);
	ktstr_collector_close(ctx.collector);
	ktstr_cgroup_destroy(cg);
}

static bool has_kind(const struct ktstr_assert_result *r, enum ktstr_detail_kind k,
		     const char *part)
{
	for (size_t i = 0; i < r->nr_details; i++)
		if (r->details[i].kind == k && strstr(r->details[i].message, part))
			return true;
	return false;
}

static void print_details(const struct ktstr_assert_result *r)
{
	for (size_t i = 0; i < r->nr_details; i++)
		print_message("detail %zu: kind %d: %s\n", i, (int)r->details[i].kind,
			      r->details[i].message);
}

/* BPF's records: a 950 ms wait over a 200 ms threshold is a starvation. */
static void test_collect_bpf_starvation(void **state)
{
	struct ktstr_assert_result r;

	(void)state;
	judge(&be_bpf, 950, &r);
	print_details(&r);
	assert_int_equal(r.verdict, KTSTR_VERDICT_FAIL);
	assert_true(has_kind(&r, KTSTR_DETAIL_STARVATION, "runnable 950.0ms without running"));
	assert_int_equal(r.nr_cgroups, 1);
	assert_true(r.cgroups[0].has_kernel);
	assert_int_equal(r.cgroups[0].max_wait_ns, 950 * MS);
	ktstr_assert_result_free(&r);

	judge(&be_bpf, 20, &r);
	print_details(&r);
	assert_false(has_kind(&r, KTSTR_DETAIL_STARVATION, ""));
	ktstr_assert_result_free(&r);
}

/* taskstats' records: what they lack is said, never passed on zeros. */
static void test_collect_taskstats_unjudged(void **state)
{
	struct ktstr_assert_result r;

	(void)state;
	judge(&be_ts, 950, &r);
	print_details(&r);
	assert_false(has_kind(&r, KTSTR_DETAIL_STARVATION, ""));
	assert_true(has_kind(&r, KTSTR_DETAIL_SKIP,
			     "fail_on_starvation not judged: backend taskstats"));
	assert_true(has_kind(&r, KTSTR_DETAIL_SKIP, "max_wait_ms not judged"));
	/* Its stats carry no longest wait rather than a false one. */
	assert_int_equal(r.cgroups[0].max_wait_ns, 0);
	assert_int_equal(r.cgroups[0].max_wait_pid, -1);
	ktstr_assert_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_refuses),
		cmocka_unit_test(test_backend_message),
		cmocka_unit_test(test_threshold),
		cmocka_unit_test(test_starvation_from_waits),
		cmocka_unit_test(test_collect_bpf_starvation),
		cmocka_unit_test(test_collect_taskstats_unjudged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
