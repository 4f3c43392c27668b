// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the scenario catalogue: the registry (counts per category,
 * unique names), filtering, that every table resolves (work specs, group
 * sizes, ops and steps against a roomy synthetic topology), skip reasons on
 * small synthetic topologies, the cpusets of each partition kind, and the
 * run results JSON round trip.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include <ktstr/collector.h>
#include <ktstr/scenario.h>
#include <ktstr/util.h>

#include "collect/backend_priv.h"

/* 16 CPUs, 2 NUMA nodes, 2 LLCs of 4 SMT-2 cores. */
#define ROOMY	"pack:2 numa:1 l3:1 core:4 pu:2"
/* 2 CPUs, one LLC, one node: the CI guest. */
#define SMALL	"pack:1 l3:1 core:2 pu:1"

static struct ktstr_topo *load(const char *desc)
{
	struct ktstr_topo *t = ktstr_topo_load(desc);

	if (!t)
		fail_msg("load '%s': %s", desc, ktstr_last_error());
	return t;
}

/* ktstr 0.4.9's catalogue: 81 scenarios in 11 categories. */
static const struct { const char *cat; int n; } ktstr_cats[] = {
	{ "basic", 3 }, { "cpuset", 6 }, { "affinity", 6 }, { "sched_class", 6 },
	{ "dynamic", 3 }, { "nested", 4 }, { "stall", 2 }, { "stress", 17 },
	{ "advanced", 20 }, { "interaction", 9 }, { "performance", 5 },
};

static void test_registry(void **state)
{
	int total = ktstr_scenario_count(), ours = 0, sum = 0;

	(void)state;
	for (size_t c = 0; c < KTSTR_ARRAY_SIZE(ktstr_cats); c++) {
		int n = 0;

		for (int i = 0; i < total; i++)
			n += !strcmp(ktstr_scenario_at(i)->category, ktstr_cats[c].cat);
		if (n != ktstr_cats[c].n)
			fail_msg("category %s: %d scenarios, ktstr has %d",
				 ktstr_cats[c].cat, n, ktstr_cats[c].n);
		sum += n;
	}
	assert_int_equal(sum, 81);
	for (int i = 0; i < total; i++)
		ours += !strcmp(ktstr_scenario_at(i)->category, "kernel");
	assert_true(ours >= 4);
	assert_int_equal(total, 81 + ours);

	/* Every category listed has scenarios; names are unique and found. */
	for (int c = 0; ktstr_scenario_category(c); c++) {
		int n = 0;

		for (int i = 0; i < total; i++)
			n += !strcmp(ktstr_scenario_at(i)->category,
				     ktstr_scenario_category(c));
		assert_true(n > 0);
	}
	for (int i = 0; i < total; i++) {
		const struct ktstr_scenario *s = ktstr_scenario_at(i);

		assert_non_null(s->name);
		assert_non_null(s->description);
		assert_ptr_equal(ktstr_scenario_find(s->name), s);
		for (int j = i + 1; j < total; j++)
			if (!strcmp(s->name, ktstr_scenario_at(j)->name))
				fail_msg("duplicate scenario name %s", s->name);
	}
	assert_null(ktstr_scenario_find("no_such_scenario"));
	assert_null(ktstr_scenario_at(total));
	assert_null(ktstr_scenario_at(-1));
	/* The must-fail kernel scenario is there and says why it fails. */
	{
		const struct ktstr_scenario *s = ktstr_scenario_find("rt_hog_starves_cgroup");

		assert_non_null(s);
		assert_true(s->expect_fail);
		assert_int_equal(s->expect_kind, KTSTR_DETAIL_STARVATION);
		/* Judged from any collector whose records have the longest wait. */
		assert_int_equal(s->needs_kernel, KTSTR_HAS_MAX_WAIT);
	}
}

static int count_matching(const char *filter)
{
	int n = 0;

	for (int i = 0; i < ktstr_scenario_count(); i++)
		n += ktstr_scenario_match(ktstr_scenario_at(i), filter);
	return n;
}

static void test_filter(void **state)
{
	const struct ktstr_scenario *s = ktstr_scenario_find("cgroup_steady");

	(void)state;
	assert_int_equal(count_matching(NULL), ktstr_scenario_count());
	assert_int_equal(count_matching(""), ktstr_scenario_count());
	assert_int_equal(count_matching("category:stress"), 17);
	assert_int_equal(count_matching("category:STRESS"), 17);
	assert_int_equal(count_matching("performance"), 5);
	assert_int_equal(count_matching("no-such-thing"), 0);
	assert_true(ktstr_scenario_match(s, "steady"));
	assert_true(ktstr_scenario_match(s, "basic"));
	assert_false(ktstr_scenario_match(s, "category:cpuset"));
	assert_false(ktstr_scenario_match(s, "Steady"));
	/* Substrings of names: every nested_* scenario and no other. */
	for (int i = 0; i < ktstr_scenario_count(); i++) {
		const struct ktstr_scenario *t = ktstr_scenario_at(i);

		assert_int_equal(ktstr_scenario_match(t, "nested_"),
				 strstr(t->name, "nested_") != NULL);
	}
}

/* Every steady table's works parse and fit their group sizes. */
static void test_works_resolve(void **state)
{
	static const struct ktstr_scenario_work zero;
	char why[256];

	(void)state;
	for (int i = 0; i < ktstr_scenario_count(); i++) {
		const struct ktstr_scenario *s = ktstr_scenario_at(i);

		for (int per = 1; per <= 8; per *= 2) {
			why[0] = '\0';
			if (ktstr_scenario_validate(s, per, why, sizeof(why)))
				fail_msg("%s with %d workers: %s", s->name, per, why);
		}
		/* Entries past nr_works are unused: a forgotten count shows. */
		for (int k = s->nr_works; k < KTSTR_SCENARIO_MAX_WORKS; k++)
			if (memcmp(&s->works[k], &zero, sizeof(zero)))
				fail_msg("%s: works[%d] set past nr_works %d", s->name, k,
					 s->nr_works);
		/* A scenario is one of: steady, steps, custom. */
		assert_true(!!s->steps + !!s->custom <= 1);
		if (s->steps || s->custom)
			assert_int_equal(s->nr_cgroups, 0);
		if (s->check)
			assert_true(s->needs_kernel != 0);
	}
}

/* The ops-based tables pass the ops engine's own check on a roomy machine. */
static void test_steps_check(void **state)
{
	struct ktstr_topo *topo = load(ROOMY);
	struct ktstr_cgroups *cg = ktstr_cgroup_noop_new();
	struct ktstr_ctx ctx;
	int nsteps = 0;

	(void)state;
	assert_non_null(cg);
	assert_int_equal(ktstr_ctx_init(&ctx, cg, topo), 0);
	for (int i = 0; i < ktstr_scenario_count(); i++) {
		const struct ktstr_scenario *s = ktstr_scenario_at(i);
		int ret;

		if (!s->steps)
			continue;
		nsteps++;
		ret = ktstr_steps_check(&ctx, s->backdrop, s->steps, s->nr_steps);
		if (ret)
			fail_msg("%s: %d %s", s->name, ret, ktstr_last_error());
	}
	assert_true(nsteps >= 25);
	/* Checking creates nothing. */
	assert_int_equal(ktstr_cgroup_noop_nr_calls(cg), 0);
	ktstr_cgroup_destroy(cg);
	ktstr_topo_free(topo);
}

/* Collectors over fake tables: only their name and has bits matter here. */
static int fake_open(void **st) { *st = NULL; return 0; }
static void fake_close(void *st) { (void)st; }
static int fake_track(void *st, pid_t pid, bool follow) { (void)st, (void)pid, (void)follow; return 0; }
static int fake_reset(void *st) { (void)st; return 0; }
static int fake_snap(void *st, struct ktstr_task_rec **r, size_t *n)
{
	(void)st;
	*r = NULL;
	*n = 0;
	return 0;
}
#define FAKE_BE(nm, bits) { .name = nm, .has = bits, .open = fake_open, .close = fake_close, \
	.track_pid = fake_track, .reset = fake_reset, .snapshot = fake_snap }
static const struct ktstr_backend be_module = FAKE_BE("module", KTSTR_HAS_ALL);
static const struct ktstr_backend be_bpf = FAKE_BE("bpf", KTSTR_HAS_ALL & ~KTSTR_HAS_WATCHDOG);
static const struct ktstr_backend be_ts = FAKE_BE("taskstats", 0);

static void assert_skip(const struct ktstr_topo *t, const char *name,
			const struct ktstr_collector *c, const char *reason)
{
	const struct ktstr_scenario *s = ktstr_scenario_find(name);
	struct ktstr_cpuset sets[KTSTR_SCENARIO_MAX_CGROUPS];
	char why[256] = "";
	int n, ret;

	assert_non_null(s);
	ret = ktstr_scenario_skip_reason(s, t, c, 0, false, why, sizeof(why));
	if (!ret && !s->steps && !s->custom)
		ret = ktstr_scenario_cpusets(s, t, sets, &n, why, sizeof(why));
	if (ret != -ENOSPC)
		fail_msg("%s: expected a skip (%s), got %d", name, reason, ret);
	if (!strstr(why, reason))
		fail_msg("%s: reason '%s' lacks '%s'", name, why, reason);
}

static void test_skip_reasons(void **state)
{
	struct ktstr_topo *small = load(SMALL), *roomy = load(ROOMY);
	struct ktstr_collector *mod = ktstr__collector_wrap(&be_module, NULL);
	struct ktstr_collector *bpf = ktstr__collector_wrap(&be_bpf, NULL);
	struct ktstr_collector *ts = ktstr__collector_wrap(&be_ts, NULL);
	struct ktstr_cpuset sets[KTSTR_SCENARIO_MAX_CGROUPS];
	char why[256];
	int n;

	(void)state;
	assert_int_equal(ktstr_cpuset_count(&small->usable), 2);
	assert_skip(small, "cgroup_cpuset_llc_steady", mod, "not enough LLCs");
	assert_skip(small, "cgroup_cpuset_cross_llc_steady", mod, "not enough LLCs");
	assert_skip(small, "cgroup_cpuset_resize", mod, "not enough CPUs");
	assert_skip(small, "cgroup_cpuset_overlap_steady", mod, "not enough CPUs");
	assert_skip(small, "cgroup_partial_cpus_steady", mod, "not enough CPUs");
	assert_skip(small, "cgroup_cpuset_numa_swap", mod, "not enough NUMA nodes");
	assert_skip(small, "cgroup_cpuset_workload_variety", mod, "not enough CPUs");
	assert_skip(small, "wait_fairness", NULL, "needs kernel records");
	assert_skip(roomy, "rt_hog_starves_cgroup", NULL, "ktstr.ko");
	assert_skip(roomy, "stall_recovery", mod, "scx scheduler");
	/* A collector without what the scenario judges: skipped, saying so. */
	assert_skip(roomy, "rt_hog_starves_cgroup", ts, "the longest wait, which the taskstats");
	assert_skip(roomy, "kernel_isolation_cpuset", ts, "CPUs");
	assert_skip(roomy, "wake_latency_fanout", ts, "wake histograms");
	/* Every kernel scenario runs on the BPF collector's records... */
	for (int i = 0; i < ktstr_scenario_count(); i++) {
		const struct ktstr_scenario *s = ktstr_scenario_at(i);

		if (s->needs_kernel && !s->needs_sched &&
		    ktstr_scenario_skip_reason(s, roomy, bpf, 0, false, why, sizeof(why)))
			fail_msg("%s skipped with the bpf collector: %s", s->name, why);
	}
	/* ...and wait_fairness, on wait totals, on taskstats' too. */
	assert_int_equal(ktstr_scenario_skip_reason(ktstr_scenario_find("wait_fairness"),
						    roomy, ts, 0, false, why, sizeof(why)), 0);

	/* On the roomy machine, everything without special needs runs. */
	for (int i = 0; i < ktstr_scenario_count(); i++) {
		const struct ktstr_scenario *s = ktstr_scenario_at(i);

		if (ktstr_scenario_skip_reason(s, roomy, mod, 1, true, why, sizeof(why)))
			fail_msg("%s skipped on %s: %s", s->name, ROOMY, why);
		if (s->steps || s->custom)
			continue;
		if (ktstr_scenario_cpusets(s, roomy, sets, &n, why, sizeof(why)))
			fail_msg("%s: cpusets on %s: %s", s->name, ROOMY, why);
		for (int k = 0; k < n && s->partition.kind != KTSTR_PART_NONE; k++) {
			assert_false(ktstr_cpuset_empty(&sets[k]));
			assert_true(ktstr_cpuset_subset(&sets[k], &roomy->usable));
		}
	}
	/* And the 2-CPU guest runs the basic steady scenario. */
	assert_int_equal(ktstr_scenario_skip_reason(ktstr_scenario_find("cgroup_steady"),
						    small, NULL, 0, false, why, sizeof(why)), 0);
	/* A scheduler it did not start (--sched-pid) cannot be restarted. */
	assert_int_equal(ktstr_scenario_skip_reason(ktstr_scenario_find("stall_recovery"),
						    roomy, mod, 1, false, why, sizeof(why)), -ENOSPC);
	assert_non_null(strstr(why, "restarts the scheduler"));
	ktstr_collector_close(mod);
	ktstr_collector_close(bpf);
	ktstr_collector_close(ts);
	ktstr_topo_free(small);
	ktstr_topo_free(roomy);
}

static int cpusets_of(const char *name, const struct ktstr_topo *t,
		      struct ktstr_cpuset *sets)
{
	char why[256];
	int n;

	if (ktstr_scenario_cpusets(ktstr_scenario_find(name), t, sets, &n, why,
				   sizeof(why)))
		fail_msg("%s: %s", name, why);
	return n;
}

static void test_partitions(void **state)
{
	struct ktstr_topo *t = load(ROOMY);
	struct ktstr_cpuset sets[KTSTR_SCENARIO_MAX_CGROUPS], u;
	int usable = ktstr_cpuset_count(&t->usable), n, a, b;

	(void)state;
	/* LLC-aligned: each set inside its own LLC. */
	n = cpusets_of("cgroup_cpuset_llc_steady", t, sets);
	assert_int_equal(n, 2);
	for (int i = 0; i < 2; i++)
		assert_true(ktstr_cpuset_subset(&sets[i], &t->llcs[i].cpus));
	/* Misaligned: disjoint, covering, and the first set spans both LLCs. */
	cpusets_of("cgroup_cpuset_cross_llc_steady", t, sets);
	assert_false(ktstr_cpuset_intersects(&sets[0], &sets[1]));
	ktstr_cpuset_or(&u, &sets[0], &sets[1]);
	assert_true(ktstr_cpuset_equal(&u, &t->usable));
	assert_true(ktstr_cpuset_intersects(&sets[0], &t->llcs[0].cpus));
	assert_true(ktstr_cpuset_intersects(&sets[0], &t->llcs[1].cpus));
	/* Uneven 75/25. */
	cpusets_of("cgroup_uneven_steady", t, sets);
	a = ktstr_cpuset_count(&sets[0]);
	b = ktstr_cpuset_count(&sets[1]);
	assert_int_equal(a + b, usable);
	assert_int_equal(a, (int)(usable * 0.75));
	/* Holdback 33%: a third of the CPUs in no set. */
	cpusets_of("cgroup_partial_cpus_steady", t, sets);
	ktstr_cpuset_or(&u, &sets[0], &sets[1]);
	assert_false(ktstr_cpuset_intersects(&sets[0], &sets[1]));
	assert_int_equal(ktstr_cpuset_count(&u), usable - (int)(usable * 0.33 + 0.5));
	/* Overlap 50%: neighbours share CPUs. */
	n = cpusets_of("cgroup_cpuset_overlap_steady", t, sets);
	assert_int_equal(n, 3);
	assert_true(ktstr_cpuset_intersects(&sets[0], &sets[1]));
	/* One cgroup per usable CPU. */
	n = cpusets_of("cgroup_per_cpu", t, sets);
	assert_int_equal(n, usable > KTSTR_SCENARIO_MAX_CGROUPS ? KTSTR_SCENARIO_MAX_CGROUPS : usable);
	for (int i = 0; i < n; i++)
		assert_int_equal(ktstr_cpuset_count(&sets[i]), 1);
	/* No partition: empty sets (no cpuset written). */
	n = cpusets_of("cgroup_steady", t, sets);
	assert_int_equal(n, 2);
	assert_true(ktstr_cpuset_empty(&sets[0]));
	ktstr_topo_free(t);
}

static void test_workload(void **state)
{
	const struct ktstr_scenario_work per_cpu = { .workers = -4 };
	const struct ktstr_scenario_work fanout = { .work = "FutexFanOut" };
	const struct ktstr_scenario_work io = { .work = "IoSyncWrite", .workers = 7 };
	const struct ktstr_scenario_work bad = { .work = "NoSuchWork" };
	const struct ktstr_scenario_work fifo = { .policy = KTSTR_SCHED_FIFO, .prio = 3 };
	struct ktstr_work over;
	struct ktstr_workload wl;
	char why[256];

	(void)state;
	assert_int_equal(ktstr_work_init(&over, KTSTR_WORK_MIXED), 0);
	assert_int_equal(ktstr_scenario_workload(&per_cpu, 2, 3, NULL, &wl, why, sizeof(why)), 0);
	assert_int_equal(wl.nr_workers, 12);
	/* Grouped types round up to their group (1 messenger + 4). */
	assert_int_equal(ktstr_scenario_workload(&fanout, 2, 2, NULL, &wl, why, sizeof(why)), 0);
	assert_int_equal(wl.nr_workers, 5);
	/* Fixed counts win. */
	assert_int_equal(ktstr_scenario_workload(&io, 2, 2, NULL, &wl, why, sizeof(why)), 0);
	assert_int_equal(wl.nr_workers, 2);
	assert_int_equal(ktstr_scenario_workload(&bad, 2, 2, NULL, &wl, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "NoSuchWork"));
	/* The run's override replaces the default SpinWait only. */
	assert_int_equal(ktstr_scenario_workload(&fifo, 2, 2, &over, &wl, why, sizeof(why)), 0);
	assert_int_equal(wl.work.kind, KTSTR_WORK_MIXED);
	assert_int_equal(wl.sched.policy, KTSTR_SCHED_FIFO);
	assert_int_equal(wl.sched.prio, 3);
	assert_int_equal(ktstr_scenario_workload(&io, 2, 2, &over, &wl, why, sizeof(why)), 0);
	assert_int_equal(wl.work.kind, KTSTR_WORK_IO_SYNC_WRITE);
}

static void test_assert_layers(void **state)
{
	const struct ktstr_scenario *s = ktstr_scenario_find("cgroup_oversubscribed");
	struct ktstr_run_opts o;
	struct ktstr_assert sched, cfg;

	(void)state;
	ktstr_run_opts_init(&o);
	ktstr_scenario_assert(s, &o, &cfg);
	/* Scenario layer over the defaults. */
	assert_true(cfg.max_spread_pct == 35.0);
	assert_int_equal(cfg.max_gap_ms, KTSTR_ASSERT_DFL_MAX_GAP_MS);
	/* A scheduler layer sits between them: its gap stays, spread loses. */
	ktstr_assert_none(&sched);
	KTSTR_ASSERT_SET(&sched, max_gap_ms, 5000);
	KTSTR_ASSERT_SET(&sched, max_spread_pct, 50.0);
	o.sched_assert = &sched;
	ktstr_scenario_assert(s, &o, &cfg);
	assert_int_equal(cfg.max_gap_ms, 5000);
	assert_true(cfg.max_spread_pct == 35.0);
	/* The relax layer loosens the scenario's own value; the rest stays. */
	{
		struct ktstr_assert relax;

		ktstr_assert_none(&relax);
		KTSTR_ASSERT_SET(&relax, max_spread_pct, 50.0);
		o.relax_assert = &relax;
		ktstr_scenario_assert(s, &o, &cfg);
		assert_true(cfg.max_spread_pct == 50.0);
		assert_int_equal(cfg.max_gap_ms, 5000);
		assert_true(cfg.not_stuck);
		/* ...but never tightens a scenario that allows more (fan-out: 100%). */
		ktstr_scenario_assert(ktstr_scenario_find("fan_out_compute"), &o, &cfg);
		assert_true(cfg.max_spread_pct == 100.0);
	}
}

static void test_assert_relax(void **state)
{
	struct ktstr_assert cfg, relax;

	(void)state;
	ktstr_assert_defaults(&cfg);
	KTSTR_ASSERT_SET(&cfg, min_work_rate, 100.0);
	ktstr_assert_none(&relax);
	KTSTR_ASSERT_SET(&relax, max_gap_ms, 500);		/* tighter: ignored */
	KTSTR_ASSERT_SET(&relax, max_wait_ms, 3000);		/* looser: taken */
	KTSTR_ASSERT_SET(&relax, min_work_rate, 10.0);		/* lower floor: taken */
	KTSTR_ASSERT_SET(&relax, min_page_locality, 0.5);	/* off in cfg: stays off */
	KTSTR_ASSERT_SET(&relax, not_stuck, false);		/* switches a check off */
	KTSTR_ASSERT_SET(&relax, fail_on_starvation, true);	/* on stays on */
	ktstr_assert_relax(&cfg, &relax);
	assert_int_equal(cfg.max_gap_ms, KTSTR_ASSERT_DFL_MAX_GAP_MS);
	assert_int_equal(cfg.max_wait_ms, 3000);
	assert_true(cfg.min_work_rate == 10.0);
	assert_false(KTSTR_ASSERT_ISSET(&cfg, min_page_locality));
	assert_false(cfg.not_stuck);
	assert_true(cfg.fail_on_starvation);
	assert_true(cfg.max_spread_pct == KTSTR_ASSERT_DFL_MAX_SPREAD_PCT);
	/* A raised floor is ignored too. */
	ktstr_assert_none(&relax);
	KTSTR_ASSERT_SET(&relax, min_work_rate, 50.0);
	ktstr_assert_relax(&cfg, &relax);
	assert_true(cfg.min_work_rate == 10.0);
}

static void fill_outcome(struct ktstr_outcome *o, const char *name,
			 enum ktstr_verdict v)
{
	struct ktstr_assert_detail d = {
		.kind = KTSTR_DETAIL_STARVATION,
		.message = "ktstr[42] starved on cpu1 in cgroup cg_1: runnable 900.0ms",
		.pid = 42, .cpu = 1, .comm = "ktstr", .cgroup = "cg_1",
		.duration_ns = 900000000ULL,
	};

	ktstr_outcome_init(o);
	snprintf(o->name, sizeof(o->name), "%s", name);
	snprintf(o->category, sizeof(o->category), "kernel");
	o->seconds = 1.25;
	o->expect_fail = true;
	o->used_dev = true;
	o->kernel_source = KTSTR_KSRC_MODULE;
	snprintf(o->reason, sizeof(o->reason), "expected failure detected");
	assert_int_equal(ktstr_assert_result_add(&o->res, &d), 0);
	o->verdict = v;
	o->res.verdict = v;
	o->res.cgroups = calloc(1, sizeof(*o->res.cgroups));
	o->res.cap_cgroups = o->res.nr_cgroups = 1;
	snprintf(o->res.cgroups[0].name, sizeof(o->res.cgroups[0].name), "cg_1");
	o->res.cgroups[0].workers = 3;
	o->res.cgroups[0].cpus = 2;
	o->res.cgroups[0].spread = 12.5;
	o->res.cgroups[0].max_gap_ms = 77;
	o->res.cgroups[0].iterations = 123456789012ULL;
	o->res.cgroups[0].has_kernel = true;
	o->res.cgroups[0].max_wait_ns = 900000000ULL;
	o->res.cgroups[0].max_wait_pid = 42;
	snprintf(o->res.cgroups[0].max_wait_comm, sizeof(o->res.cgroups[0].max_wait_comm), "ktstr");
	o->res.cgroups[0].starvations = 1;
}

static void test_json_roundtrip(void **state)
{
	struct ktstr_outcome in[2], back;
	struct ktstr_run_opts o;
	json_t *j, *parsed, *results;
	json_error_t err;
	char *text;

	(void)state;
	ktstr_run_opts_init(&o);
	o.duration_ms = 1000;
	fill_outcome(&in[0], "rt_hog_starves_cgroup", KTSTR_VERDICT_PASS);
	fill_outcome(&in[1], "other", KTSTR_VERDICT_FAIL);
	/* A known cause (an RtStarvation hog) is written; none, not. */
	in[1].res.details[0].cause_pid = 41;
	j = ktstr_outcomes_to_json(in, 2, &o);
	assert_non_null(j);
	text = json_dumps(j, 0);
	parsed = json_loads(text, 0, &err);
	assert_non_null(parsed);
	assert_int_equal(json_integer_value(json_object_get(parsed, "version")),
			 KTSTR_RUN_JSON_VERSION);
	assert_int_equal(json_integer_value(json_object_get(parsed, "duration_ms")), 1000);
	assert_int_equal(json_integer_value(json_object_get(
		json_object_get(parsed, "summary"), "passed")), 1);
	assert_int_equal(json_integer_value(json_object_get(
		json_object_get(parsed, "summary"), "failed")), 1);
	/* No device in the options: the run's source is none. */
	assert_string_equal(json_string_value(json_object_get(parsed, "kernel_source")),
			    "none");
	results = json_object_get(parsed, "results");
	assert_int_equal(json_array_size(results), 2);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(results, 0), "kernel_source")), "module");

	for (int i = 0; i < 2; i++) {
		assert_int_equal(ktstr_outcome_from_json(json_array_get(results, i), &back), 0);
		assert_string_equal(back.name, in[i].name);
		assert_string_equal(back.category, "kernel");
		assert_int_equal(back.verdict, in[i].verdict);
		assert_true(back.seconds == 1.25);
		assert_true(back.expect_fail && back.used_dev);
		assert_int_equal(back.kernel_source, KTSTR_KSRC_MODULE);
		assert_string_equal(back.reason, in[i].reason);
		assert_int_equal(back.res.nr_details, 1);
		assert_int_equal(back.res.details[0].kind, KTSTR_DETAIL_STARVATION);
		assert_string_equal(back.res.details[0].message, in[i].res.details[0].message);
		assert_int_equal(back.res.details[0].pid, 42);
		assert_int_equal(back.res.details[0].cpu, 1);
		assert_string_equal(back.res.details[0].comm, "ktstr");
		assert_string_equal(back.res.details[0].cgroup, "cg_1");
		assert_int_equal(back.res.details[0].duration_ns, 900000000ULL);
		assert_int_equal(back.res.details[0].cause_pid, i ? 41 : -1);
		assert_true(!json_object_get(json_array_get(json_object_get(
			json_array_get(results, i), "details"), 0), "cause_pid") == !i);
		assert_int_equal(back.res.nr_cgroups, 1);
		assert_string_equal(back.res.cgroups[0].name, "cg_1");
		assert_int_equal(back.res.cgroups[0].workers, 3);
		assert_true(back.res.cgroups[0].spread == 12.5);
		assert_int_equal(back.res.cgroups[0].iterations, 123456789012ULL);
		assert_true(back.res.cgroups[0].has_kernel);
		assert_int_equal(back.res.cgroups[0].max_wait_ns, 900000000ULL);
		assert_int_equal(back.res.cgroups[0].max_wait_pid, 42);
		assert_int_equal(back.res.cgroups[0].starvations, 1);
		ktstr_outcome_free(&back);
	}
	/* Not a result: rejected. */
	assert_int_equal(ktstr_outcome_from_json(json_object_get(parsed, "summary"), &back),
			 -EINVAL);
	ktstr_outcome_free(&back);

	free(text);
	json_decref(parsed);
	json_decref(j);
	ktstr_outcome_free(&in[0]);
	ktstr_outcome_free(&in[1]);
}

/* Taskstats figures: the run and result say so, unknowns are null. */
static void test_json_taskstats(void **state)
{
	struct ktstr_outcome in, back;
	struct ktstr_run_opts o;
	json_t *j, *r, *k;

	(void)state;
	ktstr_run_opts_init(&o);
	o.collector = ktstr__collector_wrap(&be_ts, NULL);
	fill_outcome(&in, "cgroup_steady", KTSTR_VERDICT_PASS);
	in.used_dev = false;
	in.kernel_source = KTSTR_KSRC_TASKSTATS;
	in.res.cgroups[0].max_wait_ns = 0;
	in.res.cgroups[0].max_wait_pid = -1;
	in.res.cgroups[0].max_wait_cpu = -1;
	in.res.cgroups[0].total_wait_ns = 5000000;
	j = ktstr_outcomes_to_json(&in, 1, &o);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "kernel_source")),
			    "taskstats");
	assert_false(json_is_true(json_object_get(j, "kernel_module")));
	r = json_array_get(json_object_get(j, "results"), 0);
	assert_string_equal(json_string_value(json_object_get(r, "kernel_source")),
			    "taskstats");
	k = json_object_get(json_array_get(json_object_get(r, "cgroups"), 0), "kernel");
	assert_non_null(k);
	assert_string_equal(json_string_value(json_object_get(k, "source")), "taskstats");
	assert_true(json_is_null(json_object_get(k, "max_wait_ns")));
	assert_true(json_is_null(json_object_get(k, "migrations")));
	assert_int_equal(json_integer_value(json_object_get(k, "total_wait_ns")), 5000000);
	assert_int_equal(ktstr_outcome_from_json(r, &back), 0);
	assert_int_equal(back.kernel_source, KTSTR_KSRC_TASKSTATS);
	assert_true(back.res.cgroups[0].has_kernel);
	assert_int_equal(back.res.cgroups[0].max_wait_ns, 0);
	assert_int_equal(back.res.cgroups[0].max_wait_pid, -1);
	assert_int_equal(back.res.cgroups[0].total_wait_ns, 5000000);
	assert_string_equal(ktstr_kernel_source_name(KTSTR_KSRC_NONE), "none");
	assert_string_equal(ktstr_kernel_source_name(KTSTR_KSRC_MODULE), "module");
	assert_string_equal(ktstr_kernel_source_name(KTSTR_KSRC_BPF), "bpf");
	ktstr_outcome_free(&back);
	json_decref(j);
	ktstr_outcome_free(&in);
	ktstr_collector_close(o.collector);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_works_resolve),
		cmocka_unit_test(test_steps_check),
		cmocka_unit_test(test_skip_reasons),
		cmocka_unit_test(test_partitions),
		cmocka_unit_test(test_workload),
		cmocka_unit_test(test_assert_layers),
		cmocka_unit_test(test_assert_relax),
		cmocka_unit_test(test_json_roundtrip),
		cmocka_unit_test(test_json_taskstats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
