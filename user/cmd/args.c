// SPDX-License-Identifier: GPL-2.0
/*
 * Checks of command-line values shared by the subcommands: strict numbers,
 * output files and programs, checked before anything is started so that a
 * bad value costs one line on stderr and no side effect.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ktstr/kernel.h>
#include <ktstr/output.h>

#include "commands.h"

int arg_parse_seconds(const char *s, double max, double *out)
{
	char *end;
	double v;

	/* Plain decimal only: no sign, blanks, hex, inf or nan. */
	if (!s || !((*s >= '0' && *s <= '9') || *s == '.') || strpbrk(s, "xX"))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || end == s || !isfinite(v) || !(v > 0) || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int arg_check_out_path(const char *path)
{
	if (!*path)
		return -ENOENT;
	if (strlen(path) >= PATH_MAX - 16)
		return -ENAMETOOLONG;
	return ktstr_output_check(path);
}

int arg_check_exec(const char *path)
{
	struct stat st;

	if (!*path)
		return -ENOENT;
	if (stat(path, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : -EACCES;
	return access(path, X_OK) ? -errno : 0;
}

int arg_find_command(const char *cmd)
{
	const char *path = getenv("PATH"), *p;
	int err = -ENOENT;

	if (!*cmd)
		return -ENOENT;
	if (strchr(cmd, '/'))
		return arg_check_exec(cmd);
	/* As execvp(3) searches it; an empty entry is the current directory. */
	for (p = path ? path : "/bin:/usr/bin"; ; p++) {
		size_t n = strcspn(p, ":");
		char *full;
		int r;

		if (asprintf(&full, "%.*s/%s", n ? (int)n : 1, n ? p : ".", cmd) < 0)
			return -ENOMEM;
		r = arg_check_exec(full);
		free(full);
		if (!r)
			return 0;
		if (r == -EACCES)
			err = r;
		p += n;
		if (!*p)
			break;
	}
	return err;
}

/* --kernel: a cached kernel's name or a readable image, as 'ktstr vm' boots. */
int arg_check_kernel(const char *prog, const char *kernel)
{
	char *image = NULL, *kmod = NULL;
	struct stat st;
	int bad = 0;

	/* Says why itself when it is neither a name nor a path. */
	if (ktstr_kernel_resolve(kernel, &image, &kmod))
		return -1;
	if (image && (stat(image, &st) || !S_ISREG(st.st_mode) || access(image, R_OK))) {
		fprintf(stderr, "%s: bad --kernel '%s' (no readable image at %s)\n", prog, kernel,
			image);
		bad = -1;
	}
	free(image);
	free(kmod);
	return bad;
}

/*
 * The scheduler and JSON options run and gauntlet share: --sched-arg needs
 * --scheduler, which must be an executable; --json must be writable.
 */
int arg_check_sched_json(const char *prog, int nr_sched_args, const char *sched_path,
			 const char *json_path)
{
	int err;

	if (nr_sched_args && !sched_path) {
		fprintf(stderr, "%s: --sched-arg without --scheduler\n", prog);
		return -1;
	}
	if (sched_path && (err = arg_check_exec(sched_path))) {
		fprintf(stderr, "%s: bad --scheduler '%s' (%s)\n", prog, sched_path,
			strerror(-err));
		return -1;
	}
	if (json_path && (err = arg_check_out_path(json_path))) {
		fprintf(stderr, "%s: bad --json '%s' (cannot write there: %s)\n", prog,
			json_path, strerror(-err));
		return -1;
	}
	return 0;
}

void arg_getopt_error(const char *prog, const char *cmd, char **argv)
{
	const char *arg = argv[optind - 1];
	char opt[3] = { '-', (char)optopt, '\0' };

	/* A short option, maybe inside a bundle (-vx): name just it. */
	if (!arg || (strncmp(arg, "--", 2) && optopt > 0 && optopt < 256))
		arg = opt;
	fprintf(stderr, "%s: bad argument '%s' (see 'ktstr %s --help')\n", prog, arg, cmd);
}

void arg_getopt_missing(const char *prog, char **argv)
{
	const char *arg = argv[optind - 1];

	if (arg && !strncmp(arg, "--", 2))
		fprintf(stderr, "%s: %s needs a value\n", prog, arg);
	else
		fprintf(stderr, "%s: -%c needs a value\n", prog, optopt);
}

int arg_check_junit(const char *prog, const char *junit_path)
{
	int err;

	if (junit_path && (err = arg_check_out_path(junit_path))) {
		fprintf(stderr, "%s: bad --junit '%s' (cannot write there: %s)\n", prog,
			junit_path, strerror(-err));
		return -1;
	}
	return 0;
}
