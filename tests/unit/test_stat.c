// SPDX-License-Identifier: GPL-2.0
/* Host unit tests of the `ktstr stat` output (user/lib/results/stat_*.c). */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include <ktstr/dev.h>
#include <ktstr/stat.h>
#include <ktstr/util.h>

static void set_cpu(struct ktstr_task_rec *t, int cpu)
{
	t->cpus[cpu / 64] |= 1ULL << (cpu % 64);
}

/* Two tasks, deliberately out of pid order; two CPUs; two events. */
static struct ktstr_task_rec tasks[2];
static struct ktstr_cpu_rec cpus[2];
static struct ktstr_event events[2];
static struct ktstr_version version;
static struct ktstr_stats stats;
static const char *const argv_cmd[] = { "sh", "-c", "true", NULL };

static void make_report(struct ktstr_stat_report *r)
{
	memset(tasks, 0, sizeof(tasks));
	tasks[0].pid = 20;
	tasks[0].tgid = 10;
	snprintf(tasks[0].comm, sizeof(tasks[0].comm), "worker");
	tasks[0].state = KTSTR_STATE_RUNNABLE;
	tasks[0].last_cpu = 1;
	tasks[0].max_wait_cpu = -1;
	tasks[0].run_ns = 5000000;
	set_cpu(&tasks[0], 1);

	tasks[1].pid = 10;
	tasks[1].tgid = 10;
	snprintf(tasks[1].comm, sizeof(tasks[1].comm), "sh");
	tasks[1].state = KTSTR_STATE_DEAD;
	tasks[1].flags = KTSTR_TASK_EXITED | KTSTR_TASK_FREED;
	tasks[1].last_cpu = 0;
	tasks[1].max_wait_cpu = 1;
	tasks[1].exit_code = 3 << 8;
	tasks[1].nr_cpus = 3;
	tasks[1].cgroup_id = 77;
	tasks[1].start_time_ns = 11;
	tasks[1].first_seen_ns = 1000;
	tasks[1].last_seen_ns = 2000;
	tasks[1].run_ns = 1234567890;
	tasks[1].wait_ns = 2345678;
	tasks[1].max_wait_ns = 1500000000;
	tasks[1].max_wait_at_ns = 1900;
	tasks[1].cur_wait_ns = 0;
	tasks[1].nr_runs = 101;
	tasks[1].nr_voluntary = 60;
	tasks[1].nr_involuntary = 41;
	tasks[1].nr_wakeups = 59;
	tasks[1].nr_migrations = 4;
	tasks[1].nr_starvations = 1;
	tasks[1].max_starve_ns = 1600000000;	/* the record's, preferred to events */
	tasks[1].max_starve_cpu = 1;
	tasks[1].wake_wait_ns = 999;
	tasks[1].nr_wake_waits = 9;
	tasks[1].kern_sum_exec_ns = 1234567999;
	tasks[1].kern_run_delay_ns = 2345999;
	tasks[1].kern_pcount = 102;
	tasks[1].kern_nvcsw = 61;
	tasks[1].kern_nivcsw = 42;
	tasks[1].kern_nr_migrations = 5;
	tasks[1].hist[0] = 2;
	tasks[1].hist[3] = 7;
	tasks[1].hist[KTSTR_HIST_BUCKETS - 1] = 1;
	set_cpu(&tasks[1], 0);
	set_cpu(&tasks[1], 1);
	set_cpu(&tasks[1], 5);

	memset(cpus, 0, sizeof(cpus));
	for (int i = 0; i < 2; i++) {
		cpus[i].cpu = (uint32_t)i;
		cpus[i].online = 1;
		cpus[i].nr_switches = 100 + (uint64_t)i;
		cpus[i].busy_ns = 5000 + (uint64_t)i;
		cpus[i].max_wait_ns = 1500000000;
		cpus[i].max_wait_pid = 10;
		cpus[i].tracked_run_ns = 4000;
	}
	cpus[1].online = 0;

	memset(events, 0, sizeof(events));
	events[0].type = KTSTR_EV_STARVE_BEGIN;
	events[0].cpu = 1;
	events[0].pid = 10;
	events[0].tgid = 10;
	events[0].time_ns = 1500;
	events[0].wait_ns = 1000100000;
	events[0].wait_start_ns = 400;
	snprintf(events[0].comm, sizeof(events[0].comm), "sh");
	events[0].seq = 1;
	events[1] = events[0];
	events[1].type = KTSTR_EV_STARVE_END;
	events[1].wait_ns = 1500000000;
	events[1].time_ns = 1900;
	events[1].seq = 2;

	memset(&version, 0, sizeof(version));
	version.abi_major = KTSTR_ABI_MAJOR;
	version.abi_minor = KTSTR_ABI_MINOR;
	version.capacity = 4096;
	version.nr_cpu_ids = 2;
	version.max_cpus = KTSTR_MAX_CPUS;
	memset(&stats, 0, sizeof(stats));
	stats.nr_records = 2;
	stats.hits[0] = 500;

	memset(r, 0, sizeof(*r));
	r->argv = argv_cmd;
	r->version = &version;
	r->stats = &stats;
	r->tasks = tasks;
	r->nr_tasks = 2;
	r->cpus = cpus;
	r->nr_cpus = 2;
	r->events = events;
	r->nr_events = 2;
	r->starve_threshold_ns = 1000000000;
	r->dropped = 0;
	r->events_lost = 0;
	r->snapshot_ns = 3000;
	r->elapsed_ns = 1500000000;
	r->have_exit_status = true;
	r->wait_status = 3 << 8;	/* exit(3) */
}

static json_t *roundtrip(const struct ktstr_stat_report *r)
{
	json_t *doc = ktstr_stat_to_json(r), *back;
	json_error_t jerr;
	char *s;

	assert_non_null(doc);
	s = json_dumps(doc, 0);
	assert_non_null(s);
	json_decref(doc);
	back = json_loads(s, 0, &jerr);
	free(s);
	assert_non_null(back);
	return back;
}

static json_int_t geti(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		fail_msg("missing key '%s'", key);
	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

static const char *gets(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		fail_msg("missing key '%s'", key);
	assert_true(json_is_string(v));
	return json_string_value(v);
}

/* ---- JSON ---- */

static void test_json_top_level(void **state)
{
	struct ktstr_stat_report r;
	json_t *doc, *abi, *cmd;

	(void)state;
	make_report(&r);
	r.dropped = 5;
	r.events_lost = 2;
	doc = roundtrip(&r);
	assert_int_equal(geti(doc, "version"), KTSTR_STAT_JSON_VERSION);
	abi = json_object_get(doc, "abi");
	assert_true(json_is_object(abi));
	assert_int_equal(geti(abi, "major"), KTSTR_ABI_MAJOR);
	assert_int_equal(geti(abi, "minor"), KTSTR_ABI_MINOR);
	assert_int_equal(geti(abi, "capacity"), 4096);
	assert_int_equal(geti(doc, "dropped"), 5);
	assert_int_equal(geti(doc, "events_lost"), 2);
	assert_int_equal(geti(doc, "exit_status"), 3);
	assert_true(json_is_null(json_object_get(doc, "signal")));
	assert_int_equal(geti(doc, "starve_threshold_ns"), 1000000000);
	assert_int_equal(geti(doc, "elapsed_ns"), 1500000000);
	cmd = json_object_get(doc, "command");
	assert_int_equal(json_array_size(cmd), 3);
	assert_string_equal(json_string_value(json_array_get(cmd, 2)), "true");
	assert_int_equal(geti(json_object_get(json_object_get(doc, "stats"), "hits"),
			      "switch"), 500);
	assert_int_equal(json_array_size(json_object_get(doc, "hist_bounds_ns")),
			 KTSTR_HIST_BUCKETS);
	assert_true(json_is_array(json_object_get(doc, "tasks")));
	assert_true(json_is_array(json_object_get(doc, "cpus")));
	assert_true(json_is_array(json_object_get(doc, "starvations")));
	/* The whole document of docs/stat-json.md, as ktstr stat writes it. */
	assert_true(json_is_null(json_object_get(doc, "backend")));
	assert_true(json_is_object(json_object_get(doc, "provenance")));
	/* The module measures everything. */
	assert_int_equal(json_array_size(json_object_get(doc, "unmeasured")), 0);
	assert_string_equal(json_string_value(json_object_get(doc, "starvation_from")),
			    "watchdog");
	json_decref(doc);

	/* bpf: no watchdog, starvation from the longest waits. */
	r.lacks = KTSTR_HAS_WATCHDOG;
	doc = roundtrip(&r);
	cmd = json_object_get(doc, "unmeasured");
	assert_int_equal(json_array_size(cmd), 1);
	assert_string_equal(json_string_value(json_array_get(cmd, 0)), "watchdog");
	assert_string_equal(json_string_value(json_object_get(doc, "starvation_from")),
			    "longest_wait");
	json_decref(doc);

	/* taskstats: six things unmeasured, starvation not judged. */
	r.lacks = KTSTR_HAS_ALL;
	doc = roundtrip(&r);
	cmd = json_object_get(doc, "unmeasured");
	assert_int_equal(json_array_size(cmd), 6);
	assert_string_equal(json_string_value(json_array_get(cmd, 0)), "max_wait");
	assert_string_equal(json_string_value(json_array_get(cmd, 4)), "hist");
	assert_string_equal(json_string_value(json_object_get(doc, "starvation_from")),
			    "not_judged");
	json_decref(doc);
}

static void test_json_tasks(void **state)
{
	static const char *const required[] = {
		"pid", "tgid", "comm", "run_ns", "wait_ns", "max_wait_ns", "nr_runs",
		"nr_voluntary", "nr_involuntary", "nr_wakeups", "nr_migrations", "cpus",
		"state", "flags", "last_cpu", "max_wait_cpu", "exit_code", "nr_cpus",
		"cgroup_id", "start_time_ns", "first_seen_ns", "last_seen_ns",
		"max_wait_at_ns", "cur_wait_ns", "nr_starvations", "max_starve_ns", "max_starve_cpu", "wake_wait_ns",
		"nr_wake_waits", "kern_sum_exec_ns", "kern_run_delay_ns", "kern_pcount",
		"kern_nvcsw", "kern_nivcsw", "kern_nr_migrations", "hist",
	};
	struct ktstr_stat_report r;
	json_t *doc, *arr, *t, *c, *h, *f;

	(void)state;
	make_report(&r);
	doc = roundtrip(&r);
	arr = json_object_get(doc, "tasks");
	assert_int_equal(json_array_size(arr), 2);
	/* Sorted by pid, although the input was not. */
	t = json_array_get(arr, 0);
	assert_int_equal(geti(t, "pid"), 10);
	assert_int_equal(geti(json_array_get(arr, 1), "pid"), 20);
	for (size_t i = 0; i < KTSTR_ARRAY_SIZE(required); i++)
		if (!json_object_get(t, required[i]))
			fail_msg("task field '%s' missing", required[i]);

	assert_int_equal(geti(t, "tgid"), 10);
	assert_string_equal(gets(t, "comm"), "sh");
	assert_string_equal(gets(t, "state"), "dead");
	assert_int_equal(geti(t, "run_ns"), 1234567890);
	assert_int_equal(geti(t, "wait_ns"), 2345678);
	assert_int_equal(geti(t, "max_wait_ns"), 1500000000);
	assert_int_equal(geti(t, "nr_runs"), 101);
	assert_int_equal(geti(t, "nr_voluntary"), 60);
	assert_int_equal(geti(t, "nr_involuntary"), 41);
	assert_int_equal(geti(t, "nr_wakeups"), 59);
	assert_int_equal(geti(t, "nr_migrations"), 4);
	assert_int_equal(geti(t, "max_wait_cpu"), 1);
	assert_int_equal(geti(t, "exit_code"), 3 << 8);
	assert_int_equal(geti(t, "kern_nivcsw"), 42);
	assert_int_equal(geti(t, "kern_run_delay_ns"), 2345999);
	assert_int_equal(geti(t, "cgroup_id"), 77);

	c = json_object_get(t, "cpus");
	assert_int_equal(json_array_size(c), 3);
	assert_int_equal(json_integer_value(json_array_get(c, 0)), 0);
	assert_int_equal(json_integer_value(json_array_get(c, 1)), 1);
	assert_int_equal(json_integer_value(json_array_get(c, 2)), 5);

	h = json_object_get(t, "hist");
	assert_int_equal(json_array_size(h), KTSTR_HIST_BUCKETS);
	assert_int_equal(json_integer_value(json_array_get(h, 0)), 2);
	assert_int_equal(json_integer_value(json_array_get(h, 3)), 7);
	assert_int_equal(json_integer_value(json_array_get(h, KTSTR_HIST_BUCKETS - 1)), 1);

	f = json_object_get(t, "flags");
	assert_int_equal(json_array_size(f), 2);
	assert_string_equal(json_string_value(json_array_get(f, 0)), "exited");
	assert_string_equal(json_string_value(json_array_get(f, 1)), "freed");

	/* The live task: no exit code yet. */
	t = json_array_get(arr, 1);
	assert_true(json_is_null(json_object_get(t, "exit_code")));
	assert_string_equal(gets(t, "state"), "runnable");
	assert_int_equal(json_array_size(json_object_get(t, "flags")), 0);
	json_decref(doc);
}

static void test_json_cpus_and_starvations(void **state)
{
	struct ktstr_stat_report r;
	json_t *doc, *c, *s;

	(void)state;
	make_report(&r);
	doc = roundtrip(&r);
	c = json_array_get(json_object_get(doc, "cpus"), 1);
	assert_int_equal(geti(c, "cpu"), 1);
	assert_true(json_is_false(json_object_get(c, "online")));
	assert_int_equal(geti(c, "nr_switches"), 101);
	assert_int_equal(geti(c, "busy_ns"), 5001);
	assert_int_equal(geti(c, "max_wait_pid"), 10);
	assert_int_equal(geti(c, "tracked_run_ns"), 4000);
	assert_non_null(json_object_get(c, "nr_runnable"));
	assert_non_null(json_object_get(c, "max_wait_ns"));

	s = json_object_get(doc, "starvations");
	assert_int_equal(json_array_size(s), 2);
	assert_string_equal(gets(json_array_get(s, 0), "type"), "begin");
	s = json_array_get(s, 1);
	assert_string_equal(gets(s, "type"), "end");
	assert_int_equal(geti(s, "pid"), 10);
	assert_string_equal(gets(s, "comm"), "sh");
	assert_int_equal(geti(s, "cpu"), 1);
	assert_int_equal(geti(s, "wait_ns"), 1500000000);
	assert_int_equal(geti(s, "time_ns"), 1900);
	assert_int_equal(geti(s, "wait_start_ns"), 400);
	assert_int_equal(geti(s, "seq"), 2);
	json_decref(doc);
}

static void test_json_odd_input(void **state)
{
	struct ktstr_stat_report r;
	json_t *doc, *t;

	(void)state;
	make_report(&r);
	/* comm: 16 bytes, no NUL, invalid UTF-8 in the middle. */
	memcpy(tasks[1].comm, "ab\xff" "cdefghijklmno", KTSTR_COMM_LEN);
	tasks[1].run_ns = UINT64_MAX;	/* beyond int64: clamped, not negative */
	r.version = NULL;
	r.stats = NULL;
	r.have_exit_status = false;
	doc = roundtrip(&r);
	t = json_array_get(json_object_get(doc, "tasks"), 0);
	assert_string_equal(gets(t, "comm"), "ab?cdefghijklmno");
	assert_true(geti(t, "run_ns") == INT64_MAX);
	assert_true(json_is_null(json_object_get(doc, "abi")));
	assert_true(json_is_null(json_object_get(doc, "stats")));
	assert_true(json_is_null(json_object_get(doc, "exit_status")));
	json_decref(doc);

	/* Empty report: empty arrays, not missing keys. */
	memset(&r, 0, sizeof(r));
	doc = roundtrip(&r);
	assert_int_equal(json_array_size(json_object_get(doc, "tasks")), 0);
	assert_true(json_is_array(json_object_get(doc, "cpus")));
	assert_true(json_is_array(json_object_get(doc, "starvations")));
	json_decref(doc);

	/* Bad input. */
	r.nr_tasks = 1;
	assert_null(ktstr_stat_to_json(&r));
	assert_null(ktstr_stat_to_json(NULL));
}

static void test_json_signal(void **state)
{
	struct ktstr_stat_report r;
	json_t *doc;

	(void)state;
	make_report(&r);
	r.wait_status = SIGKILL;	/* killed by signal 9 */
	doc = roundtrip(&r);
	assert_int_equal(geti(doc, "exit_status"), 128 + SIGKILL);
	assert_int_equal(geti(doc, "signal"), SIGKILL);
	json_decref(doc);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_write_json_file(void **state)
{
	char dir[] = "/tmp/ktstr-test-json.XXXXXX", path[128], bad[160];
	struct ktstr_stat_report r;
	json_error_t jerr;
	struct stat sb;
	mode_t old;
	json_t *doc;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out.json", dir);
	make_report(&r);

	/* Replaces an existing file atomically. */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("old", f);
	fclose(f);
	old = umask(022);
	assert_int_equal(ktstr_stat_write_json(path, &r), 0);
	umask(old);
	doc = json_load_file(path, 0, &jerr);
	assert_non_null(doc);
	assert_int_equal(json_array_size(json_object_get(doc, "tasks")), 2);
	json_decref(doc);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0644);
	assert_int_equal(count_entries(dir), 1);	/* no temp file left */

	/* Errors are reported, and leave nothing behind. */
	snprintf(bad, sizeof(bad), "%s/missing/out.json", dir);
	assert_int_equal(ktstr_stat_write_json(bad, &r), -ENOENT);
	assert_int_equal(ktstr_stat_write_json(dir, &r), -EISDIR);
	assert_int_equal(count_entries(dir), 1);
	assert_int_equal(ktstr_stat_write_json(NULL, &r), -EINVAL);
	assert_int_equal(ktstr_stat_write_json(path, NULL), -EINVAL);

	unlink(path);
	rmdir(dir);
}

/* ---- table ---- */

static char *table(const struct ktstr_stat_report *r, int *ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	*ret = ktstr_stat_print_table(f, r);
	fclose(f);
	assert_non_null(buf);
	return buf;
}

/* The line of out that starts (after spaces) with word, or NULL. */
static const char *find_row(const char *out, const char *word)
{
	for (const char *l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *p = l;

		while (*p == ' ')
			p++;
		if (!strncmp(p, word, strlen(word)) && p[strlen(word)] == ' ')
			return l;
	}
	return NULL;
}

static size_t col_of(const char *line, const char *needle)
{
	const char *eol = strchr(line, '\n'), *p = strstr(line, needle);

	assert_non_null(p);
	assert_true(!eol || p < eol);
	return (size_t)(p - line);
}

static void test_table_rows(void **state)
{
	struct ktstr_stat_report r;
	const char *head, *r10, *r20, *tot;
	char *out;
	int ret;

	(void)state;
	make_report(&r);
	out = table(&r, &ret);
	assert_int_equal(ret, 0);
	head = find_row(out, "pid");
	r10 = find_row(out, "10");
	r20 = find_row(out, "20");
	tot = find_row(out, "-");
	assert_non_null(head);
	assert_non_null(r10);
	assert_non_null(r20);
	assert_non_null(tot);
	/* Sorted by pid, totals last. */
	assert_true(head < r10 && r10 < r20 && r20 < tot);
	/* Values in ms with one decimal, cpus as a list. */
	assert_non_null(strstr(r10, "1234.6"));
	assert_non_null(strstr(r10, "1500.0"));
	assert_true(col_of(r10, "0-1,5") == col_of(head, "cpus"));
	assert_true(col_of(r20, " 1\n") + 1 == col_of(head, "cpus"));
	/* Totals: sums and the union of CPUs. */
	assert_non_null(strstr(tot, "total"));
	assert_non_null(strstr(tot, "1239.6"));	/* 1234.5679 + 5.0 ms */
	assert_true(col_of(tot, "0-1,5") == col_of(head, "cpus"));
	/* Right-aligned numeric columns end at the same place as the title. */
	assert_true(col_of(r10, "1234.6") + strlen("1234.6") ==
		    col_of(head, "run ms") + strlen("run ms"));
	assert_non_null(strstr(out, "2 tasks (1 exited)"));
	assert_non_null(strstr(out, "exit status 3"));
	assert_non_null(strstr(out, "'sh -c true'"));
	assert_null(strstr(out, "warning"));
	assert_non_null(strstr(out, "starvations: 1 episode in 1 task (threshold 1000.0 ms)"));
	assert_non_null(strstr(out, "longest 1600.0 ms: sh[10] on cpu 1"));
	free(out);
}

/*
 * A backend without a watchdog (bpf): starvation judged from the longest
 * waits against the threshold, and said so; never "none" next to a 952 ms
 * wait past a 200 ms threshold.
 */
static void test_table_no_watchdog(void **state)
{
	struct ktstr_stat_report r;
	char *out;
	int ret;

	(void)state;
	make_report(&r);
	tasks[1].nr_starvations = 0;	/* no watchdog, no episodes */
	tasks[1].max_starve_ns = 0;
	tasks[1].max_wait_ns = 952000000;
	r.nr_events = 0;
	r.events = NULL;
	r.starve_threshold_ns = 200000000;
	r.lacks = KTSTR_HAS_WATCHDOG;
	r.backend = "bpf";
	out = table(&r, &ret);
	assert_int_equal(ret, 0);
	assert_null(strstr(out, "starvations: none"));
	assert_non_null(strstr(out, "starvations: 1 task waited past the threshold (200.0 ms), "
				    "longest 952.0 ms: sh[10] on cpu 1"));
	assert_non_null(strstr(out, "backend bpf has no watchdog"));
	free(out);

	/* A wait still in progress at the snapshot counts, on its last CPU. */
	tasks[1].max_wait_ns = 100000000;
	tasks[1].cur_wait_ns = 300000000;
	tasks[1].last_cpu = 0;
	out = table(&r, &ret);
	assert_non_null(strstr(out, "longest 300.0 ms: sh[10] on cpu 0"));
	free(out);

	/* At the threshold is not past it. */
	tasks[1].cur_wait_ns = 0;
	tasks[1].max_wait_ns = 200000000;
	out = table(&r, &ret);
	assert_non_null(strstr(out, "starvations: none: no task's longest wait passed the "
				    "threshold (200.0 ms)"));
	assert_non_null(strstr(out, "backend bpf has no watchdog"));
	free(out);
}

/* taskstats: unknown columns print "-", starvation is not judged. */
static void test_table_taskstats_unknown(void **state)
{
	struct ktstr_stat_report r;
	const char *head, *r10;
	char *out;
	int ret;

	(void)state;
	make_report(&r);
	for (int i = 0; i < 2; i++) {
		tasks[i].max_wait_ns = 0;
		tasks[i].nr_wakeups = 0;
		tasks[i].nr_migrations = 0;
		tasks[i].nr_starvations = 0;
		tasks[i].max_starve_ns = 0;
		memset(tasks[i].cpus, 0, sizeof(tasks[i].cpus));
	}
	r.nr_events = 0;
	r.events = NULL;
	r.lacks = KTSTR_HAS_ALL;
	r.backend = "taskstats";
	out = table(&r, &ret);
	assert_int_equal(ret, 0);
	head = find_row(out, "pid");
	r10 = find_row(out, "10");
	assert_non_null(head);
	assert_non_null(r10);
	/* Right-aligned "-" under "max wait ms", "wakeups", "migr". */
	assert_true(col_of(head, "max wait ms") + strlen("max wait ms") ==
		    col_of(r10, "- ") + 1);
	{
		static const char want[] =
			" 10    10  sh      1234.6      2.3            -   101   60     41"
			"        -     -  -\n";

		assert_int_equal(strncmp(r10, want, strlen(want)), 0);
	}
	assert_non_null(strstr(out, "starvations: not judged (backend taskstats records no "
				    "longest wait"));
	assert_null(strstr(out, "starvations: none"));
	free(out);
}

static void test_rec_starved(void **state)
{
	struct ktstr_task_rec t;
	uint64_t w = 0;
	int cpu = 0;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.max_wait_ns = 500;
	t.max_wait_cpu = 3;
	t.last_cpu = 1;
	assert_false(ktstr_task_rec_starved(&t, 500, &w, &cpu));
	assert_int_equal(w, 500);
	assert_int_equal(cpu, 3);
	assert_true(ktstr_task_rec_starved(&t, 499, NULL, NULL));
	t.cur_wait_ns = 600;
	assert_true(ktstr_task_rec_starved(&t, 500, &w, &cpu));
	assert_int_equal(w, 600);
	assert_int_equal(cpu, 1);
	assert_false(ktstr_task_rec_starved(NULL, 0, &w, &cpu));
}

static void test_table_warnings(void **state)
{
	struct ktstr_stat_report r;
	char *out;
	int ret;

	(void)state;
	make_report(&r);
	r.dropped = 3;
	r.events_lost = 4;
	r.wait_status = SIGTERM;
	out = table(&r, &ret);
	assert_int_equal(ret, 0);
	assert_non_null(strstr(out, "warning: 3 tasks not tracked"));
	assert_non_null(strstr(out, "capacity 4096"));
	assert_non_null(strstr(out, "warning: 4 starvation events lost"));
	assert_non_null(strstr(out, "killed by signal 15"));
	free(out);
}

static void test_table_zero_records(void **state)
{
	struct ktstr_stat_report r;
	char *out;
	int ret;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.starve_threshold_ns = 250000000;
	out = table(&r, &ret);
	assert_int_equal(ret, 0);
	assert_non_null(find_row(out, "pid"));
	assert_non_null(strstr(out, "total"));
	assert_non_null(strstr(out, "0 tasks"));
	assert_non_null(strstr(out, "starvations: none (threshold 250.0 ms)"));
	free(out);

	assert_int_equal(ktstr_stat_print_table(NULL, &r), -EINVAL);
	r.nr_tasks = 1;	/* count without array */
	out = table(&r, &ret);
	assert_int_equal(ret, -EINVAL);
	free(out);
}

static void test_table_long_comm(void **state)
{
	struct ktstr_stat_report r;
	const char *head, *row;
	char *out;
	int ret;

	(void)state;
	make_report(&r);
	/* 16 bytes, no NUL terminator, a control character. */
	memcpy(tasks[0].comm, "abcdefghijklm\nop", KTSTR_COMM_LEN);
	tasks[0].wait_ns = UINT64_MAX;
	out = table(&r, &ret);
	assert_int_equal(ret, 0);
	row = find_row(out, "20");
	head = find_row(out, "pid");
	assert_non_null(row);
	assert_non_null(strstr(row, "abcdefghijklm?op "));
	/* The wide comm widened the column for every row. */
	assert_true(col_of(row, "abcdefghijklm?op") == col_of(head, "comm"));
	assert_true(col_of(find_row(out, "10"), "0-1,5") == col_of(head, "cpus"));
	free(out);
}

/* ---- helpers ---- */

static void test_format_event(void **state)
{
	struct ktstr_event ev;
	char buf[128];

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.type = KTSTR_EV_STARVE_BEGIN;
	ev.pid = 42;
	ev.cpu = 1;
	ev.wait_ns = 1234500000;
	snprintf(ev.comm, sizeof(ev.comm), "stress");
	ktstr_stat_format_event(&ev, buf, sizeof(buf));
	assert_string_equal(buf, "ktstr: starvation: stress[42] runnable 1234.5 ms on cpu 1");
	ev.type = KTSTR_EV_STARVE_END;
	ev.wait_ns = 2345600000;
	ktstr_stat_format_event(&ev, buf, sizeof(buf));
	assert_string_equal(buf, "ktstr: starvation: stress[42] ran after 2345.6 ms on cpu 1");
	assert_int_equal(ktstr_stat_format_event(NULL, buf, sizeof(buf)), -EINVAL);
}

static void test_seq_gaps(void **state)
{
	struct ktstr_event ev[4];

	(void)state;
	memset(ev, 0, sizeof(ev));
	ev[0].seq = 1;
	ev[1].seq = 2;
	ev[2].seq = 5;
	ev[3].seq = 6;
	assert_int_equal(ktstr_stat_seq_gaps(ev, 4, 1), 2);
	assert_int_equal(ktstr_stat_seq_gaps(ev + 2, 2, 1), 4);
	assert_int_equal(ktstr_stat_seq_gaps(ev, 2, 1), 0);
	assert_int_equal(ktstr_stat_seq_gaps(NULL, 0, 1), 0);
}

static void test_shell_status_and_sort(void **state)
{
	struct ktstr_task_rec t[3];

	(void)state;
	assert_int_equal(ktstr_stat_shell_status(0), 0);
	assert_int_equal(ktstr_stat_shell_status(3 << 8), 3);
	assert_int_equal(ktstr_stat_shell_status(SIGKILL), 137);

	memset(t, 0, sizeof(t));
	t[0].pid = 7;
	t[0].start_time_ns = 50;
	t[1].pid = 3;
	t[2].pid = 7;
	t[2].start_time_ns = 10;	/* pid reused: older first */
	ktstr_stat_sort_tasks(t, 3);
	assert_int_equal(t[0].pid, 3);
	assert_int_equal(t[1].start_time_ns, 10);
	assert_int_equal(t[2].start_time_ns, 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_top_level),
		cmocka_unit_test(test_json_tasks),
		cmocka_unit_test(test_json_cpus_and_starvations),
		cmocka_unit_test(test_json_odd_input),
		cmocka_unit_test(test_json_signal),
		cmocka_unit_test(test_write_json_file),
		cmocka_unit_test(test_table_rows),
		cmocka_unit_test(test_table_warnings),
		cmocka_unit_test(test_table_no_watchdog),
		cmocka_unit_test(test_table_taskstats_unknown),
		cmocka_unit_test(test_rec_starved),
		cmocka_unit_test(test_table_zero_records),
		cmocka_unit_test(test_table_long_comm),
		cmocka_unit_test(test_format_event),
		cmocka_unit_test(test_seq_gaps),
		cmocka_unit_test(test_shell_status_and_sort),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
