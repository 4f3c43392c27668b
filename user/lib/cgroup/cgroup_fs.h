/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal to libktstr: cgroupfs file access shared by the cgroup manager
 * and the stale-cgroup cleanup. Not installed.
 */
#ifndef KTSTR_CGROUP_FS_H
#define KTSTR_CGROUP_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/ktstr_error.h"

/* Record the message for ktstr_last_error(); evaluates to @err. */
#define cg_fail(err, ...)	KTSTR_FAIL(err, __VA_ARGS__)

/*
 * The one validator of cgroup names, shared by the manager and the no-op
 * double so that both accept exactly the same names: relative to the
 * parent, components separated by single '/', no empty, "." or ".."
 * component, no leading or trailing '/', shorter than PATH_MAX / 2. ""
 * (the parent itself) only when @allow_empty. 0, or -EINVAL with the
 * message recorded.
 */
int cg_check_name(const char *name, bool allow_empty);

/*
 * The other argument checks both share: a set for set_cpuset/set_mems
 * must be given and non-empty (@op names the call), a pid must be > 0.
 */
struct ktstr_cpuset;
int cg_check_set(const char *op, const char *name, const struct ktstr_cpuset *set);
int cg_check_pid(pid_t pid);

/*
 * Write @val to @path in a helper thread and wait at most @timeout_ms: a
 * cgroupfs write can block (e.g. cgroup.procs behind a stuck scheduler),
 * and the runner must not. On timeout the thread is abandoned with its own
 * copy of the data and -ETIMEDOUT is returned.
 */
int cg_write(const char *path, const char *val, unsigned int timeout_ms);
/* Read up to len-1 bytes, NUL-terminated; byte count or -errno. */
ssize_t cg_read(const char *path, char *buf, size_t len);
/* Pids listed in @dir/cgroup.procs into a malloc()ed array; count or -errno. */
int cg_read_pids(const char *dir, pid_t **pids);
/* Whether whitespace-separated @list contains @word. */
bool cg_has_word(const char *list, const char *word);
/* True if @path is on a cgroup2 filesystem. */
bool cg_is_cgroup2(const char *path);
/*
 * Write @pid to @dir/cgroup.procs: ESRCH (task gone) counts as success,
 * EBUSY (e.g. sched_ext's cgroup_prep_move refusing) is retried with a
 * bounded backoff. Returns 1 if moved, 0 if the task was gone, or -errno.
 */
int cg_move_pid(const char *dir, pid_t pid, unsigned int timeout_ms);

#endif /* KTSTR_CGROUP_FS_H */
