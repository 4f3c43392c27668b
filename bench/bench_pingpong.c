// SPDX-License-Identifier: GPL-2.0
/*
 * bench_pingpong - what ktstr.ko's probes cost the scheduler.
 *
 * Two processes pinned to the same CPU bounce one byte over two pipes:
 * nominally 2 context switches and 2 wakeups per round trip. When the woken
 * reader preempts the writer at once, the writer is still runnable when
 * it is written to and gets no wakeup, so the real number of hooked
 * events per round trip is between 3 and 4; it is measured (the module's
 * own per-tracepoint hit counters in the tracked state) and used to turn
 * the added time into ns per hooked event. The round trip is timed in
 * four states of the module, in ONE boot, interleaved (every repetition
 * visits every state, in an order rotated by one each repetition, so slow
 * drift of the host hits all states alike):
 *
 *   unloaded     ktstr.ko removed (delete_module): the true baseline
 *   loaded_idle  module loaded, no session: probes are not attached
 *   untracked    a session tracks one unrelated sleeping task: the probes
 *                run on every event and take the "not tracked" fast path
 *   tracked      a session tracks the ping-pong pair (KTSTR_TRACK_PID x2)
 *
 * The module is reloaded (finit_module) at the end with its defaults.
 * Output: a human table, and one "@row ID {json}" line per row (see
 * bench/run.sh). Run as root in the guest (ktstr vm); exits non-zero if a
 * row could not be measured, never because a goal was missed.
 *
 * usage: bench_pingpong [--reps N] [--target-ms MS] [--cpu C] [--module KO]
 */
#include "guest.h"
#include <getopt.h>
#define KT_MODULE_NAME	"ktstr"
#define KT_MODULE_PATH	"/lib/ktstr/ktstr.ko"

struct stats {
	double median, min, max, q1, q3;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Linear interpolation between closest ranks, on a sorted array. */
static double quantile(const double *s, int n, double q)
{
	double pos = q * (n - 1);
	int lo = (int)pos;

	if (lo >= n - 1)
		return s[n - 1];
	return s[lo] + (pos - lo) * (s[lo + 1] - s[lo]);
}

static struct stats stats_of(const double *v, int n)
{
	double *s = malloc(sizeof(*s) * n);
	struct stats st;

	if (!s) {
		perror("malloc");
		exit(1);
	}
	memcpy(s, v, sizeof(*s) * n);
	qsort(s, n, sizeof(*s), cmp_double);
	st.min = s[0];
	st.max = s[n - 1];
	st.median = quantile(s, n, 0.5);
	st.q1 = quantile(s, n, 0.25);
	st.q3 = quantile(s, n, 0.75);
	free(s);
	return st;
}

static bool module_loaded(void)
{
	return access("/sys/module/" KT_MODULE_NAME, F_OK) == 0;
}

/* rmmod: fails (and exits) if /dev/ktstr is still open somewhere. */
static void module_unload(void)
{
	if (!module_loaded())
		return;
	if (syscall(SYS_delete_module, KT_MODULE_NAME, O_NONBLOCK)) {
		fprintf(stderr, "bench: delete_module(ktstr): %s\n", strerror(errno));
		exit(1);
	}
	for (int i = 0; i < 1000 && module_loaded(); i++)
		sleep_ns(1000000);
	if (module_loaded()) {
		fprintf(stderr, "bench: ktstr still in /sys/module after delete_module\n");
		exit(1);
	}
}

/* insmod with params ("" for the defaults); waits for /dev/ktstr. */
static void module_load(const char *path, const char *params)
{
	int fd;

	if (module_loaded())
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "bench: open %s: %s\n", path, strerror(errno));
		exit(1);
	}
	if (syscall(SYS_finit_module, fd, params, 0)) {
		fprintf(stderr, "bench: finit_module(%s, \"%s\"): %s\n", path, params,
			strerror(errno));
		exit(1);
	}
	close(fd);
	for (int i = 0; i < 2000 && access(KTSTR_DEVICE_PATH, F_OK); i++)
		sleep_ns(1000000);
	if (access(KTSTR_DEVICE_PATH, F_OK)) {
		fprintf(stderr, "bench: %s did not appear after loading\n", KTSTR_DEVICE_PATH);
		exit(1);
	}
}

#define NOMINAL_EVENTS_PER_RT	4	/* 2 x sched_switch + 2 x sched_wakeup */
#define MAX_REPS	101

enum mode { M_UNLOADED, M_IDLE, M_UNTRACKED, M_TRACKED, NR_MODES };

static const char *const mode_id[NR_MODES] = {
	"pp_unloaded", "pp_loaded_idle", "pp_untracked", "pp_tracked",
};
static const char *const mode_desc[NR_MODES] = {
	"module unloaded (baseline)",
	"module loaded, no session",
	"session, pair not tracked",
	"session tracking the pair",
};

static const char *module_path = KT_MODULE_PATH;
static int pair_cpu = 1;

/* The pair: A drives (timed), B echoes. The parent talks to A only. */
static int ctl_w, res_r;
static pid_t pid_a, pid_b, pid_sleeper;

static void xwrite(int fd, const void *b, size_t n)
{
	if (write(fd, b, n) != (ssize_t)n) {
		perror("bench_pingpong: write");
		exit(1);
	}
}

static bool xread(int fd, void *b, size_t n)
{
	ssize_t r = read(fd, b, n);

	if (r == 0)
		return false;
	if (r != (ssize_t)n) {
		perror("bench_pingpong: read");
		exit(1);
	}
	return true;
}

static void start_pair(void)
{
	int ab[2], ba[2], ctl[2], res[2];
	char c = 0;

	if (pipe(ab) || pipe(ba) || pipe(ctl) || pipe(res)) {
		perror("pipe");
		exit(1);
	}
	pid_b = fork();
	if (pid_b == 0) {
		close(ab[1]);
		close(ba[0]);
		close(ctl[0]);
		close(ctl[1]);
		close(res[0]);
		close(res[1]);
		if (pin_cpu(pair_cpu))
			_exit(2);
		while (xread(ab[0], &c, 1))
			xwrite(ba[1], &c, 1);
		_exit(0);
	}
	pid_a = fork();
	if (pid_a == 0) {
		uint64_t m;

		close(ab[0]);
		close(ba[1]);
		close(ctl[1]);
		close(res[0]);
		if (pin_cpu(pair_cpu))
			_exit(2);
		while (xread(ctl[0], &m, sizeof(m)) && m) {
			uint64_t t0 = now_ns(), dt;

			for (uint64_t i = 0; i < m; i++) {
				xwrite(ab[1], &c, 1);
				xread(ba[0], &c, 1);
			}
			dt = now_ns() - t0;
			xwrite(res[1], &dt, sizeof(dt));
		}
		_exit(0);
	}
	if (pid_a < 0 || pid_b < 0) {
		perror("fork");
		exit(1);
	}
	close(ab[0]);
	close(ab[1]);
	close(ba[0]);
	close(ba[1]);
	close(ctl[0]);
	close(res[1]);
	ctl_w = ctl[1];
	res_r = res[0];

	pid_sleeper = fork();
	if (pid_sleeper == 0) {
		close(ctl_w);
		close(res_r);
		for (;;)
			pause();
	}
}

/* m round trips; returns ns for all of them. */
static uint64_t run_rt(uint64_t m)
{
	uint64_t dt;

	xwrite(ctl_w, &m, sizeof(m));
	if (!m)
		return 0;
	if (!xread(res_r, &dt, sizeof(dt))) {
		fprintf(stderr, "bench_pingpong: the pair died\n");
		exit(1);
	}
	return dt;
}

static void stats_hits(int fd, uint64_t *hits)
{
	struct ktstr_stats st;

	if (kt_ioctl(fd, KTSTR_IOC_STATS, &st)) {
		fprintf(stderr, "bench_pingpong: KTSTR_IOC_STATS: %s\n", strerror(errno));
		exit(1);
	}
	*hits = st.hits[0] + st.hits[1];	/* switch + wakeup */
}

/*
 * One measurement in state md: µs per round trip. *hits_per_rt gets the
 * tracked-task probe hits per round trip (sessions only, else -1).
 */
static double measure(enum mode md, uint64_t m, double *hits_per_rt)
{
	uint64_t h0 = 0, h1 = 0, dt;
	int fd = -1, err = 0;

	*hits_per_rt = -1;
	if (getenv("BENCH_DEBUG"))
		fprintf(stderr, "# measure %s\n", mode_id[md]);
	if (md == M_UNLOADED)
		module_unload();
	else
		module_load(module_path, "");
	if (md == M_UNTRACKED || md == M_TRACKED) {
		fd = kt_open();
		if (md == M_UNTRACKED)
			err = kt_track(fd, KTSTR_TRACK_PID, 0, pid_sleeper, -1);
		else
			err = kt_track(fd, KTSTR_TRACK_PID, 0, pid_a, -1) ?:
			      kt_track(fd, KTSTR_TRACK_PID, 0, pid_b, -1);
		if (err) {
			fprintf(stderr, "bench_pingpong: track: %s\n", strerror(-err));
			exit(1);
		}
	}
	run_rt(m / 10 + 1);		/* warm up in this state */
	if (fd >= 0)
		stats_hits(fd, &h0);
	dt = run_rt(m);
	if (fd >= 0) {
		stats_hits(fd, &h1);
		*hits_per_rt = (double)(h1 - h0) / m;
		close(fd);		/* last close: session ends, probes detach */
	}
	return dt / 1e3 / m;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_pingpong [--reps N] [--target-ms MS] [--cpu C] [--module KO]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reps", required_argument, NULL, 'r' },
		{ "target-ms", required_argument, NULL, 't' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "module", required_argument, NULL, 'm' },
		{ 0 }
	};
	double us[NR_MODES][MAX_REPS], hits[NR_MODES][MAX_REPS];
	double delta[MAX_REPS], cal_us, ev_per_rt;
	struct stats st[NR_MODES];
	int reps = 21, target_ms = 300, o, missing = 0;
	uint64_t m;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'r': reps = atoi(optarg); break;
		case 't': target_ms = atoi(optarg); break;
		case 'c': pair_cpu = atoi(optarg); break;
		case 'm': module_path = optarg; break;
		default: usage();
		}
	}
	if (reps < 1 || reps > MAX_REPS || target_ms < 1 || optind != argc)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1)
		pin_cpu(pair_cpu == 0 ? 1 : 0);	/* keep the parent off the pair's CPU */
	if (!module_loaded())
		module_load(module_path, "");
	start_pair();

	/* Calibrate: round trips per measurement for about target_ms. */
	run_rt(1000);
	cal_us = run_rt(2000) / 1e3 / 2000;
	m = (uint64_t)(target_ms * 1e3 / cal_us);
	if (m < 1000)
		m = 1000;
	printf("# pingpong: pair on CPU %d, %d reps x %d states, %llu round trips each "
	       "(~%.1f us/rt at calibration)\n", pair_cpu, reps, NR_MODES,
	       (unsigned long long)m, cal_us);

	for (int r = 0; r < reps; r++) {
		for (int k = 0; k < NR_MODES; k++) {
			enum mode md = (r + k) % NR_MODES;

			us[md][r] = measure(md, m, &hits[md][r]);
		}
	}
	module_load(module_path, "");

	kill(pid_sleeper, SIGKILL);
	waitpid(pid_sleeper, NULL, 0);
	run_rt(0);			/* m == 0: A exits, so B reads EOF */
	waitpid(pid_a, NULL, 0);
	waitpid(pid_b, NULL, 0);

	for (int md = 0; md < NR_MODES; md++)
		st[md] = stats_of(us[md], reps);
	/* Hooked events per round trip, as the module counted them. */
	ev_per_rt = stats_of(hits[M_TRACKED], reps).median;
	printf("# hooked events per round trip (module hit counters, tracked state): %.3f "
	       "(nominal %d); ns/event below = added time / this\n", ev_per_rt,
	       NOMINAL_EVENTS_PER_RT);
	if (!(ev_per_rt >= 2.5 && ev_per_rt <= 4.5)) {
		printf("not ok - pingpong: %.3f tracked events per round trip, want 3..4\n",
		       ev_per_rt);
		return 1;
	}

	printf("\n%-15s %-28s %9s %9s %9s %9s %9s %12s %12s  %s\n", "row", "state",
	       "median_us", "min_us", "max_us", "q1_us", "q3_us", "added_%", "ns/event",
	       "goal");
	for (int md = 0; md < NR_MODES; md++) {
		const struct stats *s = &st[md], *b = &st[M_UNLOADED];
		double pct = (s->median - b->median) / b->median * 100;
		double ns_ev = (s->median - b->median) * 1e3 / ev_per_rt;
		struct stats ds, hs = { -1, -1, -1, -1, -1 };
		const char *goal = "", *verdict = "";
		char gbuf[160];
		bool ok_row = true;

		/* Paired per-repetition differences: drift mostly cancels. */
		for (int r = 0; r < reps; r++)
			delta[r] = (us[md][r] - us[M_UNLOADED][r]) / us[M_UNLOADED][r] * 100;
		ds = stats_of(delta, reps);
		if (md == M_UNTRACKED || md == M_TRACKED)
			hs = stats_of(hits[md], reps);

		switch (md) {
		case M_UNLOADED:
			goal = "baseline";
			break;
		case M_IDLE:
			goal = "expect = baseline (probes detached)";
			verdict = ds.q1 <= 0 && ds.q3 >= 0 ?
				  "consistent (paired IQR contains 0)" : "DIFFERS (paired IQR excludes 0)";
			break;
		case M_UNTRACKED:
			goal = "untracked fast path adds <= 1%";
			verdict = pct <= 1.0 ? "MET" : "MISSED";
			/* The sleeper sleeps: the pair must not be counted. */
			ok_row = hs.max < 0.01;
			break;
		case M_TRACKED:
			goal = "<= 1/2 of runqlat's and < BPF collector's cost";
			verdict = "not evaluated (no runqlat/BPF rows yet)";
			break;
		default:
			break;
		}
		snprintf(gbuf, sizeof(gbuf), "%s%s%s", goal, *verdict ? ": " : "", verdict);
		printf("%-15s %-28s %9.3f %9.3f %9.3f %9.3f %9.3f %+11.2f%% %12.1f  %s\n",
		       mode_id[md], mode_desc[md], s->median, s->min, s->max, s->q1, s->q3,
		       pct, ns_ev, gbuf);
		if (md != M_UNLOADED)
			printf("%-15s %-28s paired added_%%: median %+.2f, IQR [%+.2f, %+.2f], "
			       "range [%+.2f, %+.2f]\n", "", "", ds.median, ds.q1, ds.q3,
			       ds.min, ds.max);
		if (hs.median >= 0)
			printf("%-15s %-28s tracked-task probe hits per round trip: %.3f\n",
			       "", "", hs.median);
		if (!ok_row) {
			printf("not ok - %s: tracked-task hits per round trip %.3f, want 0\n",
			       mode_id[md], hs.median);
			missing++;
			continue;
		}
		printf("@row %s {\"bench\":\"pingpong\",\"id\":\"%s\",\"state\":\"%s\","
		       "\"reps\":%d,\"round_trips\":%llu,\"events_per_round_trip\":%.3f,"
		       "\"median_us\":%.4f,\"min_us\":%.4f,\"max_us\":%.4f,\"q1_us\":%.4f,"
		       "\"q3_us\":%.4f,\"added_pct\":%.3f,\"added_ns_per_event\":%.2f,"
		       "\"paired_added_pct\":{\"median\":%.3f,\"q1\":%.3f,\"q3\":%.3f,"
		       "\"min\":%.3f,\"max\":%.3f},\"tracked_hits_per_round_trip\":%.3f,"
		       "\"goal\":\"%s\",\"verdict\":\"%s\"}\n",
		       mode_id[md], mode_id[md], mode_desc[md], reps, (unsigned long long)m,
		       ev_per_rt, s->median, s->min, s->max, s->q1, s->q3, pct, ns_ev,
		       ds.median, ds.q1, ds.q3, ds.min, ds.max, hs.median, goal, verdict);
	}
	return missing ? 1 : 0;
}
