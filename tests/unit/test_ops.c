// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for ops and steps (ops.h): cpuset specs on synthetic
 * topologies, holds, and scenarios run against the no-op cgroup double,
 * compared call by call.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <cmocka.h>

#include <ktstr/ktstr.h>
#include <ktstr/ops.h>

/* 2 nodes, 4 LLCs of 4 cores x 2 threads: CPUs 0-31, usable 0-30. */
#define TOPO_BIG	"pack:2 numa:1 l3:2 core:4 pu:2"
/* One LLC of 2 cores: CPUs 0-1, usable 0-1. */
#define TOPO_SMALL	"pack:1 l3:1 core:2 pu:1"

static struct ktstr_topo *big, *small;

/* Details of @kind (any with KTSTR_DETAIL__COUNT) whose message has @text. */
static int nr_detail(const struct ktstr_assert_result *r,
		     enum ktstr_detail_kind kind, const char *text)
{
	int n = 0;

	for (size_t i = 0; i < r->nr_details; i++)
		if ((kind == KTSTR_DETAIL__COUNT || r->details[i].kind == kind) &&
		    strstr(r->details[i].message, text))
			n++;
	return n;
}

/* Failing details (not SKIP ones). */
static int nr_failures(const struct ktstr_assert_result *r)
{
	int n = 0;

	for (size_t i = 0; i < r->nr_details; i++)
		n += r->details[i].kind != KTSTR_DETAIL_SKIP;
	return n;
}

static int setup_topos(void **state)
{
	(void)state;
	big = ktstr_topo_load(TOPO_BIG);
	small = ktstr_topo_load(TOPO_SMALL);
	return big && small ? 0 : -1;
}

static int free_topos(void **state)
{
	(void)state;
	ktstr_topo_free(big);
	ktstr_topo_free(small);
	return 0;
}

static void assert_spec(const struct ktstr_topo *t, struct ktstr_cpuset_spec s,
			const char *want)
{
	struct ktstr_cpuset out;
	char buf[256];
	int ret = ktstr_cpuset_spec_resolve_topo(t, &s, &out);

	if (ret)
		fail_msg("spec: %d %s", ret, ktstr_last_error());
	ktstr_cpulist_format(&out, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void assert_spec_err(const struct ktstr_topo *t,
			    struct ktstr_cpuset_spec s, int err,
			    const char *msg_prefix)
{
	struct ktstr_cpuset out;

	assert_int_equal(ktstr_cpuset_spec_resolve_topo(t, &s, &out), err);
	if (msg_prefix)
		assert_true(!strncmp(ktstr_last_error(), msg_prefix,
				     strlen(msg_prefix)));
}

#define SPEC(...) ((struct ktstr_cpuset_spec)__VA_ARGS__)

static void test_specs_resolve(void **state)
{
	(void)state;
	assert_spec(big, SPEC(KTSTR_SPEC_NONE), "0-30");
	assert_spec(big, SPEC(KTSTR_SPEC_LLC(0)), "0-7");
	assert_spec(big, SPEC(KTSTR_SPEC_LLC(2)), "16-23");
	assert_spec(big, SPEC(KTSTR_SPEC_NUMA(1)), "16-31");
	assert_spec(big, SPEC(KTSTR_SPEC_RANGE(0.0, 0.5)), "0-14");
	assert_spec(big, SPEC(KTSTR_SPEC_RANGE(0.5, 1.0)), "15-30");
	/* 4 parts of 4 LLCs: whole LLCs (the last minus the reserved CPU). */
	assert_spec(big, SPEC(KTSTR_SPEC_DISJOINT(0, 4)), "0-7");
	assert_spec(big, SPEC(KTSTR_SPEC_DISJOINT(3, 4)), "24-30");
	assert_spec(big, SPEC(KTSTR_SPEC_DISJOINT(1, 2)), "16-30");
	assert_spec(big, SPEC(KTSTR_SPEC_EXACT("3,5-6")), "3,5-6");
	assert_spec(small, SPEC(KTSTR_SPEC_DISJOINT(1, 2)), "1");
	assert_spec(small, SPEC(KTSTR_SPEC_LLC(0)), "0-1");
}

static void test_specs_overlap(void **state)
{
	struct ktstr_cpuset parts[3], out;

	(void)state;
	assert_int_equal(ktstr_topo_overlap(big, 3, 0.5, parts), 0);
	for (int i = 0; i < 3; i++) {
		struct ktstr_cpuset_spec s = KTSTR_SPEC_OVERLAP(i, 3, 0.5);

		assert_int_equal(ktstr_cpuset_spec_resolve_topo(big, &s, &out), 0);
		assert_true(ktstr_cpuset_equal(&out, &parts[i]));
	}
	assert_true(ktstr_cpuset_intersects(&parts[0], &parts[1]));
}

static void test_specs_errors(void **state)
{
	(void)state;
	/* The machine is too small: skip. */
	assert_spec_err(small, SPEC(KTSTR_SPEC_LLC(1)), -ENOSPC, "not enough LLCs");
	assert_spec_err(big, SPEC(KTSTR_SPEC_LLC(4)), -ENOSPC, "not enough LLCs");
	assert_spec_err(small, SPEC(KTSTR_SPEC_NUMA(1)), -ENOSPC,
			"not enough NUMA nodes");
	assert_spec_err(small, SPEC(KTSTR_SPEC_DISJOINT(0, 3)), -ENOSPC,
			"not enough CPUs");
	assert_spec_err(small, SPEC(KTSTR_SPEC_OVERLAP(0, 4, 0.5)), -ENOSPC,
			"not enough CPUs");
	assert_spec_err(small, SPEC(KTSTR_SPEC_EXACT("0-5")), -ENOSPC,
			"not enough CPUs");
	/* A broken spec. */
	assert_spec_err(big, SPEC(KTSTR_SPEC_LLC(-1)), -EINVAL, NULL);
	assert_spec_err(big, SPEC(KTSTR_SPEC_DISJOINT(2, 2)), -EINVAL, NULL);
	assert_spec_err(big, SPEC(KTSTR_SPEC_DISJOINT(0, 0)), -EINVAL, NULL);
	assert_spec_err(big, SPEC(KTSTR_SPEC_RANGE(0.5, 0.5)), -EINVAL, NULL);
	assert_spec_err(big, SPEC(KTSTR_SPEC_RANGE(-0.1, 0.5)), -EINVAL, NULL);
	assert_spec_err(big, SPEC(KTSTR_SPEC_RANGE(0.0, NAN)), -EINVAL, NULL);
	assert_spec_err(big, SPEC(KTSTR_SPEC_OVERLAP(0, 2, 1.0)), -EINVAL, NULL);
	assert_spec_err(big, SPEC(KTSTR_SPEC_EXACT("1-x")), -EINVAL, NULL);
	assert_spec_err(big, SPEC(KTSTR_SPEC_EXACT(NULL)), -EINVAL, NULL);
	assert_spec_err(NULL, SPEC(KTSTR_SPEC_LLC(0)), -ENODEV, NULL);
}

static void test_spec_str(void **state)
{
	char buf[64];
	struct ktstr_cpuset_spec o = KTSTR_SPEC_OVERLAP(1, 3, 0.5);
	struct ktstr_op op = { .kind = KTSTR_OP_SET_CPUSET, .cgroup = "cg_0",
			       .cpuset = KTSTR_SPEC_LLC(1) };

	(void)state;
	ktstr_cpuset_spec_str(&o, buf, sizeof(buf));
	assert_string_equal(buf, "overlap:1/3@0.50");
	ktstr_op_str(&op, buf, sizeof(buf));
	assert_string_equal(buf, "set_cpuset cg_0 llc:1");
	assert_string_equal(ktstr_op_kind_name(KTSTR_OP_SWAP_CPUSETS), "swap_cpusets");
	assert_null(ktstr_op_kind_name(KTSTR_OP_NR));
	op = (struct ktstr_op){ .kind = KTSTR_OP_RESTART_SCHEDULER };
	ktstr_op_str(&op, buf, sizeof(buf));
	assert_string_equal(buf, "restart_scheduler");
}


static void test_holds(void **state)
{
	struct ktstr_hold full = KTSTR_HOLD_FULL, half = KTSTR_HOLD_FRAC_INIT(0.5);
	struct ktstr_hold fixed = KTSTR_HOLD_FIXED_INIT(300), fixed0 = KTSTR_HOLD_FIXED_INIT(0);
	struct ktstr_hold loop = KTSTR_HOLD_LOOP_INIT(100), loop0 = KTSTR_HOLD_LOOP_INIT(0);
	struct ktstr_hold zero = KTSTR_HOLD_FRAC_INIT(0.0), neg = KTSTR_HOLD_FRAC_INIT(-1.0);
	struct ktstr_hold inf = KTSTR_HOLD_FRAC_INIT(INFINITY), nan_ = KTSTR_HOLD_FRAC_INIT(NAN);
	struct ktstr_hold bad = { .kind = (enum ktstr_hold_kind)42 };

	(void)state;
	assert_int_equal(ktstr_hold_validate(&full), 0);
	assert_int_equal(ktstr_hold_validate(&half), 0);
	assert_int_equal(ktstr_hold_validate(&fixed), 0);
	assert_int_equal(ktstr_hold_validate(&loop), 0);
	assert_int_equal(ktstr_hold_validate(&fixed0), -EINVAL);
	assert_int_equal(ktstr_hold_validate(&loop0), -EINVAL);
	assert_int_equal(ktstr_hold_validate(&zero), -EINVAL);
	assert_int_equal(ktstr_hold_validate(&neg), -EINVAL);
	assert_int_equal(ktstr_hold_validate(&inf), -EINVAL);
	assert_int_equal(ktstr_hold_validate(&nan_), -EINVAL);
	assert_int_equal(ktstr_hold_validate(&bad), -EINVAL);
	assert_int_equal(ktstr_hold_validate(NULL), -EINVAL);
	assert_int_equal(ktstr_hold_ms(&full, 2000), 2000);
	assert_int_equal(ktstr_hold_ms(&half, 2000), 1000);
	assert_int_equal(ktstr_hold_ms(&fixed, 2000), 300);
	assert_int_equal(ktstr_hold_ms(&loop, 2000), 2000);
	assert_int_equal(ktstr_hold_ms(&zero, 2000), 0);
}

/* ---- scenarios on the no-op double ---- */

static void new_ctx(struct ktstr_ctx *ctx, struct ktstr_cgroups **cg,
		    const struct ktstr_topo *t)
{
	*cg = ktstr_cgroup_noop_new();
	assert_non_null(*cg);
	assert_int_equal(ktstr_ctx_init(ctx, *cg, t), 0);
	ctx->settle_ms = 0;
	ctx->duration_ms = 20;
	ctx->workers_per_cgroup = 1;
}

/* Calls recorded, move_task lines (pids vary) left out. */
static void assert_calls(struct ktstr_cgroups *cg, const char *const *want)
{
	int n = ktstr_cgroup_noop_nr_calls(cg), j = 0;

	for (int i = 0; i < n; i++) {
		const char *c = ktstr_cgroup_noop_call(cg, i);

		if (!strncmp(c, "move_task ", 10))
			continue;
		if (!want[j])
			fail_msg("extra call %d: \"%s\"", i, c);
		if (strcmp(c, want[j]))
			fail_msg("call %d: \"%s\", want \"%s\"", i, c, want[j]);
		j++;
	}
	if (want[j])
		fail_msg("missing call \"%s\"", want[j]);
}

static const struct ktstr_cgroup_def two_defs[] = {
	{ .name = "cg_0", .no_workers = true },
	{ .name = "cg_1", .no_workers = true },
};

static const struct ktstr_op step1_ops[] = {
	{ .kind = KTSTR_OP_SET_CPUSET, .cgroup = "cg_0",
	  .cpuset = KTSTR_SPEC_DISJOINT(0, 2) },
	{ .kind = KTSTR_OP_SET_CPUSET, .cgroup = "cg_1",
	  .cpuset = KTSTR_SPEC_DISJOINT(1, 2) },
	{ .kind = KTSTR_OP_ADD_CGROUP, .cgroup = "cg_2", .cpuset = KTSTR_SPEC_LLC(3) },
	{ .kind = KTSTR_OP_SWAP_CPUSETS, .cgroup = "cg_0", .cgroup2 = "cg_1" },
	{ .kind = KTSTR_OP_REMOVE_CGROUP, .cgroup = "cg_1" },
	{ .kind = KTSTR_OP_CLEAR_CPUSET, .cgroup = "cg_2" },
};

static void test_two_steps_calls(void **state)
{
	const struct ktstr_step steps[] = {
		{ .defs = two_defs, .nr_defs = 2, .hold = KTSTR_HOLD_FIXED_INIT(1) },
		{ .ops = step1_ops, .nr_ops = 6, .hold = KTSTR_HOLD_FIXED_INIT(1) },
	};
	static const char *const want[] = {
		"create cg_0", "create cg_1",
		"set_cpuset cg_0 0-15", "set_cpuset cg_1 16-30",
		"create cg_2", "set_cpuset cg_2 24-31",
		"set_cpuset cg_0 16-30", "set_cpuset cg_1 0-15",
		"remove cg_1",
		"clear_cpuset cg_2",
		/* teardown: newest first, cg_1 already gone */
		"remove cg_2", "remove cg_0",
		NULL,
	};
	struct ktstr_cgroups *cg;
	struct ktstr_assert_result res;
	struct ktstr_ctx ctx;

	(void)state;
	new_ctx(&ctx, &cg, big);
	assert_int_equal(ktstr_execute_steps(&ctx, NULL, steps, 2, &res), 0);
	assert_int_equal(res.verdict, KTSTR_VERDICT_PASS);
	assert_calls(cg, want);
	ktstr_assert_result_free(&res);
	ktstr_cgroup_destroy(cg);
}

static const struct ktstr_op bad_ops[] = {
	{ .kind = KTSTR_OP_ADD_CGROUP, .cgroup = "cg_2" },
	{ .kind = KTSTR_OP_SET_CPUSET, .cgroup = "nope", .cpuset = KTSTR_SPEC_LLC(0) },
	{ .kind = KTSTR_OP_ADD_CGROUP, .cgroup = "never" },
};

static void test_failure_midway_tears_down(void **state)
{
	const struct ktstr_step steps[] = {
		{ .defs = two_defs, .nr_defs = 2, .hold = KTSTR_HOLD_FIXED_INIT(1) },
		{ .ops = bad_ops, .nr_ops = 3, .hold = KTSTR_HOLD_FIXED_INIT(1) },
		{ .defs = two_defs, .nr_defs = 1, .hold = KTSTR_HOLD_FIXED_INIT(1) },
	};
	static const char *const want[] = {
		"create cg_0", "create cg_1", "create cg_2",
		"remove cg_2", "remove cg_1", "remove cg_0",
		NULL,
	};
	struct ktstr_cgroups *cg;
	struct ktstr_assert_result res;
	struct ktstr_ctx ctx;

	(void)state;
	new_ctx(&ctx, &cg, big);
	assert_int_equal(ktstr_execute_steps(&ctx, NULL, steps, 3, &res), -ENOENT);
	assert_int_equal(res.verdict, KTSTR_VERDICT_FAIL);
	assert_non_null(strstr(ktstr_last_error(), "step 1 op 1"));
	assert_non_null(strstr(ktstr_last_error(), "unknown cgroup nope"));
	assert_int_equal(nr_detail(&res, KTSTR_DETAIL_OTHER, "unknown cgroup nope"), 1);
	assert_calls(cg, want);
	ktstr_assert_result_free(&res);
	ktstr_cgroup_destroy(cg);
}

static void test_skip_creates_nothing(void **state)
{
	static const struct ktstr_cgroup_def defs[] = {
		{ .name = "cg_0", .cpuset = KTSTR_SPEC_LLC(0) },
		{ .name = "cg_1", .cpuset = KTSTR_SPEC_LLC(1) },
	};
	struct ktstr_cgroups *cg;
	struct ktstr_assert_result res;
	struct ktstr_ctx ctx;

	(void)state;
	new_ctx(&ctx, &cg, small);
	assert_int_equal(ktstr_execute_defs(&ctx, defs, 2, &res), -ENOSPC);
	assert_non_null(strstr(ktstr_last_error(), "not enough LLCs"));
	assert_non_null(strstr(ktstr_last_error(), "def cg_1"));
	/* A skip with the reason, not a pass. */
	assert_int_equal(res.verdict, KTSTR_VERDICT_SKIP);
	assert_int_equal(nr_detail(&res, KTSTR_DETAIL_SKIP, "not enough LLCs"), 1);
	assert_int_equal(nr_failures(&res), 0);
	assert_int_equal(ktstr_cgroup_noop_nr_calls(cg), 0);
	ktstr_assert_result_free(&res);
	ktstr_cgroup_destroy(cg);
}

static void test_invalid_hold_rejected(void **state)
{
	const struct ktstr_step steps[] = {
		{ .defs = two_defs, .nr_defs = 1, .hold = KTSTR_HOLD_FIXED_INIT(0) },
	};
	struct ktstr_cgroups *cg;
	struct ktstr_assert_result res;
	struct ktstr_ctx ctx;

	(void)state;
	new_ctx(&ctx, &cg, big);
	assert_int_equal(ktstr_execute_steps(&ctx, NULL, steps, 1, &res), -EINVAL);
	assert_non_null(strstr(ktstr_last_error(), "step 0"));
	assert_int_equal(res.verdict, KTSTR_VERDICT_FAIL);
	assert_int_equal(nr_detail(&res, KTSTR_DETAIL_OTHER, "step 0"), 1);
	assert_int_equal(ktstr_cgroup_noop_nr_calls(cg), 0);
	ktstr_assert_result_free(&res);
	ktstr_cgroup_destroy(cg);
}

static void test_backdrop_order(void **state)
{
	static const struct ktstr_cgroup_def bg[] = {
		{ .name = "bg", .cpuset = KTSTR_SPEC_LLC(0), .no_workers = true },
	};
	static const struct ktstr_op bg_ops[] = {
		{ .kind = KTSTR_OP_ADD_CGROUP, .cgroup = "bg2" },
	};
	static const struct ktstr_op ops0[] = {
		/* bg is the backdrop's: found after the step's names */
		{ .kind = KTSTR_OP_SWAP_CPUSETS, .cgroup = "st", .cgroup2 = "bg" },
	};
	static const struct ktstr_op ops1[] = {
		/* gone from the backdrop, then the step's own */
		{ .kind = KTSTR_OP_REMOVE_CGROUP, .cgroup = "bg2" },
		{ .kind = KTSTR_OP_ADD_CGROUP, .cgroup = "bg2", .cpuset = KTSTR_SPEC_LLC(1) },
		{ .kind = KTSTR_OP_FREEZE, .cgroup = "bg2" },
	};
	static const struct ktstr_cgroup_def st[] = {
		{ .name = "st", .cpuset = KTSTR_SPEC_LLC(2), .no_workers = true },
	};
	const struct ktstr_backdrop bd = { .defs = bg, .nr_defs = 1,
					   .ops = bg_ops, .nr_ops = 1 };
	const struct ktstr_step steps[] = {
		{ .defs = st, .nr_defs = 1, .hold = KTSTR_HOLD_FIXED_INIT(1) },
		{ .ops = ops0, .nr_ops = 1, .hold = KTSTR_HOLD_FIXED_INIT(1) },
		{ .ops = ops1, .nr_ops = 3, .hold = KTSTR_HOLD_FIXED_INIT(1) },
	};
	static const char *const want[] = {
		"create bg", "set_cpuset bg 0-7", "create bg2",
		"create st", "set_cpuset st 16-23",
		"set_cpuset st 0-7", "set_cpuset bg 16-23",
		"remove bg2", "create bg2", "set_cpuset bg2 8-15", "freeze bg2",
		/* teardown: thaw, then step cgroups newest first, backdrop last */
		"unfreeze bg2", "remove bg2", "remove st", "remove bg",
		NULL,
	};
	struct ktstr_cgroups *cg;
	struct ktstr_assert_result res;
	struct ktstr_ctx ctx;

	(void)state;
	new_ctx(&ctx, &cg, big);
	if (ktstr_execute_steps(&ctx, &bd, steps, 3, &res))
		fail_msg("%s", ktstr_last_error());
	assert_int_equal(res.verdict, KTSTR_VERDICT_PASS);
	assert_calls(cg, want);
	ktstr_assert_result_free(&res);
	ktstr_cgroup_destroy(cg);
}

static void test_duplicate_name(void **state)
{
	static const struct ktstr_op ops[] = {
		{ .kind = KTSTR_OP_ADD_CGROUP, .cgroup = "cg_0" },
	};
	const struct ktstr_step steps[] = {
		{ .defs = two_defs, .nr_defs = 1, .ops = NULL,
		  .hold = KTSTR_HOLD_FIXED_INIT(1) },
		{ .ops = ops, .nr_ops = 1, .hold = KTSTR_HOLD_FIXED_INIT(1) },
	};
	struct ktstr_cgroups *cg;
	struct ktstr_assert_result res;
	struct ktstr_ctx ctx;

	(void)state;
	new_ctx(&ctx, &cg, big);
	assert_int_equal(ktstr_execute_steps(&ctx, NULL, steps, 2, &res), -EEXIST);
	assert_string_equal(ktstr_cgroup_noop_call(cg, ktstr_cgroup_noop_nr_calls(cg) - 1),
			    "remove cg_0");
	assert_int_equal(res.verdict, KTSTR_VERDICT_FAIL);
	assert_int_equal(nr_detail(&res, KTSTR_DETAIL_OTHER, "already exists"), 1);
	ktstr_assert_result_free(&res);
	ktstr_cgroup_destroy(cg);
}

/* Real workers (processes) in recorded cgroups. */
static void test_workers_collected(void **state)
{
	static const struct ktstr_work spin = { .kind = KTSTR_WORK_SPIN_WAIT };
	static const struct ktstr_cgroup_def defs[] = {
		{ .name = "cg_0", .cpuset = KTSTR_SPEC_DISJOINT(0, 2), .nr_workers = 2 },
		{ .name = "cg_1", .cpuset = KTSTR_SPEC_DISJOINT(1, 2), .work = &spin },
	};
	static const struct ktstr_op ops[] = {
		{ .kind = KTSTR_OP_STOP_CGROUP, .cgroup = "cg_1" },
		{ .kind = KTSTR_OP_SPAWN, .cgroup = "cg_1", .nr_workers = 1 },
		{ .kind = KTSTR_OP_SET_AFFINITY, .cgroup = "cg_0",
		  .affinity = { .kind = KTSTR_AFF_SINGLE_CPU, .cpu = 0 } },
		{ .kind = KTSTR_OP_SPAWN_HOST, .nr_workers = 1 },
	};
	const struct ktstr_step steps[] = {
		{ .defs = defs, .nr_defs = 2, .hold = KTSTR_HOLD_FIXED_INIT(50) },
		{ .ops = ops, .nr_ops = 4, .hold = KTSTR_HOLD_FIXED_INIT(50) },
	};
	struct ktstr_cgroups *cg;
	struct ktstr_assert_result res;
	struct ktstr_ctx ctx;
	int moves = 0;

	(void)state;
	new_ctx(&ctx, &cg, small);
	if (ktstr_execute_steps(&ctx, NULL, steps, 2, &res))
		fail_msg("%s", ktstr_last_error());
	/* 2 + 1 + 1 workers moved into cgroups; the host one is not. */
	for (int i = 0; i < ktstr_cgroup_noop_nr_calls(cg); i++)
		moves += !strncmp(ktstr_cgroup_noop_call(cg, i), "move_task ", 10);
	assert_int_equal(moves, 4);
	/* One stats entry per worker set, with its workers. */
	assert_int_equal(res.stats.total_workers, 5);
	assert_int_equal(res.nr_cgroups, 4);
	assert_string_equal(res.cgroups[0].name, "cg_0");
	assert_int_equal(res.cgroups[0].workers, 2);
	assert_string_equal(res.cgroups[1].name, "cg_1");
	assert_string_equal(res.cgroups[3].name, "host");
	assert_int_equal(res.cgroups[3].workers, 1);
	/* Nothing left behind. */
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	ktstr_assert_result_free(&res);
	ktstr_cgroup_destroy(cg);
}

static void test_payloads(void **state)
{
	static const char *const ok_argv[] = { "true", NULL };
	static const char *const bad_argv[] = { "sh", "-c", "exit 3", NULL };
	static const char *const long_argv[] = { "sleep", "30", NULL };
	static const char *const no_argv[] = { "/nonexistent/ktstr-x", NULL };
	static const struct ktstr_op ops[] = {
		{ .kind = KTSTR_OP_RUN_PAYLOAD, .payload = "ok", .argv = ok_argv,
		  .cgroup = "cg_0" },
		{ .kind = KTSTR_OP_WAIT_PAYLOAD, .payload = "ok" },
		{ .kind = KTSTR_OP_RUN_PAYLOAD, .payload = "bad", .argv = bad_argv },
		{ .kind = KTSTR_OP_WAIT_PAYLOAD, .payload = "bad" },
		{ .kind = KTSTR_OP_RUN_PAYLOAD, .payload = "long", .argv = long_argv },
		{ .kind = KTSTR_OP_KILL_PAYLOAD, .payload = "long" },
		{ .kind = KTSTR_OP_RUN_PAYLOAD, .payload = "slow", .argv = long_argv },
		{ .kind = KTSTR_OP_WAIT_PAYLOAD, .payload = "slow", .timeout_ms = 30 },
		/* left running: reaped at the end */
		{ .kind = KTSTR_OP_RUN_PAYLOAD, .payload = "bg", .argv = long_argv },
	};
	static const struct ktstr_op exec_fail[] = {
		{ .kind = KTSTR_OP_RUN_PAYLOAD, .payload = "x", .argv = no_argv },
	};
	const struct ktstr_step steps[] = {
		{ .defs = two_defs, .nr_defs = 1, .ops = NULL,
		  .hold = KTSTR_HOLD_FIXED_INIT(1) },
		{ .ops = ops, .nr_ops = 9, .hold = KTSTR_HOLD_FIXED_INIT(1) },
	};
	const struct ktstr_step steps2[] = {
		{ .ops = exec_fail, .nr_ops = 1, .hold = KTSTR_HOLD_FIXED_INIT(1) },
	};
	struct ktstr_cgroups *cg;
	struct ktstr_assert_result res;
	struct ktstr_ctx ctx;

	(void)state;
	new_ctx(&ctx, &cg, big);
	if (ktstr_execute_steps(&ctx, NULL, steps, 2, &res))
		fail_msg("%s", ktstr_last_error());
	assert_int_equal(res.verdict, KTSTR_VERDICT_FAIL);
	assert_int_equal(nr_detail(&res, KTSTR_DETAIL_OTHER, "payload bad exited 3"), 1);
	assert_int_equal(nr_detail(&res, KTSTR_DETAIL_OTHER,
				   "payload slow did not finish within 30 ms"), 1);
	assert_int_equal(nr_detail(&res, KTSTR_DETAIL__COUNT, "payload ok"), 0);
	assert_int_equal(nr_detail(&res, KTSTR_DETAIL__COUNT, "payload long"), 0);
	assert_int_equal(nr_failures(&res), 2);
	assert_true(!strncmp(ktstr_cgroup_noop_call(cg, 1), "move_task cg_0 ", 15));
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	ktstr_assert_result_free(&res);

	assert_int_equal(ktstr_execute_steps(&ctx, NULL, steps2, 1, &res), -ENOENT);
	assert_non_null(strstr(ktstr_last_error(), "exec"));
	assert_int_equal(res.verdict, KTSTR_VERDICT_FAIL);
	assert_int_equal(nr_detail(&res, KTSTR_DETAIL_OTHER, "exec"), 1);
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	ktstr_assert_result_free(&res);
	ktstr_cgroup_destroy(cg);
}

static void test_sched_death(void **state)
{
	const struct ktstr_step steps[] = {
		{ .defs = two_defs, .nr_defs = 1, .hold = KTSTR_HOLD_FIXED_INIT(5000) },
		{ .defs = two_defs + 1, .nr_defs = 1, .hold = KTSTR_HOLD_FIXED_INIT(1) },
	};
	static const char *const want[] = { "create cg_0", "remove cg_0", NULL };
	struct ktstr_cgroups *cg;
	struct ktstr_assert_result res;
	struct ktstr_ctx ctx;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		usleep(100 * 1000);
		_exit(0);
	}
	new_ctx(&ctx, &cg, big);
	ctx.sched_pid = pid;	/* a zombie counts as dead */
	assert_int_equal(ktstr_execute_steps(&ctx, NULL, steps, 2, &res), 0);
	assert_int_equal(res.verdict, KTSTR_VERDICT_FAIL);
	assert_int_equal(nr_detail(&res, KTSTR_DETAIL_SCHEDULER_DIED,
				   "scheduler process died"), 1);
	assert_calls(cg, want);
	ktstr_assert_result_free(&res);
	waitpid(pid, NULL, 0);
	ktstr_cgroup_destroy(cg);
}

/* Without a scheduler the run started, a restart fails the run, says why. */
static void test_restart_without_scheduler(void **state)
{
	static const struct ktstr_op restart[] = { { .kind = KTSTR_OP_RESTART_SCHEDULER } };
	const struct ktstr_step steps[] = {
		{ .defs = two_defs, .nr_defs = 1, .hold = KTSTR_HOLD_FIXED_INIT(1) },
		{ .ops = restart, .nr_ops = 1, .hold = KTSTR_HOLD_FIXED_INIT(1) },
	};
	static const char *const want[] = { "create cg_0", "remove cg_0", NULL };
	struct ktstr_cgroups *cg;
	struct ktstr_assert_result res;
	struct ktstr_ctx ctx;

	(void)state;
	new_ctx(&ctx, &cg, big);
	assert_int_equal(ktstr_execute_steps(&ctx, NULL, steps, 2, &res), -EOPNOTSUPP);
	assert_int_equal(res.verdict, KTSTR_VERDICT_FAIL);
	assert_non_null(strstr(ktstr_last_error(), "no scheduler started by this run"));
	assert_calls(cg, want);
	ktstr_assert_result_free(&res);
	ktstr_cgroup_destroy(cg);
}

static void on_alarm(int sig)
{
	(void)sig;
	ktstr_ops_abort();
}

static void test_abort(void **state)
{
	const struct ktstr_step steps[] = {
		{ .defs = two_defs, .nr_defs = 2, .hold = KTSTR_HOLD_FIXED_INIT(10000) },
	};
	static const char *const want[] = {
		"create cg_0", "create cg_1", "remove cg_1", "remove cg_0", NULL,
	};
	struct ktstr_cgroups *cg;
	struct ktstr_assert_result res;
	struct ktstr_ctx ctx;

	(void)state;
	new_ctx(&ctx, &cg, big);
	signal(SIGALRM, on_alarm);
	ualarm(100 * 1000, 0);
	assert_int_equal(ktstr_execute_steps(&ctx, NULL, steps, 1, &res), -EINTR);
	assert_true(ktstr_ops_aborted());
	assert_int_equal(res.verdict, KTSTR_VERDICT_FAIL);
	assert_int_equal(nr_detail(&res, KTSTR_DETAIL_OTHER, "aborted"), 1);
	assert_calls(cg, want);
	ktstr_assert_result_free(&res);
	/* Still set: the next run does not start. */
	assert_int_equal(ktstr_execute_defs(&ctx, two_defs, 1, &res), -EINTR);
	assert_int_equal(res.verdict, KTSTR_VERDICT_FAIL);
	ktstr_assert_result_free(&res);
	ktstr_ops_abort_reset();
	assert_false(ktstr_ops_aborted());
	signal(SIGALRM, SIG_DFL);
	ktstr_cgroup_destroy(cg);
}

static void test_loop_hold(void **state)
{
	static const struct ktstr_op flip[] = {
		{ .kind = KTSTR_OP_SWAP_CPUSETS, .cgroup = "cg_0", .cgroup2 = "cg_1" },
	};
	static const struct ktstr_cgroup_def defs[] = {
		{ .name = "cg_0", .cpuset = KTSTR_SPEC_LLC(0), .no_workers = true },
		{ .name = "cg_1", .cpuset = KTSTR_SPEC_LLC(1), .no_workers = true },
	};
	const struct ktstr_step steps[] = {
		{ .defs = defs, .nr_defs = 2, .hold = KTSTR_HOLD_FIXED_INIT(1) },
		{ .ops = flip, .nr_ops = 1,
		  .hold = { .kind = KTSTR_HOLD_LOOP, .interval_ms = 10, .ms = 35 } },
	};
	struct ktstr_cgroups *cg;
	struct ktstr_assert_result res;
	struct ktstr_ctx ctx;
	int swaps = 0;

	(void)state;
	new_ctx(&ctx, &cg, big);
	assert_int_equal(ktstr_execute_steps(&ctx, NULL, steps, 2, &res), 0);
	for (int i = 0; i < ktstr_cgroup_noop_nr_calls(cg); i++)
		swaps += !strcmp(ktstr_cgroup_noop_call(cg, i), "set_cpuset cg_0 8-15");
	/* ops at 0, 10, 20, 30 ms: cg_0 gets LLC 1 at the 1st and 3rd. */
	assert_int_equal(swaps, 2);
	assert_int_equal(res.verdict, KTSTR_VERDICT_PASS);
	ktstr_assert_result_free(&res);
	ktstr_cgroup_destroy(cg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_specs_resolve),
		cmocka_unit_test(test_specs_overlap),
		cmocka_unit_test(test_specs_errors),
		cmocka_unit_test(test_spec_str),
		cmocka_unit_test(test_holds),
		cmocka_unit_test(test_two_steps_calls),
		cmocka_unit_test(test_failure_midway_tears_down),
		cmocka_unit_test(test_skip_creates_nothing),
		cmocka_unit_test(test_invalid_hold_rejected),
		cmocka_unit_test(test_backdrop_order),
		cmocka_unit_test(test_duplicate_name),
		cmocka_unit_test(test_workers_collected),
		cmocka_unit_test(test_payloads),
		cmocka_unit_test(test_sched_death),
		cmocka_unit_test(test_restart_without_scheduler),
		cmocka_unit_test(test_abort),
		cmocka_unit_test(test_loop_hold),
	};

	return cmocka_run_group_tests(tests, setup_topos, free_topos);
}
