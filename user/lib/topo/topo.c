// SPDX-License-Identifier: GPL-2.0
/*
 * Topology loading: turn an hwloc topology (the machine, or a synthetic
 * description for tests) into the flat, read-only struct ktstr_topo.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hwloc.h>

#include <ktstr/topo.h>
#include "util/ktstr_error.h"


#define set_error(...) ((void)KTSTR_FAIL(0, __VA_ARGS__))

/*
 * Copy the online part of an object's cpuset. Restricting to @online first
 * keeps the hwloc iteration finite (root/allowed sets may be infinite).
 */
static void from_hwloc(const struct ktstr_topo *topo, hwloc_const_bitmap_t bm,
		       struct ktstr_cpuset *out)
{
	int cpu;

	ktstr_cpuset_zero(out);
	if (!bm)
		return;
	ktstr_cpuset_for_each(cpu, &topo->online)
		if (hwloc_bitmap_isset(bm, (unsigned int)cpu))
			ktstr_cpuset_set(out, cpu);
}

static int load_cpus(struct ktstr_topo *topo, hwloc_topology_t t)
{
	int n = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU);
	hwloc_const_bitmap_t allowed = hwloc_topology_get_allowed_cpuset(t);

	if (n <= 0) {
		set_error("hwloc found no CPUs");
		return -ENODEV;
	}
	topo->order = calloc(n, sizeof(*topo->order));
	if (!topo->order)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		hwloc_obj_t pu = hwloc_get_obj_by_type(t, HWLOC_OBJ_PU, i);

		if (pu->os_index >= KTSTR_MAX_CPUS) {
			set_error("CPU %u is beyond the %d CPUs ktstr supports",
				  pu->os_index, KTSTR_MAX_CPUS);
			return -ERANGE;
		}
		topo->order[i] = (int)pu->os_index;
		ktstr_cpuset_set(&topo->online, (int)pu->os_index);
	}
	topo->nr_cpus = n;
	from_hwloc(topo, allowed, &topo->allowed);
	return 0;
}

/* Cores; a CPU hwloc puts under no core (no core level) is its own core. */
static int load_cores(struct ktstr_topo *topo, hwloc_topology_t t)
{
	int n = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_CORE);
	int cpu;

	topo->cores = calloc(n + topo->nr_cpus, sizeof(*topo->cores));
	if (!topo->cores)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		hwloc_obj_t obj = hwloc_get_obj_by_type(t, HWLOC_OBJ_CORE, i);
		struct ktstr_core *core = &topo->cores[topo->nr_cores];

		from_hwloc(topo, obj->cpuset, &core->cpus);
		if (ktstr_cpuset_empty(&core->cpus))
			continue;
		ktstr_cpuset_for_each(cpu, &core->cpus)
			topo->cpu_core[cpu] = topo->nr_cores;
		topo->nr_cores++;
	}
	for (int i = 0; i < topo->nr_cpus; i++) {
		cpu = topo->order[i];
		if (topo->cpu_core[cpu] >= 0)
			continue;
		ktstr_cpuset_set(&topo->cores[topo->nr_cores].cpus, cpu);
		topo->cpu_core[cpu] = topo->nr_cores++;
	}
	return 0;
}

/* The LLC is L3, or else the outermost cache level the machine has. */
static hwloc_obj_type_t llc_type(hwloc_topology_t t, int *level)
{
	static const hwloc_obj_type_t types[] = {
		HWLOC_OBJ_L3CACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L1CACHE,
	};

	for (int i = 0; i < 3; i++) {
		if (hwloc_get_nbobjs_by_type(t, types[i]) > 0) {
			*level = 3 - i;
			return types[i];
		}
	}
	*level = 0;
	return HWLOC_OBJ_MACHINE;
}

static int load_llcs(struct ktstr_topo *topo, hwloc_topology_t t)
{
	int level;
	hwloc_obj_type_t type = llc_type(t, &level);
	int n = hwloc_get_nbobjs_by_type(t, type);
	int cpu;

	/* +1: a catch-all LLC for CPUs outside any cache object. */
	topo->llcs = calloc(n + 1, sizeof(*topo->llcs));
	if (!topo->llcs)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		hwloc_obj_t obj = hwloc_get_obj_by_type(t, type, i);
		struct ktstr_llc *llc = &topo->llcs[topo->nr_llcs];

		from_hwloc(topo, obj->cpuset, &llc->cpus);
		if (ktstr_cpuset_empty(&llc->cpus))
			continue;
		llc->level = level;
		if (level && obj->attr)
			llc->size_bytes = obj->attr->cache.size;
		ktstr_cpuset_for_each(cpu, &llc->cpus)
			topo->cpu_llc[cpu] = topo->nr_llcs;
		topo->nr_llcs++;
	}
	ktstr_cpuset_for_each(cpu, &topo->online) {
		if (topo->cpu_llc[cpu] >= 0)
			continue;
		ktstr_cpuset_set(&topo->llcs[topo->nr_llcs].cpus, cpu);
		topo->cpu_llc[cpu] = topo->nr_llcs;
	}
	if (!ktstr_cpuset_empty(&topo->llcs[topo->nr_llcs].cpus))
		topo->nr_llcs++;
	return 0;
}

static int load_nodes(struct ktstr_topo *topo, hwloc_topology_t t)
{
	int n = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_NUMANODE);
	int cpu;

	topo->nodes = calloc(n > 0 ? n : 1, sizeof(*topo->nodes));
	if (!topo->nodes)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		hwloc_obj_t obj = hwloc_get_obj_by_type(t, HWLOC_OBJ_NUMANODE, i);
		struct ktstr_numa_node *node = &topo->nodes[i];

		node->os_index = obj->os_index;
		node->mem_bytes = obj->attr ? obj->attr->numanode.local_memory : 0;
		from_hwloc(topo, obj->cpuset, &node->cpus);
		ktstr_cpuset_for_each(cpu, &node->cpus)
			if (topo->cpu_node[cpu] < 0)
				topo->cpu_node[cpu] = i;
	}
	topo->nr_nodes = n;
	if (n <= 0) {
		/* hwloc 2 always reports one; be safe if it does not. */
		topo->nr_nodes = 1;
		topo->nodes[0].cpus = topo->online;
	}
	/* A CPU outside every node (should not happen) goes to node 0. */
	ktstr_cpuset_for_each(cpu, &topo->online)
		if (topo->cpu_node[cpu] < 0)
			topo->cpu_node[cpu] = 0;
	return 0;
}

static int node_by_os_index(const struct ktstr_topo *topo, unsigned int os)
{
	for (int i = 0; i < topo->nr_nodes; i++)
		if (topo->nodes[i].os_index == os)
			return i;
	return -1;
}

/*
 * NUMA latency matrix from hwloc (Linux: the SLIT in sysfs). When there is
 * none, fill the ACPI convention: 10 local, 20 remote.
 */
static int load_distances(struct ktstr_topo *topo, hwloc_topology_t t)
{
	int nn = topo->nr_nodes;
	struct hwloc_distances_s *d = NULL;
	unsigned int nr = 1;

	topo->distances = calloc((size_t)nn * nn, sizeof(*topo->distances));
	if (!topo->distances)
		return -ENOMEM;
	for (int a = 0; a < nn; a++)
		for (int b = 0; b < nn; b++)
			topo->distances[a * nn + b] = a == b ? KTSTR_NUMA_DIST_LOCAL :
							       KTSTR_NUMA_DIST_REMOTE;
	topo->distances_default = true;

	if (hwloc_distances_get_by_type(t, HWLOC_OBJ_NUMANODE, &nr, &d,
					HWLOC_DISTANCES_KIND_MEANS_LATENCY, 0) < 0 || !nr)
		return 0;
	for (unsigned int i = 0; i < d->nbobjs; i++) {
		int a = node_by_os_index(topo, d->objs[i]->os_index);

		for (unsigned int j = 0; j < d->nbobjs && a >= 0; j++) {
			int b = node_by_os_index(topo, d->objs[j]->os_index);

			if (b >= 0)
				topo->distances[a * nn + b] =
					(unsigned int)d->values[i * d->nbobjs + j];
		}
	}
	topo->distances_default = false;
	hwloc_distances_release(t, d);
	return 0;
}

static void link_objects(struct ktstr_topo *topo)
{
	for (int i = 0; i < topo->nr_cores; i++) {
		struct ktstr_core *core = &topo->cores[i];
		int cpu = ktstr_cpuset_first(&core->cpus);

		core->llc = topo->cpu_llc[cpu];
		core->node = topo->cpu_node[cpu];
		topo->llcs[core->llc].nr_cores++;
	}
	for (int i = 0; i < topo->nr_llcs; i++)
		topo->llcs[i].node = topo->cpu_node[ktstr_cpuset_first(&topo->llcs[i].cpus)];
}

static void reserve_cpu(struct ktstr_topo *topo)
{
	topo->usable = topo->allowed;
	topo->reserved_cpu = -1;
	if (ktstr_cpuset_count(&topo->allowed) > 2) {
		topo->reserved_cpu = ktstr_cpuset_last(&topo->allowed);
		ktstr_cpuset_clear(&topo->usable, topo->reserved_cpu);
	}
}

/*
 * The CPUs a synthetic description makes: the product of its arities
 * ("pack:2 core:4 pu:2"; attribute groups in (), [] or {} skipped). hwloc
 * would take ages building a huge one, so refuse it first. Numbers are
 * read where hwloc reads an arity: after a ':' or standing alone, and
 * ending at the first non-digit, so "numa:7220pack:1" counts 7220 * 1
 * (hwloc needs no space between levels). Digits right after a letter
 * belong to a type name ("l3", "group0"). Saturates just above
 * KTSTR_MAX_CPUS.
 */
static unsigned long synthetic_cpus(const char *s)
{
	unsigned long cpus = 1;
	const char *start = s;

	while (*s) {
		unsigned long v = 0;
		int depth = 0;

		if (strchr("([{", *s)) {
			do {
				depth += !!strchr("([{", *s);
				depth -= !!strchr(")]}", *s);
				s++;
			} while (*s && depth > 0);
			continue;
		}
		if (!isdigit((unsigned char)*s) ||
		    (s > start && s[-1] != ':' && !isspace((unsigned char)s[-1]))) {
			s++;
			continue;
		}
		for (; isdigit((unsigned char)*s); s++)
			if (v <= KTSTR_MAX_CPUS)
				v = v * 10 + (unsigned long)(*s - '0');
		if (v)
			cpus = cpus * v > KTSTR_MAX_CPUS ? KTSTR_MAX_CPUS + 1UL : cpus * v;
	}
	return cpus;
}

static hwloc_topology_t open_hwloc(const char *synthetic)
{
	hwloc_topology_t t;

	if (hwloc_topology_init(&t) < 0) {
		set_error("hwloc_topology_init: %s", strerror(errno));
		return NULL;
	}
	if (synthetic) {
		if (synthetic_cpus(synthetic) > KTSTR_MAX_CPUS) {
			set_error("synthetic topology '%s' has more than %d CPUs", synthetic,
				  KTSTR_MAX_CPUS);
			goto err;
		}
		if (hwloc_topology_set_synthetic(t, synthetic) < 0) {
			set_error("invalid synthetic topology '%s'", synthetic);
			goto err;
		}
	} else {
		/* See disallowed CPUs too, so allowed and online differ. */
		hwloc_topology_set_flags(t, HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED);
	}
	if (hwloc_topology_load(t) < 0) {
		set_error("hwloc_topology_load: %s", strerror(errno));
		goto err;
	}
	return t;
err:
	hwloc_topology_destroy(t);
	return NULL;
}

struct ktstr_topo *ktstr_topo_load(const char *synthetic)
{
	struct ktstr_topo *topo;
	hwloc_topology_t t;
	int ret;

	if (!synthetic) {
		const char *env = getenv(KTSTR_TOPOLOGY_ENV);

		if (env && *env)
			synthetic = env;
	}
	t = open_hwloc(synthetic);
	if (!t)
		return NULL;
	topo = calloc(1, sizeof(*topo));
	if (!topo) {
		hwloc_topology_destroy(t);
		set_error("out of memory");
		return NULL;
	}
	snprintf(topo->source, sizeof(topo->source), "%s",
		 synthetic ? synthetic : "system");
	for (int i = 0; i < KTSTR_MAX_CPUS; i++)
		topo->cpu_core[i] = topo->cpu_llc[i] = topo->cpu_node[i] = -1;

	ret = load_cpus(topo, t);
	if (!ret)
		ret = load_cores(topo, t);
	if (!ret)
		ret = load_llcs(topo, t);
	if (!ret)
		ret = load_nodes(topo, t);
	if (!ret)
		ret = load_distances(topo, t);
	hwloc_topology_destroy(t);
	if (ret) {
		if (ret == -ENOMEM)
			set_error("out of memory");
		ktstr_topo_free(topo);
		errno = -ret;
		return NULL;
	}
	link_objects(topo);
	reserve_cpu(topo);
	return topo;
}

void ktstr_topo_free(struct ktstr_topo *topo)
{
	if (!topo)
		return;
	free(topo->order);
	free(topo->cores);
	free(topo->llcs);
	free(topo->nodes);
	free(topo->distances);
	free(topo);
}
