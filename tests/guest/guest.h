/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the in-guest tests of ktstr.ko. They talk to /dev/ktstr with
 * raw ioctls (the ABI is what is under test) and compare with what the
 * kernel itself reports in /proc. Each test prints one line per check:
 *   ok - NAME
 *   not ok - NAME: why
 *   ok - NAME # SKIP why
 * and tests/guest/run.sh counts them.
 */
#ifndef KTSTR_TESTS_GUEST_H
#define KTSTR_TESTS_GUEST_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/ktstr.h>
#include <ktstr/util.h>

#define MS	1000000ULL

static int g_failed;

static inline void ok(const char *name)
{
	printf("ok - %s\n", name);
	fflush(stdout);
}

static inline void skip(const char *name, const char *why)
{
	printf("ok - %s # SKIP %s\n", name, why);
	fflush(stdout);
}

static inline void vfail(const char *name, const char *fmt, va_list ap)
{
	printf("not ok - %s: ", name);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	g_failed++;
}

__attribute__((format(printf, 2, 3)))
static inline void fail(const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(name, fmt, ap);
	va_end(ap);
}

/* Report one check; returns cond so callers can stop early. */
__attribute__((format(printf, 3, 4)))
static inline bool check(bool cond, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (cond) {
		ok(name);
		return true;
	}
	va_start(ap, fmt);
	vfail(name, fmt, ap);
	va_end(ap);
	return false;
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static inline void spin_ns(uint64_t ns)
{
	uint64_t end = now_ns() + ns;

	while (now_ns() < end)
		;
}

/* Spin until this thread has had ns of CPU time (not wall time). */
static inline void spin_cpu_ns(uint64_t ns)
{
	struct timespec ts;
	uint64_t start, now;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	start = (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	do {
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
		now = (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	} while (now - start < ns);
}

static inline void sleep_ns(uint64_t ns)
{
	struct timespec ts = { ns / 1000000000ULL, ns % 1000000000ULL };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static inline int pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static inline int kt_open(void)
{
	int fd = open(KTSTR_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		printf("not ok - open %s: %s\n", KTSTR_DEVICE_PATH, strerror(errno));
		exit(1);
	}
	return fd;
}

/* ioctl returning -errno, so checks read naturally. */
static inline int kt_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static inline int kt_track(int fd, uint32_t mode, uint32_t flags, int pid, int cgfd)
{
	struct ktstr_track tr = {
		.size = sizeof(tr), .mode = mode, .flags = flags,
		.pid = pid, .cgroup_fd = cgfd,
	};

	return kt_ioctl(fd, KTSTR_IOC_TRACK, &tr);
}

static inline int kt_config(int fd, uint64_t thr, uint64_t scan)
{
	struct ktstr_config c = {
		.size = sizeof(c), .starve_threshold_ns = thr, .scan_interval_ns = scan,
	};

	return kt_ioctl(fd, KTSTR_IOC_CONFIG, &c);
}

/* All task records; *n set to their number. Exits on error. */
static inline struct ktstr_task_rec *kt_tasks(int fd, uint32_t *n)
{
	struct ktstr_snapshot s = {0};
	struct ktstr_task_rec *r = NULL;

	for (;;) {
		if (ioctl(fd, KTSTR_IOC_SNAPSHOT_TASKS, &s)) {
			printf("not ok - snapshot: %s\n", strerror(errno));
			exit(1);
		}
		if (!(s.flags & KTSTR_SNAP_TRUNCATED) && s.nr_out == s.nr_total)
			break;
		free(r);
		s.buf_len = s.nr_total + 64;
		r = calloc(s.buf_len, sizeof(*r));
		s.buf = (uintptr_t)r;
		s.flags = 0;
	}
	*n = s.nr_out;
	return r;
}

/* The newest record of pid (pids can be reused), or NULL. */
static inline struct ktstr_task_rec *kt_find(struct ktstr_task_rec *r, uint32_t n, int pid)
{
	struct ktstr_task_rec *best = NULL;

	for (uint32_t i = 0; i < n; i++)
		if (r[i].pid == pid && (!best || r[i].start_time_ns > best->start_time_ns))
			best = &r[i];
	return best;
}

static inline int rec_has_cpu(const struct ktstr_task_rec *r, int cpu)
{
	return (r->cpus[cpu / 64] >> (cpu % 64)) & 1;
}

/* /proc/<pid>/schedstat: run ns, wait ns, timeslices. */
static inline int read_schedstat(int pid, uint64_t *run, uint64_t *wait, uint64_t *pcount)
{
	char path[64];
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	n = fscanf(f, "%lu %lu %lu", run, wait, pcount);
	fclose(f);
	return n == 3 ? 0 : -EINVAL;
}

/* A "key: value" number from /proc/<pid>/<file>. */
static inline int read_proc_field(int pid, const char *file, const char *key, uint64_t *val)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	FILE *f;
	int ret = -ENOENT;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *p = line;

		if (strncmp(p, key, klen))
			continue;
		p += klen;
		while (*p == ' ' || *p == '\t' || *p == ':')
			p++;
		*val = strtoull(p, NULL, 10);
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

static inline int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

static inline int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static inline void kill_wait(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static inline double rel_err(uint64_t a, uint64_t b)
{
	double d = (double)a - (double)b;

	if (d < 0)
		d = -d;
	return b ? d / (double)b : (a ? 1.0 : 0.0);
}

#define SPAWN_MAX_WORKERS 8

/*
 * The backend-accuracy workload (tests/guest/backends.c,
 * bench/bench_accuracy.c), a spawn_work_fn for 3 workers: workers 0 and 1
 * spin SPIN_SLEEP_WORK_NS of CPU, worker 2 alternates 200 us of spin and
 * 500 us of sleep for SPIN_SLEEP_WORK_NS.
 */
#define SPIN_SLEEP_WORK_NS (400 * MS)

static inline void spin_sleep_work(int idx)
{
	uint64_t end = now_ns() + SPIN_SLEEP_WORK_NS;

	if (idx < 2) {
		spin_ns(SPIN_SLEEP_WORK_NS);
		return;
	}
	while (now_ns() < end) {
		spin_ns(200000);
		sleep_ns(500000);
	}
}

/*
 * A paused spawner forks the workers once it has been tracked (by the
 * caller's track callback), so every worker is tracked from its first
 * instant. Each worker runs its work, reports which one it is, then sleeps
 * until released, so its numbers can be read while they stand still.
 */
struct spawn {
	pid_t spawner;
	int release_w;
	int nr;
	pid_t pids[SPAWN_MAX_WORKERS];
};

typedef void (*spawn_work_fn)(int idx);
typedef int (*spawn_track_fn)(void *arg, pid_t spawner);

static inline int spawn_start(struct spawn *s, int nr, spawn_work_fn work, int pin,
			      spawn_track_fn track, void *arg)
{
	int go[2], done[2], rel[2];
	char c;

	if (nr < 1 || nr > SPAWN_MAX_WORKERS)
		return -EINVAL;
	if (pipe2(go, O_CLOEXEC) || pipe2(done, O_CLOEXEC) || pipe2(rel, O_CLOEXEC))
		return -errno;
	s->nr = nr;
	s->spawner = fork();
	if (s->spawner < 0)
		return -errno;
	if (!s->spawner) {
		close(go[1]);
		close(done[0]);
		close(rel[1]);
		if (pin >= 0)
			pin_cpu(pin);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		for (int i = 0; i < nr; i++) {
			if (!fork()) {
				pid_t me[2] = { i, getpid() };

				work(i);
				if (write(done[1], me, sizeof(me)) != sizeof(me))
					_exit(1);
				(void)!read(rel[0], &c, 1);
				_exit(0);
			}
		}
		while (wait(NULL) > 0)
			;
		_exit(0);
	}
	close(go[0]);
	close(done[1]);
	close(rel[0]);
	s->release_w = rel[1];
	if (track(arg, s->spawner) < 0) {
		close(go[1]);
		close(done[0]);
		return -EIO;
	}
	if (write(go[1], "g", 1) != 1)
		return -EIO;
	close(go[1]);
	/* Workers finish in any order: each says which one it is. */
	for (int i = 0; i < nr; i++) {
		pid_t msg[2];

		if (read(done[0], msg, sizeof(msg)) != sizeof(msg) || msg[0] < 0 || msg[0] >= nr) {
			close(done[0]);
			return -EIO;
		}
		s->pids[msg[0]] = msg[1];
	}
	close(done[0]);
	/* Let every worker reach its blocking read. */
	sleep_ns(100 * MS);
	return 0;
}

static inline void spawn_finish(struct spawn *s)
{
	close(s->release_w);
	waitpid(s->spawner, NULL, 0);
}

#endif
