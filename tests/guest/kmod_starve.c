// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest tests of the starvation watchdog: a SCHED_FIFO hog on CPU 0
 * starves a normal task pinned there; the module must report the episode
 * (BEGIN while it lasts, END with the total once the victim runs), and
 * must stay quiet when tasks merely share a CPU fairly.
 */
#include "guest.h"

#include <poll.h>

#define THRESHOLD	(200 * MS)

/* Collect events for up to timeout_ms; returns how many. */
static int read_events(int fd, struct ktstr_event *ev, int max, int timeout_ms)
{
	uint64_t end = now_ns() + (uint64_t)timeout_ms * MS;
	int n = 0;

	while (n < max) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t left = (int64_t)(end - now_ns()) / (int64_t)MS;
		ssize_t r;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		r = read(fd, &ev[n], (max - n) * sizeof(*ev));
		if (r < 0 && errno == EAGAIN)
			continue;
		if (r <= 0 || r % sizeof(*ev))
			break;
		n += r / sizeof(*ev);
	}
	return n;
}

static pid_t spawn_spinner(int cpu, uint64_t ns, int fifo_prio)
{
	pid_t pid = fork();

	if (!pid) {
		pin_cpu(cpu);
		if (fifo_prio) {
			struct sched_param sp = { .sched_priority = fifo_prio };

			if (sched_setscheduler(0, SCHED_FIFO, &sp))
				_exit(2);
		}
		spin_ns(ns);
		_exit(0);
	}
	return pid;
}

static void test_fair_sharing_is_not_starvation(int fd)
{
	struct ktstr_event ev[16];
	pid_t a, b;
	int n;

	a = spawn_spinner(0, 1200 * MS, 0);
	b = spawn_spinner(0, 1200 * MS, 0);
	kt_track(fd, KTSTR_TRACK_PID, 0, a, -1);
	kt_track(fd, KTSTR_TRACK_PID, 0, b, -1);
	n = read_events(fd, ev, 16, 1400);
	check(n == 0, "two fair spinners on one CPU: no starvation event",
	      "%d events, first for pid %d wait %lu ns", n, n ? ev[0].pid : 0,
	      n ? (unsigned long)ev[0].wait_ns : 0UL);
	waitpid(a, NULL, 0);
	waitpid(b, NULL, 0);
}

static void test_fifo_hog_starves_victim(int fd)
{
	struct ktstr_event ev[16];
	struct ktstr_task_rec *r, *t;
	const struct ktstr_event *begin = NULL, *end = NULL;
	char old_rt[32] = "";
	pid_t victim, hog;
	uint32_t nrec;
	int n, st;

	/* RT throttling would hand the victim 5% and blur the episode. */
	read_file("/proc/sys/kernel/sched_rt_runtime_us", old_rt, sizeof(old_rt));
	write_file("/proc/sys/kernel/sched_rt_runtime_us", "-1");

	victim = spawn_spinner(0, 2500 * MS, 0);
	kt_track(fd, KTSTR_TRACK_PID, 0, victim, -1);
	sleep_ns(100 * MS);
	hog = spawn_spinner(0, 1500 * MS, 10);

	/* A read into a faulting buffer must leave the events queued. */
	{
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct ktstr_stats s1, s2;
		/* A user address with nothing mapped: the copy faults. */
		void *volatile bad = (void *)16;

		poll(&p, 1, 2000);
		kt_ioctl(fd, KTSTR_IOC_STATS, &s1);
		check(s1.events_queued >= 1 && read(fd, bad, sizeof(ev)) < 0 &&
		      errno == EFAULT && kt_ioctl(fd, KTSTR_IOC_STATS, &s2) == 0 &&
		      s2.events_queued >= s1.events_queued,
		      "read() into a bad buffer is EFAULT and keeps the events queued",
		      "queued %llu then %llu", (unsigned long long)s1.events_queued,
		      (unsigned long long)s2.events_queued);
	}
	n = read_events(fd, ev, 16, 4000);
	waitpid(hog, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "hog ran as SCHED_FIFO", "status %#x", st);
	for (int i = 0; i < n; i++) {
		if (ev[i].pid != victim)
			continue;
		if (ev[i].type == KTSTR_EV_STARVE_BEGIN && !begin)
			begin = &ev[i];
		if (ev[i].type == KTSTR_EV_STARVE_END && begin && !end)
			end = &ev[i];
	}
	if (check(begin != NULL, "starvation BEGIN event for the victim", "%d events", n)) {
		check(begin->wait_ns >= THRESHOLD, "BEGIN wait is past the threshold",
		      "wait %lu ns", (unsigned long)begin->wait_ns);
		check(begin->cpu == 0, "BEGIN names the CPU the victim waits on", "cpu %d",
		      begin->cpu);
		check(begin->seq >= 1 && begin->time_ns > begin->wait_start_ns,
		      "BEGIN carries sequence and times", "seq %lu", (unsigned long)begin->seq);
	}
	if (check(end != NULL, "starvation END event once the victim runs", "%d events", n))
		check(end->wait_ns >= begin->wait_ns && end->wait_ns >= 500 * MS,
		      "END reports the whole wait", "begin %lu end %lu",
		      (unsigned long)begin->wait_ns, (unsigned long)end->wait_ns);
	r = kt_tasks(fd, &nrec);
	t = kt_find(r, nrec, victim);
	if (check(t != NULL, "victim record exists", "none")) {
		check(t->nr_starvations >= 1, "victim record counts the episode", "%lu",
		      (unsigned long)t->nr_starvations);
		check(t->max_wait_ns >= 500 * MS && t->max_wait_cpu == 0,
		      "victim max wait is the starvation (on CPU 0)", "max %lu on cpu %d",
		      (unsigned long)t->max_wait_ns, t->max_wait_cpu);
		check(end && t->max_starve_ns == end->wait_ns && t->max_starve_cpu == 0 &&
		      t->max_starve_start_ns == end->wait_start_ns,
		      "victim record keeps the longest episode, as its END event says",
		      "record %lu on cpu %d, END %lu", (unsigned long)t->max_starve_ns,
		      t->max_starve_cpu, end ? (unsigned long)end->wait_ns : 0UL);
	}
	free(r);
	waitpid(victim, NULL, 0);
	if (old_rt[0])
		write_file("/proc/sys/kernel/sched_rt_runtime_us", old_rt);
}

/* How a starvation episode is cut short: UNTRACK of the victim, or RESET. */
static int untrack_victim(int fd, pid_t victim)
{
	return kt_ioctl(fd, KTSTR_IOC_UNTRACK, &(struct ktstr_track){
		.size = sizeof(struct ktstr_track), .mode = KTSTR_TRACK_PID, .pid = victim });
}

static int reset_session(int fd, pid_t victim)
{
	(void)victim;
	return kt_ioctl(fd, KTSTR_IOC_RESET, NULL);
}

/*
 * A FIFO hog starves a tracked victim on CPU 0; at its STARVE_BEGIN @cut
 * ends the episode for session @fd (untrack, or reset: the queued events
 * are dropped but the open episode's END is queued after the drop). Its
 * STARVE_END must come at once, not never. Cut at the first event: 6.12's
 * fair server runs the victim for a moment each second, which would end
 * the episode itself.
 */
static void starving_cut_sends_end(int fd, int (*cut)(int fd, pid_t victim),
				   const char *what, const char *name)
{
	struct ktstr_event ev[16];
	char old_rt[32] = "", seen[256] = "", t[128];
	pid_t victim, hog;
	bool begin = false, end = false;
	uint64_t t_cut = 0;
	size_t len = 0;
	int n;

	read_file("/proc/sys/kernel/sched_rt_runtime_us", old_rt, sizeof(old_rt));
	write_file("/proc/sys/kernel/sched_rt_runtime_us", "-1");
	victim = spawn_spinner(0, 2500 * MS, 0);
	kt_track(fd, KTSTR_TRACK_PID, 0, victim, -1);
	sleep_ns(100 * MS);
	hog = spawn_spinner(0, 1500 * MS, 10);
	n = read_events(fd, ev, 1, 1000);
	for (int i = 0; i < n; i++) {
		begin |= ev[i].pid == victim && ev[i].type == KTSTR_EV_STARVE_BEGIN;
		len += snprintf(seen + len, sizeof(seen) - len > 200 ? 40 : 0, " %d:%u", ev[i].pid,
				ev[i].type);
	}
	if (begin) {
		t_cut = now_ns();
		snprintf(t, sizeof(t), "%s the starving victim", what);
		check(cut(fd, victim) == 0, t, "%s", strerror(errno));
		n = read_events(fd, ev, 16, 300);
		len += snprintf(seen + len, sizeof(seen) - len > 200 ? 40 : 0, " |");
		for (int i = 0; i < n; i++) {
			end |= ev[i].pid == victim && ev[i].type == KTSTR_EV_STARVE_END &&
			       ev[i].wait_ns >= THRESHOLD && ev[i].time_ns >= t_cut;
			len += snprintf(seen + len, sizeof(seen) - len > 200 ? 40 : 0,
					" %d:%u:%llu", ev[i].pid, ev[i].type,
					(unsigned long long)ev[i].wait_ns / MS);
		}
	}
	check(begin && end, name, "victim %d, events (pid:type[:wait ms]):%s", victim, seen);
	waitpid(hog, NULL, 0);
	waitpid(victim, NULL, 0);
	if (old_rt[0])
		write_file("/proc/sys/kernel/sched_rt_runtime_us", old_rt);
}

static void test_untrack_starving_sends_end(int fd)
{
	starving_cut_sends_end(fd, untrack_victim, "untrack",
			       "untracking a starving task sends its STARVE_END at once");
}

/* Its own session: the reset must not disturb the others' tests. */
static void test_reset_starving_sends_end(void)
{
	int fd = kt_open();

	if (check(kt_config(fd, THRESHOLD, 0) == 0, "reset session: 200 ms threshold", "%s",
		  strerror(errno)))
		starving_cut_sends_end(fd, reset_session, "reset while",
				       "resetting a session with a starving task sends its STARVE_END");
	close(fd);
}

static void test_read_semantics(int fd)
{
	struct ktstr_event ev;
	char small[8];
	int nb = open(KTSTR_DEVICE_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);

	check(read(fd, small, sizeof(small)) < 0 && errno == EINVAL,
	      "read() shorter than one event is EINVAL", "errno %d", errno);
	check(read(nb, &ev, sizeof(ev)) < 0 && errno == EAGAIN,
	      "non-blocking read() with no event is EAGAIN", "errno %d", errno);
	close(nb);
}

int main(void)
{
	int fd = kt_open();

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1)
		pin_cpu(1);
	if (!check(kt_config(fd, THRESHOLD, 0) == 0, "set a 200 ms threshold", "%s",
		   strerror(errno)))
		return 1;
	test_read_semantics(fd);
	test_fair_sharing_is_not_starvation(fd);
	test_fifo_hog_starves_victim(fd);
	test_untrack_starving_sends_end(fd);
	test_reset_starving_sends_end();
	close(fd);
	return g_failed ? 1 : 0;
}
