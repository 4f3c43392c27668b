// SPDX-License-Identifier: GPL-2.0
/* cgroupfs file access: bounded writes, reads, pid lists, task moves. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>

#include <ktstr/clock.h>
#include <ktstr/cgroup.h>

#include "cgroup_fs.h"
#include "util/ktstr_error.h"


/* Relative cgroup names: no empty, "." or ".." components, no leading '/'. */
static bool valid_name(const char *name, bool allow_empty)
{
	const char *p = name;

	if (!name)
		return false;
	if (!*name)
		return allow_empty;
	while (*p) {
		size_t len = strcspn(p, "/");

		if (len == 0 || (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += len;
		if (*p == '/' && !*++p)
			return false;
	}
	return strlen(name) < PATH_MAX / 2;
}

int cg_check_name(const char *name, bool allow_empty)
{
	if (valid_name(name, allow_empty))
		return 0;
	return cg_fail(-EINVAL, "invalid cgroup name '%s'", name ? name : "(null)");
}

int cg_check_set(const char *op, const char *name, const struct ktstr_cpuset *set)
{
	if (!set)
		return cg_fail(-EINVAL, "%s %s: no set", op, name);
	if (ktstr_cpuset_empty(set))
		return cg_fail(-EINVAL, "%s %s: empty set: use clear instead", op, name);
	return 0;
}

int cg_check_pid(pid_t pid)
{
	return pid > 0 ? 0 : cg_fail(-EINVAL, "move_task: bad pid %d", (int)pid);
}

/*
 * One write, shared by the caller and the writer thread. Whoever finishes
 * last frees it: the caller if the write completed, the thread if the
 * caller gave up waiting (abandoned).
 */
struct write_job {
	pthread_mutex_t lock;
	pthread_cond_t done_cond;	/* signalled under lock when done */
	bool done;			/* protected by lock */
	bool abandoned;			/* protected by lock */
	int err;
	char *path;
	char *val;
};

static void job_free(struct write_job *job)
{
	pthread_mutex_destroy(&job->lock);
	pthread_cond_destroy(&job->done_cond);
	free(job->path);
	free(job->val);
	free(job);
}

static int do_write(const char *path, const char *val)
{
	size_t len = strlen(val);
	/*
	 * O_APPEND on cgroup.procs: cgroupfs ignores the file position, and
	 * on a fake (plain file) cgroupfs it keeps every pid written, like
	 * the kernel's listing. Other files are replaced.
	 */
	const char *base = strrchr(path, '/');
	int flags = base && !strcmp(base + 1, "cgroup.procs") ? O_APPEND : O_TRUNC;
	int fd = open(path, O_WRONLY | O_CLOEXEC | flags);
	ssize_t n;
	int err = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

static void *write_thread(void *arg)
{
	struct write_job *job = arg;
	int err = do_write(job->path, job->val);
	bool abandoned;

	pthread_mutex_lock(&job->lock);
	job->err = err;
	job->done = true;
	abandoned = job->abandoned;
	pthread_cond_signal(&job->done_cond);
	pthread_mutex_unlock(&job->lock);
	if (abandoned)
		job_free(job);
	return NULL;
}

static struct write_job *job_new(const char *path, const char *val)
{
	struct write_job *job = calloc(1, sizeof(*job));
	pthread_condattr_t ca;

	if (!job)
		return NULL;
	job->path = strdup(path);
	job->val = strdup(val);
	pthread_mutex_init(&job->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&job->done_cond, &ca);
	pthread_condattr_destroy(&ca);
	if (!job->path || !job->val) {
		job_free(job);
		return NULL;
	}
	return job;
}

int cg_write(const char *path, const char *val, unsigned int timeout_ms)
{
	struct write_job *job = job_new(path, val);
	pthread_attr_t attr;
	struct timespec deadline;
	pthread_t tid;
	int ret;

	if (!job)
		return -ENOMEM;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	ret = pthread_create(&tid, &attr, write_thread, job);
	pthread_attr_destroy(&attr);
	if (ret) {
		job_free(job);
		return -ret;
	}

	pthread_mutex_lock(&job->lock);
	while (!job->done &&
	       pthread_cond_timedwait(&job->done_cond, &job->lock, &deadline) != ETIMEDOUT)
		;
	if (!job->done) {
		job->abandoned = true;
		pthread_mutex_unlock(&job->lock);
		return -ETIMEDOUT;
	}
	ret = job->err;
	pthread_mutex_unlock(&job->lock);
	job_free(job);
	return ret;
}

ssize_t cg_read(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t pos = 0;

	if (fd < 0)
		return -errno;
	while (pos + 1 < len) {
		ssize_t n = read(fd, buf + pos, len - 1 - pos);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return n;
		}
		if (n == 0)
			break;
		pos += n;
	}
	buf[pos] = '\0';
	close(fd);
	return (ssize_t)pos;
}

int cg_read_pids(const char *dir, pid_t **pids)
{
	char path[PATH_MAX];
	FILE *f;
	pid_t *arr = NULL;
	int n = 0, cap = 0;
	long v;

	*pids = NULL;
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fscanf(f, "%ld", &v) == 1) {
		if (n == cap) {
			pid_t *tmp = realloc(arr, sizeof(*arr) * (cap = cap ? cap * 2 : 16));

			if (!tmp) {
				free(arr);
				fclose(f);
				return -ENOMEM;
			}
			arr = tmp;
		}
		arr[n++] = (pid_t)v;
	}
	fclose(f);
	*pids = arr;
	return n;
}

bool cg_has_word(const char *list, const char *word)
{
	size_t wl = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += wl) {
		bool start = p == list || p[-1] == ' ' || p[-1] == '\n';
		char end = p[wl];

		if (start && (end == '\0' || end == ' ' || end == '\n'))
			return true;
	}
	return false;
}

bool cg_is_cgroup2(const char *path)
{
	struct statfs sf;

	return !statfs(path, &sf) && sf.f_type == CGROUP2_SUPER_MAGIC;
}

#define MOVE_RETRIES	3
#define MOVE_BACKOFF_MS	100

int cg_move_pid(const char *dir, pid_t pid, unsigned int timeout_ms)
{
	char path[PATH_MAX], val[24];
	int ret = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	snprintf(val, sizeof(val), "%d", (int)pid);
	for (int attempt = 0; attempt <= MOVE_RETRIES; attempt++) {
		if (attempt)
			ktstr_sleep_ms(MOVE_BACKOFF_MS << (attempt - 1));
		ret = cg_write(path, val, timeout_ms);
		if (ret != -EBUSY)
			break;
	}
	if (!ret)
		return 1;
	if (ret == -ESRCH)
		return 0;
	if (ret == -EBUSY)
		return cg_fail(ret, "cannot move pid %d to %s: still busy after %d retries "
			       "(no-internal-process rule, or the scheduler refused)",
			       (int)pid, dir, MOVE_RETRIES);
	if (ret == -EACCES || ret == -EPERM)
		return cg_fail(ret, "no permission to move pid %d to %s", (int)pid, path);
	return cg_fail(ret, "cannot move pid %d to %s: %s", (int)pid, path, strerror(-ret));
}
