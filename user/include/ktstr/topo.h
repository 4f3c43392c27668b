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

/**
 * ktstr_topo_load() - load a topology
 * @synthetic: an hwloc synthetic description ("pack:2 numa:1 l3:2 core:4
 *	pu:2"); NULL: the KTSTR_TOPOLOGY environment variable if set and
 *	non-empty, the machine otherwise
 *
 * Return: the topology (free with ktstr_topo_free()), or NULL with
 * ktstr_last_error() set.
 */
struct ktstr_topo *ktstr_topo_load(const char *synthetic);

/**
 * ktstr_topo_free() - free a topology
 * @topo: the topology; NULL is a no-op
 */
void ktstr_topo_free(struct ktstr_topo *topo);

/**
 * ktstr_topo_has_smt() - has the machine SMT
 * @topo: the topology
 *
 * Return: true if some core has more than one CPU.
 */
bool ktstr_topo_has_smt(const struct ktstr_topo *topo);

/**
 * ktstr_topo_llc_cpuset() - the allowed CPUs of one LLC
 * @topo: the topology
 * @llc: the LLC's index
 * @out: receives its CPUs, restricted to the allowed ones
 *
 * Return: 0, or -EINVAL for a bad index.
 */
int ktstr_topo_llc_cpuset(const struct ktstr_topo *topo, int llc,
			  struct ktstr_cpuset *out);

/**
 * ktstr_topo_numa_cpuset() - the allowed CPUs of one NUMA node
 * @topo: the topology
 * @node: the node's index (not its kernel number)
 * @out: receives its CPUs, restricted to the allowed ones
 *
 * Return: 0, or -EINVAL for a bad index.
 */
int ktstr_topo_numa_cpuset(const struct ktstr_topo *topo, int node,
			   struct ktstr_cpuset *out);

/**
 * ktstr_topo_mems_for() - the NUMA nodes of some CPUs, for cpuset.mems
 * @topo: the topology
 * @cpus: the CPUs
 * @nodes_out: receives the kernel numbers of the nodes whose CPUs
 *	intersect @cpus
 *
 * Return: how many nodes, -EINVAL, or -ERANGE for a node number past
 * KTSTR_MAX_CPUS.
 */
int ktstr_topo_mems_for(const struct ktstr_topo *topo,
			const struct ktstr_cpuset *cpus,
			struct ktstr_cpuset *nodes_out);

/**
 * ktstr_topo_distance() - the distance between two NUMA nodes
 * @topo: the topology
 * @a: one node's index
 * @b: the other's
 *
 * Return: the relative latency (10: local), KTSTR_NUMA_DIST_UNKNOWN if an
 * index is out of range.
 */
unsigned int ktstr_topo_distance(const struct ktstr_topo *topo, int a, int b);

/**
 * ktstr_topo_split() - split the usable CPUs into disjoint sets
 * @topo: the topology
 * @n: how many sets: disjoint, non-empty, together covering the usable CPUs
 * @parts: receives @n sets
 *
 * When @n divides the LLC count, each set is a run of whole LLCs;
 * otherwise whole cores, in topology order, are dealt into sets whose core
 * counts differ by at most one (so SMT siblings stay together), or, with
 * fewer cores than @n, single CPUs.
 *
 * Return: 0, -EINVAL if @n < 1, -ERANGE if there are fewer usable CPUs
 * than @n.
 */
int ktstr_topo_split(const struct ktstr_topo *topo, int n,
		     struct ktstr_cpuset *parts);

/**
 * ktstr_topo_overlap() - overlapping sets along the usable CPUs
 * @topo: the topology
 * @n: how many sets, of equal size, in topology order, together covering
 *	every usable CPU
 * @frac: the share (0 <= @frac < 1) of each set's CPUs it has in common
 *	with the next one
 * @parts: receives @n sets
 *
 * Return: 0, or -ERANGE if the CPUs are too few (-EINVAL for bad
 * arguments).
 */
int ktstr_topo_overlap(const struct ktstr_topo *topo, int n, double frac,
		       struct ktstr_cpuset *parts);

/**
 * ktstr_topo_range() - a slice of the usable CPUs
 * @topo: the topology
 * @start: from position floor(@start * N) of the N usable CPUs in topology
 *	order
 * @end: to floor(@end * N), exclusive; at least one CPU
 * @out: receives the CPUs
 *
 * Return: 0, -EINVAL unless 0 <= @start < @end <= 1, -ERANGE with no
 * usable CPU.
 */
int ktstr_topo_range(const struct ktstr_topo *topo, double start, double end,
		     struct ktstr_cpuset *out);

struct json_t;

/**
 * ktstr_topo_to_json() - a topology as JSON (see docs/topology.md)
 * @topo: the topology
 *
 * Return: a jansson object the caller owns, or NULL when out of memory.
 */
struct json_t *ktstr_topo_to_json(const struct ktstr_topo *topo);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_TOPO_H */
