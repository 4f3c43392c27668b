// SPDX-License-Identifier: GPL-2.0
/* ktstr list [--filter S] [--shard K/N [--topologies LIST]] [--json]: the catalogue. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include <ktstr/gauntlet.h>
#include <ktstr/results.h>
#include <ktstr/scenario.h>

#include "commands.h"

static json_t *flag_array(uint32_t mask)
{
	json_t *a = json_array();

	for (int i = 0; a && i < KTSTR_NR_FLAGS; i++)
		if (mask & (1U << i))
			json_array_append_new(a, json_string(ktstr_flag_catalog[i].name));
	return a;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ktstr list [--filter S] [--shard K/N [--topologies LIST]] [--json]\n\n"
		"List the scenarios of the catalogue: name, category, description.\n"
		"--filter S keeps scenarios whose name contains S, or whose\n"
		"category is S (or \"category:S\"). A scenario needing scheduler\n"
		"flags ('ktstr run --flags') says so: [flags: llc], [not: borrow].\n\n"
		"--shard K/N lists shard K of N of the scenario x topology matrix that\n"
		"'ktstr run --shard K/N' and 'ktstr gauntlet --shard K/N' run with\n"
		"the same --filter and --topologies (one line per cell with\n"
		"--topologies; docs/ci.md).\n\n"
		"Exit: 0, or 2 on bad usage or a --filter matching no scenario.\n");
}

static void print_one(const struct ktstr_scenario *s, const char *topo, json_t *arr)
{
	if (arr) {
		json_t *o = json_pack(
			"{s:s, s:s, s:s, s:i, s:i, s:i, s:b, s:b, s:o, s:o}",
			"name", s->name, "category", s->category,
			"description", s->description,
			"min_cpus", s->min_cpus, "min_llcs", s->min_llcs,
			"min_nodes", s->min_nodes, "needs_kernel",
			s->needs_kernel != 0, "expect_fail", s->expect_fail,
			"required_flags", flag_array(s->required_flags),
			"excluded_flags", flag_array(s->excluded_flags));

		if (o && topo)
			json_object_set_new(o, "topology", json_string(topo));
		json_array_append_new(arr, o);
	} else if (topo) {
		printf("%-42s %s\n", s->name, topo);
	} else {
		char req[KTSTR_FLAGS_STR_MAX], exc[KTSTR_FLAGS_STR_MAX];

		printf("%-42s %-12s %s%s", s->name, s->category,
		       s->description, s->expect_fail ? " [must fail]" : "");
		if (s->required_flags)
			printf(" [flags: %s]", ktstr_flags_str(s->required_flags,
							       req, sizeof(req)));
		if (s->excluded_flags)
			printf(" [not: %s]", ktstr_flags_str(s->excluded_flags,
							     exc, sizeof(exc)));
		printf("\n");
	}
}

enum { OPT_FILTER = 256, OPT_JSON, OPT_SHARD, OPT_TOPOS };

static const struct option list_options[] = {
	{ "help",   no_argument,       NULL, 'h' },
	{ "filter", required_argument, NULL, OPT_FILTER },
	{ "json",   no_argument,       NULL, OPT_JSON },
	{ "shard",  required_argument, NULL, OPT_SHARD },
	{ "topologies", required_argument, NULL, OPT_TOPOS },
	{ NULL, 0, NULL, 0 },
};

int cmd_list(int argc, char **argv)
{
	static struct ktstr_gauntlet_topo topos[KTSTR_GAUNTLET_MAX_TOPOS];
	struct ktstr_shard shard = { 1, 1 };
	const char *filter = NULL, *topo_list = NULL;
	int n = 0, ntopo = 0, scen = 0;
	bool json = false;
	json_t *arr = NULL;
	char why[256];

	opterr = 0;	/* our own one-line messages instead of getopt's */
	optind = 0;
	for (int c; (c = getopt_long(argc, argv, ":h", list_options, NULL)) != -1; ) {
		switch (c) {
		case OPT_FILTER:
			filter = optarg;
			if (!*filter) {
				fprintf(stderr, "ktstr list: bad --filter '' (a name part or category)\n");
				return 2;
			}
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_SHARD:
			if (ktstr_shard_parse(optarg, &shard)) {
				fprintf(stderr, "ktstr list: bad --shard '%s' (K/N, 1 <= K <= N)\n",
					optarg);
				return 2;
			}
			break;
		case OPT_TOPOS:
			topo_list = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			arg_getopt_missing("ktstr list", argv);
			return 2;
		default:
			arg_getopt_error("ktstr list", "list", argv);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ktstr list: bad argument '%s' (see 'ktstr list --help')\n",
			argv[optind]);
		return 2;
	}
	if (topo_list) {
		ntopo = ktstr_gauntlet_parse_topos(topo_list, topos, KTSTR_GAUNTLET_MAX_TOPOS,
						   why, sizeof(why));
		if (ntopo < 0) {
			fprintf(stderr, "ktstr list: --topologies: %s\n", why);
			return 2;
		}
	}
	if (json && !(arr = json_array())) {
		fprintf(stderr, "ktstr list: out of memory\n");
		return 1;
	}
	for (int i = 0; i < ktstr_scenario_count(); i++) {
		const struct ktstr_scenario *s = ktstr_scenario_at(i);

		if (!ktstr_scenario_match(s, filter))
			continue;
		for (int t = 0; t < (ntopo ? ntopo : 1); t++) {
			if (!ktstr_shard_has(&shard, (size_t)scen * (ntopo ? ntopo : 1) + t))
				continue;
			n++;
			print_one(s, ntopo ? topos[t].name : NULL, arr);
		}
		scen++;
	}
	if (json) {
		json_dumpf(arr, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(arr);
	} else if (!scen && filter) {
		fprintf(stderr, "ktstr list: no scenario matches '%s'\n", filter);
		return EXIT_NO_MATCH;
	}
	return 0;
}
