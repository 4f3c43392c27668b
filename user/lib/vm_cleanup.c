// SPDX-License-Identifier: GPL-2.0
/*
 * The temp dirs of `ktstr vm` (KTSTR_VM_TMP_PREFIX* under $TMPDIR or /tmp):
 * removing one, and removing those a dead run left behind. Each holds only
 * flat files ktstr vm wrote, among them KTSTR_VM_OWNER with the pid of the
 * ktstr vm that made it. An interrupted run removes its own; only a
 * SIGKILL leaves one behind, for `ktstr cleanup`.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ktstr/vm.h"

int ktstr_vm_tmpdir_remove(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return -errno;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	return rmdir(dir) ? -errno : 0;
}

int ktstr_vm_tmpdir_own(const char *dir)
{
	char path[4096];
	int fd, n, err = 0;

	if (snprintf(path, sizeof(path), "%s/" KTSTR_VM_OWNER, dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	n = dprintf(fd, "%d\n", (int)getpid());
	if (n <= 0)
		err = -EIO;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

/* The owner's pid, 0 when the file is missing or unreadable. */
static pid_t owner_of(int dfd, const char *name)
{
	char path[512], buf[32];
	ssize_t n;
	long pid;
	char *end;
	int fd;

	if (snprintf(path, sizeof(path), "%s/" KTSTR_VM_OWNER, name) >= (int)sizeof(path))
		return 0;
	fd = openat(dfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	pid = strtol(buf, &end, 10);
	if (end == buf || (*end && *end != '\n') || pid <= 0 || pid > 4194304)
		return 0;
	return (pid_t)pid;
}

int ktstr_vm_cleanup_stale(const char *tmp,
			   void (*cb)(const char *path, const char *what, void *arg),
			   void *arg)
{
	size_t plen = strlen(KTSTR_VM_TMP_PREFIX);
	char path[4096], what[96];
	struct dirent *e;
	int removed = 0;
	DIR *d;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	d = opendir(tmp);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		pid_t pid;
		int err;

		if (strncmp(e->d_name, KTSTR_VM_TMP_PREFIX, plen) || e->d_type != DT_DIR)
			continue;
		pid = owner_of(dirfd(d), e->d_name);
		/* No owner file: not ours to judge. A live owner: its run. */
		if (!pid || !kill(pid, 0) || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmp, e->d_name);
		err = ktstr_vm_tmpdir_remove(path);
		if (!err)
			removed++;
		if (!cb)
			continue;
		if (err)
			snprintf(what, sizeof(what), "cannot remove (owner %d gone): %s",
				 (int)pid, strerror(-err));
		else
			snprintf(what, sizeof(what), "removed (owner %d gone)", (int)pid);
		cb(path, what, arg);
	}
	closedir(d);
	return removed;
}
