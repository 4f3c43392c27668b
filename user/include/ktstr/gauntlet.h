/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The gauntlet (ktstr gauntlet): scenarios run in one `ktstr vm --topology T`
 * guest per CPU topology, each judged per "scenario/topology". These are
 * the pure parts: the topology list, which scenarios fit a topology, the
 * guest's results read back from its console, and the tally.
 */
#ifndef KTSTR_GAUNTLET_H
#define KTSTR_GAUNTLET_H

#include <stddef.h>

#include <ktstr/scenario.h>
#include <ktstr/vm.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/* Lines of the guest's console carrying its run JSON (one JSON line each). */
#define KTSTR_GAUNTLET_PREFIX	"KTSTR-GAUNTLET-JSON "
/* Topologies when none are given: small enough for emulated (TCG) guests. */
#define KTSTR_GAUNTLET_DEFAULT_TOPOS	"tiny-2llc,smt-2llc,2n2l2c1t"
#define KTSTR_GAUNTLET_MAX_TOPOS	32

struct ktstr_gauntlet_topo {
	char name[32];			/* as given: preset name or NnNlNcNt */
	struct ktstr_vm_topology topo;
};

/**
 * ktstr_gauntlet_parse_topos() - parse the gauntlet's topologies
 * @list: "a,b,..." (presets or NnNlNcNt)
 * @out: receives them
 * @max: room in @out
 * @why: receives the reason of a failure (as does ktstr_last_error())
 * @len: size of @why
 *
 * Return: the count, or -EINVAL for a bad or repeated entry.
 */
int ktstr_gauntlet_parse_topos(const char *list, struct ktstr_gauntlet_topo *out,
			       int max, char *why, size_t len);

/**
 * ktstr_gauntlet_fits() - can a scenario run on a topology
 * @s: the scenario; its own needs (CPUs, LLCs, NUMA nodes) decide
 * @t: the topology
 * @why: receives the reason ("needs 2 LLCs, topology has 1")
 * @len: size of @why
 *
 * Return: 0, or -ENOSPC with the reason.
 */
int ktstr_gauntlet_fits(const struct ktstr_scenario *s,
			const struct ktstr_vm_topology *t, char *why, size_t len);

/* One verdict of the gauntlet. */
struct ktstr_gauntlet_row {
	char scenario[128];
	char topology[32];
	enum ktstr_verdict verdict;
	double seconds;
	char reason[256];
	char scheduler[64];	/* the sched_ext scheduler the guest ran, "": none */
};

/**
 * ktstr_gauntlet_extract() - the JSON a guest printed
 * @output: its console
 * @json: receives the KTSTR_GAUNTLET_PREFIX lines of @output, joined
 *	(malloc()ed)
 *
 * Return: 0, -ENOENT when there are none, -ENOMEM.
 */
int ktstr_gauntlet_extract(const char *output, char **json);

/**
 * ktstr_gauntlet_collect() - the rows of one guest
 * @names: the scenarios it was asked to run
 * @n: how many
 * @topology: its topology's name
 * @output: its console
 * @vm_rc: the exit code of its 'ktstr vm'
 * @rows: receives the rows; room for @n + 1
 *
 * For each scenario, its verdict from @output or, when missing, a FAIL
 * saying why (no results: the guest's exit @vm_rc; or no entry). When the
 * guest itself failed (@vm_rc other than 0 or 1: a dirty dmesg, timeout, a
 * crash), one more row "(guest)" FAILs with the reason. Each row names the
 * scheduler the guest's run reported ("scheduler"."name"), if any.
 *
 * Return: the number of rows.
 */
int ktstr_gauntlet_collect(const char *const *names, int n, const char *topology,
			   const char *output, int vm_rc,
			   struct ktstr_gauntlet_row *rows);

struct ktstr_gauntlet_summary {
	int total, passed, failed, skipped;
};

/**
 * ktstr_gauntlet_tally() - count the gauntlet's verdicts
 * @rows: the rows
 * @n: how many
 * @sum: receives the counts
 */
void ktstr_gauntlet_tally(const struct ktstr_gauntlet_row *rows, int n,
			  struct ktstr_gauntlet_summary *sum);

/**
 * ktstr_gauntlet_exit_code() - the gauntlet's exit code
 * @sum: its counts
 *
 * Return: 0 when nothing failed (skips are fine), 1 otherwise.
 */
int ktstr_gauntlet_exit_code(const struct ktstr_gauntlet_summary *sum);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_GAUNTLET_H */
