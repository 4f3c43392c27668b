// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest test of the collectors (user/include/ktstr/collector.h): one
 * workload, two spinners and a sleeper pinned to CPU 0 forked by a paused
 * spawner tracked with follow-fork, measured by each backend against the
 * kernel's /proc/<pid>/schedstat and status; a child that exits and is
 * reaped before the taskstats backend's snapshot, which must still hold
 * its final run time and exit status (from the kernel's exit records);
 * then the fallback order: with ktstr.ko unloaded, `ktstr stat` picks bpf
 * and says so. The module is loaded again at the end.
 *
 *   ktstr vm --cpus 2 --include build/tests/guest/backends -- ./backends
 */
#include "guest.h"

#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <ktstr/collector.h>

#define NR_WORKERS 3

static int track_with_backend(void *arg, pid_t spawner)
{
	struct ktstr_collector *c = arg;

	if (ktstr_collector_track_pid(c, spawner, true) < 0) {
		printf("# track: %s\n", ktstr_last_error());
		return -EIO;
	}
	return 0;
}

static bool near(uint64_t got, uint64_t want)
{
	uint64_t d = got > want ? got - want : want - got;

	return d <= want / 100 + 4 * MS;
}

static void measure(const char *name, bool exact_counts)
{
	struct ktstr_collector *c = NULL;
	struct ktstr_task_rec *recs = NULL;
	struct spawn rn = { 0 };
	size_t n = 0;
	char t[128];
	int r;

	r = ktstr_collector_open(name, &c);
	snprintf(t, sizeof(t), "%s: open", name);
	if (!check(r == 0, t, "%s", ktstr_last_error()))
		return;
	r = spawn_start(&rn, NR_WORKERS, spin_sleep_work, 0, track_with_backend, c);
	snprintf(t, sizeof(t), "%s: workload tracked", name);
	if (!check(r == 0, t, "%s", strerror(-r))) {
		kill_wait(rn.spawner);
		ktstr_collector_close(c);
		return;
	}
	r = ktstr_collector_snapshot(c, &recs, &n);
	snprintf(t, sizeof(t), "%s: snapshot", name);
	check(r == 0 && n >= NR_WORKERS, t, "r=%d n=%zu: %s", r, n, ktstr_last_error());
	for (int i = 0; i < NR_WORKERS && r == 0; i++) {
		struct ktstr_task_rec *rec = NULL;
		uint64_t run, wait, pc, vol = 0, invol = 0;

		for (size_t k = 0; k < n; k++)
			if (recs[k].pid == rn.pids[i])
				rec = &recs[k];
		snprintf(t, sizeof(t), "%s: worker %d (pid %d) has a record", name, i, rn.pids[i]);
		if (!check(rec, t, "missing"))
			continue;
		read_schedstat(rn.pids[i], &run, &wait, &pc);
		read_proc_field(rn.pids[i], "status", "voluntary_ctxt_switches", &vol);
		read_proc_field(rn.pids[i], "status", "nonvoluntary_ctxt_switches", &invol);
		printf("# %s worker %d: run %llu/%llu wait %llu/%llu runs %llu/%llu vol %llu/%llu invol %llu/%llu (%s vs kernel)\n",
		       name, i, (unsigned long long)rec->run_ns, (unsigned long long)run,
		       (unsigned long long)rec->wait_ns, (unsigned long long)wait,
		       (unsigned long long)rec->nr_runs, (unsigned long long)pc,
		       (unsigned long long)rec->nr_voluntary, (unsigned long long)vol,
		       (unsigned long long)rec->nr_involuntary, (unsigned long long)invol, name);
		snprintf(t, sizeof(t), "%s: worker %d run within 1%% + 4 ms of schedstat", name, i);
		check(near(rec->run_ns, run), t, "%llu vs %llu", (unsigned long long)rec->run_ns,
		      (unsigned long long)run);
		snprintf(t, sizeof(t), "%s: worker %d wait within 1%% + 4 ms of schedstat", name, i);
		check(near(rec->wait_ns, wait), t, "%llu vs %llu", (unsigned long long)rec->wait_ns,
		      (unsigned long long)wait);
		snprintf(t, sizeof(t), "%s: worker %d switch counts %s status", name, i,
			 exact_counts ? "equal" : "near");
		if (exact_counts)
			check(rec->nr_voluntary == vol && rec->nr_involuntary == invol, t,
			      "%llu/%llu vs %llu/%llu", (unsigned long long)rec->nr_voluntary,
			      (unsigned long long)rec->nr_involuntary, (unsigned long long)vol,
			      (unsigned long long)invol);
		else
			check(rec->nr_voluntary + 2 >= vol && rec->nr_voluntary <= vol &&
			      rec->nr_involuntary + 2 >= invol && rec->nr_involuntary <= invol, t,
			      "%llu/%llu vs %llu/%llu", (unsigned long long)rec->nr_voluntary,
			      (unsigned long long)rec->nr_involuntary, (unsigned long long)vol,
			      (unsigned long long)invol);
		snprintf(t, sizeof(t), "%s: worker %d runs == schedstat pcount", name, i);
		check(rec->nr_runs == pc, t, "%llu vs %llu", (unsigned long long)rec->nr_runs,
		      (unsigned long long)pc);
	}
	free(recs);
	spawn_finish(&rn);
	ktstr_collector_close(c);
}

#define REAPED_RUN_NS	(200 * MS)
#define REAPED_STATUS	7

/* What the parent learnt of its child: from the child, and from wait4(). */
struct reaped {
	pid_t pid;
	int status;
	uint64_t own_ns;	/* the child's CLOCK_THREAD_CPUTIME_ID at its end */
	uint64_t rusage_ns;	/* utime + stime from wait4 (tick-sampled) */
	int release_w;		/* (in the test only) lets the parent go */
};

static uint64_t tv_ns(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * 1000000000ULL + (uint64_t)tv.tv_usec * 1000ULL;
}

/* The child: burn REAPED_RUN_NS of CPU, tell its own clock, exit. */
static void reaped_child(int out)
{
	struct timespec ts;
	uint64_t own;

	spin_cpu_ns(REAPED_RUN_NS);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	own = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	_exit(write(out, &own, sizeof(own)) == sizeof(own) ? REAPED_STATUS : 1);
}

/*
 * The tracked parent: once told to go, fork the child, reap it, report,
 * and stay alive until released (so the snapshot sees a live parent and
 * no child at all in /proc).
 */
static void reaped_parent(int go, int report, int release)
{
	struct reaped rp = { 0 };
	struct rusage ru;
	int own[2];
	char c;

	if (read(go, &c, 1) != 1 || pipe(own))
		_exit(1);
	rp.pid = fork();
	if (rp.pid < 0)
		_exit(1);
	if (!rp.pid)
		reaped_child(own[1]);
	close(own[1]);
	if (read(own[0], &rp.own_ns, sizeof(rp.own_ns)) != sizeof(rp.own_ns))
		rp.own_ns = 0;
	if (wait4(rp.pid, &rp.status, 0, &ru) != rp.pid)
		_exit(1);
	rp.rusage_ns = tv_ns(ru.ru_utime) + tv_ns(ru.ru_stime);
	if (write(report, &rp, sizeof(rp)) != sizeof(rp))
		_exit(1);
	(void)!read(release, &c, 1);
	_exit(0);
}

static pid_t start_reaped(struct ktstr_collector *c, struct reaped *rp)
{
	int go[2], report[2], release[2];
	pid_t parent;

	if (pipe2(go, O_CLOEXEC) || pipe2(report, O_CLOEXEC) || pipe2(release, O_CLOEXEC))
		return -1;
	parent = fork();
	if (parent < 0)
		return -1;
	if (!parent) {
		close(go[1]);
		close(report[0]);
		close(release[1]);
		reaped_parent(go[0], report[1], release[0]);
	}
	close(go[0]);
	close(report[1]);
	close(release[0]);
	if (ktstr_collector_track_pid(c, parent, true) < 0) {
		printf("# track: %s\n", ktstr_last_error());
		kill_wait(parent);
		return -1;
	}
	if (write(go[1], "g", 1) != 1 ||
	    read(report[0], rp, sizeof(*rp)) != sizeof(*rp)) {
		kill_wait(parent);
		return -1;
	}
	close(go[1]);
	close(report[0]);
	/* Closing release[1] later lets the parent exit. */
	rp->release_w = release[1];
	return parent;
}

/*
 * taskstats: a tracked parent's child burns 200 ms of CPU, exits 7 and is
 * reaped before the snapshot. Without the exit records it is simply
 * missing; with them it is there, with its final numbers and status.
 */
static void reaped_child_check(void)
{
	struct ktstr_collector *c = NULL;
	const struct ktstr_task_rec *rec = NULL;
	struct ktstr_task_rec *recs = NULL;
	struct reaped rp = { 0 };
	size_t n = 0;
	pid_t parent;
	int r;

	r = ktstr_collector_open("taskstats", &c);
	if (!check(r == 0, "taskstats reaped child: open", "%s", ktstr_last_error()))
		return;
	parent = start_reaped(c, &rp);
	if (!check(parent > 0, "taskstats reaped child: workload", "fork/track failed")) {
		ktstr_collector_close(c);
		return;
	}
	check(WIFEXITED(rp.status) && WEXITSTATUS(rp.status) == REAPED_STATUS && rp.own_ns,
	      "taskstats reaped child: exited 7 and was reaped", "status 0x%x", rp.status);
	check(kill(rp.pid, 0) < 0 && errno == ESRCH,
	      "taskstats reaped child: gone before the snapshot", "pid %d still exists", rp.pid);
	r = ktstr_collector_snapshot(c, &recs, &n);
	check(r == 0, "taskstats reaped child: snapshot", "%s", ktstr_last_error());
	for (size_t k = 0; k < n; k++)
		if (recs[k].pid == rp.pid)
			rec = &recs[k];
	if (check(rec, "taskstats reaped child: in the snapshot", "pid %d missing (%zu records)",
		  rp.pid, n)) {
		printf("# taskstats reaped child %d: run %llu ns, own clock %llu ns, wait4 rusage "
		       "%llu ns; wait %llu ns, runs %llu, vol %llu, invol %llu; exit_code 0x%x "
		       "(wait4 0x%x), flags 0x%x, dropped %llu\n", rp.pid,
		       (unsigned long long)rec->run_ns, (unsigned long long)rp.own_ns,
		       (unsigned long long)rp.rusage_ns, (unsigned long long)rec->wait_ns,
		       (unsigned long long)rec->nr_runs, (unsigned long long)rec->nr_voluntary,
		       (unsigned long long)rec->nr_involuntary, rec->exit_code, rp.status,
		       rec->flags, (unsigned long long)ktstr_collector_dropped(c));
		check(near(rec->run_ns, rp.own_ns) && rec->run_ns >= rp.own_ns,
		      "taskstats reaped child: run within 1% + 4 ms of its own clock",
		      "%llu vs %llu", (unsigned long long)rec->run_ns,
		      (unsigned long long)rp.own_ns);
		check(rec->exit_code == rp.status && (rec->flags & KTSTR_TASK_EXITED),
		      "taskstats reaped child: exit status", "0x%x (flags 0x%x) vs 0x%x",
		      rec->exit_code, rec->flags, rp.status);
		check(rec->state == KTSTR_STATE_DEAD && (rec->flags & KTSTR_TASK_FROM_FORK) &&
		      rec->tgid == rp.pid, "taskstats reaped child: dead, from fork, own tgid",
		      "state %u flags 0x%x tgid %d", rec->state, rec->flags, rec->tgid);
	}
	check(ktstr_collector_dropped(c) == 0, "taskstats reaped child: nothing dropped",
	      "%llu", (unsigned long long)ktstr_collector_dropped(c));
	free(recs);
	close(rp.release_w);
	waitpid(parent, NULL, 0);
	ktstr_collector_close(c);
}

/* `ktstr stat -- true` with its stderr and stdout in buf. */
static int run_stat(char *buf, size_t len)
{
	FILE *p = popen("ktstr stat -- true 2>&1", "r");
	size_t n;

	if (!p)
		return -errno;
	n = fread(buf, 1, len - 1, p);
	buf[n] = '\0';
	return pclose(p);
}

static void fallback(void)
{
	char out[4096];
	bool unloaded = false;
	int fd, r;

	if (access(KTSTR_DEVICE_PATH, F_OK)) {
		skip("fallback: module unloaded", "no /dev/ktstr to start with");
	} else {
		unloaded = true;
		r = syscall(SYS_delete_module, "ktstr", O_NONBLOCK);
		if (!check(r == 0, "fallback: delete_module(ktstr)", "%s", strerror(errno)))
			return;
	}
	check(access(KTSTR_DEVICE_PATH, F_OK) && errno == ENOENT, "fallback: /dev/ktstr gone",
	      "still there");
	r = run_stat(out, sizeof(out));
	printf("# %s", out);
	check(r == 0 && strstr(out, "backend: bpf\n") && strstr(out, "using backend bpf"),
	      "fallback: ktstr stat picks bpf and says so", "status %d", r);
	if (!unloaded)
		return;
	fd = open("/lib/ktstr/ktstr.ko", O_RDONLY | O_CLOEXEC);
	r = fd < 0 ? -1 : (int)syscall(SYS_finit_module, fd, "", 0);
	check(r == 0, "fallback: module reloaded", "%s", strerror(errno));
	if (fd >= 0)
		close(fd);
	for (int i = 0; i < 100 && access(KTSTR_DEVICE_PATH, F_OK); i++)
		sleep_ns(10 * MS);
	r = run_stat(out, sizeof(out));
	check(r == 0 && strstr(out, "backend: module\n"), "fallback: ktstr stat picks module again",
	      "status %d: %s", r, out);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* libbpf's iterators and tp_btf need no mounts; debugfs helps if it logs. */
	mkdir("/sys/fs/bpf", 0755);
	mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL);
	if (!access(KTSTR_DEVICE_PATH, F_OK))
		measure("module", true);
	measure("bpf", true);
	measure("taskstats", true);
	reaped_child_check();
	fallback();
	return g_failed ? 1 : 0;
}
