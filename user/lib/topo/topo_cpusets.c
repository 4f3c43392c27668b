// SPDX-License-Identifier: GPL-2.0
/*
 * Cpusets derived from a topology: LLC/NUMA-aligned sets, disjoint and
 * overlapping partitions, fractional ranges. Partitions walk CPUs in
 * topology order rather than by number so that, on machines that number
 * SMT siblings far apart (0 and 16), a contiguous slice still keeps whole
 * cores and LLCs together.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include <ktstr/topo.h>

bool ktstr_topo_has_smt(const struct ktstr_topo *topo)
{
	for (int i = 0; i < topo->nr_cores; i++)
		if (ktstr_cpuset_count(&topo->cores[i].cpus) > 1)
			return true;
	return false;
}

int ktstr_topo_llc_cpuset(const struct ktstr_topo *topo, int llc,
			  struct ktstr_cpuset *out)
{
	if (!topo || !out || llc < 0 || llc >= topo->nr_llcs)
		return -EINVAL;
	ktstr_cpuset_and(out, &topo->llcs[llc].cpus, &topo->allowed);
	return 0;
}

int ktstr_topo_numa_cpuset(const struct ktstr_topo *topo, int node,
			   struct ktstr_cpuset *out)
{
	if (!topo || !out || node < 0 || node >= topo->nr_nodes)
		return -EINVAL;
	ktstr_cpuset_and(out, &topo->nodes[node].cpus, &topo->allowed);
	return 0;
}

int ktstr_topo_mems_for(const struct ktstr_topo *topo,
			const struct ktstr_cpuset *cpus,
			struct ktstr_cpuset *nodes_out)
{
	if (!topo || !cpus || !nodes_out)
		return -EINVAL;
	ktstr_cpuset_zero(nodes_out);
	for (int i = 0; i < topo->nr_nodes; i++)
		if (ktstr_cpuset_intersects(&topo->nodes[i].cpus, cpus) &&
		    ktstr_cpuset_set(nodes_out, (int)topo->nodes[i].os_index))
			return -ERANGE;
	return ktstr_cpuset_count(nodes_out);
}

unsigned int ktstr_topo_distance(const struct ktstr_topo *topo, int a, int b)
{
	if (!topo || a < 0 || b < 0 || a >= topo->nr_nodes || b >= topo->nr_nodes)
		return KTSTR_NUMA_DIST_UNKNOWN;
	return topo->distances[a * topo->nr_nodes + b];
}

/* Usable CPUs in topology order into a malloc()ed array; count or -errno. */
static int usable_ordered(const struct ktstr_topo *topo, int **out)
{
	int *cpus = malloc(sizeof(*cpus) * (topo->nr_cpus ? topo->nr_cpus : 1));
	int n = 0;

	if (!cpus)
		return -ENOMEM;
	for (int i = 0; i < topo->nr_cpus; i++)
		if (ktstr_cpuset_test(&topo->usable, topo->order[i]))
			cpus[n++] = topo->order[i];
	*out = cpus;
	return n;
}

/* Whole LLCs per part; false if some part would end up empty. */
static bool split_by_llc(const struct ktstr_topo *topo, int n,
			 struct ktstr_cpuset *parts)
{
	int per = topo->nr_llcs / n;

	for (int i = 0; i < n; i++) {
		ktstr_cpuset_zero(&parts[i]);
		for (int l = i * per; l < (i + 1) * per; l++)
			ktstr_cpuset_or(&parts[i], &parts[i], &topo->llcs[l].cpus);
		ktstr_cpuset_and(&parts[i], &parts[i], &topo->usable);
		if (ktstr_cpuset_empty(&parts[i]))
			return false;
	}
	return true;
}

/*
 * Balanced split by whole cores, so SMT siblings are never spread over two
 * parts; false if there are fewer usable cores than parts.
 */
static bool split_by_core(const struct ktstr_topo *topo, int n,
			  struct ktstr_cpuset *parts)
{
	int units = 0, u = 0;
	struct ktstr_cpuset c;

	for (int i = 0; i < topo->nr_cores; i++)
		units += ktstr_cpuset_intersects(&topo->cores[i].cpus, &topo->usable);
	if (units < n)
		return false;
	for (int i = 0; i < n; i++)
		ktstr_cpuset_zero(&parts[i]);
	for (int i = 0; i < topo->nr_cores; i++) {
		ktstr_cpuset_and(&c, &topo->cores[i].cpus, &topo->usable);
		if (ktstr_cpuset_empty(&c))
			continue;
		/* floor(u * n / units) hits every part, sizes differ by <= 1. */
		ktstr_cpuset_or(&parts[u * n / units], &parts[u * n / units], &c);
		u++;
	}
	return true;
}

int ktstr_topo_split(const struct ktstr_topo *topo, int n,
		     struct ktstr_cpuset *parts)
{
	int *cpus = NULL;
	int total;

	if (!topo || !parts || n < 1)
		return -EINVAL;
	if (topo->nr_llcs % n == 0 && split_by_llc(topo, n, parts))
		return 0;
	if (split_by_core(topo, n, parts))
		return 0;
	total = usable_ordered(topo, &cpus);
	if (total < 0)
		return total;
	if (total < n) {
		free(cpus);
		return -ERANGE;
	}
	for (int i = 0; i < n; i++) {
		ktstr_cpuset_zero(&parts[i]);
		for (int j = i * total / n; j < (i + 1) * total / n; j++)
			ktstr_cpuset_set(&parts[i], cpus[j]);
	}
	free(cpus);
	return 0;
}

/*
 * Set size s and stride s - o with o = floor(s * frac) are chosen so that
 * (n - 1) * stride + s covers all T CPUs: s = ceil(T / ((n - 1)(1 - f) + 1)).
 * The last set is cut (or stretched by rounding) to end exactly at T.
 */
int ktstr_topo_overlap(const struct ktstr_topo *topo, int n, double frac,
		       struct ktstr_cpuset *parts)
{
	int *cpus = NULL;
	int total, size, stride;

	if (!topo || !parts || n < 1 || !(frac >= 0.0 && frac < 1.0))
		return -EINVAL;
	total = usable_ordered(topo, &cpus);
	if (total < 0)
		return total;
	size = (int)ceil(total / ((n - 1) * (1.0 - frac) + 1.0));
	stride = size - (int)floor(size * frac);
	if (stride < 1)
		stride = 1;
	if (total < n || (n - 1) * stride >= total) {
		free(cpus);
		return -ERANGE;
	}
	for (int i = 0; i < n; i++) {
		int start = i * stride;
		int end = i == n - 1 ? total : start + size;

		if (end > total)
			end = total;
		ktstr_cpuset_zero(&parts[i]);
		for (int j = start; j < end; j++)
			ktstr_cpuset_set(&parts[i], cpus[j]);
	}
	free(cpus);
	return 0;
}

int ktstr_topo_range(const struct ktstr_topo *topo, double start, double end,
		     struct ktstr_cpuset *out)
{
	int *cpus = NULL;
	int total, first, last;

	if (!topo || !out || !(start >= 0.0 && start < end && end <= 1.0))
		return -EINVAL;
	total = usable_ordered(topo, &cpus);
	if (total < 0)
		return total;
	if (total == 0) {
		free(cpus);
		return -ERANGE;
	}
	first = (int)floor(start * total);
	last = (int)floor(end * total);
	if (first >= total)
		first = total - 1;
	if (last <= first)
		last = first + 1;
	ktstr_cpuset_zero(out);
	for (int j = first; j < last; j++)
		ktstr_cpuset_set(out, cpus[j]);
	free(cpus);
	return 0;
}
