// SPDX-License-Identifier: GPL-2.0
/*
 * Removal of cgroups left behind by dead runs (ktstr cleanup). A run's
 * parent is <root>/ktstr-<pid>; the pid tells whether the run is alive.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ktstr/clock.h>
#include <ktstr/cgroup.h>

#include "cgroup_fs.h"

#define KILL_WAIT_MS	2000

struct stale_ctx {
	const struct ktstr_cgroup_opts *opts;
	unsigned int timeout_ms;
	ktstr_cgroup_report_fn report;
	void *arg;
	int removed;
};

static void report(struct stale_ctx *c, const char *path, const char *what)
{
	if (c->report)
		c->report(path, what, c->arg);
}

/* "ktstr-<pid>" with a positive decimal pid and nothing else. */
static pid_t run_pid(const char *name)
{
	const char *p = name + strlen(KTSTR_CGROUP_PREFIX);
	long v = 0;

	if (strncmp(name, KTSTR_CGROUP_PREFIX, strlen(KTSTR_CGROUP_PREFIX)) || !*p)
		return 0;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		v = v * 10 + (*p - '0');
		if (v > INT_MAX)
			return 0;
	}
	return (pid_t)v;
}

static bool pid_alive(pid_t pid)
{
	return pid == getpid() || !kill(pid, 0) || errno == EPERM;
}

/*
 * Kill the tasks of one cgroup and wait for cgroup.procs to empty.
 * cgroup.kill (5.14+) kills atomically, racing no fork; otherwise each
 * listed task gets SIGKILL on every pass.
 */
static int kill_tasks(struct stale_ctx *c, const char *dir)
{
	char path[PATH_MAX + 16];
	unsigned int waited = 0;

	snprintf(path, sizeof(path), "%s/cgroup.kill", dir);
	if (!access(path, F_OK))
		cg_write(path, "1", c->timeout_ms);
	for (;;) {
		pid_t *pids;
		int n = cg_read_pids(dir, &pids);

		if (n == -ENOENT)
			return 0;
		if (n < 0)
			return cg_fail(n, "cannot read %s/cgroup.procs: %s", dir, strerror(-n));
		for (int i = 0; i < n; i++)
			kill(pids[i], SIGKILL);
		free(pids);
		if (!n)
			return 0;
		if (waited >= KILL_WAIT_MS)
			return cg_fail(-EBUSY, "%d tasks still in %s after SIGKILL and %d ms",
				       n, dir, KILL_WAIT_MS);
		ktstr_sleep_ms(10);
		waited += 10;
	}
}

/* Depth-first: children are removed before their parent. */
static int remove_tree(struct stale_ctx *c, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int ret = 0;

	if (!d)
		return errno == ENOENT ? 0 : cg_fail(-errno, "cannot open %s: %s", dir,
						     strerror(errno));
	while ((e = readdir(d))) {
		char child[PATH_MAX];

		if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") ||
		    !strcmp(e->d_name, ".."))
			continue;
		if (snprintf(child, sizeof(child), "%s/%s", dir, e->d_name) >=
		    (int)sizeof(child))
			continue;
		ret = remove_tree(c, child);
		if (ret)
			break;
	}
	closedir(d);
	if (!ret)
		ret = kill_tasks(c, dir);
	if (ret)
		return ret;
	if (c->opts && c->opts->before_rmdir &&
	    c->opts->before_rmdir(dir, c->opts->hook_arg))
		return cg_fail(-EIO, "before_rmdir hook failed for %s", dir);
	if (rmdir(dir) && errno != ENOENT)
		return cg_fail(-errno, "cannot remove %s: %s", dir, strerror(errno));
	c->removed++;
	report(c, dir, "removed");
	return 0;
}

int ktstr_cgroup_cleanup_stale(const struct ktstr_cgroup_opts *opts,
			       ktstr_cgroup_report_fn report_fn, void *arg)
{
	const char *root = opts && opts->root ? opts->root : KTSTR_CGROUP_ROOT;
	bool fake = opts && (opts->after_mkdir || opts->before_rmdir);
	struct stale_ctx c = {
		.opts = opts,
		.timeout_ms = opts && opts->write_timeout_ms ? opts->write_timeout_ms :
			      KTSTR_CGROUP_WRITE_TIMEOUT_MS,
		.report = report_fn,
		.arg = arg,
	};
	struct dirent *e;
	int first = 0;
	DIR *d;

	if (!fake && !cg_is_cgroup2(root))
		return cg_fail(-EMEDIUMTYPE, "%s is not a cgroup2 mount (cgroup v1 or "
			       "hybrid host?): pass a cgroup2 mount as root", root);
	d = opendir(root);
	if (!d)
		return cg_fail(-errno, "cannot open %s: %s", root, strerror(errno));
	while ((e = readdir(d))) {
		char path[PATH_MAX];
		pid_t pid = e->d_type == DT_DIR ? run_pid(e->d_name) : 0;
		int ret;

		if (pid <= 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", root, e->d_name) >=
		    (int)sizeof(path))
			continue;
		if (pid_alive(pid)) {
			report(&c, path, "kept: its run (pid) is alive");
			continue;
		}
		/* Keep going: one stuck run should not shield the others. */
		ret = remove_tree(&c, path);
		if (ret) {
			report(&c, path, ktstr_last_error());
			if (!first)
				first = ret;
		}
	}
	closedir(d);
	return first ? first : c.removed;
}
