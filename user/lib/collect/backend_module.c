// SPDX-License-Identifier: GPL-2.0
/* backend_module.c - ktstr.ko through /dev/ktstr, as a backend. */
#include <errno.h>

#include <ktstr/backend.h>
#include <ktstr/dev.h>

static int mod_open(void **st)
{
	struct ktstr_dev *dev;
	int r = ktstr_dev_open(&dev);

	if (r < 0)
		return r;
	*st = dev;
	return 0;
}

static int mod_track_pid(void *st, pid_t pid, bool follow)
{
	return ktstr_dev_track_pid(st, pid, follow);
}

static int mod_snapshot(void *st, struct ktstr_task_rec **recs, size_t *n)
{
	return ktstr_dev_snapshot_tasks(st, recs, n, NULL);
}

static void mod_close(void *st)
{
	ktstr_dev_close(st);
}

struct ktstr_dev *ktstr_backend_module_dev(void *st)
{
	return st;
}

const struct ktstr_backend ktstr_backend_module = {
	.name = "module",
	.open = mod_open,
	.track_pid = mod_track_pid,
	.snapshot = mod_snapshot,
	.close = mod_close,
	.last_error = ktstr_last_error,
	.has = KTSTR_HAS_ALL,
};
