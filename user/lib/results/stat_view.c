// SPDX-License-Identifier: GPL-2.0
/*
 * Views of a stat report (ktstr stat --by/--sort/--top/--hist): task
 * records rolled up per command, process or cgroup, sorted by a column,
 * cut to the first N rows, and each row's wake-to-run latency histogram
 * printed as runqlat prints its log2 histograms.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <ktstr/util.h>
#include <ktstr/dev.h>
#include <ktstr/stat.h>

#define KEY_LEN		24
#define BAR_WIDTH	40

/* One row: the sum of the tasks rolled into it. */
struct group {
	char key[KEY_LEN];
	long order;			/* pid, tgid or cgroup id: the unsorted order */
	size_t tasks;
	uint64_t run_ns, wait_ns, max_wait_ns, wakeups, migrations, starvations;
	uint32_t hist[KTSTR_HIST_BUCKETS];
};

static const char *const by_names[] = { "task", "comm", "tgid", "cgroup" };
static const char *const key_names[] = {
	"none", "run", "wait", "max-wait", "p99", "wakeups", "migrations", "starvations",
};

int ktstr_stat_by_parse(const char *s, enum ktstr_stat_by *out)
{
	for (size_t i = 0; s && i < KTSTR_ARRAY_SIZE(by_names); i++)
		if (!strcmp(s, by_names[i])) {
			*out = (enum ktstr_stat_by)i;
			return 0;
		}
	return -EINVAL;
}

int ktstr_stat_key_parse(const char *s, enum ktstr_stat_key *out)
{
	for (size_t i = 1; s && i < KTSTR_ARRAY_SIZE(key_names); i++)
		if (!strcmp(s, key_names[i])) {
			*out = (enum ktstr_stat_key)i;
			return 0;
		}
	return -EINVAL;
}

uint64_t ktstr_stat_hist_percentile(const uint32_t *hist, double pct)
{
	uint64_t total = 0, seen = 0, lo, hi;

	for (unsigned int b = 0; b < KTSTR_HIST_BUCKETS; b++)
		total += hist[b];
	if (!total || pct <= 0 || pct > 100)
		return 0;
	for (unsigned int b = 0; b < KTSTR_HIST_BUCKETS; b++) {
		seen += hist[b];
		/* The smallest bucket holding at least pct% of the samples. */
		if (seen * 100.0 >= pct * (double)total) {
			ktstr_hist_bucket_bounds(b, &lo, &hi);
			return hi == UINT64_MAX ? lo : hi;
		}
	}
	return 0;
}

static void key_of(const struct ktstr_task_rec *t, enum ktstr_stat_by by, char *key,
		   long *order)
{
	char comm[KTSTR_COMM_LEN + 1];

	ktstr_stat_comm(t->comm, comm);
	switch (by) {
	case KTSTR_STAT_BY_TASK:
		snprintf(key, KEY_LEN, "%s[%d]", comm, t->pid);
		*order = t->pid;
		break;
	case KTSTR_STAT_BY_COMM:
		snprintf(key, KEY_LEN, "%s", comm);
		*order = 0;
		break;
	case KTSTR_STAT_BY_TGID:
		snprintf(key, KEY_LEN, "%d", t->tgid);
		*order = t->tgid;
		break;
	case KTSTR_STAT_BY_CGROUP:
		snprintf(key, KEY_LEN, "%" PRIu64, (uint64_t)t->cgroup_id);
		*order = (long)t->cgroup_id;
		break;
	}
}

static void add_task(struct group *g, const struct ktstr_task_rec *t)
{
	g->tasks++;
	g->run_ns += t->run_ns;
	g->wait_ns += t->wait_ns;
	if (t->max_wait_ns > g->max_wait_ns)
		g->max_wait_ns = t->max_wait_ns;
	g->wakeups += t->nr_wakeups;
	g->migrations += t->nr_migrations;
	g->starvations += t->nr_starvations;
	for (unsigned int b = 0; b < KTSTR_HIST_BUCKETS; b++)
		g->hist[b] += t->hist[b];
}

/* The rows of @v over @r, unsorted; their count, or -ENOMEM. */
static long group(const struct ktstr_stat_report *r, enum ktstr_stat_by by,
		  struct group **out)
{
	struct group *g = calloc(r->nr_tasks + 1, sizeof(*g));
	size_t n = 0;

	if (!g)
		return -ENOMEM;
	for (size_t i = 0; i < r->nr_tasks; i++) {
		const struct ktstr_task_rec *t = &r->tasks[i];
		char key[KEY_LEN] = "";
		long order = 0;
		size_t k = n;

		key_of(t, by, key, &order);
		/* A task is a row of its own even if comm and pid repeat. */
		if (by != KTSTR_STAT_BY_TASK)
			for (k = 0; k < n && strcmp(g[k].key, key); k++)
				;
		if (k == n) {
			memcpy(g[n].key, key, KEY_LEN);
			g[n++].order = order;
		}
		add_task(&g[k], t);
	}
	/* A process is named by its first task's command. */
	if (by == KTSTR_STAT_BY_TGID)
		for (size_t k = 0; k < n; k++)
			for (size_t i = 0; i < r->nr_tasks; i++)
				if (r->tasks[i].pid == g[k].order) {
					char comm[KTSTR_COMM_LEN + 1];

					snprintf(g[k].key, KEY_LEN, "%ld %.16s", g[k].order,
						 ktstr_stat_comm(r->tasks[i].comm, comm));
					break;
				}
	*out = g;
	return (long)n;
}

static uint64_t metric(const struct group *g, enum ktstr_stat_key k)
{
	switch (k) {
	case KTSTR_STAT_KEY_RUN: return g->run_ns;
	case KTSTR_STAT_KEY_WAIT: return g->wait_ns;
	case KTSTR_STAT_KEY_MAX_WAIT: return g->max_wait_ns;
	case KTSTR_STAT_KEY_P99: return ktstr_stat_hist_percentile(g->hist, 99);
	case KTSTR_STAT_KEY_WAKEUPS: return g->wakeups;
	case KTSTR_STAT_KEY_MIGRATIONS: return g->migrations;
	case KTSTR_STAT_KEY_STARVATIONS: return g->starvations;
	case KTSTR_STAT_KEY_NONE: break;
	}
	return 0;
}

static enum ktstr_stat_key sort_key;

static int cmp_group(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	uint64_t mx = metric(x, sort_key), my = metric(y, sort_key);

	if (mx != my)
		return mx < my ? 1 : -1;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return strcmp(x->key, y->key);
}

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

static double us(uint64_t ns)
{
	return (double)ns / 1e3;
}

static const char *const by_title[] = { "task", "comm", "tgid comm", "cgroup id" };

static void print_rows(FILE *f, const struct group *g, size_t n, enum ktstr_stat_by by)
{
	/* 79 columns: key 20, then 9 numbers. */
	fprintf(f, "%-20s %5s %8s %8s %8s %6s %6s %5s %5s\n", by_title[by], "tasks",
		"run", "wait", "max wait", "p50", "p99", "migr", "starv");
	fprintf(f, "%-20s %5s %8s %8s %8s %6s %6s %5s %5s\n", "", "", "ms", "ms", "ms", "us",
		"us", "", "");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%-20.20s %5zu %8.1f %8.1f %8.1f %6.0f %6.0f %5" PRIu64 " %5" PRIu64
			"\n", g[i].key, g[i].tasks, ms(g[i].run_ns), ms(g[i].wait_ns),
			ms(g[i].max_wait_ns), us(ktstr_stat_hist_percentile(g[i].hist, 50)),
			us(ktstr_stat_hist_percentile(g[i].hist, 99)), g[i].migrations,
			g[i].starvations);
}

/* runqlat's layout: "lo -> hi : count |****  |", buckets first..last used. */
static void print_hist(FILE *f, const struct group *g)
{
	unsigned int first = KTSTR_HIST_BUCKETS, last = 0;
	uint64_t max = 0, total = 0;

	for (unsigned int b = 0; b < KTSTR_HIST_BUCKETS; b++) {
		if (!g->hist[b])
			continue;
		first = b < first ? b : first;
		last = b;
		max = g->hist[b] > max ? g->hist[b] : max;
		total += g->hist[b];
	}
	fprintf(f, "\n%s: wake-to-run latency, %" PRIu64 " wakeups", g->key, total);
	if (!total) {
		fputs("\n", f);
		return;
	}
	fprintf(f, ", p50 <= %.1f us, p90 <= %.1f us, p99 <= %.1f us\n",
		us(ktstr_stat_hist_percentile(g->hist, 50)),
		us(ktstr_stat_hist_percentile(g->hist, 90)),
		us(ktstr_stat_hist_percentile(g->hist, 99)));
	fprintf(f, "%25s : %-8s %s\n", "nsecs", "count", "distribution");
	for (unsigned int b = first; b <= last; b++) {
		uint64_t lo, hi;
		int stars = (int)((g->hist[b] * BAR_WIDTH + max - 1) / max);
		char range[32];

		ktstr_hist_bucket_bounds(b, &lo, &hi);
		if (hi == UINT64_MAX)
			snprintf(range, sizeof(range), "%" PRIu64 " -> ...", lo);
		else
			snprintf(range, sizeof(range), "%" PRIu64 " -> %" PRIu64, lo, hi - 1);
		fprintf(f, "%25s : %-8u |%-*.*s|\n", range, g->hist[b], BAR_WIDTH, stars,
			"****************************************");
	}
}

int ktstr_stat_print_view(FILE *f, const struct ktstr_stat_report *r,
			  const struct ktstr_stat_view *v)
{
	struct group *g = NULL;
	long n;

	if (!f || !r || !v || (!r->tasks && r->nr_tasks))
		return -EINVAL;
	if (v->by == KTSTR_STAT_BY_TASK && v->sort == KTSTR_STAT_KEY_NONE && !v->top &&
	    !v->hist)
		return ktstr_stat_print_table(f, r);
	n = group(r, v->by, &g);
	if (n < 0)
		return (int)n;
	sort_key = v->sort;
	qsort(g, (size_t)n, sizeof(*g), cmp_group);
	if (v->top && (size_t)n > v->top)
		n = (long)v->top;
	fprintf(f, "ktstr stat: %zu task%s by %s", r->nr_tasks, r->nr_tasks == 1 ? "" : "s",
		by_names[v->by]);
	if (v->sort != KTSTR_STAT_KEY_NONE)
		fprintf(f, ", largest %s first", key_names[v->sort]);
	if (v->top)
		fprintf(f, ", top %zu", v->top);
	fputs("\n\n", f);
	print_rows(f, g, (size_t)n, v->by);
	for (long i = 0; v->hist && i < n; i++)
		print_hist(f, &g[i]);
	free(g);
	return ferror(f) ? -EIO : 0;
}
