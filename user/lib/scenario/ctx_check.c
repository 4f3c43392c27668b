// SPDX-License-Identifier: GPL-2.0
/*
 * The flattened result of the scenario helpers (struct ktstr_result): the
 * Assert engine's outcome (assert_*.c) summarised into fixed-size counters
 * and detail lines, for callers that want no allocation to free.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <ktstr/assert.h>
#include <ktstr/ctx.h>

void ktstr_result_init(struct ktstr_result *res)
{
	if (!res)
		return;
	memset(res, 0, sizeof(*res));
	res->pass = true;
}

/* Keep @d's fields in the next typed entry, if there is room. */
static void typed(struct ktstr_result *res, const struct ktstr_assert_detail *d)
{
	struct ktstr_result_failure *f;

	if (res->nr_typed >= KTSTR_RESULT_FAILURES_MAX)
		return;
	f = &res->failures[res->nr_typed++];
	memset(f, 0, sizeof(*f));
	f->kind = d->kind;
	f->pid = d->pid > 0 ? d->pid : -1;
	f->cpu = d->cpu >= 0 ? d->cpu : -1;
	snprintf(f->comm, sizeof(f->comm), "%s", d->comm);
	snprintf(f->cgroup, sizeof(f->cgroup), "%s", d->cgroup);
	f->duration_ns = d->duration_ns;
	f->cause_pid = d->cause_pid > 0 ? d->cause_pid : -1;
}

/* Count a failure, type it and append its line to the details if it fits. */
static void failure(struct ktstr_result *res, const struct ktstr_assert_detail *d)
{
	const char *line = d->message ? d->message : "";
	size_t len = strlen(res->details);
	size_t room = sizeof(res->details) - len;
	int n;

	res->pass = false;
	res->nr_failures++;
	typed(res, d);
	if (res->truncated)
		return;
	n = snprintf(res->details + len, room, "%s", line);
	/* Whole lines only: drop a partial one. */
	if (n < 0 || (size_t)n + 1 >= room) {
		res->details[len] = '\0';
		res->truncated = true;
		return;
	}
	res->details[len + n] = '\n';
	res->details[len + n + 1] = '\0';
}

int ktstr_result_add_assert(struct ktstr_result *res,
			    const struct ktstr_assert_result *ar)
{
	if (!res || !ar)
		return -EINVAL;
	res->nr_cgroups += (int)ar->nr_cgroups;
	res->nr_workers += ar->stats.total_workers;
	for (size_t i = 0; i < ar->nr_details; i++) {
		const struct ktstr_assert_detail *d = &ar->details[i];

		switch (d->kind) {
		case KTSTR_DETAIL_SKIP:
			res->nr_skipped++;
			/* A skipped cgroup was still looked at. */
			if (d->cgroup[0])
				res->nr_cgroups++;
			continue;
		case KTSTR_DETAIL_STUCK:
			res->nr_stuck++;
			break;
		case KTSTR_DETAIL_GAP:
			res->nr_gap++;
			break;
		case KTSTR_DETAIL_UNFAIR:
			res->nr_unfair++;
			break;
		case KTSTR_DETAIL_STARVATION:
		case KTSTR_DETAIL_WAIT:
		case KTSTR_DETAIL_KERNEL_ISOLATION:
			res->nr_kernel++;
			break;
		default:
			break;
		}
		failure(res, d);
	}
	if (ar->verdict == KTSTR_VERDICT_FAIL)
		res->pass = false;
	return 0;
}

int ktstr_check_reports(const struct ktstr_report *reports, int n,
			const char *cgroup, const struct ktstr_assert *cfg,
			struct ktstr_result *res)
{
	struct ktstr_assert_cgroup_in in;
	struct ktstr_assert_result ar;
	int ret;

	if ((!reports && n) || n < 0 || !cfg || !res)
		return -EINVAL;
	memset(&in, 0, sizeof(in));
	in.name = cgroup ? cgroup : "";
	in.reports = reports;
	in.nr_reports = (size_t)n;
	ktstr_assert_result_init(&ar);
	ret = ktstr_assert_cgroup(cfg, &in, &ar);
	if (!ret)
		ret = ktstr_result_add_assert(res, &ar);
	ktstr_assert_result_free(&ar);
	return ret;
}
