/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Work types: what a worker process does in its loop, with ktstr's names,
 * defaults and parameters, and the workload configuration (work type, worker
 * count, scheduling policy, nice, affinity, NUMA memory policy) that
 * ktstr_workers_spawn() (worker.h) turns into processes.
 *
 * Names are ktstr's ("SpinWait", "FutexPingPong", ...) compared without
 * regard to case. ktstr_work_parse() also reads parameters for the command
 * line: "Bursty{burst_ms=20,sleep_ms=10}", "Sequence{spin=20,sleep=10}".
 *
 * Grouped types (pairs, fan-out, chains) run their workers in groups that
 * share memory; the worker count must be a multiple of the group size.
 *
 * Conventions: functions return 0 (or a count) on success and a negative
 * errno on failure; they never print. ktstr_last_error() describes the
 * last failure in the calling thread.
 */
#ifndef KTSTR_WORKLOAD_H
#define KTSTR_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ktstr/cpulist.h>
#include <ktstr/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

enum ktstr_work_kind {
	KTSTR_WORK_SPIN_WAIT,
	KTSTR_WORK_YIELD_HEAVY,
	KTSTR_WORK_MIXED,
	KTSTR_WORK_IO_SYNC_WRITE,
	KTSTR_WORK_BURSTY,
	KTSTR_WORK_PIPE_IO,
	KTSTR_WORK_FUTEX_PING_PONG,
	KTSTR_WORK_CACHE_PRESSURE,
	KTSTR_WORK_CACHE_YIELD,
	KTSTR_WORK_CACHE_PIPE,
	KTSTR_WORK_FUTEX_FAN_OUT,
	KTSTR_WORK_SEQUENCE,
	KTSTR_WORK_FORK_EXIT,
	KTSTR_WORK_NICE_SWEEP,
	KTSTR_WORK_AFFINITY_CHURN,
	KTSTR_WORK_POLICY_CHURN,
	KTSTR_WORK_FAN_OUT_COMPUTE,
	KTSTR_WORK_PAGE_FAULT_CHURN,
	KTSTR_WORK_MUTEX_CONTENTION,
	KTSTR_WORK_CUSTOM,
	KTSTR_WORK_WAKE_CHAIN,
	KTSTR_WORK_THUNDERING_HERD,
	KTSTR_WORK_TIMER_LATENCY,
	KTSTR_WORK_PRIORITY_INVERSION,
	KTSTR_WORK_RT_STARVATION,
	KTSTR_WORK_NR
};

/* Sequence phases: each runs for its duration, then the next one. */
enum ktstr_phase_kind {
	KTSTR_PHASE_SPIN,
	KTSTR_PHASE_SLEEP,
	KTSTR_PHASE_YIELD,
	KTSTR_PHASE_IO,
};

#define KTSTR_SEQ_MAX_PHASES	8

struct ktstr_phase {
	enum ktstr_phase_kind kind;
	uint64_t ms;
};

struct ktstr_work_ctx;
/**
 * typedef ktstr_work_fn - a Custom work function
 * @wc: the worker's context, for ktstr_work_stop() and ktstr_work_progress()
 * @arg: the custom.arg of its struct ktstr_work
 *
 * It loops until ktstr_work_stop(wc) is true, checking it at least every
 * ~10 ms, and calls ktstr_work_progress() for each unit of work.
 *
 * Return: 0 or a negative errno (reported as work_error).
 */
typedef int (*ktstr_work_fn)(struct ktstr_work_ctx *wc, void *arg);

/*
 * A work type and its parameters. Fill it with ktstr_work_init() or
 * ktstr_work_by_name() (ktstr's defaults), then change fields. Parameters
 * are uint64_t so the registry can read and check them generically.
 *
 * The parameters are an anonymous union (w.bursty.burst_ms), which is C11;
 * C99 compilers take it as an extension (GCC and Clang: __extension__
 * keeps -pedantic quiet), and C++ has it.
 */
#if defined(__GNUC__) && !defined(__cplusplus)
#define KTSTR_ANON_UNION __extension__ union
#else
#define KTSTR_ANON_UNION union
#endif
struct ktstr_work {
	enum ktstr_work_kind kind;
	KTSTR_ANON_UNION {
		struct { uint64_t spin_iters; } mixed;
		struct { uint64_t write_kb, sleep_us, file_kb; } io_sync_write;
		struct { uint64_t burst_ms, sleep_ms; } bursty;
		struct { uint64_t burst_iters; } pipe_io;
		struct { uint64_t spin_iters; } futex_ping_pong;
		struct { uint64_t size_kb, stride; } cache_pressure;
		struct { uint64_t size_kb, stride; } cache_yield;
		struct { uint64_t size_kb, burst_iters; } cache_pipe;
		struct { uint64_t fan_out, spin_iters; } futex_fan_out;
		struct {
			uint64_t nr_phases;
			struct ktstr_phase phases[KTSTR_SEQ_MAX_PHASES];
		} sequence;
		struct { uint64_t spin_iters; } nice_sweep;
		struct { uint64_t spin_iters; } affinity_churn;
		struct { uint64_t spin_iters; } policy_churn;
		struct {
			uint64_t fan_out, cache_footprint_kb, operations, sleep_usec;
		} fan_out_compute;
		struct {
			uint64_t region_kb, touches_per_cycle, spin_iters;
		} page_fault_churn;
		struct {
			uint64_t contenders, hold_iters, work_iters;
		} mutex_contention;
		struct {
			ktstr_work_fn fn;
			void *arg;
			const char *name;	/* shown in reports; "Custom" */
		} custom;
		struct { uint64_t depth, work_per_hop; } wake_chain;
		struct { uint64_t waiters, interval_us; } thundering_herd;
		struct { uint64_t interval_us; } timer_latency;
		struct {
			uint64_t hold_us, burst_us, sleep_us, rt;
		} priority_inversion;
		struct { uint64_t rt_prio, spin_iters; } rt_starvation;
	};
	/* Directory for the files of IoSyncWrite and Sequence's Io phase;
	 * NULL: $TMPDIR, else /tmp. Files are unlinked right after creation. */
	const char *dir;
};

/* ---- registry ---- */

/**
 * ktstr_work_name() - ktstr's name of a work type
 * @kind: the type
 *
 * Return: the name ("SpinWait"), or NULL when @kind is out of range.
 */
const char *ktstr_work_name(enum ktstr_work_kind kind);

/**
 * ktstr_work_init() - a work type with its defaults
 * @w: filled
 * @kind: the type
 *
 * Return: 0, or -EINVAL for a bad @kind (ktstr_last_error() says why).
 */
int ktstr_work_init(struct ktstr_work *w, enum ktstr_work_kind kind);

/**
 * ktstr_work_by_name() - a work type, by name, with its defaults
 * @name: the type's name, case-insensitive
 * @w: filled
 *
 * Return: 0, or -ENOENT for an unknown name (ktstr_last_error() says why).
 */
int ktstr_work_by_name(const char *name, struct ktstr_work *w);

/**
 * ktstr_work_parse() - a work type and its parameters from a string
 * @spec: "Name" or "Name{key=value,...}" (keys from ktstr_work_param());
 *	Sequence takes phases in order, in milliseconds:
 *	"Sequence{spin=20,sleep=10,yield=5,io=5}"
 * @w: filled
 *
 * Custom cannot be parsed (it needs a function).
 *
 * Return: 0, or -errno (-EINVAL, -ENOENT) with ktstr_last_error() naming
 * the offending part.
 */
int ktstr_work_parse(const char *spec, struct ktstr_work *w);

/**
 * struct ktstr_work_param - one numeric parameter of a work type
 * @name: its key in ktstr_work_parse()'s "Name{key=value}"
 * @offset: of its uint64_t in struct ktstr_work
 * @def: the default
 * @min: the least value accepted
 * @max: the greatest value accepted
 * @help: one line about it
 */
struct ktstr_work_param {
	const char *name;
	size_t offset;
	uint64_t def, min, max;
	const char *help;
};

/**
 * ktstr_work_param() - one parameter of a work type
 * @kind: the type
 * @i: the parameter's index, from 0
 *
 * Return: the parameter, or NULL past the last one.
 */
const struct ktstr_work_param *ktstr_work_param(enum ktstr_work_kind kind,
						 int i);

/**
 * ktstr_work_help() - one-line description of a work type
 * @kind: the type
 *
 * Return: the description.
 */
const char *ktstr_work_help(enum ktstr_work_kind kind);

/**
 * ktstr_work_group_size() - workers per group of a work type
 * @w: the type and its parameters
 *
 * Return: 1 for independent types, 2 for pairs (PipeIo, FutexPingPong,
 * CachePipe, RtStarvation), fan_out + 1 (FutexFanOut, FanOutCompute),
 * waiters + 1 (ThunderingHerd), contenders (MutexContention), depth
 * (WakeChain), 3 (PriorityInversion).
 */
int ktstr_work_group_size(const struct ktstr_work *w);

/**
 * ktstr_work_fixed_workers() - the worker count a work type always uses
 * @w: the type and its parameters
 *
 * Return: the count (2 for IoSyncWrite), 0 if any count will do.
 */
int ktstr_work_fixed_workers(const struct ktstr_work *w);
/*
 * Most workers one worker set may have (ktstr_work_check()), and most a
 * helper of <ktstr/ctx.h> spawns in one call: each is a process, and a
 * runaway count (INT_MAX) must fail before anything is forked.
 */
#define KTSTR_WORKERS_MAX	16384

/**
 * ktstr_work_check() - does a worker count fit a work type
 * @w: the type and its parameters
 * @nr_workers: the count
 *
 * It fits when positive, at most KTSTR_WORKERS_MAX, a multiple of the
 * group size, equal to the fixed count if there is one, and the
 * parameters are within their range.
 *
 * Return: 0 if it fits, else -EINVAL (-E2BIG above KTSTR_WORKERS_MAX) with
 * ktstr_last_error() naming the type and the rule; "" after a success.
 */
int ktstr_work_check(const struct ktstr_work *w, int nr_workers);

/**
 * ktstr_work_dfl_workers() - the default worker count of a cgroup
 * @w: the type and its parameters
 * @per_cgroup: the scenario's per-cgroup count
 *
 * Return: the fixed count if any, else @per_cgroup rounded up to the group
 * size. @per_cgroup <= 0 is -EINVAL (never "one worker"), above
 * KTSTR_WORKERS_MAX -E2BIG; a bad @w is -EINVAL.
 */
int ktstr_work_dfl_workers(const struct ktstr_work *w, int per_cgroup);

/* ---- workload configuration ---- */

enum ktstr_sched_policy {
	KTSTR_SCHED_INHERIT,	/* leave the runner's policy */
	KTSTR_SCHED_NORMAL,
	KTSTR_SCHED_BATCH,
	KTSTR_SCHED_IDLE,
	KTSTR_SCHED_FIFO,
	KTSTR_SCHED_RR,
	KTSTR_SCHED_DEADLINE,
};

struct ktstr_sched {
	enum ktstr_sched_policy policy;
	int prio;			/* FIFO/RR: 1..99 */
	uint64_t dl_runtime_ns;		/* DEADLINE */
	uint64_t dl_deadline_ns;
	uint64_t dl_period_ns;
};

enum ktstr_affinity_kind {
	KTSTR_AFF_INHERIT,	/* the cgroup's cpuset decides */
	KTSTR_AFF_EXACT,	/* exactly .cpus */
	KTSTR_AFF_SINGLE_CPU,	/* .cpu only */
	KTSTR_AFF_RANDOM,	/* .count CPUs drawn from .cpus per worker */
	/* Same as EXACT; .cpus computed by the caller (topo.h) and named
	 * for what it means: one LLC's CPUs, or CPUs of another cgroup. */
	KTSTR_AFF_LLC_ALIGNED,
	KTSTR_AFF_CROSS_CGROUP,
};

struct ktstr_affinity {
	enum ktstr_affinity_kind kind;
	struct ktstr_cpuset cpus;
	int cpu;
	int count;
};

/* Linux MPOL_* modes (values as in linux/mempolicy.h). */
enum ktstr_mpol_mode {
	KTSTR_MPOL_NONE = -1,	/* leave the memory policy alone */
	KTSTR_MPOL_DEFAULT = 0,
	KTSTR_MPOL_PREFERRED = 1,
	KTSTR_MPOL_BIND = 2,
	KTSTR_MPOL_INTERLEAVE = 3,
	KTSTR_MPOL_LOCAL = 4,
	KTSTR_MPOL_PREFERRED_MANY = 5,
	KTSTR_MPOL_WEIGHTED_INTERLEAVE = 6,
};

#define KTSTR_MPOL_F_NUMA_BALANCING	(1U << 13)
#define KTSTR_MPOL_F_RELATIVE_NODES	(1U << 14)
#define KTSTR_MPOL_F_STATIC_NODES	(1U << 15)

struct ktstr_mempolicy {
	enum ktstr_mpol_mode mode;
	struct ktstr_cpuset nodes;	/* kernel node numbers */
	unsigned int flags;		/* KTSTR_MPOL_F_* */
};

/**
 * struct ktstr_workload - what to spawn: @nr_workers processes running @work
 * @work: the work type and its parameters
 * @nr_workers: how many processes
 * @sched: their scheduling policy
 * @set_nice: set @nice (else the runner's is kept)
 * @nice: their nice value, with @set_nice
 * @affinity: their CPU affinity
 * @mem: their memory policy
 *
 * Use ktstr_workload_init() for the defaults (inherit policy, affinity and
 * memory policy, nice unchanged).
 */
struct ktstr_workload {
	struct ktstr_work work;
	int nr_workers;
	struct ktstr_sched sched;
	bool set_nice;
	int nice;
	struct ktstr_affinity affinity;
	struct ktstr_mempolicy mem;
};

/**
 * ktstr_workload_init() - a workload with the defaults
 * @wl: filled
 * @kind: the work type, with its defaults
 * @nr_workers: how many workers
 *
 * Everything else is inherited: policy, affinity, memory policy, nice.
 *
 * Return: 0, or -EINVAL for a bad @kind.
 */
int ktstr_workload_init(struct ktstr_workload *wl, enum ktstr_work_kind kind,
			int nr_workers);

/**
 * ktstr_workload_check() - is a workload sound
 * @wl: the workload
 *
 * ktstr_work_check() plus policy, affinity and memory policy sanity.
 *
 * Return: 0, or -EINVAL with ktstr_last_error() saying what is wrong.
 */
int ktstr_workload_check(const struct ktstr_workload *wl);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_WORKLOAD_H */
