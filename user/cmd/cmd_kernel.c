// SPDX-License-Identifier: GPL-2.0
/*
 * ktstr kernel list [--json] | fetch [--no-module] NAME | build ... |
 * clean [NAME]: the test kernels of the cache; fetching is
 * scripts/kernel-fetch.sh's job, building and cleaning
 * scripts/kernel-build.sh's.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "ktstr/kernel.h"

#include "commands.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ktstr kernel list [--json]\n"
		"       ktstr kernel fetch [--no-module] NAME\n"
		"       ktstr kernel build --source DIR|linux-source-X.Y\n"
		"                          [--config-fragment FILE]... [--name NAME] [-j N]\n"
		"       ktstr kernel clean [NAME]\n"
		"\n"
		"list   the kernels in $KTSTR_CACHE/kernels that 'ktstr vm --kernel NAME'\n"
		"       boots (names, version, sched_ext, BTF, whether ktstr.ko is built\n"
		"       for it), then the kernels 'fetch' knows\n"
		"fetch  download and unpack a kernel (image, headers), resolving its\n"
		"       version at fetch time, and build ktstr.ko for it; idempotent.\n"
		"       Runs scripts/kernel-fetch.sh (as root). NAME:\n");
	for (size_t i = 0; i < ktstr_kernel_nr_recipes; i++)
		fprintf(f, "         %-13s %s\n", ktstr_kernel_recipes[i].name,
			ktstr_kernel_recipes[i].description);
	fprintf(f,
		"build  build a bzImage from a kernel tree, or from Debian's source package\n"
		"       linux-source-X.Y (apt-get download), into $KTSTR_CACHE/kernels/NAME\n"
		"       with ktstr.ko; config: allnoconfig + kernels/base.config + each\n"
		"       fragment, every option of those checked afterwards. Incremental.\n"
		"       Runs scripts/kernel-build.sh (see docs/kernels.md)\n"
		"clean  remove the built kernel NAME; without NAME every built kernel and\n"
		"       the unpacked Debian sources (fetched kernels stay)\n");
}

static int kernel_list(bool json)
{
	struct ktstr_kernel *ks;
	char *cache;
	size_t nr;

	if (ktstr_kernel_scan(&ks, &nr))
		return 1;
	cache = ktstr_kernel_cache_dir();
	if (json) {
		json_t *root = json_object(), *arr = json_array(), *rec = json_array();

		for (size_t i = 0; i < nr; i++) {
			const struct ktstr_kernel *k = &ks[i];
			json_t *names = json_array();
			char *s = strdup(k->names), *save = NULL;

			for (char *t = s ? strtok_r(s, ",", &save) : NULL; t;
			     t = strtok_r(NULL, ",", &save))
				json_array_append_new(names, json_string(t));
			free(s);
			json_array_append_new(arr, json_pack(
				"{s:s, s:o, s:s, s:s, s:b, s:b, s:b, s:s?, s:b, s:b}",
				"version", k->version, "names", names, "dir", k->dir,
				"image", k->image, "sched_ext", k->sched_ext,
				"btf", k->btf, "module_built", k->module != NULL,
				"module", k->module, "module_in_tree", k->module_in_tree,
				"built", k->built));
		}
		for (size_t i = 0; i < ktstr_kernel_nr_recipes; i++)
			json_array_append_new(rec, json_pack("{s:s, s:s}",
				"name", ktstr_kernel_recipes[i].name,
				"description", ktstr_kernel_recipes[i].description));
		json_object_set_new(root, "cache", json_string(cache ? cache : ""));
		json_object_set_new(root, "kernels", arr);
		json_object_set_new(root, "fetchable", rec);
		json_dumpf(root, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(root);
	} else {
		printf("%-18s %-26s %-9s %-4s %s\n", "NAME", "VERSION", "SCHED_EXT",
		       "BTF", "MODULE");
		for (size_t i = 0; i < nr; i++) {
			const struct ktstr_kernel *k = &ks[i];

			printf("%-18s %-26s %-9s %-4s %s\n", *k->names ? k->names : "-",
			       k->version, k->sched_ext ? "yes" : "no",
			       k->btf ? "yes" : "no",
			       !k->module ? "no" : k->module_in_tree ? "yes (tree)" : "yes");
		}
		if (!nr)
			printf("(none in %s/kernels)\n", cache ? cache : "?");
		printf("\nfetchable ('ktstr kernel fetch NAME'):\n");
		for (size_t i = 0; i < ktstr_kernel_nr_recipes; i++)
			printf("  %-16s %s\n", ktstr_kernel_recipes[i].name,
			       ktstr_kernel_recipes[i].description);
	}
	free(cache);
	ktstr_kernel_free(ks, nr);
	return 0;
}

enum { OPT_JSON = 256, OPT_NO_MODULE };

static const struct option list_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ NULL, 0, NULL, 0 },
};

static const struct option fetch_options[] = {
	{ "help",      no_argument, NULL, 'h' },
	{ "no-module", no_argument, NULL, OPT_NO_MODULE },
	{ NULL, 0, NULL, 0 },
};

/*
 * [--no-module] NAME, NAME a recipe: checked before running the script.
 * 0 to run it, 1 after --help, -1 after a one-line error.
 */
static int check_fetch_args(int argc, char **argv)
{
	const char *name = NULL;

	opterr = 0;	/* our own one-line messages instead of getopt's */
	optind = 0;
	for (int c; (c = getopt_long(argc, argv, "h", fetch_options, NULL)) != -1; ) {
		if (c == 'h') {
			usage(stdout);
			return 1;
		}
		if (c != OPT_NO_MODULE) {
			arg_getopt_error("ktstr kernel fetch", "kernel", argv);
			return -1;
		}
	}
	for (int i = optind; i < argc; i++) {
		if (name) {
			fprintf(stderr, "ktstr kernel fetch: one NAME only, not '%s' and '%s'\n",
				name, argv[i]);
			return -1;
		}
		name = argv[i];
	}
	if (!name) {
		fprintf(stderr, "ktstr kernel fetch: no NAME given (see 'ktstr kernel --help')\n");
		return -1;
	}
	for (size_t i = 0; i < ktstr_kernel_nr_recipes; i++)
		if (!strcmp(name, ktstr_kernel_recipes[i].name))
			return 0;
	fprintf(stderr, "ktstr kernel fetch: unknown kernel '%s' (see 'ktstr kernel --help')\n",
		name);
	return -1;
}

/* Replace ourselves with scripts/<script> [first] argv[1..]. */
static int run_script(const char *name, const char *first, int argc, char **argv)
{
	char *script = ktstr_kernel_script(name);
	char **args;
	int n = 0;

	if (!script || access(script, X_OK)) {
		fprintf(stderr, "ktstr kernel: %s not found (set KTSTR_SCRIPTS to the scripts/ dir)\n",
			script ? script : name);
		free(script);
		return 1;
	}
	args = calloc(argc + 2, sizeof(*args));
	if (!args) {
		fprintf(stderr, "ktstr kernel: out of memory\n");
		free(script);
		return 1;
	}
	args[n++] = script;
	if (first)
		args[n++] = (char *)first;
	for (int i = 1; i < argc; i++)
		args[n++] = argv[i];
	fflush(stdout);
	execv(script, args);
	fprintf(stderr, "ktstr kernel: cannot run %s: %s\n", script, strerror(errno));
	free(args);
	free(script);
	return 1;
}

static int kernel_fetch(int argc, char **argv)
{
	int r = check_fetch_args(argc, argv);

	if (r)
		return r > 0 ? 0 : 2;
	return run_script("kernel-fetch.sh", NULL, argc, argv);
}

int cmd_kernel(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "ktstr kernel: no subcommand given (list, fetch, build or clean; "
			"see 'ktstr kernel --help')\n");
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "list")) {
		bool json = false;

		opterr = 0;	/* our own one-line messages instead of getopt's */
		optind = 0;
		for (int c; (c = getopt_long(argc - 1, argv + 1, "h", list_options, NULL)) != -1; ) {
			if (c == 'h') {
				usage(stdout);
				return 0;
			}
			if (c != OPT_JSON) {
				arg_getopt_error("ktstr kernel list", "kernel", argv + 1);
				return 2;
			}
			json = true;
		}
		if (optind < argc - 1) {
			fprintf(stderr, "ktstr kernel list: bad argument '%s'\n", argv[optind + 1]);
			return 2;
		}
		return kernel_list(json);
	}
	if (!strcmp(argv[1], "fetch"))
		return kernel_fetch(argc - 1, argv + 1);
	/* The script checks their arguments and prints its own usage. */
	if (!strcmp(argv[1], "build") || !strcmp(argv[1], "clean"))
		return run_script("kernel-build.sh", argv[1], argc - 1, argv + 1);
	fprintf(stderr, "ktstr kernel: unknown subcommand '%s' (list, fetch, build or clean)\n",
		argv[1]);
	return 2;
}
