// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest: the topology the kernel shows in sysfs and the one ktstr's
 * hwloc reader (ktstr/topo.h) builds agree: CPU count, LLCs (distinct
 * cache/index3 shared_cpu_list), NUMA nodes and their CPUs, SMT siblings.
 *
 *   vm_topology              consistency only (the plain 2-CPU test guest)
 *   vm_topology 2n4l2c1t     also the shape ktstr vm --topology asked for:
 *                            n nodes of l/n consecutive LLCs, each LLC c*t
 *                            consecutive CPUs, t threads per core
 */
#include <dirent.h>

#include <ktstr/cpulist.h>
#include <ktstr/topo.h>
#include <ktstr/vm.h>

#include "guest.h"

/* Read a sysfs cpu list; false if the file is absent or unparsable. */
static bool read_list(const char *path, struct ktstr_cpuset *s)
{
	char buf[4096];
	FILE *f = fopen(path, "re");
	bool good = false;

	ktstr_cpuset_zero(s);
	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = '\0';
		good = !ktstr_cpulist_parse(buf, KTSTR_MAX_CPUS, s);
	}
	fclose(f);
	return good;
}

static char *str(const struct ktstr_cpuset *s)
{
	static char buf[4][256];
	static int i;
	char *b = buf[i++ % 4];

	ktstr_cpulist_format(s, b, 256);
	return b;
}

int main(int argc, char **argv)
{
	struct ktstr_vm_topology want = { 0 };
	struct ktstr_cpuset l3[KTSTR_MAX_CPUS], sib;
	int nr_l3 = 0, nr_sysfs_nodes = 0, nproc = sysconf(_SC_NPROCESSORS_ONLN);
	bool have_want = argc > 1, have_l3 = true, smt_ok = true;
	struct ktstr_topo *t;
	char path[512], err[256];
	struct dirent *e;
	DIR *d;

	if (have_want && ktstr_vm_topology_parse(argv[1], &want, err, sizeof(err))) {
		fail("vm_topology: expected topology", "%s", err);
		return 1;
	}
	t = ktstr_topo_load(NULL);
	if (!t) {
		fail("vm_topology: hwloc topology loads", "%s", ktstr_last_error());
		return 1;
	}

	check(t->nr_cpus == nproc && (!have_want || nproc == ktstr_vm_topo_cpus(&want)),
	      "vm_topology: CPU count", "nproc %d, hwloc %d, wanted %d", nproc, t->nr_cpus,
	      have_want ? ktstr_vm_topo_cpus(&want) : nproc);

	/* Distinct L3 sharing lists in sysfs. */
	for (int cpu = 0; cpu < nproc && cpu < KTSTR_MAX_CPUS; cpu++) {
		struct ktstr_cpuset s;
		int j;

		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu%d/cache/index3/shared_cpu_list", cpu);
		if (!read_list(path, &s)) {
			have_l3 = false;
			break;
		}
		for (j = 0; j < nr_l3 && !ktstr_cpuset_equal(&l3[j], &s); j++)
			;
		if (j == nr_l3)
			l3[nr_l3++] = s;
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list", cpu);
		if (have_want && (!read_list(path, &sib) ||
				  ktstr_cpuset_count(&sib) != want.threads_per_core))
			smt_ok = false;
	}
	if (!have_l3) {
		if (have_want)
			fail("vm_topology: LLCs", "no cache/index3 in sysfs");
		else
			skip("vm_topology: LLCs", "no L3 in sysfs");
	} else {
		bool same = nr_l3 == t->nr_llcs, shape = true;

		for (int i = 0; same && i < t->nr_llcs; i++) {
			int j;

			for (j = 0; j < nr_l3 && !ktstr_cpuset_equal(&l3[j], &t->llcs[i].cpus); j++)
				;
			same = j < nr_l3;
		}
		if (have_want) {
			int per = want.cores_per_llc * want.threads_per_core;

			shape = nr_l3 == want.llcs;
			for (int i = 0; shape && i < t->nr_llcs; i++) {
				struct ktstr_cpuset exp;

				ktstr_cpuset_zero(&exp);
				ktstr_cpuset_set_range(&exp, i * per, (i + 1) * per - 1);
				shape = ktstr_cpuset_equal(&exp, &t->llcs[i].cpus) &&
					t->llcs[i].nr_cores == want.cores_per_llc;
			}
		}
		check(same && shape, "vm_topology: LLCs",
		      "sysfs has %d distinct L3 lists (first %s), hwloc %d LLCs (first %s), wanted %d",
		      nr_l3, str(&l3[0]), t->nr_llcs, t->nr_llcs ? str(&t->llcs[0].cpus) : "-",
		      have_want ? want.llcs : nr_l3);
	}

	/* NUMA nodes: sysfs node directories and their cpulists. */
	d = opendir("/sys/devices/system/node");
	{
		bool same = d != NULL;

		while (d && (e = readdir(d))) {
			unsigned int id;
			struct ktstr_cpuset s;
			int i;

			if (sscanf(e->d_name, "node%u", &id) != 1)
				continue;
			nr_sysfs_nodes++;
			snprintf(path, sizeof(path), "/sys/devices/system/node/%s/cpulist", e->d_name);
			read_list(path, &s);
			for (i = 0; i < t->nr_nodes && t->nodes[i].os_index != id; i++)
				;
			if (i == t->nr_nodes || !ktstr_cpuset_equal(&s, &t->nodes[i].cpus))
				same = false;
		}
		if (d)
			closedir(d);
		same = same && nr_sysfs_nodes == t->nr_nodes;
		if (have_want && same) {
			int per = want.llcs / want.numa_nodes * want.cores_per_llc *
				  want.threads_per_core;

			same = t->nr_nodes == want.numa_nodes;
			for (int i = 0; same && i < t->nr_nodes; i++) {
				struct ktstr_cpuset exp;

				ktstr_cpuset_zero(&exp);
				ktstr_cpuset_set_range(&exp, i * per, (i + 1) * per - 1);
				same = ktstr_cpuset_equal(&exp, &t->nodes[i].cpus) &&
				       t->nodes[i].mem_bytes > 0;
			}
		}
		check(same, "vm_topology: NUMA nodes",
		      "sysfs %d nodes, hwloc %d (node 0 cpus %s), wanted %d", nr_sysfs_nodes,
		      t->nr_nodes, t->nr_nodes ? str(&t->nodes[0].cpus) : "-",
		      have_want ? want.numa_nodes : nr_sysfs_nodes);
	}

	if (have_want)
		check(smt_ok && t->nr_cores * want.threads_per_core == nproc &&
		      ktstr_topo_has_smt(t) == (want.threads_per_core > 1),
		      "vm_topology: SMT", "hwloc %d cores for %d CPUs, wanted %d threads per core",
		      t->nr_cores, nproc, want.threads_per_core);

	ktstr_topo_free(t);
	return g_failed ? 1 : 0;
}
