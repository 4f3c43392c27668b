// SPDX-License-Identifier: GPL-2.0
/*
 * backend_taskstats.c - the kernel's taskstats as a backend.
 *
 * Taskstats keeps totals since each task started and has no notion of
 * tracking, so this backend takes a baseline of each pid it is told about
 * and reports the difference. Children are found at snapshot time: the
 * threads in /proc/<pid>/task, and with follow, every process whose ppid
 * (in /proc/<pid>/stat) is a tracked one, transitively; they are counted
 * from their start. A task that exited and was reaped before a snapshot
 * is lost (a zombie still answers); one seen by an earlier snapshot keeps
 * its last numbers. See docs/backends.md.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ktstr/backend.h>
#include <ktstr/taskstats.h>

struct ts_task {
	pid_t pid;
	bool follow;
	bool from_fork;
	bool gone;
	struct ktstr_ts_sample base;
	struct ktstr_task_rec rec;
};

struct ts_state {
	struct ktstr_taskstats *ts;
	struct ts_task *t;
	size_t n, cap;
};

static __thread char last_err[256];

static const char *ts_last_error(void)
{
	return last_err[0] ? last_err : ktstr_taskstats_last_error();
}

static int ts_open(void **st)
{
	struct ts_state *s = calloc(1, sizeof(*s));
	int r;

	last_err[0] = '\0';
	if (!s)
		return -ENOMEM;
	r = ktstr_taskstats_open(&s->ts);
	if (r < 0) {
		free(s);
		return r;
	}
	*st = s;
	return 0;
}

static void ts_close(void *st)
{
	struct ts_state *s = st;

	if (!s)
		return;
	ktstr_taskstats_close(s->ts);
	free(s->t);
	free(s);
}

static struct ts_task *find(struct ts_state *s, pid_t pid)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->t[i].pid == pid)
			return &s->t[i];
	return NULL;
}

static struct ts_task *add(struct ts_state *s, pid_t pid)
{
	struct ts_task *t;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;
		void *p = realloc(s->t, cap * sizeof(*s->t));

		if (!p)
			return NULL;
		s->t = p;
		s->cap = cap;
	}
	t = &s->t[s->n++];
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	return t;
}

static int ts_track_pid(void *st, pid_t pid, bool follow)
{
	struct ts_state *s = st;
	struct ktstr_ts_sample base;
	struct ts_task *t;
	int r;

	last_err[0] = '\0';
	r = ktstr_taskstats_get(s->ts, pid, &base);
	if (r < 0)
		return r;
	t = find(s, pid);
	if (!t && !(t = add(s, pid)))
		return -ENOMEM;
	t->follow = follow;
	t->from_fork = false;
	t->base = base;
	return 0;
}

/* /proc/<pid>/stat: state, ppid; and comm from the same line. */
static int read_stat(pid_t pid, char *state, pid_t *ppid, char comm[KTSTR_COMM_LEN])
{
	char path[64], buf[512], *l, *r;
	FILE *f;
	size_t n;
	int pp;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	l = strchr(buf, '(');
	r = strrchr(buf, ')');
	if (!l || !r || r < l || sscanf(r + 1, " %c %d", state, &pp) != 2)
		return -EINVAL;
	if (comm) {
		size_t len = (size_t)(r - l - 1);

		if (len >= KTSTR_COMM_LEN)
			len = KTSTR_COMM_LEN - 1;
		memset(comm, 0, KTSTR_COMM_LEN);
		memcpy(comm, l + 1, len);
	}
	*ppid = pp;
	return 0;
}

/* Add the threads of every tracked task and the children of followed ones. */
static int discover(struct ts_state *s)
{
	bool grew = true;

	while (grew) {
		DIR *d = opendir("/proc");
		struct dirent *e;

		grew = false;
		if (!d)
			return -errno;
		while ((e = readdir(d))) {
			pid_t pid, ppid;
			struct ts_task *p, *t;
			char st;

			if (!isdigit((unsigned char)e->d_name[0]))
				continue;
			pid = atoi(e->d_name);
			if (find(s, pid) || read_stat(pid, &st, &ppid, NULL) < 0)
				continue;
			p = find(s, ppid);
			if (!p || !p->follow)
				continue;
			t = add(s, pid);
			if (!t) {
				closedir(d);
				return -ENOMEM;
			}
			t->follow = true;
			t->from_fork = true;
			grew = true;
		}
		closedir(d);
		/* Threads of tracked processes. */
		for (size_t i = 0; i < s->n; i++) {
			char path[64];
			DIR *td;

			if (!s->t[i].follow || s->t[i].gone)
				continue;
			snprintf(path, sizeof(path), "/proc/%d/task", s->t[i].pid);
			td = opendir(path);
			if (!td)
				continue;
			while ((e = readdir(td))) {
				pid_t tid;
				struct ts_task *t;

				if (!isdigit((unsigned char)e->d_name[0]))
					continue;
				tid = atoi(e->d_name);
				if (find(s, tid))
					continue;
				t = add(s, tid);
				if (!t) {
					closedir(td);
					return -ENOMEM;
				}
				t->follow = true;
				t->from_fork = true;
				grew = true;
			}
			closedir(td);
		}
	}
	return 0;
}

static uint64_t sub(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

static void refresh(struct ts_state *s, struct ts_task *t, uint64_t now)
{
	struct ktstr_task_rec *rec = &t->rec;
	struct ktstr_ts_sample cur;
	char state, tgid_path[64], buf[64];
	pid_t ppid;
	FILE *f;

	if (t->gone)
		return;
	if (ktstr_taskstats_get(s->ts, t->pid, &cur) < 0) {
		/* Reaped: keep what the last snapshot saw. */
		t->gone = true;
		if (rec->pid) {
			rec->state = KTSTR_STATE_DEAD;
			rec->flags |= KTSTR_TASK_FREED;
		}
		return;
	}
	rec->pid = t->pid;
	rec->last_cpu = -1;
	rec->max_wait_cpu = -1;
	if (!rec->first_seen_ns)
		rec->first_seen_ns = now;
	rec->last_seen_ns = now;
	if (read_stat(t->pid, &state, &ppid, rec->comm) == 0)
		rec->state = state == 'R' ? KTSTR_STATE_RUNNING :
			     state == 'S' || state == 'D' ? KTSTR_STATE_SLEEPING :
			     state == 'Z' || state == 'X' ? KTSTR_STATE_DEAD :
			     KTSTR_STATE_UNKNOWN;
	if (rec->state == KTSTR_STATE_DEAD)
		rec->flags |= KTSTR_TASK_EXITED;
	if (t->from_fork)
		rec->flags |= KTSTR_TASK_FROM_FORK;
	snprintf(tgid_path, sizeof(tgid_path), "/proc/%d/status", t->pid);
	f = fopen(tgid_path, "r");
	if (f) {
		while (fgets(buf, sizeof(buf), f))
			if (!strncmp(buf, "Tgid:", 5))
				rec->tgid = atoi(buf + 5);
		fclose(f);
	}
	rec->run_ns = sub(cur.cpu_run_virtual_total, t->base.cpu_run_virtual_total);
	rec->wait_ns = sub(cur.cpu_delay_total, t->base.cpu_delay_total);
	rec->nr_runs = sub(cur.cpu_count, t->base.cpu_count);
	rec->nr_voluntary = sub(cur.nvcsw, t->base.nvcsw);
	rec->nr_involuntary = sub(cur.nivcsw, t->base.nivcsw);
	rec->kern_sum_exec_ns = cur.cpu_run_virtual_total;
	rec->kern_run_delay_ns = cur.cpu_delay_total;
	rec->kern_pcount = cur.cpu_count;
	rec->kern_nvcsw = cur.nvcsw;
	rec->kern_nivcsw = cur.nivcsw;
}

static int ts_snapshot(void *st, struct ktstr_task_rec **recs, size_t *n)
{
	struct ts_state *s = st;
	struct ktstr_task_rec *out;
	struct timespec now;
	size_t cnt = 0;
	int r;

	last_err[0] = '\0';
	*recs = NULL;
	*n = 0;
	r = discover(s);
	if (r < 0) {
		snprintf(last_err, sizeof(last_err), "taskstats: scanning /proc: %s", strerror(-r));
		return r;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	for (size_t i = 0; i < s->n; i++)
		refresh(s, &s->t[i], (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec);
	if (!s->n)
		return 0;
	out = calloc(s->n, sizeof(*out));
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++)
		if (s->t[i].rec.pid)
			out[cnt++] = s->t[i].rec;
	if (!cnt) {
		free(out);
		return 0;
	}
	*recs = out;
	*n = cnt;
	return 0;
}

const struct ktstr_backend ktstr_backend_taskstats = {
	.name = "taskstats",
	.open = ts_open,
	.track_pid = ts_track_pid,
	.snapshot = ts_snapshot,
	.close = ts_close,
	.last_error = ts_last_error,
};
