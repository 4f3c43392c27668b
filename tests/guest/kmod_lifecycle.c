// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest tests of ktstr.ko's life cycle: unload refused while the device
 * is open, unload while tracked tasks keep running, a killed runner ending
 * its session, session churn under load, and a full task table. Reloads
 * the module from KTSTR_KO (default /lib/ktstr/ktstr.ko).
 */
#include "guest.h"

static const char *ko_path(void)
{
	const char *p = getenv("KTSTR_KO");

	return p ? p : "/lib/ktstr/ktstr.ko";
}

static int mod_load(const char *params)
{
	int fd = open(ko_path(), O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	/* devtmpfs creates the node asynchronously. */
	for (int i = 0; !ret && i < 100 && access(KTSTR_DEVICE_PATH, F_OK); i++)
		sleep_ns(10 * MS);
	return ret;
}

static int mod_unload(void)
{
	return syscall(SYS_delete_module, "ktstr", O_NONBLOCK) ? -errno : 0;
}

static pid_t spinner(void)
{
	pid_t pid = fork();

	if (!pid) {
		for (;;)
			spin_ns(MS);
	}
	return pid;
}

static void test_unload_refused_while_open(void)
{
	int fd = kt_open();
	int ret = mod_unload();

	check(ret == -EWOULDBLOCK || ret == -EBUSY, "unload refused while /dev/ktstr is open",
	      "delete_module returned %d", ret);
	close(fd);
}

static void test_unload_with_tracked_tasks_running(void)
{
	pid_t s[3];
	int fd;

	/* Fork first: a child holding a copy of the fd would keep it open. */
	for (int i = 0; i < 3; i++)
		s[i] = spinner();
	fd = kt_open();
	check(kt_track(fd, KTSTR_TRACK_ALL, 0, 0, -1) == 0, "track all before unload", "%s",
	      strerror(errno));
	sleep_ns(300 * MS);
	close(fd);
	check(mod_unload() == 0, "unload while tracked tasks keep running", "%s",
	      strerror(errno));
	sleep_ns(200 * MS);
	check(kill(s[0], 0) == 0 && kill(s[2], 0) == 0, "tasks survive the unload", "errno %d", errno);
	check(mod_load("") == 0, "reload after unload", "%s", strerror(errno));
	for (int i = 0; i < 3; i++)
		kill_wait(s[i]);
}

static void test_killed_runner_ends_session(void)
{
	struct ktstr_stats st;
	int pp[2], fd;
	pid_t runner;
	char c;

	if (pipe(pp))
		return;
	runner = fork();
	if (!runner) {
		int rfd = kt_open();

		kt_track(rfd, KTSTR_TRACK_ALL, 0, 0, -1);
		if (write(pp[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(pp[1]);
	if (read(pp[0], &c, 1) != 1)
		fail("killed runner", "runner did not start");
	close(pp[0]);
	fd = kt_open();
	check(kt_ioctl(fd, KTSTR_IOC_STATS, &st) == 0 && st.nr_sessions == 1 && st.active == 0,
	      "runner's session tracks while it lives (and is not ours)",
	      "sessions %u active %u", st.nr_sessions, st.active);
	close(fd);
	kill_wait(runner);
	check(mod_unload() == 0, "SIGKILLed runner: its close ended the session, unload works",
	      "%s", strerror(errno));
	check(mod_load("") == 0, "reload after killed runner", "%s", strerror(errno));
}

static void test_session_churn_under_load(void)
{
	pid_t s[2] = { spinner(), spinner() };
	int fd = kt_open(), errs = 0;

	for (int i = 0; i < 40; i++) {
		errs += kt_track(fd, KTSTR_TRACK_ALL, KTSTR_TRACK_FOLLOW_FORK, 0, -1) != 0;
		if (!fork())
			_exit(0);
		errs += kt_ioctl(fd, KTSTR_IOC_RESET, NULL) != 0;
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
	check(errs == 0, "40 track/reset cycles under load", "%d errors", errs);
	close(fd);
	kill_wait(s[0]);
	kill_wait(s[1]);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static void test_full_table(void)
{
	struct ktstr_stats st;
	struct ktstr_task_rec *r;
	uint32_t n;
	pid_t spawner;
	int fd, pp[2];
	char c;

	if (mod_unload() || mod_load("capacity=16")) {
		fail("full table", "cannot reload with capacity=16");
		return;
	}
	fd = kt_open();
	if (pipe(pp))
		return;
	spawner = fork();
	if (!spawner) {
		close(pp[1]);
		if (read(pp[0], &c, 1) != 1)
			_exit(1);
		for (int i = 0; i < 40; i++) {
			pid_t p = fork();

			if (!p)
				_exit(0);
			waitpid(p, NULL, 0);
		}
		_exit(0);
	}
	close(pp[0]);
	kt_track(fd, KTSTR_TRACK_PID, KTSTR_TRACK_FOLLOW_FORK, spawner, -1);
	if (write(pp[1], "g", 1) != 1)
		fail("full table", "pipe");
	close(pp[1]);
	waitpid(spawner, NULL, 0);
	r = kt_tasks(fd, &n);
	check(n == 16, "full table holds exactly its capacity", "%u records", n);
	check(kt_ioctl(fd, KTSTR_IOC_STATS, &st) == 0 && st.dropped == 41 - 16 &&
	      st.capacity == 16, "tasks beyond capacity counted as dropped",
	      "dropped %lu capacity %lu", (unsigned long)st.dropped, (unsigned long)st.capacity);
	free(r);
	close(fd);
	check(mod_unload() == 0 && mod_load("") == 0, "reload with default capacity", "%s",
	      strerror(errno));
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_unload_refused_while_open();
	test_unload_with_tracked_tasks_running();
	test_killed_runner_ends_session();
	test_session_churn_under_load();
	test_full_table();
	return g_failed ? 1 : 0;
}
