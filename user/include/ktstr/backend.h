/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Backends: who measures the tasks. Three tracers fill the same record,
 * struct ktstr_task_rec, so every consumer (ktstr stat, the tests, the
 * benchmarks) reads one format whichever produced it:
 *
 *   module     ktstr.ko through /dev/ktstr (dev.h): exact, cheapest, all
 *              fields, starvation events; needs the module loaded
 *   bpf        the BPF collector (user/bpf): same tracepoints and state
 *              machine as the module, from tp_btf programs; for hosts that
 *              cannot load an out-of-tree module (lockdown, Secure Boot).
 *              No per-CPU records, no starvation events
 *   taskstats  the kernel's own taskstats over netlink: run, wait, runs and
 *              switch counts only, read when a snapshot is taken; children
 *              are found by a /proc scan then, and the ones that already
 *              exited by the kernel's exit records (docs/backends.md)
 *
 * ktstr_backend_pick(NULL) tries them in that order.
 */
#ifndef KTSTR_BACKEND_H
#define KTSTR_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/ktstr.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

struct ktstr_dev;

/*
 * What a backend's records carry (struct ktstr_backend.has). A field a
 * backend does not measure stays 0 in its records: readers must tell
 * "unknown" from "zero" with these bits, never trust the 0.
 */
#define KTSTR_HAS_MAX_WAIT	(1u << 0)	/* max_wait_ns/_cpu, cur_wait_ns */
#define KTSTR_HAS_WAKEUPS	(1u << 1)	/* nr_wakeups */
#define KTSTR_HAS_MIGRATIONS	(1u << 2)	/* nr_migrations */
#define KTSTR_HAS_CPUS		(1u << 3)	/* cpus[], last_cpu */
#define KTSTR_HAS_HIST		(1u << 4)	/* wake-to-run histogram */
/*
 * A watchdog that sees a starvation while it lasts: nr_starvations and
 * max_starve_* in the records, STARVE_BEGIN/END events (the module's timer
 * scan). Without it but with KTSTR_HAS_MAX_WAIT, starvation is judged from
 * each record's longest wait at the snapshot (ktstr_task_rec_starved()).
 */
#define KTSTR_HAS_WATCHDOG	(1u << 5)
#define KTSTR_HAS_ALL		((1u << 6) - 1)

/**
 * struct ktstr_backend - one tracer (a constant table; state lives in *st)
 * @name:	"module", "bpf" or "taskstats"
 * @open:	start it; *st is its state. 0 or -errno (-ENOTSUP: not built
 *		in, -ENOENT: not available on this system)
 * @track_pid:	track a thread from now on; @follow: and what it forks
 * @snapshot:	every record so far (malloc()ed array, caller frees)
 * @close:	stop and free (NULL st is a no-op)
 * @last_error:	one line about the last failure of this backend
 * @has:	KTSTR_HAS_* bits: what its records carry
 */
struct ktstr_backend {
	const char *name;
	int (*open)(void **st);
	int (*track_pid)(void *st, pid_t pid, bool follow);
	int (*snapshot)(void *st, struct ktstr_task_rec **recs, size_t *n);
	void (*close)(void *st);
	const char *(*last_error)(void);
	unsigned int has;
};

extern const struct ktstr_backend ktstr_backend_module;
extern const struct ktstr_backend ktstr_backend_bpf;
extern const struct ktstr_backend ktstr_backend_taskstats;

/* The backend called name, or NULL. */
const struct ktstr_backend *ktstr_backend_find(const char *name);

/*
 * Open the backend called name; with name NULL (or "auto"), the first of
 * module, bpf, taskstats that opens. On success *be and *st are set.
 * -EINVAL for an unknown name; otherwise the error of the named backend,
 * or of the last one tried (each one's reason: ktstr_backend_pick_error()).
 */
int ktstr_backend_pick(const char *name, const struct ktstr_backend **be, void **st);
/* Why the last ktstr_backend_pick() failed, or why it skipped backends. */
const char *ktstr_backend_pick_error(void);

/*
 * Starvation judged from a record alone, for backends without a watchdog:
 * true when the task's longest wait, or the wait in progress at the
 * snapshot, passed @threshold_ns (strictly). That is at most one episode
 * per task (the longest), and it is seen only when a snapshot is taken:
 * after the wait ended, or while it lasts at the snapshot, never when the
 * threshold was crossed. *@wait_ns and *@cpu (may be NULL) get that wait
 * and its CPU.
 */
bool ktstr_task_rec_starved(const struct ktstr_task_rec *t, uint64_t threshold_ns,
			    uint64_t *wait_ns, int *cpu);

/* The module backend's device (for events, CPU records, stats), or NULL. */
struct ktstr_dev *ktstr_backend_module_dev(void *st);
/*
 * The taskstats backend's lost exit records so far (receive buffer
 * overflows, each of one record or more): the report's "dropped".
 */
uint64_t ktstr_backend_taskstats_dropped(void *st);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_BACKEND_H */
