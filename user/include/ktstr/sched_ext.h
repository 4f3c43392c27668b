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

/**
 * ktstr_scx_supported() - has this kernel sched_ext
 *
 * Return: true if /sys/kernel/sched_ext exists (CONFIG_SCHED_CLASS_EXT).
 */
bool ktstr_scx_supported(void);

/**
 * ktstr_scx_state() - the sched_ext state
 * @buf: receives it ("enabled", "disabled", ...)
 * @len: size of @buf
 *
 * Return: 0, or -errno.
 */
int ktstr_scx_state(char *buf, size_t len);

/**
 * ktstr_scx_start() - start a sched_ext scheduler
 * @s: filled; what ktstr_scx_check(), _stop() and _restart() work on
 * @path: the scheduler's binary
 * @args: its arguments; must outlive @s (ktstr_scx_restart() reuses them)
 * @nargs: how many
 * @timeout_ms: how long to wait until sched_ext is enabled; 0: the default
 *	(KTSTR_SCX_START_TIMEOUT_MS)
 * @why: receives what happened on failure, with the tail of the
 *	scheduler's log (and so does ktstr_last_error())
 * @len: size of @why
 *
 * On failure everything started is stopped.
 *
 * Return: 0 once sched_ext is enabled; -EBUSY when a sched_ext scheduler
 * is already loaded, -EOPNOTSUPP without sched_ext, other -errno.
 */
int ktstr_scx_start(struct ktstr_scx *s, const char *path, char *const *args,
		    int nargs, unsigned int timeout_ms, char *why, size_t len);
/**
 * ktstr_scx_check() - is the scheduler still there
 * @s: the scheduler; once it died or was ejected, s->dead, s->exit and
 *	s->summary are set (once)
 *
 * Return: 0 while it lives and sched_ext is enabled; -ESRCH once it died or
 * was ejected.
 */
int ktstr_scx_check(struct ktstr_scx *s);
/**
 * ktstr_scx_stop() - stop the scheduler and remove its log
 * @s: the scheduler
 * @timeout_ms: SIGINT to its group, wait for "disabled" and its exit,
 *	SIGKILL after this long; 0: 5 s
 *
 * Return: 0 when sched_ext is disabled afterwards, -ETIMEDOUT if not.
 */
int ktstr_scx_stop(struct ktstr_scx *s, unsigned int timeout_ms);
/**
 * ktstr_scx_restart() - stop the scheduler and start it again
 * @s: the scheduler; the same path and arguments are used
 * @timeout_ms: as ktstr_scx_stop()'s and ktstr_scx_start()'s
 * @why: receives what happened on failure
 * @len: size of @why
 *
 * The scheduler-restart op. Between the two the default scheduler runs
 * every task.
 *
 * Return: 0, with s->restarts incremented, once it is enabled again;
 * -ESRCH when it is not running (or died); otherwise as ktstr_scx_stop()
 * and ktstr_scx_start(), with @why set.
 */
int ktstr_scx_restart(struct ktstr_scx *s, unsigned int timeout_ms, char *why,
		      size_t len);
/**
 * ktstr_scx_log_tail() - the end of the scheduler's log
 * @s: the scheduler
 * @lines: how many lines
 * @buf: receives them, each prefixed by "  | "
 * @len: size of @buf
 */
void ktstr_scx_log_tail(const struct ktstr_scx *s, int lines, char *buf,
			size_t len);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_SCHED_EXT_H */
