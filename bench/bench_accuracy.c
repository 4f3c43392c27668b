// SPDX-License-Identifier: GPL-2.0
/*
 * bench_accuracy - how right each backend is, against the kernel's own
 * accounting.
 *
 * Workload (as tests/guest/backends.c): a paused spawner pinned to CPU 0 is
 * tracked with follow-fork by the backend, then forks two spinners (400 ms
 * of CPU each) and a sleeper (200 µs spin / 500 µs sleep for 400 ms), all on
 * CPU 0, so they wait for each other. Each worker then parks on a pipe, so
 * its numbers no longer move, and we compare, per worker:
 *
 *   run     backend run_ns   vs /proc/<pid>/schedstat field 1 (sum_exec)
 *   wait    backend wait_ns  vs /proc/<pid>/schedstat field 2 (run_delay)
 *   counts  nr_voluntary / nr_involuntary vs /proc/<pid>/status
 *           voluntary_ctxt_switches / nonvoluntary_ctxt_switches, and
 *           nr_runs vs schedstat field 3 (pcount): exact or not
 *   ts wait backend wait_ns  vs taskstats cpu_delay_total (a third witness)
 *
 * for every backend (module, bpf, taskstats), --runs times each. Rows
 * acc_<backend>: max and median relative error of run and wait (over all
 * workers of all runs), counts exact yes/no, goal: run/wait within 0.1 %
 * of schedstat and counts exact.
 *
 * usage: bench_accuracy [--runs N]
 */
#include "bench_util.h"
#include <getopt.h>
#include <math.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <ktstr/collector.h>
#include <ktstr/taskstats.h>
#include <ktstr/util.h>

#define NR_WORKERS	3
#define MAX_RUNS	20
#define MAX_SAMPLES	(MAX_RUNS * NR_WORKERS)
#define GOAL_REL	0.001

static int track_with_backend(void *arg, pid_t spawner)
{
	return ktstr_collector_track_pid(arg, spawner, true) < 0 ? -EIO : 0;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double maxof(const double *v, int n)
{
	double m = 0;

	for (int i = 0; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

/* Relative error in %, and the absolute difference in ns. */
struct acc {
	double run[MAX_SAMPLES], wait[MAX_SAMPLES], tsw[MAX_SAMPLES];
	double run_abs[MAX_SAMPLES], wait_abs[MAX_SAMPLES];
	int n, nts, count_bad, runs_bad;
	char first_bad[200];
};

static int measure(const char *name, int runs, struct ktstr_taskstats *ts)
{
	struct ktstr_collector *c = NULL;
	static struct acc a;
	int r;

	memset(&a, 0, sizeof(a));
	r = ktstr_collector_open(name, &c);
	if (r) {
		printf("not ok - acc_%s: open: %s\n", name, ktstr_last_error());
		return 1;
	}
	for (int k = 0; k < runs; k++) {
		struct ktstr_task_rec *recs = NULL;
		struct spawn rn = { 0 };
		size_t n = 0;

		r = spawn_start(&rn, NR_WORKERS, spin_sleep_work, 0, track_with_backend, c);
		if (r) {
			printf("not ok - acc_%s: workload: %s (%s)\n", name, strerror(-r),
			       ktstr_last_error());
			kill_wait(rn.spawner);
			ktstr_collector_close(c);
			return 1;
		}
		r = ktstr_collector_snapshot(c, &recs, &n);
		if (r) {
			printf("not ok - acc_%s: snapshot: %s\n", name, ktstr_last_error());
			spawn_finish(&rn);
			ktstr_collector_close(c);
			return 1;
		}
		for (int i = 0; i < NR_WORKERS; i++) {
			struct ktstr_task_rec *rec = NULL;
			uint64_t run = 0, wait = 0, pc = 0, vol = 0, invol = 0;
			struct ktstr_taskstats_sample tss;

			for (size_t j = 0; j < n; j++)
				if (recs[j].pid == rn.pids[i])
					rec = &recs[j];
			if (!rec) {
				printf("not ok - acc_%s: run %d worker %d (pid %d): no record\n",
				       name, k, i, rn.pids[i]);
				free(recs);
				spawn_finish(&rn);
				ktstr_collector_close(c);
				return 1;
			}
			read_schedstat(rn.pids[i], &run, &wait, &pc);
			read_proc_field(rn.pids[i], "status", "voluntary_ctxt_switches", &vol);
			read_proc_field(rn.pids[i], "status", "nonvoluntary_ctxt_switches", &invol);
			a.run[a.n] = rel_err(rec->run_ns, run) * 100;
			a.wait[a.n] = rel_err(rec->wait_ns, wait) * 100;
			a.run_abs[a.n] = fabs((double)rec->run_ns - (double)run);
			a.wait_abs[a.n] = fabs((double)rec->wait_ns - (double)wait);
			if (ts && !ktstr_taskstats_get(ts, rn.pids[i], &tss))
				a.tsw[a.nts++] = rel_err(rec->wait_ns, tss.cpu_delay_total) * 100;
			if (rec->nr_voluntary != vol || rec->nr_involuntary != invol) {
				if (!a.count_bad++)
					snprintf(a.first_bad, sizeof(a.first_bad),
						 "vol/invol %llu/%llu vs status %llu/%llu",
						 (unsigned long long)rec->nr_voluntary,
						 (unsigned long long)rec->nr_involuntary,
						 (unsigned long long)vol, (unsigned long long)invol);
			}
			if (rec->nr_runs != pc)
				a.runs_bad++;
			printf("# acc %-9s run %d worker %d: run %llu/%llu wait %llu/%llu "
			       "runs %llu/%llu vol %llu/%llu invol %llu/%llu (backend/kernel)\n",
			       name, k, i, (unsigned long long)rec->run_ns, (unsigned long long)run,
			       (unsigned long long)rec->wait_ns, (unsigned long long)wait,
			       (unsigned long long)rec->nr_runs, (unsigned long long)pc,
			       (unsigned long long)rec->nr_voluntary, (unsigned long long)vol,
			       (unsigned long long)rec->nr_involuntary, (unsigned long long)invol);
			a.n++;
		}
		free(recs);
		spawn_finish(&rn);
	}
	ktstr_collector_close(c);

	{
		double rmax = maxof(a.run, a.n), wmax = maxof(a.wait, a.n);
		double ramax = maxof(a.run_abs, a.n), wamax = maxof(a.wait_abs, a.n);
		double tmax = a.nts ? maxof(a.tsw, a.nts) : -1;
		double rmed = median(a.run, a.n), wmed = median(a.wait, a.n);
		double tmed = a.nts ? median(a.tsw, a.nts) : -1;
		bool exact = !a.count_bad && !a.runs_bad;
		bool met = rmax <= GOAL_REL * 100 && wmax <= GOAL_REL * 100 && exact;

		char id[32];

		snprintf(id, sizeof(id), "acc_%s", name);
		printf("%-14s %4d %9.4f %9.4f %9.4f %9.4f %9.0f %9.0f %9.4f %9.4f %6s  "
		       "run/wait within 0.1%% of schedstat, counts exact: %s\n",
		       id, a.n, rmax, rmed, wmax, wmed, ramax, wamax, tmax, tmed,
		       exact ? "yes" : "no", met ? "MET" : "MISSED");
		if (a.count_bad)
			printf("%-14s first switch-count mismatch: %s\n", "", a.first_bad);
		printf("@row acc_%s {\"bench\":\"accuracy\",\"id\":\"acc_%s\",\"backend\":\"%s\","
		       "\"runs\":%d,\"samples\":%d,\"run_rel_err_pct\":{\"max\":%.5f,\"median\":%.5f},"
		       "\"wait_rel_err_pct\":{\"max\":%.5f,\"median\":%.5f},"
		       "\"run_abs_err_ns_max\":%.0f,\"wait_abs_err_ns_max\":%.0f,"
		       "\"wait_vs_taskstats_rel_err_pct\":{\"max\":%.5f,\"median\":%.5f,"
		       "\"samples\":%d},\"switch_counts_exact\":%s,\"count_mismatches\":%d,"
		       "\"runs_vs_pcount_mismatches\":%d,\"goal\":\"run/wait within 0.1%% of "
		       "schedstat, counts exact\",\"verdict\":\"%s\"}\n",
		       name, name, name, runs, a.n, rmax, rmed, wmax, wmed, ramax, wamax, tmax,
		       tmed, a.nts, exact ? "true" : "false", a.count_bad, a.runs_bad,
		       met ? "MET" : "MISSED");
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "runs", required_argument, NULL, 'r' },
		{ 0 }
	};
	static const char *const backends[] = { "module", "bpf", "taskstats" };
	struct ktstr_taskstats *ts = NULL;
	int runs = 3, o, bad = 0;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o != 'r') {
			fprintf(stderr, "usage: bench_accuracy [--runs N]\n");
			return 2;
		}
		runs = atoi(optarg);
	}
	if (runs < 1 || runs > MAX_RUNS) {
		fprintf(stderr, "usage: bench_accuracy [--runs N] (1..%d)\n", MAX_RUNS);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	mkdir("/sys/fs/bpf", 0755);
	mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL);
	if (ktstr_taskstats_open(&ts)) {
		printf("# taskstats witness unavailable: %s\n", ktstr_last_error());
		ts = NULL;
	}
	printf("# accuracy: 2 spinners + 1 sleeper on CPU 0, tracked from fork via a paused "
	       "spawner; %d runs x %d workers per backend; errors in %% of the kernel's value\n",
	       runs, NR_WORKERS);
	printf("%-14s %4s %9s %9s %9s %9s %9s %9s %9s %9s %6s  %s\n", "row", "n",
	       "run_max%", "run_med%", "wait_max%", "wait_med%", "run_absns", "wait_absns",
	       "tsw_max%", "tsw_med%", "exact", "goal");
	for (size_t i = 0; i < KTSTR_ARRAY_SIZE(backends); i++)
		bad |= measure(backends[i], runs, ts);
	if (ts)
		ktstr_taskstats_close(ts);
	return bad ? 1 : 0;
}
