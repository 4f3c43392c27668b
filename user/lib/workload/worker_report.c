// SPDX-License-Identifier: GPL-2.0
/*
 * Pure helpers on worker reports: reservoir sampling, exit descriptions and
 * merging the /dev/ktstr task records in.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ktstr/worker.h>

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ULL;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

void ktstr_reservoir_add(struct ktstr_reservoir *r, uint64_t v, uint64_t *rng)
{
	uint64_t j;

	r->total++;
	r->sum_ns += v;
	if (v > r->max_ns)
		r->max_ns = v;
	if (r->nr < KTSTR_WAKE_SAMPLES) {
		r->samples[r->nr++] = v;
		return;
	}
	/* Algorithm R: keep the new value with probability cap/total. */
	j = xorshift64(rng) % r->total;
	if (j < KTSTR_WAKE_SAMPLES)
		r->samples[j] = v;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t ktstr_reservoir_percentile(const struct ktstr_reservoir *r, double p)
{
	uint64_t s[KTSTR_WAKE_SAMPLES];
	size_t rank;

	if (!r || !r->nr)
		return 0;
	memcpy(s, r->samples, r->nr * sizeof(s[0]));
	qsort(s, r->nr, sizeof(s[0]), cmp_u64);
	if (p <= 0)
		return s[0];
	if (p >= 100)
		return s[r->nr - 1];
	/* Nearest rank: the smallest value with at least p% at or below it. */
	rank = (size_t)(p / 100.0 * r->nr + 0.999999999);
	if (rank < 1)
		rank = 1;
	return s[rank - 1];
}

const char *ktstr_exit_kind_name(int kind)
{
	switch (kind) {
	case KTSTR_EXIT_NONE: return "running";
	case KTSTR_EXIT_EXITED: return "exited";
	case KTSTR_EXIT_KILLED: return "killed";
	case KTSTR_EXIT_CRASHED: return "crashed";
	case KTSTR_EXIT_TIMED_OUT: return "timed out";
	case KTSTR_EXIT_WAIT_FAILED: return "wait failed";
	}
	return "unknown";
}

int ktstr_report_exit_str(const struct ktstr_report *r, char *buf, size_t len)
{
	if (!r || (!buf && len))
		return -EINVAL;
	switch (r->exit_kind) {
	case KTSTR_EXIT_EXITED:
		return snprintf(buf, len, "exited %d", r->exit_code);
	case KTSTR_EXIT_KILLED:
	case KTSTR_EXIT_CRASHED:
		return snprintf(buf, len, "%s: SIG%s", ktstr_exit_kind_name(r->exit_kind),
				sigabbrev_np(r->exit_signal) ?: "?");
	default:
		return snprintf(buf, len, "%s", ktstr_exit_kind_name(r->exit_kind));
	}
}

int ktstr_report_merge_krec(struct ktstr_report *r, const struct ktstr_task_rec *rec)
{
	if (!r || !rec)
		return -EINVAL;
	r->has_krec = true;
	r->k_run_ns = rec->run_ns;
	r->k_wait_ns = rec->wait_ns;
	r->k_max_wait_ns = rec->max_wait_ns;
	r->k_max_wait_at_ns = rec->max_wait_at_ns;
	r->k_max_wait_cpu = rec->max_wait_cpu;
	r->k_nr_voluntary = rec->nr_voluntary;
	r->k_nr_involuntary = rec->nr_involuntary;
	r->k_switches = rec->nr_voluntary + rec->nr_involuntary;
	r->k_nr_migrations = rec->nr_migrations;
	r->k_nr_wakeups = rec->nr_wakeups;
	r->k_nr_starvations = rec->nr_starvations;
	r->k_max_starve_ns = rec->max_starve_ns;
	r->k_max_starve_cpu = rec->max_starve_cpu;
	_Static_assert(sizeof(rec->cpus) == sizeof(r->k_cpus.bits),
		       "task record and cpuset bitmaps differ");
	memcpy(r->k_cpus.bits, rec->cpus, sizeof(r->k_cpus.bits));
	return 0;
}

const struct ktstr_task_rec *ktstr_task_rec_newest(const struct ktstr_task_rec *recs,
						   size_t n, pid_t pid)
{
	const struct ktstr_task_rec *best = NULL;

	for (size_t i = 0; recs && i < n; i++)
		if (recs[i].pid == pid && (!best || recs[i].start_time_ns > best->start_time_ns))
			best = &recs[i];
	return best;
}

int ktstr_reports_merge_krecs(struct ktstr_report *reports, size_t nr,
			      const struct ktstr_task_rec *recs, size_t nrecs)
{
	int merged = 0;

	if ((!reports && nr) || (!recs && nrecs))
		return -EINVAL;
	for (size_t i = 0; i < nr; i++) {
		const struct ktstr_task_rec *best = ktstr_task_rec_newest(recs, nrecs,
									  reports[i].pid);

		if (best && !ktstr_report_merge_krec(&reports[i], best))
			merged++;
	}
	return merged;
}
