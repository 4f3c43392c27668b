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

struct ktstr_dev;

/**
 * struct ktstr_backend - one tracer (a constant table; state lives in *st)
 * @name:	"module", "bpf" or "taskstats"
 * @open:	start it; *st is its state. 0 or -errno (-ENOTSUP: not built
 *		in, -ENOENT: not available on this system)
 * @track_pid:	track a thread from now on; @follow: and what it forks
 * @snapshot:	every record so far (malloc()ed array, caller frees)
 * @close:	stop and free (NULL st is a no-op)
 * @last_error:	one line about the last failure of this backend
 */
struct ktstr_backend {
	const char *name;
	int (*open)(void **st);
	int (*track_pid)(void *st, pid_t pid, bool follow);
	int (*snapshot)(void *st, struct ktstr_task_rec **recs, size_t *n);
	void (*close)(void *st);
	const char *(*last_error)(void);
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

/* The module backend's device (for events, CPU records, stats), or NULL. */
struct ktstr_dev *ktstr_backend_module_dev(void *st);
/*
 * The taskstats backend's lost exit records so far (receive buffer
 * overflows, each of one record or more): the report's "dropped".
 */
uint64_t ktstr_backend_taskstats_dropped(void *st);

#ifdef __cplusplus
}
#endif

#endif /* KTSTR_BACKEND_H */
