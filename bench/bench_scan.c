// SPDX-License-Identifier: GPL-2.0
/*
 * bench_scan - what the starvation watchdog's scan costs as the record
 * pool grows (issue 9: "scan cost at capacity 16k and 1M with 100
 * runnable").
 *
 * For each capacity C the module is reloaded with capacity=C, one session
 * asks for all C records (threshold 3600 s, so nothing starves and no
 * event is queued; scan period 10 ms) and tracks the bench with
 * follow-fork. The pool is then filled: threads that exit at once, each
 * tracked from its fork, so their records stay in use (records of exited
 * tasks stay until the session stops) and the scan has to pass over them.
 * Filling stops at C - R - 8 records or after a time budget; the row says
 * how many records were in use. Then R threads spin (runnable: on a CPU or
 * waiting for one), and over several windows the module's own counters
 * (KTSTR_IOC_STATS: scan_ns, the time spent in scan ticks on the module's
 * clock; nr_scans; scan_visits) give the cost of one whole pass and the
 * records it visited. Nothing here is a constant: every figure is read
 * from the module.
 *
 * The module is reloaded with its defaults afterwards.
 *
 * usage: bench_scan [--caps C1,C2] [--runnable R] [--reps N] [--window-ms MS]
 *                   [--fill-s S] [--module KO]
 */
#include "bench_util.h"
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>

#define MAX_CAPS	4
#define MAX_REPS	32
#define MAX_RUNNABLE	1024
#define FILL_BATCH	64

static const char *module_path = KT_MODULE_PATH;
static atomic_int spin_stop;

static void *nop_thread(void *arg)
{
	return arg;
}

static void *spin_thread(void *arg)
{
	while (!atomic_load_explicit(&spin_stop, memory_order_relaxed))
		;
	return arg;
}

static int get_stats(int fd, struct ktstr_stats *st)
{
	memset(st, 0, sizeof(*st));
	return kt_ioctl(fd, KTSTR_IOC_STATS, st);
}

/* Make threads that exit at once until @target records are in use. */
static long fill(int fd, long target, double budget_s, double *took_s)
{
	uint64_t t0 = now_ns(), deadline = t0 + (uint64_t)(budget_s * 1e9);
	pthread_attr_t attr;
	pthread_t th[FILL_BATCH];
	struct ktstr_stats st;
	long used = 0;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 16384);
	for (;;) {
		int batch;

		if (get_stats(fd, &st))
			break;
		used = (long)st.nr_records;
		if (used >= target || now_ns() > deadline)
			break;
		/* Never past the target: the spinners need records too. */
		batch = target - used < FILL_BATCH ? (int)(target - used) : FILL_BATCH;
		for (int i = 0; i < batch; i++)
			if (pthread_create(&th[i], &attr, nop_thread, NULL))
				th[i] = 0;
		for (int i = 0; i < batch; i++)
			if (th[i])
				pthread_join(th[i], NULL);
	}
	pthread_attr_destroy(&attr);
	*took_s = (now_ns() - t0) / 1e9;
	return used;
}

static int bench_cap(long cap, int runnable, int reps, int window_ms, double fill_s)
{
	struct ktstr_config cfg = {
		.size = sizeof(cfg),
		.starve_threshold_ns = 3600ULL * 1000 * MS,
		.scan_interval_ns = 10 * MS,
		.capacity = (uint32_t)cap,
	};
	double per_pass[MAX_REPS], visits[MAX_REPS], fill_took = 0;
	static pthread_t spin[MAX_RUNNABLE];
	struct ktstr_stats a, b;
	char params[32], id[32];
	struct stats sp, sv;
	long used;
	int fd, n = 0, started = 0;

	module_unload();
	snprintf(params, sizeof(params), "capacity=%ld", cap);
	module_load(module_path, params);
	fd = kt_open();
	if (kt_ioctl(fd, KTSTR_IOC_CONFIG, &cfg)) {
		printf("not ok - scan: config capacity %ld: %s\n", cap, strerror(errno));
		close(fd);
		return 1;
	}
	if (kt_track(fd, KTSTR_TRACK_PID, KTSTR_TRACK_FOLLOW_FORK, getpid(), -1)) {
		printf("not ok - scan: track at capacity %ld: %s\n", cap, strerror(errno));
		close(fd);
		return 1;
	}
	used = fill(fd, cap - runnable - 8, fill_s, &fill_took);
	atomic_store(&spin_stop, 0);
	for (int i = 0; i < runnable; i++)
		if (!pthread_create(&spin[started], NULL, spin_thread, NULL))
			started++;
	sleep_ns(300 * MS);
	for (int r = 0; r < reps; r++) {
		if (get_stats(fd, &a))
			break;
		sleep_ns((uint64_t)window_ms * MS);
		if (get_stats(fd, &b))
			break;
		if (b.nr_scans <= a.nr_scans)
			continue;
		per_pass[n] = (double)(b.scan_ns - a.scan_ns) / (b.nr_scans - a.nr_scans);
		visits[n] = (double)(b.scan_visits - a.scan_visits) / (b.nr_scans - a.nr_scans);
		n++;
	}
	atomic_store(&spin_stop, 1);
	for (int i = 0; i < started; i++)
		pthread_join(spin[i], NULL);
	get_stats(fd, &b);
	close(fd);
	if (!n || started != runnable || b.dropped) {
		printf("not ok - scan: capacity %ld: %d windows with a scan, %d of %d spinners, "
		       "%llu tasks dropped\n", cap, n, started, runnable,
		       (unsigned long long)b.dropped);
		return 1;
	}
	sp = stats_of(per_pass, n);
	sv = stats_of(visits, n);
	if (cap % (1024 * 1024) == 0)
		snprintf(id, sizeof(id), "scan_%ldm", cap / (1024 * 1024));
	else if (cap % 1024 == 0)
		snprintf(id, sizeof(id), "scan_%ldk", cap / 1024);
	else
		snprintf(id, sizeof(id), "scan_c%ld", cap);
	printf("%-10s %8ld %8llu %8d %10.1f %12.0f %12.0f %12.0f %10llu %7.1f\n", id, cap,
	       (unsigned long long)b.nr_records, runnable, sv.median, sp.median, sp.min, sp.max,
	       (unsigned long long)b.scan_max_ns, fill_took);
	printf("@row %s {\"bench\":\"scan\",\"id\":\"%s\",\"capacity\":%ld,\"records\":%llu,"
	       "\"runnable\":%d,\"windows\":%d,\"window_ms\":%d,\"visits_per_pass\":%.1f,"
	       "\"pass_ns_median\":%.0f,\"pass_ns_min\":%.0f,\"pass_ns_max\":%.0f,"
	       "\"pass_ns_q1\":%.0f,\"pass_ns_q3\":%.0f,\"tick_max_ns\":%llu,"
	       "\"fill_s\":%.1f,\"fill_target\":%ld}\n",
	       id, id, cap, (unsigned long long)b.nr_records, runnable, n, window_ms, sv.median,
	       sp.median, sp.min, sp.max, sp.q1, sp.q3, (unsigned long long)b.scan_max_ns,
	       fill_took, cap - runnable - 8);
	(void)used;
	return 0;
}

static int parse_caps(const char *s, long *v, int max)
{
	int n = 0;
	char *end;

	while (*s && n < max) {
		v[n] = strtol(s, &end, 10);
		if (end == s || v[n] < 16)
			return -1;
		n++;
		if (*end == ',')
			end++;
		else if (*end)
			return -1;
		s = end;
	}
	return n;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "caps", required_argument, NULL, 'c' },
		{ "runnable", required_argument, NULL, 'r' },
		{ "reps", required_argument, NULL, 'n' },
		{ "window-ms", required_argument, NULL, 'w' },
		{ "fill-s", required_argument, NULL, 'f' },
		{ "module", required_argument, NULL, 'm' },
		{ 0 }
	};
	long caps[MAX_CAPS] = { 16384, 1048576 };
	int ncaps = 2, runnable = 100, reps = 7, window_ms = 500, bad = 0, o;
	double fill_s = 300;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'c': ncaps = parse_caps(optarg, caps, MAX_CAPS); break;
		case 'r': runnable = atoi(optarg); break;
		case 'n': reps = atoi(optarg); break;
		case 'w': window_ms = atoi(optarg); break;
		case 'f': fill_s = atof(optarg); break;
		case 'm': module_path = optarg; break;
		default:
			fprintf(stderr, "usage: bench_scan [--caps C1,C2] [--runnable R] [--reps N] "
				"[--window-ms MS] [--fill-s S] [--module KO]\n");
			return 2;
		}
	}
	if (ncaps <= 0 || runnable < 1 || runnable > MAX_RUNNABLE || reps < 1 ||
	    reps > MAX_REPS || window_ms < 50) {
		fprintf(stderr, "bench_scan: bad arguments\n");
		return 2;
	}
	printf("# scan: watchdog pass cost (module's scan_ns / nr_scans over %d windows of %d ms;"
	       " period 10 ms, nothing starves), %d runnable spinning threads, pool filled with"
	       " records of exited threads (budget %.0f s per capacity)\n", reps, window_ms,
	       runnable, fill_s);
	printf("# tickmax_ns: longest single scan tick of the whole session, filling included"
	       " (up to 4096 visits a tick while the fill threads are runnable)\n");
	printf("%-10s %8s %8s %8s %10s %12s %12s %12s %10s %7s\n", "row", "capacity", "records",
	       "runnable", "visits/ps", "pass_ns_med", "pass_ns_min", "pass_ns_max", "tickmax_ns",
	       "fill_s");
	for (int i = 0; i < ncaps; i++)
		bad |= bench_cap(caps[i], runnable, reps, window_ms, fill_s);
	module_unload();
	module_load(module_path, "");
	return bad;
}
