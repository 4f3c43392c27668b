/* SPDX-License-Identifier: GPL-2.0 */
/* The ktstr subcommands: each lives in user/cmd/cmd_<name>.c. */
#ifndef KTSTR_CMD_COMMANDS_H
#define KTSTR_CMD_COMMANDS_H

int cmd_vm(int argc, char **argv);
int cmd_stat(int argc, char **argv);
int cmd_topo(int argc, char **argv);
int cmd_cleanup(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_show_thresholds(int argc, char **argv);
int cmd_kernel(int argc, char **argv);
int cmd_gauntlet(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_merge(int argc, char **argv);

/*
 * The exit status of a --filter (or NAME list) selecting no scenario: the
 * same in list, run and gauntlet -- a usage error, as 1 means "a scenario
 * failed" in run and gauntlet.
 */
#define EXIT_NO_MATCH	2

/* user/cmd/args.c: value checks; 0 or a negative errno. */
int arg_parse_seconds(const char *s, double max, double *out);
int arg_check_out_path(const char *path);
int arg_check_exec(const char *path);
int arg_find_command(const char *cmd);
int arg_check_kernel(const char *prog, const char *kernel);
/* One line on stderr and -1 when bad, naming @prog. */
/* One line on stderr and -1 when --junit FILE cannot be written. */
int arg_check_junit(const char *prog, const char *junit_path);
int arg_check_sched_json(const char *prog, int nr_sched_args, const char *sched_path,
			 const char *json_path);

/*
 * After getopt_long (opterr = 0, optstring starting with ':') returned '?'
 * or ':': one line on stderr, "PROG: bad argument 'ARG' (see 'ktstr CMD
 * --help')" or "PROG: ARG needs a value".
 */
void arg_getopt_error(const char *prog, const char *cmd, char **argv);
void arg_getopt_missing(const char *prog, char **argv);

#endif
