// SPDX-License-Identifier: GPL-2.0
/*
 * Every output file (--json of run, gauntlet, compare and stat) is written
 * here: a temp file created with O_EXCL next to the final name, filled,
 * fsync()ed and renamed over it, all relative to one fd of the directory,
 * so a directory swapped for a symlink half-way cannot redirect the write.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ktstr/output.h"
#include "util/ktstr_error.h"

/* Split path into its directory (opened) and its last component. */
static int open_parent(const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	int dfd;

	if (!slash) {
		*base = path;
		return open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	*base = slash + 1;
	if (slash == path)
		return open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if ((size_t)(slash - path) >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, path, slash - path);
	dir[slash - path] = '\0';
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return dfd;
}

/* The final name may be absent or a regular file; nothing else is replaced. */
static int check_final(int dfd, const char *base)
{
	struct stat st;

	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (S_ISLNK(st.st_mode))
		return -ELOOP;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EEXIST;
	return 0;
}

/* A fresh temp file next to base: ".base.XXXXXXXX", created with O_EXCL. */
static int open_temp(int dfd, const char *base, char *tmp, size_t len)
{
	for (int tries = 0; tries < 100; tries++) {
		unsigned int r;
		int fd;

		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			r = (unsigned int)getpid() * 2654435761u + (unsigned int)tries;
		if ((size_t)snprintf(tmp, len, ".%s.%08x", base, r) >= len)
			return -ENAMETOOLONG;
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0666);
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : -errno;
	}
	return -EEXIST;
}

static int fill_stdout(int (*fill)(FILE *fp, void *arg), void *arg)
{
	int err = fill(stdout, arg);

	if (fflush(stdout) == EOF && !err)
		err = -(errno ? errno : EIO);
	return err;
}

/* Open the directory of @path and check its last component; the dir fd or -errno. */
static int open_checked(const char *path, const char **base)
{
	int dfd, err;

	dfd = open_parent(path, base);
	if (dfd < 0)
		return -errno;
	if (!**base || !strcmp(*base, ".") || !strcmp(*base, "..")) {
		close(dfd);
		return -EISDIR;
	}
	err = check_final(dfd, *base);
	if (err) {
		close(dfd);
		return err;
	}
	return dfd;
}

/* @err (< 0) with its message for ktstr_last_error(); 0 and more as they are. */
static int said(const char *path, int err)
{
	return err < 0 ? ktstr_errorf(err, "%s: %s", path ? path : "(null)",
				      strerror(-err)) : err;
}

int ktstr_output_check(const char *path)
{
	char tmp[NAME_MAX + 1];
	const char *base;
	int dfd, fd;

	if (!path || !*path)
		return said(path, -EINVAL);
	if (!strcmp(path, "-"))
		return 0;
	dfd = open_checked(path, &base);
	if (dfd < 0)
		return said(path, dfd);
	fd = open_temp(dfd, base, tmp, sizeof(tmp));
	if (fd >= 0) {
		close(fd);
		unlinkat(dfd, tmp, 0);
		fd = 0;
	}
	close(dfd);
	return said(path, fd);
}

int ktstr_output_write(const char *path, int (*fill)(FILE *fp, void *arg), void *arg)
{
	char tmp[NAME_MAX + 1];
	const char *base;
	FILE *fp = NULL;
	int dfd, fd = -1, err;

	if (!path || !*path || !fill)
		return said(path, -EINVAL);
	if (!strcmp(path, "-"))
		return said(path, fill_stdout(fill, arg));
	dfd = open_checked(path, &base);
	if (dfd < 0)
		return said(path, dfd);
	fd = open_temp(dfd, base, tmp, sizeof(tmp));
	err = fd < 0 ? fd : 0;
	if (!err) {
		fp = fdopen(fd, "w");
		if (!fp) {
			err = -errno;
			close(fd);
		}
	}
	if (fp) {
		errno = 0;
		err = fill(fp, arg);
		if (!err && (fflush(fp) == EOF || fsync(fileno(fp)) < 0))
			err = -(errno ? errno : EIO);
		if (fclose(fp) == EOF && !err)
			err = -(errno ? errno : EIO);
		if (!err && renameat(dfd, tmp, dfd, base) < 0)
			err = -errno;
		if (err)
			unlinkat(dfd, tmp, 0);
	}
	close(dfd);
	return said(path, err);
}

static int fill_json(FILE *fp, void *arg)
{
	errno = 0;
	if (json_dumpf(arg, fp, JSON_INDENT(2)) < 0 || fputc('\n', fp) == EOF)
		return -(errno ? errno : EIO);
	return 0;
}

int ktstr_output_json(const char *path, const json_t *doc)
{
	if (!doc)
		return -EINVAL;
	return ktstr_output_write(path, fill_json, (void *)doc);
}
