/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Workers: forked processes that run a work type (workload.h) and send back
 * a fixed-size report.
 *
 * Life of a worker set (struct ktstr_workers):
 *  1. ktstr_workers_spawn() forks every worker. Each child makes itself a
 *     process group leader, asks for SIGKILL when the runner dies
 *     (PR_SET_PDEATHSIG, then checks getppid() for a runner that already
 *     died), and blocks reading its start pipe. The parent moves each pid
 *     into the cgroup through the ktstr_cgroups ops when one is given.
 *  2. ktstr_workers_start() writes the start byte. The child then applies
 *     nice, scheduling policy, affinity and memory policy (after the cgroup
 *     move, which would otherwise reset the affinity) and runs its loop.
 *  3. ktstr_workers_stop() sets the stop flag in shared memory and sends
 *     SIGUSR1; workers check the flag at least every ~10 ms, write their
 *     report to their report pipe and exit. Reports are awaited until a
 *     deadline; then every worker's process group is SIGKILLed and reaped.
 *     A worker that crashed, was killed or hung gets a synthesized report
 *     saying so (exit field), so the runner never hangs on a worker.
 *
 * Conventions: functions return 0 (or a count) on success and a negative
 * errno on failure; they never print. ktstr_last_error() describes
 * the last failure in the calling thread.
 */
#ifndef KTSTR_WORKER_H
#define KTSTR_WORKER_H

#include <ktstr/clock.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/ktstr.h>
#include <ktstr/cgroup.h>
#include <ktstr/cpulist.h>
#include <ktstr/workload.h>
#include <ktstr/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

#define KTSTR_REPORT_MAGIC		0x6b747772U	/* "ktwr" */
#define KTSTR_REPORT_MAX_MIGRATIONS	64
#define KTSTR_WAKE_SAMPLES		1024
/* Shared deadline for all reports of one ktstr_workers_stop(). */
#define KTSTR_STOP_TIMEOUT_MS		5000

/* Uniform reservoir sample (Algorithm R) of up to KTSTR_WAKE_SAMPLES values. */
struct ktstr_reservoir {
	uint64_t total;		/* values offered */
	uint64_t sum_ns;
	uint64_t max_ns;
	uint32_t nr;		/* valid samples: min(total, KTSTR_WAKE_SAMPLES) */
	uint32_t __pad;
	uint64_t samples[KTSTR_WAKE_SAMPLES];
};

/* Offer @v; @rng is the caller's xorshift state (non-zero). */
void ktstr_reservoir_add(struct ktstr_reservoir *r, uint64_t v, uint64_t *rng);
/* Percentile @p (0..100) of the samples, nearest rank; 0 when empty. */
uint64_t ktstr_reservoir_percentile(const struct ktstr_reservoir *r, double p);

struct ktstr_migration {
	uint64_t at_ns;		/* since the worker started its loop */
	int32_t from_cpu;
	int32_t to_cpu;
};

/* How a worker ended (filled by the parent). */
enum ktstr_exit_kind {
	KTSTR_EXIT_NONE,	/* not stopped yet */
	KTSTR_EXIT_EXITED,	/* exit() with exit_code (0: normal) */
	KTSTR_EXIT_KILLED,	/* a signal other than a crash signal */
	KTSTR_EXIT_CRASHED,	/* SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, ... */
	KTSTR_EXIT_TIMED_OUT,	/* no exit by the deadline: SIGKILLed */
	KTSTR_EXIT_WAIT_FAILED,	/* could not be reaped */
};

/*
 * One worker's report. Plain data of a fixed size: the worker writes it to
 * its report pipe as is. Times are ns; *_at_ns are since loop start.
 */
struct ktstr_report {
	uint32_t magic;			/* KTSTR_REPORT_MAGIC */
	uint32_t size;			/* sizeof(struct ktstr_report) */
	int32_t pid;
	int32_t index;			/* 0..nr_workers-1 in its worker set */
	int32_t group;			/* group number for grouped types */
	int32_t group_idx;		/* index inside the group (0: leader) */
	int32_t kind;			/* enum ktstr_work_kind */
	int32_t __pad0;

	uint64_t work_units;		/* type-defined amount of work */
	uint64_t iterations;		/* ktstr_work_progress() calls */
	uint64_t start_ns;		/* CLOCK_MONOTONIC at loop start */
	uint64_t cpu_time_ns;		/* CLOCK_THREAD_CPUTIME_ID delta */
	uint64_t wall_time_ns;
	uint64_t off_cpu_ns;		/* wall - cpu */

	uint32_t nr_migrations;		/* CPU changes seen at checkpoints */
	uint32_t migrations_dropped;	/* beyond KTSTR_REPORT_MAX_MIGRATIONS */
	struct ktstr_migration migrations[KTSTR_REPORT_MAX_MIGRATIONS];
	struct ktstr_cpuset cpus_used;	/* CPUs seen at checkpoints */

	uint64_t max_gap_ns;		/* longest time between checkpoints */
	uint64_t max_gap_at_ns;		/* when that gap ended */
	int32_t max_gap_cpu;		/* CPU at the end of that gap */
	int32_t __pad1;

	struct ktstr_reservoir wake;	/* wake/handoff/oversleep latencies */

	/* /proc/self/schedstat deltas; valid only if schedstat_ok. */
	uint64_t sched_run_ns;
	uint64_t sched_run_delay_ns;
	uint64_t sched_pcount;
	bool schedstat_ok;
	bool completed;			/* the loop ran until asked to stop */
	bool reported;			/* the worker's own report arrived */
	bool has_krec;			/* the ktstr_task_rec fields are set */

	/* getrusage(RUSAGE_SELF) at the end. */
	uint64_t nvcsw, nivcsw, minflt, majflt;

	/* Setup errors: 0 or -errno; the worker runs anyway. */
	int32_t nice_error;
	int32_t policy_error;
	int32_t affinity_error;
	int32_t mempolicy_error;
	int32_t work_error;		/* the work function's return */

	int32_t exit_kind;		/* enum ktstr_exit_kind */
	int32_t exit_code;		/* EXITED */
	int32_t exit_signal;		/* KILLED/CRASHED */

	/* From /dev/ktstr (ktstr_report_merge_krec). */
	uint64_t k_run_ns;
	uint64_t k_wait_ns;
	uint64_t k_max_wait_ns;
	uint64_t k_max_wait_at_ns;	/* CLOCK_MONOTONIC */
	int32_t k_max_wait_cpu;
	int32_t __pad2;
	uint64_t k_switches;		/* voluntary + involuntary */
	uint64_t k_nr_voluntary;
	uint64_t k_nr_involuntary;
	uint64_t k_nr_migrations;
	uint64_t k_nr_wakeups;
	uint64_t k_nr_starvations;
	uint64_t k_max_starve_ns;	/* longest starvation episode */
	int32_t k_max_starve_cpu;
	int32_t __pad3;
	struct ktstr_cpuset k_cpus;
};

/* "exited", "killed", "crashed", "timed out", "wait failed", "running". */
const char *ktstr_exit_kind_name(int kind);
/* One line like "exited 0" / "crashed: SIGSEGV" / "timed out" into buf. */
int ktstr_report_exit_str(const struct ktstr_report *r, char *buf, size_t len);

/* Copy the module's record into @r (has_krec = true). -EINVAL on NULL. */
int ktstr_report_merge_krec(struct ktstr_report *r,
			    const struct ktstr_task_rec *rec);
/*
 * The newest record of thread @pid in @recs (the latest start_time_ns:
 * a reused pid names another task), or NULL. The one definition of "a
 * worker's record" for every path that joins records with workers.
 */
const struct ktstr_task_rec *ktstr_task_rec_newest(const struct ktstr_task_rec *recs,
						   size_t n, pid_t pid);

/*
 * Merge into each report the newest record with the same pid (pids can be
 * reused). Returns how many reports got a record.
 */
int ktstr_reports_merge_krecs(struct ktstr_report *reports, size_t nr,
			      const struct ktstr_task_rec *recs, size_t nrecs);

/* ---- the worker side: helpers for work functions ---- */

/*
 * What a work function sees. Fields are read-only for it; the report is
 * finished by the worker code after the function returns.
 */
struct ktstr_work_ctx {
	const struct ktstr_work *work;
	int index, nr_workers;
	int group, group_idx, group_size;
	void *group_shm;		/* zeroed MAP_SHARED, shared by the group */
	size_t group_shm_size;
	int pipes[4][2];		/* the group's pipes (-1 when unused) */
	struct ktstr_report *report;
	uint64_t rng;			/* xorshift64 state, per worker */
	/* private to worker.c */
	volatile int *stop_flag;
	volatile uint64_t *live_iters;
	uint64_t last_cp_ns;
	int last_cpu;
};

/* True once the worker was asked to stop. Cheap; call it often. */
bool ktstr_work_stop(const struct ktstr_work_ctx *wc);
/*
 * Count @units of work and one iteration, and take a checkpoint: the gap
 * since the previous one, and the CPU (a change is a migration).
 */
void ktstr_work_progress(struct ktstr_work_ctx *wc, uint64_t units);
/* Record a wake latency (handoff, oversleep, lock acquisition). */
void ktstr_work_wake(struct ktstr_work_ctx *wc, uint64_t ns);
/*
 * Sleep @ns in slices of at most 10 ms, returning early on stop; records
 * the oversleep (actual - requested) as a wake latency. Returns true if the
 * whole sleep happened.
 */
bool ktstr_work_sleep(struct ktstr_work_ctx *wc, uint64_t ns);
/* Spin @iters iterations of a cheap loop the compiler cannot remove. */
void ktstr_work_spin(uint64_t iters);
/* Next value of the worker's xorshift64 generator. */
uint64_t ktstr_work_rand(struct ktstr_work_ctx *wc);

/* ---- the runner side ---- */

struct ktstr_workers;

struct ktstr_spawn_opts {
	/* Move every worker into @cgroup through @cg before it starts
	 * (NULL @cg: stay in the runner's cgroup). */
	struct ktstr_cgroups *cg;
	const char *cgroup;
	uint64_t seed;			/* random affinity and rng; 0: from pid */
};

/*
 * Fork @wl->nr_workers workers, waiting for their start. @opts may be NULL.
 * On failure, workers already forked are killed and reaped.
 */
int ktstr_workers_spawn(const struct ktstr_workload *wl,
			const struct ktstr_spawn_opts *opts,
			struct ktstr_workers **out);
/* Let the workers run. -EALREADY if started. */
int ktstr_workers_start(struct ktstr_workers *h);
int ktstr_workers_count(const struct ktstr_workers *h);
pid_t ktstr_workers_pid(const struct ktstr_workers *h, int i);
/* Sum of live iteration counters (shared memory), without stopping. */
uint64_t ktstr_workers_iterations(const struct ktstr_workers *h);
/* Live iteration counter of worker @i (0 if out of range). */
uint64_t ktstr_workers_worker_iterations(const struct ktstr_workers *h, int i);
/*
 * Stop, collect the reports within @timeout_ms (0: KTSTR_STOP_TIMEOUT_MS),
 * kill every process group and reap. Idempotent. Returns the number of
 * workers whose own report arrived.
 */
int ktstr_workers_stop(struct ktstr_workers *h, unsigned int timeout_ms);
/* The reports (valid after stop; one per worker, in index order). */
const struct ktstr_report *ktstr_workers_reports(const struct ktstr_workers *h,
						 int *nr);
/* Mutable access, for merging /dev/ktstr records. */
struct ktstr_report *ktstr_workers_reports_mut(struct ktstr_workers *h, int *nr);
/* Stop (if needed) and free. NULL is a no-op. */
void ktstr_workers_free(struct ktstr_workers *h);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_WORKER_H */
