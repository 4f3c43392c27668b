// SPDX-License-Identifier: GPL-2.0
/* `ktstr stat` table output and shared helpers: see user/include/ktstr/stat.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <ktstr/dev.h>
#include <ktstr/stat.h>

int ktstr_stat_shell_status(int wait_status)
{
	if (WIFEXITED(wait_status))
		return WEXITSTATUS(wait_status);
	if (WIFSIGNALED(wait_status))
		return 128 + WTERMSIG(wait_status);
	return 1;
}

static int cmp_task(const void *a, const void *b)
{
	const struct ktstr_task_rec *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->start_time_ns != y->start_time_ns)
		return x->start_time_ns < y->start_time_ns ? -1 : 1;
	return 0;
}

void ktstr_stat_sort_tasks(struct ktstr_task_rec *tasks, size_t n)
{
	if (tasks && n > 1)
		qsort(tasks, n, sizeof(*tasks), cmp_task);
}

static int cmp_task_ptr(const void *a, const void *b)
{
	return cmp_task(*(const struct ktstr_task_rec *const *)a,
			*(const struct ktstr_task_rec *const *)b);
}

char *ktstr_stat_comm(const char *comm, char *out)
{
	size_t i = 0;

	if (!out)
		return NULL;
	if (comm) {
		for (; i < KTSTR_COMM_LEN && comm[i]; i++) {
			unsigned char c = (unsigned char)comm[i];

			out[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
		}
	}
	out[i] = '\0';
	return out;
}

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

int ktstr_stat_format_event(const struct ktstr_event *ev, char *buf, size_t len)
{
	char comm[KTSTR_COMM_LEN + 1];
	int r;

	if (!ev || (!buf && len))
		return -EINVAL;
	ktstr_stat_comm(ev->comm, comm);
	switch (ev->type) {
	case KTSTR_EV_STARVE_BEGIN:
		r = snprintf(buf, len, "ktstr: starvation: %s[%d] runnable %.1f ms on cpu %d",
			     comm, ev->pid, ms(ev->wait_ns), ev->cpu);
		break;
	case KTSTR_EV_STARVE_END:
		r = snprintf(buf, len, "ktstr: starvation: %s[%d] ran after %.1f ms on cpu %d",
			     comm, ev->pid, ms(ev->wait_ns), ev->cpu);
		break;
	default:
		r = snprintf(buf, len, "ktstr: starvation: %s[%d] unknown event type %u",
			     comm, ev->pid, ev->type);
		break;
	}
	return r < 0 ? -EINVAL : r;
}

uint64_t ktstr_stat_seq_gaps(const struct ktstr_event *ev, size_t n,
			     uint64_t first_seq)
{
	uint64_t expect = first_seq, lost = 0;

	if (!ev)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (ev[i].seq > expect)
			lost += ev[i].seq - expect;
		if (ev[i].seq >= expect)
			expect = ev[i].seq + 1;
	}
	return lost;
}

/* ---- table ---- */

enum {
	C_PID, C_TGID, C_COMM, C_RUN, C_WAIT, C_MAXW, C_RUNS, C_VOL, C_INVOL,
	C_WAKE, C_MIGR, C_CPUS, NR_COLS
};

static const char *const col_title[NR_COLS] = {
	"pid", "tgid", "comm", "run ms", "wait ms", "max wait ms", "runs",
	"vol", "invol", "wakeups", "migr", "cpus",
};

/* One formatted row; cpus is the only cell without a small bound. */
struct row {
	char cell[NR_COLS - 1][32];
	char *cpus;
};

static int fill_cpus(struct row *row, const __u64 *mask)
{
	int n = ktstr_cpumask_list(mask, KTSTR_MAX_CPUS, NULL, 0);

	if (n < 0)
		return n;
	row->cpus = malloc((size_t)n + 1);
	if (!row->cpus)
		return -ENOMEM;
	ktstr_cpumask_list(mask, KTSTR_MAX_CPUS, row->cpus, (size_t)n + 1);
	if (!n) {
		free(row->cpus);
		row->cpus = strdup("-");
		if (!row->cpus)
			return -ENOMEM;
	}
	return 0;
}

#define CELL(row, c, ...) snprintf((row)->cell[c], sizeof((row)->cell[c]), __VA_ARGS__)

static int fill_task_row(struct row *row, const struct ktstr_task_rec *t)
{
	char comm[KTSTR_COMM_LEN + 1];

	CELL(row, C_PID, "%d", t->pid);
	CELL(row, C_TGID, "%d", t->tgid);
	CELL(row, C_COMM, "%s", ktstr_stat_comm(t->comm, comm));
	CELL(row, C_RUN, "%.1f", ms(t->run_ns));
	CELL(row, C_WAIT, "%.1f", ms(t->wait_ns));
	CELL(row, C_MAXW, "%.1f", ms(t->max_wait_ns));
	CELL(row, C_RUNS, "%llu", (unsigned long long)t->nr_runs);
	CELL(row, C_VOL, "%llu", (unsigned long long)t->nr_voluntary);
	CELL(row, C_INVOL, "%llu", (unsigned long long)t->nr_involuntary);
	CELL(row, C_WAKE, "%llu", (unsigned long long)t->nr_wakeups);
	CELL(row, C_MIGR, "%llu", (unsigned long long)t->nr_migrations);
	return fill_cpus(row, t->cpus);
}

static int fill_total_row(struct row *row, const struct ktstr_task_rec *const *t,
			  size_t n)
{
	struct ktstr_task_rec sum;

	memset(&sum, 0, sizeof(sum));
	for (size_t i = 0; i < n; i++) {
		sum.run_ns += t[i]->run_ns;
		sum.wait_ns += t[i]->wait_ns;
		if (t[i]->max_wait_ns > sum.max_wait_ns)
			sum.max_wait_ns = t[i]->max_wait_ns;
		sum.nr_runs += t[i]->nr_runs;
		sum.nr_voluntary += t[i]->nr_voluntary;
		sum.nr_involuntary += t[i]->nr_involuntary;
		sum.nr_wakeups += t[i]->nr_wakeups;
		sum.nr_migrations += t[i]->nr_migrations;
		for (size_t w = 0; w < KTSTR_MAX_CPUS / 64; w++)
			sum.cpus[w] |= t[i]->cpus[w];
	}
	if (fill_task_row(row, &sum))
		return -ENOMEM;
	CELL(row, C_PID, "-");
	CELL(row, C_TGID, "-");
	CELL(row, C_COMM, "total");
	return 0;
}

static void print_row(FILE *f, const struct row *row, const int *width)
{
	for (int c = 0; c < NR_COLS - 1; c++) {
		/* comm is text: left-aligned; numbers right-aligned. */
		if (c == C_COMM)
			fprintf(f, "%s%-*s", c ? "  " : "", width[c], row->cell[c]);
		else
			fprintf(f, "%s%*s", c ? "  " : "", width[c], row->cell[c]);
	}
	fprintf(f, "  %s\n", row->cpus ? row->cpus : "");
}

/*
 * Starvation from the records: each counts its episodes and keeps its
 * longest, so the summary is the same whoever read the events. The events
 * only stand in for records that carry no episodes (a backend without
 * them).
 */
static void print_starvations(FILE *f, const struct ktstr_stat_report *r)
{
	const struct ktstr_event *longest = NULL;
	const struct ktstr_task_rec *longest_task = NULL;
	uint64_t episodes = 0, begins = 0, tasks_hit = 0;
	char comm[KTSTR_COMM_LEN + 1];

	for (size_t i = 0; i < r->nr_tasks; i++) {
		const struct ktstr_task_rec *t = &r->tasks[i];

		if (!t->nr_starvations)
			continue;
		episodes += t->nr_starvations;
		tasks_hit++;
		if (!longest_task || t->max_starve_ns > longest_task->max_starve_ns)
			longest_task = t;
	}
	for (size_t i = 0; i < r->nr_events; i++) {
		const struct ktstr_event *ev = &r->events[i];

		if (ev->type == KTSTR_EV_STARVE_BEGIN)
			begins++;
		if (!longest || ev->wait_ns > longest->wait_ns)
			longest = ev;
	}
	if (begins > episodes)
		episodes = begins;

	fprintf(f, "starvations: ");
	if (!episodes) {
		fprintf(f, "none (threshold %.1f ms)\n", ms(r->starve_threshold_ns));
		return;
	}
	fprintf(f, "%" PRIu64 " episode%s", episodes, episodes == 1 ? "" : "s");
	if (tasks_hit)
		fprintf(f, " in %" PRIu64 " task%s", tasks_hit, tasks_hit == 1 ? "" : "s");
	fprintf(f, " (threshold %.1f ms)", ms(r->starve_threshold_ns));
	if (longest_task && longest_task->max_starve_ns)
		fprintf(f, ", longest %.1f ms: %s[%d] on cpu %d",
			ms(longest_task->max_starve_ns),
			ktstr_stat_comm(longest_task->comm, comm), longest_task->pid,
			longest_task->max_starve_cpu);
	else if (longest)
		fprintf(f, ", longest %.1f ms: %s[%d] on cpu %d", ms(longest->wait_ns),
			ktstr_stat_comm(longest->comm, comm), longest->pid, longest->cpu);
	else if (longest_task)
		fprintf(f, ", longest wait %.1f ms: %s[%d] on cpu %d",
			ms(longest_task->max_wait_ns),
			ktstr_stat_comm(longest_task->comm, comm), longest_task->pid,
			longest_task->max_wait_cpu);
	fputc('\n', f);
}

static void print_title(FILE *f, const struct ktstr_stat_report *r)
{
	fprintf(f, "ktstr stat");
	if (r->argv && r->argv[0]) {
		fprintf(f, " for '");
		for (size_t i = 0; r->argv[i]; i++)
			fprintf(f, "%s%s", i ? " " : "", r->argv[i]);
		fputc('\'', f);
	}
	fprintf(f, ": %zu task%s\n\n", r->nr_tasks, r->nr_tasks == 1 ? "" : "s");
}

int ktstr_stat_print_table(FILE *f, const struct ktstr_stat_report *r)
{
	const struct ktstr_task_rec **sorted = NULL;
	struct row *rows = NULL, head = { 0 };
	size_t nrows, exited = 0;
	int width[NR_COLS] = { 0 };
	int ret = -ENOMEM;

	if (!f || !r || (!r->tasks && r->nr_tasks) || (!r->events && r->nr_events))
		return -EINVAL;

	/* rows[0..n-1]: tasks sorted by pid; rows[n]: totals. */
	nrows = r->nr_tasks + 1;
	rows = calloc(nrows, sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	if (r->nr_tasks) {
		sorted = calloc(r->nr_tasks, sizeof(*sorted));
		if (!sorted)
			goto out;
		for (size_t i = 0; i < r->nr_tasks; i++)
			sorted[i] = &r->tasks[i];
		qsort(sorted, r->nr_tasks, sizeof(*sorted), cmp_task_ptr);
	}
	for (size_t i = 0; i < r->nr_tasks; i++) {
		if (fill_task_row(&rows[i], sorted[i]))
			goto out;
		if (sorted[i]->flags & KTSTR_TASK_EXITED)
			exited++;
	}
	if (fill_total_row(&rows[r->nr_tasks], sorted, r->nr_tasks))
		goto out;

	for (int c = 0; c < NR_COLS - 1; c++) {
		CELL(&head, c, "%s", col_title[c]);
		width[c] = (int)strlen(col_title[c]);
		for (size_t i = 0; i < nrows; i++) {
			int w = (int)strlen(rows[i].cell[c]);

			if (w > width[c])
				width[c] = w;
		}
	}
	head.cpus = (char *)col_title[C_CPUS];

	print_title(f, r);
	print_row(f, &head, width);
	for (size_t i = 0; i < r->nr_tasks; i++)
		print_row(f, &rows[i], width);
	print_row(f, &rows[r->nr_tasks], width);
	fputc('\n', f);

	fprintf(f, "%zu task%s (%zu exited)", r->nr_tasks, r->nr_tasks == 1 ? "" : "s",
		exited);
	if (r->elapsed_ns)
		fprintf(f, ", %.3f s elapsed", (double)r->elapsed_ns / 1e9);
	if (r->have_exit_status) {
		if (WIFSIGNALED(r->wait_status))
			fprintf(f, ", command killed by signal %d (%s)",
				WTERMSIG(r->wait_status), strsignal(WTERMSIG(r->wait_status)));
		else
			fprintf(f, ", command exit status %d",
				ktstr_stat_shell_status(r->wait_status));
	}
	fputc('\n', f);
	if (r->dropped && !r->version && !r->stats) {
		/* Not the module: the taskstats backend's lost exit records. */
		fprintf(f, "warning: %" PRIu64 " task%s not tracked: exit records lost"
			" (receive buffer full); totals are incomplete\n",
			r->dropped, r->dropped == 1 ? "" : "s");
	} else if (r->dropped) {
		fprintf(f, "warning: %" PRIu64 " task%s not tracked: the module's task table",
			r->dropped, r->dropped == 1 ? "" : "s");
		if (r->version)
			fprintf(f, " (capacity %u)", r->version->capacity);
		fprintf(f, " was full; totals are incomplete\n");
	}
	if (r->events_lost)
		fprintf(f, "warning: %" PRIu64 " starvation event%s lost (event queue full)\n",
			r->events_lost, r->events_lost == 1 ? "" : "s");
	print_starvations(f, r);
	ret = ferror(f) ? -EIO : 0;
out:
	for (size_t i = 0; i < nrows; i++)
		free(rows[i].cpus);
	free(rows);
	free(sorted);
	return ret;
}
