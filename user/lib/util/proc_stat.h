/* SPDX-License-Identifier: GPL-2.0 */
/* Internal to libktstr: one reader of /proc/<pid>/stat. Not installed. */
#ifndef KTSTR_PROC_STAT_H
#define KTSTR_PROC_STAT_H

#include <stdbool.h>
#include <sys/types.h>

#include <linux/ktstr.h>	/* KTSTR_COMM_LEN */

/* The fields of /proc/<pid>/stat libktstr reads. */
struct proc_stat {
	char state;			/* R, S, D, Z, X, ... */
	pid_t ppid;
	char comm[KTSTR_COMM_LEN];	/* NUL-terminated, truncated */
};

/*
 * Read /proc/@pid/stat into @out: 0; -errno of the open (-ENOENT: no such
 * task), -EIO when nothing could be read, -EINVAL when the line does not
 * parse.
 */
int proc_stat_read(pid_t pid, struct proc_stat *out);

/* @pid is gone or a zombie (kill(pid, 0) still answers for a zombie). */
bool proc_pid_dead(pid_t pid);

#endif
