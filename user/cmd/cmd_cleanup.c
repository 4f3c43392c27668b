// SPDX-License-Identifier: GPL-2.0
/*
 * ktstr cleanup [--root DIR]: remove cgroups and `ktstr vm` temp dirs left
 * behind by dead (SIGKILLed) runs.
 */
#include <getopt.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <stdlib.h>

#include <ktstr/cgroup.h>
#include <ktstr/vm.h>

#include "commands.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ktstr cleanup [--root DIR]\n\n"
		"Remove %s<pid> cgroups under the cgroup2 root (default %s)\n"
		"whose run is no longer alive: their tasks are killed, then the\n"
		"cgroups are removed children first. Cgroups of live runs are kept.\n"
		"Then remove the %s* temp dirs of 'ktstr vm' runs that are gone\n"
		"(in $TMPDIR, default /tmp).\n",
		KTSTR_CGROUP_PREFIX, KTSTR_CGROUP_ROOT, KTSTR_VM_TMP_PREFIX);
}

static void print_action(const char *path, const char *what, void *arg)
{
	(void)arg;
	printf("%s: %s\n", path, what);
}

enum { OPT_ROOT = 256 };

static const struct option cleanup_options[] = {
	{ "help", no_argument,       NULL, 'h' },
	{ "root", required_argument, NULL, OPT_ROOT },
	{ NULL, 0, NULL, 0 },
};

int cmd_cleanup(int argc, char **argv)
{
	struct ktstr_cgroup_opts opts = { .root = KTSTR_CGROUP_ROOT };
	struct stat st;
	int ret, rc = 0;

	opterr = 0;	/* our own one-line messages instead of getopt's */
	optind = 0;
	for (int c; (c = getopt_long(argc, argv, ":h", cleanup_options, NULL)) != -1; ) {
		switch (c) {
		case OPT_ROOT:
			opts.root = optarg;
			if (stat(opts.root, &st) || !S_ISDIR(st.st_mode)) {
				fprintf(stderr, "ktstr cleanup: bad --root '%s' (not a directory)\n",
					opts.root);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			arg_getopt_missing("ktstr cleanup", argv);
			return 2;
		default:
			arg_getopt_error("ktstr cleanup", "cleanup", argv);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ktstr cleanup: bad argument '%s' (see 'ktstr cleanup --help')\n",
			argv[optind]);
		return 2;
	}
	/* Each part runs whatever the other found. */
	ret = ktstr_cgroup_cleanup_stale(&opts, print_action, NULL);
	if (ret < 0) {
		fprintf(stderr, "ktstr cleanup: %s\n", ktstr_last_error());
		rc = 1;
	} else {
		printf("removed %d cgroup%s\n", ret, ret == 1 ? "" : "s");
	}
	ret = ktstr_vm_cleanup_stale(getenv("TMPDIR"), print_action, NULL);
	if (ret == -ENOENT)
		ret = 0;	/* no temp dir at all: nothing left there */
	if (ret < 0) {
		fprintf(stderr, "ktstr cleanup: temp dirs: %s\n", strerror(-ret));
		rc = 1;
	} else {
		printf("removed %d vm temp dir%s\n", ret, ret == 1 ? "" : "s");
	}
	return rc;
}
