// SPDX-License-Identifier: GPL-2.0
/*
 * The worker checks of ktstr_collect_all(), kept pure (reports in, verdict
 * out) so they can be tested on hand-made reports. Messages follow ktstr's
 * wording ("stuck Xms on cpuY", "unfair cgroup: spread=...").
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <ktstr/ctx.h>

#define NSEC_PER_MSEC	1000000ULL

void ktstr_result_init(struct ktstr_result *res)
{
	if (!res)
		return;
	memset(res, 0, sizeof(*res));
	res->pass = true;
}

/* Count a failure and append its line to the details if it fits. */
__attribute__((format(printf, 2, 3)))
static void failure(struct ktstr_result *res, const char *fmt, ...)
{
	size_t len = strlen(res->details);
	size_t room = sizeof(res->details) - len;
	va_list ap;
	int n;

	res->pass = false;
	res->nr_failures++;
	if (res->truncated)
		return;
	va_start(ap, fmt);
	n = vsnprintf(res->details + len, room, fmt, ap);
	va_end(ap);
	/* Whole lines only: drop a partial one. */
	if (n < 0 || (size_t)n + 1 >= room) {
		res->details[len] = '\0';
		res->truncated = true;
		return;
	}
	res->details[len + n] = '\n';
	res->details[len + n + 1] = '\0';
}

static double off_cpu_pct(const struct ktstr_report *r)
{
	if (!r->wall_time_ns)
		return 0.0;
	return 100.0 * (double)r->off_cpu_ns / (double)r->wall_time_ns;
}

int ktstr_check_reports(const struct ktstr_report *reports, int n,
			const char *cgroup, const struct ktstr_assert_cfg *cfg,
			struct ktstr_result *res)
{
	int lo = -1, hi = -1;
	struct ktstr_cpuset cpus;

	if ((!reports && n) || n < 0 || !cfg || !res)
		return -EINVAL;
	if (!cgroup)
		cgroup = "";
	res->nr_cgroups++;
	res->nr_workers += n;
	ktstr_cpuset_zero(&cpus);

	for (int i = 0; i < n; i++) {
		const struct ktstr_report *r = &reports[i];
		char how[64];

		ktstr_cpuset_or(&cpus, &cpus, &r->cpus_used);
		if (!r->work_units && !r->iterations) {
			res->nr_stuck++;
			failure(res, "worker %d in cgroup %s: stuck: no progress",
				r->pid, cgroup);
		} else if (!r->reported || r->exit_kind != KTSTR_EXIT_EXITED ||
			   r->exit_code || r->work_error) {
			ktstr_report_exit_str(r, how, sizeof(how));
			res->nr_stuck++;
			failure(res, "worker %d in cgroup %s: did not end cleanly: %s%s, work error %d",
				r->pid, cgroup, how,
				r->reported ? "" : " (no report)", r->work_error);
		}
		if (cfg->max_gap_ms &&
		    r->max_gap_ns > cfg->max_gap_ms * NSEC_PER_MSEC) {
			res->nr_gap++;
			failure(res, "worker %d in cgroup %s: stuck %llums on cpu%d at +%llums (limit %llums)",
				r->pid, cgroup,
				(unsigned long long)(r->max_gap_ns / NSEC_PER_MSEC),
				r->max_gap_cpu,
				(unsigned long long)(r->max_gap_at_ns / NSEC_PER_MSEC),
				(unsigned long long)cfg->max_gap_ms);
		}
		/* Workers that never ran a loop have no share to compare. */
		if (!r->wall_time_ns)
			continue;
		if (lo < 0 || off_cpu_pct(r) < off_cpu_pct(&reports[lo]))
			lo = i;
		if (hi < 0 || off_cpu_pct(r) > off_cpu_pct(&reports[hi]))
			hi = i;
	}

	if (cfg->max_spread_pct > 0 && lo >= 0 && lo != hi) {
		double spread = off_cpu_pct(&reports[hi]) - off_cpu_pct(&reports[lo]);

		if (spread > cfg->max_spread_pct) {
			res->nr_unfair++;
			failure(res, "unfair cgroup %s: spread=%.1f%% (%.1f-%.1f%%) %d workers on %d cpus (threshold %.1f%%): worker %d least, worker %d most off-CPU",
				cgroup, spread, off_cpu_pct(&reports[lo]),
				off_cpu_pct(&reports[hi]), n,
				ktstr_cpuset_count(&cpus), cfg->max_spread_pct,
				reports[lo].pid, reports[hi].pid);
		}
	}
	return 0;
}
