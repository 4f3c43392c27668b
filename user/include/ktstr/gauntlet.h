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

/*
 * Parse "a,b,..." (presets or NnNlNcNt) into @out (room for @max).
 * Returns the count, or -EINVAL with the reason (bad or repeated entry).
 */
int ktstr_gauntlet_parse_topos(const char *list, struct ktstr_gauntlet_topo *out,
			       int max, char *why, size_t len);

/*
 * Whether @s can run on @t by its own needs (CPUs, LLCs, NUMA nodes):
 * 0, or -ENOSPC with the reason ("needs 2 LLCs, topology has 1").
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

/*
 * The JSON the guest printed: the KTSTR_GAUNTLET_PREFIX lines of @output,
 * joined, in *json (malloc'd). -ENOENT when there are none.
 */
int ktstr_gauntlet_extract(const char *output, char **json);

/*
 * The rows of one guest: for each of the @n scenario names it was asked to
 * run, its verdict from @output (its console) or, when missing, a FAIL
 * saying why (no results: the guest's exit @vm_rc; or no entry). When the
 * guest itself failed (vm_rc other than 0 or 1: a dirty dmesg, timeout, a
 * crash), one more row "(guest)" FAILs with the reason. Each row names the
 * scheduler the guest's run reported ("scheduler"."name"), if any. Fills @rows (room
 * for n + 1) and returns the count.
 */
int ktstr_gauntlet_collect(const char *const *names, int n, const char *topology,
			   const char *output, int vm_rc,
			   struct ktstr_gauntlet_row *rows);

struct ktstr_gauntlet_summary {
	int total, passed, failed, skipped;
};

void ktstr_gauntlet_tally(const struct ktstr_gauntlet_row *rows, int n,
			  struct ktstr_gauntlet_summary *sum);
/* 0 when nothing failed (skips are fine), 1 otherwise. */
int ktstr_gauntlet_exit_code(const struct ktstr_gauntlet_summary *sum);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_GAUNTLET_H */
