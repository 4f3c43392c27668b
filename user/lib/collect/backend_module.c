// SPDX-License-Identifier: GPL-2.0
/* backend_module.c - ktstr.ko through /dev/ktstr, as a collector. */
#include <errno.h>

#include <ktstr/dev.h>
#include <ktstr/error.h>

#include "collect/backend_priv.h"

static int mod_open(void **st)
{
	struct ktstr_dev *dev;
	int r = ktstr_dev_open(&dev);

	if (r < 0)
		return r;
	*st = dev;
	return 0;
}

static void mod_close(void *st)
{
	ktstr_dev_close(st);
}

static int mod_track_pid(void *st, pid_t pid, bool follow)
{
	return ktstr_dev_track_pid(st, pid, follow);
}

static int mod_track_cgroup_fd(void *st, int fd, bool follow)
{
	return ktstr_dev_track_cgroup_fd(st, fd, follow);
}

static int mod_reset(void *st)
{
	return ktstr_dev_reset(st);
}

static int mod_set_starve_ns(void *st, uint64_t ns)
{
	return ktstr_dev_config(st, ns, 0);
}

static int mod_snapshot(void *st, struct ktstr_task_rec **recs, size_t *n)
{
	return ktstr_dev_snapshot_tasks(st, recs, n, NULL);
}

static ssize_t mod_read_events(void *st, struct ktstr_event *ev, size_t max,
			       int timeout_ms)
{
	return ktstr_dev_read_events(st, ev, max, timeout_ms);
}

/* Tasks the session could not track (its table was full). */
static uint64_t mod_dropped(void *st)
{
	struct ktstr_stats s;

	return ktstr_dev_stats(st, &s) ? 0 : s.dropped;
}

const struct ktstr_backend ktstr_backend_module = {
	.name = "module",
	.has = KTSTR_HAS_ALL,
	.open = mod_open,
	.close = mod_close,
	.track_pid = mod_track_pid,
	.track_cgroup_fd = mod_track_cgroup_fd,
	.reset = mod_reset,
	.set_starve_ns = mod_set_starve_ns,
	.snapshot = mod_snapshot,
	.read_events = mod_read_events,
	.dropped = mod_dropped,
};
