// SPDX-License-Identifier: GPL-2.0
/*
 * The no-op cgroup double: every operation succeeds without touching
 * cgroupfs and is logged, so host-only scenario tests can assert what a
 * scenario would have done to cgroups. Its arguments are checked by the
 * manager's own checks (cgroup_fs.c: names, sets, pids), so it refuses
 * exactly what the manager refuses before touching cgroupfs; a refused
 * call is not logged.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ktstr/cgroup.h>

#include "cgroup_fs.h"

struct cg_noop {
	struct ktstr_cgroups base;
	char **calls;
	int nr_calls, cap_calls;
};

static struct cg_noop *to_noop(struct ktstr_cgroups *cg)
{
	return (struct cg_noop *)cg;
}

static int record(struct ktstr_cgroups *cg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int record(struct ktstr_cgroups *cg, const char *fmt, ...)
{
	struct cg_noop *d = to_noop(cg);
	va_list ap;
	char *s;
	int ret;

	if (d->nr_calls == d->cap_calls) {
		int cap = d->cap_calls ? d->cap_calls * 2 : 32;
		char **tmp = realloc(d->calls, sizeof(*tmp) * cap);

		if (!tmp)
			return cg_fail(-ENOMEM, "out of memory");
		d->calls = tmp;
		d->cap_calls = cap;
	}
	va_start(ap, fmt);
	ret = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (ret < 0)
		return cg_fail(-ENOMEM, "out of memory");
	d->calls[d->nr_calls++] = s;
	return 0;
}

static int record_set(struct ktstr_cgroups *cg, const char *op, const char *name,
		      const struct ktstr_cpuset *set)
{
	char *list = set ? ktstr_cpulist_str(set) : NULL;
	int ret = record(cg, "%s %s %s", op, name, list ? list : "");

	free(list);
	return ret;
}

/* The manager's checks, with the last error cleared first as it does. */
static int check1(const char *name, bool allow_empty)
{
	KTSTR_CLEAR_ERROR();
	return cg_check_name(name, allow_empty);
}

static const char *noop_parent_path(struct ktstr_cgroups *cg)
{
	(void)cg;
	return "(noop)";
}

static int noop_setup(struct ktstr_cgroups *cg)
{
	KTSTR_CLEAR_ERROR();
	return record(cg, "setup");
}

static int noop_create(struct ktstr_cgroups *cg, const char *name)
{
	int ret = check1(name, false);

	return ret ? ret : record(cg, "create %s", name);
}

static int noop_remove(struct ktstr_cgroups *cg, const char *name)
{
	int ret = check1(name, false);

	return ret ? ret : record(cg, "remove %s", name);
}

static int noop_set_cpuset(struct ktstr_cgroups *cg, const char *name,
			   const struct ktstr_cpuset *cpus)
{
	int ret = check1(name, true);

	if (!ret)
		ret = cg_check_set("set_cpuset", name, cpus);
	return ret ? ret : record_set(cg, "set_cpuset", name, cpus);
}

static int noop_clear_cpuset(struct ktstr_cgroups *cg, const char *name)
{
	int ret = check1(name, true);

	return ret ? ret : record(cg, "clear_cpuset %s", name);
}

static int noop_set_mems(struct ktstr_cgroups *cg, const char *name,
			 const struct ktstr_cpuset *nodes)
{
	int ret = check1(name, true);

	if (!ret)
		ret = cg_check_set("set_mems", name, nodes);
	return ret ? ret : record_set(cg, "set_mems", name, nodes);
}

static int noop_clear_mems(struct ktstr_cgroups *cg, const char *name)
{
	int ret = check1(name, true);

	return ret ? ret : record(cg, "clear_mems %s", name);
}

static int noop_move_task(struct ktstr_cgroups *cg, const char *name, pid_t pid)
{
	int ret = check1(name, true);

	if (!ret)
		ret = cg_check_pid(pid);
	return ret ? ret : record(cg, "move_task %s %d", name, (int)pid);
}

static int noop_move_all(struct ktstr_cgroups *cg, const char *from, const char *to)
{
	int ret = check1(from, true);

	if (!ret)
		ret = cg_check_name(to, true);
	return ret ? ret : record(cg, "move_all %s %s", from, to);
}

static int noop_drain(struct ktstr_cgroups *cg, const char *name)
{
	int ret = check1(name, true);

	return ret ? ret : record(cg, "drain %s", name);
}

static int noop_freeze(struct ktstr_cgroups *cg, const char *name)
{
	int ret = check1(name, true);

	return ret ? ret : record(cg, "freeze %s", name);
}

static int noop_unfreeze(struct ktstr_cgroups *cg, const char *name)
{
	int ret = check1(name, true);

	return ret ? ret : record(cg, "unfreeze %s", name);
}

static int noop_cleanup(struct ktstr_cgroups *cg)
{
	KTSTR_CLEAR_ERROR();
	return record(cg, "cleanup");
}

static void noop_destroy(struct ktstr_cgroups *cg)
{
	struct cg_noop *d = to_noop(cg);

	for (int i = 0; i < d->nr_calls; i++)
		free(d->calls[i]);
	free(d->calls);
	free(d);
}

static const struct ktstr_cgroup_ops noop_ops = {
	.parent_path	= noop_parent_path,
	.setup		= noop_setup,
	.create		= noop_create,
	.remove		= noop_remove,
	.set_cpuset	= noop_set_cpuset,
	.clear_cpuset	= noop_clear_cpuset,
	.set_mems	= noop_set_mems,
	.clear_mems	= noop_clear_mems,
	.move_task	= noop_move_task,
	.move_all	= noop_move_all,
	.drain		= noop_drain,
	.freeze		= noop_freeze,
	.unfreeze	= noop_unfreeze,
	.cleanup	= noop_cleanup,
	.destroy	= noop_destroy,
};

struct ktstr_cgroups *ktstr_cgroup_noop_new(void)
{
	struct cg_noop *d = calloc(1, sizeof(*d));

	KTSTR_CLEAR_ERROR();
	if (!d) {
		cg_fail(-ENOMEM, "out of memory");
		return NULL;
	}
	d->base.ops = &noop_ops;
	return &d->base;
}

/* Only valid on the double: its ops pointer tells it apart. */
int ktstr_cgroup_noop_nr_calls(struct ktstr_cgroups *cg)
{
	return cg && cg->ops == &noop_ops ? to_noop(cg)->nr_calls : -EINVAL;
}

const char *ktstr_cgroup_noop_call(struct ktstr_cgroups *cg, int i)
{
	if (!cg || cg->ops != &noop_ops || i < 0 || i >= to_noop(cg)->nr_calls)
		return NULL;
	return to_noop(cg)->calls[i];
}
