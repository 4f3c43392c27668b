// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest tests of ktstr.ko's sessions: every open file is its own
 * session. Two overlapping sessions each see exactly their own tasks,
 * settings and events; resetting or closing one leaves the other alone;
 * the number of open files is bounded; a failed TRACK leaves no probe
 * attached; pids are in the opener's pid namespace; a process whose
 * leader already exited is moved into a tracked cgroup without a record
 * for the dead leader.
 */
#include "guest.h"

#include <pthread.h>
#include <stddef.h>
#include <sys/stat.h>

/* A child that forks @nr spinners of @ns each once told to, then waits. */
struct family {
	pid_t parent;
	pid_t kids[4];
	int nr;
	int go_w;
	int pids_r;
};

static int family_start(struct family *f, int nr, uint64_t ns)
{
	int go[2], pp[2];
	char c;

	if (pipe(go) || pipe(pp))
		return -errno;
	f->nr = nr;
	f->parent = fork();
	if (!f->parent) {
		close(go[1]);
		close(pp[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		for (int i = 0; i < nr; i++) {
			pid_t k = fork();

			if (!k) {
				spin_ns(ns);
				_exit(0);
			}
			if (write(pp[1], &k, sizeof(k)) != sizeof(k))
				_exit(1);
		}
		while (wait(NULL) > 0)
			;
		_exit(0);
	}
	close(go[0]);
	close(pp[1]);
	f->go_w = go[1];
	f->pids_r = pp[0];
	return 0;
}

static int family_go(struct family *f)
{
	if (write(f->go_w, "g", 1) != 1)
		return -EIO;
	close(f->go_w);
	for (int i = 0; i < f->nr; i++)
		if (read(f->pids_r, &f->kids[i], sizeof(pid_t)) != sizeof(pid_t))
			return -EIO;
	close(f->pids_r);
	return 0;
}

static bool family_has(const struct family *f, pid_t pid)
{
	if (pid == f->parent)
		return true;
	for (int i = 0; i < f->nr; i++)
		if (f->kids[i] == pid)
			return true;
	return false;
}

/* Exactly the family and @extra, each once, and nothing else. */
static bool holds_exactly(int fd, const struct family *f, pid_t extra, char *why, size_t len)
{
	struct ktstr_task_rec *r;
	uint32_t n, seen = 0;
	bool ok = true;

	r = kt_tasks(fd, &n);
	for (uint32_t i = 0; i < n; i++) {
		if (family_has(f, r[i].pid) || r[i].pid == extra) {
			seen++;
			continue;
		}
		snprintf(why, len, "foreign task %d (%.16s)", r[i].pid, r[i].comm);
		ok = false;
	}
	if (ok && seen != (uint32_t)f->nr + 2) {
		snprintf(why, len, "%u of %d own tasks in %u records", seen, f->nr + 2, n);
		ok = false;
	}
	free(r);
	return ok;
}

static uint64_t runs_of(int fd, pid_t pid)
{
	struct ktstr_task_rec *r, *t;
	uint32_t n;
	uint64_t runs;

	r = kt_tasks(fd, &n);
	t = kt_find(r, n, pid);
	runs = t ? t->nr_runs : 0;
	free(r);
	return runs;
}

static void test_two_sessions(void)
{
	int fd1 = kt_open(), fd2 = kt_open();
	struct family a, b;
	struct ktstr_stats st1, st2;
	pid_t shared;
	char why[128] = "";
	uint64_t r1, r2;

	/* A task both sessions track, each with its own record. */
	shared = fork();
	if (!shared) {
		for (;;) {
			spin_ns(MS);
			sleep_ns(MS);
		}
	}
	if (family_start(&a, 3, 1500 * MS) || family_start(&b, 3, 1500 * MS)) {
		fail("two sessions", "cannot fork");
		return;
	}
	check(kt_config(fd1, 5 * MS, 0) == 0, "session 1: its own 5 ms threshold", "%s",
	      strerror(errno));
	check(kt_track(fd1, KTSTR_TRACK_PID, KTSTR_TRACK_FOLLOW_FORK, a.parent, -1) == 0 &&
	      kt_track(fd1, KTSTR_TRACK_PID, 0, shared, -1) == 0,
	      "session 1 tracks family A and the shared task", "%s", strerror(errno));
	check(kt_track(fd2, KTSTR_TRACK_PID, KTSTR_TRACK_FOLLOW_FORK, b.parent, -1) == 0 &&
	      kt_track(fd2, KTSTR_TRACK_PID, 0, shared, -1) == 0,
	      "session 2 tracks family B and the shared task", "%s", strerror(errno));
	family_go(&a);
	family_go(&b);
	sleep_ns(300 * MS);

	check(holds_exactly(fd1, &a, shared, why, sizeof(why)),
	      "session 1 holds exactly family A and the shared task", "%s", why);
	check(holds_exactly(fd2, &b, shared, why, sizeof(why)),
	      "session 2 holds exactly family B and the shared task", "%s", why);
	check(kt_ioctl(fd1, KTSTR_IOC_STATS, &st1) == 0 && kt_ioctl(fd2, KTSTR_IOC_STATS, &st2) == 0 &&
	      st1.starve_threshold_ns == 5 * MS && st2.starve_threshold_ns == 1000 * MS &&
	      st1.nr_records == 5 && st2.nr_records == 5 && st1.nr_sessions == 2 &&
	      st1.active && st2.active,
	      "each session has its own settings and counters",
	      "thr %llu/%llu records %llu/%llu sessions %u",
	      (unsigned long long)st1.starve_threshold_ns,
	      (unsigned long long)st2.starve_threshold_ns,
	      (unsigned long long)st1.nr_records, (unsigned long long)st2.nr_records,
	      st1.nr_sessions);
	r1 = runs_of(fd1, shared);
	r2 = runs_of(fd2, shared);
	check(r1 > 10 && r2 > 10, "the shared task is counted in both sessions",
	      "runs %llu and %llu", (unsigned long long)r1, (unsigned long long)r2);

	/* Resetting session 1 leaves session 2 tracking. */
	check(kt_ioctl(fd1, KTSTR_IOC_RESET, NULL) == 0, "reset session 1", "%s",
	      strerror(errno));
	r2 = runs_of(fd2, shared);
	sleep_ns(100 * MS);
	check(runs_of(fd2, shared) > r2 && runs_of(fd1, shared) == 0,
	      "session 2 keeps counting after session 1 resets", "runs %llu then %llu",
	      (unsigned long long)r2, (unsigned long long)runs_of(fd2, shared));
	check(holds_exactly(fd2, &b, shared, why, sizeof(why)),
	      "session 2 still holds exactly its tasks", "%s", why);

	/* Closing session 1 too. */
	close(fd1);
	r2 = runs_of(fd2, shared);
	sleep_ns(100 * MS);
	check(kt_ioctl(fd2, KTSTR_IOC_STATS, &st2) == 0 && st2.active && st2.nr_sessions == 1 &&
	      runs_of(fd2, shared) > r2,
	      "session 2 keeps counting after session 1 closes", "active %u sessions %u",
	      st2.active, st2.nr_sessions);
	close(fd2);
	kill_wait(shared);
	waitpid(a.parent, NULL, 0);
	waitpid(b.parent, NULL, 0);
}

/*
 * Events and starvation counts are per session: the same two tasks
 * sharing a CPU starve under a 1 ms threshold and not under 1 s.
 */
static void test_own_events(void)
{
	int fd1 = open(KTSTR_DEVICE_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	int fd2 = open(KTSTR_DEVICE_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	struct ktstr_event ev[32];
	struct ktstr_task_rec *r1, *r2, *t1, *t2;
	uint32_t n1, n2;
	pid_t p[2];
	ssize_t got1, got2;

	for (int i = 0; i < 2; i++) {
		p[i] = fork();
		if (!p[i]) {
			pin_cpu(0);
			spin_ns(800 * MS);
			_exit(0);
		}
	}
	int cfg, tr[4];

	/* Each step is checked: a failed open or track says so here. */
	check(fd1 >= 0 && fd2 >= 0, "own events: two sessions open", "fds %d %d: %s",
	      fd1, fd2, strerror(errno));
	cfg = kt_config(fd1, MS, MS);
	for (int i = 0; i < 2; i++) {
		tr[2 * i] = kt_track(fd1, KTSTR_TRACK_PID, 0, p[i], -1);
		tr[2 * i + 1] = kt_track(fd2, KTSTR_TRACK_PID, 0, p[i], -1);
	}
	check(!cfg && !tr[0] && !tr[1] && !tr[2] && !tr[3],
	      "own events: config and the four tracks succeed", "config %d, track %d %d %d %d",
	      cfg, tr[0], tr[1], tr[2], tr[3]);
	sleep_ns(500 * MS);
	r1 = kt_tasks(fd1, &n1);
	r2 = kt_tasks(fd2, &n2);
	t1 = kt_find(r1, n1, p[0]);
	t2 = kt_find(r2, n2, p[0]);
	got1 = read(fd1, ev, sizeof(ev));
	got2 = read(fd2, ev, sizeof(ev));
	check(got1 > 0 && got2 < 0 && errno == EAGAIN,
	      "events go to the session whose threshold was passed only",
	      "read %zd and %zd; records %u/%u, runs %llu max wait %llu", got1, got2, n1, n2,
	      t1 ? (unsigned long long)t1->nr_runs : 0ULL,
	      t1 ? (unsigned long long)t1->max_wait_ns : 0ULL);
	check(t1 && t2 && t1->nr_starvations > 0 && t1->max_starve_ns >= MS &&
	      t2->nr_starvations == 0 && t2->max_starve_ns == 0,
	      "each record counts starvation by its own session's threshold",
	      "%llu/%llu episodes", t1 ? (unsigned long long)t1->nr_starvations : 0ULL,
	      t2 ? (unsigned long long)t2->nr_starvations : 0ULL);
	free(r1);
	free(r2);
	close(fd1);
	close(fd2);
	kill_wait(p[0]);
	kill_wait(p[1]);
}

static void test_session_limit(void)
{
	struct ktstr_version v;
	int fds[80], n = 0, fd, err = 0;

	fd = kt_open();
	kt_ioctl(fd, KTSTR_IOC_VERSION, &v);
	fds[n++] = fd;
	while (n < 80) {
		fd = open(KTSTR_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			err = errno;
			break;
		}
		fds[n++] = fd;
	}
	check(n == (int)v.max_sessions && err == EBUSY,
	      "open files are bounded by max_sessions (then EBUSY)", "%d opened of %u, errno %d",
	      n, v.max_sessions, err);
	close(fds[--n]);
	fd = open(KTSTR_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	check(fd >= 0, "a closed session frees its place", "%s", strerror(errno));
	if (fd >= 0)
		close(fd);
	while (n > 0)
		close(fds[--n]);
}

/* A TRACK that fails must not leave the session (and its probes) running. */
static void test_failed_track_stops(void)
{
	int fd = kt_open(), ret;
	struct ktstr_stats st;

	check(kt_track(fd, KTSTR_TRACK_PID, 0, 4000000, -1) == -ESRCH,
	      "track of a missing pid fails", "errno %d", errno);
	memset(&st, 0xff, sizeof(st));
	ret = kt_ioctl(fd, KTSTR_IOC_STATS, &st);
	check(!ret && !st.active && st.nr_sessions == 0,
	      "after a failed TRACK the session is not tracking, no probe attached",
	      "active %u sessions %u", st.active, st.nr_sessions);
	ret = kt_track(fd, KTSTR_TRACK_CGROUP, 0, 0, -1);
	memset(&st, 0xff, sizeof(st));
	kt_ioctl(fd, KTSTR_IOC_STATS, &st);
	check(ret == -EBADF && !st.active && st.nr_sessions == 0,
	      "a failed cgroup TRACK leaves nothing attached either", "ret %d active %u sessions %u",
	      ret, st.active, st.nr_sessions);
	ret = kt_track(fd, KTSTR_TRACK_PID, 0, getpid(), -1);
	ret = ret ? ret : kt_track(fd, KTSTR_TRACK_PID, 0, 4000000, -1);
	memset(&st, 0xff, sizeof(st));
	kt_ioctl(fd, KTSTR_IOC_STATS, &st);
	check(ret == -ESRCH && st.active && st.nr_records == 1,
	      "a failed TRACK of a tracking session keeps what it had",
	      "ret %d active %u records %llu", ret, st.active, (unsigned long long)st.nr_records);
	close(fd);
}

/* Pids in the opener's pid namespace. */
static void test_pid_namespace(void)
{
	int fd = kt_open(), st = 0;
	struct ktstr_task_rec *r;
	uint32_t n, ones = 0;
	pid_t child;
	int pp[2];
	char c;

	if (pipe(pp))
		return;
	child = fork();
	if (!child) {
		pid_t g;

		close(pp[1]);
		if (read(pp[0], &c, 1) != 1 || unshare(CLONE_NEWPID))
			_exit(10);
		g = fork();
		if (!g) {
			int gfd = open(KTSTR_DEVICE_PATH, O_RDWR | O_CLOEXEC);
			struct ktstr_task_rec *gr, *me;
			uint32_t gn;
			int code;

			if (gfd < 0 || getpid() != 1 || kt_track(gfd, KTSTR_TRACK_PID, 0, 1, -1))
				_exit(11);
			spin_ns(20 * MS);
			gr = kt_tasks(gfd, &gn);
			me = kt_find(gr, gn, 1);
			code = gn == 1 && me && me->tgid == 1 ? 0 : 12;
			_exit(code);
		}
		waitpid(g, &st, 0);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 13);
	}
	close(pp[0]);
	kt_track(fd, KTSTR_TRACK_PID, KTSTR_TRACK_FOLLOW_FORK, child, -1);
	if (write(pp[1], "g", 1) != 1)
		fail("pid namespace", "pipe");
	close(pp[1]);
	waitpid(child, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "a session opened in a new pid namespace sees its task as pid 1",
	      "status %#x", st);
	r = kt_tasks(fd, &n);
	for (uint32_t i = 0; i < n; i++)
		ones += r[i].pid == 1;
	check(n == 2 && ones == 0, "the outer session sees the same task by its outer pid",
	      "%u records, %u with pid 1", n, ones);
	free(r);
	close(fd);
}

static int pp_tid[2];

static void *thread_live(void *arg)
{
	pid_t tid = gettid();

	(void)arg;
	if (write(pp_tid[1], &tid, sizeof(tid)) != sizeof(tid))
		_exit(1);
	for (;;)
		sleep_ns(10 * MS);
	return NULL;
}

/*
 * A process whose leader has exited (a zombie leader, a live thread) is
 * moved into a tracked cgroup: the cgroup_attach_task tracepoint names
 * the leader, which must get no record (it is exiting; a task already
 * past sched_process_free would be a use after free), the live thread
 * must.
 */
static void test_attach_skips_exiting(void)
{
	const char *cg = "/sys/fs/cgroup/ktstr-sess-test";
	char procs[128], pidbuf[32];
	struct ktstr_task_rec *r, *leader, *thr;
	int fd = kt_open(), cgfd;
	pid_t child, tid = 0;
	uint32_t n;

	if (mkdir(cg, 0755) && errno != EEXIST) {
		skip("attach skips exiting tasks", "no cgroup v2");
		return;
	}
	cgfd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pipe(pp_tid) || cgfd < 0) {
		fail("attach skips exiting tasks", "setup");
		return;
	}
	child = fork();
	if (!child) {
		pthread_t th;

		pthread_create(&th, NULL, thread_live, NULL);
		/*
		 * The leader exits, the thread lives. Not pthread_exit(): it
		 * needs libgcc_s, which the guest lacks.
		 */
		for (;;)
			syscall(SYS_exit, 0);
	}
	if (read(pp_tid[0], &tid, sizeof(tid)) != sizeof(tid)) {
		fail("attach skips exiting tasks", "no thread");
		return;
	}
	sleep_ns(100 * MS);	/* the leader is a zombie by now */
	check(kt_track(fd, KTSTR_TRACK_CGROUP, 0, 0, cgfd) == 0, "track an empty cgroup", "%s",
	      strerror(errno));
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	snprintf(pidbuf, sizeof(pidbuf), "%d", child);
	check(write_file(procs, pidbuf) == 0, "move the process into it", "%s",
	      strerror(errno));
	r = kt_tasks(fd, &n);
	leader = kt_find(r, n, child);
	thr = kt_find(r, n, tid);
	if (!check(thr != NULL, "its live thread is tracked once moved", "%u records", n)) {
		struct ktstr_stats st;
		char path[64], buf[256] = "";

		snprintf(path, sizeof(path), "/proc/%d/cgroup", tid);
		read_file(path, buf, sizeof(buf));
		kt_ioctl(fd, KTSTR_IOC_STATS, &st);
		printf("# thread %d cgroup %s# attach hits %llu active %u\n", tid, buf,
		       (unsigned long long)st.hits[7], st.active);
		snprintf(path, sizeof(path), "/proc/%d/status", child);
		buf[0] = '\0';
		read_file(path, buf, sizeof(buf));
		printf("# child %d kill0 %d thread kill0 %d status: %.120s\n", child,
		       kill(child, 0), (int)syscall(SYS_tgkill, child, tid, 0), buf);
	}
	check(leader == NULL, "its exiting leader gets no record",
	      "record of the leader, flags %#x state %u", leader ? leader->flags : 0,
	      leader ? leader->state : 0);
	free(r);
	close(fd);
	kill_wait(child);
	close(cgfd);
	rmdir(cg);
}

/*
 * The watchdog visits the tasks that became runnable, not every record:
 * tracking every task of a mostly idle guest, a pass must look at far
 * fewer records than the session holds.
 */
static void test_scan_visits_runnable_only(void)
{
	int fd = kt_open();
	struct ktstr_stats st;

	kt_config(fd, 0, 10 * MS);
	kt_track(fd, KTSTR_TRACK_ALL, 0, 0, -1);
	sleep_ns(500 * MS);
	memset(&st, 0, sizeof(st));
	kt_ioctl(fd, KTSTR_IOC_STATS, &st);
	check(st.nr_records >= 20 &&
	      st.nr_scans >= 10 && st.scan_visits * 4 <= st.nr_scans * st.nr_records,
	      "the watchdog visits runnable tasks, not every record",
	      "%llu visits in %llu scans of %llu records", (unsigned long long)st.scan_visits,
	      (unsigned long long)st.nr_scans, (unsigned long long)st.nr_records);
	printf("# watchdog: %llu visits in %llu scans of %llu records\n",
	       (unsigned long long)st.scan_visits, (unsigned long long)st.nr_scans,
	       (unsigned long long)st.nr_records);
	check(st.size >= offsetof(struct ktstr_stats, scan_max_ns) + 8 && st.scan_ns > 0 &&
	      st.scan_max_ns > 0 && st.scan_max_ns <= st.scan_ns,
	      "the watchdog's own time is counted (scan_ns, scan_max_ns)",
	      "size %u scan_ns %llu max %llu", st.size, (unsigned long long)st.scan_ns,
	      (unsigned long long)st.scan_max_ns);
	close(fd);
}

static int pp_exec[2];

static void *thread_exec(void *arg)
{
	pid_t tid = gettid();

	(void)arg;
	if (write(pp_exec[1], &tid, sizeof(tid)) != sizeof(tid))
		_exit(1);
	sleep_ns(100 * MS);
	execl("/bin/sh", "sh", "-c", "sleep 0.2", (char *)NULL);
	_exit(127);
}

/*
 * A thread that execs takes its leader's pid: its record (the same
 * task_struct) must report that pid, not the tid it had when tracked.
 */
static void test_exec_from_thread(void)
{
	struct ktstr_task_rec *r;
	int fd = kt_open(), go[2], st = 0;
	uint32_t n, stale = 0, as_leader = 0;
	pid_t child, tid = 0;
	char c;

	if (pipe(go) || pipe(pp_exec))
		return;
	child = fork();
	if (!child) {
		pthread_t th;

		if (read(go[0], &c, 1) != 1)
			_exit(1);
		pthread_create(&th, NULL, thread_exec, NULL);
		for (;;)
			sleep_ns(10 * MS);
	}
	kt_track(fd, KTSTR_TRACK_PID, KTSTR_TRACK_FOLLOW_FORK, child, -1);
	if (write(go[1], "g", 1) != 1 || read(pp_exec[0], &tid, sizeof(tid)) != sizeof(tid)) {
		fail("exec from a thread", "no thread");
		return;
	}
	waitpid(child, &st, 0);
	r = kt_tasks(fd, &n);
	for (uint32_t i = 0; i < n; i++) {
		stale += r[i].pid == tid;
		as_leader += r[i].pid == child;
	}
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0 && stale == 0 && as_leader == 2,
	      "a thread that execs is reported under its leader's pid",
	      "status %#x, %u records: %u under the old tid %d, %u under pid %d", st, n, stale,
	      tid, as_leader, child);
	free(r);
	close(fd);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_two_sessions();
	test_own_events();
	test_session_limit();
	test_failed_track_stops();
	test_pid_namespace();
	test_attach_skips_exiting();
	test_exec_from_thread();
	test_scan_visits_runnable_only();
	return g_failed ? 1 : 0;
}
