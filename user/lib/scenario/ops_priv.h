/* SPDX-License-Identifier: GPL-2.0 */
/* Private to user/lib/ops*.c. */
#ifndef KTSTR_OPS_PRIV_H
#define KTSTR_OPS_PRIV_H

#include <ktstr/assert.h>
#include <ktstr/ops.h>

#include "util/ktstr_error.h"

/* Record the message for ktstr_last_error(); evaluates to @err. */
#define ops_fail(err, ...)	KTSTR_FAIL(err, __VA_ARGS__)
/* Prefix the current message with @fmt ("step 1 op 2: <old>"). */
__attribute__((format(printf, 2, 3)))
int ops_fail_prefix(int err, const char *fmt, ...);

/*
 * Resolve @spec to concrete CPUs for one worker set: @pool_cg is the
 * cgroup's cpuset (NULL: none). @topo may be NULL when nothing needs it.
 */
int ops_affinity_resolve(const struct ktstr_topo *topo,
			 const struct ktstr_affinity_spec *spec,
			 const struct ktstr_cpuset *pool_cg,
			 struct ktstr_affinity *out);

/* Check the fields @op needs (no topology); -EINVAL with a message. */
int ops_op_check_fields(const struct ktstr_op *op);

/* A cgroup name ops accept: non-empty, relative, no "..", short. */
bool ops_name_ok(const char *s);

/* ---- one execution (ops_exec.c, ops_cgroup.c, ops_payload.c) ---- */

struct ops_cg {
	char *name;
	int owner;			/* -1: backdrop, else step index */
	bool live;			/* not removed yet */
	bool frozen;
	bool has_cpuset;
	struct ktstr_cpuset cpus;
};

struct ops_payload {
	char *name;
	char *cgroup;			/* NULL: the runner's */
	pid_t pid;			/* 0 once reaped */
};

/* A failure of the run itself (not of the checks). */
struct ops_failure {
	enum ktstr_detail_kind kind;	/* SCHEDULER_DIED or OTHER */
	char *message;
};

/*
 * The CPUs a worker set may have run on: every cpuset its cgroup had
 * while it lived (unbounded: some time without one, or in the host).
 */
struct ops_hcpus {
	struct ktstr_cpuset cpus;
	bool unbounded;
};

struct ops_run {
	const struct ktstr_ctx *ctx;
	int step;			/* -1 while setting up the backdrop */
	struct ops_cg *cgs;		/* in creation order */
	int nr_cgs, cap_cgs;
	struct ktstr_handle *handles;	/* every worker set spawned */
	struct ops_hcpus *hcpus;	/* one per handle */
	int nr_handles, cap_handles;
	struct ops_payload *pls;
	int nr_pls, cap_pls;
	struct ops_failure *fails;	/* run failures, in order */
	int nr_fails, cap_fails;
	unsigned int seed;
};

void ops_run_init(struct ops_run *run, const struct ktstr_ctx *ctx);
/* Add a failure of @kind to the run (not an errno: a verdict). */
__attribute__((format(printf, 3, 4)))
void ops_run_failure(struct ops_run *run, enum ktstr_detail_kind kind,
		     const char *fmt, ...);
/* Run one op / set up one def; -errno with ktstr_last_error(). */
int ops_run_op(struct ops_run *run, const struct ktstr_op *op);
int ops_run_defs(struct ops_run *run, const struct ktstr_cgroup_def *defs,
		 size_t n);
/* -EINTR on abort, -ESRCH when the scheduler died (failure recorded). */
int ops_run_sleep(struct ops_run *run, uint64_t ms);
/* 0 when the scheduler (if any) lives; -ESRCH (failure recorded). */
int ops_run_sched_check(struct ops_run *run);
/*
 * Kill payloads, stop workers, remove the cgroups newest first, collect
 * into @res (initialised here: ktstr_collect_assert() with each worker
 * set's cpusets), add the run's failures as details, free. Returns the
 * first collection or removal error.
 */
int ops_run_teardown(struct ops_run *run, struct ktstr_assert_result *res);

/* ops_exec.c: room for element @nr of a doubling array (NULL: no memory). */
void *ops_grow(void *arr, int nr, int *cap, size_t size, int first);
/* A nap that a signal may cut short (an op's wait must end on Ctrl-C). */
void ops_nap_ms(uint64_t ms);

/* ops_cgroup.c: cgroups and worker sets, shared with the definitions. */
int ops_add_cg(struct ops_run *run, const char *name, const struct ktstr_cpuset_spec *spec);
struct ops_cg *ops_lookup_req(struct ops_run *run, const char *name);
int ops_spawn(struct ops_run *run, const char *cgroup, const struct ktstr_workload *wl);
void ops_override_work(const struct ops_run *run, struct ktstr_workload *wl,
		       const struct ktstr_work *work, int nr_workers);
int ops_op_add_cgroup(struct ops_run *run, const struct ktstr_op *op);
int ops_op_remove_cgroup(struct ops_run *run, const struct ktstr_op *op);
int ops_op_set_cpuset(struct ops_run *run, const struct ktstr_op *op);
int ops_op_clear_cpuset(struct ops_run *run, const struct ktstr_op *op);
int ops_op_swap_cpusets(struct ops_run *run, const struct ktstr_op *op);
int ops_op_spawn(struct ops_run *run, const struct ktstr_op *op);
int ops_op_stop_cgroup(struct ops_run *run, const struct ktstr_op *op);
int ops_op_set_affinity(struct ops_run *run, const struct ktstr_op *op);
int ops_op_spawn_host(struct ops_run *run, const struct ktstr_op *op);
int ops_op_move_all_tasks(struct ops_run *run, const struct ktstr_op *op);
int ops_op_freeze(struct ops_run *run, const struct ktstr_op *op);

/* ops_payload.c: payloads, and whether a pid is gone (zombies count). */
void ops_payload_kill(struct ops_payload *p);
int ops_op_run_payload(struct ops_run *run, const struct ktstr_op *op);
int ops_op_wait_payload(struct ops_run *run, const struct ktstr_op *op);
int ops_op_kill_payload(struct ops_run *run, const struct ktstr_op *op);

#endif
