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

int cmd_gauntlet(int argc, char **argv)
{
	struct ktstr_gauntlet_topo topos[KTSTR_GAUNTLET_MAX_TOPOS];
	const char *topo_list = KTSTR_GAUNTLET_DEFAULT_TOPOS, *kernel = NULL;
	const char *json_path = NULL, *sched_path = NULL, *filter = NULL, *junit_path = NULL;
	struct ktstr_shard shard = { 1, 1 };
	const char *flags = NULL, *duration = "2";
	const char **names = NULL, **sched_args = NULL, **asserts = NULL, **relaxes = NULL;
	const struct ktstr_scenario **sel = NULL;
	struct ktstr_gauntlet_row *rows = NULL;
	struct ktstr_gauntlet_summary sum;
	int nr_names = 0, nr_sargs = 0, nr_asserts = 0, nr_relaxes = 0, nsel = 0, ntopo, nrows = 0;
	bool relax_emulated = false;
	int timeout_s = 0, memory_mb = 0, rc = 2;
	bool verbose = false;
	double dur_s = 2, t0 = (ktstr_now_ns() / 1e9);
	char why[512];

	names = calloc(argc, sizeof(*names));
	sched_args = calloc(argc, sizeof(*sched_args));
	asserts = calloc(argc, sizeof(*asserts));
	relaxes = calloc(argc, sizeof(*relaxes));
	if (!names || !sched_args || !asserts || !relaxes)
		goto fail;
	opterr = 0;	/* our own one-line messages instead of getopt's */
	optind = 0;
	for (int c; (c = getopt_long(argc, argv, ":hv", gauntlet_options, NULL)) != -1; ) {
		switch (c) {
		case 'h':
			usage(stdout);
			rc = 0;
			goto out;
		case 'v':
			verbose = true;
			break;
		case OPT_TOPOLOGIES:
			topo_list = optarg;
			break;
		case OPT_KERNEL:
			kernel = optarg;
			break;
		case OPT_DURATION:
			duration = optarg;
			if (arg_parse_seconds(duration, 86400, &dur_s)) {
				fprintf(stderr, "ktstr gauntlet: bad --duration '%s' (seconds, 0 < S <= 86400)\n",
					duration);
				goto bad;
			}
			break;
		case OPT_JSON:
			json_path = optarg;
			break;
		case OPT_JUNIT:
			junit_path = optarg;
			break;
		case OPT_SHARD:
			if (ktstr_shard_parse(optarg, &shard)) {
				fprintf(stderr, "ktstr gauntlet: bad --shard '%s' (K/N, 1 <= K <= N)\n",
					optarg);
				goto bad;
			}
			break;
		case OPT_SCHEDULER:
			sched_path = optarg;
			break;
		case OPT_SCHED_ARG:
			sched_args[nr_sargs++] = optarg;
			break;
		case OPT_FLAGS: {
			uint32_t m;

			flags = optarg;
			if (!*flags) {
				fprintf(stderr, "ktstr gauntlet: bad --flags '' (F[,F...] or 'default')\n");
				goto bad;
			}
			if (ktstr_flags_parse(flags, &m, why, sizeof(why))) {
				fprintf(stderr, "ktstr gauntlet: --flags: %s\n", why);
				goto bad;
			}
			break;
		}
		case OPT_ASSERT:
			if (check_assert("--assert", optarg))
				goto bad;
			asserts[nr_asserts++] = optarg;
			break;
		case OPT_ASSERT_RELAX:
			if (check_assert("--assert-relax", optarg))
				goto bad;
			relaxes[nr_relaxes++] = optarg;
			break;
		case OPT_FILTER:
			filter = optarg;
			if (!*filter) {
				fprintf(stderr, "ktstr gauntlet: bad --filter '' (a name part or category)\n");
				goto bad;
			}
			break;
		case OPT_TIMEOUT:
		case OPT_MEMORY: {
			/* The ranges 'ktstr vm' accepts. */
			bool tmo = c == OPT_TIMEOUT;
			long lo = tmo ? 1 : 64, hi = tmo ? 1000000 : 1 << 20;
			char *end;
			long v;

			errno = 0;
			v = strtol(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end || errno || v < lo || v > hi) {
				fprintf(stderr, "ktstr gauntlet: bad %s '%s' (%ld..%ld)\n",
					tmo ? "--timeout" : "--memory", optarg, lo, hi);
				goto bad;
			}
			if (tmo)
				timeout_s = (int)v;
			else
				memory_mb = (int)v;
			break;
		}
		case ':':
			arg_getopt_missing("ktstr gauntlet", argv);
			goto bad;
		default:
			arg_getopt_error("ktstr gauntlet", "gauntlet", argv);
			goto bad;
		}
	}
	for (int i = optind; i < argc; i++) {
		if (!ktstr_scenario_find(argv[i])) {
			fprintf(stderr, "ktstr gauntlet: unknown scenario '%s' (see 'ktstr list')\n",
				argv[i]);
			goto bad;
		}
		names[nr_names++] = argv[i];
	}
	if (!nr_names && !filter) {
		fprintf(stderr, "ktstr gauntlet: name scenarios or give --filter (see 'ktstr list')\n");
		goto bad;
	}
	if (arg_check_sched_json("ktstr gauntlet", nr_sargs, sched_path, json_path) ||
	    arg_check_junit("ktstr gauntlet", junit_path))
		goto bad;
	if (kernel && arg_check_kernel("ktstr gauntlet", kernel))
		goto bad;
	ntopo = ktstr_gauntlet_parse_topos(topo_list, topos, KTSTR_GAUNTLET_MAX_TOPOS,
					   why, sizeof(why));
	if (ntopo < 0) {
		fprintf(stderr, "ktstr gauntlet: --topologies: %s\n", why);
		goto bad;
	}
	nsel = ktstr_scenario_select(names, nr_names, filter, &sel);
	if (nsel < 0)
		goto fail;
	if (!nsel) {
		fprintf(stderr, "ktstr gauntlet: no scenario matches '%s'\n", filter ? filter : "");
		rc = EXIT_NO_MATCH;
		goto out;
	}
	rows = calloc((size_t)ntopo * (nsel + 1), sizeof(*rows));
	if (!rows)
		goto fail;
	if (!nr_asserts && !nr_relaxes) {
		relax_emulated = true;
		printf("# in emulated (TCG) guests fairness spread is judged at 50%% at least "
		       "(--assert-relax to change)\n");
	}
	printf("# gauntlet: %d scenario(s) x %d topolog%s", nsel, ntopo,
	       ntopo == 1 ? "y" : "ies");
	if (shard.n > 1)
		printf(", shard %u/%u", shard.k, shard.n);
	printf("\n");
	fflush(stdout);

	{
		struct sigaction sa = { .sa_handler = on_stop };

		sigemptyset(&sa.sa_mask);
		for (size_t i = 0; i < KTSTR_ARRAY_SIZE(stop_signals); i++)
			sigaction(stop_signals[i], &sa, NULL);
	}
	for (int t = 0; t < ntopo && !got_signal; t++) {
		const char *run_names[nsel + 1];
		char *cmd = NULL, *out = NULL, *vmargs[32], cpus_s[16], mem_s[16], tmo_s[16];
		int nrun = 0, na = 0, cpus = ktstr_vm_topo_cpus(&topos[t].topo), vm_rc, got;
		double g0 = (ktstr_now_ns() / 1e9);

		for (int i = 0; i < nsel; i++) {
			/* Cell (scenario i, topology t) of the matrix, scenario-major. */
			if (!ktstr_shard_has(&shard, (size_t)i * ntopo + t))
				continue;
			if (ktstr_gauntlet_fits(sel[i], &topos[t].topo, why, sizeof(why))) {
				struct ktstr_gauntlet_row *r = &rows[nrows++];

				memset(r, 0, sizeof(*r));
				snprintf(r->scenario, sizeof(r->scenario), "%s", sel[i]->name);
				snprintf(r->topology, sizeof(r->topology), "%.31s", topos[t].name);
				r->verdict = KTSTR_VERDICT_SKIP;
				snprintf(r->reason, sizeof(r->reason), "%.255s", why);
				print_row(r);
				continue;
			}
			run_names[nrun++] = sel[i]->name;
		}
		if (!nrun)
			continue;

		/*
		 * The guest's command: run, then print the JSON as prefixed
		 * lines. ktstr vm tells the guest its accelerator, which may be
		 * TCG after a KVM failure however the host looks from here.
		 */
		if (relax_emulated &&
		    append(&cmd, "%s", "relax=; [ \"$" KTSTR_VM_ACCEL_VAR "\" = kvm ] || "
			   "relax='--assert-relax max_spread_pct=50'; ", false))
			goto fail;
		if (append(&cmd, "ktstr run --json /tmp/g.json --duration %s", duration, true))
			goto fail;
		if (sched_path) {
			/* Included by name into the guest's /work: ./NAME, quoted. */
			const char *base = strrchr(sched_path, '/');
			char *rel = NULL;

			if (asprintf(&rel, "./%s", base ? base + 1 : sched_path) < 0)
				goto fail;
			if (append(&cmd, " --scheduler %s", rel, true)) {
				free(rel);
				goto fail;
			}
			free(rel);
		}
		for (int k = 0; k < nr_sargs; k++)
			if (append(&cmd, " --sched-arg %s", sched_args[k], true))
				goto fail;
		if (flags && append(&cmd, " --flags %s", flags, true))
			goto fail;
		for (int k = 0; k < nr_asserts; k++)
			if (append(&cmd, " --assert %s", asserts[k], true))
				goto fail;
		/* Over the scenarios' own limits too: on emulated CPUs a short
		 * run's fairness is noise whatever the scenario asks. */
		if (relax_emulated && append(&cmd, "%s", " $relax", false))
			goto fail;
		for (int k = 0; k < nr_relaxes; k++)
			if (append(&cmd, " --assert-relax %s", relaxes[k], true))
				goto fail;
		for (int k = 0; k < nrun; k++)
			if (append(&cmd, " %s", run_names[k], true))
				goto fail;
		if (append(&cmd, "%s", "; rc=$?; [ -f /tmp/g.json ] && sed 's/^/"
			   KTSTR_GAUNTLET_PREFIX "/' /tmp/g.json; exit $rc", false))
			goto fail;

		snprintf(cpus_s, sizeof(cpus_s), "%d", cpus);
		snprintf(mem_s, sizeof(mem_s), "%d", memory_mb ? memory_mb :
			 (cpus * 96 > 768 ? cpus * 96 : 768));
		snprintf(tmo_s, sizeof(tmo_s), "%d", timeout_s ? timeout_s :
			 300 + (int)(nrun * (dur_s + 1) * 10));
		vmargs[na++] = "ktstr";
		vmargs[na++] = "vm";
		vmargs[na++] = "--topology";
		vmargs[na++] = topos[t].name;
		vmargs[na++] = "--memory";
		vmargs[na++] = mem_s;
		vmargs[na++] = "--timeout";
		vmargs[na++] = tmo_s;
		if (kernel) {
			vmargs[na++] = "--kernel";
			vmargs[na++] = (char *)kernel;
		}
		if (sched_path) {
			vmargs[na++] = "--include";
			vmargs[na++] = (char *)sched_path;
		}
		vmargs[na++] = "--";
		vmargs[na++] = "sh";
		vmargs[na++] = "-c";
		vmargs[na++] = cmd;
		vmargs[na] = NULL;
		printf("# %s (%d CPUs): booting for %d scenario(s)\n", topos[t].name, cpus, nrun);
		fflush(stdout);
		vm_rc = run_vm(vmargs, verbose, &out);
		free(cmd);
		if (got_signal) {
			/* Its rows would only say it was stopped. */
			free(out);
			printf("# %s: interrupted (%s) after %.0fs; %d of %d topologies finished\n",
			       topos[t].name, strsignal(got_signal), (ktstr_now_ns() / 1e9) - g0, t, ntopo);
			break;
		}
		got = ktstr_gauntlet_collect(run_names, nrun, topos[t].name, out, vm_rc,
					     rows + nrows);
		if (got > nrun || (got && rows[nrows].verdict == KTSTR_VERDICT_FAIL &&
				   !strncmp(rows[nrows].reason, "no results", 10))) {
			/* The guest's own trouble: show the end of its console. */
			const char *tail = out ? out + strlen(out) : NULL;

			for (int l = 0; tail && tail > out && l < 16; )
				if (*--tail == '\n')
					l++;
			if (tail && !verbose)
				fprintf(stderr, "# %s console (last lines):\n%s\n", topos[t].name, tail);
		}
		free(out);
		for (int k = 0; k < got; k++)
			print_row(&rows[nrows + k]);
		nrows += got;
		printf("# %s: guest done in %.0fs (ktstr vm exit %d)\n", topos[t].name,
		       (ktstr_now_ns() / 1e9) - g0, vm_rc);
		fflush(stdout);
	}
	ktstr_gauntlet_tally(rows, nrows, &sum);
	printf("%d/%d passed (%d skipped, %d failed) in %.0fs\n", sum.passed, sum.total,
	       sum.skipped, sum.failed, (ktstr_now_ns() / 1e9) - t0);
	rc = got_signal ? 128 + got_signal : ktstr_gauntlet_exit_code(&sum);
	if (write_outputs(json_path, junit_path, rows, nrows, &sum))
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
	free(names);
	free(sched_args);
	free(asserts);
	free(relaxes);
	return rc;
}
