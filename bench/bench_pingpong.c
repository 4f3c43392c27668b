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
 * one floor, in the same rotation (module loaded, no session):
 *
 *   nullprobe    bench/nullprobe's ktstr_nullprobe.ko loaded: EMPTY probes
 *                on exactly the tracepoints a ktstr session attaches, so
 *                what it adds is the tracepoint mechanism alone; untracked
 *                minus this is ktstr's own early-exit code
 *
 * and two rival tracers, in the same rotation (module loaded, no session,
 * so its probes are detached, like loaded_idle):
 *
 *   bpf          our BPF collector (user/bpf, libbpf skeleton, linked from
 *                build/libktstr.a) loaded and tracking the pair
 *                (ktstr_bpf_track_pid x2); loaded and unloaded around each
 *                measurement so it costs nothing in the other states
 *   runqlat      Debian's libbpf-tools runqlat (all tasks, default options)
 *                running in the background: started before the measurement,
 *                which begins once its three BPF links are attached (its
 *                stdout is a pipe, so its banner is buffered), killed after
 *
 * Two estimators per state: the median over repetitions of the batch time,
 * and the lower envelope: each batch is cut into NR_CHUNKS equal slices and
 * its fastest slice kept (host preemption of the emulator only adds time,
 * so the fastest slice is the least disturbed). Goals are evaluated on
 * both; paired (same-repetition) differences show what the noise allows.
 *
 * The module is reloaded (finit_module) at the end with its defaults.
 * Output: a human table, and one "@row ID {json}" line per row (see
 * bench/run.sh). Run as root in the guest (ktstr vm); exits non-zero if a
 * row could not be measured, never because a goal was missed.
 *
 * usage: bench_pingpong [--reps N] [--target-ms MS] [--cpu C] [--module KO]
 *                       [--runqlat PATH] [--nullprobe KO]
 */
#include "bench_util.h"
#include <dirent.h>
#include <getopt.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <ktstr/collector.h>
#include <ktstr/util.h>
#include "collector.h"

#define NR_CHUNKS	20	/* slices per batch for the lower envelope */
#define NOMINAL_EVENTS_PER_RT	4	/* 2 x sched_switch + 2 x sched_wakeup */
#define MAX_REPS	101
#define NP_MODULE_NAME	"ktstr_nullprobe"	/* bench/nullprobe */

/* The _B states exist only in the A/B mode (--ab KO): module B instead. */
enum mode {
	M_UNLOADED, M_IDLE, M_NULL, M_UNTRACKED, M_TRACKED, M_BPF, M_RUNQLAT, NR_MODES,
	M_UNTRACKED_B = NR_MODES, M_TRACKED_B, NR_ALL_MODES
};

static const char *const mode_id[NR_ALL_MODES] = {
	"pp_unloaded", "pp_loaded_idle", "pp_nullprobe", "pp_untracked", "pp_tracked",
	"pp_bpf", "pp_runqlat", "ab_untracked_b", "ab_tracked_b",
};
static const char *const mode_desc[NR_ALL_MODES] = {
	"module unloaded (baseline)",
	"module loaded, no session",
	"null probes (tracepoint floor)",
	"session, pair not tracked",
	"session tracking the pair",
	"BPF collector tracking pair",
	"libbpf-tools runqlat running",
	"module B: pair not tracked",
	"module B: tracking the pair",
};
/* Why a rival state could not be measured ("" while it can). */
static char mode_err[NR_ALL_MODES][256];
/* A/B mode: the other build of ktstr.ko, and which one is loaded now. */
static const char *module_b;
static const char *loaded_path;
static const char *runqlat_path;
/* BPF collector: ns spent loading+attaching it, and the pair's run counts. */
static double bpf_open_ms[MAX_REPS], runqlat_start_ms[MAX_REPS];
static int bpf_open_n, runqlat_start_n;

static const char *module_path = KT_MODULE_PATH;
static const char *nullprobe_path = "./" NP_MODULE_NAME ".ko";
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
			uint64_t t0 = now_ns(), tc = t0, r[2], chunk = m / NR_CHUNKS;

			/* r[1]: the fastest of NR_CHUNKS equal slices, ns per slice. */
			r[1] = UINT64_MAX;
			for (uint64_t i = 0; i < m; i++) {
				xwrite(ab[1], &c, 1);
				xread(ba[0], &c, 1);
				if (chunk && (i + 1) % chunk == 0 && (i + 1) / chunk <= NR_CHUNKS) {
					uint64_t t = now_ns();

					if (t - tc < r[1])
						r[1] = t - tc;
					tc = t;
				}
			}
			r[0] = now_ns() - t0;
			if (!chunk)
				r[1] = r[0];
			xwrite(res[1], r, sizeof(r));
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

/*
 * m round trips; returns ns for all of them. last_best_us: µs per round
 * trip in the fastest of NR_CHUNKS equal slices of this batch (the lower
 * envelope: host preemption of the emulator only ever adds time).
 */
static double last_best_us;

static uint64_t run_rt(uint64_t m)
{
	uint64_t r[2];

	xwrite(ctl_w, &m, sizeof(m));
	if (!m)
		return 0;
	if (!xread(res_r, r, sizeof(r))) {
		fprintf(stderr, "bench_pingpong: the pair died\n");
		exit(1);
	}
	last_best_us = m >= NR_CHUNKS ? r[1] / 1e3 / (double)(m / NR_CHUNKS) : r[0] / 1e3 / m;
	return r[0];
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
/* Number of BPF links among pid's open files. */
static int count_bpf_links(pid_t pid)
{
	char dir[64], path[384], tgt[128];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	d = opendir(dir);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		ssize_t len;

		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		len = readlink(path, tgt, sizeof(tgt) - 1);
		if (len <= 0)
			continue;
		tgt[len] = '\0';
		if (strstr(tgt, "bpf_link"))
			n++;
	}
	closedir(d);
	return n;
}

#define RUNQLAT_LINKS	3	/* sched_wakeup, sched_wakeup_new, sched_switch */

/*
 * Start runqlat in the background (one 600 s interval, so it stays up for
 * the measurement) and wait until its programs are attached. 0 or -1 with
 * mode_err[M_RUNQLAT] set.
 */
static pid_t runqlat_start(void)
{
	uint64_t t0 = now_ns();
	pid_t p = fork();

	if (p == 0) {
		int nul = open("/dev/null", O_WRONLY);
		int err = open("/tmp/runqlat.err", O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (nul >= 0)
			dup2(nul, 1);
		if (err >= 0)
			dup2(err, 2);
		close(ctl_w);
		close(res_r);
		execl(runqlat_path, "runqlat", "600", "1", (char *)NULL);
		_exit(127);
	}
	if (p < 0) {
		snprintf(mode_err[M_RUNQLAT], sizeof(mode_err[M_RUNQLAT]), "fork: %s",
			 strerror(errno));
		return -1;
	}
	/* Up to 120 s: loading under TCG is slow. */
	while (now_ns() - t0 < 120000ULL * MS) {
		int st, links = count_bpf_links(p);

		if (links >= RUNQLAT_LINKS) {
			sleep_ns(20 * MS);	/* past its last attach call */
			if (runqlat_start_n < MAX_REPS)
				runqlat_start_ms[runqlat_start_n++] = (now_ns() - t0) / 1e6;
			return p;
		}
		if (waitpid(p, &st, WNOHANG) == p) {
			char buf[200] = "";

			read_file("/tmp/runqlat.err", buf, sizeof(buf));
			buf[strcspn(buf, "\n")] = '\0';
			snprintf(mode_err[M_RUNQLAT], sizeof(mode_err[M_RUNQLAT]),
				 "%s exited (status %#x) before attaching: %s", runqlat_path, st, buf);
			return -1;
		}
		sleep_ns(5 * MS);
	}
	kill_wait(p);
	snprintf(mode_err[M_RUNQLAT], sizeof(mode_err[M_RUNQLAT]),
		 "%s: %d BPF links after 120 s, want %d", runqlat_path, RUNQLAT_LINKS, RUNQLAT_LINKS);
	return -1;
}

/* insmod ktstr_nullprobe.ko: 0, or -1 with mode_err[M_NULL] set. */
static int nullprobe_load(void)
{
	int fd = open(nullprobe_path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(mode_err[M_NULL], sizeof(mode_err[M_NULL]), "open %s: %s",
			 nullprobe_path, strerror(errno));
		return -1;
	}
	if (syscall(SYS_finit_module, fd, "", 0)) {
		snprintf(mode_err[M_NULL], sizeof(mode_err[M_NULL]), "finit_module(%s): %s",
			 nullprobe_path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	if (access("/sys/module/" NP_MODULE_NAME, F_OK)) {
		snprintf(mode_err[M_NULL], sizeof(mode_err[M_NULL]),
			 "/sys/module/%s missing after loading", NP_MODULE_NAME);
		return -1;
	}
	return 0;
}

/* rmmod ktstr_nullprobe: its exit detaches and waits for running probes. */
static int nullprobe_unload(void)
{
	if (syscall(SYS_delete_module, NP_MODULE_NAME, O_NONBLOCK)) {
		snprintf(mode_err[M_NULL], sizeof(mode_err[M_NULL]), "delete_module(%s): %s",
			 NP_MODULE_NAME, strerror(errno));
		return -1;
	}
	for (int i = 0; i < 1000 && !access("/sys/module/" NP_MODULE_NAME, F_OK); i++)
		sleep_ns(1000000);
	if (!access("/sys/module/" NP_MODULE_NAME, F_OK)) {
		snprintf(mode_err[M_NULL], sizeof(mode_err[M_NULL]),
			 "%s still in /sys/module after delete_module", NP_MODULE_NAME);
		return -1;
	}
	return 0;
}

/*
 * µs per round trip with only the empty probes attached (module loaded, no
 * session, like loaded_idle); -1 if it failed.
 */
static double measure_null(uint64_t m)
{
	uint64_t dt;

	if (mode_err[M_NULL][0] || nullprobe_load())
		return -1;
	run_rt(m / 10 + 1);		/* warm up in this state */
	dt = run_rt(m);
	if (nullprobe_unload())
		return -1;
	return dt / 1e3 / m;
}

/* µs per round trip with a rival tracer on (M_BPF, M_RUNQLAT); -1 if it failed. */
static double measure_rival(enum mode md, uint64_t m)
{
	struct ktstr_bpf *b = NULL;
	pid_t rq = -1;
	uint64_t dt, t0;
	int err;

	if (mode_err[md][0])
		return -1;
	if (md == M_BPF) {
		t0 = now_ns();
		err = ktstr_bpf_open(&b, 0);
		if (!err)
			err = ktstr_bpf_track_pid(b, pid_a, false) ?:
			      ktstr_bpf_track_pid(b, pid_b, false);
		if (err) {
			snprintf(mode_err[md], sizeof(mode_err[md]), "%s",
				 ktstr_last_error());
			ktstr_bpf_close(b);
			return -1;
		}
		if (bpf_open_n < MAX_REPS)
			bpf_open_ms[bpf_open_n++] = (now_ns() - t0) / 1e6;
	} else {
		rq = runqlat_start();
		if (rq < 0)
			return -1;
	}
	run_rt(m / 10 + 1);		/* warm up in this state */
	dt = run_rt(m);
	if (md == M_BPF) {
		struct ktstr_task_rec *recs = NULL;
		size_t n = 0;
		int seen = 0;

		/* The collector must really have followed the pair. */
		if (ktstr_bpf_snapshot(b, &recs, &n, NULL) == 0)
			for (size_t i = 0; i < n; i++)
				if ((recs[i].pid == pid_a || recs[i].pid == pid_b) &&
				    recs[i].nr_runs >= m)
					seen++;
		free(recs);
		ktstr_bpf_close(b);
		if (seen != 2) {
			snprintf(mode_err[md], sizeof(mode_err[md]),
				 "collector snapshot: %d of the pair with >= %llu runs, want 2",
				 seen, (unsigned long long)m);
			return -1;
		}
	} else {
		if (waitpid(rq, NULL, WNOHANG) == rq) {
			snprintf(mode_err[md], sizeof(mode_err[md]),
				 "runqlat exited during the measurement");
			return -1;
		}
		kill_wait(rq);
	}
	return dt / 1e3 / m;
}

static double measure(enum mode md, uint64_t m, double *hits_per_rt)
{
	uint64_t h0 = 0, h1 = 0, dt;
	int fd = -1, err = 0;

	*hits_per_rt = -1;
	if (getenv("BENCH_DEBUG"))
		fprintf(stderr, "# measure %s\n", mode_id[md]);
	if (md == M_UNLOADED) {
		module_unload();
		loaded_path = NULL;
	} else {
		const char *path = md >= NR_MODES ? module_b : module_path;

		/* Both builds are "ktstr": swap them when the state asks for the other. */
		if (loaded_path && loaded_path != path)
			module_unload();
		module_load(path, "");
		loaded_path = path;
	}
	if (md == M_BPF || md == M_RUNQLAT)
		return measure_rival(md, m);
	if (md == M_NULL)
		return measure_null(m);
	if (md == M_UNTRACKED || md == M_TRACKED || md == M_UNTRACKED_B || md == M_TRACKED_B) {
		fd = kt_open();
		if (md == M_UNTRACKED || md == M_UNTRACKED_B)
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
	fprintf(stderr, "usage: bench_pingpong [--reps N] [--target-ms MS] [--cpu C] [--module KO] "
		"[--runqlat PATH] [--nullprobe KO] [--ab KO]\n");
	exit(2);
}

/*
 * A/B mode (--ab KO): two builds of ktstr.ko in one boot, e.g. before and
 * after a change of the probes. Each repetition visits the baseline, the
 * null probes and the untracked and tracked states of module A (--module)
 * and of module B, the order rotated by one per repetition; the module is
 * swapped (delete_module, finit_module) when a state needs the other one.
 * Reported: each state against the baseline, and A - B per repetition (%
 * of that repetition's baseline; batch and envelope): drift cancels in it.
 */
static const enum mode ab_modes[] = {
	M_UNLOADED, M_NULL, M_UNTRACKED, M_UNTRACKED_B, M_TRACKED, M_TRACKED_B,
};

static void ab_line(const char *what, double (*v)[MAX_REPS], enum mode a, enum mode b,
		    int reps)
{
	double d[MAX_REPS];
	struct stats s;

	for (int r = 0; r < reps; r++)
		d[r] = (v[a][r] - v[b][r]) / v[M_UNLOADED][r] * 100;
	s = stats_of(d, reps);
	printf("# ab %-9s %-10s A - B: median %+.2f%%, IQR [%+.2f, %+.2f], range [%+.2f, %+.2f]"
	       " of the baseline -> %s\n", mode_id[a] + 3, what, s.median, s.q1, s.q3, s.min,
	       s.max, s.q3 < 0 ? "A cheaper beyond the noise" :
	       s.q1 > 0 ? "A dearer beyond the noise" : "within the noise");
	printf("@ab {\"state\":\"%s\",\"estimator\":\"%s\",\"a_minus_b_pct\":{\"median\":%.3f,"
	       "\"q1\":%.3f,\"q3\":%.3f,\"min\":%.3f,\"max\":%.3f}}\n", mode_id[a] + 3, what,
	       s.median, s.q1, s.q3, s.min, s.max);
}

static int run_ab(int reps, uint64_t m, double (*us)[MAX_REPS], double (*best)[MAX_REPS])
{
	const int n = (int)KTSTR_ARRAY_SIZE(ab_modes);
	double hits, d[MAX_REPS];
	struct stats s, e;

	printf("# ab: A = %s, B = %s; %d reps x %d states, %llu round trips each\n", module_path,
	       module_b, reps, n, (unsigned long long)m);
	for (int r = 0; r < reps; r++) {
		for (int k = 0; k < n; k++) {
			enum mode md = ab_modes[(r + k) % n];

			us[md][r] = measure(md, m, &hits);
			best[md][r] = last_best_us;
		}
	}
	if (mode_err[M_NULL][0])
		printf("# ab: null probes: %s\n", mode_err[M_NULL]);
	printf("# ab %-22s %10s %10s %10s   %s\n", "state", "batch_us", "added_%", "env_%",
	       "paired envelope added_% median [IQR]");
	for (int k = 0; k < n; k++) {
		enum mode md = ab_modes[k];

		if (md == M_NULL && mode_err[M_NULL][0])
			continue;
		s = stats_of(us[md], reps);
		e = stats_of(best[md], reps);
		for (int r = 0; r < reps; r++)
			d[r] = (best[md][r] - best[M_UNLOADED][r]) / best[M_UNLOADED][r] * 100;
		{
			struct stats pd = stats_of(d, reps);
			struct stats b0 = stats_of(us[M_UNLOADED], reps);
			struct stats e0 = stats_of(best[M_UNLOADED], reps);

			printf("# ab %-22s %10.3f %+9.2f%% %+9.2f%%   %+.2f [%+.2f, %+.2f]\n",
			       mode_desc[md], s.median, (s.median - b0.median) / b0.median * 100,
			       (e.median - e0.median) / e0.median * 100, pd.median, pd.q1, pd.q3);
		}
	}
	ab_line("batch", us, M_UNTRACKED, M_UNTRACKED_B, reps);
	ab_line("envelope", best, M_UNTRACKED, M_UNTRACKED_B, reps);
	ab_line("batch", us, M_TRACKED, M_TRACKED_B, reps);
	ab_line("envelope", best, M_TRACKED, M_TRACKED_B, reps);
	if (!mode_err[M_NULL][0]) {
		/* Own cost minus the floor, per repetition, for each module. */
		for (int i = 0; i < 2; i++) {
			enum mode u = i ? M_UNTRACKED_B : M_UNTRACKED;

			for (int r = 0; r < reps; r++)
				d[r] = (best[u][r] - 2 * best[M_NULL][r] + best[M_UNLOADED][r]) /
				       best[M_UNLOADED][r] * 100;
			s = stats_of(d, reps);
			printf("# ab module %c: own - floor (untracked - 2 x null probes + baseline),"
			       " envelope, per repetition: median %+.2f%%, IQR [%+.2f, %+.2f] -> %s\n",
			       i ? 'B' : 'A', s.median, s.q1, s.q3,
			       s.q3 <= 0 ? "own <= floor beyond the noise" :
			       s.q1 >= 0 ? "own > floor beyond the noise" : "within the noise");
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reps", required_argument, NULL, 'r' },
		{ "target-ms", required_argument, NULL, 't' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "module", required_argument, NULL, 'm' },
		{ "runqlat", required_argument, NULL, 'q' },
		{ "nullprobe", required_argument, NULL, 'n' },
		{ "ab", required_argument, NULL, 'b' },
		{ 0 }
	};
	static double us[NR_ALL_MODES][MAX_REPS], hits[NR_MODES][MAX_REPS];
	double delta[MAX_REPS], cal_us, ev_per_rt;
	static double best[NR_ALL_MODES][MAX_REPS];
	struct stats st[NR_MODES], est[NR_MODES];
	int reps = 21, target_ms = 300, o, missing = 0;
	uint64_t m;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'r': reps = atoi(optarg); break;
		case 't': target_ms = atoi(optarg); break;
		case 'c': pair_cpu = atoi(optarg); break;
		case 'm': module_path = optarg; break;
		case 'q': runqlat_path = optarg; break;
		case 'n': nullprobe_path = optarg; break;
		case 'b': module_b = optarg; break;
		default: usage();
		}
	}
	if (reps < 1 || reps > MAX_REPS || target_ms < 1 || optind != argc)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!runqlat_path)
		runqlat_path = access("./runqlat", X_OK) == 0 ? "./runqlat" : "/usr/sbin/runqlat";
	if (access(runqlat_path, X_OK))
		snprintf(mode_err[M_RUNQLAT], sizeof(mode_err[M_RUNQLAT]), "%s: %s",
			 runqlat_path, strerror(errno));
	if (access(nullprobe_path, R_OK))
		snprintf(mode_err[M_NULL], sizeof(mode_err[M_NULL]), "%s: %s",
			 nullprobe_path, strerror(errno));
	if (!access("/sys/module/" NP_MODULE_NAME, F_OK) && nullprobe_unload())
		exit(1);	/* left over: it would sit in every other state */
	mkdir("/sys/fs/bpf", 0755);
	mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL);	/* harmless if there already */
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
	if (module_b) {
		int ret = run_ab(reps, m, us, best);

		module_unload();
		module_load(module_path, "");
		kill(pid_sleeper, SIGKILL);
		waitpid(pid_sleeper, NULL, 0);
		run_rt(0);
		waitpid(pid_a, NULL, 0);
		waitpid(pid_b, NULL, 0);
		return ret;
	}
	printf("# pingpong: pair on CPU %d, %d reps x %d states, %llu round trips each "
	       "(~%.1f us/rt at calibration)\n", pair_cpu, reps, NR_MODES,
	       (unsigned long long)m, cal_us);

	for (int r = 0; r < reps; r++) {
		for (int k = 0; k < NR_MODES; k++) {
			enum mode md = (r + k) % NR_MODES;

			us[md][r] = measure(md, m, &hits[md][r]);
			best[md][r] = last_best_us;
		}
	}
	module_load(module_path, "");

	kill(pid_sleeper, SIGKILL);
	waitpid(pid_sleeper, NULL, 0);
	run_rt(0);			/* m == 0: A exits, so B reads EOF */
	waitpid(pid_a, NULL, 0);
	waitpid(pid_b, NULL, 0);

	for (int md = 0; md < NR_MODES; md++)
		if (!mode_err[md][0]) {
			st[md] = stats_of(us[md], reps);
			est[md] = stats_of(best[md], reps);
		}
	if (bpf_open_n)
		printf("# BPF collector load+attach+track before each pp_bpf measurement: median %.0f ms\n",
		       stats_of(bpf_open_ms, bpf_open_n).median);
	if (runqlat_start_n)
		printf("# runqlat (%s 600 1) start until its %d links are attached: median %.0f ms\n",
		       runqlat_path, RUNQLAT_LINKS, stats_of(runqlat_start_ms, runqlat_start_n).median);
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

	printf("\n%-15s %-30s %9s %9s %9s %9s %9s %12s %12s  %s\n", "row", "state",
	       "median_us", "min_us", "max_us", "q1_us", "q3_us", "added_%", "ns/event",
	       "goal");
	for (int md = 0; md < NR_MODES; md++) {
		const struct stats *s = &st[md], *b = &st[M_UNLOADED];
		double pct = (s->median - b->median) / b->median * 100;
		double ns_ev = (s->median - b->median) * 1e3 / ev_per_rt;
		struct stats ds, hs = { -1, -1, -1, -1, -1 };
		const char *goal = "", *verdict = "";
		char gbuf[400], vbuf[300], pbuf[600] = "", ebuf[600] = "", obuf[800] = "";
		struct stats pq, pb;
		bool ok_row = true;

		if (mode_err[md][0]) {
			printf("not ok - %s: %s\n", mode_id[md], mode_err[md]);
			missing++;
			continue;
		}
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
			if (mode_err[M_RUNQLAT][0] || mode_err[M_BPF][0]) {
				verdict = "not evaluated (runqlat or BPF row missing)";
			} else {
				double rq = st[M_RUNQLAT].median - b->median;
				double bp = st[M_BPF].median - b->median;
				double me = s->median - b->median;
				bool half = me <= rq / 2, less = me < bp;

				snprintf(vbuf, sizeof(vbuf), "%s (vs runqlat: %s, %.1f%% of its added; "
					 "vs BPF: %s, %.1f%% of its added)",
					 half && less ? "MET" : "MISSED", half ? "met" : "MISSED",
					 rq > 0 ? me / rq * 100 : 0.0, less ? "met" : "MISSED",
					 bp > 0 ? me / bp * 100 : 0.0);
				verdict = vbuf;
			}
			break;
		case M_NULL:
			goal = "reference: tracepoint floor (empty probes)";
			break;
		case M_BPF:
			goal = "reference: our BPF collector";
			break;
		case M_RUNQLAT:
			goal = "reference: runqlat";
			break;
		default:
			break;
		}
		snprintf(gbuf, sizeof(gbuf), "%s%s%s", goal, *verdict ? ": " : "", verdict);
		printf("%-15s %-30s %9.3f %9.3f %9.3f %9.3f %9.3f %+11.2f%% %12.1f  %s\n",
		       mode_id[md], mode_desc[md], s->median, s->min, s->max, s->q1, s->q3,
		       pct, ns_ev, gbuf);
		if (md != M_UNLOADED)
			printf("%-15s %-30s paired added_%%: median %+.2f, IQR [%+.2f, %+.2f], "
			       "range [%+.2f, %+.2f]\n", "", "", ds.median, ds.q1, ds.q3,
			       ds.min, ds.max);
		if (hs.median >= 0)
			printf("%-15s %-30s tracked-task probe hits per round trip: %.3f\n",
			       "", "", hs.median);
		/*
		 * Lower envelope: per batch, the fastest of its NR_CHUNKS slices.
		 * The emulator's thread is preempted by whatever else runs on the
		 * host, which only ever adds time; the fastest slice is the
		 * least disturbed estimate. Same goals, evaluated on it as well.
		 */
		{
			const struct stats *e = &est[md], *eb = &est[M_UNLOADED];
			double epct = (e->median - eb->median) / eb->median * 100;
			double ens = (e->median - eb->median) * 1e3 / ev_per_rt;
			struct stats eds;
			char ev[200] = "";

			for (int r = 0; r < reps; r++)
				delta[r] = (best[md][r] - best[M_UNLOADED][r]) /
					   best[M_UNLOADED][r] * 100;
			eds = stats_of(delta, reps);
			if (md == M_UNTRACKED)
				snprintf(ev, sizeof(ev), "%s", epct <= 1.0 ? "MET" : "MISSED");
			if (md == M_TRACKED && !mode_err[M_RUNQLAT][0] && !mode_err[M_BPF][0]) {
				double rq = est[M_RUNQLAT].median - eb->median;
				double bp = est[M_BPF].median - eb->median;
				double me = e->median - eb->median;
				bool half = me <= rq / 2, less = me < bp;

				snprintf(ev, sizeof(ev), "%s (vs runqlat: %s, %.1f%% of its added; "
					 "vs BPF: %s, %.1f%% of its added)",
					 half && less ? "MET" : "MISSED", half ? "met" : "MISSED",
					 rq > 0 ? me / rq * 100 : 0.0, less ? "met" : "MISSED",
					 bp > 0 ? me / bp * 100 : 0.0);
			}
			printf("%-15s %-30s envelope (fastest 1/%d slice): median %.3f us, IQR "
			       "[%.3f, %.3f], added %+.2f%%, %.1f ns/event; paired added_%% median "
			       "%+.2f, IQR [%+.2f, %+.2f]%s%s\n", "", "", NR_CHUNKS, e->median, e->q1,
			       e->q3, epct, ens, eds.median, eds.q1, eds.q3, ev[0] ? "; goal: " : "",
			       ev);
			snprintf(ebuf, sizeof(ebuf), ",\"envelope\":{\"slices\":%d,\"median_us\":%.4f,"
				 "\"min_us\":%.4f,\"max_us\":%.4f,\"q1_us\":%.4f,\"q3_us\":%.4f,"
				 "\"added_pct\":%.3f,\"added_ns_per_event\":%.2f,\"paired_added_pct\":"
				 "{\"median\":%.3f,\"q1\":%.3f,\"q3\":%.3f},\"verdict\":\"%s\"}",
				 NR_CHUNKS, e->median, e->min, e->max, e->q1, e->q3, epct, ens,
				 eds.median, eds.q1, eds.q3, ev);
		}
		if (md == M_UNTRACKED && !mode_err[M_NULL][0]) {
			/*
			 * ktstr's own fast-path cost: the untracked state minus
			 * the tracepoint floor (empty probes on the same
			 * tracepoints), in % of the baseline and ns per hooked
			 * event; per repetition too, where drift cancels.
			 */
			const struct stats *n = &st[M_NULL], *e = &est[md];
			const struct stats *en = &est[M_NULL], *eb = &est[M_UNLOADED];
			double own = (s->median - n->median) / b->median * 100;
			double own_ns = (s->median - n->median) * 1e3 / ev_per_rt;
			double eown = (e->median - en->median) / eb->median * 100;
			double eown_ns = (e->median - en->median) * 1e3 / ev_per_rt;
			double fl = e->median > eb->median ?
				    (en->median - eb->median) / (e->median - eb->median) * 100 : 0;
			struct stats po, peo, pfl;

			for (int r = 0; r < reps; r++)
				delta[r] = (us[md][r] - us[M_NULL][r]) / us[M_UNLOADED][r] * 100;
			po = stats_of(delta, reps);
			for (int r = 0; r < reps; r++)
				delta[r] = (best[md][r] - best[M_NULL][r]) / best[M_UNLOADED][r] * 100;
			peo = stats_of(delta, reps);
			printf("%-15s %-30s ktstr's own fast path (untracked - null probes): batch "
			       "%+.2f%%, %.1f ns/event; paired median %+.2f, IQR [%+.2f, %+.2f]\n",
			       "", "", own, own_ns, po.median, po.q1, po.q3);
			printf("%-15s %-30s   envelope: %+.2f%%, %.1f ns/event; paired median %+.2f, "
			       "IQR [%+.2f, %+.2f] -> %s; floor = %.0f%% of this row's envelope "
			       "added\n", "", "", eown, eown_ns, peo.median, peo.q1, peo.q3,
			       peo.q1 > 0 ? "above the floor beyond the noise" :
			       peo.q3 < 0 ? "below the floor beyond the noise" : "within the noise",
			       fl);
			/*
			 * Issue 9's goal: ktstr's own cost no larger than the
			 * floor, i.e. untracked <= 2x null probes. Per
			 * repetition: (u - n) - (n - b) = u - 2n + b, % of b.
			 */
			{
				double f_b = n->median - b->median, f_e = en->median - eb->median;
				/* A floor at or below the baseline makes the ratio meaningless. */
				const char *vb = f_b <= 0 ? "n/a (floor <= 0)" :
						 own * b->median / 100 <= f_b ? "MET" : "MISSED";
				const char *ve = f_e <= 0 ? "n/a (floor <= 0)" :
						 eown * eb->median / 100 <= f_e ? "MET" : "MISSED";

				for (int r = 0; r < reps; r++)
					delta[r] = (best[md][r] - 2 * best[M_NULL][r] +
						    best[M_UNLOADED][r]) / best[M_UNLOADED][r] * 100;
				pfl = stats_of(delta, reps);
				printf("%-15s %-30s own <= floor (untracked <= 2x null probes): batch "
				       "%s (%.2fx), envelope %s (%.2fx); paired envelope (own - floor) "
				       "median %+.2f, IQR [%+.2f, %+.2f] -> %s\n", "", "", vb,
				       f_b > 0 ? (s->median - b->median) / f_b : 0.0, ve,
				       f_e > 0 ? (e->median - eb->median) / f_e : 0.0, pfl.median,
				       pfl.q1, pfl.q3, pfl.q3 <= 0 ? "met beyond the noise" :
				       pfl.q1 >= 0 ? "missed beyond the noise" : "within the noise");
			}
			snprintf(obuf, sizeof(obuf), ",\"own_fast_path\":{\"minus\":\"pp_nullprobe\","
				 "\"added_pct\":%.3f,\"added_ns_per_event\":%.2f,\"paired_pct\":"
				 "{\"median\":%.3f,\"q1\":%.3f,\"q3\":%.3f},\"envelope\":"
				 "{\"added_pct\":%.3f,\"added_ns_per_event\":%.2f,\"paired_pct\":"
				 "{\"median\":%.3f,\"q1\":%.3f,\"q3\":%.3f},"
				 "\"floor_share_of_added_pct\":%.1f,\"own_minus_floor_paired_pct\":"
				 "{\"median\":%.3f,\"q1\":%.3f,\"q3\":%.3f}}}", own, own_ns,
				 po.median, po.q1, po.q3, eown, eown_ns, peo.median, peo.q1, peo.q3, fl,
				 pfl.median, pfl.q1, pfl.q3);
		}
		if (md == M_TRACKED && !mode_err[M_RUNQLAT][0] && !mode_err[M_BPF][0]) {
			/*
			 * The same goals on per-repetition differences (% of that
			 * repetition's baseline): <= 0 meets them. If the IQR
			 * straddles 0 this run cannot tell.
			 */
			double dq[MAX_REPS], db[MAX_REPS];
			size_t off = 0;

			for (int e = 0; e < 2; e++) {
				double (*v)[MAX_REPS] = e ? best : us;
				const char *what = e ? "envelope" : "batch";

				for (int r = 0; r < reps; r++) {
					double b0 = v[M_UNLOADED][r];

					dq[r] = ((v[M_TRACKED][r] - b0) -
						 (v[M_RUNQLAT][r] - b0) / 2) / b0 * 100;
					db[r] = (v[M_TRACKED][r] - v[M_BPF][r]) / b0 * 100;
				}
				pq = stats_of(dq, reps);
				pb = stats_of(db, reps);
				printf("%-15s %-30s paired %s (tracked - runqlat/2) added_%%: median "
				       "%+.2f, IQR [%+.2f, %+.2f] -> %s\n", "", "", what, pq.median,
				       pq.q1, pq.q3, pq.q3 <= 0 ? "met beyond the noise" :
				       pq.q1 >= 0 ? "missed beyond the noise" : "within the noise");
				printf("%-15s %-30s paired %s (tracked - BPF) added_%%: median %+.2f, "
				       "IQR [%+.2f, %+.2f] -> %s\n", "", "", what, pb.median, pb.q1,
				       pb.q3, pb.q3 < 0 ? "met beyond the noise" :
				       pb.q1 >= 0 ? "missed beyond the noise" : "within the noise");
				off += snprintf(pbuf + off, sizeof(pbuf) - off,
						",\"paired_%s_vs_half_runqlat_pct\":{\"median\":%.3f,"
						"\"q1\":%.3f,\"q3\":%.3f},\"paired_%s_vs_bpf_pct\":"
						"{\"median\":%.3f,\"q1\":%.3f,\"q3\":%.3f}", what,
						pq.median, pq.q1, pq.q3, what, pb.median, pb.q1, pb.q3);
			}
		}
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
		       "\"goal\":\"%s\",\"verdict\":\"%s\"%s%s%s}\n",
		       mode_id[md], mode_id[md], mode_desc[md], reps, (unsigned long long)m,
		       ev_per_rt, s->median, s->min, s->max, s->q1, s->q3, pct, ns_ev,
		       ds.median, ds.q1, ds.q3, ds.min, ds.max, hs.median, goal, verdict, pbuf, ebuf,
		       obuf);
	}
	return missing ? 1 : 0;
}
