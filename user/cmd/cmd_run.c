// SPDX-License-Identifier: GPL-2.0
/*
 * ktstr run [NAME...] [--filter S] [--duration S] [--workers N] [--json FILE]:
 * run scenarios of the catalogue under the running scheduler and judge
 * them. One line per scenario (PASS/FAIL/SKIP, name, time), failure details
 * and per-cgroup stats, then "X/Y passed (S skipped, F failed)".
 * Exit 0 when nothing failed, 1 on a failure, 2 on bad usage,
 * 128+signal when interrupted (everything created is removed first).
 *
 * With --scheduler PATH [--sched-arg ARG]...: the scenarios run under that
 * sched_ext scheduler, started here and stopped at the end (the default
 * scheduler is back afterwards, on Ctrl-C too). Its death or an error exit
 * fails the scenario running then, stops the run, and is said in one
 * "BUG SUMMARY: ..." line, printed as soon as it is seen and again above
 * the count.
 *
 * With --flags LIST (flags.h): the scheduler flags of the run; each one's
 * arguments go to --scheduler, and scenarios needing other flags (or
 * refusing one of these) are SKIPped with the reason. --flag-profiles
 * (with --scheduler) runs each scenario under every valid profile it
 * accepts, as "scenario/profile", restarting the scheduler per profile.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include <ktstr/cgroup.h>
#include <ktstr/collector.h>
#include <ktstr/dev.h>
#include <ktstr/flags.h>
#include <ktstr/output.h>
#include <ktstr/results.h>
#include <ktstr/scenario.h>
#include <ktstr/sched_ext.h>
#include <ktstr/topo.h>

#include "commands.h"

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
	ktstr_scenario_abort();
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ktstr run [NAME...] [--filter S] [--duration S] [--workers N]\n"
		"                 [--settle MS] [--work-type SPEC] [--sched-pid PID]\n"
		"                 [--assert NAME=VALUE]... [--assert-relax NAME=VALUE]...\n"
		"                 [--json FILE] [--junit FILE] [--shard K/N] [--repeat N] [-v]\n"
		"                 [--backend module|bpf|taskstats|none|auto]\n"
		"                 [--scheduler PATH [--sched-arg ARG]...]\n"
		"                 [--flags F[,F...]] [--flag-profiles]\n"
		"       ktstr run --topologies T[,T...] [gauntlet options] NAME... | --filter S\n\n"
		"Run scenarios of the catalogue ('ktstr list'): every one by default,\n"
		"the NAMEs given, and/or those matching --filter (name substring or\n"
		"category). Each runs in cgroups under %s/%s<pid>,\n"
		"removed afterwards, and is judged PASS, FAIL or SKIP (machine too\n"
		"small, records missing). A collector's kernel records of the workers\n"
		"are judged too (docs/backends.md): the module's exact accounting and\n"
		"starvation watchdog (/dev/ktstr, ktstr.ko), else the BPF collector's\n"
		"same records (starvation from the longest wait), else the kernel's\n"
		"taskstats (run and wait totals only). A check a collector cannot back\n"
		"is reported as not judged, never passed.\n\n"
		"  --backend B      the collector: module, bpf, taskstats, none\n"
		"                   (userspace checks only) or auto (default: the first\n"
		"                   of module, bpf, taskstats that opens)\n"
		"  --duration S     seconds per scenario (default 2; fractions allowed)\n"
		"  --workers N      workers per cgroup (default 2)\n"
		"  --settle MS      wait after creating cgroups (default 500)\n"
		"  --work-type SPEC replace SpinWait, e.g. 'Bursty{burst_ms=20}'\n"
		"  --sched-pid PID  scx scheduler to check for liveness\n"
		"  --scheduler PATH start this sched_ext scheduler for the run (its own\n"
		"                   process group, output to a temporary log), wait until\n"
		"                   sched_ext is enabled (10 s), watch it, stop it at the\n"
		"                   end; a death or error exit fails the run with a\n"
		"                   'BUG SUMMARY:' line\n"
		"  --sched-arg ARG  an argument for it (repeatable, in order)\n"
		"  --flags LIST     scheduler flags of the run: llc, borrow, steal\n"
		"                   (requires llc), rebal, reject-pin, no-ctrl, or\n"
		"                   'default' for none; each gives the scheduler\n"
		"                   '--<flag>'. Scenarios needing another flag, or\n"
		"                   refusing one of these, SKIP ('ktstr list' shows\n"
		"                   their flags). Without --flags nothing is gated\n"
		"  --flag-profiles  with --scheduler: run each scenario under every\n"
		"                   valid flag profile it accepts (48 at most), named\n"
		"                   'scenario/profile' (e.g. cgroup_steady/llc+borrow);\n"
		"                   the scheduler is restarted for each profile\n"
		"  --assert N=V     set threshold N in the scheduler layer, between the\n"
		"                   defaults and the scenario's own (repeatable; names\n"
		"                   as in 'ktstr show-thresholds'), e.g. max_spread_pct=35\n"
		"  --assert-relax N=V  loosen threshold N over every layer, the scenario's\n"
		"                   own included, never tightening one (a max_* limit\n"
		"                   takes the larger value, a min_* floor the smaller):\n"
		"                   for checks that are noise where the run happens\n"
		"                   (e.g. fairness on emulated CPUs)\n"
		"  --json FILE      write the results (docs/run-json.md)\n"
		"  --junit FILE     write the results as JUnit XML (docs/ci.md)\n"
		"  --repeat N       run every scenario N times (round-robin: all once,\n"
		"                   then again), every sample kept for 'ktstr compare'\n"
		"  --shard K/N      run only shard K of N of the scenarios selected\n"
		"                   (ktstr list --shard K/N shows it)\n"
		"  --topologies L   expand the scenarios over CPU topologies: one guest\n"
		"                   per topology (presets or NnNlNcNt), as 'ktstr gauntlet'\n"
		"                   does, with its options ('ktstr gauntlet --help')\n"
		"  -v, --verbose    per-cgroup stats for passing scenarios too\n\n"
		"Exit: 0 all passed (skips allowed), 1 a scenario failed, 2 bad usage\n"
		"or a --filter matching no scenario,\n"
		"130/143 interrupted by SIGINT/SIGTERM.\n",
		KTSTR_CGROUP_ROOT, KTSTR_CGROUP_PREFIX);
}

/*
 * Per-cgroup statistics as two aligned tables under 80 columns: what the
 * workers saw, then what the kernel measured (module or taskstats).
 */
static void print_cgroups(const struct ktstr_cgroup_stats *cg, size_t n,
			  enum ktstr_kernel_source src)
{
	bool kernel = false;

	printf("  %-16s %7s %4s %7s %7s %6s %12s\n", "cgroup", "workers", "cpus", "spread",
	       "gap ms", "migr", "iterations");
	for (size_t i = 0; i < n; i++) {
		const struct ktstr_cgroup_stats *c = &cg[i];

		printf("  %-16.16s %7d %4d %6.1f%% %7llu %6llu %12llu\n", c->name, c->workers,
		       c->cpus, c->spread, (unsigned long long)c->max_gap_ms,
		       (unsigned long long)c->migrations, (unsigned long long)c->iterations);
		kernel |= c->has_kernel;
	}
	if (!kernel)
		return;
	if (src == KTSTR_KSRC_TASKSTATS) {
		printf("  %-16s %10s %8s   (taskstats: no longest wait, migrations, starvations)\n",
		       "cgroup", "wait ms", "spread");
		for (size_t i = 0; i < n; i++)
			if (cg[i].has_kernel)
				printf("  %-16.16s %10.1f %7.1f%%\n", cg[i].name,
				       cg[i].total_wait_ns / 1e6, cg[i].wait_spread);
		return;
	}
	printf("  %-12s %8s %-22s %9s %7s %5s %5s\n", "kernel", "max wait", "longest waiter",
	       "wait ms", "spread", "migr", "starv");
	for (size_t i = 0; i < n; i++) {
		const struct ktstr_cgroup_stats *c = &cg[i];
		char who[40];

		if (!c->has_kernel)
			continue;
		snprintf(who, sizeof(who), "%.15s[%d] cpu%d", c->max_wait_comm,
			 (int)c->max_wait_pid, c->max_wait_cpu);
		printf("  %-12.12s %6.1fms %-22.22s %9.1f %6.1f%% %5llu %5llu\n", c->name,
		       c->max_wait_ns / 1e6, who, c->total_wait_ns / 1e6, c->wait_spread,
		       (unsigned long long)c->kernel_migrations,
		       (unsigned long long)c->starvations);
	}
}

/* "[n/N] VERDICT NAME (Ss): reason": n counts scenarios as they finish. */
static void print_outcome(const struct ktstr_outcome *o, bool verbose, int n, int total)
{
	bool detail = o->verdict == KTSTR_VERDICT_FAIL || o->expect_fail || verbose;

	printf("[%d/%d] %s %s (%.1fs)", n, total, ktstr_verdict_name(o->verdict), o->name,
	       o->seconds);
	if (o->reason[0] && (o->verdict != KTSTR_VERDICT_PASS || o->expect_fail))
		printf(": %s", o->reason);
	printf("\n");
	if (o->verdict == KTSTR_VERDICT_SKIP || !detail)
		goto out;
	for (size_t i = 0; i < o->res.nr_details; i++) {
		const struct ktstr_assert_detail *d = &o->res.details[i];

		/* A skip among results: a check its backend could not judge. */
		printf("  [%s] %s\n", d->kind == KTSTR_DETAIL_SKIP ? "not judged" :
		       ktstr_detail_kind_name(d->kind), d->message);
	}
	if (o->res.nr_cgroups)
		print_cgroups(o->res.cgroups, o->res.nr_cgroups, o->kernel_source);
out:
	fflush(stdout);
}

static int parse_u64(const char *s, unsigned long long *v)
{
	char *end;

	if (*s < '0' || *s > '9')	/* no sign or blanks */
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

static int fill_junit(FILE *fp, void *doc)
{
	return ktstr_junit_write(fp, doc);
}

/* --json and --junit of the same document; 0 or 1 (a line said why). */
static int write_outputs(const char *json_path, const char *junit_path,
			 const struct ktstr_outcome *o, int n, const struct ktstr_run_opts *opts,
			 int repeat, int per_round)
{
	json_t *doc, *r;
	int err = 0;
	size_t i;

	if (!json_path && !junit_path)
		return 0;
	doc = ktstr_outcomes_to_json(o, n, opts);
	if (!doc) {
		fprintf(stderr, "ktstr run: out of memory\n");
		return 1;
	}
	/* --repeat: result i is sample i / per_round + 1 of its scenario. */
	if (repeat > 1) {
		json_object_set_new(doc, "repeat", json_integer(repeat));
		json_array_foreach(json_object_get(doc, "results"), i, r)
			json_object_set_new(r, "sample", json_integer((json_int_t)i / per_round + 1));
	}
	if (json_path && (err = ktstr_output_json(json_path, doc)))
		fprintf(stderr, "ktstr run: cannot write %s: %s\n", json_path, strerror(-err));
	else if (junit_path && (err = ktstr_output_write(junit_path, fill_junit, doc)))
		fprintf(stderr, "ktstr run: cannot write %s: %s\n", junit_path, strerror(-err));
	json_decref(doc);
	return err ? 1 : 0;
}

/* --topologies[=L] anywhere (before a "--"): the run is a gauntlet. */
static bool wants_topologies(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--topologies") || !strncmp(argv[i], "--topologies=", 13))
			return true;
	return false;
}

enum { OPT_FILTER = 256, OPT_JSON, OPT_DURATION, OPT_WORKERS, OPT_SETTLE, OPT_SCHED_PID,
	OPT_SCHEDULER, OPT_SCHED_ARG, OPT_FLAGS, OPT_FLAG_PROFILES, OPT_ASSERT,
	OPT_ASSERT_RELAX, OPT_WORK_TYPE, OPT_SHARD, OPT_JUNIT, OPT_REPEAT,
	OPT_BACKEND };

static const struct option run_options[] = {
	{ "help",          no_argument,       NULL, 'h' },
	{ "verbose",       no_argument,       NULL, 'v' },
	{ "filter",        required_argument, NULL, OPT_FILTER },
	{ "backend",       required_argument, NULL, OPT_BACKEND },
	{ "json",          required_argument, NULL, OPT_JSON },
	{ "duration",      required_argument, NULL, OPT_DURATION },
	{ "workers",       required_argument, NULL, OPT_WORKERS },
	{ "settle",        required_argument, NULL, OPT_SETTLE },
	{ "sched-pid",     required_argument, NULL, OPT_SCHED_PID },
	{ "scheduler",     required_argument, NULL, OPT_SCHEDULER },
	{ "sched-arg",     required_argument, NULL, OPT_SCHED_ARG },
	{ "flags",         required_argument, NULL, OPT_FLAGS },
	{ "flag-profiles", no_argument,       NULL, OPT_FLAG_PROFILES },
	{ "assert",        required_argument, NULL, OPT_ASSERT },
	{ "assert-relax",  required_argument, NULL, OPT_ASSERT_RELAX },
	{ "work-type",     required_argument, NULL, OPT_WORK_TYPE },
	{ "shard",         required_argument, NULL, OPT_SHARD },
	{ "junit",         required_argument, NULL, OPT_JUNIT },
	{ "repeat",        required_argument, NULL, OPT_REPEAT },
	{ NULL, 0, NULL, 0 },
};

/* What the command line asks for (parse_args()). */
struct run_args {
	struct ktstr_run_opts opts;
	struct ktstr_work override;
	struct ktstr_assert sched_layer, relax_layer;
	const char *filter, *json_path, *junit_path, *sched_path;
	const char *backend;		/* NULL: auto; "none": no collector */
	struct ktstr_shard shard;
	int repeat;
	const char **names;		/* scenarios named, nr_names of them */
	int nr_names;
	char **sched_args;
	int nr_sched_args;
	bool verbose;
	/* Flags: the run's set, whether it was given, per-profile expansion. */
	uint32_t active_flags;
	bool flags_given, flag_profiles;
};

/* 0: run; 1: --help was printed; -1: bad usage (one line said why). */
/* --repeat, --shard, --duration, --workers, --settle, --sched-pid. */
static int parse_number(struct run_args *a, int c, const char *val)
{
	unsigned long long v;

	switch (c) {
	case OPT_REPEAT:
		if (parse_u64(val, &v) || v < 1 || v > 1000) {
			fprintf(stderr, "ktstr run: bad --repeat '%s' (1..1000)\n", val);
			return -1;
		}
		a->repeat = (int)v;
		break;
	case OPT_SHARD:
		if (ktstr_shard_parse(val, &a->shard)) {
			fprintf(stderr, "ktstr run: bad --shard '%s' (K/N, 1 <= K <= N)\n",
				val);
			return -1;
		}
		break;
	case OPT_DURATION: {
		double sec;

		if (arg_parse_seconds(val, 86400, &sec)) {
			fprintf(stderr, "ktstr run: bad --duration '%s' (seconds, 0 < S <= 86400)\n",
				val);
			return -1;
		}
		a->opts.duration_ms = (uint64_t)(sec * 1000 + 0.5);
		if (!a->opts.duration_ms)
			a->opts.duration_ms = 1;
		break;
	}
	case OPT_WORKERS:
		if (parse_u64(val, &v) || !v || v > 1024) {
			fprintf(stderr, "ktstr run: bad --workers '%s' (1..1024)\n", val);
			return -1;
		}
		a->opts.workers = (int)v;
		break;
	case OPT_SETTLE:
		if (parse_u64(val, &v) || v > 600000) {
			fprintf(stderr, "ktstr run: bad --settle '%s' (ms)\n", val);
			return -1;
		}
		a->opts.settle_ms = v;
		break;
	case OPT_SCHED_PID:
		if (parse_u64(val, &v) || !v || v > 4194304) {
			fprintf(stderr, "ktstr run: bad --sched-pid '%s'\n", val);
			return -1;
		}
		a->opts.sched_pid = (pid_t)v;
		break;
	}
	return 0;
}

/* --flags, --assert, --assert-relax, --work-type. */
static int parse_layer(struct run_args *a, int c, const char *val)
{
	switch (c) {
	case OPT_FLAGS: {
		char why[256];

		if (!*val) {
			fprintf(stderr, "ktstr run: bad --flags '' (F[,F...] or 'default')\n");
			return -1;
		}
		if (ktstr_flags_parse(val, &a->active_flags, why, sizeof(why))) {
			fprintf(stderr, "ktstr run: --flags: %s\n", why);
			return -1;
		}
		a->flags_given = true;
		break;
	}
	case OPT_ASSERT:
	case OPT_ASSERT_RELAX: {
		bool over = c == OPT_ASSERT_RELAX;
		const char *opt = over ? "--assert-relax" : "--assert";
		struct ktstr_assert *layer = over ? &a->relax_layer : &a->sched_layer;
		const char *kv = val, *eq = strchr(kv, '=');
		char key[64];

		if (!eq || (size_t)(eq - kv) >= sizeof(key)) {
			fprintf(stderr, "ktstr run: bad %s '%s' (NAME=VALUE)\n", opt, kv);
			return -1;
		}
		memcpy(key, kv, eq - kv);
		key[eq - kv] = '\0';
		if (ktstr_assert_set_str(layer, key, eq + 1)) {
			fprintf(stderr, "ktstr run: bad %s '%s': unknown name or bad value\n",
				opt, kv);
			return -1;
		}
		if (over)
			a->opts.relax_assert = &a->relax_layer;
		else
			a->opts.sched_assert = &a->sched_layer;
		break;
	}
	case OPT_WORK_TYPE:
		if (ktstr_work_parse(val, &a->override)) {
			fprintf(stderr, "ktstr run: bad --work-type '%s': %s\n",
				val, ktstr_last_error());
			return -1;
		}
		a->opts.work_override = &a->override;
		break;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct run_args *a)
{
	opterr = 0;	/* our own one-line messages instead of getopt's */
	optind = 0;
	for (;;) {
		int c = getopt_long(argc, argv, ":hv", run_options, NULL);

		if (c == -1)
			break;
		switch (c) {
		case 'h':
			usage(stdout);
			return 1;
		case 'v':
			a->verbose = true;
			break;
		case OPT_FILTER:
			a->filter = optarg;
			if (!*a->filter) {
				fprintf(stderr, "ktstr run: bad --filter '' (a name part or category)\n");
				return -1;
			}
			break;
		case OPT_JUNIT:
			a->junit_path = optarg;
			break;
		case OPT_BACKEND:
			if (strcmp(optarg, "auto") && strcmp(optarg, "none") &&
			    !ktstr_collector_known(optarg)) {
				fprintf(stderr, "ktstr run: invalid --backend '%s': expected module, bpf, taskstats, none or auto\n",
					optarg);
				return -1;
			}
			a->backend = strcmp(optarg, "auto") ? optarg : NULL;
			break;
		case OPT_REPEAT: case OPT_SHARD: case OPT_DURATION: case OPT_WORKERS:
		case OPT_SETTLE: case OPT_SCHED_PID:
			if (parse_number(a, c, optarg))
				return -1;
			break;
		case OPT_FLAGS: case OPT_ASSERT: case OPT_ASSERT_RELAX: case OPT_WORK_TYPE:
			if (parse_layer(a, c, optarg))
				return -1;
			break;
		case OPT_JSON:
			a->json_path = optarg;
			break;
		case OPT_SCHEDULER:
			a->sched_path = optarg;
			break;
		case OPT_SCHED_ARG:
			a->sched_args[a->nr_sched_args++] = optarg;
			break;
		case OPT_FLAG_PROFILES:
			a->flag_profiles = true;
			break;
		case ':':
			arg_getopt_missing("ktstr run", argv);
			return -1;
		default:
			arg_getopt_error("ktstr run", "run", argv);
			return -1;
		}
	}
	for (int i = optind; i < argc; i++) {
		if (!ktstr_scenario_find(argv[i])) {
			fprintf(stderr, "ktstr run: unknown scenario '%s' (see 'ktstr list')\n",
				argv[i]);
			return -1;
		}
		a->names[a->nr_names++] = argv[i];
	}
	return 0;
}

/*
 * The collector @want names (NULL: the first that opens, "none": none).
 * A named one that cannot open fails the run; auto says once which one
 * it took and why the better ones were passed over. 0 or -1.
 */
static int open_collector(const char *want, struct ktstr_collector **out)
{
	int ret;

	*out = NULL;
	if (want && !strcmp(want, "none")) {
		fprintf(stderr, "ktstr run: --backend none: userspace checks only\n");
		return 0;
	}
	ret = ktstr_collector_open(want, out);
	if (ret && want) {
		fprintf(stderr, "ktstr run: --backend %s: %s\n", want,
			ktstr_last_error());
		return -1;
	}
	if (ret) {
		fprintf(stderr, "ktstr run: no collector (%s): userspace checks only\n",
			ktstr_last_error());
		return 0;
	}
	if (!want && strcmp(ktstr_collector_name(*out), "module"))
		fprintf(stderr, "ktstr run: collector %s (%s)\n",
			ktstr_collector_name(*out), ktstr_last_error());
	return 0;
}

static void free_args(struct run_args *a)
{
	free(a->names);
	free(a->sched_args);
}

/* One scenario under one flag profile. */
struct job {
	const struct ktstr_scenario *s;
	uint32_t flags;
};

/* Everything one `ktstr run` holds, released by run_finish(). */
struct run {
	struct run_args a;
	const struct ktstr_scenario **sel;
	int nsel;
	struct job *jobs;
	int njobs;
	struct ktstr_outcome *outs;
	int nout, passed, failed, skipped;
	struct ktstr_topo *topo;
	struct ktstr_cgroups *cg;
	struct ktstr_collector *coll;
	/* The --scheduler this run started, under flag profile cur_profile. */
	struct ktstr_scx scx;
	bool scx_started, summarized;
	uint32_t cur_profile;
	char **all_args;	/* its argv: --sched-arg's, then the flags' */
};

/* Options that exclude or need each other. 0, or -1 (said why). */
static int check_args(const struct run_args *a)
{
	if (arg_check_sched_json("ktstr run", a->nr_sched_args, a->sched_path, a->json_path) ||
	    arg_check_junit("ktstr run", a->junit_path))
		return -1;
	if (a->sched_path && a->opts.sched_pid) {
		fprintf(stderr, "ktstr run: --scheduler and --sched-pid exclude each other\n");
		return -1;
	}
	if (a->flag_profiles && !a->sched_path) {
		fprintf(stderr, "ktstr run: --flag-profiles needs --scheduler\n");
		return -1;
	}
	if (a->flag_profiles && a->flags_given) {
		fprintf(stderr, "ktstr run: --flags and --flag-profiles exclude each other\n");
		return -1;
	}
	if (a->sched_path && !ktstr_scx_supported()) {
		fprintf(stderr, "ktstr run: this kernel has no sched_ext (CONFIG_SCHED_CLASS_EXT)\n");
		return -1;
	}
	return 0;
}

/*
 * The scenarios selected (names, else all; --filter narrows), this shard's
 * of them. Returns -1 to go on, else the exit status (an empty selection
 * or shard ends the run here).
 */
static int select_scenarios(struct run *r)
{
	int kept = 0;

	r->nsel = ktstr_scenario_select(r->a.names, r->a.nr_names, r->a.filter, &r->sel);
	if (r->nsel < 0)
		return 1;
	if (!r->nsel) {
		fprintf(stderr, "ktstr run: no scenario matches '%s'\n",
			r->a.filter ? r->a.filter : "");
		return EXIT_NO_MATCH;
	}
	/* In selection order, as ktstr list --shard shows them. */
	for (int i = 0; i < r->nsel; i++)
		if (ktstr_shard_has(&r->a.shard, (size_t)i))
			r->sel[kept++] = r->sel[i];
	if (!kept) {
		printf("# shard %u/%u of %d scenario(s) is empty\n0/0 passed (0 skipped, 0 failed)\n",
		       r->a.shard.k, r->a.shard.n, r->nsel);
		return write_outputs(r->a.json_path, r->a.junit_path, NULL, 0, &r->a.opts, 1, 1);
	}
	r->nsel = kept;
	return -1;
}

/*
 * The jobs: each scenario under the run's flags, or, with --flag-profiles,
 * under every profile it accepts (profile-major, so the scheduler restarts
 * once per profile); --repeat round-robin. -1 to go on, else exit status.
 */
static int plan_jobs(struct run *r)
{
	uint32_t profiles[KTSTR_MAX_PROFILES];
	int nprof = 0;

	if (r->a.flag_profiles)
		nprof = ktstr_flag_profiles(profiles);
	else
		profiles[nprof++] = r->a.active_flags;
	r->jobs = calloc((size_t)r->nsel * nprof * r->a.repeat, sizeof(*r->jobs));
	r->all_args = calloc(r->a.nr_sched_args + KTSTR_NR_FLAGS * KTSTR_FLAG_MAX_ARGS + 1,
			     sizeof(*r->all_args));
	if (!r->jobs || !r->all_args)
		return 1;
	for (int p = 0; p < nprof; p++)
		for (int i = 0; i < r->nsel; i++)
			if (!r->a.flag_profiles ||
			    !ktstr_flags_skip_reason(profiles[p], r->sel[i]->required_flags,
						     r->sel[i]->excluded_flags, NULL, 0))
				r->jobs[r->njobs++] = (struct job){ r->sel[i], profiles[p] };
	if (!r->njobs) {
		fprintf(stderr, "ktstr run: no valid flag profile for the scenarios selected\n");
		return 2;
	}
	/* Round-robin, so that a slow drift of the machine hits every scenario alike. */
	for (int k = 1; k < r->a.repeat; k++)
		memcpy(r->jobs + (size_t)k * r->njobs, r->jobs, r->njobs * sizeof(*r->jobs));
	r->njobs *= r->a.repeat;
	r->outs = calloc(r->njobs, sizeof(*r->outs));
	return r->outs ? -1 : 1;
}

/* Topology, the run's cgroups, signals, the collector. 0 or -1. */
static int run_setup(struct run *r)
{
	struct sigaction sa;

	r->topo = ktstr_topo_load(NULL);
	if (!r->topo) {
		fprintf(stderr, "ktstr run: topology: %s\n", ktstr_last_error());
		return -1;
	}
	r->cg = ktstr_cgroup_mgr_new(NULL);
	if (!r->cg) {
		fprintf(stderr, "ktstr run: cgroups: %s\n", ktstr_last_error());
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (ktstr_cgroup_setup(r->cg)) {
		fprintf(stderr, "ktstr run: cgroup setup: %s\n", ktstr_last_error());
		return -1;
	}
	if (open_collector(r->a.backend, &r->coll))
		return -1;
	r->a.opts.topo = r->topo;
	r->a.opts.cgroups = r->cg;
	r->a.opts.collector = r->coll;
	return 0;
}

/* Count outcome r->outs[r->nout] and print it. */
static void count_outcome(struct run *r)
{
	const struct ktstr_outcome *o = &r->outs[r->nout];

	print_outcome(o, r->a.verbose, r->nout + 1, r->njobs);
	r->passed += o->verdict == KTSTR_VERDICT_PASS;
	r->failed += o->verdict == KTSTR_VERDICT_FAIL;
	r->skipped += o->verdict == KTSTR_VERDICT_SKIP;
	r->nout++;
}

/* A job the run's --flags rule out: a SKIP judged here. True if so. */
static bool skip_for_flags(struct run *r, const struct job *j)
{
	struct ktstr_outcome *o = &r->outs[r->nout];
	char why[128];

	if (r->a.flag_profiles || !r->a.flags_given ||
	    !ktstr_flags_skip_reason(j->flags, j->s->required_flags, j->s->excluded_flags,
				     why, sizeof(why)))
		return false;
	ktstr_outcome_init(o);
	snprintf(o->name, sizeof(o->name), "%s", j->s->name);
	snprintf(o->category, sizeof(o->category), "%s", j->s->category);
	o->verdict = KTSTR_VERDICT_SKIP;
	snprintf(o->reason, sizeof(o->reason), "%s", why);
	count_outcome(r);
	return true;
}

/*
 * With --scheduler: (re)start it when none runs or @j needs another flag
 * profile. 0, or -1 (said why).
 */
static int sched_for(struct run *r, const struct job *j)
{
	char why[3072], prof[KTSTR_FLAGS_STR_MAX];
	struct run_args *a = &r->a;
	int nargs = 0, nf;

	if (!a->sched_path || (r->scx_started && j->flags == r->cur_profile))
		return 0;
	if (r->scx_started) {
		r->scx_started = false;
		a->opts.scx = NULL;
		a->opts.sched_pid = 0;
		if (ktstr_scx_stop(&r->scx, 0)) {
			fprintf(stderr, "ktstr run: sched_ext still not disabled after stopping %s\n",
				r->scx.name);
			return -1;
		}
	}
	memset(&r->scx, 0, sizeof(r->scx));
	for (int k = 0; k < a->nr_sched_args; k++)
		r->all_args[nargs++] = a->sched_args[k];
	nf = ktstr_flags_args(j->flags, (const char **)r->all_args + nargs,
			      KTSTR_NR_FLAGS * KTSTR_FLAG_MAX_ARGS);
	nargs += nf > 0 ? nf : 0;
	r->all_args[nargs] = NULL;
	r->cur_profile = j->flags;
	if (ktstr_scx_start(&r->scx, a->sched_path, r->all_args, nargs, 0, why, sizeof(why))) {
		fprintf(stderr, "ktstr run: scheduler %s (flags %s): %s\n", a->sched_path,
			ktstr_flags_str(r->cur_profile, prof, sizeof(prof)), why);
		return -1;
	}
	r->scx_started = true;
	a->opts.scx = &r->scx;
	a->opts.sched_pid = r->scx.pid;
	if (a->flags_given || a->flag_profiles)
		printf("scheduler: %s[%d] enabled (%s, flags %s)\n", r->scx.name,
		       (int)r->scx.pid, a->sched_path,
		       ktstr_flags_str(r->cur_profile, prof, sizeof(prof)));
	else
		printf("scheduler: %s[%d] enabled (%s)\n", r->scx.name, (int)r->scx.pid,
		       a->sched_path);
	fflush(stdout);
	return 0;
}

/* Every job in order, until one is interrupted or the scheduler dies. */
static int run_jobs(struct run *r)
{
	char prof[KTSTR_FLAGS_STR_MAX];

	for (int i = 0; i < r->njobs && !got_signal; i++) {
		const struct job *j = &r->jobs[i];
		struct ktstr_outcome *o = &r->outs[r->nout];

		if (skip_for_flags(r, j))
			continue;
		if (sched_for(r, j))
			return -1;
		if (r->scx_started && ktstr_scx_check(&r->scx)) {
			/* Died between scenarios: the rest would not run under it. */
			printf("BUG SUMMARY: %s\n", r->scx.summary);
			printf("ktstr run: scheduler gone; %d scenario(s) not run\n", r->njobs - i);
			r->summarized = true;
			r->failed++;
			break;
		}
		if (ktstr_scenario_run(j->s, &r->a.opts, o) == -EINTR) {
			ktstr_outcome_free(o);
			break;
		}
		if (r->a.flag_profiles)
			snprintf(o->name, sizeof(o->name), "%s/%s", j->s->name,
				 ktstr_flags_str(j->flags, prof, sizeof(prof)));
		if (r->scx_started && r->scx.dead && !r->summarized) {
			printf("BUG SUMMARY: %s\n", r->scx.summary);
			r->summarized = true;
		}
		count_outcome(r);
		if (r->scx_started && r->scx.dead) {
			if (i + 1 < r->njobs)
				printf("ktstr run: scheduler gone; %d scenario(s) not run\n",
				       r->njobs - i - 1);
			break;
		}
	}
	if (r->scx_started && r->scx.dead)
		printf("BUG SUMMARY: %s\n", r->scx.summary);
	printf("%d/%d passed (%d skipped, %d failed)\n", r->passed, r->nout, r->skipped,
	       r->failed);
	return 0;
}

/* Give everything back (scheduler first, then cgroups); the exit status. */
static int run_finish(struct run *r, int rc)
{
	/* The default scheduler back before the cgroups go (a task the
	 * scheduler kept from running cannot be reaped under it). */
	if (r->scx_started) {
		fflush(stdout);
		if (ktstr_scx_stop(&r->scx, 0)) {
			fprintf(stderr, "ktstr run: sched_ext still not disabled after stopping %s\n",
				r->scx.name);
			if (!got_signal)
				rc = 1;
		}
	}
	if (r->cg) {
		ktstr_cgroup_cleanup(r->cg);
		ktstr_cgroup_destroy(r->cg);
	}
	ktstr_collector_close(r->coll);
	ktstr_topo_free(r->topo);
	for (int i = 0; i < r->nout; i++)
		ktstr_outcome_free(&r->outs[i]);
	free(r->outs);
	free(r->jobs);
	free(r->all_args);
	free(r->sel);
	free_args(&r->a);
	if (got_signal) {
		fprintf(stderr, "ktstr run: interrupted by %s; cgroups and workers removed\n",
			strsignal(got_signal));
		return 128 + got_signal;
	}
	return rc;
}

/* Parse, select, plan, set up, run, write: the exit status. */
static int run_main(struct run *r, int argc, char **argv)
{
	int ret;

	ret = parse_args(argc, argv, &r->a);
	if (ret)
		return ret > 0 ? 0 : 2;
	if (check_args(&r->a))
		return 2;
	ret = select_scenarios(r);
	if (ret >= 0)
		return ret;
	ret = plan_jobs(r);
	if (ret >= 0)
		return ret;
	if (run_setup(r) || run_jobs(r))
		return 1;
	if (write_outputs(r->a.json_path, r->a.junit_path, r->outs, r->nout, &r->a.opts,
			  r->a.repeat, r->njobs / r->a.repeat))
		return 1;
	return r->failed ? 1 : 0;
}

int cmd_run(int argc, char **argv)
{
	struct run *r;
	int rc = 1;

	if (wants_topologies(argc, argv))
		return cmd_gauntlet(argc, argv);
	r = calloc(1, sizeof(*r));
	if (!r)
		return 1;
	ktstr_run_opts_init(&r->a.opts);
	ktstr_assert_none(&r->a.sched_layer);
	ktstr_assert_none(&r->a.relax_layer);
	r->a.shard = (struct ktstr_shard){ 1, 1 };
	r->a.repeat = 1;
	r->a.names = calloc(argc, sizeof(*r->a.names));
	r->a.sched_args = calloc(argc, sizeof(*r->a.sched_args));
	if (r->a.names && r->a.sched_args)
		rc = run_main(r, argc, argv);
	rc = run_finish(r, rc);
	free(r);
	return rc;
}
