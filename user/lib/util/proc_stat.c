// SPDX-License-Identifier: GPL-2.0
/* /proc/<pid>/stat, read in one place (util/proc_stat.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/proc_stat.h"

int proc_stat_read(pid_t pid, struct proc_stat *out)
{
	char path[64], buf[512], *l, *r;
	size_t len;
	ssize_t n;
	int fd, pp;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: it ends at the last ')'. */
	l = strchr(buf, '(');
	r = strrchr(buf, ')');
	if (!l || !r || r < l || sscanf(r + 1, " %c %d", &out->state, &pp) != 2)
		return -EINVAL;
	len = (size_t)(r - l - 1);
	if (len >= KTSTR_COMM_LEN)
		len = KTSTR_COMM_LEN - 1;
	memset(out->comm, 0, KTSTR_COMM_LEN);
	memcpy(out->comm, l + 1, len);
	out->ppid = pp;
	return 0;
}

bool proc_pid_dead(pid_t pid)
{
	struct proc_stat st;
	int r;

	if (kill(pid, 0) && errno == ESRCH)
		return true;
	/* A zombie still answers kill(pid, 0). */
	r = proc_stat_read(pid, &st);
	if (r < 0)
		return r == -ENOENT;
	return st.state == 'Z' || st.state == 'X';
}
