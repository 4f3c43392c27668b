// SPDX-License-Identifier: GPL-2.0
/*
 * backend_taskstats.c - the kernel's taskstats as a backend.
 *
 * Taskstats keeps totals since each task started and has no notion of
 * tracking, so this backend takes a baseline of each pid it is told about
 * and reports the difference. Live tasks are read with TASKSTATS_CMD_GET
 * at snapshot time. Children are found then: the threads in
 * /proc/<pid>/task, and with follow, every process whose ppid (in
 * /proc/<pid>/stat) is a tracked one, transitively; they are counted from
 * their start.
 *
 * Tasks that exit: open() also registers for the kernel's exit records
 * (ktstr_taskstats_listen, all possible CPUs). Before each snapshot, at
 * track time and at close, the queued records are drained; a record
 * belongs to us if its pid is tracked, or its tgid (a thread) or ppid (a
 * child) is a task tracked with follow, transitively: a grandchild whose
 * record came before its parent's waits (pending) until the parent is
 * known. An exited task keeps the record's final numbers and exit status
 * (ac_exitcode, KTSTR_TASK_EXITED); while it is still a zombie that
 * answers GET with the same identity, the live numbers are used (they
 * include its last switch). Records lost to a full receive buffer are
 * counted (ktstr_backend_taskstats_dropped). Where registering is refused
 * (outside the initial pid namespace), the backend works as before: a task
 * that exited and was reaped before a snapshot is lost, one seen by an
 * earlier snapshot keeps its last numbers. See docs/backends.md.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ktstr/clock.h>
#include <ktstr/taskstats.h>

#include "collect/backend_priv.h"
#include "util/ktstr_error.h"
#include "util/proc_stat.h"

/* Exit records kept for a parent that is not known yet, at most. */
#define TS_MAX_PENDING	65536

/*
 * One task. Records arrive in order and are numbered (seq): a task adopts
 * records numbered from track_seq (when it, or the root it descends from,
 * was tracked) up to gone_seq (when its pid was found free, after which
 * the pid may name another task).
 */
struct ts_task {
	pid_t pid;
	bool follow;
	bool from_fork;
	bool gone;		/* final: no more reads */
	bool exited;		/* its exit record came: fin is valid */
	bool vanished;		/* GET failed in this snapshot */
	bool done;		/* read in this snapshot */
	uint64_t track_seq;
	uint64_t gone_seq;
	struct ktstr_taskstats_sample base;
	struct ktstr_taskstats_sample fin;
	struct ktstr_task_rec rec;
};

struct ts_pend {
	struct ktstr_taskstats_sample x;
	uint64_t seq;
};

struct ts_state {
	struct ktstr_taskstats *ts;	/* NULL: offline (tests) */
	struct ts_task *t;
	size_t n, cap;
	struct ts_pend *pend;
	size_t npend, pcap;
	uint64_t seq;			/* exit records seen */
	uint64_t prev_end;		/* seq at the end of the previous snapshot */
	uint64_t overruns;		/* counted by hand (offline) */
};

static int ts_open(void **st)
{
	struct ts_state *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	r = ktstr_taskstats_open(&s->ts);
	if (r < 0) {
		free(s);
		return r;
	}
	/* Refused outside the initial pid namespace: work without exits. */
	(void)ktstr_taskstats_listen(s->ts, 0);
	*st = s;
	return 0;
}

void *ktstr_taskstats_book_new(void)
{
	return calloc(1, sizeof(struct ts_state));
}

uint64_t ktstr_backend_taskstats_dropped(void *st)
{
	struct ts_state *s = st;

	return s ? s->overruns + ktstr_taskstats_overruns(s->ts) : 0;
}

void ktstr_taskstats_book_overrun(void *st, uint64_t n)
{
	struct ts_state *s = st;

	if (s)
		s->overruns += n;
}

/* The newest task with this pid (a reused pid gets a new entry). */
static struct ts_task *find(struct ts_state *s, pid_t pid)
{
	for (size_t i = s->n; i-- > 0;)
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

/* A task found by following p: counted from its start, follows too. */
static struct ts_task *add_child(struct ts_state *s, pid_t pid, const struct ts_task *p)
{
	uint64_t track_seq = p->track_seq;
	struct ts_task *t = add(s, pid);	/* may move p */

	if (t) {
		t->follow = true;
		t->from_fork = true;
		t->track_seq = track_seq;
	}
	return t;
}

/* Is record q still within t's life (its pid not yet free)? */
static bool in_life(const struct ts_task *t, uint64_t q)
{
	return q >= t->track_seq && (!t->gone || q < t->gone_seq);
}

/* Can a record numbered q be a child or thread of p? */
static bool adopts(const struct ts_task *p, uint64_t q)
{
	return p && p->follow && in_life(p, q);
}

/* Record x (numbered q): 1 if it is ours, 0 if not (yet), -ENOMEM. */
static int note_exit(struct ts_state *s, const struct ktstr_taskstats_sample *x, uint64_t q)
{
	struct ts_task *t = find(s, x->pid), *p = NULL;

	if (x->pid <= 0)
		return 0;
	if (t && !t->exited && in_life(t, q)) {
		t->exited = true;
		t->fin = *x;
		return 1;
	}
	if (x->tgid > 0 && x->tgid != x->pid)
		p = find(s, x->tgid);
	if (!adopts(p, q))
		p = x->ppid != x->pid ? find(s, x->ppid) : NULL;
	if (!adopts(p, q))
		return 0;
	t = add_child(s, x->pid, p);
	if (!t)
		return -ENOMEM;
	t->exited = true;
	t->fin = *x;
	return 1;
}

static int pend(struct ts_state *s, const struct ktstr_taskstats_sample *x, uint64_t q)
{
	if (s->npend == s->pcap) {
		size_t cap = s->pcap ? s->pcap * 2 : 64;
		void *p;

		if (cap > TS_MAX_PENDING)
			return 0;
		p = realloc(s->pend, cap * sizeof(*s->pend));
		if (!p)
			return -ENOMEM;
		s->pend = p;
		s->pcap = cap;
	}
	s->pend[s->npend].x = *x;
	s->pend[s->npend++].seq = q;
	return 0;
}

int ktstr_taskstats_book_exit(void *st, const struct ktstr_taskstats_sample *ex)
{
	struct ts_state *s = st;
	uint64_t q;
	int r;

	if (!s || !ex)
		return -EINVAL;
	q = s->seq++;
	r = note_exit(s, ex, q);
	if (r == 0 && pend(s, ex, q) < 0)
		return -ENOMEM;
	return r;
}

static int on_exit_rec(const struct ktstr_taskstats_sample *x, void *arg)
{
	int r = ktstr_taskstats_book_exit(arg, x);

	return r < 0 ? r : 0;
}

/* The records queued so far; 0 when there is no exit socket. */
static int drain(struct ts_state *s)
{
	if (!ktstr_taskstats_listening(s->ts))
		return 0;
	return ktstr_taskstats_drain(s->ts, on_exit_rec, s);
}

/* Retry the pending records until none more is ours: returns how many were. */
static int retry_pending(struct ts_state *s)
{
	int got = 0, r;
	bool more = true;

	while (more) {
		more = false;
		for (size_t i = 0; i < s->npend;) {
			r = note_exit(s, &s->pend[i].x, s->pend[i].seq);
			if (r < 0)
				return r;
			if (!r) {
				i++;
				continue;
			}
			s->pend[i] = s->pend[--s->npend];
			got++;
			more = true;
		}
	}
	return got;
}

/* Forget the records that waited through a whole snapshot already. */
static void expire_pending(struct ts_state *s)
{
	for (size_t i = 0; i < s->npend;) {
		if (s->pend[i].seq < s->prev_end)
			s->pend[i] = s->pend[--s->npend];
		else
			i++;
	}
	s->prev_end = s->seq;
}

static void ts_close(void *st)
{
	struct ts_state *s = st;

	if (!s)
		return;
	(void)drain(s);
	ktstr_taskstats_close(s->ts);
	free(s->pend);
	free(s->t);
	free(s);
}

/* Forget every task and pending record; the socket stays open. */
static int ts_reset(void *st)
{
	struct ts_state *s = st;

	(void)drain(s);
	free(s->pend);
	free(s->t);
	s->pend = NULL;
	s->t = NULL;
	s->n = s->cap = s->npend = s->pcap = 0;
	s->prev_end = s->seq;
	return 0;
}

static int track(struct ts_state *s, pid_t pid, bool follow, const struct ktstr_taskstats_sample *base)
{
	struct ts_task *t = find(s, pid);

	if (!t || t->exited || t->gone)
		t = add(s, pid);
	if (!t)
		return -ENOMEM;
	t->follow = follow;
	t->from_fork = false;
	t->base = *base;
	t->track_seq = s->seq;
	return 0;
}

int ktstr_taskstats_book_track(void *st, pid_t pid, bool follow, const struct ktstr_taskstats_sample *base)
{
	if (!st || !base || pid <= 0)
		return -EINVAL;
	return track(st, pid, follow, base);
}

static int ts_track_pid(void *st, pid_t pid, bool follow)
{
	struct ts_state *s = st;
	struct ktstr_taskstats_sample base;
	int r;

	/* Records queued before now are not this task's (nor its children's). */
	r = drain(s);
	if (r < 0)
		return r;
	r = ktstr_taskstats_get(s->ts, pid, &base);
	if (r < 0)
		return r;
	return track(s, pid, follow, &base);
}

/* /proc/<pid>/stat: state, ppid; and comm from the same line. */
static int read_stat(pid_t pid, char *state, pid_t *ppid, char comm[KTSTR_COMM_LEN])
{
	struct proc_stat st;
	int r = proc_stat_read(pid, &st);

	if (r < 0)
		return r;
	*state = st.state;
	*ppid = st.ppid;
	if (comm)
		memcpy(comm, st.comm, KTSTR_COMM_LEN);
	return 0;
}

/* Processes in /proc whose parent is followed: 1 if any was added. */
static int scan_children(struct ts_state *s)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int grew = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		pid_t pid, ppid;
		struct ts_task *p;
		char st;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		pid = atoi(e->d_name);
		if (find(s, pid) || read_stat(pid, &st, &ppid, NULL) < 0)
			continue;
		p = find(s, ppid);
		if (!p || !p->follow || p->gone)
			continue;
		if (!add_child(s, pid, p)) {
			closedir(d);
			return -ENOMEM;
		}
		grew = 1;
	}
	closedir(d);
	return grew;
}

/* Threads of followed processes: 1 if any was added. */
static int scan_threads(struct ts_state *s)
{
	int grew = 0;

	for (size_t i = 0; i < s->n; i++) {
		struct dirent *e;
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

			if (!isdigit((unsigned char)e->d_name[0]))
				continue;
			tid = atoi(e->d_name);
			if (find(s, tid))
				continue;
			if (!add_child(s, tid, &s->t[i])) {
				closedir(td);
				return -ENOMEM;
			}
			grew = 1;
		}
		closedir(td);
	}
	return grew;
}

/* Finding the tracked tasks' children and threads failed: say so. */
static int scan_failed(int err)
{
	return ktstr_errorf(err, "taskstats: scanning /proc: %s", strerror(-err));
}

/*
 * Everything that belongs to the tracked tasks by now: exit records, live
 * children and threads, and pending records whose parent turned up; until
 * a round finds nothing new.
 */
static int discover(struct ts_state *s)
{
	int grew = 1, r;

	while (grew) {
		grew = 0;
		r = drain(s);
		if (r < 0)
			return r;	/* the taskstats layer said why */
		grew |= r > 0;
		r = scan_children(s);
		if (r < 0)
			return scan_failed(r);
		grew |= r;
		r = scan_threads(s);
		if (r < 0)
			return scan_failed(r);
		grew |= r;
		r = retry_pending(s);
		if (r < 0)
			return scan_failed(r);
		grew |= r > 0;
	}
	return 0;
}

static uint64_t sub(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

static uint64_t udiff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

/*
 * Is live sample cur the task that left exit record fin (a zombie not yet
 * reaped), not a new task with its pid? Same parent and name, start time
 * within a second (the kernel derives it from the elapsed time), and no
 * counter went back.
 */
static bool same_task(const struct ktstr_taskstats_sample *fin, const struct ktstr_taskstats_sample *cur)
{
	return cur->ppid == fin->ppid && udiff(cur->btime, fin->btime) <= 1 &&
	       !strncmp(cur->comm, fin->comm, sizeof(cur->comm)) &&
	       cur->cpu_run_virtual_total >= fin->cpu_run_virtual_total &&
	       cur->cpu_delay_total >= fin->cpu_delay_total &&
	       cur->cpu_count >= fin->cpu_count && cur->nvcsw >= fin->nvcsw &&
	       cur->nivcsw >= fin->nivcsw;
}

static void read_tgid(struct ktstr_task_rec *rec, pid_t pid)
{
	char path[64], buf[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(buf, sizeof(buf), f))
		if (!strncmp(buf, "Tgid:", 5))
			rec->tgid = atoi(buf + 5);
	fclose(f);
}

/* The numbers of sample cur, counted from the task's baseline. */
static void fill_counts(struct ts_task *t, const struct ktstr_taskstats_sample *cur, uint64_t now)
{
	struct ktstr_task_rec *rec = &t->rec;

	rec->pid = t->pid;
	rec->last_cpu = -1;
	rec->max_wait_cpu = -1;
	if (!rec->first_seen_ns)
		rec->first_seen_ns = now;
	rec->last_seen_ns = now;
	if (t->from_fork)
		rec->flags |= KTSTR_TASK_FROM_FORK;
	rec->run_ns = sub(cur->cpu_run_virtual_total, t->base.cpu_run_virtual_total);
	rec->wait_ns = sub(cur->cpu_delay_total, t->base.cpu_delay_total);
	rec->nr_runs = sub(cur->cpu_count, t->base.cpu_count);
	rec->nr_voluntary = sub(cur->nvcsw, t->base.nvcsw);
	rec->nr_involuntary = sub(cur->nivcsw, t->base.nivcsw);
	rec->kern_sum_exec_ns = cur->cpu_run_virtual_total;
	rec->kern_run_delay_ns = cur->cpu_delay_total;
	rec->kern_pcount = cur->cpu_count;
	rec->kern_nvcsw = cur->nvcsw;
	rec->kern_nivcsw = cur->nivcsw;
}

static void fill_live(struct ts_task *t, const struct ktstr_taskstats_sample *cur, uint64_t now)
{
	struct ktstr_task_rec *rec = &t->rec;
	pid_t ppid;
	char state;

	fill_counts(t, cur, now);
	if (read_stat(t->pid, &state, &ppid, rec->comm) == 0)
		rec->state = state == 'R' ? KTSTR_STATE_RUNNING :
			     state == 'S' || state == 'D' ? KTSTR_STATE_SLEEPING :
			     state == 'Z' || state == 'X' ? KTSTR_STATE_DEAD :
			     KTSTR_STATE_UNKNOWN;
	if (rec->state == KTSTR_STATE_DEAD)
		rec->flags |= KTSTR_TASK_EXITED;
	read_tgid(rec, t->pid);
	if (t->exited) {
		rec->state = KTSTR_STATE_DEAD;
		rec->flags |= KTSTR_TASK_EXITED;
		rec->exit_code = (int32_t)t->fin.exit_code;
	}
}

/* The exit record's numbers: final, the pid is (or may be) free now. */
static void fill_final(struct ts_state *s, struct ts_task *t, uint64_t now)
{
	struct ktstr_task_rec *rec = &t->rec;

	fill_counts(t, &t->fin, now);
	memset(rec->comm, 0, sizeof(rec->comm));
	memcpy(rec->comm, t->fin.comm, sizeof(rec->comm) - 1);
	if (t->fin.tgid > 0)
		rec->tgid = t->fin.tgid;
	else if (!rec->tgid)
		rec->tgid = t->pid;
	rec->state = KTSTR_STATE_DEAD;
	rec->flags |= KTSTR_TASK_EXITED | KTSTR_TASK_FREED;
	rec->exit_code = (int32_t)t->fin.exit_code;
	t->gone = true;
	t->gone_seq = s->seq;
}

/*
 * Bring one task up to date. A live read failing is not final on the
 * first pass (@last false): its exit record may still be in the socket.
 */
static void refresh(struct ts_state *s, struct ts_task *t, uint64_t now, bool last)
{
	struct ktstr_taskstats_sample cur;
	bool live;

	if (t->gone || t->done)
		return;
	live = s->ts && !t->vanished && ktstr_taskstats_get(s->ts, t->pid, &cur) == 0;
	if (live && t->exited && !same_task(&t->fin, &cur))
		live = false;
	if (live) {
		fill_live(t, &cur, now);
		t->done = true;
	} else if (t->exited) {
		fill_final(s, t, now);
		t->done = true;
	} else if (!last) {
		t->vanished = true;
	} else {
		/* Reaped without an exit record: keep what the last snapshot saw. */
		t->gone = true;
		t->gone_seq = s->seq;
		if (t->rec.pid) {
			t->rec.state = KTSTR_STATE_DEAD;
			t->rec.flags |= KTSTR_TASK_FREED;
		}
	}
}

/* Read every task; then once more those whose exit raced with the reads. */
static int refresh_all(struct ts_state *s)
{
	uint64_t now = ktstr_now_ns();
	int r;

	for (size_t i = 0; i < s->n; i++) {
		s->t[i].done = false;
		s->t[i].vanished = false;
	}
	for (size_t i = 0; i < s->n; i++)
		refresh(s, &s->t[i], now, false);
	r = drain(s);
	if (r >= 0)
		r = retry_pending(s);
	if (r < 0)
		return r;
	for (size_t i = 0; i < s->n; i++)
		refresh(s, &s->t[i], now, true);
	return 0;
}

static int ts_snapshot(void *st, struct ktstr_task_rec **recs, size_t *n)
{
	struct ts_state *s = st;
	struct ktstr_task_rec *out;
	size_t cnt = 0;
	int r;

	*recs = NULL;
	*n = 0;
	r = discover(s);
	if (r < 0)
		return r;
	r = refresh_all(s);
	if (r < 0)
		return r;
	expire_pending(s);
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

static uint64_t ts_dropped(void *st)
{
	return ktstr_backend_taskstats_dropped(st);
}

const struct ktstr_backend ktstr_backend_taskstats = {
	.name = "taskstats",
	/* run, wait, runs and switch counts only */
	.has = 0,
	.open = ts_open,
	.close = ts_close,
	.track_pid = ts_track_pid,
	.reset = ts_reset,
	.snapshot = ts_snapshot,
	.dropped = ts_dropped,
};
