// SPDX-License-Identifier: GPL-2.0
/*
 * IoSyncWrite: write a block to a private temporary file, fsync it, sleep.
 * The file is unlinked as soon as it exists so that nothing is left behind
 * even when the worker is SIGKILLed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "work_types.h"

int ktstr_io_open(struct ktstr_work_ctx *wc)
{
	const char *dir = wc->work->dir;
	char path[4096];
	int fd;

	if (!dir || !*dir)
		dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	if (snprintf(path, sizeof(path), "%s/ktstr-io-%d-XXXXXX", dir, (int)getpid()) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	unlink(path);
	return fd;
}

/* Write @len bytes and fsync; rewind once the file reaches @file_bytes. */
int ktstr_io_write_sync(int fd, char *buf, size_t len, uint64_t file_bytes)
{
	off_t pos = lseek(fd, 0, SEEK_CUR);
	size_t done = 0;

	if (pos >= 0 && (uint64_t)pos + len > file_bytes)
		lseek(fd, 0, SEEK_SET);
	buf[0]++;
	while (done < len) {
		ssize_t n = write(fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += n;
	}
	/* EINTR from the stop signal is not a failure. */
	if (fsync(fd) && errno != EINTR && errno != EINVAL)
		return -errno;
	return 0;
}

int ktstr_run_io_sync_write(struct ktstr_work_ctx *wc)
{
	const struct ktstr_work *w = wc->work;
	size_t len = w->io_sync_write.write_kb * 1024;
	char *buf = malloc(len);
	int fd, ret = 0;

	if (!buf)
		return -ENOMEM;
	memset(buf, 0x5a, len);
	fd = ktstr_io_open(wc);
	if (fd < 0) {
		free(buf);
		return fd;
	}
	while (!ktstr_work_stop(wc)) {
		ret = ktstr_io_write_sync(fd, buf, len, w->io_sync_write.file_kb * 1024);
		if (ret)
			break;
		ktstr_work_progress(wc, 1);
		ktstr_work_sleep(wc, w->io_sync_write.sleep_us * 1000ULL);
	}
	close(fd);
	free(buf);
	return ret;
}
