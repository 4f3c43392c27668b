// SPDX-License-Identifier: GPL-2.0
/* ktstr list [--filter S] [--json]: the scenario catalogue. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

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
		"usage: ktstr list [--filter S] [--json]\n\n"
		"List the scenarios of the catalogue: name, category, description.\n"
		"--filter S keeps scenarios whose name contains S, or whose\n"
		"category is S (or \"category:S\"). A scenario needing scheduler\n"
		"flags ('ktstr run --flags') says so: [flags: llc], [not: borrow].\n\n"
		"Exit: 0, or 2 on bad usage or a --filter matching no scenario.\n");
}

enum { OPT_FILTER = 256, OPT_JSON };

static const struct option list_options[] = {
	{ "help",   no_argument,       NULL, 'h' },
	{ "filter", required_argument, NULL, OPT_FILTER },
	{ "json",   no_argument,       NULL, OPT_JSON },
	{ NULL, 0, NULL, 0 },
};

int cmd_list(int argc, char **argv)
{
	const char *filter = NULL;
	bool json = false;
	json_t *arr = NULL;
	int n = 0;

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
	if (json && !(arr = json_array())) {
		fprintf(stderr, "ktstr list: out of memory\n");
		return 1;
	}
	for (int i = 0; i < ktstr_scenario_count(); i++) {
		const struct ktstr_scenario *s = ktstr_scenario_at(i);

		if (!ktstr_scenario_match(s, filter))
			continue;
		n++;
		if (json) {
			json_array_append_new(arr, json_pack(
				"{s:s, s:s, s:s, s:i, s:i, s:i, s:b, s:b, s:o, s:o}",
				"name", s->name, "category", s->category,
				"description", s->description,
				"min_cpus", s->min_cpus, "min_llcs", s->min_llcs,
				"min_nodes", s->min_nodes, "needs_kernel_module",
				s->needs_dev, "expect_fail", s->expect_fail,
				"required_flags", flag_array(s->required_flags),
				"excluded_flags", flag_array(s->excluded_flags)));
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
	if (json) {
		json_dumpf(arr, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(arr);
	} else if (!n && filter) {
		fprintf(stderr, "ktstr list: no scenario matches '%s'\n", filter);
		return EXIT_NO_MATCH;
	}
	return 0;
}
