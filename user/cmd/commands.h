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

#endif
