// SPDX-License-Identifier: GPL-2.0
/*
 * ktstr stat [--backend B] [--json FILE] [--starve-ms N] -- CMD [ARGS...]
 *
 * Run CMD tracked (it and everything it forks) by a collector (collector.h):
 * ktstr.ko when /dev/ktstr exists, else the BPF collector, else taskstats.
 * With the module, report starvations as they happen; then print per-task
 * numbers and which backend produced them. Flag parsing and
 * orchestration only: the output lives in user/lib/results/stat_*.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <ktstr/clock.h>
#include <ktstr/collector.h>
#include <ktstr/dev.h>
#include <ktstr/output.h>
#include <ktstr/provenance.h>
#include <ktstr/stat.h>

#include "commands.h"

#define PROG "ktstr stat"
#define EXIT_USAGE 2
#define EXIT_FAIL 1
#define EV_BATCH 64

struct opts {
	const char *backend;
	const char *json;
	uint64_t starve_ms;
	struct ktstr_stat_view view;
	char **cmd;
};

/* The child being run; read by the signal handler. */
static volatile pid_t child_pid;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ktstr stat [--backend B] [--json FILE] [--starve-ms N]\n"
		"                  [--by KEY] [--sort COLUMN] [--top N] [--hist] -- CMD [ARGS...]\n"
		"\n"
		"Run CMD with it and all its descendants tracked; print starvation\n"
		"events on stderr as they happen (module backend only) and a per-task\n"
		"table on stdout when CMD exits. Exits with CMD's status (128+N if\n"
		"killed by signal N); 1 if ktstr itself failed, 2 on bad usage.\n"
		"\n"
		"  --backend B     module, bpf or taskstats (docs/backends.md); default:\n"
		"                  module if /dev/ktstr exists, else bpf, else taskstats\n"
		"  --json FILE     also write the results as JSON (docs/stat-json.md)\n"
		"  --starve-ms N   report tasks runnable for more than N ms without\n"
		"                  running (1..%llu, default %llu)\n"
		"  --by KEY        one row per task (default), comm (with a task count),\n"
		"                  tgid or cgroup\n"
		"  --sort COLUMN   largest first: run, wait, max-wait, p99, wakeups,\n"
		"                  migrations or starvations\n"
		"  --top N         only the first N rows\n"
		"  --hist          each row's wake-to-run latency as a log2 histogram\n"
		"\n"
		"The device is /dev/ktstr, or $%s if set.\n",
		KTSTR_STARVE_MS_MAX, KTSTR_STARVE_MS_DEFAULT, KTSTR_DEVICE_ENV);
}

static int parse_starve_ms(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < KTSTR_STARVE_MS_MIN || v > KTSTR_STARVE_MS_MAX)
		return -1;
	*out = v;
	return 0;
}

static int parse_top(const char *s, size_t *out)
{
	unsigned long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || !v || v > 1000000)
		return -1;
	*out = v;
	return 0;
}

/* 0: run; 1: --help was printed; -1: usage error (printed). */
static int parse_args(int argc, char **argv, struct opts *o)
{
	enum { OPT_BACKEND = 256, OPT_JSON, OPT_STARVE, OPT_BY, OPT_SORT, OPT_TOP, OPT_HIST };
	static const struct option longopts[] = {
		{ "backend", required_argument, NULL, OPT_BACKEND },
		{ "json", required_argument, NULL, OPT_JSON },
		{ "starve-ms", required_argument, NULL, OPT_STARVE },
		{ "by", required_argument, NULL, OPT_BY },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "hist", no_argument, NULL, OPT_HIST },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, err;

	memset(o, 0, sizeof(*o));
	o->starve_ms = KTSTR_STARVE_MS_DEFAULT;
	optind = 0;	/* a full reset: cmd_stat() may be called again */
	opterr = 0;	/* our own one-line messages instead of getopt's */
	/* "+": the first non-option is CMD; its own options are its business. */
	while ((c = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		const char *val = optarg;

		switch (c) {
		case 'h':
			usage(stdout);
			return 1;
		case OPT_BACKEND:
			if (strcmp(val, "auto") && !ktstr_collector_known(val)) {
				fprintf(stderr, PROG ": invalid --backend '%s': expected module, bpf or taskstats\n",
					val);
				return -1;
			}
			o->backend = strcmp(val, "auto") ? val : NULL;
			break;
		case OPT_JSON:
			if (!*val) {
				fprintf(stderr, PROG ": --json needs a file name\n");
				return -1;
			}
			/* Writable, checked before running CMD. */
			err = arg_check_out_path(val);
			if (err) {
				fprintf(stderr, PROG ": --json %s: cannot write there: %s\n",
					val, strerror(-err));
				return -1;
			}
			o->json = val;
			break;
		case OPT_STARVE:
			if (parse_starve_ms(val, &o->starve_ms)) {
				fprintf(stderr, PROG ": invalid --starve-ms '%s': expected an integer %llu..%llu\n",
					val, KTSTR_STARVE_MS_MIN, KTSTR_STARVE_MS_MAX);
				return -1;
			}
			break;
		case OPT_BY:
			if (ktstr_stat_by_parse(val, &o->view.by)) {
				fprintf(stderr, PROG ": invalid --by '%s': expected task, comm, tgid or cgroup\n",
					val);
				return -1;
			}
			break;
		case OPT_SORT:
			if (ktstr_stat_key_parse(val, &o->view.sort)) {
				fprintf(stderr, PROG ": invalid --sort '%s': expected run, wait, max-wait, p99, wakeups, migrations or starvations\n",
					val);
				return -1;
			}
			break;
		case OPT_TOP:
			if (parse_top(val, &o->view.top)) {
				fprintf(stderr, PROG ": invalid --top '%s': expected an integer 1..1000000\n",
					val);
				return -1;
			}
			break;
		case OPT_HIST:
			o->view.hist = true;
			break;
		case ':':
			arg_getopt_missing(PROG, argv);
			return -1;
		default:
			if (optopt > 0 && optopt < 256 && strncmp(argv[optind - 1], "--", 2))
				fprintf(stderr, PROG ": unknown option '-%c' (see 'ktstr stat --help')\n",
					optopt);
			else
				fprintf(stderr, PROG ": unknown option '%s' (see 'ktstr stat --help')\n",
					argv[optind - 1]);
			return -1;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, PROG ": no command given (usage: ktstr stat [OPTION]... -- CMD [ARGS...])\n");
		return -1;
	}
	o->cmd = argv + optind;
	return 0;
}

/* CMD must be found before anything is tracked: exits 127 like a shell. */
static int check_command(const char *cmd)
{
	int err = arg_find_command(cmd);

	if (err)
		fprintf(stderr, PROG ": %s: %s\n", cmd,
			err == -ENOENT && !strchr(cmd, '/') ? "command not found" : strerror(-err));
	return err;
}

/*
 * SIGINT/SIGTERM: forward to the child. A ^C from the terminal (SI_KERNEL)
 * already reached the child when it is in our process group, so only
 * forward those when it is not, to avoid delivering it twice.
 */
static void on_signal(int sig, siginfo_t *si, void *uc)
{
	pid_t pid = child_pid;
	int saved = errno;

	(void)uc;
	if (sig == SIGCHLD || pid <= 0)
		return;
	if (si->si_code != SI_KERNEL || getpgid(pid) != getpgrp())
		kill(pid, sig);
	errno = saved;
}

struct ev_store {
	struct ktstr_event *ev;
	size_t n, cap;
	bool oom;
};

static void handle_events(struct ev_store *st, const struct ktstr_event *ev, size_t n)
{
	char line[256];

	for (size_t i = 0; i < n; i++) {
		ktstr_stat_format_event(&ev[i], line, sizeof(line));
		fprintf(stderr, "%s\n", line);
		if (st->n == st->cap && !st->oom) {
			size_t cap = st->cap ? st->cap * 2 : 64;
			void *p = realloc(st->ev, cap * sizeof(*st->ev));

			if (!p) {
				st->oom = true;
				fprintf(stderr, PROG ": out of memory: later events are not kept\n");
			} else {
				st->ev = p;
				st->cap = cap;
			}
		}
		if (st->n < st->cap)
			st->ev[st->n++] = ev[i];
	}
}

/* Child: wait for the go byte (sent once tracked), then exec. */
static __attribute__((noreturn)) void run_child(int go_fd, char **cmd,
						 const sigset_t *mask)
{
	char c;
	ssize_t r;

	sigprocmask(SIG_SETMASK, mask, NULL);
	do
		r = read(go_fd, &c, 1);
	while (r < 0 && errno == EINTR);
	if (r != 1)
		_exit(EXIT_FAIL);	/* the parent failed and said why */
	close(go_fd);
	execvp(cmd[0], cmd);
	fprintf(stderr, PROG ": %s: %s\n", cmd[0], strerror(errno));
	_exit(127);
}

/*
 * Wait for the child while printing events. Signals are blocked except
 * inside ppoll(), so SIGCHLD cannot slip between waitpid() and the wait.
 */
static int wait_child(struct ktstr_dev *dev, pid_t pid, const sigset_t *waitmask,
		      struct ev_store *st)
{
	struct ktstr_event buf[EV_BATCH];
	bool events_ok = dev != NULL;

	for (;;) {
		struct pollfd pfd = { .fd = dev ? ktstr_dev_fd(dev) : -1, .events = POLLIN };
		siginfo_t si = { 0 };
		ssize_t n;
		int r;

		/* WNOWAIT: the caller reaps, after a snapshot if it wants one first. */
		r = waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT);
		if (r == 0 && si.si_pid == pid)
			return 0;
		if (r < 0 && errno != EINTR) {
			fprintf(stderr, PROG ": waitid: %s\n", strerror(errno));
			return -1;
		}
		r = ppoll(&pfd, events_ok ? 1 : 0, NULL, waitmask);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, PROG ": ppoll: %s\n", strerror(errno));
			return -1;
		}
		if (!r)
			continue;
		n = ktstr_dev_read_events(dev, buf, EV_BATCH, 0);
		if (n > 0) {
			handle_events(st, buf, (size_t)n);
		} else if (n < 0 || (pfd.revents & (POLLERR | POLLHUP | POLLNVAL))) {
			fprintf(stderr, PROG ": warning: cannot read events: %s\n",
				n < 0 ? ktstr_last_error() : "device hung up");
			events_ok = false;
		}
	}
}

static void reap(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
}

/* One `ktstr stat`: its collector, the command, what was read. */
struct stat_run {
	struct ktstr_collector *coll;
	const char *name;		/* the collector's */
	struct ktstr_dev *dev;		/* the module's device, or NULL */
	struct ktstr_task_rec *tasks;
	struct ktstr_cpu_rec *cpus;
	size_t nr_tasks, nr_cpus;
	struct ktstr_snapshot tmeta, cmeta;
	struct ktstr_stats stats;
	bool have_stats;
	struct ev_store evs;
	uint64_t start, elapsed_ns;
	int status;
	/* Signals: blocked but for the wait, handlers of ours while it runs. */
	struct sigaction old_int, old_term, old_chld;
	bool handled;			/* the old_* are to be put back */
	sigset_t oldmask, waitmask;
};

/* The collector asked for (or the first that opens). 0, or an exit status. */
static int open_backend(const struct opts *o, struct stat_run *sr)
{
	int r = ktstr_collector_open(o->backend, &sr->coll);

	if (r == -ENOENT && o->backend && !strcmp(o->backend, "module")) {
		const char *path = getenv(KTSTR_DEVICE_ENV);

		fprintf(stderr, PROG ": %s not found: load ktstr.ko (or use `ktstr vm -- ktstr stat ...`)\n",
			path && *path ? path : KTSTR_DEVICE_PATH);
		return EXIT_FAIL;
	}
	if (r < 0) {
		fprintf(stderr, PROG ": no backend: %s\n", ktstr_last_error());
		return EXIT_FAIL;
	}
	sr->name = ktstr_collector_name(sr->coll);
	/* A fallback says once why the better backends were passed over. */
	if (!o->backend && strcmp(sr->name, "module"))
		fprintf(stderr, PROG ": using backend %s (%s)\n", sr->name, ktstr_last_error());
	sr->dev = ktstr_collector_dev(sr->coll);
	/* Our open is our own session: other ktstr runs never mix in. */
	if (o->starve_ms && ktstr_collector_set_starve_ms(sr->coll, o->starve_ms) < 0) {
		fprintf(stderr, PROG ": %s\n", ktstr_last_error());
		return EXIT_FAIL;
	}
	return 0;
}

/* Block SIGINT/TERM/CHLD; they are taken only while waiting. */
static void signals_block(struct stat_run *sr)
{
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &sr->oldmask);
	sr->waitmask = sr->oldmask;
	sigdelset(&sr->waitmask, SIGINT);
	sigdelset(&sr->waitmask, SIGTERM);
	sigdelset(&sr->waitmask, SIGCHLD);
}

static void signals_handle(struct stat_run *sr)
{
	struct sigaction sa = { 0 };

	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_NOCLDSTOP;	/* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &sr->old_int);
	sigaction(SIGTERM, &sa, &sr->old_term);
	sigaction(SIGCHLD, &sa, &sr->old_chld);
	sr->handled = true;
}

static void signals_restore(struct stat_run *sr)
{
	child_pid = 0;
	if (sr->handled) {
		sigaction(SIGINT, &sr->old_int, NULL);
		sigaction(SIGTERM, &sr->old_term, NULL);
		sigaction(SIGCHLD, &sr->old_chld, NULL);
	}
	sigprocmask(SIG_SETMASK, &sr->oldmask, NULL);
}

/*
 * Fork CMD, held until it is tracked, then let it go and wait for it,
 * showing events as they come. Returns 0 once it ended (sr->status, not
 * yet reaped), -1 when it could not run (reaped; said why).
 */
static int launch(const struct opts *o, struct stat_run *sr, pid_t *pidp)
{
	int go[2];
	pid_t pid;

	if (pipe2(go, O_CLOEXEC) < 0) {
		fprintf(stderr, PROG ": pipe: %s\n", strerror(errno));
		return -1;
	}
	fflush(NULL);
	sr->start = ktstr_now_ns();
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, PROG ": fork: %s\n", strerror(errno));
		close(go[0]);
		close(go[1]);
		return -1;
	}
	if (pid == 0) {
		close(go[1]);
		run_child(go[0], o->cmd, &sr->oldmask);
	}
	close(go[0]);
	child_pid = pid;
	*pidp = pid;
	signals_handle(sr);
	if (ktstr_collector_track_pid(sr->coll, pid, true) < 0) {
		fprintf(stderr, PROG ": %s\n", ktstr_last_error());
		close(go[1]);	/* the child sees EOF and exits */
		reap(pid, &sr->status);
		return -1;
	}
	if (write(go[1], "g", 1) != 1) {
		fprintf(stderr, PROG ": pipe write: %s\n", strerror(errno));
		kill(pid, SIGKILL);
		close(go[1]);
		reap(pid, &sr->status);
		return -1;
	}
	close(go[1]);
	if (wait_child(sr->dev, pid, &sr->waitmask, &sr->evs) < 0) {
		kill(pid, SIGKILL);
		reap(pid, &sr->status);
		return -1;
	}
	return 0;
}

/*
 * Reap the command and read what the collector has. taskstats reads
 * totals from live tasks: its snapshot is taken while the command is
 * still a zombie; the tracers count its final switch, so for them after
 * reaping. 0 or -1 (said why).
 */
static int collect(struct stat_run *sr, pid_t pid)
{
	struct ktstr_event drain[EV_BATCH];
	bool ts = !strcmp(sr->name, "taskstats");
	ssize_t n;
	int r = 0;

	if (ts)
		r = ktstr_collector_snapshot(sr->coll, &sr->tasks, &sr->nr_tasks);
	reap(pid, &sr->status);
	child_pid = 0;
	sr->elapsed_ns = ktstr_now_ns() - sr->start;
	/* Events already queued (e.g. the END of a starvation at exit). */
	while (sr->dev && (n = ktstr_collector_read_events(sr->coll, drain, EV_BATCH, 0)) > 0)
		handle_events(&sr->evs, drain, (size_t)n);
	if (!ts)
		r = ktstr_collector_snapshot(sr->coll, &sr->tasks, &sr->nr_tasks);
	if (r < 0) {
		fprintf(stderr, PROG ": %s\n", ktstr_last_error());
		return -1;
	}
	sr->tmeta.now_ns = ktstr_now_ns();
	sr->tmeta.dropped = ktstr_collector_dropped(sr->coll);
	/* What only the module has: per-CPU records and its counters. */
	if (sr->dev) {
		if (ktstr_dev_snapshot_cpus(sr->dev, &sr->cpus, &sr->nr_cpus, &sr->cmeta) < 0) {
			fprintf(stderr, PROG ": %s\n", ktstr_last_error());
			return -1;
		}
		sr->have_stats = ktstr_dev_stats(sr->dev, &sr->stats) == 0;
		if (!sr->have_stats)
			fprintf(stderr, PROG ": warning: %s\n", ktstr_last_error());
	}
	ktstr_stat_sort_tasks(sr->tasks, sr->nr_tasks);
	return 0;
}

/* The table (and --json): the command's shell status, or EXIT_FAIL. */
static int report(const struct opts *o, struct stat_run *sr)
{
	const struct ktstr_stats *st = sr->have_stats ? &sr->stats : NULL;
	struct ktstr_stat_report rep = { 0 };
	uint64_t lost = ktstr_stat_seq_gaps(sr->evs.ev, sr->evs.n, 1);
	int r;

	rep.argv = (const char *const *)o->cmd;
	rep.version = sr->dev ? ktstr_dev_version(sr->dev) : NULL;
	rep.stats = st;
	rep.tasks = sr->tasks;
	rep.nr_tasks = sr->nr_tasks;
	rep.cpus = sr->cpus;
	rep.nr_cpus = sr->nr_cpus;
	rep.events = sr->evs.ev;
	rep.nr_events = sr->evs.n;
	rep.starve_threshold_ns = st && st->starve_threshold_ns ? st->starve_threshold_ns :
				  ktstr_collector_starve_ns(sr->coll);
	rep.dropped = st && st->dropped > sr->tmeta.dropped ? st->dropped : sr->tmeta.dropped;
	rep.events_lost = st && st->events_lost > lost ? st->events_lost : lost;
	rep.snapshot_ns = sr->tmeta.now_ns;
	rep.elapsed_ns = sr->elapsed_ns;
	rep.have_exit_status = true;
	rep.wait_status = sr->status;
	rep.lacks = KTSTR_HAS_ALL & ~ktstr_collector_has(sr->coll);
	rep.backend = sr->name;

	fflush(stderr);
	printf("backend: %s\n", sr->name);
	if (ktstr_stat_print_view(stdout, &rep, &o->view) < 0 || fflush(stdout) == EOF) {
		fprintf(stderr, PROG ": writing the table: %s\n", strerror(errno ? errno : EIO));
		return EXIT_FAIL;
	}
	if (o->json) {
		r = ktstr_stat_write_json(o->json, &rep);
		if (r < 0) {
			fprintf(stderr, PROG ": writing %s: %s\n", o->json, strerror(-r));
			return EXIT_FAIL;
		}
	}
	return ktstr_stat_shell_status(sr->status);
}

int cmd_stat(int argc, char **argv)
{
	struct stat_run sr = { 0 };
	int ret, r;
	pid_t pid;
	struct opts o;

	r = parse_args(argc, argv, &o);
	if (r)
		return r > 0 ? 0 : EXIT_USAGE;
	if (check_command(o.cmd[0]))
		return 127;
	ret = open_backend(&o, &sr);
	if (!ret) {
		signals_block(&sr);
		ret = EXIT_FAIL;
		if (!launch(&o, &sr, &pid) && !collect(&sr, pid))
			ret = report(&o, &sr);
		signals_restore(&sr);
	}
	free(sr.tasks);
	free(sr.cpus);
	free(sr.evs.ev);
	ktstr_collector_close(sr.coll);
	return ret;
}
