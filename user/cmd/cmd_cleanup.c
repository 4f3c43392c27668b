// SPDX-License-Identifier: GPL-2.0
/*
 * ktstr cleanup [--root DIR]: remove cgroups and `ktstr vm` temp dirs left
 * behind by dead (SIGKILLed) runs.
 */
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

int cmd_cleanup(int argc, char **argv)
{
	struct ktstr_cgroup_opts opts = { .root = KTSTR_CGROUP_ROOT };
	struct stat st;
	int ret, rc = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--root") && i + 1 < argc) {
			opts.root = argv[++i];
			if (stat(opts.root, &st) || !S_ISDIR(st.st_mode)) {
				fprintf(stderr, "ktstr cleanup: bad --root '%s' (not a directory)\n",
					opts.root);
				return 2;
			}
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--root")) {
			fprintf(stderr, "ktstr cleanup: --root needs a value\n");
			return 2;
		} else {
			fprintf(stderr, "ktstr cleanup: bad argument '%s' (see 'ktstr cleanup --help')\n",
				argv[i]);
			return 2;
		}
	}
	/* Each part runs whatever the other found. */
	ret = ktstr_cgroup_cleanup_stale(&opts, print_action, NULL);
	if (ret < 0) {
		fprintf(stderr, "ktstr cleanup: %s\n", ktstr_cgroup_last_error());
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
