// SPDX-License-Identifier: GPL-2.0
/* Unit tests for topology loading and derived cpusets (hwloc synthetic). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include <ktstr/topo.h>

#define TWO_NODES "pack:2 numa:1 l3:2 core:4 pu:2"

static struct ktstr_topo *load(const char *desc)
{
	struct ktstr_topo *t = ktstr_topo_load(desc);

	if (!t)
		fail_msg("load '%s': %s", desc ? desc : "(system)", ktstr_last_error());
	return t;
}

static void assert_set(const struct ktstr_cpuset *s, const char *list)
{
	char buf[256];

	ktstr_cpulist_format(s, buf, sizeof(buf));
	assert_string_equal(buf, list);
}

/* Parts are non-empty, pairwise disjoint and cover exactly @all. */
static void assert_partition(const struct ktstr_cpuset *parts, int n,
			     const struct ktstr_cpuset *all)
{
	struct ktstr_cpuset u;

	ktstr_cpuset_zero(&u);
	for (int i = 0; i < n; i++) {
		assert_false(ktstr_cpuset_empty(&parts[i]));
		assert_false(ktstr_cpuset_intersects(&u, &parts[i]));
		ktstr_cpuset_or(&u, &u, &parts[i]);
	}
	assert_true(ktstr_cpuset_equal(&u, all));
}

static void test_single_socket(void **state)
{
	struct ktstr_topo *t = load("pack:1 l3:1 core:4 pu:2");
	struct ktstr_cpuset s;

	(void)state;
	assert_int_equal(t->nr_cpus, 8);
	assert_int_equal(t->nr_cores, 4);
	assert_int_equal(t->nr_llcs, 1);
	assert_int_equal(t->nr_nodes, 1);
	assert_true(ktstr_topo_has_smt(t));
	assert_set(&t->cores[1].cpus, "2-3");
	assert_int_equal(t->cpu_core[3], 1);
	assert_int_equal(t->llcs[0].level, 3);
	assert_int_equal(t->llcs[0].nr_cores, 4);
	assert_true(t->llcs[0].size_bytes > 0);
	/* More than two CPUs: the last one is kept for the system. */
	assert_int_equal(t->reserved_cpu, 7);
	assert_set(&t->usable, "0-6");
	assert_set(&t->allowed, "0-7");
	/* LLC-aligned sets are not cut by the reservation. */
	assert_int_equal(ktstr_topo_llc_cpuset(t, 0, &s), 0);
	assert_set(&s, "0-7");
	assert_int_equal(ktstr_topo_llc_cpuset(t, 1, &s), -EINVAL);
	assert_int_equal(ktstr_topo_distance(t, 0, 0), 10);
	assert_string_equal(t->source, "pack:1 l3:1 core:4 pu:2");
	ktstr_topo_free(t);
}

static void test_two_nodes(void **state)
{
	struct ktstr_topo *t = load(TWO_NODES);
	struct ktstr_cpuset s, nodes;

	(void)state;
	assert_int_equal(t->nr_cpus, 32);
	assert_int_equal(t->nr_cores, 16);
	assert_int_equal(t->nr_llcs, 4);
	assert_int_equal(t->nr_nodes, 2);
	for (int i = 0; i < 4; i++) {
		char want[16];

		snprintf(want, sizeof(want), "%d-%d", i * 8, i * 8 + 7);
		assert_int_equal(ktstr_topo_llc_cpuset(t, i, &s), 0);
		assert_set(&s, want);
		assert_int_equal(t->llcs[i].node, i / 2);
		assert_int_equal(t->llcs[i].nr_cores, 4);
	}
	assert_int_equal(ktstr_topo_numa_cpuset(t, 0, &s), 0);
	assert_set(&s, "0-15");
	assert_int_equal(ktstr_topo_numa_cpuset(t, 1, &s), 0);
	assert_set(&s, "16-31");
	assert_int_equal(ktstr_topo_numa_cpuset(t, 2, &s), -EINVAL);
	assert_int_equal(t->nodes[1].os_index, 1);
	assert_true(t->nodes[0].mem_bytes > 0);
	assert_int_equal(t->cpu_node[20], 1);
	assert_int_equal(t->cpu_llc[20], 2);

	/* Synthetic topologies carry no SLIT: the documented defaults. */
	assert_true(t->distances_default);
	assert_int_equal(ktstr_topo_distance(t, 0, 0), KTSTR_NUMA_DIST_LOCAL);
	assert_int_equal(ktstr_topo_distance(t, 0, 1), KTSTR_NUMA_DIST_REMOTE);
	assert_int_equal(ktstr_topo_distance(t, 1, 0), KTSTR_NUMA_DIST_REMOTE);
	assert_int_equal(ktstr_topo_distance(t, 0, 2), KTSTR_NUMA_DIST_UNKNOWN);

	ktstr_cpulist_parse("14-17", 0, &s);
	assert_int_equal(ktstr_topo_mems_for(t, &s, &nodes), 2);
	assert_set(&nodes, "0-1");
	ktstr_cpulist_parse("20", 0, &s);
	assert_int_equal(ktstr_topo_mems_for(t, &s, &nodes), 1);
	assert_set(&nodes, "1");

	assert_int_equal(t->reserved_cpu, 31);
	assert_set(&t->usable, "0-30");
	ktstr_topo_free(t);
}

static void test_no_smt(void **state)
{
	struct ktstr_topo *t = load("pack:1 l3:2 core:4 pu:1");

	(void)state;
	assert_int_equal(t->nr_cpus, 8);
	assert_int_equal(t->nr_cores, 8);
	assert_int_equal(t->nr_llcs, 2);
	assert_false(ktstr_topo_has_smt(t));
	for (int i = 0; i < t->nr_cores; i++)
		assert_int_equal(ktstr_cpuset_count(&t->cores[i].cpus), 1);
	ktstr_topo_free(t);
}

static void test_llc_fallback_to_l2(void **state)
{
	struct ktstr_topo *t = load("pack:1 l2:4 core:1 pu:2");

	(void)state;
	assert_int_equal(t->nr_llcs, 4);
	assert_int_equal(t->llcs[0].level, 2);
	assert_set(&t->llcs[3].cpus, "6-7");
	ktstr_topo_free(t);
}

static void test_two_cpus_no_cache(void **state)
{
	struct ktstr_topo *t = load("pack:1 core:2 pu:1");
	struct ktstr_cpuset parts[2];

	(void)state;
	/* Two CPUs: nothing reserved, one catch-all LLC without cache info. */
	assert_int_equal(t->reserved_cpu, -1);
	assert_set(&t->usable, "0-1");
	assert_int_equal(t->nr_llcs, 1);
	assert_int_equal(t->llcs[0].level, 0);
	assert_int_equal(ktstr_topo_split(t, 2, parts), 0);
	assert_partition(parts, 2, &t->usable);
	assert_int_equal(ktstr_topo_split(t, 3, parts), -ERANGE);
	ktstr_topo_free(t);
}

static void test_split_llc_aligned(void **state)
{
	struct ktstr_topo *t = load(TWO_NODES);
	struct ktstr_cpuset parts[4];

	(void)state;
	assert_int_equal(ktstr_topo_split(t, 2, parts), 0);
	assert_partition(parts, 2, &t->usable);
	assert_set(&parts[0], "0-15");
	assert_set(&parts[1], "16-30");
	assert_int_equal(ktstr_topo_split(t, 4, parts), 0);
	assert_partition(parts, 4, &t->usable);
	assert_set(&parts[2], "16-23");
	assert_int_equal(ktstr_topo_split(t, 0, parts), -EINVAL);
	ktstr_topo_free(t);
}

static void test_split_balanced(void **state)
{
	struct ktstr_topo *t = load("pack:1 l3:7 core:2 pu:1");
	struct ktstr_cpuset parts[7];

	(void)state;
	assert_int_equal(t->nr_llcs, 7);
	/* 3 does not divide 7 LLCs: 13 usable CPUs dealt 5/4/4. */
	assert_int_equal(ktstr_topo_split(t, 3, parts), 0);
	assert_partition(parts, 3, &t->usable);
	assert_int_equal(ktstr_cpuset_count(&parts[0]), 5);
	assert_int_equal(ktstr_cpuset_count(&parts[1]), 4);
	assert_int_equal(ktstr_cpuset_count(&parts[2]), 4);
	/* 7 divides: one LLC each, the last minus the reserved CPU. */
	assert_int_equal(ktstr_topo_split(t, 7, parts), 0);
	assert_partition(parts, 7, &t->usable);
	assert_set(&parts[1], "2-3");
	assert_set(&parts[6], "12");
	ktstr_topo_free(t);
}

static void test_split_topology_order(void **state)
{
	/* Many LLCs and SMT: an unaligned split never cuts a core in two. */
	struct ktstr_topo *t = load("pack:1 l3:6 core:2 pu:2");
	struct ktstr_cpuset parts[4];

	(void)state;
	assert_int_equal(ktstr_topo_split(t, 4, parts), 0);
	assert_partition(parts, 4, &t->usable);
	for (int c = 0; c < t->nr_cores - 1; c++) {
		int first = ktstr_cpuset_first(&t->cores[c].cpus);
		int p;

		for (p = 0; !ktstr_cpuset_test(&parts[p], first); p++)
			;
		assert_true(ktstr_cpuset_subset(&t->cores[c].cpus, &parts[p]));
	}
	ktstr_topo_free(t);
}

static void test_overlap(void **state)
{
	struct ktstr_topo *t = load(TWO_NODES);
	struct ktstr_cpuset parts[3], u, x;

	(void)state;
	assert_int_equal(ktstr_topo_overlap(t, 3, 0.5, parts), 0);
	ktstr_cpuset_zero(&u);
	for (int i = 0; i < 3; i++)
		ktstr_cpuset_or(&u, &u, &parts[i]);
	assert_true(ktstr_cpuset_equal(&u, &t->usable));
	assert_int_equal(ktstr_cpuset_count(&parts[0]), 16);
	assert_int_equal(ktstr_cpuset_count(&parts[1]), 16);
	for (int i = 0; i < 2; i++) {
		ktstr_cpuset_and(&x, &parts[i], &parts[i + 1]);
		assert_int_equal(ktstr_cpuset_count(&x), 8);
	}
	/* Non-neighbours share nothing at 50%. */
	assert_false(ktstr_cpuset_intersects(&parts[0], &parts[2]));

	/* frac 0 degenerates to a disjoint split. */
	assert_int_equal(ktstr_topo_overlap(t, 3, 0.0, parts), 0);
	assert_partition(parts, 3, &t->usable);
	assert_int_equal(ktstr_topo_overlap(t, 3, 1.0, parts), -EINVAL);
	assert_int_equal(ktstr_topo_overlap(t, 40, 0.5, parts), -ERANGE);
	ktstr_topo_free(t);
}

static void test_range(void **state)
{
	struct ktstr_topo *t = load(TWO_NODES);
	struct ktstr_cpuset s;

	(void)state;
	assert_int_equal(ktstr_topo_range(t, 0.0, 0.5, &s), 0);
	assert_set(&s, "0-14");
	assert_int_equal(ktstr_topo_range(t, 0.5, 1.0, &s), 0);
	assert_set(&s, "15-30");
	/* A sliver still yields one CPU. */
	assert_int_equal(ktstr_topo_range(t, 0.99, 1.0, &s), 0);
	assert_int_equal(ktstr_cpuset_count(&s), 1);
	assert_int_equal(ktstr_topo_range(t, 0.5, 0.5, &s), -EINVAL);
	assert_int_equal(ktstr_topo_range(t, -0.1, 0.5, &s), -EINVAL);
	assert_int_equal(ktstr_topo_range(t, 0.0, 1.5, &s), -EINVAL);
	ktstr_topo_free(t);
}

static void test_env_and_errors(void **state)
{
	struct ktstr_topo *t;

	(void)state;
	setenv(KTSTR_TOPOLOGY_ENV, "pack:1 l3:3 core:1 pu:1", 1);
	t = ktstr_topo_load(NULL);
	assert_non_null(t);
	assert_int_equal(t->nr_llcs, 3);
	assert_string_equal(t->source, "pack:1 l3:3 core:1 pu:1");
	ktstr_topo_free(t);
	/* The argument wins over the environment. */
	t = load("pack:1 core:2 pu:1");
	assert_int_equal(t->nr_cpus, 2);
	ktstr_topo_free(t);
	unsetenv(KTSTR_TOPOLOGY_ENV);

	assert_null(ktstr_topo_load("bogus:7"));
	assert_non_null(strstr(ktstr_last_error(), "bogus:7"));
}

/*
 * Huge descriptions are refused before hwloc builds them, counted as hwloc
 * parses them: levels need no space between them ("numa:7220pack:1" is
 * 7220 NUMA nodes), digits after letters are type names ("l3").
 */
static void test_synthetic_size_guard(void **state)
{
	struct ktstr_topo *t;

	(void)state;
	alarm(30);	/* the bug this guards against was a hang */
	assert_null(ktstr_topo_load("numa:7220pack:1 l3:2 core:5 pu:1"));
	assert_non_null(strstr(ktstr_last_error(), "more than"));
	assert_null(ktstr_topo_load("pack:2 core:32 pu:32"));
	assert_non_null(strstr(ktstr_last_error(), "more than"));
	alarm(0);
	/* Type names with digits, attributes and no spaces still count right. */
	t = load("pack:2l3:2 core:3 pu:1");
	assert_int_equal(t->nr_cpus, 12);
	ktstr_topo_free(t);
	t = load("numa:2(memory=1GB) core:2 pu:2");
	assert_int_equal(t->nr_cpus, 8);
	ktstr_topo_free(t);
}

static void test_system(void **state)
{
	struct ktstr_topo *t;

	(void)state;
	unsetenv(KTSTR_TOPOLOGY_ENV);
	t = load(NULL);
	assert_string_equal(t->source, "system");
	assert_true(t->nr_cpus >= 1);
	assert_true(ktstr_cpuset_subset(&t->usable, &t->allowed));
	assert_true(ktstr_cpuset_subset(&t->allowed, &t->online));
	assert_int_equal(ktstr_cpuset_count(&t->online), t->nr_cpus);
	ktstr_topo_free(t);
}

static void test_json(void **state)
{
	struct ktstr_topo *t = load(TWO_NODES);
	json_t *j = ktstr_topo_to_json(t);
	json_t *llcs, *nodes;

	(void)state;
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "nr_cpus")), 32);
	assert_string_equal(json_string_value(json_object_get(j, "usable")), "0-30");
	llcs = json_object_get(j, "llcs");
	assert_int_equal(json_array_size(llcs), 4);
	assert_string_equal(json_string_value(json_object_get(json_array_get(llcs, 1),
							      "cpus")), "8-15");
	nodes = json_object_get(j, "nodes");
	assert_int_equal(json_integer_value(json_array_get(
		json_object_get(json_array_get(nodes, 0), "distances"), 1)), 20);
	json_decref(j);
	ktstr_topo_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_socket),
		cmocka_unit_test(test_two_nodes),
		cmocka_unit_test(test_no_smt),
		cmocka_unit_test(test_llc_fallback_to_l2),
		cmocka_unit_test(test_two_cpus_no_cache),
		cmocka_unit_test(test_split_llc_aligned),
		cmocka_unit_test(test_split_balanced),
		cmocka_unit_test(test_split_topology_order),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_env_and_errors),
		cmocka_unit_test(test_synthetic_size_guard),
		cmocka_unit_test(test_system),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
