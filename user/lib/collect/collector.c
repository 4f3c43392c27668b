// SPDX-License-Identifier: GPL-2.0
/*
 * collector.c - one interface over the three tracers (<ktstr/collector.h>):
 * choosing one, and what every caller gets alike whichever it is (the
 * threshold, starvation from the records when there is no watchdog).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ktstr/dev.h>
#include <ktstr/util.h>

#include "collect/backend_priv.h"
#include "util/ktstr_error.h"

struct ktstr_collector {
	const struct ktstr_backend *be;
	void *st;
	uint64_t starve_ns;
	bool by_cgroup;
};

static const struct ktstr_backend *const order[] = {
	&ktstr_backend_module,
	&ktstr_backend_bpf,
	&ktstr_backend_taskstats,
};


static const struct ktstr_backend *find(const char *name)
{
	for (size_t i = 0; name && i < KTSTR_ARRAY_SIZE(order); i++)
		if (!strcmp(order[i]->name, name))
			return order[i];
	return NULL;
}

const char *ktstr_has_name(unsigned int has)
{
	static const char *const names[] = {
		"the longest wait", "wakeups", "migrations", "CPUs",
		"wake histograms", "a watchdog",
	};

	for (size_t i = 0; i < KTSTR_ARRAY_SIZE(names); i++)
		if (has & (1u << i))
			return names[i];
	return "";
}

bool ktstr_collector_known(const char *name)
{
	return find(name) != NULL;
}

/*
 * A failed call of backend @be, made when the thread had recorded @since
 * messages: the backend's own message stays; a generic one when it left
 * none (the message there now is older, about something else).
 */
static int fail(const struct ktstr_backend *be, int err, const char *what,
		unsigned int since)
{
	if (ktstr_error_count() != since)
		return err;
	return ktstr_errorf(err, "%s: %s: %s", be->name, what, strerror(-err));
}

struct ktstr_collector *ktstr__collector_wrap(const struct ktstr_backend *be, void *st)
{
	struct ktstr_collector *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->be = be;
	c->st = st;
	c->starve_ns = KTSTR_STARVE_MS_DEFAULT * KTSTR_NSEC_PER_MSEC;
	return c;
}

/* Open @be; 0, or -errno with its message in ktstr_last_error(). */
static int open_one(const struct ktstr_backend *be, struct ktstr_collector **out)
{
	unsigned int since = ktstr_error_count();
	void *st = NULL;
	int r = be->open(&st);

	if (r < 0)
		return fail(be, r, "open", since);
	*out = ktstr__collector_wrap(be, st);
	if (!*out) {
		be->close(st);
		return fail(be, -ENOMEM, "open", since);
	}
	return 0;
}

int ktstr_collector_open(const char *name, struct ktstr_collector **out)
{
	char why[512] = "";
	size_t len = 0;
	int r = -ENOENT;

	if (!out)
		return ktstr_errorf(-EINVAL, "collector: NULL argument");
	*out = NULL;
	ktstr_error_clear();
	if (name && strcmp(name, "auto")) {
		const struct ktstr_backend *be = find(name);

		if (!be)
			return ktstr_errorf(-EINVAL,
					    "unknown collector '%s' (module, bpf or taskstats)",
					    name);
		return open_one(be, out);
	}
	/* Each one's reason, in order: the message says why it fell back. */
	for (size_t i = 0; i < KTSTR_ARRAY_SIZE(order); i++) {
		r = open_one(order[i], out);
		if (len < sizeof(why) && (r || len))
			len += (size_t)snprintf(why + len, sizeof(why) - len, "%s%s: %s",
						len ? "; " : "", order[i]->name,
						r ? ktstr_last_error() : "opened");
		if (!r)
			break;
	}
	ktstr_errorf(r, "%s", why);
	return r;
}

void ktstr_collector_close(struct ktstr_collector *c)
{
	if (!c)
		return;
	c->be->close(c->st);
	free(c);
}

const char *ktstr_collector_name(const struct ktstr_collector *c)
{
	return c ? c->be->name : "";
}

unsigned int ktstr_collector_has(const struct ktstr_collector *c)
{
	return c ? c->be->has : 0;
}

int ktstr_collector_set_starve_ms(struct ktstr_collector *c, uint64_t ms)
{
	unsigned int since = ktstr_error_count();
	int r;

	if (!c || ms < KTSTR_STARVE_MS_MIN || ms > KTSTR_STARVE_MS_MAX)
		return ktstr_errorf(-EINVAL,
				    "starvation threshold %llu ms out of range (%llu..%llu)",
				    (unsigned long long)ms, KTSTR_STARVE_MS_MIN,
				    KTSTR_STARVE_MS_MAX);
	if (c->be->set_starve_ns) {
		r = c->be->set_starve_ns(c->st, ms * KTSTR_NSEC_PER_MSEC);
		if (r < 0)
			return fail(c->be, r, "threshold", since);
	}
	c->starve_ns = ms * KTSTR_NSEC_PER_MSEC;
	return 0;
}

uint64_t ktstr_collector_starve_ns(const struct ktstr_collector *c)
{
	return c ? c->starve_ns : 0;
}

int ktstr_collector_track_pid(struct ktstr_collector *c, pid_t pid, bool follow)
{
	unsigned int since = ktstr_error_count();
	int r;

	if (!c || pid <= 0)
		return -EINVAL;
	r = c->be->track_pid(c->st, pid, follow);
	return r < 0 ? fail(c->be, r, "track", since) : 0;
}

int ktstr_collector_track_cgroup_fd(struct ktstr_collector *c, int cgroup_fd,
				    bool follow)
{
	unsigned int since = ktstr_error_count();
	int r;

	if (!c || cgroup_fd < 0)
		return -EINVAL;
	if (!c->be->track_cgroup_fd)
		return ktstr_errorf(-EOPNOTSUPP, "%s: tracks pids only, not cgroups",
				    c->be->name);
	r = c->be->track_cgroup_fd(c->st, cgroup_fd, follow);
	if (r < 0)
		return fail(c->be, r, "track cgroup", since);
	c->by_cgroup = true;
	return 0;
}

bool ktstr_collector_tracks_cgroup(const struct ktstr_collector *c)
{
	return c && c->by_cgroup;
}

int ktstr_collector_reset(struct ktstr_collector *c)
{
	unsigned int since = ktstr_error_count();
	int r;

	if (!c)
		return -EINVAL;
	r = c->be->reset(c->st);
	if (r < 0)
		return fail(c->be, r, "reset", since);
	c->by_cgroup = false;
	return 0;
}

/* No watchdog: the longest wait above the threshold is the episode. */
static void starve_from_waits(const struct ktstr_collector *c,
			      struct ktstr_task_rec *recs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct ktstr_task_rec *t = &recs[i];
		uint64_t w;
		int cpu;

		if (!ktstr_task_rec_starved(t, c->starve_ns, &w, &cpu))
			continue;
		t->nr_starvations = 1;
		t->max_starve_ns = w;
		t->max_starve_cpu = cpu;
	}
}

int ktstr_collector_snapshot(struct ktstr_collector *c,
			     struct ktstr_task_rec **recs, size_t *n)
{
	unsigned int since = ktstr_error_count();
	int r;

	if (!c || !recs || !n)
		return -EINVAL;
	*recs = NULL;
	*n = 0;
	r = c->be->snapshot(c->st, recs, n);
	if (r < 0)
		return fail(c->be, r, "snapshot", since);
	if (!(c->be->has & KTSTR_HAS_WATCHDOG) && (c->be->has & KTSTR_HAS_MAX_WAIT))
		starve_from_waits(c, *recs, *n);
	return 0;
}

ssize_t ktstr_collector_read_events(struct ktstr_collector *c,
				    struct ktstr_event *ev, size_t max,
				    int timeout_ms)
{
	unsigned int since = ktstr_error_count();
	ssize_t r;

	if (!c || (!ev && max))
		return -EINVAL;
	if (!c->be->read_events)
		return ktstr_errorf(-EOPNOTSUPP,
				    "%s: no watchdog, no events (starvation is judged from the records)",
				    c->be->name);
	r = c->be->read_events(c->st, ev, max, timeout_ms);
	return r < 0 ? fail(c->be, (int)r, "events", since) : r;
}

uint64_t ktstr_collector_dropped(const struct ktstr_collector *c)
{
	return c && c->be->dropped ? c->be->dropped(c->st) : 0;
}

struct ktstr_dev *ktstr_collector_dev(const struct ktstr_collector *c)
{
	return c && c->be == &ktstr_backend_module ? c->st : NULL;
}

bool ktstr_task_rec_starved(const struct ktstr_task_rec *t, uint64_t threshold_ns,
			    uint64_t *wait_ns, int *cpu)
{
	uint64_t w;
	int c;

	if (!t)
		return false;
	w = t->max_wait_ns;
	c = t->max_wait_cpu;
	if (t->cur_wait_ns > w) {
		/* Still waiting at the snapshot: where it is queued. */
		w = t->cur_wait_ns;
		c = t->last_cpu;
	}
	if (wait_ns)
		*wait_ns = w;
	if (cpu)
		*cpu = c;
	return w > threshold_ns;
}
