// SPDX-License-Identifier: GPL-2.0
/*
 * `ktstr run --json FILE`: the results of a run as JSON, in the stable
 * format of docs/run-json.md (version KTSTR_RUN_JSON_VERSION), and the
 * parser of one result back (for tests and other tools).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <ktstr/provenance.h>
#include <ktstr/collector.h>
#include <ktstr/scenario.h>

static json_t *detail_json(const struct ktstr_assert_detail *d)
{
	json_t *j = json_pack("{s:s, s:s, s:I, s:i, s:s, s:s, s:I}",
			      "kind", ktstr_detail_kind_name(d->kind),
			      "message", d->message ? d->message : "",
			      "pid", (json_int_t)d->pid,
			      "cpu", d->cpu,
			      "comm", d->comm,
			      "cgroup", d->cgroup,
			      "duration_ns", (json_int_t)d->duration_ns);

	/* Only when known (an RtStarvation worker's hog). */
	if (j && d->cause_pid > 0 &&
	    json_object_set_new(j, "cause_pid", json_integer(d->cause_pid))) {
		json_decref(j);
		return NULL;
	}
	return j;
}

const char *ktstr_kernel_source_name(enum ktstr_kernel_source k)
{
	switch (k) {
	case KTSTR_KSRC_MODULE:		return "module";
	case KTSTR_KSRC_TASKSTATS:	return "taskstats";
	case KTSTR_KSRC_BPF:		return "bpf";
	case KTSTR_KSRC_NONE:		break;
	}
	return "none";
}

static enum ktstr_kernel_source ksrc_from(const char *s)
{
	if (s && !strcmp(s, "module"))
		return KTSTR_KSRC_MODULE;
	if (s && !strcmp(s, "taskstats"))
		return KTSTR_KSRC_TASKSTATS;
	if (s && !strcmp(s, "bpf"))
		return KTSTR_KSRC_BPF;
	return KTSTR_KSRC_NONE;
}

static json_t *cgroup_json(const struct ktstr_cgroup_stats *c,
			   enum ktstr_kernel_source src)
{
	json_t *j = json_pack("{s:s, s:i, s:i, s:f, s:I, s:I, s:I, s:I}",
			      "name", c->name,
			      "workers", c->workers,
			      "cpus", c->cpus,
			      "spread_pct", c->spread,
			      "max_gap_ms", (json_int_t)c->max_gap_ms,
			      "migrations", (json_int_t)c->migrations,
			      "iterations", (json_int_t)c->iterations,
			      "p99_wake_latency_us", (json_int_t)c->p99_wake_latency_us);

	if (j && c->has_kernel)
		json_object_set_new(j, "kernel", json_pack(
			"{s:i, s:I, s:I, s:s, s:i, s:I, s:f, s:I, s:I}",
			"tasks", c->kernel_tasks,
			"max_wait_ns", (json_int_t)c->max_wait_ns,
			"max_wait_pid", (json_int_t)c->max_wait_pid,
			"max_wait_comm", c->max_wait_comm,
			"max_wait_cpu", c->max_wait_cpu,
			"total_wait_ns", (json_int_t)c->total_wait_ns,
			"wait_spread_pct", c->wait_spread,
			"migrations", (json_int_t)c->kernel_migrations,
			"starvations", (json_int_t)c->starvations));
	if (j && c->has_kernel && src == KTSTR_KSRC_TASKSTATS) {
		/* Unknown to taskstats: null, not a false 0. */
		json_t *k = json_object_get(j, "kernel");

		json_object_set_new(k, "source", json_string("taskstats"));
		json_object_set_new(k, "max_wait_ns", json_null());
		json_object_set_new(k, "max_wait_pid", json_null());
		json_object_set_new(k, "max_wait_cpu", json_null());
		json_object_set_new(k, "migrations", json_null());
		json_object_set_new(k, "starvations", json_null());
	} else if (j && c->has_kernel) {
		json_object_set_new(json_object_get(j, "kernel"), "source",
				    json_string("module"));
	}
	return j;
}

static json_t *outcome_json(const struct ktstr_outcome *o)
{
	json_t *j, *details, *cgroups;

	j = json_pack("{s:s, s:s, s:s, s:f, s:b, s:b, s:s, s:s}",
		      "name", o->name,
		      "category", o->category,
		      "verdict", ktstr_verdict_name(o->verdict),
		      "seconds", o->seconds,
		      "expect_fail", o->expect_fail,
		      "kernel", o->used_dev,
		      "kernel_source", ktstr_kernel_source_name(o->kernel_source),
		      "reason", o->reason);
	details = json_array();
	cgroups = json_array();
	if (!j || !details || !cgroups) {
		json_decref(j);
		json_decref(details);
		json_decref(cgroups);
		return NULL;
	}
	for (size_t i = 0; i < o->res.nr_details; i++)
		json_array_append_new(details, detail_json(&o->res.details[i]));
	for (size_t i = 0; i < o->res.nr_cgroups; i++)
		json_array_append_new(cgroups, cgroup_json(&o->res.cgroups[i],
							   o->kernel_source));
	json_object_set_new(j, "details", details);
	json_object_set_new(j, "cgroups", cgroups);
	return j;
}

json_t *ktstr_outcomes_to_json(const struct ktstr_outcome *o, int n,
			       const struct ktstr_run_opts *opts)
{
	int passed = 0, failed = 0, skipped = 0;
	json_t *root, *results;

	results = json_array();
	if (!results)
		return NULL;
	for (int i = 0; i < n; i++) {
		json_array_append_new(results, outcome_json(&o[i]));
		passed += o[i].verdict == KTSTR_VERDICT_PASS;
		failed += o[i].verdict == KTSTR_VERDICT_FAIL;
		skipped += o[i].verdict == KTSTR_VERDICT_SKIP;
	}
	root = json_pack("{s:i, s:I, s:i, s:I, s:b, s:s, s:o, s:{s:i, s:i, s:i, s:i}}",
			 "version", KTSTR_RUN_JSON_VERSION,
			 "duration_ms", (json_int_t)(opts ? opts->duration_ms : 0),
			 "workers", opts ? opts->workers : 0,
			 "settle_ms", (json_int_t)(opts ? opts->settle_ms : 0),
			 "kernel_module", opts && ktstr_collector_dev(opts->collector),
			 "kernel_source", opts && opts->collector ?
				 ktstr_collector_name(opts->collector) : "none",
			 "results", results,
			 "summary",
			 "total", n, "passed", passed, "failed", failed,
			 "skipped", skipped);
	if (root)
		json_object_set_new(root, "provenance", ktstr_provenance_json());
	/* The scheduler the run started: {"name","pid","path","restarts","exit":{...}|null}. */
	if (root && opts && opts->scx) {
		const struct ktstr_scx *x = opts->scx;
		json_t *ex = json_null();

		if (x->dead)
			ex = json_pack("{s:i, s:o, s:s, s:s}",
				       "kind", x->exit.kind,
				       "status", x->exit.exited ?
				       json_integer(x->exit.status) : json_null(),
				       "reason", x->exit.reason,
				       "summary", x->summary);
		json_object_set_new(root, "scheduler",
				    json_pack("{s:s, s:i, s:s, s:i, s:o}",
					      "name", x->name, "pid", (int)x->pid,
					      "path", x->path, "restarts", (int)x->restarts,
					      "exit", ex ? ex : json_null()));
	}
	return root;
}

static enum ktstr_verdict verdict_from(const char *s)
{
	if (s && !strcmp(s, "PASS"))
		return KTSTR_VERDICT_PASS;
	if (s && !strcmp(s, "FAIL"))
		return KTSTR_VERDICT_FAIL;
	return KTSTR_VERDICT_SKIP;
}

static enum ktstr_detail_kind kind_from(const char *s)
{
	for (int k = 0; k < KTSTR_DETAIL__COUNT; k++)
		if (s && !strcmp(s, ktstr_detail_kind_name(k)))
			return k;
	return KTSTR_DETAIL_OTHER;
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

int ktstr_outcome_from_json(const json_t *j, struct ktstr_outcome *o)
{
	const json_t *arr, *e;
	size_t i;

	if (!o || !json_is_object(j))
		return -EINVAL;
	ktstr_outcome_init(o);
	if (!json_is_string(json_object_get(j, "name")) ||
	    !json_is_string(json_object_get(j, "verdict")))
		return -EINVAL;
	snprintf(o->name, sizeof(o->name), "%s", str(j, "name"));
	snprintf(o->category, sizeof(o->category), "%s", str(j, "category"));
	snprintf(o->reason, sizeof(o->reason), "%s", str(j, "reason"));
	o->verdict = verdict_from(str(j, "verdict"));
	o->seconds = json_number_value(json_object_get(j, "seconds"));
	o->expect_fail = json_is_true(json_object_get(j, "expect_fail"));
	o->used_dev = json_is_true(json_object_get(j, "kernel"));
	if (json_is_string(json_object_get(j, "kernel_source")))
		o->kernel_source = ksrc_from(str(j, "kernel_source"));
	else	/* written before the field existed */
		o->kernel_source = o->used_dev ? KTSTR_KSRC_MODULE : KTSTR_KSRC_NONE;

	arr = json_object_get(j, "details");
	json_array_foreach(arr, i, e) {
		struct ktstr_assert_detail d;
		int ret;

		memset(&d, 0, sizeof(d));
		d.kind = kind_from(str(e, "kind"));
		d.message = (char *)str(e, "message");
		d.pid = (pid_t)json_integer_value(json_object_get(e, "pid"));
		d.cpu = (int)json_integer_value(json_object_get(e, "cpu"));
		snprintf(d.comm, sizeof(d.comm), "%s", str(e, "comm"));
		snprintf(d.cgroup, sizeof(d.cgroup), "%s", str(e, "cgroup"));
		d.duration_ns = json_integer_value(json_object_get(e, "duration_ns"));
		d.cause_pid = json_object_get(e, "cause_pid") ?
			(pid_t)json_integer_value(json_object_get(e, "cause_pid")) : -1;
		ret = ktstr_assert_result_add(&o->res, &d);
		if (ret)
			return ret;
	}

	arr = json_object_get(j, "cgroups");
	if (json_array_size(arr)) {
		o->res.cgroups = calloc(json_array_size(arr), sizeof(*o->res.cgroups));
		if (!o->res.cgroups)
			return -ENOMEM;
		o->res.cap_cgroups = json_array_size(arr);
	}
	json_array_foreach(arr, i, e) {
		struct ktstr_cgroup_stats *c = &o->res.cgroups[o->res.nr_cgroups++];
		const json_t *k = json_object_get(e, "kernel");

		snprintf(c->name, sizeof(c->name), "%s", str(e, "name"));
		c->workers = (int)json_integer_value(json_object_get(e, "workers"));
		c->cpus = (int)json_integer_value(json_object_get(e, "cpus"));
		c->spread = json_number_value(json_object_get(e, "spread_pct"));
		c->max_gap_ms = json_integer_value(json_object_get(e, "max_gap_ms"));
		c->migrations = json_integer_value(json_object_get(e, "migrations"));
		c->iterations = json_integer_value(json_object_get(e, "iterations"));
		c->p99_wake_latency_us =
			json_integer_value(json_object_get(e, "p99_wake_latency_us"));
		if (json_is_object(k)) {
			c->has_kernel = true;
			c->kernel_tasks = (int)json_integer_value(json_object_get(k, "tasks"));
			c->max_wait_ns = json_integer_value(json_object_get(k, "max_wait_ns"));
			c->max_wait_ms = c->max_wait_ns / 1000000;
			/* null (taskstats): unknown, as ctx.c leaves it. */
			c->max_wait_pid = json_is_null(json_object_get(k, "max_wait_pid")) ? -1 :
				(pid_t)json_integer_value(json_object_get(k, "max_wait_pid"));
			snprintf(c->max_wait_comm, sizeof(c->max_wait_comm), "%s",
				 str(k, "max_wait_comm"));
			c->max_wait_cpu = json_is_null(json_object_get(k, "max_wait_cpu")) ? -1 :
				(int)json_integer_value(json_object_get(k, "max_wait_cpu"));
			c->total_wait_ns = json_integer_value(json_object_get(k, "total_wait_ns"));
			c->wait_spread = json_number_value(json_object_get(k, "wait_spread_pct"));
			c->kernel_migrations = json_integer_value(json_object_get(k, "migrations"));
			c->starvations = json_integer_value(json_object_get(k, "starvations"));
		}
	}
	/* The verdict is the file's, whatever the details would merge to. */
	o->res.verdict = o->verdict;
	return 0;
}
