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

/**
 * struct ktstr_reservoir - uniform reservoir sample (Algorithm R)
 * @total: values offered
 * @sum_ns: their sum
 * @max_ns: the largest of them
 * @nr: valid samples: min(@total, KTSTR_WAKE_SAMPLES)
 * @__pad: zero
 * @samples: up to KTSTR_WAKE_SAMPLES of the values
 */
struct ktstr_reservoir {
	uint64_t total;
	uint64_t sum_ns;
	uint64_t max_ns;
	uint32_t nr;
	uint32_t __pad;
	uint64_t samples[KTSTR_WAKE_SAMPLES];
};

/**
 * ktstr_reservoir_add() - offer a value to a reservoir
 * @r: the reservoir
 * @v: the value
 * @rng: the caller's xorshift state (non-zero)
 */
void ktstr_reservoir_add(struct ktstr_reservoir *r, uint64_t v, uint64_t *rng);

/**
 * ktstr_reservoir_percentile() - a percentile of the samples, nearest rank
 * @r: the reservoir
 * @p: the percentile, 0..100
 *
 * Return: the sample, 0 when @r is empty.
 */
uint64_t ktstr_reservoir_percentile(const struct ktstr_reservoir *r, double p);

/**
 * struct ktstr_migration - a CPU change seen at a checkpoint
 * @at_ns: when, since the worker started its loop
 * @from_cpu: the CPU of the previous checkpoint
 * @to_cpu: the CPU of this one
 */
struct ktstr_migration {
	uint64_t at_ns;
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

/**
 * ktstr_exit_kind_name() - the name of how a worker ended
 * @kind: an enum ktstr_exit_kind
 *
 * Return: "exited", "killed", "crashed", "timed out", "wait failed" or
 * "running".
 */
const char *ktstr_exit_kind_name(int kind);

/**
 * ktstr_report_exit_str() - how a worker ended, as one line
 * @r: its report
 * @buf: receives the line ("exited 0", "crashed: SIGSEGV", "timed out")
 * @len: size of @buf
 *
 * Return: as snprintf().
 */
int ktstr_report_exit_str(const struct ktstr_report *r, char *buf, size_t len);

/**
 * ktstr_report_merge_krec() - copy the module's record into a report
 * @r: the report (has_krec becomes true)
 * @rec: the worker's record
 *
 * Return: 0, or -EINVAL on NULL.
 */
int ktstr_report_merge_krec(struct ktstr_report *r,
			    const struct ktstr_task_rec *rec);

/**
 * ktstr_task_rec_newest() - a thread's newest record
 * @recs: the records
 * @n: how many
 * @pid: the thread
 *
 * The newest is the one with the latest start_time_ns: a reused pid names
 * another task. The one definition of "a worker's record" for every path
 * that joins records with workers.
 *
 * Return: the record, or NULL if @pid has none.
 */
const struct ktstr_task_rec *ktstr_task_rec_newest(const struct ktstr_task_rec *recs,
						   size_t n, pid_t pid);

/**
 * ktstr_reports_merge_krecs() - give each report its worker's newest record
 * @reports: the reports
 * @nr: how many
 * @recs: the records
 * @nrecs: how many
 *
 * Each report gets the newest record with its pid (pids can be reused).
 *
 * Return: how many reports got a record.
 */
int ktstr_reports_merge_krecs(struct ktstr_report *reports, size_t nr,
			      const struct ktstr_task_rec *recs, size_t nrecs);

/* ---- the worker side: helpers for work functions ---- */

/**
 * struct ktstr_work_ctx - what a work function sees
 * @work: the work type and its parameters
 * @index: this worker's index in its set
 * @nr_workers: the set's size
 * @group: this worker's group
 * @group_idx: its index in the group (0: the leader)
 * @group_size: the group's size
 * @group_shm: zeroed MAP_SHARED memory, shared by the group
 * @group_shm_size: its size
 * @pipes: the group's pipes (-1 when unused)
 * @report: this worker's report, being filled
 * @rng: xorshift64 state, per worker
 * @stop_flag: private to worker.c
 * @live_iters: private to worker.c
 * @last_cp_ns: private to worker.c
 * @last_cpu: private to worker.c
 *
 * Fields are read-only for the work function; the report is finished by
 * the worker code after the function returns.
 */
struct ktstr_work_ctx {
	const struct ktstr_work *work;
	int index, nr_workers;
	int group, group_idx, group_size;
	void *group_shm;
	size_t group_shm_size;
	int pipes[4][2];
	struct ktstr_report *report;
	uint64_t rng;
	volatile int *stop_flag;
	volatile uint64_t *live_iters;
	uint64_t last_cp_ns;
	int last_cpu;
};

/**
 * ktstr_work_stop() - was the worker asked to stop
 * @wc: the worker's context
 *
 * Cheap; call it often.
 *
 * Return: true once the worker was asked to stop.
 */
bool ktstr_work_stop(const struct ktstr_work_ctx *wc);

/**
 * ktstr_work_progress() - count work and take a checkpoint
 * @wc: the worker's context
 * @units: units of work done since the last call
 *
 * Counts @units and one iteration; the checkpoint records the gap since
 * the previous one and the CPU (a change is a migration).
 */
void ktstr_work_progress(struct ktstr_work_ctx *wc, uint64_t units);

/**
 * ktstr_work_wake() - record a wake latency
 * @wc: the worker's context
 * @ns: the latency (handoff, oversleep, lock acquisition)
 */
void ktstr_work_wake(struct ktstr_work_ctx *wc, uint64_t ns);

/**
 * ktstr_work_sleep() - sleep, unless asked to stop
 * @wc: the worker's context
 * @ns: how long
 *
 * Sleeps in slices of at most 10 ms, returning early on stop; records the
 * oversleep (actual - requested) as a wake latency.
 *
 * Return: true if the whole sleep happened.
 */
bool ktstr_work_sleep(struct ktstr_work_ctx *wc, uint64_t ns);

/**
 * ktstr_work_spin() - spin a cheap loop the compiler cannot remove
 * @iters: its iterations
 */
void ktstr_work_spin(uint64_t iters);

/**
 * ktstr_work_rand() - the next value of the worker's xorshift64 generator
 * @wc: the worker's context
 *
 * Return: the value.
 */
uint64_t ktstr_work_rand(struct ktstr_work_ctx *wc);

/* ---- the runner side ---- */

struct ktstr_workers;

/**
 * struct ktstr_spawn_opts - where and how ktstr_workers_spawn() starts workers
 * @cg: the cgroup manager to move every worker with before it starts; NULL:
 *	they stay in the runner's cgroup
 * @cgroup: the cgroup (a name of @cg) to move them into
 * @seed: for random affinity and the workers' generators; 0: from the pid
 */
struct ktstr_spawn_opts {
	struct ktstr_cgroups *cg;
	const char *cgroup;
	uint64_t seed;
};

/**
 * ktstr_workers_spawn() - fork a workload's workers
 * @wl: the workload: @wl->nr_workers workers are forked
 * @opts: where and how; NULL for the defaults
 * @out: receives the worker set
 *
 * Waits until every worker is ready to start (ktstr_workers_start()). On
 * failure, workers already forked are killed and reaped.
 *
 * Return: 0, or -errno with ktstr_last_error() set.
 */
int ktstr_workers_spawn(const struct ktstr_workload *wl,
			const struct ktstr_spawn_opts *opts,
			struct ktstr_workers **out);

/**
 * ktstr_workers_start() - let the workers run
 * @h: the worker set
 *
 * Return: 0, or -EALREADY if they were started.
 */
int ktstr_workers_start(struct ktstr_workers *h);

/**
 * ktstr_workers_count() - how many workers a set has
 * @h: the worker set
 *
 * Return: the count.
 */
int ktstr_workers_count(const struct ktstr_workers *h);

/**
 * ktstr_workers_pid() - a worker's pid
 * @h: the worker set
 * @i: the worker's index
 *
 * Return: its pid, -1 if @h is NULL or @i out of range.
 */
pid_t ktstr_workers_pid(const struct ktstr_workers *h, int i);

/**
 * ktstr_workers_iterations() - the workers' iterations so far
 * @h: the worker set
 *
 * Read from the live counters (shared memory), without stopping.
 *
 * Return: the sum of the counters.
 */
uint64_t ktstr_workers_iterations(const struct ktstr_workers *h);

/**
 * ktstr_workers_worker_iterations() - one worker's iterations so far
 * @h: the worker set
 * @i: the worker's index
 *
 * Return: its live counter, 0 if @i is out of range.
 */
uint64_t ktstr_workers_worker_iterations(const struct ktstr_workers *h, int i);

/**
 * ktstr_workers_stop() - stop the workers and collect their reports
 * @h: the worker set
 * @timeout_ms: how long to wait for the reports; 0: KTSTR_STOP_TIMEOUT_MS
 *
 * Kills every process group and reaps. Idempotent.
 *
 * Return: the number of workers whose own report arrived.
 */
int ktstr_workers_stop(struct ktstr_workers *h, unsigned int timeout_ms);

/**
 * ktstr_workers_reports() - the workers' reports
 * @h: the worker set, stopped
 * @nr: receives how many (one per worker)
 *
 * Return: the reports, in index order.
 */
const struct ktstr_report *ktstr_workers_reports(const struct ktstr_workers *h,
						 int *nr);

/**
 * ktstr_workers_reports_mut() - the workers' reports, to merge records into
 * @h: the worker set, stopped
 * @nr: receives how many
 *
 * Return: the reports, in index order.
 */
struct ktstr_report *ktstr_workers_reports_mut(struct ktstr_workers *h, int *nr);

/**
 * ktstr_workers_free() - stop (if needed) and free a worker set
 * @h: the worker set; NULL is a no-op
 */
void ktstr_workers_free(struct ktstr_workers *h);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_WORKER_H */
