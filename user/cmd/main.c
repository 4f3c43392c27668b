// SPDX-License-Identifier: GPL-2.0
/* ktstr: entry point; dispatches to the subcommand named by argv[1]. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <ktstr/error.h>
#include <ktstr/util.h>
#include <ktstr/kernel.h>

#include "commands.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "vm",   cmd_vm,   "boot a kernel in QEMU with ktstr.ko and run a command" },
	{ "stat", cmd_stat, "run a command tracked by ktstr.ko, print per-task numbers" },
	{ "topo", cmd_topo, "print CPUs, cores, LLCs, NUMA nodes and usable CPUs ([--json])" },
	{ "cleanup", cmd_cleanup, "remove cgroups and vm temp dirs left behind by dead ktstr runs" },
	{ "list", cmd_list, "list the scenario catalogue ([--filter S] [--json])" },
	{ "run",  cmd_run,  "run scenarios and judge them PASS/FAIL/SKIP" },
	{ "show-thresholds", cmd_show_thresholds, "print the assert thresholds of a scenario" },
	{ "gauntlet", cmd_gauntlet, "run scenarios in one guest per CPU topology (ktstr vm --topology)" },
	{ "kernel", cmd_kernel, "list cached test kernels, fetch one (default, bookworm-6.1, sched-ext)" },
	{ "compare", cmd_compare, "compare two 'ktstr run --json' files, gate regressions" },
	{ "report", cmd_report, "one HTML page of run, gauntlet and stat JSON files" },
	{ "merge", cmd_merge, "join the JSON files of a run's shards into one (and JUnit)" },
};

#ifndef KTSTR_VERSION
#error "KTSTR_VERSION comes from the Makefile's VERSION"
#endif

static void usage(FILE *f)
{
	fprintf(f, "usage: ktstr COMMAND [ARGS...]\n"
		"       ktstr help [COMMAND] | --help | --version\n\ncommands:\n");
	for (size_t i = 0; i < KTSTR_ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-15s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'ktstr help COMMAND' (or 'ktstr COMMAND --help') describes each command.\n");
}

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < KTSTR_ARRAY_SIZE(commands); i++)
		if (!strcmp(name, commands[i].name))
			return &commands[i];
	return NULL;
}

/* The library's diagnostic lines (the VM runner, the kernel cache). */
static void print_stderr(const char *fmt, va_list ap)
{
	vfprintf(stderr, fmt, ap);
}

int main(int argc, char **argv)
{
	const struct command *cmd;

	ktstr_set_print(print_stderr);
#ifdef KTSTR_LIBEXECDIR
	/* Installed (make install): helpers through the prefix, never beside us. */
	ktstr_set_libexec_dir(KTSTR_LIBEXECDIR);
#endif

	if (argc < 2) {
		fprintf(stderr, "ktstr: no command given (see 'ktstr --help')\n");
		return 2;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		if (argc > 2) {
			fprintf(stderr, "ktstr: --version takes no argument\n");
			return 2;
		}
		printf("ktstr %s\n", KTSTR_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    (!strcmp(argv[1], "help") && argc == 2)) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "help")) {
		/* ktstr help CMD: CMD --help. */
		char *args[] = { argv[2], "--help", NULL };

		cmd = find(argv[2]);
		if (!cmd || argc > 3) {
			fprintf(stderr, argc > 3 ? "ktstr help: one COMMAND only\n" :
				"ktstr help: unknown command '%s' (see 'ktstr --help')\n", argv[2]);
			return 2;
		}
		return cmd->run(2, args);
	}
	cmd = find(argv[1]);
	if (cmd)
		return cmd->run(argc - 1, argv + 1);
	fprintf(stderr, "ktstr: unknown command '%s' (see 'ktstr --help')\n", argv[1]);
	return 2;
}
