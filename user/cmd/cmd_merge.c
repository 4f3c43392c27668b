// SPDX-License-Identifier: GPL-2.0
/*
 * ktstr merge SHARD.json... [-o ALL.json] [--junit FILE]: join the JSON
 * files of a run's shards (ktstr run/gauntlet --shard K/N) into one, as the
 * unsharded run would have written it (docs/ci.md).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <ktstr/output.h>
#include <ktstr/results.h>

#include "commands.h"

#define PROG	"ktstr merge"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ktstr merge FILE.json... [-o OUT.json] [--junit FILE]\n\n"
		"Join the --json files of 'ktstr run' or 'ktstr gauntlet' shards\n"
		"(--shard K/N) into one: the results of every input in order, the\n"
		"summary recounted. Inputs must all be run files or all gauntlet files.\n\n"
		"  -o, --output FILE  the merged JSON (default: standard output)\n"
		"  --junit FILE       also JUnit XML of the merged results\n"
		"  -h, --help         this text\n");
}

static int fill_junit(FILE *fp, void *doc)
{
	return ktstr_junit_write(fp, doc);
}

int cmd_merge(int argc, char **argv)
{
	enum { OPT_JUNIT = 256 };
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "junit", required_argument, NULL, OPT_JUNIT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = "-", *junit = NULL;
	json_t **docs = NULL, *merged = NULL;
	int c, rc = 2, err, n = 0;
	char why[256];

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case OPT_JUNIT:
			junit = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			arg_getopt_missing(PROG, argv);
			return 2;
		default:
			arg_getopt_error(PROG, "merge", argv);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, PROG ": no input file (see 'ktstr merge --help')\n");
		return 2;
	}
	docs = calloc((size_t)(argc - optind), sizeof(*docs));
	if (!docs) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	for (; n < argc - optind; n++) {
		json_error_t jerr;

		docs[n] = json_load_file(argv[optind + n], 0, &jerr);
		if (!docs[n]) {
			fprintf(stderr, PROG ": %s: %s\n", argv[optind + n], jerr.text);
			goto out;
		}
	}
	err = ktstr_results_merge((const json_t *const *)docs, (size_t)n, &merged, why,
				  sizeof(why));
	if (err) {
		fprintf(stderr, PROG ": %s\n", err == -ENOMEM ? "out of memory" : why);
		rc = err == -ENOMEM ? 1 : 2;
		goto out;
	}
	rc = 1;
	err = ktstr_output_json(out, merged);
	if (err) {
		fprintf(stderr, PROG ": cannot write %s: %s\n", out, strerror(-err));
		goto out;
	}
	if (junit && (err = ktstr_output_write(junit, fill_junit, merged))) {
		fprintf(stderr, PROG ": cannot write %s: %s\n", junit, strerror(-err));
		goto out;
	}
	rc = 0;
out:
	json_decref(merged);
	for (int i = 0; i < n; i++)
		json_decref(docs[i]);
	free(docs);
	return rc;
}
