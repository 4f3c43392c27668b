// SPDX-License-Identifier: GPL-2.0
/* Unit tests for the gauntlet: topologies, fit, guest results, tally. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ktstr/gauntlet.h>

static void test_topos(void **state)
{
	struct ktstr_gauntlet_topo t[KTSTR_GAUNTLET_MAX_TOPOS];
	char why[256];

	(void)state;
	assert_int_equal(ktstr_gauntlet_parse_topos(KTSTR_GAUNTLET_DEFAULT_TOPOS, t, 32,
						    why, sizeof(why)), 3);
	for (int i = 0; i < 3; i++)
		assert_true(ktstr_vm_topo_cpus(&t[i].topo) <= 8);
	assert_int_equal(ktstr_gauntlet_parse_topos("1n2l2c1t,numa2-4llc", t, 32, why,
						    sizeof(why)), 2);
	assert_string_equal(t[1].name, "numa2-4llc");
	assert_int_equal(t[1].topo.numa_nodes, 2);
	assert_int_equal(t[1].topo.llcs, 4);
	assert_int_equal(ktstr_gauntlet_parse_topos("tiny-2llc,tiny-2llc", t, 32, why,
						    sizeof(why)), -EINVAL);
	assert_int_equal(ktstr_gauntlet_parse_topos("1n2l2c1t,", t, 32, why, sizeof(why)),
			 -EINVAL);
	assert_int_equal(ktstr_gauntlet_parse_topos("bogus", t, 32, why, sizeof(why)),
			 -EINVAL);
	/* Above the vm's CPU limit. */
	assert_int_equal(ktstr_gauntlet_parse_topos("max-cpu", t, 32, why, sizeof(why)),
			 -EINVAL);
	assert_int_equal(ktstr_gauntlet_parse_topos("a,b", t, 1, why, sizeof(why)),
			 -EINVAL);
}

static void test_fits(void **state)
{
	struct ktstr_vm_topology flat = { 1, 1, 2, 1 }, two = { 1, 2, 2, 1 },
		numa = { 2, 4, 2, 1 };
	const struct ktstr_scenario *llc = ktstr_scenario_find("cgroup_cpuset_llc_steady");
	struct ktstr_scenario s = { .name = "x", .min_cpus = 6 };
	char why[128];

	(void)state;
	assert_non_null(llc);
	assert_int_equal(ktstr_gauntlet_fits(llc, &flat, why, sizeof(why)), -ENOSPC);
	assert_string_equal(why, "needs 2 LLCs, topology has 1");
	assert_int_equal(ktstr_gauntlet_fits(llc, &two, why, sizeof(why)), 0);
	assert_int_equal(ktstr_gauntlet_fits(&s, &two, why, sizeof(why)), -ENOSPC);
	assert_string_equal(why, "needs 6 CPUs, topology has 4");
	assert_int_equal(ktstr_gauntlet_fits(&s, &numa, why, sizeof(why)), 0);
	s.min_cpus = 0;
	s.min_nodes = 2;
	assert_int_equal(ktstr_gauntlet_fits(&s, &two, why, sizeof(why)), -ENOSPC);
	assert_string_equal(why, "needs 2 NUMA nodes, topology has 1");
	assert_int_equal(ktstr_gauntlet_fits(&s, &numa, why, sizeof(why)), 0);
}

/* A guest console: kernel noise around the prefixed JSON lines. */
static const char console[] =
	"ktstr-init: starting\n"
	"PASS cgroup_steady (1.2s)\n"
	KTSTR_GAUNTLET_PREFIX "{\n"
	"[    3.1] some kernel line\n"
	KTSTR_GAUNTLET_PREFIX "  \"version\": 1,\n"
	KTSTR_GAUNTLET_PREFIX "  \"results\": [\n"
	KTSTR_GAUNTLET_PREFIX "    {\"name\": \"cgroup_steady\", \"verdict\": \"PASS\", \"seconds\": 1.5, \"reason\": \"\"},\n"
	KTSTR_GAUNTLET_PREFIX "    {\"name\": \"cgroup_cpuset_llc_steady\", \"verdict\": \"FAIL\", \"seconds\": 2.0, \"reason\": \"stuck 900ms\"},\n"
	KTSTR_GAUNTLET_PREFIX "    {\"name\": \"nested_cgroup_no_ctrl\", \"verdict\": \"SKIP\", \"seconds\": 0, \"reason\": \"needs scheduler flag no-ctrl\"}\n"
	KTSTR_GAUNTLET_PREFIX "  ],\n"
	KTSTR_GAUNTLET_PREFIX "  \"scheduler\": {\"name\": \"ktstr_fixture\", \"pid\": 9}\n"
	KTSTR_GAUNTLET_PREFIX "}\n"
	"ktstr-init: done";

static void test_extract(void **state)
{
	char *json = NULL;

	(void)state;
	assert_int_equal(ktstr_gauntlet_extract(console, &json), 0);
	assert_non_null(json);
	assert_null(strstr(json, "kernel line"));
	assert_null(strstr(json, KTSTR_GAUNTLET_PREFIX));
	assert_non_null(strstr(json, "\"version\": 1"));
	free(json);
	assert_int_equal(ktstr_gauntlet_extract("nothing here\n", &json), -ENOENT);
	assert_null(json);
	assert_int_equal(ktstr_gauntlet_extract("", &json), -ENOENT);
}

static void test_collect(void **state)
{
	const char *names[] = { "cgroup_steady", "cgroup_cpuset_llc_steady",
				"nested_cgroup_no_ctrl", "cgroup_no_ctrl_imbalance" };
	struct ktstr_gauntlet_row rows[8];
	struct ktstr_gauntlet_summary sum;
	int n;

	(void)state;
	n = ktstr_gauntlet_collect(names, 4, "tiny-2llc", console, 1, rows);
	assert_int_equal(n, 4);
	assert_string_equal(rows[0].scenario, "cgroup_steady");
	assert_string_equal(rows[0].topology, "tiny-2llc");
	assert_int_equal(rows[0].verdict, KTSTR_VERDICT_PASS);
	assert_true(rows[0].seconds > 1.4 && rows[0].seconds < 1.6);
	assert_string_equal(rows[0].scheduler, "ktstr_fixture");
	assert_int_equal(rows[1].verdict, KTSTR_VERDICT_FAIL);
	assert_string_equal(rows[1].reason, "stuck 900ms");
	assert_int_equal(rows[2].verdict, KTSTR_VERDICT_SKIP);
	assert_string_equal(rows[2].reason, "needs scheduler flag no-ctrl");
	/* Asked for, not in the JSON: a failure. */
	assert_int_equal(rows[3].verdict, KTSTR_VERDICT_FAIL);
	assert_non_null(strstr(rows[3].reason, "no result"));
	ktstr_gauntlet_tally(rows, n, &sum);
	assert_int_equal(sum.total, 4);
	assert_int_equal(sum.passed, 1);
	assert_int_equal(sum.failed, 2);
	assert_int_equal(sum.skipped, 1);
	assert_int_equal(ktstr_gauntlet_exit_code(&sum), 1);

	/* All good: passes and skips exit 0. */
	n = ktstr_gauntlet_collect((const char *[]){ "cgroup_steady", "nested_cgroup_no_ctrl" },
				   2, "smt-2llc", console, 0, rows);
	assert_int_equal(n, 2);
	ktstr_gauntlet_tally(rows, n, &sum);
	assert_int_equal(sum.passed, 1);
	assert_int_equal(sum.skipped, 1);
	assert_int_equal(ktstr_gauntlet_exit_code(&sum), 0);

	/* Results, but a dirty guest: one more "(guest)" failure. */
	n = ktstr_gauntlet_collect(names, 1, "t", console, KTSTR_VM_EXIT_FAIL, rows);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].verdict, KTSTR_VERDICT_PASS);
	assert_string_equal(rows[1].scenario, "(guest)");
	assert_int_equal(rows[1].verdict, KTSTR_VERDICT_FAIL);
	assert_non_null(strstr(rows[1].reason, "dmesg"));

	/* No results at all (timeout): every scenario fails with the reason. */
	n = ktstr_gauntlet_collect(names, 2, "t", "boot noise\n", KTSTR_VM_EXIT_TIMEOUT, rows);
	assert_int_equal(n, 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(rows[i].verdict, KTSTR_VERDICT_FAIL);
		assert_non_null(strstr(rows[i].reason, "timed out"));
	}
	/* Garbage JSON. */
	n = ktstr_gauntlet_collect(names, 1, "t", KTSTR_GAUNTLET_PREFIX "{oops\n", 1, rows);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].verdict, KTSTR_VERDICT_FAIL);
	assert_non_null(strstr(rows[0].reason, "unreadable"));
	n = ktstr_gauntlet_collect(names, 1, "t", NULL, 0, rows);
	assert_int_equal(rows[0].verdict, KTSTR_VERDICT_FAIL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_topos),
		cmocka_unit_test(test_fits),
		cmocka_unit_test(test_extract),
		cmocka_unit_test(test_collect),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
