// SPDX-License-Identifier: GPL-2.0
/* Unit tests for ktstr vm --topology: parsing, presets, QEMU arguments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ktstr/vm.h>

static void parse_ok(const char *s, int n, int l, int c, int t, int cpus)
{
	struct ktstr_vm_topology topo;
	char err[256] = "";

	if (ktstr_vm_topology_parse(s, &topo, err, sizeof(err)))
		fail_msg("'%s' rejected: %s", s, err);
	assert_int_equal(topo.numa_nodes, n);
	assert_int_equal(topo.llcs, l);
	assert_int_equal(topo.cores_per_llc, c);
	assert_int_equal(topo.threads_per_core, t);
	assert_int_equal(ktstr_vm_topo_cpus(&topo), cpus);
}

static void parse_bad(const char *s, const char *needle)
{
	struct ktstr_vm_topology topo = { 7, 7, 7, 7 };
	char err[256] = "";

	assert_int_equal(ktstr_vm_topology_parse(s, &topo, err, sizeof(err)), -1);
	/* Left alone on failure. */
	assert_int_equal(topo.numa_nodes, 7);
	assert_null(strchr(err, '\n'));
	if (!strstr(err, needle))
		fail_msg("error for '%s' is '%s', does not mention '%s'", s, err, needle);
}

static void test_parse_valid(void **state)
{
	(void)state;
	parse_ok("1n1l1c1t", 1, 1, 1, 1, 1);
	parse_ok("1n2l4c1t", 1, 2, 4, 1, 8);
	parse_ok("1n2l2c1t", 1, 2, 2, 1, 4);
	parse_ok("2n4l2c1t", 2, 4, 2, 1, 8);
	parse_ok("1n2l2c2t", 1, 2, 2, 2, 8);
	parse_ok("4n8l2c1t", 4, 8, 2, 1, 16);
	parse_ok("2n2l16c2t", 2, 2, 16, 2, 64);		/* exactly the limit */
	parse_ok("01n02l2c1t", 1, 2, 2, 1, 4);		/* leading zeros are digits */
}

static void test_parse_presets(void **state)
{
	int n = 0, fit = 0;

	(void)state;
	parse_ok("tiny-1llc", 1, 1, 4, 1, 4);
	parse_ok("tiny-2llc", 1, 2, 2, 1, 4);
	parse_ok("odd-3llc", 1, 3, 3, 1, 9);
	parse_ok("odd-5llc", 1, 5, 3, 1, 15);
	parse_ok("odd-7llc", 1, 7, 2, 1, 14);
	parse_ok("smt-2llc", 1, 2, 2, 2, 8);
	parse_ok("smt-3llc", 1, 3, 2, 2, 12);
	parse_ok("numa2-4llc", 2, 4, 4, 1, 16);
	parse_ok("medium-4llc", 1, 4, 4, 2, 32);
	parse_ok("medium-8llc-nosmt", 1, 8, 8, 1, 64);
	parse_ok("numa4-8llc", 4, 8, 4, 1, 32);
	parse_bad("large-4llc", "128 CPUs");
	parse_bad("numa4-12llc", "192 CPUs");
	parse_bad("max-cpu", "(1n14l9c2t)");

	/* The 24 presets: each well formed; 13 fit in 64 CPUs. */
	for (const struct ktstr_vm_topo_preset *p = ktstr_vm_topo_presets; p->name; p++) {
		const struct ktstr_vm_topology *t = &p->topo;

		n++;
		assert_true(t->numa_nodes >= 1 && t->llcs >= 1 && t->cores_per_llc >= 1 &&
			    t->threads_per_core >= 1);
		assert_int_equal(t->llcs % t->numa_nodes, 0);
		fit += ktstr_vm_topo_cpus(t) <= KTSTR_VM_TOPO_MAX_CPUS;
	}
	assert_int_equal(n, 24);
	assert_int_equal(fit, 13);
}

static void test_parse_rejects(void **state)
{
	(void)state;
	parse_bad("", "empty");
	parse_bad(NULL, "empty");
	parse_bad("0n1l1c1t", "at least 1");
	parse_bad("1n0l1c1t", "at least 1");
	parse_bad("1n1l0c1t", "at least 1");
	parse_bad("1n1l1c0t", "at least 1");
	parse_bad("2n3l2c1t", "multiple of NUMA nodes");
	parse_bad("3n4l1c1t", "multiple of NUMA nodes");
	parse_bad("1n5l13c1t", "65 CPUs");
	parse_bad("1n2l32c2t", "128 CPUs");
	parse_bad("1n64l64c64t", "262144 CPUs");	/* no int overflow */
	parse_bad("1n99999l1c1t", "bad topology");	/* too many digits */
	parse_bad("1n2l2c", "bad topology");
	parse_bad("1n2l2c1t ", "bad topology");
	parse_bad(" 1n2l2c1t", "bad topology");
	parse_bad("1n2l2c1tx", "bad topology");
	parse_bad("1N2L2C1T", "bad topology");
	parse_bad("2l1n2c1t", "bad topology");		/* order matters */
	parse_bad("-1n2l2c1t", "bad topology");
	parse_bad("+1n2l2c1t", "bad topology");
	parse_bad("1nl2c1t", "bad topology");
	parse_bad("nlct", "bad topology");
	parse_bad("4", "bad topology");
	parse_bad("tiny", "bad topology");
	parse_bad("TINY-1LLC", "bad topology");
	parse_bad("0x1n2l2c1t", "bad topology");
}

static void test_str(void **state)
{
	struct ktstr_vm_topology t = { 2, 4, 2, 1 };
	char buf[48];

	(void)state;
	assert_string_equal(ktstr_vm_topology_str(&t, buf, sizeof(buf)), "2n4l2c1t");
}

static char *join(char **args)
{
	size_t len = 1;
	char *s;

	for (char **a = args; *a; a++)
		len += strlen(*a) + 1;
	s = calloc(1, len);
	assert_non_null(s);
	for (char **a = args; *a; a++) {
		if (a != args)
			strcat(s, " ");
		strcat(s, *a);
	}
	return s;
}

static void args_eq(const char *topo, int memory_mb, const char *want)
{
	struct ktstr_vm_topology t;
	char err[256] = "", **args = NULL, *got;
	size_t nr = 0, count = 0;

	assert_int_equal(ktstr_vm_topology_parse(topo, &t, err, sizeof(err)), 0);
	if (ktstr_vm_topology_qemu_args(&t, memory_mb, &args, &nr, err, sizeof(err)))
		fail_msg("args for %s rejected: %s", topo, err);
	for (char **a = args; *a; a++)
		count++;
	assert_int_equal(count, nr);
	got = join(args);
	if (strcmp(got, want))
		fail_msg("%s, %d MB:\n  got  %s\n  want %s", topo, memory_mb, got, want);
	free(got);
	ktstr_vm_topology_args_free(args);
}

static void test_qemu_args(void **state)
{
	(void)state;
	/* One node: just the -smp shape, one socket per LLC. */
	args_eq("1n2l2c1t", 512, "-smp cpus=4,sockets=2,dies=1,cores=2,threads=1");
	args_eq("tiny-1llc", 512, "-smp cpus=4,sockets=1,dies=1,cores=4,threads=1");
	args_eq("smt-2llc", 512, "-smp cpus=8,sockets=2,dies=1,cores=2,threads=2");
	args_eq("odd-3llc", 512, "-smp cpus=9,sockets=3,dies=1,cores=3,threads=1");
	/* Two nodes, two sockets each; memory split evenly. */
	args_eq("2n4l2c1t", 512,
		"-smp cpus=8,sockets=4,dies=1,cores=2,threads=1"
		" -object memory-backend-ram,id=ktstr-mem0,size=256M"
		" -numa node,nodeid=0,memdev=ktstr-mem0"
		" -object memory-backend-ram,id=ktstr-mem1,size=256M"
		" -numa node,nodeid=1,memdev=ktstr-mem1"
		" -numa cpu,node-id=0,socket-id=0 -numa cpu,node-id=0,socket-id=1"
		" -numa cpu,node-id=1,socket-id=2 -numa cpu,node-id=1,socket-id=3");
	/* Uneven split: whole 2 MB per node, the last one takes the rest. */
	args_eq("3n3l1c1t", 515,
		"-smp cpus=3,sockets=3,dies=1,cores=1,threads=1"
		" -object memory-backend-ram,id=ktstr-mem0,size=170M"
		" -numa node,nodeid=0,memdev=ktstr-mem0"
		" -object memory-backend-ram,id=ktstr-mem1,size=170M"
		" -numa node,nodeid=1,memdev=ktstr-mem1"
		" -object memory-backend-ram,id=ktstr-mem2,size=175M"
		" -numa node,nodeid=2,memdev=ktstr-mem2"
		" -numa cpu,node-id=0,socket-id=0 -numa cpu,node-id=1,socket-id=1"
		" -numa cpu,node-id=2,socket-id=2");
}

static void test_qemu_args_memory(void **state)
{
	struct ktstr_vm_topology t = { 4, 8, 1, 1 };
	char err[256] = "", **args = (char **)1;
	size_t nr = 5;

	(void)state;
	/* 4 nodes need 4 * 64 MB. */
	assert_int_equal(ktstr_vm_topology_qemu_args(&t, 255, &args, &nr, err, sizeof(err)), -1);
	assert_null(args);
	assert_int_equal(nr, 0);
	assert_non_null(strstr(err, "raise --memory"));
	assert_int_equal(ktstr_vm_topology_qemu_args(&t, 256, &args, &nr, err, sizeof(err)), 0);
	ktstr_vm_topology_args_free(args);
	/* One node: any memory --memory accepts. */
	t = (struct ktstr_vm_topology){ 1, 2, 1, 1 };
	assert_int_equal(ktstr_vm_topology_qemu_args(&t, 64, &args, &nr, err, sizeof(err)), 0);
	assert_int_equal(nr, 2);
	ktstr_vm_topology_args_free(args);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_parse_presets),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_str),
		cmocka_unit_test(test_qemu_args),
		cmocka_unit_test(test_qemu_args_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
