// SPDX-License-Identifier: GPL-2.0
/* JSON form of struct ktstr_topo (format in docs/topology.md). */
#include <stdlib.h>

#include <jansson.h>

#include <ktstr/topo.h>

/* Add a cpu-list string; jansson's *_new_nocheck steals the reference. */
static int add_cpus(json_t *obj, const char *key, const struct ktstr_cpuset *s)
{
	char *str = ktstr_cpulist_str(s);
	int ret;

	if (!str)
		return -1;
	ret = json_object_set_new(obj, key, json_string(str));
	free(str);
	return ret;
}

static json_t *cores_json(const struct ktstr_topo *topo)
{
	json_t *arr = json_array();

	for (int i = 0; arr && i < topo->nr_cores; i++) {
		const struct ktstr_core *c = &topo->cores[i];
		json_t *o = json_pack("{s:i, s:i, s:i}", "id", i, "llc", c->llc,
				      "node", c->node);

		if (!o || add_cpus(o, "cpus", &c->cpus) || json_array_append_new(arr, o)) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static json_t *llcs_json(const struct ktstr_topo *topo)
{
	json_t *arr = json_array();

	for (int i = 0; arr && i < topo->nr_llcs; i++) {
		const struct ktstr_llc *l = &topo->llcs[i];
		json_t *o = json_pack("{s:i, s:i, s:I, s:i, s:i, s:i}", "id", i,
				      "level", l->level, "size_bytes",
				      (json_int_t)l->size_bytes, "node", l->node,
				      "nr_cores", l->nr_cores, "nr_cpus",
				      ktstr_cpuset_count(&l->cpus));

		if (!o || add_cpus(o, "cpus", &l->cpus) || json_array_append_new(arr, o)) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static json_t *nodes_json(const struct ktstr_topo *topo)
{
	json_t *arr = json_array();

	for (int i = 0; arr && i < topo->nr_nodes; i++) {
		const struct ktstr_numa_node *n = &topo->nodes[i];
		json_t *dist = json_array();
		json_t *o = json_pack("{s:i, s:i, s:I, s:o}", "id", i, "os_index",
				      (int)n->os_index, "mem_bytes",
				      (json_int_t)n->mem_bytes, "distances",
				      dist ? dist : json_null());

		for (int j = 0; dist && j < topo->nr_nodes; j++)
			json_array_append_new(dist, json_integer(ktstr_topo_distance(topo, i, j)));
		if (!o || add_cpus(o, "cpus", &n->cpus) || json_array_append_new(arr, o)) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

json_t *ktstr_topo_to_json(const struct ktstr_topo *topo)
{
	json_t *root;

	if (!topo)
		return NULL;
	root = json_pack("{s:s, s:i, s:i, s:i, s:i, s:b, s:i, s:b, s:o, s:o, s:o}",
			 "source", topo->source, "nr_cpus", topo->nr_cpus,
			 "nr_cores", topo->nr_cores, "nr_llcs", topo->nr_llcs,
			 "nr_nodes", topo->nr_nodes, "smt", ktstr_topo_has_smt(topo),
			 "reserved_cpu", topo->reserved_cpu,
			 "distances_default", topo->distances_default,
			 "cores", cores_json(topo), "llcs", llcs_json(topo),
			 "nodes", nodes_json(topo));
	if (!root || add_cpus(root, "online", &topo->online) ||
	    add_cpus(root, "allowed", &topo->allowed) ||
	    add_cpus(root, "usable", &topo->usable)) {
		json_decref(root);
		return NULL;
	}
	return root;
}
