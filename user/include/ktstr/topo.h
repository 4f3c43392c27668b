/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CPU topology for scenarios, read from hwloc: CPUs (PUs), cores and their
 * SMT siblings, last-level caches, NUMA nodes with memory and distances, and
 * the cpusets scenarios build from them (LLC- and NUMA-aligned sets, disjoint
 * and overlapping partitions, fractional ranges).
 *
 * Index spaces: CPUs are kernel CPU numbers (hwloc PU os_index). Cores, LLCs
 * and NUMA nodes are dense indices 0..nr-1 in topology order; a node's
 * kernel number (for cpuset.mems) is nodes[i].os_index.
 *
 * The struct is filled once by ktstr_topo_load() and is read-only afterwards,
 * so it can be shared between threads.
 *
 * Conventions: functions return 0 (or a count) on success and a negative
 * errno on failure; they never print. ktstr_last_error() describes the
 * last failure in the calling thread.
 */
#ifndef KTSTR_TOPO_H
#define KTSTR_TOPO_H

#include <stdbool.h>
#include <stdint.h>

#include <ktstr/cpulist.h>
#include <ktstr/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/* Synthetic hwloc description used instead of the machine (for tests). */
#define KTSTR_TOPOLOGY_ENV	"KTSTR_TOPOLOGY"

/* ACPI SLIT convention, used when the firmware/hwloc gives no distances. */
#define KTSTR_NUMA_DIST_LOCAL	10
#define KTSTR_NUMA_DIST_REMOTE	20
#define KTSTR_NUMA_DIST_UNKNOWN	255

struct ktstr_core {
	struct ktstr_cpuset cpus;	/* the core's SMT siblings */
	int llc;			/* index into topo->llcs */
	int node;			/* index into topo->nodes */
};

struct ktstr_llc {
	struct ktstr_cpuset cpus;
	uint64_t size_bytes;		/* 0 when unknown */
	int level;			/* cache level (3 normally; 0: no cache info) */
	int node;			/* node of its first CPU */
	int nr_cores;
};

struct ktstr_numa_node {
	unsigned int os_index;		/* kernel node number */
	struct ktstr_cpuset cpus;	/* empty for memory-only nodes */
	uint64_t mem_bytes;		/* local memory; 0 when unknown */
};

struct ktstr_topo {
	char source[128];		/* "system" or the synthetic string */

	int nr_cpus;			/* PUs in the topology (online) */
	struct ktstr_cpuset online;
	struct ktstr_cpuset allowed;	/* online and in our cpuset/cgroup */
	/*
	 * allowed minus its highest CPU when it has more than two CPUs: that
	 * CPU stays free for the runner and the rest of the system so a
	 * saturating scenario cannot starve them.
	 */
	struct ktstr_cpuset usable;
	int reserved_cpu;		/* -1 when nothing is reserved */
	/* Online CPUs in topology order (node, LLC, core, thread). */
	int *order;

	int nr_cores;
	struct ktstr_core *cores;
	int nr_llcs;
	struct ktstr_llc *llcs;
	int nr_nodes;
	struct ktstr_numa_node *nodes;
	/* nr_nodes x nr_nodes, row-major; relative latency, 10 = local. */
	unsigned int *distances;
	bool distances_default;		/* no data: 10 local / 20 remote */

	/* Per CPU number (< KTSTR_MAX_CPUS): dense index, or -1 if absent. */
	int cpu_core[KTSTR_MAX_CPUS];
	int cpu_llc[KTSTR_MAX_CPUS];
	int cpu_node[KTSTR_MAX_CPUS];
};

/*
 * Load a topology. @synthetic, when non-NULL, is an hwloc synthetic
 * description ("pack:2 numa:1 l3:2 core:4 pu:2"); when NULL, the
 * KTSTR_TOPOLOGY environment variable is used if set and non-empty, and the
 * machine otherwise. Returns NULL on failure (see ktstr_last_error()).
 */
struct ktstr_topo *ktstr_topo_load(const char *synthetic);
void ktstr_topo_free(struct ktstr_topo *topo);
/* SMT: true if some core has more than one CPU. */
bool ktstr_topo_has_smt(const struct ktstr_topo *topo);

/* CPUs of LLC @llc / NUMA node index @node, restricted to allowed CPUs. */
int ktstr_topo_llc_cpuset(const struct ktstr_topo *topo, int llc,
			  struct ktstr_cpuset *out);
int ktstr_topo_numa_cpuset(const struct ktstr_topo *topo, int node,
			   struct ktstr_cpuset *out);
/* Kernel node numbers whose CPUs intersect @cpus (for cpuset.mems). */
int ktstr_topo_mems_for(const struct ktstr_topo *topo,
			const struct ktstr_cpuset *cpus,
			struct ktstr_cpuset *nodes_out);
/* Distance between node indices, KTSTR_NUMA_DIST_UNKNOWN if out of range. */
unsigned int ktstr_topo_distance(const struct ktstr_topo *topo, int a, int b);

/*
 * Split the usable CPUs into @n disjoint, non-empty sets that together cover
 * them. When @n divides the LLC count, each set is a run of whole LLCs;
 * otherwise whole cores, in topology order, are dealt into sets whose core
 * counts differ by at most one (so SMT siblings stay together), or, with
 * fewer cores than @n, single CPUs. -EINVAL if n < 1, -ERANGE if there are
 * fewer usable CPUs than n.
 */
int ktstr_topo_split(const struct ktstr_topo *topo, int n,
		     struct ktstr_cpuset *parts);
/*
 * @n sets of equal size laid out along the usable CPUs in topology order,
 * each sharing about @frac (0 <= frac < 1) of its CPUs with the next one,
 * together covering every usable CPU. -ERANGE if the CPUs are too few.
 */
int ktstr_topo_overlap(const struct ktstr_topo *topo, int n, double frac,
		       struct ktstr_cpuset *parts);
/*
 * Usable CPUs from position floor(start*N) to floor(end*N) (exclusive) of
 * the N usable CPUs in topology order, at least one CPU.
 * 0 <= start < end <= 1, otherwise -EINVAL.
 */
int ktstr_topo_range(const struct ktstr_topo *topo, double start, double end,
		     struct ktstr_cpuset *out);

/* The topology as a jansson object (see docs/topology.md); NULL on ENOMEM. */
struct json_t;
struct json_t *ktstr_topo_to_json(const struct ktstr_topo *topo);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_TOPO_H */
