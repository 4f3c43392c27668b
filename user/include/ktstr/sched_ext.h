/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running a sched_ext scheduler around a ktstr run: start it (its own
 * process group, output captured to a temporary log), wait until the kernel
 * reports it enabled (/sys/kernel/sched_ext/state), watch it (the process
 * died, or sched_ext went back to "disabled" under it: an error exit), and
 * stop it again so the default scheduler is back.
 *
 * On a death the exit is described from the scheduler's own line
 * ("... sched_ext exit: kind=N ...") when it printed one, else from the
 * kernel log lines matching "sched_ext:" (klogctl), as a one-line summary:
 *
 *   BUG SUMMARY: scheduler ktstr_fixture[123] exited (status 1): sched_ext exit: kind=1025 ...
 *
 * Conventions: 0 or a negative errno; nothing here prints.
 */
#ifndef KTSTR_SCHED_EXT_H
#define KTSTR_SCHED_EXT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

#define KTSTR_SCX_SYSFS		"/sys/kernel/sched_ext"
/* How long ktstr_scx_start() waits for "enabled" by default. */
/* Its log: $TMPDIR (or /tmp)/KTSTR_SCHED_LOG_PREFIX<our pid>.XXXXXX */
#define KTSTR_SCHED_LOG_PREFIX	"ktstr-sched."
#define KTSTR_SCX_START_TIMEOUT_MS	10000

struct ktstr_scx_exit {
	int kind;			/* enum scx_exit_kind; -1: unknown */
	bool exited;			/* the process is gone (status valid) */
	int status;			/* exit code, or 128 + signal */
	char reason[384];		/* one line: the scheduler's or the kernel's */
};

struct ktstr_scx {
	pid_t pid;			/* 0: not running */
	char name[64];			/* /sys/kernel/sched_ext/root/ops */
	char path[256];
	char log[4096];			/* its stdout + stderr */
	bool dead;			/* died or ejected (exit, summary set) */
	bool reaped;
	int wstatus;
	struct ktstr_scx_exit exit;
	char summary[640];		/* "scheduler NAME[PID] exited ..." */
	/* What ktstr_scx_start() was given, for ktstr_scx_restart(): @args
	 * must outlive the struct. */
	char *const *args;
	int nargs;
	unsigned int restarts;		/* successful ktstr_scx_restart()s */
};

/* /sys/kernel/sched_ext exists (CONFIG_SCHED_CLASS_EXT). */
bool ktstr_scx_supported(void);
/* The sched_ext state ("enabled", "disabled", ...) into @buf; -errno. */
int ktstr_scx_state(char *buf, size_t len);

/*
 * Start @path with @args (@nargs of them) and wait up to @timeout_ms
 * (0: the default) until sched_ext is enabled. On failure everything
 * started is stopped and @why says what happened (with the tail of the
 * scheduler's log). -EBUSY: a sched_ext scheduler is already loaded.
 */
int ktstr_scx_start(struct ktstr_scx *s, const char *path, char *const *args,
		    int nargs, unsigned int timeout_ms, char *why, size_t len);
/*
 * 0 while it lives and sched_ext is enabled; -ESRCH once it died or was
 * ejected (then s->dead, s->exit and s->summary are set, once).
 */
int ktstr_scx_check(struct ktstr_scx *s);
/*
 * Stop it (SIGINT to its group, wait for "disabled" and its exit, SIGKILL
 * after @timeout_ms, 0: 5 s) and remove its log. 0 when sched_ext is
 * disabled afterwards, -ETIMEDOUT if not.
 */
int ktstr_scx_stop(struct ktstr_scx *s, unsigned int timeout_ms);
/*
 * Stop it and start it again with the same path and arguments (the
 * scheduler-restart op). Between the two the default scheduler runs every
 * task. 0 and s->restarts incremented once it is enabled again; -ESRCH
 * when it is not running (or died); otherwise as ktstr_scx_stop() and
 * ktstr_scx_start(), with @why set.
 */
int ktstr_scx_restart(struct ktstr_scx *s, unsigned int timeout_ms, char *why,
		      size_t len);
/* The last @lines lines of its log, each prefixed by "  | ". */
void ktstr_scx_log_tail(const struct ktstr_scx *s, int lines, char *buf,
			size_t len);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_SCHED_EXT_H */
