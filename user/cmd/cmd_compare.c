// SPDX-License-Identifier: GPL-2.0
/*
 * ktstr compare A.json B.json [--gate METRIC=ABS,REL]... [--json FILE] [-v]:
 * the run-to-run comparison of two `ktstr run --json` files with dual
 * absolute and relative gates (docs/compare.md). Exit 0: no regression,
 * 1: a regression, 2: bad usage or an unusable input file.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <ktstr/compare.h>
#include <ktstr/output.h>
#include <ktstr/provenance.h>

#include "commands.h"

#define PROG	"ktstr compare"

struct compare_args {
	const char *path[2];
	int nr_paths;
	const char *json_path;
	bool verbose;
	bool help;
	struct ktstr_compare_gates gates;
};

static void usage(FILE *f)
{
	struct ktstr_compare_gates g;

	ktstr_compare_gates_init(&g);
	fprintf(f,
		"usage: ktstr compare A.json B.json [--gate METRIC=ABS,REL]... [--json FILE]\n"
		"                     [-v]\n\n"
		"Compare two 'ktstr run --json' files, A the baseline and B the new\n"
		"run: scenarios paired by name, each metric the worst over the\n"
		"scenario's cgroups. A metric regresses (improves) only when its\n"
		"change reaches both its absolute and its relative gate in the bad\n"
		"(good) direction; PASS -> FAIL is always a regression.\n\n"
		"  --gate M=ABS,REL  override metric M's gates (REL in %%)\n"
		"  --json FILE       write every row and the summary as JSON\n"
		"  -v, --verbose     print the unchanged rows too\n\n"
		"  metric               better   abs gate     rel gate\n");
	for (int m = 0; m < KTSTR_CMP__COUNT; m++)
		fprintf(f, "  %-20s %-8s %-12.15g %.15g%%\n", ktstr_compare_metric_name(m),
			ktstr_compare_higher_is_better(m) ? "higher" : "lower",
			g.gate[m].abs, g.gate[m].rel_pct);
	fprintf(f, "\nExit 0: no regression; 1: a regression; 2: bad usage or input.\n");
}

enum { OPT_GATE = 256, OPT_JSON };

static const struct option compare_options[] = {
	{ "help",    no_argument,       NULL, 'h' },
	{ "verbose", no_argument,       NULL, 'v' },
	{ "gate",    required_argument, NULL, OPT_GATE },
	{ "json",    required_argument, NULL, OPT_JSON },
	{ NULL, 0, NULL, 0 },
};

static int parse_args(int argc, char **argv, struct compare_args *a)
{
	char why[256];
	int c, err;

	memset(a, 0, sizeof(*a));
	ktstr_compare_gates_init(&a->gates);
	opterr = 0;	/* our own one-line messages instead of getopt's */
	optind = 0;
	while ((c = getopt_long(argc, argv, ":hv", compare_options, NULL)) != -1) {
		switch (c) {
		case 'h':
			a->help = true;
			return 0;
		case 'v':
			a->verbose = true;
			break;
		case OPT_GATE:
			if (ktstr_compare_gate_parse(&a->gates, optarg, why, sizeof(why))) {
				fprintf(stderr, PROG ": %s\n", why);
				return -1;
			}
			break;
		case OPT_JSON:
			a->json_path = optarg;
			break;
		case ':':
			arg_getopt_missing(PROG, argv);
			return -1;
		default:
			arg_getopt_error(PROG, "compare", argv);
			return -1;
		}
	}
	for (int i = optind; i < argc; i++) {
		if (a->nr_paths == 2) {
			fprintf(stderr, PROG ": want two files, A.json and B.json; '%.80s' is a third\n",
				argv[i]);
			return -1;
		}
		a->path[a->nr_paths++] = argv[i];
	}
	if (a->nr_paths != 2) {
		fprintf(stderr, PROG ": want two files, A.json and B.json (see '" PROG
			" --help')\n");
		return -1;
	}
	if (a->json_path && (err = arg_check_out_path(a->json_path))) {
		fprintf(stderr, PROG ": bad --json '%.80s' (cannot write there: %s)\n",
			a->json_path, strerror(-err));
		return -1;
	}
	return 0;
}

static void print_rows(const struct ktstr_compare *c, bool verbose)
{
	char line[512];

	for (size_t i = 0; i < c->nr_rows; i++) {
		if (c->rows[i].change == KTSTR_CMP_UNCHANGED && !verbose)
			continue;
		ktstr_compare_row_format(&c->rows[i], line, sizeof(line));
		printf("%s\n", line);
	}
}

static int write_json(const struct compare_args *a, const struct ktstr_compare *c)
{
	json_t *j = ktstr_compare_to_json(c, &a->gates);
	int ret;

	if (!j)
		return -ENOMEM;
	json_object_set_new(j, "provenance", ktstr_provenance_json());
	json_object_set_new(j, "a", json_string(a->path[0]));
	json_object_set_new(j, "b", json_string(a->path[1]));
	ret = ktstr_output_json(a->json_path, j);
	json_decref(j);
	return ret;
}

/* "warning: A and B differ in kernel (X vs Y), accelerator (...)". */
static void print_provenance_diff(const json_t *pa, const json_t *pb)
{
	const char *key;
	json_t *va;

	printf("warning: the runs differ in provenance:");
	json_object_foreach((json_t *)pa, key, va) {
		json_t *vb = json_object_get(pb, key);
		char *sa, *sb;

		if (!strcmp(key, "cpus") || json_equal(va, vb))
			continue;
		sa = json_dumps(va, JSON_ENCODE_ANY);
		sb = vb ? json_dumps(vb, JSON_ENCODE_ANY) : NULL;
		printf(" %s %s vs %s;", key, sa ? sa : "?", sb ? sb : "(none)");
		free(sa);
		free(sb);
	}
	printf(" changes may come from that, not from the scheduler\n");
}

static int load_both(const struct compare_args *a, json_t **run)
{
	char why[256];

	for (int i = 0; i < 2; i++) {
		if (!ktstr_compare_load(a->path[i], &run[i], why, sizeof(why)))
			continue;
		fprintf(stderr, PROG ": %.200s: %s\n", a->path[i], why);
		return -1;
	}
	return 0;
}

static int report(const struct compare_args *a, const struct ktstr_compare *c)
{
	char line[512];

	if (ktstr_compare_ksrc_note(c, line, sizeof(line)))
		printf("%s\n", line);
	print_rows(c, a->verbose);
	ktstr_compare_summary_format(c, line, sizeof(line));
	printf("%s\n", line);
	fflush(stdout);
	if (a->json_path) {
		int err = write_json(a, c);

		if (err) {
			fprintf(stderr, PROG ": cannot write %.200s: %s\n", a->json_path,
				strerror(-err));
			return KTSTR_COMPARE_EXIT_USAGE;
		}
	}
	return ktstr_compare_exit_code(c);
}

int cmd_compare(int argc, char **argv)
{
	struct ktstr_compare c;
	struct compare_args a;
	json_t *run[2] = { NULL, NULL };
	int rc;

	if (parse_args(argc, argv, &a))
		return KTSTR_COMPARE_EXIT_USAGE;
	if (a.help) {
		usage(stdout);
		return 0;
	}
	if (load_both(&a, run)) {
		json_decref(run[0]);
		return KTSTR_COMPARE_EXIT_USAGE;
	}
	{
		const json_t *pa = json_object_get(run[0], "provenance");
		const json_t *pb = json_object_get(run[1], "provenance");
		char keys[256];

		/* Said first: a difference here can explain every row below. */
		if (ktstr_provenance_diff(pa, pb, keys, sizeof(keys)))
			print_provenance_diff(pa, pb);
	}
	if (ktstr_compare_runs(run[0], run[1], &a.gates, &c)) {
		fprintf(stderr, PROG ": out of memory\n");
		rc = KTSTR_COMPARE_EXIT_USAGE;
	} else {
		rc = report(&a, &c);
		ktstr_compare_free(&c);
	}
	json_decref(run[0]);
	json_decref(run[1]);
	return rc;
}
