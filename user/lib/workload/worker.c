// SPDX-License-Identifier: GPL-2.0
/*
 * The runner side of workers: fork with a two-phase start, move into the
 * cgroup, start, stop with a deadline, collect reports, kill and reap.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <ktstr/worker.h>

#include "work_types.h"
#include "worker_priv.h"
#include "util/ktstr_error.h"

struct wk {
	pid_t pid;
	int start_fd;		/* write end; closed once started */
	int report_fd;		/* read end, non-blocking */
	size_t got;		/* report bytes received */
	bool eof, exited, killed;
	int status;
	struct ktstr_cpuset aff;
};

struct ktstr_workers {
	struct ktstr_workload wl;
	int nr, group_size, nr_groups;
	struct wk *w;
	struct ktstr_report *reports;
	struct ktstr_worker_live *live;
	size_t live_len;
	char *shm;
	size_t shm_stride, shm_len;
	int (*pipes)[4][2];
	int nr_pipes;
	uint64_t seed;
	bool started, stopped;
	int nr_reported;
};


#define fail(err, ...) KTSTR_FAIL(err, __VA_ARGS__)

static uint64_t now_ms(void)
{
	return ktstr_now_ns() / 1000000ULL;
}

/* ---- child ---- */

static volatile int *child_stop;

static void on_stop(int sig)
{
	(void)sig;
	if (child_stop)
		*child_stop = 1;
}

static void write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= n;
	}
}

static __attribute__((noreturn))
void child_main(struct ktstr_workers *h, int i, pid_t ppid, int start_rd, int report_wr)
{
	struct ktstr_work_ctx wc;
	struct ktstr_report *r = &h->reports[i];
	struct sigaction sa;
	sigset_t set;
	char c;
	ssize_t n;
	int g = i / h->group_size;

	setpgid(0, 0);
	/*
	 * Name the worker after its work type, so that the kernel's records
	 * and every failure message say "SpinWait[123]", not "ktstr[123]".
	 */
	prctl(PR_SET_NAME, ktstr_work_name(h->wl.work.kind));
	/* Die with the runner; it may have died before the prctl. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != ppid)
		_exit(127);
	/* Drop the runner's ends for earlier workers and other groups' pipes. */
	for (int j = 0; j < i; j++) {
		close(h->w[j].start_fd);
		close(h->w[j].report_fd);
	}
	for (int k = 0; k < h->nr_groups; k++)
		for (int p = 0; p < h->nr_pipes; p++)
			if (k != g) {
				close(h->pipes[k][p][0]);
				close(h->pipes[k][p][1]);
			}

	/* The runner's handlers (a test harness catching SIGSEGV, a Ctrl-C
	 * handler) must not run inside a worker: a crash has to kill it. */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	/* One stop word for the whole set: when a peer has stopped, every
	 * member sees the request too (a pair's EOF is never "early"). */
	child_stop = &h->live[0].stop;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;	/* no SA_RESTART: blocking calls return */
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_UNBLOCK, &set, NULL);

	do
		n = read(start_rd, &c, 1);
	while (n < 0 && errno == EINTR && !*child_stop);
	if (n != 1)
		_exit(0);	/* the runner gave up before starting us */
	close(start_rd);

	memset(r, 0, sizeof(*r));
	r->magic = KTSTR_REPORT_MAGIC;
	r->size = sizeof(*r);
	r->pid = getpid();
	r->index = i;
	r->group = g;
	r->group_idx = i % h->group_size;
	r->kind = h->wl.work.kind;
	r->max_gap_cpu = -1;
	r->k_max_wait_cpu = -1;

	memset(&wc, 0, sizeof(wc));
	wc.work = &h->wl.work;
	wc.index = i;
	wc.nr_workers = h->nr;
	wc.group = g;
	wc.group_idx = r->group_idx;
	wc.group_size = h->group_size;
	if (h->shm) {
		wc.group_shm = h->shm + (size_t)g * h->shm_stride;
		wc.group_shm_size = h->shm_stride;
	}
	for (int p = 0; p < 4; p++) {
		wc.pipes[p][0] = p < h->nr_pipes ? h->pipes[g][p][0] : -1;
		wc.pipes[p][1] = p < h->nr_pipes ? h->pipes[g][p][1] : -1;
	}
	wc.report = r;
	wc.rng = (h->seed ^ (0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1))) | 1;
	wc.stop_flag = child_stop;
	wc.live_iters = &h->live[i].iterations;

	ktstr_worker_apply(&h->wl, &h->w[i].aff, r);
	ktstr_worker_run(&h->wl, &wc);
	write_all(report_wr, r, sizeof(*r));
	_exit(0);
}

/* ---- runner ---- */

static void pick_random(struct ktstr_workers *h, const struct ktstr_affinity *a,
			struct ktstr_cpuset *out)
{
	struct ktstr_cpuset pool = a->cpus;
	int cpus[KTSTR_MAX_CPUS], n = 0, cpu;

	if (ktstr_cpuset_empty(&pool)) {
		cpu_set_t cs;

		if (!sched_getaffinity(0, sizeof(cs), &cs))
			ktstr_cpuset_from_cpu_set(&pool, &cs);
	}
	ktstr_cpuset_for_each(cpu, &pool)
		cpus[n++] = cpu;
	ktstr_cpuset_zero(out);
	for (int k = 0; k < a->count && k < n; k++) {
		int j;

		h->seed ^= h->seed << 13;
		h->seed ^= h->seed >> 7;
		h->seed ^= h->seed << 17;
		j = k + (int)(h->seed % (uint64_t)(n - k));
		cpu = cpus[j];
		cpus[j] = cpus[k];
		cpus[k] = cpu;
		ktstr_cpuset_set(out, cpu);
	}
}

static void resolve_affinity(struct ktstr_workers *h, struct ktstr_cpuset *out)
{
	const struct ktstr_affinity *a = &h->wl.affinity;

	ktstr_cpuset_zero(out);
	switch (a->kind) {
	case KTSTR_AFF_EXACT:
	case KTSTR_AFF_LLC_ALIGNED:
	case KTSTR_AFF_CROSS_CGROUP:
		*out = a->cpus;
		break;
	case KTSTR_AFF_SINGLE_CPU:
		ktstr_cpuset_set(out, a->cpu);
		break;
	case KTSTR_AFF_RANDOM:
		pick_random(h, a, out);
		break;
	default:
		break;
	}
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void close_group_pipes(struct ktstr_workers *h)
{
	if (!h->pipes)
		return;
	for (int k = 0; k < h->nr_groups; k++)
		for (int p = 0; p < h->nr_pipes; p++) {
			close_fd(&h->pipes[k][p][0]);
			close_fd(&h->pipes[k][p][1]);
		}
}

static void release(struct ktstr_workers *h)
{
	for (int i = 0; i < h->nr; i++) {
		close_fd(&h->w[i].start_fd);
		close_fd(&h->w[i].report_fd);
	}
	close_group_pipes(h);
	free(h->pipes);
	if (h->live)
		munmap(h->live, h->live_len);
	if (h->shm)
		munmap(h->shm, h->shm_len);
	free(h->w);
	free(h->reports);
	free(h);
}

/* Kill and reap the first @n workers (spawn failure). */
static void kill_spawned(struct ktstr_workers *h, int n)
{
	for (int i = 0; i < n; i++) {
		kill(-h->w[i].pid, SIGKILL);
		kill(h->w[i].pid, SIGKILL);
		while (waitpid(h->w[i].pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
}

static void *map_shared(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int setup_shared(struct ktstr_workers *h)
{
	const struct ktstr_work_type *t = ktstr_work_type(h->wl.work.kind);

	h->live_len = sizeof(*h->live) * h->nr;
	h->live = map_shared(h->live_len);
	if (!h->live)
		return fail(-errno, "mmap: %s", strerror(errno));
	if (t->shm_size) {
		h->shm_stride = (t->shm_size(&h->wl.work) + 63) & ~(size_t)63;
		h->shm_len = h->shm_stride * h->nr_groups;
		h->shm = map_shared(h->shm_len);
		if (!h->shm)
			return fail(-errno, "mmap %zu bytes: %s", h->shm_len, strerror(errno));
		for (int g = 0; t->shm_init && g < h->nr_groups; g++) {
			int ret = t->shm_init(h->shm + g * h->shm_stride, &h->wl.work);

			if (ret)
				return fail(ret, "%s: shared state: %s", t->name, strerror(-ret));
		}
	}
	h->nr_pipes = t->nr_pipes;
	if (!h->nr_pipes)
		return 0;
	h->pipes = malloc(sizeof(*h->pipes) * h->nr_groups);
	if (!h->pipes)
		return fail(-ENOMEM, "out of memory");
	for (int g = 0; g < h->nr_groups; g++)
		for (int p = 0; p < 4; p++)
			h->pipes[g][p][0] = h->pipes[g][p][1] = -1;
	for (int g = 0; g < h->nr_groups; g++)
		for (int p = 0; p < h->nr_pipes; p++)
			if (pipe2(h->pipes[g][p], O_CLOEXEC))
				return fail(-errno, "pipe: %s", strerror(errno));
	return 0;
}

int ktstr_workers_spawn(const struct ktstr_workload *wl,
			const struct ktstr_spawn_opts *opts,
			struct ktstr_workers **out)
{
	struct ktstr_workers *h;
	sigset_t block, old;
	pid_t self = getpid();
	int ret, i;

	KTSTR_CLEAR_ERROR();
	if (!wl || !out)
		return fail(-EINVAL, "no workload");
	*out = NULL;
	ret = ktstr_workload_check(wl);
	if (ret)
		return fail(ret, "%s", ktstr_last_error());
	h = calloc(1, sizeof(*h));
	if (!h)
		return fail(-ENOMEM, "out of memory");
	h->wl = *wl;
	h->nr = wl->nr_workers;
	h->group_size = ktstr_work_group_size(&wl->work);
	h->nr_groups = h->nr / h->group_size;
	h->seed = opts && opts->seed ? opts->seed : 0x5eed0000ULL ^ (uint64_t)self;
	h->w = calloc(h->nr, sizeof(*h->w));
	h->reports = calloc(h->nr, sizeof(*h->reports));
	if (!h->w || !h->reports) {
		release(h);
		return fail(-ENOMEM, "out of memory");
	}
	for (i = 0; i < h->nr; i++)
		h->w[i].start_fd = h->w[i].report_fd = -1;
	ret = setup_shared(h);
	if (ret) {
		release(h);
		return ret;
	}

	/* SIGUSR1 stays blocked in a child until its handler is in place. */
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (i = 0; i < h->nr; i++) {
		int sp[2], rp[2];
		pid_t pid;

		resolve_affinity(h, &h->w[i].aff);
		if (pipe2(sp, O_CLOEXEC)) {
			ret = fail(-errno, "pipe: %s", strerror(errno));
			break;
		}
		if (pipe2(rp, O_CLOEXEC)) {
			ret = fail(-errno, "pipe: %s", strerror(errno));
			close(sp[0]);
			close(sp[1]);
			break;
		}
		pid = fork();
		if (pid < 0) {
			ret = fail(-errno, "fork: %s", strerror(errno));
			close(sp[0]); close(sp[1]); close(rp[0]); close(rp[1]);
			break;
		}
		if (pid == 0) {
			close(sp[1]);
			close(rp[0]);
			child_main(h, i, self, sp[0], rp[1]);
		}
		/* Both sides call setpgid so the group exists before either runs on. */
		setpgid(pid, pid);
		close(sp[0]);
		close(rp[1]);
		fcntl(rp[0], F_SETFL, O_NONBLOCK);
		h->w[i].pid = pid;
		h->w[i].start_fd = sp[1];
		h->w[i].report_fd = rp[0];
		if (opts && opts->cg) {
			ret = opts->cg->ops->move_task(opts->cg, opts->cgroup ? opts->cgroup : "", pid);
			if (ret) {
				ret = fail(ret, "move worker %d to cgroup '%s': %s", pid,
					   opts->cgroup ? opts->cgroup : "",
					   ktstr_last_error());
				i++;
				break;
			}
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		kill_spawned(h, i);
		release(h);
		return ret;
	}
	/* The children hold their group's pipes; the runner needs none. */
	close_group_pipes(h);
	*out = h;
	return 0;
}

int ktstr_workers_start(struct ktstr_workers *h)
{
	KTSTR_CLEAR_ERROR();
	if (!h)
		return fail(-EINVAL, "no workers");
	if (h->started || h->stopped)
		return fail(-EALREADY, "workers already started");
	h->started = true;
	for (int i = 0; i < h->nr; i++) {
		ssize_t n;

		do
			n = write(h->w[i].start_fd, "S", 1);
		while (n < 0 && errno == EINTR);
		/* A worker that died already shows up in its report. */
		close_fd(&h->w[i].start_fd);
	}
	return 0;
}

int ktstr_workers_count(const struct ktstr_workers *h)
{
	return h ? h->nr : 0;
}

pid_t ktstr_workers_pid(const struct ktstr_workers *h, int i)
{
	return h && i >= 0 && i < h->nr ? h->w[i].pid : -1;
}

uint64_t ktstr_workers_iterations(const struct ktstr_workers *h)
{
	uint64_t sum = 0;

	for (int i = 0; h && i < h->nr; i++)
		sum += h->live[i].iterations;
	return sum;
}

uint64_t ktstr_workers_worker_iterations(const struct ktstr_workers *h, int i)
{
	return h && i >= 0 && i < h->nr ? h->live[i].iterations : 0;
}

static void drain(struct ktstr_workers *h, int i)
{
	struct wk *w = &h->w[i];

	while (!w->eof && w->got < sizeof(h->reports[i])) {
		ssize_t n = read(w->report_fd, (char *)&h->reports[i] + w->got,
				 sizeof(h->reports[i]) - w->got);

		if (n > 0) {
			w->got += n;
			continue;
		}
		if (n == 0 || (errno != EINTR && errno != EAGAIN))
			w->eof = true;
		if (n < 0 && errno == EINTR)
			continue;
		break;
	}
	if (w->got == sizeof(h->reports[i]))
		w->eof = true;
}

static bool try_wait(struct wk *w)
{
	pid_t p;

	if (w->exited)
		return true;
	p = waitpid(w->pid, &w->status, WNOHANG);
	if (p == w->pid)
		w->exited = true;
	else if (p < 0 && errno == ECHILD) {
		w->exited = true;
		w->status = -1;
	}
	return w->exited;
}

static bool crash_signal(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE ||
	       sig == SIGABRT || sig == SIGSYS || sig == SIGTRAP;
}

static void finish_report(struct ktstr_workers *h, int i)
{
	struct ktstr_report *r = &h->reports[i];
	struct wk *w = &h->w[i];
	bool ok = w->got == sizeof(*r) && r->magic == KTSTR_REPORT_MAGIC &&
		  r->size == sizeof(*r) && r->pid == w->pid;

	if (!ok) {
		/* Synthesized: the worker did not report. */
		memset(r, 0, sizeof(*r));
		r->magic = KTSTR_REPORT_MAGIC;
		r->size = sizeof(*r);
		r->pid = w->pid;
		r->index = i;
		r->group = i / h->group_size;
		r->group_idx = i % h->group_size;
		r->kind = h->wl.work.kind;
		r->max_gap_cpu = -1;
		r->k_max_wait_cpu = -1;
	}
	r->reported = ok;
	if (ok)
		h->nr_reported++;
	if (w->killed) {
		r->exit_kind = KTSTR_EXIT_TIMED_OUT;
		r->exit_signal = SIGKILL;
		if (!w->exited)
			r->exit_kind = KTSTR_EXIT_WAIT_FAILED;
	} else if (w->status == -1 || !w->exited) {
		r->exit_kind = KTSTR_EXIT_WAIT_FAILED;
	} else if (WIFEXITED(w->status)) {
		r->exit_kind = KTSTR_EXIT_EXITED;
		r->exit_code = WEXITSTATUS(w->status);
	} else if (WIFSIGNALED(w->status)) {
		r->exit_signal = WTERMSIG(w->status);
		r->exit_kind = crash_signal(r->exit_signal) ? KTSTR_EXIT_CRASHED
							    : KTSTR_EXIT_KILLED;
	}
}

int ktstr_workers_stop(struct ktstr_workers *h, unsigned int timeout_ms)
{
	uint64_t deadline;
	int i;

	KTSTR_CLEAR_ERROR();
	if (!h)
		return fail(-EINVAL, "no workers");
	if (h->stopped)
		return h->nr_reported;
	h->stopped = true;
	if (!timeout_ms)
		timeout_ms = KTSTR_STOP_TIMEOUT_MS;
	deadline = now_ms() + timeout_ms;
	h->live[0].stop = 1;
	for (i = 0; i < h->nr; i++) {
		/* Never started: EOF on the start pipe makes it exit. */
		close_fd(&h->w[i].start_fd);
		kill(h->w[i].pid, SIGUSR1);
	}

	for (;;) {
		struct pollfd pfd[64];
		int np = 0, pending = 0;
		uint64_t now;

		for (i = 0; i < h->nr; i++) {
			drain(h, i);
			/* The worker's grandchildren (ForkExit) die with it. */
			if (!h->w[i].exited) {
				siginfo_t si = { 0 };

				if (!waitid(P_PID, h->w[i].pid, &si,
					    WEXITED | WNOHANG | WNOWAIT) && si.si_pid) {
					kill(-h->w[i].pid, SIGKILL);
					drain(h, i);
					try_wait(&h->w[i]);
				}
			}
			if (!h->w[i].exited || !h->w[i].eof) {
				pending++;
				if (!h->w[i].eof && np < 64)
					pfd[np++] = (struct pollfd){ h->w[i].report_fd, POLLIN, 0 };
			}
		}
		now = now_ms();
		if (!pending || now >= deadline)
			break;
		if (np)
			poll(pfd, np, 10);
		else
			usleep(5000);
	}

	for (i = 0; i < h->nr; i++) {
		struct wk *w = &h->w[i];

		if (!w->exited) {
			uint64_t end = now_ms() + 2000;

			w->killed = true;
			kill(-w->pid, SIGKILL);
			kill(w->pid, SIGKILL);
			/* Bounded: a task stuck in D state must not hang us. */
			while (!try_wait(w) && now_ms() < end)
				usleep(2000);
			drain(h, i);
		}
		finish_report(h, i);
		close_fd(&w->report_fd);
	}
	return h->nr_reported;
}

const struct ktstr_report *ktstr_workers_reports(const struct ktstr_workers *h,
						 int *nr)
{
	if (nr)
		*nr = h && h->stopped ? h->nr : 0;
	return h && h->stopped ? h->reports : NULL;
}

struct ktstr_report *ktstr_workers_reports_mut(struct ktstr_workers *h, int *nr)
{
	if (nr)
		*nr = h && h->stopped ? h->nr : 0;
	return h && h->stopped ? h->reports : NULL;
}

void ktstr_workers_free(struct ktstr_workers *h)
{
	if (!h)
		return;
	if (!h->stopped)
		ktstr_workers_stop(h, 0);
	release(h);
}
