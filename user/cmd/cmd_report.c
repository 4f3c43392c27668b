// SPDX-License-Identifier: GPL-2.0
/*
 * ktstr report FILE.json... [-o OUT.html]: one self-contained HTML page of
 * run, gauntlet and stat results (docs/report.md).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <ktstr/output.h>
#include <ktstr/report.h>

#include "commands.h"

#define PROG	"ktstr report"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ktstr report FILE.json... [-o OUT.html]\n\n"
		"Write one self-contained HTML page (inline SVG and CSS, no script,\n"
		"nothing fetched) of the JSON files of 'ktstr run', 'ktstr gauntlet'\n"
		"and 'ktstr stat': verdict tables, the kernel's longest waits with\n"
		"starvations marked, wake-to-run latency histograms, per-CPU busy\n"
		"time; with exactly two run files, a compare of them.\n\n"
		"  -o, --output FILE  the page (default: standard output; '-' too)\n"
		"  -h, --help         this text\n");
}

struct report_page {
	struct ktstr_report_input *in;
	size_t n;
	char why[512];
};

static int fill(FILE *fp, void *arg)
{
	struct report_page *p = arg;

	return ktstr_report_html(fp, p->in, p->n, p->why, sizeof(p->why));
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct report_page page = { 0 };
	const char *out = "-";
	int c, rc = 1, err;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			arg_getopt_missing(PROG, argv);
			return 2;
		default:
			arg_getopt_error(PROG, "report", argv);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, PROG ": no input file (see 'ktstr report --help')\n");
		return 2;
	}
	page.n = (size_t)(argc - optind);
	page.in = calloc(page.n, sizeof(*page.in));
	if (!page.in) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < page.n; i++) {
		json_error_t jerr;
		json_t *doc;

		page.in[i].name = argv[optind + i];
		doc = json_load_file(page.in[i].name, 0, &jerr);
		if (!doc) {
			fprintf(stderr, PROG ": %s: %s\n", page.in[i].name, jerr.text);
			rc = 2;
			goto out;
		}
		page.in[i].doc = doc;
		if (ktstr_report_kind_of(doc) == KTSTR_REPORT_UNKNOWN) {
			fprintf(stderr, PROG ": %s: not a ktstr run, gauntlet or stat JSON file\n",
				page.in[i].name);
			rc = 2;
			goto out;
		}
	}
	err = ktstr_output_write(out, fill, &page);
	if (err) {
		fprintf(stderr, PROG ": %s: %s\n", out, page.why[0] ? page.why : strerror(-err));
		goto out;
	}
	rc = 0;
out:
	for (size_t i = 0; i < page.n; i++)
		json_decref((json_t *)page.in[i].doc);
	free(page.in);
	return rc;
}
