/* SPDX-License-Identifier: GPL-2.0 */
/* Private to user/lib/scenario/: the one liveness check of the scheduler. */
#ifndef KTSTR_SCHED_PRIV_H
#define KTSTR_SCHED_PRIV_H

#include <sys/types.h>

struct ktstr_scx;

/*
 * Is the scheduler under test still there? With @scx (a sched_ext
 * scheduler ktstr started): ktstr_scx_check(), which also notices
 * sched_ext ejecting it; else, with @pid > 0 (a scheduler started by
 * someone else): its process is not dead. 0 while it runs; -ESRCH once it
 * died, with ktstr_last_error() saying so (@scx's summary, or "scheduler
 * process died (pid N)").
 */
int sched_check(struct ktstr_scx *scx, pid_t pid);

#endif
