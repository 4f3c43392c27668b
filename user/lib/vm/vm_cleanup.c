// SPDX-License-Identifier: GPL-2.0
/*
 * What ktstr leaves in the temp dir ($TMPDIR or /tmp) and how it goes:
 *  - the temp dirs of `ktstr vm` (KTSTR_VM_TMP_PREFIX*), each holding only
 *    flat files, among them KTSTR_VM_OWNER with the pid of its ktstr vm;
 *  - the logs of schedulers started by `ktstr run --scheduler`
 *    (KTSTR_SCHED_LOG_PREFIX<pid>.*).
 * An interrupted run removes its own; only a SIGKILL leaves them behind,
 * for `ktstr cleanup`.
 *
 * `ktstr cleanup` runs as root in a directory every user can write, so it
 * trusts names nothing: everything is done relative to directory fds opened
 * with O_NOFOLLOW, a directory is ours only if it is owned by root or the
 * caller, has mode 0700 and sits on the temp dir's file system, the owner
 * file must be a regular file of the same owner and is opened O_NONBLOCK (a
 * FIFO planted there cannot hang us), and files are unlinked by name
 * inside the fd of their directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ktstr/sched_ext.h"
#include "ktstr/vm.h"

#define PID_MAX_LIMIT	4194304

/* Owned by root or by the caller: a user cannot have made it for us. */
static bool trusted_owner(const struct stat *st)
{
	return st->st_uid == 0 || st->st_uid == geteuid();
}

/*
 * Open @name under @pfd if it is a run dir of ours: a real directory (not
 * a symlink, never a FIFO), owned by root or us, mode 0700, on @dev.
 * Returns the fd, or -errno (-EPERM when it is not ours).
 */
static int open_run_dir(int pfd, const char *name, dev_t dev, struct stat *st)
{
	int fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (!trusted_owner(st) || (st->st_mode & 07777) != 0700 || st->st_dev != dev) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

/* Unlink every entry of the flat directory @dfd; the first error or 0. */
static int empty_dir(int dfd)
{
	int fd = dup(dfd), err = 0;
	struct dirent *e;
	DIR *d;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		err = -errno;
		close(fd);
		return err;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (unlinkat(dfd, e->d_name, 0) < 0 && !err)
			err = -errno;
	}
	closedir(d);
	return err;
}

/* Empty the run dir @dfd (closed here), then remove it as @name of @pfd. */
static int remove_opened(int pfd, const char *name, int dfd)
{
	int err = empty_dir(dfd);

	close(dfd);
	if (unlinkat(pfd, name, AT_REMOVEDIR) < 0)
		return -errno;
	return err;
}

int ktstr_vm_tmpdir_remove(const char *dir)
{
	const char *slash = strrchr(dir, '/');
	char parent[4096];
	struct stat st;
	int pfd, err;

	if (!slash) {
		snprintf(parent, sizeof(parent), ".");
	} else if ((size_t)(slash - dir) >= sizeof(parent)) {
		return -ENAMETOOLONG;
	} else {
		memcpy(parent, dir, slash - dir);
		parent[slash - dir] = '\0';
		if (!parent[0])
			snprintf(parent, sizeof(parent), "/");
	}
	pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	err = fstat(pfd, &st) < 0 ? -errno : 0;
	if (!err) {
		const char *name = slash ? slash + 1 : dir;
		int dfd = open_run_dir(pfd, name, st.st_dev, &st);

		err = dfd < 0 ? dfd : remove_opened(pfd, name, dfd);
	}
	close(pfd);
	return err;
}

int ktstr_vm_tmpdir_own(const char *dir)
{
	char path[4096];
	int fd, n, err = 0;

	if (snprintf(path, sizeof(path), "%s/" KTSTR_VM_OWNER, dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	n = dprintf(fd, "%d\n", (int)getpid());
	if (n <= 0)
		err = -EIO;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

/* "123" or "123\n" as a pid, 0 if it is anything else. */
static pid_t parse_pid(const char *s, char stop)
{
	char *end;
	long pid;

	errno = 0;
	pid = strtol(s, &end, 10);
	if (errno || end == s || (*end && *end != stop) || pid <= 0 || pid > PID_MAX_LIMIT)
		return 0;
	return (pid_t)pid;
}

/*
 * The owner's pid of the run dir @dfd (owned by @uid), 0 when the owner
 * file is missing, not a regular file of @uid, or says no pid.
 */
static pid_t owner_of(int dfd, uid_t uid)
{
	struct stat st;
	char buf[32];
	ssize_t n;
	int fd;

	fd = openat(dfd, KTSTR_VM_OWNER, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != uid) {
		close(fd);
		return 0;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return parse_pid(buf, '\n');
}

static bool pid_gone(pid_t pid)
{
	return pid && kill(pid, 0) && errno == ESRCH;
}

static void report(void (*cb)(const char *path, const char *what, void *arg), void *arg,
		   const char *tmp, const char *name, pid_t pid, int err)
{
	char path[4096], what[96];

	if (!cb)
		return;
	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	if (err)
		snprintf(what, sizeof(what), "cannot remove (owner %d gone): %s",
			 (int)pid, strerror(-err));
	else
		snprintf(what, sizeof(what), "removed (owner %d gone)", (int)pid);
	cb(path, what, arg);
}

/*
 * A `ktstr vm` temp dir: removed when its owner (*@pid) is gone.
 * 1 removed, 0 not ours or not stale, or -errno.
 */
static int stale_vm_dir(int tfd, const char *name, dev_t dev, pid_t *pid)
{
	struct stat st;
	int dfd;

	dfd = open_run_dir(tfd, name, dev, &st);
	if (dfd < 0)
		return 0;
	*pid = owner_of(dfd, st.st_uid);
	/* No owner file: not ours to judge. A live owner: its run. */
	if (!pid_gone(*pid)) {
		close(dfd);
		return 0;
	}
	return remove_opened(tfd, name, dfd) ?: 1;
}

/* A scheduler log KTSTR_SCHED_LOG_PREFIX<pid>.XXXXXX of a dead run. */
static pid_t stale_sched_log(int tfd, const char *name, dev_t dev)
{
	struct stat st;
	pid_t pid = parse_pid(name + strlen(KTSTR_SCHED_LOG_PREFIX), '.');

	if (!pid_gone(pid) || fstatat(tfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (!S_ISREG(st.st_mode) || !trusted_owner(&st) || st.st_dev != dev)
		return 0;
	return pid;
}

int ktstr_vm_cleanup_stale(const char *tmp,
			   void (*cb)(const char *path, const char *what, void *arg),
			   void *arg)
{
	struct dirent *e;
	struct stat tst;
	int removed = 0, tfd;
	DIR *d;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	tfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tfd < 0)
		return -errno;
	if (fstat(tfd, &tst) < 0 || !(d = fdopendir(tfd))) {
		int err = -errno;

		close(tfd);
		return err;
	}
	while ((e = readdir(d))) {
		const char *name = e->d_name;
		pid_t pid = 0;
		int ret;

		if (!strncmp(name, KTSTR_VM_TMP_PREFIX, strlen(KTSTR_VM_TMP_PREFIX))) {
			ret = stale_vm_dir(tfd, name, tst.st_dev, &pid);
		} else if (!strncmp(name, KTSTR_SCHED_LOG_PREFIX,
				    strlen(KTSTR_SCHED_LOG_PREFIX))) {
			pid = stale_sched_log(tfd, name, tst.st_dev);
			if (!pid)
				continue;
			ret = unlinkat(tfd, name, 0) < 0 ? -errno : 1;
		} else {
			continue;
		}
		if (!ret)
			continue;
		removed += ret > 0;
		report(cb, arg, tmp, name, pid, ret < 0 ? ret : 0);
	}
	closedir(d);
	return removed;
}
