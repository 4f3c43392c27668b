/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `ktstr stat` output: the per-task table and the JSON document
 * (docs/stat-json.md). Pure functions over records, so that tests can feed
 * hand-made arrays; the device I/O lives in user/cmd/cmd_stat.c.
 */
#ifndef KTSTR_STAT_H
#define KTSTR_STAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <linux/ktstr.h>
#include <ktstr/collector.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/* Version of the JSON document ("version" key); bump on incompatible change. */
#define KTSTR_STAT_JSON_VERSION	1

/*
 * Everything one `ktstr stat` run reports. Every pointer may be NULL (with
 * its count 0 for arrays); optional numbers are 0 when unknown.
 */
struct ktstr_stat_report {
	const char *const *argv;		/* the command, NULL-terminated */
	const struct ktstr_version *version;	/* from KTSTR_IOC_VERSION */
	const struct ktstr_stats *stats;	/* from KTSTR_IOC_STATS */
	const struct ktstr_task_rec *tasks;
	size_t nr_tasks;
	const struct ktstr_cpu_rec *cpus;
	size_t nr_cpus;
	const struct ktstr_event *events;	/* starvation events, in order */
	size_t nr_events;
	uint64_t starve_threshold_ns;
	uint64_t dropped;		/* tasks not tracked: table full */
	uint64_t events_lost;		/* events the module could not queue */
	uint64_t snapshot_ns;		/* CLOCK_MONOTONIC of the task snapshot */
	uint64_t elapsed_ns;		/* wall time of the command */
	bool have_exit_status;
	int wait_status;		/* raw wait(2) status of the command */
	/*
	 * KTSTR_HAS_* bits (<ktstr/collector.h>) the backend does NOT measure
	 * (0: all, the module): their columns print "-", and starvation is
	 * judged from the longest waits (no watchdog) or not at all (no
	 * longest wait either), and the summary says which.
	 */
	unsigned int lacks;
	const char *backend;		/* its name, for those lines; may be NULL */
};

/**
 * ktstr_stat_shell_status() - a wait(2) status as a shell reports it
 * @wait_status: the raw status
 *
 * Return: the exit code, or 128 + signal.
 */
int ktstr_stat_shell_status(int wait_status);

/**
 * ktstr_stat_sort_tasks() - sort records by pid, then start time
 * @tasks: the records (pids can be reused)
 * @n: how many
 */
void ktstr_stat_sort_tasks(struct ktstr_task_rec *tasks, size_t n);

/**
 * ktstr_stat_comm() - a comm, printable
 * @comm: KTSTR_COMM_LEN bytes, maybe not NUL-terminated
 * @out: receives it (at least KTSTR_COMM_LEN + 1 bytes), non-printable
 *	bytes replaced with '?'
 *
 * Return: @out.
 */
char *ktstr_stat_comm(const char *comm, char *out);

/**
 * ktstr_stat_format_event() - a starvation event as one line
 * @ev: the event
 * @buf: receives the line, without a newline:
 *	"ktstr: starvation: comm[pid] runnable 1234.5 ms on cpu 1" (BEGIN),
 *	"ktstr: starvation: comm[pid] ran after 2345.6 ms on cpu 1" (END)
 * @len: size of @buf
 *
 * Return: the length needed, as snprintf(); -EINVAL for a NULL @ev.
 */
int ktstr_stat_format_event(const struct ktstr_event *ev, char *buf, size_t len);

/**
 * ktstr_stat_seq_gaps() - events missing from a sequence read in order
 * @ev: the events
 * @n: how many
 * @first_seq: the sequence number expected first (1 for a fresh session)
 *
 * Return: the number of gaps in ev->seq.
 */
uint64_t ktstr_stat_seq_gaps(const struct ktstr_event *ev, size_t n,
			     uint64_t first_seq);

/**
 * ktstr_stat_print_table() - the report as a table
 * @f: where it goes: a title, one row per task sorted by pid, a totals
 *	row, then elapsed time/exit status, warnings (dropped tasks, lost
 *	events) and the starvation summary
 * @r: the report
 *
 * Return: 0, -EINVAL, -ENOMEM, or -EIO if writing to @f failed.
 */
int ktstr_stat_print_table(FILE *f, const struct ktstr_stat_report *r);

/* ---- views: rows per task or rolled up, sorted, cut, with histograms ---- */

/* What one row of a view is. */
enum ktstr_stat_by {
	KTSTR_STAT_BY_TASK,	/* one row per task (the default table) */
	KTSTR_STAT_BY_COMM,	/* per command name, with a task count */
	KTSTR_STAT_BY_TGID,	/* per process */
	KTSTR_STAT_BY_CGROUP,	/* per cgroup (v2 id) */
};

/* A column to sort rows by, largest first (NONE: by pid or name). */
enum ktstr_stat_key {
	KTSTR_STAT_KEY_NONE,
	KTSTR_STAT_KEY_RUN,
	KTSTR_STAT_KEY_WAIT,
	KTSTR_STAT_KEY_MAX_WAIT,
	KTSTR_STAT_KEY_P99,
	KTSTR_STAT_KEY_WAKEUPS,
	KTSTR_STAT_KEY_MIGRATIONS,
	KTSTR_STAT_KEY_STARVATIONS,
};

/**
 * struct ktstr_stat_view - how ktstr_stat_print_view() shows a report
 * @by: what one row is
 * @sort: the column rows are sorted by, largest first
 * @top: rows shown after sorting; 0: all
 * @hist: a log2 histogram under the table, per row
 */
struct ktstr_stat_view {
	enum ktstr_stat_by by;
	enum ktstr_stat_key sort;
	size_t top;
	bool hist;
};

/**
 * ktstr_stat_by_parse() - what one row is, by name
 * @s: "task", "comm", "tgid" or "cgroup"
 * @out: receives it
 *
 * Return: 0, or -EINVAL.
 */
int ktstr_stat_by_parse(const char *s, enum ktstr_stat_by *out);

/**
 * ktstr_stat_key_parse() - a sort column, by name
 * @s: "run", "wait", "max-wait", "p99", "wakeups", "migrations" or
 *	"starvations"
 * @out: receives it
 *
 * Return: 0, or -EINVAL.
 */
int ktstr_stat_key_parse(const char *s, enum ktstr_stat_key *out);

/**
 * ktstr_stat_hist_percentile() - a percentile of a wake-to-run histogram
 * @hist: the histogram
 * @pct: the percentile, 0 < @pct <= 100
 *
 * Return: the upper bound of the bucket it falls in (the lower bound for
 * the last, open bucket); 0 for an empty histogram.
 */
uint64_t ktstr_stat_hist_percentile(const uint32_t *hist, double pct);

/**
 * ktstr_stat_print_view() - the report as a view
 * @f: where it goes
 * @r: the report
 * @v: the view: the default (by task, no sort, no cut, no histogram) is
 *	ktstr_stat_print_table(); any other is a compact table of rows (at
 *	most 80 columns wide: key, tasks, run, wait and longest wait in ms,
 *	p50 and p99 wake-to-run latency in us, migrations, starvations), then
 *	with @v->hist a runqlat-style histogram per row
 *
 * Return: 0, or a negative errno.
 */
int ktstr_stat_print_view(FILE *f, const struct ktstr_stat_report *r,
			  const struct ktstr_stat_view *v);

/**
 * ktstr_stat_to_json() - the report as JSON (docs/stat-json.md)
 * @r: the report; its backend (null without one) and this machine's
 *	provenance end the document, as `ktstr stat --json` writes it
 *
 * Return: a new reference, or NULL on bad input or when out of memory.
 */
json_t *ktstr_stat_to_json(const struct ktstr_stat_report *r);

/**
 * ktstr_stat_task_json() - one task record as JSON
 * @t: the record
 *
 * Return: a new reference, or NULL on bad input or when out of memory.
 */
json_t *ktstr_stat_task_json(const struct ktstr_task_rec *t);

/**
 * ktstr_stat_cpu_json() - one CPU record as JSON
 * @c: the record
 *
 * Return: a new reference, or NULL on bad input or when out of memory.
 */
json_t *ktstr_stat_cpu_json(const struct ktstr_cpu_rec *c);

/**
 * ktstr_stat_event_json() - one event as JSON
 * @ev: the event
 *
 * Return: a new reference, or NULL on bad input or when out of memory.
 */
json_t *ktstr_stat_event_json(const struct ktstr_event *ev);

/**
 * ktstr_stat_write_json() - write the report as JSON, atomically
 * @path: the file: written as a temporary file in the same directory,
 *	fsync()ed, renamed
 * @r: the report
 *
 * Return: 0, or -errno (nothing is left behind on failure).
 */
int ktstr_stat_write_json(const char *path, const struct ktstr_stat_report *r);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_STAT_H */
