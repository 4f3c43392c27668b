// SPDX-License-Identifier: GPL-2.0
/* `ktstr stat --json`: the document described in docs/stat-json.md. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ktstr/util.h>
#include <ktstr/dev.h>
#include <ktstr/output.h>
#include <ktstr/provenance.h>
#include <ktstr/stat.h>

/*
 * Builder with a sticky error: every add after a failure is a no-op, so a
 * long list of fields needs one check at the end.
 */
struct jb {
	json_t *obj;
	bool err;
};

static void add(struct jb *b, const char *key, json_t *v)
{
	if (!v) {
		b->err = true;
		return;
	}
	if (b->err) {
		json_decref(v);
		return;
	}
	/* _new steals the reference, also on failure. */
	if (json_object_set_new(b->obj, key, v))
		b->err = true;
}

static void append(json_t *arr, json_t *v, bool *err)
{
	if (!v) {
		*err = true;
		return;
	}
	if (*err) {
		json_decref(v);
		return;
	}
	if (json_array_append_new(arr, v))
		*err = true;
}

/* JSON integers are int64: counters never get near; clamp rather than wrap. */
static json_t *ju(uint64_t v)
{
	return json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v);
}

static json_t *ji(int64_t v)
{
	return json_integer((json_int_t)v);
}

/* A string from bytes that may not be valid UTF-8: non-ASCII becomes '?'. */
static json_t *jstr_lossy(const char *s, size_t n)
{
	json_t *j = json_stringn(s, n);
	char *copy;

	if (j)
		return j;
	copy = malloc(n + 1);
	if (!copy)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		copy[i] = c < 0x80 ? (char)c : '?';
	}
	copy[n] = '\0';
	j = json_stringn(copy, n);
	free(copy);
	return j;
}

static json_t *jcomm(const char *comm)
{
	return jstr_lossy(comm, strnlen(comm, KTSTR_COMM_LEN));
}

static json_t *task_flags(uint32_t flags)
{
	static const char *const names[] = {
		"exited", "freed", "untracked", "starving", "from_fork",
	};
	json_t *arr = json_array();
	bool err = !arr;

	for (unsigned int bit = 0; arr && bit < 32; bit++) {
		char unknown[16];

		if (!(flags & (1U << bit)))
			continue;
		if (bit < KTSTR_ARRAY_SIZE(names)) {
			append(arr, json_string(names[bit]), &err);
		} else {
			snprintf(unknown, sizeof(unknown), "bit%u", bit);
			append(arr, json_string(unknown), &err);
		}
	}
	if (err) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

static json_t *cpu_list(const __u64 *mask)
{
	json_t *arr = json_array();
	bool err = !arr;

	for (int cpu = 0; arr && cpu < KTSTR_MAX_CPUS; cpu++)
		if ((mask[cpu / 64] >> (cpu % 64)) & 1)
			append(arr, json_integer(cpu), &err);
	if (err) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

static json_t *finish(struct jb *b)
{
	if (b->err) {
		json_decref(b->obj);
		return NULL;
	}
	return b->obj;
}

json_t *ktstr_stat_task_json(const struct ktstr_task_rec *t)
{
	struct jb b = { .obj = json_object() };
	json_t *hist;
	bool herr = false;

	if (!t || !b.obj) {
		json_decref(b.obj);
		return NULL;
	}
	add(&b, "pid", ji(t->pid));
	add(&b, "tgid", ji(t->tgid));
	add(&b, "comm", jcomm(t->comm));
	add(&b, "state", json_string(ktstr_task_state_name(t->state)));
	add(&b, "flags", task_flags(t->flags));
	add(&b, "last_cpu", ji(t->last_cpu));
	add(&b, "max_wait_cpu", ji(t->max_wait_cpu));
	add(&b, "exit_code", (t->flags & KTSTR_TASK_EXITED) ? ji(t->exit_code) : json_null());
	add(&b, "nr_cpus", ju(t->nr_cpus));
	add(&b, "cgroup_id", ju(t->cgroup_id));
	add(&b, "start_time_ns", ju(t->start_time_ns));
	add(&b, "first_seen_ns", ju(t->first_seen_ns));
	add(&b, "last_seen_ns", ju(t->last_seen_ns));
	add(&b, "run_ns", ju(t->run_ns));
	add(&b, "wait_ns", ju(t->wait_ns));
	add(&b, "max_wait_ns", ju(t->max_wait_ns));
	add(&b, "max_wait_at_ns", ju(t->max_wait_at_ns));
	add(&b, "cur_wait_ns", ju(t->cur_wait_ns));
	add(&b, "nr_runs", ju(t->nr_runs));
	add(&b, "nr_voluntary", ju(t->nr_voluntary));
	add(&b, "nr_involuntary", ju(t->nr_involuntary));
	add(&b, "nr_wakeups", ju(t->nr_wakeups));
	add(&b, "nr_migrations", ju(t->nr_migrations));
	add(&b, "nr_starvations", ju(t->nr_starvations));
	add(&b, "max_starve_ns", ju(t->max_starve_ns));
	add(&b, "max_starve_cpu", ji(t->max_starve_cpu));
	add(&b, "wake_wait_ns", ju(t->wake_wait_ns));
	add(&b, "nr_wake_waits", ju(t->nr_wake_waits));
	add(&b, "kern_sum_exec_ns", ju(t->kern_sum_exec_ns));
	add(&b, "kern_run_delay_ns", ju(t->kern_run_delay_ns));
	add(&b, "kern_pcount", ju(t->kern_pcount));
	add(&b, "kern_nvcsw", ju(t->kern_nvcsw));
	add(&b, "kern_nivcsw", ju(t->kern_nivcsw));
	add(&b, "kern_nr_migrations", ju(t->kern_nr_migrations));
	hist = json_array();
	herr = !hist;
	for (int i = 0; hist && i < KTSTR_HIST_BUCKETS; i++)
		append(hist, ju(t->hist[i]), &herr);
	if (herr) {
		json_decref(hist);
		hist = NULL;
	}
	add(&b, "hist", hist);
	add(&b, "cpus", cpu_list(t->cpus));
	return finish(&b);
}

json_t *ktstr_stat_cpu_json(const struct ktstr_cpu_rec *c)
{
	struct jb b = { .obj = json_object() };

	if (!c || !b.obj) {
		json_decref(b.obj);
		return NULL;
	}
	add(&b, "cpu", ju(c->cpu));
	add(&b, "online", json_boolean(c->online));
	add(&b, "nr_runnable", ju(c->nr_runnable));
	add(&b, "nr_switches", ju(c->nr_switches));
	add(&b, "busy_ns", ju(c->busy_ns));
	add(&b, "max_wait_ns", ju(c->max_wait_ns));
	add(&b, "max_wait_pid", ji(c->max_wait_pid));
	add(&b, "tracked_run_ns", ju(c->tracked_run_ns));
	return finish(&b);
}

json_t *ktstr_stat_event_json(const struct ktstr_event *ev)
{
	struct jb b = { .obj = json_object() };

	if (!ev || !b.obj) {
		json_decref(b.obj);
		return NULL;
	}
	add(&b, "type", json_string(ktstr_event_type_name(ev->type)));
	add(&b, "pid", ji(ev->pid));
	add(&b, "tgid", ji(ev->tgid));
	add(&b, "comm", jcomm(ev->comm));
	add(&b, "cpu", ji(ev->cpu));
	add(&b, "wait_ns", ju(ev->wait_ns));
	add(&b, "time_ns", ju(ev->time_ns));
	add(&b, "wait_start_ns", ju(ev->wait_start_ns));
	add(&b, "cgroup_id", ju(ev->cgroup_id));
	add(&b, "seq", ju(ev->seq));
	return finish(&b);
}

static json_t *abi_json(const struct ktstr_version *v)
{
	struct jb b = { .obj = json_object() };

	if (!b.obj)
		return NULL;
	add(&b, "major", ju(v->abi_major));
	add(&b, "minor", ju(v->abi_minor));
	add(&b, "features", ju(v->features));
	add(&b, "nr_cpu_ids", ju(v->nr_cpu_ids));
	add(&b, "capacity", ju(v->capacity));
	add(&b, "max_cpus", ju(v->max_cpus));
	return finish(&b);
}

static json_t *stats_json(const struct ktstr_stats *s)
{
	static const char *const hit_names[8] = {
		"switch", "wakeup", "wakeup_new", "migrate", "fork", "exit",
		"free", "cgroup_attach",
	};
	struct jb b = { .obj = json_object() };
	struct jb hits = { .obj = json_object() };

	if (!b.obj || !hits.obj) {
		json_decref(b.obj);
		json_decref(hits.obj);
		return NULL;
	}
	add(&b, "nr_records", ju(s->nr_records));
	add(&b, "nr_live", ju(s->nr_live));
	add(&b, "capacity", ju(s->capacity));
	add(&b, "dropped", ju(s->dropped));
	add(&b, "events_lost", ju(s->events_lost));
	add(&b, "events_queued", ju(s->events_queued));
	add(&b, "starve_threshold_ns", ju(s->starve_threshold_ns));
	add(&b, "scan_interval_ns", ju(s->scan_interval_ns));
	add(&b, "nr_scans", ju(s->nr_scans));
	for (int i = 0; i < 8; i++)
		add(&hits, hit_names[i], ju(s->hits[i]));
	add(&b, "hits", finish(&hits));
	add(&b, "active", json_boolean(s->active));
	return finish(&b);
}

static json_t *hist_bounds_json(void)
{
	json_t *arr = json_array();
	bool err = !arr;

	for (unsigned int i = 0; arr && i < KTSTR_HIST_BUCKETS; i++) {
		uint64_t lo, hi;
		json_t *pair = json_array();

		ktstr_hist_bucket_bounds(i, &lo, &hi);
		if (pair) {
			bool perr = false;

			append(pair, ju(lo), &perr);
			append(pair, hi == UINT64_MAX ? json_null() : ju(hi), &perr);
			if (perr) {
				json_decref(pair);
				pair = NULL;
			}
		}
		append(arr, pair, &err);
	}
	if (err) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

/* Array of f(&recs[i]) over n records of size sz. */
static json_t *array_of(const void *recs, size_t n, size_t sz,
			json_t *(*f)(const void *))
{
	json_t *arr = json_array();
	bool err = !arr;

	for (size_t i = 0; arr && !err && i < n; i++)
		append(arr, f((const char *)recs + i * sz), &err);
	if (err) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

static json_t *task_cb(const void *p) { return ktstr_stat_task_json(p); }
static json_t *cpu_cb(const void *p) { return ktstr_stat_cpu_json(p); }
static json_t *event_cb(const void *p) { return ktstr_stat_event_json(p); }

/* The KTSTR_HAS_* bits of @lacks by name, in bit order. */
static json_t *unmeasured_json(unsigned int lacks)
{
	static const char *const names[] = {
		"max_wait", "wakeups", "migrations", "cpus", "hist", "watchdog",
	};
	json_t *a = json_array();
	bool err = false;

	for (unsigned int i = 0; a && i < KTSTR_ARRAY_SIZE(names); i++)
		if (lacks & (1u << i))
			append(a, json_string(names[i]), &err);
	if (err) {
		json_decref(a);
		return NULL;
	}
	return a;
}

json_t *ktstr_stat_to_json(const struct ktstr_stat_report *r)
{
	struct ktstr_task_rec *sorted = NULL;
	struct jb b = { 0 };
	json_t *cmd;
	bool cerr = false;

	if (!r || (!r->tasks && r->nr_tasks) || (!r->cpus && r->nr_cpus) ||
	    (!r->events && r->nr_events))
		return NULL;
	/* Tasks in pid order, like the table; the input stays untouched. */
	if (r->nr_tasks) {
		sorted = malloc(r->nr_tasks * sizeof(*sorted));
		if (!sorted)
			return NULL;
		memcpy(sorted, r->tasks, r->nr_tasks * sizeof(*sorted));
		ktstr_stat_sort_tasks(sorted, r->nr_tasks);
	}
	b.obj = json_object();
	if (!b.obj) {
		free(sorted);
		return NULL;
	}

	add(&b, "version", json_integer(KTSTR_STAT_JSON_VERSION));
	add(&b, "abi", r->version ? abi_json(r->version) : json_null());
	cmd = json_array();
	cerr = !cmd;
	for (size_t i = 0; cmd && r->argv && r->argv[i]; i++)
		append(cmd, jstr_lossy(r->argv[i], strlen(r->argv[i])), &cerr);
	if (cerr) {
		json_decref(cmd);
		cmd = NULL;
	}
	add(&b, "command", cmd);
	if (r->have_exit_status) {
		add(&b, "exit_status", ji(ktstr_stat_shell_status(r->wait_status)));
		add(&b, "signal", WIFSIGNALED(r->wait_status) ?
				  ji(WTERMSIG(r->wait_status)) : json_null());
	} else {
		add(&b, "exit_status", json_null());
		add(&b, "signal", json_null());
	}
	add(&b, "elapsed_ns", ju(r->elapsed_ns));
	add(&b, "snapshot_ns", ju(r->snapshot_ns));
	add(&b, "starve_threshold_ns", ju(r->starve_threshold_ns));
	add(&b, "unmeasured", unmeasured_json(r->lacks));
	add(&b, "starvation_from", json_string(
		!(r->lacks & KTSTR_HAS_WATCHDOG) ? "watchdog" :
		!(r->lacks & KTSTR_HAS_MAX_WAIT) ? "longest_wait" : "not_judged"));
	add(&b, "dropped", ju(r->dropped));
	add(&b, "events_lost", ju(r->events_lost));
	add(&b, "stats", r->stats ? stats_json(r->stats) : json_null());
	add(&b, "hist_bounds_ns", hist_bounds_json());
	add(&b, "tasks", array_of(sorted, r->nr_tasks, sizeof(*sorted), task_cb));
	add(&b, "cpus", array_of(r->cpus, r->nr_cpus, sizeof(*r->cpus), cpu_cb));
	add(&b, "starvations", array_of(r->events, r->nr_events, sizeof(*r->events),
					event_cb));
	add(&b, "backend", r->backend ? json_string(r->backend) : json_null());
	add(&b, "provenance", ktstr_provenance_json());
	free(sorted);
	return finish(&b);
}

int ktstr_stat_write_json(const char *path, const struct ktstr_stat_report *r)
{
	json_t *doc;
	int err;

	if (!path || !*path || !r)
		return -EINVAL;
	doc = ktstr_stat_to_json(r);
	if (!doc)
		return -ENOMEM;
	err = ktstr_output_json(path, doc);
	json_decref(doc);
	return err;
}
