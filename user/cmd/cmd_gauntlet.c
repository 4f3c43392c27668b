// SPDX-License-Identifier: GPL-2.0
/*
 * ktstr gauntlet [--topologies a,b,...] [--kernel K] [--duration S]
 *                [--json FILE] [--scheduler PATH] [--flags F] SCENARIO...|--filter S
 *
 * One `ktstr vm --topology T` guest per topology, each running
 * `ktstr run --json` on the scenarios that fit it; the guest prints its JSON
 * on the console as KTSTR_GAUNTLET_PREFIX lines, read back here. One line
 * per scenario/topology (PASS/FAIL/SKIP), then the count. Exit 0 when
 * nothing failed, 1 on a failure, 2 on bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include <ktstr/util.h>
#include <ktstr/clock.h>
#include <ktstr/assert.h>
#include <ktstr/flags.h>
#include <ktstr/gauntlet.h>
#include <ktstr/output.h>
#include <ktstr/provenance.h>
#include <ktstr/results.h>
#include <ktstr/scenario.h>
#include <ktstr/vm.h>

#include "commands.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ktstr gauntlet [--topologies T[,T...]] [--kernel K] [--duration S]\n"
		"                      [--json FILE] [--scheduler PATH [--sched-arg ARG]...]\n"
		"                      [--flags F[,F...]] [--assert N=V]... [--assert-relax N=V]...\n"
		"                      [--timeout S]\n"
		"                      [--memory MB] [--shard K/N] [--junit FILE] [-v]\n"
		"                      SCENARIO... | --filter S\n\n"
		"Run scenarios in one QEMU guest per CPU topology ('ktstr vm --topology'),\n"
		"and judge each scenario/topology PASS, FAIL or SKIP. A scenario needing\n"
		"more CPUs, LLCs or NUMA nodes than a topology has is a SKIP there, with\n"
		"the reason, and that guest does not run it.\n\n"
		"  --topologies L   presets or NnNlNcNt, comma-separated (default\n"
		"                   " KTSTR_GAUNTLET_DEFAULT_TOPOS "; 'ktstr vm --help' lists presets)\n"
		"  --kernel K       guest kernel (as 'ktstr vm --kernel')\n"
		"  --duration S     seconds per scenario (default 2)\n"
		"  --scheduler PATH sched_ext scheduler to run them under (copied in)\n"
		"  --sched-arg ARG  an argument for it (repeatable)\n"
		"  --flags LIST     scheduler flags ('ktstr run --flags')\n"
		"  --assert N=V     a threshold for 'ktstr run' (repeatable)\n"
		"  --assert-relax N=V  a limit 'ktstr run' loosens over every layer\n"
		"                   (repeatable); without --assert or --assert-relax,\n"
		"                   max_spread_pct=50 in a guest that runs under TCG\n"
		"                   (emulated CPUs: KTSTR_VM_ACCEL=tcg in the guest)\n"
		"  --timeout S      per guest (default: 300 + 10 per scenario second)\n"
		"  --memory MB      per guest (default max(768, 96 per CPU))\n"
		"  --json FILE      write every row and the summary as JSON\n"
		"  --junit FILE     write every row as JUnit XML (docs/ci.md)\n"
		"  --shard K/N      only shard K of N of the scenario x topology matrix\n"
		"                   (ktstr list --shard K/N --topologies T shows it)\n"
		"  -v, --verbose    forward each guest's console\n\n"
		"Exit: 0 nothing failed (skips allowed), 1 a failure, 2 bad usage or a\n"
		"--filter matching no scenario.\n");
}

enum { OPT_TOPOLOGIES = 256, OPT_KERNEL, OPT_DURATION, OPT_JSON, OPT_SCHEDULER,
	OPT_SCHED_ARG, OPT_FLAGS, OPT_ASSERT, OPT_ASSERT_RELAX, OPT_FILTER, OPT_TIMEOUT,
	OPT_MEMORY, OPT_SHARD, OPT_JUNIT };

static const struct option gauntlet_options[] = {
	{ "help",         no_argument,       NULL, 'h' },
	{ "verbose",      no_argument,       NULL, 'v' },
	{ "topologies",   required_argument, NULL, OPT_TOPOLOGIES },
	{ "kernel",       required_argument, NULL, OPT_KERNEL },
	{ "duration",     required_argument, NULL, OPT_DURATION },
	{ "json",         required_argument, NULL, OPT_JSON },
	{ "scheduler",    required_argument, NULL, OPT_SCHEDULER },
	{ "sched-arg",    required_argument, NULL, OPT_SCHED_ARG },
	{ "flags",        required_argument, NULL, OPT_FLAGS },
	{ "assert",       required_argument, NULL, OPT_ASSERT },
	{ "assert-relax", required_argument, NULL, OPT_ASSERT_RELAX },
	{ "filter",       required_argument, NULL, OPT_FILTER },
	{ "timeout",      required_argument, NULL, OPT_TIMEOUT },
	{ "memory",       required_argument, NULL, OPT_MEMORY },
	{ "shard",        required_argument, NULL, OPT_SHARD },
	{ "junit",        required_argument, NULL, OPT_JUNIT },
	{ NULL, 0, NULL, 0 },
};

/* Append fmt with s (single-quoted for sh when @quote) to *cmd. */
static int append(char **cmd, const char *fmt, const char *s, bool quote)
{
	char *q = NULL, *out = NULL;
	size_t n = 0;
	FILE *f;

	if (quote) {
		f = open_memstream(&q, &n);
		if (!f)
			return -ENOMEM;
		fputc('\'', f);
		for (const char *p = s; *p; p++) {
			if (*p == '\'')
				fputs("'\\''", f);
			else
				fputc(*p, f);
		}
		fputc('\'', f);
		if (fclose(f))
			return -ENOMEM;
		s = q;
	}
	{
		char *piece = NULL;

		if (asprintf(&piece, fmt, s) < 0 ||
		    asprintf(&out, "%s%s", *cmd ? *cmd : "", piece) < 0) {
			free(piece);
			free(q);
			return -ENOMEM;
		}
		free(piece);
	}
	free(*cmd);
	free(q);
	*cmd = out;
	return 0;
}

/*
 * SIGINT/SIGTERM/SIGHUP: passed on to the running `ktstr vm`, which stops
 * its QEMU and cleans up; no further guest is booted.
 */
static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };
static volatile sig_atomic_t got_signal;
static volatile pid_t vm_pid;

static void on_stop(int sig)
{
	got_signal = sig;
	if (vm_pid > 0)
		kill(vm_pid, sig);
}

static void stop_signals_mask(int how)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < KTSTR_ARRAY_SIZE(stop_signals); i++)
		sigaddset(&set, stop_signals[i]);
	sigprocmask(how, &set, NULL);
}

/* Run `ktstr vm ARGS`, its stdout into *out (malloc'd); returns its exit status. */
static int run_vm(char **args, bool verbose, char **out)
{
	char self[PATH_MAX], buf[4096];
	size_t len = 0, cap = 0;
	int fds[2], status;
	pid_t pid, parent = getpid();
	ssize_t r;

	*out = NULL;
	r = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (r <= 0 || pipe(fds))
		return -1;
	self[r] = '\0';
	fflush(stdout);
	/* No signal between the fork and vm_pid being set. */
	stop_signals_mask(SIG_BLOCK);
	pid = fork();
	if (pid < 0) {
		stop_signals_mask(SIG_UNBLOCK);
		return -1;
	}
	if (!pid) {
		for (size_t i = 0; i < KTSTR_ARRAY_SIZE(stop_signals); i++)
			signal(stop_signals[i], SIG_DFL);
		stop_signals_mask(SIG_UNBLOCK);
		/* A SIGKILLed gauntlet takes its guest with it. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(127);
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execv(self, args);
		_exit(127);
	}
	vm_pid = pid;
	if (got_signal)
		kill(pid, got_signal);
	stop_signals_mask(SIG_UNBLOCK);
	close(fds[1]);
	while ((r = read(fds[0], buf, sizeof(buf))) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (verbose)
			fwrite(buf, 1, r, stdout);
		if (len + r + 1 > cap) {
			char *nb;

			cap = (len + r + 1) * 2;
			nb = realloc(*out, cap);
			if (!nb)
				break;
			*out = nb;
		}
		memcpy(*out + len, buf, r);
		len += r;
		(*out)[len] = '\0';
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			vm_pid = 0;
			return -1;
		}
	vm_pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void print_row(const struct ktstr_gauntlet_row *r)
{
	printf("%s %s/%s", ktstr_verdict_name(r->verdict), r->scenario, r->topology);
	if (r->verdict != KTSTR_VERDICT_SKIP)
		printf(" (%.1fs%s%s)", r->seconds, r->scheduler[0] ? ", under " : "",
		       r->scheduler);
	if (r->reason[0] && r->verdict != KTSTR_VERDICT_PASS)
		printf(": %s", r->reason);
	printf("\n");
	fflush(stdout);
}

/* The gauntlet's JSON document (docs/run-json.md's gauntlet form). */
static json_t *results_doc(const struct ktstr_gauntlet_row *rows, int n,
			   const struct ktstr_gauntlet_summary *sum)
{
	json_t *root = json_object(), *arr = json_array();

	if (!root || !arr) {
		json_decref(root);
		json_decref(arr);
		return NULL;
	}
	for (int i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:f, s:s, s:o}",
			"scenario", rows[i].scenario, "topology", rows[i].topology,
			"verdict", ktstr_verdict_name(rows[i].verdict),
			"seconds", rows[i].seconds, "reason", rows[i].reason,
			"scheduler", rows[i].scheduler[0] ?
			json_string(rows[i].scheduler) : json_null()));
	json_object_set_new(root, "version", json_integer(1));
	/* This host's; each guest's kernel and accelerator are in its results. */
	json_object_set_new(root, "provenance", ktstr_provenance_json());
	json_object_set_new(root, "results", arr);
	json_object_set_new(root, "summary", json_pack("{s:i, s:i, s:i, s:i}",
		"total", sum->total, "passed", sum->passed, "failed", sum->failed,
		"skipped", sum->skipped));
	return root;
}

static int fill_junit(FILE *fp, void *doc)
{
	return ktstr_junit_write(fp, doc);
}

/* --json and --junit of the same document; 0 or 1 (a line said why). */
static int write_outputs(const char *json_path, const char *junit_path,
			 const struct ktstr_gauntlet_row *rows, int n,
			 const struct ktstr_gauntlet_summary *sum)
{
	json_t *doc;
	int err = 0;

	if (!json_path && !junit_path)
		return 0;
	doc = results_doc(rows, n, sum);
	if (!doc) {
		fprintf(stderr, "ktstr gauntlet: out of memory\n");
		return 1;
	}
	if (json_path && (err = ktstr_output_json(json_path, doc)))
		fprintf(stderr, "ktstr gauntlet: cannot write %s: %s\n", json_path,
			strerror(-err));
	else if (junit_path && (err = ktstr_output_write(junit_path, fill_junit, doc)))
		fprintf(stderr, "ktstr gauntlet: cannot write %s: %s\n", junit_path,
			strerror(-err));
	json_decref(doc);
	return err ? 1 : 0;
}

/* NAME=VALUE as 'ktstr run --assert' takes it: checked here, not in each guest. */
static int check_assert(const char *opt, const char *kv)
{
	const char *eq = strchr(kv, '=');
	struct ktstr_assert scratch;
	char key[64];

	ktstr_assert_none(&scratch);
	if (!eq || (size_t)(eq - kv) >= sizeof(key)) {
		fprintf(stderr, "ktstr gauntlet: bad %s '%s' (NAME=VALUE)\n", opt, kv);
		return -1;
	}
	memcpy(key, kv, eq - kv);
	key[eq - kv] = '\0';
	if (ktstr_assert_set_str(&scratch, key, eq + 1)) {
		fprintf(stderr, "ktstr gauntlet: bad %s '%s': unknown name or bad value\n", opt, kv);
		return -1;
	}
	return 0;
}

/* What the command line asked for. */
struct gauntlet_args {
	const char *topo_list, *kernel, *json_path, *junit_path, *sched_path;
	const char *filter, *flags, *duration;
	struct ktstr_shard shard;
	const char **names, **sched_args, **asserts, **relaxes;
	int nr_names, nr_sargs, nr_asserts, nr_relaxes;
	int timeout_s, memory_mb;	/* 0: the defaults */
	double dur_s;
	bool verbose;
};

/* parse_args()'s verdicts besides 0 (run): */
enum { PARSE_HELP = 1, PARSE_BAD };

/* --timeout S / --memory MB: the ranges 'ktstr vm' accepts; -1 if bad. */
static int parse_vm_limit(struct gauntlet_args *a, bool tmo, const char *s)
{
	long lo = tmo ? 1 : 64, hi = tmo ? 1000000 : 1 << 20;
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || errno || v < lo || v > hi) {
		fprintf(stderr, "ktstr gauntlet: bad %s '%s' (%ld..%ld)\n",
			tmo ? "--timeout" : "--memory", s, lo, hi);
		return -1;
	}
	if (tmo)
		a->timeout_s = (int)v;
	else
		a->memory_mb = (int)v;
	return 0;
}

/* --flags F[,F...]: checked here, passed on as given; -1 if bad. */
static int check_flags(const char *flags)
{
	char why[512];
	uint32_t m;

	if (!*flags) {
		fprintf(stderr, "ktstr gauntlet: bad --flags '' (F[,F...] or 'default')\n");
		return -1;
	}
	if (ktstr_flags_parse(flags, &m, why, sizeof(why))) {
		fprintf(stderr, "ktstr gauntlet: --flags: %s\n", why);
		return -1;
	}
	return 0;
}

/* One option @c of getopt_long (its argument in optarg): 0, or PARSE_*. */
static int parse_opt(struct gauntlet_args *a, int c, char **argv)
{
	switch (c) {
	case 'h':
		usage(stdout);
		return PARSE_HELP;
	case 'v':
		a->verbose = true;
		return 0;
	case OPT_TOPOLOGIES:
		a->topo_list = optarg;
		return 0;
	case OPT_KERNEL:
		a->kernel = optarg;
		return 0;
	case OPT_DURATION:
		a->duration = optarg;
		if (arg_parse_seconds(a->duration, 86400, &a->dur_s)) {
			fprintf(stderr, "ktstr gauntlet: bad --duration '%s' (seconds, 0 < S <= 86400)\n",
				a->duration);
			return PARSE_BAD;
		}
		return 0;
	case OPT_JSON:
		a->json_path = optarg;
		return 0;
	case OPT_JUNIT:
		a->junit_path = optarg;
		return 0;
	case OPT_SHARD:
		if (ktstr_shard_parse(optarg, &a->shard)) {
			fprintf(stderr, "ktstr gauntlet: bad --shard '%s' (K/N, 1 <= K <= N)\n",
				optarg);
			return PARSE_BAD;
		}
		return 0;
	case OPT_SCHEDULER:
		a->sched_path = optarg;
		return 0;
	case OPT_SCHED_ARG:
		a->sched_args[a->nr_sargs++] = optarg;
		return 0;
	case OPT_FLAGS:
		a->flags = optarg;
		return check_flags(a->flags) ? PARSE_BAD : 0;
	case OPT_ASSERT:
		if (check_assert("--assert", optarg))
			return PARSE_BAD;
		a->asserts[a->nr_asserts++] = optarg;
		return 0;
	case OPT_ASSERT_RELAX:
		if (check_assert("--assert-relax", optarg))
			return PARSE_BAD;
		a->relaxes[a->nr_relaxes++] = optarg;
		return 0;
	case OPT_FILTER:
		a->filter = optarg;
		if (!*a->filter) {
			fprintf(stderr, "ktstr gauntlet: bad --filter '' (a name part or category)\n");
			return PARSE_BAD;
		}
		return 0;
	case OPT_TIMEOUT:
	case OPT_MEMORY:
		return parse_vm_limit(a, c == OPT_TIMEOUT, optarg) ? PARSE_BAD : 0;
	case ':':
		arg_getopt_missing("ktstr gauntlet", argv);
		return PARSE_BAD;
	default:
		arg_getopt_error("ktstr gauntlet", "gauntlet", argv);
		return PARSE_BAD;
	}
}

/* The command line into @a (whose arrays hold argc entries): 0 or PARSE_*. */
static int parse_args(int argc, char **argv, struct gauntlet_args *a)
{
	int ret;

	opterr = 0;	/* our own one-line messages instead of getopt's */
	optind = 0;
	for (int c; (c = getopt_long(argc, argv, ":hv", gauntlet_options, NULL)) != -1; ) {
		ret = parse_opt(a, c, argv);
		if (ret)
			return ret;
	}
	for (int i = optind; i < argc; i++) {
		if (!ktstr_scenario_find(argv[i])) {
			fprintf(stderr, "ktstr gauntlet: unknown scenario '%s' (see 'ktstr list')\n",
				argv[i]);
			return PARSE_BAD;
		}
		a->names[a->nr_names++] = argv[i];
	}
	if (!a->nr_names && !a->filter) {
		fprintf(stderr, "ktstr gauntlet: name scenarios or give --filter (see 'ktstr list')\n");
		return PARSE_BAD;
	}
	if (arg_check_sched_json("ktstr gauntlet", a->nr_sargs, a->sched_path, a->json_path) ||
	    arg_check_junit("ktstr gauntlet", a->junit_path))
		return PARSE_BAD;
	if (a->kernel && arg_check_kernel("ktstr gauntlet", a->kernel))
		return PARSE_BAD;
	return 0;
}

/*
 * The guest's command: run, then print the JSON as prefixed lines. ktstr
 * vm tells the guest its accelerator, which may be TCG after a KVM failure
 * however the host looks from here. 0 or -ENOMEM.
 */
static int guest_command(const struct gauntlet_args *a, const char *const *run_names,
			 int nrun, bool relax_emulated, char **cmd)
{
	*cmd = NULL;
	if (relax_emulated &&
	    append(cmd, "%s", "relax=; [ \"$" KTSTR_VM_ACCEL_VAR "\" = kvm ] || "
		   "relax='--assert-relax max_spread_pct=50'; ", false))
		return -ENOMEM;
	if (append(cmd, "ktstr run --json /tmp/g.json --duration %s", a->duration, true))
		return -ENOMEM;
	if (a->sched_path) {
		/* Included by name into the guest's /work: ./NAME, quoted. */
		const char *base = strrchr(a->sched_path, '/');
		char *rel = NULL;
		int err;

		if (asprintf(&rel, "./%s", base ? base + 1 : a->sched_path) < 0)
			return -ENOMEM;
		err = append(cmd, " --scheduler %s", rel, true);
		free(rel);
		if (err)
			return -ENOMEM;
	}
	for (int k = 0; k < a->nr_sargs; k++)
		if (append(cmd, " --sched-arg %s", a->sched_args[k], true))
			return -ENOMEM;
	if (a->flags && append(cmd, " --flags %s", a->flags, true))
		return -ENOMEM;
	for (int k = 0; k < a->nr_asserts; k++)
		if (append(cmd, " --assert %s", a->asserts[k], true))
			return -ENOMEM;
	/* Over the scenarios' own limits too: on emulated CPUs a short
	 * run's fairness is noise whatever the scenario asks. */
	if (relax_emulated && append(cmd, "%s", " $relax", false))
		return -ENOMEM;
	for (int k = 0; k < a->nr_relaxes; k++)
		if (append(cmd, " --assert-relax %s", a->relaxes[k], true))
			return -ENOMEM;
	for (int k = 0; k < nrun; k++)
		if (append(cmd, " %s", run_names[k], true))
			return -ENOMEM;
	if (append(cmd, "%s", "; rc=$?; [ -f /tmp/g.json ] && sed 's/^/"
		   KTSTR_GAUNTLET_PREFIX "/' /tmp/g.json; exit $rc", false))
		return -ENOMEM;
	return 0;
}

/* Room for the 'ktstr vm' arguments vm_args() builds. */
#define VM_ARGS_MAX	32

/* 'ktstr vm' for topology @topo running @cmd; the numbers go into the bufs. */
static void vm_args(const struct gauntlet_args *a, const struct ktstr_gauntlet_topo *topo,
		    int nrun, char *cmd, char *vmargs[VM_ARGS_MAX],
		    char cpus_s[16], char mem_s[16], char tmo_s[16])
{
	int na = 0, cpus = ktstr_vm_topo_cpus(&topo->topo);

	snprintf(cpus_s, 16, "%d", cpus);
	snprintf(mem_s, 16, "%d", a->memory_mb ? a->memory_mb :
		 (cpus * 96 > 768 ? cpus * 96 : 768));
	snprintf(tmo_s, 16, "%d", a->timeout_s ? a->timeout_s :
		 300 + (int)(nrun * (a->dur_s + 1) * 10));
	vmargs[na++] = "ktstr";
	vmargs[na++] = "vm";
	vmargs[na++] = "--topology";
	vmargs[na++] = (char *)topo->name;
	vmargs[na++] = "--memory";
	vmargs[na++] = mem_s;
	vmargs[na++] = "--timeout";
	vmargs[na++] = tmo_s;
	if (a->kernel) {
		vmargs[na++] = "--kernel";
		vmargs[na++] = (char *)a->kernel;
	}
	if (a->sched_path) {
		vmargs[na++] = "--include";
		vmargs[na++] = (char *)a->sched_path;
	}
	vmargs[na++] = "--";
	vmargs[na++] = "sh";
	vmargs[na++] = "-c";
	vmargs[na++] = cmd;
	vmargs[na] = NULL;
}

/* The guest's own trouble (no results): show the end of its console. */
static void print_console_tail(const char *topo_name, const char *out, bool verbose)
{
	const char *tail = out ? out + strlen(out) : NULL;

	for (int l = 0; tail && tail > out && l < 16; )
		if (*--tail == '\n')
			l++;
	if (tail && !verbose)
		fprintf(stderr, "# %s console (last lines):\n%s\n", topo_name, tail);
}

/*
 * Topology @t of @ntopo: a SKIP row for each selected scenario that does not
 * fit it, one guest for the others, their rows. Rows go to rows[*nrows...].
 * 0, 1 when a signal stopped it, -1 when the guest could not be started.
 */
static int run_topology(const struct gauntlet_args *a,
			const struct ktstr_gauntlet_topo *topos, int t, int ntopo,
			const struct ktstr_scenario **sel, int nsel, bool relax_emulated,
			struct ktstr_gauntlet_row *rows, int *nrows)
{
	const struct ktstr_gauntlet_topo *topo = &topos[t];
	const char *run_names[nsel + 1];
	char *cmd = NULL, *out = NULL, *vmargs[VM_ARGS_MAX], cpus_s[16], mem_s[16], tmo_s[16];
	char why[512];
	int nrun = 0, vm_rc, got;
	double g0 = (ktstr_now_ns() / 1e9);

	for (int i = 0; i < nsel; i++) {
		/* Cell (scenario i, topology t) of the matrix, scenario-major. */
		if (!ktstr_shard_has(&a->shard, (size_t)i * ntopo + t))
			continue;
		if (ktstr_gauntlet_fits(sel[i], &topo->topo, why, sizeof(why))) {
			struct ktstr_gauntlet_row *r = &rows[(*nrows)++];

			memset(r, 0, sizeof(*r));
			snprintf(r->scenario, sizeof(r->scenario), "%s", sel[i]->name);
			snprintf(r->topology, sizeof(r->topology), "%.31s", topo->name);
			r->verdict = KTSTR_VERDICT_SKIP;
			snprintf(r->reason, sizeof(r->reason), "%.255s", why);
			print_row(r);
			continue;
		}
		run_names[nrun++] = sel[i]->name;
	}
	if (!nrun)
		return 0;
	if (guest_command(a, run_names, nrun, relax_emulated, &cmd)) {
		free(cmd);
		return -1;
	}
	vm_args(a, topo, nrun, cmd, vmargs, cpus_s, mem_s, tmo_s);
	printf("# %s (%s CPUs): booting for %d scenario(s)\n", topo->name, cpus_s, nrun);
	fflush(stdout);
	vm_rc = run_vm(vmargs, a->verbose, &out);
	free(cmd);
	if (got_signal) {
		/* Its rows would only say it was stopped. */
		free(out);
		printf("# %s: interrupted (%s) after %.0fs; %d of %d topologies finished\n",
		       topo->name, strsignal(got_signal), (ktstr_now_ns() / 1e9) - g0, t, ntopo);
		return 1;
	}
	got = ktstr_gauntlet_collect(run_names, nrun, topo->name, out, vm_rc, rows + *nrows);
	if (got > nrun || (got && rows[*nrows].verdict == KTSTR_VERDICT_FAIL &&
			   !strncmp(rows[*nrows].reason, "no results", 10)))
		print_console_tail(topo->name, out, a->verbose);
	free(out);
	for (int k = 0; k < got; k++)
		print_row(&rows[*nrows + k]);
	*nrows += got;
	printf("# %s: guest done in %.0fs (ktstr vm exit %d)\n", topo->name,
	       (ktstr_now_ns() / 1e9) - g0, vm_rc);
	fflush(stdout);
	return 0;
}

/* The lines before the first guest; true: relax fairness in emulated guests. */
static bool print_header(const struct gauntlet_args *a, int nsel, int ntopo)
{
	bool relax_emulated = !a->nr_asserts && !a->nr_relaxes;

	if (relax_emulated)
		printf("# in emulated (TCG) guests fairness spread is judged at 50%% at least "
		       "(--assert-relax to change)\n");
	printf("# gauntlet: %d scenario(s) x %d topolog%s", nsel, ntopo,
	       ntopo == 1 ? "y" : "ies");
	if (a->shard.n > 1)
		printf(", shard %u/%u", a->shard.k, a->shard.n);
	printf("\n");
	fflush(stdout);
	return relax_emulated;
}

static void catch_stop_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < KTSTR_ARRAY_SIZE(stop_signals); i++)
		sigaction(stop_signals[i], &sa, NULL);
}

int cmd_gauntlet(int argc, char **argv)
{
	struct gauntlet_args a = {
		.topo_list = KTSTR_GAUNTLET_DEFAULT_TOPOS, .duration = "2",
		.shard = { 1, 1 }, .dur_s = 2,
	};
	struct ktstr_gauntlet_topo topos[KTSTR_GAUNTLET_MAX_TOPOS];
	const struct ktstr_scenario **sel = NULL;
	struct ktstr_gauntlet_row *rows = NULL;
	struct ktstr_gauntlet_summary sum;
	int nsel = 0, ntopo, nrows = 0, rc = 2;
	bool relax_emulated;
	double t0 = (ktstr_now_ns() / 1e9);
	char why[512];

	a.names = calloc(argc, sizeof(*a.names));
	a.sched_args = calloc(argc, sizeof(*a.sched_args));
	a.asserts = calloc(argc, sizeof(*a.asserts));
	a.relaxes = calloc(argc, sizeof(*a.relaxes));
	if (!a.names || !a.sched_args || !a.asserts || !a.relaxes)
		goto fail;
	switch (parse_args(argc, argv, &a)) {
	case 0:
		break;
	case PARSE_HELP:
		rc = 0;
		goto out;
	default:
		goto bad;
	}
	ntopo = ktstr_gauntlet_parse_topos(a.topo_list, topos, KTSTR_GAUNTLET_MAX_TOPOS,
					   why, sizeof(why));
	if (ntopo < 0) {
		fprintf(stderr, "ktstr gauntlet: --topologies: %s\n", why);
		goto bad;
	}
	nsel = ktstr_scenario_select(a.names, a.nr_names, a.filter, &sel);
	if (nsel < 0)
		goto fail;
	if (!nsel) {
		fprintf(stderr, "ktstr gauntlet: no scenario matches '%s'\n", a.filter ? a.filter : "");
		rc = EXIT_NO_MATCH;
		goto out;
	}
	rows = calloc((size_t)ntopo * (nsel + 1), sizeof(*rows));
	if (!rows)
		goto fail;
	relax_emulated = print_header(&a, nsel, ntopo);
	catch_stop_signals();
	for (int t = 0; t < ntopo && !got_signal; t++) {
		int ret = run_topology(&a, topos, t, ntopo, sel, nsel, relax_emulated,
				       rows, &nrows);

		if (ret < 0)
			goto fail;
		if (ret)
			break;
	}
	ktstr_gauntlet_tally(rows, nrows, &sum);
	printf("%d/%d passed (%d skipped, %d failed) in %.0fs\n", sum.passed, sum.total,
	       sum.skipped, sum.failed, (ktstr_now_ns() / 1e9) - t0);
	rc = got_signal ? 128 + got_signal : ktstr_gauntlet_exit_code(&sum);
	if (write_outputs(a.json_path, a.junit_path, rows, nrows, &sum))
		rc = 1;
	goto out;
bad:
	rc = 2;
	goto out;
fail:
	fprintf(stderr, "ktstr gauntlet: out of memory or cannot start ktstr vm\n");
	rc = 1;
out:
	free(rows);
	free(sel);
	free(a.names);
	free(a.sched_args);
	free(a.asserts);
	free(a.relaxes);
	return rc;
}
