// SPDX-License-Identifier: GPL-2.0
/* ktstr show-thresholds SCENARIO: the merged assert thresholds of a scenario. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ktstr/scenario.h>

#include "commands.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ktstr show-thresholds SCENARIO\n\n"
		"Print the thresholds SCENARIO is judged with: the defaults, then\n"
		"the scheduler's layer (none here), then the scenario's overrides\n"
		"(the last value set wins), one \"name = value\" per line.\n");
}

static void print_layer(const char *title, const struct ktstr_assert *a)
{
	char *buf;
	int len = ktstr_assert_format(a, NULL, 0);

	if (len < 0)
		return;
	buf = malloc(len + 1);
	if (!buf)
		return;
	ktstr_assert_format(a, buf, len + 1);
	printf("%s", title);
	printf("%s", len ? buf : "  (none)\n");
	free(buf);
}

static const struct option show_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cmd_show_thresholds(int argc, char **argv)
{
	const struct ktstr_scenario *s;
	struct ktstr_assert merged;

	opterr = 0;	/* our own one-line messages instead of getopt's */
	optind = 0;
	for (int c; (c = getopt_long(argc, argv, "h", show_options, NULL)) != -1; ) {
		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		arg_getopt_error("ktstr show-thresholds", "show-thresholds", argv);
		return 2;
	}
	if (argc - optind != 1) {
		fprintf(stderr, "ktstr show-thresholds: want one SCENARIO (see 'ktstr list')\n");
		return 2;
	}
	s = ktstr_scenario_find(argv[optind]);
	if (!s) {
		fprintf(stderr, "ktstr show-thresholds: unknown scenario '%s' (see 'ktstr list')\n",
			argv[optind]);
		return 2;
	}
	ktstr_scenario_assert(s, NULL, &merged);
	printf("%s (%s): %s\n", s->name, s->category, s->description);
	print_layer("scenario overrides:\n", &s->assert);
	print_layer("merged (defaults -> scheduler -> scenario):\n", &merged);
	if (s->starve_ms)
		printf("module starvation threshold: %llu ms\n",
		       (unsigned long long)s->starve_ms);
	if (s->expect_fail)
		printf("must fail with: %s\n", ktstr_detail_kind_name(s->expect_kind));
	return 0;
}
