// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest tests: ktstr.ko's per-task numbers against the kernel's own
 * accounting (/proc/<pid>/schedstat, status, sched), migrations of pinned
 * and hopping tasks, exit codes, pid reuse, cgroup and track-all modes.
 */
#include "guest.h"

#include <sys/stat.h>

/* Track the spawner, and so everything it forks, through /dev/ktstr. */
static int track_follow(void *arg, pid_t spawner)
{
	return kt_track(*(int *)arg, KTSTR_TRACK_PID, KTSTR_TRACK_FOLLOW_FORK, spawner, -1);
}

static void work_spin_or_sleep(int idx)
{
	uint64_t end = now_ns() + 800 * MS;

	while (now_ns() < end) {
		if (idx < 2) {
			spin_ns(1 * MS);
		} else {
			spin_ns(200000);
			sleep_ns(500000);
		}
	}
}

/* Within 1% plus one time slice (4 ms at HZ=250), as the issue requires. */
static bool close_enough(uint64_t ours, uint64_t kernel)
{
	uint64_t tol = kernel / 100 + 4 * MS;

	return ours + tol >= kernel && ours <= kernel + tol;
}

/* Wait until the task sleeps (state S in /proc/<pid>/stat), up to 2 s. */
static bool wait_sleeping(pid_t pid)
{
	char path[64], buf[256], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (int i = 0; i < 200; i++) {
		if (read_file(path, buf, sizeof(buf)))
			return false;
		p = strrchr(buf, ')');
		if (p && p[1] == ' ' && p[2] == 'S')
			return true;
		sleep_ns(10 * MS);
	}
	return false;
}

static void test_schedstat_agreement(int fd)
{
	struct spawn s;
	struct ktstr_task_rec *r;
	uint32_t n;
	double worst_run = 0, worst_wait = 0;

	if (spawn_start(&s, 3, work_spin_or_sleep, 0, track_follow, &fd)) {
		fail("schedstat: spawn", "%s", strerror(errno));
		return;
	}
	/* Parked on their pipe: their numbers stop moving, so they must be equal. */
	for (int i = 0; i < s.nr; i++)
		wait_sleeping(s.pids[i]);
	r = kt_tasks(fd, &n);
	for (int i = 0; i < s.nr; i++) {
		struct ktstr_task_rec *t = kt_find(r, n, s.pids[i]);
		uint64_t run = 0, wait = 0, pcount = 0, vol = 0, invol = 0;
		char name[96];

		snprintf(name, sizeof(name), "worker %d tracked from fork", i);
		if (!check(t && (t->flags & KTSTR_TASK_FROM_FORK), name, "no record"))
			continue;
		if (read_schedstat(s.pids[i], &run, &wait, &pcount) ||
		    read_proc_field(s.pids[i], "status", "voluntary_ctxt_switches", &vol) ||
		    read_proc_field(s.pids[i], "status", "nonvoluntary_ctxt_switches", &invol)) {
			fail(name, "cannot read /proc/%d", s.pids[i]);
			continue;
		}
		snprintf(name, sizeof(name), "worker %d run_ns vs schedstat", i);
		check(close_enough(t->run_ns, run), name, "module %lu kernel %lu",
		      (unsigned long)t->run_ns, (unsigned long)run);
		snprintf(name, sizeof(name), "worker %d wait_ns vs schedstat", i);
		check(close_enough(t->wait_ns, wait), name, "module %lu kernel %lu",
		      (unsigned long)t->wait_ns, (unsigned long)wait);
		/*
		 * To the nanosecond: the switch-in's clock edge runs a little
		 * after the kernel's rq_clock(), and the switch-out takes the
		 * difference back (ktstr_acct_settle_wait()).
		 */
		snprintf(name, sizeof(name), "worker %d run and wait equal schedstat to the ns", i);
		check(t->run_ns == run && t->wait_ns == wait, name,
		      "run %lu/%lu wait %lu/%lu (module/kernel)", (unsigned long)t->run_ns,
		      (unsigned long)run, (unsigned long)t->wait_ns, (unsigned long)wait);
		snprintf(name, sizeof(name), "worker %d voluntary switches == status", i);
		check(t->nr_voluntary == vol, name, "module %lu kernel %lu",
		      (unsigned long)t->nr_voluntary, (unsigned long)vol);
		snprintf(name, sizeof(name), "worker %d involuntary switches == status", i);
		check(t->nr_involuntary == invol, name, "module %lu kernel %lu",
		      (unsigned long)t->nr_involuntary, (unsigned long)invol);
		snprintf(name, sizeof(name), "worker %d runs == schedstat timeslices", i);
		check(t->nr_runs == pcount, name, "module %lu kernel %lu",
		      (unsigned long)t->nr_runs, (unsigned long)pcount);
		snprintf(name, sizeof(name), "worker %d ran only on CPU 0", i);
		check(t->nr_cpus == 1 && rec_has_cpu(t, 0), name, "nr_cpus %u", t->nr_cpus);
		snprintf(name, sizeof(name), "worker %d max wait within total wait", i);
		check(t->max_wait_ns > 0 && t->max_wait_ns <= t->wait_ns, name,
		      "max %lu total %lu", (unsigned long)t->max_wait_ns,
		      (unsigned long)t->wait_ns);
		if (rel_err(t->run_ns, run) > worst_run)
			worst_run = rel_err(t->run_ns, run);
		if (rel_err(t->wait_ns, wait) > worst_wait)
			worst_wait = rel_err(t->wait_ns, wait);
	}
	/* The sleeper woke ~1000 times: its wake-to-run latencies are counted. */
	{
		struct ktstr_task_rec *t = kt_find(r, n, s.pids[2]);
		uint64_t sum = 0;

		for (int b = 0; t && b < KTSTR_HIST_BUCKETS; b++)
			sum += t->hist[b];
		check(t && sum == t->nr_wake_waits && sum > 100 && t->nr_voluntary > 100,
		      "sleeper wake-latency histogram filled", "hist sum %lu wake waits %lu",
		      (unsigned long)sum, t ? (unsigned long)t->nr_wake_waits : 0UL);
	}
	printf("# schedstat agreement: worst relative error run %.6f%% wait %.6f%%\n",
	       worst_run * 100, worst_wait * 100);
	free(r);
	spawn_finish(&s);
}

static void work_sleep_loop(int idx)
{
	(void)idx;
	for (int i = 0; i < 200; i++) {
		spin_ns(100000);
		sleep_ns(1 * MS);
	}
}

static void test_migrations_pinned(int fd)
{
	struct spawn s;
	struct ktstr_task_rec *r, *t;
	uint64_t kmig;
	uint32_t n;

	if (spawn_start(&s, 1, work_sleep_loop, 0, track_follow, &fd)) {
		fail("pinned task: spawn", "%s", strerror(errno));
		return;
	}
	r = kt_tasks(fd, &n);
	t = kt_find(r, n, s.pids[0]);
	if (check(t != NULL, "pinned task tracked", "no record")) {
		check(t->nr_migrations == 0, "pinned task has no migration", "%lu",
		      (unsigned long)t->nr_migrations);
		check(t->nr_cpus == 1 && rec_has_cpu(t, 0), "pinned task ran only on CPU 0",
		      "nr_cpus %u", t->nr_cpus);
		if (!read_proc_field(s.pids[0], "sched", "se.nr_migrations", &kmig))
			check(kmig == t->nr_migrations, "pinned task migrations == kernel",
			      "module %lu kernel %lu", (unsigned long)t->nr_migrations,
			      (unsigned long)kmig);
	}
	free(r);
	spawn_finish(&s);
}

static void work_hop(int idx)
{
	(void)idx;
	for (int i = 0; i < 40; i++) {
		pin_cpu(i & 1);
		spin_ns(300000);
	}
}

static void test_migrations_hopping(int fd)
{
	struct spawn s;
	struct ktstr_task_rec *r, *t;
	uint64_t kmig;
	uint32_t n;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		skip("hopping task migrations", "needs 2 CPUs");
		return;
	}
	if (spawn_start(&s, 1, work_hop, -1, track_follow, &fd)) {
		fail("hopping task: spawn", "%s", strerror(errno));
		return;
	}
	r = kt_tasks(fd, &n);
	t = kt_find(r, n, s.pids[0]);
	if (check(t != NULL, "hopping task tracked", "no record")) {
		check(t->nr_migrations >= 39, "hopping task migrated at each hop",
		      "%lu migrations", (unsigned long)t->nr_migrations);
		check(rec_has_cpu(t, 0) && rec_has_cpu(t, 1) && t->nr_cpus == 2,
		      "hopping task ran on CPUs 0 and 1", "nr_cpus %u", t->nr_cpus);
		if (read_proc_field(s.pids[0], "sched", "se.nr_migrations", &kmig))
			skip("hopping task migrations == kernel", "no /proc/PID/sched");
		else
			check(kmig == t->nr_migrations, "hopping task migrations == kernel",
			      "module %lu kernel %lu", (unsigned long)t->nr_migrations,
			      (unsigned long)kmig);
	}
	free(r);
	spawn_finish(&s);
}

static void test_exit_code(int fd)
{
	struct ktstr_task_rec *r, *t = NULL;
	int pp[2], st, ret;
	pid_t child;
	uint32_t n;
	char c;

	if (pipe(pp))
		return;
	child = fork();
	if (!child) {
		close(pp[1]);
		/* Exit only once tracked (attaching the probes can take a while). */
		if (read(pp[0], &c, 1) < 0)
			_exit(1);
		_exit(3);
	}
	close(pp[0]);
	ret = kt_track(fd, KTSTR_TRACK_PID, 0, child, -1);
	close(pp[1]);
	if (ret) {
		fail("exit code: track", "%s", strerror(-ret));
		kill_wait(child);
		return;
	}
	waitpid(child, &st, 0);
	/* The record is retired by sched_process_free, after an RCU grace period. */
	for (int i = 0; i < 100; i++) {
		r = kt_tasks(fd, &n);
		t = kt_find(r, n, child);
		if (t && (t->flags & KTSTR_TASK_FREED))
			break;
		free(r);
		r = NULL;
		sleep_ns(20 * MS);
	}
	if (!check(t != NULL, "exited task keeps its record", "no record"))
		return;
	check(t->flags & KTSTR_TASK_EXITED, "exited task flagged EXITED", "flags %#x", t->flags);
	check(t->flags & KTSTR_TASK_FREED, "exited task flagged FREED", "flags %#x", t->flags);
	check(t->exit_code == st, "exit code recorded", "module %#x wait() %#x",
	      t->exit_code, st);
	check(t->state == KTSTR_STATE_DEAD, "exited task state DEAD", "state %u", t->state);
	free(r);
}

static void test_pid_reuse(int fd)
{
	int pp[2], go[2];
	pid_t spawner, a = 0, b = 0;
	struct ktstr_task_rec *r;
	uint32_t n, same = 0, freed = 0, live = 0;
	char buf[32];

	if (access("/proc/sys/kernel/ns_last_pid", W_OK)) {
		skip("pid reuse", "no ns_last_pid");
		return;
	}
	if (pipe(pp) || pipe(go))
		return;
	spawner = fork();
	if (!spawner) {
		pid_t c;

		close(pp[0]);
		close(go[1]);
		if (read(go[0], buf, 1) != 1)	/* tracked by now */
			_exit(1);
		c = fork();
		if (!c)
			_exit(0);
		waitpid(c, NULL, 0);
		sleep_ns(200 * MS);	/* let it be freed */
		snprintf(buf, sizeof(buf), "%d", c - 1);
		write_file("/proc/sys/kernel/ns_last_pid", buf);
		b = fork();
		if (!b) {
			sleep_ns(300 * MS);
			_exit(0);
		}
		if (write(pp[1], &c, sizeof(c)) < 0 || write(pp[1], &b, sizeof(b)) < 0)
			_exit(1);
		waitpid(b, NULL, 0);
		_exit(0);
	}
	close(pp[1]);
	close(go[0]);
	kt_track(fd, KTSTR_TRACK_PID, KTSTR_TRACK_FOLLOW_FORK, spawner, -1);
	if (write(go[1], "g", 1) != 1)
		fail("pid reuse", "pipe");
	close(go[1]);
	if (read(pp[0], &a, sizeof(a)) != sizeof(a) || read(pp[0], &b, sizeof(b)) != sizeof(b)) {
		fail("pid reuse", "spawner failed");
		kill_wait(spawner);
		return;
	}
	close(pp[0]);
	if (a != b) {
		skip("pid reuse", "pid not reused (another task took it)");
		kill_wait(spawner);
		return;
	}
	r = kt_tasks(fd, &n);
	for (uint32_t i = 0; i < n; i++) {
		if (r[i].pid != a)
			continue;
		same++;
		freed += !!(r[i].flags & KTSTR_TASK_FREED);
		live += !(r[i].flags & KTSTR_TASK_FREED);
	}
	check(same == 2 && freed == 1 && live == 1, "reused pid gets a second record",
	      "%u records for pid %d (%u freed, %u live)", same, a, freed, live);
	free(r);
	waitpid(spawner, NULL, 0);
}

static void test_cgroup_tracking(int fd)
{
	const char *cg = "/sys/fs/cgroup/ktstr-kmod-test";
	struct ktstr_task_rec *r;
	pid_t child, outsider;
	char buf[32], procs[128];
	int cgfd, pp[2], done[2];
	pid_t grandchild = 0;
	uint32_t n;

	if (mkdir(cg, 0755) && errno != EEXIST) {
		skip("cgroup tracking", "cannot create a cgroup");
		return;
	}
	cgfd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pipe(pp) || pipe(done) || cgfd < 0) {
		fail("cgroup tracking", "setup: %s", strerror(errno));
		return;
	}
	outsider = fork();
	if (!outsider) {
		spin_cpu_ns(100 * MS);
		pause();
		_exit(0);
	}
	child = fork();
	if (!child) {
		char c;

		close(pp[1]);
		close(done[0]);
		/* Wait until moved into the cgroup, then work and fork. */
		if (read(pp[0], &c, 1) != 1)
			_exit(1);
		/* CPU time, not wall time: the guest may be slow and busy. */
		spin_cpu_ns(100 * MS);
		if (!fork()) {
			spin_cpu_ns(100 * MS);
			(void)!write(done[1], "g", 1);
			pause();
		}
		(void)!write(done[1], "c", 1);
		pause();
		_exit(0);
	}
	close(pp[0]);
	close(done[1]);
	check(kt_track(fd, KTSTR_TRACK_CGROUP, 0, 0, cgfd) == 0, "track an empty cgroup",
	      "%s", strerror(errno));
	check(kt_track(fd, KTSTR_TRACK_CGROUP, 0, 0, cgfd) == -EBUSY,
	      "a second cgroup is refused with EBUSY", "got something else");
	snprintf(buf, sizeof(buf), "%d", child);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	if (write_file(procs, buf)) {
		fail("move a task into the tracked cgroup", "%s", strerror(errno));
	} else {
		char c2[2];

		if (write(pp[1], "g", 1) != 1)
			fail("cgroup tracking", "pipe");
		/* Both have done their work once both bytes arrived. */
		if (read(done[0], c2, 1) != 1 || read(done[0], c2 + 1, 1) != 1)
			fail("cgroup tracking", "workers did not report");
		r = kt_tasks(fd, &n);
		for (uint32_t i = 0; i < n; i++)
			if (r[i].tgid != child && r[i].pid != outsider && r[i].run_ns > 50 * MS)
				grandchild = r[i].pid;
		check(kt_find(r, n, child) && kt_find(r, n, child)->run_ns >= 50 * MS,
		      "task moved into the cgroup is tracked", "no record or no run time");
		check(grandchild != 0, "task forked inside the cgroup is tracked", "none");
		check(!kt_find(r, n, outsider), "task outside the cgroup is not tracked",
		      "outsider %d has a record", outsider);
		free(r);
	}
	close(pp[1]);
	close(done[0]);
	kill_wait(outsider);
	kill_wait(child);
	if (grandchild)
		kill_wait(grandchild);
	kt_ioctl(fd, KTSTR_IOC_RESET, NULL);
	close(cgfd);
	for (int i = 0; i < 50 && rmdir(cg) && errno == EBUSY; i++)
		sleep_ns(20 * MS);
}

static void test_track_all_and_reset(int fd)
{
	struct ktstr_task_rec *r;
	struct ktstr_stats st;
	uint32_t n;

	check(kt_track(fd, KTSTR_TRACK_ALL, 0, 0, -1) == 0, "track all", "%s", strerror(errno));
	r = kt_tasks(fd, &n);
	check(n > 10 && kt_find(r, n, 1) && kt_find(r, n, getpid()),
	      "track all covers init and this test", "%u records", n);
	free(r);
	check(kt_ioctl(fd, KTSTR_IOC_STATS, &st) == 0 && st.active == 1 && st.nr_records == n,
	      "stats agree with the snapshot", "active %u records %lu", st.active,
	      (unsigned long)st.nr_records);
	check(kt_ioctl(fd, KTSTR_IOC_RESET, NULL) == 0, "reset", "%s", strerror(errno));
	r = kt_tasks(fd, &n);
	check(n == 0, "reset drops every record", "%u left", n);
	free(r);
	check(kt_ioctl(fd, KTSTR_IOC_STATS, &st) == 0 && st.active == 0,
	      "reset detaches the probes", "active %u", st.active);
}

int main(void)
{
	int fd = kt_open();

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Keep the test itself off CPU 0, where the workers are pinned. */
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1)
		pin_cpu(1);
	test_schedstat_agreement(fd);
	kt_ioctl(fd, KTSTR_IOC_RESET, NULL);
	test_migrations_pinned(fd);
	kt_ioctl(fd, KTSTR_IOC_RESET, NULL);
	test_migrations_hopping(fd);
	kt_ioctl(fd, KTSTR_IOC_RESET, NULL);
	test_exit_code(fd);
	kt_ioctl(fd, KTSTR_IOC_RESET, NULL);
	test_pid_reuse(fd);
	kt_ioctl(fd, KTSTR_IOC_RESET, NULL);
	test_cgroup_tracking(fd);
	test_track_all_and_reset(fd);
	close(fd);
	return g_failed ? 1 : 0;
}
