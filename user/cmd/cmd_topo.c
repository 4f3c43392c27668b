// SPDX-License-Identifier: GPL-2.0
/* ktstr topo [--json]: print the CPU topology scenarios will see. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <ktstr/topo.h>

#include "commands.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ktstr topo [--json]\n\n"
		"Print CPUs, cores, SMT siblings, LLCs, NUMA nodes (memory, distances)\n"
		"and the usable CPUs. %s=DESC uses an hwloc synthetic topology\n"
		"instead of this machine, e.g. \"pack:2 numa:1 l3:2 core:4 pu:2\".\n",
		KTSTR_TOPOLOGY_ENV);
}

static void print_size(const char *label, uint64_t bytes)
{
	if (!bytes)
		printf("%sunknown", label);
	else if (bytes >= (1ULL << 30) && !(bytes % (1ULL << 20)))
		printf("%s%.1f GiB", label, bytes / (double)(1ULL << 30));
	else if (bytes >= (1ULL << 20))
		printf("%s%llu MiB", label, (unsigned long long)(bytes >> 20));
	else
		printf("%s%llu KiB", label, (unsigned long long)(bytes >> 10));
}

static void print_set(const char *label, const struct ktstr_cpuset *s)
{
	char *str = ktstr_cpulist_str(s);

	printf("%s%s (%d)\n", label, str && *str ? str : "-", ktstr_cpuset_count(s));
	free(str);
}

static void print_text(const struct ktstr_topo *topo)
{
	printf("source:   %s\n", topo->source);
	print_set("online:   ", &topo->online);
	print_set("allowed:  ", &topo->allowed);
	print_set("usable:   ", &topo->usable);
	if (topo->reserved_cpu >= 0)
		printf("reserved: %d (kept free for the rest of the system)\n",
		       topo->reserved_cpu);
	printf("cores:    %d, SMT %s\n", topo->nr_cores,
	       ktstr_topo_has_smt(topo) ? "yes" : "no");

	printf("\nLLCs: %d\n", topo->nr_llcs);
	for (int i = 0; i < topo->nr_llcs; i++) {
		const struct ktstr_llc *l = &topo->llcs[i];
		char *cpus = ktstr_cpulist_str(&l->cpus);

		printf("  llc %-3d L%d ", i, l->level);
		print_size("", l->size_bytes);
		printf("  node %d  %d cores  cpus %s\n", l->node, l->nr_cores,
		       cpus ? cpus : "?");
		free(cpus);
		for (int c = 0; c < topo->nr_cores; c++) {
			char *sib;

			if (topo->cores[c].llc != i)
				continue;
			sib = ktstr_cpulist_str(&topo->cores[c].cpus);
			printf("    core %-3d cpus %s\n", c, sib ? sib : "?");
			free(sib);
		}
	}

	printf("\nNUMA nodes: %d%s\n", topo->nr_nodes,
	       topo->distances_default ? " (no distance data: 10 local / 20 remote)" : "");
	for (int i = 0; i < topo->nr_nodes; i++) {
		const struct ktstr_numa_node *n = &topo->nodes[i];
		char *cpus = ktstr_cpulist_str(&n->cpus);

		printf("  node %-3d (os %u) ", i, n->os_index);
		print_size("mem ", n->mem_bytes);
		printf("  cpus %s  distances", cpus && *cpus ? cpus : "- (memory only)");
		for (int j = 0; j < topo->nr_nodes; j++)
			printf(" %u", ktstr_topo_distance(topo, i, j));
		printf("\n");
		free(cpus);
	}
}

enum { OPT_JSON = 256 };

static const struct option topo_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ NULL, 0, NULL, 0 },
};

int cmd_topo(int argc, char **argv)
{
	struct ktstr_topo *topo;
	bool json = false;

	opterr = 0;	/* our own one-line messages instead of getopt's */
	optind = 0;
	for (int c; (c = getopt_long(argc, argv, "h", topo_options, NULL)) != -1; ) {
		if (c == OPT_JSON) {
			json = true;
		} else if (c == 'h') {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "ktstr topo: unknown argument '%s' (see 'ktstr topo --help')\n",
				optopt > 0 && optopt < 256 ? (char[]){ '-', (char)optopt, 0 } :
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ktstr topo: unknown argument '%s' (see 'ktstr topo --help')\n",
			argv[optind]);
		return 2;
	}
	topo = ktstr_topo_load(NULL);
	if (!topo) {
		fprintf(stderr, "ktstr topo: %s\n", ktstr_last_error());
		return 1;
	}
	if (json) {
		json_t *j = ktstr_topo_to_json(topo);

		if (!j || json_dumpf(j, stdout, JSON_INDENT(2)) < 0) {
			fprintf(stderr, "ktstr topo: cannot build JSON\n");
			json_decref(j);
			ktstr_topo_free(topo);
			return 1;
		}
		printf("\n");
		json_decref(j);
	} else {
		print_text(topo);
	}
	ktstr_topo_free(topo);
	return 0;
}
