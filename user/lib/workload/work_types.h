/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private interface between the work-type registry (workload.c), the
 * worker runtime (worker*.c) and the work types (work_*.c).
 */
#ifndef KTSTR_LIB_WORK_TYPES_H
#define KTSTR_LIB_WORK_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include <ktstr/worker.h>
#include <ktstr/workload.h>

#include "util/ktstr_error.h"

/* Longest a work loop may go without looking at the stop flag. */
#define KTSTR_STOP_SLICE_NS	(10ULL * 1000000ULL)
#define KTSTR_SPIN_CHUNK	1024

struct ktstr_work_type {
	const char *name;
	const char *help;
	int (*run)(struct ktstr_work_ctx *wc);
	/* Per group, before fork; NULL: 1 worker, no shared memory. */
	int (*group_size)(const struct ktstr_work *w);
	size_t (*shm_size)(const struct ktstr_work *w);
	/* In the runner, on the zeroed shared memory, before fork. */
	int (*shm_init)(void *shm, const struct ktstr_work *w);
	int nr_pipes;		/* pipes per group, at most 4 */
	int fixed_workers;	/* 0: any count */
};

const struct ktstr_work_type *ktstr_work_type(enum ktstr_work_kind kind);
/* Record the message for ktstr_last_error(); evaluates to @err. */
#define ktstr_work_fail(err, ...)	KTSTR_FAIL(err, __VA_ARGS__)

/* work_cpu.c */
/*
 * Spin for @ns of wall time in KTSTR_SPIN_CHUNK chunks, checking stop
 * between them and, with @count, counting each chunk as progress. False
 * once stopped (work_cpu.c).
 */
bool ktstr_work_spin_for(struct ktstr_work_ctx *wc, uint64_t ns, bool count);
int ktstr_run_spin_wait(struct ktstr_work_ctx *wc);
int ktstr_run_yield_heavy(struct ktstr_work_ctx *wc);
int ktstr_run_mixed(struct ktstr_work_ctx *wc);
int ktstr_run_bursty(struct ktstr_work_ctx *wc);
int ktstr_run_cache_pressure(struct ktstr_work_ctx *wc);
int ktstr_run_cache_yield(struct ktstr_work_ctx *wc);
int ktstr_run_timer_latency(struct ktstr_work_ctx *wc);
int ktstr_run_sequence(struct ktstr_work_ctx *wc);
int ktstr_run_custom(struct ktstr_work_ctx *wc);
/* work_io.c */
int ktstr_run_io_sync_write(struct ktstr_work_ctx *wc);
int ktstr_io_open(struct ktstr_work_ctx *wc);
int ktstr_io_write_sync(int fd, char *buf, size_t len, uint64_t file_bytes);
/* work_pipe.c */
int ktstr_run_pipe_io(struct ktstr_work_ctx *wc);
int ktstr_run_cache_pipe(struct ktstr_work_ctx *wc);
/* work_sync.c */
int ktstr_run_chain(struct ktstr_work_ctx *wc);	/* FutexPingPong, WakeChain */
int ktstr_run_fan(struct ktstr_work_ctx *wc);	/* FutexFanOut, FanOutCompute, ThunderingHerd */
size_t ktstr_chain_shm_size(const struct ktstr_work *w);
size_t ktstr_fan_shm_size(const struct ktstr_work *w);
/* work_lock.c */
int ktstr_run_mutex_contention(struct ktstr_work_ctx *wc);
int ktstr_run_priority_inversion(struct ktstr_work_ctx *wc);
int ktstr_run_rt_starvation(struct ktstr_work_ctx *wc);
size_t ktstr_lock_shm_size(const struct ktstr_work *w);
int ktstr_mutex_shm_init(void *shm, const struct ktstr_work *w);
int ktstr_pi_shm_init(void *shm, const struct ktstr_work *w);
/* work_churn.c */
int ktstr_run_fork_exit(struct ktstr_work_ctx *wc);
int ktstr_run_nice_sweep(struct ktstr_work_ctx *wc);
int ktstr_run_affinity_churn(struct ktstr_work_ctx *wc);
int ktstr_run_policy_churn(struct ktstr_work_ctx *wc);
int ktstr_run_page_fault_churn(struct ktstr_work_ctx *wc);

/* worker_sched.c: sched_setattr() wrapper shared with PolicyChurn. */
int ktstr_set_policy(const struct ktstr_sched *s);

#endif
