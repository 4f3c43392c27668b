// SPDX-License-Identifier: GPL-2.0
/*
 * A sched_ext scheduler around a ktstr run (see ktstr/sched_ext.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ktstr/clock.h>
#include <ktstr/sched_ext.h>

#include "sched_priv.h"
#include "util/ktstr_error.h"
#include "util/proc_stat.h"

#define SYSLOG_ACTION_READ_ALL	3
#define SYSLOG_ACTION_SIZE_BUFFER 10

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	int ret = 0;

	if (!len)
		return -EINVAL;
	buf[0] = '\0';
	if (!f)
		return -errno;
	if (!fgets(buf, len, f))
		ret = -EIO;
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return ret;
}

bool ktstr_scx_supported(void)
{
	struct stat st;

	return !stat(KTSTR_SCX_SYSFS, &st) && S_ISDIR(st.st_mode);
}

int ktstr_scx_state(char *buf, size_t len)
{
	return read_line(KTSTR_SCX_SYSFS "/state", buf, len);
}

static bool scx_enabled(void)
{
	char st[32];

	return !ktstr_scx_state(st, sizeof(st)) && !strcmp(st, "enabled");
}

static bool scx_disabled(void)
{
	char st[32];

	return !ktstr_scx_state(st, sizeof(st)) && !strcmp(st, "disabled");
}

/* Reap it if it has exited; true once it is gone. */
static bool reap(struct ktstr_scx *s)
{
	int st;

	if (s->reaped)
		return true;
	if (s->pid <= 0)
		return true;
	if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
		s->reaped = true;
		s->wstatus = st;
		return true;
	}
	return false;
}

/* Exited, without reaping (a zombie still counts as dead). */
static bool exited(const struct ktstr_scx *s)
{
	siginfo_t si = { 0 };

	if (s->reaped)
		return true;
	return !waitid(P_PID, s->pid, &si, WEXITED | WNOHANG | WNOWAIT) &&
	       si.si_pid == s->pid;
}

void ktstr_scx_log_tail(const struct ktstr_scx *s, int lines, char *buf,
			size_t len)
{
	char *text = NULL, *p;
	size_t n = 0, cap = 0, pos = 0;
	int fd, k = 0;

	if (!len)
		return;
	buf[0] = '\0';
	fd = open(s->log, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	for (;;) {
		ssize_t r;

		if (n + 4096 + 1 > cap) {
			char *t = realloc(text, cap + 65536);

			if (!t)
				break;
			text = t;
			cap += 65536;
		}
		r = read(fd, text + n, 4096);
		if (r <= 0)
			break;
		n += r;
	}
	close(fd);
	if (!text)
		return;
	text[n] = '\0';
	while (n && text[n - 1] == '\n')
		text[--n] = '\0';
	p = text + n;
	while (p > text && k < lines) {
		p--;
		if (*p == '\n')
			k++;
	}
	if (*p == '\n')
		p++;
	while (*p && pos + 6 < len) {
		char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		int w = snprintf(buf + pos, len - pos, "%s  | %.*s", pos ? "\n" : "",
				 (int)l, p);

		if (w < 0 || (size_t)w >= len - pos)
			break;
		pos += w;
		p += l + (nl ? 1 : 0);
	}
	free(text);
}

/* sched_ext is there and free, and @path can be run; else -errno and @why. */
static int can_start(const char *path, char *why, size_t len)
{
	char st[64] = "";

	if (!ktstr_scx_supported())
		return ktstr_errorf_buf(why, len, -EOPNOTSUPP,
					"this kernel has no sched_ext (CONFIG_SCHED_CLASS_EXT)");
	if (!scx_disabled()) {
		char ops[64] = "";

		ktstr_scx_state(st, sizeof(st));
		read_line(KTSTR_SCX_SYSFS "/root/ops", ops, sizeof(ops));
		return ktstr_errorf_buf(why, len, -EBUSY,
					"sched_ext is already '%s'%s%s: another scheduler is loaded",
					st, ops[0] ? " with " : "", ops);
	}
	if (access(path, X_OK))
		return ktstr_errorf_buf(why, len, -ENOENT, "%s: %s", path, strerror(errno));
	return 0;
}

/*
 * Fork and exec the scheduler @path @args (its own process group, stdout
 * and stderr to @fd, its log; gone with us). 0, or -errno with @why.
 */
static int spawn_scheduler(struct ktstr_scx *s, const char *path, char *const *args,
			   int nargs, int fd, char *why, size_t len)
{
	char **argv = calloc(nargs + 2, sizeof(*argv));

	if (!argv)
		return ktstr_errorf(-ENOMEM, "out of memory");
	argv[0] = (char *)path;
	for (int i = 0; i < nargs; i++)
		argv[i + 1] = args[i];

	s->pid = fork();
	if (s->pid < 0) {
		int e = errno;

		free(argv);
		s->pid = 0;
		return ktstr_errorf_buf(why, len, -e, "fork: %s", strerror(e));
	}
	if (!s->pid) {
		int nul = open("/dev/null", O_RDONLY);

		setpgid(0, 0);
		/* Leave with us: SIGINT detaches it cleanly. */
		prctl(PR_SET_PDEATHSIG, SIGINT);
		if (nul >= 0)
			dup2(nul, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execv(path, argv);
		dprintf(2, "exec %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	setpgid(s->pid, s->pid);
	free(argv);
	return 0;
}

/* Until sched_ext is enabled: 0, or -errno with @why (the log's tail too). */
static int wait_enabled(struct ktstr_scx *s, const char *path, unsigned int timeout_ms,
			char *why, size_t len)
{
	char st[64] = "", tail[2048];
	unsigned long long end;

	end = (ktstr_now_ns() / 1000000) + (timeout_ms ? timeout_ms : KTSTR_SCX_START_TIMEOUT_MS);
	for (;;) {
		if (scx_enabled() && !exited(s))
			return 0;
		if (reap(s)) {
			ktstr_scx_log_tail(s, 8, tail, sizeof(tail));
			ktstr_errorf_buf(why, len, -ECHILD,
					 "%s exited (status %d) before sched_ext was enabled:\n%s",
					 path, WIFEXITED(s->wstatus) ? WEXITSTATUS(s->wstatus) :
					 128 + WTERMSIG(s->wstatus), tail);
			unlink(s->log);
			s->pid = 0;
			return -ECHILD;
		}
		if ((ktstr_now_ns() / 1000000) >= end) {
			ktstr_scx_state(st, sizeof(st));
			ktstr_scx_log_tail(s, 8, tail, sizeof(tail));
			ktstr_scx_stop(s, 2000);
			return ktstr_errorf_buf(why, len, -ETIMEDOUT,
						"%s: sched_ext not enabled after %u ms (state '%s'):\n%s",
						path, timeout_ms ? timeout_ms : KTSTR_SCX_START_TIMEOUT_MS,
						st, tail);
		}
		ktstr_sleep_ms(20);
	}
}

int ktstr_scx_start(struct ktstr_scx *s, const char *path, char *const *args,
		    int nargs, unsigned int timeout_ms, char *why, size_t len)
{
	const char *tmp;
	int fd, ret;

	memset(s, 0, sizeof(*s));
	s->exit.kind = -1;
	s->args = args;
	s->nargs = nargs;
	snprintf(s->path, sizeof(s->path), "%s", path);
	ret = can_start(path, why, len);
	if (ret)
		return ret;
	tmp = getenv("TMPDIR");
	if ((size_t)snprintf(s->log, sizeof(s->log), "%s/" KTSTR_SCHED_LOG_PREFIX "%d.XXXXXX",
			     tmp && *tmp ? tmp : "/tmp", (int)getpid()) >= sizeof(s->log))
		return ktstr_errorf_buf(why, len, -ENAMETOOLONG, "log file: TMPDIR is too long");
	fd = mkostemp(s->log, O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		return ktstr_errorf_buf(why, len, ret, "log file: %s", strerror(-ret));
	}
	ret = spawn_scheduler(s, path, args, nargs, fd, why, len);
	close(fd);
	if (ret) {
		unlink(s->log);
		return ret;
	}
	ret = wait_enabled(s, path, timeout_ms, why, len);
	if (ret)
		return ret;
	if (read_line(KTSTR_SCX_SYSFS "/root/ops", s->name, sizeof(s->name)) ||
	    !s->name[0]) {
		const char *b = strrchr(path, '/');

		snprintf(s->name, sizeof(s->name), "%s", b ? b + 1 : path);
	}
	return 0;
}

/* The reason from the scheduler's own "sched_ext exit:" line. */
static bool reason_from_log(struct ktstr_scx *s)
{
	char line[1024];
	bool found = false;
	FILE *f = fopen(s->log, "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "sched_ext exit:");

		if (!p)
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(s->exit.reason, sizeof(s->exit.reason), "%s", p);
		p = strstr(p, "kind=");
		if (p)
			s->exit.kind = atoi(p + 5);
		found = true;
	}
	fclose(f);
	return found;
}

/* The kernel's: the last "sched_ext:" lines of the log buffer. */
static bool reason_from_kmsg(struct ktstr_scx *s)
{
	int size = klogctl(SYSLOG_ACTION_SIZE_BUFFER, NULL, 0);
	char *buf, *line, *save = NULL, *last = NULL, *prev = NULL;
	int n;

	if (size <= 0)
		size = 1 << 20;
	buf = malloc(size + 1);
	if (!buf)
		return false;
	n = klogctl(SYSLOG_ACTION_READ_ALL, buf, size);
	if (n <= 0) {
		free(buf);
		return false;
	}
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strstr(line, "sched_ext:")) {
			prev = last;
			last = line;
		}
	if (last) {
		char *p = strstr(last, "sched_ext:");
		char *q = prev ? strstr(prev, "sched_ext:") : NULL;

		/* "disabled (reason)" then the message line: both. */
		if (q && strstr(q, "disabled") && !strstr(p, "disabled"))
			snprintf(s->exit.reason, sizeof(s->exit.reason), "%s; %s",
				 q, p + strlen("sched_ext: "));
		else
			snprintf(s->exit.reason, sizeof(s->exit.reason), "%s", p);
	}
	free(buf);
	return last != NULL;
}

int ktstr_scx_check(struct ktstr_scx *s)
{
	unsigned long long end;
	bool gone;

	if (!s || s->pid <= 0)
		return 0;
	if (s->dead)
		return -ESRCH;
	gone = exited(s);
	if (!gone && scx_enabled())
		return 0;

	/* Died, or ejected: let it print its exit and go (1 s). */
	s->dead = true;
	end = (ktstr_now_ns() / 1000000) + 1000;
	while (!reap(s) && (ktstr_now_ns() / 1000000) < end)
		ktstr_sleep_ms(20);
	if (s->reaped) {
		s->exit.exited = true;
		s->exit.status = WIFEXITED(s->wstatus) ? WEXITSTATUS(s->wstatus) :
				 128 + WTERMSIG(s->wstatus);
	}
	if (!reason_from_log(s) && !reason_from_kmsg(s))
		snprintf(s->exit.reason, sizeof(s->exit.reason),
			 "no sched_ext exit reported (state %s)",
			 scx_disabled() ? "disabled" : "not enabled");
	if (s->exit.exited)
		snprintf(s->summary, sizeof(s->summary),
			 "scheduler %s[%d] exited (status %d): %s", s->name,
			 (int)s->pid, s->exit.status, s->exit.reason);
	else
		snprintf(s->summary, sizeof(s->summary),
			 "scheduler %s[%d] ejected by sched_ext (process still alive): %s",
			 s->name, (int)s->pid, s->exit.reason);
	return -ESRCH;
}

int ktstr_scx_stop(struct ktstr_scx *s, unsigned int timeout_ms)
{
	unsigned long long end;
	int ret;

	if (!s || s->pid <= 0)
		return 0;
	if (!timeout_ms)
		timeout_ms = 5000;
	if (!reap(s)) {
		kill(-s->pid, SIGINT);
		kill(s->pid, SIGINT);
		end = (ktstr_now_ns() / 1000000) + timeout_ms;
		while (!reap(s) && (ktstr_now_ns() / 1000000) < end)
			ktstr_sleep_ms(20);
		if (!reap(s)) {
			kill(-s->pid, SIGKILL);
			kill(s->pid, SIGKILL);
			end = (ktstr_now_ns() / 1000000) + 2000;
			while (!reap(s) && (ktstr_now_ns() / 1000000) < end)
				ktstr_sleep_ms(20);
		}
	}
	/* The struct_ops link is gone with the process: the kernel disables. */
	end = (ktstr_now_ns() / 1000000) + timeout_ms;
	while (!scx_disabled() && (ktstr_now_ns() / 1000000) < end)
		ktstr_sleep_ms(20);
	ret = scx_disabled() ? 0 : -ETIMEDOUT;
	if (s->log[0])
		unlink(s->log);
	s->pid = 0;
	return ret;
}

int ktstr_scx_restart(struct ktstr_scx *s, unsigned int timeout_ms, char *why,
		      size_t len)
{
	unsigned int restarts = s->restarts;
	char *const *args = s->args;
	int nargs = s->nargs, ret;
	char path[sizeof(s->path)];

	if (s->pid <= 0 || s->dead || ktstr_scx_check(s)) {
		return ktstr_errorf_buf(why, len, -ESRCH, "no live scheduler to restart%s%s",
					s->summary[0] ? ": " : "", s->summary);
	}
	memcpy(path, s->path, sizeof(path));
	ret = ktstr_scx_stop(s, timeout_ms);
	if (ret)
		return ktstr_errorf_buf(why, len, ret, "%s: sched_ext still enabled after the stop",
					path);
	ret = ktstr_scx_start(s, path, args, nargs, timeout_ms, why, len);
	s->restarts = restarts + (ret == 0);
	return ret;
}

int sched_check(struct ktstr_scx *scx, pid_t pid)
{
	if (scx)
		return ktstr_scx_check(scx) ? ktstr_errorf(-ESRCH, "%s", scx->summary) : 0;
	if (pid > 0 && proc_pid_dead(pid))
		return ktstr_errorf(-ESRCH, "scheduler process died (pid %d)", (int)pid);
	return 0;
}
